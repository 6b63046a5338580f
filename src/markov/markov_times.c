/* optdyn markov: escape times against 1/T (exact, Monte Carlo, PDE quadrature, Kramers) and
   the landscape / gradient-descent tables used by the figures. */
#include <math.h>
#include "markov_impl.h"
#include "optdyn/escape.h"

#define KW(mk) (4 + 2 * (mk)->nalpha) /* columns of k_tau */

static PetscErrorCode UnitMFPT(void *ctx, PetscInt point, PetscInt chunk, PetscReal rec[])
{
  OdMarkov mk = (OdMarkov)ctx;
  const PetscReal tau = mk->k_tau[point * KW(mk)];
  const PetscInt w0 = chunk * mk->chunk, w1 = PetscMin(mk->mfpt_walkers, w0 + mk->chunk);
  PetscInt *steps;
  PetscFunctionBegin;
  if (tau * mk->mfpt_walkers > mk->mfpt_budget) PetscFunctionReturn(0); /* too costly: skipped */
  /* 50 tau: a walker still inside has probability ~e^-50 */
  const OdEscapeProblem pb = {mk->landscape, mk->kT[point], mk->W0, mk->edge, (PetscInt)ceil(50 * tau) + 100};
  const OdRng rng = OdRngCreate(mk->seed, OD_STREAM_ESCAPE);
  PetscCall(PetscMalloc1(w1 - w0, &steps));
  OdEscapeFirstPassage(&pb, &rng, (uint32_t)(1000 + point), w0, w1, steps);
  for (PetscInt w = 0; w < w1 - w0; w++) {
    rec[0] += steps[w] > 0 ? 1 : 0;
    rec[1] += steps[w], rec[2] += (PetscReal)steps[w] * steps[w];
  }
  PetscCall(PetscFree(steps));
  PetscFunctionReturn(0);
}

/* Least-squares slope of y against x and its standard error. */
static void FitSlope(PetscInt n, const PetscReal x[], const PetscReal y[], PetscReal *slope, PetscReal *err)
{
  PetscReal sx = 0, sy = 0, sxx = 0, sxy = 0, ss = 0;
  for (PetscInt i = 0; i < n; i++) sx += x[i], sy += y[i];
  const PetscReal mx = sx / n, my = sy / n;
  for (PetscInt i = 0; i < n; i++) sxx += (x[i] - mx) * (x[i] - mx), sxy += (x[i] - mx) * (y[i] - my);
  *slope = sxx > 0 ? sxy / sxx : 0;
  for (PetscInt i = 0; i < n; i++) ss += PetscSqr(y[i] - my - *slope * (x[i] - mx));
  *err = (n > 2 && sxx > 0) ? sqrt(ss / (n - 2) / sxx) : 0;
}

