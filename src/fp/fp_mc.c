/* Monte Carlo of the SGD/GD process that `optdyn fp` models (-fp_validate).

   Walker w starts from the initial density (truncated normal by rejection at counter
   (1, w, attempt, 0); uniform at (1, w, 0, 0); point: init_W) and is advanced by the escape
   module's walker kernel (OdEscapeWalk, escape.h) with Philox (seed, OD_STREAM_FP_MC) as sweep
   point 0:
       W <- W - T (G + sqrt(s) (g_J - G)),  J uniform on {0..J-1}
   (s = -fp_noise; s = 1 is plain SGD W <- W - T g_J with the escape walkers' draws, s = 0 GD).
   Boundaries as in the PDE: absorbing = the walker escapes at the first step that leaves
   [Wmin, Wmax]; reflecting = mirrored back into the interval.

   The partition and the gather are OdSweep's: each chunk of -fp_mc_chunk walkers is one sweep
   unit (one sweep point per chunk) whose record holds, per output time, Welford (count, mean,
   M2) of the surviving walkers in walker order and the number escaped; the chunk records are
   merged in chunk order (Chan et al.), so every number is bitwise independent of the rank
   count. */
#include <math.h>
#include "optdyn/escape.h"
#include "optdyn/rng.h"
#include "optdyn/stats.h"
#include "optdyn/sweep.h"
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

typedef struct {
  OdFP fp;
  OdRng rng;
  OdEscapeWalkProblem walk;
  const PetscInt *steps; /* [nt] MC step of each output time */
} MCContext;

/* One sweep unit: the walkers of chunk `point`, all output times. */
static PetscErrorCode ChunkRecord(void *ctx, PetscInt point, PetscInt chunk, PetscReal rec[])
{
  MCContext *mc = ctx;
  OdFP fp = mc->fp;
  const PetscInt nt = fp->nt, w0 = point * fp->mc_chunk, w1 = PetscMin(fp->mc_walkers, w0 + fp->mc_chunk);
  PetscReal *W;
  PetscBool *alive;
  PetscFunctionBegin;
  (void)chunk;
  PetscCall(PetscMalloc2(w1 - w0, &W, w1 - w0, &alive));
  for (PetscInt w = w0; w < w1; w++) W[w - w0] = Sample(fp, &mc->rng, (uint32_t)w), alive[w - w0] = PETSC_TRUE;
  for (PetscInt k = 0; k < nt; k++) {
    PetscReal *r = rec + REC * k;
    if (k > 0) OdEscapeWalk(&mc->walk, &mc->rng, 0, w0, w1, mc->steps[k - 1], mc->steps[k], W, alive);
    for (PetscInt w = 0; w < w1 - w0; w++) {
      if (!alive[w]) {
        r[3] += 1;
        continue;
      }
      const PetscReal d = W[w] - r[1];
      r[0] += 1;
      r[1] += d / r[0];
      r[2] += d * (W[w] - r[1]);
    }
  }
  PetscCall(PetscFree2(W, alive));
  PetscFunctionReturn(0);
}

/* Chunk records merged in chunk order into the eight [nt] Monte Carlo curves. */
static void MergeChunks(OdFP fp, PetscInt nchunks, const PetscInt *steps, const PetscReal *all)
{
  const PetscInt nt = fp->nt, N = fp->mc_walkers;
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
}

PetscErrorCode OdFPRunMonteCarlo(OdFP fp)
{
  const PetscInt nt = fp->nt, nchunks = (fp->mc_walkers + fp->mc_chunk - 1) / fp->mc_chunk;
  PetscInt *steps;
  PetscReal *all;
  OdSweep sweep;
  PetscBool interrupted;
  MCContext mc;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(nt, &steps));
  for (PetscInt k = 0; k < nt; k++) steps[k] = (PetscInt)llround(fp->t[k]);
  for (PetscInt k = 1; k < nt; k++) steps[k] = PetscMax(steps[k], steps[k - 1]);
  mc.fp = fp;
  mc.rng = OdRngCreate(fp->seed, OD_STREAM_FP_MC);
  mc.walk = (OdEscapeWalkProblem){fp->landscape, fp->T, fp->noise, fp->Wmin, fp->Wmax, fp->left == OD_FP_ABSORBING, fp->right == OD_FP_ABSORBING};
  mc.steps = steps;
  PetscCall(OdSweepCreate(fp->comm, &sweep));
  PetscCall(OdSweepSetSizes(sweep, nchunks, 1, REC * nt));
  PetscCall(OdSweepSetLabel(sweep, "fp-mc"));
  PetscCall(OdSweepSetUp(sweep));
  PetscCall(PetscMalloc1(nchunks * REC * nt, &all));
  PetscCall(OdSweepRun(sweep, ChunkRecord, &mc, all, &interrupted));
  PetscCheck(!interrupted, fp->comm, PETSC_ERR_SIG, "fp: Monte Carlo interrupted by a stop signal");
  PetscCall(OdSweepDestroy(&sweep));
  PetscCall(PetscFree(fp->mc));
  PetscCall(PetscMalloc1(8 * nt, &fp->mc));
  MergeChunks(fp, nchunks, steps, all);
  PetscCall(PetscFree(steps));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}
