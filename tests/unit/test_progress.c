/* Progress ETA estimator on synthetic timelines: the warm-up is excluded, the rate follows
   the current regime, samples stay bounded, and no ETA is given before there is a rate. */
#include <math.h>
#include "od_check.h"
#include "optdyn/progress.h"

/* A progress object whose clock starts at t = 0 (the timeline is synthetic). */
static OdProgress Fresh(double total)
{
  OdProgress p;
  OdProgressStart(&p, PETSC_COMM_SELF, "test", total, 0, PETSC_TRUE);
  p.start = p.sample_t[0] = 0;
  return p;
}

/* The ETA an average since the start would give (what the old estimator did). */
static double NaiveEta(double total, double now, double done) { return (total - done) / (done / now); }

START_TEST(test_warmup_excluded)
{
  /* the first work unit takes 10 s (start-up), then 1 unit/s; 100 units in all */
  OdProgress p = Fresh(100);
  double rate, eta;
  OdProgressSample(&p, 10, 1);
  ck_assert(!OdProgressEstimate(&p, &rate, &eta)); /* only the warm-up so far */
  OdProgressSample(&p, 11, 2);
  ck_assert(OdProgressEstimate(&p, &rate, &eta));
  for (int k = 3; k <= 31; k++) OdProgressSample(&p, 9.0 + k, k);
  ck_assert(OdProgressEstimate(&p, &rate, &eta));
  const double truth = 69; /* (100 - 31) units at 1 unit/s */
  od_assert_close(rate, 1.0, 1e-12);
  od_assert_close(eta, truth, 1e-12);
  /* the test can tell: averaging from the start is more than 25% off here */
  ck_assert_msg(fabs(NaiveEta(100, 40, 31) - truth) > 0.25 * truth, "naive ETA %.3g", NaiveEta(100, 40, 31));
}
END_TEST

/* The sweep's rounds: a batch of b units costs (0.2 + 0.01 b) s and b doubles up to 64.
   Returns the time at which `units` are done, recording a sample per round while done <= stop. */
static double RunRounds(OdProgress *p, double units, double stop)
{
  double t = 0, done = 0, b = 1;
  while (done < units) {
    const double n = fmin(b, units - done);
    t += 0.2 + 0.01 * n;
    done += n;
    if (p && done <= stop) OdProgressSample(p, t, done);
    if (b < 64) b *= 2;
  }
  return t;
}

START_TEST(test_follows_current_rate)
{
  const double total = 20000, stop = 3000;
  OdProgress p = Fresh(total);
  double rate, eta;
  RunRounds(&p, stop, stop);
  const double t_stop = RunRounds(NULL, stop, stop), t_end = RunRounds(NULL, total, stop);
  ck_assert(OdProgressEstimate(&p, &rate, &eta));
  const double truth = t_end - t_stop;
  ck_assert_msg(fabs(eta - truth) < 0.02 * truth, "ETA %.4g s, actual %.4g s", eta, truth);
  ck_assert_msg(NaiveEta(total, t_stop, stop) > 1.02 * truth, "naive ETA %.4g vs %.4g", NaiveEta(total, t_stop, stop), truth);
  ck_assert_int_le(p.nsamples, OD_PROGRESS_SAMPLES);
}
END_TEST

START_TEST(test_rate_change_and_thinning)
{
  /* 1000 samples at 2 units/s, then 1000 at 0.5 units/s: the ETA uses the recent rate */
  OdProgress p = Fresh(1e6);
  double t = 0, done = 0, rate, eta;
  for (int k = 0; k < 1000; k++) OdProgressSample(&p, t += 1, done += 2);
  for (int k = 0; k < 1000; k++) OdProgressSample(&p, t += 1, done += 0.5);
  ck_assert_int_le(p.nsamples, OD_PROGRESS_SAMPLES);
  ck_assert_int_ge(p.nsamples, 16); /* still spread over the run */
  for (int i = 2; i < p.nsamples; i++) ck_assert_msg(p.sample_t[i] - p.sample_t[i - 1] <= 4 * 2000.0 / (OD_PROGRESS_SAMPLES / 2), "gap at %d", i);
  ck_assert(OdProgressEstimate(&p, &rate, &eta));
  od_assert_close(rate, 0.5, 0.02);
  od_assert_close(eta, (1e6 - done) / 0.5, 0.02);
  ck_assert(p.sample_t[0] == 0 && p.sample_t[1] == 1); /* start and warm-up kept */
}
END_TEST

START_TEST(test_no_progress_no_eta)
{
  OdProgress p = Fresh(10);
  double rate, eta;
  ck_assert(!OdProgressEstimate(&p, &rate, &eta));
  OdProgressSample(&p, 1, 1);
  OdProgressSample(&p, 2, 1);
  OdProgressSample(&p, 3, 1); /* stalled: no rate to extrapolate */
  ck_assert(!OdProgressEstimate(&p, &rate, &eta));
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("progress");
  TCase *tc = tcase_create("eta");
  tcase_add_test(tc, test_warmup_excluded);
  tcase_add_test(tc, test_follows_current_rate);
  tcase_add_test(tc, test_rate_change_and_thinning);
  tcase_add_test(tc, test_no_progress_no_eta);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
