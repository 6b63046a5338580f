/* es: one generation — evaluate this rank's members, gather the fitnesses, shape them into
   utilities, rebuild every perturbation to form the search gradient, update (mu, sigma). */
#include <math.h>
#include <stdlib.h>
#include "es_impl.h"

PetscReal OdEsSigma0Of(OdEs e, PetscInt q) { return e->nsigma0 ? e->sigma0_list[q / e->runs] : e->sigma0; }

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

static inline PetscReal SigmaAt(const OdEs e, PetscInt c) { return OdEsSigAt(e, c); }

/* RMS of sigma over the d components (isotropic: sigma; separable: over the d sigma_i;
   layerwise: over the components, so a group weighs by its size) */
PetscReal OdEsSigmaRMS(OdEs e)
{
  PetscReal s2 = 0;
  if (e->group) {
    for (PetscInt c = 0; c < e->d; c++) s2 += SigmaAt(e, c) * SigmaAt(e, c);
    return sqrt(s2 / e->d);
  }
  for (PetscInt i = 0; i < e->nsig; i++) s2 += e->sig[i] * e->sig[i];
  return sqrt(s2 / e->nsig);
}

/* w = mu + sgn sigma eps_k (and w2 = mu - sigma eps_k when both of a pair are wanted) */
static void BuildPerturbed(OdEs e, uint32_t run, PetscInt k, PetscReal sgn, PetscBool pair)
{
  for (PetscInt c0 = 0; c0 < e->d; c0 += OD_ES_BLOCK) {
    const PetscInt nb = PetscMin(OD_ES_BLOCK, e->d - c0);
    OdEsNoiseSimd(e->simd, &e->rng, (uint32_t)e->gen, (uint32_t)k, run, c0, nb, e->eps);
    if (e->nsig == 1) {
      const PetscReal s = e->sig[0];
      for (PetscInt c = 0; c < nb; c++) e->w[c0 + c] = e->mu[c0 + c] + sgn * s * e->eps[c];
      if (pair)
        for (PetscInt c = 0; c < nb; c++) e->w2[c0 + c] = e->mu[c0 + c] - s * e->eps[c];
    } else {
      for (PetscInt c = 0; c < nb; c++) e->w[c0 + c] = e->mu[c0 + c] + sgn * SigmaAt(e, c0 + c) * e->eps[c];
      if (pair)
        for (PetscInt c = 0; c < nb; c++) e->w2[c0 + c] = e->mu[c0 + c] - SigmaAt(e, c0 + c) * e->eps[c];
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

/* The generation as a population hook sees it. */
static void FillGenerationInfo(OdEs e, uint32_t run)
{
  OdEsGeneration *g = &e->info;
  g->comm = e->comm, g->rng = &e->rng, g->seed = e->seed;
  g->generation = e->gen, g->replicate = (PetscInt)run;
  g->d = e->d, g->mu = e->mu, g->sigma = e->sig, g->nsigma = e->nsig;
  g->population = e->N, g->antithetic = e->antithetic, g->natural = e->natural;
  g->generations = e->G;
  g->members = NULL;
  g->group = e->group, g->group_size = e->group_size;
}

/* 1. this rank's members [lo, hi): by the hook, or f(w_n) one at a time */
static PetscErrorCode EvaluateShare(OdEs e, uint32_t run)
{
  const OdEsPopulationHook *hook = OdEsObjectiveGetPopulationHook(e->obj);
  const PetscBool anti = e->antithetic;
  PetscFunctionBegin;
  if (hook) {
    PetscCall(hook->evaluate(OdEsObjectiveGetContext(e->obj), &e->info, e->lo, e->hi, e->fit_local));
    e->normals += (double)e->d * (e->hi - e->lo);
    PetscFunctionReturn(0);
  }
  for (PetscInt n = e->lo; n < e->hi; n++) {
    const PetscInt k = anti ? n / 2 : n;
    const PetscBool both = anti && !(n & 1) && n + 1 < e->hi;
    BuildPerturbed(e, run, k, (anti && (n & 1)) ? -1.0 : 1.0, both);
    PetscCall(OdEsObjectiveEval(e->obj, e->w, &e->fit_local[n - e->lo]));
    e->normals += e->d;
    if (both) {
      PetscCall(OdEsObjectiveEval(e->obj, e->w2, &e->fit_local[n + 1 - e->lo]));
      n++;
    }
  }
  PetscFunctionReturn(0);
}

/* 3. the search sums gacc = sum_k a_k eps_k and (adapting sigma) sacc = sum_k b_k eps_k^2 per
   coordinate, regenerating the noise tile by tile and never storing it (OdEsAccumulateSimd:
   k ascending for every coordinate, so the bits do not depend on who sums which coordinates).
   Default: every rank sums all coordinates (no communication beyond the N fitnesses).
   -es_split_coordinates: rank r sums its block of coordinates (whole 32-chunks) and one
   allgather of d numbers (2 d when adapting sigma) completes the sums on every rank.
   S = sum_c sacc_c (isotropic) and E = sum_k b_k follow in a fixed order. */
static void CoordinateBlock(const OdEs e, PetscMPIInt r, PetscInt *c0, PetscInt *c1)
{
  const PetscInt nch = (e->d + 31) / 32;
  *c0 = PetscMin(e->d, 32 * (PetscInt)(((long long)nch * r) / e->size));
  *c1 = PetscMin(e->d, 32 * (PetscInt)(((long long)nch * (r + 1)) / e->size));
}

static PetscErrorCode GatherBlocks(OdEs e, PetscReal *x)
{
  PetscMPIInt *cnt, *dsp;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(e->size, &cnt, e->size, &dsp));
  for (PetscMPIInt r = 0; r < e->size; r++) {
    PetscInt c0, c1;
    CoordinateBlock(e, r, &c0, &c1);
    dsp[r] = (PetscMPIInt)c0, cnt[r] = (PetscMPIInt)(c1 - c0);
  }
  PetscCallMPI(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, x, cnt, dsp, MPIU_REAL, e->comm));
  PetscCall(PetscFree2(cnt, dsp));
  PetscFunctionReturn(0);
}

/* Adaptation sampling (nnes): dots[k] = sum_c eps_kc (as * last_step_c / sigma_c), c ascending,
   over all coordinates on every rank (also with -es_split_coordinates). */
static void TrialDots(OdEs e, uint32_t run, PetscInt K, PetscReal dots[])
{
  const PetscReal as = e->as_factor - 1; /* trial mean mu' = mu + as * last step */
  for (PetscInt k = 0; k < K; k++) {
    PetscReal dk = 0;
    for (PetscInt c0 = 0; c0 < e->d; c0 += OD_ES_BLOCK) {
      const PetscInt nb = PetscMin(OD_ES_BLOCK, e->d - c0);
      OdEsNoiseSimd(e->simd, &e->rng, (uint32_t)e->gen, (uint32_t)k, run, c0, nb, e->eps);
      for (PetscInt c = 0; c < nb; c++) dk += e->eps[c] * (as * e->last_step[c0 + c] / SigmaAt(e, c0 + c));
    }
    dots[k] = dk;
    e->normals += e->d;
  }
}

static PetscErrorCode AccumulateSearchSums(OdEs e, uint32_t run, PetscReal *S, PetscReal *E, PetscReal dots[])
{
  const PetscInt d = e->d, K = e->antithetic ? e->N / 2 : e->N;
  const PetscBool anti = e->antithetic;
  PetscReal *a, *b;
  PetscInt c0 = 0, c1 = d, active = 0;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(K, &a, K, &b));
  *S = 0, *E = 0;
  for (PetscInt k = 0; k < K; k++) {
    a[k] = anti ? e->u[2 * k] - e->u[2 * k + 1] : e->u[k];
    b[k] = anti ? e->u[2 * k] + e->u[2 * k + 1] : e->u[k];
    *E += b[k];
    active += !(a[k] == 0 && (!e->adapt || b[k] == 0));
  }
  if (e->split_coords) CoordinateBlock(e, e->rank, &c0, &c1);
  for (PetscInt i = 0; i < d; i++) e->gacc[i] = 0;
  if (e->adapt)
    for (PetscInt i = 0; i < d; i++) e->sacc[i] = 0;
  if (c1 > c0) OdEsAccumulateSimd(e->simd, &e->rng, (uint32_t)e->gen, run, K, a, e->adapt ? b : NULL, c0, c1, e->gacc + c0, e->adapt ? e->sacc + c0 : NULL);
  e->normals += (double)active * (c1 - c0);
  if (e->split_coords && e->size > 1) {
    PetscCall(GatherBlocks(e, e->gacc));
    if (e->adapt) PetscCall(GatherBlocks(e, e->sacc));
  }
  if (e->adapt && !OdEsPerCoordinateSigma(e))
    for (PetscInt i = 0; i < d; i++) *S += e->sacc[i];
  if (dots) TrialDots(e, run, K, dots);
  PetscCall(PetscFree2(a, b));
  PetscFunctionReturn(0);
}

