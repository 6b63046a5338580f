/* RNG: Philox4x32-10 known-answer vector, coordinate purity, and moments. */
#include <math.h>
#include "od_check.h"
#include "optdyn/rng.h"

START_TEST(test_known_answer)
{
  /* Random123's published KAT: philox4x32, 10 rounds */
  const uint32_t ctr[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u};
  const uint32_t key[2] = {0xa4093822u, 0x299f31d0u};
  const uint32_t expect[4] = {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u};
  uint32_t out[4];
  OdPhilox4x32(key, ctr, out);
  for (int i = 0; i < 4; i++) ck_assert_msg(out[i] == expect[i], "word %d: %08x != %08x", i, out[i], expect[i]);
}
END_TEST

START_TEST(test_pure_function_of_coordinates)
{
  OdRng a = OdRngCreate(7, OD_STREAM_TEST), b = OdRngCreate(7, OD_STREAM_TEST), c = OdRngCreate(8, OD_STREAM_TEST), d = OdRngCreate(7, OD_STREAM_ESCAPE);
  uint32_t wa[4], wb[4], wc[4], wd[4];
  OdRngWords(&a, OdCounterMake(1, 2, 3, 4), wa);
  OdRngWords(&b, OdCounterMake(1, 2, 3, 4), wb);
  OdRngWords(&c, OdCounterMake(1, 2, 3, 4), wc);
  OdRngWords(&d, OdCounterMake(1, 2, 3, 4), wd);
  for (int i = 0; i < 4; i++) ck_assert_uint_eq(wa[i], wb[i]);
  ck_assert(wa[0] != wc[0] || wa[1] != wc[1]); /* another seed */
  ck_assert(wa[0] != wd[0] || wa[1] != wd[1]); /* another stream */
}
END_TEST

START_TEST(test_uniform_moments)
{
  /* n = 2e6 uniforms: mean 1/2 (sd 0.2887/sqrt n = 2.0e-4), var 1/12 (sd ~ 0.0745/sqrt n = 5.3e-5).
     Bounds at 5 sd: a correct generator fails with probability < 1e-6. */
  OdRng rng = OdRngCreate(12345, OD_STREAM_TEST);
  const int n = 2000000;
  double s = 0, s2 = 0, mn = 1, mx = 0;
  for (int i = 0; i < n / 2; i++) {
    double u[2];
    OdRngUniform2(&rng, OdCounterMake((uint32_t)i, 0, 0, 0), u);
    for (int k = 0; k < 2; k++) s += u[k], s2 += u[k] * u[k], mn = fmin(mn, u[k]), mx = fmax(mx, u[k]);
  }
  const double mean = s / n, var = s2 / n - mean * mean;
  ck_assert_msg(fabs(mean - 0.5) < 5 * 2.04e-4, "mean %g", mean);
  ck_assert_msg(fabs(var - 1.0 / 12) < 5 * 5.3e-5, "var %g", var);
  ck_assert(mn > 0 && mx < 1);
}
END_TEST

START_TEST(test_normal_moments)
{
  /* n = 2e6 normals: mean 0 (sd 7.1e-4), var 1 (sd sqrt(2/n) = 1.0e-3), kurtosis 3 (sd sqrt(96/n)=6.9e-3); 5 sd bounds */
  OdRng rng = OdRngCreate(2024, OD_STREAM_TEST);
  const int n = 2000000;
  double s = 0, s2 = 0, s4 = 0;
  for (int i = 0; i < n / 2; i++) {
    double z[2];
    OdRngNormal2(&rng, OdCounterMake((uint32_t)i, 1, 0, 0), z);
    for (int k = 0; k < 2; k++) s += z[k], s2 += z[k] * z[k], s4 += z[k] * z[k] * z[k] * z[k];
  }
  ck_assert_msg(fabs(s / n) < 5 * 7.1e-4, "mean %g", s / n);
  ck_assert_msg(fabs(s2 / n - 1) < 5 * 1.0e-3, "var %g", s2 / n);
  ck_assert_msg(fabs(s4 / n - 3) < 5 * 6.9e-3, "4th moment %g", s4 / n);
}
END_TEST

START_TEST(test_index_unbiased_for_two)
{
  /* J = 2: the top bit decides; counts over 1e6 draws within 5 sd (500) of 5e5 */
  OdRng rng = OdRngCreate(99, OD_STREAM_TEST);
  long ones = 0;
  for (uint32_t i = 0; i < 250000; i++) {
    uint32_t w[4];
    OdRngWords(&rng, OdCounterMake(i, 0, 0, 0), w);
    for (int k = 0; k < 4; k++) ones += OdRngIndexFromWord(w[k], 2);
  }
  ck_assert_msg(labs(ones - 500000) < 2500, "ones = %ld", ones);
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("rng");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_known_answer);
  tcase_add_test(tc, test_pure_function_of_coordinates);
  tcase_add_test(tc, test_uniform_moments);
  tcase_add_test(tc, test_normal_moments);
  tcase_add_test(tc, test_index_unbiased_for_two);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
