/* optdyn markov: the computations (exact operator, Monte Carlo, PDE, stationary, escape times). */
#include <math.h>
#include "markov_impl.h"
#include "optdyn/escape.h"

/* Copy a distributed vector to dst on rank 0 (scaled). */
static PetscErrorCode GatherToZero(Vec x, PetscReal scale, PetscReal dst[])
{
  VecScatter sc;
  Vec x0;
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCall(VecScatterCreateToZero(x, &sc, &x0));
  PetscCall(VecScatterBegin(sc, x, x0, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, x, x0, INSERT_VALUES, SCATTER_FORWARD));
  PetscCallMPI(MPI_Comm_rank(PetscObjectComm((PetscObject)x), &rank));
  if (!rank) {
    const PetscScalar *a;
    PetscInt n;
    PetscCall(VecGetSize(x0, &n));
    PetscCall(VecGetArrayRead(x0, &a));
    for (PetscInt i = 0; i < n; i++) dst[i] = scale * a[i];
    PetscCall(VecRestoreArrayRead(x0, &a));
  }
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&x0));
  PetscFunctionReturn(0);
}

/* One T: evolve the point mass at W0 for t_final steps; record densities, moments, escapes. */
static PetscErrorCode EvolveExact(OdMarkov mk, PetscInt i)
{
  OdMarkovOp op;
  Vec p, q;
  PetscReal h, esc, *curve = mk->ex_esc + i * (mk->t_final + 1);
  PetscInt k = 0;
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(mk->comm, &rank));
  PetscCall(OdMarkovOpCreate(mk->comm, mk->landscape, mk->T[i], mk->Wmin, mk->edge, mk->n, OD_MARKOV_EDGE_ABSORBING, &op));
  PetscCall(OdMarkovOpGetGrid(op, NULL, NULL, &h));
  PetscCall(OdMarkovOpCreateVec(op, &p));
  PetscCall(VecDuplicate(p, &q));
  if (mk->init_std > 0) PetscCall(OdMarkovOpNormal(op, mk->W0, mk->init_std, p));
  else PetscCall(OdMarkovOpPointMass(op, mk->W0, p));
  curve[0] = 0;
  for (PetscInt s = 0; s <= mk->t_final; s++) {
    if (s > 0) {
      PetscCall(OdMarkovOpStep(op, p, q, &esc));
      PetscCall(VecSwap(p, q));
      curve[s] = curve[s - 1] + esc;
    }
    while (k < mk->nt && mk->t_out[k] == s) {
      PetscReal *mom = mk->ex_mom + (i * mk->nt + k) * 3;
      PetscCall(OdMarkovOpMoments(op, p, &mom[0], &mom[1], &mom[2]));
      PetscCall(GatherToZero(p, 1 / h, rank ? NULL : mk->ex_P + (i * mk->nt + k) * mk->n));
      k++;
    }
  }
  { /* the same probabilities through the transpose (backward recursion) */
    const PetscInt budgets[2] = {PetscMin(100, mk->t_final), PetscMin(1000, mk->t_final)};
    PetscCall(OdMarkovOpEscapeProbability(op, mk->W0, budgets[1] > budgets[0] ? 2 : 1, budgets, mk->ex_back + 2 * i));
    if (budgets[1] == budgets[0]) mk->ex_back[2 * i + 1] = mk->ex_back[2 * i];
  }
  PetscCall(VecDestroy(&p));
  PetscCall(VecDestroy(&q));
  PetscCall(OdMarkovOpDestroy(&op));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovRunExact(OdMarkov mk)
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(mk->comm, &rank));
  PetscCall(PetscCalloc4(rank ? 1 : mk->nT * mk->nt * mk->n, &mk->ex_P, mk->nT * mk->nt * 3, &mk->ex_mom, mk->nT * (mk->t_final + 1), &mk->ex_esc, 2 * mk->nT, &mk->ex_back));
  for (PetscInt i = 0; i < mk->nT; i++) PetscCall(EvolveExact(mk, i));
  PetscFunctionReturn(0);
}

