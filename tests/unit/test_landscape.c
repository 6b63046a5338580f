/* Landscapes: analytic derivatives vs finite differences, the seed landscape's landmarks,
   the validation cases' G and S^2, YAML loading and its errors. */
#include <math.h>
#include <stdio.h>
#include "od_check.h"
#include "optdyn/landscape.h"

/* Central differences with h = 1e-5 have truncation error ~ h^2 f''' / 6: compare to 1e-6 relative. */
static void CheckDerivatives(OdLandscape ls, double W)
{
  const double h = 1e-5;
  OdLandscapeMoments m, mp, mm;
  OdLandscapeGetMoments(ls, W, &m);
  OdLandscapeGetMoments(ls, W + h, &mp);
  OdLandscapeGetMoments(ls, W - h, &mm);
  for (PetscInt j = 0; j < OdLandscapeGetNumData(ls); j++) {
    double d[3], dp[3], dm[3];
    OdLandscapeGradDerivs(ls, j, W, d);
    OdLandscapeGradDerivs(ls, j, W + h, dp);
    OdLandscapeGradDerivs(ls, j, W - h, dm);
    const double fd_g = (OdLandscapeLoss(ls, j, W + h) - OdLandscapeLoss(ls, j, W - h)) / (2 * h);
    od_assert_close(d[0], fd_g, 1e-6 * fmax(1, fabs(d[1])));
    od_assert_close(d[1], (dp[0] - dm[0]) / (2 * h), 1e-6 * fmax(1, fabs(d[2])));
    od_assert_close(d[2], (dp[1] - dm[1]) / (2 * h), 1e-5 * fmax(1, fabs(d[2])));
    od_assert_close(d[0], OdLandscapeGrad(ls, j, W), 1e-15);
  }
  od_assert_close(m.G, (mp.L - mm.L) / (2 * h), 1e-6 * fmax(1, fabs(m.dG)));
  od_assert_close(m.dG, (mp.G - mm.G) / (2 * h), 1e-6 * fmax(1, fabs(m.d2G)));
  od_assert_close(m.dS2, (mp.S2 - mm.S2) / (2 * h), 1e-6 * fmax(1, fabs(m.d2S2)));
  od_assert_close(m.d2S2, (mp.dS2 - mm.dS2) / (2 * h), 1e-5 * fmax(1, fabs(m.d2S2)));
}

START_TEST(test_seed_derivatives)
{
  OdLandscape ls;
  ck_assert_int_eq(OdLandscapeCreate(PETSC_COMM_SELF, &ls), 0);
  const double Ws[] = {-1.0, 0.5, 0.95, 1.0, 1.004, 1.05, 1.2, 1.7, 2.0, 3.3};
  for (size_t i = 0; i < sizeof Ws / sizeof Ws[0]; i++) CheckDerivatives(ls, Ws[i]);
  OdLandscapeDestroy(&ls);
}
END_TEST

START_TEST(test_seed_landmarks)
{
  OdLandscape ls;
  double w;
  ck_assert_int_eq(OdLandscapeCreate(PETSC_COMM_SELF, &ls), 0);
  /* stationary points of l_1 (docs/models.md §1, given to 5 decimals): 1.00369 (minimum), 1.19595 (maximum) */
  ck_assert_int_eq(OdLandscapeFindMinimum(ls, 1, 1.0, &w), 0);
  ck_assert_msg(fabs(w - 1.00369) < 1e-5, "l_1 minimum %.8f", w);
  ck_assert_int_eq(OdLandscapeFindBarrierRight(ls, 1, w, &w), 0);
  ck_assert_msg(fabs(w - 1.19595) < 1e-5, "l_1 maximum %.8f", w);
  /* L's pit 1.007453 and barrier 1.174310 (docs/models.md §2) */
  ck_assert_int_eq(OdLandscapeFindMinimum(ls, OD_LANDSCAPE_MEAN, 1.0, &w), 0);
  ck_assert_msg(fabs(w - 1.007453) < 5e-7, "L pit %.8f", w);
  ck_assert_int_eq(OdLandscapeFindBarrierRight(ls, OD_LANDSCAPE_MEAN, w, &w), 0);
  ck_assert_msg(fabs(w - 1.174310) < 5e-7, "L barrier %.8f", w);
  /* L's global minimum is the wide well at 2: found downhill from 1.5 */
  ck_assert_int_eq(OdLandscapeFindMinimum(ls, OD_LANDSCAPE_MEAN, 1.5, &w), 0);
  ck_assert_msg(fabs(w - 2.0) < 1e-3, "L global minimum %.8f", w);
  OdLandscapeDestroy(&ls);
}
END_TEST

