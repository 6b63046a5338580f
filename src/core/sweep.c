/* Sweeps: units dealt to ranks in rounds, all-gathered, checkpointed, sliced. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "optdyn/sweep.h"
#include "optdyn/options.h"
#include "optdyn/progress.h"

/* The one piece of process-global state in optdyn: a signal can only reach the program
   through a flag of static storage. It is only ever set (never cleared). */
static volatile sig_atomic_t od_stop_signal = 0;

static void OnStopSignal(int sig)
{
  (void)sig;
  od_stop_signal = 1;
}

PetscBool OdSweepStopRequested(void) { return od_stop_signal ? PETSC_TRUE : PETSC_FALSE; }

struct _n_OdSweep {
  MPI_Comm comm;
  PetscInt npoints, nchunks, reclen;
  PetscInt K, N, first, count;
  PetscBool restart, quiet, setup;
  PetscReal ckpt_interval;
  char ckpt_path[PETSC_MAX_PATH_LEN];
  char label[64];
  char units[32];         /* progress unit of the command (helper ux) */
  double units_per_point; /* ... and how many a point is */
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
  PetscCheck(sscanf(text, "%lld/%lld%c", &k, &n, &tail) == 2 && n >= 1 && k >= 0 && k < n, comm, PETSC_ERR_USER_INPUT, "option -sweep_slice = '%s' is not allowed: expected K/N with 0 <= K < N (K is 0-based, e.g. SLURM_ARRAY_TASK_ID)", text);
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
  struct sigaction sa;
  PetscFunctionBegin;
  PetscCheck(sweep->npoints >= 1, sweep->comm, PETSC_ERR_ORDER, "OdSweepSetSizes() must be called before OdSweepSetUp()");
  PetscCheck(sweep->N <= sweep->npoints, sweep->comm, PETSC_ERR_USER_INPUT, "option -sweep_slice = %" PetscInt_FMT "/%" PetscInt_FMT " is not allowed: the sweep has only %" PetscInt_FMT " points, so N must be <= %" PetscInt_FMT, sweep->K, sweep->N, sweep->npoints, sweep->npoints);
  OdSweepSliceRange(sweep->npoints, sweep->K, sweep->N, &sweep->first, &sweep->count);
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  PetscCheck(sigaction(SIGTERM, &sa, NULL) == 0 && sigaction(SIGUSR1, &sa, NULL) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot install the SIGTERM/SIGUSR1 handlers");
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

/* ---- checkpoint file: a self-describing binary written atomically by rank 0 ----
   "ODCKPT1\n", int64 nunits, int64 reclen, int64 first, int64 optlen, options text,
   uint8 done[nunits], double records[nunits * reclen] */
static const char od_ckpt_magic[8] = {'O', 'D', 'C', 'K', 'P', 'T', '1', '\n'};

/* The options that define the computation: everything but -restart/-quiet (as text). */
static PetscErrorCode CheckpointIdentity(char **text)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetAll(NULL, text));
  /* blank out flags that do not change results */
  const char *const ignored[] = {"-restart", "-quiet", NULL};
  for (int i = 0; ignored[i]; i++) {
    char *p = *text;
    size_t n = strlen(ignored[i]);
    while ((p = strstr(p, ignored[i]))) {
      if ((p == *text || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0)) {
        /* remove the flag and a following boolean value */
        char *q = p + n;
        while (*q == ' ') q++;
        if (*q && *q != '-') while (*q && *q != ' ') q++;
        memmove(p, q, strlen(q) + 1);
      } else p += n;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteCheckpoint(OdSweep sweep, PetscInt nunits, const unsigned char done[], const PetscReal rec[])
{
  PetscMPIInt rank;
  char *ident, tmp[PETSC_MAX_PATH_LEN + 8];
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(sweep->comm, &rank));
  if (rank || !sweep->ckpt_path[0]) PetscFunctionReturn(0);
  PetscCall(CheckpointIdentity(&ident));
  snprintf(tmp, sizeof tmp, "%s.tmp", sweep->ckpt_path);
  FILE *f = fopen(tmp, "wb");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write checkpoint %s", tmp);
  int64_t hdr[4] = {nunits, sweep->reclen, sweep->first, (int64_t)strlen(ident)};
  int ok = fwrite(od_ckpt_magic, 1, 8, f) == 8 && fwrite(hdr, sizeof hdr, 1, f) == 1 && fwrite(ident, 1, (size_t)hdr[3], f) == (size_t)hdr[3] && fwrite(done, 1, (size_t)nunits, f) == (size_t)nunits &&
           fwrite(rec, sizeof(PetscReal), (size_t)(nunits * sweep->reclen), f) == (size_t)(nunits * sweep->reclen);
  ok = (fclose(f) == 0) && ok;
  PetscCall(PetscFree(ident));
  PetscCheck(ok && rename(tmp, sweep->ckpt_path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write checkpoint %s", sweep->ckpt_path);
  PetscFunctionReturn(0);
}

/* Rank 0 reads the checkpoint; the result is broadcast. Returns found = false if there is none. */
static PetscErrorCode ReadCheckpoint(OdSweep sweep, PetscInt nunits, unsigned char done[], PetscReal rec[], PetscBool *found)
{
  PetscMPIInt rank;
  int status = 0; /* 0 none, 1 ok, 2 corrupt, 3 mismatch */
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(sweep->comm, &rank));
  if (!rank) {
    FILE *f = fopen(sweep->ckpt_path, "rb");
    if (f) {
      char magic[8], *ident, *stored = NULL;
      int64_t hdr[4];
      status = 2;
      PetscCall(CheckpointIdentity(&ident));
      if (fread(magic, 1, 8, f) == 8 && !memcmp(magic, od_ckpt_magic, 8) && fread(hdr, sizeof hdr, 1, f) == 1) {
        if (hdr[0] != nunits || hdr[1] != sweep->reclen || hdr[2] != sweep->first || hdr[3] < 0 || hdr[3] > (1 << 26)) status = 3;
        else {
          PetscCall(PetscCalloc1(hdr[3] + 1, &stored));
          if (fread(stored, 1, (size_t)hdr[3], f) == (size_t)hdr[3]) {
            if (strcmp(stored, ident)) status = 3;
            else if (fread(done, 1, (size_t)nunits, f) == (size_t)nunits && fread(rec, sizeof(PetscReal), (size_t)(nunits * sweep->reclen), f) == (size_t)(nunits * sweep->reclen)) status = 1;
          }
          PetscCall(PetscFree(stored));
        }
      }
      PetscCall(PetscFree(ident));
      fclose(f);
    }
  }
  PetscCallMPI(MPI_Bcast(&status, 1, MPI_INT, 0, sweep->comm));
  PetscCheck(status != 2, sweep->comm, PETSC_ERR_FILE_UNEXPECTED, "checkpoint %s is corrupt; remove it or run without -restart", sweep->ckpt_path);
  PetscCheck(status != 3, sweep->comm, PETSC_ERR_USER_INPUT, "checkpoint %s was written with different options or sweep shape; remove it or rerun with the same options", sweep->ckpt_path);
  *found = status == 1 ? PETSC_TRUE : PETSC_FALSE;
  if (*found) {
    PetscCallMPI(MPI_Bcast(done, (PetscMPIInt)nunits, MPI_UNSIGNED_CHAR, 0, sweep->comm));
    PetscCallMPI(MPI_Bcast(rec, (PetscMPIInt)(nunits * sweep->reclen), MPIU_REAL, 0, sweep->comm));
  }
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

/* Rounds adapt their size: a round gives each rank `batch` units (dealt cyclically within the
   round), and the batch doubles while rounds take less than this many seconds, so cheap units
   do not pay one collective each. The batch only changes who computes what and when, never a
   unit's record, so results do not depend on it. */
#define OD_SWEEP_ROUND_TARGET 0.25
#define OD_SWEEP_MAX_BATCH 4096

/* One round over todo[pos, pos + size*batch): every rank learns every result. */
static PetscErrorCode RunRound(OdSweep sweep, const PetscInt todo[], PetscInt ntodo, PetscInt pos, PetscInt batch, OdSweepUnitFn fn, void *ctx, PetscReal *sendbuf, PetscReal *recvbuf, unsigned char done[], PetscReal rec[])
{
  PetscMPIInt rank, size;
  const PetscInt rl = sweep->reclen, msg = rl + 1;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(sweep->comm, &rank));
  PetscCallMPI(MPI_Comm_size(sweep->comm, &size));
  for (PetscInt b = 0; b < batch; b++) {
    PetscReal *out = sendbuf + b * msg;
    const PetscInt at = pos + rank + (PetscInt)size * b;
    out[0] = -1; /* unit index, or -1 for "no unit" */
    if (at >= ntodo) continue;
    const PetscInt u = todo[at];
    out[0] = (PetscReal)u;
    PetscCall(PetscArrayzero(out + 1, rl));
    PetscCall(fn(ctx, sweep->first + u / sweep->nchunks, u % sweep->nchunks, out + 1));
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

PetscErrorCode OdSweepRun(OdSweep sweep, OdSweepUnitFn fn, void *ctx, PetscReal records[], PetscBool *interrupted)
{
  PetscMPIInt size;
  const PetscInt nunits = sweep->count * sweep->nchunks, rl = sweep->reclen;
  unsigned char *done;
  PetscReal *rec, *sendbuf = NULL, *recvbuf = NULL;
  PetscInt *todo, ntodo = 0, batch = 1, cap = 0;
  PetscBool found = PETSC_FALSE;
  OdProgress progress;
  PetscFunctionBegin;
  PetscCheck(sweep->setup, sweep->comm, PETSC_ERR_ORDER, "call OdSweepSetUp() first");
  PetscCallMPI(MPI_Comm_size(sweep->comm, &size));
  PetscCall(PetscCalloc2(nunits, &done, nunits * rl, &rec));
  PetscCall(PetscMalloc1(nunits, &todo));
  if (sweep->restart && sweep->ckpt_path[0]) {
    PetscCall(ReadCheckpoint(sweep, nunits, done, rec, &found));
    if (!found) PetscCall(PetscPrintf(sweep->comm, "[%s] -restart: no checkpoint %s yet, starting from the beginning\n", sweep->label, sweep->ckpt_path));
  }
  for (PetscInt u = 0; u < nunits; u++)
    if (!done[u]) todo[ntodo++] = u;
  if (found) PetscCall(PetscPrintf(sweep->comm, "[%s] restarting from %s: %" PetscInt_FMT " of %" PetscInt_FMT " units already done\n", sweep->label, sweep->ckpt_path, nunits - ntodo, nunits));

  OdProgressStart(&progress, sweep->comm, sweep->label, (double)nunits, (double)(nunits - ntodo), sweep->quiet);
  if (sweep->units[0]) OdProgressSetUnits(&progress, sweep->units, sweep->units_per_point / sweep->nchunks);
  double last_ckpt = MPI_Wtime();
  *interrupted = PETSC_FALSE;
  for (PetscInt pos = 0, finished = 0; pos < ntodo; pos = finished) {
    if (batch > cap) { /* grow the message buffers with the batch */
      PetscCall(PetscFree2(sendbuf, recvbuf));
      cap = batch;
      PetscCall(PetscMalloc2(cap * (rl + 1), &sendbuf, (size_t)size * cap * (rl + 1), &recvbuf));
    }
    const double t0 = MPI_Wtime();
    PetscCall(RunRound(sweep, todo, ntodo, pos, batch, fn, ctx, sendbuf, recvbuf, done, rec));
    /* every rank must agree on stopping and on the next batch, so both are reduced */
    double local[2] = {OdSweepStopRequested() ? 1.0 : 0.0, MPI_Wtime() - t0}, global[2];
    PetscCallMPI(MPI_Allreduce(local, global, 2, MPI_DOUBLE, MPI_MAX, sweep->comm));
    const PetscBool stop = global[0] > 0 ? PETSC_TRUE : PETSC_FALSE;
    finished = PetscMin(pos + (PetscInt)size * batch, ntodo);
    const PetscInt left = ntodo - finished;
    const double now = MPI_Wtime();
    if (stop || (left > 0 && now - last_ckpt >= sweep->ckpt_interval)) {
      PetscCall(WriteCheckpoint(sweep, nunits, done, rec));
      last_ckpt = now;
    }
    PetscCall(OdProgressUpdate(&progress, (double)(nunits - ntodo + finished)));
    if (stop && left > 0) {
      PetscCall(PetscPrintf(sweep->comm, "[%s] stop signal received: checkpoint written to %s after %" PetscInt_FMT " of %" PetscInt_FMT " units; continue with -restart\n", sweep->label, sweep->ckpt_path, nunits - left, nunits));
      *interrupted = PETSC_TRUE;
      break;
    }
    if (global[1] < OD_SWEEP_ROUND_TARGET && batch < OD_SWEEP_MAX_BATCH) batch *= 2;
  }
  if (*interrupted) {
    PetscInt completed = 0;
    for (PetscInt u = 0; u < nunits; u++) completed += done[u];
    PetscCall(OdProgressInterrupted(&progress, (double)completed));
  } else PetscCall(OdProgressFinish(&progress));
  if (!*interrupted) {
    /* each point's record is the sum of its chunks in chunk order: rank-count independent */
    PetscCall(PetscArrayzero(records, sweep->count * rl));
    for (PetscInt p = 0; p < sweep->count; p++)
      for (PetscInt c = 0; c < sweep->nchunks; c++)
        for (PetscInt i = 0; i < rl; i++) records[p * rl + i] += rec[(p * sweep->nchunks + c) * rl + i];
  }
  PetscCall(PetscFree2(done, rec));
  PetscCall(PetscFree2(sendbuf, recvbuf));
  PetscCall(PetscFree(todo));
  PetscFunctionReturn(0);
}
