/* optdyn markov: the exact SGD density operator beside Monte Carlo and the PDE model. */
#include <math.h>
#include <stdio.h>
#include "markov_impl.h"
#include "optdyn/options.h"
#include "optdyn/stats.h"

PetscErrorCode OdMarkovCreate(MPI_Comm comm, OdMarkov *out)
{
  OdMarkov mk;
  PetscFunctionBegin;
  PetscCall(PetscNew(&mk));
  mk->comm = comm;
  mk->nT = 3, mk->T[0] = 0.01, mk->T[1] = 0.015, mk->T[2] = 0.02;
  mk->n = 4001, mk->t_final = 1000, mk->nt = 11;
  mk->walkers = 20000, mk->chunk = 1000, mk->nbins = 100;
  mk->mc = mk->pde = mk->stationary = mk->kramers = PETSC_TRUE;
  mk->pde_n = 2000, mk->nalpha = 3, mk->alpha[0] = 1, mk->alpha[1] = 0.5, mk->alpha[2] = 0;
  mk->W0_guess = 1.0;
  mk->stat_Wmin = 0.5, mk->stat_Wmax = 3.0, mk->stat_n = 2501;
  mk->nkT = 9;
  for (PetscInt i = 0; i < mk->nkT; i++) mk->kT[i] = 1.0 / (100 - 7.5 * i); /* 1/T = 100, 92.5, ..., 40 */
  mk->kramers_n = 4001, mk->mfpt_walkers = 4000, mk->mfpt_budget = 2e8;
  mk->land_n = 601, mk->gd_steps = 0;
  PetscCall(OdLandscapeCreate(comm, &mk->landscape));
  PetscCall(OdOutputCreate(comm, &mk->output));
  PetscCall(OdSweepCreate(comm, &mk->sweep));
  PetscCall(OdSweepCreate(comm, &mk->mfpt_sweep));
  *out = mk;
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadCompareOptions(PetscOptionItems *PetscOptionsObject, OdMarkov mk)
{
  PetscInt nT = OD_MARKOV_MAX_T, na = OD_MARKOV_MAX_ALPHA;
  PetscFunctionBegin;
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-T", "Learning rates of the side-by-side comparison (comma list)", OD_RANGE_POSITIVE, mk->nT, mk->T, &nT, NULL));
  mk->nT = nT;
  PetscCall(OdOptionsInt(PetscOptionsObject, "-n", "Grid nodes of the exact operator over [Wmin, edge]", OD_RANGE_AT_LEAST(3), &mk->n, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-t_final", "SGD steps of the comparison", OD_RANGE_AT_LEAST(1), &mk->t_final, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-nt", "Output times (densities, moments), evenly spaced over [0, t_final]", OD_RANGE_AT_LEAST(2), &mk->nt, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-W0_guess", "Start of the downhill search for the pit", OD_RANGE_ANY, &mk->W0_guess, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-W0", "Initial point (default: the pit minimum)", OD_RANGE_ANY, &mk->W0, &mk->W0_set));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-edge", "Absorbing edge (default: the barrier top right of W0)", OD_RANGE_ANY, &mk->edge, &mk->edge_set));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-Wmin", "Left end of the grid (default W0 - 2 (edge - W0))", OD_RANGE_ANY, &mk->Wmin, &mk->Wmin_set));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-init_std", "0: start every model at W0; > 0: a normal(W0, init_std) truncated to [Wmin, edge]", OD_RANGE_NONNEGATIVE, &mk->init_std, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-mc", "Run the Monte Carlo", &mk->mc, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-walkers", "Monte Carlo walkers per learning rate", OD_RANGE_AT_LEAST(2), &mk->walkers, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-chunk", "Walkers per Monte Carlo work unit", OD_RANGE_AT_LEAST(1), &mk->chunk, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-mc_bins", "Histogram bins of the Monte Carlo densities", OD_RANGE_AT_LEAST(2), &mk->nbins, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-pde", "Run the probability-current (PDE) model", &mk->pde, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-pde_n", "Finite-volume cells of the PDE model", OD_RANGE_AT_LEAST(10), &mk->pde_n, NULL));
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-alpha", "Noise conventions of the PDE model (1 Ito, 0.5 Stratonovich, 0 isothermal)", OD_RANGE_CLOSED(0, 1), mk->nalpha, mk->alpha, &na, NULL));
  mk->nalpha = na;
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadOtherOptions(PetscOptionItems *PetscOptionsObject, OdMarkov mk)
{
  PetscInt nk = OD_MARKOV_MAX_T, ng = OD_MARKOV_MAX_T, n0 = OD_MARKOV_MAX_T;
  PetscFunctionBegin;
  PetscCall(OdOptionsBool(PetscOptionsObject, "-stationary", "Stationary state of the reflecting operator at each T", &mk->stationary, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-stat_Wmin", "Left end of the stationary grid", OD_RANGE_ANY, &mk->stat_Wmin, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-stat_Wmax", "Right end (reflecting) of the stationary grid", OD_RANGE_ANY, &mk->stat_Wmax, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-stat_n", "Grid nodes of the stationary operator", OD_RANGE_AT_LEAST(3), &mk->stat_n, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-kramers", "Mean first-passage times vs T: exact, Monte Carlo, PDE quadrature, Kramers", &mk->kramers, NULL));
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-kramers_T", "Learning rates of the escape-time study (comma list)", OD_RANGE_POSITIVE, mk->nkT, mk->kT, &nk, NULL));
  mk->nkT = nk;
  PetscCall(OdOptionsInt(PetscOptionsObject, "-kramers_n", "Grid nodes of the exact operator for escape times", OD_RANGE_AT_LEAST(3), &mk->kramers_n, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-mfpt_walkers", "Monte Carlo walkers per T for the mean first-passage time", OD_RANGE_AT_LEAST(2), &mk->mfpt_walkers, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-mfpt_budget", "Largest Monte Carlo cost (walker-steps) per T; costlier T are skipped", OD_RANGE_POSITIVE, &mk->mfpt_budget, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-land_n", "Points of the landscape table (L, l_j, G, S2) over [stat_Wmin, stat_Wmax]; 0 = none", OD_RANGE_NONNEGATIVE, &mk->land_n, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-gd_steps", "Gradient-descent steps of the path table (0 = none)", OD_RANGE_NONNEGATIVE, &mk->gd_steps, NULL));
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-gd_T", "Learning rates of the gradient-descent paths", OD_RANGE_POSITIVE, 0, mk->gdT, &ng, NULL));
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-gd_W0", "Starting points of the gradient-descent paths", OD_RANGE_ANY, 0, mk->gd0, &n0, NULL));
  mk->ngdT = ng, mk->ngd0 = n0;
  PetscFunctionReturn(0);
}

