/* 1-D assembly of the Fokker-Planck engine (OdFPOps1D): options, grid, exponentially fitted
   face coefficients, operator, initial density, flux-form update, records, and the 1-D
   reference linear solver of the TS path (tridiagonal LU PCSHELL).
   Discretization and conventions: include/optdyn/fp.h and docs/fp.md. */
#include <math.h>
#include <string.h>
#include "optdyn/options.h"
#include "fp_impl.h"
#include "optdyn/budget.h"

const char *const OdFPBoundaryNames[] = {"reflecting", "absorbing"};
const char *const OdFPInitNames[] = {"normal", "uniform", "point"};
const char *const OdFPFluxNames[] = {"exact", "sg"};

/* Drift v and diffusion D at W (noise scale and convention applied). */
static void DriftDiffusion(OdFP fp, PetscReal W, PetscReal *v, PetscReal *D)
{
  OdLandscapeMoments m;
  OdLandscapeGetMoments(fp->landscape, W, &m);
  const PetscReal T2 = 0.5 * fp->T * fp->T * fp->noise;
  *v = -fp->T * m.G - fp->alpha * T2 * m.dS2;
  *D = T2 * m.S2;
}

/* phi(xb) - phi(xa) with phi = int 2G/(T s S2) dW + alpha ln S2, by 8-point Gauss-Legendre;
   NaN where S2 is not positive at a node (the formula does not apply there). */
PetscReal OdFPPotentialDrop(OdFP fp, PetscReal xa, PetscReal xb)
{
  static const PetscReal gx[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363};
  static const PetscReal gw[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763};
  OdLandscapeMoments ma, mb, m;
  const PetscReal s = fp->noise;
  if (!(s > 0)) return NAN;
  OdLandscapeGetMoments(fp->landscape, xa, &ma);
  OdLandscapeGetMoments(fp->landscape, xb, &mb);
  if (!(ma.S2 > 0 && mb.S2 > 0)) return NAN;
  const PetscReal mid = 0.5 * (xa + xb), half = 0.5 * (xb - xa);
  PetscReal sum = 0;
  for (int k = 0; k < 4; k++) {
    for (int sgn = -1; sgn <= 1; sgn += 2) {
      OdLandscapeGetMoments(fp->landscape, mid + sgn * gx[k] * half, &m);
      if (!(m.S2 > 0)) return NAN;
      sum += gw[k] * 2 * m.G / (fp->T * s * m.S2);
    }
  }
  return sum * half + fp->alpha * log(mb.S2 / ma.S2);
}

/* Coefficients of face f (between cells f-1 and f, at Wmin + f h), f = 0..n. */
static void FaceCoefficients(OdFP fp, PetscInt f, PetscReal *a, PetscReal *c)
{
  const PetscReal h = fp->h, x = fp->Wmin + f * h;
  PetscReal v, D;
  *a = *c = 0;
  if ((f == 0 && fp->left == OD_FP_REFLECTING) || (f == fp->n && fp->right == OD_FP_REFLECTING)) return;
  DriftDiffusion(fp, x, &v, &D);
  if (f == 0 || f == fp->n) { /* absorbing: P = 0 on the boundary, half a cell away */
    OdFPFaceCoefficients(v, D, 0.5 * h, D > 0 ? v * 0.5 * h / D : 0, a, c);
    return;
  }
  PetscReal Pe = D > 0 ? v * h / D : 0;
  if (fp->flux == OD_FP_FLUX_EXACT && D > 0) {
    const PetscReal drop = OdFPPotentialDrop(fp, x - 0.5 * h, x + 0.5 * h);
    if (!isnan(drop)) Pe = -drop;
  }
  OdFPFaceCoefficients(v, D, h, Pe, a, c);
}


/* Tridiagonal LU without pivoting (Thomas) as a PCSHELL for the 1-rank solve: the factor of an
   M-matrix has l <= 0, d > 0, u <= 0, so forward and backward substitution keep P >= 0 (the
   same arithmetic as PETSc's LU with natural ordering, without the general sparse overhead). */
