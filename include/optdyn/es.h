/**
 * @file es.h
 * @brief `optdyn es`: parallel evolution strategies and variational optimization (docs/models.md §4).
 *
 * Minimizes f(w), w in R^d, with a Gaussian search distribution N(mu, Sigma):
 *  - ES (Algorithm 1 of the source): Sigma = sigma^2 I fixed (or on a schedule),
 *    grad_mu ~ 1/(N sigma) sum_n f(mu + sigma eps_n) eps_n;
 *  - VO (Algorithm 2): also sigma is learned, by the search gradient of the variational
 *    upper bound U(theta) = E_p[f]; univariate / isotropic / separable / layerwise (one
 *    sigma per group of coordinates given by the objective) Gaussians;
 *    regular gradients (in (mu, sigma^2)) or natural gradients (inverse Fisher, in
 *    (mu, log sigma), so sigma stays positive).
 *  Antithetic sampling, centered-rank fitness shaping, baseline subtraction, and SGD /
 *  momentum / Adam (with weight decay) on the search gradient.
 *
 * Parallel protocol: perturbation n of generation g is eps at RNG coordinates
 * (seed, stream OD_STREAM_ES; counter (g, n or n/2, component/4, run << 16)); rank r evaluates
 * a contiguous block of the N perturbations; ONE MPI_Allgatherv of the N scalar fitnesses
 * per generation is the only communication in the loop (plus a checksum allreduce every
 * -es_check_interval generations, which also carries the stop-signal flag); every rank then
 * rebuilds all perturbations and applies the identical update, summing in perturbation
 * order, so mu and sigma are bitwise identical on all ranks and for any rank count.
 */
#pragma once
#include "optdyn/command.h"
#include <petscsys.h>
#include "optdyn/rng.h"
#include "optdyn/simd.h"
#include "optdyn/es_objective.h"

typedef struct _n_OdEs *OdEs;

PetscErrorCode OdEsCreate(MPI_Comm comm, OdEs *es);
PetscErrorCode OdEsDestroy(OdEs *es);
/**
 * Add an objective to this object's table of -es_objective names (the built-ins are
 * registered by OdEsCreate()). Call after OdEsCreate() and before OdEsSetFromOptions();
 * registering an existing name replaces its constructor. Modules inside optdyn do this
 * from a start-up plugin of the es command (optdyn/command.h).
 */
PetscErrorCode OdEsRegisterObjective(OdEs es, const char *name, const char *help, OdEsObjectiveCreateFn create);
/** Read every -es_ option, -seed, -o, -quiet, -restart. Fails on bad values before any output. */
PetscErrorCode OdEsSetFromOptions(OdEs es);
PetscErrorCode OdEsSetUp(OdEs es);
/** Run the generations (and write the output file unless *interrupted). */
PetscErrorCode OdEsRun(OdEs es, PetscBool *interrupted);
PetscErrorCode OdEsView(OdEs es, PetscViewer viewer);

/** Current search mean (length d) and, after OdEsRun(), f at the final mean. */
PetscErrorCode OdEsGetMean(OdEs es, PetscInt *d, const PetscReal **mu, PetscReal *f_mu);

/** Kept for compatibility: the noise generator needs no initialization. */
void OdEsNoiseInit(void);
/**
 * Standard normals eps[0..n-1] = components c0..c0+n-1 of perturbation `index` of
 * generation `gen` in replicate `run` (run < 65536). A pure function of its arguments and
 * of the key of rng (seed, OD_STREAM_ES): any block split and any instruction-set level give
 * the same numbers (Philox4x32-10 + Box-Muller, see docs/es.md).
 */
void OdEsNoise(const OdRng *rng, uint32_t gen, uint32_t index, uint32_t run, PetscInt c0, PetscInt n, PetscReal eps[]);
/** OdEsNoise with a chosen kernel level (scalar = the plain reference); the same numbers. */
void OdEsNoiseSimd(OdSimdLevel level, const OdRng *rng, uint32_t gen, uint32_t index, uint32_t run, PetscInt c0, PetscInt n, PetscReal eps[]);
/**
 * The fused search-gradient sums over coordinates [c0, c1) (c0 a multiple of 32), the noise
 * regenerated on the fly and never stored: for k = 0..K-1 (members' noise `index` k; skipped
 * when a[k] == 0 and (b == NULL or b[k] == 0)), g[c - c0] += a[k] eps_kc and, if b,
 * s[c - c0] += b[k] eps_kc^2, with k ascending for every coordinate, so any coordinate split
 * and any level give the same bits.
 */
void OdEsAccumulateSimd(OdSimdLevel level, const OdRng *rng, uint32_t gen, uint32_t run, PetscInt K, const PetscReal a[], const PetscReal b[], PetscInt c0, PetscInt c1, PetscReal g[], PetscReal s[]);

/**
 * One plain gradient estimate of U at (mu, sigma^2 I) with N samples of generation `gen`
 * (serial; used by the variance study and the tests). Raw fitnesses, no shaping:
 *   g_mu = 1/(N sigma) sum_n f(mu + sigma eps_n) eps_n,
 *   g_var = 1/(2 N sigma^2) sum_n f(mu + sigma eps_n) (|eps_n|^2 - d)   (dU/dsigma^2).
 * With antithetic, eps_{2k+1} = -eps_{2k} (N even). work has length d.
 */
PetscErrorCode OdEsEstimateGradient(OdEsObjective obj, const OdRng *rng, uint32_t gen, uint32_t run, const PetscReal mu[], PetscReal sigma, PetscInt N, PetscBool antithetic, PetscReal work[], PetscReal g_mu[], PetscReal *g_var);
extern const OdCommand OdEsCommand; /* the `optdyn es` command */

/* ---- nnes2: importance mixing (src/es/es_mixing.c) ---- */

/** A Gaussian N(mu, diag(sigma^2)): nsigma = 1 (isotropic), d (separable) or G groups
    (layerwise: coordinate c has sigma[group[c]], group_size[g] coordinates share sigma[g]). */
typedef struct {
  PetscInt d, nsigma;
  const PetscReal *mu, *sigma;
  const PetscInt *group, *group_size; /* NULL unless layerwise */
} OdEsGaussian;

/**
 * Importance mixing (Sun et al., GECCO 2009): turn the population W[N][d] with fitnesses
 * f[N], drawn from `old`, into a population drawn from `cur`, reusing what it can.
 * Old member j is kept with probability min(1, (1 - alpha) p_cur(w_j)/p_old(w_j)); the kept
 * ones move to the front in their order (rows 0..R-1, fitnesses with them). Then fresh
 * candidates c = 0, 1, ... (w = mu + sigma eps_c, eps_c = OdEsNoise(noise, gen, c, run)) are
 * accepted with probability max(alpha, 1 - p_old(w)/p_cur(w)) into rows R..N-1 until the
 * population is full (their fitnesses are the caller's to compute). The uniforms come from
 * the generator keyed by (seed, replicate) with counter (gen, j or c, 0 keep / 1 fresh), so
 * the result is a pure function of its arguments. Returns R in *reused and the number of
 * fresh candidates drawn in *candidates. alpha in (0, 1] is the minimal refresh rate.
 */
PetscErrorCode OdEsImportanceMix(const OdRng *noise, uint32_t seed, uint32_t gen, uint32_t run, PetscReal alpha, OdEsGaussian old, OdEsGaussian cur, PetscInt N, PetscReal W[], PetscReal f[], PetscInt *reused, PetscInt *candidates);
