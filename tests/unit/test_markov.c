/* The exact SGD density operator (markov module): column-stochasticity and mass conservation,
   equality with an independent interpolation recursion, Monte Carlo agreement, convergence
   under refinement, mean first-passage time, and the degenerate (point-mass) stationary state. */
#include <math.h>
#include "od_check.h"
#include "optdyn/escape.h"
#include "optdyn/markov.h"
#include "optdyn/stats.h"

typedef struct {
  OdLandscape ls;
  double W0, edge, Wmin;
} Pit;

static Pit SeedPit(void)
{
  Pit p;
  ck_assert_int_eq(OdLandscapeCreate(PETSC_COMM_SELF, &p.ls), 0);
  ck_assert_int_eq(OdLandscapeFindMinimum(p.ls, OD_LANDSCAPE_MEAN, 1.0, &p.W0), 0);
  ck_assert_int_eq(OdLandscapeFindBarrierRight(p.ls, OD_LANDSCAPE_MEAN, p.W0, &p.edge), 0);
  p.Wmin = p.W0 - 2 * (p.edge - p.W0);
  return p;
}

static OdMarkovOp MakeOp(const Pit *p, double T, PetscInt n, OdMarkovEdge edge)
{
  OdMarkovOp op;
  ck_assert_int_eq(OdMarkovOpCreate(PETSC_COMM_SELF, p->ls, T, p->Wmin, p->edge, n, edge, &op), 0);
  return op;
}

START_TEST(test_column_stochastic)
{
  /* sum_l A_li + e_i = 1 for every column (absorbing and reflecting edge), and a density
     keeps mass + escaped = 1 over 1000 steps, to 1e-13. */
  Pit pit = SeedPit();
  for (int r = 0; r < 2; r++) {
    OdMarkovOp op = MakeOp(&pit, 0.02, 4001, r ? OD_MARKOV_EDGE_REFLECTING : OD_MARKOV_EDGE_ABSORBING);
    Mat A;
    Vec e, one, col, p, q;
    const PetscScalar *c;
    double escaped = 0, esc, mass, mean, std, maxdev = 0;
    ck_assert_int_eq(OdMarkovOpGetMatrix(op, &A, &e), 0);
    ck_assert_int_eq(OdMarkovOpCreateVec(op, &one), 0);
    VecDuplicate(one, &col);
    VecSet(one, 1);
    MatMultTransposeAdd(A, one, e, col); /* column sums + escape fractions */
    VecGetArrayRead(col, &c);
    for (int i = 0; i < 4001; i++) maxdev = fmax(maxdev, fabs(c[i] - 1));
    VecRestoreArrayRead(col, &c);
    ck_assert_msg(maxdev <= 1e-13, "edge %d: max |column sum - 1| = %g", r, maxdev);
    OdMarkovOpCreateVec(op, &p);
    VecDuplicate(p, &q);
    OdMarkovOpPointMass(op, pit.W0, p);
    for (int s = 0; s < 1000; s++) {
      OdMarkovOpStep(op, p, q, &esc);
      escaped += esc;
      VecSwap(p, q);
    }
    OdMarkovOpMoments(op, p, &mass, &mean, &std);
    ck_assert_msg(fabs(mass + escaped - 1) <= 1e-13, "edge %d: mass %.17g + escaped %.17g", r, mass, escaped);
    if (r) ck_assert(escaped == 0);
    VecDestroy(&one), VecDestroy(&col), VecDestroy(&p), VecDestroy(&q);
    OdMarkovOpDestroy(&op);
  }
  OdLandscapeDestroy(&pit.ls);
}
END_TEST

/* An independent implementation of the backward recursion by interpolation (the escape
   module's original exact solver): q_n(x_i) = mean_j q_{n-1}(x_i - T g_j(x_i)). */
static double Interp(const double *q, int n, double Wmin, double h, double x)
{
  double s = (x - Wmin) / h;
  int l = (int)floor(s);
  if (l < 0) return q[0];
  if (l >= n - 1) return q[n - 1];
  return (1 - (s - l)) * q[l] + (s - l) * q[l + 1];
}

