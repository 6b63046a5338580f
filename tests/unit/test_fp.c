/* Fokker-Planck solver: flux kernel, mass conservation and positivity on the seed landscape,
   pure-diffusion variance growth, stationary state vs the closed form with first-order (or
   better) convergence, GD-only mean vs GD Monte Carlo. One rank, no files written. */
#include <math.h>
#include "od_check.h"
#include "optdyn/fp.h"
#include "optdyn/escape.h"

/* Build an OdFP from an option string (the database is cleared first). */
static OdFP Make(const char *opts)
{
  OdFP fp;
  ck_assert_int_eq(PetscOptionsClear(NULL), 0);
  ck_assert_int_eq(PetscOptionsInsertString(NULL, opts), 0);
  ck_assert_int_eq(PetscOptionsSetValue(NULL, "-quiet", NULL), 0);
  ck_assert_int_eq(OdFPCreate(PETSC_COMM_WORLD, &fp), 0);
  ck_assert_int_eq(OdFPSetFromOptions(fp), 0);
  ck_assert_int_eq(OdFPSetUp(fp), 0);
  ck_assert_int_eq(OdFPRun(fp), 0);
  return fp;
}

START_TEST(test_face_coefficients)
{
  double a, c;
  /* B(x) = x/(e^x - 1) */
  od_assert_close(OdFPBernoulli(0), 1, 1e-15);
  od_assert_close(OdFPBernoulli(1e-12), 1 - 0.5e-12, 1e-15);
  od_assert_close(OdFPBernoulli(2), 2 / (exp(2) - 1), 1e-14);
  od_assert_close(OdFPBernoulli(-30), 30 / (1 - exp(-30)), 1e-14);
  ck_assert(OdFPBernoulli(800) >= 0 && OdFPBernoulli(800) < 1e-300);
  /* zero-flux ratio a/c = e^Pe, both sides of |Pe| = 1 */
  const double Pes[4] = {0.3, -0.9, 5, -20};
  for (int k = 0; k < 4; k++) {
    const double v = 0.7 * (Pes[k] > 0 ? 1 : -1), dx = 0.01, D = v * dx / Pes[k];
    OdFPFaceCoefficients(v, D, dx, Pes[k], &a, &c);
    ck_assert(a >= 0 && c >= 0);
    od_assert_close(a / c, exp(Pes[k]), 1e-13);
    od_assert_close(a - c, v, 1e-13); /* flux of a constant density is the drift */
  }
  /* D -> 0: continuous to the upwind limit, no NaN/Inf, no sign violation */
  const double Ds[5] = {1e-3, 1e-10, 1e-200, 1e-320, 0};
  for (int k = 0; k < 5; k++) {
    OdFPFaceCoefficients(2.0, Ds[k], 1e-3, Ds[k] > 0 ? 2.0 * 1e-3 / Ds[k] : 0, &a, &c);
    ck_assert(isfinite(a) && isfinite(c) && a >= 0 && c >= 0);
    if (Ds[k] < 1e-9) ck_assert(fabs(a - 2.0) < 1e-12 && c < 1e-12);
    OdFPFaceCoefficients(-2.0, Ds[k], 1e-3, Ds[k] > 0 ? -2.0 * 1e-3 / Ds[k] : 0, &a, &c);
    ck_assert(isfinite(a) && isfinite(c) && a >= 0 && c >= 0);
    if (Ds[k] < 1e-9) ck_assert(fabs(c - 2.0) < 1e-12 && a < 1e-12);
  }
  /* pure diffusion: a = c = D/dx */
  OdFPFaceCoefficients(0, 0.5, 0.1, 0, &a, &c);
  od_assert_close(a, 5, 1e-15);
  od_assert_close(c, 5, 1e-15);
}
END_TEST

