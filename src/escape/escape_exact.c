/* Exact escape probability by backward recursion on a grid (cross-check of the Monte Carlo).
 *
 * q_n(x_i) = mean_j q_{n-1}(x_i - T g_j(x_i)) with linear interpolation is the transpose of
 * linear mass splitting, so the recursion is q_n = A^T q_{n-1} + e with the exact SGD density
 * operator A of the markov module (built once per T; one object serves the forward density
 * evolution and this backward recursion). The operator lives on PETSC_COMM_SELF: each sweep
 * point is one unit of work on one rank.
 */
#include "optdyn/escape.h"
#include "optdyn/markov.h"

PetscErrorCode OdEscapeExact(const OdEscapeProblem *pb, PetscReal Wmin, PetscInt ngrid, PetscInt nbudgets, const PetscInt budgets[], PetscReal p[])
{
  OdMarkovOp op;
  PetscFunctionBegin;
  PetscCheck(ngrid >= 3 && Wmin < pb->W0 && pb->W0 <= pb->edge, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "exact solver needs >= 3 grid points and Wmin < W0 <= edge (got n = %" PetscInt_FMT ", Wmin = %g, W0 = %g, edge = %g)", ngrid, (double)Wmin, (double)pb->W0, (double)pb->edge);
  PetscCall(OdMarkovOpCreate(PETSC_COMM_SELF, pb->landscape, pb->T, Wmin, pb->edge, ngrid, OD_MARKOV_EDGE_ABSORBING, &op));
  PetscCall(OdMarkovOpEscapeProbability(op, pb->W0, nbudgets, budgets, p));
  PetscCall(OdMarkovOpDestroy(&op));
  PetscFunctionReturn(0);
}
