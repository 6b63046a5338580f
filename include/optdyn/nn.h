/**
 * @file nn.h
 * @brief Image data in the IDX (MNIST) format and a dense multilayer perceptron.
 *
 * Data: OdIdxRead() reads an IDX file, raw or gzip (zlib detects which), and checks the
 * magic number, the element type, the dimensions and that the data size matches the
 * header exactly; every error names the file. OdDatasetLoad() pairs an image file with a
 * label file. Pixels stay bytes in memory (60,000 images are 47 MB); OdDatasetInput()
 * scales one image to [1/256, 1] as (v + 1)/256 when it is used.
 *
 * MLP: dense layers of any sizes, one activation for the hidden layers and one for the
 * output, squared-error or softmax negative log-likelihood loss. The parameters are one
 * flat vector theta owned by the caller (so that an evolution strategy can perturb it);
 * layer l (1..L) stores its weights as W_l[i][o] (input i, output o; row-major, rows of
 * n_l) at OdMLPWeightOffset(l), followed by its biases b_l[o] at OdMLPBiasOffset(l).
 *
 * Two computation paths:
 *  - one example at a time (OdMLPForward, OdMLPBackward, OdMLPStepSGD): plain loops in a
 *    fixed summation order, compiled with -ffp-contract=off, so results are bitwise
 *    reproducible on any machine with the same libm;
 *  - a batch (OdMLPForwardBatch, OdMLPBackwardBatch): matrix products through OpenBLAS
 *    (cblas_dgemm). OdMLPSetUpBLAS() pins OpenBLAS to one thread so a result does not
 *    depend on the thread count; it may still depend on the CPU's kernel choice.
 *
 * Hooks: OdMLPStepSGD() hands each block of parameter changes Δθ to an update hook
 * (e.g. OdMLPTallyAbsHook tallies |Δθ| per parameter); OdMLPForwardBatch() lets a
 * pre-activation hook modify Z = A W + b of each layer before the activation (e.g. to add
 * per-example noise in activation space).
 */
#pragma once
#include <petscsys.h>
#include <stdint.h>
#include "optdyn/rng.h"

/* ------------------------------------------------------------------ IDX files */

/** An IDX array of unsigned bytes (element type 0x08). */
typedef struct {
  PetscInt ndim;      /**< 1..4 */
  PetscInt dims[4];   /**< sizes, slowest first */
  size_t count;       /**< product of dims */
  unsigned char *data;
} OdIdx;

/**
 * Read an IDX file (raw or gzip). Fails with PETSC_ERR_USER_INPUT on comm, naming the file,
 * if it cannot be opened, is corrupt gzip, has a wrong magic number, an unsupported element
 * type, a zero or too large dimension, or holds fewer or more data bytes than its header
 * says. Collective in the sense that every rank of comm reads the same file.
 */
PetscErrorCode OdIdxRead(MPI_Comm comm, const char *path, OdIdx *idx);
/** Write an IDX file of unsigned bytes, gzip-compressed if gzip is true. */
PetscErrorCode OdIdxWrite(MPI_Comm comm, const char *path, const OdIdx *idx, PetscBool gzip);
PetscErrorCode OdIdxFree(OdIdx *idx);

/* ------------------------------------------------------------------ data sets */

/** Labelled images: pixels n x dim bytes, labels 0..255. */
typedef struct {
  PetscInt n, dim, rows, cols;
  unsigned char *pixels;
  PetscInt *labels;
} OdDataset;

/** Load an image file (n x rows x cols) and a label file (n); the counts must agree. */
PetscErrorCode OdDatasetLoad(MPI_Comm comm, const char *images, const char *labels, OdDataset *ds);
PetscErrorCode OdDatasetFree(OdDataset *ds);

/** Example i scaled to [1/256, 1]: x[k] = (pixel + 1)/256. */
void OdDatasetInput(const OdDataset *ds, PetscInt i, double x[]);

/**
 * Indices of the examples in [begin, end) whose label is one of classes[0..nclasses-1], in
 * file order. *idx is allocated (PetscMalloc1) with at least one element.
 */
PetscErrorCode OdDatasetSelect(const OdDataset *ds, PetscInt begin, PetscInt end, PetscInt nclasses, const PetscInt classes[], PetscInt *n, PetscInt **idx);

/** Count of examples per label 0..255 in [begin, end) (counts[256]). */
void OdDatasetCountLabels(const OdDataset *ds, PetscInt begin, PetscInt end, PetscInt counts[256]);

/* ------------------------------------------------------------------ MLP */

typedef enum { OD_ACT_SOFTPLUS = 0, OD_ACT_SIGMOID, OD_ACT_RELU, OD_ACT_TANH, OD_ACT_IDENTITY } OdActivation;
/** "softplus", "sigmoid", "relu", "tanh", "identity" (indexed by OdActivation). */
extern const char *const OdActivationNames[];
#define OD_ACT_COUNT 5

typedef enum { OD_LOSS_SQUARED = 0, OD_LOSS_NLL } OdLoss;
/** "squared", "nll". squared: L = 1/2 sum_k (y_k - t_k)^2 with one-hot t; nll: L = -log softmax(y)_label. */
extern const char *const OdLossNames[];

typedef struct _n_OdMLP *OdMLP;

