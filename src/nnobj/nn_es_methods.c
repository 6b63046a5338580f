/* The techniques of the `mlp` objective: how a member is evaluated and, for the methods
   that do not perturb one weight vector per member, how the search gradient is formed.

   weight  : member n is w_n = mu + s_n sigma eps_n (es builds and reconstructs it; antithetic,
             importance weights for adaptation sampling, every es option apply).
   safe    : w_n = mu + s_n sigma eps_n / s with sensitivities s from output gradients at mu
             on the generation's mini-batch (pure function of mu and the batch, so every rank
             computes the same s); the search gradient is es's with sigma_eff = sigma / s.
   local   : local reparameterization: for every example b of member n the pre-activations
             of layer l are Z = A mu_W + mu_b + sqrt(V) xi, V = A^2 sigma_W^2 + sigma_b^2, xi ~ N(0,1)
             per (member, example, unit) from OdEsExampleNoise; the gradient goes through
             activation space (eq. 30 of the thesis).
   example : a new weight perturbation eps_{n,b} for every example (removes the within-batch
             covariance; d normals per example: small networks only).
   backprop: reference, not a search: the "search gradient" is the exact mini-batch gradient
             of the loss at mu, so es's optimizer becomes mini-batch SGD / Adam by backpropagation.
   local/example with -es_mlp_example_fitness weight the noise of example b of member n by
   f_{b,n} - mean_n f_{b,n}; these N x B per-example losses are the one extra exchange
   (MPI_Allgatherv, B doubles per member). Every rank then recomputes every member's forward
   pass (the activations are not sent), summing in member order: bitwise identical at any
   rank count, at the price of N forward passes per rank and generation. */
#include <math.h>
#include <cblas.h>
#include "nn_es_impl.h"

/* The generation's mini-batch: B training indices drawn with replacement from the
   generator keyed by (seed, replicate), counter (generation, b): the same on every rank. */
PetscErrorCode NNEsLoadBatch(NNEs *c, const OdEsGeneration *gen)
{
  const OdRng rng = OdEsGenerationRng(gen);
  PetscFunctionBegin;
  if (c->batch_gen == gen->generation && c->batch_rep == gen->replicate) PetscFunctionReturn(0);
  for (PetscInt b = 0; b < c->B; b++) {
    uint32_t wd[4];
    OdRngWords(&rng, OdCounterMake((uint32_t)gen->generation, (uint32_t)b, 0, 0), wd);
    c->idx[b] = (PetscInt)OdRngIndexFromWord(wd[0], (uint32_t)c->ntrain);
    OdDatasetInput(&c->train, c->idx[b], c->X + b * c->sizes[0]);
    c->labels[b] = c->train.labels[c->idx[b]];
  }
  c->batch_gen = gen->generation, c->batch_rep = gen->replicate;
  PetscFunctionReturn(0);
}

static inline PetscReal SigmaOf(const OdEsGeneration *gen, PetscInt i) { return OdEsGenerationSigma(gen, i); }
static inline void MemberNoise(const OdEsGeneration *gen, PetscInt n, PetscInt *k, PetscReal *sgn)
{
  *k = gen->antithetic ? n / 2 : n;
  *sgn = gen->antithetic && (n & 1) ? -1.0 : 1.0;
}

/* ---------------------------------------------------------------- safe perturbations */

/* s_i = sqrt(sum_k (1/I sum_b |dY_kb/dw_i|)^2) (abs) or with the sum inside |.| (sum), over the
   first I examples of the batch; floored at floor * max s and scaled so that mean(1/s^2) = 1
   (the rescaled perturbation has the same expected squared length as eps). */