static void ReferenceRecursion(const Pit *pit, double T, int n, int nb, const PetscInt budgets[], double out[])
{
  const double h = (pit->edge - pit->Wmin) / (n - 1);
  const int J = (int)OdLandscapeGetNumData(pit->ls);
  double *q = calloc(n, sizeof *q), *qn = calloc(n, sizeof *qn);
  for (int step = 1, k = 0; step <= budgets[nb - 1]; step++) {
    for (int i = 0; i < n; i++) {
      const double x = i == n - 1 ? pit->edge : pit->Wmin + i * h;
      double acc = 0;
      for (int j = 0; j < J; j++) {
        const double y = x - T * OdLandscapeGrad(pit->ls, j, x);
        acc += y > pit->edge ? 1.0 : Interp(q, n, pit->Wmin, h, y <= pit->Wmin ? pit->Wmin : y);
      }
      qn[i] = acc / J;
    }
    double *t = q;
    q = qn, qn = t;
    while (k < nb && budgets[k] == step) out[k++] = Interp(q, n, pit->Wmin, h, pit->W0);
  }
  free(q), free(qn);
}

START_TEST(test_transpose_is_recursion)
{
  /* Backward through A^T equals the interpolation recursion to 1e-12, and the forward
     density evolution (escaped mass from the split point mass at W0) equals both. */
  Pit pit = SeedPit();
  const double Ts[3] = {0.01, 0.015, 0.02};
  const PetscInt budgets[2] = {100, 1000};
  for (int t = 0; t < 3; t++) {
    OdMarkovOp op = MakeOp(&pit, Ts[t], 8001, OD_MARKOV_EDGE_ABSORBING);
    double back[2], ref[2], fwd[2] = {0, 0}, esc, acc = 0;
    Vec p, q;
    ck_assert_int_eq(OdMarkovOpEscapeProbability(op, pit.W0, 2, budgets, back), 0);
    ReferenceRecursion(&pit, Ts[t], 8001, 2, budgets, ref);
    OdMarkovOpCreateVec(op, &p);
    VecDuplicate(p, &q);
    OdMarkovOpPointMass(op, pit.W0, p);
    for (int s = 1; s <= 1000; s++) {
      OdMarkovOpStep(op, p, q, &esc);
      acc += esc;
      VecSwap(p, q);
      if (s == 100) fwd[0] = acc;
    }
    fwd[1] = acc;
    for (int b = 0; b < 2; b++) {
      ck_assert_msg(fabs(back[b] - ref[b]) <= 1e-12, "T = %g n = %d: transpose %.17g vs recursion %.17g", Ts[t], (int)budgets[b], back[b], ref[b]);
      ck_assert_msg(fabs(fwd[b] - back[b]) <= 1e-12, "T = %g n = %d: forward %.17g vs backward %.17g", Ts[t], (int)budgets[b], fwd[b], back[b]);
    }
    VecDestroy(&p), VecDestroy(&q);
    OdMarkovOpDestroy(&op);
  }
  OdLandscapeDestroy(&pit.ls);
}
END_TEST

START_TEST(test_vs_monte_carlo)
{
  /* At T = 0.01, 0.015, 0.02 (where the continuum model fails) and n = 100, 1000, the
     operator's escape probability lies in the 99.9 % Wilson interval of 40000 walkers. */
  Pit pit = SeedPit();
  const double Ts[3] = {0.01, 0.015, 0.02};
  const PetscInt budgets[2] = {100, 1000}, nw = 40000;
  PetscInt *steps = malloc(sizeof(PetscInt) * nw);
  const OdRng rng = OdRngCreate(2024, OD_STREAM_ESCAPE);
  for (int t = 0; t < 3; t++) {
    OdMarkovOp op = MakeOp(&pit, Ts[t], 8001, OD_MARKOV_EDGE_ABSORBING);
    const OdEscapeProblem pb = {pit.ls, Ts[t], pit.W0, pit.edge, 1000};
    double p[2];
    ck_assert_int_eq(OdMarkovOpEscapeProbability(op, pit.W0, 2, budgets, p), 0);
    OdEscapeFirstPassage(&pb, &rng, (uint32_t)t, 0, nw, steps);
    for (int b = 0; b < 2; b++) {
      double k = 0, lo, hi;
      for (PetscInt w = 0; w < nw; w++) k += steps[w] && steps[w] <= budgets[b];
      OdWilsonInterval(k, nw, 3.2905, &lo, &hi);
      ck_assert_msg(p[b] >= lo && p[b] <= hi, "T = %g n = %d: exact %.6f outside MC [%.6f, %.6f]", Ts[t], (int)budgets[b], p[b], lo, hi);
    }
    OdMarkovOpDestroy(&op);
  }
  free(steps);
  OdLandscapeDestroy(&pit.ls);
}
END_TEST

