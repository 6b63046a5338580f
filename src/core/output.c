/* HDF5 output: parallel (MPI-IO) file, provenance attributes, atomic completion by rename. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "optdyn/output.h"
#include "optdyn/options.h"
#include "optdyn/version.h"

struct _n_OdOutput {
  MPI_Comm comm;
  hid_t file;
  char path[PETSC_MAX_PATH_LEN];
  char partial[PETSC_MAX_PATH_LEN + 16];
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

PetscErrorCode OdOutputCreate(MPI_Comm comm, OdOutput *out)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(out));
  (*out)->comm = comm;
  (*out)->file = -1;
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputSetPath(OdOutput out, const char *path)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(out->path, path, sizeof out->path));
  snprintf(out->partial, sizeof out->partial, "%s.partial", path);
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputSetFromOptions(OdOutput out, const char *default_name)
{
  char path[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(path, default_name, sizeof path));
  PetscOptionsBegin(out->comm, NULL, "Output", NULL);
  PetscCall(OdOptionsString(PetscOptionsObject, "-o", "HDF5 output file", path, sizeof path, NULL));
  PetscOptionsEnd();
  PetscCall(OdOutputSetPath(out, path));
  PetscFunctionReturn(0);
}

const char *OdOutputGetPath(OdOutput out) { return out->path; }
hid_t OdOutputGetFile(OdOutput out) { return out->file; }

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

static PetscErrorCode WriteProvenance(OdOutput out, const char *command, uint32_t seed)
{
  char *options, *cmdline, stamp[32], host[256] = "unknown";
  PetscMPIInt size;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(out->comm, &size));
  PetscCall(PetscOptionsGetAll(NULL, &options));
  PetscCall(BcastString(out->comm, &options));
  PetscCall(CommandLine(&cmdline));
  PetscCall(BcastString(out->comm, &cmdline));
  OdIsoTime(stamp);
  PetscCallMPI(MPI_Bcast(stamp, 32, MPI_CHAR, 0, out->comm));
  gethostname(host, sizeof host - 1);
  PetscCallMPI(MPI_Bcast(host, 256, MPI_CHAR, 0, out->comm));
  PetscCall(OdOutputAttrString(out, "/", "program", "optdyn"));
  PetscCall(OdOutputAttrString(out, "/", "version", OPTDYN_VERSION));
  PetscCall(OdOutputAttrString(out, "/", "git_revision", OPTDYN_GIT_REVISION));
  PetscCall(OdOutputAttrString(out, "/", "command", command));
  PetscCall(OdOutputAttrString(out, "/", "command_line", cmdline));
  PetscCall(OdOutputAttrString(out, "/", "options", options));
  PetscCall(OdOutputAttrInt(out, "/", "mpi_ranks", size));
  PetscCall(OdOutputAttrInt(out, "/", "seed", seed));
  PetscCall(OdOutputAttrString(out, "/", "start_time", stamp));
  PetscCall(OdOutputAttrString(out, "/", "host", host));
  const char *const slurm[][2] = {{"SLURM_JOB_ID", "slurm_job_id"}, {"SLURM_ARRAY_JOB_ID", "slurm_array_job_id"}, {"SLURM_ARRAY_TASK_ID", "slurm_array_task_id"}};
  for (int i = 0; i < 3; i++) {
    char val[64] = "";
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
    if (!rank && getenv(slurm[i][0])) snprintf(val, sizeof val, "%s", getenv(slurm[i][0]));
    PetscCallMPI(MPI_Bcast(val, 64, MPI_CHAR, 0, out->comm));
    if (val[0]) PetscCall(OdOutputAttrString(out, "/", slurm[i][1], val));
  }
  PetscCall(PetscFree(options));
  PetscCall(PetscFree(cmdline));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputOpen(OdOutput out, const char *command, uint32_t seed)
{
  hid_t fapl;
  PetscFunctionBegin;
  PetscCheck(out->path[0], out->comm, PETSC_ERR_ORDER, "set the output path first");
  H5CALL(fapl = H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate");
  H5CALL(H5Pset_fapl_mpio(fapl, out->comm, MPI_INFO_NULL), "H5Pset_fapl_mpio");
  out->file = H5Fcreate(out->partial, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  PetscCheck(out->file >= 0, out->comm, PETSC_ERR_FILE_OPEN, "option -o = %s: cannot create %s (does the directory exist and is it writable?)", out->path, out->partial);
  PetscCall(WriteProvenance(out, command, seed));
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

static PetscErrorCode AttrWrite(OdOutput out, const char *obj, const char *name, hid_t type, const void *value)
{
  hid_t o, space, attr;
  PetscFunctionBegin;
  H5CALL(o = H5Oopen(out->file, obj, H5P_DEFAULT), obj);
  if (H5Aexists(o, name) > 0) H5Adelete(o, name);
  H5CALL(space = H5Screate(H5S_SCALAR), "H5Screate");
  H5CALL(attr = H5Acreate2(o, name, type, space, H5P_DEFAULT, H5P_DEFAULT), name);
  H5CALL(H5Awrite(attr, type, value), name);
  H5Aclose(attr);
  H5Sclose(space);
  H5Oclose(o);
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputAttrString(OdOutput out, const char *obj, const char *name, const char *value)
{
  hid_t type;
  PetscFunctionBegin;
  /* variable-length UTF-8: h5py reads these as str */
  H5CALL(type = H5Tcopy(H5T_C_S1), "H5Tcopy");
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  PetscCall(AttrWrite(out, obj, name, type, &value));
  H5Tclose(type);
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputAttrReal(OdOutput out, const char *obj, const char *name, PetscReal value)
{
  PetscFunctionBegin;
  PetscCall(AttrWrite(out, obj, name, H5T_NATIVE_DOUBLE, &value));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputAttrInt(OdOutput out, const char *obj, const char *name, int64_t value)
{
  PetscFunctionBegin;
  PetscCall(AttrWrite(out, obj, name, H5T_NATIVE_INT64, &value));
  PetscFunctionReturn(0);
}

/* Create a dataset (and parent groups) and write the rows [row_start, row_start+row_count). */
static PetscErrorCode WriteRows(OdOutput out, const char *path, hid_t memtype, PetscInt ndim, const hsize_t dims[], hsize_t row_start, hsize_t row_count, const void *data, OdDatasetInfo info)
{
  hid_t space, dset, lcpl, dxpl, mspace;
  hsize_t start[8] = {0}, count[8];
  PetscFunctionBegin;
  PetscCheck(ndim >= 1 && ndim <= 8, out->comm, PETSC_ERR_ARG_OUTOFRANGE, "dataset %s: rank %" PetscInt_FMT " not supported", path, ndim);
  H5CALL(space = H5Screate_simple((int)ndim, dims, NULL), path);
  H5CALL(lcpl = H5Pcreate(H5P_LINK_CREATE), "H5Pcreate");
  H5Pset_create_intermediate_group(lcpl, 1);
  H5CALL(dset = H5Dcreate2(out->file, path, memtype, space, lcpl, H5P_DEFAULT, H5P_DEFAULT), path);
  H5Pclose(lcpl);
  for (PetscInt d = 0; d < ndim; d++) count[d] = dims[d];
  start[0] = row_start;
  count[0] = row_count;
  if (row_count) H5CALL(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL), path);
  else H5Sselect_none(space);
  H5CALL(mspace = H5Screate_simple((int)ndim, count, NULL), path);
  if (!row_count) H5Sselect_none(mspace);
  H5CALL(dxpl = H5Pcreate(H5P_DATASET_XFER), "H5Pcreate");
  H5CALL(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio");
  H5CALL(H5Dwrite(dset, memtype, mspace, space, dxpl, data), path);
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(space);
  H5Dclose(dset);
  if (info.units) PetscCall(OdOutputAttrString(out, path, "units", info.units));
  if (info.description) PetscCall(OdOutputAttrString(out, path, "description", info.description));
  if (info.sweep_axis) PetscCall(OdOutputAttrInt(out, path, "sweep_axis", 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteOnRank0(OdOutput out, const char *path, hid_t memtype, PetscInt ndim, const hsize_t dims[], const void *data, OdDatasetInfo info)
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
  PetscCall(WriteRows(out, path, memtype, ndim, dims, 0, rank ? 0 : dims[0], rank ? NULL : data, info));
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

PetscErrorCode OdOutputClose(OdOutput out, PetscBool complete)
{
  PetscMPIInt rank;
  char stamp[32];
  PetscFunctionBegin;
  if (out->file < 0) PetscFunctionReturn(0);
  if (complete) {
    OdIsoTime(stamp);
    PetscCallMPI(MPI_Bcast(stamp, 32, MPI_CHAR, 0, out->comm));
    PetscCall(OdOutputAttrString(out, "/", "end_time", stamp));
  }
  H5CALL(H5Fclose(out->file), "H5Fclose");
  out->file = -1;
  PetscCallMPI(MPI_Barrier(out->comm));
  PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
  int ok = 1;
  if (complete && !rank) ok = rename(out->partial, out->path) == 0;
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, out->comm));
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s", out->partial, out->path);
  PetscFunctionReturn(0);
}

PetscErrorCode OdOutputDestroy(OdOutput *out)
{
  PetscFunctionBegin;
  if (!*out) PetscFunctionReturn(0);
  if ((*out)->file >= 0) H5Fclose((*out)->file);
  PetscCall(PetscFree(*out));
  PetscFunctionReturn(0);
}

/* added by fp */
PetscErrorCode OdOutputWriteRealBlock(OdOutput out, const char *path, PetscInt ndim, const hsize_t dims[], const hsize_t start[], const hsize_t count[], const PetscReal *data, OdDatasetInfo info)
{
  hid_t space, dset, lcpl, dxpl, mspace;
  hsize_t total = 1;
  PetscFunctionBegin;
  PetscCheck(ndim >= 1 && ndim <= 8, out->comm, PETSC_ERR_ARG_OUTOFRANGE, "dataset %s: rank %" PetscInt_FMT " not supported", path, ndim);
  for (PetscInt d = 0; d < ndim; d++) total *= count[d];
  H5CALL(space = H5Screate_simple((int)ndim, dims, NULL), path);
  H5CALL(lcpl = H5Pcreate(H5P_LINK_CREATE), "H5Pcreate");
  H5Pset_create_intermediate_group(lcpl, 1);
  H5CALL(dset = H5Dcreate2(out->file, path, H5T_NATIVE_DOUBLE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT), path);
  H5Pclose(lcpl);
  if (total) H5CALL(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL), path);
  else H5Sselect_none(space);
  H5CALL(mspace = H5Screate_simple((int)ndim, count, NULL), path);
  if (!total) H5Sselect_none(mspace);
  H5CALL(dxpl = H5Pcreate(H5P_DATASET_XFER), "H5Pcreate");
  H5CALL(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio");
  H5CALL(H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, space, dxpl, data), path);
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(space);
  H5Dclose(dset);
  if (info.units) PetscCall(OdOutputAttrString(out, path, "units", info.units));
  if (info.description) PetscCall(OdOutputAttrString(out, path, "description", info.description));
  if (info.sweep_axis) PetscCall(OdOutputAttrInt(out, path, "sweep_axis", 0));
  PetscFunctionReturn(0);
}
