/**
 * @file runctl.h
 * @brief Run control: the one stop flag of the process and what a stopped run returns.
 *
 * SIGTERM and SIGUSR1 set a flag (the only process-global mutable state of optdyn: a
 * signal can reach the program only through an object of static storage). The generic
 * command driver installs the handlers before it creates the command object, so a signal
 * that arrives during start-up is not lost. Long-running loops (sweep rounds, es
 * generations) poll the flag at their collective points (OdRunctlStopAgreed()), so all ranks
 * stop together after the same unit of work, write a checkpoint and return with
 * `interrupted` set; the driver then ends the run with OD_EXIT_STOPPED.
 *
 * Exit status (the program `optdyn`):
 *  - 0                 finished, the output file was written;
 *  - OD_EXIT_STOPPED   stopped by SIGTERM/SIGUSR1: a checkpoint OUTPUT.ckpt was written
 *                      (or nothing had been computed yet, and the message says so); rerun
 *                      the same command with `-restart`. OD_EXIT_STOPPED is 0, so the status
 *                      is the same whether the signal reached a rank directly or reached
 *                      Open MPI's `mpiexec`, which forwards SIGUSR1 to the ranks and returns
 *                      their status. (Open MPI's mpiexec treats SIGTERM as "abort the job":
 *                      it forwards it, the ranks still checkpoint, but mpiexec itself returns
 *                      1 whatever the ranks return; send SIGUSR1 to mpiexec.) A stopped run
 *                      is recognized by its files: OUTPUT.ckpt present, OUTPUT absent;
 *  - 1                 an error (message on stderr).
 */
#pragma once
#include <petscsys.h>

/** Exit status of a run stopped by a signal after writing its checkpoint (see above). */
#define OD_EXIT_STOPPED 0

/** Install the SIGTERM/SIGUSR1 handlers (idempotent; called by OdCommandExecute()). */
PetscErrorCode OdRunctlInstallHandlers(void);

/** True once this process has received SIGTERM or SIGUSR1 (or OdRunctlRequestStop()). */
PetscBool OdRunctlStopRequested(void);

/** Set the stop flag as a signal would (tests, and -es_stop_after style testing options). */
void OdRunctlRequestStop(void);

/** Collective: true on every rank if any rank of comm has seen a stop request. */
PetscErrorCode OdRunctlStopAgreed(MPI_Comm comm, PetscBool *stop);
