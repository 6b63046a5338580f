/* optdyn es: parallel evolution strategies and variational optimization — the object's
   lifecycle and the run loop. Options: es_options.c; one generation: es_update.c;
   checkpoints: es_checkpoint.c; the bound: es_bound.c; the variance study: es_variance.c;
   output: es_output.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "optdyn/progress.h"
#include "optdyn/runctl.h"
#include "es_impl.h"

PetscErrorCode OdEsRegisterObjective(OdEs es, const char *name, const char *help, OdEsObjectiveCreateFn create)
{
  PetscInt i;
  PetscFunctionBegin;
  PetscCheck(!es->options_read, es->comm, PETSC_ERR_ORDER, "OdEsRegisterObjective(%s) must be called before OdEsSetFromOptions()", name);
  for (i = 0; i < es->ntable; i++)
    if (!strcmp(es->table[i].name, name)) break; /* a new constructor replaces the old one */
  PetscCheck(i < OD_ES_MAX_OBJECTIVES, es->comm, PETSC_ERR_SUP, "too many ES objectives registered (at most %d)", OD_ES_MAX_OBJECTIVES);
  PetscCall(PetscStrncpy(es->table[i].name, name, sizeof es->table[i].name));
  PetscCall(PetscStrncpy(es->table[i].help, help ? help : "", sizeof es->table[i].help));
  es->table[i].create = create;
  if (i == es->ntable) es->ntable++;
  PetscFunctionReturn(0);
}

static PetscErrorCode RegisterBuiltins(OdEs e)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < OdEsObjectiveBuiltinCount(); i++) {
    const char *name, *help;
    OdEsObjectiveCreateFn create;
    OdEsObjectiveBuiltin(i, &name, &help, &create);
    PetscCall(OdEsRegisterObjective(e, name, help, create));
  }
  PetscFunctionReturn(0);
}

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
  e->as_factor = 1.5, e->as_c = 0.1, e->as_lr_max = 0, e->as_threshold = -1;
  e->mix_alpha = 0.1;
  PetscCall(OdOutputCreate(comm, &e->output));
  PetscCall(RegisterBuiltins(e));
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
  PetscCall(PetscFree(e->group_size));
  PetscCall(PetscFree(e->state));
  PetscCall(PetscFree4(e->w, e->w2, e->eps, e->gacc));
  PetscCall(PetscFree3(e->sacc, e->gmu, e->gsig));
  PetscCall(PetscFree3(e->fit, e->fit_local, e->u));
  PetscCall(PetscFree(e->as_logw));
  PetscCall(PetscFree2(e->counts, e->displs));
  PetscCall(PetscFree2(e->mix_counts, e->mix_displs));
  PetscCall(PetscFree6(e->v_mean_iid, e->v_var_iid, e->v_mean_anti, e->v_var_anti, e->v_pred_iid, e->v_pred_anti));
  PetscCall(PetscFree(e->v_grad));
  PetscCall(PetscFree2(e->s_sigma0, e->s_basin_fraction));
  PetscCall(PetscFree3(e->b_mu, e->b_sigma, e->b_U));
  PetscCall(OdCheckpointDestroy(&e->ckpt));
  PetscCall(PetscFree(e));
  *es = NULL;
  PetscFunctionReturn(0);
}

/* ---------------- state layout ---------------- */

static PetscErrorCode AllocateState(OdEs e)
{
  const PetscInt d = e->d, G = e->G, ns = e->nsig, Q = e->Q, hd = e->hist_d, hs = e->hist_s;
  PetscReal *p;
  PetscFunctionBegin;
  const PetscInt M = e->nmetric, A = e->adapt_lr ? 1 : 0;
  e->nstate = (size_t)d + ns + 2 * (size_t)(d + ns) + 6 * (size_t)G + (size_t)G * hd + (size_t)G * hs + 3 * (size_t)Q + (size_t)Q * hd;
  e->nstate += (size_t)M * G + (M ? (size_t)d + 1 : 0) + (size_t)A * (1 + d + G);
  const size_t X = e->mixing ? (size_t)e->N * (d + 1) + d + ns + G : 0; /* importance mixing */
  e->nstate += X;
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
  e->h_sig = hs ? p : NULL, p += (size_t)G * hs;
  e->r_f = p, p += Q;
  e->r_sigma = p, p += Q;
  e->r_basin = p, p += Q;
  e->r_mu = p, p += (size_t)Q * hd;
  e->h_metric = M ? p : NULL, p += (size_t)M * G;
  e->mu_best = M ? p : NULL, p += M ? d : 0;
  e->best_score = M ? p : NULL, p += M ? 1 : 0;
  e->lr_cur = A ? p : NULL, p += A;
  e->last_step = A ? p : NULL, p += (size_t)A * d;
  e->h_lr = A ? p : NULL, p += (size_t)A * G;
  if (X) {
    e->mix_w = p, p += (size_t)e->N * d;
    e->mix_f = p, p += e->N;
    e->mix_mu = p, p += d;
    e->mix_sig = p, p += ns;
    e->h_reuse = p, p += G;
  }
  PetscCheck((size_t)(p - e->state) == e->nstate, PETSC_COMM_SELF, PETSC_ERR_PLIB, "state layout");
  PetscFunctionReturn(0);
}