typedef struct {
  PetscInt n;
  PetscReal *l, *d, *u;
} FPTridiag;

static PetscErrorCode TridiagSetUp(PC pc)
{
  FPTridiag *t;
  Mat A;
  PetscInt n;
  PetscFunctionBegin;
  PetscCall(PCShellGetContext(pc, &t));
  PetscCall(PCGetOperators(pc, &A, NULL));
  PetscCall(MatGetSize(A, &n, NULL));
  if (t->n != n) {
    PetscCall(PetscFree3(t->l, t->d, t->u));
    PetscCall(PetscCalloc3(n, &t->l, n, &t->d, n, &t->u));
    t->n = n;
  }
  for (PetscInt i = 0; i < n; i++) {
    PetscInt nc;
    const PetscInt *cols;
    const PetscScalar *vals;
    t->l[i] = t->d[i] = t->u[i] = 0;
    PetscCall(MatGetRow(A, i, &nc, &cols, &vals));
    for (PetscInt k = 0; k < nc; k++) {
      if (cols[k] == i - 1) t->l[i] = vals[k];
      else if (cols[k] == i) t->d[i] = vals[k];
      else if (cols[k] == i + 1) t->u[i] = vals[k];
      else PetscCheck(vals[k] == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "matrix is not tridiagonal");
    }
    PetscCall(MatRestoreRow(A, i, &nc, &cols, &vals));
  }
  for (PetscInt i = 1; i < n; i++) {
    PetscCheck(t->d[i - 1] != 0, PETSC_COMM_SELF, PETSC_ERR_MAT_LU_ZRPVT, "zero pivot in row %" PetscInt_FMT, i - 1);
    t->l[i] /= t->d[i - 1];
    t->d[i] -= t->l[i] * t->u[i - 1];
  }
  for (PetscInt i = 0; i < n; i++) t->d[i] = 1 / t->d[i]; /* store reciprocal pivots: no division in the solve */
  PetscFunctionReturn(0);
}

static PetscErrorCode TridiagApply(PC pc, Vec x, Vec y)
{
  FPTridiag *t;
  const PetscScalar *b;
  PetscScalar *p;
  PetscFunctionBegin;
  PetscCall(PCShellGetContext(pc, &t));
  PetscCall(VecGetArrayRead(x, &b));
  PetscCall(VecGetArray(y, &p));
  const PetscInt n = t->n;
  const PetscReal *l = t->l, *d = t->d, *u = t->u;
  p[0] = b[0];
  for (PetscInt i = 1; i < n; i++) p[i] = b[i] - l[i] * p[i - 1];
  p[n - 1] *= d[n - 1];
  for (PetscInt i = n - 2; i >= 0; i--) p[i] = (p[i] - u[i] * p[i + 1]) * d[i];
  PetscCall(VecRestoreArray(y, &p));
  PetscCall(VecRestoreArrayRead(x, &b));
  PetscCall(PetscLogFlops(5.0 * n));
  PetscFunctionReturn(0);
}

static PetscErrorCode TridiagDestroy(PC pc)
{
  FPTridiag *t;
  PetscFunctionBegin;
  PetscCall(PCShellGetContext(pc, &t));
  PetscCall(PetscFree3(t->l, t->d, t->u));
  PetscCall(PetscFree(t));
  PetscFunctionReturn(0);
}


static PetscErrorCode SetTridiagonalPC(PC pc)
{
  FPTridiag *tri;
  PetscFunctionBegin;
  PetscCall(PetscNew(&tri));
  PetscCall(PCSetType(pc, PCSHELL));
  PetscCall(PCShellSetContext(pc, tri));
  PetscCall(PCShellSetName(pc, "tridiagonal LU without pivoting (Thomas), optdyn fp"));
  PetscCall(PCShellSetSetUp(pc, TridiagSetUp));
  PetscCall(PCShellSetApply(pc, TridiagApply));
  PetscCall(PCShellSetDestroy(pc, TridiagDestroy));
  PetscFunctionReturn(0);
}

/* ---------------- lifecycle hooks ---------------- */

