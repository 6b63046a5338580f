/* Monte Carlo of the SGD/GD process that `optdyn fp` models (-fp_validate).

   Walker w starts from the initial density (truncated normal by rejection at counter
   (1, w, attempt, 0); uniform at (1, w, 0, 0); point: init_W) and runs
       W <- W - T (G + sqrt(s) (g_J - G)),  J uniform on {0..J-1}
   (s = -fp_noise; s = 1 is plain SGD with W <- W - T g_J, s = 0 is GD). The datapoint of step
   k is word k mod 4 of Philox (seed, OD_STREAM_FP_MC) at counter (0, w, k/4, 0), exactly like
   the escape walkers. Boundaries as in the PDE: absorbing = the walker escapes at the first
   step that leaves [Wmin, Wmax]; reflecting = mirrored back into the interval.

   Walkers are grouped in chunks of -fp_mc_chunk; each chunk keeps, per output time, Welford
   (count, mean, M2) of the surviving walkers in walker order and the number escaped; the
   chunks are all-gathered and merged in chunk order (Chan et al.), so every number is
   bitwise independent of the rank count. */
#include <math.h>
#include "optdyn/rng.h"
#include "optdyn/stats.h"
#include "fp_impl.h"

static PetscReal Sample(OdFP fp, const OdRng *rng, uint32_t w)
{
  switch (fp->init) {
  case OD_FP_INIT_NORMAL:
    for (uint32_t attempt = 0; attempt < 1u << 30; attempt++) {
      double z[2];
      OdRngNormal2(rng, OdCounterMake(1, w, attempt, 0), z);
      for (int k = 0; k < 2; k++) {
        const PetscReal W = fp->init_mean + fp->init_std * z[k];
        if (W >= fp->Wmin && W <= fp->Wmax) return W;
      }
    }
    return fp->init_mean;
  case OD_FP_INIT_UNIFORM: {
    double u[2];
    const PetscReal a = PetscMax(fp->init_a, fp->Wmin), b = PetscMin(fp->init_b, fp->Wmax);
    OdRngUniform2(rng, OdCounterMake(1, w, 0, 0), u);
    return a + (b - a) * u[0];
  }
  default:
    return fp->init_W;
  }
}

/* Per chunk and output time: count, mean, M2 of survivors, escaped. */
#define REC 4

static void Walk(OdFP fp, const OdRng *rng, uint32_t w, const PetscInt *steps, PetscReal *rec)
{
  const uint32_t J = (uint32_t)OdLandscapeGetNumData(fp->landscape);
  const PetscReal T = fp->T, s = fp->noise, sq = PetscSqrtReal(fp->noise);
  const PetscInt nt = fp->nt, last = steps[nt - 1];
  PetscReal W = Sample(fp, rng, w);
  PetscInt k = 0, step = 0;
  PetscBool alive = PETSC_TRUE;
  uint32_t words[4];
  for (;;) {
    for (; k < nt && steps[k] == step; k++) {
      PetscReal *r = rec + REC * k;
      if (!alive) {
        r[3] += 1;
        continue;
      }
      const PetscReal d = W - r[1];
      r[0] += 1;
      r[1] += d / r[0];
      r[2] += d * (W - r[1]);
    }
    if (step == last) break;
    if (!alive) { /* escaped walkers only count */
      step = steps[k];
      continue;
    }
    PetscReal g;
    if (s == 1 || s == 0) {
      if (s == 1) {
        if ((step & 3) == 0) OdRngWords(rng, OdCounterMake(0, w, (uint32_t)(step >> 2), 0), words);
        g = OdLandscapeGrad(fp->landscape, (PetscInt)OdRngIndexFromWord(words[step & 3], J), W);
      } else {
        g = 0;
        for (uint32_t j = 0; j < J; j++) g += OdLandscapeGrad(fp->landscape, (PetscInt)j, W);
        g /= J;
      }
    } else {
      PetscReal G = 0;
      for (uint32_t j = 0; j < J; j++) G += OdLandscapeGrad(fp->landscape, (PetscInt)j, W);
      G /= J;
      if ((step & 3) == 0) OdRngWords(rng, OdCounterMake(0, w, (uint32_t)(step >> 2), 0), words);
      g = G + sq * (OdLandscapeGrad(fp->landscape, (PetscInt)OdRngIndexFromWord(words[step & 3], J), W) - G);
    }
    W -= T * g;
    step++;
    if (W > fp->Wmax) {
      if (fp->right == OD_FP_ABSORBING) alive = PETSC_FALSE;
      else W = PetscMax(2 * fp->Wmax - W, fp->Wmin);
    } else if (W < fp->Wmin) {
      if (fp->left == OD_FP_ABSORBING) alive = PETSC_FALSE;
      else W = PetscMin(2 * fp->Wmin - W, fp->Wmax);
    }
    if (!isfinite(W)) alive = PETSC_FALSE;
  }
}

