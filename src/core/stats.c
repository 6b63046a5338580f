/* Wilson intervals and the probability of a success run. */
#include <math.h>
#include <stdlib.h>
#include "optdyn/stats.h"

void OdWilsonInterval(double k, double n, double z, double *lo, double *hi)
{
  if (n <= 0) {
    *lo = 0, *hi = 1;
    return;
  }
  const double z2 = z * z, denom = n + z2;
  const double center = (k + 0.5 * z2) / denom;
  const double half = z * sqrt(k * (n - k) / n + 0.25 * z2) / denom;
  *lo = fmax(0.0, center - half);
  *hi = fmin(1.0, center + half);
}

double OdRunProbability(PetscInt run, PetscInt n, double p)
{
  if (run <= 0) return 1.0;
  if (run > n) return 0.0;
  /* state[r] = P(no completed run so far, current run length r), r = 0..run-1 */
  double *state = calloc((size_t)run, sizeof *state), *next = calloc((size_t)run, sizeof *next);
  double hit = 0;
  state[0] = 1;
  for (PetscInt t = 0; t < n; t++) {
    for (PetscInt r = 0; r < run; r++) next[r] = 0;
    for (PetscInt r = 0; r < run; r++) {
      next[0] += state[r] * (1 - p);
      if (r + 1 == run) hit += state[r] * p;
      else next[r + 1] += state[r] * p;
    }
    double *tmp = state;
    state = next, next = tmp;
  }
  free(state);
  free(next);
  return hit;
}
