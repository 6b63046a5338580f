/**
 * @file help.h
 * @brief `optdyn help COMMAND` and the "did you mean" check of a command's options.
 *
 * Both run the command's create / SetFromOptions / destroy once as a *describe pass* (see
 * options.h, "Help and did you mean"): the validated getters then record every option the
 * command reads, with its group, type, default, range and meaning.
 */
#pragma once
#include "optdyn/command.h"

/**
 * Print the command's own options on rank 0, grouped (model, numerics, sweep, output, run
 * control), each with type, default (computed defaults state their rule), range and meaning.
 * plugins (as for OdCommandExecute) are applied to the object first. Options already in the database (e.g. -landscape spread) are applied first, so computed
 * defaults describe that configuration.
 */
PetscErrorCode OdCommandHelp(const OdCommand *cmd, const OdCommandPlugin plugins[], PetscInt nplugins, MPI_Comm comm);

/**
 * Reject options the command does not read, suggesting the closest registered option
 * ("did you mean -escape_walkers?"). Call before OdCommandExecute().
 */
PetscErrorCode OdCommandCheckOptions(const OdCommand *cmd, const OdCommandPlugin plugins[], PetscInt nplugins, MPI_Comm comm);
