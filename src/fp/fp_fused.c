/* The fused 1-D backward-Euler step (OdFPOps1D.fused_step) and its exact tridiagonal solve
   partitioned over the ranks.

   One step solves (I - dt A) x = P and replaces P by the flux form of the same step,
   P_i <- P_i - dt/h (F_{i+1/2} - F_{i-1/2}), F_f = a_f x_{f-1} - c_f x_f, in two sweeps over
   memory: the forward elimination, then the backward substitution that produces x_i and, in the
   same pass, the face flux between x_i and x_{i+1} and the update of cell i+1. x itself is
   never stored. The generic TS path (residual, copies, AXPBYCZ, the separate update and min)
   makes ~14 passes for the same step.

   Several ranks: each rank owns the block T of rows [xs, xs + m). With x_L, x_R the last cell
   of the left rank and the first of the right one,
       x = T^-1 P - x_L T^-1 (sub0 e_0) - x_R T^-1 (sup e_{m-1})          (spike decomposition)
   so the first and last values of every rank obey a block-tridiagonal system with 2x2 blocks in
   the pairs (x_first, x_last) of all ranks. Its coefficients (4 numbers per rank) change only
   with dt; its right-hand side is (first, last) of T^-1 P per rank: the last comes out of the
   forward sweep, the first is a dot product with the first row r of T^-1, accumulated in the
   same sweep. One MPI_Allgather of these 2 numbers per rank per step; then every rank solves
   the small system redundantly (the same operations on the same data: identical on all
   ranks), and runs its backward sweep from its own exact interface values, so a face between
   two ranks has the same flux on both sides and mass stays conserved to round-off.
   All factors are rebuilt when dt changes. The arithmetic is plain (no FMA contraction). */
#include <math.h>
#include "fp_impl.h"

/* Entries of the decaying vectors q = L^-1 e_0 and r = e_0^T T^-1 below this fraction of their
   largest entry are dropped: their contribution is < 1e-30 of the largest density, far below
   the round-off of the solve. */
#define OD_FP_SPIKE_CUT 1e-30

PetscErrorCode OdFPFusedDestroy(OdFP fp)
{
  OdFPFused *f = &fp->fz;
  PetscFunctionBegin;
  PetscCall(PetscFree6(f->l, f->dinv, f->z, f->q, f->r, f->u));
  PetscCall(PetscFree(f->ud));
  PetscCall(PetscFree3(f->red, f->ends, f->X));
  PetscFunctionReturn(0);
}

/* LU without pivoting of the local block of I - dt A: sub/diag/sup from the face coefficients,
   multipliers l, reciprocal pivots dinv, super-diagonal u. */
static void FactorLocal(OdFP fp, PetscReal dt)
{
  OdFPFused *f = &fp->fz;
  const PetscInt m = fp->xm;
  const PetscReal s = dt / fp->h, *af = fp->af, *cf = fp->cf;
  PetscReal dprev = 0;
  for (PetscInt k = 0; k < m; k++) {
    const PetscInt i = fp->xs + k;
    const PetscReal sub = i > 0 ? -(s * af[k]) : 0, diag = 1 + s * (af[k + 1] + cf[k]);
    f->u[k] = i < fp->n - 1 ? -(s * cf[k + 1]) : 0;
    if (k == 0) {
      f->sub0 = sub; /* coupling to the left rank: handled by the spike, not by the local LU */
      f->l[0] = 0;
      dprev = diag;
    } else {
      f->l[k] = sub / dprev;
      dprev = diag - f->l[k] * f->u[k - 1];
    }
    f->dinv[k] = 1 / dprev;
  }
  for (PetscInt k = 0; k < m; k++) f->ud[k] = f->u[k] * f->dinv[k];
}

/* Spike vectors of the local block and the 4 coefficients of every rank's reduced equations:
       x_first = y0 - v0 x_L - w0 x_R,   x_last = ym - vm x_L - wm x_R. */
