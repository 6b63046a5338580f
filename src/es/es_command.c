/* The `optdyn es` command description (see optdyn/command.h). */
#include "optdyn/command.h"
#include "optdyn/es.h"

OD_COMMAND_ADAPTERS(OdEs, OdEs)

static PetscErrorCode OdEsCmdRun(void *obj, PetscBool *interrupted)
{
  return OdEsRun((OdEs)obj, interrupted);
}

const OdCommand OdEsCommand = {"es", "parallel evolution strategies / variational optimization with shared-seed perturbations", "es_", OdEsCmdCreate, OdEsCmdSetFromOptions, OdEsCmdSetUp, OdEsCmdRun, OdEsCmdView, OdEsCmdDestroy, NULL};
