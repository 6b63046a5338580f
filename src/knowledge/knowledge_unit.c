/* One unit of the knowledge-localization study: phase 1 with |Δθ| tallies, the forks, the
   null-control twins, and the statistics of r against u. */
#include <math.h>
#include <string.h>
#include "optdyn/knowledge.h"

#define OD_KL_ORDER_TAG 1000u
#define OD_KL_SHUFFLE_U_TAG 2000u

/* The classes each stage trains on, and its target map (A -> 0, B -> 1). */
static PetscInt StageClasses(const OdKnowledgeProblem *pb, PetscInt stage, PetscInt cls[4])
{
  const PetscInt *A = pb->group_a, *B = pb->group_b;
  switch (stage) {
  case OD_KL_PHASE1: cls[0] = A[0], cls[1] = A[1], cls[2] = B[0], cls[3] = B[1]; return 4;
  case OD_KL_FORK_A0:
  case OD_KL_TWIN_A0: cls[0] = A[0], cls[1] = B[0], cls[2] = B[1]; return 3;
  case OD_KL_FORK_A1:
  case OD_KL_TWIN_A1: cls[0] = A[1], cls[1] = B[0], cls[2] = B[1]; return 3;
  case OD_KL_FORK_B0: cls[0] = A[0], cls[1] = A[1], cls[2] = B[0]; return 3;
  default: cls[0] = A[0], cls[1] = A[1], cls[2] = B[1]; return 3;
  }
}

static PetscBool InGroupA(const OdKnowledgeProblem *pb, PetscInt label) { return (PetscBool)(label == pb->group_a[0] || label == pb->group_a[1]); }

PetscInt OdKnowledgeNumParams(const OdKnowledgeProblem *pb)
{
  PetscInt n = 0, prev = pb->train->dim;
  for (PetscInt l = 0; l <= pb->nhidden; l++) {
    const PetscInt w = l < pb->nhidden ? pb->hidden[l] : 2;
    n += prev * w + w;
    prev = w;
  }
  return n;
}

PetscErrorCode OdKnowledgeResultCreate(const OdKnowledgeProblem *pb, PetscInt nparams, OdKnowledgeResult *res)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(res, sizeof *res));
  PetscCall(PetscCalloc1(OD_KL_NSTAGES * pb->curve_points, &res->curves));
  PetscCall(PetscCalloc4(nparams, &res->u, nparams, &res->r, nparams, &res->r0, pb->train->dim, &res->pixel_corr));
  PetscFunctionReturn(0);
}

PetscErrorCode OdKnowledgeResultDestroy(OdKnowledgeResult *res)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(res->curves));
  PetscCall(PetscFree4(res->u, res->r, res->r0, res->pixel_corr));
  PetscFunctionReturn(0);
}

/* Fisher-Yates permutation of idx[0..n-1] keyed by (s, tag). */
static void Shuffle(const OdRng *rng, uint32_t s, uint32_t tag, PetscInt n, PetscInt idx[])
{
  for (PetscInt i = n - 1; i > 0; i--) {
    uint32_t w[4];
    OdRngWords(rng, OdCounterMake(s, tag, (uint32_t)i, 0), w);
    const PetscInt j = (PetscInt)OdRngIndexFromWord(w[0], (uint32_t)(i + 1));
    const PetscInt t = idx[i];
    idx[i] = idx[j], idx[j] = t;
  }
}

/* Phase 1's examples: groups A and B among the first phase1_examples, balanced by cutting
   the larger group's tail. */
static PetscErrorCode Phase1Examples(const OdKnowledgeProblem *pb, PetscInt *n, PetscInt **idx)
{
  PetscInt cls[4], na = 0, nb = 0, keep_a, keep_b, m = 0, all;
  PetscFunctionBegin;
  StageClasses(pb, OD_KL_PHASE1, cls);
  PetscCall(OdDatasetSelect(pb->train, 0, pb->phase1_examples, 4, cls, &all, idx));
  for (PetscInt i = 0; i < all; i++) InGroupA(pb, pb->train->labels[(*idx)[i]]) ? na++ : nb++;
  keep_a = pb->balance ? PetscMin(na, nb) : na;
  keep_b = pb->balance ? PetscMin(na, nb) : nb;
  for (PetscInt i = 0; i < all; i++) {
    const PetscBool a = InGroupA(pb, pb->train->labels[(*idx)[i]]);
    if (a ? keep_a-- > 0 : keep_b-- > 0) (*idx)[m++] = (*idx)[i];
  }
  *n = m;
  PetscFunctionReturn(0);
}

