/**
 * @file es_objective.h
 * @brief Black-box objectives f: R^d -> R for `optdyn es` (docs/models.md §4), and the plug-in interface.
 *
 * An objective is a small object with an evaluation callback `f(w)` (a pure function of w:
 * same w, same bits, on every rank), so anything that can compute a scalar loss from a
 * parameter vector can be optimized. Objectives that need more (a whole population at
 * once, mini-batches chosen per generation, per-example perturbations, sampling in
 * activation space) add the optional population hook described below.
 *
 * Registration: the table of `-es_objective` names belongs to one OdEs object (no global
 * registry). OdEsCreate() registers the built-ins; a program or a module adds its own with
 * OdEsRegisterObjective() (include/optdyn/es.h) after OdEsCreate() and before
 * OdEsSetFromOptions(). Inside optdyn, a module that provides objectives does this from a
 * start-up plugin listed for the `es` command (include/optdyn/command.h, OdCommandPlugin),
 * so es never depends on the modules that provide objectives.
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
#include "optdyn/rng.h"

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

/**
 * Build one of the built-in objectives by name (reads its options from PetscOptionsObject).
 * The OdEs object registers these in OdEsCreate(); tests may build them directly.
 */
PetscErrorCode OdEsObjectiveCreateByName(PetscOptionItems *PetscOptionsObject, const char *name, PetscInt d, OdEsObjective *obj);
/** Build an objective with constructor `create` under `name` (what OdEs does for -es_objective). */
PetscErrorCode OdEsObjectiveCreateWith(PetscOptionItems *PetscOptionsObject, const char *name, OdEsObjectiveCreateFn create, PetscInt d, OdEsObjective *obj);
/** The ctx given to OdEsObjectiveSetEval() (for hooks). */
void *OdEsObjectiveGetContext(OdEsObjective obj);
/** The built-in objectives, in order: count, and name/help/constructor of entry i. */
PetscInt OdEsObjectiveBuiltinCount(void);
void OdEsObjectiveBuiltin(PetscInt i, const char **name, const char **help, OdEsObjectiveCreateFn *create);

/** An empty objective (used by constructors and by tests that build one by hand). */
PetscErrorCode OdEsObjectiveCreateEmpty(MPI_Comm comm, OdEsObjective *obj);
PetscErrorCode OdEsObjectiveDestroy(OdEsObjective *obj);

/** Set the callbacks; ctx is owned by the objective when destroy is given. */
PetscErrorCode OdEsObjectiveSetEval(OdEsObjective obj, OdEsEvalFn eval, OdEsGradFn grad, OdEsBasinFn basin, OdEsDestroyFn destroy, void *ctx);
/** Dimension; default start mu0 (may be NULL: zeros) and default sigma0. */
PetscErrorCode OdEsObjectiveSetDimension(OdEsObjective obj, PetscInt d);
PetscErrorCode OdEsObjectiveSetDefaults(OdEsObjective obj, const PetscReal mu0[], PetscReal sigma0);
/** Known minima (row-major [n, d]) with their f values, named for output. */
PetscErrorCode OdEsObjectiveSetMinima(OdEsObjective obj, PetscInt n, const PetscReal x[], const PetscReal f[]);

/**
 * Optional partition of the d coordinates into G groups, for `-es_distribution layerwise`
 * (one sigma per group; e.g. the mlp objective: one group for each layer's weights and one
 * for its biases). group[i] in [0, G) for every coordinate, every group non-empty; names[g]
 * (< 64 characters) label the groups in the output. Copied. Objectives without groups refuse
 * layerwise.
 */
PetscErrorCode OdEsObjectiveSetGroups(OdEsObjective obj, PetscInt ngroups, const PetscInt group[], const char *const names[]);
/** The partition: G (0 when the objective has none), group index per coordinate [d], names [G]. */
void OdEsObjectiveGetGroups(OdEsObjective obj, PetscInt *ngroups, const PetscInt **group, const char *const **names);

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

