/* The output layer: parallel HDF5 (MPI-IO) file, provenance, checksums, dimension scales,
   atomic completion by rename, and a small read API (see optdyn/output.h, docs/output.md). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <hdf5_hl.h>
#include "optdyn/output.h"
#include "optdyn/options.h"
#include "optdyn/version.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
  #error "checksums are defined on little-endian bytes: add a byte swap for this host"
#endif

/* Longest file name (basename) we create. Open MPI's sharedfp components format the
   full file name into fixed 256-byte buffers; we open relative to the directory (see
   OpenPartial) so only the name counts, and keep it well below that. */
#define OD_MAX_NAME 200

typedef struct {
  char *dset, *dims;
} DimRequest;

struct _n_OdOutput {
  MPI_Comm comm;
  hid_t file;
  PetscBool existing; /* opened by OdOutputOpenExisting: no provenance, no rename */
  char path[PETSC_MAX_PATH_LEN];
  char partial[PETSC_MAX_PATH_LEN + 32];
  char start_time[32];
  double start_wtime;
  PetscBool checked; /* OdOutputCheckLocation passed (on every rank) */
  int lock_fd;       /* rank 0: record lock on NAME.h5.lock (-1: none) */
  char lock_path[PETSC_MAX_PATH_LEN + 8];
  DimRequest *dimreq;
  PetscInt ndimreq, maxdimreq;
};

#define H5CALL(expr, what) \
  do { \
    if ((expr) < 0) SETERRQ(out->comm, PETSC_ERR_LIB, "HDF5 failed: %s (%s)", what, out->path); \
  } while (0)

void OdIsoTime(char buf[32])
{
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static PetscErrorCode IsRoot(MPI_Comm comm, PetscBool *root)
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  *root = rank ? PETSC_FALSE : PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputCreate(MPI_Comm comm, OdOutput *out)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(out));
  (*out)->comm = comm;
  (*out)->file = -1;
  (*out)->lock_fd = -1;
  /* the command starts now: start_time is this moment, not when the file is opened */
  OdIsoTime((*out)->start_time);
  (*out)->start_wtime = MPI_Wtime();
  PetscCallMPI(MPI_Bcast((*out)->start_time, 32, MPI_CHAR, 0, comm));
  PetscCallMPI(MPI_Bcast(&(*out)->start_wtime, 1, MPI_DOUBLE, 0, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputSetPath(OdOutput out, const char *path)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(out->path, path, sizeof out->path));
  out->partial[0] = 0; /* chosen by OdOutputOpen (unique per run) */
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputSetFromOptions(OdOutput out, const char *default_name)
{
  char path[PETSC_MAX_PATH_LEN];
  PetscBool help;
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(path, default_name, sizeof path));
  PetscOptionsBegin(out->comm, NULL, "Output", NULL);
  PetscCall(OdOptionsString(PetscOptionsObject, "-o", "HDF5 output file", path, sizeof path, NULL));
  PetscOptionsEnd();
  PetscCall(OdOutputSetPath(out, path));
  PetscCall(OdOptionsHelpRequested(&help));
  /* Not in a describe pass either (help, did-you-mean): that pass runs on every rank with
     PETSC_COMM_SELF, and its lock on NAME.h5.lock would refuse the real run's rank 0. */
  if (!help) PetscCall(PetscOptionsHasName(NULL, NULL, OD_DESCRIBE_FLAG, &help));
  if (!help) PetscCall(OdOutputCheckLocation(out));
  PetscFunctionReturn(0);
}

const char *OdOutputGetPath(OdOutput out) { return out->path; }
/* ---------------------------------------------------------------- location and lock */

/* Rank 0's verdict on the output path: "" if fine, else the rule that is broken. */
static void LocationProblem(const char *path, char *why, size_t len)
{
  char dir[PETSC_MAX_PATH_LEN], name[PETSC_MAX_PATH_LEN];
  struct stat st;
  why[0] = 0;
  if (!path[0]) {
    snprintf(why, len, "the path is empty");
    return;
  }
  if (path[strlen(path) - 1] == '/' || (!stat(path, &st) && S_ISDIR(st.st_mode))) {
    snprintf(why, len, "it is a directory; give a file name such as %s%srun.h5", path, path[strlen(path) - 1] == '/' ? "" : "/");
    return;
  }
  snprintf(dir, sizeof dir, "%s", path);
  snprintf(name, sizeof name, "%s", path);
  const char *d = dirname(dir), *b = basename(name);
  if (strlen(path) >= PETSC_MAX_PATH_LEN - 32) snprintf(why, len, "the path is longer than %d characters", PETSC_MAX_PATH_LEN - 32);
  else if (strlen(b) > OD_MAX_NAME) snprintf(why, len, "the file name (without directory) is longer than %d characters", OD_MAX_NAME);
  else if (stat(d, &st)) snprintf(why, len, "directory %s does not exist", d);
  else if (!S_ISDIR(st.st_mode)) snprintf(why, len, "%s is not a directory", d);
  else if (access(d, W_OK | X_OK)) snprintf(why, len, "directory %s is not writable", d);
}

/* Rank 0: take an exclusive lock on NAME.h5.lock; "" or why not. A POSIX record lock
   (fcntl) belongs to the process, so several OdOutput objects of one process (unit tests)
   do not lock each other out; another process is refused; the lock dies with the process. */
