/* Optimizers as damped oscillators (docs/models.md §7): measured contraction vs characteristic roots,
   regimes, the oscillator mapping, ODE solutions, GD -> gradient flow at first order,
   rejection of bad hyperparameters. */
#include <math.h>
#include "od_check.h"
#include "optdyn/oscillator.h"

/* Long runs: with exact power-of-2 renormalization the window [N/2, N] has N/2 = 1e6 steps,
   so even the Jordan (double-root) prefactor costs only ln(2)/1e6 < 1e-6 in the rate. */
#define LONG_RUN 2000000

static void CheckRootVsMeasured(OdOscOptimizer type, PetscReal k, PetscReal eta, PetscReal beta, OdOscRegime want_pred, OdOscRegime want_meas)
{
  OdOscProblem pb;
  OdOscMode md;
  OdOscMeasurement ms;
  const OdOscHyper hp = {type, eta, beta, 0.999, 1e-8};
  const PetscReal x0[1] = {1};
  ck_assert(!OdOscProblemSetQuadratic1D(&pb, k));
  ck_assert(!OdOscModeCompute(&hp, k, &md));
  ck_assert(!OdOscMeasure(&pb, &hp, x0, LONG_RUN, 1e-9, &ms));
  ck_assert_int_eq(ms.steps, LONG_RUN);
  printf("%-8s eta %-10.6g beta %-5.3g: measured %.12f root %.12f |diff| %.2e regime %s / measured %s\n", OdOscOptimizerNames[type], eta, beta, ms.rate, md.rate, fabs(ms.rate - md.rate), OdOscRegimeNames[md.regime], ms.regime >= 0 ? OdOscRegimeNames[ms.regime] : "?");
  ck_assert_msg(fabs(ms.rate - md.rate) <= 1e-6, "%s eta %g beta %g: measured %.12g vs root %.12g (diff %.3g)", OdOscOptimizerNames[type], eta, beta, ms.rate, md.rate, fabs(ms.rate - md.rate));
  ck_assert_msg(md.regime == want_pred, "predicted regime %d, expected %d", md.regime, want_pred);
  ck_assert_msg(ms.regime == want_meas, "measured regime %d, expected %d (flip fraction %g)", ms.regime, want_meas, ms.flip_fraction[0]);
}

/* beta = 0.81 (sqrt(beta) = 0.9): discrete critical damping at eta k = (1 - 0.9)^2 = 0.01 */
START_TEST(test_heavy_ball_overdamped)
{
  CheckRootVsMeasured(OD_OSC_MOMENTUM, 2.0, 0.25 * 0.01 / 2.0, 0.81, OD_OSC_OVERDAMPED, OD_OSC_OVERDAMPED);
}
END_TEST

START_TEST(test_heavy_ball_critical)
{
  /* beta = 0.25, eta k = 0.25: a = 1 + beta - eta k = 1, a^2 - 4 beta = 0 exactly; double root 0.5 */
  CheckRootVsMeasured(OD_OSC_MOMENTUM, 1.0, 0.25, 0.25, OD_OSC_CRITICAL, OD_OSC_OVERDAMPED);
  /* beta = 0.81, eta k = 0.01 (double root 0.9, up to round-off in the discriminant) */
  CheckRootVsMeasured(OD_OSC_MOMENTUM, 2.0, 0.01 / 2.0, 0.81, OD_OSC_CRITICAL, OD_OSC_OVERDAMPED);
}
END_TEST

START_TEST(test_heavy_ball_underdamped)
{
  CheckRootVsMeasured(OD_OSC_MOMENTUM, 2.0, 4 * 0.01 / 2.0, 0.81, OD_OSC_UNDERDAMPED, OD_OSC_UNDERDAMPED);
  CheckRootVsMeasured(OD_OSC_MOMENTUM, 1.0, 1.0, 0.5, OD_OSC_UNDERDAMPED, OD_OSC_UNDERDAMPED);
}
END_TEST

