/* es's vectorized kernels: the perturbation noise, the fused gradient accumulation and the
   built-in objectives' sums agree bit for bit with the plain scalar reference at every
   instruction-set level this CPU runs; the normals have N(0,1) moments and pass a
   Kolmogorov-Smirnov bound at a fixed seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "od_check.h"
#include "optdyn/es.h"
#include "es_sums.h"

#define FOR_LEVELS(lv) \
  for (int lv = OD_SIMD_SSE2; lv < OD_SIMD_NLEVELS; lv++) \
    if (OdSimdLevelAvailable((OdSimdLevel)lv))

/* Ranges that start and end inside chunks, straddle two, or sit inside one. */
START_TEST(noise_levels_bitwise)
{
  const OdRng rng = OdRngCreate(11, OD_STREAM_ES);
  const PetscInt ranges[][2] = {{0, 4096}, {5, 1000}, {33, 7}, {31, 2}, {100000, 333}, {1, 31}};
  for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
    const PetscInt c0 = ranges[r][0], n = ranges[r][1];
    PetscReal *ref = malloc(sizeof(PetscReal) * n), *x = malloc(sizeof(PetscReal) * n);
    OdEsNoiseSimd(OD_SIMD_SCALAR, &rng, 3, 17, 1, c0, n, ref);
    FOR_LEVELS(lv)
    {
      OdEsNoiseSimd((OdSimdLevel)lv, &rng, 3, 17, 1, c0, n, x);
      ck_assert_msg(!memcmp(x, ref, sizeof(PetscReal) * n), "noise differs from the reference at level %s (range %d)", OdSimdLevelName((OdSimdLevel)lv), (int)r);
    }
    /* a sub-range equals the same coordinates of a longer range */
    if (n > 2) {
      OdEsNoiseSimd(OD_SIMD_AUTO, &rng, 3, 17, 1, c0 + 1, n - 2, x);
      ck_assert(!memcmp(x, ref + 1, sizeof(PetscReal) * (n - 2)));
    }
    free(ref), free(x);
  }
}
END_TEST

/* Fused accumulation: each level equals the reference, and both equal sums of OdEsNoise
   computed naively in the same order; any coordinate split gives the same bits. */
START_TEST(accumulate_levels_bitwise)
{
  const OdRng rng = OdRngCreate(5, OD_STREAM_ES);
  const PetscInt K = 9, d = 1000;
  PetscReal a[9], b[9], g_ref[1000] = {0}, s_ref[1000] = {0}, g[1000], s[1000], eps[1000];
  for (PetscInt k = 0; k < K; k++) a[k] = 0.37 * k - 1.1, b[k] = k == 4 ? 0 : 0.5 - 0.13 * k;
  a[3] = 0, b[3] = 0; /* skipped member */
  for (PetscInt k = 0; k < K; k++) {
    if (a[k] == 0 && b[k] == 0) continue;
    OdEsNoiseSimd(OD_SIMD_SCALAR, &rng, 2, (uint32_t)k, 0, 0, d, eps);
    for (PetscInt c = 0; c < d; c++) g_ref[c] = g_ref[c] + a[k] * eps[c], s_ref[c] = s_ref[c] + b[k] * (eps[c] * eps[c]);
  }
  for (int lv = OD_SIMD_SCALAR; lv < OD_SIMD_NLEVELS; lv++) {
    if (!OdSimdLevelAvailable((OdSimdLevel)lv)) continue;
    const PetscInt cuts[] = {0, 64, 96, 512, 992, d};
    memset(g, 0, sizeof g), memset(s, 0, sizeof s);
    for (int p = 0; p + 1 < 6; p++) OdEsAccumulateSimd((OdSimdLevel)lv, &rng, 2, 0, K, a, b, cuts[p], cuts[p + 1], g + cuts[p], s + cuts[p]);
    ck_assert_msg(!memcmp(g, g_ref, sizeof g) && !memcmp(s, s_ref, sizeof s), "accumulation differs at level %s", OdSimdLevelName((OdSimdLevel)lv));
  }
}
END_TEST

/* 4.2e6 normals at seed 1: mean, variance, skewness, kurtosis within 5 standard errors,
   P(|x| > 3) within 5 standard errors, and the KS distance of 2e5 of them below the 0.1 %
   critical value 1.95/sqrt(n). */
static int CmpDouble(const void *x, const void *y) { return (*(const double *)x > *(const double *)y) - (*(const double *)x < *(const double *)y); }

