/**
 * @file oscillator.h
 * @brief Optimizers as damped oscillators (docs/models.md §7): `optdyn oscillator`.
 *
 * Optimizers (GD, heavy-ball momentum, Nesterov, Adam, RMSProp) run on a problem f
 * (1-D quadratic, ill-conditioned rotated 2-D quadratic, a §1 landscape, Rosenbrock,
 * Himmelblau). Each (optimizer, eta, beta) is mapped, per eigen-direction of the Hessian
 * K at the minimum (curvature lambda), to the damped oscillator
 *
 *     m x'' + c x' + lambda x = 0,   one optimizer step = time h,
 *
 * heavy ball  x_{k+1} = x_k - eta grad f(x_k) + beta (x_k - x_{k-1}):
 *     m = h^2/eta, c = (1 - beta) h/eta,  zeta = (1 - beta) / (2 sqrt(eta lambda)),
 *     with the convention h = sqrt(eta) (so m = 1);
 * GD (beta = 0, h = eta): m = eta -> 0 (the massless limit), c = 1, the ODE beside the
 *     iterates is the gradient flow x' = -grad f;
 * Nesterov: m = h^2/eta, c = h ((1 - beta)/eta + beta lambda) (Hessian-driven damping);
 * Adam / RMSProp: their own ODEs (x, m, v) for trajectories; the predicted asymptotic
 *     rate is that of the eps-dominated linearization (heavy ball with eta (1 - beta1)/eps,
 *     GD with eta/eps).
 *
 * The exact discrete prediction is the root of the characteristic polynomial
 * r^2 - a r + b = 0 of the iteration on each eigen-direction (see OdOscModeCompute);
 * the *measured* rate is the per-step contraction of the phase-space distance to the
 * minimum over the second half of a run (OdOscMeasure).
 */
#pragma once
#include "optdyn/command.h"
#include <petscsys.h>
#include <petscviewer.h>
#include "optdyn/landscape.h"
#include "optdyn/simd.h"

#define OD_OSC_MAXDIM 2

typedef enum { OD_OSC_GD = 0, OD_OSC_MOMENTUM, OD_OSC_NESTEROV, OD_OSC_ADAM, OD_OSC_RMSPROP } OdOscOptimizer;
typedef enum { OD_OSC_QUAD1D = 0, OD_OSC_QUAD2D, OD_OSC_LANDSCAPE, OD_OSC_ROSENBROCK, OD_OSC_HIMMELBLAU } OdOscProblemKind;

/** Regimes. Predicted from the characteristic roots; measured from sign changes of the
 *  displacement along an eigen-direction (measurement cannot tell critical from over-damped:
 *  both are reported as OD_OSC_OVERDAMPED, "monotone"). */
typedef enum {
  OD_OSC_UNDETERMINED = -1,
  OD_OSC_OVERDAMPED = 0,  /**< real positive dominant root: monotone approach */
  OD_OSC_CRITICAL = 1,    /**< double positive root */
  OD_OSC_UNDERDAMPED = 2, /**< complex roots: oscillation */
  OD_OSC_ALTERNATING = 3, /**< negative dominant real root: sign flips every step (overshoot) */
  OD_OSC_UNSTABLE = 4     /**< spectral radius >= 1 */
} OdOscRegime;

extern const char *const OdOscOptimizerNames[];
extern const char *const OdOscProblemNames[];
extern const char *const OdOscRegimeNames[]; /* indexed by regime code 0..4 */

/** A problem: f, gradient, Hessian, the minimum and the Hessian's eigen-decomposition there. */
typedef struct {
  OdOscProblemKind kind;
  PetscInt dim;
  PetscReal K[4];              /**< quadratics: Hessian, row-major dim x dim (minimum at 0) */
  OdLandscape landscape;       /**< landscape problems (borrowed, not owned) */
  PetscReal xmin[OD_OSC_MAXDIM];
  PetscReal fmin;
  PetscReal lambda[OD_OSC_MAXDIM]; /**< Hessian eigenvalues at the minimum, descending */
  PetscReal evec[4];               /**< eigenvectors: column i = evec[0*dim+i], evec[1*dim+i] */
  PetscBool linear;                /**< gradient is linear and the minimum is the origin */
} OdOscProblem;

