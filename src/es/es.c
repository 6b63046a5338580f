/* optdyn es: parallel evolution strategies and variational optimization (SPEC §4). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <petscviewer.h>
#include "optdyn/es.h"
#include "optdyn/options.h"
#include "optdyn/output.h"
#include "optdyn/progress.h"
#include "optdyn/sweep.h"

#define OD_ES_MAX_LIST 1024
#define OD_ES_HIST_MAX_D 1000 /* per-generation mu is written when d <= this (SPEC §8) */
#define OD_ES_BLOCK 2048      /* components per noise block */

typedef enum { ALG_ES, ALG_VO } Algorithm;
typedef enum { DIST_ISOTROPIC, DIST_SEPARABLE, DIST_UNIVARIATE } Distribution;
typedef enum { SIG_DEFAULT, SIG_FIXED, SIG_ADAPT, SIG_DECAY } SigmaUpdate;
typedef enum { OPT_SGD, OPT_MOMENTUM, OPT_ADAM } Optimizer;
typedef enum { SHAPE_NONE, SHAPE_RANK } Shaping;
typedef enum { MODE_OPTIMIZE, MODE_VARIANCE } Mode;

static const char *const algorithm_names[] = {"es", "vo"};
static const char *const distribution_names[] = {"isotropic", "separable", "univariate"};
static const char *const sigma_update_names[] = {"default", "fixed", "adapt", "decay"};
static const char *const optimizer_names[] = {"sgd", "momentum", "adam"};
static const char *const shaping_names[] = {"none", "centered_rank"};
static const char *const mode_names[] = {"optimize", "variance"};

struct _n_OdEs {
  MPI_Comm comm;
  PetscMPIInt rank, size;
  OdOutput output;
  uint32_t seed;
  OdRng rng;
  OdEsObjective obj;
  /* options */
  char objective_name[64];
  PetscInt algorithm, distribution, sigma_update, optimizer, shaping, mode;
  PetscBool natural, natural_set, antithetic, baseline, bound, quiet, restart;
  PetscInt N, G, dim;
  PetscReal mu0_opt[OD_ES_MAX_LIST];
  PetscInt nmu0;
  PetscReal sigma0;
  PetscBool sigma0_set;
  PetscReal lr, lr_sigma, momentum, beta1, beta2, adam_eps, weight_decay;
  PetscReal sigma_min, sigma_max, sigma_decay, f_target;
  PetscInt check_interval, stop_after;
  PetscReal ckpt_interval;
  PetscInt runs;
  PetscReal sigma0_list[OD_ES_MAX_LIST];
  PetscInt nsigma0;
  PetscReal var_sigma[OD_ES_MAX_LIST];
  PetscInt var_pop[OD_ES_MAX_LIST], nvar_sigma, nvar_pop, var_reps;
  PetscReal bound_mu[2], bound_sigma[2];
  PetscInt bound_n[2];
  PetscBool bound_mu_set;
  /* problem */
  PetscInt d, nsig, Q, hist_d;
  PetscReal *mu0;
  PetscBool adapt, decay;
  /* persistent state: one array so that a checkpoint is a single write */
  PetscReal *state;
  size_t nstate;
  PetscReal *mu, *sig, *m1, *m2;                                                     /* current replicate */
  PetscReal *h_fmean, *h_sigma, *h_gnorm, *h_sgnorm, *h_fbest, *h_fpop, *h_mu, *h_sig; /* replicate 0 */
  PetscReal *r_f, *r_sigma, *r_mu, *r_basin;                                         /* finals per replicate */
  PetscInt q, gen;                                                                   /* position */
  /* work */
  PetscReal *w, *w2, *eps, *gacc, *sacc, *gmu, *gsig, *fit, *fit_local, *u;
  PetscMPIInt *counts, *displs;
  PetscInt lo, hi;
  /* bookkeeping */
  double t_loop, normals;
  PetscInt gens_timed, checks;
  PetscReal f_mu0, f_final;
  PetscBool done;
  char ckpt_path[PETSC_MAX_PATH_LEN + 8];
  /* variance study results */
  PetscReal *v_mean_iid, *v_var_iid, *v_mean_anti, *v_var_anti, *v_pred_iid, *v_pred_anti;
  PetscReal v_f, *v_grad;
};

