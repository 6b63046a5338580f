/**
 * @file checkpoint.h
 * @brief One checkpoint format for every long-running command (sweeps, es; ready for fp
 *        and the neural-network commands).
 *
 * A checkpoint is an HDF5 file written by rank 0 alone (default sec2 driver) to a unique
 * temporary name in the target directory (`PATH.tmp.XXXXXX`) and renamed onto PATH, so a
 * reader never sees a half-written file. Contents:
 *
 *  - root attributes: `format` = "optdyn checkpoint", `format_version` (= OD_CHECKPOINT_VERSION),
 *    `kind` (e.g. "sweep", "es"), `program_version` ("VERSION (git REV)"), `options` (the
 *    options database as sorted "name value" lines, minus the result-neutral options of
 *    tools/optdyn/result_neutral_options.txt), `input_files` (one line per input file:
 *    "crc32=XXXXXXXX size=N PATH"), `identity` (command-specific shape, e.g. the sweep
 *    slice), and the scalar integer attributes the command declares (e.g. es `generation`);
 *  - datasets: the real (IEEE double, little endian) and int64 arrays the command declares;
 *  - `checksum_crc32`: CRC-32 (zlib) over every declared item and every string attribute
 *    above, in byte order of their names: for each item, its name, a NUL, a type byte
 *    ('r' real, 'i' int64, 's' string), ndim and the dims as int64 LE, then the data
 *    (little endian; strings without their terminating NUL). Empty arrays are skipped.
 *
 * Usage (one declaration serves writing and reading, so the layout lives in one place):
 *
 *     OdCheckpointCreate(comm, path, "es", &ck);
 *     OdCheckpointAddInputFile(ck, "landscape.yaml");   // optional, any number
 *     OdCheckpointAddReal(ck, "mu", 1, dims, mu, PETSC_TRUE);  // finite values required
 *     OdCheckpointAddInt(ck, "generation", &gen, 0, G - 1);     // valid range
 *     OdCheckpointWrite(ck, &written);   or   OdCheckpointRead(ck, &found);
 *
 * OdCheckpointRead() is collective: rank 0 reads and verifies, then broadcasts. A file that
 * is not a readable checkpoint, has a wrong checksum, a non-finite value where finite ones
 * are required, an integer out of its range, or a different identity (options, input file
 * contents, program version, shape) is refused with one line naming the file and what
 * differs (PETSC_ERR_USER_INPUT; HDF5's own error printing is silenced). A failed write is a
 * warning and the run continues (written = PETSC_FALSE).
 */
#pragma once
#include <petscsys.h>

#define OD_CHECKPOINT_VERSION 1

typedef struct _n_OdCheckpoint *OdCheckpoint;

PetscErrorCode OdCheckpointCreate(MPI_Comm comm, const char *path, const char *kind, OdCheckpoint *ckpt);
PetscErrorCode OdCheckpointDestroy(OdCheckpoint *ckpt);
const char *OdCheckpointGetPath(OdCheckpoint ckpt);

/** Identity: the content of this input file (rank 0 reads it; collective). */
PetscErrorCode OdCheckpointAddInputFile(OdCheckpoint ckpt, const char *path);
/** Identity: a command-specific line "key: value" (e.g. the sweep shape). */
PetscErrorCode OdCheckpointAddIdentity(OdCheckpoint ckpt, const char *key, const char *value);

/**
 * Declare a real array (ndim 1 or 2) stored as a dataset; data stays owned by the caller and
 * is written from / read into. finite = PETSC_TRUE refuses NaN and inf on reading.
 */
PetscErrorCode OdCheckpointAddReal(OdCheckpoint ckpt, const char *name, PetscInt ndim, const PetscInt dims[], PetscReal *data, PetscBool finite);
/** Declare an int64 array; every value must lie in [lo, hi] on reading. */
PetscErrorCode OdCheckpointAddInt64(OdCheckpoint ckpt, const char *name, PetscInt ndim, const PetscInt dims[], int64_t *data, int64_t lo, int64_t hi);
/** Declare a scalar integer attribute with its valid range [lo, hi]. */
PetscErrorCode OdCheckpointAddInt(OdCheckpoint ckpt, const char *name, PetscInt *value, PetscInt lo, PetscInt hi);

/** Collective; rank 0 writes. A failure is reported as a warning; written tells all ranks. */
PetscErrorCode OdCheckpointWrite(OdCheckpoint ckpt, PetscBool *written);
/** Collective; found = PETSC_FALSE if there is no file at the path. Errors as described above. */
PetscErrorCode OdCheckpointRead(OdCheckpoint ckpt, PetscBool *found);
/** Collective; rank 0 removes the file (after the final output has been written). */
PetscErrorCode OdCheckpointRemove(OdCheckpoint ckpt);