PetscErrorCode OdOscProblemSetQuadratic1D(OdOscProblem *pb, PetscReal k);
/** f = x^T K x / 2, eigenvalues k and k/kappa, eigenvectors rotated by angle_deg. */
PetscErrorCode OdOscProblemSetQuadratic2D(OdOscProblem *pb, PetscReal k, PetscReal kappa, PetscReal angle_deg);
/** Mean loss L of a §1 landscape; the minimum is found downhill from guess. */
PetscErrorCode OdOscProblemSetLandscape(OdOscProblem *pb, OdLandscape ls, PetscReal guess);
PetscErrorCode OdOscProblemSetRosenbrock(OdOscProblem *pb);
/** Himmelblau, around its minimum (3, 2). */
PetscErrorCode OdOscProblemSetHimmelblau(OdOscProblem *pb);
PetscReal OdOscProblemValue(const OdOscProblem *pb, const PetscReal x[]);
void OdOscProblemGradient(const OdOscProblem *pb, const PetscReal x[], PetscReal g[]);
void OdOscProblemHessian(const OdOscProblem *pb, const PetscReal x[], PetscReal H[]);

/** Hyperparameters of one optimizer run. beta is the momentum (adam: beta1; rmsprop: the
 *  squared-gradient decay); beta2 and epsilon are used by adam (rmsprop: epsilon). */
typedef struct {
  OdOscOptimizer type;
  PetscReal eta, beta, beta2, epsilon;
} OdOscHyper;

/** Fails with PETSC_ERR_USER_INPUT naming `-PREFIXeta`, `-PREFIXbeta`, ... if eta <= 0,
 *  beta outside [0, 1), beta2 outside [0, 1) or epsilon <= 0. optname: the option's stem,
 *  e.g. "-osc_eta_min" is reported via names[0] for eta and names[1] for beta. */
PetscErrorCode OdOscHyperCheck(MPI_Comm comm, const OdOscHyper *hp, const char *eta_name, const char *beta_name);

/** The oscillator picture of one eigen-direction (curvature lambda). */
typedef struct {
  PetscReal lambda;
  PetscReal h, m, c;      /**< time per step, mass, damping of m x'' + c x' + lambda x = 0 */
  PetscReal zeta;         /**< continuum damping ratio c / (2 sqrt(m lambda)) */
  PetscReal a, b;         /**< characteristic polynomial r^2 - a r + b */
  PetscReal disc;         /**< a^2 - 4 b */
  PetscReal root_re[2], root_im[2];
  PetscReal rate;         /**< predicted per-step contraction: max |root| */
  PetscReal rate_ode;     /**< per-step contraction exp(h max Re s) of the continuum ODE */
  PetscReal zeta_discrete; /**< damping ratio of the ODE whose solution interpolates the iterates exactly (1 at the double root); NaN for negative roots */
  OdOscRegime regime;
} OdOscMode;

/** Predicted oscillator quantities for curvature lambda. */
PetscErrorCode OdOscModeCompute(const OdOscHyper *hp, PetscReal lambda, OdOscMode *mode);

/** Time per optimizer step of the continuum model: eta for gd and rmsprop, sqrt(eta) otherwise. */
PetscReal OdOscStepTime(const OdOscHyper *hp);

/** Critical-damping learning rate at momentum beta and curvature lambda: discrete (double root)
 *  and continuum (zeta = 1). For gd: 1/lambda (discrete) and +Inf (the gradient flow never oscillates). */
void OdOscCriticalEta(OdOscOptimizer type, PetscReal beta, PetscReal lambda, PetscReal beta2, PetscReal epsilon, PetscReal *eta_discrete, PetscReal *eta_ode);

/** Optimizer state. */
typedef struct {
  PetscReal x[OD_OSC_MAXDIM], xprev[OD_OSC_MAXDIM], m[OD_OSC_MAXDIM], v[OD_OSC_MAXDIM];
  PetscReal b1t, b2t; /**< beta1^t, beta2^t (adam bias correction) */
} OdOscState;

/** Start at rest at x0 (x_{-1} = x_0, m = v = 0). */
void OdOscStateInit(OdOscState *s, PetscInt dim, const PetscReal x0[]);
/** One optimizer step. */
void OdOscStep(const OdOscProblem *pb, const OdOscHyper *hp, OdOscState *s);