static void InitReplicate(OdEs e, PetscInt q)
{
  for (PetscInt i = 0; i < e->d; i++) e->mu[i] = e->mu0[i];
  for (PetscInt i = 0; i < e->nsig; i++) e->sig[i] = OdEsSigma0Of(e, q);
  for (PetscInt i = 0; i < e->d + e->nsig; i++) e->m1[i] = e->m2[i] = 0;
  if (e->best_score && q == 0) {
    e->best_score[0] = PETSC_MAX_REAL;
    for (PetscInt i = 0; i < e->d; i++) e->mu_best[i] = e->mu0[i];
  }
  if (e->adapt_lr) {
    e->lr_cur[0] = e->lr;
    for (PetscInt i = 0; i < e->d; i++) e->last_step[i] = 0;
  }
}

/* Block partition of the N members over the ranks. */
static PetscErrorCode Partition(OdEs e)
{
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(e->size, &e->counts, e->size, &e->displs));
  for (PetscMPIInt r = 0; r < e->size; r++) {
    const PetscInt a = (PetscInt)(((long long)e->N * r) / e->size), b = (PetscInt)(((long long)e->N * (r + 1)) / e->size);
    e->displs[r] = (PetscMPIInt)a;
    e->counts[r] = (PetscMPIInt)(b - a);
  }
  e->lo = e->displs[e->rank];
  e->hi = e->lo + e->counts[e->rank];
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUpOptimize(OdEs e)
{
  const PetscInt blk = PetscMin(e->d, OD_ES_BLOCK);
  PetscFunctionBegin;
  PetscCall(AllocateState(e));
  PetscCall(PetscMalloc4(e->d, &e->w, e->d, &e->w2, blk, &e->eps, e->d, &e->gacc));
  PetscCall(PetscMalloc3(e->adapt ? e->d : 1, &e->sacc, e->d, &e->gmu, e->nsig, &e->gsig));
  PetscCall(PetscMalloc3(e->N, &e->fit, e->N, &e->fit_local, e->N, &e->u));
  PetscCall(PetscMalloc1(e->N, &e->as_logw));
  PetscCall(Partition(e));
  if (e->mixing) PetscCall(PetscMalloc2(e->size, &e->mix_counts, e->size, &e->mix_displs));
  InitReplicate(e, 0);
  PetscCall(OdEsObjectiveEval(e->obj, e->mu0, &e->f_mu0));
  PetscCall(OdEsCheckpointDeclare(e));
  PetscFunctionReturn(0);
}

