#include <string.h>
/* The `optdyn fp` command description (see optdyn/command.h). -fp_dim picks the 1-D or
 * 2-D solver object; both have the same lifecycle. */
#include "optdyn/command.h"
#include "optdyn/fp.h"
#include "optdyn/fp2d.h"

typedef struct {
  PetscInt dim;
  OdFP fp1;
  OdFP2D fp2;
} FPCommand;

static PetscErrorCode FPCmdCreate(MPI_Comm comm, void **obj)
{
  FPCommand *c;
  PetscBool set;
  PetscFunctionBegin;
  PetscCall(PetscNew(&c));
  c->dim = 1;
  { /* read strictly here: the dimension decides which object reads the other options */
    char raw[64] = "1";
    PetscCall(PetscOptionsGetString(NULL, NULL, "-fp_dim", raw, sizeof raw, &set));
    PetscCheck(!strcmp(raw, "1") || !strcmp(raw, "2"), comm, PETSC_ERR_USER_INPUT, "option -fp_dim = '%s' is not allowed: must be 1 or 2", raw);
    c->dim = raw[0] - '0';
  }
  if (c->dim == 1) PetscCall(OdFPCreate(comm, &c->fp1));
  else PetscCall(OdFP2DCreate(comm, &c->fp2));
  *obj = c;
  PetscFunctionReturn(0);
}

static PetscErrorCode FPCmdSetFromOptions(void *obj)
{
  FPCommand *c = obj;
  return c->dim == 1 ? OdFPSetFromOptions(c->fp1) : OdFP2DSetFromOptions(c->fp2);
}

static PetscErrorCode FPCmdSetUp(void *obj)
{
  FPCommand *c = obj;
  return c->dim == 1 ? OdFPSetUp(c->fp1) : OdFP2DSetUp(c->fp2);
}

static PetscErrorCode FPCmdRun(void *obj, PetscBool *interrupted)
{
  FPCommand *c = obj;
  PetscFunctionBegin;
  *interrupted = PETSC_FALSE;
  if (c->dim == 1) {
    PetscCall(OdFPRun(c->fp1));
    PetscCall(OdFPWrite(c->fp1));
  } else {
    PetscCall(OdFP2DRun(c->fp2));
    PetscCall(OdFP2DWrite(c->fp2));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode FPCmdView(void *obj, PetscViewer viewer)
{
  FPCommand *c = obj;
  return c->dim == 1 ? OdFPView(c->fp1, viewer) : OdFP2DView(c->fp2, viewer);
}

static PetscErrorCode FPCmdDestroy(void **obj)
{
  FPCommand *c = *obj;
  PetscFunctionBegin;
  if (!c) PetscFunctionReturn(0);
  if (c->fp1) PetscCall(OdFPDestroy(&c->fp1));
  if (c->fp2) PetscCall(OdFP2DDestroy(&c->fp2));
  PetscCall(PetscFree(c));
  *obj = NULL;
  PetscFunctionReturn(0);
}

const OdCommand OdFPCommand = {"fp", "Fokker-Planck probability-current model of SGD on a distributed grid (1-D or 2-D), vs Monte Carlo", "fp_", FPCmdCreate, FPCmdSetFromOptions, FPCmdSetUp, FPCmdRun, FPCmdView, FPCmdDestroy, NULL};
