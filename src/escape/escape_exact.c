/* Exact escape probability by backward recursion on a grid (SPEC §2 cross-check). */
#include <math.h>
#include "optdyn/escape.h"

/*
 * q_n(x_i) = mean_j q_{n-1}(x_i - T g_j(x_i)). The map x -> x - T g_j(x) does not change
 * with n, so each (i, j) is reduced once to "escaped" or an interpolation (index, weight);
 * each step of the recursion is then a fixed sparse matrix-vector product.
 */
typedef struct {
  PetscInt *idx;    /* left neighbour index, or -1 if the image escaped */
  PetscReal *wt;    /* weight of the right neighbour */
} Stencil;

static PetscErrorCode BuildStencil(const OdEscapeProblem *pb, PetscReal Wmin, PetscInt n, PetscReal h, Stencil *st)
{
  const PetscInt J = OdLandscapeGetNumData(pb->landscape);
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(n * J, &st->idx, n * J, &st->wt));
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal x = (i == n - 1) ? pb->edge : Wmin + i * h;
    for (PetscInt j = 0; j < J; j++) {
      const PetscReal y = x - pb->T * OdLandscapeGrad(pb->landscape, j, x);
      PetscInt *k = &st->idx[i * J + j];
      PetscReal *w = &st->wt[i * J + j];
      if (y > pb->edge) {
        *k = -1, *w = 0;
      } else if (y <= Wmin) { /* left of the grid: take q(Wmin) (documented truncation) */
        *k = 0, *w = 0;
      } else {
        PetscReal s = (y - Wmin) / h;
        PetscInt l = (PetscInt)floor(s);
        if (l >= n - 1) l = n - 2;
        *k = l, *w = s - l;
      }
    }
  }
  PetscFunctionReturn(0);
}

static PetscReal Interpolate(const PetscReal q[], PetscInt n, PetscReal Wmin, PetscReal h, PetscReal x)
{
  PetscReal s = (x - Wmin) / h;
  PetscInt l = (PetscInt)floor(s);
  if (l < 0) return q[0];
  if (l >= n - 1) return q[n - 1];
  return (1 - (s - l)) * q[l] + (s - l) * q[l + 1];
}

PetscErrorCode OdEscapeExact(const OdEscapeProblem *pb, PetscReal Wmin, PetscInt ngrid, PetscInt nbudgets, const PetscInt budgets[], PetscReal p[])
{
  const PetscInt J = OdLandscapeGetNumData(pb->landscape), n = ngrid;
  const PetscReal h = (pb->edge - Wmin) / (n - 1), invJ = 1.0 / J;
  PetscReal *q, *qn;
  Stencil st;
  PetscFunctionBegin;
  PetscCheck(n >= 3 && Wmin < pb->W0 && pb->W0 <= pb->edge, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "exact solver needs >= 3 grid points and Wmin < W0 <= edge (got n = %" PetscInt_FMT ", Wmin = %g, W0 = %g, edge = %g)", n, (double)Wmin, (double)pb->W0, (double)pb->edge);
  PetscCall(BuildStencil(pb, Wmin, n, h, &st));
  PetscCall(PetscCalloc2(n, &q, n, &qn)); /* q_0 = 0 on the grid: every grid point is <= edge */
  PetscReal *q_alloc = q, *qn_alloc = qn; /* q and qn swap every step; free the originals */
  PetscInt k = 0;
  for (PetscInt step = 1; step <= budgets[nbudgets - 1]; step++) {
    for (PetscInt i = 0; i < n; i++) {
      PetscReal acc = 0;
      for (PetscInt j = 0; j < J; j++) {
        const PetscInt l = st.idx[i * J + j];
        const PetscReal w = st.wt[i * J + j];
        acc += l < 0 ? 1.0 : (1 - w) * q[l] + w * q[l + 1];
      }
      qn[i] = acc * invJ;
    }
    PetscReal *tmp = q;
    q = qn, qn = tmp;
    while (k < nbudgets && budgets[k] == step) p[k++] = Interpolate(q, n, Wmin, h, pb->W0);
  }
  PetscCall(PetscFree2(q_alloc, qn_alloc));
  PetscCall(PetscFree2(st.idx, st.wt));
  PetscFunctionReturn(0);
}
