/* fp checkpoints through the core format (optdyn/checkpoint.h), kind "fp".

   Checkpoints are taken at output times only: there the time loop holds no state of its own
   (the memory of a shortened landing step ends with each output interval), so the solution,
   the history so far and a few scalars describe the run. The one piece of state that lives
   inside PETSc, the TS step-size controller's memory of the previous step, is re-created by
   fp.c on restart (it replays the last step from the saved previous solution). Distributed
   vectors are stored gathered in natural order (x fastest), so the file does not depend on the
   decomposition. Monte Carlo and the stationary solve run after the time loop: a restarted run
   computes them itself (they are deterministic). */
#include "optdyn/runctl.h"
#include "fp_impl.h"

enum { S_TIME, S_DT_NEXT, S_MASS0, S_MASS_DRIFT, S_P_MIN, S_T_PREV, S_DT_LAST, S_FACTOR };

static PetscInt Cells(OdFP fp)
{
  return fp->dim == 1 ? fp->n : fp->nx * fp->ny;
}

/* This rank's box in natural order; a 1-D grid is one row. */
static void Box(OdFP fp, PetscInt *nxg, PetscInt *y0, PetscInt *ym)
{
  *nxg = fp->dim == 1 ? fp->n : fp->nx;
  *y0 = fp->dim == 1 ? 0 : fp->ys;
  *ym = fp->dim == 1 ? 1 : fp->ym;
}

/* Distributed v -> g[Cells] on rank 0 in natural order (x fastest); g may be NULL elsewhere. */
PetscErrorCode OdFPGatherNatural(OdFP fp, Vec v, PetscReal *g)
{
  Vec nat, z;
  VecScatter sc;
  PetscFunctionBegin;
  PetscCall(DMDACreateNaturalVector(fp->da, &nat));
  PetscCall(DMDAGlobalToNaturalBegin(fp->da, v, INSERT_VALUES, nat));
  PetscCall(DMDAGlobalToNaturalEnd(fp->da, v, INSERT_VALUES, nat));
  PetscCall(VecScatterCreateToZero(nat, &sc, &z));
  PetscCall(VecScatterBegin(sc, nat, z, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, nat, z, INSERT_VALUES, SCATTER_FORWARD));
  if (!fp->rank) {
    const PetscScalar *a;
    PetscCall(VecGetArrayRead(z, &a));
    PetscCall(PetscArraycpy(g, a, Cells(fp)));
    PetscCall(VecRestoreArrayRead(z, &a));
  }
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&z));
  PetscCall(VecDestroy(&nat));
  PetscFunctionReturn(0);
}

/* g (natural order, on every rank after a read) -> v: each rank takes its own box. */
static PetscErrorCode ScatterVec(OdFP fp, const PetscReal *g, Vec v)
{
  PetscScalar *p;
  PetscInt nxg, y0, ym;
  PetscFunctionBegin;
  Box(fp, &nxg, &y0, &ym);
  PetscCall(VecGetArray(v, &p));
  for (PetscInt j = y0; j < y0 + ym; j++)
    for (PetscInt i = fp->xs; i < fp->xs + fp->xm; i++) p[(j - y0) * fp->xm + (i - fp->xs)] = g[j * nxg + i];
  PetscCall(VecRestoreArray(v, &p));
  PetscFunctionReturn(0);
}

/* Snapshots -> ck_snap [nt][Cells] on rank 0. 2-D snapshots already are there; 1-D ones are
   columns [nt][xm] of every rank, and a 1-D DMDA gives the ranks consecutive x ranges in rank
   order, so a rank's offset in the gathered blocks is nt * xs. */
