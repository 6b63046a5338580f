/**
 * @file markov.h
 * @brief Exact density evolution of SGD on a 1-D landscape: the Markov operator of the chain
 *        W -> W - T g_j(W), j uniform, on a grid (see docs/markov.md).
 *
 * Grid: n nodes x_i = Wmin + i h, h = (Wmax - Wmin)/(n - 1), the last node exactly Wmax.
 * A density is a vector of node masses p_i (probabilities, sum = surviving mass).
 *
 * The operator A (n x n, a distributed MATAIJ in a plain row layout) pushes the mass of
 * node i through every datapoint's map y = x_i - T g_j(x_i) and splits it linearly between
 * the two nodes around y ("cloud in cell"): weight 1 - w to node l, w to node l + 1, with
 * y = x_l + w h, each datapoint carrying 1/J. Images with y <= Wmin go to node 0. Images
 * with y > Wmax either leave (absorbing edge: the escape vector e_i collects the fraction
 * of node i's mass that leaves) or go to node n - 1 (reflecting edge: e = 0). So for every
 * column, sum_l A_li + e_i = 1: A with the escaped state appended is column-stochastic.
 *
 * The same object serves both directions: forward, p_{k+1} = A p_k and the escaped mass
 * grows by e.p_k; backward, the escape probability within k steps obeys
 * q_k = A^T q_{k-1} + e, q_0 = 0 (linear interpolation is the transpose of linear mass
 * splitting), and the mean first-passage time solves (I - A^T) tau = 1.
 */
#pragma once
#include "optdyn/command.h"
#include <petscmat.h>
#include "optdyn/landscape.h"
#include "optdyn/rng.h"

typedef enum { OD_MARKOV_EDGE_ABSORBING = 0, OD_MARKOV_EDGE_REFLECTING = 1 } OdMarkovEdge;

typedef struct _n_OdMarkovOp *OdMarkovOp;

/** Build the operator once (collective on comm). n >= 3, Wmin < Wmax. */
PetscErrorCode OdMarkovOpCreate(MPI_Comm comm, OdLandscape ls, PetscReal T, PetscReal Wmin, PetscReal Wmax, PetscInt n, OdMarkovEdge right, OdMarkovOp *op);
PetscErrorCode OdMarkovOpDestroy(OdMarkovOp *op);

/** The matrix A and the escape vector e (owned by the operator; do not destroy). */
PetscErrorCode OdMarkovOpGetMatrix(OdMarkovOp op, Mat *A, Vec *e);
/** Grid: number of nodes, left end, spacing. */
PetscErrorCode OdMarkovOpGetGrid(OdMarkovOp op, PetscInt *n, PetscReal *Wmin, PetscReal *h);
/** A new density vector (zero). */
PetscErrorCode OdMarkovOpCreateVec(OdMarkovOp op, Vec *p);

/** p = normal(W, std) restricted to the nodes and normalized to unit mass. */
PetscErrorCode OdMarkovOpNormal(OdMarkovOp op, PetscReal W, PetscReal std, Vec p);
/** p = unit mass at W, split linearly between the two nodes around W (W clamped to the grid). */
PetscErrorCode OdMarkovOpPointMass(OdMarkovOp op, PetscReal W, Vec p);
/** One SGD step of a density: pnext = A p; *escaped (may be NULL) = e.p, the mass that left. */
PetscErrorCode OdMarkovOpStep(OdMarkovOp op, Vec p, Vec pnext, PetscReal *escaped);
/** Linear interpolation of a node function q at W (collective; W clamped to the grid). */
PetscErrorCode OdMarkovOpInterpolate(OdMarkovOp op, Vec q, PetscReal W, PetscReal *value);
/** Surviving mass, mean and standard deviation of a density (NaN-free: mean = std = 0 if no mass). */
PetscErrorCode OdMarkovOpMoments(OdMarkovOp op, Vec p, PetscReal *mass, PetscReal *mean, PetscReal *std);

