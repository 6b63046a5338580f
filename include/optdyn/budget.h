/**
 * @file budget.h
 * @brief Memory budgets checked before work: a run whose arrays cannot fit is refused with
 * its estimated size instead of failing (or being killed by the kernel) after allocating.
 */
#pragma once
#include <petscsys.h>

/**
 * Refuse (PETSC_ERR_USER_INPUT, one line) when `bytes_per_rank` times the ranks sharing this
 * node exceeds what the node can give: its physical memory, or the process's address-space
 * limit (`ulimit -v`) for one rank. `what` names the arrays, `advice` the options to reduce
 * ("-fp_n = 2000000000"). Collective on comm; every rank must pass the same estimate.
 */
PetscErrorCode OdBudgetCheckMemory(MPI_Comm comm, double bytes_per_rank, const char *what, const char *advice);
