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
