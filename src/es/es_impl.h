/* Private to src/es: the OdEs object and the functions its files share. */
#pragma once
#include <petscviewer.h>
#include "optdyn/es.h"
#include "optdyn/checkpoint.h"
#include "optdyn/output.h"

#define OD_ES_MAX_LIST 1024
#define OD_ES_HIST_MAX_D 1000    /* per-generation mu is written when d <= this */
#define OD_ES_BLOCK 2048         /* components per noise block */
#define OD_ES_MAX_OBJECTIVES 32  /* entries of one OdEs's objective table */

typedef enum { ALG_ES, ALG_VO } Algorithm;
typedef enum { DIST_ISOTROPIC, DIST_SEPARABLE, DIST_UNIVARIATE, DIST_LAYERWISE } Distribution;
typedef enum { SIG_DEFAULT, SIG_FIXED, SIG_ADAPT, SIG_DECAY } SigmaUpdate;
typedef enum { OPT_SGD, OPT_MOMENTUM, OPT_ADAM } Optimizer;
typedef enum { SHAPE_NONE, SHAPE_RANK } Shaping;
typedef enum { MODE_OPTIMIZE, MODE_VARIANCE } Mode;

extern const char *const od_es_algorithm_names[];
extern const char *const od_es_distribution_names[];
extern const char *const od_es_sigma_update_names[];
extern const char *const od_es_optimizer_names[];
extern const char *const od_es_lr_schedule_names[];
extern const char *const od_es_shaping_names[];
extern const char *const od_es_mode_names[];

/* One entry of the objective table owned by an OdEs. */
typedef struct {
  char name[64];
  char help[160];
  OdEsObjectiveCreateFn create;
} OdEsObjectiveEntry;


struct _n_OdEs {
  /* the -es_objective table (built-ins + whatever was registered before SetFromOptions) */
  OdEsObjectiveEntry table[OD_ES_MAX_OBJECTIVES];
  PetscInt ntable;
  PetscBool options_read;
  OdCheckpoint ckpt; /* declared once the state exists */
  OdEsGeneration info; /* what a population hook sees of the current generation */
  MPI_Comm comm;
  PetscMPIInt rank, size;
  OdOutput output;
  uint32_t seed;
  OdRng rng;
  OdEsObjective obj;
  /* options */
  char objective_name[64];
  PetscInt algorithm, distribution, sigma_update, optimizer, shaping, mode;
  PetscInt lr_schedule;              /* -es_lr_schedule: 0 constant, 1 cosine */
  PetscBool shaping_set, lr_set, N_set, G_set; /* defaults depend on the algorithm */
  PetscBool natural, natural_set, antithetic, baseline, bound, quiet, restart;
  PetscInt N, G, dim;
  PetscReal mu0_opt[OD_ES_MAX_LIST];
  PetscInt nmu0;
  PetscReal sigma0;
  PetscBool sigma0_set;
  PetscReal lr, lr_sigma, momentum, beta1, beta2, adam_eps, weight_decay;
  PetscReal sigma_min, sigma_max, sigma_decay, f_target;
  PetscInt check_interval, stop_after;
  PetscReal ckpt_interval;
  PetscInt runs;
  PetscReal sigma0_list[OD_ES_MAX_LIST];
  PetscInt nsigma0;
  PetscReal var_sigma[OD_ES_MAX_LIST];
  PetscInt var_pop[OD_ES_MAX_LIST], nvar_sigma, nvar_pop, var_reps;
  PetscReal bound_mu[2], bound_sigma[2];
  PetscInt bound_n[2];
  PetscBool bound_mu_set;
  /* problem */
  PetscInt d, nsig, Q, hist_d;
  /* layerwise: group of each coordinate (the objective's), coordinates per group; NULL otherwise */
  const PetscInt *group;
  PetscInt *group_size;
  PetscInt hist_s; /* columns of the per-generation sigma history h_sig: d (separable, d <= 1000), G (layerwise), else 0 */
  PetscReal *mu0;
  PetscBool adapt, decay;
  /* persistent state: one array so that a checkpoint is a single write */
  PetscReal *state;
  size_t nstate;
  PetscReal *mu, *sig, *m1, *m2;                                                     /* current replicate */
  PetscReal *h_fmean, *h_sigma, *h_gnorm, *h_sgnorm, *h_fbest, *h_fpop, *h_mu, *h_sig; /* replicate 0 */
  PetscReal *r_f, *r_sigma, *r_mu, *r_basin;                                         /* finals per replicate */
  PetscReal *h_metric, *mu_best, *best_score; /* objective metrics [M][G] (replicate 0), best mean and its score */
  PetscReal *lr_cur, *last_step, *h_lr;       /* adaptation sampling: current rate, last mu step, rate history */
  PetscInt q, gen;                                                                   /* position */
  PetscInt nmetric;                  /* objective metrics per generation */
  PetscReal final_metric[OD_ES_MAX_METRICS];
  PetscBool adapt_lr;                /* -es_adaptation_sampling */
  PetscReal as_factor, as_c, as_lr_max, as_lr_min, as_threshold, as_ess; /* its constants; last effective sample size */
  PetscReal *as_logw;                /* work: log importance weights of the members under the trial rate */
  /* importance mixing (-es_importance_mixing, es_mixing.c); mix_* and h_reuse live in state */
  PetscBool mixing;
  PetscReal mix_alpha;               /* minimal refresh rate */
  PetscReal *mix_w, *mix_f;          /* the population [N][d] and its fitnesses [N] */
  PetscReal *mix_mu, *mix_sig;       /* the distribution it was drawn from */
  PetscReal *h_reuse;                /* fraction of members reused, per generation [G] */
  PetscInt mix_reused;               /* in this generation */
  PetscMPIInt *mix_counts, *mix_displs;
  /* work */
  PetscReal *w, *w2, *eps, *gacc, *sacc, *gmu, *gsig, *fit, *fit_local, *u;
  PetscMPIInt *counts, *displs;
  PetscInt lo, hi;
  /* bookkeeping */
  double t_loop, normals;
  PetscInt gens_timed, checks;
  PetscReal f_mu0, f_final;
  PetscBool done;
  /* esperf: kernel level and the coordinate-split protocol (-es_split_coordinates) */
  OdSimdLevel simd;
  PetscBool split_coords;
  char ckpt_path[PETSC_MAX_PATH_LEN + 8];
  /* summaries computed after the run, before writing */
  PetscInt s_first_below, nbasin;
  PetscReal *s_sigma0, *s_basin_fraction;
  PetscReal *b_mu, *b_sigma, *b_U; /* the bound grid (-es_bound) */
  /* variance study results */
  PetscReal *v_mean_iid, *v_var_iid, *v_mean_anti, *v_var_anti, *v_pred_iid, *v_pred_anti;
  PetscReal v_f, *v_grad;
};

