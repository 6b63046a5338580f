/* es variance study: mean and variance of the plain and antithetic gradient estimators at
   mu0 over many independent estimates, against the leading-order predictions. Results are
   computed here and written by es_output.c. */
#include <math.h>
#include "optdyn/progress.h"
#include "es_impl.h"

typedef struct {
  PetscReal *gi, *ga, *all_i, *all_a, *work, *gmu;
  PetscMPIInt *counts, *displs;
} VarianceWork;

/* Sample mean and (unbiased) variance of x[0..R-1], summed in index order. */
static void MeanVariance(const PetscReal *x, PetscInt R, PetscReal *mean, PetscReal *var)
{
  PetscReal m = 0, v = 0;
  for (PetscInt r = 0; r < R; r++) m += x[r];
  m /= R;
  for (PetscInt r = 0; r < R; r++) v += (x[r] - m) * (x[r] - m);
  *mean = m;
  *var = v / (R - 1);
}

/* One (sigma, N) cell: this rank's replicates, gathered; then moments and predictions. */
static PetscErrorCode StudyCell(OdEs e, PetscInt is, PetscInt iN, VarianceWork *w)
{
  const PetscInt N = e->var_pop[iN], idx = is * e->nvar_pop + iN, R = e->var_reps, lo = w->displs[e->rank];
  const PetscReal sigma = e->var_sigma[is];
  const PetscBool can_anti = N % 2 == 0;
  PetscReal rest = 0;
  PetscFunctionBegin;
  for (PetscInt r = lo; r < lo + w->counts[e->rank]; r++) {
    PetscCall(OdEsEstimateGradient(e->obj, &e->rng, (uint32_t)r, (uint32_t)idx, e->mu0, sigma, N, PETSC_FALSE, w->work, w->gmu, NULL));
    w->gi[r - lo] = w->gmu[0];
    w->ga[r - lo] = NAN;
    if (can_anti) {
      PetscCall(OdEsEstimateGradient(e->obj, &e->rng, (uint32_t)r, (uint32_t)idx, e->mu0, sigma, N, PETSC_TRUE, w->work, w->gmu, NULL));
      w->ga[r - lo] = w->gmu[0];
    }
  }
  PetscCallMPI(MPI_Allgatherv(w->gi, w->counts[e->rank], MPIU_REAL, w->all_i, w->counts, w->displs, MPIU_REAL, e->comm));
  PetscCallMPI(MPI_Allgatherv(w->ga, w->counts[e->rank], MPIU_REAL, w->all_a, w->counts, w->displs, MPIU_REAL, e->comm));
  MeanVariance(w->all_i, R, &e->v_mean_iid[idx], &e->v_var_iid[idx]);
  MeanVariance(w->all_a, R, &e->v_mean_anti[idx], &e->v_var_anti[idx]);
  for (PetscInt j = 1; j < e->d; j++) rest += e->v_grad[j] * e->v_grad[j];
  const PetscReal g0 = e->v_grad[0];
  e->v_pred_iid[idx] = (e->v_f * e->v_f / (sigma * sigma) + 2 * g0 * g0 + rest) / N;
  e->v_pred_anti[idx] = can_anti ? 2.0 * (2 * g0 * g0 + rest) / N : NAN;
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsRunVariance(OdEs e)
{
  const PetscInt ns = e->nvar_sigma, nN = e->nvar_pop, R = e->var_reps, d = e->d;
  VarianceWork w;
  OdProgress progress;
  PetscFunctionBegin;
  PetscCall(PetscMalloc6(ns * nN, &e->v_mean_iid, ns * nN, &e->v_var_iid, ns * nN, &e->v_mean_anti, ns * nN, &e->v_var_anti, ns * nN, &e->v_pred_iid, ns * nN, &e->v_pred_anti));
  PetscCall(PetscMalloc1(d, &e->v_grad));
  PetscCall(PetscMalloc6(R, &w.gi, R, &w.ga, R, &w.all_i, R, &w.all_a, d, &w.work, d, &w.gmu));
  PetscCall(PetscMalloc2(e->size, &w.counts, e->size, &w.displs));
  for (PetscMPIInt r = 0; r < e->size; r++) {
    w.displs[r] = (PetscMPIInt)(((long long)R * r) / e->size);
    w.counts[r] = (PetscMPIInt)(((long long)R * (r + 1)) / e->size) - w.displs[r];
  }
  PetscCall(OdEsObjectiveEval(e->obj, e->mu0, &e->v_f));
  PetscCall(OdEsObjectiveGradient(e->obj, e->mu0, e->v_grad));
  OdProgressStart(&progress, e->comm, "es variance", (double)(ns * nN), 0, e->quiet);
  OdProgressSetUnits(&progress, "(sigma, N) settings", 1);
  for (PetscInt is = 0; is < ns; is++)
    for (PetscInt iN = 0; iN < nN; iN++) {
      PetscCall(StudyCell(e, is, iN, &w));
      PetscCall(OdProgressUpdate(&progress, (double)(is * nN + iN + 1)));
    }
  PetscCall(OdProgressFinish(&progress));
  PetscCall(PetscFree6(w.gi, w.ga, w.all_i, w.all_a, w.work, w.gmu));
  PetscCall(PetscFree2(w.counts, w.displs));
  PetscFunctionReturn(0);
}
