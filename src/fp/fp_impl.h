/* Private state of the Fokker-Planck engine (src/fp/).

   One OdFP object for 1-D and 2-D. The engine (fp.c) owns the lifecycle, the options common
   to both dimensions, the PETSc TS, the one time loop (backward Euler through TS or the fused
   1-D step) and the history arrays. Everything that depends on the dimension sits behind the
   small table OdFPOps, implemented by fp_assemble1d.c and fp_assemble2d.c: their options,
   the grid and operator, the flux-form (conservative) update, the record of one output time,
   what runs after the time loop, and the output. */
#pragma once
#include "optdyn/fp.h"
#include "optdyn/landscape2d.h"
#include "optdyn/output.h"
#include "optdyn/checkpoint.h"

typedef enum { OD_FP_STEP_AUTO = 0, OD_FP_STEP_FUSED = 1, OD_FP_STEP_TS = 2 } OdFPStepMethod;

typedef struct {
  /** Defaults that differ by dimension (T, t_final, nt, output name) and the landscape object. */
  PetscErrorCode (*create)(OdFP fp);
  /** The dimension's own -fp_* options, inside the engine's option block. */
  PetscErrorCode (*set_from_options)(OdFP fp, PetscOptionItems *PetscOptionsObject);
  /** Default time adaptivity and linear solver of the TS path (before TSSetFromOptions). */
  PetscErrorCode (*configure_ts)(OdFP fp, TS ts);
  /** Validate, create the DMDA, assemble A (dP/dt = A P), the initial density, result arrays. */
  PetscErrorCode (*set_up)(OdFP fp);
  /** Backward Euler in flux form after a TS step: P = Pold - dt div F(P) (conservative). */
  PetscErrorCode (*flux_update)(OdFP fp, Vec P, PetscReal dt);
  /** One fused backward-Euler step (solve + flux-form update) of size dt, or NULL. */
  PetscErrorCode (*fused_step)(OdFP fp, PetscReal dt);
  /** Moments (and snapshot) of output time k. */
  PetscErrorCode (*record)(OdFP fp, PetscInt k);
  /** After the time loop: stationary solve, Monte Carlo (1-D); may be NULL. */
  PetscErrorCode (*after_run)(OdFP fp);
  PetscErrorCode (*write)(OdFP fp);
  PetscErrorCode (*view)(OdFP fp, PetscViewer viewer);
  PetscErrorCode (*destroy)(OdFP fp);
} OdFPOps;

/* Fused 1-D backward-Euler step with an exact tridiagonal solve partitioned over the ranks
   (fp_fused.c). Everything but z is rebuilt only when dt changes. */
typedef struct {
  PetscReal dt;                /* step the factors belong to (NAN: none yet) */
  PetscReal *l, *dinv, *u;     /* [xm] local LU of I - dt A without pivoting: multipliers, reciprocal pivots, super-diagonal */
  PetscReal *ud;               /* [xm] u / d */
  PetscReal *z;                /* [xm] forward-sweep work: (L^-1 P) / d */
  PetscReal *q, *r;            /* [xm] (L^-1 e_0) / d and T^-T e_0 of the local block (several ranks) */
  PetscInt qlen, rlen;         /* entries of q and r before they underflow to exact zeros */
  PetscReal sub0;              /* coupling of the first local row to the last cell of the left rank */
  PetscReal *red;              /* [4 * size] spike coefficients v0, vm, w0, wm of every rank */
  PetscReal *ends;             /* [2 * size] y0, ym of every rank (gathered each step) */
  PetscReal *X;                /* [2 * size] interface values: first and last cell of every rank */
} OdFPFused;

struct _n_OdFP {
  MPI_Comm comm;
  PetscMPIInt rank, size;
  PetscInt dim;
  const OdFPOps *ops;
  OdOutput output;
  uint32_t seed;
  PetscBool quiet;
  /* options common to both dimensions */
  PetscReal T, alpha, noise, t_final, dt0;
  PetscInt nt;
  PetscBool save_P, reuse, dt0_set;
  PetscInt step_method; /* OdFPStepMethod as asked (-fp_step) */
  PetscBool fused;      /* the fused step is in use (decided in SetUp) */
  /* engine objects */
  DM da;
  Mat A;                /* dP/dt = A P */
  Mat J;                /* I/dt - A (TS factor-once path) */
  TS ts;
  Vec P, Pold, Ploc;
  PetscReal jac_shift;
  PetscInt factorizations;
  PetscInt linear_its;    /* Krylov iterations of the TS path over the run (0 for the fused step) */
  PetscBool conservative; /* backward Euler: flux-form update after each TS step */
  PetscReal time, dt_fixed;
  PetscInt xs, xm;        /* owned cells in x (1-D: the whole ownership range) */
  PetscBool setup, ran;
  /* history */
  PetscReal *t, *mass;    /* [nt] */
  PetscReal *mean;        /* 1-D [nt], 2-D [nt][2] */
  PetscReal *Psnap;       /* 1-D: [nt][xm] local; 2-D: [nt][ny][nx] on rank 0 */
  PetscReal P_min_local, P_min, mass_drift, mass0;
  PetscInt steps;
  double wall_ts;
  double wall_step_min; /* shortest wall time of one step (rank 0's clock; ranks meet every step) */
  /* checkpoint/restart (fp_checkpoint.c); only OdFPRunResumable() uses them */
  PetscBool restart;
  PetscReal ckpt_interval; /* seconds between checkpoints (0: after every output time) */
  PetscInt stop_after;     /* testing: raise the stop flag after this output index (0: never) */
  OdCheckpoint ckpt;
  PetscReal *ck_P, *ck_Pprev, *ck_snap; /* gathered natural-order copies (every rank: Read broadcasts) */
  PetscReal ck_state[8];
  PetscInt ck_k, ck_steps, ck_fact, ck_lits;
  PetscReal t_prev, dt_last; /* TS path: time before the last step and its size (restart replays it) */
  PetscReal factor_free;     /* factor key a restart had to rebuild: rebuilding it is not counted */
  PetscInt linear_its0;      /* Krylov iterations of the run before a restart */

