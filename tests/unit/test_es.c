/* ES/VO building blocks: perturbation noise, objectives, and the gradient estimator's mean
   and variance against the analytic formulas (docs/models.md §4). */
#include <math.h>
#include <string.h>
#include "od_check.h"
#include "optdyn/es.h"
#include "optdyn/es_objective.h"

static PetscErrorCode CreateObj(const char *name, PetscInt d, OdEsObjective *obj)
{
  PetscErrorCode ierr = 0;
  PetscFunctionBegin;
  PetscOptionsBegin(PETSC_COMM_SELF, "es_", "test", NULL);
  ierr = OdEsObjectiveCreateByName(PetscOptionsObject, name, d, obj); /* errors expected in some tests: still end the block (it frees its prefix) */
  PetscOptionsEnd();
  return ierr;
}

static OdEsObjective MakeObjective(const char *name, PetscInt d, const char *opts)
{
  OdEsObjective obj = NULL;
  PetscOptionsClear(NULL);
  if (opts) PetscOptionsInsertString(NULL, opts);
  ck_assert_int_eq(CreateObj(name, d, &obj), 0);
  PetscOptionsClear(NULL);
  return obj;
}

/* Noise is a pure function of its coordinates: any block split gives the same numbers. */
START_TEST(noise_block_invariance)
{
  const OdRng rng = OdRngCreate(7, OD_STREAM_ES);
  PetscReal a[1003], b[1003];
  OdEsNoise(&rng, 5, 11, 2, 0, 1003, a);
  for (PetscInt c0 = 0; c0 < 1003;) {
    const PetscInt n = 1 + (c0 * 7919) % 37;
    const PetscInt m = PetscMin(n, 1003 - c0);
    OdEsNoise(&rng, 5, 11, 2, c0, m, b + c0);
    c0 += m;
  }
  ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
  /* different coordinates give different numbers */
  OdEsNoise(&rng, 5, 12, 2, 0, 1003, b);
  ck_assert_int_ne(memcmp(a, b, sizeof a), 0);
  OdEsNoise(&rng, 5, 11, 3, 0, 1003, b);
  ck_assert_int_ne(memcmp(a, b, sizeof a), 0);
}
END_TEST

/* Moments and tails of 4e6 normals against N(0,1), with 5-sigma statistical bounds. */
START_TEST(noise_moments)
{
  const OdRng rng = OdRngCreate(1, OD_STREAM_ES);
  const PetscInt n = 4000000, blk = 4000;
  PetscReal *x, m1 = 0, m2 = 0, m3 = 0, m4 = 0, t3 = 0, t4 = 0, cdf = 0;
  x = malloc(sizeof(PetscReal) * blk);
  for (PetscInt k = 0; k < n / blk; k++) {
    OdEsNoise(&rng, 0, (uint32_t)k, 0, 0, blk, x);
    for (PetscInt i = 0; i < blk; i++) {
      const double v = x[i];
      m1 += v, m2 += v * v, m3 += v * v * v, m4 += v * v * v * v;
      t3 += fabs(v) > 3, t4 += fabs(v) > 3.6541528853610088, cdf += v < -1;
    }
  }
  free(x);
  m1 /= n, m2 /= n, m3 /= n, m4 /= n;
  ck_assert_msg(fabs(m1) < 5 * sqrt(1.0 / n), "mean %g", m1);
  ck_assert_msg(fabs(m2 - 1) < 5 * sqrt(2.0 / n), "variance %g", m2);
  ck_assert_msg(fabs(m3) < 5 * sqrt(15.0 / n), "third moment %g", m3);
  ck_assert_msg(fabs(m4 - 3) < 5 * sqrt(96.0 / n), "fourth moment %g", m4);
  const double p3 = 0.0026997960632601866, p4 = 2 * 0.5 * erfc(3.6541528853610088 / sqrt(2.0)), pc = 0.15865525393145707;
  ck_assert_msg(fabs(t3 / n - p3) < 5 * sqrt(p3 / n), "P(|x|>3) = %g, expected %g", t3 / n, p3);
  ck_assert_msg(fabs(t4 / n - p4) < 5 * sqrt(p4 / n), "P(|x|>r) = %g (tail), expected %g", t4 / n, p4);
  ck_assert_msg(fabs(cdf / n - pc) < 5 * sqrt(pc * (1 - pc) / n), "P(x<-1) = %g, expected %g", cdf / n, pc);
}
END_TEST

