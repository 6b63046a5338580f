/* Private state of the Fokker-Planck solver (src/fp*.c). */
#pragma once
#include "optdyn/fp.h"
#include "optdyn/output.h"

struct _n_OdFP {
  MPI_Comm comm;
  PetscMPIInt rank, size;
  OdLandscape landscape;
  OdOutput output;
  uint32_t seed;
  PetscBool quiet;
  /* options */
  PetscReal T, alpha, noise, Wmin, Wmax, t_final, dt0;
  PetscInt n, nt;
  PetscInt left, right, init, flux;
  PetscReal init_mean, init_std, init_a, init_b, init_W;
  PetscBool init_a_set, init_b_set, init_W_set;
  PetscBool stationary, validate, save_P;
  PetscInt mc_walkers, mc_chunk;
  /* objects */
  DM da;
  Mat A;      /* dP/dt = A P */
  TS ts;
  KSP kstat;  /* stationary solve */
  Vec P, Pstat, Wc;
  Vec Pold, Ploc;       /* backward-Euler conservative update: state before the step, ghosted */
  PetscReal *af, *cf;   /* [xm + 1] face coefficients of faces xs..xs+xm (flux = a P_left - c P_right) */
  PetscBool conservative; /* the TS is backward Euler: apply the flux-form update after each step */
  PetscBool reuse;        /* -fp_reuse_factor: backward Euler through an IJacobian rebuilt only when dt changes */
  Mat J;                  /* I/dt - A (reuse path) */
  PetscReal jac_shift;    /* shift J was built for */
  PetscInt factorizations;
  PetscBool thomas;       /* -fp_thomas: 1-rank tridiagonal PCSHELL */
  PetscReal esc_left, esc_right, clipped; /* local accumulators (this rank's boundary faces) */
  PetscReal h;
  PetscInt xs, xm;
  PetscBool setup;
  /* results */
  PetscReal *t, *mass, *mean, *std, *escaped; /* [nt] */
  PetscReal *escaped_left, *escaped_right;    /* [nt] */
  PetscReal clipped_total;
  PetscReal *Psnap;                           /* [nt * xm] local snapshots */
  PetscReal P_min, mass_drift, mass0;
  PetscInt steps;
  PetscReal *formula;                         /* [xm] local analytic P_inf, when formula_ok */
  PetscBool formula_ok, ran;
  PetscReal stat_L1, stat_Linf_rel;
  const char *stat_method;
  double wall_ts, wall_stat, wall_mc;
  /* Monte Carlo */
  PetscReal *mc;                              /* 8 arrays of [nt], see OdFPGetMonteCarlo */
};

/* fp_mc.c */
PetscErrorCode OdFPRunMonteCarlo(OdFP fp);
/* fp_io.c */
PetscErrorCode OdFPWriteDistributed(OdFP fp, hid_t file, const char *path, PetscInt nrows, const PetscReal *local, const char *units, const char *description);

extern const char *const OdFPBoundaryNames[];
extern const char *const OdFPInitNames[];
extern const char *const OdFPFluxNames[];
