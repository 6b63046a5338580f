/**
 * @file escape.h
 * @brief SGD escape from a local minimum: Monte Carlo, exact backward recursion and the
 *        consecutive-steps model (docs/models.md §2).
 *
 * Walkers start at W0 (default: the pit, the local minimum of L found downhill from
 * `-escape_W0_guess`, 1.0) and run SGD with learning rate T on a §1 landscape. A walker
 * escapes at the first step after which W > W_edge (default: the first barrier top of L
 * right of W0); escape is absorbing. One simulation per T records every walker's
 * first-passage step and serves every step budget n.
 *
 * Randomness: the datapoint of walker w at step n of sweep point i is drawn from Philox keyed
 * (seed, OD_STREAM_ESCAPE) at counter (i, w, n / B, 0): with J = 2^m datapoints a step uses
 * s = 1, 2, 4 or 8 bits (the smallest power of two >= m) and a call serves B = 128/s steps (128
 * for J = 2); other J use one 32-bit word per step (B = 4). A result is a pure function of
 * (seed, point, walker): it never depends on the rank count, the chunking or the
 * instruction-set level (simd.h).
 */
#pragma once
#include "optdyn/command.h"
#include <petscsys.h>
#include <petscviewer.h>
#include "optdyn/landscape.h"
#include "optdyn/rng.h"
#include "optdyn/simd.h"

typedef enum { OD_ESCAPE_MC = 0, OD_ESCAPE_EXACT = 1 } OdEscapeMethod;

typedef struct _n_OdEscape *OdEscape;

PetscErrorCode OdEscapeCreate(MPI_Comm comm, OdEscape *esc);
/** Read -landscape, -seed, -o and the -escape_* options (see `optdyn help escape`). */
PetscErrorCode OdEscapeSetFromOptions(OdEscape esc);
/** Locate W0 and the edge, validate, prepare the sweep. */
PetscErrorCode OdEscapeSetUp(OdEscape esc);
/** Run the sweep and write the HDF5 file; *interrupted is set if a stop signal checkpointed it. */
PetscErrorCode OdEscapeRun(OdEscape esc, PetscBool *interrupted);
/** Print the summary table (rank 0). */
PetscErrorCode OdEscapeView(OdEscape esc, PetscViewer viewer);
PetscErrorCode OdEscapeDestroy(OdEscape *esc);


/** W0 and edge in use (after SetUp). */
PetscErrorCode OdEscapeGetPit(OdEscape esc, PetscReal *W0, PetscReal *edge);

/* ---- kernels, usable on their own (tests, other modules) ---- */

/** Arithmetic of the Monte Carlo kernel (-escape_precision): double (the default) or single
 *  (float, twice the lanes per vector; its own scalar reference; walkers' paths differ from
 *  double's by rounding, escape probabilities agree within their Monte Carlo errors). */
typedef enum { OD_ESCAPE_DOUBLE = 0, OD_ESCAPE_SINGLE = 1 } OdEscapePrecision;

/** Parameters of one escape simulation. */
typedef struct {
  OdLandscape landscape;
  PetscReal T, W0, edge;
  PetscInt max_steps; /**< the largest step budget (single precision: < 2^31 - 64) */
  OdEscapePrecision precision; /**< OdEscapeFirstPassage*: double (0, default) or single; single needs a
                                    Gaussian landscape with J = 2^m <= 16 datapoints */
} OdEscapeProblem;

/**
 * First-passage steps of walkers [w_begin, w_end) at sweep point `point`: steps[w - w_begin]
 * is the step (1-based) after which W first exceeded the edge, or 0 if it did not within
 * max_steps. Escaped walkers stop costing work.
 */
void OdEscapeFirstPassage(const OdEscapeProblem *pb, const OdRng *rng, uint32_t point, PetscInt w_begin, PetscInt w_end, PetscInt steps[]);

/** OdEscapeFirstPassage with the kernel build chosen explicitly (simd.h; OD_SIMD_AUTO = the best
 *  this CPU runs, which is what OdEscapeFirstPassage uses). Every level gives the same steps[]. */
