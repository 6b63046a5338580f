/* The mlp objective of es and its techniques on a small generated data set (3 classes of
   6 x 6 images: a class-specific stripe pattern plus noise): VO lowers the training NLL; the
   local-reparameterization gradient has lower variance than weight perturbation at the same
   number of members and examples while estimating the same mean; sensitivity-rescaled
   perturbations lower the output divergence D at equal sigma. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include "od_check.h"
#include "optdyn/es.h"
#include "optdyn/nn.h"
#include "optdyn/nnobj.h"

static char dir[256];

/* n images of 6 x 6 pixels: class c lights rows 2c, 2c+1; uniform noise of amplitude 100. */
static void WriteSet(const char *prefix, PetscInt n, uint32_t seed)
{
  char path[512];
  unsigned char *px, *lb;
  const OdRng rng = OdRngCreate(seed, OD_STREAM_TEST);
  PetscMalloc2(n * 36, &px, n, &lb);
  for (PetscInt i = 0; i < n; i++) {
    lb[i] = (unsigned char)(i % 3);
    for (PetscInt p = 0; p < 36; p++) {
      double u[2];
      OdRngUniform2(&rng, OdCounterMake((uint32_t)i, (uint32_t)p, 0, 0), u);
      px[i * 36 + p] = (unsigned char)((p / 6) / 2 == lb[i] ? 120 + 100 * u[0] : 100 * u[0]);
    }
  }
  OdIdx img = {3, {n, 6, 6, 0}, (size_t)n * 36, px}, lab = {1, {n, 0, 0, 0}, (size_t)n, lb};
  snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte", dir, prefix);
  ck_assert_int_eq(OdIdxWrite(PETSC_COMM_SELF, path, &img, PETSC_FALSE), 0);
  snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte", dir, prefix);
  ck_assert_int_eq(OdIdxWrite(PETSC_COMM_SELF, path, &lab, PETSC_FALSE), 0);
  PetscFree2(px, lb);
}

static void MakeData(void)
{
  snprintf(dir, sizeof dir, "/tmp/optdyn-nnes-%d", (int)getpid());
  mkdir(dir, 0700);
  WriteSet("train", 300, 1);
  WriteSet("t10k", 60, 2);
}

static PetscErrorCode CreateMLP(const char *opts, OdEsObjective *obj)
{
  char all[1024];
  PetscFunctionBegin;
  snprintf(all, sizeof all, "-es_mlp_data %s -es_mlp_layers 36,8,3 -es_mlp_activation tanh -es_mlp_validation 30 -es_mlp_monitor 200 %s", dir, opts);
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, all));
  PetscOptionsBegin(PETSC_COMM_SELF, "es_", "test", NULL);
  PetscCall(OdEsObjectiveCreateWith(PetscOptionsObject, "mlp", OdNNEsMLPCreate, 0, obj));
  PetscOptionsEnd();
  PetscCall(PetscOptionsClear(NULL));
  PetscFunctionReturn(0);
}

/* VO (natural gradients, Adam) lowers the monitored training NLL by more than a third. */
START_TEST(vo_lowers_nll)
{
  OdEs es;
  PetscBool stop;
  PetscInt d;
  const PetscReal *mu;
  PetscReal f0, f1;
  char opts[1024];
  MakeData();
  snprintf(opts, sizeof opts, "-es_objective mlp -es_mlp_data %s -es_mlp_layers 36,8,3 -es_mlp_activation tanh -es_mlp_validation 30 -es_mlp_monitor 200 -es_mlp_batch 20 "
                              "-es_population 20 -es_generations 150 -es_optimizer adam -es_lr 0.03 -es_sigma0 0.05 -es_lr_sigma 0.01 -quiet -o %s/vo.h5", dir, dir);
  PetscOptionsClear(NULL);
  PetscOptionsInsertString(NULL, opts);
  ck_assert_int_eq(OdEsCreate(PETSC_COMM_WORLD, &es), 0);
  ck_assert_int_eq(OdNNRegisterEsObjectives(es), 0);
  ck_assert_int_eq(OdEsSetFromOptions(es), 0);
  ck_assert_int_eq(OdEsSetUp(es), 0);
  ck_assert_int_eq(OdEsRun(es, &stop), 0);
  ck_assert_int_eq(OdEsGetMean(es, &d, &mu, &f1), 0);
  f0 = log(3.0);
  ck_assert_msg(f1 < 0.66 * f0, "VO training NLL %g not below 2/3 of log 3 = %g", f1, f0);
  OdEsDestroy(&es);
  PetscOptionsClear(NULL);
}
END_TEST

/* R estimates of the natural mu-gradient at the same mu (generations 0..R-1: same batches
   and member counts for both methods); sums over parameters of the variance and of the
   squared mean. */