PetscErrorCode NNEsComputeSensitivity(NNEs *c, const OdEsGeneration *gen, const double w[], double s[])
{
  const PetscInt K = c->sizes[c->L], nI = PetscMin(c->safe_batch, c->B), P = c->P;
  double *acc, smax = 0, m = 0;
  PetscFunctionBegin;
  PetscCall(NNEsLoadBatch(c, gen));
  PetscCall(PetscCalloc1(K * P, &acc));
  for (PetscInt b = 0; b < nI; b++) {
    OdMLPForward(c->mlp, w, c->X + b * c->sizes[0], -1, c->work1);
    for (PetscInt k = 0; k < K; k++) {
      double *a = acc + k * P;
      OdMLPOutputGradient(c->mlp, w, k, c->work1, c->grad1);
      if (c->safe_kind == NNES_SAFE_ABS)
        for (PetscInt i = 0; i < P; i++) a[i] += fabs(c->grad1[i]);
      else
        for (PetscInt i = 0; i < P; i++) a[i] += c->grad1[i];
    }
  }
  for (PetscInt i = 0; i < P; i++) {
    double q = 0;
    for (PetscInt k = 0; k < K; k++) q += (acc[k * P + i] / nI) * (acc[k * P + i] / nI);
    s[i] = sqrt(q);
    smax = PetscMax(smax, s[i]);
  }
  for (PetscInt i = 0; i < P; i++) {
    s[i] = PetscMax(s[i], c->safe_floor * smax);
    if (smax == 0) s[i] = 1;
    m += 1.0 / (s[i] * s[i]) / P;
  }
  for (PetscInt i = 0; i < P; i++) s[i] *= sqrt(m);
  PetscCall(PetscFree(acc));
  PetscFunctionReturn(0);
}

static PetscErrorCode SafeSensitivity(NNEs *c, const OdEsGeneration *gen)
{
  PetscFunctionBegin;
  if (c->s_gen == gen->generation && c->s_rep == gen->replicate) PetscFunctionReturn(0);
  PetscCall(NNEsComputeSensitivity(c, gen, gen->mu, c->s));
  c->s_gen = gen->generation, c->s_rep = gen->replicate;
  PetscFunctionReturn(0);
}

PetscErrorCode OdNNEsMLPSensitivity(OdEsObjective obj, PetscInt generation, PetscInt replicate, const PetscReal w[], PetscReal s[])
{
  NNEs *c = (NNEs *)OdEsObjectiveGetContext(obj);
  OdEsGeneration gen = {0};
  PetscFunctionBegin;
  gen.seed = c->seed, gen.generation = generation, gen.replicate = replicate;
  PetscCall(NNEsComputeSensitivity(c, &gen, w, s));
  PetscFunctionReturn(0);
}

/* w = mu + sgn sigma eps_k / s (s = NULL: no rescaling) */
static void BuildMember(const OdEsGeneration *gen, PetscInt n, const double *s, double w[])
{
  PetscInt k;
  PetscReal sgn, eps[256];
  if (gen->members && !s) { /* importance mixing (weight method only): es chose the members */
    OdEsMemberParameters(gen, n, w);
    return;
  }
  MemberNoise(gen, n, &k, &sgn);
  for (PetscInt c0 = 0; c0 < gen->d; c0 += 256) {
    const PetscInt nb = PetscMin(256, gen->d - c0);
    OdEsNoise(gen->rng, (uint32_t)gen->generation, (uint32_t)k, (uint32_t)gen->replicate, c0, nb, eps);
    for (PetscInt i = 0; i < nb; i++) w[c0 + i] = gen->mu[c0 + i] + sgn * SigmaOf(gen, c0 + i) * eps[i] / (s ? s[c0 + i] : 1.0);
  }
}

/* ---------------------------------------------------------------- local reparameterization */

/* Pre-activation hook of layers 2..L: Z += sgn sqrt(V) xi with V = A^2 sigma_W^2 + sigma_b^2
   (keeps xi, V). */
static void LocalHook(void *ctx, PetscInt l, PetscInt B, PetscInt n, double Z[])
{
  NNEs *c = (NNEs *)ctx;
  const OdEsGeneration *gen = c->hook_gen;
  const PetscInt nin = c->sizes[l - 1];
  const double *A = OdMLPLayerActivations(c->work, l - 1);
  double *xi = c->xi + c->B * c->unit0[l], *V = c->v + c->B * c->unit0[l];
  const double *S2W = c->S2 + OdMLPWeightOffset(c->mlp, l), *S2b = c->S2 + OdMLPBiasOffset(c->mlp, l);
  for (PetscInt q = 0; q < B * nin; q++) c->A2[q] = A[q] * A[q];
  for (PetscInt b = 0; b < B; b++)
    for (PetscInt i = 0; i < n; i++) V[b * n + i] = S2b[i];
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)n, (int)nin, 1.0, c->A2, (int)nin, S2W, (int)n, 1.0, V, (int)n);
  for (PetscInt b = 0; b < B; b++) {
    OdEsExampleNoise(gen, c->hook_member, b, c->unit0[l], n, xi + b * n);
    for (PetscInt i = 0; i < n; i++) Z[b * n + i] += c->hook_sign * sqrt(V[b * n + i]) * xi[b * n + i];
  }
}

