/* The generic command driver: one lifecycle for every command (see optdyn/command.h). */
#include "optdyn/command.h"
#include "optdyn/options.h"

PetscErrorCode OdCommandExecute(const OdCommand *cmd, MPI_Comm comm, PetscBool *interrupted)
{
  void *obj = NULL;
  PetscBool help;
  PetscFunctionBegin;
  *interrupted = PETSC_FALSE;
  PetscCall(cmd->create(comm, &obj));
  PetscCall(cmd->set_from_options(obj));
  PetscCall(OdOptionsHelpRequested(&help));
  if (!help) {
    PetscCall(OdOptionsCheckUnused(comm));
    PetscCall(cmd->set_up(obj));
    PetscCall(cmd->run(obj, interrupted));
    PetscCall(cmd->view(obj, PETSC_VIEWER_STDOUT_(comm)));
  }
  PetscCall(cmd->destroy(&obj));
  PetscFunctionReturn(0);
}
