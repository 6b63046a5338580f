/* es: importance mixing (Sun, Wierstra, Schaul, Schmidhuber, "Efficient natural evolution
   strategies", GECCO 2009). Each generation reuses members of the previous population that
   are still likely under the new search distribution, and draws only the rest:

     keep old w with prob. min(1, (1 - a) p_new(w)/p_old(w))   -> density min(p_old, (1-a) p_new)
     accept fresh w ~ p_new with prob. max(a, 1 - p_old(w)/p_new(w)) -> max(a p_new, p_new - p_old)

   and the two densities add up to p_new, so the mixed population is a sample of the new
   distribution while only the fresh members are evaluated. The kept members carry the
   fitness measured when they were drawn (for mini-batch objectives: on their generation's
   batch).

   Parallel protocol: every rank holds the population (N x d, part of the es state and its
   checkpoint) and makes the same keep/accept decisions from counter-based uniforms, so the
   only exchange is the F = N - R fresh fitnesses (one MPI_Allgatherv of F doubles). */
#include <math.h>
#include "es_impl.h"

#define OD_ES_STREAM_MIX 0x47u /* keep/accept uniforms; the replicate goes into bits 8.. */

static inline PetscReal SigmaOf(OdEsGaussian g, PetscInt c) { return g.sigma[OdEsSigmaIndex(g.nsigma, g.group, c)]; }

/* log p_cur(w) - log p_old(w) (the normalizations: sum over the sigmas of n_j log(so_j/sc_j)) */
static PetscReal LogRatio(OdEsGaussian old, OdEsGaussian cur, const PetscReal w[])
{
  PetscReal r = 0;
  for (PetscInt c = 0; c < cur.d; c++) {
    const PetscReal so = SigmaOf(old, c), sc = SigmaOf(cur, c);
    const PetscReal zo = (w[c] - old.mu[c]) / so, zc = (w[c] - cur.mu[c]) / sc;
    r += 0.5 * (zo * zo - zc * zc);
    if (!old.group && c < old.nsigma) r += log(so / sc) * (old.nsigma == 1 ? (PetscReal)cur.d : 1.0);
  }
  if (old.group)
    for (PetscInt j = 0; j < old.nsigma; j++) r += log(old.sigma[j] / cur.sigma[j]) * (PetscReal)old.group_size[j];
  return r;
}

static PetscReal Uniform(const OdRng *u, uint32_t gen, PetscInt j, uint32_t fresh)
{
  double x[2];
  OdRngUniform2(u, OdCounterMake(gen, (uint32_t)j, fresh, 0), x);
  return x[0];
}

/* fresh candidate c: w = mu + sigma eps_c */
static void Candidate(const OdRng *noise, uint32_t gen, uint32_t run, OdEsGaussian cur, PetscInt c, PetscReal w[])
{
  PetscReal eps[OD_ES_BLOCK];
  for (PetscInt c0 = 0; c0 < cur.d; c0 += OD_ES_BLOCK) {
    const PetscInt nb = PetscMin(OD_ES_BLOCK, cur.d - c0);
    OdEsNoise(noise, gen, (uint32_t)c, run, c0, nb, eps);
    for (PetscInt i = 0; i < nb; i++) w[c0 + i] = cur.mu[c0 + i] + SigmaOf(cur, c0 + i) * eps[i];
  }
}

PetscErrorCode OdEsImportanceMix(const OdRng *noise, uint32_t seed, uint32_t gen, uint32_t run, PetscReal alpha, OdEsGaussian old, OdEsGaussian cur, PetscInt N, PetscReal W[], PetscReal f[], PetscInt *reused, PetscInt *candidates)
{
  const OdRng u = OdRngCreate(seed, OD_ES_STREAM_MIX | (run << 8));
  const PetscInt d = cur.d, max_candidates = (PetscInt)(20.0 * N / alpha) + 1000;
  PetscInt R = 0, c = 0;
  PetscFunctionBegin;
  PetscCheck(alpha > 0 && alpha <= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "importance mixing: refresh rate %g not in (0, 1]", (double)alpha);
  for (PetscInt j = 0; j < N; j++) {
    const PetscReal r = LogRatio(old, cur, W + (size_t)j * d);
    if (!(Uniform(&u, gen, j, 0) < (1 - alpha) * exp(r))) continue;
    if (R != j) PetscCall(PetscArraycpy(W + (size_t)R * d, W + (size_t)j * d, d));
    f[R++] = f[j];
  }
  for (PetscInt n = R; n < N; c++) {
    PetscReal *w = W + (size_t)n * d;
    PetscCheck(c < max_candidates, PETSC_COMM_SELF, PETSC_ERR_PLIB, "importance mixing: %" PetscInt_FMT " candidates drawn without filling the population", c);
    Candidate(noise, gen, run, cur, c, w);
    if (Uniform(&u, gen, c, 1) < PetscMax(alpha, 1 - exp(-LogRatio(old, cur, w)))) n++;
  }
  *reused = R;
  *candidates = c;
  PetscFunctionReturn(0);
}