static PetscErrorCode FactorSpikes(OdFP fp)
{
  OdFPFused *f = &fp->fz;
  const PetscInt m = fp->xm;
  PetscReal mine[4], qmax = 1, rmax = 0;
  PetscFunctionBegin;
  f->q[0] = 1; /* q = L^-1 e_0 */
  for (PetscInt k = 1; k < m; k++) f->q[k] = -f->l[k] * f->q[k - 1];
  f->r[0] = f->dinv[0]; /* first s = U^-T e_0 (in r), then r = L^-T s: row 0 of T^-1 */
  for (PetscInt k = 1; k < m; k++) f->r[k] = -f->u[k - 1] * f->r[k - 1] * f->dinv[k];
  for (PetscInt k = m - 2; k >= 0; k--) f->r[k] = f->r[k] - f->l[k + 1] * f->r[k + 1];
  for (PetscInt k = 0; k < m; k++) rmax = PetscMax(rmax, PetscAbsReal(f->r[k]));
  mine[0] = f->sub0 * f->r[0];
  mine[1] = f->sub0 * f->q[m - 1] * f->dinv[m - 1];
  mine[2] = f->u[m - 1] * f->r[m - 1];
  mine[3] = f->u[m - 1] * f->dinv[m - 1];
  f->qlen = f->rlen = 0;
  for (PetscInt k = 0; k < m; k++) {
    if (PetscAbsReal(f->q[k]) > OD_FP_SPIKE_CUT * qmax) f->qlen = k + 1;
    if (PetscAbsReal(f->r[k]) > OD_FP_SPIKE_CUT * rmax) f->rlen = k + 1;
    f->q[k] *= f->dinv[k]; /* the backward sweep needs (L^-1 e_0)_k / d_k */
  }
  PetscCall(PetscInfo(NULL, "fused step: spike lengths q %" PetscInt_FMT ", r %" PetscInt_FMT " of %" PetscInt_FMT " local cells\n", f->qlen, f->rlen, m));
  PetscCallMPI(MPI_Allgather(mine, 4, MPIU_REAL, f->red, 4, MPIU_REAL, fp->comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode Factor(OdFP fp, PetscReal dt)
{
  OdFPFused *f = &fp->fz;
  PetscFunctionBegin;
  if (!f->l) {
    const PetscInt m = fp->xm, p = fp->size;
    PetscCall(PetscMalloc6(m, &f->l, m, &f->dinv, m, &f->z, m, &f->q, m, &f->r, m, &f->u));
    PetscCall(PetscMalloc1(m, &f->ud));
    PetscCall(PetscMalloc3(4 * p, &f->red, 2 * p, &f->ends, 2 * p, &f->X));
  }
  FactorLocal(fp, dt);
  if (fp->size > 1) PetscCall(FactorSpikes(fp));
  f->dt = dt;
  if (!(dt == fp->factor_free)) fp->factorizations++; /* a restart rebuilding the saved factor */
  fp->factor_free = NAN;
  PetscFunctionReturn(0);
}

/* The reduced system in X_r = (x_first, x_last) of rank r:
       X_r + L_r X_{r-1} + U_r X_{r+1} = Y_r,  L_r = [[0, v0], [0, vm]],  U_r = [[w0, 0], [wm, 0]],
   by block elimination with explicit 2x2 inverses (p is the number of ranks). Every rank runs
   this on the same gathered data. */
static PetscErrorCode SolveReduced(OdFP fp)
{
  OdFPFused *f = &fp->fz;
  const PetscInt p = fp->size;
  const PetscReal *red = f->red, *Y = f->ends;
  PetscReal *Bi, *C;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(4 * p, &Bi, 2 * p, &C));
  for (PetscInt r = 0; r < p; r++) {
    PetscReal B[4] = {1, 0, 0, 1}, c[2] = {Y[2 * r], Y[2 * r + 1]};
    if (r > 0) {
      const PetscReal *Bp = Bi + 4 * (r - 1), *Cp = C + 2 * (r - 1);
      const PetscReal v0 = red[4 * r], vm = red[4 * r + 1], w0 = red[4 * (r - 1) + 2], wm = red[4 * (r - 1) + 3];
      const PetscReal M10 = Bp[2] * w0 + Bp[3] * wm, t = Bp[2] * Cp[0] + Bp[3] * Cp[1];
      B[0] -= v0 * M10, B[2] -= vm * M10;
      c[0] -= v0 * t, c[1] -= vm * t;
    }
    const PetscReal det = B[0] * B[3] - B[1] * B[2];
    PetscCheck(det != 0 && isfinite(det), PETSC_COMM_SELF, PETSC_ERR_MAT_LU_ZRPVT, "fused step: singular reduced system at rank %" PetscInt_FMT, r);
    Bi[4 * r] = B[3] / det, Bi[4 * r + 1] = -B[1] / det, Bi[4 * r + 2] = -B[2] / det, Bi[4 * r + 3] = B[0] / det;
    C[2 * r] = c[0], C[2 * r + 1] = c[1];
  }
  for (PetscInt r = p - 1; r >= 0; r--) {
    PetscReal c[2] = {C[2 * r], C[2 * r + 1]};
    if (r < p - 1) c[0] -= red[4 * r + 2] * f->X[2 * (r + 1)], c[1] -= red[4 * r + 3] * f->X[2 * (r + 1)];
    const PetscReal *b = Bi + 4 * r;
    f->X[2 * r] = b[0] * c[0] + b[1] * c[1];
    f->X[2 * r + 1] = b[2] * c[0] + b[3] * c[1];
  }
  PetscCall(PetscFree2(Bi, C));
  PetscFunctionReturn(0);
}

/* Forward elimination z = L^-1 P, stored divided by the pivots (zd = z / d: the backward
   sweep is then x_k = zd_k - (u_k / d_k) x_{k+1}, one multiply-subtract on its dependency chain);
   returns y0 = r . P (several ranks). */
static PetscReal ForwardSweep(OdFP fp, const PetscReal *P)
{
  OdFPFused *f = &fp->fz;
  const PetscInt m = fp->xm, rlen = fp->size > 1 ? f->rlen : 0;
  const PetscReal *l = f->l, *r = f->r, *dinv = f->dinv;
  PetscReal *z = f->z, y0 = rlen > 0 ? r[0] * P[0] : 0, zk = P[0];
  PetscInt k = 1;
  z[0] = zk * dinv[0];
  for (; k < rlen; k++) {
    zk = P[k] - l[k] * zk;
    z[k] = zk * dinv[k];
    y0 += r[k] * P[k];
  }
  for (; k < m; k++) {
    zk = P[k] - l[k] * zk;
    z[k] = zk * dinv[k];
  }
  return y0;
}

/* One cell of the backward sweep: the face flux Fl between x_{k-1} and x_k, the flux-form update
   of cell k (clipped at 0, the clipped mass counted) and the running minimum; Fr becomes Fl. */
static inline void UpdateCell(PetscReal *P, PetscInt k, PetscReal xm1, PetscReal x, PetscReal ak, PetscReal ck, PetscReal dth, PetscReal h, PetscReal *Fr, PetscReal *pmin, PetscReal *clipped)
{
  const PetscReal Fl = ak * xm1 - ck * x;
  PetscReal v = P[k] - dth * (*Fr - Fl);
  if (v < 0) *clipped += -v * h, v = 0;
  P[k] = v;
  *pmin = PetscMin(*pmin, v);
  *Fr = Fl;
}

/* Backward substitution from the last value x_last (x_R: first cell of the right rank, x_L: last
   of the left one), fused with the flux-form update of every cell; with several ranks the first
   value is the reduced system's, so both sides of a rank interface see the same flux. The left
   rank's contribution to the first qlen cells, zd -= x_L sub0 (L^-1 e_0) / d, is applied in the
   same pass (a separate pass over z would stream up to a quarter of a rank's cells again). */
static void BackwardSweep(OdFP fp, PetscReal dt, PetscReal xL, PetscReal xR, PetscReal xfirst, PetscReal xlast, PetscReal *P)
{
  OdFPFused *f = &fp->fz;
  const PetscInt m = fp->xm, xs = fp->xs;
  const PetscBool first_rank = xs == 0 ? PETSC_TRUE : PETSC_FALSE;
  const PetscReal *zd = f->z, *ud = f->ud, *af = fp->af, *cf = fp->cf, *q = f->q;
  const PetscReal h = fp->h, dth = dt / h, cq = f->sub0 * xL;
  const PetscInt kq = f->sub0 != 0 && xL != 0 ? f->qlen : 0; /* cells [0, kq) get the correction */
  PetscReal x = xlast, pmin = fp->P_min_local, clipped = 0;
  PetscReal Fr = af[m] * x - (xs + m < fp->n ? cf[m] * xR : 0);
  const PetscReal Fright = Fr;
  PetscInt k = m - 1;
  for (; k > kq && k > 1; k--) {
    const PetscReal xm1 = zd[k - 1] - ud[k - 1] * x;
    UpdateCell(P, k, xm1, x, af[k], cf[k], dth, h, &Fr, &pmin, &clipped);
    x = xm1;
  }
  for (; k > 0; k--) {
    const PetscReal zk1 = k - 1 < kq ? zd[k - 1] - cq * q[k - 1] : zd[k - 1];
    const PetscReal xm1 = k == 1 && fp->size > 1 ? xfirst : zk1 - ud[k - 1] * x;
    UpdateCell(P, k, xm1, x, af[k], cf[k], dth, h, &Fr, &pmin, &clipped);
    x = xm1;
  }
  UpdateCell(P, 0, first_rank ? 0 : xL, x, first_rank ? 0 : af[0], cf[0], dth, h, &Fr, &pmin, &clipped);
  if (first_rank) fp->esc_left += -Fr * dt;
  if (xs + m == fp->n) fp->esc_right += Fright * dt;
  fp->clipped += clipped;
  fp->P_min_local = pmin;
}

PetscErrorCode OdFPFusedStep1D(OdFP fp, PetscReal dt)
{
  OdFPFused *f = &fp->fz;
  const PetscMPIInt rank = fp->rank, p = fp->size;
  const PetscInt m = fp->xm;
  PetscScalar *P;
  PetscReal xL = 0, xR = 0, xfirst, xlast;
  PetscFunctionBegin;
  if (!(dt == f->dt)) PetscCall(Factor(fp, dt));
  PetscCall(VecGetArray(fp->P, &P));
  const PetscReal y0 = ForwardSweep(fp, P);
  xlast = f->z[m - 1];
  xfirst = NAN;
  if (p > 1) {
    const PetscReal mine[2] = {y0, xlast};
    PetscCallMPI(MPI_Allgather(mine, 2, MPIU_REAL, f->ends, 2, MPIU_REAL, fp->comm));
    PetscCall(SolveReduced(fp));
    xfirst = f->X[2 * rank], xlast = f->X[2 * rank + 1];
    if (rank > 0) xL = f->X[2 * (rank - 1) + 1];
    if (rank < p - 1) xR = f->X[2 * (rank + 1)];
  }
  BackwardSweep(fp, dt, xL, xR, xfirst, xlast, P);
  PetscCall(VecRestoreArray(fp->P, &P));
  PetscCall(PetscLogFlops(12.0 * m));
  PetscFunctionReturn(0);
}
