/**
 * @file output.h
 * @brief One HDF5 file per run, with provenance, written through parallel HDF5 (SPEC §0).
 *
 * The file is created collectively with the MPI-IO driver as `NAME.h5.partial` and renamed
 * to `NAME.h5` by OdOutputClose() only when the run completed, so a crash never leaves a
 * file that looks finished.
 *
 * Root attributes (provenance): `program`, `version`, `git_revision`, `command`,
 * `command_line`, `options` (the full options database as text), `mpi_ranks`, `seed`,
 * `start_time`, `end_time` (ISO 8601 UTC), `host`, `slurm_job_id`, `slurm_array_job_id`,
 * `slurm_array_task_id` (when set), and for sweeps `sweep_slice`, `sweep_first`,
 * `sweep_count`, `sweep_points`.
 *
 * Datasets: every write is collective (all ranks call with the same path and shape).
 * OdOutputWriteReal() writes an array held on rank 0 (the gathered form); OdOutputWriteRealRows()
 * writes one hyperslab of rows per rank (the distributed form). Each dataset carries `units`
 * and `description`; datasets whose first axis runs over sweep points carry `sweep_axis = 0`,
 * which is what tools/optdyn-merge concatenates across slices.
 */
#pragma once
#include <petscsys.h>
#include <hdf5.h>

typedef struct _n_OdOutput *OdOutput;

/** Description of one dataset. */
typedef struct {
  const char *units;       /**< physical units, "1" for dimensionless, NULL for none */
  const char *description; /**< one sentence */
  PetscBool sweep_axis;    /**< first axis runs over sweep points (merged across slices) */
} OdDatasetInfo;

PetscErrorCode OdOutputCreate(MPI_Comm comm, OdOutput *out);
/** Read `-o FILE` (default: default_name, e.g. "escape.h5"). */
PetscErrorCode OdOutputSetFromOptions(OdOutput out, const char *default_name);
/** Set the path explicitly (ignores -o). */
PetscErrorCode OdOutputSetPath(OdOutput out, const char *path);
/** The final path ("NAME.h5"). */
const char *OdOutputGetPath(OdOutput out);

/** Create NAME.h5.partial collectively and write the provenance attributes. */
PetscErrorCode OdOutputOpen(OdOutput out, const char *command, uint32_t seed);

/** Record the sweep slice in the provenance (call after OdOutputOpen). */
PetscErrorCode OdOutputSetSweep(OdOutput out, PetscInt K, PetscInt N, PetscInt first, PetscInt count, PetscInt npoints);

/** Create a group (and its parents) collectively. */
PetscErrorCode OdOutputCreateGroup(OdOutput out, const char *path);

/** Write a real array of shape dims[0..ndim-1] whose data is on rank 0 (other ranks may pass NULL). */
PetscErrorCode OdOutputWriteReal(OdOutput out, const char *path, PetscInt ndim, const hsize_t dims[], const PetscReal *data, OdDatasetInfo info);
/** Same for 64-bit integers. */
PetscErrorCode OdOutputWriteInt64(OdOutput out, const char *path, PetscInt ndim, const hsize_t dims[], const int64_t *data, OdDatasetInfo info);

/**
 * Collective distributed write: the dataset has shape dims; this rank writes rows
 * [row_start, row_start + row_count) of the first axis from data (row-major).
 */
PetscErrorCode OdOutputWriteRealRows(OdOutput out, const char *path, PetscInt ndim, const hsize_t dims[], hsize_t row_start, hsize_t row_count, const PetscReal *data, OdDatasetInfo info);

/** Attributes on an object (group or dataset path; "/" for the root). Collective. */
PetscErrorCode OdOutputAttrString(OdOutput out, const char *obj, const char *name, const char *value);
PetscErrorCode OdOutputAttrReal(OdOutput out, const char *obj, const char *name, PetscReal value);
PetscErrorCode OdOutputAttrInt(OdOutput out, const char *obj, const char *name, int64_t value);

/** The open HDF5 file, for modules that write their own structures (collectively). */
hid_t OdOutputGetFile(OdOutput out);

/**
 * Close the file. complete = PETSC_TRUE writes `end_time` and renames NAME.h5.partial
 * to NAME.h5; otherwise the partial file is left for inspection.
 */
PetscErrorCode OdOutputClose(OdOutput out, PetscBool complete);
PetscErrorCode OdOutputDestroy(OdOutput *out);

/** Current UTC time in ISO 8601 (YYYY-MM-DDThh:mm:ssZ). */
void OdIsoTime(char buf[32]);

/* added by fp */
/**
 * Collective distributed write of any block: the dataset has shape dims; this rank writes the
 * hyperslab [start, start + count) (per axis) from data (row-major, count[0] x ... ). Covers
 * column blocks of a [rows, columns] field distributed over its columns (e.g. a DMDA's
 * ownership range); a rank with nothing to write passes a zero count.
 */
PetscErrorCode OdOutputWriteRealBlock(OdOutput out, const char *path, PetscInt ndim, const hsize_t dims[], const hsize_t start[], const hsize_t count[], const PetscReal *data, OdDatasetInfo info);