/* ---- the parallel generation ---- */

/* Evaluate the fresh members [R, N) split over the ranks; gather their fitnesses into fit. */
static PetscErrorCode EvaluateFresh(OdEs e, uint32_t run, PetscInt R)
{
  const OdEsPopulationHook *hook = OdEsObjectiveGetPopulationHook(e->obj);
  const PetscInt F = e->N - R;
  PetscFunctionBegin;
  for (PetscMPIInt r = 0; r < e->size; r++) {
    const PetscInt a = R + (PetscInt)(((long long)F * r) / e->size), b = R + (PetscInt)(((long long)F * (r + 1)) / e->size);
    e->mix_displs[r] = (PetscMPIInt)a, e->mix_counts[r] = (PetscMPIInt)(b - a);
  }
  const PetscInt lo = e->mix_displs[e->rank], hi = lo + e->mix_counts[e->rank];
  if (hook) PetscCall(hook->evaluate(OdEsObjectiveGetContext(e->obj), &e->info, lo, hi, e->fit_local));
  else
    for (PetscInt n = lo; n < hi; n++) PetscCall(OdEsObjectiveEval(e->obj, e->mix_w + (size_t)n * e->d, &e->fit_local[n - lo]));
  e->normals += (double)e->d * (hi - lo);
  (void)run;
  PetscCallMPI(MPI_Allgatherv(e->fit_local, e->mix_counts[e->rank], MPIU_REAL, e->fit, e->mix_counts, e->mix_displs, MPIU_REAL, e->comm));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsMixingEvaluate(OdEs e, uint32_t run)
{
  PetscInt R = 0, cand = 0;
  PetscFunctionBegin;
  e->info.members = e->mix_w;
  if (e->gen > 0) { /* the population of the previous generation, with its fitnesses */
    const OdEsGaussian old = {e->d, e->nsig, e->mix_mu, e->mix_sig, e->group, e->group_size}, cur = {e->d, e->nsig, e->mu, e->sig, e->group, e->group_size};
    PetscCall(PetscArraycpy(e->fit, e->mix_f, e->N));
    PetscCall(OdEsImportanceMix(&e->rng, e->seed, (uint32_t)e->gen, run, e->mix_alpha, old, cur, e->N, e->mix_w, e->fit, &R, &cand));
  } else {
    const OdEsGaussian cur = {e->d, e->nsig, e->mu, e->sig, e->group, e->group_size};
    for (PetscInt n = 0; n < e->N; n++) Candidate(&e->rng, (uint32_t)e->gen, run, cur, n, e->mix_w + (size_t)n * e->d);
    cand = e->N;
  }
  e->normals += (double)e->d * cand;
  PetscCall(EvaluateFresh(e, run, R));
  PetscCall(PetscArraycpy(e->mix_f, e->fit, e->N));
  e->mix_reused = R;
  if (run == 0) e->h_reuse[e->gen] = (PetscReal)R / e->N;
  PetscFunctionReturn(0);
}

/* The search sums of es_update.c from the stored members: eps_n = (w_n - mu)/sigma. Then the
   current distribution becomes the one the population was drawn from. */
void OdEsMixingAccumulate(OdEs e, PetscReal *S, PetscReal *E, PetscReal dots[])
{
  const PetscInt d = e->d;
  const PetscBool sep = OdEsPerCoordinateSigma(e) && e->adapt; /* per-coordinate sums for the group reduction */
  const PetscReal as = e->adapt_lr ? e->as_factor - 1 : 0;
  *S = 0, *E = 0;
  for (PetscInt i = 0; i < d; i++) e->gacc[i] = 0;
  if (sep)
    for (PetscInt i = 0; i < d; i++) e->sacc[i] = 0;
  for (PetscInt n = 0; n < e->N; n++) {
    const PetscReal a = e->u[n], *w = e->mix_w + (size_t)n * d;
    PetscReal nk = 0, dk = 0;
    *E += a;
    for (PetscInt c = 0; c < d; c++) {
      const PetscReal s = OdEsSigAt(e, c), eps = (w[c] - e->mu[c]) / s;
      e->gacc[c] += a * eps;
      if (sep) e->sacc[c] += a * eps * eps;
      nk += eps * eps;
      if (dots) dk += eps * (as * e->last_step[c] / s);
    }
    *S += a * nk;
    if (dots) dots[n] = dk;
  }
  for (PetscInt i = 0; i < d; i++) e->mix_mu[i] = e->mu[i];
  for (PetscInt i = 0; i < e->nsig; i++) e->mix_sig[i] = e->sig[i];
}
