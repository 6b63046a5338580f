/**
 * @file stats.h
 * @brief Small statistics used across commands.
 */
#pragma once
#include <petscsys.h>

/** z for a two-sided 95 % interval. */
#define OD_Z95 1.959963984540054

/**
 * Wilson score interval for k successes in n trials at normal quantile z:
 * center (k + z^2/2)/(n + z^2), half-width z sqrt(k(n-k)/n + z^2/4)/(n + z^2).
 * n = 0 gives [0, 1].
 */
void OdWilsonInterval(double k, double n, double z, double *lo, double *hi);

/**
 * Probability of at least one run of `run` consecutive successes in `n` independent
 * trials with success probability p (exact dynamic programming over the current run length).
 */
double OdRunProbability(PetscInt run, PetscInt n, double p);
