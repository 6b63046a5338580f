/**
 * @file landscape.h
 * @brief 1-D loss landscapes built from datapoints (docs/models.md §1).
 *
 * A landscape has J datapoints with losses l_j(W) and gradients g_j(W) = dl_j/dW.
 * It provides, all analytically:
 *   L = mean_j l_j, G = mean_j g_j, S^2 = mean_j (g_j - G)^2 (population variance),
 *   and G', G'', S^2', S^2''.
 *
 * Families:
 *  - gauss:  l_j(W) = -sum_k a_jk exp(-b_jk (W - c_jk)^2)   (any J, any number of terms)
 *  - linear: g_j(W) = u_j W + v_j,  l_j = u_j W^2/2 + v_j W  (quadratic losses)
 *
 * Built-in names for `-landscape`: `seed` (l_0 = -exp(-(W-2)^2),
 * l_1 = -exp(-(W-2)^2) - exp(-100 (W-1)^2)), `spread` (g_0 = -1, g_1 = 1) and
 * `linear` (g_0 = 1.2W - 2, g_1 = 0.8W - 2).
 *
 * Custom landscapes: `-landscape FILE.yaml` with the schema (documented in README and
 * configs/landscape-example.yaml):
 * @code
 * landscape:
 *   family: gauss            # or linear
 *   datapoints: 2            # J
 *   point_0: "1 1 2"         # gauss: terms "a b c", separated by ';'
 *   point_1: "1 1 2; 1 100 1"
 *   # linear instead: u: "1.2, 0.8"  and  v: "-2, -2"
 * @endcode
 */
#pragma once
#include <petscsys.h>

typedef enum { OD_LANDSCAPE_GAUSS = 0, OD_LANDSCAPE_LINEAR = 1 } OdLandscapeFamily;

/** Maximum number of datapoints and of Gaussian terms per datapoint. */
#define OD_LANDSCAPE_MAX_DATA 64
#define OD_LANDSCAPE_MAX_TERMS 16

typedef struct _n_OdLandscape *OdLandscape;

/** Mean-field quantities at one W (all analytic). */
typedef struct {
  PetscReal L;                      /**< mean loss */
  PetscReal G, dG, d2G;             /**< mean gradient and its first two derivatives */
  PetscReal S2, dS2, d2S2;          /**< gradient variance and its first two derivatives */
} OdLandscapeMoments;

PetscErrorCode OdLandscapeCreate(MPI_Comm comm, OdLandscape *ls);
PetscErrorCode OdLandscapeDestroy(OdLandscape *ls);

/** Read the common option `-landscape NAME|FILE.yaml` (default `seed`). */
PetscErrorCode OdLandscapeSetFromOptions(OdLandscape ls);

/** Select a built-in landscape by name: seed, spread, linear. */
PetscErrorCode OdLandscapeSetBuiltin(OdLandscape ls, const char *name);

/** Load a custom landscape from a YAML file (schema above). */
PetscErrorCode OdLandscapeLoadYAML(OdLandscape ls, const char *path);

/** Set a Gaussian-wells landscape: datapoint j has nterms[j] terms, stored consecutively in a, b, c. */
PetscErrorCode OdLandscapeSetGauss(OdLandscape ls, PetscInt J, const PetscInt nterms[], const PetscReal a[], const PetscReal b[], const PetscReal c[]);

/** Set a linear-gradient landscape g_j = u_j W + v_j. */
PetscErrorCode OdLandscapeSetLinear(OdLandscape ls, PetscInt J, const PetscReal u[], const PetscReal v[]);

OdLandscapeFamily OdLandscapeGetFamily(OdLandscape ls);
PetscInt OdLandscapeGetNumData(OdLandscape ls);
/** Name as given ("seed", or the YAML path). */
const char *OdLandscapeGetName(OdLandscape ls);
/** One-line formula of the landscape, for provenance attributes. */
PetscErrorCode OdLandscapeDescribe(OdLandscape ls, char *buf, size_t len);

/** Gaussian terms of datapoint j (read-only view for fast kernels). */
void OdLandscapeGaussTerms(OdLandscape ls, PetscInt j, PetscInt *nterms, const PetscReal **a, const PetscReal **b, const PetscReal **c);

/** Loss l_j(W). */
PetscReal OdLandscapeLoss(OdLandscape ls, PetscInt j, PetscReal W);
/** Gradient g_j(W). */
PetscReal OdLandscapeGrad(OdLandscape ls, PetscInt j, PetscReal W);
/** g_j, g_j' and g_j'' at W. */
void OdLandscapeGradDerivs(OdLandscape ls, PetscInt j, PetscReal W, PetscReal d[3]);
/** L, G, G', G'', S^2, S^2', S^2'' at W. */
void OdLandscapeGetMoments(OdLandscape ls, PetscReal W, OdLandscapeMoments *m);

/** Selects the mean loss L in the locators below (otherwise a datapoint index j selects l_j). */
#define OD_LANDSCAPE_MEAN (-1)

/** The local minimum of L (j = OD_LANDSCAPE_MEAN) or of l_j reached by walking downhill from guess:
 *  the gradient's sign change is bracketed on a 1e-4 scan and bisected to round-off. */
PetscErrorCode OdLandscapeFindMinimum(OdLandscape ls, PetscInt j, PetscReal guess, PetscReal *Wmin);
/** The first local maximum of L (or l_j) to the right of W: where the gradient turns from + to -. */
PetscErrorCode OdLandscapeFindBarrierRight(OdLandscape ls, PetscInt j, PetscReal W, PetscReal *Wtop);

/** A stable gradient-descent fixed point where SGD's stationary density is a point mass. */
typedef struct {
  PetscReal W;     /**< location: G(W) = 0, G'(W) > 0 */
  PetscReal width; /**< the continuum model's local stationary width sqrt(T S2 / (2 G')) there */
} OdLandscapePointMass;

#define OD_LANDSCAPE_MAX_POINT_MASSES 8

/**
 * The stable gradient-descent fixed points W* in (Wmin, Wmax) (G(W*) = 0, G'(W*) > 0) whose
 * local stationary width sqrt(T S2(W*) / (2 G'(W*))) at learning rate T is below `resolution`
 * (e.g. a grid spacing): there S2 vanishes (or underflows), the zero-flux formula overflows and
 * the stationary density is a point mass. Pure landscape function (no communication).
 */
PetscErrorCode OdLandscapeFindPointMasses(OdLandscape ls, PetscReal T, PetscReal Wmin, PetscReal Wmax, PetscReal resolution, PetscInt *n, OdLandscapePointMass pm[]);
