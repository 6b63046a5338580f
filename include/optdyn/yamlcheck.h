/**
 * @file yamlcheck.h
 * @brief Strict checks of YAML files before PETSc reads them: syntax, duplicate keys and
 *        (for files with a fixed schema, such as landscapes) unknown keys, each reported as
 *        one line naming the file and the line.
 *
 * PETSc's YAML reader accepts duplicate keys (the last one wins) and reports syntax errors
 * without the file or line; these checks run first so that a mistake in a config never
 * silently changes a result.
 */
#pragma once
#include <stddef.h>
#include <petscsys.h>

/**
 * Check a YAML document held in memory. Pure function (no MPI, no PETSc; used by the fuzzer).
 * schema: NULL for "any keys", else a NULL-terminated list of allowed dotted key paths; an
 * entry ending in '*' allows every key with that prefix (e.g. "landscape.point_*"); the
 * parents of allowed paths are allowed. Returns 0 if the document passes; otherwise
 * nonzero with "LINE:COLUMN: problem" in msg.
 */
int OdYAMLCheckBuffer(const char *buf, size_t len, const char *const schema[], char *msg, size_t msglen);

/**
 * Check a YAML file collectively (rank 0 reads it). Fails with PETSC_ERR_USER_INPUT and
 * "WHAT FILE:LINE:COLUMN: problem" (what: e.g. "options file", "landscape file").
 */
PetscErrorCode OdYAMLCheckFile(MPI_Comm comm, const char *what, const char *path, const char *const schema[]);

/**
 * Before PetscInitialize: check every `-options_file_yaml FILE` named in argv. Returns 0 if
 * all pass; otherwise prints one line "optdyn: error: options file FILE:LINE:COL: ..." (on the
 * first MPI rank only, judged from the launcher's environment) and returns 1.
 */
int OdYAMLPreflightOptions(int argc, char **argv);
