/**
 * @file landscape2d.h
 * @brief 2-D datapoint landscapes W = (x, y) in R^2 for the 2-D Fokker-Planck solver (docs/models.md §3).
 *
 * Datapoint j has the loss
 *
 *     l_j(w) = u_j . w - sum_k a_jk exp(-b_jk |w - c_jk|^2)
 *
 * (a constant-gradient part u_j plus isotropic Gaussian wells). Gradients g_j, Hessians H_j
 * and therefore all moments are analytic:
 *
 *     G = mean_j g_j,  Sigma = mean_j (g_j - G)(g_j - G)^T  (population covariance, 2x2),
 *     dG_i/dw_k,  dSigma_ab/dw_k = mean_j (dH_ak d_b + d_a dH_bk),  d = g_j - G, dH = H_j - mean H.
 *
 * Built-ins (`-landscape2d NAME`):
 *  - `wells` (default): 3 datapoints sharing a wide well exp(-|w|^2/2) at the origin, each
 *    with its own well 0.8 exp(-|w - c_j|^2) at c_j = (1, 0.5), (-0.6, 0.9), (-0.3, -1): full
 *    covariance with cross terms, non-zero at the minimum.
 *  - `diag`: 4 datapoints u = (+-1, 0), (0, +-0.5) plus the common wells of `wells`' first
 *    datapoint: drift from the wells, constant diagonal Sigma = diag(0.5, 0.125).
 *  - `spread`: u = (+-1, 0), (0, +-1), no wells: G = 0, Sigma = I/2 (isotropic pure diffusion).
 * Custom: `-landscape2d custom -landscape2d_datapoints J -landscape2d_point_j "a b cx cy; ..."`
 * and optionally `-landscape2d_linear_j "ux uy"`.
 */
#pragma once
#include <petscsys.h>

#define OD_LANDSCAPE2D_MAX_DATA 32
#define OD_LANDSCAPE2D_MAX_TERMS 16

typedef struct _n_OdLandscape2D *OdLandscape2D;

/** Moments at one point (all analytic). Sigma stored as S[0] = xx, S[1] = xy, S[2] = yy. */
typedef struct {
  PetscReal L;          /**< mean loss */
  PetscReal G[2];       /**< mean gradient */
  PetscReal dG[2][2];   /**< dG[i][k] = d G_i / d w_k (mean Hessian) */
  PetscReal S[3];       /**< gradient covariance xx, xy, yy */
  PetscReal dS[3][2];   /**< dS[a][k] = d S[a] / d w_k */
} OdLandscape2DMoments;

PetscErrorCode OdLandscape2DCreate(MPI_Comm comm, OdLandscape2D *ls);
PetscErrorCode OdLandscape2DDestroy(OdLandscape2D *ls);
/** Read `-landscape2d NAME` (default wells) and, for `custom`, the datapoint options. */
PetscErrorCode OdLandscape2DSetFromOptions(OdLandscape2D ls);
/** Built-in by name: wells, diag, spread. */
PetscErrorCode OdLandscape2DSetBuiltin(OdLandscape2D ls, const char *name);
/** Datapoint j: nterms[j] wells stored consecutively in a, b, cx, cy; u[2j], u[2j+1] its constant gradient (u may be NULL). */
PetscErrorCode OdLandscape2DSetWells(OdLandscape2D ls, PetscInt J, const PetscInt nterms[], const PetscReal a[], const PetscReal b[], const PetscReal cx[], const PetscReal cy[], const PetscReal u[]);
const char *OdLandscape2DGetName(OdLandscape2D ls);
PetscInt OdLandscape2DGetNumData(OdLandscape2D ls);
PetscErrorCode OdLandscape2DDescribe(OdLandscape2D ls, char *buf, size_t len);
/** Loss l_j, gradient g_j and Hessian H_j (row-major H[2][2]) of datapoint j at (x, y). */
void OdLandscape2DDatapoint(OdLandscape2D ls, PetscInt j, PetscReal x, PetscReal y, PetscReal *l, PetscReal g[2], PetscReal H[2][2]);
void OdLandscape2DGetMoments(OdLandscape2D ls, PetscReal x, PetscReal y, OdLandscape2DMoments *m);