static void FillSigma2(NNEs *c, const OdEsGeneration *gen)
{
  for (PetscInt i = 0; i < c->P; i++) c->S2[i] = SigmaOf(gen, i) * SigmaOf(gen, i);
}

/* Layer 1 sees the data itself, so its pre-activations have the same mean X mu_W + mu_b and
   variance V = X^2 sigma_W^2 + sigma_b^2 for every member: only the noise xi differs. Both
   are computed once per generation (the n_0 x n_1 products are nearly all of a member's cost)
   and shared by all members: z1 and the layer-1 block of v. Needs the batch in X. */
static void LocalSharedLayer1(NNEs *c, const OdEsGeneration *gen)
{
  const PetscInt B = c->B, nin = c->sizes[0], n = c->sizes[1], wo = OdMLPWeightOffset(c->mlp, 1), bo = OdMLPBiasOffset(c->mlp, 1);
  FillSigma2(c, gen);
  for (PetscInt b = 0; b < B; b++)
    for (PetscInt i = 0; i < n; i++) c->z1[b * n + i] = gen->mu[bo + i], c->v[b * n + i] = c->S2[bo + i];
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)n, (int)nin, 1.0, c->X, (int)nin, gen->mu + wo, (int)n, 1.0, c->z1, (int)n);
  for (PetscInt q = 0; q < B * nin; q++) c->A2[q] = c->X[q] * c->X[q];
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)n, (int)nin, 1.0, c->A2, (int)nin, c->S2 + wo, (int)n, 1.0, c->v, (int)n);
}

/* Forward member n with activation noise; per-example losses into loss[B]. Layer 1 from the
   shared z1, v (LocalSharedLayer1 first), the layers above through LocalHook. */
static PetscErrorCode LocalForward(NNEs *c, const OdEsGeneration *gen, PetscInt n, double loss[])
{
  const PetscInt B = c->B, n1 = c->sizes[1];
  PetscInt k;
  PetscReal sgn;
  PetscFunctionBegin;
  MemberNoise(gen, n, &k, &sgn);
  c->hook_gen = gen, c->hook_member = k, c->hook_sign = (PetscInt)sgn;
  for (PetscInt b = 0; b < B; b++) {
    double *xi = c->xi + b * n1, *Z = c->M + b * n1;
    const double *V = c->v + b * n1, *z1 = c->z1 + b * n1;
    OdEsExampleNoise(gen, k, b, 0, n1, xi);
    for (PetscInt i = 0; i < n1; i++) Z[i] = z1[i] + c->hook_sign * sqrt(V[i]) * xi[i];
  }
  PetscCall(OdMLPForwardBatchFrom(c->mlp, gen->mu, B, 1, c->M, c->labels, c->work, LocalHook, c, loss));
  PetscFunctionReturn(0);
}

/* The weights of eq. (30) for layer l's units: M = cw sgn xi / sqrt(V) (mean) and
   M2 = cw (xi^2 - 1) / (2 V) (variance); their column sums are the bias terms. */
static void LocalUnitWeights(NNEs *c, PetscInt l, PetscReal sgn, const double cw[], double M[], double M2[])
{
  const PetscInt B = c->B, n = c->sizes[l], P = c->P, bo = OdMLPBiasOffset(c->mlp, l);
  const double *xi = c->xi + B * c->unit0[l], *V = c->v + B * c->unit0[l];
  for (PetscInt b = 0; b < B; b++)
    for (PetscInt i = 0; i < n; i++) {
      const double x = xi[b * n + i], v = V[b * n + i];
      M[b * n + i] = cw[b] * sgn * x / sqrt(v), M2[b * n + i] = cw[b] * (x * x - 1) / (2 * v);
      c->glo[bo + i] += M[b * n + i], c->glo[P + bo + i] += M2[b * n + i];
    }
}

