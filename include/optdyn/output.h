/**
 * @file output.h
 * @brief The one output layer: one HDF5 file per run, written through parallel HDF5.
 *
 * No module opens HDF5 itself; every dataset, attribute and dimension scale goes through
 * these functions. The file layout conventions are described in docs/output.md.
 *
 * Lifecycle (all functions collective on the communicator unless stated otherwise):
 *
 *     OdOutputCreate            start of the command: records start_time
 *     OdOutputSetFromOptions    reads -o and checks the location (OdOutputCheckLocation)
 *     ... computation ...
 *     OdOutputOpen              creates NAME.h5.<id>.partial, writes the provenance
 *     OdOutputWrite* / Attr*    datasets and attributes (science already computed)
 *     OdOutputClose(PETSC_TRUE) attaches dimension scales, writes end_time,
 *                               duration_seconds and (last) `complete`, then renames
 *                               the partial file to NAME.h5 atomically
 *     OdOutputDestroy
 *
 * Integrity: every dataset carries `checksum` = "crc32:XXXXXXXX", the zlib CRC-32 of its
 * elements in row-major order as little-endian bytes of the stored type (strings: each
 * UTF-8 string followed by one NUL byte). The root attribute `complete` = 1 is written
 * last. `optdyn-info --check` verifies both.
 *
 * Concurrency: the partial name is unique per run (NAME.h5.<id>.partial), and
 * OdOutputCheckLocation() takes an exclusive lock (fcntl record lock on NAME.h5.lock, held until
 * OdOutputDestroy); a second run on the same -o is refused with one line before any work.
 *
 * Provenance root attributes: `program`, `version`, `git_revision`, `sources_modified`,
 * `command`, `command_line`, `options`, `mpi_ranks`, `seed`, `start_time` (when the
 * command started), `end_time`, `duration_seconds`, `host`, `petsc_version`,
 * `hdf5_version`, `mpi_library_version`, `slurm_*` (when set), and for sweeps
 * `sweep_slice`, `sweep_first`, `sweep_count`, `sweep_points`.
 *
 * Datasets: every write is collective (all ranks call with the same path and shape).
 *  - OdOutputWriteReal()/WriteInt64()/WriteStrings(): the data is on rank 0 (others: NULL);
 *  - OdOutputWriteRealRows(): each rank writes a range of rows (axis 0);
 *  - OdOutputWriteRealBlock()/WriteInt64Block(): each rank writes any hyperslab block
 *    (e.g. columns of distributed grid vectors: start = {0, xs}, count = {nt, xm}).
 * Each dataset carries `units` and `description`; datasets whose first axis runs over sweep
 * points carry `sweep_axis = 0` (optdyn-merge concatenates them across slices).
 *
 * Dimension scales: OdDatasetInfo.dims names, axis by axis and separated by commas, the
 * coordinate dataset of each axis: a path absolute or relative to the dataset's group,
 * empty for an axis without coordinate. Example: /escape/p_escape [T, steps] has
 * dims = "T,steps", which attaches /escape/T and /escape/steps. A coordinate dataset
 * becomes an HDF5 dimension scale named after itself (its basename); it may declare
 * dims = "T" (its own name) or nothing. Scales are attached when the file is closed, so
 * coordinates may be written before or after the datasets that use them. xarray / netCDF
 * tools then see shared coordinates.
 *
 * Reading (for `optdyn COMMAND -summarize FILE`): OdOutputOpenExisting() opens a complete
 * file read-write; OdOutputRead*() return whole datasets / attributes on every rank;
 * writing an existing dataset or attribute replaces it; OdOutputClose(PETSC_TRUE) then
 * rewrites `complete` (no rename, start/end time untouched).
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
  const char *dims;        /**< coordinate dataset per axis, comma-separated (NULL: none); see above */
} OdDatasetInfo;

PetscErrorCode OdOutputCreate(MPI_Comm comm, OdOutput *out);
/** Read `-o FILE` (default: default_name, e.g. "escape.h5") and, unless -help was given,
    check the location with OdOutputCheckLocation(). */