static PetscErrorCode GatherSnapshots(OdFP fp)
{
  const PetscInt nt = fp->nt, n = Cells(fp);
  PetscMPIInt mine, *cnt = NULL, *dsp = NULL;
  PetscReal *tmp = NULL;
  PetscFunctionBegin;
  if (fp->dim == 2) {
    if (!fp->rank) PetscCall(PetscArraycpy(fp->ck_snap, fp->Psnap, nt * n));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMPIIntCast(nt * fp->xm, &mine));
  if (!fp->rank) PetscCall(PetscMalloc3(fp->size, &cnt, fp->size, &dsp, nt * n, &tmp));
  PetscCallMPI(MPI_Gather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, 0, fp->comm));
  if (!fp->rank)
    for (PetscMPIInt r = 0; r < fp->size; r++) dsp[r] = r ? dsp[r - 1] + cnt[r - 1] : 0;
  PetscCallMPI(MPI_Gatherv(fp->Psnap, mine, MPIU_REAL, tmp, cnt, dsp, MPIU_REAL, 0, fp->comm));
  if (!fp->rank)
    for (PetscMPIInt r = 0; r < fp->size; r++) {
      const PetscInt xm = cnt[r] / nt, xs = dsp[r] / nt;
      for (PetscInt row = 0; row < nt; row++) PetscCall(PetscArraycpy(fp->ck_snap + row * n + xs, tmp + dsp[r] + row * xm, xm));
    }
  PetscCall(PetscFree3(cnt, dsp, tmp));
  PetscFunctionReturn(0);
}

static PetscErrorCode ScatterSnapshots(OdFP fp)
{
  const PetscInt nt = fp->nt, n = Cells(fp);
  PetscFunctionBegin;
  if (fp->dim == 2) {
    if (!fp->rank) PetscCall(PetscArraycpy(fp->Psnap, fp->ck_snap, nt * n));
    PetscFunctionReturn(0);
  }
  for (PetscInt row = 0; row < nt; row++) PetscCall(PetscArraycpy(fp->Psnap + row * fp->xm, fp->ck_snap + row * n + fp->xs, fp->xm));
  PetscFunctionReturn(0);
}

static PetscBool IsYaml(const char *s)
{
  const size_t l = strlen(s);
  return (l > 5 && !strcmp(s + l - 5, ".yaml")) || (l > 4 && !strcmp(s + l - 4, ".yml")) ? PETSC_TRUE : PETSC_FALSE;
}

/* The histories of the dimension: the same declaration writes and reads. */
static PetscErrorCode DeclareHistory(OdFP fp)
{
  const PetscInt nt = fp->nt, d1[1] = {nt}, d2[2] = {nt, 2}, d3[2] = {nt, 3}, ds[2] = {nt, Cells(fp)};
  OdCheckpoint c = fp->ckpt;
  PetscFunctionBegin;
  PetscCall(OdCheckpointAddReal(c, "history/mass", 1, d1, fp->mass, PETSC_FALSE));
  if (fp->dim == 1) {
    PetscCall(OdCheckpointAddReal(c, "history/mean", 1, d1, fp->mean, PETSC_FALSE));
    PetscCall(OdCheckpointAddReal(c, "history/std", 1, d1, fp->std, PETSC_FALSE));
    PetscCall(OdCheckpointAddReal(c, "history/escaped", 1, d1, fp->escaped, PETSC_FALSE));
    PetscCall(OdCheckpointAddReal(c, "history/escaped_left", 1, d1, fp->escaped_left, PETSC_FALSE));
    PetscCall(OdCheckpointAddReal(c, "history/escaped_right", 1, d1, fp->escaped_right, PETSC_FALSE));
  } else {
    PetscCall(OdCheckpointAddReal(c, "history/mean", 2, d2, fp->mean, PETSC_FALSE));
    PetscCall(OdCheckpointAddReal(c, "history/cov", 2, d3, fp->cov, PETSC_FALSE));
  }
  if (fp->save_P) PetscCall(OdCheckpointAddReal(c, "history/P", 2, ds, fp->ck_snap, PETSC_FALSE));
  PetscFunctionReturn(0);
}

