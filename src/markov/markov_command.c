/* The `optdyn markov` command description (see optdyn/command.h). */
#include "optdyn/command.h"
#include "markov_impl.h"

OD_COMMAND_ADAPTERS(OdMarkov, OdMarkov)

static PetscErrorCode OdMarkovCmdRun(void *obj, PetscBool *interrupted)
{
  return OdMarkovRun((OdMarkov)obj, interrupted);
}

const OdCommand OdMarkovCommand = {"markov", "Exact SGD density operator beside Monte Carlo and the PDE model; escape times vs Kramers", "markov_", OdMarkovCmdCreate, OdMarkovCmdSetFromOptions, OdMarkovCmdSetUp, OdMarkovCmdRun, OdMarkovCmdView, OdMarkovCmdDestroy, NULL};