START_TEST(objectives_known_values)
{
  OdEsObjective h = MakeObjective("himmelblau", 0, NULL);
  PetscInt nmin;
  const PetscReal *xm, *fm;
  PetscReal f, g[2], gfd[2];
  OdEsObjectiveGetMinima(h, &nmin, &xm, &fm);
  ck_assert_int_eq(nmin, 4);
  for (PetscInt k = 0; k < 4; k++) {
    ck_assert_int_eq(OdEsObjectiveEval(h, xm + 2 * k, &f), 0);
    ck_assert_msg(f < 1e-20, "himmelblau minimum %d: f = %g", (int)k, f);
    ck_assert_int_eq(OdEsObjectiveBasin(h, xm + 2 * k), k);
  }
  const PetscReal p[2] = {0.3, -1.7};
  ck_assert_int_eq(OdEsObjectiveGradient(h, p, g), 0);
  for (int i = 0; i < 2; i++) {
    PetscReal q[2] = {p[0], p[1]}, fp, fmn;
    q[i] += 1e-6, OdEsObjectiveEval(h, q, &fp);
    q[i] -= 2e-6, OdEsObjectiveEval(h, q, &fmn);
    gfd[i] = (fp - fmn) / 2e-6;
    od_assert_close(g[i], gfd[i], 1e-6);
  }
  OdEsObjectiveDestroy(&h);

  OdEsObjective r = MakeObjective("rosenbrock", 5, NULL);
  PetscReal ones[5] = {1, 1, 1, 1, 1}, zeros[5] = {0, 0, 0, 0, 0};
  OdEsObjectiveEval(r, ones, &f);
  ck_assert(f == 0);
  OdEsObjectiveEval(r, zeros, &f);
  od_assert_close(f, 4.0, 1e-15);
  OdEsObjectiveDestroy(&r);
  OdEsObjective ra = MakeObjective("rastrigin", 5, NULL);
  OdEsObjectiveEval(ra, zeros, &f);
  ck_assert(f == 0);
  OdEsObjectiveEval(ra, ones, &f);
  od_assert_close(f, 5.0, 1e-12);
  OdEsObjectiveDestroy(&ra);

  OdEsObjective s = MakeObjective("sinc", 0, "-es_sinc_step 0.5");
  const PetscReal w1 = 0.2, w2 = 1.1, w3 = 1.3;
  PetscReal f1, f2, f3;
  OdEsObjectiveEval(s, &w1, &f1), OdEsObjectiveEval(s, &w2, &f2), OdEsObjectiveEval(s, &w3, &f3);
  ck_assert(f1 == 0);
  od_assert_close(f2, 1.0, 1e-15); /* sinc(1) = 0 */
  od_assert_close(f3, 1.0 + 1.0 / (1.5 * M_PI), 1e-14);
  OdEsObjectiveDestroy(&s);

  OdEsObjective tw = MakeObjective("twowells", 0, NULL);
  OdEsObjectiveGetMinima(tw, &nmin, &xm, &fm);
  ck_assert_int_eq(nmin, 2);
  ck_assert_msg(fm[0] < fm[1], "narrow minimum must be deeper: %g vs %g", fm[0], fm[1]);
  ck_assert_int_eq(OdEsObjectiveBasin(tw, &xm[0]), 0);
  ck_assert_int_eq(OdEsObjectiveBasin(tw, &xm[1]), 1);
  OdEsObjectiveDestroy(&tw);
}
END_TEST