/* The sigma-gradient of a group of n coordinates sharing sigma = s, from S = sum over its
   coordinates (ascending) of sum_k b_k eps_kc^2 and E = sum_k b_k. Natural: the Fisher of
   N(mu, s^2 I_n) in log s is 2n, so the step is (S - n E)/(2 n N), the mean over the group
   of the per-coordinate natural gradients; regular: dU/ds^2 = (S - n E)/(2 N s^2). One
   formula for every distribution: n = d (isotropic), 1 (separable), n_g (layerwise). */
static inline PetscReal GroupSigmaGradient(PetscBool natural, PetscReal S, PetscInt n, PetscReal E, PetscInt N, PetscReal s)
{
  return natural ? (S - n * E) / (2.0 * n * N) : (S - n * E) / (2.0 * N * s * s);
}

/* 4. search gradients (natural: in (mu, log sigma); regular: in (mu, sigma^2)) */
static void SearchGradients(OdEs e, PetscReal S, PetscReal E)
{
  const PetscInt d = e->d, N = e->N;
  for (PetscInt c = 0; c < d; c++) {
    const PetscReal s = SigmaAt(e, c);
    e->gmu[c] = e->natural ? s * e->gacc[c] / N : e->gacc[c] / (N * s);
  }
  if (!e->adapt) return;
  if (!OdEsPerCoordinateSigma(e)) { /* isotropic: S was summed by the caller */
    e->gsig[0] = GroupSigmaGradient(e->natural, S, d, E, N, e->sig[0]);
    return;
  }
  /* the group reduction: S_g = sum of sacc over the group's coordinates, c ascending */
  for (PetscInt g = 0; g < e->nsig; g++) e->gsig[g] = 0;
  for (PetscInt c = 0; c < d; c++) e->gsig[OdEsSigIndex(e, c)] += e->sacc[c];
  for (PetscInt g = 0; g < e->nsig; g++) e->gsig[g] = GroupSigmaGradient(e->natural, e->gsig[g], e->group_size ? e->group_size[g] : 1, E, N, e->sig[g]);
}

