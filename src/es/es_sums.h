/* Private to es: the built-in objectives' vectorized sums (es_sums.c; lane kernels in es_lanes.h). */
#pragma once
#include <string.h>
#include <petscsys.h>
#include "optdyn/simd.h"

typedef enum { OD_ES_SUM_SPHERE, OD_ES_SUM_RASTRIGIN, OD_ES_SUM_ROSENBROCK } OdEsSumKind;

/** sum_i (w_i - c)^2, sum_i (w_i^2 - 10 cos 2 pi w_i), sum_{i<d-1} 100 (w_{i+1} - w_i^2)^2 + (1 - w_i)^2
    (c used by the sphere only); the same bits at every level */
double OdEsObjectiveSum(OdEsSumKind kind, OdSimdLevel level, PetscInt d, const double w[], double c);
/** cos(2 pi w) as the kernels compute it (|error| ~ 1e-16) */
double OdEsCos2Pi(double w);
