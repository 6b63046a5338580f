/* Run-time SIMD dispatch: every instruction-set level this CPU runs gives the escape kernel's
   and op's Lorenz kernel's plain scalar reference bit for bit (first-passage steps of every walker), for landscapes that
   exercise every random-bit slot width and term count of the lane kernel; and the dispatch
   helpers are consistent. The highest level is compiled with the widest -m flags, so this also
   guards against compiler-fused multiply-adds (-ffp-contract=off) changing results. */
#include <string.h>
#include "od_check.h"
#include "optdyn/escape.h"
#include "optdyn/simd.h"
#include "optdyn/op.h"

START_TEST(test_dispatch_helpers)
{
  ck_assert(OdSimdLevelAvailable(OD_SIMD_SCALAR));
  ck_assert(OdSimdLevelAvailable(OD_SIMD_SSE2));
  const OdSimdLevel best = OdSimdBest();
  ck_assert(OdSimdLevelAvailable(best));
  ck_assert_int_eq(OdSimdResolve(OD_SIMD_AUTO), best);
  ck_assert_int_eq(OdSimdResolve(OD_SIMD_SCALAR), OD_SIMD_SCALAR);
  ck_assert_str_eq(OdSimdLevelName(OD_SIMD_AVX512), "avx512");
  for (int l = best + 1; l < OD_SIMD_NLEVELS; l++) ck_assert(!OdSimdLevelAvailable((OdSimdLevel)l));
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) ck_assert(OdSimdLevelAvailable(OD_SIMD_AVX2));
#endif
}
END_TEST

/* Gaussian landscape with J datapoints; datapoint j has 1 + (j % nmax) terms. */
static OdLandscape GaussLandscape(PetscInt J, PetscInt nmax)
{
  OdLandscape ls;
  PetscInt nterms[OD_LANDSCAPE_MAX_DATA], n = 0;
  PetscReal a[256], b[256], c[256];
  for (PetscInt j = 0; j < J; j++) {
    nterms[j] = 1 + j % nmax;
    for (PetscInt k = 0; k < nterms[j]; k++, n++) {
      a[n] = 0.5 + 0.1 * k + 0.01 * j;
      b[n] = k == 0 ? 1.0 : 30.0 * k;
      c[n] = k == 0 ? 2.0 : 1.0 + 0.02 * (j - k);
    }
  }
  ck_assert_int_eq(OdLandscapeCreate(PETSC_COMM_SELF, &ls), 0);
  ck_assert_int_eq(OdLandscapeSetGauss(ls, J, nterms, a, b, c), 0);
  return ls;
}

/* All walkers of a problem at every available level equal the scalar reference; returns how
   many of them escaped (so a caller can check the comparison is not vacuous). */
static PetscInt CompareLevelsPrec(OdLandscape ls, PetscReal T, PetscReal W0, PetscReal edge, PetscInt max_steps, PetscInt n, OdEscapePrecision prec);
static PetscInt CompareLevels(OdLandscape ls, PetscReal T, PetscReal W0, PetscReal edge, PetscInt max_steps, PetscInt n) { return CompareLevelsPrec(ls, T, W0, edge, max_steps, n, OD_ESCAPE_DOUBLE); }

/* ... in double or in single precision (each against its own plain reference) */
static PetscInt CompareLevelsPrec(OdLandscape ls, PetscReal T, PetscReal W0, PetscReal edge, PetscInt max_steps, PetscInt n, OdEscapePrecision prec)
{
  const OdRng rng = OdRngCreate(77, OD_STREAM_ESCAPE);
  PetscInt *ref = malloc(sizeof(PetscInt) * n), *got = malloc(sizeof(PetscInt) * n), escaped = 0;
  const OdEscapeProblem pb = {ls, T, W0, edge, max_steps, prec};
  OdEscapeFirstPassageSimd(&pb, OD_SIMD_SCALAR, &rng, 2, 5, 5 + n, ref);
  for (PetscInt i = 0; i < n; i++) escaped += ref[i] > 0;
  for (int l = OD_SIMD_SSE2; l < OD_SIMD_NLEVELS; l++) {
    if (!OdSimdLevelAvailable((OdSimdLevel)l)) continue;
    OdEscapeFirstPassageSimd(&pb, (OdSimdLevel)l, &rng, 2, 5, 5 + n, got);
    for (PetscInt i = 0; i < n; i++) ck_assert_msg(got[i] == ref[i], "level %s, walker %d: %d steps, reference %d", OdSimdLevelName((OdSimdLevel)l), (int)(5 + i), (int)got[i], (int)ref[i]);
  }
  free(ref);
  free(got);
  return escaped;
}