/* The Monte Carlo parts use the sweep layer only to spread walkers over ranks: markov is not a
   sliceable sweep (its parts depend on each other), so the sweeps read a private options
   database holding nothing but -quiet, and -sweep_slice / -restart stay unknown options. */
static PetscErrorCode ConfigureSweeps(OdMarkov mk)
{
  PetscOptions opts;
  PetscBool quiet;
  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, "-quiet", &quiet));
  PetscCall(PetscOptionsCreate(&opts));
  if (quiet) PetscCall(PetscOptionsSetValue(opts, "-quiet", "1"));
  PetscCall(PetscOptionsPush(opts));
  PetscCall(OdSweepSetFromOptions(mk->sweep));
  PetscCall(OdSweepSetFromOptions(mk->mfpt_sweep));
  PetscCall(PetscOptionsPop());
  PetscCall(PetscOptionsDestroy(&opts));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovSetFromOptions(OdMarkov mk)
{
  PetscFunctionBegin;
  PetscCall(OdLandscapeSetFromOptions(mk->landscape));
  PetscCall(OdOptionsSeed(mk->comm, &mk->seed));
  PetscCall(OdOutputSetFromOptions(mk->output, "markov.h5"));
  PetscCall(ConfigureSweeps(mk));
  PetscOptionsBegin(mk->comm, "markov_", "Exact SGD density operator vs Monte Carlo and the PDE model", NULL);
  PetscCall(ReadCompareOptions(PetscOptionsObject, mk));
  PetscCall(ReadOtherOptions(PetscOptionsObject, mk));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode Validate(OdMarkov mk)
{
  PetscFunctionBegin;
  PetscCheck(mk->edge > mk->W0, mk->comm, PETSC_ERR_USER_INPUT, "option -markov_edge = %g is not allowed: must be > W0 = %g", (double)mk->edge, (double)mk->W0);
  PetscCheck(mk->Wmin < mk->W0, mk->comm, PETSC_ERR_USER_INPUT, "option -markov_Wmin = %g is not allowed: must be < W0 = %g", (double)mk->Wmin, (double)mk->W0);
  PetscCheck(mk->stat_Wmax > mk->stat_Wmin, mk->comm, PETSC_ERR_USER_INPUT, "option -markov_stat_Wmax = %g is not allowed: must be > -markov_stat_Wmin = %g", (double)mk->stat_Wmax, (double)mk->stat_Wmin);
  PetscCheck(mk->nt <= mk->t_final + 1, mk->comm, PETSC_ERR_USER_INPUT, "option -markov_nt = %" PetscInt_FMT " is not allowed: must be <= t_final + 1 = %" PetscInt_FMT, mk->nt, mk->t_final + 1);
  PetscCheck(mk->gd_steps == 0 || (mk->ngdT > 0 && mk->ngd0 > 0), mk->comm, PETSC_ERR_USER_INPUT, "option -markov_gd_steps = %" PetscInt_FMT " needs -markov_gd_T and -markov_gd_W0", mk->gd_steps);
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUpSweep(OdMarkov mk, OdSweep sweep, PetscInt npoints, PetscInt nchunks, PetscInt reclen, const char *label)
{
  char ckpt[PETSC_MAX_PATH_LEN + 32];
  PetscInt first, count, K, N;
  PetscFunctionBegin;
  PetscCall(OdSweepSetSizes(sweep, npoints, nchunks, reclen));
  PetscCall(PetscSNPrintf(ckpt, sizeof ckpt, "%s.%s.ckpt", OdOutputGetPath(mk->output), label));
  PetscCall(OdSweepSetCheckpointPath(sweep, ckpt));
  PetscCall(OdSweepSetLabel(sweep, label));
  PetscCall(OdSweepSetUp(sweep));
  PetscCall(OdSweepGetSlice(sweep, &first, &count, &K, &N)); /* always the whole sweep (N = 1) */
  (void)first, (void)count, (void)K, (void)N;
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovSetUp(OdMarkov mk)
{
  PetscFunctionBegin;
  if (!mk->W0_set) PetscCall(OdLandscapeFindMinimum(mk->landscape, OD_LANDSCAPE_MEAN, mk->W0_guess, &mk->W0));
  if (!mk->edge_set) PetscCall(OdLandscapeFindBarrierRight(mk->landscape, OD_LANDSCAPE_MEAN, mk->W0, &mk->edge));
  if (!mk->Wmin_set) mk->Wmin = mk->W0 - 2 * (mk->edge - mk->W0);
  PetscCall(Validate(mk));
  {
    const OdMarkovMCSetup s = {mk->landscape, 0, mk->W0, mk->Wmin, mk->edge, mk->t_final, mk->nt, mk->nbins, mk->init_std};
    mk->mc_reclen = OdMarkovMCRecordLength(&s);
    PetscCall(PetscMalloc1(mk->nt, &mk->t_out));
    for (PetscInt k = 0; k < mk->nt; k++) mk->t_out[k] = OdMarkovMCOutputStep(&s, k);
  }
  PetscCall(SetUpSweep(mk, mk->sweep, mk->nT, (mk->walkers + mk->chunk - 1) / mk->chunk, mk->mc_reclen, "markov-mc"));
  PetscCall(SetUpSweep(mk, mk->mfpt_sweep, mk->nkT, (mk->mfpt_walkers + mk->chunk - 1) / mk->chunk, 3, "markov-mfpt"));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovRun(OdMarkov mk, PetscBool *interrupted)
{
  PetscFunctionBegin;
  *interrupted = PETSC_FALSE;
  PetscCall(OdMarkovRunExact(mk));
  if (mk->mc) PetscCall(OdMarkovRunMonteCarlo(mk, interrupted));
  if (*interrupted) PetscFunctionReturn(0);
  if (mk->pde) PetscCall(OdMarkovRunPDE(mk));
  if (mk->stationary) PetscCall(OdMarkovRunStationary(mk));
  if (mk->kramers) PetscCall(OdMarkovRunKramers(mk, interrupted));
  if (*interrupted) PetscFunctionReturn(0);
  PetscCall(OdMarkovRunLandscape(mk));
  PetscCall(OdMarkovWrite(mk));
  PetscCall(OdSweepRemoveCheckpoint(mk->sweep));
  PetscCall(OdSweepRemoveCheckpoint(mk->mfpt_sweep));
  PetscFunctionReturn(0);
}

/* Escape probability of one model within n steps (curves are per step 0..t_final). */
static PetscReal EscapeAt(const PetscReal *curve, PetscInt t_final, PetscInt n)
{
  return curve[PetscMin(n, t_final)];
}

static PetscErrorCode ViewCompare(OdMarkov mk, PetscViewer v)
{
  const PetscInt b2 = PetscMin(1000, mk->t_final), b1 = PetscMin(100, mk->t_final);
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "%8s %-8s %14s %14s %12s\n", "T", "model", "P(escape)", "P(escape)", "mean"));
  PetscCall(PetscViewerASCIIPrintf(v, "%8s %-8s %12s%" PetscInt_FMT " %12s%" PetscInt_FMT " %10s%" PetscInt_FMT "\n", "", "", "n=", b1, "n=", b2, "t=", mk->t_final));
  for (PetscInt i = 0; i < mk->nT; i++) {
    const PetscReal *ex = mk->ex_esc + i * (mk->t_final + 1);
    PetscCall(PetscViewerASCIIPrintf(v, "%8.4f %-8s %14.6g %14.6g %12.6f\n", (double)mk->T[i], "exact", (double)EscapeAt(ex, mk->t_final, b1), (double)EscapeAt(ex, mk->t_final, b2), (double)mk->ex_mom[(i * mk->nt + mk->nt - 1) * 3 + 1]));
    if (mk->mc) {
      const PetscReal *rec = mk->mc_rec + i * mk->mc_reclen, *fp = rec + mk->nt * (mk->nbins + 3), *st = rec + (mk->nt - 1) * (mk->nbins + 3) + mk->nbins;
      PetscReal k1 = 0, k2 = 0;
      for (PetscInt s = 0; s < PetscMin(b2, mk->t_final); s++) k2 += fp[s], k1 += s < b1 ? fp[s] : 0;
      char mean[32] = "(none left)";
      if (st[0] > 0) snprintf(mean, sizeof mean, "%12.6f", (double)(st[1] / st[0]));
      PetscCall(PetscViewerASCIIPrintf(v, "%8s %-8s %14.6g %14.6g %12s\n", "", "MC", (double)(k1 / mk->walkers), (double)(k2 / mk->walkers), mean));
    }
    for (PetscInt a = 0; mk->pde && a < mk->nalpha; a++) {
      const PetscReal *pe = mk->pde_esc + (i * mk->nalpha + a) * (mk->t_final + 1);
      char name[32];
      snprintf(name, sizeof name, "PDE(%g)", (double)mk->alpha[a]);
      PetscCall(PetscViewerASCIIPrintf(v, "%8s %-8s %14.6g %14.6g %12.6f\n", "", name, (double)EscapeAt(pe, mk->t_final, b1), (double)EscapeAt(pe, mk->t_final, b2), (double)mk->pde_mom[((i * mk->nalpha + a) * mk->nt + mk->nt - 1) * 2]));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ViewKramers(OdMarkov mk, PetscViewer v)
{
  const PetscInt w = 4 + 2 * mk->nalpha;
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "mean first-passage time from W0 (steps):\n%8s %12s %18s %5s", "T", "exact", "MC", "run"));
  for (PetscInt a = 0; a < mk->nalpha; a++) PetscCall(PetscViewerASCIIPrintf(v, "  PDE(%-4.2f)  Kramers(%-4.2f)", (double)mk->alpha[a], (double)mk->alpha[a]));
  PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  for (PetscInt i = 0; i < mk->nkT; i++) {
    const PetscReal *r = mk->k_tau + i * w;
    char mc[32] = "-";
    if (r[2] > 0) PetscCall(PetscSNPrintf(mc, sizeof mc, "%.4g+-%.2g", (double)r[1], (double)r[2]));
    PetscCall(PetscViewerASCIIPrintf(v, "%8.5f %12.5g %18s %5.0f", (double)mk->kT[i], (double)r[0], mc, (double)r[3]));
    for (PetscInt a = 0; a < mk->nalpha; a++) PetscCall(PetscViewerASCIIPrintf(v, "  %9.4g  %12.4g", (double)r[4 + a], (double)r[4 + mk->nalpha + a]));
    PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  }
  PetscCall(PetscViewerASCIIPrintf(v, "slope of ln tau vs 1/T: exact %.4f +- %.4f, PDE(alpha = %.2f) %.4f +- %.4f, Kramers U = 2 int G/S2 dW = %.4f\n", (double)mk->k_fit[0], (double)mk->k_fit[1], (double)mk->alpha[0], (double)mk->k_fit[2], (double)mk->k_fit[3], (double)mk->k_barrier));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovView(OdMarkov mk, PetscViewer v)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "optdyn markov: landscape %s, W0 = %.6f, edge = %.6f, grid %" PetscInt_FMT " nodes on [%.4f, %.4f]\n", OdLandscapeGetName(mk->landscape), (double)mk->W0, (double)mk->edge, mk->n, (double)mk->Wmin, (double)mk->edge));
  PetscCall(ViewCompare(mk, v));
  for (PetscInt i = 0; mk->stationary && i < mk->nT; i++) {
    const PetscReal *a = mk->st_atom + 4 * i;
    if (a[0] > 0) PetscCall(PetscViewerASCIIPrintf(v, "stationary state at T = %.4f: point mass at W = %.10f, weight %.12f (continuum width %.3g)\n", (double)mk->T[i], (double)a[1], (double)a[2], (double)a[3]));
    else PetscCall(PetscViewerASCIIPrintf(v, "stationary state at T = %.4f: no point mass\n", (double)mk->T[i]));
  }
  if (mk->kramers) PetscCall(ViewKramers(mk, v));
  PetscCall(PetscViewerASCIIPrintf(v, "wrote %s\n", OdOutputGetPath(mk->output)));
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovDestroy(OdMarkov *mkp)
{
  OdMarkov mk = *mkp;
  PetscFunctionBegin;
  if (!mk) PetscFunctionReturn(0);
  PetscCall(OdLandscapeDestroy(&mk->landscape));
  PetscCall(OdOutputDestroy(&mk->output));
  PetscCall(OdSweepDestroy(&mk->sweep));
  PetscCall(OdSweepDestroy(&mk->mfpt_sweep));
  PetscCall(PetscFree(mk->t_out));
  PetscCall(PetscFree4(mk->ex_P, mk->ex_mom, mk->ex_esc, mk->ex_back));
  PetscCall(PetscFree(mk->mc_rec));
  PetscCall(PetscFree3(mk->pde_P, mk->pde_mom, mk->pde_esc));
  PetscCall(PetscFree2(mk->st_P, mk->st_atom));
  PetscCall(PetscFree(mk->k_tau));
  PetscCall(PetscFree2(mk->land, mk->gd));
  PetscCall(PetscFree(mk));
  *mkp = NULL;
  PetscFunctionReturn(0);
}