START_TEST(test_heavy_ball_alternating_and_unstable)
{
  /* beta = 0.25: negative real roots for eta k in ((1 + 0.5)^2, 2 (1 + beta)) = (2.25, 2.5) */
  CheckRootVsMeasured(OD_OSC_MOMENTUM, 1.0, 2.4, 0.25, OD_OSC_ALTERNATING, OD_OSC_ALTERNATING);
  /* beyond 2 (1 + beta) the root leaves the unit circle: growth measured exactly too */
  CheckRootVsMeasured(OD_OSC_MOMENTUM, 1.0, 2.7, 0.25, OD_OSC_UNSTABLE, OD_OSC_UNSTABLE);
}
END_TEST

/* Just either side of the discrete critical point the regimes split as predicted. */
START_TEST(test_critical_boundary)
{
  CheckRootVsMeasured(OD_OSC_MOMENTUM, 1.0, 0.01 * 1.001, 0.81, OD_OSC_UNDERDAMPED, OD_OSC_UNDERDAMPED);
  CheckRootVsMeasured(OD_OSC_MOMENTUM, 1.0, 0.01 * 0.999, 0.81, OD_OSC_OVERDAMPED, OD_OSC_OVERDAMPED);
}
END_TEST

START_TEST(test_gd_and_nesterov_roots)
{
  CheckRootVsMeasured(OD_OSC_GD, 1.0, 0.3, 0, OD_OSC_OVERDAMPED, OD_OSC_OVERDAMPED);
  CheckRootVsMeasured(OD_OSC_GD, 1.0, 1.5, 0, OD_OSC_ALTERNATING, OD_OSC_ALTERNATING);
  CheckRootVsMeasured(OD_OSC_NESTEROV, 1.0, 0.05, 0.9, OD_OSC_UNDERDAMPED, OD_OSC_UNDERDAMPED);
  /* Nesterov's critical eta k = ((1 - beta)/(1 + beta))^2 = 1/9 at beta = 0.5; slightly below: over */
  CheckRootVsMeasured(OD_OSC_NESTEROV, 1.0, 0.999 / 9, 0.5, OD_OSC_OVERDAMPED, OD_OSC_OVERDAMPED);
}
END_TEST

/* Ill-conditioned rotated 2-D quadratic: the slow eigen-direction sets the measured rate. */
START_TEST(test_quad2d_rate)
{
  OdOscProblem pb;
  OdOscMode m0, m1;
  OdOscMeasurement ms;
  const OdOscHyper hp = {OD_OSC_MOMENTUM, 0.5, 0.6, 0.999, 1e-8};
  const PetscReal x0[2] = {1, 1};
  ck_assert(!OdOscProblemSetQuadratic2D(&pb, 2.0, 100, 30));
  od_assert_close(pb.lambda[0], 2.0, 1e-14);
  od_assert_close(pb.lambda[1], 0.02, 1e-14);
  ck_assert(!OdOscModeCompute(&hp, pb.lambda[0], &m0));
  ck_assert(!OdOscModeCompute(&hp, pb.lambda[1], &m1));
  ck_assert(m0.regime == OD_OSC_UNDERDAMPED && m1.regime == OD_OSC_OVERDAMPED);
  ck_assert(!OdOscMeasure(&pb, &hp, x0, LONG_RUN, 1e-9, &ms));
  ck_assert_msg(fabs(ms.rate - PetscMax(m0.rate, m1.rate)) <= 1e-6, "measured %.12g vs %.12g", ms.rate, PetscMax(m0.rate, m1.rate));
  ck_assert_int_eq(ms.dominant, 1);
  ck_assert_int_eq(ms.regime, OD_OSC_OVERDAMPED);
}
END_TEST

