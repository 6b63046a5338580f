/* The oscillator's vectorized measurement: (1) its own log (OdOscLog) against libm and against
   the long-double logl over the whole double range, with the values the kernel can see
   (1, subnormals, 0, inf, NaN, negatives); (2) OdOscMeasureCells at every instruction-set level
   this CPU runs equals the scalar reference cell by cell, bitwise, on runs that exercise every
   retirement path (round-off floor, divergence, non-finite D, exact zero, renormalization up
   and down, full length); (3) the lane measurement meets the analytic root. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "od_check.h"
#include "optdyn/oscillator.h"
#include "optdyn/rng.h"

/* |got - want| in units of the last place of want */
static double UlpError(double got, long double want)
{
  const double w = (double)want, aw = fabs(w);
  const double ulp = nextafter(aw, INFINITY) - aw;
  return (double)(fabsl((long double)got - want) / ulp);
}

/* A positive double with uniformly random bits below the sign: every binade equally likely. */
static double RandomPositive(const OdRng *rng, uint32_t i)
{
  uint32_t w[4];
  OdRngWords(rng, OdCounterMake(i, 0, 0, 0), w);
  uint64_t bits = ((uint64_t)w[0] << 32 | w[1]) & UINT64_C(0x7fefffffffffffff);
  double x;
  memcpy(&x, &bits, sizeof x);
  return x;
}

START_TEST(test_log_accuracy)
{
  const OdRng rng = OdRngCreate(11, OD_STREAM_TEST);
  double max_libm = 0, max_true = 0, worst = 0;
  PetscInt n = 0;
  for (uint32_t i = 0; i < 400000; i++) {
    double x;
    if (i < 200000) x = RandomPositive(&rng, i);                            /* whole range incl. subnormals */
    else if (i < 300000) x = 0.5 + 1.5 * (i - 200000) / 100000.0;           /* [0.5, 2): every mantissa path */
    else if (i < 350000) x = 1 + (i - 300000) * 0x1p-45;                    /* just above 1 */
    else x = 1 - (i - 350000) * 0x1p-46;                                    /* just below 1 */
    if (x == 0 || x == 1) continue;
    const double got = OdOscLog(x), e_libm = UlpError(got, log(x)), e_true = UlpError(got, logl((long double)x));
    if (e_libm > max_libm) max_libm = e_libm, worst = x;
    max_true = fmax(max_true, e_true);
    n++;
  }
  for (int k = -1074; k <= 1023; k++) { /* powers of two: k ln 2 */
    const double x = ldexp(1.0, k);
    max_libm = fmax(max_libm, UlpError(OdOscLog(x), log(x)));
    max_true = fmax(max_true, UlpError(OdOscLog(x), logl((long double)x)));
  }
  printf("OdOscLog: %d points, max error %.3f ulp vs libm (at %.17g), %.3f ulp vs logl\n", (int)n, max_libm, worst, max_true);
  ck_assert_msg(max_libm <= 1.0, "max error vs libm %.3f ulp > 1 at x = %.17g", max_libm, worst);
  ck_assert_msg(max_true < 1.0, "max error vs logl %.3f ulp >= 1", max_true);
}
END_TEST

START_TEST(test_log_special_values)
{
  ck_assert(OdOscLog(1.0) == 0 && !signbit(OdOscLog(1.0))); /* exactly +0 */
  ck_assert(OdOscLog(0.0) == -INFINITY);
  ck_assert(OdOscLog(-0.0) == -INFINITY);
  ck_assert(OdOscLog(INFINITY) == INFINITY);
  ck_assert(isnan(OdOscLog(-1.0)) && isnan(OdOscLog(-INFINITY)) && isnan(OdOscLog(NAN)));
  const double edge[] = {DBL_MIN, DBL_MAX, 4.9406564584124654e-324, 0x1p-1023 * 1.5, nextafter(1.0, 2.0), nextafter(1.0, 0.0), M_SQRT2, M_SQRT1_2, M_E};
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) ck_assert_msg(UlpError(OdOscLog(edge[i]), log(edge[i])) <= 1.0, "x = %.17g: %.17g vs libm %.17g", edge[i], OdOscLog(edge[i]), log(edge[i]));
  ck_assert(OdOscLog(M_E) > 0.99999999999999 && OdOscLog(0.5) == -OdOscLog(2.0));
}
END_TEST

