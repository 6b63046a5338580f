/**
 * @file fp2d.h
 * @brief 2-D probability-current (Fokker-Planck) model of SGD (SPEC §3, last paragraph).
 *
 * W = (x, y) in R^2, datapoint landscape of landscape2d.h (vector mean gradient G, 2x2 gradient
 * covariance Sigma). Ito (alpha = 1) form:
 *
 *     dP/dt = div(T G P) + (T^2/2) sum_ab d_a d_b (Sigma_ab P) = -div J,
 *     J = v P - D grad P,  v = -T G - alpha (T^2/2) div Sigma,  D = (T^2/2) s Sigma
 *
 * (s = -fp_noise). Cell-centred finite volumes on a 2-D DMDA (nx x ny cells, split over the
 * ranks), reflecting (zero-flux) walls. Axis fluxes: the exponentially fitted
 * Scharfetter-Gummel face flux of the 1-D solver per direction, with v_x, D_xx on x faces and
 * v_y, D_yy on y faces. Cross diffusion div(D_xy (d_y P, d_x P)): per 2x2 block of cells around
 * each interior vertex, a symmetric exchange of weight |D_xy|/(hx hy) along the block diagonal
 * whose direction matches the sign of D_xy (SW-NE for D_xy > 0, SE-NW for D_xy < 0), and weight
 * -|D_xy|/(2 hx hy) along the four block sides (the sign-adapted 7-point stencil of 2 D_xy
 * d_xy P). Every exchange is a flux between two cells, so mass is conserved exactly; the matrix
 * has the M-matrix sign structure (P >= 0 for backward Euler at any step) on a face iff the
 * fitted axis coefficients stay >= the side weight, for pure diffusion
 * |D_xy| <= min(D_xx hy/hx, D_yy hx/hy). Violations are counted and reported. See docs/fp.md.
 *
 * Time integration: PETSc TS (TS_LINEAR), default backward Euler with fixed step -fp_dt; the
 * matrix (I/dt - A) is factored once per distinct step size.
 */
#pragma once
#include <petscts.h>
#include <petscdmda.h>
#include "optdyn/landscape2d.h"

typedef struct _n_OdFP2D *OdFP2D;

PetscErrorCode OdFP2DCreate(MPI_Comm comm, OdFP2D *fp);
PetscErrorCode OdFP2DSetFromOptions(OdFP2D fp);
PetscErrorCode OdFP2DSetUp(OdFP2D fp);
PetscErrorCode OdFP2DRun(OdFP2D fp);
PetscErrorCode OdFP2DWrite(OdFP2D fp);
PetscErrorCode OdFP2DView(OdFP2D fp, PetscViewer viewer);
PetscErrorCode OdFP2DDestroy(OdFP2D *fp);

/** Time history (arrays identical on every rank). */
typedef struct {
  PetscInt nt;
  const PetscReal *t, *mass;
  const PetscReal *mean; /**< [nt][2] */
  const PetscReal *cov;  /**< [nt][3]: xx, xy, yy */
  PetscReal P_min, mass_drift;
  PetscInt steps;
  PetscInt negative_offdiag; /**< off-diagonal matrix entries < 0 (M-matrix violated by cross diffusion) */
  PetscInt factorizations;   /**< times (I/dt - A) was rebuilt */
  PetscInt cross_limited;    /**< blocks whose cross weight was scaled down (-fp_cross limited) */
} OdFP2DHistory;
PetscErrorCode OdFP2DGetHistory(OdFP2D fp, OdFP2DHistory *h);
/** Grid and the current density (global Vec of the 2-D DMDA). */
PetscErrorCode OdFP2DGetGrid(OdFP2D fp, PetscInt *nx, PetscInt *ny, DM *da, Vec *P);
