/* optdyn knowledge: the knowledge-localization study as a sweep over (activation, seed). */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include "optdyn/knowledge.h"
#include "optdyn/options.h"
#include "optdyn/output.h"
#include "optdyn/sweep.h"

#define OD_KL_FIT_FIELDS 5 /* r2, slope, intercept, p, n */
#define OD_KL_FIT_KINDS 3  /* fit, null_fork, null_shuffle */
#define OD_KL_NFITS (OD_KL_FIT_KINDS * OD_KL_NSETS * OD_KL_FIT_FIELDS)

static const char *const fit_kinds[OD_KL_FIT_KINDS] = {"fit", "null_fork", "null_shuffle"};
static const char *const fit_sets[OD_KL_NSETS] = {"weights", "biases", "weights_layer1"};
static const char *const fit_fields[OD_KL_FIT_FIELDS] = {"r2", "slope", "intercept", "p", "n"};
static const char *const output_act_names[] = {"auto", "softplus", "sigmoid", "relu", "tanh", "identity"};
static const char *const order_names[] = {"file", "shuffle"};
static const char *const stage_names = "phase1, fork A0+B, fork A1+B, fork A+B0, fork A+B1, twin A0+B, twin A1+B";

struct _n_OdKnowledge {
  MPI_Comm comm;
  OdSweep sweep;
  OdOutput output;
  OdKnowledgeProblem pb;
  OdDataset train, test;
  /* options */
  char data_dir[PETSC_MAX_PATH_LEN - 64], files[4][PETSC_MAX_PATH_LEN];
  PetscBool file_set[4];
  PetscInt nact;
  OdActivation act[OD_ACT_COUNT];
  PetscInt output_act, order, nseeds;
  PetscBool save_params;
  /* derived */
  PetscInt P, reclen, off_acc, off_ex, off_curves, off_pix, off_u, off_r;
  PetscInt npoints, first, count, K, N;
  PetscReal *record;
  PetscBool done;
  double run_seconds;
};

static const char *const file_options[4] = {"-train_images", "-train_labels", "-test_images", "-test_labels"};
static const char *const file_names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

PetscErrorCode OdKnowledgeCreate(MPI_Comm comm, OdKnowledge *kl)
{
  OdKnowledge k;
  OdKnowledgeProblem *pb;
  PetscFunctionBegin;
  PetscCall(PetscNew(&k));
  k->comm = comm;
  pb = &k->pb;
  pb->group_a[0] = 1, pb->group_a[1] = 7, pb->group_b[0] = 6, pb->group_b[1] = 8;
  pb->nhidden = 1, pb->hidden[0] = 100;
  pb->output_activation = OD_ACT_COUNT;
  pb->loss = OD_LOSS_SQUARED;
  pb->lr = 0.01;
  pb->phase1_examples = 12000;
  pb->phase1_epochs = pb->fork_epochs = 1;
  pb->tally_start = 0.5;
  pb->balance = PETSC_TRUE;
  pb->twins = PETSC_TRUE;
  pb->curve_points = 20;
  k->nact = 1, k->act[0] = OD_ACT_SOFTPLUS;
  k->nseeds = 1;
  k->save_params = PETSC_TRUE;
  PetscCall(PetscStrncpy(k->data_dir, "/usr/share/datasets/fashion-mnist", sizeof k->data_dir));
  PetscCall(OdSweepCreate(comm, &k->sweep));
  PetscCall(OdOutputCreate(comm, &k->output));
  *kl = k;
  PetscFunctionReturn(0);
}

PetscErrorCode OdKnowledgeDestroy(OdKnowledge *kl)
{
  PetscFunctionBegin;
  if (!*kl) PetscFunctionReturn(0);
  PetscCall(OdSweepDestroy(&(*kl)->sweep));
  PetscCall(OdOutputDestroy(&(*kl)->output));
  PetscCall(OdDatasetFree(&(*kl)->train));
  PetscCall(OdDatasetFree(&(*kl)->test));
  PetscCall(PetscFree((*kl)->record));
  PetscCall(PetscFree(*kl));
  PetscFunctionReturn(0);
}

