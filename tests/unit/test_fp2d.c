/* 2-D Fokker-Planck engine (OdFP of dimension 2, -fp_dim 2): landscape derivatives, mass conservation and positivity
   on a diagonal-covariance landscape, isotropic pure diffusion (variance grows by T^2 S^2 per
   step), correlated pure diffusion through the cross-diffusion stencil, the factor-once path
   against rebuilding the matrix every step, and the long-time state against the analytic
   stationary density (constant Sigma). One rank, no files written. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "od_check.h"
#include "optdyn/fp.h"

static OdFP Make(const char *opts)
{
  OdFP fp;
  ck_assert_int_eq(PetscOptionsClear(NULL), 0);
  ck_assert_int_eq(PetscOptionsInsertString(NULL, opts), 0);
  ck_assert_int_eq(PetscOptionsSetValue(NULL, "-quiet", NULL), 0);
  ck_assert_int_eq(OdFPCreate(PETSC_COMM_WORLD, &fp), 0);
  ck_assert_int_eq(OdFPSetDimension(fp, 2), 0);
  ck_assert_int_eq(OdFPSetFromOptions(fp), 0);
  ck_assert_int_eq(OdFPSetUp(fp), 0);
  ck_assert_int_eq(OdFPRun(fp), 0);
  return fp;
}

START_TEST(test_landscape2d_derivatives)
{
  /* analytic G, dG, Sigma, dSigma against central differences of l_j, G, Sigma */
  OdLandscape2D ls;
  const char *names[3] = {"wells", "diag", "spread"};
  ck_assert_int_eq(OdLandscape2DCreate(PETSC_COMM_WORLD, &ls), 0);
  for (int n = 0; n < 3; n++) {
    ck_assert_int_eq(OdLandscape2DSetBuiltin(ls, names[n]), 0);
    const double pts[3][2] = {{0.3, -0.2}, {1.1, 0.9}, {-0.7, 0.4}}, e = 1e-6;
    for (int p = 0; p < 3; p++) {
      const double x = pts[p][0], y = pts[p][1];
      OdLandscape2DMoments m, mp, mm;
      OdLandscape2DGetMoments(ls, x, y, &m);
      for (int k = 0; k < 2; k++) {
        const double dx = k == 0 ? e : 0, dy = k == 1 ? e : 0;
        OdLandscape2DGetMoments(ls, x + dx, y + dy, &mp);
        OdLandscape2DGetMoments(ls, x - dx, y - dy, &mm);
        od_assert_close(m.G[k], (mp.L - mm.L) / (2 * e), 1e-7);
        for (int i = 0; i < 2; i++) od_assert_close(m.dG[i][k], (mp.G[i] - mm.G[i]) / (2 * e), 1e-7);
        for (int a = 0; a < 3; a++) od_assert_close(m.dS[a][k], (mp.S[a] - mm.S[a]) / (2 * e), 1e-7);
      }
      ck_assert(m.S[0] >= 0 && m.S[2] >= 0 && m.S[0] * m.S[2] - m.S[1] * m.S[1] >= -1e-14);
    }
  }
  /* diag: constant Sigma = diag(0.5, 0.125); spread: G = 0, Sigma = I/2 */
  OdLandscape2DMoments m;
  OdLandscape2DSetBuiltin(ls, "diag");
  OdLandscape2DGetMoments(ls, 0.4, 0.1, &m);
  od_assert_close(m.S[0], 0.5, 1e-14);
  od_assert_close(m.S[1], 0, 1e-14);
  od_assert_close(m.S[2], 0.125, 1e-14);
  OdLandscape2DSetBuiltin(ls, "spread");
  OdLandscape2DGetMoments(ls, 0.4, 0.1, &m);
  od_assert_close(m.G[0], 0, 1e-15);
  od_assert_close(m.S[0], 0.5, 1e-15);
  od_assert_close(m.S[2], 0.5, 1e-15);
  OdLandscape2DDestroy(&ls);
}
END_TEST

