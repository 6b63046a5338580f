/* Private to src/nnobj: the context of the `mlp` es objective. */
#pragma once
#include "optdyn/nn.h"
#include "optdyn/nnobj.h"

#define OD_NNES_MAX_LAYERS 16

typedef enum { NNES_WEIGHT, NNES_LOCAL, NNES_SAFE, NNES_EXAMPLE, NNES_BACKPROP } NNEsMethod;
typedef enum { NNES_SAFE_ABS, NNES_SAFE_SUM } NNEsSafeKind;
extern const char *const od_nnes_method_names[];
extern const char *const od_nnes_safe_names[];

typedef struct {
  MPI_Comm comm;
  /* network and data */
  OdMLP mlp;
  PetscInt L, sizes[OD_NNES_MAX_LAYERS + 1], P;
  OdDataset train, test;
  PetscInt ntrain, nval;      /* training examples [0, ntrain), validation [ntrain, ntrain + nval) */
  PetscInt B, K, monitor, chunk, maxw; /* maxw: widest layer 1..L */
  /* technique */
  PetscInt method, safe_kind, safe_batch;
  PetscReal safe_floor;
  PetscBool example_fitness;  /* per-example losses with a per-example baseline (local, example) */
  uint32_t seed;
  /* work */
  OdMLPWork work, work1;      /* batched (max(B, chunk) rows) and per-example */
  double *X, *x1, *w, *loss, *grad1, *glo, *gs2; /* batch inputs, one input, member params, losses, one gradient, gradient sums */
  PetscInt *labels, *idx;
  PetscInt batch_gen, batch_rep;  /* which generation's batch X holds (-1: none) */
  double *s;                  /* safe: sensitivities of the current generation */
  PetscInt s_gen, s_rep;
  double *A2, *M;             /* local reparameterization: B x max width scratch */
  double *xi, *v, *S2;        /* local reparameterization: noise, variances per layer (B x width), sigma^2 per parameter */
  PetscInt *unit0;            /* first unit index of each layer for OdEsExampleNoise */
  double *z1, *msum, *m2sum;  /* local: layer 1's mean pre-activations (shared by all members) and member sums of its gradient weights (B x n_1) */
  double *floss;              /* per-example losses of all members [N][B] (local, example) */
  PetscInt N_alloc;
  /* the local-reparameterization forward hook's view of the member */
  const OdEsGeneration *hook_gen;
  PetscInt hook_member, hook_sign;
} NNEs;

/* nn_es_methods.c */
PetscErrorCode NNEsSetUpMethod(NNEs *c, OdEsPopulationHook *hook);
PetscErrorCode NNEsLoadBatch(NNEs *c, const OdEsGeneration *gen);
PetscErrorCode NNEsComputeSensitivity(NNEs *c, const OdEsGeneration *gen, const double w[], double s[]);
