/* HDF5 output and summary of `optdyn fp`.

   Distributed fields (/fp/W, /fp/P, /fp/P_stationary, ...) are written collectively by every
   rank from its DMDA ownership range [xs, xs + xm) as a column hyperslab of the dataset
   (parallel HDF5, MPI-IO collective), into the same file that OdOutput opened with its
   provenance. PETSc's HDF5 viewer is not used because it would have to open the file a
   second time while OdOutput holds it; the layout is the same a viewer would produce. */
#include <math.h>
#include "optdyn/options.h"
#include "fp_impl.h"

#define FPH5CALL(expr, what) \
  do { \
    if ((expr) < 0) SETERRQ(fp->comm, PETSC_ERR_LIB, "HDF5 failed: %s", what); \
  } while (0)

/* Dataset [nrows, n] (nrows = 0: [n]) from local columns local[row * xm + k]. */
PetscErrorCode OdFPWriteDistributed(OdFP fp, hid_t file, const char *path, PetscInt nrows, const PetscReal *local, const char *units, const char *description)
{
  const int ndim = nrows > 0 ? 2 : 1;
  hsize_t dims[2], start[2], count[2];
  hid_t space, mspace, dset, dxpl;
  PetscFunctionBegin;
  if (ndim == 2) {
    dims[0] = (hsize_t)nrows, dims[1] = (hsize_t)fp->n;
    start[0] = 0, start[1] = (hsize_t)fp->xs;
    count[0] = (hsize_t)nrows, count[1] = (hsize_t)fp->xm;
  } else {
    dims[0] = (hsize_t)fp->n, start[0] = (hsize_t)fp->xs, count[0] = (hsize_t)fp->xm;
  }
  FPH5CALL(space = H5Screate_simple(ndim, dims, NULL), path);
  FPH5CALL(dset = H5Dcreate2(file, path, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path);
  FPH5CALL(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL), path);
  FPH5CALL(mspace = H5Screate_simple(ndim, count, NULL), path);
  FPH5CALL(dxpl = H5Pcreate(H5P_DATASET_XFER), "H5Pcreate");
  FPH5CALL(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio");
  FPH5CALL(H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, space, dxpl, local), path);
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(space);
  H5Dclose(dset);
  if (units) PetscCall(OdOutputAttrString(fp->output, path, "units", units));
  if (description) PetscCall(OdOutputAttrString(fp->output, path, "description", description));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteVec(OdFP fp, hid_t file, const char *path, Vec v, const char *units, const char *description)
{
  const PetscScalar *a;
  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(v, &a));
  PetscCall(OdFPWriteDistributed(fp, file, path, 0, a, units, description));
  PetscCall(VecRestoreArrayRead(v, &a));
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPWrite(OdFP fp)
{
  OdOutput out = fp->output;
  const hsize_t dt[1] = {(hsize_t)fp->nt};
  char desc[4096];
  hid_t file;
  PetscReal *G, *S2, *L;
  PetscFunctionBegin;
  PetscCheck(fp->ran, fp->comm, PETSC_ERR_ORDER, "call OdFPRun() first");
  PetscCall(OdOutputOpen(out, "fp", fp->seed));
  PetscCall(OdOutputCreateGroup(out, "/fp"));
  file = OdOutputGetFile(out);
  PetscCall(WriteVec(fp, file, "/fp/W", fp->Wc, "W", "cell centres"));
  PetscCall(OdOutputWriteReal(out, "/fp/t", 1, dt, fp->t, (OdDatasetInfo){"steps", "output times (time is measured in SGD steps)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/fp/mass", 1, dt, fp->mass, (OdDatasetInfo){"1", "probability mass left in [Wmin, Wmax] (h sum P)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/fp/mean", 1, dt, fp->mean, (OdDatasetInfo){"W", "mean of W over the surviving mass", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/fp/std", 1, dt, fp->std, (OdDatasetInfo){"W", "standard deviation of W over the surviving mass", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/fp/escaped", 1, dt, fp->escaped, (OdDatasetInfo){"1", "mass that left through absorbing boundaries (initial mass - mass)", PETSC_FALSE}));
  if (fp->save_P) PetscCall(OdFPWriteDistributed(fp, file, "/fp/P", fp->nt, fp->Psnap, "1/W", "density snapshots P(t_k, W_i) (cell averages) [nt, n]"));
  /* the landscape at the cell centres */
  PetscCall(PetscMalloc3(fp->xm, &G, fp->xm, &S2, fp->xm, &L));
  for (PetscInt k = 0; k < fp->xm; k++) {
    OdLandscapeMoments m;
    OdLandscapeGetMoments(fp->landscape, fp->Wmin + (fp->xs + k + 0.5) * fp->h, &m);
    G[k] = m.G, S2[k] = m.S2, L[k] = m.L;
  }
  PetscCall(OdFPWriteDistributed(fp, file, "/fp/L", 0, L, "loss", "mean loss L at the cell centres"));
  PetscCall(OdFPWriteDistributed(fp, file, "/fp/G", 0, G, "loss/W", "mean gradient G at the cell centres"));
  PetscCall(OdFPWriteDistributed(fp, file, "/fp/S2", 0, S2, "(loss/W)^2", "gradient variance S2 at the cell centres (before -fp_noise scaling)"));
  PetscCall(PetscFree3(G, S2, L));
  if (fp->Pstat) {
    PetscCall(WriteVec(fp, file, "/fp/P_stationary", fp->Pstat, "1/W", "stationary density (rho = 0, h sum P = 1), direct solve"));
    if (fp->formula_ok) PetscCall(OdFPWriteDistributed(fp, file, "/fp/P_stationary_formula", 0, fp->formula, "1/W", "analytic P_inf = S2^-alpha exp(-int 2G/(T S2) dW) at the cell centres, normalized on the grid"));
    PetscCall(OdOutputAttrReal(out, "/fp", "stationary_L1_error", fp->stat_L1));
    PetscCall(OdOutputAttrString(out, "/fp", "stationary_method", fp->stat_method));
    PetscCall(OdOutputAttrReal(out, "/fp", "stationary_Linf_rel_error", fp->stat_Linf_rel));
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
  {
    TSType type;
    PetscCall(TSGetType(fp->ts, &type));
    PetscCall(OdOutputAttrString(out, "/fp", "ts_type", type));
  }
  PetscCall(OdOutputAttrInt(out, "/fp", "time_steps", fp->steps));
  PetscCall(OdOutputAttrInt(out, "/fp", "factorizations", fp->factorizations));
  PetscCall(OdOutputAttrReal(out, "/fp", "P_min", fp->P_min));
  PetscCall(OdOutputAttrReal(out, "/fp", "mass_drift", fp->mass_drift));
  PetscCall(OdOutputAttrReal(out, "/fp", "wall_time_ts", fp->wall_ts));
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPView(OdFP fp, PetscViewer viewer)
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
    else PetscCall(PetscViewerASCIIPrintf(viewer, "stationary solve (%s, %.3g s); analytic P_inf not available (S2 vanishes on the grid)\n", fp->stat_method, fp->wall_stat));
  }
  if (fp->mc) PetscCall(PetscViewerASCIIPrintf(viewer, "Monte Carlo: %" PetscInt_FMT " walkers in %.3g s\n", fp->mc_walkers, fp->wall_mc));
  PetscCall(PetscViewerASCIIPrintf(viewer, "wrote %s\n", OdOutputGetPath(fp->output)));
  PetscFunctionReturn(0);
}
