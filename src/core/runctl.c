/* Run control: the stop flag set by SIGTERM/SIGUSR1 (see optdyn/runctl.h). */
#include <signal.h>
#include <string.h>
#include "optdyn/runctl.h"

/* The one piece of process-global mutable state in optdyn: a signal can only reach the
   program through a flag of static storage. It is only ever set, never cleared. */
static volatile sig_atomic_t od_stop_signal = 0;

static void OnStopSignal(int sig)
{
  (void)sig;
  od_stop_signal = 1;
}

PetscErrorCode OdRunctlInstallHandlers(void)
{
  struct sigaction sa;
  PetscFunctionBegin;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  PetscCheck(sigaction(SIGTERM, &sa, NULL) == 0 && sigaction(SIGUSR1, &sa, NULL) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot install the SIGTERM/SIGUSR1 handlers");
  PetscFunctionReturn(0);
}

PetscBool OdRunctlStopRequested(void) { return od_stop_signal ? PETSC_TRUE : PETSC_FALSE; }

void OdRunctlRequestStop(void) { od_stop_signal = 1; }

PetscErrorCode OdRunctlStopAgreed(MPI_Comm comm, PetscBool *stop)
{
  int local = od_stop_signal ? 1 : 0, global = 0;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&local, &global, 1, MPI_INT, MPI_MAX, comm));
  *stop = global ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}