START_TEST(objective_errors)
{
  OdEsObjective obj = NULL;
  PetscErrorCode ierr;
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  ierr = CreateObj("himmelblau", 3, &obj);
  ck_assert_int_eq(ierr, PETSC_ERR_USER_INPUT);
  OdEsObjectiveDestroy(&obj);
  obj = NULL;
  ierr = CreateObj("nosuch", 0, &obj);
  PetscPopErrorHandler();
  ck_assert_int_eq(ierr, PETSC_ERR_USER_INPUT);
  ck_assert(obj == NULL);
}
END_TEST

/* mean and variance of R replicate estimates of component 0 */
static void Replicates(OdEsObjective obj, const PetscReal *mu, PetscReal sigma, PetscInt N, PetscBool anti, PetscInt R, uint32_t run, PetscReal *mean, PetscReal *var, PetscReal *vmean, PetscReal *vvar)
{
  const OdRng rng = OdRngCreate(3, OD_STREAM_ES);
  const PetscInt d = OdEsObjectiveGetDimension(obj);
  PetscReal *x = malloc(sizeof(PetscReal) * R), *y = malloc(sizeof(PetscReal) * R), work[8], g[8];
  for (PetscInt r = 0; r < R; r++) {
    ck_assert_int_eq(OdEsEstimateGradient(obj, &rng, (uint32_t)r, run, mu, sigma, N, anti, work, g, &y[r]), 0);
    x[r] = g[0];
  }
  (void)d;
  for (int pass = 0; pass < 2; pass++) {
    const PetscReal *z = pass ? y : x;
    PetscReal m = 0, v = 0;
    for (PetscInt r = 0; r < R; r++) m += z[r];
    m /= R;
    for (PetscInt r = 0; r < R; r++) v += (z[r] - m) * (z[r] - m);
    v /= R - 1;
    if (pass) *vmean = m, *vvar = v;
    else *mean = m, *var = v;
  }
  free(x), free(y);
}

/* Quadratic f(w) = a (w - c)^2 + b in 1-D. Exactly: E[g] = f'(mu) and
   N Var[g] = f^2/sigma^2 + 2 f'^2 + 15 a^2 sigma^2 + 6 a f; the source's leading-order
   formula is f^2/(N sigma^2) + 2 f'^2 / N. */
START_TEST(estimator_quadratic)
{
  OdEsObjective q = MakeObjective("sphere", 1, "-es_sphere_scale 1 -es_sphere_center 0 -es_sphere_offset 0.5");
  const PetscReal mu = 0.5, a = 1, f = 0.75, fp = 1.0;
  const PetscInt R = 4000;
  const PetscReal sig[3] = {0.05, 0.2, 0.5};
  const PetscInt Ns[2] = {10, 40};
  for (int is = 0; is < 3; is++)
    for (int in = 0; in < 2; in++) {
      const PetscReal s = sig[is];
      const PetscInt N = Ns[in];
      PetscReal m, v, vm, vv;
      Replicates(q, &mu, s, N, PETSC_FALSE, R, (uint32_t)(is * 2 + in), &m, &v, &vm, &vv);
      const PetscReal exact = (f * f / (s * s) + 2 * fp * fp + 15 * a * a * s * s + 6 * a * f) / N;
      const PetscReal lead = f * f / (N * s * s) + 2 * fp * fp / N;
      /* mean within 4 standard errors of the true gradient */
      ck_assert_msg(fabs(m - fp) < 4 * sqrt(exact / R), "sigma %g N %d: mean %g vs f' = %g (SE %g)", s, (int)N, m, fp, sqrt(exact / R));
      /* variance within 10 % of the exact formula */
      ck_assert_msg(fabs(v / exact - 1) < 0.10, "sigma %g N %d: variance %g vs exact %g", s, (int)N, v, exact);
      /* and of the source's formula where its neglected terms are below 2 % */
      if ((15 * a * a * s * s + 6 * a * f) / N < 0.02 * lead) ck_assert_msg(fabs(v / lead - 1) < 0.10, "sigma %g N %d: variance %g vs f^2/(N s^2) + 2 f'^2/N = %g", s, (int)N, v, lead);
      /* the sigma^2 gradient: E = dU/dsigma^2 = a exactly for a quadratic */
      (void)vv;
      ck_assert_msg(fabs(vm - a) < 6 * sqrt(vv / R), "sigma %g N %d: dU/dsigma^2 mean %g vs %g", s, (int)N, vm, a);
    }
  OdEsObjectiveDestroy(&q);
}
END_TEST