  /* ---- 1-D (fp_assemble1d.c, fp_fused.c, fp_mc.c) ---- */
  OdLandscape landscape;
  PetscReal Wmin, Wmax, h;
  PetscInt n, left, right, init, flux;
  PetscReal init_mean, init_std, init_a, init_b, init_W;
  PetscBool init_a_set, init_b_set, init_W_set;
  PetscBool stationary, validate, thomas;
  PetscInt mc_walkers, mc_chunk;
  KSP kstat;
  Vec Pstat, Wc;
  PetscReal *af, *cf;   /* [xm + 1] face coefficients of faces xs..xs+xm (flux = a P_left - c P_right) */
  PetscReal esc_left, esc_right, clipped; /* local accumulators (this rank's boundary faces) */
  PetscReal *std, *escaped, *escaped_left, *escaped_right; /* [nt] */
  PetscReal clipped_total;
  PetscReal *formula;
  PetscBool formula_ok;
  PetscReal stat_L1, stat_Linf_rel;
  const char *stat_method;
  PetscReal stat_point_mass_W, stat_point_mass_width; /* NaN unless the stationary state is a point mass */
  double wall_stat, wall_mc;
  PetscReal *mc;        /* 8 arrays of [nt], see OdFPGetMonteCarlo */
  OdFPFused fz;

  /* ---- 2-D (fp_assemble2d.c) ---- */
  OdLandscape2D ls;
  PetscReal xmin, xmax, ymin, ymax, mean0[2], std0[2], hx, hy;
  PetscInt nx, ny, ys, ym, gxs, gys, gxm, gym;
  PetscReal *exa, *exc, *eya, *eyc, *wb; /* edge rates of the cells of the ghosted box */
  PetscReal *div;
  PetscReal *cov;       /* [nt][3] */
  PetscInt negative, edges, limited, cross;
  PetscReal theta_min;
  PetscBool cross_limited;
};

extern const OdFPOps OdFPOps1D, OdFPOps2D;

/* fp.c: shared by the dimensions */
PetscErrorCode OdFPCreateOperatorTS(OdFP fp);
PetscErrorCode OdFPRecordCommon(OdFP fp, PetscInt k, PetscReal mass, PetscReal escaped);
PetscErrorCode OdFPGatherNatural(OdFP fp, Vec v, PetscReal *g); /* fp_checkpoint.c */
/* fp_assemble1d.c, fp_stationary1d.c */
PetscReal OdFPPotentialDrop(OdFP fp, PetscReal xa, PetscReal xb);
PetscErrorCode OdFPSolveStationary(OdFP fp);
/* fp_checkpoint.c */
PetscErrorCode OdFPCheckpointDeclare(OdFP fp);
PetscErrorCode OdFPCheckpointStep(OdFP fp, PetscInt k, double *last, PetscBool *stopped);
PetscErrorCode OdFPCheckpointLoad(OdFP fp, PetscInt *k0, PetscBool *found);
PetscErrorCode OdFPCheckpointFree(OdFP fp);
/* fp_fused.c */
PetscErrorCode OdFPFusedStep1D(OdFP fp, PetscReal dt);
PetscErrorCode OdFPFusedDestroy(OdFP fp);
/* fp_mc.c */
PetscErrorCode OdFPRunMonteCarlo(OdFP fp);
/* fp_io.c */
PetscErrorCode OdFPWrite1D(OdFP fp);
PetscErrorCode OdFPView1D(OdFP fp, PetscViewer viewer);
PetscErrorCode OdFPWrite2D(OdFP fp);
PetscErrorCode OdFPView2D(OdFP fp, PetscViewer viewer);
PetscErrorCode OdFPWriteCommonAttributes(OdFP fp, const char *group);

extern const char *const OdFPBoundaryNames[];
extern const char *const OdFPInitNames[];
extern const char *const OdFPFluxNames[];
extern const char *const OdFPCrossNames[];
extern const char *const OdFPStepNames[];
