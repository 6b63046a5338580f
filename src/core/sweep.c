/* Sweeps: units dealt to ranks in rounds, all-gathered, checkpointed, sliced. */
#include <stdio.h>
#include <string.h>
#include "optdyn/sweep.h"
#include "optdyn/options.h"
#include "optdyn/progress.h"
#include "optdyn/checkpoint.h"
#include "optdyn/runctl.h"
#include "optdyn/budget.h"

#define OD_SWEEP_MAX_INPUTS 8

struct _n_OdSweep {
  MPI_Comm comm;
  PetscInt npoints, nchunks, reclen;
  PetscInt K, N, first, count;
  PetscBool restart, quiet, setup;
  PetscReal ckpt_interval;
  char ckpt_path[PETSC_MAX_PATH_LEN];
  char label[64];
  char inputs[OD_SWEEP_MAX_INPUTS][PETSC_MAX_PATH_LEN]; /* files the result depends on */
  PetscInt ninputs;
  char units[32];         /* progress unit of the command (helper ux) */
  double units_per_point; /* ... and how many a point is */
  OdSweepBatchFn batch_fn; /* optional: a rank's units of a round in one call (helper esc) */
};

PetscErrorCode OdSweepCreate(MPI_Comm comm, OdSweep *sweep)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(sweep));
  (*sweep)->comm = comm;
  (*sweep)->N = 1;
  (*sweep)->nchunks = 1;
  (*sweep)->reclen = 1;
  (*sweep)->ckpt_interval = 60;
  PetscCall(PetscStrncpy((*sweep)->label, "sweep", sizeof (*sweep)->label));
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepDestroy(OdSweep *sweep)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(*sweep));
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepSetSizes(OdSweep sweep, PetscInt npoints, PetscInt nchunks, PetscInt reclen)
{
  PetscFunctionBegin;
  PetscCheck(npoints >= 1 && nchunks >= 1 && reclen >= 1, sweep->comm, PETSC_ERR_ARG_OUTOFRANGE, "sweep sizes must be positive: points %" PetscInt_FMT ", chunks %" PetscInt_FMT ", record %" PetscInt_FMT, npoints, nchunks, reclen);
  sweep->npoints = npoints;
  sweep->nchunks = nchunks;
  sweep->reclen = reclen;
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepParseSlice(MPI_Comm comm, const char *text, PetscInt *K, PetscInt *N)
{
  long long k, n;
  char tail;
  PetscFunctionBegin;
  PetscCheck(sscanf(text, "%lld/%lld%c", &k, &n, &tail) == 2 && n >= 1 && n <= PETSC_MAX_INT && k >= 0 && k < n, comm, PETSC_ERR_USER_INPUT, "option -sweep_slice = '%s' is not allowed: expected K/N with 0 <= K < N <= %d (K is 0-based, e.g. SLURM_ARRAY_TASK_ID)", text, (int)PETSC_MAX_INT);
  *K = (PetscInt)k;
  *N = (PetscInt)n;
  PetscFunctionReturn(0);
}

void OdSweepSliceRange(PetscInt npoints, PetscInt K, PetscInt N, PetscInt *first, PetscInt *count)
{
  const PetscInt lo = (PetscInt)(((long long)npoints * K) / N), hi = (PetscInt)(((long long)npoints * (K + 1)) / N);
  *first = lo;
  *count = hi - lo;
}

/* The common option -landscape FILE.yaml names a file the result depends on. */
static PetscErrorCode AddLandscapeFile(OdSweep sweep)
{
  char name[PETSC_MAX_PATH_LEN];
  PetscBool set;
  size_t len;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-landscape", name, sizeof name, &set));
  len = set ? strlen(name) : 0;
  if ((len > 5 && !strcmp(name + len - 5, ".yaml")) || (len > 4 && !strcmp(name + len - 4, ".yml"))) PetscCall(OdSweepAddInputFile(sweep, name));
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepSetFromOptions(OdSweep sweep)
{
  char slice[64] = "0/1";
  PetscBool set;
  PetscFunctionBegin;
  PetscOptionsBegin(sweep->comm, NULL, "Sweep distribution, slicing and checkpoints", NULL);
  PetscCall(OdOptionsString(PetscOptionsObject, "-sweep_slice", "Compute slice K/N of the sweep's points (K = 0..N-1), for job arrays", slice, sizeof slice, &set));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-restart", "Continue from the checkpoint OUTPUT.ckpt if it exists", &sweep->restart, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-quiet", "No progress lines", &sweep->quiet, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sweep_checkpoint_interval", "Seconds between checkpoints (0: after every round)", OD_RANGE_NONNEGATIVE, &sweep->ckpt_interval, NULL));
  PetscOptionsEnd();
  PetscCall(OdSweepParseSlice(sweep->comm, slice, &sweep->K, &sweep->N));
  PetscCall(AddLandscapeFile(sweep));
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepSetCheckpointPath(OdSweep sweep, const char *path)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(sweep->ckpt_path, path, sizeof sweep->ckpt_path));
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepSetLabel(OdSweep sweep, const char *label)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(sweep->label, label, sizeof sweep->label));
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepSetProgressUnits(OdSweep sweep, const char *units, double units_per_point)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(sweep->units, units, sizeof sweep->units));
  sweep->units_per_point = units_per_point;
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepSetUp(OdSweep sweep)
{
  PetscFunctionBegin;
  PetscCheck(sweep->npoints >= 1, sweep->comm, PETSC_ERR_ORDER, "OdSweepSetSizes() must be called before OdSweepSetUp()");
  PetscCheck(sweep->N <= sweep->npoints, sweep->comm, PETSC_ERR_USER_INPUT, "option -sweep_slice = %" PetscInt_FMT "/%" PetscInt_FMT " is not allowed: the sweep has only %" PetscInt_FMT " points, so N must be <= %" PetscInt_FMT, sweep->K, sweep->N, sweep->npoints, sweep->npoints);
  OdSweepSliceRange(sweep->npoints, sweep->K, sweep->N, &sweep->first, &sweep->count);
  { /* records per unit and per point (module + sweep + gather buffers), before anything is allocated */
    const double units = (double)sweep->count * sweep->nchunks, bytes = 8.0 * (units * (sweep->reclen + 2) + 3.0 * sweep->count * sweep->reclen);
    char what[128];
    snprintf(what, sizeof what, "the %s sweep's records (%" PetscInt_FMT " points x %" PetscInt_FMT " chunks x %" PetscInt_FMT " values)", sweep->label, sweep->count, sweep->nchunks, sweep->reclen);
    PetscCall(OdBudgetCheckMemory(sweep->comm, bytes, what, "the number of points, the walkers per point or the chunking, or compute slices with -sweep_slice"));
  }
  sweep->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepGetSlice(OdSweep sweep, PetscInt *first, PetscInt *count, PetscInt *K, PetscInt *N)
{
  PetscFunctionBegin;
  PetscCheck(sweep->setup, sweep->comm, PETSC_ERR_ORDER, "call OdSweepSetUp() first");
  if (first) *first = sweep->first;
  if (count) *count = sweep->count;
  if (K) *K = sweep->K;
  if (N) *N = sweep->N;
  PetscFunctionReturn(0);
}

/* ---- checkpoint: the core format (optdyn/checkpoint.h), kind "sweep" ----
   identity "sweep shape" (slice, points, chunks, record length) and the input files;
   dataset done[nunits] (int64, 0 or 1) and records[nunits, reclen] (real; non-finite values
   allowed, since a unit's record is whatever the command computes). */
static PetscErrorCode CheckpointOpen(OdSweep sweep, PetscInt nunits, int64_t done[], PetscReal rec[], OdCheckpoint *ck)
{
  char shape[256];
  const PetscInt d1[1] = {nunits}, d2[2] = {nunits, sweep->reclen};
  PetscFunctionBegin;
  PetscCall(OdCheckpointCreate(sweep->comm, sweep->ckpt_path, "sweep", ck));
  snprintf(shape, sizeof shape, "slice %" PetscInt_FMT "/%" PetscInt_FMT ", points %" PetscInt_FMT " of %" PetscInt_FMT " from %" PetscInt_FMT ", %" PetscInt_FMT " chunks, record %" PetscInt_FMT, sweep->K, sweep->N, sweep->count, sweep->npoints, sweep->first, sweep->nchunks, sweep->reclen);
  PetscCall(OdCheckpointAddIdentity(*ck, "sweep shape", shape));
  for (PetscInt i = 0; i < sweep->ninputs; i++) PetscCall(OdCheckpointAddInputFile(*ck, sweep->inputs[i]));
  PetscCall(OdCheckpointAddInt64(*ck, "done", 1, d1, done, 0, 1));
  PetscCall(OdCheckpointAddReal(*ck, "records", 2, d2, rec, PETSC_FALSE));
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepAddInputFile(OdSweep sweep, const char *path)
{
  PetscFunctionBegin;
  PetscCheck(sweep->ninputs < OD_SWEEP_MAX_INPUTS, sweep->comm, PETSC_ERR_SUP, "at most %d input files per sweep", OD_SWEEP_MAX_INPUTS);
  PetscCall(PetscStrncpy(sweep->inputs[sweep->ninputs++], path, sizeof sweep->inputs[0]));
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepRemoveCheckpoint(OdSweep sweep)
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(sweep->comm, &rank));
  if (!rank && sweep->ckpt_path[0]) (void)remove(sweep->ckpt_path);
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepSetBatchFn(OdSweep sweep, OdSweepBatchFn fn)
{
  PetscFunctionBegin;
  sweep->batch_fn = fn;
  PetscFunctionReturn(0);
}

/* Rounds adapt their size: a round gives each rank `batch` units (dealt cyclically within the
   round), and the batch doubles while rounds take less than this many seconds, so cheap units
   do not pay one collective each. The batch only changes who computes what and when, never a
   unit's record, so results do not depend on it. */
#define OD_SWEEP_ROUND_TARGET 0.25
#define OD_SWEEP_MAX_BATCH 4096

/* One round over todo[pos, pos + size*batch): every rank learns every result. */
static PetscErrorCode RunRound(OdSweep sweep, const PetscInt todo[], PetscInt ntodo, PetscInt pos, PetscInt batch, OdSweepUnitFn fn, void *ctx, PetscReal *sendbuf, PetscReal *recvbuf, int64_t done[], PetscReal rec[])
{
  PetscMPIInt rank, size;
  const PetscInt rl = sweep->reclen, msg = rl + 1;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(sweep->comm, &rank));
  PetscCallMPI(MPI_Comm_size(sweep->comm, &size));
  PetscInt n = 0, *point = NULL, *chunk = NULL;
  PetscReal **recp = NULL;
  if (sweep->batch_fn) PetscCall(PetscMalloc3(batch, &point, batch, &chunk, batch, &recp));
  for (PetscInt b = 0; b < batch; b++) {
    PetscReal *out = sendbuf + b * msg;
    const PetscInt at = pos + rank + (PetscInt)size * b;
    out[0] = -1; /* unit index, or -1 for "no unit" */
    if (at >= ntodo) continue;
    const PetscInt u = todo[at];
    out[0] = (PetscReal)u;
    PetscCall(PetscArrayzero(out + 1, rl));
    if (sweep->batch_fn) point[n] = sweep->first + u / sweep->nchunks, chunk[n] = u % sweep->nchunks, recp[n++] = out + 1;
    else PetscCall(fn(ctx, sweep->first + u / sweep->nchunks, u % sweep->nchunks, out + 1));
  }
  if (sweep->batch_fn) {
    if (n > 0) PetscCall(sweep->batch_fn(ctx, n, point, chunk, recp));
    PetscCall(PetscFree3(point, chunk, recp));
  }
  PetscCallMPI(MPI_Allgather(sendbuf, (PetscMPIInt)(batch * msg), MPIU_REAL, recvbuf, (PetscMPIInt)(batch * msg), MPIU_REAL, sweep->comm));
  for (PetscInt i = 0; i < (PetscInt)size * batch; i++) {
    const PetscReal *m = recvbuf + i * msg;
    if (m[0] < 0) continue;
    const PetscInt u = (PetscInt)m[0];
    PetscCall(PetscArraycpy(rec + u * rl, m + 1, rl));
    done[u] = 1;
  }
  PetscFunctionReturn(0);
}

/* -restart: load the checkpoint if there is one (refused if it does not match this run). */
static PetscErrorCode LoadCheckpoint(OdSweep sweep, OdCheckpoint ck, PetscInt nunits, const int64_t done[])
{
  PetscBool found = PETSC_FALSE;
  PetscInt ndone = 0;
  PetscFunctionBegin;
  if (!sweep->restart || !sweep->ckpt_path[0]) PetscFunctionReturn(0);
  PetscCall(OdCheckpointRead(ck, &found));
  if (!found) {
    PetscCall(PetscPrintf(sweep->comm, "[%s] -restart: no checkpoint %s yet, starting from the beginning\n", sweep->label, sweep->ckpt_path));
    PetscFunctionReturn(0);
  }
  for (PetscInt u = 0; u < nunits; u++) ndone += done[u] ? 1 : 0;
  PetscCall(PetscPrintf(sweep->comm, "[%s] restarting from %s: %" PetscInt_FMT " of %" PetscInt_FMT " units already done\n", sweep->label, sweep->ckpt_path, ndone, nunits));
  PetscFunctionReturn(0);
}

/* Each point's record is the sum of its chunks in chunk order: rank-count independent. */
static PetscErrorCode SumChunks(OdSweep sweep, const PetscReal rec[], PetscReal records[])
{
  const PetscInt rl = sweep->reclen;
  PetscFunctionBegin;
  PetscCall(PetscArrayzero(records, sweep->count * rl));
  for (PetscInt p = 0; p < sweep->count; p++)
    for (PetscInt c = 0; c < sweep->nchunks; c++)
      for (PetscInt i = 0; i < rl; i++) records[p * rl + i] += rec[(p * sweep->nchunks + c) * rl + i];
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt *todo, ntodo, batch, cap;
  PetscReal *sendbuf, *recvbuf;
  double last_ckpt;
} RoundState;

/* One round plus its collective decisions: stop, checkpoint, next batch size. Sets *stopped
   when the run must end here with a checkpoint written. */
static PetscErrorCode RoundAndDecide(OdSweep sweep, RoundState *rs, PetscInt *pos, OdSweepUnitFn fn, void *ctx, int64_t done[], PetscReal rec[], OdCheckpoint ck, PetscBool *stopped)
{
  PetscMPIInt size;
  PetscBool written = PETSC_FALSE;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(sweep->comm, &size));
  if (rs->batch > rs->cap) { /* grow the message buffers with the batch */
    PetscCall(PetscFree2(rs->sendbuf, rs->recvbuf));
    rs->cap = rs->batch;
    PetscCall(PetscMalloc2(rs->cap * (sweep->reclen + 1), &rs->sendbuf, (size_t)size * rs->cap * (sweep->reclen + 1), &rs->recvbuf));
  }
  const double t0 = MPI_Wtime();
  PetscCall(RunRound(sweep, rs->todo, rs->ntodo, *pos, rs->batch, fn, ctx, rs->sendbuf, rs->recvbuf, done, rec));
  /* every rank must agree on stopping and on the next batch, so both are reduced */
  double local[2] = {OdRunctlStopRequested() ? 1.0 : 0.0, MPI_Wtime() - t0}, global[2];
  PetscCallMPI(MPI_Allreduce(local, global, 2, MPI_DOUBLE, MPI_MAX, sweep->comm));
  const PetscBool stop = global[0] > 0 ? PETSC_TRUE : PETSC_FALSE;
  *pos = PetscMin(*pos + (PetscInt)size * rs->batch, rs->ntodo);
  const PetscInt left = rs->ntodo - *pos;
  const double now = MPI_Wtime();
  if (left > 0 && sweep->ckpt_path[0] && (stop || now - rs->last_ckpt >= sweep->ckpt_interval)) {
    PetscCall(OdCheckpointWrite(ck, &written));
    rs->last_ckpt = now;
  }
  /* a failed checkpoint write was reported; the run then goes on rather than lose the work */
  *stopped = stop && left > 0 && written ? PETSC_TRUE : PETSC_FALSE;
  if (global[1] < OD_SWEEP_ROUND_TARGET && rs->batch < OD_SWEEP_MAX_BATCH) rs->batch *= 2;
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepRun(OdSweep sweep, OdSweepUnitFn fn, void *ctx, PetscReal records[], PetscBool *interrupted)
{
  const PetscInt nunits = sweep->count * sweep->nchunks;
  int64_t *done;
  PetscReal *rec;
  RoundState rs = {NULL, 0, 1, 0, NULL, NULL, 0};
  OdCheckpoint ck;
  OdProgress progress;
  PetscFunctionBegin;
  PetscCheck(sweep->setup, sweep->comm, PETSC_ERR_ORDER, "call OdSweepSetUp() first");
  PetscCall(PetscCalloc2(nunits, &done, nunits * sweep->reclen, &rec));
  PetscCall(PetscMalloc1(nunits, &rs.todo));
  PetscCall(CheckpointOpen(sweep, nunits, done, rec, &ck));
  PetscCall(LoadCheckpoint(sweep, ck, nunits, done));
  for (PetscInt u = 0; u < nunits; u++)
    if (!done[u]) rs.todo[rs.ntodo++] = u;
  OdProgressStart(&progress, sweep->comm, sweep->label, (double)nunits, (double)(nunits - rs.ntodo), sweep->quiet);
  if (sweep->units[0]) OdProgressSetUnits(&progress, sweep->units, sweep->units_per_point / sweep->nchunks);
  rs.last_ckpt = MPI_Wtime();
  *interrupted = PETSC_FALSE;
  for (PetscInt pos = 0; pos < rs.ntodo && !*interrupted;) {
    PetscCall(RoundAndDecide(sweep, &rs, &pos, fn, ctx, done, rec, ck, interrupted));
    PetscCall(OdProgressUpdate(&progress, (double)(nunits - rs.ntodo + pos)));
    if (*interrupted) PetscCall(PetscPrintf(sweep->comm, "[%s] stop signal received: checkpoint written to %s after %" PetscInt_FMT " of %" PetscInt_FMT " units; continue with -restart\n", sweep->label, sweep->ckpt_path, nunits - rs.ntodo + pos, nunits));
  }
  if (*interrupted) {
    PetscInt completed = 0;
    for (PetscInt u = 0; u < nunits; u++) completed += done[u];
    PetscCall(OdProgressInterrupted(&progress, (double)completed));
  } else PetscCall(OdProgressFinish(&progress));
  if (!*interrupted) PetscCall(SumChunks(sweep, rec, records));
  PetscCall(OdCheckpointDestroy(&ck));
  PetscCall(PetscFree2(done, rec));
  PetscCall(PetscFree2(rs.sendbuf, rs.recvbuf));
  PetscCall(PetscFree(rs.todo));
  PetscFunctionReturn(0);
}
