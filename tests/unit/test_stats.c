/* Wilson intervals and run probabilities against independently known values. */
#include <math.h>
#include "od_check.h"
#include "optdyn/stats.h"

START_TEST(test_wilson_known_values)
{
  double lo, hi;
  /* 5 of 10 at 95 %: [0.2366, 0.7634] (Wilson 1927; e.g. R binom.confint method "wilson") */
  OdWilsonInterval(5, 10, OD_Z95, &lo, &hi);
  od_assert_close(lo, 0.236593090, 1e-8);
  od_assert_close(hi, 0.763406910, 1e-8);
  /* 0 of 20: [0, 0.1611] */
  OdWilsonInterval(0, 20, OD_Z95, &lo, &hi);
  ck_assert(lo == 0);
  od_assert_close(hi, 0.16112516, 1e-8);
  /* 81 of 263 (Newcombe 1998, example): [0.2553, 0.3662] */
  OdWilsonInterval(81, 263, OD_Z95, &lo, &hi);
  od_assert_close(lo, 0.2553, 1e-4);
  od_assert_close(hi, 0.3662, 1e-4);
  /* n = 0 is uninformative */
  OdWilsonInterval(0, 0, OD_Z95, &lo, &hi);
  ck_assert(lo == 0 && hi == 1);
}
END_TEST

START_TEST(test_run_probability)
{
  /* P(at least one run of 5 heads in 100 fair flips) = 0.8101 (docs/models.md §2, seed) */
  od_assert_close(OdRunProbability(5, 100, 0.5), 0.810109599, 1e-8);
  /* small cases by enumeration: run of 2 in 3 flips: HHT, HHH, THH -> 3/8 */
  od_assert_close(OdRunProbability(2, 3, 0.5), 0.375, 1e-15);
  od_assert_close(OdRunProbability(1, 4, 0.5), 1 - 1.0 / 16, 1e-15);
  ck_assert(OdRunProbability(6, 5, 0.5) == 0);
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("stats");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_wilson_known_values);
  tcase_add_test(tc, test_run_probability);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