/* ------------------------------------------------------------------------------------
 * The population hook (optional): for objectives that need more than f(w).
 *
 * Each generation es asks every rank for the fitnesses of its block [lo, hi) of the N
 * members, gathers the N scalars, shapes them into utilities and updates the search
 * distribution (mean mu, standard deviations sigma). Without a hook, member n is
 * evaluated as f(w_n) one at a time. With a hook:
 *
 *  - `evaluate` receives the whole block at once, with the generation's OdEsGeneration
 *    (generation counter g, replicate, mu, sigma, N, antithetic). It may
 *      * build the members' parameters itself with OdEsMemberParameters() (the same w_n as
 *        es uses), e.g. to evaluate them as one batched matrix product;
 *      * choose a mini-batch that depends on the generation: OdEsGenerationRng() gives a
 *        counter-based generator keyed by (seed, generation) — the same on every rank, so
 *        every member of a generation sees the same batch and a restarted run the same
 *        batches;
 *      * draw per-example perturbations with OdEsExampleNoise(), keyed by
 *        (seed, generation, member, example, unit).
 *    Its fitness values must not depend on lo/hi (how members are split over ranks).
 *
 *  - parameter_noise = PETSC_TRUE (default): member n IS w_n = mu + s_n sigma * eps_n
 *    (OdEsMemberParameters); es rebuilds eps_n for the search gradient as usual.
 *
 *  - parameter_noise = PETSC_FALSE: the objective samples in activation space (local
 *    reparameterization: the pre-activations of a layer with weights ~ N(mu, sigma^2) are
 *    Gaussian with mean x.mu and variance (x^2).sigma^2, drawn per example with
 *    OdEsExampleNoise()), so the members are not points w_n. It then also provides
 *    `search_gradient`, which receives the utilities u[0..N-1] of all members (after
 *    shaping, identical on every rank) and returns the search gradient in the form es
 *    would otherwise compute: g_mu[d] and g_sigma[nsigma] (natural or regular as
 *    `info->natural` says; see docs/es.md). A layerwise distribution (gen->group set) wants
 *    one sigma-gradient per group: natural, the mean over the group's coordinates of the
 *    per-coordinate natural gradient sigma_i^2 dU/dsigma_i^2; regular, the sum of dU/dsigma_i^2. It is called on every rank with the same
 *    arguments and must return bitwise the same result on every rank (it may communicate on
 *    info->comm, e.g. to sum per-rank parts in a fixed order).
 * ------------------------------------------------------------------------------------ */

/** What a population hook learns about the current generation. */
typedef struct {
  MPI_Comm comm;           /**< the es communicator (for search_gradient only) */
  const OdRng *rng;        /**< key (seed, OD_STREAM_ES) of the parameter noise */
  uint32_t seed;           /**< the run's -seed */
  PetscInt generation;     /**< generation counter g within the replicate (0-based) */
  PetscInt replicate;      /**< replicate index (runs x sigma0 list) */
  PetscInt d;              /**< dimension */
  const PetscReal *mu;     /**< search mean, length d */
  const PetscReal *sigma;  /**< nsigma standard deviations (1: isotropic, d: separable, G: layerwise) */
  PetscInt nsigma;
  PetscInt population;     /**< N */
  PetscBool antithetic;    /**< members 2k, 2k+1 are +eps_k, -eps_k */
  PetscBool natural;       /**< natural gradients (see search_gradient) */
  PetscInt generations;    /**< G, generations per replicate */
  /** Importance mixing (-es_importance_mixing): the members' parameters, row n = member n
      (N x d), filled by es; NULL otherwise. OdEsMemberParameters() copies row n when set. */
  const PetscReal *members;
  /** -es_distribution layerwise: group index of every coordinate (length d; sigma of
      coordinate i is sigma[group[i]]) and the number of coordinates of each group (length
      nsigma); both NULL for the isotropic and separable distributions. Read sigma_i with
      OdEsGenerationSigma(). */
  const PetscInt *group;
  const PetscInt *group_size;
} OdEsGeneration;

/** Index into sigma[] of coordinate i for nsigma standard deviations and a group map (NULL:
    isotropic when nsigma = 1, separable otherwise). */
static inline PetscInt OdEsSigmaIndex(PetscInt nsigma, const PetscInt *group, PetscInt i) { return nsigma == 1 ? 0 : (group ? group[i] : i); }
/** The standard deviation of coordinate i of the generation's search distribution. */
static inline PetscReal OdEsGenerationSigma(const OdEsGeneration *gen, PetscInt i) { return gen->sigma[OdEsSigmaIndex(gen->nsigma, gen->group, i)]; }
/** Number of coordinates that share sigma[j] (d for isotropic, 1 for separable, n_j for layerwise). */
static inline PetscInt OdEsGenerationGroupSize(const OdEsGeneration *gen, PetscInt j) { return gen->nsigma == 1 ? gen->d : (gen->group_size ? gen->group_size[j] : 1); }