/* Every field of a measurement, bitwise (NaN rates and flip fractions included). */
static int SameMeasurement(const OdOscMeasurement *a, const OdOscMeasurement *b, PetscInt dim)
{
  if (memcmp(&a->rate, &b->rate, sizeof a->rate) || a->steps != b->steps || a->window_begin != b->window_begin || a->regime != b->regime || a->dominant != b->dominant) return 0;
  for (PetscInt d = 0; d < dim; d++)
    if (a->regime_dir[d] != b->regime_dir[d] || memcmp(&a->flip_fraction[d], &b->flip_fraction[d], sizeof(PetscReal))) return 0;
  return 1;
}

typedef struct {
  PetscInt early, zero, unstable, full, nan;
} Coverage;

/* One row of cells (eta fixed, nb momenta) at every available level vs the scalar reference. */
static void CompareRow(const OdOscProblem *pb, OdOscOptimizer type, PetscReal eta, PetscInt nb, PetscReal bmax, PetscInt steps, Coverage *cov)
{
  OdOscHyper hp[16];
  OdOscMeasurement ref[16], got[16];
  PetscReal x0[OD_OSC_MAXDIM];
  const PetscReal dx[5][2] = {{1, 1}, {1, 1}, {0.01, 0}, {-0.05, -0.1}, {0.1, 0.1}};
  for (PetscInt i = 0; i < pb->dim; i++) x0[i] = pb->xmin[i] + dx[pb->kind][i];
  for (PetscInt j = 0; j < nb; j++) hp[j] = (OdOscHyper){type, eta, bmax * j / (nb - 1), 0.999, 1e-8};
  ck_assert_int_eq(OdOscMeasureCells(pb, nb, hp, x0, steps, 1e-9, OD_SIMD_SCALAR, ref), 0);
  for (PetscInt j = 0; j < nb; j++) {
    OdOscMeasurement one;
    ck_assert_int_eq(OdOscMeasure(pb, &hp[j], x0, steps, 1e-9, &one), 0);
    ck_assert(SameMeasurement(&one, &ref[j], pb->dim));
    cov->early += ref[j].steps < steps, cov->full += ref[j].steps == steps, cov->zero += ref[j].rate == 0;
    cov->unstable += ref[j].rate >= 1, cov->nan += isnan(ref[j].rate);
  }
  for (int lv = OD_SIMD_SSE2; lv < OD_SIMD_NLEVELS; lv++) {
    if (!OdSimdLevelAvailable((OdSimdLevel)lv)) continue;
    ck_assert_int_eq(OdOscMeasureCells(pb, nb, hp, x0, steps, 1e-9, (OdSimdLevel)lv, got), 0);
    for (PetscInt j = 0; j < nb; j++)
      ck_assert_msg(SameMeasurement(&got[j], &ref[j], pb->dim), "%s on %s, level %s, eta %g beta %g: rate %.17g steps %d, reference %.17g steps %d", OdOscOptimizerNames[type], OdOscProblemNames[pb->kind], OdSimdLevelName((OdSimdLevel)lv), (double)eta, (double)hp[j].beta, (double)got[j].rate, (int)got[j].steps, (double)ref[j].rate, (int)ref[j].steps);
  }
}

