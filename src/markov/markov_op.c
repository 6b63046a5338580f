/* The exact SGD density operator: linear mass splitting of each datapoint's map (markov.h). */
#include <math.h>
#include "optdyn/markov.h"
#include <petscksp.h>

struct _n_OdMarkovOp {
  MPI_Comm comm;
  PetscInt n;
  PetscReal Wmin, Wmax, h, T;
  OdMarkovEdge right;
  Mat A;
  Vec e;
  PetscInt rstart, rend;
};

/* Node i's coordinate; the last node is exactly Wmax so the edge is a node. */
static PetscReal Node(const struct _n_OdMarkovOp *op, PetscInt i)
{
  return i == op->n - 1 ? op->Wmax : op->Wmin + i * op->h;
}

/* Left node l and right weight w of a point y inside [Wmin, Wmax]. */
static void Locate(const struct _n_OdMarkovOp *op, PetscReal y, PetscInt *l, PetscReal *w)
{
  if (y <= op->Wmin) {
    *l = 0, *w = 0;
    return;
  }
  const PetscReal s = (y - op->Wmin) / op->h;
  PetscInt k = (PetscInt)floor(s);
  if (k >= op->n - 1) k = op->n - 2;
  *l = k, *w = s - k;
  if (*w > 1) *w = 1;
}

/* Column i of A: merged (row, value) pairs in increasing row order, and the escaped fraction.
   Duplicates are combined here in datapoint order, so every entry is set exactly once and
   its value does not depend on the rank layout. */
static PetscInt Column(const struct _n_OdMarkovOp *op, OdLandscape ls, PetscInt i, PetscInt rows[], PetscReal vals[], PetscReal *escaped)
{
  const PetscInt J = OdLandscapeGetNumData(ls);
  const PetscReal invJ = 1.0 / J, x = Node(op, i);
  PetscInt m = 0;
  *escaped = 0;
  for (PetscInt j = 0; j < J; j++) {
    PetscReal y = x - op->T * OdLandscapeGrad(ls, j, x), w;
    PetscInt l;
    if (y > op->Wmax) {
      if (op->right == OD_MARKOV_EDGE_ABSORBING) {
        *escaped += invJ;
        continue;
      }
      y = op->Wmax;
    }
    Locate(op, y, &l, &w);
    const PetscInt r[2] = {l, l + 1};
    const PetscReal v[2] = {(1 - w) * invJ, w * invJ};
    for (int t = 0; t < 2; t++) {
      if (v[t] == 0) continue;
      PetscInt k = 0;
      while (k < m && rows[k] != r[t]) k++;
      if (k == m) rows[m] = r[t], vals[m++] = 0;
      vals[k] += v[t];
    }
  }
  { /* an explicit (possibly zero) diagonal, so I - A and I - A^T can be formed by MatShift in parallel */
    PetscInt k = 0;
    while (k < m && rows[k] != i) k++;
    if (k == m) rows[m] = i, vals[m++] = 0;
  }
  for (PetscInt a = 1; a < m; a++) /* insertion sort by row */
    for (PetscInt b = a; b > 0 && rows[b - 1] > rows[b]; b--) {
      PetscInt tr = rows[b];
      PetscReal tv = vals[b];
      rows[b] = rows[b - 1], vals[b] = vals[b - 1], rows[b - 1] = tr, vals[b - 1] = tv;
    }
  return m;
}