/**
 * Backward recursion q_k = A^T q_{k-1} + e through the transpose: p[b] = probability of
 * escaping within budgets[b] steps from W0 (budgets increasing).
 */
PetscErrorCode OdMarkovOpEscapeProbability(OdMarkovOp op, PetscReal W0, PetscInt nbudgets, const PetscInt budgets[], PetscReal p[]);

/** Mean first-passage time tau (steps) from every node: (I - A^T) tau = 1 (absorbing edge). */
PetscErrorCode OdMarkovOpMeanFirstPassage(OdMarkovOp op, Vec tau);

/**
 * Stationary density of a reflecting operator: A p = p, sum p = 1. Solved directly:
 * the node k holding the most mass after `warmup` forward steps from the uniform density is
 * pinned to 1, the rest of (I - A) p = 0 solved (redundant LU), then p normalized.
 */
PetscErrorCode OdMarkovOpStationary(OdMarkovOp op, PetscInt warmup, Vec p);

/** A point mass (atom) of a stationary state. */
typedef struct {
  PetscReal W;      /**< location: the gradient-descent fixed point (G = 0, G' > 0) */
  PetscReal width;  /**< local stationary width sqrt(T S2 / (2 G')) of the continuum model there */
  PetscReal weight; /**< mass within the atom's window (filled by OdMarkovOpAtomWeight) */
} OdMarkovAtom;

#define OD_MARKOV_MAX_ATOMS 8

/**
 * Degenerate stationary states: the stable gradient-descent fixed points W* in (Wmin, Wmax)
 * (G(W*) = 0, G'(W*) > 0) where the continuum stationary state's local width
 * sqrt(T S2(W*) / (2 G'(W*))) is below `resolution` (e.g. the grid spacing): there the
 * stationary density is a point mass (S2 vanishes, or underflows, and the zero-flux formula
 * overflows). Pure landscape function, usable by any solver (the PDE's stationary solve too).
 */
PetscErrorCode OdMarkovFindAtoms(OdLandscape ls, PetscReal T, PetscReal Wmin, PetscReal Wmax, PetscReal resolution, PetscInt *natoms, OdMarkovAtom atoms[]);

/** Mass of p within `halfwidth` of W (collective). */
PetscErrorCode OdMarkovOpMassNear(OdMarkovOp op, Vec p, PetscReal W, PetscReal halfwidth, PetscReal *mass);

extern const OdCommand OdMarkovCommand; /* the `optdyn markov` command */

/* ---- the continuum (probability-current) model's escape time, for comparison ---- */

/**
 * Mean first-passage time of the 1-D diffusion dP/dt = -d/dW [v P - D dP/dW] (v = -T G -
 * alpha (T^2/2) S2', D = (T^2/2) S2; time in SGD steps) from W0 to an absorbing edge, with a
 * reflecting left end a (or a zero of S2, which the diffusion cannot cross leftwards), by the
 * exact quadrature (docs/markov.md):
 *
 *     tau(W0) = int_{W0}^{edge} dy / psi(y) int_a^y psi(z) / D(z) dz,
 *     psi = exp(-Phi) S2^(1 - alpha),  Phi = int 2 G / (T S2) dW
 *
 * (trapezoid rule on nq points, exponents shifted so nothing overflows for Delta Phi < 700).
 */
PetscErrorCode OdMarkovContinuumMFPT(OdLandscape ls, PetscReal T, PetscReal alpha, PetscReal a, PetscReal edge, PetscReal W0, PetscInt nq, PetscReal *tau);

/**
 * Small-T (Kramers/Arrhenius) asymptote of the same mean first-passage time, the edge at
 * the barrier top Wb (G = 0, G' < 0), the well at Ww (G = 0, G' > 0):
 *
 *     tau_K = (pi / T) S2_b^(alpha - 1/2) S2_w^(1/2 - alpha) / sqrt(|G'_b| G'_w) exp(U / T),
 *     U = 2 int_Ww^Wb G / S2 dW
 *
 * so ln tau = U / T + ln(1/T) + const: *barrier = U, the slope of ln tau against 1/T.
 */
