/**
 * @file es_objective.h
 * @brief Black-box objectives f: R^d -> R for `optdyn es` (SPEC §4), and the plug-in interface.
 *
 * An objective is a small object with an evaluation callback. ES/VO only ever calls
 * `eval` (a pure function of w: same w, same bits, on every rank), so anything that can
 * compute a scalar loss from a parameter vector can be optimized: a later module plugs in a
 * neural-network loss by registering a constructor with OdEsObjectiveRegister() and is then
 * selectable with `-es_objective NAME`.
 *
 * Built-in objectives (names for -es_objective):
 *  - `himmelblau`  (d = 2)  (x^2 + y - 11)^2 + (x + y^2 - 7)^2, four minima with f = 0
 *  - `sinc`        (d = 1)  1 - sinc(h round(w/h)), sinc(x) = sin(pi x)/(pi x): discretized,
 *                            piecewise constant, non-differentiable; h = -es_sinc_step
 *  - `twowells`    (d = 1)  narrow deep Gaussian well next to a wide shallow one
 *  - `rosenbrock`  (any d >= 2) sum_i 100 (w_{i+1} - w_i^2)^2 + (1 - w_i)^2
 *  - `rastrigin`   (any d)  10 d + sum_i (w_i^2 - 10 cos(2 pi w_i))
 *  - `sphere`      (any d)  sum_i a (w_i - c)^2 + b   (quadratic; a, b, c from options)
 *  - `linear`      (any d)  b + a sum_i w_i           (odd part only, for variance tests)
 */
#pragma once
#include <petscsys.h>

typedef struct _n_OdEsObjective *OdEsObjective;

/** f(w) for w in R^d. Must be deterministic and must not communicate. */
typedef PetscErrorCode (*OdEsEvalFn)(void *ctx, PetscInt d, const PetscReal w[], PetscReal *f);
/** Optional analytic gradient (used by the variance study for the predicted variance). */
typedef PetscErrorCode (*OdEsGradFn)(void *ctx, PetscInt d, const PetscReal w[], PetscReal g[]);
/** Optional basin classification: index of the known minimum whose basin holds w, or -1. */
typedef PetscInt (*OdEsBasinFn)(void *ctx, PetscInt d, const PetscReal w[]);
/** Optional destructor of ctx. */
typedef PetscErrorCode (*OdEsDestroyFn)(void *ctx);

/**
 * Constructor of a registered objective. Called inside the command's options block
 * (PetscOptionsObject is the `-es_` block), so it may read its own options with the
 * getters of options.h (e.g. "-sinc_step" becomes -es_sinc_step). `d` is the dimension
 * requested by -es_mu0 (0 when not given); the constructor sets the dimension it
 * accepts with OdEsObjectiveSetDimension() and fails with PETSC_ERR_USER_INPUT otherwise.
 */
typedef PetscErrorCode (*OdEsObjectiveCreateFn)(PetscOptionItems *PetscOptionsObject, PetscInt d, OdEsObjective obj);

/** Add an objective to the table of -es_objective names (call before the command reads options). */
PetscErrorCode OdEsObjectiveRegister(const char *name, const char *help, OdEsObjectiveCreateFn create);

/** Names of all registered objectives, comma-separated (for help and error messages). */
PetscErrorCode OdEsObjectiveList(char *buf, size_t len);

/** An empty objective (used by constructors and by tests that build one by hand). */
PetscErrorCode OdEsObjectiveCreateEmpty(MPI_Comm comm, OdEsObjective *obj);
/** Build objective `name` (must be registered); reads its options from PetscOptionsObject. */
PetscErrorCode OdEsObjectiveCreateByName(PetscOptionItems *PetscOptionsObject, const char *name, PetscInt d, OdEsObjective *obj);
PetscErrorCode OdEsObjectiveDestroy(OdEsObjective *obj);

/** Set the callbacks; ctx is owned by the objective when destroy is given. */
PetscErrorCode OdEsObjectiveSetEval(OdEsObjective obj, OdEsEvalFn eval, OdEsGradFn grad, OdEsBasinFn basin, OdEsDestroyFn destroy, void *ctx);
/** Dimension; default start mu0 (may be NULL: zeros) and default sigma0. */
PetscErrorCode OdEsObjectiveSetDimension(OdEsObjective obj, PetscInt d);
PetscErrorCode OdEsObjectiveSetDefaults(OdEsObjective obj, const PetscReal mu0[], PetscReal sigma0);
/** Known minima (row-major [n, d]) with their f values, named for output. */
PetscErrorCode OdEsObjectiveSetMinima(OdEsObjective obj, PetscInt n, const PetscReal x[], const PetscReal f[]);

const char *OdEsObjectiveGetName(OdEsObjective obj);
PetscInt OdEsObjectiveGetDimension(OdEsObjective obj);
/** Default mu0 (length d) and sigma0. */
void OdEsObjectiveGetDefaults(OdEsObjective obj, const PetscReal **mu0, PetscReal *sigma0);
/** Known minima: count, coordinates [n, d], values [n] (NULL when none). */
void OdEsObjectiveGetMinima(OdEsObjective obj, PetscInt *n, const PetscReal **x, const PetscReal **f);
/** A one-line description with parameter values (stored as an HDF5 attribute). */
const char *OdEsObjectiveGetFormula(OdEsObjective obj);
PetscErrorCode OdEsObjectiveSetFormula(OdEsObjective obj, const char *formula);

/** f(w). */
PetscErrorCode OdEsObjectiveEval(OdEsObjective obj, const PetscReal w[], PetscReal *f);
/** Gradient (analytic if provided, otherwise central differences with step 1e-6 max(1,|w_i|)). */
PetscErrorCode OdEsObjectiveGradient(OdEsObjective obj, const PetscReal w[], PetscReal g[]);
/** Basin index of w (-1 if the objective does not classify or w is in none). */
PetscInt OdEsObjectiveBasin(OdEsObjective obj, const PetscReal w[]);