START_TEST(test_mass_positivity)
{
  /* diagonal covariance with strong drift (wells), small and very large steps; and the default
     wells landscape with the limited cross diffusion: M-matrix, P >= 0, mass to 1e-12 */
  const char *cases[] = {"-landscape2d diag -fp_T 0.1 -fp_dt 1", "-landscape2d diag -fp_T 0.3 -fp_dt 50 -fp_t_final 2000", "-landscape2d diag -fp_T 0.05 -fp_alpha 0.5 -fp_dt 5",
                         "-landscape2d wells -fp_T 0.1 -fp_dt 2"};
  for (int c = 0; c < 4; c++) {
    char opts[512];
    OdFPHistory2D h;
    snprintf(opts, sizeof opts, "-fp_nx 48 -fp_ny 40 -fp_nt 11 -fp_save_P 0 %s", cases[c]);
    OdFP fp = Make(opts);
    ck_assert_int_eq(OdFPGetHistory2D(fp, &h), 0);
    ck_assert_msg(h.negative_offdiag == 0, "%s: %d negative off-diagonals", cases[c], (int)h.negative_offdiag);
    ck_assert_msg(h.P_min >= 0, "%s: min P = %g", cases[c], h.P_min);
    ck_assert_msg(h.mass_drift <= 1e-12, "%s: mass drift %g", cases[c], h.mass_drift);
    for (PetscInt k = 0; k < h.nt; k++) ck_assert_msg(fabs(h.mass[k] - 1) <= 1e-12, "%s: mass(%g) = %.17g", cases[c], h.t[k], h.mass[k]);
    /* the drift moved the density from (1, -1) into the basin near the origin */
    ck_assert_msg(hypot(h.mean[2 * (h.nt - 1)], h.mean[2 * (h.nt - 1) + 1]) < 0.5, "%s: final mean (%g, %g)", cases[c], h.mean[2 * (h.nt - 1)], h.mean[2 * (h.nt - 1) + 1]);
    OdFPDestroy(&fp);
  }
}
END_TEST

START_TEST(test_isotropic_diffusion)
{
  /* spread: G = 0, Sigma = S2 I with S2 = 1/2: each variance grows by T^2 S2 per step, the
     covariance stays 0 (walls at 8 standard deviations) */
  const double T = 0.1, S2 = 0.5;
  OdFPHistory2D h;
  OdFP fp = Make("-landscape2d spread -fp_T 0.1 -fp_xmin -6 -fp_xmax 6 -fp_ymin -6 -fp_ymax 6 -fp_nx 80 -fp_ny 80 -fp_init_mean 0,0 -fp_init_std 0.4,0.4 -fp_t_final 100 -fp_nt 6 -fp_save_P 0");
  ck_assert_int_eq(OdFPGetHistory2D(fp, &h), 0);
  for (PetscInt k = 1; k < h.nt; k++) {
    for (int a = 0; a < 3; a += 2) {
      const double rate = (h.cov[3 * k + a] - h.cov[a]) / h.t[k];
      ck_assert_msg(fabs(rate / (T * T * S2) - 1) <= 1e-3, "t = %g: variance growth %.8g per step, expected %.8g", h.t[k], rate, T * T * S2);
    }
    ck_assert(fabs(h.cov[3 * k + 1]) < 1e-12);
    ck_assert(fabs(h.mass[k] - 1) < 1e-12);
  }
  ck_assert(h.P_min >= 0);
  OdFPDestroy(&fp);
}
END_TEST