/* W1 distance (L1 of the CDFs, on 201 common points) between densities of two grids. */
static void CoarseCdf(OdMarkovOp op, Vec p, const Pit *pit, double F[201])
{
  PetscInt n;
  double Wmin, h;
  const PetscScalar *x;
  OdMarkovOpGetGrid(op, &n, &Wmin, &h);
  VecGetArrayRead(p, &x);
  for (int k = 0; k < 201; k++) {
    const double c = pit->Wmin + (pit->edge - pit->Wmin) * k / 200.0;
    double s = 0;
    for (PetscInt i = 0; i < n; i++) s += (Wmin + i * h <= c) ? x[i] : 0;
    F[k] = s;
  }
  VecRestoreArrayRead(p, &x);
}

START_TEST(test_density_converges)
{
  /* From the point mass at W0, the density after t steps converges in W1 distance at first
     order: the least-squares slope of log(distance between grids n and 2n-1) vs log h over
     n = 1001 .. 16001 is >= 0.8 (measured 1.0 at T = 0.01, t = 1000; 0.9 at T = 0.02, t = 100). */
  Pit pit = SeedPit();
  const double Ts[2] = {0.01, 0.015};
  const int ts[2] = {1000, 1000};
  for (int c = 0; c < 2; c++) {
    double F[5][201], d[4], sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int r = 0; r < 5; r++) {
      OdMarkovOp op = MakeOp(&pit, Ts[c], 1000 * (1 << r) + 1, OD_MARKOV_EDGE_ABSORBING);
      Vec p, q;
      OdMarkovOpCreateVec(op, &p);
      VecDuplicate(p, &q);
      OdMarkovOpPointMass(op, pit.W0, p);
      for (int s = 0; s < ts[c]; s++) OdMarkovOpStep(op, p, q, NULL), VecSwap(p, q);
      CoarseCdf(op, p, &pit, F[r]);
      VecDestroy(&p), VecDestroy(&q);
      OdMarkovOpDestroy(&op);
    }
    for (int r = 0; r < 4; r++) {
      d[r] = 0;
      for (int k = 0; k < 201; k++) d[r] += fabs(F[r][k] - F[r + 1][k]) / 201;
      const double x = -r * log(2.0), y = log(d[r]);
      sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    const double order = (4 * sxy - sx * sy) / (4 * sxx - sx * sx);
    printf("density convergence T = %g, t = %d: W1 differences %.3e %.3e %.3e %.3e, order %.2f\n", Ts[c], ts[c], d[0], d[1], d[2], d[3], order);
    ck_assert_msg(order >= 0.8, "T = %g: measured order %.2f", Ts[c], order);
  }
  OdLandscapeDestroy(&pit.ls);
}
END_TEST

START_TEST(test_mfpt_vs_monte_carlo)
{
  /* The exact mean first-passage time from W0 agrees with the mean of 20000 Monte Carlo
     first-passage steps within 3 standard errors, at T = 0.02 and 0.0175. */
  Pit pit = SeedPit();
  const double Ts[2] = {0.02, 0.0175};
  const PetscInt nw = 20000;
  PetscInt *steps = malloc(sizeof(PetscInt) * nw);
  const OdRng rng = OdRngCreate(77, OD_STREAM_ESCAPE);
  for (int t = 0; t < 2; t++) {
    OdMarkovOp op = MakeOp(&pit, Ts[t], 8001, OD_MARKOV_EDGE_ABSORBING);
    const OdEscapeProblem pb = {pit.ls, Ts[t], pit.W0, pit.edge, 200000};
    Vec tau;
    double exact, s = 0, s2 = 0;
    OdMarkovOpCreateVec(op, &tau);
    ck_assert_int_eq(OdMarkovOpMeanFirstPassage(op, tau), 0);
    OdMarkovOpInterpolate(op, tau, pit.W0, &exact);
    OdEscapeFirstPassage(&pb, &rng, (uint32_t)t, 0, nw, steps);
    for (PetscInt w = 0; w < nw; w++) {
      ck_assert_int_gt(steps[w], 0); /* every walker escaped within the budget */
      s += steps[w], s2 += (double)steps[w] * steps[w];
    }
    const double mean = s / nw, se = sqrt((s2 / nw - mean * mean) / (nw - 1));
    printf("MFPT T = %g: exact %.3f, MC %.3f +- %.3f\n", Ts[t], exact, mean, se);
    ck_assert_msg(fabs(exact - mean) <= 3 * se, "T = %g: exact tau %.3f vs MC %.3f +- %.3f", Ts[t], exact, mean, se);
    VecDestroy(&tau);
    OdMarkovOpDestroy(&op);
  }
  free(steps);
  OdLandscapeDestroy(&pit.ls);
}
END_TEST