PetscErrorCode OdOutputSetFromOptions(OdOutput out, const char *default_name);
/** Set the path explicitly (ignores -o; does not check the location). */
PetscErrorCode OdOutputSetPath(OdOutput out, const char *path);
/**
 * Check, before any computation, that the output can be written: the path is not empty and
 * not a directory, its directory exists and is writable, its name is short enough for the
 * MPI-IO layer, and no other run holds the lock on it (the lock is then held until
 * OdOutputDestroy). Fails with PETSC_ERR_USER_INPUT and one line naming -o and the rule.
 * Idempotent.
 */
PetscErrorCode OdOutputCheckLocation(OdOutput out);
/** The final path ("NAME.h5"). */
const char *OdOutputGetPath(OdOutput out);

/** Create the partial file collectively and write the provenance attributes. */
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
/**
 * Collective distributed write of any block: this rank writes the hyperslab
 * [start[d], start[d] + count[d]) of every axis d from data (row-major over the block).
 * The ranks' blocks must not overlap and should tile the dataset (the checksum covers
 * what was written). Example, a time series of a DMDA vector: dims = {nt, n},
 * start = {0, xs}, count = {nt, xm}.
 */
PetscErrorCode OdOutputWriteRealBlock(OdOutput out, const char *path, PetscInt ndim, const hsize_t dims[], const hsize_t start[], const hsize_t count[], const PetscReal *data, OdDatasetInfo info);
PetscErrorCode OdOutputWriteInt64Block(OdOutput out, const char *path, PetscInt ndim, const hsize_t dims[], const hsize_t start[], const hsize_t count[], const int64_t *data, OdDatasetInfo info);

/** Attributes on an object (group or dataset path; "/" for the root). Collective. The value
    is rank 0's. Writing an existing attribute replaces it. */
PetscErrorCode OdOutputAttrString(OdOutput out, const char *obj, const char *name, const char *value);
PetscErrorCode OdOutputAttrReal(OdOutput out, const char *obj, const char *name, PetscReal value);
PetscErrorCode OdOutputAttrInt(OdOutput out, const char *obj, const char *name, int64_t value);
/** 1-D array attributes. */
PetscErrorCode OdOutputAttrRealArray(OdOutput out, const char *obj, const char *name, PetscInt n, const PetscReal values[]);
PetscErrorCode OdOutputAttrInt64Array(OdOutput out, const char *obj, const char *name, PetscInt n, const int64_t values[]);

/**
 * Close the file. complete = PETSC_TRUE attaches the dimension scales, writes `end_time`,
 * `duration_seconds` and `complete` and renames the partial file to NAME.h5; otherwise the
 * partial file is left for inspection.
 */
PetscErrorCode OdOutputClose(OdOutput out, PetscBool complete);
PetscErrorCode OdOutputDestroy(OdOutput *out);

/* ---- reading an existing file (e.g. to recompute summaries in place) ---- */

/** Open a complete optdyn file read-write; its `complete` attribute is removed until
    OdOutputClose(out, PETSC_TRUE). Errors name the file. */
PetscErrorCode OdOutputOpenExisting(MPI_Comm comm, const char *path, OdOutput *out);
/** Whether a dataset, group or attribute exists (attr NULL: the object itself). */
PetscErrorCode OdOutputExists(OdOutput out, const char *obj, const char *attr, PetscBool *exists);
/** Shape of a dataset: *ndim and dims[0..*ndim-1] (at most 8 axes). */
PetscErrorCode OdOutputGetShape(OdOutput out, const char *path, PetscInt *ndim, hsize_t dims[]);
/** Read a whole dataset on every rank into a new array (PetscFree it); *n = element count. */
PetscErrorCode OdOutputReadReal(OdOutput out, const char *path, PetscInt *n, PetscReal **data);
PetscErrorCode OdOutputReadInt64(OdOutput out, const char *path, PetscInt *n, int64_t **data);
/** Read a scalar attribute on every rank; a string is copied into value[len]. */
PetscErrorCode OdOutputReadAttrReal(OdOutput out, const char *obj, const char *name, PetscReal *value);
PetscErrorCode OdOutputReadAttrInt(OdOutput out, const char *obj, const char *name, int64_t *value);
PetscErrorCode OdOutputReadAttrString(OdOutput out, const char *obj, const char *name, char *value, size_t len);

/** Current UTC time in ISO 8601 (YYYY-MM-DDThh:mm:ssZ). */
void OdIsoTime(char buf[32]);

