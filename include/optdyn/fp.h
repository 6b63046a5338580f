/**
 * @file fp.h
 * @brief Probability-current (Fokker-Planck) model of SGD on a DMDA, in 1-D or 2-D.
 *
 * One object, OdFP, for both dimensions (`-fp_dim 1|2`, or OdFPSetDimension()): one
 * lifecycle, one time loop, one output path. The density P(W, t) of the SGD parameter after
 * t steps obeys dP/dt = -div rho with
 *
 *     rho = v P - D grad P,   v = -T G - alpha (T^2/2) div S,   D = (T^2/2) s S
 *
 * (1-D: S = S2, the gradient variance; 2-D: S = Sigma, the 2x2 gradient covariance of
 * landscape2d.h; alpha = 1 Ito, 1/2 Stratonovich, 0 isothermal; s = `-fp_noise`, 0 = GD).
 *
 * Discretization: cell-centred finite volumes (one DMDA over the ranks). The face flux is
 * exponentially fitted (Scharfetter-Gummel):
 *
 *     rho_{i+1/2} = a P_i - c P_{i+1},  a = (k/h) B(-Pe),  c = (k/h) B(Pe),  B(x) = x/(e^x - 1)
 *
 * with a, c >= 0 for every input (an M-matrix: backward Euler keeps P >= 0 at any step), finite
 * and continuous as D -> 0 (upwind), evaluated without cancellation (expm1). 1-D: `-fp_flux
 * exact` (default) takes Pe from the integral of the potential, so the discrete zero-flux state
 * is the analytic P_inf at the cell centres; `sg` the midpoint Peclet number. 2-D: SG per axis
 * plus a sign-adapted cross-diffusion stencil (limited to keep the M-matrix by default).
 *
 * Time integration: backward Euler. 1-D with fixed steps: a fused step (tridiagonal solve and
 * flux-form update in two sweeps; exact partitioned solve across ranks). Otherwise, and with
 * `-fp_step ts`, PETSc TS (TS_LINEAR; (I/dt - A) refactored only when dt changes); all -ts_,
 * -ksp_, -pc_ options apply. See docs/fp.md.
 */
#pragma once
#include "optdyn/command.h"
#include <petscts.h>
#include <petscdmda.h>
#include "optdyn/landscape.h"
#include "optdyn/landscape2d.h"

typedef struct _n_OdFP *OdFP;

typedef enum { OD_FP_REFLECTING = 0, OD_FP_ABSORBING = 1 } OdFPBoundary;
typedef enum { OD_FP_INIT_NORMAL = 0, OD_FP_INIT_UNIFORM = 1, OD_FP_INIT_POINT = 2 } OdFPInit;
typedef enum { OD_FP_FLUX_EXACT = 0, OD_FP_FLUX_SG = 1 } OdFPFlux;

PetscErrorCode OdFPCreate(MPI_Comm comm, OdFP *fp);
/** Dimension 1 (default) or 2, before OdFPSetFromOptions (where -fp_dim overrides it). */
PetscErrorCode OdFPSetDimension(OdFP fp, PetscInt dim);
PetscErrorCode OdFPGetDimension(OdFP fp, PetscInt *dim);
/** Read -fp_dim, the landscape (-landscape or -landscape2d), -seed, -o, -quiet and the -fp_*
 *  options; configure TS/KSP from -ts_ etc. */
PetscErrorCode OdFPSetFromOptions(OdFP fp);
/** Validate, create the grid, assemble the operator. */
PetscErrorCode OdFPSetUp(OdFP fp);
/** Integrate to t_final recording the snapshots; then the stationary solve and the Monte
 *  Carlo validation when asked. Results stay in memory (OdFPGet*), OdFPWrite writes them. */