START_TEST(test_correlated_diffusion)
{
  /* gradients +-(1, 1), +-(0.5, -0.5): G = 0, Sigma = [[0.625, 0.375], [0.375, 0.625]] constant;
     the covariance tensor grows by T^2 Sigma per step, xy through the cross-diffusion stencil
     (within its M-matrix limit |D_xy| <= D_xx, so both -fp_cross variants are the same) */
  const double T = 0.1, Sxx = 0.625, Sxy = 0.375;
  const char *cross[2] = {"limited", "full"};
  for (int c = 0; c < 2; c++) {
    char opts[1024];
    OdFPHistory2D h;
    snprintf(opts, sizeof opts,
             "-landscape2d custom -landscape2d_datapoints 4 -landscape2d_linear_0 1,1 -landscape2d_linear_1 -1,-1 -landscape2d_linear_2 0.5,-0.5 -landscape2d_linear_3 -0.5,0.5 "
             "-fp_cross %s -fp_T 0.1 -fp_xmin -6 -fp_xmax 6 -fp_ymin -6 -fp_ymax 6 -fp_nx 72 -fp_ny 72 -fp_init_mean 0,0 -fp_init_std 0.4,0.4 -fp_t_final 60 -fp_nt 4 -fp_save_P 0",
             cross[c]);
    OdFP fp = Make(opts);
    ck_assert_int_eq(OdFPGetHistory2D(fp, &h), 0);
    ck_assert_int_eq(h.negative_offdiag, 0);
    ck_assert_int_eq(h.cross_limited, 0);
    for (PetscInt k = 1; k < h.nt; k++) {
      const double rxx = (h.cov[3 * k] - h.cov[0]) / h.t[k], rxy = (h.cov[3 * k + 1] - h.cov[1]) / h.t[k];
      ck_assert_msg(fabs(rxx / (T * T * Sxx) - 1) <= 1e-3, "%s t = %g: xx growth %.8g, expected %.8g", cross[c], h.t[k], rxx, T * T * Sxx);
      ck_assert_msg(fabs(rxy / (T * T * Sxy) - 1) <= 1e-3, "%s t = %g: xy growth %.8g, expected %.8g", cross[c], h.t[k], rxy, T * T * Sxy);
    }
    ck_assert(h.P_min >= 0);
    OdFPDestroy(&fp);
  }
}
END_TEST

START_TEST(test_factor_once)
{
  /* fixed dt: one factorization; same density as rebuilding (I/dt - A) every step through TS's
     RHS-Jacobian path; with adaptive steps the rebuild follows every change of dt */
  const char *base = "-landscape2d wells -fp_nx 40 -fp_ny 40 -fp_nt 5 -fp_t_final 80 -fp_save_P 0";
  const char *var[3] = {"", "-fp_reuse_factor 0", "-ts_adapt_type basic -fp_dt 0.5"};
  Vec P[3];
  OdFP fp[3];
  for (int v = 0; v < 3; v++) {
    char opts[512];
    OdFPHistory2D h;
    snprintf(opts, sizeof opts, "%s %s", base, var[v]);
    fp[v] = Make(opts);
    ck_assert_int_eq(OdFPGetHistory2D(fp[v], &h), 0);
    if (v == 0) ck_assert_int_eq(h.factorizations, 1);
    if (v == 2) ck_assert_msg(h.factorizations > 3 && h.steps > 10, "adaptive: %d steps, %d factorizations", (int)h.steps, (int)h.factorizations);
    ck_assert_int_eq(OdFPGetSolution(fp[v], &P[v], NULL), 0);
  }
  PetscReal d, n;
  VecNorm(P[0], NORM_INFINITY, &n);
  VecAXPY(P[1], -1, P[0]);
  VecNorm(P[1], NORM_INFINITY, &d);
  ck_assert_msg(d <= 1e-12 * n, "factor once vs every step: %g", d / n);
  /* the adaptive run is a different discretization in time: only sanity (same order) */
  VecAXPY(P[2], -1, P[0]);
  VecNorm(P[2], NORM_INFINITY, &d);
  ck_assert_msg(d <= 0.1 * n, "adaptive vs fixed: %g", d / n);
  for (int v = 0; v < 3; v++) OdFPDestroy(&fp[v]);
}
END_TEST

/* L1 distance between the long-time density and P_inf ~ exp(-2 L/(T S2)) for the landscape
   u = (+-1, 0), (0, +-1) plus common wells: Sigma = I/2 constant, G = grad L_wells. */
