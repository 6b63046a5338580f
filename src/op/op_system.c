/* Registry and generic parts of the `optdyn op` systems (op_system.h). */
#include <string.h>
#include "optdyn/op_system.h"

PetscErrorCode OdOpSystemCreate_Thermostat(OdOpSystem);
PetscErrorCode OdOpSystemCreate_Therm(OdOpSystem);
PetscErrorCode OdOpSystemCreate_Lorenz(OdOpSystem);

typedef struct {
  const char *name;
  PetscErrorCode (*create)(OdOpSystem);
} Entry;

/* Every system: add one line here (and its file to src/CMakeLists.txt). */
static const Entry registry[] = {
  {"thermostat", OdOpSystemCreate_Thermostat},
  {"therm", OdOpSystemCreate_Therm},
  {"lorenz", OdOpSystemCreate_Lorenz},
};
#define NREG ((int)(sizeof registry / sizeof registry[0]))

const char *const *OdOpSystemNames(void)
{
  static const char *names[NREG + 1];
  for (int i = 0; i < NREG; i++) names[i] = registry[i].name;
  names[NREG] = NULL;
  return names;
}

PetscErrorCode OdOpSystemCreate(MPI_Comm comm, const char *name, OdOpSystem *sys)
{
  OdOpSystem s;
  PetscFunctionBegin;
  *sys = NULL;
  for (int i = 0; i < NREG; i++) {
    if (strcmp(name, registry[i].name)) continue;
    PetscCall(PetscNew(&s));
    s->name = registry[i].name;
    PetscCall(registry[i].create(s));
    s->dt = s->def.dt;
    *sys = s;
    PetscFunctionReturn(0);
  }
  SETERRQ(comm, PETSC_ERR_USER_INPUT, "unknown optimization system '%s'", name);
}

PetscErrorCode OdOpSystemDestroy(OdOpSystem *sys)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(*sys));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOpSystemSetFromOptions(OdOpSystem sys, PetscOptionItems *PetscOptionsObject)
{
  char opt[128];
  PetscFunctionBegin;
  for (PetscInt i = 0; i < sys->nparams; i++) {
    snprintf(opt, sizeof opt, "-%s", sys->pspec[i].option);
    PetscCall(OdOptionsReal(PetscOptionsObject, opt, sys->pspec[i].help, sys->pspec[i].range, &sys->par[i], NULL));
  }
  for (PetscInt i = 0; i < sys->nchoices; i++) {
    snprintf(opt, sizeof opt, "-%s", sys->cspec[i].option);
    PetscCall(OdOptionsEnum(PetscOptionsObject, opt, sys->cspec[i].help, sys->cspec[i].words, sys->cspec[i].nwords, &sys->choice[i], NULL));
  }
  if (sys->validate) PetscCall(sys->validate(sys, PetscOptionsObject->comm));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOpSystemSetParam(OdOpSystem sys, const char *option, PetscReal value)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < sys->nparams; i++)
    if (!strcmp(sys->pspec[i].option, option)) {
      sys->par[i] = value;
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "system %s has no parameter %s", sys->name, option);
}

PetscErrorCode OdOpSystemGetParam(OdOpSystem sys, const char *option, PetscReal *value)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < sys->nparams; i++)
    if (!strcmp(sys->pspec[i].option, option)) {
      *value = sys->par[i];
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "system %s has no parameter %s", sys->name, option);
}

PetscErrorCode OdOpSystemSetChoice(OdOpSystem sys, const char *option, const char *word)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < sys->nchoices; i++) {
    if (strcmp(sys->cspec[i].option, option)) continue;
    for (PetscInt j = 0; j < sys->cspec[i].nwords; j++)
      if (!strcmp(sys->cspec[i].words[j], word)) {
        sys->choice[i] = j;
        PetscFunctionReturn(0);
      }
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "choice %s of system %s has no value %s", option, sys->name, word);
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "system %s has no choice %s", sys->name, option);
}

PetscInt OdOpSystemFindVar(OdOpSystem sys, const char *name)
{
  for (PetscInt i = 0; i < sys->nvars; i++)
    if (!strcmp(sys->var[i], name)) return i;
  return -1;
}
