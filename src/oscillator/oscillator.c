/* optdyn oscillator: optimizers as damped oscillators over (eta, beta) grids (docs/models.md §7). */
#include <math.h>
#include <string.h>
#include "optdyn/oscillator.h"
#include "optdyn/options.h"
#include "optdyn/output.h"
#include "optdyn/sweep.h"

#define OD_OSC_MAX_TRAJ 16

/* per-cell fields of a record (field-major: rec[f * nbeta + j]) */
enum { F_RATE_MEAS, F_RATE_PRED, F_RATE_ODE, F_ZETA, F_ZETA_D, F_REGIME, F_REGIME_MEAS, F_STEPS, F_NSCALAR };
enum { FD_ZETA, FD_REGIME, FD_RATE, FD_REGIME_MEAS, FD_FLIP, FD_N };

struct _n_OdOscillator {
  MPI_Comm comm;
  OdLandscape landscape;
  OdSweep sweep;
  OdOutput output;
  uint32_t seed;
  OdOscProblem pb;
  /* options */
  PetscInt problem, optimizer;
  PetscReal k, kappa, angle, landscape_guess;
  PetscReal x0[OD_OSC_MAXDIM];
  PetscInt nx0;
  PetscReal eta_min, eta_max, beta_min, beta_max, beta2, epsilon, tol;
  PetscInt eta_num, beta_num, steps;
  PetscBool eta_log, trajectory;
  PetscReal traj_eta[OD_OSC_MAX_TRAJ], traj_beta[OD_OSC_MAX_TRAJ];
  PetscInt ntraj_eta, ntraj_beta, ntraj, traj_steps, traj_substeps;
  /* derived */
  PetscReal *eta, *beta;
  PetscInt first, count, K, N, nfields;
  PetscReal *record;
  PetscBool done;
  /* lanes (perf): the kernel level and one row's cells */
  OdSimdLevel simd;
  OdOscHyper *row_hp;
  OdOscMeasurement *row_ms;
};

PetscErrorCode OdOscillatorCreate(MPI_Comm comm, OdOscillator *osc)
{
  OdOscillator o;
  PetscFunctionBegin;
  PetscCall(PetscNew(&o));
  o->comm = comm;
  o->problem = OD_OSC_QUAD1D;
  o->optimizer = OD_OSC_MOMENTUM;
  o->k = 1;
  o->kappa = 100;
  o->angle = 30;
  o->landscape_guess = 1.0;
  o->eta_min = 0.01, o->eta_max = 4, o->eta_num = 41;
  o->beta_min = 0, o->beta_max = 0.95, o->beta_num = 39;
  o->beta2 = 0.999, o->epsilon = 1e-8;
  o->steps = 2000;
  o->tol = 1e-9;
  o->trajectory = PETSC_TRUE;
  o->traj_steps = 200;
  o->traj_substeps = 20;
  PetscCall(OdLandscapeCreate(comm, &o->landscape));
  PetscCall(OdSweepCreate(comm, &o->sweep));
  PetscCall(OdOutputCreate(comm, &o->output));
  *osc = o;
  PetscFunctionReturn(0);
}