PetscErrorCode OdFPRunMonteCarlo(OdFP fp)
{
  const PetscInt nt = fp->nt, N = fp->mc_walkers, chunk = fp->mc_chunk;
  const PetscInt nchunks = (N + chunk - 1) / chunk;
  const PetscInt c0 = nchunks * fp->rank / fp->size, c1 = nchunks * (fp->rank + 1) / fp->size;
  const OdRng rng = OdRngCreate(fp->seed, OD_STREAM_FP_MC);
  PetscInt *steps;
  PetscReal *mine, *all;
  PetscMPIInt *counts, *displs;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(nt, &steps));
  for (PetscInt k = 0; k < nt; k++) steps[k] = (PetscInt)llround(fp->t[k]);
  for (PetscInt k = 1; k < nt; k++) steps[k] = PetscMax(steps[k], steps[k - 1]);
  PetscCall(PetscCalloc1((c1 - c0) * REC * nt + 1, &mine));
  PetscCall(PetscMalloc1(nchunks * REC * nt, &all));
  for (PetscInt c = c0; c < c1; c++) {
    PetscReal *rec = mine + (c - c0) * REC * nt;
    for (PetscInt w = c * chunk; w < PetscMin(N, (c + 1) * chunk); w++) Walk(fp, &rng, (uint32_t)w, steps, rec);
  }
  PetscCall(PetscMalloc2(fp->size, &counts, fp->size, &displs));
  for (PetscMPIInt r = 0; r < fp->size; r++) {
    const PetscInt a = nchunks * r / fp->size, b = nchunks * (r + 1) / fp->size;
    counts[r] = (PetscMPIInt)((b - a) * REC * nt);
    displs[r] = (PetscMPIInt)(a * REC * nt);
  }
  PetscCallMPI(MPI_Allgatherv(mine, counts[fp->rank], MPIU_REAL, all, counts, displs, MPIU_REAL, fp->comm));
  PetscCall(PetscFree2(counts, displs));
  PetscCall(PetscFree(fp->mc));
  PetscCall(PetscMalloc1(8 * nt, &fp->mc));
  for (PetscInt k = 0; k < nt; k++) {
    PetscReal n = 0, mean = 0, M2 = 0, esc = 0;
    for (PetscInt c = 0; c < nchunks; c++) {
      const PetscReal *r = all + c * REC * nt + REC * k;
      esc += r[3];
      if (r[0] == 0) continue;
      const PetscReal nn = n + r[0], d = r[1] - mean;
      mean += d * r[0] / nn;
      M2 += r[2] + d * d * n * r[0] / nn;
      n = nn;
    }
    const PetscReal var = n > 1 ? M2 / (n - 1) : NAN, sd = PetscSqrtReal(var);
    fp->mc[k] = (PetscReal)steps[k];
    fp->mc[nt + k] = n > 0 ? mean : NAN;
    fp->mc[2 * nt + k] = n > 1 ? sd / PetscSqrtReal(n) : NAN;
    fp->mc[3 * nt + k] = sd;
    fp->mc[4 * nt + k] = n > 1 ? sd / PetscSqrtReal(2 * (n - 1)) : NAN;
    fp->mc[5 * nt + k] = esc / N;
    OdWilsonInterval(esc, (double)N, OD_Z95, &fp->mc[6 * nt + k], &fp->mc[7 * nt + k]);
  }
  PetscCall(PetscFree(steps));
  PetscCall(PetscFree(mine));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}