/** Result of a measured run. */
typedef struct {
  PetscReal rate;         /**< measured per-step contraction over the window */
  PetscInt steps;         /**< steps run (the window is [steps/2, steps]) */
  PetscInt window_begin;
  OdOscRegime regime_dir[OD_OSC_MAXDIM]; /**< measured regime per eigen-direction */
  PetscReal flip_fraction[OD_OSC_MAXDIM]; /**< fraction of steps in the window at which the displacement along the direction changed sign */
  PetscInt dominant;      /**< eigen-direction carrying most of the displacement at the end */
  OdOscRegime regime;     /**< measured regime of the dominant direction (OD_OSC_UNSTABLE if rate >= 1) */
} OdOscMeasurement;

/**
 * Run the optimizer from x0 for at most max_steps steps and measure the per-step contraction
 * factor of the phase-space distance D_k = sqrt(|x_k - x*|^2 + |x_{k-1} - x*|^2) to the
 * minimum, (D_n / D_{n/2})^(1/(n - n/2)). Linear problems with homogeneous optimizers
 * (gd, momentum, nesterov on quadratics) are renormalized by powers of 2 (exact), so any
 * rate, including > 1, is measured over all max_steps steps; otherwise the run stops when
 * D < tol D_0 (round-off floor), when D > 1e100 D_0 or not finite (divergence).
 */
PetscErrorCode OdOscMeasure(const OdOscProblem *pb, const OdOscHyper *hp, const PetscReal x0[], PetscInt max_steps, PetscReal tol, OdOscMeasurement *meas);

/**
 * OdOscMeasure for n cells hp[0..n) that share the optimizer, beta2 and epsilon (eta and beta
 * may differ), at an instruction-set level: `OD_SIMD_SCALAR` runs OdOscMeasure cell by cell;
 * the other levels measure 2, 4 or 8 cells at once (SSE2, AVX2, AVX-512) in a lane kernel (landscape problems always take
 * the scalar path). Every level gives OdOscMeasure's bits.
 */
PetscErrorCode OdOscMeasureCells(const OdOscProblem *pb, PetscInt n, const OdOscHyper hp[], const PetscReal x0[], PetscInt max_steps, PetscReal tol, OdSimdLevel level, OdOscMeasurement ms[]);

/**
 * The natural logarithm used by the measurement (at every instruction-set level): range
 * reduction and a minimax polynomial in + - * / only, <= 1 ulp from libm's log, log(1) = 0,
 * log(0) = -inf, log(+inf) = +inf, NaN for x < 0 and NaN; subnormals handled.
 */
PetscReal OdOscLog(PetscReal x);

/**
 * A trajectory of nsteps steps from x0 at rest, and the continuum ODE solution at the same
 * times t_k = k h (RK4 with `substeps` sub-steps per optimizer step).
 * Arrays: x, ode_x [(nsteps+1) * dim]; kinetic, potential (f - f*), ode_kinetic,
 * ode_potential [nsteps+1]. Kinetic energy: m |v|^2 / 2 with v = (x_k - x_{k-1})/h for the
 * iterates and v = x' for the ODE, m from the mode of the largest curvature.
 */
PetscErrorCode OdOscTrajectory(const OdOscProblem *pb, const OdOscHyper *hp, const PetscReal x0[], PetscInt nsteps, PetscInt substeps, PetscReal x[], PetscReal kinetic[], PetscReal potential[], PetscReal ode_x[], PetscReal ode_kinetic[], PetscReal ode_potential[]);

/* ---- the command ---- */
typedef struct _n_OdOscillator *OdOscillator;
PetscErrorCode OdOscillatorCreate(MPI_Comm comm, OdOscillator *osc);
/** Read -osc_* options, -landscape (problem landscape), -o, -seed, sweep options. */
PetscErrorCode OdOscillatorSetFromOptions(OdOscillator osc);
PetscErrorCode OdOscillatorSetUp(OdOscillator osc);
PetscErrorCode OdOscillatorRun(OdOscillator osc, PetscBool *interrupted);
PetscErrorCode OdOscillatorView(OdOscillator osc, PetscViewer viewer);
PetscErrorCode OdOscillatorDestroy(OdOscillator *osc);
/** `optdyn oscillator -summarize FILE`: recompute the best cell of an oscillator file in place. */
PetscErrorCode OdOscillatorSummarize(MPI_Comm comm, const char *path);
extern const OdCommand OdOscillatorCommand; /* the `optdyn oscillator` command */
