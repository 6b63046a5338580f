/* es output: maps the computed results to datasets, only through the output layer
   (optdyn/output.h). Nothing is computed here: summaries, the bound grid and the variance
   study are computed before writing (es.c, es_bound.c, es_variance.c). */
#include <stdio.h>
#include "optdyn/output.h"
#include "es_impl.h"

PetscErrorCode OdEsWriteCommonAttrs(OdEs e)
{
  OdOutput out = e->output;
  PetscFunctionBegin;
  PetscCall(OdOutputAttrString(out, "/es", "objective", e->objective_name));
  PetscCall(OdOutputAttrString(out, "/es", "objective_formula", OdEsObjectiveGetFormula(e->obj)));
  PetscCall(OdOutputAttrString(out, "/es", "mode", od_es_mode_names[e->mode]));
  PetscCall(OdOutputAttrInt(out, "/es", "d", e->d));
  PetscCall(OdOutputAttrInt(out, "/es", "mpi_ranks", e->size));
  PetscCall(OdOutputAttrString(out, "/", "simd_level", OdSimdLevelName(e->simd))); /* provenance (esperf) */
  PetscCall(OdOutputAttrInt(out, "/es", "split_coordinates", e->split_coords)); /* result-neutral protocol choice (esperf) */
  {
    PetscInt nmin;
    const PetscReal *xm, *fm;
    OdEsObjectiveGetMinima(e->obj, &nmin, &xm, &fm);
    if (nmin && e->d <= OD_ES_HIST_MAX_D) {
      const hsize_t dm[2] = {(hsize_t)nmin, (hsize_t)e->d}, dn[1] = {(hsize_t)nmin};
      PetscCall(OdOutputWriteReal(out, "/es/minima", 2, dm, xm, (OdDatasetInfo){"w", "known minimizers of the objective", PETSC_FALSE}));
      PetscCall(OdOutputWriteReal(out, "/es/minima_f", 1, dn, fm, (OdDatasetInfo){"f", "objective at the known minimizers", PETSC_FALSE}));
    }
  }
  PetscFunctionReturn(0);
}

/* layerwise: the sigma of every group per generation, the groups' names and sizes */
static PetscErrorCode WriteGroups(OdEs e)
{
  OdOutput out = e->output;
  const PetscInt ns = e->nsig;
  const hsize_t dGs[2] = {(hsize_t)e->G, (hsize_t)ns}, dns[1] = {(hsize_t)ns};
  const char *const *names;
  PetscReal *size;
  PetscFunctionBegin;
  OdEsObjectiveGetGroups(e->obj, NULL, NULL, &names);
  PetscCall(PetscMalloc1(ns, &size));
  for (PetscInt g = 0; g < ns; g++) size[g] = (PetscReal)e->group_size[g];
  PetscCall(OdOutputWriteReal(out, "/es/sigma_groups", 2, dGs, e->h_sig, (OdDatasetInfo){"w", "sigma of each group after each generation (layerwise, replicate 0), [G, groups]", PETSC_FALSE}));
  { /* the names as one attribute "W1,b1,..." (a string dataset would need a variable-length write, which parallel HDF5 does not do) */
    char list[4096] = "";
    for (PetscInt g = 0; g < ns; g++) {
      if (g) PetscCall(PetscStrlcat(list, ",", sizeof list));
      PetscCall(PetscStrlcat(list, names[g], sizeof list));
    }
    PetscCall(OdOutputAttrString(out, "/es", "group_names", list));
  }
  PetscCall(OdOutputWriteReal(out, "/es/group_size", 1, dns, size, (OdDatasetInfo){"1", "number of coordinates of each group (layerwise)", PETSC_FALSE}));
  PetscCall(PetscFree(size));
  PetscFunctionReturn(0);
}

