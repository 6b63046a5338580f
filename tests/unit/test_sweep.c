/* Sweep (run at 1, 2 and 4 ranks): every rank ends with records bitwise equal to a serial
   evaluation, for awkward sizes (points and chunks not divisible by the rank count);
   slices partition the points; bad slices are rejected. */
#include <math.h>
#include "od_check.h"
#include "optdyn/sweep.h"

/* A unit whose record is a non-trivial floating-point function of (point, chunk). */
static PetscErrorCode Unit(void *ctx, PetscInt point, PetscInt chunk, PetscReal rec[])
{
  (void)ctx;
  for (PetscInt i = 0; i < 5; i++) rec[i] = sin(0.1 * point + 0.37 * chunk + i) / (1.0 + chunk) + 1e-3 * i * point;
  return 0;
}

static void Expected(PetscInt first, PetscInt count, PetscInt nchunks, PetscReal out[])
{
  for (PetscInt p = 0; p < count; p++)
    for (PetscInt i = 0; i < 5; i++) out[p * 5 + i] = 0;
  for (PetscInt p = 0; p < count; p++)
    for (PetscInt c = 0; c < nchunks; c++) {
      PetscReal rec[5];
      Unit(NULL, first + p, c, rec);
      for (PetscInt i = 0; i < 5; i++) out[p * 5 + i] += rec[i];
    }
}

START_TEST(test_rank_independent_records)
{
  const PetscInt shapes[3][2] = {{7, 3}, {1, 5}, {13, 1}};
  for (int s = 0; s < 3; s++) {
    OdSweep sw;
    PetscInt first, count;
    PetscBool interrupted;
    PetscReal got[13 * 5], want[13 * 5];
    ck_assert_int_eq(OdSweepCreate(PETSC_COMM_WORLD, &sw), 0);
    ck_assert_int_eq(OdSweepSetSizes(sw, shapes[s][0], shapes[s][1], 5), 0);
    ck_assert_int_eq(OdSweepSetFromOptions(sw), 0);
    ck_assert_int_eq(OdSweepSetUp(sw), 0);
    ck_assert_int_eq(OdSweepGetSlice(sw, &first, &count, NULL, NULL), 0);
    ck_assert_int_eq(OdSweepRun(sw, Unit, NULL, got, &interrupted), 0);
    ck_assert(!interrupted);
    Expected(first, count, shapes[s][1], want);
    for (PetscInt i = 0; i < count * 5; i++) ck_assert_msg(got[i] == want[i], "record %d differs: %.17g vs %.17g", (int)i, got[i], want[i]);
    OdSweepDestroy(&sw);
  }
}
END_TEST

START_TEST(test_slices_partition_points)
{
  for (PetscInt npoints = 1; npoints <= 23; npoints += 2)
    for (PetscInt N = 1; N <= npoints; N++) {
      PetscInt next = 0;
      for (PetscInt K = 0; K < N; K++) {
        PetscInt first, count;
        OdSweepSliceRange(npoints, K, N, &first, &count);
        ck_assert_int_eq(first, next);
        ck_assert_int_ge(count, npoints / N);
        ck_assert_int_le(count, npoints / N + 1);
        next = first + count;
      }
      ck_assert_int_eq(next, npoints);
    }
}
END_TEST

START_TEST(test_bad_slices)
{
  PetscInt K, N;
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  ck_assert_int_eq(OdSweepParseSlice(PETSC_COMM_WORLD, "2/4", &K, &N), 0);
  ck_assert(K == 2 && N == 4);
  ck_assert_int_eq(OdSweepParseSlice(PETSC_COMM_WORLD, "4/4", &K, &N), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdSweepParseSlice(PETSC_COMM_WORLD, "-1/4", &K, &N), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdSweepParseSlice(PETSC_COMM_WORLD, "1/0", &K, &N), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdSweepParseSlice(PETSC_COMM_WORLD, "1/2x", &K, &N), PETSC_ERR_USER_INPUT);
  ck_assert_int_eq(OdSweepParseSlice(PETSC_COMM_WORLD, "abc", &K, &N), PETSC_ERR_USER_INPUT);
  PetscPopErrorHandler();
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("sweep");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_rank_independent_records);
  tcase_add_test(tc, test_slices_partition_points);
  tcase_add_test(tc, test_bad_slices);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
