/* `optdyn es` options: reading, cross-checks, and the defaults that depend on others. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "optdyn/options.h"
#include "es_impl.h"
#include "optdyn/budget.h"

const char *const od_es_algorithm_names[] = {"es", "vo"};
const char *const od_es_distribution_names[] = {"isotropic", "separable", "univariate", "layerwise"};
const char *const od_es_sigma_update_names[] = {"default", "fixed", "adapt", "decay"};
const char *const od_es_optimizer_names[] = {"sgd", "momentum", "adam"};
const char *const od_es_lr_schedule_names[] = {"constant", "cosine"};
const char *const od_es_shaping_names[] = {"none", "centered_rank"};
const char *const od_es_mode_names[] = {"optimize", "variance"};

/* The names in this OdEs's objective table, comma-separated. */
static void ObjectiveList(OdEs e, char *buf, size_t len)
{
  buf[0] = 0;
  for (PetscInt i = 0; i < e->ntable; i++) {
    const size_t l = strlen(buf);
    snprintf(buf + l, len - l, "%s%s", i ? ", " : "", e->table[i].name);
  }
}

/* Build the objective named by -es_objective from this OdEs's table. */
static PetscErrorCode CreateObjective(PetscOptionItems *PetscOptionsObject, OdEs e)
{
  char list[1024];
  PetscInt d = e->dim;
  PetscFunctionBegin;
  if (!d && e->nmu0 > 1) d = e->nmu0;
  for (PetscInt i = 0; i < e->ntable; i++)
    if (!strcmp(e->table[i].name, e->objective_name)) {
      PetscCall(OdEsObjectiveCreateWith(PetscOptionsObject, e->objective_name, e->table[i].create, d, &e->obj));
      PetscFunctionReturn(0);
    }
  ObjectiveList(e, list, sizeof list);
  SETERRQ(e->comm, PETSC_ERR_USER_INPUT, "option -es_objective = '%s' is not allowed: expected one of %s", e->objective_name, list);
}

/* Search: algorithm, distribution, sampling, shaping, population. */
static PetscErrorCode ReadSearchOptions(PetscOptionItems *PetscOptionsObject, OdEs e)
{
  char list[1024], help[1200];
  PetscFunctionBegin;
  ObjectiveList(e, list, sizeof list);
  snprintf(help, sizeof help, "Objective: %s", list);
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-mode", "optimize (run the search) or variance (gradient-estimator variance study at mu0)", od_es_mode_names, 2, &e->mode, NULL));
  PetscCall(OdOptionsString(PetscOptionsObject, "-objective", help, e->objective_name, sizeof e->objective_name, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-algorithm", "es (Algorithm 1: sigma fixed or scheduled) or vo (Algorithm 2: sigma learned)", od_es_algorithm_names, 2, &e->algorithm, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-distribution", "Gaussian search distribution: isotropic (sigma^2 I), separable (diag sigma_i^2), univariate (d = 1), layerwise (one sigma per group of coordinates given by the objective, e.g. per layer)", od_es_distribution_names, 4, &e->distribution, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-natural", "Natural gradient (inverse Fisher; sigma learned as log sigma); default: true for vo, false for es", &e->natural, &e->natural_set));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-antithetic", "Antithetic (mirrored) sampling: perturbations in pairs +eps, -eps (N even)", &e->antithetic, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-shaping", "Fitness shaping: none or centered_rank (utilities rank/(N-1) - 1/2); default: centered_rank for natural gradients, none otherwise", od_es_shaping_names, 2, &e->shaping, &e->shaping_set));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-baseline", "Subtract the population mean fitness (with -es_shaping none)", &e->baseline, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-population", "Population size N (perturbations per generation; default 100, at least 4 + 3 ln d)", OD_RANGE_AT_LEAST(1), &e->N, &e->N_set));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-generations", "Number of generations", OD_RANGE_AT_LEAST(1), &e->G, NULL));
  PetscFunctionReturn(0);
}