void OdEscapeFirstPassageSimd(const OdEscapeProblem *pb, OdSimdLevel level, const OdRng *rng, uint32_t point, PetscInt w_begin, PetscInt w_end, PetscInt steps[]);

/** One walker range of a batch: walkers [w_begin, w_end) of sweep point `point` at learning
 *  rate T; steps[w - w_begin] receives each walker's first-passage step (as OdEscapeFirstPassage). */
typedef struct {
  uint32_t point;
  PetscReal T;
  PetscInt w_begin, w_end;
  PetscInt *steps;
} OdEscapeWalkers;

/**
 * OdEscapeFirstPassageSimd over several walker ranges at once (pb->T is ignored: each range has
 * its own). The lane kernel refills a lane with the next walker of the batch, whatever its
 * range, so lanes idle only while the whole batch drains, not at the end of every range.
 * Every walker's result is the one OdEscapeFirstPassage gives it alone.
 */
void OdEscapeFirstPassageBatch(const OdEscapeProblem *pb, OdSimdLevel level, const OdRng *rng, PetscInt nranges, const OdEscapeWalkers ranges[]);

/**
 * Exact escape probability by the backward recursion q_n(W) = mean_j q_{n-1}(W - T g_j(W)),
 * q_n = 1 beyond the edge, q_0 = 1[W > edge], on a uniform grid of `ngrid` points over
 * [Wmin, edge] with linear interpolation (points mapped left of Wmin take q(Wmin)).
 * p[k] = q_{budgets[k]}(W0) for increasing budgets.
 */
PetscErrorCode OdEscapeExact(const OdEscapeProblem *pb, PetscReal Wmin, PetscInt ngrid, PetscInt nbudgets, const PetscInt budgets[], PetscReal p[]);

/**
 * Consecutive-steps model: the number of consecutive steps on datapoint j alone that take
 * W from W_start past the edge (at most max_steps; returns -1 if never), and the W reached.
 */
PetscInt OdEscapeConsecutiveSteps(OdLandscape ls, PetscInt j, PetscReal T, PetscReal W_start, PetscReal edge, PetscInt max_steps, PetscReal *W_end);

/** Can -escape_precision single run on this landscape (Gaussian terms, J = 2^m <= 16 datapoints)? */
PetscBool OdEscapeSingleSupported(OdLandscape ls);

/** The kernel's exp (16-entry table and a degree-7 polynomial, <= 2 ulp for x >= -700, 0 below):
 *  exposed for its unit test. */
double OdEscapeKernelExp(double x);
extern const OdCommand OdEscapeCommand; /* the `optdyn escape` command */

/* added by fp: the escape walkers with walls and scaled noise, for other modules (the
   Fokker-Planck validation Monte Carlo) */
/** A walker domain for OdEscapeWalk. */
typedef struct {
  OdLandscape landscape;
  PetscReal T;     /**< learning rate */
  PetscReal noise; /**< s: the step is -T (G + sqrt(s) (g_J - G)); 1 = plain SGD (-T g_J), 0 = GD (-T G) */
  PetscReal lo, hi;                      /**< the domain */
  PetscBool lo_absorbing, hi_absorbing;  /**< absorbing: the walker stops; else reflecting: mirrored back */
} OdEscapeWalkProblem;

/**
 * Advance walkers [w_begin, w_end) of sweep point `point` from step s0 to step s1: on entry
 * W[w - w_begin] is the state after s0 steps, on return after s1 steps; alive[w - w_begin] is
 * cleared at the step that leaves the domain through an absorbing wall (or gives a non-finite
 * W), and dead walkers are skipped. The datapoint of step s is the draw OdEscapeFirstPassage
 * uses (the kernel's stream layout, above) and the gradient is the kernel's, so
 * with noise 1, lo = -inf and an absorbing hi = edge a walker follows its first-passage
 * trajectory exactly.
 */
void OdEscapeWalk(const OdEscapeWalkProblem *pb, const OdRng *rng, uint32_t point, PetscInt w_begin, PetscInt w_end, PetscInt s0, PetscInt s1, PetscReal W[], PetscBool alive[]);
