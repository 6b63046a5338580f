/* optdyn: thin dispatcher over the optdyn library. `optdyn COMMAND [options]`. */
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <fcntl.h>
#include <unistd.h>
#include <petscsys.h>
#include <hdf5.h>
#include "optdyn/escape.h"
#include "optdyn/es.h"
#include "optdyn/fp.h"
#include "optdyn/markov.h"
#include "optdyn/op.h"
#include "optdyn/oscillator.h"
#include "optdyn/knowledge.h"
#include "optdyn/nnobj.h"
#include "optdyn/command.h"
#include "optdyn/help.h"
#include "optdyn/runctl.h"
#include "optdyn/version.h"
#include "optdyn/yamlcheck.h"

/* Every command: one line here (its description lives in its module folder). */
static const OdCommand *const commands[] = {&OdEscapeCommand, &OdFPCommand, &OdOpCommand, &OdEsCommand, &OdOscillatorCommand, &OdKnowledgeCommand, &OdMarkovCommand};
static const int ncommands = (int)(sizeof commands / sizeof commands[0]);

static const char usage[] = "usage: optdyn COMMAND [options] [-options_file_yaml CONFIG.yaml]\n"
                            "       optdyn help COMMAND     options of a command, with defaults and ranges\n"
                            "       optdyn COMMAND -h       the same (also --help, -help)\n"
                            "       optdyn COMMAND -petsc_help   PETSc's own help (solvers, logging, ...)\n"
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
  if (n == PETSC_ERR_USER_INPUT || n == PETSC_ERR_FILE_WRITE) fprintf(stderr, "optdyn: error: %s\n", mess ? mess : "");
  else if (n == PETSC_ERR_MEM || (func && !strcmp(func, "PetscMallocAlign"))) fprintf(stderr, "optdyn: error: out of memory in %s(): the run needs more memory than this process can get; reduce the problem size (grid, walkers, population) or spread it over more nodes\n", func);
  else fprintf(stderr, "optdyn: error %d in %s() at %s:%d: %s\n", (int)n, func, file, line, mess ? mess : "");
  fflush(stderr);
  return n;
}

/* After a stop signal: the run wrote a checkpoint instead of its output; say how to go on. */
static void PrintResumeHint(const OdCommand *cmd, int argc, char **argv, int first)
{
  PetscMPIInt rank = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank) return;
  fprintf(stderr, "optdyn %s: interrupted; the checkpoint holds the work done so far and no output file was written.\n"
                  "Resume (same options, any number of ranks) with:\n  optdyn %s", cmd->name, cmd->name);
  for (int i = first; i < argc; i++) {
    if (!strcmp(argv[i], "-restart")) {
      if (i + 1 < argc && argv[i + 1][0] != '-') i++; /* its value */
      continue;
    }
    fprintf(stderr, strpbrk(argv[i], " \t'\"$") ? " '%s'" : " %s", argv[i]);
  }
  fprintf(stderr, " -restart\n");
  fflush(stderr);
}

/* After an input error has been reported in its one line, library teardown has nothing to
   add: parallel HDF5 1.10 may print "infinite loop closing library" at MPI_Finalize after it
   has been handed a corrupt file (an internal leak on its error path). */
static void QuietTeardown(void)
{
  const int fd = open("/dev/null", O_WRONLY);
  fflush(stderr);
  if (fd >= 0) dup2(fd, STDERR_FILENO), close(fd);
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
  /* PETSc sees the program name and the options, not the command word; -h/--help/-help ask
     for optdyn's help, -petsc_help for PETSc's own (its -help) */
  PetscBool petsc_help = PETSC_FALSE;
  sub_argv[sub_argc++] = argv[0];
  for (int i = help_mode ? 3 : 2; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-help")) help_mode = PETSC_TRUE;
    else if (!strcmp(argv[i], "-petsc_help")) petsc_help = PETSC_TRUE;
    else sub_argv[sub_argc++] = argv[i];
  }
  if (petsc_help) sub_argv[sub_argc++] = (char *)"-help";
  sub_argv[sub_argc] = NULL;
  char **pargv = sub_argv;

  (void)OdRunctlInstallHandlers(); /* a signal during MPI/PETSc start-up sets the stop flag */
  /* Config mistakes get one line naming file and line, before PETSc prints its own error block. */
  if (OdYAMLPreflightOptions(sub_argc, sub_argv)) return 1;
  /* MPI and PETSc start-up may reset SIGTERM/SIGUSR1 for a moment: keep them pending through it
     and deliver them to our handler afterwards (a signal in that window killed the process) */
  sigset_t stopsigs;
  sigemptyset(&stopsigs);
  sigaddset(&stopsigs, SIGTERM);
  sigaddset(&stopsigs, SIGUSR1);
  sigprocmask(SIG_BLOCK, &stopsigs, NULL);
  PetscErrorCode ierr = PetscInitialize(&sub_argc, &pargv, NULL, usage);
  if (ierr) return 1;
  (void)OdRunctlInstallHandlers();
  sigprocmask(SIG_UNBLOCK, &stopsigs, NULL);
  PetscPushErrorHandler(ErrorHandler, NULL);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* failures are reported by the caller, in one line */
  {
    /* start-up plugins: modules that add objectives to a command (es does not depend on them) */
    static const OdCommandPlugin es_plugins[] = {OdNNRegisterEsObjectives};
    const PetscBool is_es = cmd == &OdEsCommand;
    const OdCommandPlugin *plugins = is_es ? es_plugins : NULL;
    const PetscInt nplugins = is_es ? 1 : 0;
    if (help_mode && !petsc_help) ierr = OdCommandHelp(cmd, plugins, nplugins, PETSC_COMM_WORLD);
    else {
      ierr = OdCommandCheckOptions(cmd, plugins, nplugins, PETSC_COMM_WORLD);
      if (!ierr) ierr = OdCommandExecute(cmd, plugins, nplugins, PETSC_COMM_WORLD, &interrupted);
      if (!ierr && interrupted) PrintResumeHint(cmd, argc, argv, 2);
    }
  }
  { /* the run has ended (output or checkpoint written): a stop signal during shutdown changes
       nothing, so it stays pending instead of killing the process with status 128 + signal */
    sigset_t late;
    sigemptyset(&late);
    sigaddset(&late, SIGTERM);
    sigaddset(&late, SIGUSR1);
    sigprocmask(SIG_BLOCK, &late, NULL);
  }
  /* input errors and failed output writes are agreed by all ranks; others may not be: do not wait */
  if (ierr && ierr != PETSC_ERR_USER_INPUT && ierr != PETSC_ERR_FILE_WRITE) MPI_Abort(PETSC_COMM_WORLD, 1);
  PetscPopErrorHandler();
  if (ierr) QuietTeardown();
  if (ierr == PETSC_ERR_FILE_WRITE) { /* a file HDF5 could not flush (disk full) crashes its shutdown: leave without it */
    MPI_Barrier(PETSC_COMM_WORLD);
    fflush(stdout);
    _exit(1);
  }
  if (PetscFinalize()) return 1;
  return ierr ? 1 : (interrupted ? OD_EXIT_STOPPED : 0);
}