/* The mapping to m x'' + c x' + k x = 0 and the damping ratios. */
START_TEST(test_mapping)
{
  OdOscMode md;
  const PetscReal k = 3, eta = 0.02, beta = 0.7;
  OdOscHyper hp = {OD_OSC_MOMENTUM, eta, beta, 0.999, 1e-8};
  ck_assert(!OdOscModeCompute(&hp, k, &md));
  od_assert_close(md.h, sqrt(eta), 1e-15);
  od_assert_close(md.m, 1.0, 1e-14);
  od_assert_close(md.c, (1 - beta) / sqrt(eta), 1e-14);
  od_assert_close(md.zeta, (1 - beta) / (2 * sqrt(eta * k)), 1e-14);
  /* continuum zeta = 1 on eta = (1 - beta)^2 / (4 k); the discrete double root on (1 - sqrt beta)^2 / k */
  PetscReal ed, ec;
  OdOscCriticalEta(OD_OSC_MOMENTUM, beta, k, 0.999, 1e-8, &ed, &ec);
  hp.eta = ec;
  ck_assert(!OdOscModeCompute(&hp, k, &md));
  od_assert_close(md.zeta, 1.0, 1e-12);
  hp.eta = ed;
  ck_assert(!OdOscModeCompute(&hp, k, &md));
  ck_assert_int_eq(md.regime, OD_OSC_CRITICAL);
  od_assert_close(md.zeta_discrete, 1.0, 1e-12);
  od_assert_close(md.rate, sqrt(beta), 1e-7);
  /* interpolating-ODE damping ratio: < 1 under, > 1 over */
  hp.eta = 2 * ed;
  ck_assert(!OdOscModeCompute(&hp, k, &md));
  ck_assert(md.zeta_discrete < 1 && md.regime == OD_OSC_UNDERDAMPED);
  hp.eta = 0.5 * ed;
  ck_assert(!OdOscModeCompute(&hp, k, &md));
  ck_assert(md.zeta_discrete > 1 && md.regime == OD_OSC_OVERDAMPED);
  /* GD: mass eta -> 0 (massless limit), c = 1, gradient-flow rate exp(-eta k) */
  hp = (OdOscHyper){OD_OSC_GD, eta, 0, 0.999, 1e-8};
  ck_assert(!OdOscModeCompute(&hp, k, &md));
  od_assert_close(md.m, eta, 1e-15);
  od_assert_close(md.c, 1.0, 1e-15);
  od_assert_close(md.rate, 1 - eta * k, 1e-15);
  od_assert_close(md.rate_ode, exp(-eta * k), 1e-15);
  /* Nesterov: Hessian-driven damping c = h ((1 - beta)/eta + beta k) */
  hp = (OdOscHyper){OD_OSC_NESTEROV, eta, beta, 0.999, 1e-8};
  ck_assert(!OdOscModeCompute(&hp, k, &md));
  od_assert_close(md.c, sqrt(eta) * ((1 - beta) / eta + beta * k), 1e-14);
  OdOscCriticalEta(OD_OSC_NESTEROV, beta, k, 0.999, 1e-8, &ed, &ec);
  hp.eta = ec;
  ck_assert(!OdOscModeCompute(&hp, k, &md));
  od_assert_close(md.zeta, 1.0, 1e-12);
}
END_TEST

/* The ODE beside the iterates: RK4 against closed forms. */
START_TEST(test_ode_closed_form)
{
  OdOscProblem pb;
  const PetscInt n = 50;
  PetscReal x[51], kin[51], pot[51], ox[51], ok[51], op[51];
  const PetscReal k = 2, x0[1] = {1};
  ck_assert(!OdOscProblemSetQuadratic1D(&pb, k));
  /* gradient flow x' = -k x (GD, h = eta) */
  OdOscHyper hp = {OD_OSC_GD, 0.01, 0, 0.999, 1e-8};
  ck_assert(!OdOscTrajectory(&pb, &hp, x0, n, 20, x, kin, pot, ox, ok, op));
  for (PetscInt i = 0; i <= n; i++) od_assert_close(ox[i], exp(-k * 0.01 * i), 1e-12);
  /* heavy ball: x'' + c x' + k x = 0, underdamped, from rest */
  hp = (OdOscHyper){OD_OSC_MOMENTUM, 0.04, 0.9, 0.999, 1e-8};
  ck_assert(!OdOscTrajectory(&pb, &hp, x0, n, 20, x, kin, pot, ox, ok, op));
  const PetscReal h = 0.2, c = 0.1 / 0.2, g = c / 2, w = sqrt(k - g * g);
  for (PetscInt i = 0; i <= n; i++) {
    const PetscReal t = i * h, ex = exp(-g * t) * (cos(w * t) + g / w * sin(w * t));
    const PetscReal v = -exp(-g * t) * (g * g / w + w) * sin(w * t);
    od_assert_close(ox[i], ex, 1e-8); /* RK4, dt = 0.01: global error ~1e-10 */
    od_assert_close(ok[i], 0.5 * v * v, 1e-8);
    od_assert_close(op[i], 0.5 * k * ex * ex, 1e-8);
  }
  /* the ODE's total energy never increases (dissipation c |x'|^2 >= 0) */
  for (PetscInt i = 1; i <= n; i++) ck_assert(ok[i] + op[i] <= ok[i - 1] + op[i - 1] + 1e-14);
}
END_TEST

