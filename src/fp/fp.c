/* optdyn fp: the probability-current (Fokker-Planck) model of SGD on a DMDA (SPEC §3).
   Discretization and conventions: include/optdyn/fp.h and docs/fp.md. */
#include <math.h>
#include <string.h>
#include "optdyn/options.h"
#include "optdyn/progress.h"
#include "fp_impl.h"
#include "optdyn/fp2d.h"
#include "optdyn/budget.h"

const char *const OdFPBoundaryNames[] = {"reflecting", "absorbing"};
const char *const OdFPInitNames[] = {"normal", "uniform", "point"};
const char *const OdFPFluxNames[] = {"exact", "sg"};

/* ---------------- kernels ---------------- */

PetscReal OdFPBernoulli(PetscReal x)
{
  if (x == 0) return 1;
  if (fabs(x) < 1e-8) return 1 - 0.5 * x; /* x/expm1(x) = 1 - x/2 + x^2/12 - ... */
  if (x > 700) return x * exp(-x);        /* expm1 overflow region */
  return x / expm1(x);
}

void OdFPFaceCoefficients(PetscReal v, PetscReal D, PetscReal dx, PetscReal Pe, PetscReal *a, PetscReal *c)
{
  if (!(D > 0) || isnan(Pe)) { /* no diffusion: upwind */
    *a = v > 0 ? v : 0;
    *c = v < 0 ? -v : 0;
    return;
  }
  if (fabs(Pe) <= 1) {
    *a = D / dx * OdFPBernoulli(-Pe);
    *c = D / dx * OdFPBernoulli(Pe);
    return;
  }
  /* |Pe| > 1: scale by the drift speed u = D |Pe| / dx (= |v| for the midpoint Peclet number);
     the large coefficient is u / (1 - e^-|Pe|), the small one u / (e^|Pe| - 1). */
  const PetscReal q = fabs(Pe);
  PetscReal u = (v != 0 && (v > 0) == (Pe > 0)) ? fabs(v) : D * q / dx;
  if (!isfinite(u)) u = fabs(v);
  const PetscReal large = u / -expm1(-q), small = isinf(q) ? 0 : u / expm1(q);
  if (Pe > 0) *a = large, *c = small;
  else *a = small, *c = large;
}

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
static PetscReal PotentialDrop(OdFP fp, PetscReal xa, PetscReal xb)
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
    const PetscReal drop = PotentialDrop(fp, x - 0.5 * h, x + 0.5 * h);
    if (!isnan(drop)) Pe = -drop;
  }
  OdFPFaceCoefficients(v, D, h, Pe, a, c);
}

/* ---------------- object ---------------- */