PetscErrorCode OdFPRun(OdFP fp);
/** OdFPRun with checkpoints (the `optdyn fp` command): every -fp_checkpoint_interval seconds
 *  at an output time, and when a stop is requested (optdyn/runctl.h): then the checkpoint
 *  OUTPUT.ckpt is written and *interrupted is PETSC_TRUE (write nothing). With -restart it
 *  continues from OUTPUT.ckpt; OdFPWrite removes the checkpoint. See docs/fp.md. */
PetscErrorCode OdFPRunResumable(OdFP fp, PetscBool *interrupted);
/** Write the HDF5 file (collective). */
PetscErrorCode OdFPWrite(OdFP fp);
PetscErrorCode OdFPView(OdFP fp, PetscViewer viewer);
PetscErrorCode OdFPDestroy(OdFP *fp);


/** Time history of a 1-D run (arrays of length nt, identical on every rank). */
typedef struct {
  PetscInt nt;
  const PetscReal *t, *mass, *mean, *std, *escaped;
  PetscReal P_min;      /**< smallest value of P over every accepted time step */
  PetscReal mass_drift; /**< max over snapshots of |mass + escaped - mass0| / mass0 */
  PetscInt steps;       /**< accepted time steps */
  PetscInt factorizations; /**< times (I/dt - A) was rebuilt (factor-once path, -fp_reuse_factor) */
  PetscInt linear_iterations; /**< Krylov iterations of the TS path over the run (0: fused step) */
} OdFPHistory;
PetscErrorCode OdFPGetHistory(OdFP fp, OdFPHistory *h);

/** Monte Carlo curves (after OdFPRun with -fp_validate); arrays of length nt. */
typedef struct {
  PetscInt walkers;
  const PetscReal *step;                   /**< MC step used for each output time (nearest integer) */
  const PetscReal *mean, *mean_err;        /**< mean of surviving walkers and its standard error */
  const PetscReal *std, *std_err;          /**< std of surviving walkers and its standard error */
  const PetscReal *escaped, *esc_lo, *esc_hi; /**< escaped fraction and Wilson 95% interval */
} OdFPMonteCarloResult;
PetscErrorCode OdFPGetMonteCarlo(OdFP fp, OdFPMonteCarloResult *mc);

/** Time history of a 2-D run (arrays identical on every rank). */
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
  PetscInt linear_iterations; /**< Krylov iterations over the run (1 per step for a direct solve) */
} OdFPHistory2D;
PetscErrorCode OdFPGetHistory2D(OdFP fp, OdFPHistory2D *h);

/** The 1-D grid: n cells, left end, cell width; the DMDA. */
PetscErrorCode OdFPGetGrid(OdFP fp, PetscInt *n, PetscReal *Wmin, PetscReal *h, DM *da);
/** The 2-D grid: nx x ny cells; the 2-D DMDA. */
PetscErrorCode OdFPGetGrid2D(OdFP fp, PetscInt *nx, PetscInt *ny, DM *da);
/** The current density (global Vec of the DMDA, cell averages) and the stationary one (1-D, or NULL). */
PetscErrorCode OdFPGetSolution(OdFP fp, Vec *P, Vec *P_stationary);
/** Whether the fused 1-D step (rather than PETSc TS) advances the density (after SetUp). */
PetscErrorCode OdFPGetStepMethod(OdFP fp, PetscBool *fused);

/* ---- kernels ---- */

/** B(x) = x / (e^x - 1), B(0) = 1, without cancellation. */
PetscReal OdFPBernoulli(PetscReal x);
/**
 * Scharfetter-Gummel face coefficients: flux = a P_left - c P_right over a distance dx,
 * with face drift v, diffusion D >= 0 and Peclet number Pe (normally v dx / D; the exact flux
 * passes the potential drop). a, c >= 0 always; D = 0 gives upwind.
 */
void OdFPFaceCoefficients(PetscReal v, PetscReal D, PetscReal dx, PetscReal Pe, PetscReal *a, PetscReal *c);
extern const OdCommand OdFPCommand; /* the `optdyn fp` command (1-D and 2-D) */
