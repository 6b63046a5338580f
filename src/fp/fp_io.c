/* Output and summary of `optdyn fp` (1-D group /fp, 2-D group /fp2d), all through the output
   layer (include/optdyn/output.h).

   1-D distributed fields (/fp/W, /fp/P, /fp/P_stationary, ...) are written collectively by
   every rank from its DMDA ownership range [xs, xs + xm) as a column block of the dataset
   (OdOutputWriteRealBlock). 2-D snapshots are gathered on rank 0 during the run. */
#include <math.h>
#include "optdyn/options.h"
#include "fp_impl.h"

/* Dataset [nrows, n] (nrows = 0: [n]) from this rank's columns local[row * xm + k]. */
static PetscErrorCode WriteColumns(OdFP fp, const char *path, PetscInt nrows, const PetscReal *local, const char *units, const char *description)
{
  const hsize_t dims[2] = {(hsize_t)nrows, (hsize_t)fp->n}, start[2] = {0, (hsize_t)fp->xs}, count[2] = {(hsize_t)nrows, (hsize_t)fp->xm};
  const OdDatasetInfo info = {units, description, PETSC_FALSE};
  PetscFunctionBegin;
  if (nrows > 0) PetscCall(OdOutputWriteRealBlock(fp->output, path, 2, dims, start, count, local, info));
  else PetscCall(OdOutputWriteRealBlock(fp->output, path, 1, dims + 1, start + 1, count + 1, local, info));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteVec(OdFP fp, const char *path, Vec v, const char *units, const char *description)
{
  const PetscScalar *a;
  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(v, &a));
  PetscCall(WriteColumns(fp, path, 0, a, units, description));
  PetscCall(VecRestoreArrayRead(v, &a));
  PetscFunctionReturn(0);
}