/* Index into e->sig of coordinate c, and sigma_c. */
static inline PetscInt OdEsSigIndex(const struct _n_OdEs *e, PetscInt c) { return OdEsSigmaIndex(e->nsig, e->group, c); }
static inline PetscReal OdEsSigAt(const struct _n_OdEs *e, PetscInt c) { return e->sig[OdEsSigIndex(e, c)]; }
/* per-coordinate sigma sums (sacc) are needed: one sigma per coordinate or per group */
static inline PetscBool OdEsPerCoordinateSigma(const struct _n_OdEs *e) { return e->distribution == DIST_SEPARABLE || e->distribution == DIST_LAYERWISE ? PETSC_TRUE : PETSC_FALSE; }

/* es_options.c */
PetscErrorCode OdEsValidate(OdEs e);
PetscErrorCode OdEsApplyDefaults(OdEs e);
/* es_update.c */
PetscErrorCode OdEsRunGeneration(OdEs e, uint32_t run);
PetscReal OdEsSigmaRMS(OdEs e);
PetscReal OdEsSigma0Of(OdEs e, PetscInt q);
/* es_checkpoint.c */
PetscErrorCode OdEsCheckpointDeclare(OdEs e);
PetscErrorCode OdEsCheckAndStop(OdEs e, PetscBool stop_local, PetscBool *stop);
/* es_bound.c */
PetscErrorCode OdEsComputeBound(OdEs e, PetscReal **mus, PetscReal **sigmas, PetscReal **U);
/* es_variance.c */
PetscErrorCode OdEsRunVariance(OdEs e);
/* es_adapt.c */
PetscErrorCode OdEsAdaptationSampling(OdEs e, const PetscReal dots[]);
/* es_mixing.c */
PetscErrorCode OdEsMixingEvaluate(OdEs e, uint32_t run);
void OdEsMixingAccumulate(OdEs e, PetscReal *S, PetscReal *E, PetscReal dots[]);
/* es_output.c */
PetscErrorCode OdEsWriteOutput(OdEs e, const PetscReal *bound_mu, const PetscReal *bound_sigma, const PetscReal *bound_U);
PetscErrorCode OdEsWriteCommonAttrs(OdEs e);
PetscErrorCode OdEsWriteVarianceOutput(OdEs e);
