/* es noise kernel rates per instruction-set level (not a test): normals/s generated into a
   buffer (OdEsNoiseSimd) and normals/s consumed by the fused accumulation (OdEsAccumulateSimd,
   g += a eps), one core, CPU time, best of 5.  usage: bench_es_noise [MILLION_NORMALS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "optdyn/es.h"

static double Now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU time: the machine may be shared */
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  const double mill = argc > 1 ? atof(argv[1]) : 32;
  const PetscInt d = 65536, K = (PetscInt)(mill * 1e6 / d) > 0 ? (PetscInt)(mill * 1e6 / d) : 1;
  const OdRng rng = OdRngCreate(1, OD_STREAM_ES);
  PetscReal *x = malloc(sizeof(PetscReal) * d), *a = malloc(sizeof(PetscReal) * K);
  double sink = 0;
  for (PetscInt k = 0; k < K; k++) a[k] = 1.0 / (k + 1);
  for (int lv = OD_SIMD_SCALAR; lv < OD_SIMD_NLEVELS; lv++) {
    if (!OdSimdLevelAvailable((OdSimdLevel)lv)) continue;
    double best_gen = 1e30, best_acc = 1e30;
    for (int rep = 0; rep < 5; rep++) {
      double t0 = Now();
      for (PetscInt k = 0; k < K; k++) {
        OdEsNoiseSimd((OdSimdLevel)lv, &rng, 0, (uint32_t)k, 0, 0, d, x);
        sink += x[k % d];
      }
      best_gen = PetscMin(best_gen, Now() - t0);
      for (PetscInt c = 0; c < d; c++) x[c] = 0;
      t0 = Now();
      OdEsAccumulateSimd((OdSimdLevel)lv, &rng, 0, 0, K, a, NULL, 0, d, x, NULL);
      best_acc = PetscMin(best_acc, Now() - t0);
      sink += x[7];
    }
    printf("BENCH es_noise level=%s generate=%.3g normals/s fused_accumulate=%.3g normals/s\n", OdSimdLevelName((OdSimdLevel)lv), K * (double)d / best_gen, K * (double)d / best_acc);
  }
  if (sink == 12345.678) printf("%g\n", sink);
  free(x), free(a);
  PetscCall(PetscFinalize());
  return 0;
}
