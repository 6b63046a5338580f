/* Comp/Op on continuous systems (docs/models.md §5): the linear thermostat against its closed form
   (delta independence, scaling with k), the saturating thermostat's integral of (1 - Comp)
   against 2 p t, and the Lorenz system at rho = 0.8 (negative Op, sign flips flagged). */
#include <math.h>
#include "od_check.h"
#include "optdyn/op.h"

#define CHK(x) ck_assert_int_eq((x), 0)

static OdOpSystem Make(const char *name)
{
  OdOpSystem s;
  ck_assert_int_eq(OdOpSystemCreate(PETSC_COMM_SELF, name, &s), 0);
  return s;
}

static OdOpCausal Causal(OdOpSystem s, const char *n, const char *A)
{
  OdOpCausal c = {.n = OdOpSystemFindVar(s, n), .clamp_steps = PETSC_MAX_INT};
  c.inA[OdOpSystemFindVar(s, A)] = PETSC_TRUE;
  return c;
}

/* Op_m(step) for steps 0..ns of one run */
static PetscReal *OpSeries(OdOpSystem s, const OdOpCausal *c, const PetscReal s0[], PetscReal delta, PetscInt ns, PetscInt m, PetscReal **comp_out)
{
  const PetscInt nv = s->nvars;
  PetscReal *w = malloc(sizeof(PetscReal) * (ns + 1) * nv), *dx = malloc(sizeof(PetscReal) * (ns + 1) * nv), *dy = malloc(sizeof(PetscReal) * (ns + 1) * nv);
  PetscReal *op = malloc(sizeof(PetscReal) * (ns + 1)), *comp = malloc(sizeof(PetscReal) * (ns + 1));
  OdOpTrajectories(s, c, s0, delta, ns, w, dx, dy);
  for (PetscInt k = 0; k <= ns; k++) {
    comp[k] = OdOpComp(dx[k * nv + m], dy[k * nv + m]);
    op[k] = OdOpOp(comp[k]);
  }
  free(w), free(dx), free(dy);
  if (comp_out) *comp_out = comp;
  else free(comp);
  return op;
}

/* Closed form of the linear thermostat's response: e_{k+1} = e_k - g e_{k-1}, e_0 = e_1 = 1 (g = k dt). */
static double LinearComp(double g, PetscInt t)
{
  const double r = sqrt(1 - 4 * g), z1 = (1 + r) / 2, z2 = (1 - r) / 2;
  const double c1 = (1 - z2) / (z1 - z2), c2 = (z1 - 1) / (z1 - z2);
  return c1 * pow(z1, (double)t) + c2 * pow(z2, (double)t);
}

START_TEST(test_linear_thermostat)
{
  OdOpSystem s = Make("thermostat");
  const OdOpCausal c = Causal(s, "R", "T");
  const PetscReal s0[2] = {10, 35};
  const PetscInt ns = 1000, R = 1;
  PetscReal *op[3];
  /* delta independence: the source's delta = 0.001 and two smaller ones */
  for (int j = 0; j < 3; j++) op[j] = OpSeries(s, &c, s0, 1e-3 / pow(10, j), ns, R, NULL);
  for (PetscInt k = 0; k <= ns; k++) {
    ck_assert_msg(fabs(op[1][k] - op[0][k]) < 1e-9 && fabs(op[2][k] - op[0][k]) < 1e-9, "step %d: Op %.12g %.12g %.12g", (int)k, op[0][k], op[1][k], op[2][k]);
    od_assert_close(op[0][k], -log(LinearComp(0.01, k)), 1e-9);
  }
  ck_assert(op[0][ns] > 10); /* Op = 10.14 nats at t = 1000 */
  /* doubling k: twice the Op at the same time index, to first order in k. The discrete
     model gives -ln z1 = k + 1.5 k^2 + ..., so the ratio is 2.03 at k = 0.01 -> 0.02. */
  CHK(OdOpSystemSetParam(s, "k", 0.02));
  PetscReal *op2 = OpSeries(s, &c, s0, 1e-3, ns, R, NULL);
  const double ratio = op2[ns] / op[0][ns];
  od_assert_close(op2[ns], -log(LinearComp(0.02, ns)), 1e-9);
  ck_assert_msg(fabs(ratio - 2) < 0.04, "Op(k=0.02)/Op(k=0.01) at t = 1000 = %.5f", ratio);
  for (PetscInt k = 100; k <= ns; k += 100) ck_assert_msg(fabs(op2[k] / op[0][k] - 2) < 0.04, "ratio at %d = %.5f", (int)k, op2[k] / op[0][k]);
  /* the ratio tends to 2 as the step shrinks (continuous limit Op = k t): dt = 0.01 */
  s->dt = 0.01;
  PetscReal *opa = OpSeries(s, &c, s0, 1e-3, 100000, R, NULL);
  CHK(OdOpSystemSetParam(s, "k", 0.01));
  PetscReal *opb = OpSeries(s, &c, s0, 1e-3, 100000, R, NULL);
  ck_assert_msg(fabs(opa[100000] / opb[100000] - 2) < 1e-3, "dt = 0.01 ratio %.6f", opa[100000] / opb[100000]);
  od_assert_close(opb[100000], 0.01 * 1000, 2e-3);
  /* a sinusoidal forcing of R (the source's "comically large" variation) leaves Op unchanged */
  s->dt = 1;
  CHK(OdOpSystemSetParam(s, "thermostat_forcing_amp", 50));
  PetscReal *opf = OpSeries(s, &c, s0, 1e-3, ns, R, NULL);
  for (PetscInt k = 0; k <= ns; k++) ck_assert(fabs(opf[k] - op[0][k]) < 1e-9);
  for (int j = 0; j < 3; j++) free(op[j]);
  free(op2), free(opa), free(opb), free(opf);
  OdOpSystemDestroy(&s);
}
END_TEST

