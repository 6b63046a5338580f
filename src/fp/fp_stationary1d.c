/* 1-D stationary density of the Fokker-Planck engine (-fp_stationary): direct solve of
   A P = 0 with the normalization, the exact zero-flux recursion as fallback, and the analytic
   P_inf for comparison. */
#include <math.h>
#include "fp_impl.h"

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
      const PetscReal d = OdFPPotentialDrop(fp, x, x + fp->h);
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

/* Where SGD's stationary state is a point mass (S2 vanishes at a stable gradient-descent
 * minimum inside the grid, e.g. W = 2 on the seed landscape) the zero-flux state does not
 * exist as a density: write the mass 1/h in the cell of the atom, and never NaN. Returns
 * done = PETSC_TRUE when it did; two or more atoms are refused (their weights depend on the
 * initial density, which the stationary problem does not know). */
static PetscErrorCode StationaryPointMass(OdFP fp, PetscBool *done)
{
  OdLandscapePointMass pm[OD_LANDSCAPE_MAX_POINT_MASSES];
  PetscInt n, cell;
  PetscFunctionBegin;
  *done = PETSC_FALSE;
  PetscCall(OdLandscapeFindPointMasses(fp->landscape, fp->T, fp->Wmin, fp->Wmax, fp->h, &n, pm));
  { /* only where S2 itself vanishes (to round-off): a narrow but noisy minimum, such as the
       seed landscape's pit, still has a stationary density that the solve resolves */
    PetscInt k = 0;
    for (PetscInt i = 0; i < n; i++) {
      OdLandscapeMoments m;
      OdLandscapeGetMoments(fp->landscape, pm[i].W, &m);
      if (m.S2 <= 1e-30 * PetscMax(1, PetscAbsReal(m.dG))) pm[k++] = pm[i];
    }
    n = k;
  }
  if (!n) PetscFunctionReturn(0);
  PetscCheck(n == 1, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_stationary: the stationary state has point masses at W = %g and %g (S2 vanishes at %" PetscInt_FMT " stable minima inside [-fp_Wmin, -fp_Wmax]); their weights depend on the initial density: evolve in time, or use `optdyn markov` for the exact chain", (double)pm[0].W, (double)pm[1].W, n);
  cell = PetscMin((PetscInt)((pm[0].W - fp->Wmin) / fp->h), fp->n - 1);
  PetscCall(VecDuplicate(fp->P, &fp->Pstat));
  PetscCall(PetscObjectSetName((PetscObject)fp->Pstat, "P_stationary"));
  PetscCall(VecSet(fp->Pstat, 0));
  PetscCall(VecSetValue(fp->Pstat, cell, 1 / fp->h, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(fp->Pstat));
  PetscCall(VecAssemblyEnd(fp->Pstat));
  fp->stat_method = "point mass";
  fp->stat_point_mass_W = pm[0].W;
  fp->stat_point_mass_width = pm[0].width;
  *done = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* rho = 0 with the normalization h sum P = 1 replacing the last row; direct LU. */
PetscErrorCode OdFPSolveStationary(OdFP fp)
{
  PetscBool point_mass;
  Mat M;
  Vec b;
  PetscInt *dnnz, *onnz, rstart, rend;
  const PetscInt n = fp->n;
  double t0 = MPI_Wtime();
  PetscFunctionBegin;
  fp->stat_point_mass_W = NAN;
  PetscCall(StationaryPointMass(fp, &point_mass));
  if (point_mass) {
    fp->wall_stat = MPI_Wtime() - t0;
    PetscFunctionReturn(0);
  }
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
  {
    PetscReal vmin, vmax;
    PetscCall(VecMin(fp->Pstat, NULL, &vmin));
    PetscCall(VecMax(fp->Pstat, NULL, &vmax));
    PetscCheck(!PetscIsInfOrNanReal(vmin) && !PetscIsInfOrNanReal(vmax), fp->comm, PETSC_ERR_NOT_CONVERGED, "option -fp_stationary: the stationary solve gave non-finite values (min %g, max %g); not written", (double)vmin, (double)vmax);
  }
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