START_TEST(test_levels_seed_landscape)
{
  OdLandscape ls;
  PetscReal W0, edge;
  ck_assert_int_eq(OdLandscapeCreate(PETSC_COMM_SELF, &ls), 0);
  ck_assert_int_eq(OdLandscapeFindMinimum(ls, OD_LANDSCAPE_MEAN, 1.0, &W0), 0);
  ck_assert_int_eq(OdLandscapeFindBarrierRight(ls, OD_LANDSCAPE_MEAN, W0, &edge), 0);
  /* budget 1001 is not a multiple of the 32-step block: escapes after it must not count */
  const PetscInt esc = CompareLevels(ls, 0.013, W0, edge, 1001, 3000);
  ck_assert_int_gt(esc, 100);
  ck_assert_int_lt(esc, 2900);
  OdLandscapeDestroy(&ls);
}
END_TEST

START_TEST(test_levels_slot_widths)
{
  /* J = 1, 4, 8, 16 (1, 2, 4, 4 random bits per step; 16-step blocks for 4 bits), up to 3
     terms per datapoint (padded), and J = 3 (not a power of two: the reference serves every
     level). Walkers start left of the shared well's edge and some escape. */
  const PetscInt Js[5] = {1, 4, 8, 16, 3}, nmax[5] = {1, 2, 3, 3, 2};
  for (int c = 0; c < 5; c++) {
    OdLandscape ls = GaussLandscape(Js[c], nmax[c]);
    const PetscInt esc = CompareLevels(ls, 0.2, 1.0, 1.2, 517, 700);
    ck_assert_msg(esc > 0, "J = %d: no walker escaped", (int)Js[c]);
    if (OdEscapeSingleSupported(ls)) /* single precision: 32-bit pools, 16-lane vectors */
      ck_assert_msg(CompareLevelsPrec(ls, 0.2, 1.0, 1.2, 517, 700, OD_ESCAPE_SINGLE) > 0, "J = %d, single: no walker escaped", (int)Js[c]);
    OdLandscapeDestroy(&ls);
  }
}
END_TEST