static void TakeLock(OdOutput out, char *why, size_t len)
{
  char owner[320], host[256] = "?";
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
  why[0] = 0;
  snprintf(out->lock_path, sizeof out->lock_path, "%s.lock", out->path);
  out->lock_fd = open(out->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (out->lock_fd < 0) {
    snprintf(why, len, "cannot create the lock file %s (%s)", out->lock_path, strerror(errno));
    return;
  }
  if (fcntl(out->lock_fd, F_SETLK, &fl)) {
    ssize_t n = pread(out->lock_fd, owner, sizeof owner - 1, 0);
    owner[n > 0 ? n : 0] = 0;
    snprintf(why, len, "another optdyn run (%s) is writing this file (lock %s); wait for it or choose another -o", owner[0] ? owner : "unknown", out->lock_path);
    close(out->lock_fd);
    out->lock_fd = -1;
    return;
  }
  gethostname(host, sizeof host - 1);
  snprintf(owner, sizeof owner, "pid %ld on %s", (long)getpid(), host);
  if (ftruncate(out->lock_fd, 0) == 0 && pwrite(out->lock_fd, owner, strlen(owner), 0) < 0) why[0] = 0; /* the owner text is only informative */
}

static void ReleaseLock(OdOutput out)
{
  if (out->lock_fd < 0) return;
  unlink(out->lock_path); /* a stale lock file is harmless: the lock is a record lock, not existence */
  close(out->lock_fd);
  out->lock_fd = -1;
}

PetscErrorCode OdOutputCheckLocation(OdOutput out)
{
  char why[PETSC_MAX_PATH_LEN + 256] = "";
  PetscBool root;
  PetscFunctionBegin;
  if (out->checked) PetscFunctionReturn(0);
  PetscCall(IsRoot(out->comm, &root));
  if (root) {
    LocationProblem(out->path, why, sizeof why);
    if (!why[0]) TakeLock(out, why, sizeof why);
  }
  PetscCallMPI(MPI_Bcast(why, sizeof why, MPI_CHAR, 0, out->comm));
  PetscCheck(!why[0], out->comm, PETSC_ERR_USER_INPUT, "option -o = %s: cannot create it: %s", out->path, why);
  out->checked = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- provenance */

/* The same string on every rank: rank 0's. */
static PetscErrorCode BcastString(MPI_Comm comm, char **s)
{
  PetscMPIInt rank;
  int len = 0;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) len = (int)strlen(*s) + 1;
  PetscCallMPI(MPI_Bcast(&len, 1, MPI_INT, 0, comm));
  if (rank) {
    PetscCall(PetscFree(*s));
    PetscCall(PetscMalloc1(len, s));
  }
  PetscCallMPI(MPI_Bcast(*s, len, MPI_CHAR, 0, comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode CommandLine(char **line)
{
  int argc;
  char **argv;
  size_t len = 1;
  PetscFunctionBegin;
  PetscCall(PetscGetArgs(&argc, &argv));
  for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
  PetscCall(PetscCalloc1(len, line));
  for (int i = 0; i < argc; i++) {
    if (i) strcat(*line, " ");
    strcat(*line, argv[i]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteLibraryVersions(OdOutput out)
{
  char petsc[256], hdf5[64], mpi[MPI_MAX_LIBRARY_VERSION_STRING] = "";
  unsigned maj, min, rel;
  int len;
  PetscFunctionBegin;
  PetscCall(PetscGetVersion(petsc, sizeof petsc));
  for (size_t n = strlen(petsc); n && petsc[n - 1] == ' '; n--) petsc[n - 1] = 0;
  H5get_libversion(&maj, &min, &rel);
  snprintf(hdf5, sizeof hdf5, "%u.%u.%u", maj, min, rel);
  PetscCallMPI(MPI_Get_library_version(mpi, &len));
  mpi[strcspn(mpi, "\n\r,")] = 0; /* the first clause: name and version */
  PetscCall(OdOutputAttrString(out, "/", "petsc_version", petsc));
  PetscCall(OdOutputAttrString(out, "/", "hdf5_version", hdf5));
  PetscCall(OdOutputAttrString(out, "/", "mpi_library_version", mpi));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteSlurm(OdOutput out)
{
  const char *const slurm[][2] = {{"SLURM_JOB_ID", "slurm_job_id"}, {"SLURM_ARRAY_JOB_ID", "slurm_array_job_id"}, {"SLURM_ARRAY_TASK_ID", "slurm_array_task_id"}};
  PetscBool root;
  PetscFunctionBegin;
  PetscCall(IsRoot(out->comm, &root));
  for (int i = 0; i < 3; i++) {
    char val[64] = "";
    if (root && getenv(slurm[i][0])) snprintf(val, sizeof val, "%s", getenv(slurm[i][0]));
    PetscCallMPI(MPI_Bcast(val, 64, MPI_CHAR, 0, out->comm));
    if (val[0]) PetscCall(OdOutputAttrString(out, "/", slurm[i][1], val));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteProvenance(OdOutput out, const char *command, uint32_t seed)
{
  char *options, *cmdline, host[256] = "unknown";
  PetscMPIInt size;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(out->comm, &size));
  PetscCall(PetscOptionsGetAll(NULL, &options));
  PetscCall(BcastString(out->comm, &options));
  PetscCall(CommandLine(&cmdline));
  PetscCall(BcastString(out->comm, &cmdline));
  gethostname(host, sizeof host - 1);
  PetscCallMPI(MPI_Bcast(host, 256, MPI_CHAR, 0, out->comm));
  PetscCall(OdOutputAttrString(out, "/", "program", "optdyn"));
  PetscCall(OdOutputAttrString(out, "/", "version", OPTDYN_VERSION));
  PetscCall(OdOutputAttrString(out, "/", "git_revision", OdBuildRevision()));
  PetscCall(OdOutputAttrInt(out, "/", "sources_modified", OdBuildSourcesModified()));
  PetscCall(OdOutputAttrString(out, "/", "command", command));
  PetscCall(OdOutputAttrString(out, "/", "command_line", cmdline));
  PetscCall(OdOutputAttrString(out, "/", "options", options));
  PetscCall(OdOutputAttrInt(out, "/", "mpi_ranks", size));
  PetscCall(OdOutputAttrInt(out, "/", "seed", seed));
  PetscCall(OdOutputAttrString(out, "/", "start_time", out->start_time));
  PetscCall(OdOutputAttrString(out, "/", "host", host));
  PetscCall(WriteLibraryVersions(out));
  PetscCall(WriteSlurm(out));
  PetscCall(PetscFree(options));
  PetscCall(PetscFree(cmdline));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- open */

/* NAME.h5.<id>.partial, <id> from rank 0's pid and clock: unique per run, so two runs on
   one -o never write into the same file. */
static PetscErrorCode ChoosePartialName(OdOutput out)
{
  unsigned id = 0;
  PetscFunctionBegin;
  if (!out->partial[0]) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    id = (unsigned)getpid() * 2654435761u ^ (unsigned)ts.tv_nsec ^ (unsigned)ts.tv_sec;
    PetscCallMPI(MPI_Bcast(&id, 1, MPI_UNSIGNED, 0, out->comm));
    snprintf(out->partial, sizeof out->partial, "%s.%08x.partial", out->path, id);
  }
  PetscFunctionReturn(0);
}

/* Open Open MPI's io layer without its shared-file-pointer components: their file query
   formats the full path into a fixed 256-byte buffer and aborts on long paths; HDF5 never
   uses a shared file pointer. Effective for the first MPI-IO open of the process. */
static void AvoidSharedFilePointerComponents(void) { setenv("OMPI_MCA_sharedfp", "individual", 0); }

/* Create (create = 1) or open read-write the HDF5 file at name through MPI-IO. */
static hid_t OpenMPIIO(MPI_Comm comm, const char *name, int create)
{
  hid_t fapl, file;
  AvoidSharedFilePointerComponents();
  if ((fapl = H5Pcreate(H5P_FILE_ACCESS)) < 0) return -1;
  if (H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0) return H5Pclose(fapl), -1;
  H5E_BEGIN_TRY
  {
    file = create ? H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : H5Fopen(name, H5F_ACC_RDWR, fapl);
  }
  H5E_END_TRY;
  H5Pclose(fapl);
  return file;
}

PetscErrorCode OdOutputOpen(OdOutput out, const char *command, uint32_t seed)
{
  PetscFunctionBegin;
  PetscCheck(out->path[0], out->comm, PETSC_ERR_ORDER, "set the output path first");
  PetscCall(OdOutputCheckLocation(out));
  PetscCall(ChoosePartialName(out));
  out->file = OpenMPIIO(out->comm, out->partial, 1);
  PetscCheck(out->file >= 0, out->comm, PETSC_ERR_FILE_OPEN, "option -o = %s: cannot create %s (does the directory exist and is it writable?)", out->path, out->partial);
  PetscCall(WriteProvenance(out, command, seed));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputOpenExisting(MPI_Comm comm, const char *path, OdOutput *outp)
{
  OdOutput out;
  PetscBool exists;
  char program[64] = "";
  PetscFunctionBegin;
  PetscCall(OdOutputCreate(comm, outp));
  out = *outp;
  out->existing = PETSC_TRUE;
  PetscCall(PetscStrncpy(out->path, path, sizeof out->path));
  PetscCall(PetscStrncpy(out->partial, path, sizeof out->partial));
  PetscCall(PetscTestFile(path, 'r', &exists));
  PetscCheck(exists, comm, PETSC_ERR_USER_INPUT, "%s: no such file", path);
  out->file = OpenMPIIO(comm, path, 0);
  PetscCheck(out->file >= 0, comm, PETSC_ERR_USER_INPUT, "%s: cannot open as HDF5 for writing (not an HDF5 file, or not writable)", path);
  PetscCall(OdOutputExists(out, "/", "program", &exists));
  if (exists) PetscCall(OdOutputReadAttrString(out, "/", "program", program, sizeof program));
  PetscCheck(!strcmp(program, "optdyn"), comm, PETSC_ERR_USER_INPUT, "%s: not an optdyn output file (no root attribute program = 'optdyn')", path);
  PetscCall(OdOutputExists(out, "/", "complete", &exists));
  if (exists) H5CALL(H5Adelete_by_name(out->file, "/", "complete", H5P_DEFAULT), "delete complete");
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputSetSweep(OdOutput out, PetscInt K, PetscInt N, PetscInt first, PetscInt count, PetscInt npoints)
{
  char slice[64];
  PetscFunctionBegin;
  snprintf(slice, sizeof slice, "%" PetscInt_FMT "/%" PetscInt_FMT, K, N);
  PetscCall(OdOutputAttrString(out, "/", "sweep_slice", slice));
  PetscCall(OdOutputAttrInt(out, "/", "sweep_first", first));
  PetscCall(OdOutputAttrInt(out, "/", "sweep_count", count));
  PetscCall(OdOutputAttrInt(out, "/", "sweep_points", npoints));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputCreateGroup(OdOutput out, const char *path)
{
  hid_t lcpl, g;
  PetscFunctionBegin;
  if (H5Lexists(out->file, path, H5P_DEFAULT) > 0) PetscFunctionReturn(0);
  H5CALL(lcpl = H5Pcreate(H5P_LINK_CREATE), "H5Pcreate");
  H5CALL(H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group");
  g = H5Gcreate2(out->file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  H5CALL(g, path);
  H5Gclose(g);
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- attributes */

static PetscErrorCode AttrWrite(OdOutput out, const char *obj, const char *name, hid_t type, hid_t space, const void *value)
{
  hid_t o, attr;
  PetscFunctionBegin;
  H5CALL(o = H5Oopen(out->file, obj, H5P_DEFAULT), obj);
  if (H5Aexists(o, name) > 0) H5Adelete(o, name);
  H5CALL(attr = H5Acreate2(o, name, type, space, H5P_DEFAULT, H5P_DEFAULT), name);
  H5CALL(H5Awrite(attr, type, value), name);
  H5Aclose(attr);
  H5Oclose(o);
  PetscFunctionReturn(0);
}

static PetscErrorCode AttrScalar(OdOutput out, const char *obj, const char *name, hid_t type, const void *value)
{
  hid_t space;
  PetscFunctionBegin;
  H5CALL(space = H5Screate(H5S_SCALAR), "H5Screate");
  PetscCall(AttrWrite(out, obj, name, type, space, value));
  H5Sclose(space);
  PetscFunctionReturn(0);
}

/* variable-length UTF-8: h5py reads these as str */
static hid_t StringType(void)
{
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  return type;
}

PetscErrorCode OdOutputAttrString(OdOutput out, const char *obj, const char *name, const char *value)
{
  hid_t type;
  PetscFunctionBegin;
  H5CALL(type = StringType(), "H5Tcopy");
  PetscCall(AttrScalar(out, obj, name, type, &value));
  H5Tclose(type);
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputAttrReal(OdOutput out, const char *obj, const char *name, PetscReal value)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(&value, 1, MPIU_REAL, 0, out->comm));
  PetscCall(AttrScalar(out, obj, name, H5T_NATIVE_DOUBLE, &value));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputAttrInt(OdOutput out, const char *obj, const char *name, int64_t value)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(&value, 1, MPI_INT64_T, 0, out->comm));
  PetscCall(AttrScalar(out, obj, name, H5T_NATIVE_INT64, &value));
  PetscFunctionReturn(0);
}

static PetscErrorCode AttrArray(OdOutput out, const char *obj, const char *name, hid_t type, PetscInt n, const void *values)
{
  hid_t space;
  const hsize_t dim = (hsize_t)n;
  PetscFunctionBegin;
  H5CALL(space = H5Screate_simple(1, &dim, NULL), name);
  PetscCall(AttrWrite(out, obj, name, type, space, values));
  H5Sclose(space);
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputAttrRealArray(OdOutput out, const char *obj, const char *name, PetscInt n, const PetscReal values[])
{
  PetscFunctionBegin;
  PetscCall(AttrArray(out, obj, name, H5T_NATIVE_DOUBLE, n, values));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputAttrInt64Array(OdOutput out, const char *obj, const char *name, PetscInt n, const int64_t values[])
{
  PetscFunctionBegin;
  PetscCall(AttrArray(out, obj, name, H5T_NATIVE_INT64, n, values));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- checksums */

/* One contiguous piece of a dataset in row-major order: element offset, length, CRC. */
typedef struct {
  uint64_t offset, length, crc;
} Run;

/* The runs of this rank's block (rows along the last axis, adjacent rows merged). */
static PetscErrorCode BlockRuns(PetscInt ndim, const hsize_t dims[], const hsize_t start[], const hsize_t count[], const void *data, size_t esize, Run **runs, PetscInt *nruns)
{
  hsize_t nrow = 1, idx[8] = {0};
  const hsize_t len = count[ndim - 1];
  PetscFunctionBegin;
  for (PetscInt d = 0; d + 1 < ndim; d++) nrow *= count[d];
  *nruns = 0;
  if (!len || !nrow) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(nrow, runs));
  for (hsize_t r = 0; r < nrow; r++) {
    uint64_t off = 0;
    for (PetscInt d = 0; d < ndim; d++) off = off * dims[d] + start[d] + (d + 1 < ndim ? idx[d] : 0);
    const uLong crc = crc32(0L, (const Bytef *)data + r * len * esize, (uInt)(len * esize));
    Run *last = *nruns ? &(*runs)[*nruns - 1] : NULL;
    if (last && last->offset + last->length == off) {
      last->crc = crc32_combine((uLong)last->crc, crc, (z_off_t)(len * esize));
      last->length += len;
    } else (*runs)[(*nruns)++] = (Run){off, len, crc};
    for (PetscInt d = ndim - 2; d >= 0; d--) { /* next row of the block */
      if (++idx[d] < count[d]) break;
      idx[d] = 0;
    }
  }
  PetscFunctionReturn(0);
}

static int CompareRuns(const void *a, const void *b)
{
  const Run *x = a, *y = b;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Rank 0 joins every rank's runs in dataset order into the CRC of the whole dataset. */
static PetscErrorCode JoinRuns(OdOutput out, const char *path, hsize_t total, size_t esize, const Run *mine, PetscInt nmine, uint32_t *crc)
{
  PetscMPIInt size, rank, n = (PetscMPIInt)(3 * nmine), *counts = NULL, *displs = NULL, ntot = 0;
  Run *all = NULL;
  int ok = 1;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(out->comm, &size));
  PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
  if (!rank) PetscCall(PetscMalloc2(size, &counts, size, &displs));
  PetscCallMPI(MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, out->comm));
  if (!rank) {
    for (PetscMPIInt r = 0; r < size; r++) displs[r] = ntot, ntot += counts[r];
    PetscCall(PetscMalloc1(ntot / 3 + 1, &all));
  }
  PetscCallMPI(MPI_Gatherv(mine, n, MPI_UINT64_T, all, counts, displs, MPI_UINT64_T, 0, out->comm));
  if (!rank) {
    uLong c = crc32(0L, Z_NULL, 0);
    uint64_t pos = 0;
    qsort(all, (size_t)ntot / 3, sizeof *all, CompareRuns);
    for (PetscMPIInt i = 0; i < ntot / 3; i++) {
      ok = ok && all[i].offset == pos;
      c = crc32_combine(c, (uLong)all[i].crc, (z_off_t)(all[i].length * esize));
      pos += all[i].length;
    }
    ok = ok && pos == total;
    *crc = (uint32_t)c;
    PetscCall(PetscFree2(counts, displs));
    PetscCall(PetscFree(all));
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, out->comm));
  PetscCallMPI(MPI_Bcast(crc, 1, MPI_UINT32_T, 0, out->comm));
  PetscCheck(ok, out->comm, PETSC_ERR_ARG_WRONG, "dataset %s: the ranks' blocks do not cover the dataset exactly once", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteChecksum(OdOutput out, const char *path, uint32_t crc)
{
  char text[32];
  PetscFunctionBegin;
  snprintf(text, sizeof text, "crc32:%08x", (unsigned)crc);
  PetscCall(OdOutputAttrString(out, path, "checksum", text));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- dimension scales */

static PetscErrorCode RequestDims(OdOutput out, const char *path, const char *dims)
{
  PetscFunctionBegin;
  if (!dims || !dims[0]) PetscFunctionReturn(0);
  if (out->ndimreq == out->maxdimreq) {
    DimRequest *more;
    out->maxdimreq = 2 * out->maxdimreq + 8;
    PetscCall(PetscMalloc1(out->maxdimreq, &more));
    if (out->ndimreq) PetscCall(PetscArraycpy(more, out->dimreq, out->ndimreq));
    PetscCall(PetscFree(out->dimreq));
    out->dimreq = more;
  }
  PetscCall(PetscStrallocpy(path, &out->dimreq[out->ndimreq].dset));
  PetscCall(PetscStrallocpy(dims, &out->dimreq[out->ndimreq].dims));
  out->ndimreq++;
  PetscFunctionReturn(0);
}

/* The path of a coordinate named in dims, resolved against the dataset's group. */
static void CoordPath(const char *dset, const char *name, char *buf, size_t len)
{
  if (name[0] == '/') {
    snprintf(buf, len, "%s", name);
    return;
  }
  const char *slash = strrchr(dset, '/');
  snprintf(buf, len, "%.*s/%s", slash ? (int)(slash - dset) : 0, dset, name);
}

static PetscErrorCode AttachOne(OdOutput out, hid_t dset, const char *dpath, const char *cpath, unsigned axis)
{
  hid_t coord;
  PetscFunctionBegin;
  PetscCheck(H5Lexists(out->file, cpath, H5P_DEFAULT) > 0, out->comm, PETSC_ERR_ARG_WRONG, "dataset %s: coordinate %s (axis %u) was not written", dpath, cpath, axis);
  H5CALL(coord = H5Dopen2(out->file, cpath, H5P_DEFAULT), cpath);
  if (H5DSis_scale(coord) <= 0) H5CALL(H5DSset_scale(coord, strrchr(cpath, '/') + 1), cpath);
  if (strcmp(dpath, cpath) && H5DSis_attached(dset, coord, axis) <= 0) H5CALL(H5DSattach_scale(dset, coord, axis), dpath);
  H5Dclose(coord);
  PetscFunctionReturn(0);
}

static PetscErrorCode AttachScales(OdOutput out)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < out->ndimreq; i++) {
    const char *dpath = out->dimreq[i].dset;
    char list[1024], cpath[PETSC_MAX_PATH_LEN], *save = NULL;
    hid_t dset;
    unsigned axis = 0;
    snprintf(list, sizeof list, "%s", out->dimreq[i].dims);
    H5CALL(dset = H5Dopen2(out->file, dpath, H5P_DEFAULT), dpath);
    for (char *p = list, *tok; (tok = strsep(&p, ",")); axis++) {
      while (*tok == ' ') tok++;
      if (!*tok) continue;
      CoordPath(dpath, tok, cpath, sizeof cpath);
      PetscCall(AttachOne(out, dset, dpath, cpath, axis));
    }
    (void)save;
    H5Dclose(dset);
  }
  PetscFunctionReturn(0);
}

/* Before replacing a dataset: detach the scales attached to it (they would keep a reference
   to the deleted dataset). */
static herr_t CollectScale(hid_t dset, unsigned axis, hid_t scale, void *ctx)
{
  (void)dset;
  (void)axis;
  hid_t *ids = ctx;
  for (int i = 0; i < 8; i++)
    if (ids[i] < 0) {
      ids[i] = H5Dopen2(scale, ".", H5P_DEFAULT);
      break;
    }
  return 0;
}

static PetscErrorCode DeleteDataset(OdOutput out, const char *path)
{
  hid_t dset, space;
  int ndim;
  PetscFunctionBegin;
  H5CALL(dset = H5Dopen2(out->file, path, H5P_DEFAULT), path);
  H5CALL(space = H5Dget_space(dset), path);
  ndim = H5Sget_simple_extent_ndims(space);
  H5Sclose(space);
  for (int axis = 0; axis < ndim; axis++) {
    hid_t ids[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    if (H5DSget_num_scales(dset, (unsigned)axis) > 0) H5DSiterate_scales(dset, (unsigned)axis, NULL, CollectScale, ids);
    for (int i = 0; i < 8 && ids[i] >= 0; i++) {
      H5CALL(H5DSdetach_scale(dset, ids[i], (unsigned)axis), path);
      H5Dclose(ids[i]);
    }
  }
  H5Dclose(dset);
  H5CALL(H5Ldelete(out->file, path, H5P_DEFAULT), path);
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- datasets */

static PetscErrorCode DatasetAttributes(OdOutput out, const char *path, OdDatasetInfo info, uint32_t crc)
{
  PetscFunctionBegin;
  if (info.units) PetscCall(OdOutputAttrString(out, path, "units", info.units));
  if (info.description) PetscCall(OdOutputAttrString(out, path, "description", info.description));
  if (info.sweep_axis) PetscCall(OdOutputAttrInt(out, path, "sweep_axis", 0));
  PetscCall(WriteChecksum(out, path, crc));
  PetscCall(RequestDims(out, path, info.dims));
  PetscFunctionReturn(0);
}

/* Create a dataset (replacing an existing one, creating parent groups). */
static PetscErrorCode CreateDataset(OdOutput out, const char *path, hid_t type, hid_t space, hid_t *dset)
{
  hid_t lcpl;
  PetscFunctionBegin;
  if (H5Lexists(out->file, path, H5P_DEFAULT) > 0) PetscCall(DeleteDataset(out, path));
  H5CALL(lcpl = H5Pcreate(H5P_LINK_CREATE), "H5Pcreate");
  H5Pset_create_intermediate_group(lcpl, 1);
  *dset = H5Dcreate2(out->file, path, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  H5CALL(*dset, path);
  PetscFunctionReturn(0);
}

/* reliab: a failed write (disk full, quota) ends the run with one line on every rank (the
   ranks agree, so no abort is needed) and removes the partial file; no HDF5 trace. */
static PetscErrorCode CheckWrite(OdOutput out, herr_t st, const char *what)
{
  int mine[2] = {st < 0, st < 0 ? errno : 0}, all[2];
  PetscBool root;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(mine, all, 2, MPI_INT, MPI_MAX, out->comm));
  if (!all[0]) PetscFunctionReturn(0);
  if (out->file >= 0) { /* close what the failed write left open, so that the library can shut down */
    const unsigned types = H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR | H5F_OBJ_LOCAL;
    hid_t ids[64];
    const ssize_t n = H5Fget_obj_ids(out->file, types, 64, ids);
    for (ssize_t i = 0; i < n; i++) H5Iget_type(ids[i]) == H5I_ATTR ? H5Aclose(ids[i]) : H5Oclose(ids[i]);
    H5Fclose(out->file);
    out->file = -1;
  }
  PetscCall(IsRoot(out->comm, &root));
  if (root && !out->existing) {
    char side[PETSC_MAX_PATH_LEN + 48];
    unlink(out->partial);
    snprintf(side, sizeof side, "%s.data.0", out->partial), unlink(side); /* Open MPI's shared-file-pointer files */
    snprintf(side, sizeof side, "%s.metadata.0", out->partial), unlink(side);
    ReleaseLock(out);
  }
  SETERRQ(out->comm, PETSC_ERR_FILE_WRITE, "cannot write %s to %s: %s; nothing was kept", what, out->path, all[1] ? strerror(all[1]) : "write failed (disk full or quota exceeded?)");
}

/* Collective write of this rank's block [start, start + count) of a dataset of shape dims. */
static PetscErrorCode WriteBlock(OdOutput out, const char *path, hid_t memtype, PetscInt ndim, const hsize_t dims[], const hsize_t start[], const hsize_t count[], const void *data, OdDatasetInfo info)
{
  hid_t space, dset = H5I_INVALID_HID, dxpl, mspace;
  hsize_t n = 1, total = 1;
  const size_t esize = H5Tget_size(memtype);
  Run *runs = NULL;
  PetscInt nruns;
  uint32_t crc;
  PetscFunctionBegin;
  PetscCheck(ndim >= 1 && ndim <= 8, out->comm, PETSC_ERR_ARG_OUTOFRANGE, "dataset %s: rank %" PetscInt_FMT " not supported", path, ndim);
  for (PetscInt d = 0; d < ndim; d++) n *= count[d], total *= dims[d];
  H5CALL(space = H5Screate_simple((int)ndim, dims, NULL), path);
  PetscCall(CreateDataset(out, path, memtype, space, &dset));
  if (n) H5CALL(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL), path);
  else H5Sselect_none(space);
  H5CALL(mspace = H5Screate_simple((int)ndim, count, NULL), path);
  if (!n) H5Sselect_none(mspace);
  H5CALL(dxpl = H5Pcreate(H5P_DATASET_XFER), "H5Pcreate");
  H5CALL(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio");
  PetscCall(CheckWrite(out, H5Dwrite(dset, memtype, mspace, space, dxpl, data), path));
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(space);
  H5Dclose(dset);
  PetscCall(BlockRuns(ndim, dims, start, count, data, esize, &runs, &nruns));
  PetscCall(JoinRuns(out, path, total, esize, runs, nruns, &crc));
  PetscCall(PetscFree(runs));
  PetscCall(DatasetAttributes(out, path, info, crc));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteRows(OdOutput out, const char *path, hid_t memtype, PetscInt ndim, const hsize_t dims[], hsize_t row_start, hsize_t row_count, const void *data, OdDatasetInfo info)
{
  hsize_t start[8] = {0}, count[8];
  PetscFunctionBegin;
  PetscCheck(ndim >= 1 && ndim <= 8, out->comm, PETSC_ERR_ARG_OUTOFRANGE, "dataset %s: rank %" PetscInt_FMT " not supported", path, ndim);
  for (PetscInt d = 0; d < ndim; d++) count[d] = dims[d];
  start[0] = row_start;
  count[0] = row_count;
  PetscCall(WriteBlock(out, path, memtype, ndim, dims, start, count, data, info));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteOnRank0(OdOutput out, const char *path, hid_t memtype, PetscInt ndim, const hsize_t dims[], const void *data, OdDatasetInfo info)
{
  PetscBool root;
  PetscFunctionBegin;
  PetscCall(IsRoot(out->comm, &root));
  PetscCall(WriteRows(out, path, memtype, ndim, dims, 0, root ? dims[0] : 0, root ? data : NULL, info));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputWriteReal(OdOutput out, const char *path, PetscInt ndim, const hsize_t dims[], const PetscReal *data, OdDatasetInfo info)
{
  PetscFunctionBegin;
  PetscCall(WriteOnRank0(out, path, H5T_NATIVE_DOUBLE, ndim, dims, data, info));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputWriteInt64(OdOutput out, const char *path, PetscInt ndim, const hsize_t dims[], const int64_t *data, OdDatasetInfo info)
{
  PetscFunctionBegin;
  PetscCall(WriteOnRank0(out, path, H5T_NATIVE_INT64, ndim, dims, data, info));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputWriteRealRows(OdOutput out, const char *path, PetscInt ndim, const hsize_t dims[], hsize_t row_start, hsize_t row_count, const PetscReal *data, OdDatasetInfo info)
{
  PetscFunctionBegin;
  PetscCall(WriteRows(out, path, H5T_NATIVE_DOUBLE, ndim, dims, row_start, row_count, data, info));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputWriteRealBlock(OdOutput out, const char *path, PetscInt ndim, const hsize_t dims[], const hsize_t start[], const hsize_t count[], const PetscReal *data, OdDatasetInfo info)
{
  PetscFunctionBegin;
  PetscCall(WriteBlock(out, path, H5T_NATIVE_DOUBLE, ndim, dims, start, count, data, info));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputWriteInt64Block(OdOutput out, const char *path, PetscInt ndim, const hsize_t dims[], const hsize_t start[], const hsize_t count[], const int64_t *data, OdDatasetInfo info)
{
  PetscFunctionBegin;
  PetscCall(WriteBlock(out, path, H5T_NATIVE_INT64, ndim, dims, start, count, data, info));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- close */

static PetscErrorCode WriteCompletion(OdOutput out)
{
  PetscFunctionBegin;
  if (!out->existing) {
    char stamp[32];
    double seconds = MPI_Wtime() - out->start_wtime;
    OdIsoTime(stamp);
    PetscCallMPI(MPI_Bcast(stamp, 32, MPI_CHAR, 0, out->comm));
    PetscCall(OdOutputAttrString(out, "/", "end_time", stamp));
    PetscCall(OdOutputAttrReal(out, "/", "duration_seconds", seconds));
  }
  PetscCall(OdOutputAttrString(out, "/", "checksum_algorithm", "crc32 (zlib) of each dataset's elements in row-major order, little-endian bytes of the stored type"));
  PetscCall(OdOutputAttrInt(out, "/", "complete", 1)); /* last: a file without it is not finished */
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputClose(OdOutput out, PetscBool complete)
{
  PetscBool root;
  int ok = 1;
  PetscFunctionBegin;
  if (out->file < 0) PetscFunctionReturn(0);
  if (complete) {
    PetscCall(AttachScales(out));
    PetscCall(WriteCompletion(out));
  }
  const herr_t closed = H5Fclose(out->file); /* flushes the metadata: may meet a full disk too */
  out->file = -1;
  PetscCall(CheckWrite(out, closed, "the file's metadata"));
  PetscCallMPI(MPI_Barrier(out->comm));
  PetscCall(IsRoot(out->comm, &root));
  if (complete && !out->existing && root) ok = rename(out->partial, out->path) == 0; /* atomic on POSIX */
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, out->comm));
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s", out->partial, out->path);
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputDestroy(OdOutput *out)
{
  PetscFunctionBegin;
  if (!*out) PetscFunctionReturn(0);
  if ((*out)->file >= 0) H5Fclose((*out)->file);
  ReleaseLock(*out);
  for (PetscInt i = 0; i < (*out)->ndimreq; i++) {
    PetscCall(PetscFree((*out)->dimreq[i].dset));
    PetscCall(PetscFree((*out)->dimreq[i].dims));
  }
  PetscCall(PetscFree((*out)->dimreq));
  PetscCall(PetscFree(*out));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- reading */

PetscErrorCode OdOutputExists(OdOutput out, const char *obj, const char *attr, PetscBool *exists)
{
  htri_t e;
  PetscFunctionBegin;
  /* a missing intermediate group is an error inside HDF5: keep its stack off the terminal */
  H5E_BEGIN_TRY
  {
    e = strcmp(obj, "/") ? H5Lexists(out->file, obj, H5P_DEFAULT) : 1;
    if (e > 0 && attr) e = H5Aexists_by_name(out->file, obj, attr, H5P_DEFAULT);
  }
  H5E_END_TRY;
  *exists = e > 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputGetShape(OdOutput out, const char *path, PetscInt *ndim, hsize_t dims[])
{
  hid_t dset, space;
  int nd;
  PetscBool exists;
  PetscFunctionBegin;
  PetscCall(OdOutputExists(out, path, NULL, &exists));
  PetscCheck(exists, out->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: no dataset %s", out->path, path);
  H5CALL(dset = H5Dopen2(out->file, path, H5P_DEFAULT), path);
  H5CALL(space = H5Dget_space(dset), path);
  nd = H5Sget_simple_extent_ndims(space);
  PetscCheck(nd >= 0 && nd <= 8, out->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s has %d axes", out->path, path, nd);
  H5Sget_simple_extent_dims(space, dims, NULL);
  *ndim = nd;
  H5Sclose(space);
  H5Dclose(dset);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadAll(OdOutput out, const char *path, hid_t memtype, size_t esize, PetscInt *n, void **data)
{
  PetscInt nd;
  hsize_t dims[8], total = 1;
  hid_t dset;
  PetscFunctionBegin;
  PetscCall(OdOutputGetShape(out, path, &nd, dims));
  for (PetscInt d = 0; d < nd; d++) total *= dims[d];
  PetscCall(PetscMalloc(PetscMax(total, 1) * esize, data));
  H5CALL(dset = H5Dopen2(out->file, path, H5P_DEFAULT), path);
  H5CALL(H5Dread(dset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data), path);
  H5Dclose(dset);
  *n = (PetscInt)total;
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputReadReal(OdOutput out, const char *path, PetscInt *n, PetscReal **data)
{
  PetscFunctionBegin;
  PetscCall(ReadAll(out, path, H5T_NATIVE_DOUBLE, sizeof(PetscReal), n, (void **)data));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputReadInt64(OdOutput out, const char *path, PetscInt *n, int64_t **data)
{
  PetscFunctionBegin;
  PetscCall(ReadAll(out, path, H5T_NATIVE_INT64, sizeof(int64_t), n, (void **)data));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadAttr(OdOutput out, const char *obj, const char *name, hid_t memtype, void *value)
{
  hid_t attr;
  PetscBool exists;
  PetscFunctionBegin;
  PetscCall(OdOutputExists(out, obj, name, &exists));
  PetscCheck(exists, out->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: %s has no attribute %s", out->path, obj, name);
  H5CALL(attr = H5Aopen_by_name(out->file, obj, name, H5P_DEFAULT, H5P_DEFAULT), name);
  H5CALL(H5Aread(attr, memtype, value), name);
  H5Aclose(attr);
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputReadAttrReal(OdOutput out, const char *obj, const char *name, PetscReal *value)
{
  PetscFunctionBegin;
  PetscCall(ReadAttr(out, obj, name, H5T_NATIVE_DOUBLE, value));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputReadAttrInt(OdOutput out, const char *obj, const char *name, int64_t *value)
{
  PetscFunctionBegin;
  PetscCall(ReadAttr(out, obj, name, H5T_NATIVE_INT64, value));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputReadAttrString(OdOutput out, const char *obj, const char *name, char *value, size_t len)
{
  hid_t type;
  char *s = NULL;
  PetscFunctionBegin;
  H5CALL(type = StringType(), "H5Tcopy");
  PetscCall(ReadAttr(out, obj, name, type, &s));
  snprintf(value, len, "%s", s ? s : "");
  H5free_memory(s);
  H5Tclose(type);
  PetscFunctionReturn(0);
}