static PetscErrorCode StageExamples(const OdKnowledgeProblem *pb, PetscInt stage, PetscInt *n, PetscInt **idx)
{
  PetscInt cls[4];
  PetscFunctionBegin;
  if (stage == OD_KL_PHASE1) PetscCall(Phase1Examples(pb, n, idx));
  else {
    const PetscInt nc = StageClasses(pb, stage, cls);
    const PetscInt end = pb->fork_examples > 0 ? pb->phase1_examples + pb->fork_examples : pb->train->n;
    PetscCall(OdDatasetSelect(pb->train, pb->phase1_examples, end, nc, cls, n, idx));
  }
  PetscFunctionReturn(0);
}

/* Mutable state of one unit. */
typedef struct {
  const OdKnowledgeProblem *pb;
  OdMLP mlp;
  OdMLPWork work;
  OdRng rng;
  uint32_t s;
  double *x;        /* one input */
  double *tally[2]; /* a (group A), b (group B) */
} Unit;

/* Train theta on stage's examples; the loss curve goes to curve[curve_points]. */
static PetscErrorCode TrainStage(Unit *U, PetscInt stage, double theta[], OdKnowledgeResult *res)
{
  const OdKnowledgeProblem *pb = U->pb;
  PetscInt n, *idx;
  PetscFunctionBegin;
  PetscCall(StageExamples(pb, stage, &n, &idx));
  const PetscBool twin = (PetscBool)(stage >= OD_KL_TWIN_A0);
  if (pb->shuffle || twin) Shuffle(&U->rng, U->s, OD_KL_ORDER_TAG + (uint32_t)stage, n, idx);
  const PetscInt epochs = stage == OD_KL_PHASE1 ? pb->phase1_epochs : pb->fork_epochs, total = n * epochs;
  const PetscInt tally_from = stage == OD_KL_PHASE1 ? (PetscInt)floor(pb->tally_start * (double)total) : total;
  double *curve = res->curves + stage * pb->curve_points;
  PetscInt *seg_count;
  PetscCall(PetscCalloc1(pb->curve_points, &seg_count));
  for (PetscInt k = 0; k < pb->curve_points; k++) curve[k] = 0;
  for (PetscInt t = 0; t < total; t++) {
    const PetscInt i = idx[t % n], label = pb->train->labels[i];
    const PetscInt target = InGroupA(pb, label) ? 0 : 1;
    OdDatasetInput(pb->train, i, U->x);
    const PetscBool tally = (PetscBool)(t >= tally_from);
    const double L = OdMLPStepSGD(U->mlp, theta, U->x, target, pb->lr, U->work, tally ? OdMLPTallyAbsHook : NULL, tally ? U->tally[target] : NULL);
    const PetscInt seg = (PetscInt)((long long)t * pb->curve_points / total);
    curve[seg] += L, seg_count[seg]++;
  }
  for (PetscInt k = 0; k < pb->curve_points; k++) curve[k] = seg_count[k] ? curve[k] / seg_count[k] : NAN;
  res->examples[stage] = total;
  PetscCall(PetscFree(seg_count));
  PetscCall(PetscFree(idx));
  PetscFunctionReturn(0);
}