PetscErrorCode OdOscillatorDestroy(OdOscillator *osc)
{
  PetscFunctionBegin;
  if (!*osc) PetscFunctionReturn(0);
  PetscCall(OdLandscapeDestroy(&(*osc)->landscape));
  PetscCall(OdSweepDestroy(&(*osc)->sweep));
  PetscCall(OdOutputDestroy(&(*osc)->output));
  PetscCall(PetscFree2((*osc)->eta, (*osc)->beta));
  PetscCall(PetscFree((*osc)->record));
  PetscCall(PetscFree2((*osc)->row_hp, (*osc)->row_ms));
  PetscCall(PetscFree(*osc));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOscillatorSetFromOptions(OdOscillator o)
{
  PetscInt nx0 = OD_OSC_MAXDIM;
  PetscBool x0set;
  PetscFunctionBegin;
  PetscCall(OdLandscapeSetFromOptions(o->landscape));
  PetscCall(OdOptionsSeed(o->comm, &o->seed));
  PetscCall(OdOutputSetFromOptions(o->output, "oscillator.h5"));
  PetscCall(OdSweepSetFromOptions(o->sweep));
  PetscCall(OdSimdSetFromOptions(o->comm, &o->simd));
  PetscOptionsBegin(o->comm, "osc_", "Optimizers as damped oscillators (docs/models.md §7)", NULL);
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-problem", "quad1d | quad2d (ill-conditioned, rotated) | landscape (the -landscape of docs/models.md §1) | rosenbrock | himmelblau", OdOscProblemNames, 5, &o->problem, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-optimizer", "gd | momentum (heavy ball) | nesterov | adam | rmsprop", OdOscOptimizerNames, 5, &o->optimizer, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-k", "Stiffness: curvature of quad1d, largest eigenvalue of quad2d", OD_RANGE_POSITIVE, &o->k, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-kappa", "Condition number of quad2d (eigenvalues k and k/kappa)", OD_RANGE_AT_LEAST(1), &o->kappa, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-angle", "Rotation of quad2d's eigenvectors against the axes (degrees)", OD_RANGE_ANY, &o->angle, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-landscape_guess", "Start of the downhill search for the landscape minimum", OD_RANGE_ANY, &o->landscape_guess, NULL));
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-x0", "Starting point (default: the minimum + 1 per coordinate for quadratics, + 0.01 for landscape, + (-0.05, -0.1) rosenbrock, + (0.1, 0.1) himmelblau)", OD_RANGE_ANY, 0, o->x0, &nx0, &x0set));
  o->nx0 = x0set ? nx0 : 0;
  PetscCall(OdOptionsReal(PetscOptionsObject, "-eta_min", "Smallest learning rate eta (> 0)", OD_RANGE_POSITIVE, &o->eta_min, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-eta_max", "Largest learning rate eta", OD_RANGE_POSITIVE, &o->eta_max, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-eta_num", "Number of learning rates (rows of the maps; the sweep axis)", OD_RANGE_AT_LEAST(1), &o->eta_num, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-eta_log", "Space the learning rates logarithmically", &o->eta_log, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-beta_min", "Smallest momentum beta, in [0, 1) (adam: beta1; rmsprop: squared-gradient decay)", OD_RANGE_HALF_OPEN(0, 1), &o->beta_min, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-beta_max", "Largest momentum beta, in [0, 1)", OD_RANGE_HALF_OPEN(0, 1), &o->beta_max, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-beta_num", "Number of momenta (columns of the maps)", OD_RANGE_AT_LEAST(1), &o->beta_num, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-beta2", "Adam's squared-gradient decay beta2, in [0, 1)", OD_RANGE_HALF_OPEN(0, 1), &o->beta2, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-epsilon", "Adam/RMSProp epsilon (> 0)", OD_RANGE_POSITIVE, &o->epsilon, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-steps", "Maximum optimizer steps per grid cell (the rate is measured over the second half of the run)", OD_RANGE_AT_LEAST(2), &o->steps, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-tol", "Non-quadratic problems and adam/rmsprop: stop when the phase-space distance falls below tol times its start (round-off floor)", OD_RANGE_POSITIVE, &o->tol, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-trajectory", "Also write trajectories with energies and the continuum ODE solution", &o->trajectory, NULL));
  o->ntraj_eta = o->ntraj_beta = OD_OSC_MAX_TRAJ;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-traj_eta", "Learning rates of the trajectories (default: 0.25, 1 and 4 times the critical eta at beta = 0.81 of the stiffest direction)", OD_RANGE_POSITIVE, 0, o->traj_eta, &o->ntraj_eta, NULL));
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-traj_beta", "Momenta of the trajectories, paired with -osc_traj_eta (one value applies to all)", OD_RANGE_HALF_OPEN(0, 1), 0, o->traj_beta, &o->ntraj_beta, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-traj_steps", "Steps per trajectory", OD_RANGE_AT_LEAST(1), &o->traj_steps, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-traj_substeps", "RK4 sub-steps of the ODE per optimizer step", OD_RANGE_AT_LEAST(1), &o->traj_substeps, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode Validate(OdOscillator o)
{
  PetscFunctionBegin;
  PetscCheck(o->eta_max >= o->eta_min, o->comm, PETSC_ERR_USER_INPUT, "option -osc_eta_max = %g is not allowed: must be >= -osc_eta_min = %g", (double)o->eta_max, (double)o->eta_min);
  PetscCheck(o->eta_num == 1 || o->eta_max > o->eta_min, o->comm, PETSC_ERR_USER_INPUT, "option -osc_eta_num = %" PetscInt_FMT " is not allowed with -osc_eta_max = -osc_eta_min: use 1 or widen the range", o->eta_num);
  PetscCheck(o->beta_max >= o->beta_min, o->comm, PETSC_ERR_USER_INPUT, "option -osc_beta_max = %g is not allowed: must be >= -osc_beta_min = %g", (double)o->beta_max, (double)o->beta_min);
  PetscCheck(o->beta_num == 1 || o->beta_max > o->beta_min, o->comm, PETSC_ERR_USER_INPUT, "option -osc_beta_num = %" PetscInt_FMT " is not allowed with -osc_beta_max = -osc_beta_min: use 1 or widen the range", o->beta_num);
  PetscCheck(o->ntraj_beta <= 1 || o->ntraj_beta == o->ntraj_eta, o->comm, PETSC_ERR_USER_INPUT, "option -osc_traj_beta has %" PetscInt_FMT " values: must have 1 or as many as -osc_traj_eta (%" PetscInt_FMT ")", o->ntraj_beta, o->ntraj_eta);
  PetscCheck(o->ntraj_beta == 0 || o->ntraj_eta > 0, o->comm, PETSC_ERR_USER_INPUT, "option -osc_traj_beta needs -osc_traj_eta");
  PetscFunctionReturn(0);
}

static PetscInt NumDir(OdOscillator o) { return o->pb.dim; }

PetscErrorCode OdOscillatorSetUp(OdOscillator o)
{
  const PetscInt nb = o->beta_num;
  PetscFunctionBegin;
  PetscCall(Validate(o));
  switch (o->problem) {
  case OD_OSC_QUAD1D:
    PetscCall(OdOscProblemSetQuadratic1D(&o->pb, o->k));
    break;
  case OD_OSC_QUAD2D:
    PetscCall(OdOscProblemSetQuadratic2D(&o->pb, o->k, o->kappa, o->angle));
    break;
  case OD_OSC_LANDSCAPE:
    PetscCall(OdOscProblemSetLandscape(&o->pb, o->landscape, o->landscape_guess));
    break;
  case OD_OSC_ROSENBROCK:
    PetscCall(OdOscProblemSetRosenbrock(&o->pb));
    break;
  default:
    PetscCall(OdOscProblemSetHimmelblau(&o->pb));
    break;
  }
  if (o->nx0) {
    PetscCheck(o->nx0 == o->pb.dim, o->comm, PETSC_ERR_USER_INPUT, "option -osc_x0 has %" PetscInt_FMT " values is not allowed: problem %s has dimension %" PetscInt_FMT, o->nx0, OdOscProblemNames[o->problem], o->pb.dim);
  } else {
    static const PetscReal d[5][2] = {{1, 1}, {1, 1}, {0.01, 0}, {-0.05, -0.1}, {0.1, 0.1}};
    for (PetscInt i = 0; i < o->pb.dim; i++) o->x0[i] = o->pb.xmin[i] + d[o->problem][i];
  }
  /* corners of the grid (the option getters already enforce eta > 0 and beta in [0, 1)) */
  {
    OdOscHyper hp = {(OdOscOptimizer)o->optimizer, o->eta_min, o->beta_min, o->beta2, o->epsilon};
    PetscCall(OdOscHyperCheck(o->comm, &hp, "-osc_eta_min", "-osc_beta_min"));
    hp.eta = o->eta_max, hp.beta = o->beta_max;
    PetscCall(OdOscHyperCheck(o->comm, &hp, "-osc_eta_max", "-osc_beta_max"));
  }
  /* default trajectories: over-, critically and under-damped (discrete) at beta = 0.81 */
  if (!o->ntraj_eta) {
    PetscReal ed, ec;
    const PetscReal bt = o->optimizer == OD_OSC_GD ? 0 : 0.81;
    OdOscCriticalEta((OdOscOptimizer)o->optimizer, bt, o->pb.lambda[0], o->beta2, o->epsilon, &ed, &ec);
    o->ntraj_eta = 3, o->traj_eta[0] = 0.25 * ed, o->traj_eta[1] = ed, o->traj_eta[2] = (o->optimizer == OD_OSC_GD ? 1.5 : 4) * ed;
    o->ntraj_beta = 1, o->traj_beta[0] = bt;
  }
  if (o->ntraj_beta == 0) o->ntraj_beta = 1, o->traj_beta[0] = 0;
  if (o->ntraj_beta == 1)
    for (PetscInt i = 1; i < o->ntraj_eta; i++) o->traj_beta[i] = o->traj_beta[0];
  o->ntraj = o->ntraj_eta;

  PetscCall(PetscMalloc2(o->eta_num, &o->eta, nb, &o->beta));
  for (PetscInt i = 0; i < o->eta_num; i++) {
    const PetscReal f = o->eta_num > 1 ? (PetscReal)i / (o->eta_num - 1) : 0;
    o->eta[i] = o->eta_log ? o->eta_min * pow(o->eta_max / o->eta_min, f) : o->eta_min + f * (o->eta_max - o->eta_min);
  }
  for (PetscInt j = 0; j < nb; j++) o->beta[j] = nb > 1 ? o->beta_min + (o->beta_max - o->beta_min) * j / (nb - 1) : o->beta_min;
  o->nfields = (F_NSCALAR + FD_N * NumDir(o)) * nb;
  PetscCall(OdSweepSetSizes(o->sweep, o->eta_num, 1, o->nfields));
  {
    char ckpt[PETSC_MAX_PATH_LEN + 8];
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", OdOutputGetPath(o->output));
    PetscCall(OdSweepSetCheckpointPath(o->sweep, ckpt));
  }
  PetscCall(OdSweepSetLabel(o->sweep, "oscillator"));
  PetscCall(OdSweepSetProgressUnits(o->sweep, "grid points", (double)o->beta_num));
  PetscCall(OdSweepSetUp(o->sweep));
  PetscCall(OdSweepGetSlice(o->sweep, &o->first, &o->count, &o->K, &o->N));
  PetscCall(PetscCalloc1(o->count * o->nfields, &o->record));
  PetscCall(PetscMalloc2(nb, &o->row_hp, nb, &o->row_ms));
  PetscFunctionReturn(0);
}

/* One sweep point = one eta row of the maps; its cells are measured together (lanes). */
static PetscErrorCode UnitRow(void *ctx, PetscInt point, PetscInt chunk, PetscReal rec[])
{
  OdOscillator o = (OdOscillator)ctx;
  const PetscInt nb = o->beta_num, nd = NumDir(o);
  PetscFunctionBegin;
  (void)chunk;
  for (PetscInt j = 0; j < nb; j++) o->row_hp[j] = (OdOscHyper){(OdOscOptimizer)o->optimizer, o->eta[point], o->beta[j], o->beta2, o->epsilon};
  PetscCall(OdOscMeasureCells(&o->pb, nb, o->row_hp, o->x0, o->steps, o->tol, o->simd, o->row_ms));
  for (PetscInt j = 0; j < nb; j++) {
    const OdOscMeasurement *ms = &o->row_ms[j];
    OdOscMode md[OD_OSC_MAXDIM];
    PetscInt dom = 0;
    for (PetscInt d = 0; d < nd; d++) {
      PetscCall(OdOscModeCompute(&o->row_hp[j], o->pb.lambda[d], &md[d]));
      if (md[d].rate > md[dom].rate) dom = d;
    }
    rec[F_RATE_MEAS * nb + j] = ms->rate;
    rec[F_RATE_PRED * nb + j] = md[dom].rate;
    rec[F_RATE_ODE * nb + j] = PetscMax(md[0].rate_ode, nd > 1 ? md[1].rate_ode : 0);
    rec[F_ZETA * nb + j] = md[dom].zeta;
    rec[F_ZETA_D * nb + j] = md[dom].zeta_discrete;
    rec[F_REGIME * nb + j] = md[dom].regime;
    rec[F_REGIME_MEAS * nb + j] = ms->regime;
    rec[F_STEPS * nb + j] = ms->steps;
    for (PetscInt d = 0; d < nd; d++) {
      PetscReal *r = rec + (F_NSCALAR + FD_N * d) * nb;
      r[FD_ZETA * nb + j] = md[d].zeta;
      r[FD_REGIME * nb + j] = md[d].regime;
      r[FD_RATE * nb + j] = md[d].rate;
      r[FD_REGIME_MEAS * nb + j] = ms->regime_dir[d];
      r[FD_FLIP * nb + j] = ms->flip_fraction[d];
    }
  }
  PetscFunctionReturn(0);
}

/* A map [count, nb] (field f) or [count, nb, nd] (direction field fd) from the records. */
static void ExtractMap(OdOscillator o, PetscInt f, PetscInt fd, PetscReal *out)
{
  const PetscInt nb = o->beta_num, nd = NumDir(o);
  for (PetscInt i = 0; i < o->count; i++) {
    const PetscReal *rec = o->record + i * o->nfields;
    for (PetscInt j = 0; j < nb; j++) {
      if (fd < 0) out[i * nb + j] = rec[f * nb + j];
      else
        for (PetscInt d = 0; d < nd; d++) out[(i * nb + j) * nd + d] = rec[(F_NSCALAR + FD_N * d + fd) * nb + j];
    }
  }
}

static PetscErrorCode WriteTrajectories(OdOscillator o)
{
  const PetscInt nt = o->ntraj, ns = o->traj_steps + 1, n = o->pb.dim;
  PetscReal *x, *kin, *pot, *tot, *ox, *okin, *opot, *otot, *t, *m, *c, *zeta, *regime, *rate, *rate_ode;
  OdOutput out = o->output;
  PetscFunctionBegin;
  PetscCall(PetscMalloc5(nt * ns * n, &x, nt * ns, &kin, nt * ns, &pot, nt * ns, &tot, nt * ns * n, &ox));
  PetscCall(PetscMalloc5(nt * ns, &okin, nt * ns, &opot, nt * ns, &otot, nt * ns, &t, nt, &m));
  PetscCall(PetscMalloc5(nt, &c, nt, &zeta, nt, &regime, nt, &rate, nt, &rate_ode));
  for (PetscInt q = 0; q < nt; q++) {
    const OdOscHyper hp = {(OdOscOptimizer)o->optimizer, o->traj_eta[q], o->traj_beta[q], o->beta2, o->epsilon};
    OdOscMode md;
    PetscCall(OdOscHyperCheck(o->comm, &hp, "-osc_traj_eta", "-osc_traj_beta"));
    PetscCall(OdOscTrajectory(&o->pb, &hp, o->x0, o->traj_steps, o->traj_substeps, x + q * ns * n, kin + q * ns, pot + q * ns, ox + q * ns * n, okin + q * ns, opot + q * ns));
    PetscCall(OdOscModeCompute(&hp, o->pb.lambda[0], &md));
    for (PetscInt k = 0; k < ns; k++) {
      t[q * ns + k] = k * md.h;
      tot[q * ns + k] = kin[q * ns + k] + pot[q * ns + k];
      otot[q * ns + k] = okin[q * ns + k] + opot[q * ns + k];
    }
    m[q] = md.m, c[q] = md.c, zeta[q] = md.zeta, regime[q] = md.regime, rate[q] = md.rate, rate_ode[q] = md.rate_ode;
  }
  const hsize_t d1[1] = {(hsize_t)nt}, d2[2] = {(hsize_t)nt, (hsize_t)ns}, d3[3] = {(hsize_t)nt, (hsize_t)ns, (hsize_t)n};
  PetscCall(OdOutputCreateGroup(out, "/oscillator/trajectory"));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/eta", 1, d1, o->traj_eta, (OdDatasetInfo){"1", "learning rate of each trajectory", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/beta", 1, d1, o->traj_beta, (OdDatasetInfo){"1", "momentum of each trajectory", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/mass", 1, d1, m, (OdDatasetInfo){"1", "oscillator mass m = h^2/eta", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/damping", 1, d1, c, (OdDatasetInfo){"1", "oscillator damping c along the stiffest direction", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/zeta", 1, d1, zeta, (OdDatasetInfo){"1", "continuum damping ratio c/(2 sqrt(m lambda_max))", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/regime", 1, d1, regime, (OdDatasetInfo){"1", "predicted discrete regime of the stiffest direction (0 over, 1 critical, 2 under, 3 alternating, 4 unstable)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/rate_predicted", 1, d1, rate, (OdDatasetInfo){"1", "characteristic root modulus of the stiffest direction", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/rate_ode", 1, d1, rate_ode, (OdDatasetInfo){"1", "per-step contraction of the continuum ODE, stiffest direction", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/t", 2, d2, t, (OdDatasetInfo){"time", "continuum time t = k h of step k", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/x", 3, d3, x, (OdDatasetInfo){"x", "optimizer iterates x_k", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/kinetic", 2, d2, kin, (OdDatasetInfo){"f", "kinetic energy m |x_k - x_{k-1}|^2 / (2 h^2)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/potential", 2, d2, pot, (OdDatasetInfo){"f", "potential energy f(x_k) - f(x*)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/total", 2, d2, tot, (OdDatasetInfo){"f", "kinetic + potential energy of the iterates", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/ode_x", 3, d3, ox, (OdDatasetInfo){"x", "continuum ODE solution x(k h) (RK4)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/ode_kinetic", 2, d2, okin, (OdDatasetInfo){"f", "kinetic energy m |x'|^2 / 2 of the ODE solution", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/ode_potential", 2, d2, opot, (OdDatasetInfo){"f", "potential energy f(x(t)) - f(x*) of the ODE solution", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/trajectory/ode_total", 2, d2, otot, (OdDatasetInfo){"f", "total energy of the ODE solution", PETSC_FALSE}));
  PetscCall(OdOutputAttrInt(out, "/oscillator/trajectory", "substeps", o->traj_substeps));
  PetscCall(PetscFree5(x, kin, pot, tot, ox));
  PetscCall(PetscFree5(okin, opot, otot, t, m));
  PetscCall(PetscFree5(c, zeta, regime, rate, rate_ode));
  PetscFunctionReturn(0);
}

/* The cell (row i, column j) of the smallest measured rate in row-major order over the
   [nrows, nb] map (the first one on ties); *bi = -1 if no rate is finite. The one
   implementation, used by the run and by `optdyn oscillator -summarize` on merged files. */
static void BestCell(PetscInt nrows, PetscInt nb, const PetscReal rate[], PetscInt *bi, PetscInt *bj)
{
  PetscReal best = INFINITY;
  *bi = *bj = -1;
  for (PetscInt i = 0; i < nrows; i++)
    for (PetscInt j = 0; j < nb; j++) {
      const PetscReal r = rate[i * nb + j];
      if (r < best) best = r, *bi = i, *bj = j;
    }
}

static PetscErrorCode WriteBest(OdOutput out, PetscInt nrows, PetscInt nb, const PetscReal eta[], const PetscReal beta[], const PetscReal rate[])
{
  PetscInt bi, bj;
  PetscFunctionBegin;
  BestCell(nrows, nb, rate, &bi, &bj);
  if (bi < 0) PetscFunctionReturn(0);
  PetscCall(OdOutputAttrReal(out, "/oscillator", "best_eta", eta[bi]));
  PetscCall(OdOutputAttrReal(out, "/oscillator", "best_beta", beta[bj]));
  PetscCall(OdOutputAttrReal(out, "/oscillator", "best_rate_measured", rate[bi * nb + bj]));
  PetscFunctionReturn(0);
}

/* `optdyn oscillator -summarize FILE`: recompute the best cell from the per-point maps. */
PetscErrorCode OdOscillatorSummarize(MPI_Comm comm, const char *path)
{
  OdOutput out;
  char command[64];
  PetscInt ne, nb, nr;
  PetscReal *eta, *beta, *rate;
  PetscFunctionBegin;
  PetscCall(OdOutputOpenExisting(comm, path, &out));
  PetscCall(OdOutputReadAttrString(out, "/", "command", command, sizeof command));
  PetscCheck(!strcmp(command, "oscillator"), comm, PETSC_ERR_USER_INPUT, "%s was written by 'optdyn %s', not 'optdyn oscillator'", path, command);
  PetscCall(OdOutputReadReal(out, "/oscillator/eta", &ne, &eta));
  PetscCall(OdOutputReadReal(out, "/oscillator/beta", &nb, &beta));
  PetscCall(OdOutputReadReal(out, "/oscillator/rate_measured", &nr, &rate));
  PetscCheck(nr == ne * nb, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /oscillator/rate_measured has %" PetscInt_FMT " values, expected eta x beta = %" PetscInt_FMT, path, nr, ne * nb);
  PetscCall(WriteBest(out, ne, nb, eta, beta, rate));
  PetscCall(PetscFree(eta));
  PetscCall(PetscFree(beta));
  PetscCall(PetscFree(rate));
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscCall(OdOutputDestroy(&out));
  PetscFunctionReturn(0);
}

/* Textbook optimal hyperparameters on a quadratic with curvatures in [mu, L]. */
static PetscBool TheoryOptimum(OdOscillator o, PetscReal *eta, PetscReal *beta, PetscReal *rate)
{
  const PetscReal L = o->pb.lambda[0], mu = o->pb.lambda[o->pb.dim - 1], kap = L / mu;
  if (o->optimizer == OD_OSC_GD) {
    *eta = 2 / (L + mu), *beta = 0, *rate = (kap - 1) / (kap + 1);
    return PETSC_TRUE;
  }
  if (o->optimizer == OD_OSC_MOMENTUM) {
    *eta = 4 / PetscSqr(sqrt(L) + sqrt(mu)), *beta = PetscSqr((sqrt(kap) - 1) / (sqrt(kap) + 1)), *rate = (sqrt(kap) - 1) / (sqrt(kap) + 1);
    return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

static PetscErrorCode WriteOutput(OdOscillator o)
{
  const PetscInt nc = o->count, nb = o->beta_num, nd = NumDir(o);
  PetscReal *map, *etas, *crit, *critode;
  OdOutput out = o->output;
  static const char *const names[F_NSCALAR] = {"rate_measured", "rate_predicted", "rate_ode", "zeta", "zeta_discrete", "regime", "regime_measured", "steps"};
  static const OdDatasetInfo infos[F_NSCALAR] = {
    {"1", "measured per-step contraction factor of the phase-space distance to the minimum, (D_n/D_{n/2})^(1/(n-n/2))", PETSC_TRUE},
    {"1", "predicted per-step contraction: largest modulus of the roots of the characteristic polynomial over eigen-directions", PETSC_TRUE},
    {"1", "per-step contraction exp(h max Re s) predicted by the continuum ODE m x'' + c x' + lambda x = 0 (gd: gradient flow)", PETSC_TRUE},
    {"1", "continuum damping ratio c/(2 sqrt(m lambda)) of the eigen-direction that sets rate_predicted", PETSC_TRUE},
    {"1", "damping ratio of the ODE whose solution passes exactly through the iterates (1 at the double root; NaN for negative roots)", PETSC_TRUE},
    {"1", "predicted regime of the dominant direction: 0 overdamped, 1 critical, 2 underdamped, 3 alternating, 4 unstable", PETSC_TRUE},
    {"1", "measured regime of the dominant direction: 0 monotone (over- or critically damped), 2 oscillating, 3 alternating, 4 unstable (rate >= 1), -1 undetermined", PETSC_TRUE},
    {"steps", "optimizer steps run for the measurement", PETSC_TRUE},
  };
  static const char *const dnames[FD_N] = {"zeta_dir", "regime_dir", "rate_dir", "regime_measured_dir", "flip_fraction_dir"};
  static const OdDatasetInfo dinfos[FD_N] = {
    {"1", "continuum damping ratio per eigen-direction (last axis, curvatures descending)", PETSC_TRUE},
    {"1", "predicted regime per eigen-direction", PETSC_TRUE},
    {"1", "characteristic-root modulus per eigen-direction", PETSC_TRUE},
    {"1", "measured regime per eigen-direction (sign changes of the displacement along it)", PETSC_TRUE},
    {"1", "fraction of steps in the measurement window at which the displacement along the direction changed sign", PETSC_TRUE},
  };
  PetscFunctionBegin;
  PetscCall(PetscMalloc4(nc * nb * nd, &map, nc, &etas, nb * nd, &crit, nb * nd, &critode));
  for (PetscInt i = 0; i < nc; i++) etas[i] = o->eta[o->first + i];
  for (PetscInt j = 0; j < nb; j++)
    for (PetscInt d = 0; d < nd; d++) OdOscCriticalEta((OdOscOptimizer)o->optimizer, o->beta[j], o->pb.lambda[d], o->beta2, o->epsilon, &crit[j * nd + d], &critode[j * nd + d]);

  PetscCall(OdOutputOpen(out, "oscillator", o->seed));
  PetscCall(OdOutputSetSweep(out, o->K, o->N, o->first, o->count, o->eta_num));
  PetscCall(OdOutputCreateGroup(out, "/oscillator"));
  const hsize_t dE[1] = {(hsize_t)nc}, dB[1] = {(hsize_t)nb}, dM[2] = {(hsize_t)nc, (hsize_t)nb}, dMD[3] = {(hsize_t)nc, (hsize_t)nb, (hsize_t)nd}, dD[1] = {(hsize_t)nd}, dBD[2] = {(hsize_t)nb, (hsize_t)nd}, dV[2] = {(hsize_t)nd, (hsize_t)nd};
  PetscCall(OdOutputWriteReal(out, "/oscillator/eta", 1, dE, etas, (OdDatasetInfo){"1", "learning rate eta of each row (sweep point)", PETSC_TRUE, "eta"}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/beta", 1, dB, o->beta, (OdDatasetInfo){"1", "momentum beta of each column (adam: beta1, rmsprop: squared-gradient decay)", PETSC_FALSE, "beta"}));
  for (PetscInt f = 0; f < F_NSCALAR; f++) {
    char path[128];
    ExtractMap(o, f, -1, map);
    snprintf(path, sizeof path, "/oscillator/%s", names[f]);
    OdDatasetInfo info = infos[f];
    info.dims = "eta,beta";
    PetscCall(OdOutputWriteReal(out, path, 2, dM, map, info));
  }
  for (PetscInt f = 0; f < FD_N; f++) {
    char path[128];
    ExtractMap(o, -1, f, map);
    snprintf(path, sizeof path, "/oscillator/%s", dnames[f]);
    OdDatasetInfo info = dinfos[f];
    info.dims = "eta,beta,curvatures";
    PetscCall(OdOutputWriteReal(out, path, 3, dMD, map, info));
  }
  PetscCall(OdOutputWriteReal(out, "/oscillator/curvatures", 1, dD, o->pb.lambda, (OdDatasetInfo){"1/x^2", "Hessian eigenvalues lambda at the minimum (stiffness per eigen-direction), descending", PETSC_FALSE, "curvatures"}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/eigenvectors", 2, dV, o->pb.evec, (OdDatasetInfo){"1", "eigenvectors of the Hessian at the minimum (columns)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/critical_eta", 2, dBD, crit, (OdDatasetInfo){"1", "learning rate of discrete critical damping (double characteristic root) at each beta, per eigen-direction", PETSC_FALSE, "beta,curvatures"}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/critical_eta_ode", 2, dBD, critode, (OdDatasetInfo){"1", "learning rate at which the continuum damping ratio zeta = 1, per eigen-direction (inf: never)", PETSC_FALSE, "beta,curvatures"}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/xmin", 1, dD, o->pb.xmin, (OdDatasetInfo){"x", "the minimum x*", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/oscillator/x0", 1, dD, o->x0, (OdDatasetInfo){"x", "starting point of every run (at rest)", PETSC_FALSE}));
  PetscCall(OdOutputAttrString(out, "/", "simd_level", OdSimdLevelName(o->simd))); /* provenance (perf) */
  PetscCall(OdOutputAttrString(out, "/oscillator", "optimizer", OdOscOptimizerNames[o->optimizer]));
  PetscCall(OdOutputAttrString(out, "/oscillator", "problem", OdOscProblemNames[o->problem]));
  if (o->problem == OD_OSC_LANDSCAPE) {
    char desc[4096];
    PetscCall(OdLandscapeDescribe(o->landscape, desc, sizeof desc));
    PetscCall(OdOutputAttrString(out, "/oscillator", "landscape", OdLandscapeGetName(o->landscape)));
    PetscCall(OdOutputAttrString(out, "/oscillator", "landscape_formula", desc));
  }
  PetscCall(OdOutputAttrReal(out, "/oscillator", "k", o->k));
  PetscCall(OdOutputAttrReal(out, "/oscillator", "kappa", o->kappa));
  PetscCall(OdOutputAttrReal(out, "/oscillator", "angle", o->angle));
  PetscCall(OdOutputAttrReal(out, "/oscillator", "beta2", o->beta2));
  PetscCall(OdOutputAttrReal(out, "/oscillator", "epsilon", o->epsilon));
  PetscCall(OdOutputAttrInt(out, "/oscillator", "max_steps", o->steps));
  PetscCall(OdOutputAttrReal(out, "/oscillator", "tol", o->tol));
  PetscCall(OdOutputAttrString(out, "/oscillator", "step_time", (o->optimizer == OD_OSC_GD || o->optimizer == OD_OSC_RMSPROP) ? "h = eta" : "h = sqrt(eta)"));
  {
    PetscReal e, b, r;
    ExtractMap(o, F_RATE_MEAS, -1, map);
    PetscCall(WriteBest(out, nc, nb, etas, o->beta, map));
    if ((o->problem == OD_OSC_QUAD1D || o->problem == OD_OSC_QUAD2D) && TheoryOptimum(o, &e, &b, &r)) {
      PetscCall(OdOutputAttrReal(out, "/oscillator", "theory_eta_opt", e));
      PetscCall(OdOutputAttrReal(out, "/oscillator", "theory_beta_opt", b));
      PetscCall(OdOutputAttrReal(out, "/oscillator", "theory_rate_opt", r));
    }
  }
  if (o->trajectory) PetscCall(WriteTrajectories(o));
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscCall(PetscFree4(map, etas, crit, critode));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOscillatorRun(OdOscillator o, PetscBool *interrupted)
{
  PetscFunctionBegin;
  PetscCall(OdSweepRun(o->sweep, UnitRow, o, o->record, interrupted));
  if (*interrupted) PetscFunctionReturn(0);
  PetscCall(WriteOutput(o));
  PetscCall(OdSweepRemoveCheckpoint(o->sweep));
  o->done = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OdOscillatorView(OdOscillator o, PetscViewer viewer)
{
  const PetscInt nb = o->beta_num;
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "optdyn oscillator: %s on %s, curvatures", OdOscOptimizerNames[o->optimizer], OdOscProblemNames[o->problem]));
  for (PetscInt d = 0; d < o->pb.dim; d++) PetscCall(PetscViewerASCIIPrintf(viewer, " %.6g", (double)o->pb.lambda[d]));
  PetscCall(PetscViewerASCIIPrintf(viewer, ", grid %" PetscInt_FMT " x %" PetscInt_FMT " (eta rows %" PetscInt_FMT "..%" PetscInt_FMT ")\n", o->eta_num, nb, o->first, o->first + o->count - 1));
  if (!o->done) PetscFunctionReturn(0);
  PetscReal maxdev = 0, lmaxdev = 0;
  PetscInt ncmp = 0, nagree = 0, nstable = 0, bi, bj;
  for (PetscInt i = 0; i < o->count; i++)
    for (PetscInt j = 0; j < nb; j++) {
      const PetscReal *rec = o->record + i * o->nfields;
      const PetscReal rm = rec[F_RATE_MEAS * nb + j], rp = rec[F_RATE_PRED * nb + j];
      const PetscInt gp = (PetscInt)rec[F_REGIME * nb + j], gm = (PetscInt)rec[F_REGIME_MEAS * nb + j];
      if (rp < 1 && rp > 0 && rm > 0) {
        nstable++;
        maxdev = PetscMax(maxdev, PetscAbsReal(rm - rp));
        lmaxdev = PetscMax(lmaxdev, PetscAbsReal(log(rm) - log(rp)));
      }
      if (gm >= 0) {
        ncmp++;
        nagree += (gp == gm) || (gp == OD_OSC_CRITICAL && gm == OD_OSC_OVERDAMPED);
      }
    }
  PetscCall(PetscViewerASCIIPrintf(viewer, "stable cells: %" PetscInt_FMT ", max |rate_measured - rate_predicted| = %.3g (max |log ratio| %.3g)\n", nstable, (double)maxdev, (double)lmaxdev));
  PetscCall(PetscViewerASCIIPrintf(viewer, "regime agreement (predicted vs measured): %" PetscInt_FMT " of %" PetscInt_FMT " cells\n", nagree, ncmp));
  {
    PetscReal *rate;
    PetscCall(PetscMalloc1(PetscMax(o->count * nb, 1), &rate));
    ExtractMap(o, F_RATE_MEAS, -1, rate);
    BestCell(o->count, nb, rate, &bi, &bj);
    PetscCall(PetscFree(rate));
  }
  if (bi >= 0)
    PetscCall(PetscViewerASCIIPrintf(viewer, "best measured rate %.6g at eta = %.6g, beta = %.6g (predicted %.6g)\n", (double)o->record[bi * o->nfields + F_RATE_MEAS * nb + bj], (double)o->eta[o->first + bi], (double)o->beta[bj], (double)o->record[bi * o->nfields + F_RATE_PRED * nb + bj]));
  PetscCall(PetscViewerASCIIPrintf(viewer, "wrote %s\n", OdOutputGetPath(o->output)));
  PetscFunctionReturn(0);
}