/* Add member n's terms of eq. (30) with example weights cw[B]: glo[0..P) += dU/dmu terms,
   glo[P..2P) += dU/dsigma^2 terms (before the 1/(N B)). Uses the last LocalForward. Layer 1's
   weight terms are X^T M summed over members: only M is summed here (msum, m2sum), the product
   with the shared X is LocalLayer1Gradient's, once per generation. */
static void LocalAccumulate(NNEs *c, PetscReal sgn, const double cw[])
{
  const PetscInt B = c->B, P = c->P, n1 = c->sizes[1];
  double *M = c->M, *M2 = c->M + B * c->maxw;
  for (PetscInt l = c->L; l >= 2; l--) {
    const PetscInt nin = c->sizes[l - 1], n = c->sizes[l], wo = OdMLPWeightOffset(c->mlp, l);
    const double *A = OdMLPLayerActivations(c->work, l - 1);
    LocalUnitWeights(c, l, sgn, cw, M, M2);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nin, (int)n, (int)B, 1.0, A, (int)nin, M, (int)n, 1.0, c->glo + wo, (int)n);
    for (PetscInt q = 0; q < B * nin; q++) c->A2[q] = A[q] * A[q];
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nin, (int)n, (int)B, 1.0, c->A2, (int)nin, M2, (int)n, 1.0, c->glo + P + wo, (int)n);
  }
  LocalUnitWeights(c, 1, sgn, cw, M, M2);
  for (PetscInt q = 0; q < B * n1; q++) c->msum[q] += M[q], c->m2sum[q] += M2[q];
}

/* glo's layer-1 weight terms: X^T msum and (X^2)^T m2sum. */
static void LocalLayer1Gradient(NNEs *c)
{
  const PetscInt B = c->B, P = c->P, nin = c->sizes[0], n = c->sizes[1], wo = OdMLPWeightOffset(c->mlp, 1);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nin, (int)n, (int)B, 1.0, c->X, (int)nin, c->msum, (int)n, 1.0, c->glo + wo, (int)n);
  for (PetscInt q = 0; q < B * nin; q++) c->A2[q] = c->X[q] * c->X[q];
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nin, (int)n, (int)B, 1.0, c->A2, (int)nin, c->m2sum, (int)n, 1.0, c->glo + P + wo, (int)n);
}

/* ---------------------------------------------------------------- per-example weight noise */

static PetscErrorCode ExampleForward(NNEs *c, const OdEsGeneration *gen, PetscInt n, double loss[])
{
  PetscInt k;
  PetscReal sgn;
  PetscFunctionBegin;
  MemberNoise(gen, n, &k, &sgn);
  for (PetscInt b = 0; b < c->B; b++) {
    OdEsExampleNoise(gen, k, b, 0, c->P, c->grad1);
    for (PetscInt i = 0; i < c->P; i++) c->w[i] = gen->mu[i] + sgn * SigmaOf(gen, i) * c->grad1[i];
    loss[b] = OdMLPForward(c->mlp, c->w, c->X + b * c->sizes[0], c->labels[b], c->work1);
  }
  PetscFunctionReturn(0);
}

/* glo += sum_b cw_b (sgn eps_{n,b} / sigma, (eps^2 - 1) / (2 sigma^2)) */
static void ExampleAccumulate(NNEs *c, const OdEsGeneration *gen, PetscInt n, const double cw[])
{
  PetscInt k;
  PetscReal sgn;
  MemberNoise(gen, n, &k, &sgn);
  for (PetscInt b = 0; b < c->B; b++) {
    OdEsExampleNoise(gen, k, b, 0, c->P, c->grad1);
    for (PetscInt i = 0; i < c->P; i++) {
      const double s = SigmaOf(gen, i), e = c->grad1[i];
      c->glo[i] += cw[b] * sgn * e / s;
      c->glo[c->P + i] += cw[b] * (e * e - 1) / (2 * s * s);
    }
  }
}

/* ---------------------------------------------------------------- the hook */

