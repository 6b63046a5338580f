/* The `mlp` objective of `optdyn es`: options, data, the plain evaluation f(w) (NLL on a
   fixed monitor subset of the training data), the per-generation metrics and the final test
   metrics. The techniques (how members are built and how the search gradient is formed)
   are in nn_es_methods.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "optdyn/options.h"
#include "nn_es_impl.h"

const char *const od_nnes_method_names[] = {"weight", "local", "safe", "example", "backprop"};
const char *const od_nnes_safe_names[] = {"abs", "sum"};

/* Mean NLL and accuracy of w on examples idx[0..n-1] of ds (all of [begin, begin+n) if idx is NULL), in chunks. */
static PetscErrorCode EvaluateSet(NNEs *c, const OdDataset *ds, PetscInt begin, PetscInt n, const PetscInt *idx, const double w[], double *loss, double *acc)
{
  double L = 0;
  PetscInt right = 0;
  PetscFunctionBegin;
  for (PetscInt s = 0; s < n; s += c->chunk) {
    const PetscInt m = PetscMin(c->chunk, n - s);
    for (PetscInt b = 0; b < m; b++) {
      const PetscInt i = idx ? idx[s + b] : begin + s + b;
      OdDatasetInput(ds, i, c->X + b * c->sizes[0]);
      c->labels[b] = ds->labels[i];
    }
    PetscCall(OdMLPForwardBatch(c->mlp, w, m, c->X, c->labels, c->work, NULL, NULL, c->loss));
    for (PetscInt b = 0; b < m; b++) {
      L += c->loss[b];
      right += OdMLPPredict(c->mlp, c->work, b) == c->labels[b];
    }
  }
  c->batch_gen = -1; /* X no longer holds a generation's batch */
  *loss = L / n;
  *acc = (double)right / n;
  PetscFunctionReturn(0);
}

/* f(w): mean NLL over the first `monitor` training examples (deterministic, used for f_mean). */
static PetscErrorCode EvalMonitor(void *ctx, PetscInt d, const PetscReal w[], PetscReal *f)
{
  NNEs *c = (NNEs *)ctx;
  double acc;
  PetscFunctionBegin;
  (void)d;
  PetscCall(EvaluateSet(c, &c->train, 0, c->monitor, NULL, w, f, &acc));
  PetscFunctionReturn(0);
}

enum { M_BATCH_LOSS, M_BATCH_ACC, M_VAL_LOSS, M_VAL_ACC, M_PARAM_NORM, M_COUNT };

/* After each generation: the mean's loss and accuracy on the generation's mini-batch; every
   K generations (and at the last) the validation loss and accuracy, which is the score. */
static PetscErrorCode RecordMetrics(void *ctx, const OdEsGeneration *gen, PetscReal v[], PetscReal *score)
{
  NNEs *c = (NNEs *)ctx;
  double n2 = 0;
  PetscFunctionBegin;
  PetscCall(NNEsLoadBatch(c, gen));
  PetscCall(OdMLPForwardBatch(c->mlp, gen->mu, c->B, c->X, c->labels, c->work, NULL, NULL, c->loss));
  v[M_BATCH_LOSS] = 0, v[M_BATCH_ACC] = 0;
  for (PetscInt b = 0; b < c->B; b++) {
    v[M_BATCH_LOSS] += c->loss[b] / c->B;
    v[M_BATCH_ACC] += (OdMLPPredict(c->mlp, c->work, b) == c->labels[b]) / (double)c->B;
  }
  for (PetscInt i = 0; i < c->P; i++) n2 += gen->mu[i] * gen->mu[i];
  v[M_PARAM_NORM] = sqrt(n2);
  v[M_VAL_LOSS] = v[M_VAL_ACC] = NAN;
  *score = NAN;
  if (c->nval && ((gen->generation + 1) % c->K == 0 || gen->generation + 1 == gen->generations)) {
    PetscCall(EvaluateSet(c, &c->train, c->ntrain, c->nval, NULL, gen->mu, &v[M_VAL_LOSS], &v[M_VAL_ACC]));
    *score = v[M_VAL_LOSS];
  }
  PetscFunctionReturn(0);
}