static PetscReal Norm2(const PetscReal *x, PetscInt n)
{
  PetscReal s = 0;
  for (PetscInt i = 0; i < n; i++) s += x[i] * x[i];
  return sqrt(s);
}

/* The optimizer's step for parameter i with gradient g (updates the moments); bc1, bc2 are
   Adam's bias corrections 1 - beta^t of this step (computed once per generation). */
static PetscReal OptimizerStep(OdEs e, PetscInt i, PetscReal g, PetscReal bc1, PetscReal bc2)
{
  switch (e->optimizer) {
  case OPT_MOMENTUM:
    e->m1[i] = e->momentum * e->m1[i] + g;
    return e->m1[i];
  case OPT_ADAM:
    e->m1[i] = e->beta1 * e->m1[i] + (1 - e->beta1) * g;
    e->m2[i] = e->beta2 * e->m2[i] + (1 - e->beta2) * g * g;
    return (e->m1[i] / bc1) / (sqrt(e->m2[i] / bc2) + e->adam_eps);
  default:
    return g;
  }
}

/* The schedule's factor on the mean's learning rate at the current generation. */
static PetscReal LrScheduleFactor(OdEs e)
{
  if (e->lr_schedule == 0) return 1.0;
  return 0.5 * (1.0 + cos(PETSC_PI * (double)e->gen / (double)e->G));
}

/* 5. the update (same on every rank) */
static void ApplyUpdate(OdEs e)
{
  const PetscInt d = e->d, t = e->gen + 1, np = d + (e->adapt ? e->nsig : 0);
  const PetscReal lr = (e->adapt_lr ? e->lr_cur[0] : e->lr) * LrScheduleFactor(e);
  const PetscReal bc1 = 1 - pow(e->beta1, (double)t), bc2 = 1 - pow(e->beta2, (double)t);
  if (e->adapt_lr)
    for (PetscInt i = 0; i < d; i++) e->last_step[i] = e->mu[i];
  for (PetscInt i = 0; i < np; i++) {
    const PetscBool is_mu = i < d;
    PetscReal g = is_mu ? e->gmu[i] : e->gsig[i - d];
    if (is_mu && e->optimizer != OPT_ADAM) g += e->weight_decay * e->mu[i];
    const PetscReal step = OptimizerStep(e, i, g, bc1, bc2);
    if (is_mu) {
      e->mu[i] -= lr * step;
      if (e->optimizer == OPT_ADAM && e->weight_decay > 0) e->mu[i] -= lr * e->weight_decay * e->mu[i];
      continue;
    }
    PetscReal *s = &e->sig[i - d];
    if (e->natural) *s = *s * exp(-e->lr_sigma * step); /* natural gradient in log sigma */
    else {
      const PetscReal var = *s * *s - e->lr_sigma * step; /* regular gradient in sigma^2 */
      *s = var > e->sigma_min * e->sigma_min ? sqrt(var) : e->sigma_min;
    }
    *s = PetscMin(PetscMax(*s, e->sigma_min), e->sigma_max);
  }
  if (e->decay)
    for (PetscInt i = 0; i < e->nsig; i++) e->sig[i] = PetscMax(e->sig[i] * e->sigma_decay, e->sigma_min);
  if (e->adapt_lr)
    for (PetscInt i = 0; i < d; i++) e->last_step[i] = e->mu[i] - e->last_step[i];
}