PetscErrorCode OdFPCreate(MPI_Comm comm, OdFP *fpout)
{
  OdFP fp;
  PetscFunctionBegin;
  PetscCall(PetscNew(&fp));
  fp->comm = comm;
  PetscCallMPI(MPI_Comm_rank(comm, &fp->rank));
  PetscCallMPI(MPI_Comm_size(comm, &fp->size));
  fp->T = 0.02;
  fp->alpha = 1;
  fp->noise = 1;
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
  fp->save_P = PETSC_TRUE;
  fp->reuse = PETSC_TRUE;
  fp->thomas = PETSC_TRUE;
  fp->mc_walkers = 10000;
  fp->mc_chunk = 250;
  fp->stat_L1 = NAN;
  fp->stat_Linf_rel = NAN;
  PetscCall(OdLandscapeCreate(comm, &fp->landscape));
  PetscCall(OdOutputCreate(comm, &fp->output));
  *fpout = fp;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPDestroy(OdFP *fpp)
{
  OdFP fp = *fpp;
  PetscFunctionBegin;
  if (!fp) PetscFunctionReturn(0);
  PetscCall(OdLandscapeDestroy(&fp->landscape));
  PetscCall(OdOutputDestroy(&fp->output));
  PetscCall(TSDestroy(&fp->ts));
  PetscCall(KSPDestroy(&fp->kstat));
  PetscCall(MatDestroy(&fp->A));
  PetscCall(MatDestroy(&fp->J));
  PetscCall(VecDestroy(&fp->P));
  PetscCall(VecDestroy(&fp->Pstat));
  PetscCall(VecDestroy(&fp->Wc));
  PetscCall(DMDestroy(&fp->da));
  PetscCall(PetscFree5(fp->t, fp->mass, fp->mean, fp->std, fp->escaped));
  PetscCall(PetscFree2(fp->escaped_left, fp->escaped_right));
  PetscCall(PetscFree2(fp->af, fp->cf));
  PetscCall(VecDestroy(&fp->Pold));
  PetscCall(VecDestroy(&fp->Ploc));
  PetscCall(PetscFree(fp->Psnap));
  PetscCall(PetscFree(fp->formula));
  PetscCall(PetscFree(fp->mc));
  PetscCall(PetscFree(fp));
  *fpp = NULL;
  PetscFunctionReturn(0);
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

PetscErrorCode OdFPSetFromOptions(OdFP fp)
{
  PetscBool set;
  PetscFunctionBegin;
  PetscCall(OdLandscapeSetFromOptions(fp->landscape));
  PetscCall(OdOptionsSeed(fp->comm, &fp->seed));
  PetscCall(OdOutputSetFromOptions(fp->output, "fp.h5"));
  PetscOptionsBegin(fp->comm, NULL, "Progress", NULL);
  PetscCall(OdOptionsBool(PetscOptionsObject, "-quiet", "No progress lines", &fp->quiet, NULL));
  PetscOptionsEnd();
  PetscOptionsBegin(fp->comm, "fp_", "Fokker-Planck probability-current solver (SPEC §3)", NULL);
  PetscCall(OdOptionsReal(PetscOptionsObject, "-T", "Learning rate (temperature) T", OD_RANGE_POSITIVE, &fp->T, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-alpha", "Noise convention: 1 Ito, 0.5 Stratonovich, 0 isothermal", OD_RANGE_CLOSED(0, 1), &fp->alpha, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-noise", "Scale of the gradient variance S2 (0: gradient descent only)", OD_RANGE_NONNEGATIVE, &fp->noise, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-n", "Number of finite-volume cells", OD_RANGE_AT_LEAST(2), &fp->n, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-Wmin", "Left end of the domain", OD_RANGE_ANY, &fp->Wmin, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-Wmax", "Right end of the domain (the escape edge when -fp_right absorbing)", OD_RANGE_ANY, &fp->Wmax, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-left", "Boundary at Wmin", OdFPBoundaryNames, 2, &fp->left, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-right", "Boundary at Wmax", OdFPBoundaryNames, 2, &fp->right, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-t_final", "Final time (in SGD steps)", OD_RANGE_POSITIVE, &fp->t_final, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-nt", "Number of output times, evenly spaced over [0, t_final]", OD_RANGE_AT_LEAST(2), &fp->nt, NULL));
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
  PetscCall(OdOptionsBool(PetscOptionsObject, "-save_P", "Write the density snapshots /fp/P", &fp->save_P, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-reuse_factor", "Backward Euler: rebuild and refactor (I/dt - A) only when dt changes", &fp->reuse, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-thomas", "1 rank: solve with a dedicated tridiagonal LU (PCSHELL) instead of PETSc's sparse LU", &fp->thomas, NULL));
  fp->dt0 = fp->t_final / 1000;
  PetscCall(OdOptionsReal(PetscOptionsObject, "-dt", "Initial time step (default t_final/1000; -ts_dt overrides)", OD_RANGE_POSITIVE, &fp->dt0, &set));
  PetscOptionsEnd();

  /* TS and the stationary KSP, so that -ts_*, -ksp_*, -pc_*, -fp_stationary_* are read (and
     checked as used) before any work. */
  PetscCall(TSCreate(fp->comm, &fp->ts));
  PetscCall(TSSetProblemType(fp->ts, TS_LINEAR));
  PetscCall(TSSetType(fp->ts, TSBEULER));
  PetscCall(TSSetTimeStep(fp->ts, fp->dt0));
  PetscCall(TSSetMaxTime(fp->ts, fp->t_final));
  PetscCall(TSSetMaxSteps(fp->ts, PETSC_MAX_INT));
  PetscCall(TSSetExactFinalTime(fp->ts, TS_EXACTFINALTIME_MATCHSTEP));
  {
    TSAdapt adapt;
    SNES snes;
    KSP ksp;
    PC pc;
    PetscCall(TSGetAdapt(fp->ts, &adapt));
    PetscCall(TSAdaptSetType(adapt, TSADAPTBASIC));
    PetscCall(TSGetSNES(fp->ts, &snes));
    PetscCall(SNESSetType(snes, SNESKSPONLY));
    PetscCall(SNESGetKSP(snes, &ksp));
    PetscCall(KSPGetPC(ksp, &pc));
    if (fp->size == 1) { /* LU without pivoting of an M-matrix: the solution stays >= 0 in floating point */
      PetscCall(KSPSetType(ksp, KSPPREONLY));
      PetscCall(PCSetType(pc, PCLU));
      PetscCall(PCFactorSetMatOrderingType(pc, MATORDERINGNATURAL));
      if (fp->thomas) { /* the same LU, as a dedicated tridiagonal (Thomas) factor/solve */
        FPTridiag *tri;
        PetscCall(PetscNew(&tri));
        PetscCall(PCSetType(pc, PCSHELL));
        PetscCall(PCShellSetContext(pc, tri));
        PetscCall(PCShellSetName(pc, "tridiagonal LU without pivoting (Thomas), optdyn fp"));
        PetscCall(PCShellSetSetUp(pc, TridiagSetUp));
        PetscCall(PCShellSetApply(pc, TridiagApply));
        PetscCall(PCShellSetDestroy(pc, TridiagDestroy));
      }
    } else {
      /* block Jacobi with exact tridiagonal blocks (ILU(0) = LU): the preconditioned operator
         is the identity plus a rank-2 term per rank interface, so GMRES converges in a few
         iterations; far cheaper than a parallel direct factorization every step */
      PetscCall(KSPSetType(ksp, KSPGMRES));
      PetscCall(PCSetType(pc, PCBJACOBI));
      PetscCall(KSPSetTolerances(ksp, 1e-14, 1e-300, PETSC_DEFAULT, 200));
    }
  }
  PetscCall(TSSetFromOptions(fp->ts));
  {
    PC pc;
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
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Validate(OdFP fp)
{
  PetscFunctionBegin;
  PetscCheck(fp->Wmax > fp->Wmin, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_Wmax = %g is not allowed: must be > -fp_Wmin = %g", (double)fp->Wmax, (double)fp->Wmin);
  PetscCheck(fp->n >= 2 * fp->size, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_n = %" PetscInt_FMT " is not allowed: need at least 2 cells per MPI rank (>= %d)", fp->n, 2 * fp->size);
  { /* per local cell: matrix and factor (about 20 values), vectors, snapshots (nt); rank 0 gathers a snapshot */
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

static PetscErrorCode IFunctionLinear(TS ts, PetscReal t, Vec U, Vec Udot, Vec F, void *ctx)
{
  OdFP fp = (OdFP)ctx;
  PetscFunctionBegin;
  (void)ts, (void)t;
  PetscCall(MatMult(fp->A, U, F));
  PetscCall(VecAYPX(F, -1, Udot));
  PetscFunctionReturn(0);
}

static PetscErrorCode IJacobianShift(TS ts, PetscReal t, Vec U, Vec Udot, PetscReal shift, Mat J, Mat B, void *ctx)
{
  OdFP fp = (OdFP)ctx;
  PetscFunctionBegin;
  (void)ts, (void)t, (void)U, (void)Udot, (void)J;
  if (shift == fp->jac_shift) PetscFunctionReturn(0);
  PetscCall(MatCopy(fp->A, B, SAME_NONZERO_PATTERN));
  PetscCall(MatScale(B, -1));
  PetscCall(MatShift(B, shift));
  fp->jac_shift = shift;
  fp->factorizations++;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPSetUp(OdFP fp)
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

  PetscCall(TSSetDM(fp->ts, fp->da));
  PetscCall(TSSetApplicationContext(fp->ts, fp));
  PetscCall(PetscObjectTypeCompare((PetscObject)fp->ts, TSBEULER, &fp->conservative));
  if (fp->conservative && fp->reuse) {
    /* implicit form F = Udot - A P with the Jacobian shift I - A rebuilt only when the shift
       (1/dt) changes: between rebuilds the matrix object is untouched, so KSP/PC keep their
       factorization (fixed dt: one factorization per run) */
    PetscCall(MatDuplicate(fp->A, MAT_COPY_VALUES, &fp->J));
    fp->jac_shift = NAN;
    PetscCall(TSSetIFunction(fp->ts, NULL, IFunctionLinear, fp));
    PetscCall(TSSetIJacobian(fp->ts, fp->J, fp->J, IJacobianShift, fp));
  } else {
    PetscCall(TSSetRHSFunction(fp->ts, NULL, TSComputeRHSFunctionLinear, NULL));
    PetscCall(TSSetRHSJacobian(fp->ts, fp->A, fp->A, TSComputeRHSJacobianConstant, NULL));
  }
  PetscCall(VecDuplicate(fp->P, &fp->Pold));
  PetscCall(DMCreateLocalVector(fp->da, &fp->Ploc));
  PetscCall(TSSetSolution(fp->ts, fp->P));
  PetscCall(TSSetTime(fp->ts, 0));
  PetscCall(TSSetUp(fp->ts));

  PetscCall(PetscMalloc5(fp->nt, &fp->t, fp->nt, &fp->mass, fp->nt, &fp->mean, fp->nt, &fp->std, fp->nt, &fp->escaped));
  PetscCall(PetscMalloc2(fp->nt, &fp->escaped_left, fp->nt, &fp->escaped_right));
  PetscCall(PetscCalloc1(fp->save_P ? fp->nt * fp->xm : 1, &fp->Psnap));
  for (PetscInt k = 0; k < fp->nt; k++) fp->t[k] = k == fp->nt - 1 ? fp->t_final : fp->t_final * k / (fp->nt - 1);
  fp->setup = PETSC_TRUE;
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

static PetscErrorCode Record(OdFP fp, PetscInt k)
{
  PetscFunctionBegin;
  PetscCall(Moments(fp, fp->P, &fp->mass[k], &fp->mean[k], &fp->std[k]));
  if (k == 0) fp->mass0 = fp->mass[0];
  if (fp->conservative) {
    PetscReal l[3] = {fp->esc_left, fp->esc_right, fp->clipped}, g[3];
    PetscCallMPI(MPI_Allreduce(l, g, 3, MPIU_REAL, MPIU_SUM, fp->comm));
    fp->escaped_left[k] = g[0], fp->escaped_right[k] = g[1], fp->clipped_total = g[2];
    fp->escaped[k] = g[0] + g[1];
  } else {
    /* other TS types: split the lost mass by boundary type (both absorbing: unknown split) */
    const PetscReal lost = fp->mass0 - fp->mass[k];
    fp->escaped[k] = lost;
    fp->escaped_left[k] = fp->left == OD_FP_ABSORBING && fp->right != OD_FP_ABSORBING ? lost : NAN;
    fp->escaped_right[k] = fp->right == OD_FP_ABSORBING && fp->left != OD_FP_ABSORBING ? lost : NAN;
  }
  fp->mass_drift = PetscMax(fp->mass_drift, PetscAbsReal(fp->mass[k] + fp->escaped[k] - fp->mass0) / fp->mass0);
  if (fp->save_P) {
    const PetscScalar *p;
    PetscCall(VecGetArrayRead(fp->P, &p));
    PetscCall(PetscArraycpy(fp->Psnap + k * fp->xm, p, fp->xm));
    PetscCall(VecRestoreArrayRead(fp->P, &p));
  }
  PetscFunctionReturn(0);
}

/* The analytic P_inf = S2^-alpha exp(-int 2G/(T S2)) at the cell centres (normalized on the
   grid), when S2 > 0 at every node used. */
static PetscErrorCode StationaryFormula(OdFP fp)
{
  PetscReal *phi, total = 0, offset = 0, lmax = -PETSC_MAX_REAL, gmax, sum = 0, gsum;
  int ok = 1, gok;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(fp->xm, &fp->formula));
  PetscCall(PetscMalloc1(fp->xm, &phi));
  for (PetscInt k = 0; k < fp->xm; k++) {
    const PetscInt i = fp->xs + k;
    const PetscReal x = fp->Wmin + (i + 0.5) * fp->h;
    phi[k] = total;
    if (i < fp->n - 1) {
      const PetscReal d = PotentialDrop(fp, x, x + fp->h);
      if (!isfinite(d)) ok = 0;
      total += d;
    }
  }
  PetscCallMPI(MPI_Allreduce(&ok, &gok, 1, MPI_INT, MPI_LAND, fp->comm));
  fp->formula_ok = gok ? PETSC_TRUE : PETSC_FALSE;
  if (!gok) {
    PetscCall(PetscFree(phi));
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Exscan(&total, &offset, 1, MPIU_REAL, MPIU_SUM, fp->comm));
  if (!fp->rank) offset = 0;
  for (PetscInt k = 0; k < fp->xm; k++) phi[k] = -(phi[k] + offset), lmax = PetscMax(lmax, phi[k]);
  PetscCallMPI(MPI_Allreduce(&lmax, &gmax, 1, MPIU_REAL, MPIU_MAX, fp->comm));
  for (PetscInt k = 0; k < fp->xm; k++) fp->formula[k] = exp(phi[k] - gmax), sum += fp->formula[k];
  PetscCallMPI(MPI_Allreduce(&sum, &gsum, 1, MPIU_REAL, MPIU_SUM, fp->comm));
  for (PetscInt k = 0; k < fp->xm; k++) fp->formula[k] /= gsum * fp->h;
  PetscCall(PetscFree(phi));
  PetscFunctionReturn(0);
}

/* Exact discrete zero-flux state in log space: a_f P_{f-1} = c_f P_f on every interior face, so
   log P_f - log P_{f-1} = log a_f - log c_f (= Pe_f where D > 0; +-inf where the face is pure
   upwind). Used when the LU solve breaks down (numerically reducible chains: S2 underflows and
   whole regions only drain into GD fixed points). Computed on rank 0 from the gathered faces. */
static PetscErrorCode StationaryZeroFlux(OdFP fp, Vec Pst)
{
  Vec lr, lr0;
  VecScatter sc;
  PetscScalar *l;
  PetscFunctionBegin;
  PetscCall(VecDuplicate(fp->P, &lr));
  PetscCall(VecGetArray(lr, &l));
  for (PetscInt k = 0; k < fp->xm; k++) { /* ratio across the face on the left of cell xs + k */
    const PetscReal a = fp->af[k], c = fp->cf[k];
    l[k] = (fp->xs + k == 0) ? 0 : (a == 0 && c == 0) ? 0 : log(a) - log(c);
  }
  PetscCall(VecRestoreArray(lr, &l));
  PetscCall(VecScatterCreateToZero(lr, &sc, &lr0));
  PetscCall(VecScatterBegin(sc, lr, lr0, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, lr, lr0, INSERT_VALUES, SCATTER_FORWARD));
  if (!fp->rank) {
    PetscReal L = 0, mx = -PETSC_INFINITY, sum = 0;
    PetscInt last_reset = 0;
    PetscCall(VecGetArray(lr0, &l));
    for (PetscInt i = 0; i < fp->n; i++) {
      const PetscReal r = l[i];
      if (r == PETSC_INFINITY) { /* everything to the left drains right */
        for (PetscInt j = last_reset; j < i; j++) l[j] = -PETSC_INFINITY;
        last_reset = i;
        L = 0;
      } else L = L + r;
      l[i] = L;
    }
    for (PetscInt i = 0; i < fp->n; i++) mx = PetscMax(mx, l[i]);
    for (PetscInt i = 0; i < fp->n; i++) l[i] = exp(l[i] - mx), sum += l[i];
    for (PetscInt i = 0; i < fp->n; i++) l[i] /= sum * fp->h;
    PetscCall(VecRestoreArray(lr0, &l));
  }
  PetscCall(VecScatterBegin(sc, lr0, Pst, INSERT_VALUES, SCATTER_REVERSE));
  PetscCall(VecScatterEnd(sc, lr0, Pst, INSERT_VALUES, SCATTER_REVERSE));
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&lr0));
  PetscCall(VecDestroy(&lr));
  PetscFunctionReturn(0);
}

/* rho = 0 with the normalization h sum P = 1 replacing the last row; direct LU. */
static PetscErrorCode SolveStationary(OdFP fp)
{
  Mat M;
  Vec b;
  PetscInt *dnnz, *onnz, rstart, rend;
  const PetscInt n = fp->n;
  double t0 = MPI_Wtime();
  PetscFunctionBegin;
  PetscCall(MatGetOwnershipRange(fp->A, &rstart, &rend));
  PetscCall(PetscMalloc2(rend - rstart, &dnnz, rend - rstart, &onnz));
  for (PetscInt r = rstart; r < rend; r++) {
    dnnz[r - rstart] = r == n - 1 ? rend - rstart : 3;
    onnz[r - rstart] = r == n - 1 ? n - (rend - rstart) : 2;
  }
  PetscCall(MatCreateAIJ(fp->comm, rend - rstart, rend - rstart, n, n, 0, dnnz, 0, onnz, &M));
  PetscCall(PetscFree2(dnnz, onnz));
  for (PetscInt r = rstart; r < rend; r++) {
    if (r == n - 1) continue;
    PetscInt ncols;
    const PetscInt *cols;
    const PetscScalar *vals;
    PetscCall(MatGetRow(fp->A, r, &ncols, &cols, &vals));
    PetscCall(MatSetValues(M, 1, &r, ncols, cols, vals, INSERT_VALUES));
    PetscCall(MatRestoreRow(fp->A, r, &ncols, &cols, &vals));
  }
  if (rend == n) {
    PetscInt *cols;
    PetscScalar *vals;
    const PetscInt r = n - 1;
    PetscCall(PetscMalloc2(n, &cols, n, &vals));
    for (PetscInt j = 0; j < n; j++) cols[j] = j, vals[j] = 1;
    PetscCall(MatSetValues(M, 1, &r, n, cols, vals, INSERT_VALUES));
    PetscCall(PetscFree2(cols, vals));
  }
  PetscCall(MatAssemblyBegin(M, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(M, MAT_FINAL_ASSEMBLY));
  PetscCall(VecDuplicate(fp->P, &fp->Pstat));
  PetscCall(PetscObjectSetName((PetscObject)fp->Pstat, "P_stationary"));
  PetscCall(VecDuplicate(fp->P, &b));
  PetscCall(VecSet(b, 0));
  if (rend == n) PetscCall(VecSetValue(b, n - 1, 1 / fp->h, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(b));
  PetscCall(VecAssemblyEnd(b));
  PetscCall(KSPSetOperators(fp->kstat, M, M));
  PetscCall(KSPSolve(fp->kstat, b, fp->Pstat));
  {
    KSPConvergedReason reason;
    PetscReal pmin;
    PetscCall(KSPGetConvergedReason(fp->kstat, &reason));
    PetscCall(VecMin(fp->Pstat, NULL, &pmin));
    fp->stat_method = "ksp";
    if (reason <= 0 || !(pmin > -1e-8) || PetscIsInfOrNanReal(pmin)) {
      PetscCall(PetscInfo(fp->kstat, "stationary KSP solve failed (%s, min %g): zero-flux recursion\n", KSPConvergedReasons[reason], (double)pmin));
      PetscCall(StationaryZeroFlux(fp, fp->Pstat));
      fp->stat_method = "zero-flux recursion";
    }
    /* reliability: where S2 vanishes at a minimum inside the domain (the seed landscape at W = 2)
       the stationary state is a point mass, which no density on the grid represents: say so
       instead of writing NaN */
    PetscReal nrm;
    PetscCall(VecNorm(fp->Pstat, NORM_1, &nrm));
    PetscCheck(!PetscIsInfOrNanReal(nrm), fp->comm, PETSC_ERR_USER_INPUT, "option -fp_stationary is not allowed for this landscape: S2 vanishes at a minimum inside [-fp_Wmin, -fp_Wmax] = [%g, %g], so the stationary state is a point mass there and has no density on the grid; run without -fp_stationary (nothing was written)", (double)fp->Wmin, (double)fp->Wmax);
  }
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&M));
  PetscCall(StationaryFormula(fp));
  if (fp->formula_ok) {
    const PetscScalar *p;
    PetscReal l[2] = {0, 0}, g[2];
    PetscCall(VecGetArrayRead(fp->Pstat, &p));
    for (PetscInt k = 0; k < fp->xm; k++) l[0] += PetscAbsReal(p[k] - fp->formula[k]) * fp->h, l[1] = PetscMax(l[1], fp->formula[k]);
    PetscCall(VecRestoreArrayRead(fp->Pstat, &p));
    PetscCallMPI(MPI_Allreduce(&l[0], &g[0], 1, MPIU_REAL, MPIU_SUM, fp->comm));
    PetscCallMPI(MPI_Allreduce(&l[1], &g[1], 1, MPIU_REAL, MPIU_MAX, fp->comm));
    fp->stat_L1 = g[0];
    {
      PetscReal e = 0, ge;
      PetscCall(VecGetArrayRead(fp->Pstat, &p));
      for (PetscInt k = 0; k < fp->xm; k++) e = PetscMax(e, PetscAbsReal(p[k] - fp->formula[k]));
      PetscCall(VecRestoreArrayRead(fp->Pstat, &p));
      PetscCallMPI(MPI_Allreduce(&e, &ge, 1, MPIU_REAL, MPIU_MAX, fp->comm));
      fp->stat_Linf_rel = ge / g[1];
    }
  }
  fp->wall_stat = MPI_Wtime() - t0;
  PetscFunctionReturn(0);
}

/* Step the TS to exactly t_end. The loop is ours (TSStep, not TSSolve) so that the flux-form
   update after each backward-Euler step does not count as a user change of the solution, which
   would make TSSolve restart the step-size controller at every step. Steps are shortened to
   land on t_end; the step size proposed before shortening is restored afterwards. */
static PetscErrorCode Advance(OdFP fp, PetscReal t_end)
{
  PetscReal t, dt, dt_keep = 0, tprev, m;
  TSConvergedReason reason;
  PetscFunctionBegin;
  PetscCall(TSGetTime(fp->ts, &t));
  while (t < t_end - 1e-12 * PetscMax(1, PetscAbsReal(t_end))) {
    PetscCall(TSGetTimeStep(fp->ts, &dt));
    if (dt_keep > dt) dt = dt_keep;
    dt_keep = 0;
    if (t + dt >= t_end - 1e-10 * dt) {
      dt_keep = dt;
      dt = t_end - t;
    }
    PetscCall(TSSetTimeStep(fp->ts, dt));
    if (fp->conservative) PetscCall(VecCopy(fp->P, fp->Pold));
    tprev = t;
    PetscCall(TSStep(fp->ts));
    PetscCall(TSGetConvergedReason(fp->ts, &reason));
    PetscCheck(reason >= 0, fp->comm, PETSC_ERR_NOT_CONVERGED, "time integration failed at t = %g (TS reason %s)", (double)tprev, TSConvergedReasons[reason]);
    PetscCall(TSGetTime(fp->ts, &t));
    if (fp->conservative) PetscCall(ConservativeUpdate(fp, fp->P, t - tprev));
    PetscCall(VecMin(fp->P, NULL, &m));
    fp->P_min = PetscMin(fp->P_min, m);
    fp->steps++;
    PetscCall(TSMonitor(fp->ts, fp->steps, t, fp->P));
  }
  PetscCall(TSSetTime(fp->ts, t_end)); /* remove the 1e-12 slack */
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPRun(OdFP fp)
{
  OdProgress prog;
  double t0;
  PetscFunctionBegin;
  PetscCheck(fp->setup, fp->comm, PETSC_ERR_ORDER, "call OdFPSetUp() first");
  fp->P_min = PETSC_MAX_REAL;
  fp->steps = 0;
  fp->mass_drift = 0;
  fp->esc_left = fp->esc_right = fp->clipped = 0;
  PetscCall(VecMin(fp->P, NULL, &fp->P_min));
  PetscCall(Record(fp, 0));
  OdProgressStart(&prog, fp->comm, "fp", fp->t_final, 0, fp->quiet);
  t0 = MPI_Wtime();
  PetscCall(TSMonitor(fp->ts, 0, 0, fp->P));
  for (PetscInt k = 1; k < fp->nt; k++) {
    PetscCall(Advance(fp, fp->t[k]));
    PetscCall(Record(fp, k));
    PetscCall(OdProgressUpdate(&prog, fp->t[k]));
  }
  fp->wall_ts = MPI_Wtime() - t0;
  PetscCall(OdProgressFinish(&prog));
  if (fp->stationary) PetscCall(SolveStationary(fp));
  if (fp->validate) {
    t0 = MPI_Wtime();
    PetscCall(OdFPRunMonteCarlo(fp));
    fp->wall_mc = MPI_Wtime() - t0;
  }
  fp->ran = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPGetHistory(OdFP fp, OdFPHistory *h)
{
  PetscFunctionBegin;
  h->nt = fp->nt;
  h->t = fp->t, h->mass = fp->mass, h->mean = fp->mean, h->std = fp->std, h->escaped = fp->escaped;
  h->P_min = fp->P_min;
  h->mass_drift = fp->mass_drift;
  h->steps = fp->steps;
  h->factorizations = fp->factorizations;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPGetMonteCarlo(OdFP fp, OdFPMonteCarloResult *mc)
{
  const PetscInt nt = fp->nt;
  PetscFunctionBegin;
  PetscCheck(fp->mc, fp->comm, PETSC_ERR_ORDER, "no Monte Carlo results: run with -fp_validate");
  mc->walkers = fp->mc_walkers;
  mc->step = fp->mc, mc->mean = fp->mc + nt, mc->mean_err = fp->mc + 2 * nt, mc->std = fp->mc + 3 * nt, mc->std_err = fp->mc + 4 * nt;
  mc->escaped = fp->mc + 5 * nt, mc->esc_lo = fp->mc + 6 * nt, mc->esc_hi = fp->mc + 7 * nt;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPGetGrid(OdFP fp, PetscInt *n, PetscReal *Wmin, PetscReal *h, DM *da)
{
  PetscFunctionBegin;
  if (n) *n = fp->n;
  if (Wmin) *Wmin = fp->Wmin;
  if (h) *h = fp->h;
  if (da) *da = fp->da;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPGetSolution(OdFP fp, Vec *P, Vec *Pstat)
{
  PetscFunctionBegin;
  if (P) *P = fp->P;
  if (Pstat) *Pstat = fp->Pstat;
  PetscFunctionReturn(0);
}