/* Insert the locally owned columns into M (a preallocator or the matrix itself). */
static PetscErrorCode InsertColumns(struct _n_OdMarkovOp *op, OdLandscape ls, Mat M, PetscBool fill_e)
{
  const PetscInt J = OdLandscapeGetNumData(ls);
  PetscInt *rows;
  PetscReal *vals, esc;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(2 * J + 1, &rows, 2 * J + 1, &vals));
  for (PetscInt i = op->rstart; i < op->rend; i++) {
    const PetscInt m = Column(op, ls, i, rows, vals, &esc);
    PetscCall(MatSetValues(M, m, rows, 1, &i, vals, INSERT_VALUES));
    if (fill_e) PetscCall(VecSetValue(op->e, i, esc, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(M, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(M, MAT_FINAL_ASSEMBLY));
  PetscCall(PetscFree2(rows, vals));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpCreate(MPI_Comm comm, OdLandscape ls, PetscReal T, PetscReal Wmin, PetscReal Wmax, PetscInt n, OdMarkovEdge right, OdMarkovOp *out)
{
  OdMarkovOp op;
  Mat pre;
  PetscFunctionBegin;
  PetscCheck(n >= 3 && Wmax > Wmin && T > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "Markov operator needs n >= 3, Wmin < Wmax, T > 0 (got n = %" PetscInt_FMT ", [%g, %g], T = %g)", n, (double)Wmin, (double)Wmax, (double)T);
  PetscCall(PetscNew(&op));
  op->comm = comm, op->n = n, op->Wmin = Wmin, op->Wmax = Wmax, op->T = T, op->right = right;
  op->h = (Wmax - Wmin) / (n - 1);
  /* exact preallocation from a first insertion pass (rows receive an unknown number of columns
     where a map contracts) */
  PetscCall(MatCreate(comm, &pre));
  PetscCall(MatSetSizes(pre, PETSC_DECIDE, PETSC_DECIDE, n, n));
  PetscCall(MatSetType(pre, MATPREALLOCATOR));
  PetscCall(MatSetUp(pre));
  PetscCall(MatGetOwnershipRange(pre, &op->rstart, &op->rend));
  PetscCall(InsertColumns(op, ls, pre, PETSC_FALSE));
  PetscCall(MatCreate(comm, &op->A));
  PetscCall(MatSetSizes(op->A, op->rend - op->rstart, op->rend - op->rstart, n, n));
  PetscCall(MatSetType(op->A, MATAIJ));
  PetscCall(MatPreallocatorPreallocate(pre, PETSC_FALSE, op->A));
  PetscCall(MatDestroy(&pre));
  PetscCall(MatCreateVecs(op->A, &op->e, NULL));
  PetscCall(InsertColumns(op, ls, op->A, PETSC_TRUE));
  PetscCall(VecAssemblyBegin(op->e));
  PetscCall(VecAssemblyEnd(op->e));
  *out = op;
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpDestroy(OdMarkovOp *op)
{
  PetscFunctionBegin;
  if (!*op) PetscFunctionReturn(0);
  PetscCall(MatDestroy(&(*op)->A));
  PetscCall(VecDestroy(&(*op)->e));
  PetscCall(PetscFree(*op));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpGetMatrix(OdMarkovOp op, Mat *A, Vec *e)
{
  PetscFunctionBegin;
  if (A) *A = op->A;
  if (e) *e = op->e;
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpGetGrid(OdMarkovOp op, PetscInt *n, PetscReal *Wmin, PetscReal *h)
{
  PetscFunctionBegin;
  if (n) *n = op->n;
  if (Wmin) *Wmin = op->Wmin;
  if (h) *h = op->h;
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpCreateVec(OdMarkovOp op, Vec *p)
{
  PetscFunctionBegin;
  PetscCall(VecDuplicate(op->e, p));
  PetscCall(VecSet(*p, 0));
  PetscFunctionReturn(0);
}

static void ClampedLocate(const struct _n_OdMarkovOp *op, PetscReal W, PetscInt *l, PetscReal *w)
{
  Locate(op, PetscMin(W, op->Wmax), l, w);
}

PetscErrorCode OdMarkovOpPointMass(OdMarkovOp op, PetscReal W, Vec p)
{
  PetscInt l;
  PetscReal w;
  PetscFunctionBegin;
  ClampedLocate(op, W, &l, &w);
  PetscCall(VecSet(p, 0));
  if (l >= op->rstart && l < op->rend) PetscCall(VecSetValue(p, l, 1 - w, INSERT_VALUES));
  if (l + 1 >= op->rstart && l + 1 < op->rend) PetscCall(VecSetValue(p, l + 1, w, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(p));
  PetscCall(VecAssemblyEnd(p));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpNormal(OdMarkovOp op, PetscReal W, PetscReal std, Vec p)
{
  PetscScalar *a;
  PetscReal sum;
  PetscFunctionBegin;
  PetscCall(VecGetArray(p, &a));
  for (PetscInt i = op->rstart; i < op->rend; i++) a[i - op->rstart] = exp(-0.5 * PetscSqr((Node(op, i) - W) / std));
  PetscCall(VecRestoreArray(p, &a));
  PetscCall(VecSum(p, &sum));
  PetscCheck(sum > 0, op->comm, PETSC_ERR_ARG_OUTOFRANGE, "normal(%g, %g) has no mass on the grid", (double)W, (double)std);
  PetscCall(VecScale(p, 1 / sum));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpStep(OdMarkovOp op, Vec p, Vec pnext, PetscReal *escaped)
{
  PetscFunctionBegin;
  if (escaped) PetscCall(VecDot(op->e, p, escaped));
  PetscCall(MatMult(op->A, p, pnext));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpInterpolate(OdMarkovOp op, Vec q, PetscReal W, PetscReal *value)
{
  PetscInt l;
  PetscReal w, part[2] = {0, 0}, sum[2];
  const PetscScalar *a;
  PetscFunctionBegin;
  ClampedLocate(op, W, &l, &w);
  PetscCall(VecGetArrayRead(q, &a));
  if (l >= op->rstart && l < op->rend) part[0] = a[l - op->rstart];
  if (l + 1 >= op->rstart && l + 1 < op->rend) part[1] = a[l + 1 - op->rstart];
  PetscCall(VecRestoreArrayRead(q, &a));
  /* each value lives on exactly one rank; the others add exact zeros */
  PetscCall(MPIU_Allreduce(part, sum, 2, MPIU_REAL, MPIU_SUM, op->comm));
  *value = (1 - w) * sum[0] + w * sum[1];
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpMoments(OdMarkovOp op, Vec p, PetscReal *mass, PetscReal *mean, PetscReal *std)
{
  PetscReal loc[3] = {0, 0, 0}, g[3];
  const PetscScalar *a;
  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(p, &a));
  for (PetscInt i = op->rstart; i < op->rend; i++) {
    const PetscReal m = a[i - op->rstart], x = Node(op, i);
    loc[0] += m, loc[1] += m * x, loc[2] += m * x * x;
  }
  PetscCall(VecRestoreArrayRead(p, &a));
  PetscCall(MPIU_Allreduce(loc, g, 3, MPIU_REAL, MPIU_SUM, op->comm));
  *mass = g[0];
  *mean = g[0] > 0 ? g[1] / g[0] : 0;
  *std = g[0] > 0 ? sqrt(PetscMax(g[2] / g[0] - (*mean) * (*mean), 0)) : 0;
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpMassNear(OdMarkovOp op, Vec p, PetscReal W, PetscReal halfwidth, PetscReal *mass)
{
  PetscReal loc = 0;
  const PetscScalar *a;
  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(p, &a));
  for (PetscInt i = op->rstart; i < op->rend; i++)
    if (fabs(Node(op, i) - W) <= halfwidth) loc += a[i - op->rstart];
  PetscCall(VecRestoreArrayRead(p, &a));
  PetscCall(MPIU_Allreduce(&loc, mass, 1, MPIU_REAL, MPIU_SUM, op->comm));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpEscapeProbability(OdMarkovOp op, PetscReal W0, PetscInt nbudgets, const PetscInt budgets[], PetscReal p[])
{
  Vec q, qn;
  PetscInt k = 0;
  PetscFunctionBegin;
  PetscCall(OdMarkovOpCreateVec(op, &q)); /* q_0 = 0: every node is <= the edge */
  PetscCall(VecDuplicate(q, &qn));
  for (PetscInt step = 1; step <= budgets[nbudgets - 1]; step++) {
    PetscCall(MatMultTransposeAdd(op->A, q, op->e, qn)); /* q_k = A^T q_{k-1} + e */
    PetscCall(VecSwap(q, qn));
    while (k < nbudgets && budgets[k] == step) PetscCall(OdMarkovOpInterpolate(op, q, W0, &p[k++]));
  }
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&qn));
  PetscFunctionReturn(0);
}

/* A direct solver for the small singular-ish systems here: every rank factors the whole
   matrix (redundant LU), so the result does not depend on the rank count. */
static PetscErrorCode SolveDirect(MPI_Comm comm, Mat B, Vec b, Vec x)
{
  KSP ksp;
  PC pc;
  PetscFunctionBegin;
  PetscCall(KSPCreate(comm, &ksp));
  PetscCall(KSPSetOperators(ksp, B, B));
  PetscCall(KSPSetType(ksp, KSPPREONLY));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCREDUNDANT));
  {
    KSP inner;
    PC ipc;
    PetscCall(PCRedundantGetKSP(pc, &inner));
    PetscCall(KSPGetPC(inner, &ipc));
    PetscCall(PCSetType(ipc, PCLU));
    PetscCall(PCFactorSetMatOrderingType(ipc, MATORDERINGRCM));
  }
  PetscCall(KSPSetUp(ksp));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPDestroy(&ksp));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpMeanFirstPassage(OdMarkovOp op, Vec tau)
{
  Mat B;
  Vec one;
  PetscFunctionBegin;
  PetscCheck(op->right == OD_MARKOV_EDGE_ABSORBING, op->comm, PETSC_ERR_ARG_WRONGSTATE, "mean first-passage time needs an absorbing edge");
  PetscCall(MatTranspose(op->A, MAT_INITIAL_MATRIX, &B));
  PetscCall(MatScale(B, -1));
  PetscCall(MatShift(B, 1)); /* I - A^T */
  PetscCall(VecDuplicate(tau, &one));
  PetscCall(VecSet(one, 1));
  PetscCall(SolveDirect(op->comm, B, one, tau));
  PetscCall(VecDestroy(&one));
  PetscCall(MatDestroy(&B));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovOpStationary(OdMarkovOp op, PetscInt warmup, Vec p)
{
  Mat B;
  Vec w, rhs;
  PetscInt k;
  PetscReal vmax, sum;
  PetscFunctionBegin;
  PetscCheck(op->right == OD_MARKOV_EDGE_REFLECTING, op->comm, PETSC_ERR_ARG_WRONGSTATE, "stationary state needs a reflecting edge");
  /* pin a node of the recurrent class: where the mass gathers */
  PetscCall(VecDuplicate(p, &w));
  PetscCall(VecSet(p, 1.0 / op->n));
  for (PetscInt s = 0; s < warmup; s++) {
    PetscCall(MatMult(op->A, p, w));
    PetscCall(VecSwap(p, w));
  }
  PetscCall(VecMax(p, &k, &vmax));
  PetscCall(MatDuplicate(op->A, MAT_COPY_VALUES, &B));
  PetscCall(MatScale(B, -1));
  PetscCall(MatShift(B, 1)); /* I - A */
  PetscCall(MatSetOption(B, MAT_NO_OFF_PROC_ZERO_ROWS, PETSC_TRUE));
  PetscCall(MatZeroRows(B, (k >= op->rstart && k < op->rend) ? 1 : 0, &k, 1.0, NULL, NULL));
  PetscCall(VecDuplicate(p, &rhs));
  PetscCall(VecSet(rhs, 0));
  if (k >= op->rstart && k < op->rend) PetscCall(VecSetValue(rhs, k, 1.0, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(rhs));
  PetscCall(VecAssemblyEnd(rhs));
  PetscCall(SolveDirect(op->comm, B, rhs, p));
  /* round-off can leave |p_i| ~ 1e-17 negative where the exact value is 0 */
  PetscCall(VecPointwiseMax(p, p, rhs)); /* rhs >= 0 with zeros: max(p, 0) except at k (1) */
  PetscCall(VecSum(p, &sum));
  PetscCall(VecScale(p, 1.0 / sum));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&rhs));
  PetscCall(MatDestroy(&B));
  PetscFunctionReturn(0);
}
