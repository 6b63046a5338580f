/**
 * @file nnobj.h
 * @brief Neural-network objectives for `optdyn es`: the `mlp` objective (mini-batch
 * softmax NLL of a multilayer perceptron on an IDX data set) with the variance-reduction
 * and safety techniques of variational optimization for networks (see docs/es.md).
 *
 * es does not depend on this module: app/optdyn.c lists OdNNRegisterEsObjectives as a
 * start-up plugin of the es command, which calls OdEsRegisterObjective().
 */
#pragma once
#include "optdyn/es.h"

/** Start-up plugin of the es command: registers `mlp` in the OdEs object's table. */
PetscErrorCode OdNNRegisterEsObjectives(void *es);
/** The constructor of the `mlp` objective (for programs that register it themselves). */
PetscErrorCode OdNNEsMLPCreate(PetscOptionItems *PetscOptionsObject, PetscInt d, OdEsObjective obj);

/**
 * Output divergence D(eps) = (1/I) sum_k sum_i (Y_ki(w) - Y_ki(w + eps))^2 of the MLP
 * objective's network over its first I training examples (I = -es_mlp_monitor); used by the
 * safe-perturbation study and tests.
 */
PetscErrorCode OdNNEsMLPDivergence(OdEsObjective obj, const PetscReal w[], const PetscReal eps[], PetscReal *D);
/** Sensitivities s[d] of the MLP objective at w (as used by -es_mlp_method safe). */
PetscErrorCode OdNNEsMLPSensitivity(OdEsObjective obj, PetscInt generation, PetscInt replicate, const PetscReal w[], PetscReal s[]);