/* Antithetic sampling: the mu-gradient of an objective even about mu (quadratic centred at
   mu) and the sigma-gradient of an objective odd about mu (linear through f(mu) = 0) have
   zero variance; i.i.d. sampling does not. On the linear objective the antithetic
   mu-gradient variance is 2 Var[g_e]/N = 4 a^2/N (1-D) whatever the offset f(mu), while
   the i.i.d. one is f^2/(N sigma^2) + 2 a^2/N. */
START_TEST(estimator_antithetic)
{
  const PetscInt R = 4000, N = 20;
  const PetscReal sigma = 0.3;
  PetscReal m, v, vm, vv;
  {
    OdEsObjective q = MakeObjective("sphere", 1, "-es_sphere_center 0 -es_sphere_offset 2");
    const PetscReal mu = 0.0; /* exact mirror symmetry in floating point */
    Replicates(q, &mu, sigma, N, PETSC_TRUE, 200, 1, &m, &v, &vm, &vv);
    ck_assert_msg(v == 0 && m == 0, "antithetic mu-gradient on an even objective: mean %g variance %g", m, v);
    Replicates(q, &mu, sigma, N, PETSC_FALSE, 200, 1, &m, &v, &vm, &vv);
    ck_assert_msg(v > 1, "i.i.d. mu-gradient variance %g should be large", v);
    OdEsObjectiveDestroy(&q);
  }
  {
    OdEsObjective l = MakeObjective("linear", 1, "-es_linear_slope 2 -es_linear_offset -3");
    const PetscReal mu = 1.5; /* f(mu) = 0: f is odd about mu */
    Replicates(l, &mu, sigma, N, PETSC_TRUE, 200, 2, &m, &v, &vm, &vv);
    ck_assert_msg(fabs(vm) < 1e-12 && vv < 1e-24, "antithetic sigma-gradient on an odd objective: mean %g variance %g", vm, vv);
    Replicates(l, &mu, sigma, N, PETSC_FALSE, 200, 2, &m, &v, &vm, &vv);
    ck_assert_msg(vv > 1, "i.i.d. sigma-gradient variance %g should be large", vv);
    OdEsObjectiveDestroy(&l);
  }
  {
    OdEsObjective l = MakeObjective("linear", 1, "-es_linear_slope 2 -es_linear_offset 5");
    const PetscReal mu = 1.5, a = 2, f = 8;
    Replicates(l, &mu, sigma, N, PETSC_TRUE, R, 3, &m, &v, &vm, &vv);
    ck_assert_msg(fabs(v / (4 * a * a / N) - 1) < 0.10, "antithetic variance %g vs 4 a^2/N = %g", v, 4 * a * a / N);
    ck_assert_msg(fabs(m - a) < 4 * sqrt(v / R), "antithetic mean %g vs %g", m, a);
    Replicates(l, &mu, sigma, N, PETSC_FALSE, R, 3, &m, &v, &vm, &vv);
    const PetscReal pred = f * f / (N * sigma * sigma) + 2 * a * a / N;
    ck_assert_msg(fabs(v / pred - 1) < 0.10, "i.i.d. variance %g vs %g", v, pred);
    OdEsObjectiveDestroy(&l);
  }
}
END_TEST

static Suite *MakeSuite(void)
{
  Suite *s = suite_create("es");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, noise_block_invariance);
  tcase_add_test(tc, noise_moments);
  tcase_add_test(tc, objectives_known_values);
  tcase_add_test(tc, objective_errors);
  tcase_add_test(tc, estimator_quadratic);
  tcase_add_test(tc, estimator_antithetic);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, MakeSuite); }