static PetscErrorCode Evaluate(void *ctx, const OdEsGeneration *gen, PetscInt lo, PetscInt hi, PetscReal fit[])
{
  NNEs *c = (NNEs *)ctx;
  PetscFunctionBegin;
  PetscCall(NNEsLoadBatch(c, gen));
  if (c->method == NNES_SAFE) PetscCall(SafeSensitivity(c, gen));
  if (c->method == NNES_LOCAL) LocalSharedLayer1(c, gen);
  if ((c->method == NNES_LOCAL || c->method == NNES_EXAMPLE) && c->N_alloc < gen->population) {
    PetscCall(PetscFree(c->floss));
    PetscCall(PetscMalloc1(gen->population * c->B, &c->floss));
    c->N_alloc = gen->population;
  }
  for (PetscInt n = lo; n < hi; n++) {
    double *L = c->loss, f = 0;
    if (c->method == NNES_BACKPROP) PetscCall(OdMLPForwardBatch(c->mlp, gen->mu, c->B, c->X, c->labels, c->work, NULL, NULL, L));
    else if (c->method == NNES_WEIGHT || c->method == NNES_SAFE) {
      BuildMember(gen, n, c->method == NNES_SAFE ? c->s : NULL, c->w);
      PetscCall(OdMLPForwardBatch(c->mlp, c->w, c->B, c->X, c->labels, c->work, NULL, NULL, L));
    } else {
      L = c->floss + n * c->B;
      if (c->method == NNES_LOCAL) PetscCall(LocalForward(c, gen, n, L));
      else PetscCall(ExampleForward(c, gen, n, L));
    }
    for (PetscInt b = 0; b < c->B; b++) f += L[b];
    fit[n - lo] = f / c->B;
  }
  PetscFunctionReturn(0);
}

/* es's form from dU/dmu = glo[0..P) and dU/dsigma_i^2 = glo[P..2P): natural (mu, log sigma)
   with the Fisher of N(mu, sigma_eff^2), sigma_eff = sigma / scale; or regular (mu, sigma^2). */
static void FinishGradient(NNEs *c, const OdEsGeneration *gen, const double *scale, PetscReal g_mu[], PetscReal g_sigma[])
{
  const PetscInt P = c->P;
  const PetscBool grouped = gen->nsigma == 1 || gen->group; /* one sigma shared by a group of n_j coordinates */
  for (PetscInt i = 0; i < P; i++) {
    const double se = SigmaOf(gen, i) / (scale ? scale[i] : 1.0);
    g_mu[i] = gen->natural ? se * se * c->glo[i] : c->glo[i];
  }
  if (grouped)
    for (PetscInt j = 0; j < gen->nsigma; j++) g_sigma[j] = 0;
  for (PetscInt i = 0; i < P; i++) {
    const double s2 = SigmaOf(gen, i) * SigmaOf(gen, i), gi = c->glo[P + i];
    const PetscInt j = OdEsSigmaIndex(gen->nsigma, gen->group, i);
    if (grouped) g_sigma[j] += gen->natural ? s2 * gi / OdEsGenerationGroupSize(gen, j) : gi; /* natural: mean over the group */
    else g_sigma[i] = gen->natural ? s2 * gi : gi;
  }
}

/* Every rank's copy of all per-example losses [N][B] (the blocks of es's partition). */
static PetscErrorCode GatherExampleLosses(NNEs *c, const OdEsGeneration *gen)
{
  PetscMPIInt size, rank, *counts, *displs;
  const PetscInt N = gen->population;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(gen->comm, &size));
  PetscCallMPI(MPI_Comm_rank(gen->comm, &rank));
  PetscCall(PetscMalloc2(size, &counts, size, &displs));
  for (PetscMPIInt r = 0; r < size; r++) {
    const PetscInt a = (PetscInt)(((long long)N * r) / size), b = (PetscInt)(((long long)N * (r + 1)) / size);
    displs[r] = (PetscMPIInt)(a * c->B), counts[r] = (PetscMPIInt)((b - a) * c->B);
  }
  PetscCallMPI(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, c->floss, counts, displs, MPI_DOUBLE, gen->comm));
  PetscCall(PetscFree2(counts, displs));
  PetscFunctionReturn(0);
}

