/* The continuum model's mean first-passage time: exact quadrature and the Kramers asymptote. */
#include <math.h>
#include "optdyn/markov.h"

/* int_x0^x1 2 G / (T S2) dW by 4-point Gauss-Legendre (one cell of the quadrature grid) */
static PetscReal PotentialStep(OdLandscape ls, PetscReal T, PetscReal x0, PetscReal x1)
{
  static const PetscReal xg[4] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
  static const PetscReal wg[4] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
  const PetscReal c = 0.5 * (x0 + x1), r = 0.5 * (x1 - x0);
  PetscReal s = 0;
  for (int k = 0; k < 4; k++) {
    OdLandscapeMoments m;
    OdLandscapeGetMoments(ls, c + r * xg[k], &m);
    s += wg[k] * 2 * m.G / (T * m.S2);
  }
  return r * s;
}

PetscErrorCode OdMarkovContinuumMFPT(OdLandscape ls, PetscReal T, PetscReal alpha, PetscReal a, PetscReal edge, PetscReal W0, PetscInt nq, PetscReal *tau)
{
  const PetscReal dx = (edge - a) / (nq - 1);
  PetscReal *phi, *lnS2, *out, phimin = PETSC_MAX_REAL, inner = 0, prev_in = 0;
  PetscFunctionBegin;
  PetscCheck(nq >= 3 && a < W0 && W0 < edge, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "continuum MFPT needs a < W0 < edge and nq >= 3");
  PetscCall(PetscCalloc3(nq, &phi, nq, &lnS2, nq, &out));
  /* Phi from the right end leftwards (it grows to +inf at a zero of S2 at a; node 0 is left out) */
  for (PetscInt k = nq - 2; k >= 1; k--) phi[k] = phi[k + 1] - PotentialStep(ls, T, a + k * dx, a + (k + 1) * dx);
  for (PetscInt k = 1; k < nq; k++) {
    OdLandscapeMoments m;
    OdLandscapeGetMoments(ls, a + k * dx, &m);
    lnS2[k] = log(m.S2);
    if (isfinite(phi[k])) phimin = PetscMin(phimin, phi[k]);
  }
  /* inner(y) = int_a^y psi/D = int_a^y (2/T^2) e^{-Phi} S2^{-alpha} (shifted by phimin);
     out(y) = (1/psi(y)) inner(y) = e^{Phi} S2^{alpha - 1} inner(y) (shift cancels) */
  for (PetscInt k = 1; k < nq; k++) {
    const PetscReal win = isfinite(phi[k]) ? 2 / (T * T) * exp(-(phi[k] - phimin) - alpha * lnS2[k]) : 0;
    inner += 0.5 * dx * (prev_in + win);
    prev_in = win;
    out[k] = inner > 0 ? exp(phi[k] - phimin + (alpha - 1) * lnS2[k]) * inner : 0;
  }
  /* tau(y_k) = int_{y_k}^{edge} out: cumulate from the edge, interpolate linearly at W0 */
  {
    PetscReal acc = 0, at_k = 0, at_k1 = 0;
    const PetscInt k0 = (PetscInt)floor((W0 - a) / dx);
    for (PetscInt k = nq - 2; k >= k0; k--) {
      acc += 0.5 * dx * (out[k] + out[k + 1]);
      if (k == k0 + 1) at_k1 = acc;
      if (k == k0) at_k = acc;
    }
    const PetscReal w = (W0 - (a + k0 * dx)) / dx;
    *tau = (1 - w) * at_k + w * at_k1;
  }
  PetscCall(PetscFree3(phi, lnS2, out));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovKramers(OdLandscape ls, PetscReal T, PetscReal alpha, PetscReal Ww, PetscReal Wb, PetscReal *tau, PetscReal *barrier)
{
  const PetscInt ncell = 4000;
  OdLandscapeMoments w, b;
  PetscReal U = 0;
  PetscFunctionBegin;
  for (PetscInt k = 0; k < ncell; k++) U += PotentialStep(ls, 1.0, Ww + k * (Wb - Ww) / ncell, Ww + (k + 1) * (Wb - Ww) / ncell);
  OdLandscapeGetMoments(ls, Ww, &w);
  OdLandscapeGetMoments(ls, Wb, &b);
  *barrier = U; /* = 2 int G / S2 (PotentialStep with T = 1) */
  *tau = PETSC_PI / T * pow(b.S2, alpha - 0.5) * pow(w.S2, 0.5 - alpha) / sqrt(fabs(b.dG) * w.dG) * exp(U / T);
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovNoiseFreeLeft(OdLandscape ls, PetscReal Wmin, PetscReal W0, PetscReal *a)
{
  const PetscInt nscan = 20000;
  const PetscReal dx = (W0 - Wmin) / nscan;
  OdLandscapeMoments m;
  PetscReal S2max = 0;
  PetscFunctionBegin;
  *a = Wmin;
  for (PetscInt k = 0; k <= nscan; k++) OdLandscapeGetMoments(ls, Wmin + k * dx, &m), S2max = PetscMax(S2max, m.S2);
  for (PetscInt k = nscan - 1; k >= 0; k--) { /* rightmost local minimum of S2 that is a zero */
    PetscReal lo = Wmin + k * dx, hi = lo + dx;
    OdLandscapeMoments ml, mh;
    OdLandscapeGetMoments(ls, lo, &ml);
    OdLandscapeGetMoments(ls, hi, &mh);
    if (!(ml.dS2 <= 0 && mh.dS2 > 0)) continue;
    for (int it = 0; it < 100; it++) {
      const PetscReal c = 0.5 * (lo + hi);
      OdLandscapeGetMoments(ls, c, &m);
      if (m.dS2 <= 0) lo = c;
      else hi = c;
    }
    OdLandscapeGetMoments(ls, hi, &m);
    if (m.S2 <= 1e-20 * S2max) {
      *a = hi;
      break;
    }
  }
  PetscFunctionReturn(0);
}
