/**
 * @file progress.h
 * @brief Progress lines on rank 0: fraction done, rate and ETA (docs/models.md §0 "Long runs").
 *
 * Nothing is printed during the first 2 seconds (short runs stay silent) and then at most
 * one line every 5 seconds, plus a final line for runs that printed anything. Silenced by
 * `-quiet`. Lines go to stderr, so stdout stays clean for summaries.
 */
#pragma once
#include <petscsys.h>

typedef struct {
  MPI_Comm comm;
  char label[64];
  double total;        /**< units of work in the whole run */
  double start, last;  /**< wall-clock times (MPI_Wtime) */
  double done0;        /**< units already done at start (restart) */
  PetscBool quiet, printed;
} OdProgress;

/** Start timing a run of `total` units of which `done0` are already done. */
void OdProgressStart(OdProgress *p, MPI_Comm comm, const char *label, double total, double done0, PetscBool quiet);
/** Report that `done` units (cumulative) are complete. */
PetscErrorCode OdProgressUpdate(OdProgress *p, double done);
/** Final line (only if any progress line was printed). */
PetscErrorCode OdProgressFinish(OdProgress *p);
