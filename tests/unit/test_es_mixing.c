/* Importance mixing (OdEsImportanceMix): after a step of the mean by 0.2 sigma per component,
   the mixed population (kept old members + accepted fresh ones) is a sample of the NEW
   distribution, so the plain search-gradient estimator on it is unbiased while a large,
   reported fraction of members is reused:
     - over R = 2000 replicates (N = 20, d = 4, sigma = 0.5, f = |w - c|^2), every component of
       the mean estimate of grad_mu E[f] = 2 (mu - c) lies within 4 standard errors;
     - the population's mean and variance per component match mu and sigma^2 (4 SE; 5 %);
     - the reused fraction is above 0.5 (printed);
     - control: the same estimator on the old population without mixing is off by > 10 SE
       (so the bound can detect a wrong reuse rule). */
#include <math.h>
#include <stdio.h>
#include "od_check.h"
#include "optdyn/es.h"

enum { R = 2000, N = 20, D = 4 };
static const PetscReal C[D] = {1, -1, 2, 0};

static PetscReal F(const PetscReal w[])
{
  PetscReal f = 0;
  for (PetscInt i = 0; i < D; i++) f += (w[i] - C[i]) * (w[i] - C[i]);
  return f;
}

/* g = 1/(N sigma) sum_n f_n (w_n - mu)/sigma, added to sum and sum of squares */
static void Accumulate(const PetscReal W[], const PetscReal f[], const PetscReal mu[], PetscReal sigma, PetscReal s1[], PetscReal s2[])
{
  for (PetscInt i = 0; i < D; i++) {
    PetscReal g = 0;
    for (PetscInt n = 0; n < N; n++) g += f[n] * (W[n * D + i] - mu[i]) / sigma;
    g /= N * sigma;
    s1[i] += g, s2[i] += g * g;
  }
}

START_TEST(mixing_unbiased_with_reuse)
{
  const OdRng noise = OdRngCreate(7, OD_STREAM_ES);
  const PetscReal sigma = 0.5, mu_old[D] = {0, 0, 0, 0}, mu[D] = {0.1, 0.1, 0.1, 0.1};
  const OdEsGaussian old = {D, 1, mu_old, &sigma}, cur = {D, 1, mu, &sigma};
  PetscReal W[N * D], f[N], g1[D] = {0}, g2[D] = {0}, n1[D] = {0}, n2[D] = {0}, m1[D] = {0}, m2[D] = {0};
  long reused = 0, candidates = 0;
  for (uint32_t r = 0; r < R; r++) {
    PetscReal eps[D];
    PetscInt kept, cand;
    for (PetscInt n = 0; n < N; n++) { /* generation 0: drawn from the old distribution */
      OdEsNoise(&noise, 0, (uint32_t)n, r, 0, D, eps);
      for (PetscInt i = 0; i < D; i++) W[n * D + i] = mu_old[i] + sigma * eps[i];
      f[n] = F(W + n * D);
    }
    Accumulate(W, f, mu, sigma, n1, n2); /* control: old members taken as they are */
    ck_assert_int_eq(OdEsImportanceMix(&noise, 7, 1, r, 0.1, old, cur, N, W, f, &kept, &cand), 0);
    for (PetscInt n = kept; n < N; n++) f[n] = F(W + n * D);
    Accumulate(W, f, mu, sigma, g1, g2);
    for (PetscInt n = 0; n < N; n++)
      for (PetscInt i = 0; i < D; i++) m1[i] += W[n * D + i], m2[i] += (W[n * D + i] - mu[i]) * (W[n * D + i] - mu[i]);
    reused += kept, candidates += cand;
  }
  const PetscReal frac = (PetscReal)reused / (R * N);
  printf("importance mixing: reused fraction %.3f, fresh candidates per generation %.2f\n", (double)frac, (double)candidates / R);
  ck_assert_msg(frac > 0.5, "reused fraction %g", (double)frac);
  for (PetscInt i = 0; i < D; i++) {
    const PetscReal mean = g1[i] / R, se = sqrt((g2[i] / R - mean * mean) / R), truth = 2 * (mu[i] - C[i]);
    const PetscReal nmean = n1[i] / R, nse = sqrt((n2[i] / R - nmean * nmean) / R);
    const PetscReal wmean = m1[i] / (R * N), wvar = m2[i] / (R * N);
    printf("  component %d: gradient %.4f +- %.4f (true %.4f); without mixing %.4f +- %.4f; member mean %.4f var %.4f\n", (int)i, (double)mean, (double)se, (double)truth, (double)nmean, (double)nse, (double)wmean, (double)wvar);
    ck_assert_msg(fabs(mean - truth) < 4 * se, "component %d: mixed mean %g, true %g, SE %g", (int)i, (double)mean, (double)truth, (double)se);
    ck_assert_msg(fabs(nmean - truth) > 10 * nse, "control: component %d without mixing %g is not detectably biased (SE %g)", (int)i, (double)nmean, (double)nse);
    /* members are correlated within a replicate only through reuse; 4 SE with SE from sigma/sqrt(RN) x 2 */
    ck_assert_msg(fabs(wmean - mu[i]) < 8 * sigma / sqrt((double)R * N), "member mean %g, mu %g", (double)wmean, (double)mu[i]);
    ck_assert_msg(fabs(wvar / (sigma * sigma) - 1) < 0.05, "member variance %g, sigma^2 %g", (double)wvar, (double)(sigma * sigma));
  }
}
END_TEST

static Suite *MakeSuite(void)
{
  Suite *s = suite_create("es_mixing");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, mixing_unbiased_with_reuse);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, MakeSuite); }
