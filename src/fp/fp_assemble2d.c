/* 2-D assembly of the Fokker-Planck engine (OdFPOps2D): options, grid (2-D DMDA), axis
   Scharfetter-Gummel rates with the sign-adapted (optionally limited) cross-diffusion stencil,
   operator, initial density, flux-form update and records.

   Model (Ito, alpha = 1 by default): dP/dt = div(T G P) + (T^2/2) sum_ab d_a d_b (Sigma_ab P)
   = -div J, J = v P - D grad P, v = -T G - alpha (T^2/2) div Sigma, D = (T^2/2) s Sigma.
   Cross diffusion div(D_xy (d_y P, d_x P)): per 2x2 block of cells around each interior vertex,
   an exchange of weight |D_xy|/(hx hy) along the block diagonal whose direction matches the
   sign of D_xy and of weight -|D_xy|/(2 hx hy) along the four block sides. Every exchange is a
   flux between two cells, so mass is conserved exactly. See docs/fp.md ("2-D"). */
#include <math.h>
#include <string.h>
#include "optdyn/options.h"
#include "fp_impl.h"
#include "optdyn/budget.h"

const char *const OdFPCrossNames[] = {"limited", "full"};

static PetscErrorCode Create2D(OdFP fp)
{
  PetscFunctionBegin;
  fp->T = 0.1;
  fp->nx = fp->ny = 64;
  fp->xmin = fp->ymin = -2;
  fp->xmax = fp->ymax = 2;
  fp->t_final = 200;
  fp->nt = 11;
  fp->mean0[0] = 1, fp->mean0[1] = -1;
  fp->std0[0] = fp->std0[1] = 0.3;
  PetscCall(OdLandscape2DCreate(fp->comm, &fp->ls));
  PetscCall(OdLandscape2DSetFromOptions(fp->ls));
  PetscCall(OdOutputSetFromOptions(fp->output, "fp2d.h5"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy2D(OdFP fp)
{
  PetscFunctionBegin;
  PetscCall(OdLandscape2DDestroy(&fp->ls));
  PetscCall(PetscFree5(fp->exa, fp->exc, fp->eya, fp->eyc, fp->wb));
  PetscCall(PetscFree(fp->div));
  PetscCall(PetscFree(fp->cov));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions2D(OdFP fp, PetscOptionItems *PetscOptionsObject)
{
  PetscInt n2;
  PetscBool set;
  PetscFunctionBegin;
  PetscCall(OdOptionsInt(PetscOptionsObject, "-nx", "Cells in x", OD_RANGE_AT_LEAST(2), &fp->nx, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-ny", "Cells in y", OD_RANGE_AT_LEAST(2), &fp->ny, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-xmin", "Domain: left end in x", OD_RANGE_ANY, &fp->xmin, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-xmax", "Domain: right end in x", OD_RANGE_ANY, &fp->xmax, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-ymin", "Domain: lower end in y", OD_RANGE_ANY, &fp->ymin, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-ymax", "Domain: upper end in y", OD_RANGE_ANY, &fp->ymax, NULL));
  n2 = 2;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-init_mean", "Mean x,y of the truncated normal initial density", OD_RANGE_ANY, 2, fp->mean0, &n2, &set));
  PetscCheck(!set || n2 == 2, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_init_mean is not allowed with %" PetscInt_FMT " values: give x,y", n2);
  n2 = 2;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-init_std", "Standard deviations x,y of the truncated normal initial density", OD_RANGE_POSITIVE, 2, fp->std0, &n2, &set));
  PetscCheck(!set || n2 == 2, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_init_std is not allowed with %" PetscInt_FMT " values: give sx,sy", n2);
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-cross", "Cross diffusion: limited (block weights scaled down where needed to keep the M-matrix) or full (sign-adapted 7-point stencil everywhere)", OdFPCrossNames, 2, &fp->cross, NULL));
  fp->cross_limited = fp->cross == 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* TS path defaults: fixed steps; 1 rank PETSc LU without pivoting (the LU of an M-matrix needs
   none and keeps the solution >= 0), several ranks MUMPS; both factored once per step size.
   An iterative solver is one option away (docs/fp.md: -ksp_type gmres -pc_type gamg). */
static PetscErrorCode ConfigureTS2D(OdFP fp, TS ts)
{
  TSAdapt adapt;
  SNES snes;
  KSP ksp;
  PC pc;
  PetscFunctionBegin;
  PetscCall(TSGetAdapt(ts, &adapt));
  PetscCall(TSAdaptSetType(adapt, TSADAPTNONE));
  PetscCall(TSGetSNES(ts, &snes));
  PetscCall(SNESGetKSP(snes, &ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(KSPSetType(ksp, KSPPREONLY));
  PetscCall(PCSetType(pc, PCLU));
  if (fp->size > 1) PetscCall(PCFactorSetMatSolverType(pc, MATSOLVERMUMPS));
  PetscFunctionReturn(0);
}

/* v (drift) and D (diffusion tensor xx, xy, yy) at (x, y). */
static void DriftDiffusion(OdFP fp, PetscReal x, PetscReal y, PetscReal v[2], PetscReal D[3])
{
  OdLandscape2DMoments m;
  OdLandscape2DGetMoments(fp->ls, x, y, &m);
  const PetscReal T2 = 0.5 * fp->T * fp->T * fp->noise;
  v[0] = -fp->T * m.G[0] - fp->alpha * T2 * (m.dS[0][0] + m.dS[1][1]);
  v[1] = -fp->T * m.G[1] - fp->alpha * T2 * (m.dS[1][0] + m.dS[2][1]);
  for (int k = 0; k < 3; k++) D[k] = T2 * m.S[k];
}

/* signed D_xy at the vertex shared by cells (i, j), (i+1, j), (i, j+1), (i+1, j+1), over hx hy */
static PetscReal BlockWeight(OdFP fp, PetscInt i, PetscInt j)
{
  PetscReal v[2], D[3];
  if (i < 0 || j < 0 || i >= fp->nx - 1 || j >= fp->ny - 1) return 0;
  DriftDiffusion(fp, fp->xmin + (i + 1) * fp->hx, fp->ymin + (j + 1) * fp->hy, v, D);
  return D[1] / (fp->hx * fp->hy);
}

#define OWNED(fp, i, j) ((i) >= (fp)->xs && (i) < (fp)->xs + (fp)->xm && (j) >= (fp)->ys && (j) < (fp)->ys + (fp)->ym)

/* Rates of the edges owned by the cells of the ghosted box (see the file header):
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
static PetscReal Rho(OdFP fp, const Rates *r, int dir, PetscInt i, PetscInt j)
{
  if (!InBox(r, i, j) || i < 0 || j < 0 || i >= fp->nx || j >= fp->ny) return 1;
  if (dir == 0 && i >= fp->nx - 1) return 1;
  if (dir == 1 && j >= fp->ny - 1) return 1;
  const PetscInt k = RI(r, i, j);
  const PetscReal cap = dir == 0 ? PetscMin(r->xa[k], r->xc[k]) : PetscMin(r->ya[k], r->yc[k]);
  const PetscReal dem = dir == 0 ? 0.5 * (W_(r, i, j) + W_(r, i, j - 1)) : 0.5 * (W_(r, i, j) + W_(r, i - 1, j));
  return dem > cap ? cap / dem : 1;
}
static PetscReal Theta(OdFP fp, const Rates *r, PetscInt i, PetscInt j)
{
  if (!fp->cross_limited) return 1;
  return PetscMin(PetscMin(Rho(fp, r, 0, i, j), Rho(fp, r, 0, i, j + 1)), PetscMin(Rho(fp, r, 1, i, j), Rho(fp, r, 1, i + 1, j)));
}

static PetscErrorCode EdgeRates(OdFP fp)
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

static PetscErrorCode Assemble(OdFP fp)
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
static PetscErrorCode ConservativeUpdate(OdFP fp, Vec U, PetscReal dt)
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

static PetscReal CellNormal(PetscReal xl, PetscReal xr, PetscReal m, PetscReal s)
{
  const PetscReal zl = (xl - m) / s, zr = (xr - m) / s;
  return zl > 0 ? 0.5 * (erfc(zl / M_SQRT2) - erfc(zr / M_SQRT2)) : 0.5 * (erfc(-zr / M_SQRT2) - erfc(-zl / M_SQRT2));
}

static PetscErrorCode SetUp2D(OdFP fp)
{
  PetscScalar **p;
  PetscReal local = 0, mass;
  PetscInt px, py;
  PetscFunctionBegin;
  PetscCheck(fp->xmax > fp->xmin, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_xmax = %g is not allowed: must be > -fp_xmin = %g", (double)fp->xmax, (double)fp->xmin);
  PetscCheck(fp->ymax > fp->ymin, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_ymax = %g is not allowed: must be > -fp_ymin = %g", (double)fp->ymax, (double)fp->ymin);
  { /* reliability: per local cell the 9-point matrix and preconditioner, vectors; rank 0 keeps the snapshots */
    char advice[128];
    snprintf(advice, sizeof advice, "-fp_nx = %" PetscInt_FMT ", -fp_ny = %" PetscInt_FMT " (or -fp_nt, -fp_save_P false)", fp->nx, fp->ny);
    PetscCall(OdBudgetCheckMemory(fp->comm, 8.0 * ((double)fp->nx * fp->ny / fp->size * 80.0 + (fp->save_P ? (double)fp->nt * fp->nx * fp->ny : 0)), "the 2-D Fokker-Planck grid's matrices and snapshots", advice));
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

  PetscCall(PetscMalloc1(3 * fp->nt, &fp->cov));
  if (fp->save_P && !fp->rank) PetscCall(PetscCalloc1(fp->nt * fp->nx * fp->ny, &fp->Psnap));
  PetscFunctionReturn(0);
}

static PetscErrorCode Record2D(OdFP fp, PetscInt k)
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
  fp->mean[2 * k] = mx, fp->mean[2 * k + 1] = my;
  for (int a = 0; a < 3; a++) fp->cov[3 * k + a] = gc[a] / g[0];
  PetscCall(OdFPRecordCommon(fp, k, g[0] * fp->hx * fp->hy, 0));
  if (fp->save_P) PetscCall(OdFPGatherNatural(fp, fp->P, fp->rank ? NULL : fp->Psnap + k * fp->nx * fp->ny)); /* natural ordering on rank 0 */
  PetscFunctionReturn(0);
}


const OdFPOps OdFPOps2D = {Create2D, SetFromOptions2D, ConfigureTS2D, SetUp2D, ConservativeUpdate, NULL, Record2D, NULL, OdFPWrite2D, OdFPView2D, Destroy2D};
