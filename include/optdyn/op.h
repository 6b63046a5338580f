/**
 * @file op.h
 * @brief Measuring optimization (docs/models.md §5): entropy-based optimizing strength of
 *        finite-state systems and the causal Comp/Op measure of continuous systems.
 *
 * Continuous systems (see op_system.h) are causal networks. The world W starts at s0.
 * X starts at s0 + δ e_n (node n perturbed). Y starts like X, but after every step k
 * with k ≤ k_A (all steps by default; k_A = floor(t_A / dt) with -op_t_A) the variables
 * of the set A are overwritten by their values in W. For a target variable m at step k:
 *
 *     Comp(A; n, m) = (x^m − w^m) / (y^m − w^m),      Op = −ln |Comp|   (nats).
 *
 * Where Comp < 0 (Op would be complex) the sign is recorded separately and Op is the real
 * part −ln|Comp|; where y^m = w^m exactly Comp is undefined (NaN, sign 0).
 *
 * Finite-state systems: parts A and B with nA and nB states; state index s = a nB + b;
 * a deterministic table next[s] = a' nB + b'. For a joint distribution P over (a, b):
 * strength = H(push(P_A ⊗ P_B)) − H(push(P)) in bits, and the adjusted strength subtracts
 * the initial mutual information H(P_A ⊗ P_B) − H(P).
 */
#pragma once
#include "optdyn/simd.h"
#include "optdyn/command.h"
#include <petscsys.h>
#include <petscviewer.h>
#include "optdyn/op_system.h"

/* ------------------------------------------------------------------ command */

typedef struct _n_OdOp *OdOp;

PetscErrorCode OdOpCreate(MPI_Comm comm, OdOp *op);
/** Read -op_system and every option of the chosen system / finite-state mode, -o, -seed, -sweep_*. */
PetscErrorCode OdOpSetFromOptions(OdOp op);
/** Validate (failing before any output exists) and prepare the landscape sweep. */
PetscErrorCode OdOpSetUp(OdOp op);
/** Compute and write the HDF5 file; *interrupted is set if a stop signal checkpointed the sweep. */
PetscErrorCode OdOpRun(OdOp op, PetscBool *interrupted);
/** Summary on rank 0. */
PetscErrorCode OdOpView(OdOp op, PetscViewer viewer);
PetscErrorCode OdOpDestroy(OdOp *op);

/* ------------------------------------------------------------------ causal engine */

/** What is perturbed, clamped and measured. */
typedef struct {
  PetscInt n;                          /**< perturbed variable (its initial value) */
  PetscBool inA[OD_OP_MAX_VARS];       /**< the clamped set A */
  PetscInt clamp_steps;                /**< A is clamped after steps k <= clamp_steps (PETSC_MAX_INT: always) */
} OdOpCausal;

/**
 * Full trajectories for steps 0..nsteps: the world w[k nv + i] (nv = sys->nvars) and the
 * differences dx = x − w and dy = y − w (same layout) for perturbation delta.
 */
void OdOpTrajectories(OdOpSystem sys, const OdOpCausal *c, const PetscReal s0[], PetscReal delta, PetscInt nsteps, PetscReal w[], PetscReal dx[], PetscReal dy[]);

/**
 * State after nsteps only, for ndelta perturbation sizes at once (W is computed once):
 * wend[i], dx[j nv + i] = x_i − w_i and dy[j nv + i] = y_i − w_i for delta[j]. ndelta <= 4.
 */
void OdOpFinal(OdOpSystem sys, const OdOpCausal *c, const PetscReal s0[], PetscInt nsteps, PetscInt ndelta, const PetscReal delta[], PetscReal wend[], PetscReal dx[], PetscReal dy[]);

/**
 * OdOpFinal for nlanes <= 8 sweep points at once: point l starts from s0[l nv + i] and gets
 * wend[l nv + i], dx[(l ndelta + j) nv + i], dy[...]. Lorenz with RK4 runs on a lane kernel
 * built for the given instruction-set level (simd.h); other systems, and the scalar level, call
 * OdOpFinal per point. Every point's result equals OdOpFinal's bit for bit.
 */