/* Start: dimension, mean, sigma, replicates, generations. */
static PetscErrorCode ReadStartOptions(PetscOptionItems *PetscOptionsObject, OdEs e)
{
  PetscInt n;
  PetscFunctionBegin;
  PetscCall(OdOptionsInt(PetscOptionsObject, "-dim", "Dimension d (0: from -es_mu0 or the objective's default)", OD_RANGE_AT_LEAST(0), &e->dim, NULL));
  n = OD_ES_MAX_LIST;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-mu0", "Initial search mean x1,x2,... (d values, or one value for every component; default: the objective's)", OD_RANGE_ANY, 0, e->mu0_opt, &n, NULL));
  e->nmu0 = n;
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sigma0", "Initial search standard deviation sigma0 (default: the objective's)", OD_RANGE_POSITIVE, &e->sigma0, &e->sigma0_set));
  n = OD_ES_MAX_LIST;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-sigma0_list", "Several sigma0 values, each run -es_runs times (replicate study)", OD_RANGE_POSITIVE, 0, e->sigma0_list, &n, NULL));
  e->nsigma0 = n;
  PetscCall(OdOptionsInt(PetscOptionsObject, "-runs", "Independent replicates per sigma0 (different random streams)", OD_RANGE_AT_LEAST(1), &e->runs, NULL));
  PetscFunctionReturn(0);
}

/* Update: learning rates, sigma schedule, optimizer. */
static PetscErrorCode ReadUpdateOptions(PetscOptionItems *PetscOptionsObject, OdEs e)
{
  PetscFunctionBegin;
  PetscCall(OdOptionsReal(PetscOptionsObject, "-lr", "Learning rate eta for mu (default: 1 for natural gradients, 0.01 otherwise)", OD_RANGE_POSITIVE, &e->lr, &e->lr_set));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-lr_sigma", "Learning rate for the sigma parameter (default: (3 + ln d)/(5 sqrt d) for natural gradients, -es_lr otherwise)", OD_RANGE_ANY, &e->lr_sigma, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-sigma_update", "default (es: fixed, vo: adapt), fixed, adapt (learned by VO), decay (sigma *= -es_sigma_decay each generation)", od_es_sigma_update_names, 4, &e->sigma_update, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sigma_decay", "Factor per generation for -es_sigma_update decay", OD_RANGE_HALF_OPEN(0, 1), &e->sigma_decay, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sigma_min", "Lower bound on sigma (keeps sigma positive for regular gradients)", OD_RANGE_NONNEGATIVE, &e->sigma_min, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sigma_max", "Upper bound on sigma", OD_RANGE_POSITIVE, &e->sigma_max, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-lr_schedule", "Learning-rate schedule of mu: constant, or cosine (lr (1 + cos(pi g / G)) / 2 at generation g of G)", od_es_lr_schedule_names, 2, &e->lr_schedule, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-optimizer", "Update rule on the search gradient: sgd, momentum, adam", od_es_optimizer_names, 3, &e->optimizer, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-momentum", "Momentum coefficient (heavy ball: v = beta v + g)", OD_RANGE_HALF_OPEN(0, 1), &e->momentum, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-adam_beta1", "Adam beta1", OD_RANGE_HALF_OPEN(0, 1), &e->beta1, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-adam_beta2", "Adam beta2", OD_RANGE_HALF_OPEN(0, 1), &e->beta2, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-adam_epsilon", "Adam epsilon", OD_RANGE_POSITIVE, &e->adam_eps, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-adaptation_sampling", "Adapt the mean's learning rate by adaptation sampling (trial rate -es_as_factor x lr, importance-weighted rank test on the members)", &e->adapt_lr, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-as_factor", "Adaptation sampling: trial learning rate factor (> 1)", OD_RANGE_POSITIVE, &e->as_factor, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-as_rate", "Adaptation sampling: relative change c of the learning rate per generation", OD_RANGE_HALF_OPEN(0, 1), &e->as_c, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-as_lr_max", "Adaptation sampling: largest learning rate (default 10 x -es_lr)", OD_RANGE_NONNEGATIVE, &e->as_lr_max, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-as_lr_min", "Adaptation sampling: smallest learning rate (default -es_lr / 100)", OD_RANGE_NONNEGATIVE, &e->as_lr_min, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-as_threshold", "Adaptation sampling: z value the weighted rank test must exceed (default: NES rho = 1/2 - 1/(3(d+1)) as a z value)", OD_RANGE_ANY, &e->as_threshold, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-importance_mixing", "Importance mixing: reuse members of the previous generation that are still likely under the new distribution (only the rest is evaluated)", &e->mixing, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-mixing_refresh", "Importance mixing: minimal refresh rate alpha in (0, 1] (fraction of fresh members at least expected)", ((OdRange){OD_BOUND_OPEN, OD_BOUND_CLOSED, 0, 1}), &e->mix_alpha, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-weight_decay", "Weight decay lambda on mu (sgd/momentum: g += lambda mu; adam: decoupled)", OD_RANGE_NONNEGATIVE, &e->weight_decay, NULL));
  PetscFunctionReturn(0);
}

