/* Walker-steps per second of the escape kernel at each instruction-set level, on one core
   (seed landscape, T = 0.015, budget 10000 steps). Prints one line per level:
     level walkers walker_steps seconds rate
   Usage: bench_escape_kernel [WALKERS] [REPEATS] [LEVEL|all] [double|single]   (the best of REPEATS is printed;
   seconds are CPU time of the process, as the machine may be shared). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "optdyn/escape.h"

static double RunOnce(const OdEscapeProblem *pb, OdSimdLevel level, PetscInt n, PetscInt *steps, double *work)
{
  const OdRng rng = OdRngCreate(1, OD_STREAM_ESCAPE);
  struct timespec a, b;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a); /* CPU time: the machine is shared */
  OdEscapeFirstPassageSimd(pb, level, &rng, 0, 0, n, steps);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
  const double dt = (b.tv_sec - a.tv_sec) + 1e-9 * (b.tv_nsec - a.tv_nsec);
  *work = 0;
  for (PetscInt i = 0; i < n; i++) *work += steps[i] ? steps[i] : pb->max_steps;
  return dt;
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  const PetscInt n = argc > 1 ? atoi(argv[1]) : 4000;
  const int reps = argc > 2 ? atoi(argv[2]) : 3;
  OdLandscape ls;
  PetscReal W0, edge;
  PetscInt *steps;
  PetscCall(OdLandscapeCreate(PETSC_COMM_SELF, &ls));
  PetscCall(OdLandscapeFindMinimum(ls, OD_LANDSCAPE_MEAN, 1.0, &W0));
  PetscCall(OdLandscapeFindBarrierRight(ls, OD_LANDSCAPE_MEAN, W0, &edge));
  PetscCall(PetscMalloc1(n, &steps));
  for (int l = OD_SIMD_SCALAR; l < OD_SIMD_NLEVELS; l++) {
    if (!OdSimdLevelAvailable((OdSimdLevel)l)) continue;
    if (argc > 3 && strcmp(argv[3], "all") && strcmp(argv[3], OdSimdLevelName((OdSimdLevel)l))) continue;
    const OdEscapePrecision prec = argc > 4 && !strcmp(argv[4], "single") ? OD_ESCAPE_SINGLE : OD_ESCAPE_DOUBLE;
    const OdEscapeProblem pb = {ls, 0.015, W0, edge, 10000, prec};
    double best = 1e30, work = 0;
    for (int r = 0; r < reps; r++) best = PetscMin(best, RunOnce(&pb, (OdSimdLevel)l, n, steps, &work));
    printf("%s %d %.0f %.4f %.4e\n", OdSimdLevelName((OdSimdLevel)l), (int)n, work, best, work / best);
  }
  PetscCall(PetscFree(steps));
  PetscCall(OdLandscapeDestroy(&ls));
  PetscCall(PetscFinalize());
  return 0;
}