/* Integral of (1 - Comp(t)) over s0 in [5, 45] on n points. */
static double ThermIntegral(OdOpSystem s, PetscReal delta, PetscInt n)
{
  const OdOpCausal c = Causal(s, "R", "T");
  const PetscInt ns = (PetscInt)llround(10 / s->dt);
  PetscReal *sg = malloc(sizeof(PetscReal) * n), *comp = malloc(sizeof(PetscReal) * n), wend[2], dx[2], dy[2];
  for (PetscInt i = 0; i < n; i++) {
    PetscReal s0[2] = {0, 5 + 40.0 * i / (n - 1)};
    sg[i] = s0[1];
    OdOpFinal(s, &c, s0, ns, 1, &delta, wend, dx, dy);
    comp[i] = OdOpComp(dx[1], dy[1]);
  }
  double Ig = OdOpIntegralOneMinusComp(n, sg, comp);
  free(sg), free(comp);
  return Ig;
}

START_TEST(test_saturating_thermostat)
{
  /* (theta, p) = (1, 1), (0.5, 1), (1, 0.5): the integral of (1 - Comp) at t = 10 is
     2 p t within 0.5 % (source: 19.961, 19.611, 9.980). It telescopes to
     40 - (w_10(45) - w_10(5)) = 2 p (t - dt) (T_0 = 0 costs one step). */
  const double th[3] = {1, 0.5, 1}, p[3] = {1, 1, 0.5};
  double Ig[3];
  OdOpSystem s = Make("therm");
  for (int i = 0; i < 3; i++) {
    CHK(OdOpSystemSetParam(s, "therm_theta", th[i]));
    CHK(OdOpSystemSetParam(s, "therm_p", p[i]));
    Ig[i] = ThermIntegral(s, 1e-6, 2001);
    const double target = 2 * p[i] * 10;
    ck_assert_msg(fabs(Ig[i] - target) < 0.005 * target, "theta %g p %g: integral %.5f vs 2pt = %g", th[i], p[i], Ig[i], target);
    ck_assert_msg(fabs(Ig[i] - 2 * p[i] * (10 - s->dt)) < 1e-3 * target, "theta %g p %g: integral %.6f vs 2p(t - dt) = %g", th[i], p[i], Ig[i], 2 * p[i] * (10 - s->dt));
  }
  ck_assert_msg(fabs(Ig[0] - Ig[1]) < 1e-3 * Ig[0], "theta dependence: %.6f vs %.6f", Ig[0], Ig[1]);
  /* dead band: Comp = 1 except on windows of width ~delta, so the grid integral only
     recovers 2p(t - dt) when delta equals the grid spacing (then it telescopes exactly) */
  CHK(OdOpSystemSetParam(s, "therm_theta", 1));
  CHK(OdOpSystemSetParam(s, "therm_p", 1));
  CHK(OdOpSystemSetChoice(s, "therm_interior", "deadband"));
  const double Idb = ThermIntegral(s, 0.02, 2001);
  ck_assert_msg(fabs(Idb - 20) < 0.005 * 20, "dead band, delta = h: %.9f", Idb);
  OdOpSystemDestroy(&s);
}
END_TEST

