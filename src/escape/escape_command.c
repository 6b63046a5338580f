/* The `optdyn escape` command description (see optdyn/command.h). */
#include "optdyn/command.h"
#include "optdyn/escape.h"

OD_COMMAND_ADAPTERS(OdEscape, OdEscape)

static PetscErrorCode OdEscapeCmdRun(void *obj, PetscBool *interrupted)
{
  return OdEscapeRun((OdEscape)obj, interrupted);
}

const OdCommand OdEscapeCommand = {"escape", "SGD escape probability from a local minimum vs learning rate", "escape_", OdEscapeCmdCreate, OdEscapeCmdSetFromOptions, OdEscapeCmdSetUp, OdEscapeCmdRun, OdEscapeCmdView, OdEscapeCmdDestroy, NULL}; /* no summaries over points: the driver's generic check-and-complete */
