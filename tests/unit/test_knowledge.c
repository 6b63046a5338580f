/* Knowledge localization on a generated data set whose answer is known by construction, the
   null controls, and the statistics (fits, Student t) against independent values. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "od_check.h"
#include "optdyn/knowledge.h"

/* 8x8 images. Group A = {1, 7} lights only pixels 0..31, group B = {6, 8} only 32..63; within
   a group the two classes light opposite halves of the group's pixels (plus noise). So a
   first-layer weight from an A pixel is updated (almost) only by A examples (u near 1) and
   differs between the forks that see 1 or 7 (r near 1); B pixels the other way round. */
static void MakeData(PetscInt n, uint32_t stream_unit, OdDataset *ds)
{
  const PetscInt classes[4] = {1, 7, 6, 8};
  const OdRng rng = OdRngCreate(5, OD_STREAM_TEST);
  ds->n = n, ds->rows = ds->cols = 8, ds->dim = 64;
  PetscMalloc1(n * 64, &ds->pixels);
  PetscMalloc1(n, &ds->labels);
  for (PetscInt i = 0; i < n; i++) {
    uint32_t w[4];
    OdRngWords(&rng, OdCounterMake(stream_unit, (uint32_t)i, 0, 0), w);
    const PetscInt c = (PetscInt)(w[0] % 4), base = c < 2 ? 0 : 32;
    ds->labels[i] = classes[c];
    for (PetscInt k = 0; k < 64; k++) {
      uint32_t v[4];
      OdRngWords(&rng, OdCounterMake(stream_unit, (uint32_t)i, 1 + (uint32_t)k, 0), v);
      const PetscBool mine = (PetscBool)(k >= base && k < base + 32);
      const PetscBool lit = (PetscBool)(mine && ((k - base) < 16) == (c % 2 == 0));
      ds->pixels[i * 64 + k] = (unsigned char)(!mine ? 0 : lit ? 160 + v[0] % 96 : v[0] % 40);
    }
  }
}

static void MakeProblem(OdKnowledgeProblem *pb, OdDataset *train, OdDataset *test)
{
  memset(pb, 0, sizeof *pb);
  MakeData(3000, 1, train);
  MakeData(400, 2, test);
  pb->train = train, pb->test = test;
  pb->group_a[0] = 1, pb->group_a[1] = 7, pb->group_b[0] = 6, pb->group_b[1] = 8;
  pb->nhidden = 1, pb->hidden[0] = 16;
  pb->output_activation = OD_ACT_COUNT;
  pb->loss = OD_LOSS_SQUARED;
  pb->lr = 0.02;
  pb->phase1_examples = 1000;
  pb->phase1_epochs = pb->fork_epochs = 1;
  pb->tally_start = 0.5;
  pb->balance = PETSC_TRUE;
  pb->twins = PETSC_TRUE;
  pb->curve_points = 5;
  pb->seed = 3;
}

