/* Monte Carlo of the SGD chain for optdyn markov: positions at output times and escapes. */
#include <math.h>
#include "optdyn/markov.h"

PetscInt OdMarkovMCRecordLength(const OdMarkovMCSetup *s)
{
  return s->nt * (s->nbins + 3) + s->t_final;
}

PetscInt OdMarkovMCOutputStep(const OdMarkovMCSetup *s, PetscInt k)
{
  return (PetscInt)llround((double)k * s->t_final / (s->nt - 1));
}

/* Add a surviving walker at W to output slot k. */
static void Record(const OdMarkovMCSetup *s, PetscReal rec[], PetscInt k, PetscReal W)
{
  PetscReal *hist = rec + k * (s->nbins + 3), *stats = hist + s->nbins;
  PetscInt b = (PetscInt)floor((W - s->Wmin) / (s->edge - s->Wmin) * s->nbins);
  b = PetscMin(PetscMax(b, 0), s->nbins - 1);
  hist[b] += 1;
  stats[0] += 1, stats[1] += W, stats[2] += W * W;
}

/* Truncated normal start of walker w: Philox at counter (point, w, 0xffffffff, k), the
   k-th pair of normals, until one falls inside [Wmin, edge] (the step counters never reach
   0xffffffff, so these draws are disjoint from the datapoint draws). */
static PetscReal StartPoint(const OdMarkovMCSetup *s, const OdRng *rng, uint32_t point, PetscInt w)
{
  if (s->init_std <= 0) return s->W0;
  for (uint32_t k = 0;; k++) {
    double z[2];
    OdRngNormal2(rng, OdCounterMake(point, (uint32_t)w, 0xffffffffu, k), z);
    for (int c = 0; c < 2; c++) {
      const PetscReal W = s->W0 + s->init_std * z[c];
      if (W >= s->Wmin && W <= s->edge) return W;
    }
  }
}

void OdMarkovMCWalk(const OdMarkovMCSetup *s, const OdRng *rng, uint32_t point, PetscInt w0, PetscInt w1, PetscReal rec[])
{
  const uint32_t J = (uint32_t)OdLandscapeGetNumData(s->landscape);
  PetscReal *first_passage = rec + s->nt * (s->nbins + 3);
  for (PetscInt w = w0; w < w1; w++) {
    PetscReal W = StartPoint(s, rng, point, w);
    PetscInt k = 0;
    uint32_t words[4];
    if (OdMarkovMCOutputStep(s, 0) == 0) Record(s, rec, k++, W);
    for (PetscInt step = 0; step < s->t_final; step++) {
      if ((step & 3) == 0) OdRngWords(rng, OdCounterMake(point, (uint32_t)w, (uint32_t)(step >> 2), 0), words);
      const uint32_t j = OdRngIndexFromWord(words[step & 3], J);
      W -= s->T * OdLandscapeGrad(s->landscape, (PetscInt)j, W);
      if (W > s->edge) {
        first_passage[step] += 1; /* escaped at step + 1 */
        break;
      }
      while (k < s->nt && OdMarkovMCOutputStep(s, k) == step + 1) Record(s, rec, k++, W);
    }
  }
}