/* GD's iterates converge to the gradient flow at first order in eta (fixed final time). */
static void GdOrder(const OdOscProblem *pb, const PetscReal x0[], PetscReal T, PetscReal eta0, PetscReal *order, PetscReal *err_small)
{
  PetscReal err[3];
  for (int l = 0; l < 3; l++) {
    const PetscReal eta = eta0 / (1 << l);
    const PetscInt n = (PetscInt)llround(T / eta);
    PetscReal *x, *kin, *pot, *ox, *ok, *op;
    ck_assert(!PetscMalloc6(n + 1, &x, n + 1, &kin, n + 1, &pot, n + 1, &ox, n + 1, &ok, n + 1, &op));
    const OdOscHyper hp = {OD_OSC_GD, eta, 0, 0.999, 1e-8};
    ck_assert(!OdOscTrajectory(pb, &hp, x0, n, 40, x, kin, pot, ox, ok, op));
    err[l] = fabs(x[n] - ox[n]);
    ck_assert(!PetscFree6(x, kin, pot, ox, ok, op));
  }
  /* two successive halvings: the observed order log2(e(eta)/e(eta/2)) */
  order[0] = log2(err[0] / err[1]);
  order[1] = log2(err[1] / err[2]);
  *err_small = err[2];
}

START_TEST(test_gd_first_order)
{
  OdOscProblem pb;
  OdLandscape ls;
  PetscReal order[2], e;
  const PetscReal xq[1] = {1};
  ck_assert(!OdOscProblemSetQuadratic1D(&pb, 2.0));
  GdOrder(&pb, xq, 1.0, 0.02, order, &e);
  ck_assert_msg(fabs(order[0] - 1) < 0.05 && fabs(order[1] - 1) < 0.03, "quadratic: orders %g %g", order[0], order[1]);
  /* leading term of |(1 - eta k)^n - exp(-k T)|: (k^2 T / 2) eta exp(-k T) */
  od_assert_close(e, 2.0 * 0.005 * exp(-2.0), 0.05 * 2.0 * 0.005 * exp(-2.0));
  printf("GD vs gradient flow, quadratic: orders %.4f %.4f, error %.3g at eta = 0.005\n", order[0], order[1], e);
  /* the seed landscape's pit (docs/models.md §1), nonlinear gradient flow */
  ck_assert(!OdLandscapeCreate(PETSC_COMM_SELF, &ls));
  ck_assert(!OdLandscapeSetBuiltin(ls, "seed"));
  ck_assert(!OdOscProblemSetLandscape(&pb, ls, 1.0));
  od_assert_close(pb.xmin[0], 1.007453, 1e-5);
  const PetscReal xl[1] = {pb.xmin[0] + 0.05};
  GdOrder(&pb, xl, 0.02, 2e-4, order, &e);
  ck_assert_msg(fabs(order[0] - 1) < 0.1 && fabs(order[1] - 1) < 0.05, "landscape: orders %g %g", order[0], order[1]);
  printf("GD vs gradient flow, seed landscape: orders %.4f %.4f, error %.3g at eta = 5e-5\n", order[0], order[1], e);
  ck_assert(!OdLandscapeDestroy(&ls));
}
END_TEST