enum { F_TEST_LOSS, F_TEST_ACC, F_TEST_LOSS_BEST, F_TEST_ACC_BEST, F_TRAIN_MONITOR_ACC, F_COUNT };

static PetscErrorCode FinalMetrics(void *ctx, PetscInt d, const PetscReal mu[], const PetscReal best[], PetscReal v[])
{
  NNEs *c = (NNEs *)ctx;
  double L;
  PetscFunctionBegin;
  (void)d;
  PetscCall(EvaluateSet(c, &c->test, 0, c->test.n, NULL, mu, &v[F_TEST_LOSS], &v[F_TEST_ACC]));
  PetscCall(EvaluateSet(c, &c->test, 0, c->test.n, NULL, best, &v[F_TEST_LOSS_BEST], &v[F_TEST_ACC_BEST]));
  PetscCall(EvaluateSet(c, &c->train, 0, c->monitor, NULL, mu, &L, &v[F_TRAIN_MONITOR_ACC]));
  PetscFunctionReturn(0);
}

static const OdEsMetrics nnes_metrics = {
  M_COUNT,
  {"batch_loss", "batch_accuracy", "validation_loss", "validation_accuracy", "param_norm"},
  {"nats", "1", "nats", "1", "w"},
  {"mean softmax NLL of the search mean on the generation's mini-batch", "accuracy of the search mean on the generation's mini-batch", "mean NLL of the search mean on the validation examples (every -es_mlp_validation_interval generations and at the last; NaN otherwise)",
   "accuracy of the search mean on the validation examples (NaN when not measured)", "2-norm of the search mean (the network's parameter vector)"},
  RecordMetrics,
  F_COUNT,
  {"test_loss", "test_accuracy", "test_loss_best", "test_accuracy_best", "monitor_accuracy"},
  FinalMetrics};

