/* optdyn fp -fp_dim 2: the 2-D probability-current model on a 2-D DMDA (SPEC §3).
   Discretization and conventions: include/optdyn/fp2d.h and docs/fp.md ("2-D"). */
#include <math.h>
#include <string.h>
#include "optdyn/fp.h"
#include "optdyn/fp2d.h"
#include "optdyn/options.h"
#include "optdyn/output.h"
#include "optdyn/progress.h"
#include "optdyn/budget.h"

static const char *const OdFP2DCrossNames[] = {"limited", "full"};

struct _n_OdFP2D {
  MPI_Comm comm;
  PetscMPIInt rank, size;
  OdLandscape2D ls;
  OdOutput output;
  uint32_t seed;
  PetscBool quiet, save_P, reuse;
  PetscReal T, alpha, noise, xmin, xmax, ymin, ymax, t_final, dt0, mean0[2], std0[2];
  PetscInt nx, ny, nt;
  DM da;
  Mat A, J;
  TS ts;
  Vec P, Pold, Ploc;
  PetscInt xs, ys, xm, ym, gxs, gys, gxm, gym;
  PetscReal hx, hy;
  PetscReal *exa, *exc, *eya, *eyc, *wb; /* edge rates of the cells of the ghosted box */
  PetscReal *div;
  PetscReal jac_shift;
  PetscBool conservative, setup, ran;
  /* results */
  PetscReal *t, *mass, *mean, *cov, *Psnap; /* Psnap on rank 0: [nt][ny][nx] */
  PetscReal P_min, mass_drift, mass0;
  PetscInt steps, negative, edges, factorizations, limited;
  PetscReal theta_min;
  PetscBool cross_limited;
  PetscInt cross;
  double wall_ts;
};