/* Accuracy on the test examples of the stage's classes (0/1 target as in training). */
static PetscErrorCode TestAccuracy(Unit *U, PetscInt stage, const double theta[], double *acc)
{
  const OdKnowledgeProblem *pb = U->pb;
  PetscInt cls[4], n, *idx, right = 0;
  PetscFunctionBegin;
  const PetscInt nc = StageClasses(pb, stage, cls);
  const PetscInt end = pb->test_examples > 0 ? pb->test_examples : pb->test->n;
  PetscCall(OdDatasetSelect(pb->test, 0, end, nc, cls, &n, &idx));
  for (PetscInt k = 0; k < n; k++) {
    OdDatasetInput(pb->test, idx[k], U->x);
    OdMLPForward(U->mlp, theta, U->x, -1, U->work);
    right += OdMLPPredict(U->mlp, U->work, 0) == (InGroupA(pb, pb->test->labels[idx[k]]) ? 0 : 1);
  }
  *acc = n ? (double)right / n : NAN;
  PetscCall(PetscFree(idx));
  PetscFunctionReturn(0);
}

/* ratio[k] = |p[k] - q[k]| / (|p[k] - q[k]| + |s[k] - t[k]|) (NaN when both are 0) */
static void RelativeDifference(PetscInt n, const double *p, const double *q, const double *s, const double *t, double *ratio)
{
  for (PetscInt k = 0; k < n; k++) {
    const double c = fabs(p[k] - q[k]), d = fabs(s[k] - t[k]);
    ratio[k] = c + d > 0 ? c / (c + d) : NAN;
  }
}

/* Fits of y against x over the weights, the biases and the first-layer weights. */
static PetscErrorCode FitSets(OdMLP mlp, const double *x, const double *y, OdFit fit[OD_KL_NSETS])
{
  const PetscInt P = OdMLPNumParams(mlp), L = OdMLPNumLayers(mlp);
  double *xs, *ys;
  PetscInt nw = 0, nb = 0;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(P, &xs, P, &ys));
  for (PetscInt l = 1; l <= L; l++)
    for (PetscInt k = OdMLPWeightOffset(mlp, l); k < OdMLPBiasOffset(mlp, l); k++) xs[nw] = x[k], ys[nw++] = y[k];
  OdLinearFit(nw, xs, ys, &fit[OD_KL_WEIGHTS]);
  OdLinearFit(OdMLPBiasOffset(mlp, 1), x, y, &fit[OD_KL_WEIGHTS1]); /* layer 1's weights start at 0 */
  for (PetscInt l = 1; l <= L; l++)
    for (PetscInt k = OdMLPBiasOffset(mlp, l); k < OdMLPBiasOffset(mlp, l) + OdMLPLayerSize(mlp, l); k++) xs[nb] = x[k], ys[nb++] = y[k];
  OdLinearFit(nb, xs, ys, &fit[OD_KL_BIASES]);
  PetscCall(PetscFree2(xs, ys));
  PetscFunctionReturn(0);
}

/* Pearson correlation of u and r over the first-layer weights leaving each input. */
static void PixelCorrelation(OdMLP mlp, const double *u, const double *r, double *corr)
{
  const PetscInt nin = OdMLPLayerSize(mlp, 0), nout = OdMLPLayerSize(mlp, 1);
  for (PetscInt i = 0; i < nin; i++) {
    OdFit f;
    OdLinearFit(nout, u + i * nout, r + i * nout, &f);
    corr[i] = f.corr;
  }
}

static PetscErrorCode Statistics(Unit *U, OdKnowledgeResult *res)
{
  const PetscInt P = OdMLPNumParams(U->mlp);
  double *us;
  PetscInt *perm;
  PetscFunctionBegin;
  PetscCall(FitSets(U->mlp, res->u, res->r, res->fit));
  PetscCall(FitSets(U->mlp, res->u, res->r0, res->null_fork));
  PetscCall(PetscMalloc2(P, &us, P, &perm));
  for (PetscInt k = 0; k < P; k++) perm[k] = k;
  Shuffle(&U->rng, U->s, OD_KL_SHUFFLE_U_TAG, P, perm);
  for (PetscInt k = 0; k < P; k++) us[k] = res->u[perm[k]];
  PetscCall(FitSets(U->mlp, us, res->r, res->null_shuffle));
  PetscCall(PetscFree2(us, perm));
  PixelCorrelation(U->mlp, res->u, res->r, res->pixel_corr);
  PetscFunctionReturn(0);
}