static PetscErrorCode NNEsDestroy(void *ctx)
{
  NNEs *c = (NNEs *)ctx;
  PetscFunctionBegin;
  PetscCall(OdMLPWorkDestroy(&c->work));
  PetscCall(OdMLPWorkDestroy(&c->work1));
  PetscCall(OdMLPDestroy(&c->mlp));
  PetscCall(OdDatasetFree(&c->train));
  PetscCall(OdDatasetFree(&c->test));
  PetscCall(PetscFree4(c->X, c->x1, c->w, c->loss));
  PetscCall(PetscFree4(c->grad1, c->glo, c->gs2, c->s));
  PetscCall(PetscFree2(c->labels, c->idx));
  PetscCall(PetscFree4(c->xi, c->v, c->S2, c->unit0));
  PetscCall(PetscFree(c->floss));
  PetscCall(PetscFree2(c->A2, c->M));
  PetscCall(PetscFree3(c->z1, c->msum, c->m2sum));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

/* -es_mlp_data: a directory with the four IDX files, or a shortcut. */
static void DataDirectory(const char *data, char *dir, size_t len)
{
  if (!strcmp(data, "fashion-mnist")) snprintf(dir, len, "/usr/share/datasets/fashion-mnist");
  else if (!strcmp(data, "mnist-digits")) snprintf(dir, len, "data/mnist-digits");
  else snprintf(dir, len, "%s", data);
}

static PetscErrorCode ReadNetworkOptions(PetscOptionItems *PetscOptionsObject, NNEs *c, PetscInt *act)
{
  PetscInt n = OD_NNES_MAX_LAYERS + 1;
  PetscBool set;
  PetscFunctionBegin;
  c->sizes[0] = 784, c->sizes[1] = 100, c->sizes[2] = 10;
  PetscCall(OdOptionsIntList(PetscOptionsObject, "-mlp_layers", "MLP widths n0,n1,...,nL (n0 = pixels per image, nL >= number of classes)", OD_RANGE_AT_LEAST(1), 3, c->sizes, &n, &set));
  PetscCheck(n >= 2, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "option -es_mlp_layers is not allowed with %" PetscInt_FMT " value(s): give at least inputs,outputs", n);
  c->L = n - 1;
  *act = OD_ACT_RELU;
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-mlp_activation", "Hidden-layer activation", OdActivationNames, OD_ACT_COUNT, act, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadTrainingOptions(PetscOptionItems *PetscOptionsObject, NNEs *c, char *data, size_t len)
{
  PetscFunctionBegin;
  PetscCall(OdOptionsString(PetscOptionsObject, "-mlp_data", "IDX data: a directory with train-/t10k-images/labels-idx?-ubyte[.gz], or fashion-mnist (/usr/share/datasets/fashion-mnist) or mnist-digits (data/mnist-digits, from tools/fetch-mnist)", data, len, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-mlp_batch", "Mini-batch size (examples per generation, the same for every member; at most 65535: the example is a 16-bit word of the per-example noise counter)", ((OdRange){OD_BOUND_CLOSED, OD_BOUND_CLOSED, 1, 65535}), &c->B, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-mlp_validation", "Validation examples: the last n of the training file (default min(5000, n_train/6))", OD_RANGE_AT_LEAST(0), &c->nval, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-mlp_validation_interval", "Generations between validation measurements K", OD_RANGE_AT_LEAST(1), &c->K, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-mlp_monitor", "Training examples of the plain objective f(w) (f_mean) and of the divergence D", OD_RANGE_AT_LEAST(1), &c->monitor, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-mlp_method", "Perturbation: weight (members are weight vectors), local (local reparameterization: pre-activations sampled per example), safe (sensitivity-rescaled weight perturbations), example (new weight perturbation per example), backprop (reference: the search gradient is the exact mini-batch gradient at mu; use with -es_algorithm es -es_natural 0 -es_population 1)", od_nnes_method_names, 5, &c->method, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-mlp_safe", "Sensitivity of -es_mlp_method safe: abs (mean |dY/dw| over the batch) or sum (|mean dY/dw|)", od_nnes_safe_names, 2, &c->safe_kind, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-mlp_safe_batch", "Examples of the generation's mini-batch used for the sensitivities", OD_RANGE_AT_LEAST(1), &c->safe_batch, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-mlp_safe_floor", "Sensitivities below this fraction of the largest are raised to it", OD_RANGE_HALF_OPEN(0, 1), &c->safe_floor, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-mlp_example_fitness", "local/example: weight each example's noise by its own loss minus the mean over members (else by the member's utility)", &c->example_fitness, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode LoadData(NNEs *c, const char *data)
{
  char dir[PETSC_MAX_PATH_LEN], f[4][PETSC_MAX_PATH_LEN + 64];
  const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  PetscFunctionBegin;
  DataDirectory(data, dir, sizeof dir);
  for (int i = 0; i < 4; i++) {
    PetscBool gz;
    snprintf(f[i], sizeof f[i], "%s/%s.gz", dir, names[i]);
    PetscCall(PetscTestFile(f[i], 'r', &gz));
    if (!gz) snprintf(f[i], sizeof f[i], "%s/%s", dir, names[i]);
  }
  PetscCall(OdDatasetLoad(c->comm, f[0], f[1], &c->train));
  PetscCall(OdDatasetLoad(c->comm, f[2], f[3], &c->test));
  PetscCheck(c->train.dim == c->sizes[0], c->comm, PETSC_ERR_USER_INPUT, "option -es_mlp_layers starts with %" PetscInt_FMT " inputs, which is not allowed: the images of %s have %" PetscInt_FMT " pixels", c->sizes[0], dir, c->train.dim);
  for (PetscInt i = 0; i < c->train.n; i++)
    PetscCheck(c->train.labels[i] < c->sizes[c->L], c->comm, PETSC_ERR_USER_INPUT, "option -es_mlp_layers ends with %" PetscInt_FMT " outputs, which is not allowed: %s has label %" PetscInt_FMT, c->sizes[c->L], dir, c->train.labels[i]);
  if (c->nval < 0) c->nval = PetscMin(5000, c->train.n / 6);
  PetscCheck(c->nval < c->train.n, c->comm, PETSC_ERR_USER_INPUT, "option -es_mlp_validation = %" PetscInt_FMT " is not allowed: the training file has %" PetscInt_FMT " examples", c->nval, c->train.n);
  c->ntrain = c->train.n - c->nval;
  c->monitor = PetscMin(c->monitor, c->ntrain);
  PetscFunctionReturn(0);
}

static PetscErrorCode AllocateWork(NNEs *c)
{
  PetscInt units = 0, maxw = 0;
  PetscFunctionBegin;
  c->chunk = PetscMax(c->B, 1000);
  for (PetscInt l = 1; l <= c->L; l++) units += c->sizes[l], maxw = PetscMax(maxw, c->sizes[l]);
  c->maxw = maxw;
  PetscCall(OdMLPWorkCreate(c->mlp, c->chunk, &c->work));
  PetscCall(OdMLPWorkCreate(c->mlp, 1, &c->work1));
  PetscCall(PetscMalloc4(c->chunk * c->sizes[0], &c->X, c->sizes[0], &c->x1, c->P, &c->w, c->chunk, &c->loss));
  PetscCall(PetscMalloc4(c->P, &c->grad1, 2 * c->P, &c->glo, c->P, &c->gs2, c->P, &c->s));
  PetscCall(PetscMalloc2(c->chunk, &c->labels, c->B, &c->idx));
  PetscCall(PetscMalloc4(c->B * units, &c->xi, c->B * units, &c->v, c->P, &c->S2, c->L + 1, &c->unit0));
  PetscCall(PetscMalloc2(c->B * PetscMax(maxw, c->sizes[0]), &c->A2, 2 * c->B * maxw, &c->M)); /* M and M2 of LocalAccumulate */
  PetscCall(PetscMalloc3(c->B * c->sizes[1], &c->z1, c->B * c->sizes[1], &c->msum, c->B * c->sizes[1], &c->m2sum));
  c->unit0[1] = 0;
  for (PetscInt l = 2; l <= c->L; l++) c->unit0[l] = c->unit0[l - 1] + c->sizes[l - 1];
  c->batch_gen = c->s_gen = -1;
  PetscFunctionReturn(0);
}

/* The groups of -es_distribution layerwise: one sigma for each layer's weights (W1, W2, ...) and
   one for its biases (b1, b2, ...), in parameter order (include/optdyn/nn.h). */
static PetscErrorCode SetLayerGroups(NNEs *c, OdEsObjective obj)
{
  PetscInt *group;
  char names[2 * OD_NNES_MAX_LAYERS][16];
  const char *pn[2 * OD_NNES_MAX_LAYERS];
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(c->P, &group));
  for (PetscInt l = 1; l <= c->L; l++) {
    const PetscInt w0 = OdMLPWeightOffset(c->mlp, l), b0 = OdMLPBiasOffset(c->mlp, l), nb = c->sizes[l];
    for (PetscInt i = w0; i < b0; i++) group[i] = 2 * (l - 1);
    for (PetscInt i = b0; i < b0 + nb; i++) group[i] = 2 * (l - 1) + 1;
    snprintf(names[2 * (l - 1)], sizeof names[0], "W%" PetscInt_FMT, l);
    snprintf(names[2 * (l - 1) + 1], sizeof names[0], "b%" PetscInt_FMT, l);
    pn[2 * (l - 1)] = names[2 * (l - 1)], pn[2 * (l - 1) + 1] = names[2 * (l - 1) + 1];
  }
  PetscCall(OdEsObjectiveSetGroups(obj, 2 * c->L, group, pn));
  PetscCall(PetscFree(group));
  PetscFunctionReturn(0);
}

PetscErrorCode OdNNEsMLPCreate(PetscOptionItems *PetscOptionsObject, PetscInt d, OdEsObjective obj)
{
  NNEs *c;
  PetscInt act;
  char data[PETSC_MAX_PATH_LEN] = "fashion-mnist", formula[512];
  OdEsPopulationHook hook = {NULL, NULL, PETSC_TRUE};
  PetscFunctionBegin;
  PetscCall(PetscNew(&c));
  c->comm = PETSC_COMM_WORLD;
  c->B = 100, c->K = 10, c->monitor = 1000, c->nval = -1, c->safe_batch = 32, c->safe_floor = 0.01;
  c->example_fitness = PETSC_TRUE;
  PetscCall(ReadNetworkOptions(PetscOptionsObject, c, &act));
  PetscCall(ReadTrainingOptions(PetscOptionsObject, c, data, sizeof data));
  PetscCall(OdOptionsSeed(c->comm, &c->seed));
  PetscCall(OdMLPCreate(c->L, c->sizes, (OdActivation)act, OD_ACT_IDENTITY, OD_LOSS_NLL, &c->mlp));
  c->P = OdMLPNumParams(c->mlp);
  PetscCheck(d == 0 || d == c->P, c->comm, PETSC_ERR_USER_INPUT, "option -es_dim/-es_mu0 gives d = %" PetscInt_FMT ", which is not allowed: the MLP %s has %" PetscInt_FMT " parameters", d, "of -es_mlp_layers", c->P);
  PetscCall(LoadData(c, data));
  PetscCall(AllocateWork(c));
  OdMLPSetUpBLAS();
  PetscCall(OdEsObjectiveSetEval(obj, EvalMonitor, NULL, NULL, NNEsDestroy, c));
  PetscCall(OdEsObjectiveSetDimension(obj, c->P));
  PetscCall(SetLayerGroups(c, obj));
  {
    OdRng rng = OdRngCreate(c->seed, OD_STREAM_KNOWLEDGE);
    OdMLPInitHe(c->mlp, &rng, 0x4e4e4553u, c->w); /* He initialization keyed by the seed */
    PetscCall(OdEsObjectiveSetDefaults(obj, c->w, 0.02));
  }
  PetscCall(NNEsSetUpMethod(c, &hook));
  PetscCall(OdEsObjectiveSetPopulationHook(obj, &hook));
  PetscCall(OdEsObjectiveSetMetrics(obj, &nnes_metrics));
  snprintf(formula, sizeof formula, "mean softmax NLL of a %" PetscInt_FMT "-layer MLP (%s hidden) on a mini-batch of %" PetscInt_FMT " of %" PetscInt_FMT " training examples of %s; method %s", c->L, OdActivationNames[act], c->B, c->ntrain, data, od_nnes_method_names[c->method]);
  PetscCall(OdEsObjectiveSetFormula(obj, formula));
  PetscFunctionReturn(0);
}

PetscErrorCode OdNNRegisterEsObjectives(void *es)
{
  return OdEsRegisterObjective((OdEs)es, "mlp", "mini-batch NLL of an MLP on IDX images (-es_mlp_*)", OdNNEsMLPCreate);
}

PetscErrorCode OdNNEsMLPDivergence(OdEsObjective obj, const PetscReal w[], const PetscReal eps[], PetscReal *D)
{
  NNEs *c = (NNEs *)OdEsObjectiveGetContext(obj);
  const PetscInt K = c->sizes[c->L], nI = PetscMin(c->monitor, c->chunk);
  double *y0, *we;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(nI * K, &y0, c->P, &we));
  for (PetscInt b = 0; b < nI; b++) OdDatasetInput(&c->train, b, c->X + b * c->sizes[0]);
  PetscCall(OdMLPForwardBatch(c->mlp, w, nI, c->X, NULL, c->work, NULL, NULL, NULL));
  for (PetscInt b = 0; b < nI; b++) PetscCall(PetscArraycpy(y0 + b * K, OdMLPOutput(c->work, b), K));
  for (PetscInt i = 0; i < c->P; i++) we[i] = w[i] + eps[i];
  PetscCall(OdMLPForwardBatch(c->mlp, we, nI, c->X, NULL, c->work, NULL, NULL, NULL));
  *D = 0;
  for (PetscInt b = 0; b < nI; b++)
    for (PetscInt k = 0; k < K; k++) {
      const double e = y0[b * K + k] - OdMLPOutput(c->work, b)[k];
      *D += e * e / nI;
    }
  c->batch_gen = -1;
  PetscCall(PetscFree2(y0, we));
  PetscFunctionReturn(0);
}