void OdOpFinalLanes(OdOpSystem sys, const OdOpCausal *c, OdSimdLevel level, PetscInt nlanes, const PetscReal s0[], PetscInt nsteps, PetscInt ndelta, const PetscReal delta[], PetscReal wend[], PetscReal dx[], PetscReal dy[]);

/** Comp = dx / dy (NaN when dy == 0). */
PetscReal OdOpComp(PetscReal dx, PetscReal dy);
/** Op = −ln|Comp| (NaN when Comp is NaN; +inf when Comp = 0). */
PetscReal OdOpOp(PetscReal comp);
/** +1, −1 or 0 (Comp undefined or zero). */
PetscReal OdOpSign(PetscReal comp);

/** `optdyn op -summarize FILE`: recompute the landscape summaries of an op file in place. */
PetscErrorCode OdOpSummarize(MPI_Comm comm, const char *path);

/** Trapezoid integral of (1 − comp[i]) over the points s[0..n-1] (n >= 2; 0 for n = 1). */
PetscReal OdOpIntegralOneMinusComp(PetscInt n, const PetscReal s[], const PetscReal comp[]);

/* ------------------------------------------------------------------ finite-state systems */

#define OD_OP_FINITE_MAX_STATES 64
#define OD_OP_FINITE_NAME_LEN 32

/** Shannon entropy in bits of p[0..n-1] (zero entries contribute 0). */
PetscReal OdOpEntropyBits(PetscInt n, const PetscReal p[]);
/** out = push-forward of p under next (nA nB states). */
void OdOpFinitePush(PetscInt nA, PetscInt nB, const PetscInt next[], const PetscReal p[], PetscReal out[]);
/** out = P_A ⊗ P_B, the product of p's marginals. */
void OdOpFiniteProduct(PetscInt nA, PetscInt nB, const PetscReal p[], PetscReal out[]);

/** The entropies (bits) of one measurement of a joint distribution P. */
typedef struct {
  PetscReal H_p;            /**< H(P) */
  PetscReal H_product;      /**< H(P_A ⊗ P_B) */
  PetscReal H_next;         /**< H(push(P)) */
  PetscReal H_product_next; /**< H(push(P_A ⊗ P_B)) */
  PetscReal strength;       /**< H_product_next − H_next (docs/models.md §5) */
  PetscReal adjusted;       /**< strength − (H_product − H_p) (the source's "adjusted optimizing-ness") */
} OdOpFiniteStrength;

/**
 * Measure P: fills s and, when not NULL, next = push(P), product = P_A ⊗ P_B,
 * product_next = push(product) (each nA nB long).
 */
void OdOpFiniteMeasure(PetscInt nA, PetscInt nB, const PetscInt next_state[], const PetscReal p[], OdOpFiniteStrength *s, PetscReal next[], PetscReal product[], PetscReal product_next[]);

/**
 * Parse a comma list of state names into names[*n][OD_OP_FINITE_NAME_LEN]; names must be
 * distinct identifiers; at most OD_OP_FINITE_MAX_STATES. `option` names the option in errors.
 */
PetscErrorCode OdOpFiniteParseStates(MPI_Comm comm, const char *option, const char *text, PetscInt *n, char names[][OD_OP_FINITE_NAME_LEN]);

/**
 * Parse a dynamics table: nA nB comma-separated entries "a'/b'" in the order (a, b) with a
 * major, where a' and b' are state names or 0-based indices. next[a nB + b] = a' nB + b'.
 * A missing or unknown state, an index out of range or a wrong entry count fails with a
 * message naming the option, the entry and what is allowed.
 */
PetscErrorCode OdOpFiniteParseTable(MPI_Comm comm, const char *option, const char *text, PetscInt nA, const char names_a[][OD_OP_FINITE_NAME_LEN], PetscInt nB, const char names_b[][OD_OP_FINITE_NAME_LEN], PetscInt next[]);

/**
 * Parse a probability distribution of exactly n entries: reals or fractions "p/q"; every
 * entry >= 0 and the sum within 1e-9 of 1 (then renormalized), else a clear error.
 */
PetscErrorCode OdOpFiniteParseDistribution(MPI_Comm comm, const char *option, const char *text, PetscInt n, PetscReal p[]);
extern const OdCommand OdOpCommand; /* the `optdyn op` command */