START_TEST(test_mass_positivity_seed)
{
  /* The full seed landscape (S2 vanishes at W = 1 inside the domain and underflows far from
     it; G, S2' reach O(100)): long runs at several T, both flux variants, adaptive backward
     Euler taking steps up to hundreds of SGD steps. */
  const char *cases[] = {"-fp_T 0.005 -fp_t_final 20000", "-fp_T 0.02 -fp_t_final 20000", "-fp_T 0.1 -fp_t_final 5000", "-fp_T 0.02 -fp_t_final 20000 -fp_flux sg -fp_alpha 0.5",
                         "-fp_T 0.05 -fp_t_final 5000 -fp_init uniform -fp_alpha 0"};
  for (int c = 0; c < 5; c++) {
    char opts[512];
    OdFPHistory h;
    snprintf(opts, sizeof opts, "-fp_n 1500 -fp_nt 21 -fp_save_P 0 %s", cases[c]);
    OdFP fp = Make(opts);
    ck_assert_int_eq(OdFPGetHistory(fp, &h), 0);
    ck_assert_msg(h.P_min >= 0, "%s: min P = %g", cases[c], h.P_min);
    ck_assert_msg(h.mass_drift <= 1e-12, "%s: mass drift %g", cases[c], h.mass_drift);
    for (PetscInt k = 0; k < h.nt; k++) ck_assert_msg(fabs(h.mass[k] - 1) <= 1e-12, "%s: mass(%g) = %.17g", cases[c], h.t[k], h.mass[k]);
    ck_assert_msg(h.steps > 20, "%s: %d steps", cases[c], (int)h.steps);
    OdFPDestroy(&fp);
  }
}
END_TEST

START_TEST(test_pure_diffusion)
{
  /* g_0 = -1, g_1 = 1: G = 0, S2 = 1, so Var(t) = Var(0) + T^2 S2 t (reflecting walls far away) */
  const double T = 0.1;
  OdFPHistory h;
  OdFP fp = Make("-landscape spread -fp_T 0.1 -fp_Wmin -8 -fp_Wmax 8 -fp_n 1600 -fp_init_mean 0 -fp_init_std 0.5 -fp_t_final 100 -fp_nt 11 -fp_save_P 0");
  ck_assert_int_eq(OdFPGetHistory(fp, &h), 0);
  for (PetscInt k = 1; k < h.nt; k++) {
    const double rate = (h.std[k] * h.std[k] - h.std[0] * h.std[0]) / h.t[k];
    ck_assert_msg(fabs(rate / (T * T) - 1) <= 1e-3, "t = %g: variance rate %.10g, expected %g", h.t[k], rate, T * T);
    ck_assert(fabs(h.mean[k]) < 1e-12);
  }
  OdFPDestroy(&fp);
}
END_TEST

/* Closed form of P_inf for g = 1.2W - 2, 0.8W - 2 (G = W - 2, S2 = 0.04 W^2):
   log P = -alpha log(0.04 W^2) - (50/T) log W - 100/(T W) (+ const). */
static double LogPinf(double W, double T, double alpha) { return -alpha * log(0.04 * W * W) - 50 / T * log(W) - 100 / (T * W); }

static double StationaryL1(const char *flux, PetscInt n, double T, double alpha, double Wmin, double Wmax)
{
  char opts[512];
  Vec Ps;
  const PetscScalar *p;
  PetscInt nn;
  double W0, h, L1 = 0, norm = 0, lmax = -1e300;
  const int M = 200000;
  snprintf(opts, sizeof opts, "-landscape linear -fp_T %g -fp_alpha %g -fp_Wmin %g -fp_Wmax %g -fp_n %d -fp_flux %s -fp_stationary -fp_t_final 1 -fp_nt 2 -fp_init_mean 2 -fp_save_P 0", T, alpha, Wmin, Wmax, (int)n, flux);
  OdFP fp = Make(opts);
  ck_assert_int_eq(OdFPGetGrid(fp, &nn, &W0, &h, NULL), 0);
  ck_assert_int_eq(OdFPGetSolution(fp, NULL, &Ps), 0);
  ck_assert(Ps != NULL);
  /* normalization of the closed form by composite Simpson on a fine grid */
  for (int i = 0; i <= M; i++) lmax = fmax(lmax, LogPinf(Wmin + (Wmax - Wmin) * i / M, T, alpha));
  for (int i = 0; i <= M; i++) norm += (i == 0 || i == M ? 1 : (i % 2 ? 4 : 2)) * exp(LogPinf(Wmin + (Wmax - Wmin) * i / M, T, alpha) - lmax);
  norm *= (Wmax - Wmin) / M / 3;
  VecGetArrayRead(Ps, &p);
  for (PetscInt i = 0; i < nn; i++) {
    ck_assert(p[i] >= -1e-14);
    L1 += h * fabs(p[i] - exp(LogPinf(W0 + (i + 0.5) * h, T, alpha) - lmax) / norm);
  }
  VecRestoreArrayRead(Ps, &p);
  OdFPDestroy(&fp);
  return L1;
}