static PetscErrorCode Create1D(OdFP fp)
{
  PetscFunctionBegin;
  fp->T = 0.02;
  fp->n = 4000;
  fp->Wmin = -0.5;
  fp->Wmax = 3.5;
  fp->t_final = 500;
  fp->nt = 51;
  fp->left = fp->right = OD_FP_REFLECTING;
  fp->init = OD_FP_INIT_NORMAL;
  fp->flux = OD_FP_FLUX_EXACT;
  fp->init_mean = 0.5;
  fp->init_std = 0.175;
  fp->init_W = 0.5;
  fp->thomas = PETSC_TRUE;
  fp->mc_walkers = 10000;
  fp->mc_chunk = 250;
  fp->stat_L1 = NAN;
  fp->stat_Linf_rel = NAN;
  PetscCall(OdLandscapeCreate(fp->comm, &fp->landscape));
  PetscCall(OdLandscapeSetFromOptions(fp->landscape));
  PetscCall(OdOutputSetFromOptions(fp->output, "fp.h5"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy1D(OdFP fp)
{
  PetscFunctionBegin;
  PetscCall(OdLandscapeDestroy(&fp->landscape));
  PetscCall(KSPDestroy(&fp->kstat));
  PetscCall(VecDestroy(&fp->Pstat));
  PetscCall(VecDestroy(&fp->Wc));
  PetscCall(PetscFree4(fp->std, fp->escaped, fp->escaped_left, fp->escaped_right));
  PetscCall(PetscFree2(fp->af, fp->cf));
  PetscCall(PetscFree(fp->formula));
  PetscCall(PetscFree(fp->mc));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions1D(OdFP fp, PetscOptionItems *PetscOptionsObject)
{
  PetscFunctionBegin;
  PetscCall(OdOptionsInt(PetscOptionsObject, "-n", "Number of finite-volume cells", OD_RANGE_AT_LEAST(2), &fp->n, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-Wmin", "Left end of the domain", OD_RANGE_ANY, &fp->Wmin, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-Wmax", "Right end of the domain (the escape edge when -fp_right absorbing)", OD_RANGE_ANY, &fp->Wmax, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-left", "Boundary at Wmin", OdFPBoundaryNames, 2, &fp->left, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-right", "Boundary at Wmax", OdFPBoundaryNames, 2, &fp->right, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-flux", "Face flux: exact (exponent from the integral of the potential) or sg (midpoint Scharfetter-Gummel)", OdFPFluxNames, 2, &fp->flux, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-init", "Initial density: normal (truncated), uniform, point", OdFPInitNames, 3, &fp->init, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-init_mean", "Mean of the truncated normal initial density", OD_RANGE_ANY, &fp->init_mean, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-init_std", "Standard deviation of the truncated normal initial density", OD_RANGE_POSITIVE, &fp->init_std, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-init_a", "Left end of the uniform initial density (default Wmin)", OD_RANGE_ANY, &fp->init_a, &fp->init_a_set));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-init_b", "Right end of the uniform initial density (default Wmax)", OD_RANGE_ANY, &fp->init_b, &fp->init_b_set));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-init_W", "Location of the point-like initial density (all mass in its cell)", OD_RANGE_ANY, &fp->init_W, &fp->init_W_set));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-stationary", "Also solve for the stationary density (reflecting boundaries)", &fp->stationary, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-validate", "Also run the Monte Carlo of the same SGD/GD process", &fp->validate, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-mc_walkers", "Monte Carlo walkers for -fp_validate", OD_RANGE_AT_LEAST(2), &fp->mc_walkers, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-mc_chunk", "Walkers per Monte Carlo work unit", OD_RANGE_AT_LEAST(1), &fp->mc_chunk, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-thomas", "TS path, 1 rank: solve with a dedicated tridiagonal LU (PCSHELL) instead of PETSc's sparse LU", &fp->thomas, NULL));
  PetscFunctionReturn(0);
}

/* TS path defaults: adaptive steps; 1 rank LU without pivoting (Thomas PCSHELL), several ranks
   GMRES + block Jacobi. Also the stationary KSP, so that its options are read now. */
static PetscErrorCode ConfigureTS1D(OdFP fp, TS ts)
{
  TSAdapt adapt;
  SNES snes;
  KSP ksp;
  PC pc;
  PetscFunctionBegin;
  PetscCall(TSGetAdapt(ts, &adapt));
  PetscCall(TSAdaptSetType(adapt, TSADAPTBASIC));
  PetscCall(TSGetSNES(ts, &snes));
  PetscCall(SNESGetKSP(snes, &ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  if (fp->size == 1) { /* LU without pivoting of an M-matrix: the solution stays >= 0 in floating point */
    PetscCall(KSPSetType(ksp, KSPPREONLY));
    PetscCall(PCSetType(pc, PCLU));
    PetscCall(PCFactorSetMatOrderingType(pc, MATORDERINGNATURAL));
    if (fp->thomas) PetscCall(SetTridiagonalPC(pc));
  } else {
    /* block Jacobi with exact tridiagonal blocks (ILU(0) = LU): the preconditioned operator is
       the identity plus a rank-2 term per rank interface, so GMRES converges in a few iterations */
    PetscCall(KSPSetType(ksp, KSPGMRES));
    PetscCall(PCSetType(pc, PCBJACOBI));
    PetscCall(KSPSetTolerances(ksp, 1e-14, 1e-300, PETSC_DEFAULT, 200));
  }
  PetscCall(KSPCreate(fp->comm, &fp->kstat));
  PetscCall(KSPSetOptionsPrefix(fp->kstat, "fp_stationary_"));
  PetscCall(KSPSetType(fp->kstat, KSPPREONLY));
  PetscCall(KSPGetPC(fp->kstat, &pc));
  PetscCall(PCSetType(pc, PCLU));
  /* MUMPS pivots: the normalization row and cells without outflow (zero diagonal where S2
     underflows at a GD fixed point) need it */
  PetscCall(PCFactorSetMatSolverType(pc, MATSOLVERMUMPS));
  PetscCall(KSPSetFromOptions(fp->kstat));
  PetscCall(KSPSetErrorIfNotConverged(fp->kstat, PETSC_FALSE));
  PetscFunctionReturn(0);
}

static PetscErrorCode Validate(OdFP fp)
{
  PetscFunctionBegin;
  PetscCheck(fp->Wmax > fp->Wmin, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_Wmax = %g is not allowed: must be > -fp_Wmin = %g", (double)fp->Wmax, (double)fp->Wmin);
  PetscCheck(fp->n >= 2 * fp->size, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_n = %" PetscInt_FMT " is not allowed: need at least 2 cells per MPI rank (>= %d)", fp->n, 2 * fp->size);
  { /* reliability: per local cell the matrix and its factor (about 20 values), vectors, snapshots */
    char advice[96];
    snprintf(advice, sizeof advice, "-fp_n = %" PetscInt_FMT " (or -fp_nt, -fp_save_P false)", fp->n);
    PetscCall(OdBudgetCheckMemory(fp->comm, 8.0 * ((double)fp->n / fp->size * (40.0 + (fp->save_P ? fp->nt : 0)) + 2.0 * fp->n), "the Fokker-Planck grid's matrices and snapshots", advice));
  }
  if (!fp->init_a_set) fp->init_a = fp->Wmin;
  if (!fp->init_b_set) fp->init_b = fp->Wmax;
  if (fp->init == OD_FP_INIT_UNIFORM) {
    PetscCheck(fp->init_b > fp->init_a, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_init_b = %g is not allowed: must be > -fp_init_a = %g", (double)fp->init_b, (double)fp->init_a);
    PetscCheck(fp->init_a < fp->Wmax && fp->init_b > fp->Wmin, fp->comm, PETSC_ERR_USER_INPUT, "options -fp_init_a = %g, -fp_init_b = %g are not allowed: the interval must overlap [Wmin, Wmax] = [%g, %g]", (double)fp->init_a, (double)fp->init_b, (double)fp->Wmin, (double)fp->Wmax);
  }
  if (fp->init == OD_FP_INIT_POINT)
    PetscCheck(fp->init_W >= fp->Wmin && fp->init_W <= fp->Wmax, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_init_W = %g is not allowed: must lie in [Wmin, Wmax] = [%g, %g]", (double)fp->init_W, (double)fp->Wmin, (double)fp->Wmax);
  if (fp->init == OD_FP_INIT_NORMAL) {
    const PetscReal zl = (fp->Wmin - fp->init_mean) / fp->init_std, zr = (fp->Wmax - fp->init_mean) / fp->init_std;
    const PetscReal mass = 0.5 * (erfc(zl / M_SQRT2) - erfc(zr / M_SQRT2));
    PetscCheck(mass > 1e-6, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_init_mean = %g is not allowed: the normal(mean, %g) keeps only %g of its mass in [Wmin, Wmax] = [%g, %g] (need > 1e-6)", (double)fp->init_mean, (double)fp->init_std, (double)mass, (double)fp->Wmin, (double)fp->Wmax);
  }
  PetscCheck(!fp->stationary || (fp->left == OD_FP_REFLECTING && fp->right == OD_FP_REFLECTING), fp->comm, PETSC_ERR_USER_INPUT, "option -fp_stationary is not allowed with absorbing boundaries (-fp_left %s, -fp_right %s): the stationary density of an absorbing problem is 0", OdFPBoundaryNames[fp->left], OdFPBoundaryNames[fp->right]);
  PetscFunctionReturn(0);
}

/* Cell average of the initial density on [xl, xr] (unnormalized). */
static PetscReal InitialCell(OdFP fp, PetscInt i, PetscReal xl, PetscReal xr)
{
  switch (fp->init) {
  case OD_FP_INIT_NORMAL: {
    const PetscReal zl = (xl - fp->init_mean) / fp->init_std, zr = (xr - fp->init_mean) / fp->init_std;
    /* difference of normal cdfs, from the tail that keeps precision */
    const PetscReal p = zl > 0 ? 0.5 * (erfc(zl / M_SQRT2) - erfc(zr / M_SQRT2)) : 0.5 * (erfc(-zr / M_SQRT2) - erfc(-zl / M_SQRT2));
    return p / (xr - xl);
  }
  case OD_FP_INIT_UNIFORM: {
    const PetscReal lo = PetscMax(xl, fp->init_a), hi = PetscMin(xr, fp->init_b);
    return hi > lo ? (hi - lo) / (xr - xl) / (fp->init_b - fp->init_a) : 0;
  }
  default: {
    PetscInt k = (PetscInt)floor((fp->init_W - fp->Wmin) / fp->h);
    k = PetscMin(PetscMax(k, 0), fp->n - 1);
    return i == k ? 1 / fp->h : 0;
  }
  }
}

static PetscErrorCode Assemble(OdFP fp)
{
  PetscReal *af, *cf;
  const PetscReal h = fp->h;
  PetscFunctionBegin;
  PetscCall(DMCreateMatrix(fp->da, &fp->A));
  PetscCall(MatSetOption(fp->A, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
  PetscCall(PetscMalloc2(fp->xm + 1, &fp->af, fp->xm + 1, &fp->cf));
  af = fp->af, cf = fp->cf;
  for (PetscInt k = 0; k <= fp->xm; k++) FaceCoefficients(fp, fp->xs + k, &af[k], &cf[k]);
  for (PetscInt k = 0; k < fp->xm; k++) {
    const PetscInt i = fp->xs + k;
    MatStencil row = {0}, col[3] = {{0}};
    PetscScalar val[3];
    PetscInt nc = 0;
    row.i = i;
    if (i > 0) col[nc].i = i - 1, val[nc++] = af[k] / h;
    col[nc].i = i, val[nc++] = -(af[k + 1] / h + cf[k] / h);
    if (i < fp->n - 1) col[nc].i = i + 1, val[nc++] = cf[k + 1] / h;
    PetscCall(MatSetValuesStencil(fp->A, 1, &row, nc, col, val, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(fp->A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(fp->A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* Backward Euler in flux form: P_i = Pold_i - dt/h (F_{i+1/2} - F_{i-1/2}) with the face fluxes
   F = a P_left - c P_right of the new state. The linear solve already gives this up to its
   round-off (about eps |dt A|, i.e. 1e-13 relative per step on stiff grids); recomputing it
   from fluxes makes the update telescope, so mass changes only by the boundary fluxes (which
   are accumulated as escaped mass) and by eps |P|. Values that round below zero (only where
   P ~ eps |dt A| P_neighbour) are set to 0 and their total is reported as `clipped`. */
static PetscErrorCode ConservativeUpdate(OdFP fp, Vec U, PetscReal dt)
{
  const PetscScalar *pl, *po;
  PetscScalar *p;
  const PetscReal h = fp->h;
  PetscFunctionBegin;
  PetscCall(DMGlobalToLocal(fp->da, U, INSERT_VALUES, fp->Ploc));
  PetscCall(DMDAVecGetArrayRead(fp->da, fp->Ploc, &pl)); /* global cell indices */
  PetscCall(VecGetArrayRead(fp->Pold, &po));
  PetscCall(VecGetArray(U, &p));
  const PetscInt xs = fp->xs;
  PetscReal Fl = (xs > 0 ? fp->af[0] * pl[xs - 1] : 0) - fp->cf[0] * pl[xs];
  if (xs == 0) fp->esc_left += -Fl * dt;
  for (PetscInt k = 0; k < fp->xm; k++) {
    const PetscInt i = xs + k;
    const PetscReal Fr = fp->af[k + 1] * pl[i] - (i < fp->n - 1 ? fp->cf[k + 1] * pl[i + 1] : 0);
    PetscReal v = po[k] - dt / h * (Fr - Fl);
    if (v < 0) fp->clipped += -v * h, v = 0;
    p[k] = v;
    Fl = Fr;
  }
  if (xs + fp->xm == fp->n) fp->esc_right += Fl * dt;
  PetscCall(VecRestoreArray(U, &p));
  PetscCall(VecRestoreArrayRead(fp->Pold, &po));
  PetscCall(DMDAVecRestoreArrayRead(fp->da, fp->Ploc, &pl));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp1D(OdFP fp)
{
  PetscScalar *p, *w;
  PetscReal local = 0, mass;
  PetscFunctionBegin;
  PetscCall(Validate(fp));
  fp->h = (fp->Wmax - fp->Wmin) / fp->n;
  PetscCall(DMDACreate1d(fp->comm, DM_BOUNDARY_NONE, fp->n, 1, 1, NULL, &fp->da));
  PetscCall(DMSetUp(fp->da));
  PetscCall(DMDAGetCorners(fp->da, &fp->xs, NULL, NULL, &fp->xm, NULL, NULL));
  PetscCall(DMCreateGlobalVector(fp->da, &fp->P));
  PetscCall(VecDuplicate(fp->P, &fp->Wc));
  PetscCall(PetscObjectSetName((PetscObject)fp->P, "P"));
  PetscCall(Assemble(fp));
  /* initial density: exact cell averages, normalized on the grid */
  PetscCall(VecGetArray(fp->P, &p));
  PetscCall(VecGetArray(fp->Wc, &w));
  for (PetscInt k = 0; k < fp->xm; k++) {
    const PetscInt i = fp->xs + k;
    const PetscReal xl = fp->Wmin + i * fp->h, xr = xl + fp->h;
    w[k] = 0.5 * (xl + xr);
    p[k] = InitialCell(fp, i, xl, xr);
    local += p[k];
  }
  PetscCallMPI(MPI_Allreduce(&local, &mass, 1, MPIU_REAL, MPIU_SUM, fp->comm));
  mass *= fp->h;
  PetscCheck(mass > 0, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_init %s: the initial density has no mass on the grid", OdFPInitNames[fp->init]);
  for (PetscInt k = 0; k < fp->xm; k++) p[k] /= mass;
  PetscCall(VecRestoreArray(fp->P, &p));
  PetscCall(VecRestoreArray(fp->Wc, &w));
  PetscCall(PetscMalloc4(fp->nt, &fp->std, fp->nt, &fp->escaped, fp->nt, &fp->escaped_left, fp->nt, &fp->escaped_right));
  PetscCall(PetscCalloc1(fp->save_P ? fp->nt * fp->xm : 1, &fp->Psnap));
  PetscFunctionReturn(0);
}

/* mass, mean, std of the current density (mean and std conditional on the surviving mass). */
static PetscErrorCode Moments(OdFP fp, Vec P, PetscReal *mass, PetscReal *mean, PetscReal *std)
{
  const PetscScalar *p, *w;
  PetscReal s[2] = {0, 0}, g[2], c = 0, cg;
  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(P, &p));
  PetscCall(VecGetArrayRead(fp->Wc, &w));
  for (PetscInt k = 0; k < fp->xm; k++) s[0] += p[k], s[1] += p[k] * w[k];
  PetscCallMPI(MPI_Allreduce(s, g, 2, MPIU_REAL, MPIU_SUM, fp->comm));
  *mass = g[0] * fp->h;
  *mean = g[0] > 0 ? g[1] / g[0] : NAN;
  for (PetscInt k = 0; k < fp->xm; k++) c += p[k] * (w[k] - *mean) * (w[k] - *mean);
  PetscCallMPI(MPI_Allreduce(&c, &cg, 1, MPIU_REAL, MPIU_SUM, fp->comm));
  *std = g[0] > 0 ? PetscSqrtReal(PetscMax(cg / g[0], 0)) : NAN;
  PetscCall(VecRestoreArrayRead(P, &p));
  PetscCall(VecRestoreArrayRead(fp->Wc, &w));
  PetscFunctionReturn(0);
}

static PetscErrorCode Record1D(OdFP fp, PetscInt k)
{
  PetscReal mass = 0;
  PetscFunctionBegin;
  PetscCall(Moments(fp, fp->P, &mass, &fp->mean[k], &fp->std[k]));
  if (fp->conservative) {
    PetscReal l[3] = {fp->esc_left, fp->esc_right, fp->clipped}, g[3];
    PetscCallMPI(MPI_Allreduce(l, g, 3, MPIU_REAL, MPIU_SUM, fp->comm));
    fp->escaped_left[k] = g[0], fp->escaped_right[k] = g[1], fp->clipped_total = g[2];
    fp->escaped[k] = g[0] + g[1];
  } else {
    /* other TS types: split the lost mass by boundary type (both absorbing: unknown split) */
    const PetscReal lost = k == 0 ? 0 : fp->mass0 - mass;
    fp->escaped[k] = lost;
    fp->escaped_left[k] = fp->left == OD_FP_ABSORBING && fp->right != OD_FP_ABSORBING ? lost : NAN;
    fp->escaped_right[k] = fp->right == OD_FP_ABSORBING && fp->left != OD_FP_ABSORBING ? lost : NAN;
  }
  PetscCall(OdFPRecordCommon(fp, k, mass, fp->escaped[k]));
  if (fp->save_P) {
    const PetscScalar *p;
    PetscCall(VecGetArrayRead(fp->P, &p));
    PetscCall(PetscArraycpy(fp->Psnap + k * fp->xm, p, fp->xm));
    PetscCall(VecRestoreArrayRead(fp->P, &p));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode AfterRun1D(OdFP fp)
{
  PetscFunctionBegin;
  if (fp->stationary) PetscCall(OdFPSolveStationary(fp));
  if (fp->validate) {
    const double t0 = MPI_Wtime();
    PetscCall(OdFPRunMonteCarlo(fp));
    fp->wall_mc = MPI_Wtime() - t0;
  }
  PetscFunctionReturn(0);
}

const OdFPOps OdFPOps1D = {Create1D, SetFromOptions1D, ConfigureTS1D, SetUp1D, ConservativeUpdate, OdFPFusedStep1D, Record1D, AfterRun1D, OdFPWrite1D, OdFPView1D, Destroy1D};
