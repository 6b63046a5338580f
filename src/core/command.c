/* The generic command driver: one lifecycle for every command (see optdyn/command.h). */
#include <string.h>
#include "optdyn/command.h"
#include "optdyn/output.h"
#include "optdyn/options.h"
#include "optdyn/runctl.h"

/* A command without summaries: check that FILE is this command's, then close it complete
 * (attaches dimension scales, recomputes checksums, marks completion). */
static PetscErrorCode SummarizeNothing(const OdCommand *cmd, MPI_Comm comm, const char *path)
{
  OdOutput out;
  char command[64];
  PetscFunctionBegin;
  PetscCall(OdOutputOpenExisting(comm, path, &out));
  PetscCall(OdOutputReadAttrString(out, "/", "command", command, sizeof command));
  PetscCheck(!strcmp(command, cmd->name), comm, PETSC_ERR_USER_INPUT, "%s was written by 'optdyn %s', not 'optdyn %s'", path, command, cmd->name);
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscCall(OdOutputDestroy(&out));
  PetscFunctionReturn(0);
}

/* `optdyn COMMAND -summarize FILE`: recompute FILE's summaries and do nothing else. */
static PetscErrorCode SummarizeIfAsked(const OdCommand *cmd, MPI_Comm comm, PetscBool *done)
{
  char path[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-summarize", path, sizeof path, done));
  if (!*done) PetscFunctionReturn(0);
  PetscCall(OdOptionsCheckUnused(comm));
  if (cmd->summarize) PetscCall(cmd->summarize(comm, path));
  else PetscCall(SummarizeNothing(cmd, comm, path));
  PetscFunctionReturn(0);
}

/* set_up -> run -> view, unless a stop signal arrived during start-up (then nothing is
   computed: the ranks agree on it, say so and report the run as interrupted). */
static PetscErrorCode SetUpAndRun(const OdCommand *cmd, void *obj, MPI_Comm comm, PetscBool *interrupted)
{
  PetscBool stop;
  PetscFunctionBegin;
  PetscCall(cmd->set_up(obj));
  PetscCall(OdRunctlStopAgreed(comm, &stop));
  if (stop) {
    PetscCall(PetscPrintf(comm, "[%s] stop signal received during start-up: nothing computed, no checkpoint written; rerun the same command (with -restart) to start\n", cmd->name));
    *interrupted = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  PetscCall(cmd->run(obj, interrupted));
  if (!*interrupted) PetscCall(cmd->view(obj, PETSC_VIEWER_STDOUT_(comm))); /* nothing to show yet */
  PetscFunctionReturn(0);
}

static PetscErrorCode ConfigureAndRun(const OdCommand *cmd, const OdCommandPlugin plugins[], PetscInt nplugins, void *obj, MPI_Comm comm, PetscBool *interrupted, PetscBool *help)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < nplugins; i++) PetscCall(plugins[i](obj));
  PetscCall(cmd->set_from_options(obj));
  PetscCall(OdOptionsHelpRequested(help));
  if (!*help) {
    PetscCall(OdOptionsCheckUnused(comm));
    PetscCall(SetUpAndRun(cmd, obj, comm, interrupted));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OdCommandExecute(const OdCommand *cmd, const OdCommandPlugin plugins[], PetscInt nplugins, MPI_Comm comm, PetscBool *interrupted)
{
  void *obj = NULL;
  PetscBool help, done;
  PetscFunctionBegin;
  *interrupted = PETSC_FALSE;
  PetscCall(OdRunctlInstallHandlers()); /* before any work: a signal during start-up is kept */
  PetscCall(SummarizeIfAsked(cmd, comm, &done));
  if (done) PetscFunctionReturn(0);
  PetscCall(cmd->create(comm, &obj));
  PetscErrorCode ierr = ConfigureAndRun(cmd, plugins, nplugins, obj, comm, interrupted, &help);
  /* reliab: after an input error or a failed output write (agreed by every rank) the object is
     still destroyed, so that nothing of the run is left behind (the output's lock file, a
     partial file); other errors end in MPI_Abort, where collective clean-up could hang */
  if (ierr == PETSC_ERR_USER_INPUT || ierr == PETSC_ERR_FILE_WRITE) (void)cmd->destroy(&obj);
  if (ierr) return ierr;
  PetscCall(cmd->destroy(&obj));
  PetscFunctionReturn(0);
}