START_TEST(test_stationary_convergence)
{
  /* T = 0.5 on the linear landscape: P_inf ~ W^(-100 - 2 alpha) exp(-200/W), peak near 1.96 */
  const double alphas[2] = {1, 0.5};
  for (int a = 0; a < 2; a++) {
    double e[4];
    const PetscInt ns[4] = {50, 100, 200, 400};
    for (int k = 0; k < 4; k++) e[k] = StationaryL1("sg", ns[k], 0.5, alphas[a], 0.8, 4.5);
    for (int k = 0; k < 3; k++) ck_assert_msg(e[k] / e[k + 1] >= 1.8, "alpha %g sg flux: L1 errors %g -> %g (n %d -> %d): less than first order", alphas[a], e[k], e[k + 1], (int)ns[k], (int)ns[k + 1]);
    ck_assert_msg(e[3] < 1e-3, "alpha %g: L1 error %g at n = 400", alphas[a], e[3]);
    /* the exact-exponent flux reproduces P_inf at the cell centres (its normalization is a
       midpoint sum of a density that vanishes smoothly at both ends: spectrally accurate) */
    const double x = StationaryL1("exact", 50, 0.5, alphas[a], 0.8, 4.5);
    ck_assert_msg(x < 1e-10, "alpha %g exact flux: L1 error %g at n = 50", alphas[a], x);
  }
}
END_TEST

START_TEST(test_gd_vs_monte_carlo)
{
  /* Validation case 1: GD only (S2 = 0) on the seed landscape, T = 0.02, P0 truncated normal
     (0.5, 0.175), against 4000 GD walkers: the PDE mean lies within 3 standard errors of the
     Monte Carlo mean at every output time. */
  OdFPHistory h;
  OdFPMonteCarloResult mc;
  OdFP fp = Make("-fp_noise 0 -fp_T 0.02 -fp_n 2000 -fp_t_final 300 -fp_nt 11 -fp_validate -fp_mc_walkers 4000 -fp_save_P 0 -ts_rtol 1e-5 -ts_atol 1e-5");
  ck_assert_int_eq(OdFPGetHistory(fp, &h), 0);
  ck_assert_int_eq(OdFPGetMonteCarlo(fp, &mc), 0);
  for (PetscInt k = 0; k < h.nt; k++) {
    ck_assert_msg(fabs(h.mean[k] - mc.mean[k]) <= 3 * mc.mean_err[k], "t = %g: PDE mean %.6f, MC %.6f +- %.2g", h.t[k], h.mean[k], mc.mean[k], mc.mean_err[k]);
    ck_assert(mc.escaped[k] == 0);
  }
  /* and it moved: from 0.5 into the pit near 1.0075 */
  ck_assert(fabs(h.mean[h.nt - 1] - 1.0075) < 0.01);
  OdFPDestroy(&fp);
}
END_TEST

