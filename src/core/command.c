/* The generic command driver: one lifecycle for every command (see optdyn/command.h). */
#include "optdyn/command.h"
#include "optdyn/options.h"

/* `optdyn COMMAND -summarize FILE`: recompute FILE's summaries and do nothing else. */
static PetscErrorCode SummarizeIfAsked(const OdCommand *cmd, MPI_Comm comm, PetscBool *done)
{
  char path[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-summarize", path, sizeof path, done));
  if (!*done) PetscFunctionReturn(0);
  PetscCheck(cmd->summarize, comm, PETSC_ERR_USER_INPUT, "option -summarize = %s: command '%s' writes no summaries", path, cmd->name);
  PetscCall(OdOptionsCheckUnused(comm));
  PetscCall(cmd->summarize(comm, path));
  PetscFunctionReturn(0);
}

PetscErrorCode OdCommandExecute(const OdCommand *cmd, MPI_Comm comm, PetscBool *interrupted)
{
  void *obj = NULL;
  PetscBool help, done;
  PetscFunctionBegin;
  *interrupted = PETSC_FALSE;
  PetscCall(SummarizeIfAsked(cmd, comm, &done));
  if (done) PetscFunctionReturn(0);
  PetscCall(cmd->create(comm, &obj));
  PetscCall(cmd->set_from_options(obj));
  PetscCall(OdOptionsHelpRequested(&help));
  if (!help) {
    PetscCall(OdOptionsCheckUnused(comm));
    PetscCall(cmd->set_up(obj));
    PetscCall(cmd->run(obj, interrupted));
    if (!*interrupted) PetscCall(cmd->view(obj, PETSC_VIEWER_STDOUT_(comm))); /* nothing to show yet */
  }
  PetscCall(cmd->destroy(&obj));
  PetscFunctionReturn(0);
}