/** Fitness of members lo..hi-1 (fitness[n - lo]). */
typedef PetscErrorCode (*OdEsPopulationEvalFn)(void *ctx, const OdEsGeneration *gen, PetscInt lo, PetscInt hi, PetscReal fitness[]);
/** Search gradient from the utilities u[0..N-1] (only for parameter_noise = PETSC_FALSE). */
typedef PetscErrorCode (*OdEsSearchGradientFn)(void *ctx, const OdEsGeneration *gen, const PetscReal u[], PetscReal g_mu[], PetscReal g_sigma[]);

typedef struct {
  OdEsPopulationEvalFn evaluate;        /**< required */
  OdEsSearchGradientFn search_gradient; /**< required iff !parameter_noise */
  PetscBool parameter_noise;            /**< members are w_n = mu + s_n sigma eps_n */
  /** The hook builds member n as OdEsMemberParameters(gen, n) (or honours gen->members) and
      its fitness depends only on those parameters and the generation: importance mixing may
      reuse members of the previous generation (default false: -es_importance_mixing refused). */
  PetscBool reusable_members;
} OdEsPopulationHook;

/** Attach a population hook (uses the objective's ctx). */
PetscErrorCode OdEsObjectiveSetPopulationHook(OdEsObjective obj, const OdEsPopulationHook *hook);
/** The hook, or NULL. */
const OdEsPopulationHook *OdEsObjectiveGetPopulationHook(OdEsObjective obj);

/** Parameters of member n: w = mu + s_n sigma eps_k (k = n, or n/2 with s_n = -1 for odd n when antithetic). */
void OdEsMemberParameters(const OdEsGeneration *gen, PetscInt n, PetscReal w[]);

/** A generator keyed by (seed, generation, replicate): e.g. to pick the generation's mini-batch. */
OdRng OdEsGenerationRng(const OdEsGeneration *gen);

/**
 * Standard normals z[0..n-1] for units unit0..unit0+n-1 of example `example` of member
 * `member` in this generation: a pure function of (seed, generation, replicate, member,
 * example, unit), independent of the parameter noise, of rank count and of block split.
 */
void OdEsExampleNoise(const OdEsGeneration *gen, PetscInt member, PetscInt example, PetscInt unit0, PetscInt n, PetscReal z[]);

/* ------------------------------------------------------------------------------------
 * Monitoring (optional): per-generation metrics, model selection and final metrics.
 *
 * After each generation's update es calls `record` on every rank with the generation's
 * OdEsGeneration (mu is the updated mean); it fills values[0..n-1] (NaN where a metric is
 * not measured in this generation, e.g. a validation loss measured every K generations)
 * and *score (lower is better; NaN: no score this generation). es keeps the mean with the
 * lowest score as `mu_best`. The values become datasets /es/metrics/NAME [G] (replicate
 * 0) and are part of the checkpoint. At the end `final` receives the final and the best
 * mean and fills nfinal values, written as attributes of /es/metrics. Both must give the
 * same bits on every rank (no communication needed: every rank holds mu).
 * ------------------------------------------------------------------------------------ */
typedef PetscErrorCode (*OdEsMetricsFn)(void *ctx, const OdEsGeneration *gen, PetscReal values[], PetscReal *score);
typedef PetscErrorCode (*OdEsFinalMetricsFn)(void *ctx, PetscInt d, const PetscReal mu_final[], const PetscReal mu_best[], PetscReal values[]);

#define OD_ES_MAX_METRICS 16
typedef struct {
  PetscInt n;                                /**< number of per-generation metrics */
  const char *names[OD_ES_MAX_METRICS];      /**< dataset names */
  const char *units[OD_ES_MAX_METRICS];
  const char *descriptions[OD_ES_MAX_METRICS];
  OdEsMetricsFn record;
  PetscInt nfinal;                           /**< number of final values (attributes) */
  const char *final_names[OD_ES_MAX_METRICS];
  OdEsFinalMetricsFn final;
} OdEsMetrics;

/** Attach monitoring to an objective (copied; the strings must outlive the objective). */
PetscErrorCode OdEsObjectiveSetMetrics(OdEsObjective obj, const OdEsMetrics *metrics);
/** The monitoring, or NULL. */
const OdEsMetrics *OdEsObjectiveGetMetrics(OdEsObjective obj);