/* Per-generation history of replicate 0 and its final state. */
static PetscErrorCode WriteHistory(OdEs e)
{
  OdOutput out = e->output;
  const PetscInt d = e->d, G = e->G, hd = e->hist_d;
  const hsize_t dG[1] = {(hsize_t)G}, dGd[2] = {(hsize_t)G, (hsize_t)hd}, dd[1] = {(hsize_t)d}, dns[1] = {(hsize_t)e->nsig};
  PetscFunctionBegin;
  PetscCall(OdOutputWriteReal(out, "/es/f_mean", 1, dG, e->h_fmean, (OdDatasetInfo){"f", "objective f at the search mean mu after each generation's update (replicate 0)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/sigma", 1, dG, e->h_sigma, (OdDatasetInfo){"w", "search standard deviation after each generation (RMS over components for separable)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/grad_norm", 1, dG, e->h_gnorm, (OdDatasetInfo){"f/w", "2-norm of the mu search-gradient estimate of each generation (natural or regular, as used)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/sigma_grad_norm", 1, dG, e->h_sgnorm, (OdDatasetInfo){"f", "2-norm of the sigma search-gradient estimate (d U/d sigma^2 regular, d U/d log sigma natural; 0 if sigma is not learned)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/f_best", 1, dG, e->h_fbest, (OdDatasetInfo){"f", "lowest fitness in each generation's population", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/f_population_mean", 1, dG, e->h_fpop, (OdDatasetInfo){"f", "mean fitness of each generation's population (Monte Carlo estimate of U)", PETSC_FALSE}));
  if (hd) {
    PetscCall(OdOutputWriteReal(out, "/es/mu", 2, dGd, e->h_mu, (OdDatasetInfo){"w", "search mean mu after each generation (replicate 0)", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/mu0", 1, dd, e->mu0, (OdDatasetInfo){"w", "initial search mean", PETSC_FALSE}));
    if (e->h_sig && !e->group) PetscCall(OdOutputWriteReal(out, "/es/sigma_components", 2, dGd, e->h_sig, (OdDatasetInfo){"w", "per-component sigma after each generation (separable)", PETSC_FALSE}));
  }
  if (e->group) PetscCall(WriteGroups(e));
  /* the final state of replicate 0 (always, any d); in Q > 1 runs the current state is the last replicate's */
  if (e->Q == 1) {
    PetscCall(OdOutputWriteReal(out, "/es/mu_final", 1, dd, e->mu, (OdDatasetInfo){"w", "final search mean", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/es/sigma_final", 1, dns, e->sig, (OdDatasetInfo){"w", "final sigma (1 value, d for separable, one per group for layerwise)", PETSC_FALSE}));
  }
  PetscFunctionReturn(0);
}

/* Replicate study (Q > 1): finals per replicate, basin fractions. */
static PetscErrorCode WriteReplicates(OdEs e)
{
  OdOutput out = e->output;
  const PetscInt S = e->nsigma0 ? e->nsigma0 : 1, R = e->runs, hd = e->hist_d;
  const hsize_t dS[1] = {(hsize_t)S}, dSR[2] = {(hsize_t)S, (hsize_t)R}, dSRd[3] = {(hsize_t)S, (hsize_t)R, (hsize_t)hd}, dSm[2] = {(hsize_t)S, (hsize_t)e->nbasin};
  PetscFunctionBegin;
  PetscCall(OdOutputCreateGroup(out, "/es/runs"));
  PetscCall(OdOutputWriteReal(out, "/es/runs/sigma0", 1, dS, e->s_sigma0, (OdDatasetInfo){"w", "initial sigma of each replicate set", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/runs/f_final", 2, dSR, e->r_f, (OdDatasetInfo){"f", "f at the final mean of each replicate", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/runs/sigma_final", 2, dSR, e->r_sigma, (OdDatasetInfo){"w", "final sigma (RMS) of each replicate", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/runs/basin", 2, dSR, e->r_basin, (OdDatasetInfo){"1", "index of the known minimum whose basin holds the final mean (-1: none)", PETSC_FALSE}));
  if (hd) PetscCall(OdOutputWriteReal(out, "/es/runs/mu_final", 3, dSRd, e->r_mu, (OdDatasetInfo){"w", "final mean of each replicate", PETSC_FALSE}));
  if (e->nbasin) PetscCall(OdOutputWriteReal(out, "/es/runs/basin_fraction", 2, dSm, e->s_basin_fraction, (OdDatasetInfo){"1", "fraction of replicates ending in the basin of each known minimum", PETSC_FALSE}));
  PetscFunctionReturn(0);
}

/* The U(mu, sigma) grid (computed by OdEsComputeBound before writing). */
static PetscErrorCode WriteBound(OdEs e, const PetscReal *mus, const PetscReal *sigmas, const PetscReal *U)
{
  OdOutput out = e->output;
  const hsize_t dm[1] = {(hsize_t)e->bound_n[0]}, ds[1] = {(hsize_t)e->bound_n[1]}, dU[2] = {(hsize_t)e->bound_n[1], (hsize_t)e->bound_n[0]};
  PetscFunctionBegin;
  PetscCall(OdOutputCreateGroup(out, "/es/bound"));
  PetscCall(OdOutputWriteReal(out, "/es/bound/mu", 1, dm, mus, (OdDatasetInfo){"w", "mu grid of the variational upper bound", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/bound/sigma", 1, ds, sigmas, (OdDatasetInfo){"w", "sigma grid of the variational upper bound", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/bound/U", 2, dU, U, (OdDatasetInfo){"f", "U(mu, sigma) = E_{w ~ N(mu, sigma^2)} f(w) by 4000-point midpoint quadrature on [-8, 8] sigma, [nsigma, nmu]", PETSC_FALSE}));
  PetscFunctionReturn(0);
}

/* The objective's per-generation metrics, best mean and final values; the adapted rate. */
static PetscErrorCode WriteMetrics(OdEs e)
{
  OdOutput out = e->output;
  const OdEsMetrics *m = OdEsObjectiveGetMetrics(e->obj);
  const hsize_t dG[1] = {(hsize_t)e->G}, dd[1] = {(hsize_t)e->d};
  char path[256];
  PetscFunctionBegin;
  if (e->h_lr) PetscCall(OdOutputWriteReal(out, "/es/lr", 1, dG, e->h_lr, (OdDatasetInfo){"1", "learning rate of the mean after adaptation sampling in each generation", PETSC_FALSE}));
  if (e->h_reuse) {
    PetscReal mean = 0;
    for (PetscInt g = 0; g < e->G; g++) mean += e->h_reuse[g] / e->G;
    PetscCall(OdOutputWriteReal(out, "/es/reuse", 1, dG, e->h_reuse, (OdDatasetInfo){"1", "importance mixing: fraction of the generation's members reused from the previous generation (not evaluated again)", PETSC_FALSE}));
    PetscCall(OdOutputAttrReal(out, "/es", "reuse_mean", mean));
    PetscCall(OdOutputAttrReal(out, "/es", "mixing_refresh", e->mix_alpha));
  }
  if (!m) PetscFunctionReturn(0);
  PetscCall(OdOutputCreateGroup(out, "/es/metrics"));
  for (PetscInt j = 0; j < m->n; j++) {
    snprintf(path, sizeof path, "/es/metrics/%s", m->names[j]);
    PetscCall(OdOutputWriteReal(out, path, 1, dG, e->h_metric + (size_t)j * e->G, (OdDatasetInfo){m->units[j], m->descriptions[j], PETSC_FALSE}));
  }
  if (e->mu_best) {
    PetscCall(OdOutputWriteReal(out, "/es/mu_best", 1, dd, e->mu_best, (OdDatasetInfo){"w", "search mean with the lowest selection score of the objective (e.g. validation loss)", PETSC_FALSE}));
    PetscCall(OdOutputAttrReal(out, "/es/metrics", "best_score", e->best_score[0]));
  }
  for (PetscInt j = 0; j < m->nfinal; j++) PetscCall(OdOutputAttrReal(out, "/es/metrics", m->final_names[j], e->final_metric[j]));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteRunAttrs(OdEs e)
{
  OdOutput out = e->output;
  PetscFunctionBegin;
  PetscCall(OdOutputAttrString(out, "/es", "algorithm", od_es_algorithm_names[e->algorithm]));
  PetscCall(OdOutputAttrString(out, "/es", "distribution", od_es_distribution_names[e->distribution]));
  PetscCall(OdOutputAttrString(out, "/es", "sigma_update", od_es_sigma_update_names[e->sigma_update]));
  PetscCall(OdOutputAttrString(out, "/es", "optimizer", od_es_optimizer_names[e->optimizer]));
  PetscCall(OdOutputAttrString(out, "/es", "shaping", od_es_shaping_names[e->shaping]));
  PetscCall(OdOutputAttrInt(out, "/es", "natural", e->natural));
  PetscCall(OdOutputAttrInt(out, "/es", "antithetic", e->antithetic));
  PetscCall(OdOutputAttrInt(out, "/es", "baseline", e->baseline));
  PetscCall(OdOutputAttrInt(out, "/es", "population", e->N));
  PetscCall(OdOutputAttrInt(out, "/es", "generations", e->G));
  PetscCall(OdOutputAttrInt(out, "/es", "replicates", e->Q));
  PetscCall(OdOutputAttrReal(out, "/es", "lr", e->lr));
  PetscCall(OdOutputAttrReal(out, "/es", "lr_sigma", e->lr_sigma));
  PetscCall(OdOutputAttrReal(out, "/es", "sigma0", e->sigma0));
  PetscCall(OdOutputAttrReal(out, "/es", "f_mu0", e->f_mu0));
  PetscCall(OdOutputAttrReal(out, "/es", "f_final", e->h_fmean[e->G - 1]));
  PetscCall(OdOutputAttrReal(out, "/es", "f_target", e->f_target));
  PetscCall(OdOutputAttrInt(out, "/es", "first_generation_below_target", e->s_first_below));
  PetscCall(OdOutputAttrInt(out, "/es", "checksums_verified", e->checks));
  PetscCall(OdOutputAttrReal(out, "/es", "seconds_per_generation", e->gens_timed ? e->t_loop / e->gens_timed : 0));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsWriteOutput(OdEs e, const PetscReal *bound_mu, const PetscReal *bound_sigma, const PetscReal *bound_U)
{
  PetscFunctionBegin;
  PetscCall(OdOutputOpen(e->output, "es", e->seed));
  PetscCall(OdOutputCreateGroup(e->output, "/es"));
  PetscCall(WriteHistory(e));
  if (e->Q > 1) PetscCall(WriteReplicates(e));
  if (e->bound) PetscCall(WriteBound(e, bound_mu, bound_sigma, bound_U));
  PetscCall(WriteMetrics(e));
  PetscCall(OdEsWriteCommonAttrs(e));
  PetscCall(WriteRunAttrs(e));
  PetscCall(OdOutputClose(e->output, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsWriteVarianceOutput(OdEs e)
{
  const PetscInt ns = e->nvar_sigma, nN = e->nvar_pop, R = e->var_reps, d = e->d;
  OdOutput out = e->output;
  PetscReal *popr;
  const hsize_t ds[1] = {(hsize_t)ns}, dn[1] = {(hsize_t)nN}, dsn[2] = {(hsize_t)ns, (hsize_t)nN}, dd[1] = {(hsize_t)d};
  PetscCall(PetscMalloc1(nN, &popr));
  for (PetscInt i = 0; i < nN; i++) popr[i] = (PetscReal)e->var_pop[i];
  PetscCall(OdOutputOpen(out, "es", e->seed));
  PetscCall(OdOutputCreateGroup(out, "/es"));
  PetscCall(OdOutputCreateGroup(out, "/es/variance"));
  PetscCall(OdOutputWriteReal(out, "/es/variance/sigma", 1, ds, e->var_sigma, (OdDatasetInfo){"w", "search standard deviations sigma", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/variance/population", 1, dn, popr, (OdDatasetInfo){"1", "population sizes N", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/variance/mean_iid", 2, dsn, e->v_mean_iid, (OdDatasetInfo){"f/w", "mean over replicates of the component-0 gradient estimate, i.i.d. sampling", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/variance/var_iid", 2, dsn, e->v_var_iid, (OdDatasetInfo){"(f/w)^2", "variance over replicates of the component-0 gradient estimate, i.i.d. sampling", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/variance/var_pred_iid", 2, dsn, e->v_pred_iid, (OdDatasetInfo){"(f/w)^2", "predicted i.i.d. variance (f^2/sigma^2 + 2 f_0'^2 + sum_{j>0} f_j'^2)/N (1-D: f^2/(N sigma^2) + 2 f'^2/N)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/variance/mean_anti", 2, dsn, e->v_mean_anti, (OdDatasetInfo){"f/w", "mean of the antithetic estimate (NaN for odd N)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/variance/var_anti", 2, dsn, e->v_var_anti, (OdDatasetInfo){"(f/w)^2", "variance of the antithetic estimate (NaN for odd N)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/variance/var_pred_anti", 2, dsn, e->v_pred_anti, (OdDatasetInfo){"(f/w)^2", "predicted antithetic variance 2 Var[g_e]/N = 2 (2 f_0'^2 + sum_{j>0} f_j'^2)/N to leading order in sigma", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/variance/grad_true", 1, dd, e->v_grad, (OdDatasetInfo){"f/w", "gradient of f at mu0 (analytic when the objective provides it)", PETSC_FALSE}));
  PetscCall(OdOutputWriteReal(out, "/es/variance/mu0", 1, dd, e->mu0, (OdDatasetInfo){"w", "point of the study", PETSC_FALSE}));
  PetscCall(OdEsWriteCommonAttrs(e));
  PetscCall(OdOutputAttrReal(out, "/es/variance", "f_mu0", e->v_f));
  PetscCall(OdOutputAttrInt(out, "/es/variance", "replicates", R));
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscCall(PetscFree(popr));
  PetscFunctionReturn(0);
}