/* local / example: recompute every member in order and accumulate (bitwise the same on every rank). */
static PetscErrorCode ActivationGradient(NNEs *c, const OdEsGeneration *gen, const PetscReal u[])
{
  const PetscInt N = gen->population, B = c->B, P = c->P;
  double *cw, *base;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(B, &cw, B, &base));
  if (c->example_fitness) {
    PetscCall(GatherExampleLosses(c, gen));
    for (PetscInt b = 0; b < B; b++) {
      base[b] = 0;
      for (PetscInt n = 0; n < N; n++) base[b] += c->floss[n * B + b] / N;
    }
  }
  if (c->method == NNES_LOCAL) LocalSharedLayer1(c, gen);
  for (PetscInt i = 0; i < 2 * P; i++) c->glo[i] = 0;
  for (PetscInt q = 0; q < B * c->sizes[1]; q++) c->msum[q] = c->m2sum[q] = 0;
  for (PetscInt n = 0; n < N; n++) {
    PetscInt k;
    PetscReal sgn;
    MemberNoise(gen, n, &k, &sgn);
    for (PetscInt b = 0; b < B; b++) cw[b] = c->example_fitness ? c->floss[n * B + b] - base[b] : u[n];
    if (c->method == NNES_LOCAL) {
      PetscCall(LocalForward(c, gen, n, c->loss));
      LocalAccumulate(c, sgn, cw);
    } else ExampleAccumulate(c, gen, n, cw);
  }
  if (c->method == NNES_LOCAL) LocalLayer1Gradient(c);
  for (PetscInt i = 0; i < 2 * P; i++) c->glo[i] /= (double)N * B;
  PetscCall(PetscFree2(cw, base));
  PetscFunctionReturn(0);
}

/* safe: es's estimator with sigma_eff = sigma / s (rebuilds eps_k on every rank). */
static void SafeGradient(NNEs *c, const OdEsGeneration *gen, const PetscReal u[])
{
  const PetscInt N = gen->population, P = c->P, K = gen->antithetic ? N / 2 : N;
  PetscReal eps[256];
  for (PetscInt i = 0; i < 2 * P; i++) c->glo[i] = 0;
  for (PetscInt k = 0; k < K; k++) {
    const PetscReal a = gen->antithetic ? u[2 * k] - u[2 * k + 1] : u[k], b = gen->antithetic ? u[2 * k] + u[2 * k + 1] : u[k];
    for (PetscInt c0 = 0; c0 < P; c0 += 256) {
      const PetscInt nb = PetscMin(256, P - c0);
      OdEsNoise(gen->rng, (uint32_t)gen->generation, (uint32_t)k, (uint32_t)gen->replicate, c0, nb, eps);
      for (PetscInt i = 0; i < nb; i++) {
        const double s = SigmaOf(gen, c0 + i);
        c->glo[c0 + i] += a * eps[i] * c->s[c0 + i] / s;
        c->glo[P + c0 + i] += b * (eps[i] * eps[i] - 1) / (2 * s * s);
      }
    }
  }
  for (PetscInt i = 0; i < 2 * P; i++) c->glo[i] /= N;
}

static PetscErrorCode SearchGradient(void *ctx, const OdEsGeneration *gen, const PetscReal u[], PetscReal g_mu[], PetscReal g_sigma[])
{
  NNEs *c = (NNEs *)ctx;
  PetscFunctionBegin;
  PetscCall(NNEsLoadBatch(c, gen));
  if (c->method == NNES_BACKPROP) { /* reference: the exact mini-batch gradient at mu, sigma untouched */
    PetscCall(OdMLPForwardBatch(c->mlp, gen->mu, c->B, c->X, c->labels, c->work, NULL, NULL, c->loss));
    PetscCall(OdMLPBackwardBatch(c->mlp, gen->mu, c->B, c->X, c->labels, c->work, g_mu));
    for (PetscInt i = 0; i < gen->nsigma; i++) g_sigma[i] = 0;
  } else if (c->method == NNES_SAFE) {
    PetscCall(SafeSensitivity(c, gen));
    SafeGradient(c, gen, u);
    FinishGradient(c, gen, c->s, g_mu, g_sigma);
  } else {
    PetscCall(ActivationGradient(c, gen, u));
    FinishGradient(c, gen, NULL, g_mu, g_sigma);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode NNEsSetUpMethod(NNEs *c, OdEsPopulationHook *hook)
{
  PetscFunctionBegin;
  hook->evaluate = Evaluate;
  hook->parameter_noise = c->method == NNES_WEIGHT ? PETSC_TRUE : PETSC_FALSE;
  hook->search_gradient = c->method == NNES_WEIGHT ? NULL : SearchGradient;
  hook->reusable_members = c->method == NNES_WEIGHT ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}
