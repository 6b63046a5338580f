/**
 * @file command.h
 * @brief One description per command; one generic driver runs them all.
 *
 * A module exposes exactly one `const OdCommand` (its name, a one-line summary and its
 * lifecycle functions). `app/optdyn.c` is a table of these descriptions; adding a command
 * is one folder under `src/` plus one line in that table. The driver owns the order of
 * the lifecycle, so every command behaves the same way:
 *
 *     install stop handlers -> create -> plugins -> set_from_options -> [help? stop]
 *            -> reject unused options -> set_up -> [stop signal? exit] -> run -> view
 *            -> destroy
 *
 * or, with `-summarize FILE`, only summarize(FILE) (see below).
 *
 * The object is opaque to the driver (`void *`); each module adapts its typed functions
 * in its own `*_command.c` file.
 */
#pragma once
#include <petscviewer.h>

typedef struct {
  const char *name;          /**< the word after `optdyn` */
  const char *summary;       /**< one line for `optdyn help` */
  const char *option_prefix; /**< e.g. "escape_" (options are -escape_...) */
  PetscErrorCode (*create)(MPI_Comm comm, void **obj);
  PetscErrorCode (*set_from_options)(void *obj);
  PetscErrorCode (*set_up)(void *obj);
  /** Compute and write the output; *interrupted = PETSC_TRUE if a stop signal led to a checkpoint. */
  PetscErrorCode (*run)(void *obj, PetscBool *interrupted);
  PetscErrorCode (*view)(void *obj, PetscViewer viewer);
  PetscErrorCode (*destroy)(void **obj);
  /**
   * Optional (NULL if the command writes no summary: -summarize then only checks that the
   * file is this command's and closes it complete): recompute, in place, every summary
   * attribute/dataset of an output file from its per-point datasets. `optdyn COMMAND
   * -summarize FILE` calls it; `optdyn-merge` runs it on a merged file, so a summary has
   * exactly one implementation, in C.
   */
  PetscErrorCode (*summarize)(MPI_Comm comm, const char *path);
} OdCommand;

/**
 * A start-up plugin: called on the new command object after create and before
 * set_from_options, e.g. to register es objectives provided by another module
 * (`{OdNNRegisterEsObjectives}` for es). The plugin knows the object's type.
 */
typedef PetscErrorCode (*OdCommandPlugin)(void *obj);

/**
 * Run one command through its whole lifecycle on comm (options already in the database).
 * The SIGTERM/SIGUSR1 handlers (optdyn/runctl.h) are installed first, so a signal during
 * start-up is not lost: if one arrived before run, nothing is computed, a message says so,
 * and *interrupted is PETSC_TRUE (exit status OD_EXIT_STOPPED). plugins[0..nplugins-1] are
 * called in order on the new object before set_from_options (plugins may be NULL).
 */
PetscErrorCode OdCommandExecute(const OdCommand *cmd, const OdCommandPlugin plugins[], PetscInt nplugins, MPI_Comm comm, PetscBool *interrupted);

/**
 * Define the untyped adapters P##CmdCreate, P##CmdSetFromOptions, P##CmdSetUp, P##CmdView
 * and P##CmdDestroy for a module whose typed lifecycle is P##Create(MPI_Comm, T *), ...,
 * P##Destroy(T *). The module writes its own run adapter (run signatures differ).
 */
#define OD_COMMAND_ADAPTERS(P, T) \
  static PetscErrorCode P##CmdCreate(MPI_Comm comm, void **obj) \
  { \
    return P##Create(comm, (T *)obj); \
  } \
  static PetscErrorCode P##CmdSetFromOptions(void *obj) \
  { \
    return P##SetFromOptions((T)obj); \
  } \
  static PetscErrorCode P##CmdSetUp(void *obj) \
  { \
    return P##SetUp((T)obj); \
  } \
  static PetscErrorCode P##CmdView(void *obj, PetscViewer viewer) \
  { \
    return P##View((T)obj, viewer); \
  } \
  static PetscErrorCode P##CmdDestroy(void **obj) \
  { \
    return P##Destroy((T *)obj); \
  }
