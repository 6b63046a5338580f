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

/* One round: each rank computes at most one pending unit; all ranks learn all results. */
static PetscErrorCode RunRound(OdSweep sweep, const PetscInt todo[], PetscInt ntodo, PetscInt round, OdSweepUnitFn fn, void *ctx, PetscReal *sendbuf, PetscReal *recvbuf, unsigned char done[], PetscReal rec[])
{
  PetscMPIInt rank, size;
  const PetscInt rl = sweep->reclen;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(sweep->comm, &rank));
  PetscCallMPI(MPI_Comm_size(sweep->comm, &size));
  const PetscInt mine = round * size + rank;
  sendbuf[0] = -1; /* unit index, or -1 for "no unit this round" */
  if (mine < ntodo) {
    const PetscInt u = todo[mine];
    sendbuf[0] = (PetscReal)u;
    PetscCall(PetscArrayzero(sendbuf + 1, rl));
    PetscCall(fn(ctx, sweep->first + u / sweep->nchunks, u % sweep->nchunks, sendbuf + 1));
  }
  PetscCallMPI(MPI_Allgather(sendbuf, (PetscMPIInt)(rl + 1), MPIU_REAL, recvbuf, (PetscMPIInt)(rl + 1), MPIU_REAL, sweep->comm));
  for (PetscMPIInt r = 0; r < size; r++) {
    const PetscReal *msg = recvbuf + r * (rl + 1);
    if (msg[0] < 0) continue;
    const PetscInt u = (PetscInt)msg[0];
    PetscCall(PetscArraycpy(rec + u * rl, msg + 1, rl));
    done[u] = 1;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OdSweepRun(OdSweep sweep, OdSweepUnitFn fn, void *ctx, PetscReal records[], PetscBool *interrupted)
{
  PetscMPIInt size;
  const PetscInt nunits = sweep->count * sweep->nchunks, rl = sweep->reclen;
  unsigned char *done;
  PetscReal *rec, *sendbuf, *recvbuf;
  PetscInt *todo, ntodo = 0;
  PetscBool found = PETSC_FALSE;
  OdProgress progress;
  PetscFunctionBegin;
  PetscCheck(sweep->setup, sweep->comm, PETSC_ERR_ORDER, "call OdSweepSetUp() first");
  PetscCallMPI(MPI_Comm_size(sweep->comm, &size));
  PetscCall(PetscCalloc4(nunits, &done, nunits * rl, &rec, rl + 1, &sendbuf, (size_t)size * (rl + 1), &recvbuf));
  PetscCall(PetscMalloc1(nunits, &todo));
  if (sweep->restart && sweep->ckpt_path[0]) {
    PetscCall(ReadCheckpoint(sweep, nunits, done, rec, &found));
    if (!found) PetscCall(PetscPrintf(sweep->comm, "[%s] -restart: no checkpoint %s yet, starting from the beginning\n", sweep->label, sweep->ckpt_path));
  }
  for (PetscInt u = 0; u < nunits; u++)
    if (!done[u]) todo[ntodo++] = u;
  if (found) PetscCall(PetscPrintf(sweep->comm, "[%s] restarting from %s: %" PetscInt_FMT " of %" PetscInt_FMT " units already done\n", sweep->label, sweep->ckpt_path, nunits - ntodo, nunits));

  OdProgressStart(&progress, sweep->comm, sweep->label, (double)nunits, (double)(nunits - ntodo), sweep->quiet);
  double last_ckpt = MPI_Wtime();
  const PetscInt nrounds = (ntodo + size - 1) / size;
  *interrupted = PETSC_FALSE;
  for (PetscInt r = 0; r < nrounds; r++) {
    PetscCall(RunRound(sweep, todo, ntodo, r, fn, ctx, sendbuf, recvbuf, done, rec));
    /* every rank must agree on stopping, so the flag is reduced */
    int stop_local = OdSweepStopRequested() ? 1 : 0, stop = 0;
    PetscCallMPI(MPI_Allreduce(&stop_local, &stop, 1, MPI_INT, MPI_MAX, sweep->comm));
    const double now = MPI_Wtime();
    if (stop || (r + 1 < nrounds && now - last_ckpt >= sweep->ckpt_interval)) {
      PetscCall(WriteCheckpoint(sweep, nunits, done, rec));
      last_ckpt = now;
    }
    PetscCall(OdProgressUpdate(&progress, (double)(nunits - ntodo + PetscMin((r + 1) * size, ntodo))));
    if (stop && r + 1 < nrounds) {
      PetscCall(PetscPrintf(sweep->comm, "[%s] stop signal received: checkpoint written to %s after %" PetscInt_FMT " of %" PetscInt_FMT " units; continue with -restart\n", sweep->label, sweep->ckpt_path, nunits - ntodo + (r + 1) * size, nunits));
      *interrupted = PETSC_TRUE;
      break;
    }
  }
  PetscCall(OdProgressFinish(&progress));
  if (!*interrupted) {
    /* each point's record is the sum of its chunks in chunk order: rank-count independent */
    PetscCall(PetscArrayzero(records, sweep->count * rl));
    for (PetscInt p = 0; p < sweep->count; p++)
      for (PetscInt c = 0; c < sweep->nchunks; c++)
        for (PetscInt i = 0; i < rl; i++) records[p * rl + i] += rec[(p * sweep->nchunks + c) * rl + i];
  }
  PetscCall(PetscFree4(done, rec, sendbuf, recvbuf));
  PetscCall(PetscFree(todo));
  PetscFunctionReturn(0);
}
