/* es: adaptation sampling of the learning rate (natural evolution strategies, Wierstra et
   al., JMLR 2014, with the trial step of the mean instead of sigma).

   After the step mu_g = mu_{g-1} + step, a trial mean mu' = mu_g + (c_f - 1) step is what a
   learning rate c_f times larger would have given. The members z_n ~ N(mu_g, sigma) of this
   generation, reweighted by w_n = N(z_n | mu', sigma) / N(z_n | mu_g, sigma), are a sample
   from the trial distribution; if their fitness ranks are better than the unweighted ranks
   (a weighted rank test), the larger rate is better and lr <- min((1 + c) lr, lr_max),
   otherwise lr <- max((1 - c) lr, lr_min). (NES relaxes towards lr_0 instead, so its rate
   never falls below the initial one; here a rate that is too large is lowered too.) log w_n = s_n eps_k . delta - |delta|^2 / 2 with
   delta = (c_f - 1) step / sigma, so the weights come from the same rebuilt perturbations
   as the gradient: no communication. */
#include <math.h>
#include <stdlib.h>
#include "es_impl.h"

typedef struct {
  PetscReal f;
  PetscInt n;
} RankItem;

static int CmpRank(const void *a, const void *b)
{
  const RankItem *x = (const RankItem *)a, *y = (const RankItem *)b;
  if (x->f < y->f) return -1;
  if (x->f > y->f) return 1;
  return x->n < y->n ? -1 : (x->n > y->n);
}

/* z = ((N-1)/2 - weighted mean rank) / its standard error under equal distributions:
   positive when the reweighted (trial) sample ranks better (lower fitness). */
static PetscErrorCode WeightedRankZ(OdEs e, const PetscReal logw[], PetscReal *z, PetscReal *ess)
{
  const PetscInt N = e->N;
  RankItem *t;
  PetscReal lmax = -PETSC_MAX_REAL, sw = 0, sw2 = 0, swr = 0;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(N, &t));
  for (PetscInt n = 0; n < N; n++) t[n].f = isnan(e->fit[n]) ? PETSC_MAX_REAL : e->fit[n], t[n].n = n, lmax = PetscMax(lmax, logw[n]);
  qsort(t, (size_t)N, sizeof *t, CmpRank);
  for (PetscInt r = 0; r < N; r++) {
    const PetscReal w = exp(logw[t[r].n] - lmax);
    sw += w, sw2 += w * w, swr += w * r;
  }
  PetscCall(PetscFree(t));
  *ess = sw * sw / sw2;
  *z = (0.5 * (N - 1) - swr / sw) / sqrt((N * (PetscReal)N - 1) / 12.0 / *ess);
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsAdaptationSampling(OdEs e, const PetscReal dots[])
{
  const PetscInt N = e->N;
  const PetscReal as = e->as_factor - 1;
  PetscReal D2 = 0, z = 0, *logw;
  PetscFunctionBegin;
  for (PetscInt c = 0; c < e->d; c++) {
    const PetscReal dl = as * e->last_step[c] / OdEsSigAt(e, c);
    D2 += dl * dl;
  }
  PetscCall(PetscMalloc1(N, &logw));
  for (PetscInt n = 0; n < N; n++) {
    const PetscReal dk = e->antithetic ? ((n & 1) ? -dots[n / 2] : dots[n / 2]) : dots[n];
    logw[n] = dk - 0.5 * D2;
  }
  PetscCall(WeightedRankZ(e, logw, &z, &e->as_ess));
  PetscCall(PetscFree(logw));
  if (z > e->as_threshold) e->lr_cur[0] = PetscMin((1 + e->as_c) * e->lr_cur[0], e->as_lr_max);
  else e->lr_cur[0] = PetscMax((1 - e->as_c) * e->lr_cur[0], e->as_lr_min);
  PetscFunctionReturn(0);
}