/* The time-integration attributes both dimensions carry. */
PetscErrorCode OdFPWriteCommonAttributes(OdFP fp, const char *group)
{
  OdOutput out = fp->output;
  TSType type;
  PetscFunctionBegin;
  PetscCall(TSGetType(fp->ts, &type));
  PetscCall(OdOutputAttrString(out, group, "ts_type", type));
  PetscCall(OdOutputAttrString(out, group, "time_step_method", fp->fused ? "fused" : "ts"));
  PetscCall(OdOutputAttrInt(out, group, "time_steps", fp->steps));
  PetscCall(OdOutputAttrInt(out, group, "factorizations", fp->factorizations));
  PetscCall(OdOutputAttrInt(out, group, "linear_iterations", fp->linear_its));
  PetscCall(OdOutputAttrReal(out, group, "P_min", fp->P_min));
  PetscCall(OdOutputAttrReal(out, group, "mass_drift", fp->mass_drift));
  PetscCall(OdOutputAttrReal(out, group, "wall_time_ts", fp->wall_ts));
  PetscCall(OdOutputAttrReal(out, group, "wall_time_step_min", fp->steps > 0 ? fp->wall_step_min : 0));
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPWrite1D(OdFP fp)
{
  OdOutput out = fp->output;
  const hsize_t dt[1] = {(hsize_t)fp->nt};
  char desc[4096];
  PetscReal *G, *S2, *L;
  PetscFunctionBegin;
  PetscCall(OdOutputOpen(out, "fp", fp->seed));
  PetscCall(OdOutputCreateGroup(out, "/fp"));
  PetscCall(WriteVec(fp, "/fp/W", fp->Wc, "W", "cell centres"));
  PetscCall(OdOutputWriteReal(out, "/fp/t", 1, dt, fp->t, (OdDatasetInfo){"steps", "output times (time is measured in SGD steps)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/fp/mass", 1, dt, fp->mass, (OdDatasetInfo){"1", "probability mass left in [Wmin, Wmax] (h sum P)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/fp/mean", 1, dt, fp->mean, (OdDatasetInfo){"W", "mean of W over the surviving mass", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/fp/std", 1, dt, fp->std, (OdDatasetInfo){"W", "standard deviation of W over the surviving mass", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/fp/escaped", 1, dt, fp->escaped, (OdDatasetInfo){"1", "mass that left through absorbing boundaries (initial mass - mass)", PETSC_FALSE}));
  if (fp->save_P) PetscCall(WriteColumns(fp, "/fp/P", fp->nt, fp->Psnap, "1/W", "density snapshots P(t_k, W_i) (cell averages) [nt, n]"));
  /* the landscape at the cell centres */
  PetscCall(PetscMalloc3(fp->xm, &G, fp->xm, &S2, fp->xm, &L));
  for (PetscInt k = 0; k < fp->xm; k++) {
    OdLandscapeMoments m;
    OdLandscapeGetMoments(fp->landscape, fp->Wmin + (fp->xs + k + 0.5) * fp->h, &m);
    G[k] = m.G, S2[k] = m.S2, L[k] = m.L;
  }
  PetscCall(WriteColumns(fp, "/fp/L", 0, L, "loss", "mean loss L at the cell centres"));
  PetscCall(WriteColumns(fp, "/fp/G", 0, G, "loss/W", "mean gradient G at the cell centres"));
  PetscCall(WriteColumns(fp, "/fp/S2", 0, S2, "(loss/W)^2", "gradient variance S2 at the cell centres (before -fp_noise scaling)"));
  PetscCall(PetscFree3(G, S2, L));
  if (fp->Pstat) {
    PetscCall(WriteVec(fp, "/fp/P_stationary", fp->Pstat, "1/W", "stationary density (rho = 0, h sum P = 1); a point mass is mass 1/h in one cell (see the stationary_point_mass_W attribute)"));
    if (fp->formula_ok) PetscCall(WriteColumns(fp, "/fp/P_stationary_formula", 0, fp->formula, "1/W", "analytic P_inf = S2^-alpha exp(-int 2G/(T S2) dW) at the cell centres, normalized on the grid"));
    if (fp->formula_ok) PetscCall(OdOutputAttrReal(out, "/fp", "stationary_L1_error", fp->stat_L1));
    PetscCall(OdOutputAttrString(out, "/fp", "stationary_method", fp->stat_method));
    if (!PetscIsNanReal(fp->stat_point_mass_W)) { /* documented form of a degenerate stationary state (docs/fp.md) */
      PetscCall(OdOutputAttrReal(out, "/fp", "stationary_point_mass_W", fp->stat_point_mass_W));
      PetscCall(OdOutputAttrReal(out, "/fp", "stationary_point_mass_continuum_width", fp->stat_point_mass_width));
    }
    if (fp->formula_ok) PetscCall(OdOutputAttrReal(out, "/fp", "stationary_Linf_rel_error", fp->stat_Linf_rel)); /* only against the analytic P_inf */
  }
  if (fp->mc) {
    const PetscInt nt = fp->nt;
    PetscCall(OdOutputCreateGroup(out, "/fp/mc"));
    PetscCall(OdOutputWriteReal(out, "/fp/mc/step", 1, dt, fp->mc, (OdDatasetInfo){"steps", "SGD step of each output time (nearest integer)", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/fp/mc/mean", 1, dt, fp->mc + nt, (OdDatasetInfo){"W", "Monte Carlo mean of W over surviving walkers", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/fp/mc/mean_err", 1, dt, fp->mc + 2 * nt, (OdDatasetInfo){"W", "standard error of the Monte Carlo mean (std/sqrt(n))", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/fp/mc/std", 1, dt, fp->mc + 3 * nt, (OdDatasetInfo){"W", "Monte Carlo standard deviation of W over surviving walkers", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/fp/mc/std_err", 1, dt, fp->mc + 4 * nt, (OdDatasetInfo){"W", "standard error of the Monte Carlo std (std/sqrt(2(n-1)), normal approximation)", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/fp/mc/escaped", 1, dt, fp->mc + 5 * nt, (OdDatasetInfo){"1", "fraction of walkers escaped through absorbing boundaries", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/fp/mc/escaped_lo", 1, dt, fp->mc + 6 * nt, (OdDatasetInfo){"1", "Wilson 95% interval of escaped, lower end", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/fp/mc/escaped_hi", 1, dt, fp->mc + 7 * nt, (OdDatasetInfo){"1", "Wilson 95% interval of escaped, upper end", PETSC_FALSE}));
    PetscCall(OdOutputAttrInt(out, "/fp/mc", "walkers", fp->mc_walkers));
    PetscCall(OdOutputAttrString(out, "/fp/mc", "process", fp->noise == 0 ? "GD" : fp->noise == 1 ? "SGD" : "SGD with scaled noise"));
  }
  PetscCall(OdLandscapeDescribe(fp->landscape, desc, sizeof desc));
  PetscCall(OdOutputAttrString(out, "/fp", "landscape", OdLandscapeGetName(fp->landscape)));
  PetscCall(OdOutputAttrString(out, "/fp", "landscape_formula", desc));
  PetscCall(OdOutputAttrReal(out, "/fp", "T", fp->T));
  PetscCall(OdOutputAttrReal(out, "/fp", "alpha", fp->alpha));
  PetscCall(OdOutputAttrReal(out, "/fp", "noise", fp->noise));
  PetscCall(OdOutputAttrInt(out, "/fp", "n", fp->n));
  PetscCall(OdOutputAttrReal(out, "/fp", "Wmin", fp->Wmin));
  PetscCall(OdOutputAttrReal(out, "/fp", "Wmax", fp->Wmax));
  PetscCall(OdOutputAttrReal(out, "/fp", "h", fp->h));
  PetscCall(OdOutputAttrReal(out, "/fp", "t_final", fp->t_final));
  PetscCall(OdOutputAttrString(out, "/fp", "left", OdFPBoundaryNames[fp->left]));
  PetscCall(OdOutputAttrString(out, "/fp", "right", OdFPBoundaryNames[fp->right]));
  PetscCall(OdOutputAttrString(out, "/fp", "flux", OdFPFluxNames[fp->flux]));
  PetscCall(OdOutputAttrString(out, "/fp", "init", OdFPInitNames[fp->init]));
  PetscCall(OdOutputAttrReal(out, "/fp", "init_mean", fp->init_mean));
  PetscCall(OdOutputAttrReal(out, "/fp", "init_std", fp->init_std));
  PetscCall(OdOutputAttrReal(out, "/fp", "init_a", fp->init_a));
  PetscCall(OdOutputAttrReal(out, "/fp", "init_b", fp->init_b));
  PetscCall(OdOutputAttrReal(out, "/fp", "init_W", fp->init_W));
  PetscCall(OdFPWriteCommonAttributes(fp, "/fp"));
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPView1D(OdFP fp, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "optdyn fp: landscape %s, T = %g, alpha = %g, noise = %g, %" PetscInt_FMT " cells on [%g, %g] (%s/%s), flux %s\n", OdLandscapeGetName(fp->landscape), (double)fp->T, (double)fp->alpha, (double)fp->noise, fp->n, (double)fp->Wmin,
                                   (double)fp->Wmax, OdFPBoundaryNames[fp->left], OdFPBoundaryNames[fp->right], OdFPFluxNames[fp->flux]));
  if (!fp->ran) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "%" PetscInt_FMT " time steps (%" PetscInt_FMT " matrix rebuilds) in %.3g s, min P = %.3g, max |mass - mass0|/mass0 = %.3g\n", fp->steps, fp->factorizations, fp->wall_ts, (double)fp->P_min, (double)fp->mass_drift));
  PetscCall(PetscViewerASCIIPrintf(viewer, "%10s %12s %12s %12s %12s", "t", "mass", "mean", "std", "escaped"));
  if (fp->mc) PetscCall(PetscViewerASCIIPrintf(viewer, " | %12s %10s %12s %10s %10s", "MC mean", "+-", "MC std", "+-", "MC esc"));
  PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
  const PetscInt stride = PetscMax(1, (fp->nt - 1) / 10);
  for (PetscInt k = 0; k < fp->nt; k++) {
    if (k % stride && k != fp->nt - 1) continue;
    PetscCall(PetscViewerASCIIPrintf(viewer, "%10.4g %12.9f %12.6f %12.6f %12.6f", (double)fp->t[k], (double)fp->mass[k], (double)fp->mean[k], (double)fp->std[k], (double)fp->escaped[k]));
    if (fp->mc) {
      const PetscInt nt = fp->nt;
      PetscCall(PetscViewerASCIIPrintf(viewer, " | %12.6f %10.2g %12.6f %10.2g %10.4f", (double)fp->mc[nt + k], (double)fp->mc[2 * nt + k], (double)fp->mc[3 * nt + k], (double)fp->mc[4 * nt + k], (double)fp->mc[5 * nt + k]));
    }
    PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
  }
  if (fp->Pstat) {
    if (fp->formula_ok) PetscCall(PetscViewerASCIIPrintf(viewer, "stationary solve (%s, %.3g s): L1 distance to the analytic P_inf = %.3e, max error / max P_inf = %.3e\n", fp->stat_method, fp->wall_stat, (double)fp->stat_L1, (double)fp->stat_Linf_rel));
    else if (!PetscIsNanReal(fp->stat_point_mass_W)) PetscCall(PetscViewerASCIIPrintf(viewer, "stationary state: a point mass at W = %.6g (S2 vanishes there; continuum width %.3g < grid spacing %.3g), written as mass 1/h in its cell\n", (double)fp->stat_point_mass_W, (double)fp->stat_point_mass_width, (double)fp->h));
    else PetscCall(PetscViewerASCIIPrintf(viewer, "stationary solve (%s, %.3g s); analytic P_inf not available (S2 vanishes on the grid)\n", fp->stat_method, fp->wall_stat));
  }
  if (fp->mc) PetscCall(PetscViewerASCIIPrintf(viewer, "Monte Carlo: %" PetscInt_FMT " walkers in %.3g s\n", fp->mc_walkers, fp->wall_mc));
  PetscCall(PetscViewerASCIIPrintf(viewer, "wrote %s\n", OdOutputGetPath(fp->output)));
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPWrite2D(OdFP fp)
{
  OdOutput out = fp->output;
  const hsize_t dnt[1] = {(hsize_t)fp->nt}, dm[2] = {(hsize_t)fp->nt, 2}, dc[2] = {(hsize_t)fp->nt, 3};
  char desc[8192];
  PetscFunctionBegin;
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
  PetscCall(OdFPWriteCommonAttributes(fp, "/fp2d"));
  PetscCall(OdOutputAttrInt(out, "/fp2d", "negative_offdiagonals", fp->negative));
  PetscCall(OdOutputAttrInt(out, "/fp2d", "offdiagonals", fp->edges));
  PetscCall(OdOutputAttrString(out, "/fp2d", "cross", OdFPCrossNames[fp->cross]));
  PetscCall(OdOutputAttrInt(out, "/fp2d", "cross_limited_blocks", fp->limited));
  PetscCall(OdOutputAttrReal(out, "/fp2d", "cross_theta_min", fp->theta_min));
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPView2D(OdFP fp, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "optdyn fp (2-D): landscape %s, T = %g, alpha = %g, noise = %g, %" PetscInt_FMT " x %" PetscInt_FMT " cells on [%g, %g] x [%g, %g], reflecting\n", OdLandscape2DGetName(fp->ls), (double)fp->T, (double)fp->alpha,
                                   (double)fp->noise, fp->nx, fp->ny, (double)fp->xmin, (double)fp->xmax, (double)fp->ymin, (double)fp->ymax));
  PetscCall(PetscViewerASCIIPrintf(viewer, "cross diffusion %s: %" PetscInt_FMT " blocks limited (min theta %.3g); M-matrix: %" PetscInt_FMT " of %" PetscInt_FMT " off-diagonal rates negative\n", OdFPCrossNames[fp->cross], fp->limited, (double)fp->theta_min, fp->negative, fp->edges));
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