PetscErrorCode OdMarkovKramers(OdLandscape ls, PetscReal T, PetscReal alpha, PetscReal Ww, PetscReal Wb, PetscReal *tau, PetscReal *barrier);

/** The largest zero of S2 in [Wmin, W0) (where the diffusion is one-way), or Wmin if none. */
PetscErrorCode OdMarkovNoiseFreeLeft(OdLandscape ls, PetscReal Wmin, PetscReal W0, PetscReal *a);

/* ---- the probability-current (PDE) model on the same problem (src/markov/markov_pde.c) ---- */

/** What one PDE run returns (arrays malloc'ed; free with OdMarkovPDEResultFree). */
typedef struct {
  PetscInt nt;                       /**< output times (evenly spaced over [0, t_final]) */
  PetscReal *t, *mean, *std, *escaped;
  PetscInt n;                        /**< cells of the final density */
  PetscReal Wmin, h;
  PetscReal *P;                      /**< final density (per unit W, cell averages; rank 0 only, else NULL) */
  PetscReal tau;                     /**< the run's own escape-time estimate: int_0^t_final mass dt + mass(t_final) tau_tail */
} OdMarkovPDEResult;

/**
 * Run the fp module's 1-D solver (public API only) on landscape `landscape_name` (a built-in
 * name or YAML path), T, alpha: reflecting at Wmin, absorbing at edge, all mass in the cell of
 * W0 at t = 0 (or a normal(W0, init_std) truncated to the domain if init_std > 0), ncells cells, nt output times up to t_final. Its options are set in a private
 * options database, so the caller's options neither reach nor are consumed by it.
 */
PetscErrorCode OdMarkovPDERun(MPI_Comm comm, const char *landscape_name, PetscReal T, PetscReal alpha, PetscReal Wmin, PetscReal edge, PetscReal W0, PetscReal init_std, PetscInt ncells, PetscReal t_final, PetscInt nt, OdMarkovPDEResult *r);
PetscErrorCode OdMarkovPDEResultFree(OdMarkovPDEResult *r);

/* ---- Monte Carlo of the same chain (src/markov/markov_mc.c) ---- */

/** What a Monte Carlo unit records: positions at output times, escapes per step. */
typedef struct {
  OdLandscape landscape;
  PetscReal T, W0, Wmin, edge;
  PetscInt t_final;          /**< steps simulated */
  PetscInt nt;               /**< output times t_k = k t_final / (nt - 1) (rounded) */
  PetscInt nbins;            /**< histogram bins over [Wmin, edge] */
  PetscReal init_std;        /**< 0: every walker starts at W0; > 0: normal(W0, init_std) truncated to [Wmin, edge] */
} OdMarkovMCSetup;

/** Record length: nt * (nbins + 3) + t_final. */
PetscInt OdMarkovMCRecordLength(const OdMarkovMCSetup *s);
/** Output step k of nt (k = 0 .. nt - 1). */
PetscInt OdMarkovMCOutputStep(const OdMarkovMCSetup *s, PetscInt k);

/**
 * Walkers [w0, w1) of sweep point `point`, all from W0; adds to rec: for each output time,
 * the histogram of surviving walkers (nbins), their count, sum W and sum W^2; then, for every
 * step s = 1..t_final, the number of walkers that first exceeded the edge at step s.
 * The datapoint of walker w at step s is drawn like the escape module's walkers (Philox keyed
 * (seed, OD_STREAM_ESCAPE), counter (point, w, s/4, 0), word s mod 4), so the result is a pure
 * function of (seed, point, walker).
 */
void OdMarkovMCWalk(const OdMarkovMCSetup *s, const OdRng *rng, uint32_t point, PetscInt w0, PetscInt w1, PetscReal rec[]);