START_TEST(test_factor_once_thomas)
{
  /* the default 1-rank path (factor once per dt, tridiagonal PCSHELL) against PETSc's sparse LU
     rebuilt every step through TS's RHS Jacobian: same density to round-off; fixed dt -> one
     factorization, adaptive dt -> one per distinct step */
  const char *base = "-fp_T 0.02 -fp_n 3000 -fp_t_final 2000 -fp_nt 6 -fp_save_P 0";
  const char *var[4] = {"-ts_adapt_type none -ts_dt 10", "-ts_adapt_type none -ts_dt 10 -fp_reuse_factor 0 -fp_thomas 0", "", "-fp_reuse_factor 0 -fp_thomas 0"};
  OdFP fp[4];
  Vec P[4];
  for (int v = 0; v < 4; v++) {
    char opts[512];
    snprintf(opts, sizeof opts, "%s %s", base, var[v]);
    fp[v] = Make(opts);
    ck_assert_int_eq(OdFPGetSolution(fp[v], &P[v], NULL), 0);
  }
  for (int v = 0; v < 4; v += 2) {
    PetscReal d, n;
    VecNorm(P[v], NORM_INFINITY, &n);
    VecAXPY(P[v + 1], -1, P[v]);
    VecNorm(P[v + 1], NORM_INFINITY, &d);
    ck_assert_msg(d <= 1e-12 * n, "%s vs %s: %g", var[v], var[v + 1], d / n);
  }
  OdFPHistory h0, h2;
  OdFPGetHistory(fp[0], &h0);
  OdFPGetHistory(fp[2], &h2);
  ck_assert_int_eq(h0.factorizations, 1);
  ck_assert_msg(h2.factorizations > 10 && h2.factorizations >= h2.steps, "adaptive: %d rebuilds for %d steps", (int)h2.factorizations, (int)h2.steps);
  for (int v = 0; v < 4; v++) OdFPDestroy(&fp[v]);
}
END_TEST


START_TEST(test_walkers_are_escape_kernel)
{
  /* the Monte Carlo walkers of -fp_validate are the escape kernel's: with plain SGD noise, no
     lower wall and an absorbing upper wall at the edge, OdEscapeWalk advanced one step at a time
     gives every walker's first-passage step of OdEscapeFirstPassage exactly */
  OdLandscape ls;
  const PetscInt N = 300, nmax = 400;
  PetscInt steps[300], walked[300];
  PetscReal W[300];
  PetscBool alive[300];
  ck_assert_int_eq(OdLandscapeCreate(PETSC_COMM_WORLD, &ls), 0);
  ck_assert_int_eq(OdLandscapeSetBuiltin(ls, "seed"), 0);
  const OdRng rng = OdRngCreate(7, OD_STREAM_FP_MC);
  const OdEscapeProblem pb = {ls, 0.02, 1.007453, 1.17431, nmax};
  const OdEscapeWalkProblem wp = {ls, 0.02, 1, -INFINITY, 1.17431, PETSC_FALSE, PETSC_TRUE};
  OdEscapeFirstPassage(&pb, &rng, 3, 0, N, steps);
  for (PetscInt w = 0; w < N; w++) W[w] = pb.W0, alive[w] = PETSC_TRUE, walked[w] = 0;
  for (PetscInt s = 0; s < nmax; s++) {
    OdEscapeWalk(&wp, &rng, 3, 0, N, s, s + 1, W, alive);
    for (PetscInt w = 0; w < N; w++)
      if (!alive[w] && !walked[w]) walked[w] = s + 1;
  }
  PetscInt escaped = 0;
  for (PetscInt w = 0; w < N; w++) {
    ck_assert_msg(walked[w] == steps[w], "walker %d: walk %d, first passage %d", (int)w, (int)walked[w], (int)steps[w]);
    escaped += steps[w] > 0;
  }
  ck_assert_msg(escaped > 10 && escaped < N, "%d of %d escaped: not a discriminating case", (int)escaped, (int)N);
  OdLandscapeDestroy(&ls);
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("fp");
  TCase *tc = tcase_create("fp");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_face_coefficients);
  tcase_add_test(tc, test_mass_positivity_seed);
  tcase_add_test(tc, test_pure_diffusion);
  tcase_add_test(tc, test_stationary_convergence);
  tcase_add_test(tc, test_gd_vs_monte_carlo);
  tcase_add_test(tc, test_factor_once_thomas);
  tcase_add_test(tc, test_walkers_are_escape_kernel);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