START_TEST(test_levels_batch)
{
  /* A batch of walker ranges of three sweep points with different learning rates (lanes then
     hold walkers of several points at once) gives, at every level, each walker the steps the
     scalar reference gives its range alone. */
  OdLandscape ls;
  PetscReal W0, edge;
  ck_assert_int_eq(OdLandscapeCreate(PETSC_COMM_SELF, &ls), 0);
  ck_assert_int_eq(OdLandscapeFindMinimum(ls, OD_LANDSCAPE_MEAN, 1.0, &W0), 0);
  ck_assert_int_eq(OdLandscapeFindBarrierRight(ls, OD_LANDSCAPE_MEAN, W0, &edge), 0);
  const OdRng rng = OdRngCreate(91, OD_STREAM_ESCAPE);
  const OdEscapeProblem pb = {ls, 0, W0, edge, 777};
  const PetscReal T[4] = {0.02, 0.012, 0.016, 0.02};
  const PetscInt begin[4] = {0, 40, 3, 45}, end[4] = {45, 41, 90, 200}, point[4] = {7, 2, 5, 7};
  PetscInt ref[4][200], got[4][200], escaped = 0;
  OdEscapeWalkers r[4];
  for (int i = 0; i < 4; i++) {
    const OdEscapeProblem one = {ls, T[i], W0, edge, 777};
    OdEscapeFirstPassageSimd(&one, OD_SIMD_SCALAR, &rng, (uint32_t)point[i], begin[i], end[i], ref[i]);
    for (PetscInt w = 0; w < end[i] - begin[i]; w++) escaped += ref[i][w] > 0;
    r[i] = (OdEscapeWalkers){(uint32_t)point[i], T[i], begin[i], end[i], got[i]};
  }
  ck_assert_int_gt(escaped, 50);
  ck_assert_int_lt(escaped, 300);
  for (int l = OD_SIMD_SCALAR; l < OD_SIMD_NLEVELS; l++) {
    if (!OdSimdLevelAvailable((OdSimdLevel)l)) continue;
    memset(got, 0xff, sizeof got);
    OdEscapeFirstPassageBatch(&pb, (OdSimdLevel)l, &rng, 4, r);
    for (int i = 0; i < 4; i++)
      for (PetscInt w = 0; w < end[i] - begin[i]; w++) ck_assert_msg(got[i][w] == ref[i][w], "level %s, range %d, walker %d: %d steps, reference %d", OdSimdLevelName((OdSimdLevel)l), i, (int)(begin[i] + w), (int)got[i][w], (int)ref[i][w]);
  }
  OdLandscapeDestroy(&ls);
}
END_TEST

START_TEST(test_levels_op_lorenz)
{
  /* op's Lorenz lane kernel at every level equals OdOpFinal point by point, bitwise: 5 points
     (3 idle lanes), 3 perturbation sizes, A = {a} clamped for the first 40 of 150 steps, and
     A = {a, c} clamped throughout. */
  OdOpSystem sys;
  ck_assert_int_eq(OdOpSystemCreate(PETSC_COMM_SELF, "lorenz", &sys), 0);
  sys->dt = 0.01;
  const PetscReal delta[3] = {1e-6, 1e-7, 1e-8};
  PetscReal s0[5 * 3], w_ref[5 * 3], dx_ref[5 * 9], dy_ref[5 * 9], w[5 * 3], dx[5 * 9], dy[5 * 9];
  for (int l = 0; l < 5; l++) s0[3 * l] = 1, s0[3 * l + 1] = -15 + 7.3 * l, s0[3 * l + 2] = 3 + 9.1 * l;
  OdOpCausal causal[2] = {{1, {PETSC_TRUE, PETSC_FALSE, PETSC_FALSE}, 40}, {1, {PETSC_TRUE, PETSC_FALSE, PETSC_TRUE}, PETSC_MAX_INT}};
  for (int c = 0; c < 2; c++) {
    for (int l = 0; l < 5; l++) OdOpFinal(sys, &causal[c], s0 + 3 * l, 150, 3, delta, w_ref + 3 * l, dx_ref + 9 * l, dy_ref + 9 * l);
    ck_assert(dy_ref[1] != 0 && dx_ref[1] != dy_ref[1]); /* a non-trivial measurement */
    for (int lv = OD_SIMD_SCALAR; lv < OD_SIMD_NLEVELS; lv++) {
      if (!OdSimdLevelAvailable((OdSimdLevel)lv)) continue;
      OdOpFinalLanes(sys, &causal[c], (OdSimdLevel)lv, 5, s0, 150, 3, delta, w, dx, dy);
      ck_assert_msg(!memcmp(w, w_ref, sizeof w) && !memcmp(dx, dx_ref, sizeof dx) && !memcmp(dy, dy_ref, sizeof dy), "op lanes differ at level %s (case %d)", OdSimdLevelName((OdSimdLevel)lv), c);
    }
  }
  OdOpSystemDestroy(&sys);
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("simd");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_dispatch_helpers);
  tcase_add_test(tc, test_levels_seed_landscape);
  tcase_add_test(tc, test_levels_slot_widths);
  tcase_add_test(tc, test_levels_op_lorenz);
  tcase_add_test(tc, test_levels_batch);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
