/**
 * @file knowledge.h
 * @brief Knowledge localization: does the share of a parameter's updating caused by some
 *        data predict where the knowledge of that data ends up? (`optdyn knowledge`)
 *
 * One *unit* (a sweep point: one activation and one seed) runs:
 *  1. phase 1: an MLP trained by per-example SGD on the examples of groups A and B among
 *     the first `phase1_examples` training examples (balanced: the larger group is cut to
 *     the size of the smaller), targets one-hot (A -> output 0, B -> output 1); during the
 *     last (1 - tally_start) of its steps, |Δθ| of every parameter is tallied into a (steps
 *     on A examples) or b (on B examples); u = a/(a + b);
 *  2. four forks of the phase-1 network, each trained on the remaining examples restricted
 *     to {A0} ∪ B, {A1} ∪ B, A ∪ {B0}, A ∪ {B1}; c = |θ(A0∪B) − θ(A1∪B)|,
 *     d = |θ(A∪B0) − θ(A∪B1)|, r = c/(c + d);
 *  3. statistics: least-squares fit of r against u (R², slope, intercept, two-sided p of
 *     the slope) for the weights, the biases and the first-layer weights separately; the
 *     Pearson correlation of u and r over the weights leaving each input pixel;
 *  4. null controls: R² of r against u shuffled across parameters; and, with two more
 *     forks that repeat {A0} ∪ B and {A1} ∪ B in another random example order,
 *     r0 = c0/(c0 + d0) with c0 = |θ(A0∪B) − θ'(A0∪B)|, d0 = |θ(A1∪B) − θ'(A1∪B)|,
 *     fitted against u like r.
 * Parameters with a + b = 0 (u undefined) or c + d = 0 are left out of the fits.
 *
 * Randomness (Philox keyed (seed, OD_STREAM_KNOWLEDGE)): initialization of seed s at
 * counters (s, layer, k/2, 0) (see OdMLPInitHe); the example order of stage g at counters
 * (s, 1000 + g, i, 0); the shuffle of u at (s, 2000, i, 0). A unit is therefore a pure
 * function of (seed, activation, s) and the results never depend on the rank count.
 */
#pragma once
#include "optdyn/command.h"
#include "optdyn/nn.h"

/* ------------------------------------------------------------------ statistics */

/** Least-squares fit y = intercept + slope x over the pairs where both are finite. */
typedef struct {
  PetscInt n;         /**< pairs used */
  double slope, intercept;
  double r2;          /**< squared Pearson correlation (NaN if n < 3 or a variance is 0) */
  double corr;        /**< Pearson correlation */
  double p;           /**< two-sided p-value of slope != 0 (Student t, n - 2 degrees of freedom) */
} OdFit;

void OdLinearFit(PetscInt n, const double x[], const double y[], OdFit *fit);
/** P(|T| > |t|) for Student's t with df degrees of freedom. */
double OdStudentTwoSidedP(double t, double df);
/** The q-quantile of Student's t with df degrees of freedom (0 < q < 1). */
double OdStudentQuantile(double q, double df);
/** Mean of the finite values of x[0..n-1] and its 95 % Student-t interval (NaN if fewer than 2). */
void OdMeanInterval(PetscInt n, const double x[], PetscInt stride, double *mean, double *lo, double *hi, PetscInt *used);

/* ------------------------------------------------------------------ one unit */

/** Stages of a unit: phase 1, the four forks, the two null-control twins. */
enum { OD_KL_PHASE1 = 0, OD_KL_FORK_A0, OD_KL_FORK_A1, OD_KL_FORK_B0, OD_KL_FORK_B1, OD_KL_TWIN_A0, OD_KL_TWIN_A1, OD_KL_NSTAGES };

/** Which parameters a fit covers. */
enum { OD_KL_WEIGHTS = 0, OD_KL_BIASES, OD_KL_WEIGHTS1, OD_KL_NSETS };

/** Everything a unit needs (read-only during a unit). */
typedef struct {
  const OdDataset *train, *test;
  PetscInt group_a[2], group_b[2];
  PetscInt nhidden, hidden[8]; /**< hidden layer widths */
  OdActivation output_activation; /**< OD_ACT_COUNT: the hidden activation (softplus for relu) */
  OdLoss loss;
  double lr;
  PetscInt phase1_examples;  /**< phase 1 draws from training examples [0, phase1_examples) */
  PetscInt fork_examples;    /**< forks draw from [phase1_examples, phase1_examples + fork_examples); 0 = to the end */
  PetscInt phase1_epochs, fork_epochs;
  double tally_start;        /**< fraction of phase-1 steps after which |Δθ| is tallied */
  PetscBool balance, shuffle, twins;
  PetscInt curve_points;     /**< training-loss curve: mean loss over this many equal segments per stage */
  PetscInt test_examples;    /**< test examples scored per stage (0 = all) */
  uint32_t seed;
} OdKnowledgeProblem;

/** Results of one unit. u, r, r0 have nparams entries; pixel_corr has n_0. */
typedef struct {
  OdFit fit[OD_KL_NSETS];           /**< r against u */
  OdFit null_fork[OD_KL_NSETS];     /**< r0 against u (NaN if no twins) */
  OdFit null_shuffle[OD_KL_NSETS];  /**< r against shuffled u */
  double test_accuracy[OD_KL_NSTAGES];
  PetscInt examples[OD_KL_NSTAGES]; /**< SGD steps of each stage */
  double *curves;                   /**< [OD_KL_NSTAGES][curve_points] */
  double *u, *r, *r0, *pixel_corr;
} OdKnowledgeResult;

PetscErrorCode OdKnowledgeResultCreate(const OdKnowledgeProblem *pb, PetscInt nparams, OdKnowledgeResult *res);
PetscErrorCode OdKnowledgeResultDestroy(OdKnowledgeResult *res);
/** Number of parameters of the problem's MLP. */
PetscInt OdKnowledgeNumParams(const OdKnowledgeProblem *pb);
/** Run seed index s with the given hidden activation. */
PetscErrorCode OdKnowledgeRunUnit(const OdKnowledgeProblem *pb, OdActivation act, PetscInt s, OdKnowledgeResult *res);

/* ------------------------------------------------------------------ the command */

typedef struct _n_OdKnowledge *OdKnowledge;
PetscErrorCode OdKnowledgeCreate(MPI_Comm comm, OdKnowledge *kl);
/** Read -seed, -o, the sweep options and the -kl_* options (see `optdyn help knowledge`). */
PetscErrorCode OdKnowledgeSetFromOptions(OdKnowledge kl);
/** Load and check the data, validate the groups, prepare the sweep over (activation, seed). */
PetscErrorCode OdKnowledgeSetUp(OdKnowledge kl);
PetscErrorCode OdKnowledgeRun(OdKnowledge kl, PetscBool *interrupted);
PetscErrorCode OdKnowledgeView(OdKnowledge kl, PetscViewer viewer);
PetscErrorCode OdKnowledgeDestroy(OdKnowledge *kl);

extern const OdCommand OdKnowledgeCommand; /* the `optdyn knowledge` command */
