/**
 * @file progress.h
 * @brief Progress lines on rank 0: fraction done, rate and ETA in the command's own units.
 *
 * Nothing is printed during the first 2 seconds (short runs stay silent) and then at most
 * one line every 5 seconds, plus a final line for runs that printed anything. Silenced by
 * `-quiet`. Lines go to stderr, so stdout stays clean for summaries.
 *
 * Work is counted in *work units* (what the caller reports: sweep units, simulated time,
 * generations); OdProgressSetUnits() gives the name of the command's own unit and how many of
 * them one work unit is (walker-steps for escape, cell-steps for fp, generations for es,
 * grid points for op and oscillator), and lines are printed in those.
 *
 * The rate behind the ETA is measured, not averaged from the start: the first completed
 * piece of work is warm-up (first-touch, small first rounds, start-up I/O) and is excluded,
 * and the rate is taken over the most recent half of the elapsed time, so a run whose rate
 * settles or changes gets an ETA from its current rate. Until two pieces of work after the
 * warm-up are done, the ETA is shown as "measuring".
 */
#pragma once
#include <petscsys.h>

#define OD_PROGRESS_SAMPLES 64

typedef struct {
  MPI_Comm comm;
  char label[64];
  char units[32];      /**< the command's unit ("walker-steps") */
  double per_unit;     /**< command units per work unit */
  double total;        /**< work units in the whole run */
  double start, last;  /**< wall-clock times (MPI_Wtime) */
  double done0;        /**< work units already done at start (restart) */
  int nsamples;        /**< samples (time, done), thinned as they accumulate; [0] is the start */
  double sample_t[OD_PROGRESS_SAMPLES], sample_done[OD_PROGRESS_SAMPLES];
  PetscBool quiet, printed;
} OdProgress;

/** Start timing a run of `total` work units of which `done0` are already done (at time MPI_Wtime()). */
void OdProgressStart(OdProgress *p, MPI_Comm comm, const char *label, double total, double done0, PetscBool quiet);
/** Name the command's unit and how many of them one work unit is (default "units", 1). */
void OdProgressSetUnits(OdProgress *p, const char *units, double per_work_unit);
/** Report that `done` work units (cumulative) are complete; prints a line when one is due. */
PetscErrorCode OdProgressUpdate(OdProgress *p, double done);
/** Final line of a completed run (only if any progress line was printed). */
PetscErrorCode OdProgressFinish(OdProgress *p);
/** Final line of a run stopped by a signal: how far it got (printed even if no line was). */
PetscErrorCode OdProgressInterrupted(OdProgress *p, double done);

/** Record that `done` work units were complete at time `now` (OdProgressUpdate does this). */
void OdProgressSample(OdProgress *p, double now, double done);
/**
 * The measured rate (work units per second) and the ETA in seconds at the last sample.
 * Returns PETSC_FALSE (no estimate yet) until two samples after the warm-up exist.
 */
PetscBool OdProgressEstimate(const OdProgress *p, double *rate, double *eta);
