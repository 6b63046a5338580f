/* Per-example SGD throughput of optdyn's MLP kernel (784-100-2, softplus, squared error),
   the loop of `optdyn knowledge`; run by tools/bench/knowledge_bench.py.
   Usage: bench_knowledge_sgd [steps]  -> prints "examples_per_second N". */
#include <stdio.h>
#include <stdlib.h>
#include <petscsys.h>
#include "optdyn/nn.h"

int main(int argc, char **argv)
{
  const PetscInt sizes[3] = {784, 100, 2}, steps = argc > 1 ? atol(argv[1]) : 20000;
  OdMLP mlp;
  OdMLPWork work;
  double *theta, *X, *tally;
  if (PetscInitializeNoArguments()) return 1;
  const OdRng rng = OdRngCreate(1, OD_STREAM_TEST);
  PetscCall(OdMLPCreate(2, sizes, OD_ACT_SOFTPLUS, OD_ACT_SOFTPLUS, OD_LOSS_SQUARED, &mlp));
  PetscCall(OdMLPWorkCreate(mlp, 1, &work));
  PetscCall(PetscMalloc1(OdMLPNumParams(mlp), &theta));
  PetscCall(PetscCalloc1(OdMLPNumParams(mlp), &tally));
  PetscCall(PetscMalloc1(1000 * 784, &X));
  OdMLPInitHe(mlp, &rng, 0, theta);
  for (PetscInt i = 0; i < 1000 * 784; i++) {
    double u[2];
    OdRngUniform2(&rng, OdCounterMake(9, (uint32_t)i, 0, 0), u);
    X[i] = (1 + (int)(255 * u[0])) / 256.0;
  }
  double loss = 0;
  const double t0 = MPI_Wtime();
  for (PetscInt t = 0; t < steps; t++) /* half the steps with the |update| tally, as in phase 1 */
    loss += OdMLPStepSGD(mlp, theta, X + (t % 1000) * 784, (PetscInt)(t % 2), 0.01, work, t % 2 ? OdMLPTallyAbsHook : NULL, tally);
  const double dt = MPI_Wtime() - t0;
  printf("examples_per_second %.1f\nmean_loss %.6f\n", steps / dt, loss / steps);
  PetscCall(PetscFree(X));
  PetscCall(PetscFree(tally));
  PetscCall(PetscFree(theta));
  PetscCall(OdMLPWorkDestroy(&work));
  PetscCall(OdMLPDestroy(&mlp));
  return PetscFinalize() ? 1 : 0;
}
