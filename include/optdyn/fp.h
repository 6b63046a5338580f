/**
 * @file fp.h
 * @brief Probability-current (Fokker-Planck) model of SGD on a DMDA (SPEC §3).
 *
 * The density P(W, t) of the SGD parameter after t steps obeys dP/dt = -d rho/dW with
 *
 *     rho = v P - D dP/dW,   v = -T G - alpha (T^2/2) dS2/dW,   D = (T^2/2) S2
 *
 * (alpha = 1 Ito, 1/2 Stratonovich, 0 isothermal; S2 may be scaled by `-fp_noise`, 0 = GD).
 *
 * Discretization: cell-centred finite volumes on [Wmin, Wmax] (n cells of width h, one
 * DMDA over the ranks). The face flux is exponentially fitted (Scharfetter-Gummel):
 *
 *     rho_{i+1/2} = a P_i - c P_{i+1},  a = (k/h) B(-Pe),  c = (k/h) B(Pe),  B(x) = x/(e^x - 1)
 *
 * with a, c >= 0 for every input (so the matrix is an M-matrix and backward Euler keeps
 * P >= 0 at any step), finite and continuous as D -> 0 (then a = max(v, 0), c = max(-v, 0):
 * upwind), and evaluated without cancellation (expm1). The zero-flux ratio is
 * P_{i+1}/P_i = a/c = e^{Pe} exactly. `-fp_flux exact` (default) takes Pe = -(phi_{i+1} -
 * phi_i) with phi = int 2G/(T S2) dW + alpha ln S2 (8-point Gauss-Legendre per cell, the ln
 * term exact), so the discrete zero-flux state is the analytic P_inf at the cell centres;
 * `-fp_flux sg` takes Pe = v h / D at the face midpoint. See docs/fp.md.
 *
 * Time integration: PETSc TS on the linear problem (TS_LINEAR, constant Jacobian); default
 * backward Euler with adaptive steps; (I/dt - A) is rebuilt and factored only when dt changes
 * (-fp_reuse_factor); 1 rank: tridiagonal LU without pivoting (-fp_thomas), several ranks
 * GMRES + block Jacobi. All -ts_,
 * -ksp_, -pc_ options apply; the stationary solve uses the prefix -fp_stationary_.
 */
#pragma once
#include "optdyn/command.h"
#include <petscts.h>
#include <petscdmda.h>
#include "optdyn/landscape.h"

typedef struct _n_OdFP *OdFP;

typedef enum { OD_FP_REFLECTING = 0, OD_FP_ABSORBING = 1 } OdFPBoundary;
typedef enum { OD_FP_INIT_NORMAL = 0, OD_FP_INIT_UNIFORM = 1, OD_FP_INIT_POINT = 2 } OdFPInit;
typedef enum { OD_FP_FLUX_EXACT = 0, OD_FP_FLUX_SG = 1 } OdFPFlux;

PetscErrorCode OdFPCreate(MPI_Comm comm, OdFP *fp);
/** Read -landscape, -seed, -o, -quiet and the -fp_* options; configure TS/KSP from -ts_ etc. */
PetscErrorCode OdFPSetFromOptions(OdFP fp);
/** Validate, create the grid, assemble the operator. */
PetscErrorCode OdFPSetUp(OdFP fp);
/** Integrate to t_final recording the snapshots; then the stationary solve and the Monte
 *  Carlo validation when asked. Results stay in memory (OdFPGet*), OdFPWrite writes them. */
PetscErrorCode OdFPRun(OdFP fp);
/** Write the HDF5 file (collective). */
PetscErrorCode OdFPWrite(OdFP fp);
PetscErrorCode OdFPView(OdFP fp, PetscViewer viewer);
PetscErrorCode OdFPDestroy(OdFP *fp);


/** Time history of the run (arrays of length nt, identical on every rank). */
typedef struct {
  PetscInt nt;
  const PetscReal *t, *mass, *mean, *std, *escaped;
  PetscReal P_min;      /**< smallest value of P over every accepted time step */
  PetscReal mass_drift; /**< max over snapshots of |mass + escaped - mass0| / mass0 */
  PetscInt steps;       /**< accepted time steps */
  PetscInt factorizations; /**< times (I/dt - A) was rebuilt (factor-once path, -fp_reuse_factor) */
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

/** The grid: n cells, left end, cell width; the DMDA. */
PetscErrorCode OdFPGetGrid(OdFP fp, PetscInt *n, PetscReal *Wmin, PetscReal *h, DM *da);
/** The current density (global Vec of the DMDA, cell averages) and the stationary one (or NULL). */
PetscErrorCode OdFPGetSolution(OdFP fp, Vec *P, Vec *P_stationary);

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