/* Declare the checkpoint OUTPUT.ckpt (after OdFPSetUp). Identity beyond the options: the grid
   shape and the landscape file's content when the landscape is a YAML file. */
PetscErrorCode OdFPCheckpointDeclare(OdFP fp)
{
  const PetscInt N = Cells(fp), dN[1] = {N}, ds[1] = {(PetscInt)(sizeof fp->ck_state / sizeof fp->ck_state[0])};
  char path[PETSC_MAX_PATH_LEN], shape[256], file[PETSC_MAX_PATH_LEN];
  PetscBool set;
  OdCheckpoint c;
  PetscFunctionBegin;
  snprintf(path, sizeof path, "%s.ckpt", OdOutputGetPath(fp->output));
  PetscCall(OdCheckpointCreate(fp->comm, path, "fp", &fp->ckpt));
  c = fp->ckpt;
  snprintf(shape, sizeof shape, "dim %" PetscInt_FMT ", cells %" PetscInt_FMT ", output times %" PetscInt_FMT ", snapshots %d", fp->dim, N, fp->nt, (int)fp->save_P);
  PetscCall(OdCheckpointAddIdentity(c, "fp shape", shape));
  PetscCall(PetscOptionsGetString(NULL, NULL, fp->dim == 1 ? "-landscape" : "-landscape2d", file, sizeof file, &set));
  if (set && IsYaml(file)) PetscCall(OdCheckpointAddInputFile(c, file));
  PetscCall(PetscCalloc3(N, &fp->ck_P, N, &fp->ck_Pprev, fp->save_P ? fp->nt * N : 1, &fp->ck_snap));
  PetscCall(OdCheckpointAddInt(c, "output_index", &fp->ck_k, 1, PetscMax(1, fp->nt - 2)));
  PetscCall(OdCheckpointAddInt(c, "steps", &fp->ck_steps, 1, PETSC_MAX_INT));
  PetscCall(OdCheckpointAddInt(c, "factorizations", &fp->ck_fact, 0, PETSC_MAX_INT));
  PetscCall(OdCheckpointAddInt(c, "linear_iterations", &fp->ck_lits, 0, PETSC_MAX_INT));
  PetscCall(OdCheckpointAddReal(c, "P", 1, dN, fp->ck_P, PETSC_TRUE));
  PetscCall(OdCheckpointAddReal(c, "P_previous", 1, dN, fp->ck_Pprev, PETSC_TRUE));
  /* the factor key is NaN when no factor exists (non-backward-Euler TS types) */
  PetscCall(OdCheckpointAddReal(c, "state", 1, ds, fp->ck_state, PETSC_FALSE));
  PetscCall(DeclareHistory(fp));
  PetscFunctionReturn(0);
}

static PetscErrorCode Save(OdFP fp, PetscInt k, PetscBool *written)
{
  PetscReal *s = fp->ck_state, dt_next = fp->dt_fixed;
  PetscInt its = 0;
  PetscFunctionBegin;
  PetscCall(OdFPGatherNatural(fp, fp->P, fp->ck_P));
  PetscCall(OdFPGatherNatural(fp, fp->Pold, fp->ck_Pprev));
  if (fp->save_P) PetscCall(GatherSnapshots(fp));
  if (!fp->fused) PetscCall(TSGetTimeStep(fp->ts, &dt_next));
  if (!fp->fused) PetscCall(TSGetKSPIterations(fp->ts, &its));
  s[S_TIME] = fp->time, s[S_DT_NEXT] = dt_next, s[S_MASS0] = fp->mass0, s[S_MASS_DRIFT] = fp->mass_drift;
  s[S_P_MIN] = fp->P_min, s[S_T_PREV] = fp->t_prev, s[S_DT_LAST] = fp->dt_last;
  s[S_FACTOR] = fp->fused ? fp->fz.dt : fp->jac_shift;
  fp->ck_k = k, fp->ck_steps = fp->steps, fp->ck_fact = fp->factorizations, fp->ck_lits = fp->linear_its0 + its;
  PetscCall(OdCheckpointWrite(fp->ckpt, written));
  PetscFunctionReturn(0);
}

