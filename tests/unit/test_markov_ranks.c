/* The markov operator distributed over 1, 2 or 4 ranks gives the results of the one-rank
   operator to 1e-12: densities, escape probabilities, mean first-passage times, the
   stationary state. */
#include <math.h>
#include "od_check.h"
#include "optdyn/markov.h"

/* max |x - y| where x is distributed and y sequential (same global size) */
static double MaxDiff(Vec x, Vec y)
{
  VecScatter sc;
  Vec all;
  const PetscScalar *a, *b;
  PetscInt n;
  double d = 0;
  ck_assert_int_eq(VecScatterCreateToAll(x, &sc, &all), 0);
  VecScatterBegin(sc, x, all, INSERT_VALUES, SCATTER_FORWARD);
  VecScatterEnd(sc, x, all, INSERT_VALUES, SCATTER_FORWARD);
  VecGetSize(y, &n);
  VecGetArrayRead(all, &a), VecGetArrayRead(y, &b);
  for (PetscInt i = 0; i < n; i++) d = fmax(d, fabs(a[i] - b[i]));
  VecRestoreArrayRead(all, &a), VecRestoreArrayRead(y, &b);
  VecScatterDestroy(&sc), VecDestroy(&all);
  return d;
}

typedef struct {
  OdMarkovOp op;
  Vec p, tau, stat;
  double esc[2];
} Results;

static void Compute(MPI_Comm comm, OdLandscape ls, double W0, double edge, Results *r)
{
  const PetscInt budgets[2] = {100, 500};
  OdMarkovOp refl;
  Vec q;
  ck_assert_int_eq(OdMarkovOpCreate(comm, ls, 0.015, W0 - 2 * (edge - W0), edge, 3001, OD_MARKOV_EDGE_ABSORBING, &r->op), 0);
  OdMarkovOpCreateVec(r->op, &r->p);
  VecDuplicate(r->p, &q);
  OdMarkovOpPointMass(r->op, W0, r->p);
  for (int s = 0; s < 300; s++) OdMarkovOpStep(r->op, r->p, q, NULL), VecSwap(r->p, q);
  VecDestroy(&q);
  ck_assert_int_eq(OdMarkovOpEscapeProbability(r->op, W0, 2, budgets, r->esc), 0);
  OdMarkovOpCreateVec(r->op, &r->tau);
  ck_assert_int_eq(OdMarkovOpMeanFirstPassage(r->op, r->tau), 0);
  ck_assert_int_eq(OdMarkovOpCreate(comm, ls, 0.02, 0.5, 3.0, 1501, OD_MARKOV_EDGE_REFLECTING, &refl), 0);
  OdMarkovOpCreateVec(refl, &r->stat);
  ck_assert_int_eq(OdMarkovOpStationary(refl, 1000, r->stat), 0);
  OdMarkovOpDestroy(&refl);
}

static void Free(Results *r)
{
  VecDestroy(&r->p), VecDestroy(&r->tau), VecDestroy(&r->stat);
  OdMarkovOpDestroy(&r->op);
}

START_TEST(test_rank_invariance)
{
  OdLandscape ls;
  double W0, edge;
  Results dist, seq;
  ck_assert_int_eq(OdLandscapeCreate(PETSC_COMM_WORLD, &ls), 0);
  ck_assert_int_eq(OdLandscapeFindMinimum(ls, OD_LANDSCAPE_MEAN, 1.0, &W0), 0);
  ck_assert_int_eq(OdLandscapeFindBarrierRight(ls, OD_LANDSCAPE_MEAN, W0, &edge), 0);
  Compute(PETSC_COMM_WORLD, ls, W0, edge, &dist);
  Compute(PETSC_COMM_SELF, ls, W0, edge, &seq);
  const double dp = MaxDiff(dist.p, seq.p), ds = MaxDiff(dist.stat, seq.stat);
  double tmax;
  VecMax(seq.tau, NULL, &tmax);
  const double dt = MaxDiff(dist.tau, seq.tau) / tmax;
  ck_assert_msg(dp <= 1e-12, "density differs by %g", dp);
  ck_assert_msg(ds <= 1e-12, "stationary state differs by %g", ds);
  ck_assert_msg(dt <= 1e-12, "mean first-passage time differs by %g (relative)", dt);
  for (int b = 0; b < 2; b++) ck_assert_msg(fabs(dist.esc[b] - seq.esc[b]) <= 1e-12, "escape probability %.17g vs %.17g", dist.esc[b], seq.esc[b]);
  Free(&dist), Free(&seq);
  OdLandscapeDestroy(&ls);
}
END_TEST

static Suite *MakeSuite(void)
{
  Suite *s = suite_create("markov_ranks");
  TCase *tc = tcase_create("ranks");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_rank_invariance);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv)
{
  return OdCheckMain(argc, argv, MakeSuite);
}