START_TEST(test_known_answer_and_null)
{
  OdKnowledgeProblem pb;
  OdDataset train, test;
  OdKnowledgeResult res;
  MakeProblem(&pb, &train, &test);
  const PetscInt P = OdKnowledgeNumParams(&pb);
  ck_assert(P == 64 * 16 + 16 + 16 * 2 + 2);
  ck_assert(!OdKnowledgeResultCreate(&pb, P, &res));
  for (int act = 0; act < 4; act++) {
    ck_assert(!OdKnowledgeRunUnit(&pb, (OdActivation)act, 0, &res));
    const OdFit *f = &res.fit[OD_KL_WEIGHTS1];
    printf("%-8s R2 layer-1 weights %.4f (slope %.3f), null fork %.4f, null shuffle %.4f, test acc %.3f\n", OdActivationNames[act], f->r2, f->slope, res.null_fork[OD_KL_WEIGHTS1].r2, res.null_shuffle[OD_KL_WEIGHTS1].r2, res.test_accuracy[OD_KL_PHASE1]);
    /* ReLU: a hidden unit that is off for every A example gets its A-pixel weights updated only
       through B's faint 1/256 inputs, so u and r of those weights are not tied; > 0.5 there */
    ck_assert_msg(f->n == 1024 && f->r2 > (act == OD_ACT_RELU ? 0.5 : 0.9) && f->slope > 0, "%s: r against u on layer 1: R2 %g n %d", OdActivationNames[act], f->r2, (int)f->n);
    ck_assert_msg(res.null_shuffle[OD_KL_WEIGHTS1].r2 < 0.02, "%s: shuffled-u null R2 %g", OdActivationNames[act], res.null_shuffle[OD_KL_WEIGHTS1].r2);
    ck_assert_msg(res.null_fork[OD_KL_WEIGHTS1].r2 < 0.02, "%s: twin-fork null R2 %g", OdActivationNames[act], res.null_fork[OD_KL_WEIGHTS1].r2);
    ck_assert(res.test_accuracy[OD_KL_PHASE1] > 0.95); /* the net did learn A vs B */
    ck_assert(res.examples[OD_KL_PHASE1] > 0 && res.examples[OD_KL_TWIN_A1] == res.examples[OD_KL_FORK_A1]);
    /* u and r are ratios in [0, 1]; pixel map: A pixels correlate positively or are flat */
    for (PetscInt k = 0; k < P; k++) ck_assert(!isfinite(res.u[k]) || (res.u[k] >= 0 && res.u[k] <= 1));
  }
  /* a unit is a pure function of (seed, activation, seed index) */
  double *u0;
  PetscMalloc1(P, &u0);
  ck_assert(!OdKnowledgeRunUnit(&pb, OD_ACT_SOFTPLUS, 1, &res));
  memcpy(u0, res.u, P * sizeof(double));
  const double r2 = res.fit[OD_KL_WEIGHTS].r2;
  ck_assert(!OdKnowledgeRunUnit(&pb, OD_ACT_SOFTPLUS, 0, &res));
  ck_assert(memcmp(u0, res.u, P * sizeof(double))); /* another seed index differs */
  ck_assert(!OdKnowledgeRunUnit(&pb, OD_ACT_SOFTPLUS, 1, &res));
  ck_assert(!memcmp(u0, res.u, P * sizeof(double)) && r2 == res.fit[OD_KL_WEIGHTS].r2);
  PetscFree(u0);
  OdKnowledgeResultDestroy(&res);
  OdDatasetFree(&train), OdDatasetFree(&test);
}
END_TEST

START_TEST(test_fit_and_student)
{
  /* y = 2x + 1 exactly: R2 1, p 0 */
  const double x[6] = {0, 1, 2, 3, 4, NAN}, y[6] = {1, 3, 5, 7, 9, 100};
  OdFit f;
  OdLinearFit(6, x, y, &f);
  ck_assert(f.n == 5);
  od_assert_close(f.slope, 2, 1e-14);
  od_assert_close(f.intercept, 1, 1e-14);
  od_assert_close(f.r2, 1, 1e-14);
  /* Anscombe's first quartet: slope 0.5001, intercept 3.0001, R2 0.6665 */
  const double ax[11] = {10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5}, ay[11] = {8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68};
  OdLinearFit(11, ax, ay, &f);
  od_assert_close(f.slope, 0.5000909, 1e-6);
  od_assert_close(f.intercept, 3.0000909, 1e-6);
  od_assert_close(f.r2, 0.666542, 1e-5);
  od_assert_close(f.p, 0.00217, 1e-5); /* t = 4.241 on 9 df */
  /* Student t tables: two-sided p(2.0, 10) = 0.0733880, t_{0.975}(10) = 2.2281389, t_{0.975}(1) = 12.7062047 */
  od_assert_close(OdStudentTwoSidedP(2.0, 10), 0.07338803, 1e-7);
  od_assert_close(OdStudentQuantile(0.975, 10), 2.228138852, 1e-8);
  od_assert_close(OdStudentQuantile(0.975, 1), 12.70620474, 1e-7);
  od_assert_close(OdStudentQuantile(0.025, 19), -2.093024054, 1e-8);
  double m, lo, hi;
  PetscInt used;
  const double v[4] = {1, 2, NAN, 3};
  OdMeanInterval(4, v, 1, &m, &lo, &hi, &used);
  ck_assert(used == 3 && m == 2);
  od_assert_close(hi - m, 4.302652730 * 1 / sqrt(3.0), 1e-8);
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("knowledge");
  TCase *tc = tcase_create("knowledge");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_fit_and_student);
  tcase_add_test(tc, test_known_answer_and_null);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