START_TEST(noise_moments_and_ks)
{
  const OdRng rng = OdRngCreate(1, OD_STREAM_ES);
  const PetscInt blk = 4200, nb = 1000, n = blk * nb, nks = 200000;
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0, t3 = 0, ks = 0;
  PetscReal *x = malloc(sizeof(PetscReal) * blk);
  double *y = malloc(sizeof(double) * nks);
  PetscInt ny = 0;
  for (PetscInt k = 0; k < nb; k++) {
    OdEsNoise(&rng, 0, (uint32_t)k, 0, 0, blk, x);
    for (PetscInt i = 0; i < blk; i++) {
      const double v = x[i];
      m1 += v, m2 += v * v, m3 += v * v * v, m4 += v * v * v * v, t3 += fabs(v) > 3;
      if (ny < nks && i % 21 == 0) y[ny++] = v;
    }
  }
  m1 /= n, m2 /= n, m3 /= n, m4 /= n;
  ck_assert_msg(fabs(m1) < 5 * sqrt(1.0 / n), "mean %g", m1);
  ck_assert_msg(fabs(m2 - 1) < 5 * sqrt(2.0 / n), "variance %g", m2);
  ck_assert_msg(fabs(m3) < 5 * sqrt(15.0 / n), "third moment %g", m3);
  ck_assert_msg(fabs(m4 - 3) < 5 * sqrt(96.0 / n), "fourth moment (kurtosis) %g", m4);
  const double p3 = 0.0026997960632601866;
  ck_assert_msg(fabs(t3 / n - p3) < 5 * sqrt(p3 / n), "P(|x|>3) = %g, expected %g", t3 / n, p3);
  ck_assert_int_eq(ny, nks);
  qsort(y, (size_t)nks, sizeof *y, CmpDouble);
  for (PetscInt i = 0; i < nks; i++) {
    const double F = 0.5 * erfc(-y[i] / sqrt(2.0));
    ks = fmax(ks, fmax(fabs(F - (double)i / nks), fabs(F - (double)(i + 1) / nks)));
  }
  ck_assert_msg(ks < 1.95 / sqrt((double)nks), "KS distance %g >= %g", ks, 1.95 / sqrt((double)nks));
  free(x), free(y);
}
END_TEST

/* The kernels' cos(2 pi w) against libm, and the objective sums at every level against the
   reference (d not a multiple of 8; values spanning reduction cases). */
START_TEST(objective_sums_levels)
{
  const PetscInt d = 1003;
  double w[1003], maxerr = 0;
  for (PetscInt i = 0; i < d; i++) w[i] = 7.3 * sin(0.77 * i) + (i % 5 == 0 ? 0.125 * (i % 16) : 0);
  for (PetscInt i = 0; i < d; i++) maxerr = fmax(maxerr, fabs(OdEsCos2Pi(w[i]) - cos(2 * M_PI * w[i])));
  ck_assert_msg(maxerr < 1e-14, "cos(2 pi w) error %g", maxerr);
  ck_assert(fabs(OdEsCos2Pi(0.25)) < 1e-16 && fabs(OdEsCos2Pi(0.5) + 1) < 1e-16 && OdEsCos2Pi(1e17) == 1.0);
  for (int kind = 0; kind < 3; kind++) {
    for (PetscInt n = 1; n <= d; n += (n < 20 ? 1 : 331)) {
      const double ref = OdEsObjectiveSum((OdEsSumKind)kind, OD_SIMD_SCALAR, n, w, 0.3);
      double naive = 0;
      for (PetscInt i = 0; i < n; i++) {
        if (kind == 0) naive += (w[i] - 0.3) * (w[i] - 0.3);
        if (kind == 1) naive += w[i] * w[i] - 10 * cos(2 * M_PI * w[i]);
        if (kind == 2 && i + 1 < n) naive += 100 * pow(w[i + 1] - w[i] * w[i], 2) + pow(1 - w[i], 2);
      }
      od_assert_close(ref, naive, 1e-12);
      FOR_LEVELS(lv)
      {
        const double v = OdEsObjectiveSum((OdEsSumKind)kind, (OdSimdLevel)lv, n, w, 0.3);
        ck_assert_msg(!memcmp(&v, &ref, sizeof v), "sum %d (n = %d) differs at level %s: %.17g vs %.17g", kind, (int)n, OdSimdLevelName((OdSimdLevel)lv), v, ref);
      }
    }
  }
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("es_noise");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, noise_levels_bitwise);
  tcase_add_test(tc, accumulate_levels_bitwise);
  tcase_add_test(tc, noise_moments_and_ks);
  tcase_add_test(tc, objective_sums_levels);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