static PetscErrorCode UnitSetUp(const OdKnowledgeProblem *pb, OdActivation act, PetscInt s, Unit *U)
{
  PetscInt sizes[10];
  PetscFunctionBegin;
  sizes[0] = pb->train->dim;
  for (PetscInt l = 0; l < pb->nhidden; l++) sizes[l + 1] = pb->hidden[l];
  sizes[pb->nhidden + 1] = 2;
  const OdActivation out = pb->output_activation != OD_ACT_COUNT ? pb->output_activation : act == OD_ACT_RELU ? OD_ACT_SOFTPLUS : act;
  U->pb = pb;
  U->s = (uint32_t)s;
  U->rng = OdRngCreate(pb->seed, OD_STREAM_KNOWLEDGE);
  PetscCall(OdMLPCreate(pb->nhidden + 1, sizes, act, out, pb->loss, &U->mlp));
  PetscCall(OdMLPWorkCreate(U->mlp, 1, &U->work));
  const PetscInt P = OdMLPNumParams(U->mlp);
  PetscCall(PetscCalloc3(pb->train->dim, &U->x, P, &U->tally[0], P, &U->tally[1]));
  PetscFunctionReturn(0);
}

static PetscErrorCode UnitTearDown(Unit *U)
{
  PetscFunctionBegin;
  PetscCall(PetscFree3(U->x, U->tally[0], U->tally[1]));
  PetscCall(OdMLPWorkDestroy(&U->work));
  PetscCall(OdMLPDestroy(&U->mlp));
  PetscFunctionReturn(0);
}

PetscErrorCode OdKnowledgeRunUnit(const OdKnowledgeProblem *pb, OdActivation act, PetscInt s, OdKnowledgeResult *res)
{
  Unit U;
  double *theta[OD_KL_NSTAGES];
  PetscFunctionBegin;
  PetscCall(UnitSetUp(pb, act, s, &U));
  const PetscInt P = OdMLPNumParams(U.mlp), nstages = pb->twins ? OD_KL_NSTAGES : OD_KL_TWIN_A0;
  for (PetscInt g = 0; g < OD_KL_NSTAGES; g++) PetscCall(PetscMalloc1(P, &theta[g]));
  OdMLPInitHe(U.mlp, &U.rng, U.s, theta[OD_KL_PHASE1]);
  PetscCall(TrainStage(&U, OD_KL_PHASE1, theta[OD_KL_PHASE1], res));
  for (PetscInt k = 0; k < P; k++) {
    const double a = U.tally[0][k], b = U.tally[1][k];
    res->u[k] = a + b > 0 ? a / (a + b) : NAN;
  }
  for (PetscInt g = 0; g < nstages; g++) {
    if (g > OD_KL_PHASE1) {
      PetscCall(PetscArraycpy(theta[g], theta[OD_KL_PHASE1], P));
      PetscCall(TrainStage(&U, g, theta[g], res));
    }
    PetscCall(TestAccuracy(&U, g, theta[g], &res->test_accuracy[g]));
  }
  for (PetscInt g = nstages; g < OD_KL_NSTAGES; g++) {
    res->test_accuracy[g] = NAN;
    res->examples[g] = 0;
    for (PetscInt k = 0; k < pb->curve_points; k++) res->curves[g * pb->curve_points + k] = NAN;
  }
  RelativeDifference(P, theta[OD_KL_FORK_A0], theta[OD_KL_FORK_A1], theta[OD_KL_FORK_B0], theta[OD_KL_FORK_B1], res->r);
  if (pb->twins) RelativeDifference(P, theta[OD_KL_FORK_A0], theta[OD_KL_TWIN_A0], theta[OD_KL_FORK_A1], theta[OD_KL_TWIN_A1], res->r0);
  else
    for (PetscInt k = 0; k < P; k++) res->r0[k] = NAN;
  PetscCall(Statistics(&U, res));
  for (PetscInt g = 0; g < OD_KL_NSTAGES; g++) PetscCall(PetscFree(theta[g]));
  PetscCall(UnitTearDown(&U));
  PetscFunctionReturn(0);
}