static PetscErrorCode UnitMC(void *ctx, PetscInt point, PetscInt chunk, PetscReal rec[])
{
  OdMarkov mk = (OdMarkov)ctx;
  const OdMarkovMCSetup s = {mk->landscape, mk->T[point], mk->W0, mk->Wmin, mk->edge, mk->t_final, mk->nt, mk->nbins, mk->init_std};
  const OdRng rng = OdRngCreate(mk->seed, OD_STREAM_ESCAPE);
  const PetscInt w0 = chunk * mk->chunk, w1 = PetscMin(mk->walkers, w0 + mk->chunk);
  PetscFunctionBegin;
  OdMarkovMCWalk(&s, &rng, (uint32_t)point, w0, w1, rec);
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovRunMonteCarlo(OdMarkov mk, PetscBool *interrupted)
{
  PetscFunctionBegin;
  PetscCall(PetscCalloc1(mk->nT * mk->mc_reclen, &mk->mc_rec));
  PetscCall(OdSweepRun(mk->sweep, UnitMC, mk, mk->mc_rec, interrupted));
  PetscFunctionReturn(0);
}

/* Linear interpolation of a PDE history (nt evenly spaced times over [0, t_final]) at step s. */
static PetscReal AtStep(const PetscReal *y, PetscInt nt, PetscInt t_final, PetscInt s)
{
  const PetscReal x = (PetscReal)s * (nt - 1) / t_final;
  const PetscInt k = PetscMin((PetscInt)floor(x), nt - 2);
  return y[k] + (x - k) * (y[k + 1] - y[k]);
}

PetscErrorCode OdMarkovRunPDE(OdMarkov mk)
{
  const PetscInt na = mk->nalpha, ns = mk->t_final + 1, npde = PetscMin(mk->t_final, 200) + 1;
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(mk->comm, &rank));
  PetscCall(PetscCalloc3(rank ? 1 : mk->nT * na * mk->pde_n, &mk->pde_P, mk->nT * na * mk->nt * 2, &mk->pde_mom, mk->nT * na * ns, &mk->pde_esc));
  for (PetscInt i = 0; i < mk->nT; i++)
    for (PetscInt a = 0; a < na; a++) {
      OdMarkovPDEResult r;
      const PetscInt ia = i * na + a;
      /* at most 201 output times (each one is a time the integrator must hit); the curves are
         smooth in t and linearly interpolated to every step */
      PetscCall(OdMarkovPDERun(mk->comm, OdLandscapeGetName(mk->landscape), mk->T[i], mk->alpha[a], mk->Wmin, mk->edge, mk->W0, mk->init_std, mk->pde_n, (PetscReal)mk->t_final, npde, &r));
      for (PetscInt s = 0; s < ns; s++) mk->pde_esc[ia * ns + s] = AtStep(r.escaped, npde, mk->t_final, s);
      for (PetscInt k = 0; k < mk->nt; k++) {
        const PetscInt s = (PetscInt)mk->t_out[k];
        mk->pde_mom[(ia * mk->nt + k) * 2] = AtStep(r.mean, npde, mk->t_final, s);
        mk->pde_mom[(ia * mk->nt + k) * 2 + 1] = AtStep(r.std, npde, mk->t_final, s);
      }
      if (!rank)
        for (PetscInt c = 0; c < mk->pde_n; c++) mk->pde_P[ia * mk->pde_n + c] = r.P[c];
      mk->pde_Wmin = r.Wmin, mk->pde_h = r.h;
      PetscCall(OdMarkovPDEResultFree(&r));
    }
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovRunStationary(OdMarkov mk)
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(mk->comm, &rank));
  PetscCall(PetscCalloc2(rank ? 1 : mk->nT * mk->stat_n, &mk->st_P, 4 * mk->nT, &mk->st_atom));
  for (PetscInt i = 0; i < mk->nT; i++) {
    OdMarkovOp op;
    OdMarkovAtom atoms[OD_MARKOV_MAX_ATOMS];
    PetscInt natoms;
    PetscReal h, *at = mk->st_atom + 4 * i;
    Vec p;
    PetscCall(OdMarkovOpCreate(mk->comm, mk->landscape, mk->T[i], mk->stat_Wmin, mk->stat_Wmax, mk->stat_n, OD_MARKOV_EDGE_REFLECTING, &op));
    PetscCall(OdMarkovOpGetGrid(op, NULL, NULL, &h));
    PetscCall(OdMarkovOpCreateVec(op, &p));
    PetscCall(OdMarkovOpStationary(op, 2000, p));
    PetscCall(GatherToZero(p, 1 / h, rank ? NULL : mk->st_P + i * mk->stat_n));
    PetscCall(OdMarkovFindAtoms(mk->landscape, mk->T[i], mk->stat_Wmin, mk->stat_Wmax, h, &natoms, atoms));
    at[0] = (PetscReal)natoms;
    if (natoms > 0) { /* the first atom (documented); its weight = stationary mass within 20 nodes */
      PetscCall(OdMarkovOpMassNear(op, p, atoms[0].W, 20 * h, &atoms[0].weight));
      at[1] = atoms[0].W, at[2] = atoms[0].weight, at[3] = atoms[0].width;
    }
    PetscCall(VecDestroy(&p));
    PetscCall(OdMarkovOpDestroy(&op));
  }
  PetscFunctionReturn(0);
}
