/* The `optdyn fp` command description (see optdyn/command.h): a plain adapter of the one OdFP
   object (-fp_dim selects the dimension inside it). */
#include "optdyn/command.h"
#include "optdyn/fp.h"

OD_COMMAND_ADAPTERS(OdFP, OdFP)

static PetscErrorCode OdFPCmdRun(void *obj, PetscBool *interrupted)
{
  PetscFunctionBegin;
  PetscCall(OdFPRunResumable((OdFP)obj, interrupted));
  if (*interrupted) PetscFunctionReturn(0); /* a checkpoint, no output: the driver prints the hint */
  PetscCall(OdFPWrite((OdFP)obj));
  PetscFunctionReturn(0);
}

const OdCommand OdFPCommand = {"fp", "Fokker-Planck probability-current model of SGD on a distributed grid (1-D or 2-D), vs Monte Carlo", "fp_", OdFPCmdCreate, OdFPCmdSetFromOptions, OdFPCmdSetUp, OdFPCmdRun, OdFPCmdView, OdFPCmdDestroy, NULL};