/* Exact tau, run length, PDE quadrature and Kramers at one T. */
static PetscErrorCode TimesAt(OdMarkov mk, PetscInt i, PetscReal a)
{
  OdMarkovOp op;
  Vec tau;
  PetscReal *r = mk->k_tau + i * KW(mk), Wend, U;
  const PetscReal T = mk->kT[i];
  PetscFunctionBegin;
  PetscCall(OdMarkovOpCreate(mk->comm, mk->landscape, T, mk->Wmin, mk->edge, mk->kramers_n, OD_MARKOV_EDGE_ABSORBING, &op));
  PetscCall(OdMarkovOpCreateVec(op, &tau));
  PetscCall(OdMarkovOpMeanFirstPassage(op, tau));
  PetscCall(OdMarkovOpInterpolate(op, tau, mk->W0, &r[0]));
  PetscCall(VecDestroy(&tau));
  PetscCall(OdMarkovOpDestroy(&op));
  r[3] = 0; /* shortest run of consecutive steps on one datapoint that leaves the pit */
  for (PetscInt j = 0; j < OdLandscapeGetNumData(mk->landscape); j++) {
    const PetscInt k = OdEscapeConsecutiveSteps(mk->landscape, j, T, mk->W0, mk->edge, 1000000, &Wend);
    if (k > 0 && (r[3] == 0 || k < r[3])) r[3] = (PetscReal)k;
  }
  for (PetscInt al = 0; al < mk->nalpha; al++) {
    PetscCall(OdMarkovContinuumMFPT(mk->landscape, T, mk->alpha[al], a, mk->edge, mk->W0, 100001, &r[4 + al]));
    PetscCall(OdMarkovKramers(mk->landscape, T, mk->alpha[al], mk->W0, mk->edge, &r[4 + mk->nalpha + al], &U));
  }
  mk->k_barrier = U;
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovRunKramers(OdMarkov mk, PetscBool *interrupted)
{
  PetscReal a, *rec, *x, *y;
  PetscFunctionBegin;
  PetscCall(PetscCalloc1(mk->nkT * KW(mk), &mk->k_tau));
  PetscCall(OdMarkovNoiseFreeLeft(mk->landscape, mk->Wmin, mk->W0, &a));
  for (PetscInt i = 0; i < mk->nkT; i++) PetscCall(TimesAt(mk, i, a));
  PetscCall(PetscCalloc1(3 * mk->nkT, &rec));
  PetscCall(OdSweepRun(mk->mfpt_sweep, UnitMFPT, mk, rec, interrupted));
  for (PetscInt i = 0; i < mk->nkT; i++) {
    const PetscReal n = rec[3 * i], *r = rec + 3 * i;
    if (n < mk->mfpt_walkers) continue; /* skipped (or a walker did not escape): no estimate */
    const PetscReal m = r[1] / n;
    mk->k_tau[i * KW(mk) + 1] = m;
    mk->k_tau[i * KW(mk) + 2] = sqrt(PetscMax(r[2] / n - m * m, 0) / (n - 1));
  }
  PetscCall(PetscMalloc2(mk->nkT, &x, mk->nkT, &y));
  for (PetscInt i = 0; i < mk->nkT; i++) x[i] = 1 / mk->kT[i], y[i] = log(mk->k_tau[i * KW(mk)]);
  FitSlope(mk->nkT, x, y, &mk->k_fit[0], &mk->k_fit[1]);
  for (PetscInt i = 0; i < mk->nkT; i++) y[i] = log(mk->k_tau[i * KW(mk) + 4]);
  FitSlope(mk->nkT, x, y, &mk->k_fit[2], &mk->k_fit[3]);
  PetscCall(PetscFree2(x, y));
  PetscCall(PetscFree(rec));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovRunLandscape(OdMarkov mk)
{
  const PetscInt J = OdLandscapeGetNumData(mk->landscape), nl = mk->land_n, ns = mk->gd_steps + 1;
  PetscFunctionBegin;
  PetscCall(PetscCalloc2(PetscMax((4 + J) * nl, 1), &mk->land, PetscMax(mk->ngdT * mk->ngd0 * ns, 1), &mk->gd));
  for (PetscInt k = 0; k < nl; k++) { /* rows: W, L, G, S2, l_0 .. l_{J-1} */
    const PetscReal W = mk->stat_Wmin + (mk->stat_Wmax - mk->stat_Wmin) * k / PetscMax(nl - 1, 1);
    OdLandscapeMoments m;
    OdLandscapeGetMoments(mk->landscape, W, &m);
    mk->land[k] = W, mk->land[nl + k] = m.L, mk->land[2 * nl + k] = m.G, mk->land[3 * nl + k] = m.S2;
    for (PetscInt j = 0; j < J; j++) mk->land[(4 + j) * nl + k] = OdLandscapeLoss(mk->landscape, j, W);
  }
  for (PetscInt a = 0; mk->gd_steps > 0 && a < mk->ngdT; a++)
    for (PetscInt b = 0; b < mk->ngd0; b++) {
      PetscReal *path = mk->gd + (a * mk->ngd0 + b) * ns;
      path[0] = mk->gd0[b];
      for (PetscInt s = 1; s < ns; s++) {
        OdLandscapeMoments m;
        OdLandscapeGetMoments(mk->landscape, path[s - 1], &m);
        path[s] = path[s - 1] - mk->gdT[a] * m.G; /* gradient descent on the mean loss */
      }
    }
  PetscFunctionReturn(0);
}