PetscErrorCode OdEsCreate(MPI_Comm comm, OdEs *es)
{
  OdEs e;
  PetscFunctionBegin;
  PetscCall(PetscNew(&e));
  e->comm = comm;
  PetscCallMPI(MPI_Comm_rank(comm, &e->rank));
  PetscCallMPI(MPI_Comm_size(comm, &e->size));
  PetscCall(PetscStrncpy(e->objective_name, "himmelblau", sizeof e->objective_name));
  e->algorithm = ALG_VO;
  e->distribution = DIST_ISOTROPIC;
  e->sigma_update = SIG_DEFAULT;
  e->optimizer = OPT_SGD;
  e->shaping = SHAPE_NONE;
  e->natural = PETSC_TRUE;
  e->N = 100;
  e->G = 200;
  e->lr = 0.01;
  e->lr_sigma = -1;
  e->momentum = 0.9;
  e->beta1 = 0.9, e->beta2 = 0.999, e->adam_eps = 1e-8;
  e->sigma_min = 1e-12;
  e->sigma_max = 1e12;
  e->sigma_decay = 0.99;
  e->f_target = 1e-8;
  e->check_interval = 10;
  e->ckpt_interval = 60;
  e->runs = 1;
  e->nvar_sigma = 5;
  e->var_sigma[0] = 0.01, e->var_sigma[1] = 0.03, e->var_sigma[2] = 0.1, e->var_sigma[3] = 0.3, e->var_sigma[4] = 1.0;
  e->nvar_pop = 3;
  e->var_pop[0] = 10, e->var_pop[1] = 100, e->var_pop[2] = 1000;
  e->var_reps = 1000;
  e->bound_sigma[0] = 0.02, e->bound_sigma[1] = 2.0;
  e->bound_n[0] = 161, e->bound_n[1] = 100;
  PetscCall(OdOutputCreate(comm, &e->output));
  *es = e;
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsDestroy(OdEs *es)
{
  OdEs e = *es;
  PetscFunctionBegin;
  if (!e) PetscFunctionReturn(0);
  PetscCall(OdEsObjectiveDestroy(&e->obj));
  PetscCall(OdOutputDestroy(&e->output));
  PetscCall(PetscFree(e->mu0));
  PetscCall(PetscFree(e->state));
  PetscCall(PetscFree4(e->w, e->w2, e->eps, e->gacc));
  PetscCall(PetscFree3(e->sacc, e->gmu, e->gsig));
  PetscCall(PetscFree3(e->fit, e->fit_local, e->u));
  PetscCall(PetscFree2(e->counts, e->displs));
  PetscCall(PetscFree6(e->v_mean_iid, e->v_var_iid, e->v_mean_anti, e->v_var_anti, e->v_pred_iid, e->v_pred_anti));
  PetscCall(PetscFree(e->v_grad));
  PetscCall(PetscFree(e));
  *es = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsSetFromOptions(OdEs e)
{
  char list[1024], help[1200];
  PetscInt n;
  PetscFunctionBegin;
  PetscCall(OdOptionsSeed(e->comm, &e->seed));
  PetscCall(OdOutputSetFromOptions(e->output, "es.h5"));
  PetscOptionsBegin(e->comm, NULL, "Run control", NULL);
  PetscCall(OdOptionsBool(PetscOptionsObject, "-quiet", "No progress lines", &e->quiet, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-restart", "Continue from the checkpoint OUTPUT.ckpt if it exists", &e->restart, NULL));
  PetscOptionsEnd();
  PetscCall(OdEsObjectiveList(list, sizeof list));
  snprintf(help, sizeof help, "Objective: %s", list);
  PetscOptionsBegin(e->comm, "es_", "Evolution strategies / variational optimization (SPEC §4)", NULL);
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-mode", "optimize (run the search) or variance (gradient-estimator variance study at mu0)", mode_names, 2, &e->mode, NULL));
  PetscCall(OdOptionsString(PetscOptionsObject, "-objective", help, e->objective_name, sizeof e->objective_name, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-algorithm", "es (Algorithm 1: sigma fixed or scheduled) or vo (Algorithm 2: sigma learned)", algorithm_names, 2, &e->algorithm, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-distribution", "Gaussian search distribution: isotropic (sigma^2 I), separable (diag sigma_i^2), univariate (d = 1)", distribution_names, 3, &e->distribution, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-natural", "Natural gradient (inverse Fisher; sigma learned as log sigma); default: true for vo, false for es", &e->natural, &e->natural_set));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-antithetic", "Antithetic (mirrored) sampling: perturbations in pairs +eps, -eps (N even)", &e->antithetic, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-shaping", "Fitness shaping: none or centered_rank (utilities rank/(N-1) - 1/2)", shaping_names, 2, &e->shaping, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-baseline", "Subtract the population mean fitness (with -es_shaping none)", &e->baseline, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-population", "Population size N (perturbations per generation)", OD_RANGE_AT_LEAST(1), &e->N, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-generations", "Number of generations", OD_RANGE_AT_LEAST(1), &e->G, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-dim", "Dimension d (0: from -es_mu0 or the objective's default)", OD_RANGE_AT_LEAST(0), &e->dim, NULL));
  n = OD_ES_MAX_LIST;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-mu0", "Initial search mean x1,x2,... (d values, or one value for every component; default: the objective's)", OD_RANGE_ANY, 0, e->mu0_opt, &n, NULL));
  e->nmu0 = n;
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sigma0", "Initial search standard deviation sigma0 (default: the objective's)", OD_RANGE_POSITIVE, &e->sigma0, &e->sigma0_set));
  n = OD_ES_MAX_LIST;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-sigma0_list", "Several sigma0 values, each run -es_runs times (replicate study)", OD_RANGE_POSITIVE, 0, e->sigma0_list, &n, NULL));
  e->nsigma0 = n;
  PetscCall(OdOptionsInt(PetscOptionsObject, "-runs", "Independent replicates per sigma0 (different random streams)", OD_RANGE_AT_LEAST(1), &e->runs, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-lr", "Learning rate eta for mu", OD_RANGE_POSITIVE, &e->lr, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-lr_sigma", "Learning rate for the sigma parameter (default: -es_lr)", OD_RANGE_ANY, &e->lr_sigma, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-sigma_update", "default (es: fixed, vo: adapt), fixed, adapt (learned by VO), decay (sigma *= -es_sigma_decay each generation)", sigma_update_names, 4, &e->sigma_update, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sigma_decay", "Factor per generation for -es_sigma_update decay", OD_RANGE_HALF_OPEN(0, 1), &e->sigma_decay, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sigma_min", "Lower bound on sigma (keeps sigma positive for regular gradients)", OD_RANGE_NONNEGATIVE, &e->sigma_min, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sigma_max", "Upper bound on sigma", OD_RANGE_POSITIVE, &e->sigma_max, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-optimizer", "Update rule on the search gradient: sgd, momentum, adam", optimizer_names, 3, &e->optimizer, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-momentum", "Momentum coefficient (heavy ball: v = beta v + g)", OD_RANGE_HALF_OPEN(0, 1), &e->momentum, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-adam_beta1", "Adam beta1", OD_RANGE_HALF_OPEN(0, 1), &e->beta1, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-adam_beta2", "Adam beta2", OD_RANGE_HALF_OPEN(0, 1), &e->beta2, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-adam_epsilon", "Adam epsilon", OD_RANGE_POSITIVE, &e->adam_eps, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-weight_decay", "Weight decay lambda on mu (sgd/momentum: g += lambda mu; adam: decoupled)", OD_RANGE_NONNEGATIVE, &e->weight_decay, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-f_target", "Report the first generation with f(mu) below this", OD_RANGE_ANY, &e->f_target, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-check_interval", "Generations between checksum allreduces (they also carry the stop-signal flag)", OD_RANGE_AT_LEAST(1), &e->check_interval, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-checkpoint_interval", "Seconds between checkpoints of the search state (0: at every check)", OD_RANGE_NONNEGATIVE, &e->ckpt_interval, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-stop_after", "Testing: act as if SIGTERM arrived after this many generations in total (0: never)", OD_RANGE_AT_LEAST(0), &e->stop_after, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-bound", "Also tabulate the variational upper bound U(mu, sigma) on a grid (d = 1)", &e->bound, NULL));
  n = 2;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-bound_mu", "mu range lo,hi of the U grid (default mu0 -/+ 4)", OD_RANGE_ANY, 0, e->bound_mu, &n, &e->bound_mu_set));
  PetscCheck(!e->bound_mu_set || (n == 2 && e->bound_mu[1] > e->bound_mu[0]), e->comm, PETSC_ERR_USER_INPUT, "option -es_bound_mu is not allowed: expected lo,hi with lo < hi");
  n = 2;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-bound_sigma", "sigma range lo,hi of the U grid", OD_RANGE_POSITIVE, 2, e->bound_sigma, &n, NULL));
  PetscCheck(n == 2 && e->bound_sigma[1] > e->bound_sigma[0], e->comm, PETSC_ERR_USER_INPUT, "option -es_bound_sigma is not allowed: expected lo,hi with 0 < lo < hi");
  n = 2;
  PetscCall(OdOptionsIntList(PetscOptionsObject, "-bound_points", "Grid points nmu,nsigma of the U grid", OD_RANGE_AT_LEAST(2), 2, e->bound_n, &n, NULL));
  PetscCheck(n == 2, e->comm, PETSC_ERR_USER_INPUT, "option -es_bound_points is not allowed: expected nmu,nsigma");
  n = OD_ES_MAX_LIST;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-var_sigma", "Variance study: sigma values", OD_RANGE_POSITIVE, e->nvar_sigma, e->var_sigma, &n, NULL));
  e->nvar_sigma = n;
  n = OD_ES_MAX_LIST;
  PetscCall(OdOptionsIntList(PetscOptionsObject, "-var_population", "Variance study: population sizes N", OD_RANGE_AT_LEAST(1), e->nvar_pop, e->var_pop, &n, NULL));
  e->nvar_pop = n;
  PetscCall(OdOptionsInt(PetscOptionsObject, "-var_replicates", "Variance study: independent estimates per (sigma, N)", OD_RANGE_AT_LEAST(2), &e->var_reps, NULL));
  /* the objective reads its own options inside this block */
  {
    PetscInt d = e->dim;
    if (!d && e->nmu0 > 1) d = e->nmu0;
    PetscCall(OdEsObjectiveCreateByName(PetscOptionsObject, e->objective_name, d, &e->obj));
  }
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* Cross-option checks: every message names the option, the value and what is allowed. */
static PetscErrorCode Validate(OdEs e)
{
  const PetscInt d = OdEsObjectiveGetDimension(e->obj);
  PetscFunctionBegin;
  PetscCheck(e->nmu0 <= 1 || e->nmu0 == d, e->comm, PETSC_ERR_USER_INPUT, "option -es_mu0 has %" PetscInt_FMT " values, which is not allowed: objective %s has d = %" PetscInt_FMT " (give d values or one for all)", e->nmu0, e->objective_name, d);
  PetscCheck(e->dim == 0 || e->dim == d, e->comm, PETSC_ERR_USER_INPUT, "option -es_dim = %" PetscInt_FMT " is not allowed: objective %s has d = %" PetscInt_FMT, e->dim, e->objective_name, d);
  PetscCheck(e->distribution != DIST_UNIVARIATE || d == 1, e->comm, PETSC_ERR_USER_INPUT, "option -es_distribution = univariate is not allowed for d = %" PetscInt_FMT ": it needs d = 1 (use isotropic or separable)", d);
  PetscCheck(!e->antithetic || e->N % 2 == 0, e->comm, PETSC_ERR_USER_INPUT, "option -es_population = %" PetscInt_FMT " is not allowed with -es_antithetic: N must be even (pairs +eps, -eps)", e->N);
  PetscCheck(e->algorithm != ALG_ES || e->sigma_update != SIG_ADAPT, e->comm, PETSC_ERR_USER_INPUT, "option -es_sigma_update = adapt is not allowed with -es_algorithm es (ES keeps sigma fixed or scheduled): use -es_algorithm vo");
  PetscCheck(!(e->shaping == SHAPE_RANK && e->baseline), e->comm, PETSC_ERR_USER_INPUT, "option -es_baseline is not allowed with -es_shaping centered_rank (ranks are already centered)");
  PetscCheck(e->sigma_min < e->sigma_max, e->comm, PETSC_ERR_USER_INPUT, "option -es_sigma_min = %g is not allowed: must be < -es_sigma_max = %g", (double)e->sigma_min, (double)e->sigma_max);
  PetscCheck(e->nsigma0 * e->runs <= 65535, e->comm, PETSC_ERR_USER_INPUT, "option -es_runs = %" PetscInt_FMT " is not allowed: (number of sigma0 values) x runs must be <= 65535", e->runs);
  PetscCheck(!e->bound || d == 1, e->comm, PETSC_ERR_USER_INPUT, "option -es_bound is not allowed for d = %" PetscInt_FMT ": the U(mu, sigma) grid needs d = 1", d);
  PetscCheck(e->N <= 1000000000 && e->G <= 2000000000, e->comm, PETSC_ERR_USER_INPUT, "option -es_population = %" PetscInt_FMT " is too large", e->N);
  if (e->mode == MODE_VARIANCE) {
    PetscCheck(e->nvar_sigma * e->nvar_pop <= 65535, e->comm, PETSC_ERR_USER_INPUT, "options -es_var_sigma x -es_var_population have too many combinations (at most 65535)");
    PetscCheck(e->var_reps <= 2000000000, e->comm, PETSC_ERR_USER_INPUT, "option -es_var_replicates = %" PetscInt_FMT " is too large", e->var_reps);
  }
  PetscFunctionReturn(0);
}

/* ---------------- state layout ---------------- */

static PetscErrorCode AllocateState(OdEs e)
{
  const PetscInt d = e->d, G = e->G, ns = e->nsig, Q = e->Q, hd = e->hist_d;
  const PetscBool sep_hist = e->distribution == DIST_SEPARABLE && hd > 0;
  PetscReal *p;
  PetscFunctionBegin;
  e->nstate = (size_t)d + ns + 2 * (size_t)(d + ns) + 6 * (size_t)G + (size_t)G * hd + (sep_hist ? (size_t)G * hd : 0) + 3 * (size_t)Q + (size_t)Q * hd;
  PetscCall(PetscCalloc1(e->nstate, &e->state));
  p = e->state;
  e->mu = p, p += d;
  e->sig = p, p += ns;
  e->m1 = p, p += d + ns;
  e->m2 = p, p += d + ns;
  e->h_fmean = p, p += G;
  e->h_sigma = p, p += G;
  e->h_gnorm = p, p += G;
  e->h_sgnorm = p, p += G;
  e->h_fbest = p, p += G;
  e->h_fpop = p, p += G;
  e->h_mu = p, p += (size_t)G * hd;
  e->h_sig = sep_hist ? p : NULL, p += sep_hist ? (size_t)G * hd : 0;
  e->r_f = p, p += Q;
  e->r_sigma = p, p += Q;
  e->r_basin = p, p += Q;
  e->r_mu = p, p += (size_t)Q * hd;
  PetscCheck((size_t)(p - e->state) == e->nstate, PETSC_COMM_SELF, PETSC_ERR_PLIB, "state layout");
  PetscFunctionReturn(0);
}

static PetscReal Sigma0Of(OdEs e, PetscInt q) { return e->nsigma0 ? e->sigma0_list[q / e->runs] : e->sigma0; }

static void InitReplicate(OdEs e, PetscInt q)
{
  for (PetscInt i = 0; i < e->d; i++) e->mu[i] = e->mu0[i];
  for (PetscInt i = 0; i < e->nsig; i++) e->sig[i] = Sigma0Of(e, q);
  for (PetscInt i = 0; i < e->d + e->nsig; i++) e->m1[i] = e->m2[i] = 0;
}

PetscErrorCode OdEsSetUp(OdEs e)
{
  const PetscReal *mu0;
  PetscReal s0;
  PetscFunctionBegin;
  PetscCall(Validate(e));
  e->d = OdEsObjectiveGetDimension(e->obj);
  OdEsObjectiveGetDefaults(e->obj, &mu0, &s0);
  if (!e->sigma0_set) e->sigma0 = s0;
  if (e->lr_sigma < 0) e->lr_sigma = e->lr;
  PetscCall(PetscMalloc1(e->d, &e->mu0));
  for (PetscInt i = 0; i < e->d; i++) e->mu0[i] = e->nmu0 == 0 ? mu0[i] : (e->nmu0 == 1 ? e->mu0_opt[0] : e->mu0_opt[i]);
  if (!e->natural_set) e->natural = e->algorithm == ALG_VO ? PETSC_TRUE : PETSC_FALSE;
  if (e->sigma_update == SIG_DEFAULT) e->sigma_update = e->algorithm == ALG_ES ? SIG_FIXED : SIG_ADAPT;
  e->adapt = e->sigma_update == SIG_ADAPT;
  e->decay = e->sigma_update == SIG_DECAY;
  e->nsig = e->distribution == DIST_SEPARABLE ? e->d : 1;
  e->Q = (e->nsigma0 ? e->nsigma0 : 1) * e->runs;
  e->hist_d = e->d <= OD_ES_HIST_MAX_D ? e->d : 0;
  e->rng = OdRngCreate(e->seed, OD_STREAM_ES);
  OdEsNoiseInit();
  snprintf(e->ckpt_path, sizeof e->ckpt_path, "%s.ckpt", OdOutputGetPath(e->output));
  /* SIGTERM/SIGUSR1 set the shared stop flag of sweep.h (the handler lives there) */
  {
    OdSweep dummy;
    PetscCall(OdSweepCreate(e->comm, &dummy));
    PetscCall(OdSweepSetSizes(dummy, 1, 1, 1));
    PetscCall(OdSweepSetUp(dummy));
    PetscCall(OdSweepDestroy(&dummy));
  }
  if (e->mode == MODE_OPTIMIZE) {
    PetscCall(AllocateState(e));
    const PetscInt blk = PetscMin(e->d, OD_ES_BLOCK);
    PetscCall(PetscMalloc4(e->d, &e->w, e->d, &e->w2, blk, &e->eps, e->d, &e->gacc));
    PetscCall(PetscMalloc3(e->distribution == DIST_SEPARABLE ? e->d : 1, &e->sacc, e->d, &e->gmu, e->nsig, &e->gsig));
    PetscCall(PetscMalloc3(e->N, &e->fit, e->N, &e->fit_local, e->N, &e->u));
    PetscCall(PetscMalloc2(e->size, &e->counts, e->size, &e->displs));
    /* block partition of the N perturbations; for antithetic runs blocks start at pairs where possible */
    for (PetscMPIInt r = 0; r < e->size; r++) {
      const PetscInt a = (PetscInt)(((long long)e->N * r) / e->size), b = (PetscInt)(((long long)e->N * (r + 1)) / e->size);
      e->displs[r] = (PetscMPIInt)a;
      e->counts[r] = (PetscMPIInt)(b - a);
    }
    e->lo = e->displs[e->rank];
    e->hi = e->lo + e->counts[e->rank];
    InitReplicate(e, 0);
    PetscCall(OdEsObjectiveEval(e->obj, e->mu0, &e->f_mu0));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsGetMean(OdEs e, PetscInt *d, const PetscReal **mu, PetscReal *f_mu)
{
  PetscFunctionBegin;
  if (d) *d = e->d;
  if (mu) *mu = e->mu;
  if (f_mu) *f_mu = e->f_final;
  PetscFunctionReturn(0);
}

/* ---------------- gradient estimator (serial) ---------------- */

PetscErrorCode OdEsEstimateGradient(OdEsObjective obj, const OdRng *rng, uint32_t gen, uint32_t run, const PetscReal mu[], PetscReal sigma, PetscInt N, PetscBool antithetic, PetscReal work[], PetscReal g_mu[], PetscReal *g_var)
{
  const PetscInt d = OdEsObjectiveGetDimension(obj);
  PetscReal eps[OD_ES_BLOCK], S = 0, E = 0;
  PetscFunctionBegin;
  PetscCheck(!antithetic || N % 2 == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "antithetic sampling needs an even N");
  for (PetscInt i = 0; i < d; i++) g_mu[i] = 0;
  const PetscInt K = antithetic ? N / 2 : N;
  for (PetscInt k = 0; k < K; k++) {
    for (int s = 0; s < (antithetic ? 2 : 1); s++) {
      const PetscReal sgn = s ? -1.0 : 1.0;
      PetscReal f, nk = 0;
      for (PetscInt c0 = 0; c0 < d; c0 += OD_ES_BLOCK) {
        const PetscInt nb = PetscMin(OD_ES_BLOCK, d - c0);
        OdEsNoise(rng, gen, (uint32_t)k, run, c0, nb, eps);
        for (PetscInt c = 0; c < nb; c++) work[c0 + c] = mu[c0 + c] + sgn * sigma * eps[c];
      }
      PetscCall(OdEsObjectiveEval(obj, work, &f));
      for (PetscInt c0 = 0; c0 < d; c0 += OD_ES_BLOCK) {
        const PetscInt nb = PetscMin(OD_ES_BLOCK, d - c0);
        OdEsNoise(rng, gen, (uint32_t)k, run, c0, nb, eps);
        for (PetscInt c = 0; c < nb; c++) {
          g_mu[c0 + c] += sgn * f * eps[c];
          nk += eps[c] * eps[c];
        }
      }
      S += f * nk;
      E += f;
    }
  }
  for (PetscInt i = 0; i < d; i++) g_mu[i] /= N * sigma;
  if (g_var) *g_var = (S - d * E) / (2 * N * sigma * sigma);
  PetscFunctionReturn(0);
}

/* ---------------- one generation ---------------- */

static inline PetscReal SigmaAt(const OdEs e, PetscInt c) { return e->nsig == 1 ? e->sig[0] : e->sig[c]; }

/* w = mu + sgn sigma eps_k (and w2 = mu - sigma eps_k when both of a pair are wanted) */
static void BuildPerturbed(OdEs e, uint32_t run, PetscInt k, PetscReal sgn, PetscBool pair)
{
  for (PetscInt c0 = 0; c0 < e->d; c0 += OD_ES_BLOCK) {
    const PetscInt nb = PetscMin(OD_ES_BLOCK, e->d - c0);
    OdEsNoise(&e->rng, (uint32_t)e->gen, (uint32_t)k, run, c0, nb, e->eps);
    if (e->nsig == 1) {
      const PetscReal s = e->sig[0];
      for (PetscInt c = 0; c < nb; c++) e->w[c0 + c] = e->mu[c0 + c] + sgn * s * e->eps[c];
      if (pair)
        for (PetscInt c = 0; c < nb; c++) e->w2[c0 + c] = e->mu[c0 + c] - s * e->eps[c];
    } else {
      for (PetscInt c = 0; c < nb; c++) e->w[c0 + c] = e->mu[c0 + c] + sgn * e->sig[c0 + c] * e->eps[c];
      if (pair)
        for (PetscInt c = 0; c < nb; c++) e->w2[c0 + c] = e->mu[c0 + c] - e->sig[c0 + c] * e->eps[c];
    }
  }
}

/* Utilities u_n from fitnesses (identical on every rank: same inputs, same order). */
typedef struct {
  PetscReal f;
  PetscInt n;
} FitIdx;
static int CmpFit(const void *a, const void *b)
{
  const FitIdx *x = (const FitIdx *)a, *y = (const FitIdx *)b;
  if (x->f < y->f) return -1;
  if (x->f > y->f) return 1;
  if (isnan(x->f) != isnan(y->f)) return isnan(x->f) ? 1 : -1;
  return x->n < y->n ? -1 : (x->n > y->n);
}

static PetscErrorCode Shape(OdEs e)
{
  const PetscInt N = e->N;
  PetscFunctionBegin;
  if (e->shaping == SHAPE_RANK) {
    FitIdx *t;
    PetscCall(PetscMalloc1(N, &t));
    for (PetscInt n = 0; n < N; n++) t[n].f = e->fit[n], t[n].n = n;
    qsort(t, (size_t)N, sizeof *t, CmpFit);
    for (PetscInt r = 0; r < N; r++) e->u[t[r].n] = N > 1 ? (PetscReal)r / (N - 1) - 0.5 : 0.0;
    PetscCall(PetscFree(t));
  } else {
    PetscReal mean = 0;
    if (e->baseline) {
      for (PetscInt n = 0; n < N; n++) mean += e->fit[n];
      mean /= N;
    }
    for (PetscInt n = 0; n < N; n++) e->u[n] = e->fit[n] - mean;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Generation(OdEs e, uint32_t run)
{
  const PetscInt d = e->d, N = e->N;
  const PetscBool anti = e->antithetic, sep = e->distribution == DIST_SEPARABLE;
  PetscReal S = 0, E = 0;
  PetscFunctionBegin;
  /* 1. evaluate this rank's share */
  for (PetscInt n = e->lo; n < e->hi; n++) {
    const PetscInt k = anti ? n / 2 : n;
    const PetscBool both = anti && !(n & 1) && n + 1 < e->hi;
    BuildPerturbed(e, run, k, (anti && (n & 1)) ? -1.0 : 1.0, both);
    PetscCall(OdEsObjectiveEval(e->obj, e->w, &e->fit_local[n - e->lo]));
    e->normals += d;
    if (both) {
      PetscCall(OdEsObjectiveEval(e->obj, e->w2, &e->fit_local[n + 1 - e->lo]));
      n++;
    }
  }
  /* 2. the one communication of the generation: N scalars */
  PetscCallMPI(MPI_Allgatherv(e->fit_local, e->counts[e->rank], MPIU_REAL, e->fit, e->counts, e->displs, MPIU_REAL, e->comm));
  /* 3. utilities, then every rank rebuilds every perturbation, summing in index order */
  PetscCall(Shape(e));
  for (PetscInt i = 0; i < d; i++) e->gacc[i] = 0;
  if (sep)
    for (PetscInt i = 0; i < d; i++) e->sacc[i] = 0;
  const PetscInt K = anti ? N / 2 : N;
  for (PetscInt k = 0; k < K; k++) {
    const PetscReal a = anti ? e->u[2 * k] - e->u[2 * k + 1] : e->u[k];
    const PetscReal b = anti ? e->u[2 * k] + e->u[2 * k + 1] : e->u[k];
    E += b;
    if (a == 0 && (!e->adapt || b == 0)) continue;
    PetscReal nk = 0;
    for (PetscInt c0 = 0; c0 < d; c0 += OD_ES_BLOCK) {
      const PetscInt nb = PetscMin(OD_ES_BLOCK, d - c0);
      const PetscReal *eps = e->eps;
      PetscReal *g = e->gacc + c0;
      OdEsNoise(&e->rng, (uint32_t)e->gen, (uint32_t)k, run, c0, nb, e->eps);
      for (PetscInt c = 0; c < nb; c++) g[c] += a * eps[c];
      if (e->adapt) {
        if (sep) {
          PetscReal *s = e->sacc + c0;
          for (PetscInt c = 0; c < nb; c++) s[c] += b * eps[c] * eps[c];
        } else
          for (PetscInt c = 0; c < nb; c++) nk += eps[c] * eps[c];
      }
    }
    e->normals += d;
    S += b * nk;
  }
  /* 4. search gradients */
  PetscReal gn = 0, sgn = 0;
  for (PetscInt c = 0; c < d; c++) {
    const PetscReal s = SigmaAt(e, c);
    e->gmu[c] = e->natural ? s * e->gacc[c] / N : e->gacc[c] / (N * s);
    gn += e->gmu[c] * e->gmu[c];
  }
  if (e->adapt) {
    if (sep) {
      for (PetscInt c = 0; c < d; c++) {
        const PetscReal s = e->sig[c];
        e->gsig[c] = e->natural ? (e->sacc[c] - E) / (2.0 * N) : (e->sacc[c] - E) / (2.0 * N * s * s);
        sgn += e->gsig[c] * e->gsig[c];
      }
    } else {
      const PetscReal s = e->sig[0];
      e->gsig[0] = e->natural ? (S - d * E) / (2.0 * d * N) : (S - d * E) / (2.0 * N * s * s);
      sgn = e->gsig[0] * e->gsig[0];
    }
  }
  /* 5. the update (same on every rank) */
  const PetscInt t = e->gen + 1;
  const PetscInt np = d + (e->adapt ? e->nsig : 0);
  for (PetscInt i = 0; i < np; i++) {
    const PetscBool is_mu = i < d;
    PetscReal g = is_mu ? e->gmu[i] : e->gsig[i - d], step;
    const PetscReal lr = is_mu ? e->lr : e->lr_sigma;
    if (is_mu && e->optimizer != OPT_ADAM) g += e->weight_decay * e->mu[i];
    switch (e->optimizer) {
    case OPT_MOMENTUM:
      e->m1[i] = e->momentum * e->m1[i] + g;
      step = e->m1[i];
      break;
    case OPT_ADAM:
      e->m1[i] = e->beta1 * e->m1[i] + (1 - e->beta1) * g;
      e->m2[i] = e->beta2 * e->m2[i] + (1 - e->beta2) * g * g;
      step = (e->m1[i] / (1 - pow(e->beta1, (double)t))) / (sqrt(e->m2[i] / (1 - pow(e->beta2, (double)t))) + e->adam_eps);
      break;
    default:
      step = g;
    }
    if (is_mu) {
      e->mu[i] -= lr * step;
      if (e->optimizer == OPT_ADAM && e->weight_decay > 0) e->mu[i] -= lr * e->weight_decay * e->mu[i];
    } else {
      PetscReal *s = &e->sig[i - d];
      if (e->natural) *s = *s * exp(-lr * step); /* natural gradient in log sigma */
      else {
        const PetscReal var = *s * *s - lr * step; /* regular gradient in sigma^2 */
        *s = var > e->sigma_min * e->sigma_min ? sqrt(var) : e->sigma_min;
      }
      *s = PetscMin(PetscMax(*s, e->sigma_min), e->sigma_max);
    }
  }
  if (e->decay)
    for (PetscInt i = 0; i < e->nsig; i++) e->sig[i] = PetscMax(e->sig[i] * e->sigma_decay, e->sigma_min);
  /* 6. record (replicate 0 keeps its history) */
  if (run == 0) {
    const PetscInt g = e->gen;
    PetscReal fb = PETSC_MAX_REAL, fp = 0, s2 = 0;
    for (PetscInt n = 0; n < N; n++) {
      fb = PetscMin(fb, e->fit[n]);
      fp += e->fit[n];
    }
    for (PetscInt i = 0; i < e->nsig; i++) s2 += e->sig[i] * e->sig[i];
    PetscCall(OdEsObjectiveEval(e->obj, e->mu, &e->h_fmean[g]));
    e->h_sigma[g] = sqrt(s2 / e->nsig);
    e->h_gnorm[g] = sqrt(gn);
    e->h_sgnorm[g] = sqrt(sgn);
    e->h_fbest[g] = fb;
    e->h_fpop[g] = fp / N;
    if (e->hist_d) PetscCall(PetscArraycpy(e->h_mu + (size_t)g * d, e->mu, d));
    if (e->h_sig) PetscCall(PetscArraycpy(e->h_sig + (size_t)g * d, e->sig, d));
  }
  PetscFunctionReturn(0);
}

/* ---------------- checksum, checkpoint ---------------- */

static uint64_t Fnv1a(const void *data, size_t n, uint64_t h)
{
  const unsigned char *p = (const unsigned char *)data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* One allreduce: {hash, ~hash, stop}, MPI_MAX. All ranks agree iff max(hash) == ~max(~hash). */
static PetscErrorCode CheckAndStop(OdEs e, PetscBool stop_local, PetscBool *stop)
{
  uint64_t in[3], out[3];
  PetscFunctionBegin;
  const uint64_t h = Fnv1a(e->state, e->nstate * sizeof(PetscReal), 1469598103934665603ull);
  in[0] = h, in[1] = ~h, in[2] = stop_local ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(in, out, 3, MPI_UINT64_T, MPI_MAX, e->comm));
  PetscCheck(out[0] == ~out[1], e->comm, PETSC_ERR_PLIB, "ES state differs between ranks at generation %" PetscInt_FMT " of replicate %" PetscInt_FMT " (checksums disagree): the parallel protocol is broken", e->gen, e->q);
  e->checks++;
  *stop = out[2] ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* The options that define the computation, as canonical text: "name value" entries,
   sorted, whitespace-normalized, without run-control flags. */
static int IsOptionName(const char *t) { return t[0] == '-' && !(t[1] >= '0' && t[1] <= '9') && t[1] != '.' && t[1] != 0; }
static int CmpStr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static PetscErrorCode Identity(char **text)
{
  const char *const ignored[] = {"-restart", "-quiet", "-es_stop_after", "-es_checkpoint_interval", "-es_check_interval", NULL};
  char *all, *tok, *save = NULL, **entries;
  size_t n = 0, cap, len;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetAll(NULL, &all));
  len = strlen(all);
  cap = len / 2 + 2;
  PetscCall(PetscCalloc1(cap, &entries));
  for (tok = strtok_r(all, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
    if (IsOptionName(tok) || n == 0) {
      PetscCall(PetscCalloc1(len + 2, &entries[n]));
      PetscCall(PetscStrcpy(entries[n], tok));
      n++;
    } else {
      strcat(entries[n - 1], " ");
      strcat(entries[n - 1], tok);
    }
  }
  qsort(entries, n, sizeof *entries, CmpStr);
  PetscCall(PetscCalloc1(len + 2, text));
  for (size_t i = 0; i < n; i++) {
    int skip = 0;
    for (int k = 0; ignored[k]; k++) {
      const size_t m = strlen(ignored[k]);
      if (!strncmp(entries[i], ignored[k], m) && (entries[i][m] == ' ' || entries[i][m] == 0)) skip = 1;
    }
    if (!skip) {
      strcat(*text, entries[i]);
      strcat(*text, "\n");
    }
    PetscCall(PetscFree(entries[i]));
  }
  PetscCall(PetscFree(entries));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/* The checkpoint is an HDF5 file (format version below) written by rank 0 alone with the
   default (sec2) driver: datasets for every piece of the search state and root attributes
   for the position, the options identity and the format version. */
#define OD_ES_CKPT_VERSION 1
_Static_assert(sizeof(PetscReal) == sizeof(double), "the checkpoint stores PetscReal as IEEE double");

typedef struct {
  const char *name;
  PetscReal *p;
  int rank;
  hsize_t dims[2];
} CkptSeg;

/* The pieces of e->state, in layout order; together they cover it exactly. */
static int CheckpointSegments(OdEs e, CkptSeg s[16])
{
  const hsize_t d = (hsize_t)e->d, ns = (hsize_t)e->nsig, G = (hsize_t)e->G, Q = (hsize_t)e->Q, hd = (hsize_t)e->hist_d;
  int n = 0;
#define SEG1(nm, ptr, n0) s[n].name = nm, s[n].p = ptr, s[n].rank = 1, s[n].dims[0] = n0, s[n].dims[1] = 1, n++
#define SEG2(nm, ptr, n0, n1) s[n].name = nm, s[n].p = ptr, s[n].rank = 2, s[n].dims[0] = n0, s[n].dims[1] = n1, n++
  SEG1("mu", e->mu, d);
  SEG1("sigma", e->sig, ns);
  SEG1("moment1", e->m1, d + ns);
  SEG1("moment2", e->m2, d + ns);
  SEG1("history/f_mean", e->h_fmean, G);
  SEG1("history/sigma", e->h_sigma, G);
  SEG1("history/grad_norm", e->h_gnorm, G);
  SEG1("history/sigma_grad_norm", e->h_sgnorm, G);
  SEG1("history/f_best", e->h_fbest, G);
  SEG1("history/f_pop", e->h_fpop, G);
  SEG2("history/mu", e->h_mu, G, hd);
  if (e->h_sig) SEG2("history/sigma_components", e->h_sig, G, hd);
  SEG1("replicates/f", e->r_f, Q);
  SEG1("replicates/sigma", e->r_sigma, Q);
  SEG1("replicates/basin", e->r_basin, Q);
  SEG2("replicates/mu", e->r_mu, Q, hd);
#undef SEG1
#undef SEG2
  return n;
}

static herr_t CkptAttrInt64(hid_t loc, const char *name, int64_t v)
{
  hid_t sp = H5Screate(H5S_SCALAR), a = -1;
  herr_t st = -1;
  if (sp >= 0 && (a = H5Acreate2(loc, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0) st = H5Awrite(a, H5T_NATIVE_INT64, &v);
  if (a >= 0) H5Aclose(a);
  if (sp >= 0) H5Sclose(sp);
  return st;
}

static herr_t CkptAttrString(hid_t loc, const char *name, const char *text)
{
  hid_t sp = H5Screate(H5S_SCALAR), t = H5Tcopy(H5T_C_S1), a = -1;
  herr_t st = -1;
  if (sp >= 0 && t >= 0 && H5Tset_size(t, strlen(text) + 1) >= 0 && H5Tset_strpad(t, H5T_STR_NULLTERM) >= 0 && (a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0) st = H5Awrite(a, t, text);
  if (a >= 0) H5Aclose(a);
  if (t >= 0) H5Tclose(t);
  if (sp >= 0) H5Sclose(sp);
  return st;
}

/* 0 on success */
static int WriteCheckpointH5(OdEs e, const char *path, const char *ident)
{
  CkptSeg s[16];
  const int n = CheckpointSegments(e, s);
  hid_t fapl = -1, file = -1, lcpl = -1;
  int ok = 0;
  /* 1.8+ object format: dense attribute storage, so the options text may exceed 64 KiB */
  if ((fapl = H5Pcreate(H5P_FILE_ACCESS)) < 0 || H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0) goto done;
  if ((file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0) goto done;
  if ((lcpl = H5Pcreate(H5P_LINK_CREATE)) < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0) goto done;
  if (CkptAttrInt64(file, "format_version", OD_ES_CKPT_VERSION) < 0 || CkptAttrString(file, "format", "optdyn es checkpoint") < 0) goto done;
  if (CkptAttrInt64(file, "replicate", (int64_t)e->q) < 0 || CkptAttrInt64(file, "generation", (int64_t)e->gen) < 0) goto done;
  if (CkptAttrString(file, "options", ident) < 0) goto done;
  for (int i = 0; i < n; i++) {
    hid_t sp, ds;
    herr_t st = -1;
    if (s[i].dims[0] * s[i].dims[1] == 0) continue; /* empty pieces are not stored */
    if ((sp = H5Screate_simple(s[i].rank, s[i].dims, NULL)) < 0) goto done;
    ds = H5Dcreate2(file, s[i].name, H5T_IEEE_F64LE, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (ds >= 0) st = H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, s[i].p), H5Dclose(ds);
    H5Sclose(sp);
    if (st < 0) goto done;
  }
  ok = 1;
done:
  if (lcpl >= 0) H5Pclose(lcpl);
  if (fapl >= 0) H5Pclose(fapl);
  if (file >= 0 && H5Fclose(file) < 0) ok = 0;
  return ok ? 0 : 1;
}

static int CkptReadInt64(hid_t loc, const char *name, int64_t *v)
{
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  herr_t st = -1;
  if (a >= 0) st = H5Aread(a, H5T_NATIVE_INT64, v), H5Aclose(a);
  return st >= 0;
}

/* status: 1 ok, 2 corrupt (or not an es checkpoint), 3 written with other options */
static int ReadCheckpointH5(OdEs e, const char *path, const char *ident, int64_t pos[2])
{
  CkptSeg s[16];
  const int n = CheckpointSegments(e, s);
  hid_t file, a = -1, t = -1, mt = -1;
  int status = 2;
  int64_t version = 0;
  char *stored = NULL;
  if ((file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) return 2;
  if (!CkptReadInt64(file, "format_version", &version) || version != OD_ES_CKPT_VERSION) goto done;
  if (!CkptReadInt64(file, "replicate", &pos[0]) || !CkptReadInt64(file, "generation", &pos[1])) goto done;
  if ((a = H5Aopen(file, "options", H5P_DEFAULT)) < 0 || (t = H5Aget_type(a)) < 0 || H5Tget_class(t) != H5T_STRING || H5Tis_variable_str(t) != 0) goto done;
  {
    const size_t len = H5Tget_size(t);
    if (len == 0 || !(stored = (char *)calloc(len + 1, 1)) || (mt = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(mt, len) < 0 || H5Aread(a, mt, stored) < 0) goto done;
  }
  if (strcmp(stored, ident)) {
    status = 3;
    goto done;
  }
  for (int i = 0; i < n; i++) {
    hid_t ds, sp;
    hsize_t dims[2] = {1, 1};
    int rk;
    herr_t st = -1;
    if (s[i].dims[0] * s[i].dims[1] == 0) continue;
    if ((ds = H5Dopen2(file, s[i].name, H5P_DEFAULT)) < 0) goto done;
    sp = H5Dget_space(ds);
    rk = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
    if (sp >= 0) H5Sclose(sp);
    if (rk == s[i].rank && dims[0] == s[i].dims[0] && (rk == 1 || dims[1] == s[i].dims[1])) st = H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, s[i].p);
    H5Dclose(ds);
    if (st < 0) goto done;
  }
  status = 1;
done:
  free(stored);
  if (mt >= 0) H5Tclose(mt);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  H5Fclose(file);
  return status;
}

static PetscErrorCode WriteCheckpoint(OdEs e)
{
  char *ident, tmp[PETSC_MAX_PATH_LEN + 16];
  int err;
  PetscFunctionBegin;
  if (e->rank) PetscFunctionReturn(0);
  PetscCall(Identity(&ident));
  snprintf(tmp, sizeof tmp, "%s.tmp", e->ckpt_path);
  err = WriteCheckpointH5(e, tmp, ident);
  PetscCall(PetscFree(ident));
  if (err) (void)remove(tmp);
  PetscCheck(!err && rename(tmp, e->ckpt_path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write checkpoint %s", e->ckpt_path);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadCheckpoint(OdEs e, PetscBool *found)
{
  int status = 0; /* 0 none, 1 ok, 2 corrupt, 3 mismatch */
  int64_t pos[2] = {0, 0};
  PetscFunctionBegin;
  if (!e->rank) {
    FILE *f = fopen(e->ckpt_path, "rb");
    if (f) {
      char *ident;
      fclose(f);
      PetscCall(Identity(&ident));
      H5E_BEGIN_TRY { status = ReadCheckpointH5(e, e->ckpt_path, ident, pos); }
      H5E_END_TRY;
      PetscCall(PetscFree(ident));
    }
  }
  PetscCallMPI(MPI_Bcast(&status, 1, MPI_INT, 0, e->comm));
  PetscCheck(status != 2, e->comm, PETSC_ERR_FILE_UNEXPECTED, "checkpoint %s is corrupt; remove it or run without -restart", e->ckpt_path);
  PetscCheck(status != 3, e->comm, PETSC_ERR_USER_INPUT, "checkpoint %s was written with different options; remove it or rerun with the same options", e->ckpt_path);
  *found = status == 1 ? PETSC_TRUE : PETSC_FALSE;
  if (*found) {
    PetscCallMPI(MPI_Bcast(pos, 2, MPI_INT64_T, 0, e->comm));
    /* the state can exceed 2^31 bytes for huge d: broadcast in pieces */
    for (size_t off = 0; off < e->nstate; off += (size_t)1 << 26) {
      const size_t n = PetscMin((size_t)1 << 26, e->nstate - off);
      PetscCallMPI(MPI_Bcast(e->state + off, (PetscMPIInt)n, MPIU_REAL, 0, e->comm));
    }
    e->q = (PetscInt)pos[0];
    e->gen = (PetscInt)pos[1];
  }
  PetscFunctionReturn(0);
}

/* ---------------- the variational upper bound on a grid (d = 1) ---------------- */

static PetscErrorCode ComputeBound(OdEs e, PetscReal **mus, PetscReal **sigmas, PetscReal **U)
{
  const PetscInt nm = e->bound_n[0], ns = e->bound_n[1], M = 4000;
  const PetscReal zmax = 8.0, dz = 2 * zmax / M;
  PetscReal *z, *wq, wsum = 0;
  PetscFunctionBegin;
  PetscCall(PetscMalloc3(nm, mus, ns, sigmas, nm * ns, U));
  const PetscReal mlo = e->bound_mu_set ? e->bound_mu[0] : e->mu0[0] - 4, mhi = e->bound_mu_set ? e->bound_mu[1] : e->mu0[0] + 4;
  for (PetscInt i = 0; i < nm; i++) (*mus)[i] = mlo + (mhi - mlo) * i / (nm - 1);
  for (PetscInt j = 0; j < ns; j++) (*sigmas)[j] = e->bound_sigma[0] + (e->bound_sigma[1] - e->bound_sigma[0]) * j / (ns - 1);
  if (e->rank) PetscFunctionReturn(0); /* written from rank 0 */
  PetscCall(PetscMalloc2(M, &z, M, &wq));
  for (PetscInt m = 0; m < M; m++) {
    z[m] = -zmax + (m + 0.5) * dz;
    wq[m] = exp(-0.5 * z[m] * z[m]);
    wsum += wq[m];
  }
  for (PetscInt m = 0; m < M; m++) wq[m] /= wsum;
  for (PetscInt j = 0; j < ns; j++)
    for (PetscInt i = 0; i < nm; i++) {
      PetscReal s = 0, f, x;
      for (PetscInt m = 0; m < M; m++) {
        x = (*mus)[i] + (*sigmas)[j] * z[m];
        PetscCall(OdEsObjectiveEval(e->obj, &x, &f));
        s += wq[m] * f;
      }
      (*U)[j * nm + i] = s;
    }
  PetscCall(PetscFree2(z, wq));
  PetscFunctionReturn(0);
}

/* ---------------- output ---------------- */

static PetscErrorCode WriteCommonAttrs(OdEs e)
{
  OdOutput out = e->output;
  PetscFunctionBegin;
  PetscCall(OdOutputAttrString(out, "/es", "objective", e->objective_name));
  PetscCall(OdOutputAttrString(out, "/es", "objective_formula", OdEsObjectiveGetFormula(e->obj)));
  PetscCall(OdOutputAttrString(out, "/es", "mode", mode_names[e->mode]));
  PetscCall(OdOutputAttrInt(out, "/es", "d", e->d));
  PetscCall(OdOutputAttrInt(out, "/es", "mpi_ranks", e->size));
  {
    PetscInt nmin;
    const PetscReal *xm, *fm;
    OdEsObjectiveGetMinima(e->obj, &nmin, &xm, &fm);
    if (nmin && e->d <= OD_ES_HIST_MAX_D) {
      const hsize_t dm[2] = {(hsize_t)nmin, (hsize_t)e->d}, dn[1] = {(hsize_t)nmin};
      PetscCall(OdOutputWriteReal(out, "/es/minima", 2, dm, xm, (OdDatasetInfo){"w", "known minimizers of the objective", PETSC_FALSE}));
      PetscCall(OdOutputWriteReal(out, "/es/minima_f", 1, dn, fm, (OdDatasetInfo){"f", "objective at the known minimizers", PETSC_FALSE}));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteOutput(OdEs e)
{
  OdOutput out = e->output;
  const PetscInt d = e->d, G = e->G, hd = e->hist_d, Q = e->Q;
  const hsize_t dG[1] = {(hsize_t)G}, dGd[2] = {(hsize_t)G, (hsize_t)hd}, dd[1] = {(hsize_t)d}, dns[1] = {(hsize_t)e->nsig};
  PetscInt first_below = -1;
  PetscFunctionBegin;
  for (PetscInt g = 0; g < G; g++)
    if (e->h_fmean[g] < e->f_target) {
      first_below = g;
      break;
    }
  PetscCall(OdOutputOpen(out, "es", e->seed));
  PetscCall(OdOutputCreateGroup(out, "/es"));
  PetscCall(OdOutputWriteReal(out, "/es/f_mean", 1, dG, e->h_fmean, (OdDatasetInfo){"f", "objective f at the search mean mu after each generation's update (replicate 0)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/sigma", 1, dG, e->h_sigma, (OdDatasetInfo){"w", "search standard deviation after each generation (RMS over components for separable)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/grad_norm", 1, dG, e->h_gnorm, (OdDatasetInfo){"f/w", "2-norm of the mu search-gradient estimate of each generation (natural or regular, as used)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/sigma_grad_norm", 1, dG, e->h_sgnorm, (OdDatasetInfo){"f", "2-norm of the sigma search-gradient estimate (d U/d sigma^2 regular, d U/d log sigma natural; 0 if sigma is not learned)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/f_best", 1, dG, e->h_fbest, (OdDatasetInfo){"f", "lowest fitness in each generation's population", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/f_population_mean", 1, dG, e->h_fpop, (OdDatasetInfo){"f", "mean fitness of each generation's population (Monte Carlo estimate of U)", PETSC_FALSE}));
  if (hd) {
    PetscCall(OdOutputWriteReal(out, "/es/mu", 2, dGd, e->h_mu, (OdDatasetInfo){"w", "search mean mu after each generation (replicate 0)", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/mu0", 1, dd, e->mu0, (OdDatasetInfo){"w", "initial search mean", PETSC_FALSE}));
    if (e->h_sig) PetscCall(OdOutputWriteReal(out, "/es/sigma_components", 2, dGd, e->h_sig, (OdDatasetInfo){"w", "per-component sigma after each generation (separable)", PETSC_FALSE}));
  }
  /* the final state of replicate 0 (always, any d); in Q > 1 runs the current state is the last replicate's */
  if (Q == 1) {
    PetscCall(OdOutputWriteReal(out, "/es/mu_final", 1, dd, e->mu, (OdDatasetInfo){"w", "final search mean", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/sigma_final", 1, dns, e->sig, (OdDatasetInfo){"w", "final sigma (1 value, or d for separable)", PETSC_FALSE}));
  }
  if (Q > 1) {
    const PetscInt S = e->nsigma0 ? e->nsigma0 : 1, R = e->runs;
    const hsize_t dS[1] = {(hsize_t)S}, dSR[2] = {(hsize_t)S, (hsize_t)R}, dSRd[3] = {(hsize_t)S, (hsize_t)R, (hsize_t)hd};
    PetscReal *s0;
    PetscCall(PetscMalloc1(S, &s0));
    for (PetscInt s = 0; s < S; s++) s0[s] = Sigma0Of(e, s * R);
    PetscCall(OdOutputCreateGroup(out, "/es/runs"));
    PetscCall(OdOutputWriteReal(out, "/es/runs/sigma0", 1, dS, s0, (OdDatasetInfo){"w", "initial sigma of each replicate set", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/runs/f_final", 2, dSR, e->r_f, (OdDatasetInfo){"f", "f at the final mean of each replicate", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/runs/sigma_final", 2, dSR, e->r_sigma, (OdDatasetInfo){"w", "final sigma (RMS) of each replicate", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/runs/basin", 2, dSR, e->r_basin, (OdDatasetInfo){"1", "index of the known minimum whose basin holds the final mean (-1: none)", PETSC_FALSE}));
    if (hd) PetscCall(OdOutputWriteReal(out, "/es/runs/mu_final", 3, dSRd, e->r_mu, (OdDatasetInfo){"w", "final mean of each replicate", PETSC_FALSE}));
    PetscInt nmin;
    const PetscReal *xm, *fm;
    OdEsObjectiveGetMinima(e->obj, &nmin, &xm, &fm);
    if (nmin) {
      PetscReal *frac;
      const hsize_t dSm[2] = {(hsize_t)S, (hsize_t)nmin};
      PetscCall(PetscCalloc1(S * nmin, &frac));
      for (PetscInt s = 0; s < S; s++)
        for (PetscInt r = 0; r < R; r++) {
          const PetscInt b = (PetscInt)e->r_basin[s * R + r];
          if (b >= 0 && b < nmin) frac[s * nmin + b] += 1.0 / R;
        }
      PetscCall(OdOutputWriteReal(out, "/es/runs/basin_fraction", 2, dSm, frac, (OdDatasetInfo){"1", "fraction of replicates ending in the basin of each known minimum", PETSC_FALSE}));
      PetscCall(PetscFree(frac));
    }
    PetscCall(PetscFree(s0));
  }
  if (e->bound) {
    PetscReal *mus, *sigmas, *U;
    PetscCall(ComputeBound(e, &mus, &sigmas, &U));
    const hsize_t dm[1] = {(hsize_t)e->bound_n[0]}, ds[1] = {(hsize_t)e->bound_n[1]}, dU[2] = {(hsize_t)e->bound_n[1], (hsize_t)e->bound_n[0]};
    PetscCall(OdOutputCreateGroup(out, "/es/bound"));
    PetscCall(OdOutputWriteReal(out, "/es/bound/mu", 1, dm, mus, (OdDatasetInfo){"w", "mu grid of the variational upper bound", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/bound/sigma", 1, ds, sigmas, (OdDatasetInfo){"w", "sigma grid of the variational upper bound", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/bound/U", 2, dU, U, (OdDatasetInfo){"f", "U(mu, sigma) = E_{w ~ N(mu, sigma^2)} f(w) by 4000-point midpoint quadrature on [-8, 8] sigma, [nsigma, nmu]", PETSC_FALSE}));
    PetscCall(PetscFree3(mus, sigmas, U));
  }
  PetscCall(WriteCommonAttrs(e));
  PetscCall(OdOutputAttrString(out, "/es", "algorithm", algorithm_names[e->algorithm]));
  PetscCall(OdOutputAttrString(out, "/es", "distribution", distribution_names[e->distribution]));
  PetscCall(OdOutputAttrString(out, "/es", "sigma_update", sigma_update_names[e->sigma_update]));
  PetscCall(OdOutputAttrString(out, "/es", "optimizer", optimizer_names[e->optimizer]));
  PetscCall(OdOutputAttrString(out, "/es", "shaping", shaping_names[e->shaping]));
  PetscCall(OdOutputAttrInt(out, "/es", "natural", e->natural));
  PetscCall(OdOutputAttrInt(out, "/es", "antithetic", e->antithetic));
  PetscCall(OdOutputAttrInt(out, "/es", "baseline", e->baseline));
  PetscCall(OdOutputAttrInt(out, "/es", "population", e->N));
  PetscCall(OdOutputAttrInt(out, "/es", "generations", e->G));
  PetscCall(OdOutputAttrInt(out, "/es", "replicates", Q));
  PetscCall(OdOutputAttrReal(out, "/es", "lr", e->lr));
  PetscCall(OdOutputAttrReal(out, "/es", "lr_sigma", e->lr_sigma));
  PetscCall(OdOutputAttrReal(out, "/es", "sigma0", e->sigma0));
  PetscCall(OdOutputAttrReal(out, "/es", "f_mu0", e->f_mu0));
  PetscCall(OdOutputAttrReal(out, "/es", "f_final", e->h_fmean[G - 1]));
  PetscCall(OdOutputAttrReal(out, "/es", "f_target", e->f_target));
  PetscCall(OdOutputAttrInt(out, "/es", "first_generation_below_target", first_below));
  PetscCall(OdOutputAttrInt(out, "/es", "checksums_verified", e->checks));
  PetscCall(OdOutputAttrReal(out, "/es", "seconds_per_generation", e->gens_timed ? e->t_loop / e->gens_timed : 0));
  PetscCall(OdOutputAttrReal(out, "/es", "normals_per_second_per_rank", e->t_loop > 0 ? e->normals / e->t_loop : 0));
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* ---------------- variance study ---------------- */

static PetscErrorCode RunVariance(OdEs e)
{
  const PetscInt ns = e->nvar_sigma, nN = e->nvar_pop, R = e->var_reps, d = e->d;
  PetscReal *gi, *ga, *all_i, *all_a, *work, *gmu;
  PetscMPIInt *counts, *displs;
  OdProgress progress;
  PetscFunctionBegin;
  PetscCall(PetscMalloc6(ns * nN, &e->v_mean_iid, ns * nN, &e->v_var_iid, ns * nN, &e->v_mean_anti, ns * nN, &e->v_var_anti, ns * nN, &e->v_pred_iid, ns * nN, &e->v_pred_anti));
  PetscCall(PetscMalloc1(d, &e->v_grad));
  PetscCall(PetscMalloc6(R, &gi, R, &ga, R, &all_i, R, &all_a, d, &work, d, &gmu));
  PetscCall(PetscMalloc2(e->size, &counts, e->size, &displs));
  for (PetscMPIInt r = 0; r < e->size; r++) {
    displs[r] = (PetscMPIInt)(((long long)R * r) / e->size);
    counts[r] = (PetscMPIInt)(((long long)R * (r + 1)) / e->size) - displs[r];
  }
  PetscCall(OdEsObjectiveEval(e->obj, e->mu0, &e->v_f));
  PetscCall(OdEsObjectiveGradient(e->obj, e->mu0, e->v_grad));
  PetscReal rest = 0;
  for (PetscInt j = 1; j < d; j++) rest += e->v_grad[j] * e->v_grad[j];
  const PetscReal g0 = e->v_grad[0];
  OdProgressStart(&progress, e->comm, "es variance", (double)(ns * nN), 0, e->quiet);
  OdProgressSetUnits(&progress, "(sigma, N) settings", 1);
  for (PetscInt is = 0; is < ns; is++)
    for (PetscInt iN = 0; iN < nN; iN++) {
      const PetscInt N = e->var_pop[iN], idx = is * nN + iN;
      const PetscReal sigma = e->var_sigma[is];
      const PetscBool can_anti = N % 2 == 0;
      for (PetscInt r = displs[e->rank]; r < displs[e->rank] + counts[e->rank]; r++) {
        PetscCall(OdEsEstimateGradient(e->obj, &e->rng, (uint32_t)r, (uint32_t)idx, e->mu0, sigma, N, PETSC_FALSE, work, gmu, NULL));
        gi[r - displs[e->rank]] = gmu[0];
        ga[r - displs[e->rank]] = NAN;
        if (can_anti) {
          PetscCall(OdEsEstimateGradient(e->obj, &e->rng, (uint32_t)r, (uint32_t)idx, e->mu0, sigma, N, PETSC_TRUE, work, gmu, NULL));
          ga[r - displs[e->rank]] = gmu[0];
        }
      }
      PetscCallMPI(MPI_Allgatherv(gi, counts[e->rank], MPIU_REAL, all_i, counts, displs, MPIU_REAL, e->comm));
      PetscCallMPI(MPI_Allgatherv(ga, counts[e->rank], MPIU_REAL, all_a, counts, displs, MPIU_REAL, e->comm));
      for (int pass = 0; pass < 2; pass++) {
        const PetscReal *x = pass ? all_a : all_i;
        PetscReal m = 0, v = 0;
        for (PetscInt r = 0; r < R; r++) m += x[r];
        m /= R;
        for (PetscInt r = 0; r < R; r++) v += (x[r] - m) * (x[r] - m);
        v /= (R - 1);
        if (pass) e->v_mean_anti[idx] = m, e->v_var_anti[idx] = v;
        else e->v_mean_iid[idx] = m, e->v_var_iid[idx] = v;
      }
      e->v_pred_iid[idx] = (e->v_f * e->v_f / (sigma * sigma) + 2 * g0 * g0 + rest) / N;
      e->v_pred_anti[idx] = can_anti ? 2.0 * (2 * g0 * g0 + rest) / N : NAN;
      PetscCall(OdProgressUpdate(&progress, (double)(idx + 1)));
    }
  PetscCall(OdProgressFinish(&progress));
  PetscCall(PetscFree6(gi, ga, all_i, all_a, work, gmu));
  PetscCall(PetscFree2(counts, displs));
  /* output */
  {
    OdOutput out = e->output;
    PetscReal *popr;
    const hsize_t ds[1] = {(hsize_t)ns}, dn[1] = {(hsize_t)nN}, dsn[2] = {(hsize_t)ns, (hsize_t)nN}, dd[1] = {(hsize_t)d};
    PetscCall(PetscMalloc1(nN, &popr));
    for (PetscInt i = 0; i < nN; i++) popr[i] = (PetscReal)e->var_pop[i];
    PetscCall(OdOutputOpen(out, "es", e->seed));
    PetscCall(OdOutputCreateGroup(out, "/es"));
    PetscCall(OdOutputCreateGroup(out, "/es/variance"));
    PetscCall(OdOutputWriteReal(out, "/es/variance/sigma", 1, ds, e->var_sigma, (OdDatasetInfo){"w", "search standard deviations sigma", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/variance/population", 1, dn, popr, (OdDatasetInfo){"1", "population sizes N", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/variance/mean_iid", 2, dsn, e->v_mean_iid, (OdDatasetInfo){"f/w", "mean over replicates of the component-0 gradient estimate, i.i.d. sampling", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/variance/var_iid", 2, dsn, e->v_var_iid, (OdDatasetInfo){"(f/w)^2", "variance over replicates of the component-0 gradient estimate, i.i.d. sampling", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/variance/var_pred_iid", 2, dsn, e->v_pred_iid, (OdDatasetInfo){"(f/w)^2", "predicted i.i.d. variance (f^2/sigma^2 + 2 f_0'^2 + sum_{j>0} f_j'^2)/N (1-D: f^2/(N sigma^2) + 2 f'^2/N)", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/variance/mean_anti", 2, dsn, e->v_mean_anti, (OdDatasetInfo){"f/w", "mean of the antithetic estimate (NaN for odd N)", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/variance/var_anti", 2, dsn, e->v_var_anti, (OdDatasetInfo){"(f/w)^2", "variance of the antithetic estimate (NaN for odd N)", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/variance/var_pred_anti", 2, dsn, e->v_pred_anti, (OdDatasetInfo){"(f/w)^2", "predicted antithetic variance 2 Var[g_e]/N = 2 (2 f_0'^2 + sum_{j>0} f_j'^2)/N to leading order in sigma", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/variance/grad_true", 1, dd, e->v_grad, (OdDatasetInfo){"f/w", "gradient of f at mu0 (analytic when the objective provides it)", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/variance/mu0", 1, dd, e->mu0, (OdDatasetInfo){"w", "point of the study", PETSC_FALSE}));
    PetscCall(WriteCommonAttrs(e));
    PetscCall(OdOutputAttrReal(out, "/es/variance", "f_mu0", e->v_f));
    PetscCall(OdOutputAttrInt(out, "/es/variance", "replicates", R));
    PetscCall(OdOutputClose(out, PETSC_TRUE));
    PetscCall(PetscFree(popr));
  }
  PetscFunctionReturn(0);
}

/* ---------------- driver ---------------- */

static PetscErrorCode RecordFinal(OdEs e)
{
  PetscReal s2 = 0, f;
  PetscFunctionBegin;
  PetscCall(OdEsObjectiveEval(e->obj, e->mu, &f));
  for (PetscInt i = 0; i < e->nsig; i++) s2 += e->sig[i] * e->sig[i];
  e->r_f[e->q] = f;
  e->r_sigma[e->q] = sqrt(s2 / e->nsig);
  e->r_basin[e->q] = (PetscReal)OdEsObjectiveBasin(e->obj, e->mu);
  if (e->hist_d) PetscCall(PetscArraycpy(e->r_mu + (size_t)e->q * e->d, e->mu, e->d));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsRun(OdEs e, PetscBool *interrupted)
{
  PetscBool found = PETSC_FALSE, stop = PETSC_FALSE;
  OdProgress progress;
  PetscFunctionBegin;
  *interrupted = PETSC_FALSE;
  if (e->mode == MODE_VARIANCE) {
    PetscCall(RunVariance(e));
    e->done = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  if (e->restart) {
    PetscCall(ReadCheckpoint(e, &found));
    if (found) PetscCall(PetscPrintf(e->comm, "[es] restarting from %s at replicate %" PetscInt_FMT ", generation %" PetscInt_FMT "\n", e->ckpt_path, e->q, e->gen));
    else PetscCall(PetscPrintf(e->comm, "[es] -restart: no checkpoint %s yet, starting from the beginning\n", e->ckpt_path));
  }
  const long long total = (long long)e->Q * e->G;
  OdProgressStart(&progress, e->comm, "es", (double)total, (double)e->q * e->G + e->gen, e->quiet);
  OdProgressSetUnits(&progress, "generations", 1);
  double last_ckpt = MPI_Wtime();
  while (e->q < e->Q) {
    if (e->gen == 0) InitReplicate(e, e->q);
    const double t0 = MPI_Wtime();
    PetscCall(Generation(e, (uint32_t)e->q));
    e->t_loop += MPI_Wtime() - t0;
    e->gens_timed++;
    if (e->gen + 1 == e->G) PetscCall(RecordFinal(e));
    /* advance the position: (q, gen) is always the next generation to run */
    if (++e->gen == e->G) e->q++, e->gen = 0;
    const long long done = (long long)e->q * e->G + e->gen;
    const PetscBool forced = e->stop_after > 0 && done == e->stop_after && done < total;
    if (forced || done % e->check_interval == 0 || done == total) {
      PetscCall(CheckAndStop(e, forced || OdSweepStopRequested(), &stop));
      const double now = MPI_Wtime();
      if (done < total && (stop || now - last_ckpt >= e->ckpt_interval)) {
        PetscCall(WriteCheckpoint(e));
        last_ckpt = now;
      }
      if (stop && done < total) {
        PetscCall(OdProgressInterrupted(&progress, (double)done));
        PetscCall(PetscPrintf(e->comm, "[es] stop signal received: checkpoint written to %s after %lld of %lld generations; continue with -restart\n", e->ckpt_path, done, total));
        *interrupted = PETSC_TRUE;
        PetscFunctionReturn(0);
      }
    }
    PetscCall(OdProgressUpdate(&progress, (double)done));
  }
  PetscCall(OdProgressFinish(&progress));
  e->f_final = e->h_fmean[e->G - 1];
  PetscCall(WriteOutput(e));
  if (!e->rank) (void)remove(e->ckpt_path);
  e->done = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsView(OdEs e, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (!e->done) PetscFunctionReturn(0);
  if (e->mode == MODE_VARIANCE) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "optdyn es variance study: objective %s at mu0, f = %g, df/dw0 = %g, %" PetscInt_FMT " replicates\n", e->objective_name, (double)e->v_f, (double)e->v_grad[0], e->var_reps));
    PetscCall(PetscViewerASCIIPrintf(viewer, "%10s %8s %14s %14s %14s %14s %14s\n", "sigma", "N", "mean_iid", "var_iid", "pred_iid", "var_anti", "pred_anti"));
    for (PetscInt is = 0; is < e->nvar_sigma; is++)
      for (PetscInt iN = 0; iN < e->nvar_pop; iN++) {
        const PetscInt k = is * e->nvar_pop + iN;
        PetscCall(PetscViewerASCIIPrintf(viewer, "%10.4g %8" PetscInt_FMT " %14.6g %14.6g %14.6g %14.6g %14.6g\n", (double)e->var_sigma[is], e->var_pop[iN], (double)e->v_mean_iid[k], (double)e->v_var_iid[k], (double)e->v_pred_iid[k], (double)e->v_var_anti[k], (double)e->v_pred_anti[k]));
      }
  } else {
    PetscCall(PetscViewerASCIIPrintf(viewer, "optdyn es: %s, %s %s%s, N = %" PetscInt_FMT ", %" PetscInt_FMT " generations, d = %" PetscInt_FMT ", objective %s\n", algorithm_names[e->algorithm], distribution_names[e->distribution], e->natural ? "natural" : "regular",
                                     e->antithetic ? " antithetic" : "", e->N, e->G, e->d, e->objective_name));
    PetscCall(PetscViewerASCIIPrintf(viewer, "f(mu0) = %.6g -> f(mu) = %.6g, sigma = %.6g, %.4g s/generation\n", (double)e->f_mu0, (double)e->f_final, (double)e->h_sigma[e->G - 1], e->gens_timed ? e->t_loop / e->gens_timed : 0.0));
    if (e->d <= 8) {
      PetscCall(PetscViewerASCIIPrintf(viewer, "mu ="));
      for (PetscInt i = 0; i < e->d; i++) PetscCall(PetscViewerASCIIPrintf(viewer, " %.10g", (double)e->h_mu[(size_t)(e->G - 1) * e->d + i]));
      PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
    }
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "wrote %s\n", OdOutputGetPath(e->output)));
  PetscFunctionReturn(0);
}