static PetscErrorCode CheckQuiet(OdOscHyper hp)
{
  PetscErrorCode ierr;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = OdOscHyperCheck(PETSC_COMM_SELF, &hp, "-osc_eta_min", "-osc_beta_min");
  PetscCall(PetscPopErrorHandler());
  return ierr;
}

START_TEST(test_bad_hyperparameters)
{
  ck_assert_int_eq(CheckQuiet((OdOscHyper){OD_OSC_MOMENTUM, 0.1, 0.0, 0.999, 1e-8}), 0);
  ck_assert_int_eq(CheckQuiet((OdOscHyper){OD_OSC_MOMENTUM, 0.1, 0.999, 0.999, 1e-8}), 0);
  ck_assert_int_eq(CheckQuiet((OdOscHyper){OD_OSC_MOMENTUM, 0.0, 0.5, 0.999, 1e-8}), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(CheckQuiet((OdOscHyper){OD_OSC_MOMENTUM, -0.1, 0.5, 0.999, 1e-8}), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(CheckQuiet((OdOscHyper){OD_OSC_MOMENTUM, NAN, 0.5, 0.999, 1e-8}), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(CheckQuiet((OdOscHyper){OD_OSC_MOMENTUM, 0.1, 1.0, 0.999, 1e-8}), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(CheckQuiet((OdOscHyper){OD_OSC_NESTEROV, 0.1, -0.01, 0.999, 1e-8}), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(CheckQuiet((OdOscHyper){OD_OSC_ADAM, 0.1, 0.9, 1.0, 1e-8}), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(CheckQuiet((OdOscHyper){OD_OSC_RMSPROP, 0.1, 0.9, 0.999, 0}), PETSC_ERR_USER_INPUT);
}
END_TEST

/* Classic test functions: curvature at the minimum from the analytic Hessian. */
START_TEST(test_problems)
{
  OdOscProblem pb;
  PetscReal g[2];
  ck_assert(!OdOscProblemSetRosenbrock(&pb));
  OdOscProblemGradient(&pb, pb.xmin, g);
  ck_assert(g[0] == 0 && g[1] == 0);
  /* [[802, -400], [-400, 200]]: eigenvalues 501 +- sqrt(301^2 + 400^2) */
  od_assert_close(pb.lambda[0], 501 + sqrt(301.0 * 301 + 400 * 400), 1e-13);
  od_assert_close(pb.lambda[1], 501 - sqrt(301.0 * 301 + 400 * 400), 1e-10);
  ck_assert(!OdOscProblemSetHimmelblau(&pb));
  OdOscProblemGradient(&pb, pb.xmin, g);
  ck_assert(g[0] == 0 && g[1] == 0);
  od_assert_close(pb.lambda[0] + pb.lambda[1], 74 + 34, 1e-13);
  od_assert_close(pb.lambda[0] * pb.lambda[1], 74 * 34 - 400, 1e-12);
  /* gradient vs central differences */
  const PetscReal x[2] = {0.3, -0.7}, hh = 1e-6;
  OdOscProblemGradient(&pb, x, g);
  for (int i = 0; i < 2; i++) {
    PetscReal xp[2] = {x[0], x[1]}, xm[2] = {x[0], x[1]};
    xp[i] += hh, xm[i] -= hh;
    od_assert_close(g[i], (OdOscProblemValue(&pb, xp) - OdOscProblemValue(&pb, xm)) / (2 * hh), 1e-7);
  }
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("oscillator");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_heavy_ball_overdamped);
  tcase_add_test(tc, test_heavy_ball_critical);
  tcase_add_test(tc, test_heavy_ball_underdamped);
  tcase_add_test(tc, test_heavy_ball_alternating_and_unstable);
  tcase_add_test(tc, test_critical_boundary);
  tcase_add_test(tc, test_gd_and_nesterov_roots);
  tcase_add_test(tc, test_quad2d_rate);
  tcase_add_test(tc, test_mapping);
  tcase_add_test(tc, test_ode_closed_form);
  tcase_add_test(tc, test_gd_first_order);
  tcase_add_test(tc, test_bad_hyperparameters);
  tcase_add_test(tc, test_problems);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
