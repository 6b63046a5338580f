/* The `optdyn op` command description (see optdyn/command.h). */
#include "optdyn/command.h"
#include "optdyn/op.h"

OD_COMMAND_ADAPTERS(OdOp, OdOp)

static PetscErrorCode OdOpCmdRun(void *obj, PetscBool *interrupted)
{
  return OdOpRun((OdOp)obj, interrupted);
}

const OdCommand OdOpCommand = {"op", "measuring optimization: finite-state optimizing strength, Comp/Op landscapes on thermostats and Lorenz", "op_", OdOpCmdCreate, OdOpCmdSetFromOptions, OdOpCmdSetUp, OdOpCmdRun, OdOpCmdView, OdOpCmdDestroy, OdOpSummarize};
