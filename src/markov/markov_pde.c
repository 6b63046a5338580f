/* The coupling of optdyn markov to the PDE model: the one file that uses include/optdyn/fp.h.
 * Only the public 1-D API is used (Create/SetFromOptions/SetUp/Run/GetHistory/GetGrid/
 * GetSolution); its options go through a private options database pushed for the run. */
#include <math.h>
#include "optdyn/fp.h"
#include "optdyn/markov.h"

static PetscErrorCode SetReal(PetscOptions o, const char *name, PetscReal v)
{
  char buf[64];
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, sizeof buf, "%.17g", (double)v));
  PetscCall(PetscOptionsSetValue(o, name, buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode FillOptions(PetscOptions o, const char *landscape_name, PetscReal T, PetscReal alpha, PetscReal Wmin, PetscReal edge, PetscReal W0, PetscReal init_std, PetscInt ncells, PetscReal t_final, PetscInt nt)
{
  char buf[32];
  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue(o, "-landscape", landscape_name));
  PetscCall(PetscOptionsSetValue(o, "-quiet", "1"));
  PetscCall(SetReal(o, "-fp_T", T));
  PetscCall(SetReal(o, "-fp_alpha", alpha));
  PetscCall(SetReal(o, "-fp_Wmin", Wmin));
  PetscCall(SetReal(o, "-fp_Wmax", edge));
  PetscCall(SetReal(o, "-fp_t_final", t_final));
  PetscCall(PetscSNPrintf(buf, sizeof buf, "%" PetscInt_FMT, ncells));
  PetscCall(PetscOptionsSetValue(o, "-fp_n", buf));
  PetscCall(PetscSNPrintf(buf, sizeof buf, "%" PetscInt_FMT, nt));
  PetscCall(PetscOptionsSetValue(o, "-fp_nt", buf));
  PetscCall(PetscOptionsSetValue(o, "-fp_left", "reflecting"));
  PetscCall(PetscOptionsSetValue(o, "-fp_right", "absorbing"));
  if (init_std > 0) {
    PetscCall(PetscOptionsSetValue(o, "-fp_init", "normal"));
    PetscCall(SetReal(o, "-fp_init_mean", W0));
    PetscCall(SetReal(o, "-fp_init_std", init_std));
  } else {
    PetscCall(PetscOptionsSetValue(o, "-fp_init", "point"));
    PetscCall(SetReal(o, "-fp_init_W", W0));
  }
  /* backward Euler with a tight local error: its first-order time error would bias the escape
     time by ~dt/(2 tau) (1 % with the default tolerance) */
  PetscCall(PetscOptionsSetValue(o, "-ts_rtol", "1e-6"));
  PetscCall(PetscOptionsSetValue(o, "-ts_atol", "1e-9"));
  PetscFunctionReturn(0);
}

/* The final density gathered on rank 0. */
static PetscErrorCode GatherFinal(OdFP fp, OdMarkovPDEResult *r)
{
  Vec P, P0;
  VecScatter sc;
  DM da;
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCall(OdFPGetGrid(fp, &r->n, &r->Wmin, &r->h, &da));
  PetscCall(OdFPGetSolution(fp, &P, NULL));
  PetscCall(VecScatterCreateToZero(P, &sc, &P0));
  PetscCall(VecScatterBegin(sc, P, P0, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, P, P0, INSERT_VALUES, SCATTER_FORWARD));
  PetscCallMPI(MPI_Comm_rank(PetscObjectComm((PetscObject)P), &rank));
  r->P = NULL;
  if (!rank) {
    const PetscScalar *a;
    PetscCall(PetscMalloc1(r->n, &r->P));
    PetscCall(VecGetArrayRead(P0, &a));
    for (PetscInt i = 0; i < r->n; i++) r->P[i] = a[i];
    PetscCall(VecRestoreArrayRead(P0, &a));
  }
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&P0));
  PetscFunctionReturn(0);
}

/* Escape-time estimate of the run: the integral of the surviving mass (trapezoid over the
   output times) plus the tail, mass(t_final) times the decay time of the last interval. */
static PetscReal EscapeTime(const OdMarkovPDEResult *r)
{
  PetscReal tau = 0;
  for (PetscInt k = 1; k < r->nt; k++) tau += 0.5 * (r->t[k] - r->t[k - 1]) * ((1 - r->escaped[k]) + (1 - r->escaped[k - 1]));
  const PetscReal m1 = 1 - r->escaped[r->nt - 2], m2 = 1 - r->escaped[r->nt - 1];
  if (m2 > 0 && m1 > m2) tau += m2 * (r->t[r->nt - 1] - r->t[r->nt - 2]) / log(m1 / m2);
  return tau;
}

PetscErrorCode OdMarkovPDERun(MPI_Comm comm, const char *landscape_name, PetscReal T, PetscReal alpha, PetscReal Wmin, PetscReal edge, PetscReal W0, PetscReal init_std, PetscInt ncells, PetscReal t_final, PetscInt nt, OdMarkovPDEResult *r)
{
  PetscOptions opts;
  OdFP fp;
  OdFPHistory h;
  PetscFunctionBegin;
  PetscCall(PetscOptionsCreate(&opts));
  PetscCall(FillOptions(opts, landscape_name, T, alpha, Wmin, edge, W0, init_std, ncells, t_final, nt));
  PetscCall(PetscOptionsPush(opts));
  PetscCall(OdFPCreate(comm, &fp));
  PetscCall(OdFPSetFromOptions(fp));
  PetscCall(OdFPSetUp(fp));
  PetscCall(OdFPRun(fp));
  PetscCall(OdFPGetHistory(fp, &h));
  r->nt = h.nt;
  PetscCall(PetscMalloc4(h.nt, &r->t, h.nt, &r->mean, h.nt, &r->std, h.nt, &r->escaped));
  for (PetscInt k = 0; k < h.nt; k++) {
    r->t[k] = h.t[k], r->mean[k] = h.mean[k], r->std[k] = h.std[k];
    /* escaped fraction of the initial mass (the initial cell holds all of it) */
    r->escaped[k] = h.escaped[k] / (h.mass[0] + h.escaped[0]);
  }
  PetscCall(GatherFinal(fp, r));
  r->tau = EscapeTime(r);
  PetscCall(OdFPDestroy(&fp));
  PetscCall(PetscOptionsPop());
  PetscCall(PetscOptionsDestroy(&opts));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovPDEResultFree(OdMarkovPDEResult *r)
{
  PetscFunctionBegin;
  PetscCall(PetscFree4(r->t, r->mean, r->std, r->escaped));
  PetscCall(PetscFree(r->P));
  PetscFunctionReturn(0);
}