START_TEST(test_point_mass)
{
  /* Seed landscape over [0.5, 3], reflecting: S2 underflows at the GD minimum W = 2, so the
     stationary state is a point mass there: detected from the landscape alone, holding all
     the operator's stationary mass (within 20 nodes), no NaN anywhere; the pit is not an atom. */
  OdLandscape ls;
  OdMarkovOp op;
  OdMarkovAtom atoms[OD_MARKOV_MAX_ATOMS];
  PetscInt natoms;
  Vec p;
  double sum, near;
  ck_assert_int_eq(OdLandscapeCreate(PETSC_COMM_SELF, &ls), 0);
  ck_assert_int_eq(OdMarkovOpCreate(PETSC_COMM_SELF, ls, 0.02, 0.5, 3.0, 2501, OD_MARKOV_EDGE_REFLECTING, &op), 0);
  ck_assert_int_eq(OdMarkovFindAtoms(ls, 0.02, 0.5, 3.0, 1e-3, &natoms, atoms), 0);
  ck_assert_int_eq(natoms, 1);
  od_assert_close(atoms[0].W, 2.0, 1e-12);
  ck_assert(atoms[0].width < 1e-30);
  OdMarkovOpCreateVec(op, &p);
  ck_assert_int_eq(OdMarkovOpStationary(op, 2000, p), 0);
  VecSum(p, &sum);
  ck_assert(!isnan(sum));
  od_assert_close(sum, 1.0, 1e-12);
  OdMarkovOpMassNear(op, p, atoms[0].W, 20 * 1e-3, &near);
  ck_assert_msg(near >= 1 - 1e-9, "mass near W = 2: %.17g", near);
  VecDestroy(&p);
  OdMarkovOpDestroy(&op);
  OdLandscapeDestroy(&ls);
}
END_TEST

START_TEST(test_pde_quadrature)
{
  /* The continuum model's mean first-passage time by the exact quadrature agrees with the PDE
     solver's own estimate (integral of its surviving mass, optdyn fp through the public API)
     within 0.5 % (measured 0.1 %), at T = 0.02 for alpha = 1 and 0.5; and the Kramers
     asymptote approaches the quadrature as T decreases. */
  Pit pit = SeedPit();
  double a, tq, tk, U, prev = 0;
  ck_assert_int_eq(OdMarkovNoiseFreeLeft(pit.ls, pit.Wmin, pit.W0, &a), 0);
  od_assert_close(a, 1.0, 1e-9); /* S2 vanishes at W = 1 on the seed landscape */
  const double alphas[2] = {1, 0.5};
  for (int k = 0; k < 2; k++) {
    OdMarkovPDEResult r;
    ck_assert_int_eq(OdMarkovContinuumMFPT(pit.ls, 0.02, alphas[k], a, pit.edge, pit.W0, 100001, &tq), 0);
    ck_assert_int_eq(OdMarkovPDERun(PETSC_COMM_SELF, "seed", 0.02, alphas[k], pit.Wmin, pit.edge, pit.W0, 0, 1000, 12 * tq, 241, &r), 0);
    printf("PDE MFPT alpha = %g: quadrature %.4f, solver %.4f\n", alphas[k], tq, r.tau);
    ck_assert_msg(fabs(r.tau / tq - 1) < 5e-3, "alpha = %g: quadrature %.4f vs solver %.4f", alphas[k], tq, r.tau);
    OdMarkovPDEResultFree(&r);
  }
  for (int k = 0; k < 3; k++) {
    const double T = 0.01 / (1 << k);
    ck_assert_int_eq(OdMarkovContinuumMFPT(pit.ls, T, 1.0, a, pit.edge, pit.W0, 100001, &tq), 0);
    ck_assert_int_eq(OdMarkovKramers(pit.ls, T, 1.0, pit.W0, pit.edge, &tk, &U), 0);
    const double err = fabs(log(tk / tq));
    if (k) ck_assert_msg(err < prev, "Kramers does not approach the quadrature: T = %g, |ln ratio| = %g (previous %g)", T, err, prev);
    prev = err;
  }
  OdLandscapeDestroy(&pit.ls);
}
END_TEST

static Suite *MakeSuite(void)
{
  Suite *s = suite_create("markov");
  TCase *tc = tcase_create("operator");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_column_stochastic);
  tcase_add_test(tc, test_transpose_is_recursion);
  tcase_add_test(tc, test_vs_monte_carlo);
  tcase_add_test(tc, test_density_converges);
  tcase_add_test(tc, test_mfpt_vs_monte_carlo);
  tcase_add_test(tc, test_point_mass);
  tcase_add_test(tc, test_pde_quadrature);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv)
{
  return OdCheckMain(argc, argv, MakeSuite);
}
