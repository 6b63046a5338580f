/* The `optdyn oscillator` command description (see optdyn/command.h). */
#include "optdyn/command.h"
#include "optdyn/oscillator.h"

OD_COMMAND_ADAPTERS(OdOscillator, OdOscillator)

static PetscErrorCode OdOscillatorCmdRun(void *obj, PetscBool *interrupted)
{
  return OdOscillatorRun((OdOscillator)obj, interrupted);
}

const OdCommand OdOscillatorCommand = {"oscillator", "optimizers as damped oscillators: rate, damping ratio, regime over (eta, beta) grids", "osc_", OdOscillatorCmdCreate, OdOscillatorCmdSetFromOptions, OdOscillatorCmdSetUp, OdOscillatorCmdRun, OdOscillatorCmdView, OdOscillatorCmdDestroy, OdOscillatorSummarize};