START_TEST(test_lorenz_stable)
{
  OdOpSystem s = Make("lorenz");
  CHK(OdOpSystemSetParam(s, "lorenz_rho", 0.8));
  const PetscReal s0[3] = {1, 1, 1};
  const PetscInt ns = 2000, nv = 3; /* t = 20 */
  OdOpCausal c = Causal(s, "b", "a");
  PetscReal *w = malloc(sizeof(PetscReal) * (ns + 1) * nv), *dx = malloc(sizeof(PetscReal) * (ns + 1) * nv), *dy = malloc(sizeof(PetscReal) * (ns + 1) * nv);
  OdOpTrajectories(s, &c, s0, 1e-6, ns, w, dx, dy);
  /* W, X and Y converge to the origin */
  for (PetscInt i = 0; i < nv; i++) {
    ck_assert_msg(fabs(w[ns * nv + i]) < 0.02, "w_%d(20) = %g", (int)i, w[ns * nv + i]);
    ck_assert(fabs(w[ns * nv + i] + dx[ns * nv + i]) < 0.02 && fabs(w[ns * nv + i] + dy[ns * nv + i]) < 0.02);
  }
  /* Op(a; b0, b) and Op(a; b0, c) are negative at late times (t >= 2), and delta-independent */
  PetscReal *opb[3], *opc = OpSeries(s, &c, s0, 1e-6, ns, 2, NULL);
  for (int j = 0; j < 3; j++) opb[j] = OpSeries(s, &c, s0, 1e-6 / pow(10, j), ns, 1, NULL);
  for (PetscInt k = 200; k <= ns; k++) {
    ck_assert_msg(opb[0][k] < 0 && opc[k] < 0, "step %d: Op_b %g Op_c %g", (int)k, opb[0][k], opc[k]);
    ck_assert_msg(fabs(opb[1][k] - opb[0][k]) < 1e-4 && fabs(opb[2][k] - opb[0][k]) < 1e-4, "step %d: Op_b over deltas %.9g %.9g %.9g", (int)k, opb[0][k], opb[1][k], opb[2][k]);
  }
  ck_assert(opb[0][ns] < -10);
  /* perturbing c0 instead: x^c - w^c and y^c - w^c have opposite signs for a while; Comp < 0
     is flagged by its sign and Op = -ln|Comp| stays finite (not NaN) */
  c = Causal(s, "c", "a");
  PetscReal *comp, *op = OpSeries(s, &c, s0, 1e-6, ns, 2, &comp);
  PetscInt nneg = 0;
  for (PetscInt k = 0; k <= ns; k++) {
    ck_assert_msg(isfinite(op[k]), "step %d: Op_c = %g", (int)k, op[k]);
    if (OdOpSign(comp[k]) < 0) nneg++;
  }
  ck_assert_msg(nneg > 10, "only %d steps with Comp < 0", (int)nneg);
  /* with forward Euler (one stage) the plain engine (step, difference, clamp after the step)
     is the same scheme as the difference form: they agree where rounding allows */
  CHK(OdOpSystemSetChoice(s, "integrator", "euler"));
  PetscReal *comp_e, *op_e = OpSeries(s, &c, s0, 1e-6, 500, 2, &comp_e);
  OdOpDiffStepFn d = s->dstep;
  s->dstep = NULL;
  PetscReal *op_plain = OpSeries(s, &c, s0, 1e-6, 500, 2, NULL);
  for (PetscInt k = 1; k <= 500; k++) ck_assert_msg(fabs(op_plain[k] - op_e[k]) < 1e-4 * fmax(1, fabs(op_e[k])) || fabs(comp_e[k]) < 1e-3, "plain vs difference form at %d: %g %g", (int)k, op_plain[k], op_e[k]);
  s->dstep = d;
  CHK(OdOpSystemSetChoice(s, "integrator", "rk4"));
  free(op_e), free(comp_e);
  /* clamping A only at step 0 (t_A = 0) is no clamping: Y = X, Comp = 1 */
  c.clamp_steps = 0;
  PetscReal *comp0, *op0 = OpSeries(s, &c, s0, 1e-6, 300, 1, &comp0);
  for (PetscInt k = 1; k <= 300; k++) ck_assert(comp0[k] == 1);
  /* RK4 is converged at dt = 0.01: halving dt changes Op_b(t = 10) by < 1e-6 */
  c = Causal(s, "b", "a");
  PetscReal *o1 = OpSeries(s, &c, s0, 1e-6, 1000, 1, NULL);
  s->dt = 0.005;
  PetscReal *o2 = OpSeries(s, &c, s0, 1e-6, 2000, 1, NULL);
  ck_assert_msg(fabs(o1[1000] - o2[2000]) < 1e-6, "RK4 dt 0.01 vs 0.005: %.10g %.10g", o1[1000], o2[2000]);
  for (int j = 0; j < 3; j++) free(opb[j]);
  free(opc), free(comp), free(op), free(op_plain), free(comp0), free(op0), free(o1), free(o2), free(w), free(dx), free(dy);
  OdOpSystemDestroy(&s);
}
END_TEST

START_TEST(test_integral)
{
  const PetscReal s[4] = {0, 1, 2, 4}, c[4] = {1, 0, 0.5, 1};
  od_assert_close(OdOpIntegralOneMinusComp(4, s, c), 0.5 + 0.75 + 0.5, 1e-15);
  ck_assert(OdOpIntegralOneMinusComp(1, s, c) == 0);
  ck_assert(isnan(OdOpComp(1, 0)) && isnan(OdOpOp(NAN)) && OdOpSign(NAN) == 0 && OdOpSign(-2) == -1);
  ck_assert(OdOpOp(1) == 0 && !signbit(OdOpOp(1)));
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("op_engine");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_integral);
  tcase_add_test(tc, test_linear_thermostat);
  tcase_add_test(tc, test_saturating_thermostat);
  tcase_add_test(tc, test_lorenz_stable);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