/* layerwise: one sigma per group of the objective's partition; n_g coordinates per group */
static PetscErrorCode SetUpGroups(OdEs e)
{
  PetscInt ngroups;
  PetscFunctionBegin;
  OdEsObjectiveGetGroups(e->obj, &ngroups, &e->group, NULL);
  e->nsig = ngroups, e->hist_s = ngroups;
  PetscCall(PetscCalloc1(ngroups, &e->group_size));
  for (PetscInt c = 0; c < e->d; c++) e->group_size[e->group[c]]++;
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsSetUp(OdEs e)
{
  const PetscReal *mu0;
  PetscReal s0;
  PetscFunctionBegin;
  PetscCall(OdEsApplyDefaults(e));
  PetscCall(OdEsValidate(e));
  e->d = OdEsObjectiveGetDimension(e->obj);
  OdEsObjectiveGetDefaults(e->obj, &mu0, &s0);
  if (!e->sigma0_set) e->sigma0 = s0;
  PetscCall(PetscMalloc1(e->d, &e->mu0));
  for (PetscInt i = 0; i < e->d; i++) e->mu0[i] = e->nmu0 == 0 ? mu0[i] : (e->nmu0 == 1 ? e->mu0_opt[0] : e->mu0_opt[i]);
  e->adapt = e->sigma_update == SIG_ADAPT;
  e->decay = e->sigma_update == SIG_DECAY;
  e->nsig = e->distribution == DIST_SEPARABLE ? e->d : 1;
  e->Q = (e->nsigma0 ? e->nsigma0 : 1) * e->runs;
  e->hist_d = e->d <= OD_ES_HIST_MAX_D ? e->d : 0;
  e->hist_s = e->distribution == DIST_SEPARABLE ? e->hist_d : 0;
  if (e->distribution == DIST_LAYERWISE) PetscCall(SetUpGroups(e));
  {
    const OdEsMetrics *m = OdEsObjectiveGetMetrics(e->obj);
    e->nmetric = m ? m->n : 0;
  }
  if (e->as_lr_max <= 0) e->as_lr_max = 10 * e->lr;
  if (e->as_lr_min <= 0) e->as_lr_min = 0.01 * e->lr;
  if (e->as_threshold < 0) e->as_threshold = sqrt(2 * PETSC_PI) / (3.0 * (e->d + 1)); /* NES: rho = 1/2 - 1/(3(d+1)) as a z value */
  e->rng = OdRngCreate(e->seed, OD_STREAM_ES);
  snprintf(e->ckpt_path, sizeof e->ckpt_path, "%s.ckpt", OdOutputGetPath(e->output));
  if (e->mode == MODE_OPTIMIZE) PetscCall(SetUpOptimize(e));
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

/* ---------------- driver ---------------- */

static PetscErrorCode RecordFinal(OdEs e)
{
  PetscReal f;
  PetscFunctionBegin;
  PetscCall(OdEsObjectiveEval(e->obj, e->mu, &f));
  e->r_f[e->q] = f;
  e->r_sigma[e->q] = OdEsSigmaRMS(e);
  e->r_basin[e->q] = (PetscReal)OdEsObjectiveBasin(e->obj, e->mu);
  if (e->hist_d) PetscCall(PetscArraycpy(e->r_mu + (size_t)e->q * e->d, e->mu, e->d));
  PetscFunctionReturn(0);
}

/* Summaries of the finished run (computed here, written by es_output.c). */
static PetscErrorCode Summarize(OdEs e)
{
  const PetscInt S = e->nsigma0 ? e->nsigma0 : 1, R = e->runs;
  const PetscReal *xm, *fm;
  PetscFunctionBegin;
  e->f_final = e->h_fmean[e->G - 1];
  e->s_first_below = -1;
  for (PetscInt g = 0; g < e->G && e->s_first_below < 0; g++)
    if (e->h_fmean[g] < e->f_target) e->s_first_below = g;
  OdEsObjectiveGetMinima(e->obj, &e->nbasin, &xm, &fm);
  PetscCall(PetscCalloc2(S, &e->s_sigma0, S * e->nbasin + 1, &e->s_basin_fraction));
  for (PetscInt s = 0; s < S; s++) e->s_sigma0[s] = OdEsSigma0Of(e, s * R);
  for (PetscInt s = 0; s < S; s++)
    for (PetscInt r = 0; r < R; r++) {
      const PetscInt b = (PetscInt)e->r_basin[s * R + r];
      if (b >= 0 && b < e->nbasin) e->s_basin_fraction[s * e->nbasin + b] += 1.0 / R;
    }
  if (e->bound) PetscCall(OdEsComputeBound(e, &e->b_mu, &e->b_sigma, &e->b_U));
  {
    const OdEsMetrics *m = OdEsObjectiveGetMetrics(e->obj);
    if (m && m->nfinal) PetscCall(m->final(OdEsObjectiveGetContext(e->obj), e->d, e->mu, e->mu_best ? e->mu_best : e->mu, e->final_metric));
  }
  PetscFunctionReturn(0);
}

/* -restart: continue from the checkpoint if there is one. */
static PetscErrorCode Restart(OdEs e)
{
  PetscBool found = PETSC_FALSE;
  PetscFunctionBegin;
  if (!e->restart) PetscFunctionReturn(0);
  PetscCall(OdCheckpointRead(e->ckpt, &found));
  if (found) PetscCall(PetscPrintf(e->comm, "[es] restarting from %s at replicate %" PetscInt_FMT ", generation %" PetscInt_FMT "\n", e->ckpt_path, e->q, e->gen));
  else PetscCall(PetscPrintf(e->comm, "[es] -restart: no checkpoint %s yet, starting from the beginning\n", e->ckpt_path));
  PetscFunctionReturn(0);
}

/* After a generation: at check points, compare state checksums, agree on stopping, write a
   checkpoint when due. *stopped: the run ends here with a checkpoint written. */
static PetscErrorCode CheckPoint(OdEs e, long long done, long long total, double *last_ckpt, PetscBool *stopped)
{
  const PetscBool forced = e->stop_after > 0 && done == e->stop_after && done < total;
  PetscBool stop = PETSC_FALSE, written = PETSC_FALSE;
  PetscFunctionBegin;
  *stopped = PETSC_FALSE;
  if (!(forced || done % e->check_interval == 0 || done == total)) PetscFunctionReturn(0);
  PetscCall(OdEsCheckAndStop(e, forced || OdRunctlStopRequested(), &stop));
  const double now = MPI_Wtime();
  if (done < total && (stop || now - *last_ckpt >= e->ckpt_interval)) {
    PetscCall(OdCheckpointWrite(e->ckpt, &written));
    *last_ckpt = now;
  }
  /* a failed checkpoint write was reported; the run then goes on rather than lose the work */
  if (stop && done < total && written) {
    PetscCall(PetscPrintf(e->comm, "[es] stop signal received: checkpoint written to %s after %lld of %lld generations; continue with -restart\n", e->ckpt_path, done, total));
    *stopped = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RunLoop(OdEs e, PetscBool *interrupted)
{
  const long long total = (long long)e->Q * e->G;
  OdProgress progress;
  PetscFunctionBegin;
  OdProgressStart(&progress, e->comm, "es", (double)total, (double)e->q * e->G + e->gen, e->quiet);
  OdProgressSetUnits(&progress, "generations", 1);
  double last_ckpt = MPI_Wtime();
  while (e->q < e->Q && !*interrupted) {
    if (e->gen == 0) InitReplicate(e, e->q);
    const double t0 = MPI_Wtime();
    PetscCall(OdEsRunGeneration(e, (uint32_t)e->q));
    e->t_loop += MPI_Wtime() - t0;
    e->gens_timed++;
    if (e->gen + 1 == e->G) PetscCall(RecordFinal(e));
    /* advance the position: (q, gen) is always the next generation to run */
    if (++e->gen == e->G) e->q++, e->gen = 0;
    const long long done = (long long)e->q * e->G + e->gen;
    PetscCall(CheckPoint(e, done, total, &last_ckpt, interrupted));
    if (!*interrupted) PetscCall(OdProgressUpdate(&progress, (double)done));
  }
  if (*interrupted) PetscCall(OdProgressInterrupted(&progress, (double)((long long)e->q * e->G + e->gen)));
  else PetscCall(OdProgressFinish(&progress));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsRun(OdEs e, PetscBool *interrupted)
{
  PetscFunctionBegin;
  *interrupted = PETSC_FALSE;
  if (e->mode == MODE_VARIANCE) {
    PetscCall(OdEsRunVariance(e));
    PetscCall(OdEsWriteVarianceOutput(e));
    e->done = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  PetscCall(Restart(e));
  PetscCall(RunLoop(e, interrupted));
  if (*interrupted) PetscFunctionReturn(0);
  PetscCall(Summarize(e));
  PetscCall(OdEsWriteOutput(e, e->b_mu, e->b_sigma, e->b_U));
  PetscCall(OdCheckpointRemove(e->ckpt));
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
    PetscCall(PetscViewerASCIIPrintf(viewer, "optdyn es: %s, %s %s%s, N = %" PetscInt_FMT ", %" PetscInt_FMT " generations, d = %" PetscInt_FMT ", objective %s\n", od_es_algorithm_names[e->algorithm], od_es_distribution_names[e->distribution], e->natural ? "natural" : "regular",
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