START_TEST(test_levels_bitwise)
{
  OdOscProblem q1, q2, rb, hb;
  Coverage cov = {0};
  ck_assert_int_eq(OdOscProblemSetQuadratic1D(&q1, 1), 0);
  ck_assert_int_eq(OdOscProblemSetQuadratic2D(&q2, 1, 100, 30), 0);
  ck_assert_int_eq(OdOscProblemSetRosenbrock(&rb), 0);
  ck_assert_int_eq(OdOscProblemSetHimmelblau(&hb), 0);
  /* 13 cells per row: idle lanes at every width; eta from stable to far beyond stability */
  const PetscReal etas[6] = {0.003, 0.05, 0.4, 1.0, 2.6, 4.5};
  for (int e = 0; e < 6; e++) {
    CompareRow(&q1, OD_OSC_MOMENTUM, etas[e], 13, 0.95, 700, &cov);
    CompareRow(&q1, OD_OSC_GD, etas[e], 13, 0.95, 300, &cov); /* eta = 1: D = 0 exactly at step 2 */
    CompareRow(&q2, OD_OSC_NESTEROV, etas[e], 13, 0.95, 500, &cov);
    CompareRow(&rb, OD_OSC_MOMENTUM, etas[e] * 1e-3, 13, 0.95, 3000, &cov);
    CompareRow(&hb, OD_OSC_GD, etas[e] * 1e-2, 13, 0.95, 800, &cov);
  }
  const PetscReal adam_etas[3] = {1e-3, 0.05, 0.3};
  for (int e = 0; e < 3; e++) {
    CompareRow(&rb, OD_OSC_ADAM, adam_etas[e], 13, 0.9, 1500, &cov);
    CompareRow(&q2, OD_OSC_RMSPROP, adam_etas[e], 13, 0.99, 1500, &cov);
  }
  CompareRow(&rb, OD_OSC_GD, 1e308, 13, 0.95, 50, &cov); /* the first step overflows: no step counted */
  printf("levels vs scalar: early stops %d, full length %d, exact zero %d, rate >= 1 %d, no step %d\n", (int)cov.early, (int)cov.full, (int)cov.zero, (int)cov.unstable, (int)cov.nan);
  ck_assert(cov.early > 20 && cov.full > 20 && cov.zero > 0 && cov.unstable > 20 && cov.nan > 0);
}
END_TEST

START_TEST(test_lanes_analytic)
{
  /* heavy ball on k = 1: under-damped root modulus sqrt(beta), over-damped and alternating
     roots from the characteristic polynomial, measured through the widest lane kernel */
  OdOscProblem pb;
  ck_assert_int_eq(OdOscProblemSetQuadratic1D(&pb, 1), 0);
  const OdOscHyper hp[3] = {{OD_OSC_MOMENTUM, 0.04, 0.81, 0.999, 1e-8}, {OD_OSC_MOMENTUM, 0.0025, 0.81, 0.999, 1e-8}, {OD_OSC_MOMENTUM, 2.4, 0.25, 0.999, 1e-8}};
  const PetscReal x0[1] = {1};
  OdOscMeasurement ms[3];
  ck_assert_int_eq(OdOscMeasureCells(&pb, 3, hp, x0, 20000, 1e-9, OD_SIMD_AUTO, ms), 0);
  for (int c = 0; c < 3; c++) {
    OdOscMode md;
    ck_assert_int_eq(OdOscModeCompute(&hp[c], 1, &md), 0);
    od_assert_close(ms[c].rate, md.rate, 1e-6);
    ck_assert_int_eq(ms[c].regime, md.regime);
  }
  od_assert_close(ms[0].rate, 0.9, 1e-6);
}
END_TEST

START_TEST(test_cells_must_share_optimizer)
{
  OdOscProblem pb;
  OdOscMeasurement ms[2];
  const PetscReal x0[1] = {1};
  const OdOscHyper hp[2] = {{OD_OSC_MOMENTUM, 0.1, 0.5, 0.999, 1e-8}, {OD_OSC_GD, 0.1, 0.5, 0.999, 1e-8}};
  ck_assert_int_eq(OdOscProblemSetQuadratic1D(&pb, 1), 0);
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  ck_assert_int_eq(OdOscMeasureCells(&pb, 2, hp, x0, 100, 1e-9, OD_SIMD_SSE2, ms), PETSC_ERR_ARG_WRONG);
  PetscPopErrorHandler();
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("oscillator_simd");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_log_accuracy);
  tcase_add_test(tc, test_log_special_values);
  tcase_add_test(tc, test_levels_bitwise);
  tcase_add_test(tc, test_lanes_analytic);
  tcase_add_test(tc, test_cells_must_share_optimizer);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