START_TEST(test_validation_cases)
{
  OdLandscape ls;
  OdLandscapeMoments m;
  ck_assert_int_eq(OdLandscapeCreate(PETSC_COMM_SELF, &ls), 0);
  ck_assert_int_eq(OdLandscapeSetBuiltin(ls, "spread"), 0); /* g = -1, 1: G = 0, S^2 = 1 */
  OdLandscapeGetMoments(ls, 0.3, &m);
  ck_assert(m.G == 0 && m.S2 == 1 && m.dS2 == 0);
  ck_assert_int_eq(OdLandscapeSetBuiltin(ls, "linear"), 0); /* G = W - 2, S^2 = 0.04 W^2 */
  for (double W = -3; W <= 3; W += 0.75) {
    OdLandscapeGetMoments(ls, W, &m);
    od_assert_close(m.G, W - 2, 1e-14);
    od_assert_close(m.S2, 0.04 * W * W, 1e-14);
    od_assert_close(m.dS2, 0.08 * W, 1e-14);
    od_assert_close(m.d2S2, 0.08, 1e-14);
    CheckDerivatives(ls, W);
  }
  OdLandscapeDestroy(&ls);
}
END_TEST

START_TEST(test_yaml_roundtrip_and_errors)
{
  OdLandscape ls;
  FILE *f = fopen("ls_seed_copy.yaml", "w");
  fprintf(f, "landscape:\n  family: gauss\n  datapoints: 2\n  point_0: \"1 1 2\"\n  point_1: \"1 1 2; 1 100 1\"\n");
  fclose(f);
  ck_assert_int_eq(OdLandscapeCreate(PETSC_COMM_SELF, &ls), 0);
  ck_assert_int_eq(OdLandscapeLoadYAML(ls, "ls_seed_copy.yaml"), 0);
  OdLandscape ref;
  ck_assert_int_eq(OdLandscapeCreate(PETSC_COMM_SELF, &ref), 0);
  for (double W = 0; W < 3; W += 0.37)
    for (int j = 0; j < 2; j++) ck_assert(OdLandscapeGrad(ls, j, W) == OdLandscapeGrad(ref, j, W));
  /* malformed term and unknown family fail with an error code */
  f = fopen("ls_bad.yaml", "w");
  fprintf(f, "landscape:\n  family: gauss\n  datapoints: 1\n  point_0: \"1 1\"\n");
  fclose(f);
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  ck_assert_int_ne(OdLandscapeLoadYAML(ls, "ls_bad.yaml"), 0);
  f = fopen("ls_bad.yaml", "w");
  fprintf(f, "landscape:\n  family: cubic\n  datapoints: 1\n");
  fclose(f);
  ck_assert_int_ne(OdLandscapeLoadYAML(ls, "ls_bad.yaml"), 0);
  ck_assert_int_ne(OdLandscapeLoadYAML(ls, "no_such_file.yaml"), 0);
  ck_assert_int_ne(OdLandscapeSetBuiltin(ls, "sead"), 0);
  PetscPopErrorHandler();
  OdLandscapeDestroy(&ls);
  OdLandscapeDestroy(&ref);
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("landscape");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_seed_derivatives);
  tcase_add_test(tc, test_seed_landmarks);
  tcase_add_test(tc, test_validation_cases);
  tcase_add_test(tc, test_yaml_roundtrip_and_errors);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