/* -kl_activations a,b,...: distinct names among softplus, sigmoid, relu, tanh. */
static PetscErrorCode ParseActivations(OdKnowledge k, const char *text)
{
  char buf[256], *save = NULL;
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(buf, text, sizeof buf));
  k->nact = 0;
  for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    PetscInt a = 0;
    while (a < OD_ACT_IDENTITY && strcmp(tok, OdActivationNames[a])) a++;
    PetscCheck(a < OD_ACT_IDENTITY, k->comm, PETSC_ERR_USER_INPUT, "option -kl_activations = %s is not allowed: '%s' is not one of softplus, sigmoid, relu, tanh", text, tok);
    for (PetscInt b = 0; b < k->nact; b++) PetscCheck(k->act[b] != (OdActivation)a, k->comm, PETSC_ERR_USER_INPUT, "option -kl_activations = %s is not allowed: '%s' is listed twice", text, tok);
    k->act[k->nact++] = (OdActivation)a;
  }
  PetscCheck(k->nact > 0, k->comm, PETSC_ERR_USER_INPUT, "option -kl_activations = '%s' is not allowed: give at least one of softplus, sigmoid, relu, tanh", text);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadGroupOption(PetscOptionItems *PetscOptionsObject, OdKnowledge k, const char *name, const char *help, PetscInt group[2])
{
  PetscInt vals[8] = {group[0], group[1]}, n = 8;
  PetscBool set;
  PetscFunctionBegin;
  PetscCall(OdOptionsIntList(PetscOptionsObject, name, help, OD_RANGE_CLOSED(0, 255), 2, vals, &n, &set));
  PetscCheck(n == 2, k->comm, PETSC_ERR_USER_INPUT, "option -kl_%s needs exactly two labels (got %" PetscInt_FMT ")", name + 1, n);
  group[0] = vals[0], group[1] = vals[1];
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadModelOptions(PetscOptionItems *PetscOptionsObject, OdKnowledge k)
{
  OdKnowledgeProblem *pb = &k->pb;
  char acts[256] = "softplus";
  PetscInt nh = 8, loss = pb->loss;
  PetscFunctionBegin;
  PetscCall(OdOptionsString(PetscOptionsObject, "-activations", "Hidden activations to compare (comma list of softplus, sigmoid, relu, tanh); each is a set of sweep points", acts, sizeof acts, NULL));
  PetscCall(ParseActivations(k, acts));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-output_activation", "Output activation (auto: for squared loss the hidden one, softplus if that is relu; identity for nll)", output_act_names, 6, &k->output_act, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-loss", "Loss: squared (1/2 |y - onehot|^2) or nll (softmax cross-entropy)", OdLossNames, 2, &loss, NULL));
  pb->loss = (OdLoss)loss;
  PetscCall(OdOptionsIntList(PetscOptionsObject, "-hidden", "Hidden layer widths (comma list, at most 8 layers)", OD_RANGE_AT_LEAST(1), pb->nhidden, pb->hidden, &nh, NULL));
  pb->nhidden = nh;
  PetscCall(OdOptionsReal(PetscOptionsObject, "-lr", "SGD learning rate (one example per step)", OD_RANGE_POSITIVE, &pb->lr, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadProcedureOptions(PetscOptionItems *PetscOptionsObject, OdKnowledge k)
{
  OdKnowledgeProblem *pb = &k->pb;
  PetscFunctionBegin;
  PetscCall(ReadGroupOption(PetscOptionsObject, k, "-group_a", "The two labels of group A", pb->group_a));
  PetscCall(ReadGroupOption(PetscOptionsObject, k, "-group_b", "The two labels of group B", pb->group_b));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-seeds", "Repeats (seed indices 0..n-1) per activation", OD_RANGE_AT_LEAST(1), &k->nseeds, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-phase1_examples", "Phase 1 uses groups A and B among the first this many training examples", OD_RANGE_AT_LEAST(1), &pb->phase1_examples, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-fork_examples", "Forks use this many training examples after phase 1's (0: all the rest)", OD_RANGE_NONNEGATIVE, &pb->fork_examples, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-phase1_epochs", "Passes over phase 1's examples", OD_RANGE_AT_LEAST(1), &pb->phase1_epochs, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-fork_epochs", "Passes over each fork's examples", OD_RANGE_AT_LEAST(1), &pb->fork_epochs, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-tally_start", "Fraction of phase 1 after which |update| is tallied (0.5: its second half)", OD_RANGE_HALF_OPEN(0, 1), &pb->tally_start, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-balance", "Cut the larger group of phase 1 to the size of the smaller", &pb->balance, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-order", "Example order of phase 1 and the forks: file, or shuffle (per seed and stage)", order_names, 2, &k->order, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-null_forks", "Train the two null-control twin forks (same data, another random order)", &pb->twins, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-curve_points", "Points of each stage's training-loss curve", OD_RANGE_AT_LEAST(1), &pb->curve_points, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-test_examples", "Test examples scored after each stage (0: all)", OD_RANGE_NONNEGATIVE, &pb->test_examples, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-save_params", "Write u and r of every parameter for every seed", &k->save_params, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode OdKnowledgeSetFromOptions(OdKnowledge k)
{
  PetscFunctionBegin;
  PetscCall(OdOptionsSeed(k->comm, &k->pb.seed));
  PetscCall(OdOutputSetFromOptions(k->output, "knowledge.h5"));
  PetscCall(OdSweepSetFromOptions(k->sweep));
  PetscOptionsBegin(k->comm, "kl_", "Knowledge localization in an MLP", NULL);
  PetscCall(OdOptionsString(PetscOptionsObject, "-data", "Directory with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-...", k->data_dir, sizeof k->data_dir, NULL));
  for (PetscInt f = 0; f < 4; f++) PetscCall(OdOptionsString(PetscOptionsObject, file_options[f], "IDX file (default: in -kl_data)", k->files[f], sizeof k->files[f], &k->file_set[f]));
  PetscCall(ReadModelOptions(PetscOptionsObject, k));
  PetscCall(ReadProcedureOptions(PetscOptionsObject, k));
  PetscOptionsEnd();
  k->pb.shuffle = (PetscBool)(k->order == 1);
  PetscFunctionReturn(0);
}

/* DIR/NAME.gz if it exists, else DIR/NAME. */
static PetscErrorCode ResolveFiles(OdKnowledge k)
{
  PetscFunctionBegin;
  for (PetscInt f = 0; f < 4; f++) {
    if (k->file_set[f]) continue;
    snprintf(k->files[f], sizeof k->files[f], "%s/%s.gz", k->data_dir, file_names[f]);
    if (access(k->files[f], R_OK)) snprintf(k->files[f], sizeof k->files[f], "%s/%s", k->data_dir, file_names[f]);
  }
  PetscFunctionReturn(0);
}

/* Groups distinct; every stage has training examples; sizes consistent. */
static PetscErrorCode Validate(OdKnowledge k)
{
  OdKnowledgeProblem *pb = &k->pb;
  const PetscInt lab[4] = {pb->group_a[0], pb->group_a[1], pb->group_b[0], pb->group_b[1]};
  PetscInt cnt1[256], cnt2[256];
  PetscFunctionBegin;
  for (PetscInt i = 0; i < 4; i++)
    for (PetscInt j = i + 1; j < 4; j++) PetscCheck(lab[i] != lab[j], k->comm, PETSC_ERR_USER_INPUT, "options -kl_group_a = %" PetscInt_FMT ",%" PetscInt_FMT " and -kl_group_b = %" PetscInt_FMT ",%" PetscInt_FMT ": the four labels must be distinct", lab[0], lab[1], lab[2], lab[3]);
  PetscCheck(k->test.dim == k->train.dim, k->comm, PETSC_ERR_USER_INPUT, "test images %s are %" PetscInt_FMT "x%" PetscInt_FMT " but training images %s are %" PetscInt_FMT "x%" PetscInt_FMT, k->files[2], k->test.rows, k->test.cols, k->files[0], k->train.rows, k->train.cols);
  PetscCheck(pb->phase1_examples < k->train.n, k->comm, PETSC_ERR_USER_INPUT, "option -kl_phase1_examples = %" PetscInt_FMT " is not allowed: must be < the %" PetscInt_FMT " training examples of %s (the forks need the rest)", pb->phase1_examples, k->train.n, k->files[0]);
  OdDatasetCountLabels(&k->train, 0, pb->phase1_examples, cnt1);
  OdDatasetCountLabels(&k->train, pb->phase1_examples, pb->fork_examples ? pb->phase1_examples + pb->fork_examples : k->train.n, cnt2);
  for (PetscInt i = 0; i < 4; i++) {
    PetscCheck(cnt1[lab[i]] > 0, k->comm, PETSC_ERR_USER_INPUT, "label %" PetscInt_FMT " (of -kl_group_%c) has no example among the first %" PetscInt_FMT " of %s (-kl_phase1_examples)", lab[i], i < 2 ? 'a' : 'b', pb->phase1_examples, k->files[1]);
    PetscCheck(cnt2[lab[i]] > 0, k->comm, PETSC_ERR_USER_INPUT, "label %" PetscInt_FMT " (of -kl_group_%c) has no example in the fork range of %s (-kl_phase1_examples, -kl_fork_examples)", lab[i], i < 2 ? 'a' : 'b', k->files[1]);
  }
  PetscCheck(!(k->output_act != 0 && k->output_act != 5 && k->pb.loss == OD_LOSS_NLL), k->comm, PETSC_ERR_USER_INPUT, "option -kl_output_activation = %s with -kl_loss nll: the softmax takes the raw outputs (use auto or identity)", output_act_names[k->output_act]);
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUpRecord(OdKnowledge k)
{
  OdKnowledgeProblem *pb = &k->pb;
  PetscFunctionBegin;
  k->P = OdKnowledgeNumParams(pb);
  k->off_acc = OD_KL_NFITS;
  k->off_ex = k->off_acc + OD_KL_NSTAGES;
  k->off_curves = k->off_ex + OD_KL_NSTAGES;
  k->off_pix = k->off_curves + OD_KL_NSTAGES * pb->curve_points;
  k->off_u = k->off_pix + k->train.dim;
  k->off_r = k->off_u + k->P;
  k->reclen = k->save_params ? k->off_r + k->P : k->off_u;
  PetscFunctionReturn(0);
}

PetscErrorCode OdKnowledgeSetUp(OdKnowledge k)
{
  OdKnowledgeProblem *pb = &k->pb;
  char ckpt[PETSC_MAX_PATH_LEN + 8];
  PetscFunctionBegin;
  PetscCall(ResolveFiles(k));
  PetscCall(OdDatasetLoad(k->comm, k->files[0], k->files[1], &k->train));
  PetscCall(OdDatasetLoad(k->comm, k->files[2], k->files[3], &k->test));
  pb->train = &k->train, pb->test = &k->test;
  /* auto: the hidden activation for squared loss (softplus for relu hidden layers: a ReLU
     output unit that turns negative for every input stops all learning), identity for nll */
  pb->output_activation = k->output_act == 0 ? (pb->loss == OD_LOSS_NLL ? OD_ACT_IDENTITY : OD_ACT_COUNT) : (OdActivation)(k->output_act - 1);
  PetscCall(Validate(k));
  PetscCall(SetUpRecord(k));
  k->npoints = k->nact * k->nseeds;
  PetscCall(OdSweepSetSizes(k->sweep, k->npoints, 1, k->reclen));
  snprintf(ckpt, sizeof ckpt, "%s.ckpt", OdOutputGetPath(k->output));
  PetscCall(OdSweepSetCheckpointPath(k->sweep, ckpt));
  PetscCall(OdSweepSetLabel(k->sweep, "knowledge"));
  PetscCall(OdSweepSetProgressUnits(k->sweep, "trained networks (phase 1 + forks of one seed)", 1));
  PetscCall(OdSweepSetUp(k->sweep));
  PetscCall(OdSweepGetSlice(k->sweep, &k->first, &k->count, &k->K, &k->N));
  PetscCall(PetscCalloc1(k->count * k->reclen, &k->record));
  PetscFunctionReturn(0);
}

/* ---------------- the sweep unit: point = activation index * seeds + seed index ---------------- */

static void PackFits(const OdFit *fits, PetscReal *rec)
{
  for (PetscInt s = 0; s < OD_KL_NSETS; s++) {
    const OdFit *f = &fits[s];
    const PetscReal v[OD_KL_FIT_FIELDS] = {f->r2, f->slope, f->intercept, f->p, (PetscReal)f->n};
    for (PetscInt q = 0; q < OD_KL_FIT_FIELDS; q++) rec[s * OD_KL_FIT_FIELDS + q] = v[q];
  }
}

static PetscErrorCode Unit(void *ctx, PetscInt point, PetscInt chunk, PetscReal rec[])
{
  OdKnowledge k = (OdKnowledge)ctx;
  OdKnowledgeResult res;
  const PetscInt per = OD_KL_NSETS * OD_KL_FIT_FIELDS;
  PetscFunctionBegin;
  (void)chunk;
  PetscCall(OdKnowledgeResultCreate(&k->pb, k->P, &res));
  PetscCall(OdKnowledgeRunUnit(&k->pb, k->act[point / k->nseeds], point % k->nseeds, &res));
  PackFits(res.fit, rec);
  PackFits(res.null_fork, rec + per);
  PackFits(res.null_shuffle, rec + 2 * per);
  for (PetscInt g = 0; g < OD_KL_NSTAGES; g++) rec[k->off_acc + g] = res.test_accuracy[g], rec[k->off_ex + g] = (PetscReal)res.examples[g];
  PetscCall(PetscArraycpy(rec + k->off_curves, res.curves, OD_KL_NSTAGES * k->pb.curve_points));
  PetscCall(PetscArraycpy(rec + k->off_pix, res.pixel_corr, k->train.dim));
  if (k->save_params) {
    PetscCall(PetscArraycpy(rec + k->off_u, res.u, k->P));
    PetscCall(PetscArraycpy(rec + k->off_r, res.r, k->P));
  }
  PetscCall(OdKnowledgeResultDestroy(&res));
  PetscFunctionReturn(0);
}

/* ---------------- output ---------------- */

/* Column j (length count) of the records, or a block of width w starting at column j. */
static PetscErrorCode Columns(OdKnowledge k, PetscInt j, PetscInt w, PetscReal **out)
{
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(k->count * w, out));
  for (PetscInt i = 0; i < k->count; i++) PetscCall(PetscArraycpy(*out + i * w, k->record + i * k->reclen + j, w));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteBlock(OdKnowledge k, const char *path, PetscInt j, PetscInt ndim, const hsize_t dims[], OdDatasetInfo info)
{
  PetscReal *buf;
  PetscInt w = 1;
  PetscFunctionBegin;
  for (PetscInt d = 1; d < ndim; d++) w *= (PetscInt)dims[d];
  PetscCall(Columns(k, j, w, &buf));
  PetscCall(OdOutputWriteReal(k->output, path, ndim, dims, buf, info));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

static const char *const field_units[OD_KL_FIT_FIELDS] = {"1", "1", "1", "1", "parameters"};
static const char *const kind_text[OD_KL_FIT_KINDS] = {"r = c/(c+d) against u = a/(a+b)", "null control: r0 from twin forks (same data, another order) against u", "null control: r against u shuffled across parameters"};
static const char *const field_text[OD_KL_FIT_FIELDS] = {"R^2 of the least-squares line", "slope of the least-squares line", "intercept of the least-squares line", "two-sided p-value of slope != 0 (Student t)", "parameters in the fit (finite u and r)"};

static PetscErrorCode WriteFits(OdKnowledge k)
{
  const hsize_t dp[1] = {(hsize_t)k->count};
  char path[256], desc[512];
  PetscFunctionBegin;
  for (PetscInt kind = 0; kind < OD_KL_FIT_KINDS; kind++) {
    snprintf(path, sizeof path, "/knowledge/%s", fit_kinds[kind]);
    PetscCall(OdOutputCreateGroup(k->output, path));
    for (PetscInt s = 0; s < OD_KL_NSETS; s++) {
      snprintf(path, sizeof path, "/knowledge/%s/%s", fit_kinds[kind], fit_sets[s]);
      PetscCall(OdOutputCreateGroup(k->output, path));
      for (PetscInt q = 0; q < OD_KL_FIT_FIELDS; q++) {
        snprintf(path, sizeof path, "/knowledge/%s/%s/%s", fit_kinds[kind], fit_sets[s], fit_fields[q]);
        snprintf(desc, sizeof desc, "%s, %s, per sweep point (%s)", field_text[q], kind_text[kind], fit_sets[s]);
        PetscCall(WriteBlock(k, path, (kind * OD_KL_NSETS + s) * OD_KL_FIT_FIELDS + q, 1, dp, (OdDatasetInfo){field_units[q], desc, PETSC_TRUE}));
      }
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WritePoints(OdKnowledge k)
{
  const hsize_t dp[1] = {(hsize_t)k->count}, dg[2] = {(hsize_t)k->count, OD_KL_NSTAGES};
  const hsize_t dc[3] = {(hsize_t)k->count, OD_KL_NSTAGES, (hsize_t)k->pb.curve_points}, dpix[3] = {(hsize_t)k->count, (hsize_t)k->train.rows, (hsize_t)k->train.cols};
  const hsize_t dP[2] = {(hsize_t)k->count, (hsize_t)k->P};
  int64_t *act, *seed;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(k->count, &act, k->count, &seed));
  for (PetscInt i = 0; i < k->count; i++) act[i] = k->act[(k->first + i) / k->nseeds], seed[i] = (k->first + i) % k->nseeds;
  PetscCall(OdOutputWriteInt64(k->output, "/knowledge/activation", 1, dp, act, (OdDatasetInfo){"1", "hidden activation of each sweep point (0 softplus, 1 sigmoid, 2 relu, 3 tanh)", PETSC_TRUE}));
  PetscCall(OdOutputWriteInt64(k->output, "/knowledge/seed_index", 1, dp, seed, (OdDatasetInfo){"1", "seed index s of each sweep point (initialization and orders keyed by (seed, s))", PETSC_TRUE}));
  PetscCall(PetscFree2(act, seed));
  PetscCall(WriteFits(k));
  PetscCall(WriteBlock(k, "/knowledge/test_accuracy", k->off_acc, 2, dg, (OdDatasetInfo){"1", "test accuracy (A vs B) after each stage on the test examples of its classes: phase1, fork A0+B, fork A1+B, fork A+B0, fork A+B1, twin A0+B, twin A1+B", PETSC_TRUE}));
  PetscCall(WriteBlock(k, "/knowledge/stage_examples", k->off_ex, 2, dg, (OdDatasetInfo){"steps", "SGD steps (examples) of each stage", PETSC_TRUE}));
  PetscCall(WriteBlock(k, "/knowledge/loss_curve", k->off_curves, 3, dc, (OdDatasetInfo){"1", "training loss averaged over equal segments of each stage (training curve)", PETSC_TRUE}));
  PetscCall(WriteBlock(k, "/knowledge/pixel_corr", k->off_pix, 3, dpix, (OdDatasetInfo){"1", "Pearson correlation of u and r over the first-layer weights leaving each input pixel (NaN: undefined)", PETSC_TRUE}));
  if (k->save_params) {
    PetscCall(WriteBlock(k, "/knowledge/u", k->off_u, 2, dP, (OdDatasetInfo){"1", "relative updating u = a/(a+b) of each parameter (theta layout: per layer W[in][out] then b)", PETSC_TRUE}));
    PetscCall(WriteBlock(k, "/knowledge/r", k->off_r, 2, dP, (OdDatasetInfo){"1", "relative fork difference r = c/(c+d) of each parameter", PETSC_TRUE}));
  }
  PetscFunctionReturn(0);
}

/* Layout of theta: 0 for weights, 1 for biases, and the layer of each parameter. */
static PetscErrorCode WriteLayout(OdKnowledge k)
{
  int64_t *kind, *layer;
  const hsize_t dP[1] = {(hsize_t)k->P};
  PetscInt widths[10], p = 0;
  PetscFunctionBegin;
  widths[0] = k->train.dim;
  for (PetscInt l = 0; l < k->pb.nhidden; l++) widths[l + 1] = k->pb.hidden[l];
  widths[k->pb.nhidden + 1] = 2;
  PetscCall(PetscMalloc2(k->P, &kind, k->P, &layer));
  for (PetscInt l = 1; l <= k->pb.nhidden + 1; l++)
    for (PetscInt q = 0; q < widths[l - 1] * widths[l] + widths[l]; q++, p++) kind[p] = q >= widths[l - 1] * widths[l], layer[p] = l;
  PetscCall(OdOutputWriteInt64(k->output, "/knowledge/param_is_bias", 1, dP, kind, (OdDatasetInfo){"1", "1 for a bias, 0 for a weight, per parameter", PETSC_FALSE}));
  PetscCall(OdOutputWriteInt64(k->output, "/knowledge/param_layer", 1, dP, layer, (OdDatasetInfo){"1", "layer l (1 = input to hidden) of each parameter", PETSC_FALSE}));
  PetscCall(PetscFree2(kind, layer));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteAttributes(OdKnowledge k)
{
  const OdKnowledgeProblem *pb = &k->pb;
  char text[512];
  PetscFunctionBegin;
  text[0] = 0;
  for (PetscInt a = 0; a < k->nact; a++) {
    PetscCall(PetscStrlcat(text, OdActivationNames[k->act[a]], sizeof text));
    if (a + 1 < k->nact) PetscCall(PetscStrlcat(text, ",", sizeof text));
  }
  PetscCall(OdOutputAttrString(k->output, "/knowledge", "activations", text));
  snprintf(text, sizeof text, "%d,%d,%d,%d", (int)pb->group_a[0], (int)pb->group_a[1], (int)pb->group_b[0], (int)pb->group_b[1]);
  PetscCall(OdOutputAttrString(k->output, "/knowledge", "groups_a_b", text));
  PetscCall(OdOutputAttrString(k->output, "/knowledge", "stages", stage_names));
  PetscCall(OdOutputAttrString(k->output, "/knowledge", "train_images", k->files[0]));
  PetscCall(OdOutputAttrString(k->output, "/knowledge", "test_images", k->files[2]));
  PetscCall(OdOutputAttrString(k->output, "/knowledge", "loss", OdLossNames[pb->loss]));
  PetscCall(OdOutputAttrString(k->output, "/knowledge", "output_activation", output_act_names[k->output_act]));
  PetscCall(OdOutputAttrString(k->output, "/knowledge", "order", order_names[k->order]));
  PetscCall(OdOutputAttrInt(k->output, "/knowledge", "seeds", k->nseeds));
  PetscCall(OdOutputAttrInt(k->output, "/knowledge", "image_rows", k->train.rows));
  PetscCall(OdOutputAttrInt(k->output, "/knowledge", "image_cols", k->train.cols));
  PetscCall(OdOutputAttrInt(k->output, "/knowledge", "hidden_layers", pb->nhidden));
  PetscCall(OdOutputAttrInt(k->output, "/knowledge", "hidden_width", pb->hidden[0]));
  PetscCall(OdOutputAttrReal(k->output, "/knowledge", "lr", pb->lr));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteOutput(OdKnowledge k)
{
  PetscFunctionBegin;
  PetscCall(OdOutputOpen(k->output, "knowledge", k->pb.seed));
  PetscCall(OdOutputSetSweep(k->output, k->K, k->N, k->first, k->count, k->npoints));
  PetscCall(OdOutputCreateGroup(k->output, "/knowledge"));
  PetscCall(WriteAttributes(k));
  PetscCall(WritePoints(k));
  PetscCall(WriteLayout(k));
  PetscCall(OdOutputClose(k->output, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode OdKnowledgeRun(OdKnowledge k, PetscBool *interrupted)
{
  PetscFunctionBegin;
  OdMLPSetUpBLAS();
  const double t0 = MPI_Wtime();
  PetscCall(OdSweepRun(k->sweep, Unit, k, k->record, interrupted));
  k->run_seconds = MPI_Wtime() - t0;
  if (*interrupted) PetscFunctionReturn(0);
  PetscCall(WriteOutput(k));
  PetscCall(OdSweepRemoveCheckpoint(k->sweep));
  k->done = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OdKnowledgeView(OdKnowledge k, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "optdyn knowledge: %s (%" PetscInt_FMT " training, %" PetscInt_FMT " test images), groups A = {%d,%d}, B = {%d,%d}, %" PetscInt_FMT " seeds\n", k->files[0], k->train.n, k->test.n, (int)k->pb.group_a[0], (int)k->pb.group_a[1], (int)k->pb.group_b[0], (int)k->pb.group_b[1], k->nseeds));
  if (!k->done) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "%-9s %-28s %-28s %-14s %-14s\n", "act", "R2 weights (mean, 95% CI)", "R2 biases (mean, 95% CI)", "null w (fork)", "null w (shuf)"));
  for (PetscInt a = 0; a < k->nact; a++) {
    if (a * k->nseeds < k->first || (a + 1) * k->nseeds > k->first + k->count) continue;
    const PetscReal *rec = k->record + (a * k->nseeds - k->first) * k->reclen;
    double m[4], lo[4], hi[4];
    PetscInt used;
    const PetscInt col[4] = {OD_KL_WEIGHTS * OD_KL_FIT_FIELDS, OD_KL_BIASES * OD_KL_FIT_FIELDS, (OD_KL_NSETS + OD_KL_WEIGHTS) * OD_KL_FIT_FIELDS, (2 * OD_KL_NSETS + OD_KL_WEIGHTS) * OD_KL_FIT_FIELDS};
    for (PetscInt q = 0; q < 4; q++) OdMeanInterval(k->nseeds, rec + col[q], k->reclen, &m[q], &lo[q], &hi[q], &used);
    PetscCall(PetscViewerASCIIPrintf(viewer, "%-9s %.3f [%.3f, %.3f]%6s %.3f [%.3f, %.3f]%6s %-14.4f %-14.4f\n", OdActivationNames[k->act[a]], m[0], lo[0], hi[0], "", m[1], lo[1], hi[1], "", m[2], m[3]));
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "wrote %s (sweep %.1f s)\n", OdOutputGetPath(k->output), k->run_seconds));
  PetscFunctionReturn(0);
}
