/* optdyn fp: the Fokker-Planck engine, one object for 1-D and 2-D.

   This file owns what does not depend on the dimension: the lifecycle, the common options,
   the PETSc TS, the one time loop (backward Euler through TS, or the fused 1-D step of
   fp_fused.c) and the history. The dimension's grid, operator, flux-form update, records and
   output are behind OdFPOps (fp_assemble1d.c, fp_assemble2d.c). See docs/fp.md. */
#include <math.h>
#include "optdyn/options.h"
#include "optdyn/progress.h"
#include "optdyn/runctl.h"
#include "fp_impl.h"

const char *const OdFPStepNames[] = {"auto", "fused", "ts"};

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

/* ---------------- lifecycle ---------------- */

PetscErrorCode OdFPCreate(MPI_Comm comm, OdFP *fpout)
{
  OdFP fp;
  PetscFunctionBegin;
  PetscCall(PetscNew(&fp));
  fp->comm = comm;
  PetscCallMPI(MPI_Comm_rank(comm, &fp->rank));
  PetscCallMPI(MPI_Comm_size(comm, &fp->size));
  fp->dim = 1;
  fp->alpha = 1;
  fp->noise = 1;
  fp->save_P = PETSC_TRUE;
  fp->reuse = PETSC_TRUE;
  fp->jac_shift = NAN;
  fp->fz.dt = NAN;
  fp->factor_free = NAN;
  fp->ckpt_interval = 60;
  PetscCall(OdOutputCreate(comm, &fp->output));
  *fpout = fp;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPDestroy(OdFP *fpp)
{
  OdFP fp = *fpp;
  PetscFunctionBegin;
  if (!fp) PetscFunctionReturn(0);
  if (fp->ops) PetscCall(fp->ops->destroy(fp));
  PetscCall(OdFPFusedDestroy(fp));
  PetscCall(OdFPCheckpointFree(fp));
  PetscCall(OdOutputDestroy(&fp->output));
  PetscCall(TSDestroy(&fp->ts));
  PetscCall(MatDestroy(&fp->A));
  PetscCall(MatDestroy(&fp->J));
  PetscCall(VecDestroy(&fp->P));
  PetscCall(VecDestroy(&fp->Pold));
  PetscCall(VecDestroy(&fp->Ploc));
  PetscCall(DMDestroy(&fp->da));
  PetscCall(PetscFree3(fp->t, fp->mass, fp->mean));
  PetscCall(PetscFree(fp->Psnap));
  PetscCall(PetscFree(fp));
  *fpp = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPSetDimension(OdFP fp, PetscInt dim)
{
  PetscFunctionBegin;
  PetscCheck(dim == 1 || dim == 2, fp->comm, PETSC_ERR_ARG_OUTOFRANGE, "dimension %" PetscInt_FMT ": must be 1 or 2", dim);
  PetscCheck(!fp->ops, fp->comm, PETSC_ERR_ORDER, "set the dimension before OdFPSetFromOptions()");
  fp->dim = dim;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPGetDimension(OdFP fp, PetscInt *dim)
{
  PetscFunctionBegin;
  *dim = fp->dim;
  PetscFunctionReturn(0);
}

/* The options of both dimensions; the dimension's own ones through ops->set_from_options. */
static PetscErrorCode ReadOptions(OdFP fp)
{
  PetscFunctionBegin;
  PetscOptionsBegin(fp->comm, NULL, "Progress", NULL);
  PetscCall(OdOptionsBool(PetscOptionsObject, "-quiet", "No progress lines", &fp->quiet, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-restart", "Continue from the checkpoint OUTPUT.ckpt if it exists", &fp->restart, NULL));
  PetscOptionsEnd();
  PetscOptionsBegin(fp->comm, "fp_", "Fokker-Planck probability-current solver", NULL);
  PetscCall(OdOptionsInt(PetscOptionsObject, "-dim", "Dimension of the parameter W: 1 or 2", OD_RANGE_CLOSED(1, 2), &fp->dim, NULL));
  PetscOptionsEnd();
  fp->ops = fp->dim == 1 ? &OdFPOps1D : &OdFPOps2D;
  PetscCall(fp->ops->create(fp)); /* the dimension's defaults and landscape */
  PetscCall(OdOptionsSeed(fp->comm, &fp->seed));
  PetscOptionsBegin(fp->comm, "fp_", "Fokker-Planck probability-current solver", NULL);
  PetscCall(OdOptionsReal(PetscOptionsObject, "-T", "Learning rate (temperature) T", OD_RANGE_POSITIVE, &fp->T, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-alpha", "Noise convention: 1 Ito, 0.5 Stratonovich, 0 isothermal", OD_RANGE_CLOSED(0, 1), &fp->alpha, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-noise", "Scale of the gradient (co)variance (0: gradient descent only)", OD_RANGE_NONNEGATIVE, &fp->noise, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-t_final", "Final time (in SGD steps)", OD_RANGE_POSITIVE, &fp->t_final, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-nt", "Number of output times, evenly spaced over [0, t_final]", OD_RANGE_AT_LEAST(2), &fp->nt, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-save_P", "Write the density snapshots", &fp->save_P, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-reuse_factor", "Backward Euler: rebuild and refactor (I/dt - A) only when dt changes", &fp->reuse, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-step", "Time step: auto (fused 1-D step when steps are fixed backward Euler), fused, ts (PETSc TS, the reference path)", OdFPStepNames, 3, &fp->step_method, NULL));
  fp->dt0 = fp->dim == 1 ? fp->t_final / 1000 : fp->t_final / (10 * (fp->nt - 1));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-dt", "(Initial) time step (default 1-D t_final/1000, 2-D t_final/(10 (nt - 1)); -ts_dt overrides)", OD_RANGE_POSITIVE, &fp->dt0, &fp->dt0_set));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-checkpoint_interval", "Seconds between checkpoints, taken at output times (0: at every output time)", OD_RANGE_NONNEGATIVE, &fp->ckpt_interval, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-stop_after", "Testing: act as if SIGUSR1 arrived after this output index (0: never)", OD_RANGE_AT_LEAST(0), &fp->stop_after, NULL));
  PetscCall(fp->ops->set_from_options(fp, PetscOptionsObject));
  PetscOptionsEnd();
  PetscCheck(fp->step_method != OD_FP_STEP_FUSED || fp->ops->fused_step, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_step fused is not allowed with -fp_dim %" PetscInt_FMT ": the fused step is 1-D only", fp->dim);
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPSetFromOptions(OdFP fp)
{
  SNES snes;
  PetscFunctionBegin;
  PetscCall(ReadOptions(fp));
  /* the TS (and the dimension's solver defaults), so that every -ts_*, -ksp_*, -pc_* option is
     read, and checked as used, before any work */
  PetscCall(TSCreate(fp->comm, &fp->ts));
  PetscCall(TSSetProblemType(fp->ts, TS_LINEAR));
  PetscCall(TSSetType(fp->ts, TSBEULER));
  PetscCall(TSSetTimeStep(fp->ts, fp->dt0));
  PetscCall(TSSetMaxTime(fp->ts, fp->t_final));
  PetscCall(TSSetMaxSteps(fp->ts, PETSC_MAX_INT));
  PetscCall(TSSetExactFinalTime(fp->ts, TS_EXACTFINALTIME_MATCHSTEP));
  PetscCall(TSGetSNES(fp->ts, &snes));
  PetscCall(SNESSetType(snes, SNESKSPONLY));
  PetscCall(fp->ops->configure_ts(fp, fp->ts));
  PetscCall(TSSetFromOptions(fp->ts));
  PetscFunctionReturn(0);
}

/* Implicit form F = Udot - A U with the Jacobian shift I - A rebuilt only when the shift (1/dt
   for backward Euler) changes: the matrix object is untouched between rebuilds, so KSP/PC keep
   their factorization (fixed dt: one factorization per run). */
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
  if (!(shift == fp->factor_free)) fp->factorizations++; /* a restart rebuilding the saved factor */
  fp->factor_free = NAN;
  PetscFunctionReturn(0);
}

/* Which step runs: the fused one needs fixed backward-Euler steps (it has no error estimator)
   and, under auto, the default factor-once path (the TS-path options -fp_reuse_factor 0 or
   -fp_thomas 0 ask for the reference path). */
static PetscErrorCode ChooseStep(OdFP fp)
{
  TSAdapt adapt;
  TSAdaptType atype;
  TSType ttype;
  PetscBool beuler, fixed;
  PetscFunctionBegin;
  PetscCall(TSGetType(fp->ts, &ttype));
  PetscCall(PetscObjectTypeCompare((PetscObject)fp->ts, TSBEULER, &beuler));
  PetscCall(TSGetAdapt(fp->ts, &adapt));
  PetscCall(TSAdaptGetType(adapt, &atype));
  PetscCall(PetscStrcmp(atype, TSADAPTNONE, &fixed));
  fp->fused = PETSC_FALSE;
  if (fp->step_method == OD_FP_STEP_FUSED) {
    PetscCheck(beuler && fixed, fp->comm, PETSC_ERR_USER_INPUT, "option -fp_step fused is not allowed with -ts_type %s -ts_adapt_type %s: it needs fixed backward-Euler steps (-ts_type beuler -ts_adapt_type none)", ttype, atype);
    fp->fused = PETSC_TRUE;
  } else if (fp->step_method == OD_FP_STEP_AUTO) fp->fused = fp->ops->fused_step && beuler && fixed && fp->reuse && (fp->dim != 1 || fp->thomas) ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(TSGetTimeStep(fp->ts, &fp->dt_fixed));
  PetscFunctionReturn(0);
}

/* Hand the assembled operator to TS (implicit factor-once form for backward Euler, the RHS
   form otherwise). */
PetscErrorCode OdFPCreateOperatorTS(OdFP fp)
{
  PetscFunctionBegin;
  PetscCall(TSSetDM(fp->ts, fp->da));
  PetscCall(TSSetApplicationContext(fp->ts, fp));
  PetscCall(PetscObjectTypeCompare((PetscObject)fp->ts, TSBEULER, &fp->conservative));
  if (fp->conservative && fp->reuse) {
    PetscCall(MatDuplicate(fp->A, MAT_COPY_VALUES, &fp->J));
    PetscCall(TSSetIFunction(fp->ts, NULL, IFunctionLinear, fp));
    PetscCall(TSSetIJacobian(fp->ts, fp->J, fp->J, IJacobianShift, fp));
  } else {
    PetscCall(TSSetRHSFunction(fp->ts, NULL, TSComputeRHSFunctionLinear, NULL));
    PetscCall(TSSetRHSJacobian(fp->ts, fp->A, fp->A, TSComputeRHSJacobianConstant, NULL));
  }
  PetscCall(VecDuplicate(fp->P, &fp->Pold));
  PetscCall(VecZeroEntries(fp->Pold)); /* the fused path never sets it, a checkpoint stores it */
  PetscCall(DMCreateLocalVector(fp->da, &fp->Ploc));
  PetscCall(TSSetSolution(fp->ts, fp->P));
  PetscCall(TSSetTime(fp->ts, 0));
  PetscCall(ChooseStep(fp));
  if (!fp->fused) PetscCall(TSSetUp(fp->ts));
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPSetUp(OdFP fp)
{
  PetscFunctionBegin;
  PetscCheck(fp->ops, fp->comm, PETSC_ERR_ORDER, "call OdFPSetFromOptions() first");
  PetscCall(fp->ops->set_up(fp));
  PetscCall(OdFPCreateOperatorTS(fp));
  PetscCall(PetscMalloc3(fp->nt, &fp->t, fp->nt, &fp->mass, fp->dim * fp->nt, &fp->mean));
  for (PetscInt k = 0; k < fp->nt; k++) fp->t[k] = k == fp->nt - 1 ? fp->t_final : fp->t_final * k / (fp->nt - 1);
  fp->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* ---------------- the time loop ---------------- */

static PetscErrorCode LocalMin(OdFP fp)
{
  const PetscScalar *p;
  PetscInt n;
  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(fp->P, &n));
  PetscCall(VecGetArrayRead(fp->P, &p));
  for (PetscInt k = 0; k < n; k++) fp->P_min_local = PetscMin(fp->P_min_local, p[k]);
  PetscCall(VecRestoreArrayRead(fp->P, &p));
  PetscFunctionReturn(0);
}

/* One backward-Euler step through PETSc TS, then the flux-form update. */
static PetscErrorCode StepTS(OdFP fp, PetscReal dt)
{
  TSConvergedReason reason;
  PetscFunctionBegin;
  PetscCall(TSSetTimeStep(fp->ts, dt));
  PetscCall(VecCopy(fp->P, fp->Pold)); /* the flux-form update and a checkpoint need it */
  PetscCall(TSStep(fp->ts));
  PetscCall(TSGetConvergedReason(fp->ts, &reason));
  PetscCheck(reason >= 0, fp->comm, PETSC_ERR_NOT_CONVERGED, "time integration failed at t = %g (TS reason %s)", (double)fp->time, TSConvergedReasons[reason]);
  const PetscReal tprev = fp->time;
  PetscCall(TSGetTime(fp->ts, &fp->time));
  /* the step taken (the one asked unless the controller rejected it): a restart replays it */
  fp->t_prev = tprev, fp->dt_last = fp->time == tprev + dt ? dt : fp->time - tprev;
  if (fp->conservative) PetscCall(fp->ops->flux_update(fp, fp->P, fp->time - tprev));
  PetscCall(LocalMin(fp));
  PetscFunctionReturn(0);
}

/* Step to exactly t_end. The loop is ours (not TSSolve) so that the flux-form update after each
   step does not count as a user change of the solution, which would restart the step-size
   controller every step. Steps are shortened to land on t_end (unless already within round-off
   of it: then the planned step is kept, so the factor is kept); the step proposed before
   shortening is restored afterwards. */
static PetscErrorCode Advance(OdFP fp, PetscReal t_end)
{
  PetscReal dt, dt_keep = 0;
  PetscFunctionBegin;
  while (fp->time < t_end - 1e-12 * PetscMax(1, PetscAbsReal(t_end))) {
    if (fp->fused) dt = fp->dt_fixed;
    else PetscCall(TSGetTimeStep(fp->ts, &dt));
    if (dt_keep > dt) dt = dt_keep;
    dt_keep = 0;
    if (fp->time + dt >= t_end - 1e-10 * dt) {
      dt_keep = dt;
      if (PetscAbsReal(t_end - fp->time - dt) > 1e-12 * dt) dt = t_end - fp->time;
    }
    const double w0 = MPI_Wtime();
    if (fp->fused) {
      PetscCall(fp->ops->fused_step(fp, dt));
      fp->time += dt;
    } else PetscCall(StepTS(fp, dt));
    fp->wall_step_min = PetscMin(fp->wall_step_min, MPI_Wtime() - w0);
    fp->steps++;
    if (!fp->fused) PetscCall(TSMonitor(fp->ts, fp->steps, fp->time, fp->P));
  }
  fp->time = t_end; /* remove the slack */
  if (!fp->fused) PetscCall(TSSetTime(fp->ts, t_end));
  PetscFunctionReturn(0);
}

/* The parts of a record every dimension shares: mass, drift against the initial mass, P_min. */
PetscErrorCode OdFPRecordCommon(OdFP fp, PetscInt k, PetscReal mass, PetscReal escaped)
{
  PetscFunctionBegin;
  fp->mass[k] = mass;
  if (k == 0) fp->mass0 = mass;
  fp->mass_drift = PetscMax(fp->mass_drift, PetscAbsReal(mass + escaped - fp->mass0) / fp->mass0);
  PetscCallMPI(MPI_Allreduce(&fp->P_min_local, &fp->P_min, 1, MPIU_REAL, MPIU_MIN, fp->comm));
  PetscFunctionReturn(0);
}

/* The TS path's step-size controller estimates the error from the two previous solutions and
   their times, which live inside TS (not in the checkpoint). Replaying the last step from the
   saved previous solution puts them there; its result is then replaced by the saved solution
   (that of the uninterrupted run) and the saved proposal for the next step is restored (the
   first step of a fresh TS has no error estimate and would keep its size). Counters and
   accumulators the replay touches are restored. */
static PetscErrorCode ReplayLastStep(OdFP fp)
{
  const PetscReal t_k = fp->time, pmin = fp->P_min_local, esc[3] = {fp->esc_left, fp->esc_right, fp->clipped};
  PetscInt its;
  Vec keep;
  PetscFunctionBegin;
  PetscCall(VecDuplicate(fp->P, &keep));
  PetscCall(VecCopy(fp->P, keep));
  PetscCall(VecCopy(fp->Pold, fp->P));
  fp->time = fp->t_prev;
  PetscCall(TSSetTime(fp->ts, fp->t_prev));
  PetscCall(StepTS(fp, fp->dt_last));
  PetscCall(VecCopy(keep, fp->P));
  PetscCall(VecDestroy(&keep));
  fp->time = t_k;
  PetscCall(TSSetTime(fp->ts, t_k));
  PetscCall(TSSetTimeStep(fp->ts, fp->ck_state[1]));
  fp->P_min_local = pmin, fp->esc_left = esc[0], fp->esc_right = esc[1], fp->clipped = esc[2];
  PetscCall(TSGetKSPIterations(fp->ts, &its));
  fp->linear_its0 -= its;
  PetscFunctionReturn(0);
}

/* -restart: continue from OUTPUT.ckpt if it exists; *k0 is the last output already recorded. */
static PetscErrorCode Resume(OdFP fp, PetscInt *k0)
{
  PetscBool found;
  PetscFunctionBegin;
  PetscCall(OdFPCheckpointLoad(fp, k0, &found));
  if (!found) {
    PetscCall(PetscPrintf(fp->comm, "[fp] -restart: no checkpoint %s yet, starting from the beginning\n", OdCheckpointGetPath(fp->ckpt)));
    PetscFunctionReturn(0);
  }
  if (!fp->fused) PetscCall(ReplayLastStep(fp));
  PetscCall(PetscPrintf(fp->comm, "[fp] restarting from %s at t = %g (output %" PetscInt_FMT " of %" PetscInt_FMT ")\n", OdCheckpointGetPath(fp->ckpt), (double)fp->time, *k0, fp->nt - 1));
  PetscFunctionReturn(0);
}

/* Output 0, or (resumable, -restart) the state of the checkpoint. */
static PetscErrorCode Start(OdFP fp, PetscBool resumable, PetscInt *k0)
{
  PetscFunctionBegin;
  *k0 = 0;
  fp->steps = 0;
  fp->mass_drift = 0;
  fp->time = 0;
  fp->P_min_local = PETSC_MAX_REAL;
  fp->linear_its0 = 0;
  fp->wall_step_min = PETSC_INFINITY;
  if (resumable && fp->restart) PetscCall(Resume(fp, k0));
  if (*k0 > 0) PetscFunctionReturn(0);
  PetscCall(LocalMin(fp));
  PetscCall(fp->ops->record(fp, 0));
  if (!fp->fused) PetscCall(TSMonitor(fp->ts, 0, 0, fp->P));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunLoop(OdFP fp, PetscBool resumable, PetscBool *interrupted)
{
  OdProgress prog;
  PetscInt k0, its;
  double t0, last;
  PetscFunctionBegin;
  *interrupted = PETSC_FALSE;
  PetscCheck(fp->setup, fp->comm, PETSC_ERR_ORDER, "call OdFPSetUp() first");
  PetscCall(Start(fp, resumable, &k0));
  OdProgressStart(&prog, fp->comm, fp->dim == 1 ? "fp" : "fp2d", fp->t_final, fp->t[k0], fp->quiet);
  OdProgressSetUnits(&prog, "cell-steps", (double)(fp->dim == 1 ? fp->n : fp->nx * fp->ny)); /* progress counts simulated SGD steps */
  t0 = last = MPI_Wtime();
  for (PetscInt k = k0 + 1; k < fp->nt && !*interrupted; k++) {
    PetscCall(Advance(fp, fp->t[k]));
    PetscCall(fp->ops->record(fp, k));
    if (resumable && k < fp->nt - 1) PetscCall(OdFPCheckpointStep(fp, k, &last, interrupted));
    if (!*interrupted) PetscCall(OdProgressUpdate(&prog, fp->t[k]));
  }
  fp->wall_ts = MPI_Wtime() - t0;
  if (*interrupted) {
    PetscCall(OdProgressInterrupted(&prog, fp->time));
    PetscFunctionReturn(0);
  }
  if (!fp->fused) PetscCall(TSGetKSPIterations(fp->ts, &its));
  if (!fp->fused) fp->linear_its = fp->linear_its0 + its;
  PetscCall(OdProgressFinish(&prog));
  if (fp->ops->after_run) PetscCall(fp->ops->after_run(fp));
  fp->ran = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPRun(OdFP fp)
{
  PetscBool interrupted;
  PetscFunctionBegin;
  PetscCall(RunLoop(fp, PETSC_FALSE, &interrupted));
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPRunResumable(OdFP fp, PetscBool *interrupted)
{
  PetscFunctionBegin;
  PetscCheck(fp->setup, fp->comm, PETSC_ERR_ORDER, "call OdFPSetUp() first");
  if (!fp->ckpt) PetscCall(OdFPCheckpointDeclare(fp));
  PetscCall(RunLoop(fp, PETSC_TRUE, interrupted));
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPWrite(OdFP fp)
{
  PetscFunctionBegin;
  PetscCheck(fp->ran, fp->comm, PETSC_ERR_ORDER, "call OdFPRun() first");
  PetscCall(fp->ops->write(fp));
  if (fp->ckpt) PetscCall(OdCheckpointRemove(fp->ckpt)); /* only now is the work safe */
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPView(OdFP fp, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCheck(fp->ops, fp->comm, PETSC_ERR_ORDER, "call OdFPSetFromOptions() first");
  PetscCall(fp->ops->view(fp, viewer));
  PetscFunctionReturn(0);
}

/* ---------------- results ---------------- */

#define OD_FP_REQUIRE_DIM(fp, d) PetscCheck((fp)->dim == (d), (fp)->comm, PETSC_ERR_ARG_WRONGSTATE, "%s() is for dimension %d; this object has dimension %" PetscInt_FMT, PETSC_FUNCTION_NAME, d, (fp)->dim)

PetscErrorCode OdFPGetHistory(OdFP fp, OdFPHistory *h)
{
  PetscFunctionBegin;
  OD_FP_REQUIRE_DIM(fp, 1);
  h->nt = fp->nt;
  h->t = fp->t, h->mass = fp->mass, h->mean = fp->mean, h->std = fp->std, h->escaped = fp->escaped;
  h->P_min = fp->P_min;
  h->mass_drift = fp->mass_drift;
  h->steps = fp->steps;
  h->factorizations = fp->factorizations;
  h->linear_iterations = fp->linear_its;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPGetHistory2D(OdFP fp, OdFPHistory2D *h)
{
  PetscFunctionBegin;
  OD_FP_REQUIRE_DIM(fp, 2);
  h->nt = fp->nt;
  h->t = fp->t, h->mass = fp->mass, h->mean = fp->mean, h->cov = fp->cov;
  h->P_min = fp->P_min, h->mass_drift = fp->mass_drift, h->steps = fp->steps;
  h->negative_offdiag = fp->negative;
  h->factorizations = fp->factorizations;
  h->cross_limited = fp->limited;
  h->linear_iterations = fp->linear_its;
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
  OD_FP_REQUIRE_DIM(fp, 1);
  if (n) *n = fp->n;
  if (Wmin) *Wmin = fp->Wmin;
  if (h) *h = fp->h;
  if (da) *da = fp->da;
  PetscFunctionReturn(0);
}

PetscErrorCode OdFPGetGrid2D(OdFP fp, PetscInt *nx, PetscInt *ny, DM *da)
{
  PetscFunctionBegin;
  OD_FP_REQUIRE_DIM(fp, 2);
  if (nx) *nx = fp->nx;
  if (ny) *ny = fp->ny;
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

PetscErrorCode OdFPGetStepMethod(OdFP fp, PetscBool *fused)
{
  PetscFunctionBegin;
  PetscCheck(fp->setup, fp->comm, PETSC_ERR_ORDER, "call OdFPSetUp() first");
  *fused = fp->fused;
  PetscFunctionReturn(0);
}