/* Run control, the bound grid and the variance study. */
static PetscErrorCode ReadRunAndStudyOptions(PetscOptionItems *PetscOptionsObject, OdEs e)
{
  PetscInt n;
  PetscFunctionBegin;
  PetscCall(OdOptionsReal(PetscOptionsObject, "-f_target", "Report the first generation with f(mu) below this", OD_RANGE_ANY, &e->f_target, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-check_interval", "Generations between checksum allreduces (they also carry the stop-signal flag)", OD_RANGE_AT_LEAST(1), &e->check_interval, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-checkpoint_interval", "Seconds between checkpoints of the search state (0: at every check)", OD_RANGE_NONNEGATIVE, &e->ckpt_interval, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-split_coordinates", "Split the search-gradient sums by coordinate blocks over the ranks (each rank regenerates its block's noise of all members; allgather of d numbers); result-neutral", &e->split_coords, NULL));
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
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsSetFromOptions(OdEs e)
{
  PetscFunctionBegin;
  PetscCall(OdOptionsSeed(e->comm, &e->seed));
  PetscCall(OdSimdSetFromOptions(e->comm, &e->simd)); /* esperf: noise and objective kernel level (result-neutral) */
  PetscCall(OdOutputSetFromOptions(e->output, "es.h5"));
  PetscOptionsBegin(e->comm, NULL, "Run control", NULL);
  PetscCall(OdOptionsBool(PetscOptionsObject, "-quiet", "No progress lines", &e->quiet, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-restart", "Continue from the checkpoint OUTPUT.ckpt if it exists", &e->restart, NULL));
  PetscOptionsEnd();
  PetscOptionsBegin(e->comm, "es_", "Evolution strategies / variational optimization", NULL);
  PetscCall(ReadSearchOptions(PetscOptionsObject, e));
  PetscCall(ReadStartOptions(PetscOptionsObject, e));
  PetscCall(ReadUpdateOptions(PetscOptionsObject, e));
  PetscCall(ReadRunAndStudyOptions(PetscOptionsObject, e));
  PetscCall(CreateObjective(PetscOptionsObject, e)); /* it reads its own options in this block */
  PetscOptionsEnd();
  e->options_read = PETSC_TRUE;
  PetscFunctionReturn(0);
}


/* Cross-option checks: every message names the option, the value and what is allowed. */
PetscErrorCode OdEsValidate(OdEs e)
{
  const PetscInt d = OdEsObjectiveGetDimension(e->obj);
  PetscFunctionBegin;
  PetscCheck(e->nmu0 <= 1 || e->nmu0 == d, e->comm, PETSC_ERR_USER_INPUT, "option -es_mu0 has %" PetscInt_FMT " values, which is not allowed: objective %s has d = %" PetscInt_FMT " (give d values or one for all)", e->nmu0, e->objective_name, d);
  PetscCheck(e->dim == 0 || e->dim == d, e->comm, PETSC_ERR_USER_INPUT, "option -es_dim = %" PetscInt_FMT " is not allowed: objective %s has d = %" PetscInt_FMT, e->dim, e->objective_name, d);
  PetscCheck(e->distribution != DIST_UNIVARIATE || d == 1, e->comm, PETSC_ERR_USER_INPUT, "option -es_distribution = univariate is not allowed for d = %" PetscInt_FMT ": it needs d = 1 (use isotropic or separable)", d);
  {
    PetscInt ngroups;
    OdEsObjectiveGetGroups(e->obj, &ngroups, NULL, NULL);
    PetscCheck(e->distribution != DIST_LAYERWISE || ngroups > 0, e->comm, PETSC_ERR_USER_INPUT, "option -es_distribution = layerwise is not allowed with objective %s: it needs an objective that partitions its coordinates into groups (mlp: layers; sphere: -es_sphere_groups); use isotropic or separable", e->objective_name);
  }
  PetscCheck(!e->antithetic || e->N % 2 == 0, e->comm, PETSC_ERR_USER_INPUT, "option -es_population = %" PetscInt_FMT " is not allowed with -es_antithetic: N must be even (pairs +eps, -eps)", e->N);
  PetscCheck(e->algorithm != ALG_ES || e->sigma_update != SIG_ADAPT, e->comm, PETSC_ERR_USER_INPUT, "option -es_sigma_update = adapt is not allowed with -es_algorithm es (ES keeps sigma fixed or scheduled): use -es_algorithm vo");
  PetscCheck(!(e->shaping == SHAPE_RANK && e->baseline), e->comm, PETSC_ERR_USER_INPUT, "option -es_baseline is not allowed with -es_shaping centered_rank (ranks are already centered)");
  PetscCheck(e->sigma_min < e->sigma_max, e->comm, PETSC_ERR_USER_INPUT, "option -es_sigma_min = %g is not allowed: must be < -es_sigma_max = %g", (double)e->sigma_min, (double)e->sigma_max);
  PetscCheck(PetscMax(e->nsigma0, 1) * e->runs <= 65535, e->comm, PETSC_ERR_USER_INPUT, "option -es_runs = %" PetscInt_FMT " is not allowed: (number of sigma0 values) x runs must be <= 65535", e->runs);
  PetscCheck(!e->bound || d == 1, e->comm, PETSC_ERR_USER_INPUT, "option -es_bound is not allowed for d = %" PetscInt_FMT ": the U(mu, sigma) grid needs d = 1", d);
  PetscCheck(e->N <= 1000000000 && e->G <= 2000000000, e->comm, PETSC_ERR_USER_INPUT, "option -es_population = %" PetscInt_FMT " is too large", e->N);
  { /* an objective that computes its own search gradient (e.g. the mlp objective's backprop
       reference) may use one member; a sampled search gradient needs at least two */
    const OdEsPopulationHook *hook = OdEsObjectiveGetPopulationHook(e->obj);
    const PetscBool own_gradient = hook && !hook->parameter_noise ? PETSC_TRUE : PETSC_FALSE;
    PetscCheck(e->mode == MODE_VARIANCE || own_gradient || e->N >= 2, e->comm, PETSC_ERR_USER_INPUT, "option -es_population = %" PetscInt_FMT " is not allowed: a search gradient needs at least 2 samples per generation", e->N);
  }
  { /* fitness arrays (3 N), history (G x (6 + 2 d)), replicate results; the perturbations are regenerated, not stored */
    char advice[128];
    snprintf(advice, sizeof advice, "-es_population = %" PetscInt_FMT ", -es_generations = %" PetscInt_FMT " or -es_dim", e->N, e->G);
    PetscCall(OdBudgetCheckMemory(e->comm, 8.0 * (3.0 * e->N + (double)e->G * (6 + 2.0 * PetscMin(d, OD_ES_HIST_MAX_D)) + 10.0 * d), "es's population and history arrays", advice));
  }
  PetscCheck(!e->adapt_lr || e->as_factor > 1, e->comm, PETSC_ERR_USER_INPUT, "option -es_as_factor = %g is not allowed: the trial learning rate factor must be > 1", (double)e->as_factor);
  {
    const OdEsPopulationHook *hook = OdEsObjectiveGetPopulationHook(e->obj);
    PetscCheck(!e->adapt_lr || !hook || hook->parameter_noise, e->comm, PETSC_ERR_USER_INPUT, "option -es_adaptation_sampling is not allowed with objective %s in its activation-space mode: the importance weights need members that are points w_n = mu + sigma eps_n", e->objective_name);
    PetscCheck(!e->mixing || !hook || hook->reusable_members, e->comm, PETSC_ERR_USER_INPUT, "option -es_importance_mixing is not allowed with objective %s in this mode: its members are not points w_n = mu + sigma eps_n evaluated as such (for mlp use -es_mlp_method weight)", e->objective_name);
    PetscCheck(!e->mixing || !e->antithetic, e->comm, PETSC_ERR_USER_INPUT, "option -es_importance_mixing is not allowed with -es_antithetic: reused members break the +eps/-eps pairs");
  }
  if (e->mode == MODE_VARIANCE) {
    PetscCheck(e->nvar_sigma * e->nvar_pop <= 65535, e->comm, PETSC_ERR_USER_INPUT, "options -es_var_sigma x -es_var_population have too many combinations (at most 65535)");
    PetscCheck(e->var_reps <= 2000000000, e->comm, PETSC_ERR_USER_INPUT, "option -es_var_replicates = %" PetscInt_FMT " is too large", e->var_reps);
  }
  PetscFunctionReturn(0);
}
/* Defaults that depend on other options. Natural gradients follow the natural evolution
   strategies (Wierstra et al., JMLR 2014): centered-rank utilities, learning rate 1 for the
   mean and (3 + ln d)/(5 sqrt d) for log sigma (the separable-NES rate; used for the one
   log sigma of the isotropic Gaussian too, whose gradient estimate is already averaged over
   the d components). Regular gradients keep the plain defaults. */
PetscErrorCode OdEsApplyDefaults(OdEs e)
{
  const PetscInt d = OdEsObjectiveGetDimension(e->obj);
  PetscFunctionBegin;
  if (!e->natural_set) e->natural = e->algorithm == ALG_VO ? PETSC_TRUE : PETSC_FALSE;
  if (e->sigma_update == SIG_DEFAULT) e->sigma_update = e->algorithm == ALG_ES ? SIG_FIXED : SIG_ADAPT;
  if (!e->shaping_set) e->shaping = e->natural && !e->baseline ? SHAPE_RANK : SHAPE_NONE;
  if (!e->lr_set) e->lr = e->natural ? 1.0 : 0.01;
  if (e->lr_sigma < 0) e->lr_sigma = e->natural ? (3.0 + log((double)d)) / (5.0 * sqrt((double)d)) : e->lr;
  if (!e->N_set) e->N = PetscMax(100, 4 + (PetscInt)floor(3.0 * log((double)d)));
  if (e->antithetic && e->N % 2 && !e->N_set) e->N++;
  PetscFunctionReturn(0);
}