static void GradientStats(OdEsObjective obj, PetscBool weight, PetscInt N, PetscInt R, PetscReal *var, PetscReal *mean2, PetscReal **mean_out)
{
  const PetscInt d = OdEsObjectiveGetDimension(obj);
  const OdEsPopulationHook *hook = OdEsObjectiveGetPopulationHook(obj);
  const PetscReal *mu0, sigma = 0.1;
  PetscReal s0, *m, *m2, *g, *gs, *fit, *u, *eps;
  OdRng rng;
  OdEsObjectiveGetDefaults(obj, &mu0, &s0);
  rng = OdRngCreate(1, OD_STREAM_ES);
  PetscCalloc1(d, &m);
  PetscCalloc2(d, &m2, d, &g);
  PetscMalloc4(d, &gs, N, &fit, N, &u, d, &eps);
  for (PetscInt r = 0; r < R; r++) {
    OdEsGeneration gen = {PETSC_COMM_SELF, &rng, 1, r, 0, d, mu0, &sigma, 1, N, PETSC_FALSE, PETSC_TRUE, R};
    PetscReal mean = 0;
    ck_assert_int_eq(hook->evaluate(OdEsObjectiveGetContext(obj), &gen, 0, N, fit), 0);
    for (PetscInt n = 0; n < N; n++) mean += fit[n] / N;
    for (PetscInt n = 0; n < N; n++) u[n] = fit[n] - mean; /* baseline, no ranks: an unbiased estimate */
    if (weight) {
      for (PetscInt i = 0; i < d; i++) g[i] = 0;
      for (PetscInt n = 0; n < N; n++) {
        OdEsNoise(&rng, (uint32_t)r, (uint32_t)n, 0, 0, d, eps);
        for (PetscInt i = 0; i < d; i++) g[i] += sigma * u[n] * eps[i] / N;
      }
    } else ck_assert_int_eq(hook->search_gradient(OdEsObjectiveGetContext(obj), &gen, u, g, gs), 0);
    for (PetscInt i = 0; i < d; i++) m[i] += g[i] / R, m2[i] += g[i] * g[i] / R;
  }
  *var = 0, *mean2 = 0;
  for (PetscInt i = 0; i < d; i++) *var += (m2[i] - m[i] * m[i]) * R / (R - 1), *mean2 += m[i] * m[i];
  *mean_out = m;
  PetscFree2(m2, g);
  PetscFree4(gs, fit, u, eps);
}

/* Same members (N = 10) and examples (B = 40): local reparameterization's variance is below
   1/4 of weight perturbation's (the per-example noise and per-example baselines average over
   the batch), and the two means agree: |m_local - m_weight|^2 summed over the parameters is
   within 4 x the variance of the difference of the means (an upper 1e-4 tail for a sum of
   d ~ 60 scaled chi^2 terms is far below 4 x its mean). */
START_TEST(local_lower_variance)
{
  OdEsObjective w, l;
  const PetscInt N = 10, R = 200;
  PetscReal vw, vl, mw2, ml2, *mw, *ml, diff = 0;
  MakeData();
  ck_assert_int_eq(CreateMLP("-es_mlp_batch 40", &w), 0);
  ck_assert_int_eq(CreateMLP("-es_mlp_batch 40 -es_mlp_method local", &l), 0);
  GradientStats(w, PETSC_TRUE, N, R, &vw, &mw2, &mw);
  GradientStats(l, PETSC_FALSE, N, R, &vl, &ml2, &ml);
  for (PetscInt i = 0; i < OdEsObjectiveGetDimension(w); i++) diff += (mw[i] - ml[i]) * (mw[i] - ml[i]);
  fprintf(stderr, "variance: weight %g, local %g (ratio %.3g); |mean|^2 weight %g local %g; |diff|^2 %g vs (vw+vl)/R %g\n", vw, vl, vl / vw, mw2, ml2, diff, (vw + vl) / R);
  ck_assert_msg(vl < 0.25 * vw, "local-reparameterization variance %g not below 1/4 of weight perturbation's %g", vl, vw);
  ck_assert_msg(diff < 4 * (vw + vl) / R, "means differ: |diff|^2 = %g vs 4 (vw + vl)/R = %g", diff, 4 * (vw + vl) / R);
  PetscFree(mw), PetscFree(ml);
  OdEsObjectiveDestroy(&w);
  OdEsObjectiveDestroy(&l);
}
END_TEST

/* D(sigma eps / s) < D(sigma eps) on average over 30 draws at equal sigma (s normalized so
   that mean(1/s^2) = 1: the same expected perturbation length), for s_abs and s_sum. */
START_TEST(safe_lowers_divergence)
{
  MakeData();
  for (int kind = 0; kind < 2; kind++) {
    OdEsObjective obj;
    const PetscReal *mu0, sigma = 0.3;
    PetscReal s0, *s, *e1, *e2, Dp = 0, Ds = 0;
    ck_assert_int_eq(CreateMLP(kind ? "-es_mlp_batch 40 -es_mlp_method safe -es_mlp_safe sum" : "-es_mlp_batch 40 -es_mlp_method safe", &obj), 0);
    const PetscInt d = OdEsObjectiveGetDimension(obj);
    const OdRng rng = OdRngCreate(3, OD_STREAM_ES);
    OdEsObjectiveGetDefaults(obj, &mu0, &s0);
    PetscMalloc3(d, &s, d, &e1, d, &e2);
    ck_assert_int_eq(OdNNEsMLPSensitivity(obj, 0, 0, mu0, s), 0);
    for (PetscInt r = 0; r < 30; r++) {
      PetscReal D;
      OdEsNoise(&rng, 0, (uint32_t)r, 0, 0, d, e1);
      for (PetscInt i = 0; i < d; i++) e2[i] = sigma * e1[i] / s[i], e1[i] *= sigma;
      ck_assert_int_eq(OdNNEsMLPDivergence(obj, mu0, e1, &D), 0);
      Dp += D / 30;
      ck_assert_int_eq(OdNNEsMLPDivergence(obj, mu0, e2, &D), 0);
      Ds += D / 30;
    }
    fprintf(stderr, "divergence (%s): plain %g, safe %g\n", kind ? "sum" : "abs", Dp, Ds);
    ck_assert_msg(Ds < 0.5 * Dp, "safe perturbations (%s) D = %g not below half of plain D = %g", kind ? "sum" : "abs", Ds, Dp);
    PetscFree3(s, e1, e2);
    OdEsObjectiveDestroy(&obj);
  }
}
END_TEST

static Suite *MakeSuite(void)
{
  Suite *s = suite_create("nnes");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, vo_lowers_nll);
  tcase_add_test(tc, local_lower_variance);
  tcase_add_test(tc, safe_lowers_divergence);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, MakeSuite); }
