/* optdyn: thin dispatcher over the optdyn library. `optdyn COMMAND [options]`. */
#include <stdio.h>
#include <string.h>
#include <petscsys.h>
#include "optdyn/escape.h"
#include "optdyn/es.h"
#include "optdyn/fp.h"
#include "optdyn/markov.h"
#include "optdyn/op.h"
#include "optdyn/oscillator.h"
#include "optdyn/knowledge.h"
#include "optdyn/nnobj.h"
#include "optdyn/command.h"
#include "optdyn/runctl.h"
#include "optdyn/version.h"
#include "optdyn/yamlcheck.h"

/* Every command: one line here (its description lives in its module folder). */
static const OdCommand *const commands[] = {&OdEscapeCommand, &OdFPCommand, &OdOpCommand, &OdEsCommand, &OdOscillatorCommand, &OdKnowledgeCommand, &OdMarkovCommand};
static const int ncommands = (int)(sizeof commands / sizeof commands[0]);

static const char usage[] = "usage: optdyn COMMAND [options] [-options_file_yaml CONFIG.yaml]\n"
                            "       optdyn help [COMMAND]   options of a command, with defaults\n"
                            "       optdyn --version\n";

static void PrintUsage(FILE *f)
{
  fputs(usage, f);
  fputs("commands:\n", f);
  for (int i = 0; i < ncommands; i++) fprintf(f, "  %-11s %s\n", commands[i]->name, commands[i]->summary);
}

static const OdCommand *FindCommand(const char *name)
{
  for (int i = 0; i < ncommands; i++)
    if (!strcmp(commands[i]->name, name)) return commands[i];
  return NULL;
}

/* Print errors once, plainly: the message names the option, value and rule. */
static PetscErrorCode ErrorHandler(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt rank = 0;
  (void)ctx;
  if (p != PETSC_ERROR_INITIAL) return n;
  if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &rank);
  if (rank) return n;
  if (n == PETSC_ERR_USER_INPUT) fprintf(stderr, "optdyn: error: %s\n", mess ? mess : "");
  else if (n == PETSC_ERR_MEM || (func && !strcmp(func, "PetscMallocAlign"))) fprintf(stderr, "optdyn: error: out of memory in %s(): the run needs more memory than this process can get; reduce the problem size (grid, walkers, population) or spread it over more nodes\n", func);
  else fprintf(stderr, "optdyn: error %d in %s() at %s:%d: %s\n", (int)n, func, file, line, mess ? mess : "");
  fflush(stderr);
  return n;
}

int main(int argc, char **argv)
{
  const OdCommand *cmd;
  PetscBool interrupted = PETSC_FALSE;
  char *sub_argv[1024];
  int sub_argc = 0;
  PetscBool help_mode = PETSC_FALSE;

  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-help")) {
    PrintUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
    printf("optdyn %s (git %s)\n", OPTDYN_VERSION, OPTDYN_GIT_REVISION);
    return 0;
  }
  if (!strcmp(argv[1], "help")) {
    if (argc < 3) {
      PrintUsage(stdout);
      return 0;
    }
    help_mode = PETSC_TRUE;
  }
  cmd = FindCommand(argv[help_mode ? 2 : 1]);
  if (!cmd) {
    fprintf(stderr, "optdyn: unknown command '%s'\n", argv[help_mode ? 2 : 1]);
    PrintUsage(stderr);
    return 2;
  }
  if (argc > 1000) {
    fprintf(stderr, "optdyn: too many arguments\n");
    return 2;
  }
  /* PETSc sees the program name and the options, not the command word */
  sub_argv[sub_argc++] = argv[0];
  for (int i = help_mode ? 3 : 2; i < argc; i++) sub_argv[sub_argc++] = argv[i];
  if (help_mode) sub_argv[sub_argc++] = (char *)"-help";
  sub_argv[sub_argc] = NULL;
  char **pargv = sub_argv;

  (void)OdRunctlInstallHandlers(); /* a signal during MPI/PETSc start-up sets the stop flag */
  /* Config mistakes get one line naming file and line, before PETSc prints its own error block. */
  if (OdYAMLPreflightOptions(sub_argc, sub_argv)) return 1;
  PetscErrorCode ierr = PetscInitialize(&sub_argc, &pargv, NULL, usage);
  if (ierr) return 1;
  PetscPushErrorHandler(ErrorHandler, NULL);
  {
    /* start-up plugins: modules that add objectives to a command (es does not depend on them) */
    static const OdCommandPlugin es_plugins[] = {OdNNRegisterEsObjectives};
    const PetscBool is_es = cmd == &OdEsCommand;
    ierr = OdCommandExecute(cmd, is_es ? es_plugins : NULL, is_es ? 1 : 0, PETSC_COMM_WORLD, &interrupted);
  }
  if (ierr && ierr != PETSC_ERR_USER_INPUT) MPI_Abort(PETSC_COMM_WORLD, 1); /* ranks may disagree: do not wait */
  PetscPopErrorHandler();
  if (PetscFinalize()) return 1;
  return ierr ? 1 : (interrupted ? OD_EXIT_STOPPED : 0);
}