/* After output k < nt - 1: write a checkpoint when due (every -fp_checkpoint_interval seconds)
   or when a stop was requested; *stopped: the checkpoint is written and the run ends here. One
   reduction decides for all ranks: the stop flag of any rank and the clock of rank 0 (clocks of
   different ranks need not agree, and the write is collective). A failed write was reported as
   a warning; the run then goes on rather than lose its work. */
PetscErrorCode OdFPCheckpointStep(OdFP fp, PetscInt k, double *last, PetscBool *stopped)
{
  int in[2], out[2];
  PetscBool written = PETSC_FALSE;
  PetscFunctionBegin;
  *stopped = PETSC_FALSE;
  if (fp->stop_after > 0 && k == fp->stop_after) OdRunctlRequestStop(); /* test hook: as if signalled */
  in[0] = OdRunctlStopRequested() ? 1 : 0;
  in[1] = !fp->rank && MPI_Wtime() - *last >= fp->ckpt_interval ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(in, out, 2, MPI_INT, MPI_MAX, fp->comm));
  if (!out[0] && !out[1]) PetscFunctionReturn(0);
  PetscCall(Save(fp, k, &written));
  *last = MPI_Wtime();
  if (out[0] && written) {
    PetscCall(PetscPrintf(fp->comm, "[fp] stop signal received: checkpoint written to %s at t = %g (output %" PetscInt_FMT " of %" PetscInt_FMT "); continue with -restart\n", OdCheckpointGetPath(fp->ckpt), (double)fp->time, k, fp->nt - 1));
    *stopped = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* Read the checkpoint if there is one and put its state into the engine: P, Pold (= the
   solution before the last step), the history, the counters. The boundary accumulators of the
   1-D flux-form update are rebuilt on the boundary ranks from the recorded escaped masses
   (exactly: only those ranks ever add to them); the clipped-mass accumulator restarts from 0 (it
   is not part of the output). */
PetscErrorCode OdFPCheckpointLoad(OdFP fp, PetscInt *k0, PetscBool *found)
{
  const PetscReal *s = fp->ck_state;
  PetscFunctionBegin;
  *k0 = 0;
  PetscCall(OdCheckpointRead(fp->ckpt, found));
  if (!*found) PetscFunctionReturn(0);
  PetscCall(ScatterVec(fp, fp->ck_P, fp->P));
  PetscCall(ScatterVec(fp, fp->ck_Pprev, fp->Pold));
  if (fp->save_P) PetscCall(ScatterSnapshots(fp));
  *k0 = fp->ck_k;
  fp->time = s[S_TIME], fp->mass0 = s[S_MASS0], fp->mass_drift = s[S_MASS_DRIFT];
  fp->P_min = fp->P_min_local = s[S_P_MIN];
  fp->t_prev = s[S_T_PREV], fp->dt_last = s[S_DT_LAST], fp->factor_free = s[S_FACTOR];
  fp->steps = fp->ck_steps, fp->factorizations = fp->ck_fact, fp->linear_its0 = fp->ck_lits;
  if (fp->dim == 1 && fp->conservative) {
    fp->esc_left = fp->xs == 0 ? fp->escaped_left[*k0] : 0;
    fp->esc_right = fp->xs + fp->xm == fp->n ? fp->escaped_right[*k0] : 0;
    fp->clipped = 0;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPCheckpointFree(OdFP fp)
{
  PetscFunctionBegin;
  PetscCall(OdCheckpointDestroy(&fp->ckpt));
  PetscCall(PetscFree3(fp->ck_P, fp->ck_Pprev, fp->ck_snap));
  PetscFunctionReturn(0);
}
