/* The `optdyn knowledge` command description (see optdyn/command.h). */
#include "optdyn/command.h"
#include "optdyn/knowledge.h"

OD_COMMAND_ADAPTERS(OdKnowledge, OdKnowledge)

static PetscErrorCode OdKnowledgeCmdRun(void *obj, PetscBool *interrupted)
{
  return OdKnowledgeRun((OdKnowledge)obj, interrupted);
}

const OdCommand OdKnowledgeCommand = {"knowledge", "knowledge localization: does a parameter's share of updating predict where knowledge ends up?", "kl_", OdKnowledgeCmdCreate, OdKnowledgeCmdSetFromOptions, OdKnowledgeCmdSetUp, OdKnowledgeCmdRun, OdKnowledgeCmdView, OdKnowledgeCmdDestroy, NULL};
