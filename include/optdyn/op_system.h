/**
 * @file op_system.h
 * @brief Discrete-time dynamical systems for `optdyn op` (docs/models.md §5): the causal networks
 *        whose nodes are named real variables.
 *
 * A system advances a state vector s (one entry per named variable, e.g. T and R for the
 * thermostats, a, b and c for Lorenz) by one step of length dt: s_{k+1} = f(k, s_k).
 * The node (i, k) of the causal network is variable i after k steps, at time k dt.
 *
 * Adding a system is one new file src/op_system_NAME.c that defines
 * `PetscErrorCode OdOpSystemCreate_NAME(OdOpSystem)` (fill in the variables, the step
 * function, the real parameters with their options and defaults, up to two word-valued
 * choices, and the defaults of the experiment), one line in the registry table of
 * src/op_system.c and one line in src/CMakeLists.txt.
 *
 * Parameters are read as `-op_OPTION` (OPTION as declared by the system, e.g. `k`,
 * `therm_theta`, `lorenz_rho`), only for the selected system, so an option of another
 * system is reported as unknown.
 */
#pragma once
#include <petscsys.h>
#include "optdyn/options.h"

#define OD_OP_MAX_VARS 8
#define OD_OP_MAX_PARAMS 12
#define OD_OP_MAX_CHOICES 2

typedef struct _n_OdOpSystem *OdOpSystem;

/** One step: out = f(k, in) where k is the index of the step being taken (in = s_k). */
typedef void (*OdOpStepFn)(const struct _n_OdOpSystem *sys, PetscInt k, const PetscReal in[], PetscReal out[]);

/**
 * Optional difference form of a step (recommended): advance W and ne differences at once,
 * wout = f(k, w) exactly as OdOpStepFn computes it, and eout[j] = f(k, w + e[j]) − f(k, w)
 * evaluated without cancellation (e.g. expanded algebraically), so that perturbations far
 * below the rounding error of w stay accurate. e and eout are ne x nvars, row-major.
 * Rows j >= clamp_from are clamped: their components in inA are 0 on input, must be treated
 * as 0 at every internal stage of the step (the clamped variables follow W inside the step,
 * which keeps a Runge-Kutta step consistent) and are 0 on output.
 */
typedef void (*OdOpDiffStepFn)(const struct _n_OdOpSystem *sys, PetscInt k, const PetscReal w[], PetscInt ne, const PetscReal e[], PetscInt clamp_from, const PetscBool inA[], PetscReal wout[], PetscReal eout[]);

/** A real parameter of a system, read as -op_OPTION. */
typedef struct {
  const char *option; /**< option name without "-op_", e.g. "therm_theta" */
  const char *help;
  OdRange range;
} OdOpParamSpec;

/** A word-valued choice of a system, read as -op_OPTION. */
typedef struct {
  const char *option, *help;
  const char *const *words;
  PetscInt nwords;
} OdOpChoiceSpec;

/** Defaults of the experiment that a system proposes (the command's options override them). */
typedef struct {
  PetscReal dt, t;                 /**< step and evaluation time */
  PetscReal x0[OD_OP_MAX_VARS];    /**< base initial state of the world W */
  const char *n, *m, *A;           /**< perturbed node, landscape target, clamped set (comma list) */
  PetscReal delta;                 /**< perturbation size */
  PetscReal s0_min, s0_max;        /**< landscape axis 0: initial value of node n */
  PetscInt s0_num;
  const char *s1;                  /**< landscape axis 1: a second node ("" for a 1-D landscape) */
  PetscReal s1_min, s1_max;
  PetscInt s1_num;
} OdOpDefaults;

struct _n_OdOpSystem {
  const char *name;  /**< -op_system value */
  const char *title; /**< one line */
  PetscInt nvars;
  const char *var[OD_OP_MAX_VARS];
  PetscReal dt; /**< step length (time per step) */
  OdOpStepFn step;
  OdOpDiffStepFn dstep; /**< optional; used for X and Y when set */
  PetscInt nparams;
  OdOpParamSpec pspec[OD_OP_MAX_PARAMS];
  PetscReal par[OD_OP_MAX_PARAMS]; /**< current values (defaults set by the create function) */
  PetscInt nchoices;
  OdOpChoiceSpec cspec[OD_OP_MAX_CHOICES];
  PetscInt choice[OD_OP_MAX_CHOICES];
  /** Optional cross-parameter check, called after the options are read (message names the option). */
  PetscErrorCode (*validate)(const struct _n_OdOpSystem *sys, MPI_Comm comm);
  /** Human-readable equations with the parameter values, for the output file. */
  void (*describe)(const struct _n_OdOpSystem *sys, char *buf, size_t len);
  OdOpDefaults def;
};

/** Names of the registered systems (NULL-terminated), e.g. thermostat, therm, lorenz. */
const char *const *OdOpSystemNames(void);
/** Create a system by name with its default parameters; fails (user input) for an unknown name. */
PetscErrorCode OdOpSystemCreate(MPI_Comm comm, const char *name, OdOpSystem *sys);
PetscErrorCode OdOpSystemDestroy(OdOpSystem *sys);
/** Read the system's parameters and choices (-op_OPTION) inside an "op_" PetscOptionsBegin block. */
PetscErrorCode OdOpSystemSetFromOptions(OdOpSystem sys, PetscOptionItems *PetscOptionsObject);
/** Set a parameter by option name (tests, tools); error if the system has no such parameter. */
PetscErrorCode OdOpSystemSetParam(OdOpSystem sys, const char *option, PetscReal value);
PetscErrorCode OdOpSystemGetParam(OdOpSystem sys, const char *option, PetscReal *value);
/** Set a choice by option name and word. */
PetscErrorCode OdOpSystemSetChoice(OdOpSystem sys, const char *option, const char *word);
/** Index of a variable by name, or -1. */
PetscInt OdOpSystemFindVar(OdOpSystem sys, const char *name);