/* 6. record (replicate 0 keeps its history) */
static PetscErrorCode RecordHistory(OdEs e, PetscReal gn, PetscReal sgn)
{
  const PetscInt g = e->gen, d = e->d;
  PetscReal fb = PETSC_MAX_REAL, fp = 0;
  PetscFunctionBegin;
  for (PetscInt n = 0; n < e->N; n++) {
    fb = PetscMin(fb, e->fit[n]);
    fp += e->fit[n];
  }
  PetscCall(OdEsObjectiveEval(e->obj, e->mu, &e->h_fmean[g]));
  e->h_sigma[g] = OdEsSigmaRMS(e);
  e->h_gnorm[g] = gn;
  e->h_sgnorm[g] = sgn;
  e->h_fbest[g] = fb;
  e->h_fpop[g] = fp / e->N;
  if (e->hist_d) PetscCall(PetscArraycpy(e->h_mu + (size_t)g * d, e->mu, d));
  if (e->h_sig) PetscCall(PetscArraycpy(e->h_sig + (size_t)g * e->hist_s, e->sig, e->hist_s));
  if (e->h_lr) e->h_lr[g] = e->lr_cur[0];
  if (e->nmetric) {
    const OdEsMetrics *m = OdEsObjectiveGetMetrics(e->obj);
    PetscReal v[OD_ES_MAX_METRICS], score = PETSC_MAX_REAL;
    PetscCall(m->record(OdEsObjectiveGetContext(e->obj), &e->info, v, &score));
    for (PetscInt j = 0; j < e->nmetric; j++) e->h_metric[(size_t)j * e->G + g] = v[j];
    if (!isnan(score) && score < e->best_score[0]) {
      e->best_score[0] = score;
      PetscCall(PetscArraycpy(e->mu_best, e->mu, d));
    }
  }
  PetscFunctionReturn(0);
}

/* A search that overflowed (too large a learning rate or sigma0) must stop with a message
   rather than write inf/NaN; the state is identical on every rank, so all ranks agree. */
static PetscErrorCode CheckFinite(OdEs e, uint32_t run, PetscReal gn)
{
  PetscBool ok = isfinite(gn) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < e->d; i++) ok = ok && isfinite(e->mu[i]);
  for (PetscInt i = 0; i < e->nsig; i++) ok = ok && isfinite(e->sig[i]);
  for (PetscInt n = 0; n < e->N; n++) ok = ok && isfinite(e->fit[n]);
  PetscCheck(ok, e->comm, PETSC_ERR_USER_INPUT, "es diverged in replicate %u at generation %" PetscInt_FMT ": the search mean, sigma or a fitness is no longer a finite number (learning rate -es_lr = %g, sigma0 = %g); reduce them, nothing was written", run, e->gen, (double)e->lr, (double)OdEsSigma0Of(e, (PetscInt)run));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsRunGeneration(OdEs e, uint32_t run)
{
  const OdEsPopulationHook *hook = OdEsObjectiveGetPopulationHook(e->obj);
  PetscReal S = 0, E = 0;
  PetscFunctionBegin;
  FillGenerationInfo(e, run);
  if (e->mixing) PetscCall(OdEsMixingEvaluate(e, run)); /* reuse, evaluate the fresh ones, gather F <= N scalars */
  else {
    PetscCall(EvaluateShare(e, run));
    /* 2. the one communication of the generation: N scalars */
    PetscCallMPI(MPI_Allgatherv(e->fit_local, e->counts[e->rank], MPIU_REAL, e->fit, e->counts, e->displs, MPIU_REAL, e->comm));
  }
  PetscCall(Shape(e));
  if (hook && !hook->parameter_noise) PetscCall(hook->search_gradient(OdEsObjectiveGetContext(e->obj), &e->info, e->u, e->gmu, e->gsig));
  else {
    const PetscBool trial = e->adapt_lr && e->gen > 0;
    if (e->mixing) OdEsMixingAccumulate(e, &S, &E, trial ? e->as_logw : NULL);
    else PetscCall(AccumulateSearchSums(e, run, &S, &E, trial ? e->as_logw : NULL));
    if (trial) PetscCall(OdEsAdaptationSampling(e, e->as_logw));
    SearchGradients(e, S, E);
  }
  const PetscReal gn = Norm2(e->gmu, e->d), sgn = e->adapt ? Norm2(e->gsig, e->nsig) : 0;
  ApplyUpdate(e);
  PetscCall(CheckFinite(e, run, gn));
  if (run == 0) PetscCall(RecordHistory(e, gn, sgn));
  PetscFunctionReturn(0);
}
