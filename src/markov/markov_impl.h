/* Private state of optdyn markov (shared by markov.c, markov_run.c, markov_write.c). */
#pragma once
#include "optdyn/markov.h"
#include "optdyn/output.h"
#include "optdyn/sweep.h"

#define OD_MARKOV_MAX_T 32
#define OD_MARKOV_MAX_ALPHA 3

typedef struct _n_OdMarkov *OdMarkov;

struct _n_OdMarkov {
  MPI_Comm comm;
  OdLandscape landscape;
  OdOutput output;
  OdSweep sweep, mfpt_sweep;
  uint32_t seed;
  /* options: the side-by-side comparison */
  PetscReal T[OD_MARKOV_MAX_T];
  PetscInt nT, n, t_final, nt, walkers, chunk, nbins, pde_n, nalpha;
  PetscReal alpha[OD_MARKOV_MAX_ALPHA];
  PetscReal W0, edge, Wmin, W0_guess, init_std;
  PetscBool W0_set, edge_set, Wmin_set, mc, pde;
  /* options: stationary states */
  PetscBool stationary;
  PetscReal stat_Wmin, stat_Wmax;
  PetscInt stat_n;
  /* options: escape times */
  PetscBool kramers;
  PetscReal kT[OD_MARKOV_MAX_T], mfpt_budget;
  PetscInt nkT, kramers_n, mfpt_walkers;
  /* options: landscape tables and gradient-descent paths for figures */
  PetscInt land_n, gd_steps, ngdT, ngd0;
  PetscReal gdT[OD_MARKOV_MAX_T], gd0[OD_MARKOV_MAX_T];
  /* results (identical on every rank; densities on rank 0 only) */
  PetscInt nsteps_out;                 /* output times of the comparison */
  PetscReal *t_out;                    /* [nt] */
  PetscReal *ex_P, *ex_mom, *ex_esc;   /* [nT][nt][n] (rank 0), [nT][nt][3] mass/mean/std, [nT][t_final + 1] */
  PetscReal *ex_back;                  /* [nT][2]: backward-recursion escape probability at 100, 1000 (or t_final) */
  PetscReal *mc_rec;                   /* [nT][reclen] */
  PetscInt mc_reclen;
  PetscReal *pde_P, *pde_mom, *pde_esc; /* [nT][na][pde_n] (rank 0), [nT][na][nt][2], [nT][na][t_final + 1] */
  PetscReal pde_Wmin, pde_h;
  PetscReal *st_P;                     /* [nT][stat_n] (rank 0) */
  PetscReal *st_atom;                  /* [nT][4]: natoms, W, weight, width */
  PetscReal *k_tau;                    /* [nkT][4 + 2 na]: exact, mc, mc_err, run length k, pde(alpha)..., kramers(alpha)... */
  PetscReal k_fit[4], k_barrier;       /* slope, err of ln tau_exact and of ln tau_pde(alpha_0) vs 1/T; Kramers U */
  PetscReal *land, *gd;                /* landscape table [5 + J][land_n]; GD paths [ngdT][ngd0][gd_steps + 1] */
};

PetscErrorCode OdMarkovCreate(MPI_Comm comm, OdMarkov *out);
PetscErrorCode OdMarkovSetFromOptions(OdMarkov mk);
PetscErrorCode OdMarkovSetUp(OdMarkov mk);
PetscErrorCode OdMarkovRun(OdMarkov mk, PetscBool *interrupted);
PetscErrorCode OdMarkovView(OdMarkov mk, PetscViewer viewer);
PetscErrorCode OdMarkovDestroy(OdMarkov *mk);

PetscErrorCode OdMarkovRunExact(OdMarkov mk);
PetscErrorCode OdMarkovRunMonteCarlo(OdMarkov mk, PetscBool *interrupted);
PetscErrorCode OdMarkovRunPDE(OdMarkov mk);
PetscErrorCode OdMarkovRunStationary(OdMarkov mk);
PetscErrorCode OdMarkovRunKramers(OdMarkov mk, PetscBool *interrupted);
PetscErrorCode OdMarkovRunLandscape(OdMarkov mk);
PetscErrorCode OdMarkovWrite(OdMarkov mk);