static double StationaryL1(int n)
{
  const double T = 0.5, S2 = 0.5, lo = -3, hi = 3, h = (hi - lo) / n;
  const char *w = "1 0.5 0 0; 0.6 2 0.8 0.4";
  char opts[2048];
  snprintf(opts, sizeof opts,
           "-landscape2d custom -landscape2d_datapoints 4 -landscape2d_linear_0 1,0 -landscape2d_linear_1 -1,0 -landscape2d_linear_2 0,1 -landscape2d_linear_3 0,-1 "
           "-landscape2d_point_0 \"%s\" -landscape2d_point_1 \"%s\" -landscape2d_point_2 \"%s\" -landscape2d_point_3 \"%s\" "
           "-fp_T 0.5 -fp_xmin -3 -fp_xmax 3 -fp_ymin -3 -fp_ymax 3 -fp_nx %d -fp_ny %d -fp_t_final 20000 -fp_nt 2 -fp_dt 200 -fp_save_P 0",
           w, w, w, w, n, n);
  OdFP fp = Make(opts);
  Vec P;
  const PetscScalar *p;
  double *f, sum = 0, L1 = 0;
  ck_assert_int_eq(OdFPGetSolution(fp, &P, NULL), 0);
  f = malloc(sizeof(double) * n * n);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) {
      const double x = lo + (i + 0.5) * h, y = lo + (j + 0.5) * h;
      const double L = -exp(-0.5 * (x * x + y * y)) - 0.6 * exp(-2 * ((x - 0.8) * (x - 0.8) + (y - 0.4) * (y - 0.4)));
      f[j * n + i] = exp(-2 * L / (T * S2));
      sum += f[j * n + i] * h * h;
    }
  VecGetArrayRead(P, &p);
  for (int k = 0; k < n * n; k++) L1 += fabs(p[k] - f[k] / sum) * h * h;
  VecRestoreArrayRead(P, &p);
  free(f);
  OdFPDestroy(&fp);
  return L1;
}

START_TEST(test_stationary_constant_sigma)
{
  /* drift and diffusion together: the long-time state matches the analytic stationary density
     (zero flux) with the L1 error falling at least first order under refinement */
  const double e1 = StationaryL1(24), e2 = StationaryL1(48), e3 = StationaryL1(96);
  printf("2-D stationary L1 error vs exp(-2L/(T S2)): n = 24: %.3g, 48: %.3g, 96: %.3g\n", e1, e2, e3);
  ck_assert_msg(e1 / e2 >= 1.8 && e2 / e3 >= 1.8, "L1 errors %g, %g, %g", e1, e2, e3);
  ck_assert_msg(e3 < 5e-3, "L1 error %g at 96^2", e3);
}
END_TEST


START_TEST(test_amg_iterations_flat)
{
#if defined(PETSC_HAVE_HYPRE)
  /* GMRES + BoomerAMG on the TS path: Krylov iterations per step grow by at most 1.5x from
     64^2 to 256^2 cells (measured 8, 9, 10, 10.4 at 64^2 .. 512^2); mass still conserved */
  double its[2];
  const int ns[2] = {64, 256};
  for (int k = 0; k < 2; k++) {
    char opts[512];
    OdFPHistory2D h;
    snprintf(opts, sizeof opts, "-landscape2d wells -fp_T 0.3 -fp_nx %d -fp_ny %d -fp_t_final 4 -fp_nt 2 -fp_dt 2 -fp_save_P 0 -ksp_type gmres -ksp_rtol 1e-10 -pc_type hypre -pc_hypre_type boomeramg", ns[k], ns[k]);
    OdFP fp = Make(opts);
    ck_assert_int_eq(OdFPGetHistory2D(fp, &h), 0);
    its[k] = (double)h.linear_iterations / h.steps;
    ck_assert_msg(h.mass_drift <= 1e-12, "%d^2: mass drift %g", ns[k], h.mass_drift);
    OdFPDestroy(&fp);
  }
  printf("2-D GMRES + BoomerAMG iterations per step: 64^2 %.1f, 256^2 %.1f\n", its[0], its[1]);
  ck_assert_msg(its[0] >= 1 && its[1] <= 1.5 * its[0], "iterations per step %g -> %g", its[0], its[1]);
#endif
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("fp2d");
  TCase *tc = tcase_create("fp2d");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_landscape2d_derivatives);
  tcase_add_test(tc, test_mass_positivity);
  tcase_add_test(tc, test_isotropic_diffusion);
  tcase_add_test(tc, test_correlated_diffusion);
  tcase_add_test(tc, test_factor_once);
  tcase_add_test(tc, test_stationary_constant_sigma);
  tcase_add_test(tc, test_amg_iterations_flat);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