PetscErrorCode OdFP2DCreate(MPI_Comm comm, OdFP2D *out)
{
  OdFP2D fp;
  PetscFunctionBegin;
  PetscCall(PetscNew(&fp));
  fp->comm = comm;
  PetscCallMPI(MPI_Comm_rank(comm, &fp->rank));
  PetscCallMPI(MPI_Comm_size(comm, &fp->size));
  fp->T = 0.1;
  fp->alpha = 1;
  fp->noise = 1;
  fp->nx = fp->ny = 64;
  fp->xmin = fp->ymin = -2;
  fp->xmax = fp->ymax = 2;
  fp->t_final = 200;
  fp->nt = 11;
  fp->mean0[0] = 1, fp->mean0[1] = -1;
  fp->std0[0] = fp->std0[1] = 0.3;
  fp->save_P = PETSC_TRUE;
  fp->reuse = PETSC_TRUE;
  fp->jac_shift = NAN;
  PetscCall(OdLandscape2DCreate(comm, &fp->ls));
  PetscCall(OdOutputCreate(comm, &fp->output));
  *out = fp;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFP2DDestroy(OdFP2D *fpp)
{
  OdFP2D fp = *fpp;
  PetscFunctionBegin;
  if (!fp) PetscFunctionReturn(0);
  PetscCall(OdLandscape2DDestroy(&fp->ls));
  PetscCall(OdOutputDestroy(&fp->output));
  PetscCall(TSDestroy(&fp->ts));
  PetscCall(MatDestroy(&fp->A));
  PetscCall(MatDestroy(&fp->J));
  PetscCall(VecDestroy(&fp->P));
  PetscCall(VecDestroy(&fp->Pold));
  PetscCall(VecDestroy(&fp->Ploc));
  PetscCall(DMDestroy(&fp->da));
  PetscCall(PetscFree5(fp->exa, fp->exc, fp->eya, fp->eyc, fp->wb));
  PetscCall(PetscFree(fp->div));
  PetscCall(PetscFree4(fp->t, fp->mass, fp->mean, fp->cov));
  PetscCall(PetscFree(fp->Psnap));
  PetscCall(PetscFree(fp));
  *fpp = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFP2DSetFromOptions(OdFP2D fp)
{
  PetscInt n2;
  PetscBool set;
  PetscFunctionBegin;
  PetscCall(OdLandscape2DSetFromOptions(fp->ls));
  PetscCall(OdOptionsSeed(fp->comm, &fp->seed));
  PetscCall(OdOutputSetFromOptions(fp->output, "fp2d.h5"));
  PetscOptionsBegin(fp->comm, NULL, "Progress", NULL);
  PetscCall(OdOptionsBool(PetscOptionsObject, "-quiet", "No progress lines", &fp->quiet, NULL));
  PetscOptionsEnd();
  PetscOptionsBegin(fp->comm, "fp_", "2-D Fokker-Planck solver (-fp_dim 2)", NULL);
  PetscCall(OdOptionsReal(PetscOptionsObject, "-T", "Learning rate T", OD_RANGE_POSITIVE, &fp->T, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-alpha", "Noise convention: 1 Ito, 0.5 Stratonovich, 0 isothermal", OD_RANGE_CLOSED(0, 1), &fp->alpha, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-noise", "Scale of the gradient covariance (0: GD only)", OD_RANGE_NONNEGATIVE, &fp->noise, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-nx", "Cells in x", OD_RANGE_AT_LEAST(2), &fp->nx, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-ny", "Cells in y", OD_RANGE_AT_LEAST(2), &fp->ny, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-xmin", "Domain: left end in x", OD_RANGE_ANY, &fp->xmin, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-xmax", "Domain: right end in x", OD_RANGE_ANY, &fp->xmax, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-ymin", "Domain: lower end in y", OD_RANGE_ANY, &fp->ymin, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-ymax", "Domain: upper end in y", OD_RANGE_ANY, &fp->ymax, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-t_final", "Final time (SGD steps)", OD_RANGE_POSITIVE, &fp->t_final, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-nt", "Output times, evenly spaced over [0, t_final]", OD_RANGE_AT_LEAST(2), &fp->nt, NULL));
  n2 = 2;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-init_mean", "Mean x,y of the truncated normal initial density", OD_RANGE_ANY, 2, fp->mean0, &n2, &set));
  PetscCheck(!set || n2 == 2, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_init_mean is not allowed with %" PetscInt_FMT " values: give x,y", n2);
  n2 = 2;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-init_std", "Standard deviations x,y of the truncated normal initial density", OD_RANGE_POSITIVE, 2, fp->std0, &n2, &set));
  PetscCheck(!set || n2 == 2, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_init_std is not allowed with %" PetscInt_FMT " values: give sx,sy", n2);
  PetscCall(OdOptionsBool(PetscOptionsObject, "-save_P", "Write the density snapshots /fp2d/P [nt, ny, nx]", &fp->save_P, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-cross", "Cross diffusion: limited (block weights scaled down where needed to keep the M-matrix) or full (sign-adapted 7-point stencil everywhere)", OdFP2DCrossNames, 2, &fp->cross, NULL));
  fp->cross_limited = fp->cross == 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(OdOptionsBool(PetscOptionsObject, "-reuse_factor", "Backward Euler: factor (I/dt - A) once per distinct step size", &fp->reuse, NULL));
  fp->dt0 = fp->t_final / (10 * (fp->nt - 1));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-dt", "Time step (default t_final/(10 (nt - 1)); -ts_dt overrides)", OD_RANGE_POSITIVE, &fp->dt0, NULL));
  PetscOptionsEnd();

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
    PetscCall(TSAdaptSetType(adapt, TSADAPTNONE));
    PetscCall(TSGetSNES(fp->ts, &snes));
    PetscCall(SNESSetType(snes, SNESKSPONLY));
    PetscCall(SNESGetKSP(snes, &ksp));
    PetscCall(KSPGetPC(ksp, &pc));
    PetscCall(KSPSetType(ksp, KSPPREONLY));
    PetscCall(PCSetType(pc, PCLU));
    /* 1 rank: PETSc LU without pivoting (nested dissection ordering; the LU of an M-matrix
       needs no pivoting and keeps the solution >= 0); several ranks: MUMPS, factored once per
       step size */
    if (fp->size > 1) PetscCall(PCFactorSetMatSolverType(pc, MATSOLVERMUMPS));
  }
  PetscCall(TSSetFromOptions(fp->ts));
  PetscFunctionReturn(0);
}

/* v (drift) and D (diffusion tensor xx, xy, yy) at (x, y). */
static void DriftDiffusion(OdFP2D fp, PetscReal x, PetscReal y, PetscReal v[2], PetscReal D[3])
{
  OdLandscape2DMoments m;
  OdLandscape2DGetMoments(fp->ls, x, y, &m);
  const PetscReal T2 = 0.5 * fp->T * fp->T * fp->noise;
  v[0] = -fp->T * m.G[0] - fp->alpha * T2 * (m.dS[0][0] + m.dS[1][1]);
  v[1] = -fp->T * m.G[1] - fp->alpha * T2 * (m.dS[1][0] + m.dS[2][1]);
  for (int k = 0; k < 3; k++) D[k] = T2 * m.S[k];
}

/* signed D_xy at the vertex shared by cells (i, j), (i+1, j), (i, j+1), (i+1, j+1), over hx hy */
static PetscReal BlockWeight(OdFP2D fp, PetscInt i, PetscInt j)
{
  PetscReal v[2], D[3];
  if (i < 0 || j < 0 || i >= fp->nx - 1 || j >= fp->ny - 1) return 0;
  DriftDiffusion(fp, fp->xmin + (i + 1) * fp->hx, fp->ymin + (j + 1) * fp->hy, v, D);
  return D[1] / (fp->hx * fp->hy);
}

#define OWNED(fp, i, j) ((i) >= (fp)->xs && (i) < (fp)->xs + (fp)->xm && (j) >= (fp)->ys && (j) < (fp)->ys + (fp)->ym)

/* Rates of the edges owned by the cells of the ghosted box (see fp2d.h):
   exa/exc: (i,j)->(i+1,j) and back, eya/eyc: (i,j)->(i,j+1) and back, each the
   Scharfetter-Gummel rate minus half the cross weight of the (up to two) blocks sharing the
   side; wb: cross edge of block (i, j) (wb > 0: (i,j)<->(i+1,j+1); wb < 0: (i+1,j)<->(i,j+1);
   rate |wb|). With -fp_cross limited each block weight is scaled by theta in [0, 1], the largest
   value that keeps all four of its sides' rates >= 0 (M-matrix). Everything is a function of
   global indices only, computed on a box two cells wider than the ghosted box. */
typedef struct {
  PetscInt X0, Y0, EX, EY;
  PetscReal *xa, *xc, *ya, *yc, *w;
} Rates;
#define RI(r, i, j) (((j) - (r)->Y0) * (r)->EX + ((i) - (r)->X0))
static PetscBool InBox(const Rates *r, PetscInt i, PetscInt j) { return i >= r->X0 && i < r->X0 + r->EX && j >= r->Y0 && j < r->Y0 + r->EY; }
static PetscReal W_(const Rates *r, PetscInt i, PetscInt j) { return InBox(r, i, j) ? PetscAbsReal(r->w[RI(r, i, j)]) : 0; }
/* the fraction of the cross demand on side (x edge of cell (i, j) when dir 0, y edge when 1) it can carry */
static PetscReal Rho(OdFP2D fp, const Rates *r, int dir, PetscInt i, PetscInt j)
{
  if (!InBox(r, i, j) || i < 0 || j < 0 || i >= fp->nx || j >= fp->ny) return 1;
  if (dir == 0 && i >= fp->nx - 1) return 1;
  if (dir == 1 && j >= fp->ny - 1) return 1;
  const PetscInt k = RI(r, i, j);
  const PetscReal cap = dir == 0 ? PetscMin(r->xa[k], r->xc[k]) : PetscMin(r->ya[k], r->yc[k]);
  const PetscReal dem = dir == 0 ? 0.5 * (W_(r, i, j) + W_(r, i, j - 1)) : 0.5 * (W_(r, i, j) + W_(r, i - 1, j));
  return dem > cap ? cap / dem : 1;
}
static PetscReal Theta(OdFP2D fp, const Rates *r, PetscInt i, PetscInt j)
{
  if (!fp->cross_limited) return 1;
  return PetscMin(PetscMin(Rho(fp, r, 0, i, j), Rho(fp, r, 0, i, j + 1)), PetscMin(Rho(fp, r, 1, i, j), Rho(fp, r, 1, i + 1, j)));
}

static PetscErrorCode EdgeRates(OdFP2D fp)
{
  Rates r;
  const PetscReal hx = fp->hx, hy = fp->hy;
  PetscInt limited = 0;
  PetscReal thmin = 1;
  PetscFunctionBegin;
  r.X0 = fp->gxs - 2, r.Y0 = fp->gys - 2, r.EX = fp->gxm + 4, r.EY = fp->gym + 4;
  const PetscInt nb = r.EX * r.EY;
  PetscCall(PetscMalloc5(nb, &r.xa, nb, &r.xc, nb, &r.ya, nb, &r.yc, nb, &r.w));
  for (PetscInt j = r.Y0; j < r.Y0 + r.EY; j++)
    for (PetscInt i = r.X0; i < r.X0 + r.EX; i++) {
      const PetscInt k = RI(&r, i, j);
      PetscReal v[2], D[3], a, c;
      r.xa[k] = r.xc[k] = r.ya[k] = r.yc[k] = r.w[k] = 0;
      if (i < 0 || j < 0 || i >= fp->nx || j >= fp->ny) continue;
      if (i < fp->nx - 1) {
        DriftDiffusion(fp, fp->xmin + (i + 1) * hx, fp->ymin + (j + 0.5) * hy, v, D);
        OdFPFaceCoefficients(v[0], D[0], hx, D[0] > 0 ? v[0] * hx / D[0] : 0, &a, &c);
        r.xa[k] = a / hx, r.xc[k] = c / hx;
      }
      if (j < fp->ny - 1) {
        DriftDiffusion(fp, fp->xmin + (i + 0.5) * hx, fp->ymin + (j + 1) * hy, v, D);
        OdFPFaceCoefficients(v[1], D[2], hy, D[2] > 0 ? v[1] * hy / D[2] : 0, &a, &c);
        r.ya[k] = a / hy, r.yc[k] = c / hy;
      }
      r.w[k] = BlockWeight(fp, i, j);
    }
  for (PetscInt j = fp->gys; j < fp->gys + fp->gym; j++)
    for (PetscInt i = fp->gxs; i < fp->gxs + fp->gxm; i++) {
      const PetscInt g = (j - fp->gys) * fp->gxm + (i - fp->gxs), k = RI(&r, i, j);
      const PetscReal th = Theta(fp, &r, i, j);
      const PetscReal sx = 0.5 * (th * W_(&r, i, j) + Theta(fp, &r, i, j - 1) * W_(&r, i, j - 1));
      const PetscReal sy = 0.5 * (th * W_(&r, i, j) + Theta(fp, &r, i - 1, j) * W_(&r, i - 1, j));
      fp->exa[g] = i < fp->nx - 1 ? r.xa[k] - sx : 0;
      fp->exc[g] = i < fp->nx - 1 ? r.xc[k] - sx : 0;
      fp->eya[g] = j < fp->ny - 1 ? r.ya[k] - sy : 0;
      fp->eyc[g] = j < fp->ny - 1 ? r.yc[k] - sy : 0;
      if (fp->cross_limited) { /* theta makes these >= 0 up to the rounding of cap/dem*dem */
        fp->exa[g] = PetscMax(fp->exa[g], 0), fp->exc[g] = PetscMax(fp->exc[g], 0);
        fp->eya[g] = PetscMax(fp->eya[g], 0), fp->eyc[g] = PetscMax(fp->eyc[g], 0);
      }
      fp->wb[g] = th * r.w[k];
      if (OWNED(fp, i, j) && r.w[k] != 0 && th < 1) limited++, thmin = PetscMin(thmin, th);
    }
  PetscCall(PetscFree5(r.xa, r.xc, r.ya, r.yc, r.w));
  PetscCallMPI(MPI_Allreduce(&limited, &fp->limited, 1, MPIU_INT, MPI_SUM, fp->comm));
  PetscCallMPI(MPI_Allreduce(&thmin, &fp->theta_min, 1, MPIU_REAL, MPIU_MIN, fp->comm));
  PetscFunctionReturn(0);
}

/* Visit the edges of the ghosted box: fn(p, q, r_pq, r_qp) with cells as (i, j) pairs. */
#define FOR_EDGES(fp, ...) \
  for (PetscInt gj = (fp)->gys; gj < (fp)->gys + (fp)->gym; gj++) \
    for (PetscInt gi = (fp)->gxs; gi < (fp)->gxs + (fp)->gxm; gi++) { \
      const PetscInt g = (gj - (fp)->gys) * (fp)->gxm + (gi - (fp)->gxs); \
      PetscInt pi, pj, qi, qj; \
      PetscReal rpq, rqp; \
      for (int e = 0; e < 3; e++) { \
        if (e == 0) { \
          if (gi >= (fp)->nx - 1) continue; \
          pi = gi, pj = gj, qi = gi + 1, qj = gj, rpq = (fp)->exa[g], rqp = (fp)->exc[g]; \
        } else if (e == 1) { \
          if (gj >= (fp)->ny - 1) continue; \
          pi = gi, pj = gj, qi = gi, qj = gj + 1, rpq = (fp)->eya[g], rqp = (fp)->eyc[g]; \
        } else { \
          const PetscReal w = (fp)->wb[g]; \
          if (w == 0) continue; \
          if (w > 0) pi = gi, pj = gj, qi = gi + 1, qj = gj + 1; \
          else pi = gi + 1, pj = gj, qi = gi, qj = gj + 1; \
          rpq = rqp = PetscAbsReal(w); \
        } \
        __VA_ARGS__ \
      } \
    }

static PetscErrorCode Assemble(OdFP2D fp)
{
  const PetscInt nb = fp->gxm * fp->gym, no = fp->xm * fp->ym;
  PetscReal *coef;
  PetscInt neg = 0, edges = 0;
  PetscFunctionBegin;
  PetscCall(PetscMalloc5(nb, &fp->exa, nb, &fp->exc, nb, &fp->eya, nb, &fp->eyc, nb, &fp->wb));
  PetscCall(EdgeRates(fp));
  PetscCall(PetscCalloc1(9 * no, &coef));
  PetscCall(PetscCalloc1(no, &fp->div));
  FOR_EDGES(fp, {
    if (OWNED(fp, pi, pj)) {
      PetscReal *c = coef + 9 * ((pj - fp->ys) * fp->xm + (pi - fp->xs));
      c[4] -= rpq;
      c[(qj - pj + 1) * 3 + (qi - pi + 1)] += rqp;
    }
    if (OWNED(fp, qi, qj)) {
      PetscReal *c = coef + 9 * ((qj - fp->ys) * fp->xm + (qi - fp->xs));
      c[4] -= rqp;
      c[(pj - qj + 1) * 3 + (pi - qi + 1)] += rpq;
    }
    if (OWNED(fp, gi, gj)) { /* count each edge once, by its owner cell */
      edges += 2;
      neg += (rpq < 0) + (rqp < 0);
    }
  })
  PetscCall(DMCreateMatrix(fp->da, &fp->A));
  PetscCall(MatSetOption(fp->A, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
  for (PetscInt j = fp->ys; j < fp->ys + fp->ym; j++)
    for (PetscInt i = fp->xs; i < fp->xs + fp->xm; i++) {
      const PetscReal *c = coef + 9 * ((j - fp->ys) * fp->xm + (i - fp->xs));
      MatStencil row = {0}, col[9];
      PetscScalar val[9];
      PetscInt nc = 0;
      row.i = i, row.j = j;
      for (int dj = -1; dj <= 1; dj++)
        for (int di = -1; di <= 1; di++) {
          if (i + di < 0 || i + di >= fp->nx || j + dj < 0 || j + dj >= fp->ny) continue;
          col[nc].i = i + di, col[nc].j = j + dj, col[nc].k = 0, col[nc].c = 0;
          val[nc++] = c[(dj + 1) * 3 + (di + 1)];
        }
      PetscCall(MatSetValuesStencil(fp->A, 1, &row, nc, col, val, INSERT_VALUES));
    }
  PetscCall(MatAssemblyBegin(fp->A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(fp->A, MAT_FINAL_ASSEMBLY));
  PetscCall(PetscFree(coef));
  {
    PetscInt l[2] = {neg, edges}, gl[2];
    PetscCallMPI(MPI_Allreduce(l, gl, 2, MPIU_INT, MPI_SUM, fp->comm));
    fp->negative = gl[0], fp->edges = gl[1];
  }
  PetscFunctionReturn(0);
}

/* Backward Euler in flux form: P = Pold + dt sum_edges (inflow - outflow) with the edge fluxes
   of the new state; every edge flux is computed once per rank with the same arithmetic for
   both of its cells, so the update telescopes (mass changes only by round-off of the sum). */
static PetscErrorCode ConservativeUpdate(OdFP2D fp, Vec U, PetscReal dt)
{
  const PetscScalar **pl;
  const PetscScalar *po;
  PetscScalar *p;
  PetscFunctionBegin;
  PetscCall(DMGlobalToLocal(fp->da, U, INSERT_VALUES, fp->Ploc));
  PetscCall(DMDAVecGetArrayRead(fp->da, fp->Ploc, &pl));
  PetscCall(PetscArrayzero(fp->div, fp->xm * fp->ym));
  FOR_EDGES(fp, {
    const PetscBool op = OWNED(fp, pi, pj), oq = OWNED(fp, qi, qj);
    if (op || oq) {
      const PetscReal f = rpq * pl[pj][pi] - rqp * pl[qj][qi];
      if (op) fp->div[(pj - fp->ys) * fp->xm + (pi - fp->xs)] -= f;
      if (oq) fp->div[(qj - fp->ys) * fp->xm + (qi - fp->xs)] += f;
    }
  })
  PetscCall(DMDAVecRestoreArrayRead(fp->da, fp->Ploc, &pl));
  PetscCall(VecGetArrayRead(fp->Pold, &po));
  PetscCall(VecGetArray(U, &p));
  for (PetscInt k = 0; k < fp->xm * fp->ym; k++) p[k] = po[k] + dt * fp->div[k];
  PetscCall(VecRestoreArray(U, &p));
  PetscCall(VecRestoreArrayRead(fp->Pold, &po));
  PetscFunctionReturn(0);
}

/* Implicit form F = Udot - A U with the Jacobian shift I - A rebuilt only when the shift (1/dt
   for backward Euler) changes: the matrix object is then untouched between steps, so KSP/PC
   keep their factorization. */
static PetscErrorCode IFunction(TS ts, PetscReal t, Vec U, Vec Udot, Vec F, void *ctx)
{
  OdFP2D fp = (OdFP2D)ctx;
  PetscFunctionBegin;
  (void)ts, (void)t;
  PetscCall(MatMult(fp->A, U, F));
  PetscCall(VecAYPX(F, -1, Udot));
  PetscFunctionReturn(0);
}

static PetscErrorCode IJacobian(TS ts, PetscReal t, Vec U, Vec Udot, PetscReal shift, Mat J, Mat B, void *ctx)
{
  OdFP2D fp = (OdFP2D)ctx;
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

static PetscReal CellNormal(PetscReal xl, PetscReal xr, PetscReal m, PetscReal s)
{
  const PetscReal zl = (xl - m) / s, zr = (xr - m) / s;
  return zl > 0 ? 0.5 * (erfc(zl / M_SQRT2) - erfc(zr / M_SQRT2)) : 0.5 * (erfc(-zr / M_SQRT2) - erfc(-zl / M_SQRT2));
}

PetscErrorCode OdFP2DSetUp(OdFP2D fp)
{
  PetscScalar **p;
  PetscReal local = 0, mass;
  PetscInt px, py;
  PetscFunctionBegin;
  PetscCheck(fp->xmax > fp->xmin, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_xmax = %g is not allowed: must be > -fp_xmin = %g", (double)fp->xmax, (double)fp->xmin);
  PetscCheck(fp->ymax > fp->ymin, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_ymax = %g is not allowed: must be > -fp_ymin = %g", (double)fp->ymax, (double)fp->ymin);
  { /* per local cell: 9-point matrix and its factor (fill grows with the grid width), vectors, snapshots */
    char advice[128];
    snprintf(advice, sizeof advice, "-fp_nx = %" PetscInt_FMT ", -fp_ny = %" PetscInt_FMT " (or -fp_nt)", fp->nx, fp->ny);
    PetscCall(OdBudgetCheckMemory(fp->comm, 8.0 * ((double)fp->nx * fp->ny / fp->size * (60.0 + 2.0 * PetscMin(fp->nx, fp->ny) + (fp->save_P ? fp->nt : 0)) + 2.0 * fp->nx * fp->ny), "the 2-D Fokker-Planck grid's matrices and snapshots", advice));
  }
  PetscCheck(fp->nx * fp->ny >= 4 * fp->size, fp->comm, PETSC_ERR_USER_INPUT, "options -fp_nx = %" PetscInt_FMT ", -fp_ny = %" PetscInt_FMT " are not allowed: need at least 4 cells per MPI rank", fp->nx, fp->ny);
  {
    const PetscReal mx = CellNormal(fp->xmin, fp->xmax, fp->mean0[0], fp->std0[0]), my = CellNormal(fp->ymin, fp->ymax, fp->mean0[1], fp->std0[1]);
    PetscCheck(mx * my > 1e-6, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_init_mean = %g,%g is not allowed: the initial normal keeps only %g of its mass in the domain (need > 1e-6)", (double)fp->mean0[0], (double)fp->mean0[1], (double)(mx * my));
  }
  fp->hx = (fp->xmax - fp->xmin) / fp->nx;
  fp->hy = (fp->ymax - fp->ymin) / fp->ny;
  /* split over the ranks: a 1 x size grid of strips along y when it fits, else PETSc's choice */
  px = PETSC_DECIDE, py = PETSC_DECIDE;
  if (fp->ny >= 2 * fp->size) px = 1, py = fp->size;
  PetscCall(DMDACreate2d(fp->comm, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_BOX, fp->nx, fp->ny, px, py, 1, 1, NULL, NULL, &fp->da));
  PetscCall(DMSetUp(fp->da));
  PetscCall(DMDAGetCorners(fp->da, &fp->xs, &fp->ys, NULL, &fp->xm, &fp->ym, NULL));
  PetscCall(DMDAGetGhostCorners(fp->da, &fp->gxs, &fp->gys, NULL, &fp->gxm, &fp->gym, NULL));
  PetscCall(DMCreateGlobalVector(fp->da, &fp->P));
  PetscCall(PetscObjectSetName((PetscObject)fp->P, "P"));
  PetscCall(VecDuplicate(fp->P, &fp->Pold));
  PetscCall(DMCreateLocalVector(fp->da, &fp->Ploc));
  PetscCall(Assemble(fp));

  PetscCall(DMDAVecGetArray(fp->da, fp->P, &p));
  for (PetscInt j = fp->ys; j < fp->ys + fp->ym; j++)
    for (PetscInt i = fp->xs; i < fp->xs + fp->xm; i++) {
      const PetscReal xl = fp->xmin + i * fp->hx, yl = fp->ymin + j * fp->hy;
      p[j][i] = CellNormal(xl, xl + fp->hx, fp->mean0[0], fp->std0[0]) * CellNormal(yl, yl + fp->hy, fp->mean0[1], fp->std0[1]) / (fp->hx * fp->hy);
      local += p[j][i];
    }
  PetscCall(DMDAVecRestoreArray(fp->da, fp->P, &p));
  PetscCallMPI(MPI_Allreduce(&local, &mass, 1, MPIU_REAL, MPIU_SUM, fp->comm));
  PetscCall(VecScale(fp->P, 1 / (mass * fp->hx * fp->hy)));

  PetscCall(TSSetDM(fp->ts, fp->da));
  PetscCall(PetscObjectTypeCompare((PetscObject)fp->ts, TSBEULER, &fp->conservative));
  if (fp->conservative && fp->reuse) {
    PetscCall(MatDuplicate(fp->A, MAT_COPY_VALUES, &fp->J));
    PetscCall(TSSetIFunction(fp->ts, NULL, IFunction, fp));
    PetscCall(TSSetIJacobian(fp->ts, fp->J, fp->J, IJacobian, fp));
  } else {
    PetscCall(TSSetRHSFunction(fp->ts, NULL, TSComputeRHSFunctionLinear, NULL));
    PetscCall(TSSetRHSJacobian(fp->ts, fp->A, fp->A, TSComputeRHSJacobianConstant, NULL));
  }
  PetscCall(TSSetSolution(fp->ts, fp->P));
  PetscCall(TSSetTime(fp->ts, 0));
  PetscCall(TSSetUp(fp->ts));
  PetscCall(PetscMalloc4(fp->nt, &fp->t, fp->nt, &fp->mass, 2 * fp->nt, &fp->mean, 3 * fp->nt, &fp->cov));
  if (fp->save_P && !fp->rank) PetscCall(PetscCalloc1(fp->nt * fp->nx * fp->ny, &fp->Psnap));
  for (PetscInt k = 0; k < fp->nt; k++) fp->t[k] = k == fp->nt - 1 ? fp->t_final : fp->t_final * k / (fp->nt - 1);
  fp->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode Record(OdFP2D fp, PetscInt k)
{
  const PetscScalar **p;
  PetscReal s[3] = {0, 0, 0}, g[3], c[3] = {0, 0, 0}, gc[3];
  PetscFunctionBegin;
  PetscCall(DMDAVecGetArrayRead(fp->da, fp->P, &p));
  for (PetscInt j = fp->ys; j < fp->ys + fp->ym; j++)
    for (PetscInt i = fp->xs; i < fp->xs + fp->xm; i++) {
      const PetscReal x = fp->xmin + (i + 0.5) * fp->hx, y = fp->ymin + (j + 0.5) * fp->hy;
      s[0] += p[j][i], s[1] += p[j][i] * x, s[2] += p[j][i] * y;
    }
  PetscCallMPI(MPI_Allreduce(s, g, 3, MPIU_REAL, MPIU_SUM, fp->comm));
  const PetscReal mx = g[1] / g[0], my = g[2] / g[0];
  for (PetscInt j = fp->ys; j < fp->ys + fp->ym; j++)
    for (PetscInt i = fp->xs; i < fp->xs + fp->xm; i++) {
      const PetscReal dx = fp->xmin + (i + 0.5) * fp->hx - mx, dy = fp->ymin + (j + 0.5) * fp->hy - my;
      c[0] += p[j][i] * dx * dx, c[1] += p[j][i] * dx * dy, c[2] += p[j][i] * dy * dy;
    }
  PetscCall(DMDAVecRestoreArrayRead(fp->da, fp->P, &p));
  PetscCallMPI(MPI_Allreduce(c, gc, 3, MPIU_REAL, MPIU_SUM, fp->comm));
  fp->mass[k] = g[0] * fp->hx * fp->hy;
  fp->mean[2 * k] = mx, fp->mean[2 * k + 1] = my;
  for (int a = 0; a < 3; a++) fp->cov[3 * k + a] = gc[a] / g[0];
  if (k == 0) fp->mass0 = fp->mass[0];
  fp->mass_drift = PetscMax(fp->mass_drift, PetscAbsReal(fp->mass[k] - fp->mass0) / fp->mass0);
  if (fp->save_P) { /* natural ordering (x fastest) gathered on rank 0 */
    Vec nat, z;
    VecScatter sc;
    PetscCall(DMDACreateNaturalVector(fp->da, &nat));
    PetscCall(DMDAGlobalToNaturalBegin(fp->da, fp->P, INSERT_VALUES, nat));
    PetscCall(DMDAGlobalToNaturalEnd(fp->da, fp->P, INSERT_VALUES, nat));
    PetscCall(VecScatterCreateToZero(nat, &sc, &z));
    PetscCall(VecScatterBegin(sc, nat, z, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(sc, nat, z, INSERT_VALUES, SCATTER_FORWARD));
    if (!fp->rank) {
      const PetscScalar *a;
      PetscCall(VecGetArrayRead(z, &a));
      PetscCall(PetscArraycpy(fp->Psnap + k * fp->nx * fp->ny, a, fp->nx * fp->ny));
      PetscCall(VecRestoreArrayRead(z, &a));
    }
    PetscCall(VecScatterDestroy(&sc));
    PetscCall(VecDestroy(&z));
    PetscCall(VecDestroy(&nat));
  }
  PetscFunctionReturn(0);
}

/* Same loop as the 1-D solver: TSStep until t_end, the last step shortened to land on it. */
static PetscErrorCode Advance(OdFP2D fp, PetscReal t_end)
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
      /* within round-off of the planned step: keep it exactly (no refactorization) */
      if (PetscAbsReal(t_end - t - dt) > 1e-12 * dt) dt = t_end - t;
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
  PetscCall(TSSetTime(fp->ts, t_end));
  PetscFunctionReturn(0);
}

PetscErrorCode OdFP2DRun(OdFP2D fp)
{
  OdProgress prog;
  double t0;
  PetscFunctionBegin;
  PetscCheck(fp->setup, fp->comm, PETSC_ERR_ORDER, "call OdFP2DSetUp() first");
  fp->steps = 0;
  fp->mass_drift = 0;
  PetscCall(VecMin(fp->P, NULL, &fp->P_min));
  PetscCall(Record(fp, 0));
  OdProgressStart(&prog, fp->comm, "fp2d", fp->t_final, 0, fp->quiet);
  t0 = MPI_Wtime();
  for (PetscInt k = 1; k < fp->nt; k++) {
    PetscCall(Advance(fp, fp->t[k]));
    PetscCall(Record(fp, k));
    PetscCall(OdProgressUpdate(&prog, fp->t[k]));
  }
  fp->wall_ts = MPI_Wtime() - t0;
  PetscCall(OdProgressFinish(&prog));
  fp->ran = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFP2DGetHistory(OdFP2D fp, OdFP2DHistory *h)
{
  PetscFunctionBegin;
  h->nt = fp->nt;
  h->t = fp->t, h->mass = fp->mass, h->mean = fp->mean, h->cov = fp->cov;
  h->P_min = fp->P_min, h->mass_drift = fp->mass_drift, h->steps = fp->steps;
  h->negative_offdiag = fp->negative;
  h->factorizations = fp->factorizations;
  h->cross_limited = fp->limited;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFP2DGetGrid(OdFP2D fp, PetscInt *nx, PetscInt *ny, DM *da, Vec *P)
{
  PetscFunctionBegin;
  if (nx) *nx = fp->nx;
  if (ny) *ny = fp->ny;
  if (da) *da = fp->da;
  if (P) *P = fp->P;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFP2DWrite(OdFP2D fp)
{
  OdOutput out = fp->output;
  const hsize_t dnt[1] = {(hsize_t)fp->nt}, dm[2] = {(hsize_t)fp->nt, 2}, dc[2] = {(hsize_t)fp->nt, 3};
  char desc[8192];
  PetscFunctionBegin;
  PetscCheck(fp->ran, fp->comm, PETSC_ERR_ORDER, "call OdFP2DRun() first");
  PetscCall(OdOutputOpen(out, "fp", fp->seed));
  PetscCall(OdOutputCreateGroup(out, "/fp2d"));
  {
    PetscReal *x, *y;
    const hsize_t dx[1] = {(hsize_t)fp->nx}, dy[1] = {(hsize_t)fp->ny};
    PetscCall(PetscMalloc2(fp->nx, &x, fp->ny, &y));
    for (PetscInt i = 0; i < fp->nx; i++) x[i] = fp->xmin + (i + 0.5) * fp->hx;
    for (PetscInt j = 0; j < fp->ny; j++) y[j] = fp->ymin + (j + 0.5) * fp->hy;
    PetscCall(OdOutputWriteReal(out, "/fp2d/x", 1, dx, x, (OdDatasetInfo){"W", "cell centres in x", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/fp2d/y", 1, dy, y, (OdDatasetInfo){"W", "cell centres in y", PETSC_FALSE}));
    PetscCall(PetscFree2(x, y));
  }
  PetscCall(OdOutputWriteReal(out, "/fp2d/t", 1, dnt, fp->t, (OdDatasetInfo){"steps", "output times (SGD steps)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/fp2d/mass", 1, dnt, fp->mass, (OdDatasetInfo){"1", "probability mass hx hy sum P", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/fp2d/mean", 2, dm, fp->mean, (OdDatasetInfo){"W", "mean (x, y) [nt, 2]", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/fp2d/cov", 2, dc, fp->cov, (OdDatasetInfo){"W^2", "covariance (xx, xy, yy) [nt, 3]", PETSC_FALSE}));
  if (fp->save_P) {
    const hsize_t dP[3] = {(hsize_t)fp->nt, (hsize_t)fp->ny, (hsize_t)fp->nx};
    PetscCall(OdOutputWriteReal(out, "/fp2d/P", 3, dP, fp->Psnap, (OdDatasetInfo){"1/W^2", "density snapshots P(t_k, y_j, x_i) (cell averages) [nt, ny, nx]", PETSC_FALSE}));
  }
  { /* landscape at the cell centres (rank 0) */
    const hsize_t d2[2] = {(hsize_t)fp->ny, (hsize_t)fp->nx}, d3[3] = {(hsize_t)fp->ny, (hsize_t)fp->nx, 2}, d4[3] = {(hsize_t)fp->ny, (hsize_t)fp->nx, 3};
    PetscReal *L = NULL, *G = NULL, *S = NULL;
    if (!fp->rank) {
      PetscCall(PetscMalloc3(fp->nx * fp->ny, &L, 2 * fp->nx * fp->ny, &G, 3 * fp->nx * fp->ny, &S));
      for (PetscInt j = 0; j < fp->ny; j++)
        for (PetscInt i = 0; i < fp->nx; i++) {
          OdLandscape2DMoments m;
          const PetscInt c = j * fp->nx + i;
          OdLandscape2DGetMoments(fp->ls, fp->xmin + (i + 0.5) * fp->hx, fp->ymin + (j + 0.5) * fp->hy, &m);
          L[c] = m.L, G[2 * c] = m.G[0], G[2 * c + 1] = m.G[1];
          for (int a = 0; a < 3; a++) S[3 * c + a] = m.S[a];
        }
    }
    PetscCall(OdOutputWriteReal(out, "/fp2d/L", 2, d2, L, (OdDatasetInfo){"loss", "mean loss at the cell centres [ny, nx]", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/fp2d/G", 3, d3, G, (OdDatasetInfo){"loss/W", "mean gradient (x, y) at the cell centres [ny, nx, 2]", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/fp2d/Sigma", 3, d4, S, (OdDatasetInfo){"(loss/W)^2", "gradient covariance (xx, xy, yy) at the cell centres, before -fp_noise [ny, nx, 3]", PETSC_FALSE}));
    if (!fp->rank) PetscCall(PetscFree3(L, G, S));
  }
  PetscCall(OdLandscape2DDescribe(fp->ls, desc, sizeof desc));
  PetscCall(OdOutputAttrString(out, "/fp2d", "landscape", OdLandscape2DGetName(fp->ls)));
  PetscCall(OdOutputAttrString(out, "/fp2d", "landscape_formula", desc));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "T", fp->T));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "alpha", fp->alpha));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "noise", fp->noise));
  PetscCall(OdOutputAttrInt(out, "/fp2d", "nx", fp->nx));
  PetscCall(OdOutputAttrInt(out, "/fp2d", "ny", fp->ny));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "xmin", fp->xmin));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "xmax", fp->xmax));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "ymin", fp->ymin));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "ymax", fp->ymax));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "t_final", fp->t_final));
  PetscCall(OdOutputAttrString(out, "/fp2d", "boundary", "reflecting"));
  PetscCall(OdOutputAttrString(out, "/fp2d", "init", "normal"));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "init_mean_x", fp->mean0[0]));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "init_mean_y", fp->mean0[1]));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "init_std_x", fp->std0[0]));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "init_std_y", fp->std0[1]));
  {
    TSType type;
    PetscCall(TSGetType(fp->ts, &type));
    PetscCall(OdOutputAttrString(out, "/fp2d", "ts_type", type));
  }
  PetscCall(OdOutputAttrInt(out, "/fp2d", "time_steps", fp->steps));
  PetscCall(OdOutputAttrInt(out, "/fp2d", "factorizations", fp->factorizations));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "P_min", fp->P_min));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "mass_drift", fp->mass_drift));
  PetscCall(OdOutputAttrInt(out, "/fp2d", "negative_offdiagonals", fp->negative));
  PetscCall(OdOutputAttrInt(out, "/fp2d", "offdiagonals", fp->edges));
  PetscCall(OdOutputAttrString(out, "/fp2d", "cross", OdFP2DCrossNames[fp->cross]));
  PetscCall(OdOutputAttrInt(out, "/fp2d", "cross_limited_blocks", fp->limited));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "cross_theta_min", fp->theta_min));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "wall_time_ts", fp->wall_ts));
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode OdFP2DView(OdFP2D fp, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "optdyn fp (2-D): landscape %s, T = %g, alpha = %g, noise = %g, %" PetscInt_FMT " x %" PetscInt_FMT " cells on [%g, %g] x [%g, %g], reflecting\n", OdLandscape2DGetName(fp->ls), (double)fp->T, (double)fp->alpha,
                                   (double)fp->noise, fp->nx, fp->ny, (double)fp->xmin, (double)fp->xmax, (double)fp->ymin, (double)fp->ymax));
  PetscCall(PetscViewerASCIIPrintf(viewer, "cross diffusion %s: %" PetscInt_FMT " blocks limited (min theta %.3g); M-matrix: %" PetscInt_FMT " of %" PetscInt_FMT " off-diagonal rates negative\n", OdFP2DCrossNames[fp->cross], fp->limited, (double)fp->theta_min, fp->negative, fp->edges));
  if (!fp->ran) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "%" PetscInt_FMT " time steps (%" PetscInt_FMT " factorizations) in %.3g s, min P = %.3g, max |mass - mass0|/mass0 = %.3g\n", fp->steps, fp->factorizations, fp->wall_ts, (double)fp->P_min, (double)fp->mass_drift));
  PetscCall(PetscViewerASCIIPrintf(viewer, "%10s %14s %10s %10s %10s %10s %10s\n", "t", "mass", "mean x", "mean y", "cov xx", "cov xy", "cov yy"));
  const PetscInt stride = PetscMax(1, (fp->nt - 1) / 10);
  for (PetscInt k = 0; k < fp->nt; k++) {
    if (k % stride && k != fp->nt - 1) continue;
    PetscCall(PetscViewerASCIIPrintf(viewer, "%10.4g %14.11f %10.5f %10.5f %10.5f %10.5f %10.5f\n", (double)fp->t[k], (double)fp->mass[k], (double)fp->mean[2 * k], (double)fp->mean[2 * k + 1], (double)fp->cov[3 * k], (double)fp->cov[3 * k + 1], (double)fp->cov[3 * k + 2]));
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "wrote %s\n", OdOutputGetPath(fp->output)));
  PetscFunctionReturn(0);
}