/** nlayers weight layers; sizes[0..nlayers] are the widths (sizes[0] = inputs). */
PetscErrorCode OdMLPCreate(PetscInt nlayers, const PetscInt sizes[], OdActivation hidden, OdActivation output, OdLoss loss, OdMLP *mlp);
PetscErrorCode OdMLPDestroy(OdMLP *mlp);

PetscInt OdMLPNumLayers(OdMLP mlp);
PetscInt OdMLPLayerSize(OdMLP mlp, PetscInt l); /**< width of layer l (0 = input) */
PetscInt OdMLPNumParams(OdMLP mlp);
PetscInt OdMLPWeightOffset(OdMLP mlp, PetscInt l); /**< l = 1..L */
PetscInt OdMLPBiasOffset(OdMLP mlp, PetscInt l);
OdActivation OdMLPActivation(OdMLP mlp, PetscInt l); /**< activation of layer l = 1..L */
OdLoss OdMLPGetLoss(OdMLP mlp);

/**
 * He initialization: every weight and bias of layer l is N(0, 2/n_{l-1}). The draw of the
 * k-th parameter of layer l (weights first, then biases) is normal number k mod 2 of
 * Philox(rng) at counter (unit, l, k/2, 0), so it depends only on (seed, unit, layer, k).
 */
void OdMLPInitHe(OdMLP mlp, const OdRng *rng, uint32_t unit, double theta[]);

/** Workspace for batches of up to batch_max examples (1 for the per-example path). */
typedef struct _n_OdMLPWork *OdMLPWork;
PetscErrorCode OdMLPWorkCreate(OdMLP mlp, PetscInt batch_max, OdMLPWork *work);
PetscErrorCode OdMLPWorkDestroy(OdMLPWork *work);

/** Forward one example; returns the loss for `label` (label < 0: no loss, returns 0). */
double OdMLPForward(OdMLP mlp, const double theta[], const double x[], PetscInt label, OdMLPWork work);
/** Output layer of the last forward pass (example b of a batch; b = 0 for one example). */
const double *OdMLPOutput(OdMLPWork work, PetscInt b);
/** Activations of layer l (0 = input) of the last forward pass, batch_max x n_l row-major. */
const double *OdMLPLayerActivations(OdMLPWork work, PetscInt l);
/** Index of the largest output of example b of the last forward pass. */
PetscInt OdMLPPredict(OdMLP mlp, OdMLPWork work, PetscInt b);

/** Gradient of one example's loss: forward, then backward into grad[nparams] (overwritten). */
double OdMLPGradient(OdMLP mlp, const double theta[], const double x[], PetscInt label, OdMLPWork work, double grad[]);

/**
 * Gradient of output unit k (after the output activation) with respect to theta, for the
 * example of the last OdMLPForward() (the forward pass is reused, so call this for several
 * k after one forward pass). grad[nparams] is overwritten.
 */
void OdMLPOutputGradient(OdMLP mlp, const double theta[], PetscInt k, OdMLPWork work, double grad[]);

/** Receives consecutive parameter changes delta[0..n-1] of theta[offset..offset+n-1]. */
typedef void (*OdMLPUpdateHook)(void *ctx, PetscInt offset, PetscInt n, const double delta[]);
/** Hook that adds |delta| to ((double *)ctx)[offset..]. */
void OdMLPTallyAbsHook(void *ctx, PetscInt offset, PetscInt n, const double delta[]);

/**
 * One SGD step on one example: theta -= lr * grad L(theta; x, label), fused (forward,
 * backward, update layer by layer from the output; each layer's gradient uses the
 * parameters before the step). hook (may be NULL) sees every change Δθ. Returns the loss
 * before the step.
 */
double OdMLPStepSGD(OdMLP mlp, double theta[], const double x[], PetscInt label, double lr, OdMLPWork work, OdMLPUpdateHook hook, void *ctx);

/** Lets a caller change a layer's pre-activations Z (B x n_l, row-major) before the activation. */
typedef void (*OdMLPPreactHook)(void *ctx, PetscInt layer, PetscInt B, PetscInt n, double Z[]);

/**
 * Forward a batch X (B x n_0, row-major) through cblas_dgemm; loss[b] (may be NULL) gets
 * each example's loss for labels[b] (labels may be NULL). hook may be NULL.
 */
PetscErrorCode OdMLPForwardBatch(OdMLP mlp, const double theta[], PetscInt B, const double X[], const PetscInt labels[], OdMLPWork work, OdMLPPreactHook hook, void *ctx, double loss[]);
/**
 * Forward a batch from given pre-activations Z (B x n_first) of layer `first` (1..L): the
 * layers below are not evaluated (callers that share them between several passes compute
 * them once). Layers first+1..L go through the hook as in OdMLPForwardBatch.
 */
PetscErrorCode OdMLPForwardBatchFrom(OdMLP mlp, const double theta[], PetscInt B, PetscInt first, const double Z[], const PetscInt labels[], OdMLPWork work, OdMLPPreactHook hook, void *ctx, double loss[]);
/** Mean gradient over the batch of the last OdMLPForwardBatch (same X, labels) into grad. */
PetscErrorCode OdMLPBackwardBatch(OdMLP mlp, const double theta[], PetscInt B, const double X[], const PetscInt labels[], OdMLPWork work, double grad[]);

/** Pin OpenBLAS to one thread (reproducible batch products). Call once before batches. */
void OdMLPSetUpBLAS(void);
