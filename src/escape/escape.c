/* optdyn escape: SGD escape-probability sweep over learning rates (docs/models.md §2). */
#include <math.h>
#include <string.h>
#include "optdyn/escape.h"
#include "optdyn/options.h"
#include "optdyn/output.h"
#include "optdyn/stats.h"
#include "optdyn/sweep.h"
#include "optdyn/budget.h"

#define OD_ESCAPE_MAX_BUDGETS 64
#define OD_ESCAPE_CONSECUTIVE_MAX 1000000

struct _n_OdEscape {
  MPI_Comm comm;
  OdLandscape landscape;
  OdSweep sweep;
  OdOutput output;
  uint32_t seed;
  OdSimdLevel simd; /* kernel build (result-neutral) */
  /* options */
  PetscReal T_min, T_max;
  PetscInt T_num;
  PetscBool T_log;
  PetscInt budgets[OD_ESCAPE_MAX_BUDGETS], nbudgets;
  PetscInt walkers, chunk, hist_bins;
  PetscInt method;
  PetscInt precision; /* OdEscapePrecision of the Monte Carlo kernel */
  PetscReal W0, edge, W0_guess;
  PetscBool W0_set, edge_set;
  PetscInt exact_n;
  PetscReal exact_Wmin;
  PetscBool exact_Wmin_set;
  /* derived */
  PetscInt max_budget, first, count, K, N;
  PetscReal *T;      /* [T_num] all points */
  PetscReal *record; /* [count * reclen] */
  PetscInt reclen;
  PetscBool done;
  double run_seconds; /* wall time of the sweep (this run's part, after a restart) */
};

static const char *const method_names[] = {"mc", "exact"};
static const char *const precision_names[] = {"double", "single"};

PetscErrorCode OdEscapeCreate(MPI_Comm comm, OdEscape *esc)
{
  OdEscape e;
  PetscFunctionBegin;
  PetscCall(PetscNew(&e));
  e->comm = comm;
  e->T_min = 0.01;
  e->T_max = 0.02;
  e->T_num = 11;
  e->nbudgets = 3;
  e->budgets[0] = 100, e->budgets[1] = 1000, e->budgets[2] = 10000;
  e->walkers = 10000;
  e->chunk = 500;
  e->hist_bins = 40;
  e->method = OD_ESCAPE_MC;
  e->W0_guess = 1.0;
  e->exact_n = 8001;
  PetscCall(OdLandscapeCreate(comm, &e->landscape));
  PetscCall(OdSweepCreate(comm, &e->sweep));
  PetscCall(OdOutputCreate(comm, &e->output));
  *esc = e;
  PetscFunctionReturn(0);
}

PetscErrorCode OdEscapeDestroy(OdEscape *esc)
{
  PetscFunctionBegin;
  if (!*esc) PetscFunctionReturn(0);
  PetscCall(OdLandscapeDestroy(&(*esc)->landscape));
  PetscCall(OdSweepDestroy(&(*esc)->sweep));
  PetscCall(OdOutputDestroy(&(*esc)->output));
  PetscCall(PetscFree((*esc)->T));
  PetscCall(PetscFree((*esc)->record));
  PetscCall(PetscFree(*esc));
  PetscFunctionReturn(0);
}

/* Help texts of the computed defaults; in a help run they also give the computed values. */
static PetscErrorCode DescribePit(OdEscape e, char W0[], char edge[], char Wmin[], size_t len)
{
  PetscBool help;
  PetscReal pit, top;
  char v0[96] = "", v1[96] = "", v2[96] = "";
  PetscFunctionBegin;
  PetscCall(OdOptionsHelpRequested(&help));
  if (help) {
    /* a landscape without a pit or barrier just leaves the rule unevaluated */
    const char *name = OdLandscapeGetName(e->landscape);
    PetscErrorCode no_pit, no_top = 1;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    no_pit = OdLandscapeFindMinimum(e->landscape, OD_LANDSCAPE_MEAN, e->W0_guess, &pit);
    if (!no_pit) no_top = OdLandscapeFindBarrierRight(e->landscape, OD_LANDSCAPE_MEAN, pit, &top);
    PetscCall(PetscPopErrorHandler());
    if (!no_pit) snprintf(v0, sizeof v0, ": %.6f for %s", (double)pit, name);
    if (!no_top) snprintf(v1, sizeof v1, ": %.6f for %s", (double)top, name);
    else snprintf(v1, sizeof v1, "; %s has none: give it", name);
    if (!no_top) snprintf(v2, sizeof v2, ": %.6f for %s", (double)(pit - 2 * (top - pit)), name);
  }
  snprintf(W0, len, "Starting point of every walker (default: the pit minimum of the landscape, downhill from -escape_W0_guess%s)", v0);
  snprintf(edge, len, "Escape when W exceeds this (default: the barrier top right of W0%s)", v1);
  snprintf(Wmin, len, "Left end of the exact solver's grid (default: W0 - 2 (edge - W0)%s)", v2);
  PetscFunctionReturn(0);
}

PetscErrorCode OdEscapeSetFromOptions(OdEscape e)
{
  PetscInt nb = OD_ESCAPE_MAX_BUDGETS;
  char help_W0[256], help_edge[256], help_Wmin[256];
  PetscFunctionBegin;
  PetscCall(OdLandscapeSetFromOptions(e->landscape));
  PetscCall(OdOptionsSeed(e->comm, &e->seed));
  PetscCall(OdSimdSetFromOptions(e->comm, &e->simd));
  PetscCall(OdOutputSetFromOptions(e->output, "escape.h5"));
  PetscCall(OdSweepSetFromOptions(e->sweep));
  PetscOptionsBegin(e->comm, "escape_", "SGD escape from the pit (docs/models.md §2)", NULL);
  PetscCall(OdOptionsReal(PetscOptionsObject, "-T_min", "Smallest learning rate T", OD_RANGE_POSITIVE, &e->T_min, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-T_max", "Largest learning rate T", OD_RANGE_POSITIVE, &e->T_max, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-T_num", "Number of learning rates", OD_RANGE_AT_LEAST(1), &e->T_num, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-T_log", "Space the learning rates logarithmically", &e->T_log, NULL));
  PetscCall(OdOptionsIntList(PetscOptionsObject, "-steps", "Step budgets n (comma list, increasing)", OD_RANGE_AT_LEAST(1), e->nbudgets, e->budgets, &nb, NULL));
  e->nbudgets = nb;
  PetscCall(OdOptionsInt(PetscOptionsObject, "-walkers", "Monte Carlo walkers per learning rate", OD_RANGE_AT_LEAST(1), &e->walkers, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-chunk", "Walkers per work unit (the unit of distribution over ranks)", OD_RANGE_AT_LEAST(1), &e->chunk, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-hist_bins", "Log-spaced bins of the first-passage histogram", OD_RANGE_AT_LEAST(1), &e->hist_bins, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-method", "mc (Monte Carlo) or exact (backward recursion)", method_names, 2, &e->method, NULL));
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-precision", "Monte Carlo arithmetic: double, or single (float, twice the SIMD lanes; escape probabilities agree within Monte Carlo error, paths differ by rounding)", precision_names, 2, &e->precision, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-W0_guess", "Start of the downhill search for the pit", OD_RANGE_ANY, &e->W0_guess, NULL));
  PetscCall(DescribePit(e, help_W0, help_edge, help_Wmin, sizeof help_W0));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-W0", help_W0, OD_RANGE_ANY, &e->W0, &e->W0_set));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-edge", help_edge, OD_RANGE_ANY, &e->edge, &e->edge_set));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-exact_n", "Grid points of the exact solver", OD_RANGE_AT_LEAST(3), &e->exact_n, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-exact_Wmin", help_Wmin, OD_RANGE_ANY, &e->exact_Wmin, &e->exact_Wmin_set));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* Cross-option checks; every failure names the option and value. */
static PetscErrorCode Validate(OdEscape e)
{
  PetscFunctionBegin;
  PetscCheck(e->T_max >= e->T_min, e->comm, PETSC_ERR_USER_INPUT, "option -escape_T_max = %g is not allowed: must be >= -escape_T_min = %g", (double)e->T_max, (double)e->T_min);
  PetscCheck(e->T_num == 1 || e->T_max > e->T_min, e->comm, PETSC_ERR_USER_INPUT, "option -escape_T_num = %" PetscInt_FMT " needs -escape_T_max > -escape_T_min", e->T_num);
  for (PetscInt k = 1; k < e->nbudgets; k++)
    PetscCheck(e->budgets[k] > e->budgets[k - 1], e->comm, PETSC_ERR_USER_INPUT, "option -escape_steps: budgets must increase strictly, got %" PetscInt_FMT " after %" PetscInt_FMT, e->budgets[k], e->budgets[k - 1]);
  PetscCheck(e->edge > e->W0, e->comm, PETSC_ERR_USER_INPUT, "option -escape_edge = %g is not allowed: must be > W0 = %g", (double)e->edge, (double)e->W0);
  PetscCheck(e->exact_Wmin < e->W0, e->comm, PETSC_ERR_USER_INPUT, "option -escape_exact_Wmin = %g is not allowed: must be < W0 = %g", (double)e->exact_Wmin, (double)e->W0);
  if (e->precision == OD_ESCAPE_SINGLE) {
    PetscCheck(OdEscapeSingleSupported(e->landscape), e->comm, PETSC_ERR_USER_INPUT, "option -escape_precision = single is not allowed with landscape %s: it needs Gaussian terms and J = 2^m <= 16 datapoints (use double)", OdLandscapeGetName(e->landscape));
    PetscCheck(e->budgets[e->nbudgets - 1] < PETSC_MAX_INT - 64 && e->budgets[e->nbudgets - 1] < INT32_MAX - 64, e->comm, PETSC_ERR_USER_INPUT, "option -escape_steps: the largest budget %" PetscInt_FMT " is too large for -escape_precision single (at most 2^31 - 65)", e->budgets[e->nbudgets - 1]);
  }
  { /* the learning rates and the per-point records of every point (the sweep checks its own buffers later) */
    char advice[96];
    snprintf(advice, sizeof advice, "-escape_T_num = %" PetscInt_FMT, e->T_num);
    PetscCall(OdBudgetCheckMemory(e->comm, 8.0 * e->T_num * (3.0 + 3.0 * (e->nbudgets + e->hist_bins + 3)), "the learning-rate grid and its results", advice));
  }
  if (e->method == OD_ESCAPE_EXACT) { /* stencil (index + weight per data point) and two grid vectors */
    char advice[96];
    snprintf(advice, sizeof advice, "-escape_exact_n = %" PetscInt_FMT, e->exact_n);
    PetscCall(OdBudgetCheckMemory(e->comm, 8.0 * e->exact_n * (2.0 * OdLandscapeGetNumData(e->landscape) + 2), "the exact solver's grid and stencil", advice));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode UnitsMC(void *ctx, PetscInt n, const PetscInt point[], const PetscInt chunk[], PetscReal *const rec[]);

PetscErrorCode OdEscapeSetUp(OdEscape e)
{
  PetscFunctionBegin;
  if (!e->W0_set) PetscCall(OdLandscapeFindMinimum(e->landscape, OD_LANDSCAPE_MEAN, e->W0_guess, &e->W0));
  if (!e->edge_set) PetscCall(OdLandscapeFindBarrierRight(e->landscape, OD_LANDSCAPE_MEAN, e->W0, &e->edge));
  if (!e->exact_Wmin_set) e->exact_Wmin = e->W0 - 2 * (e->edge - e->W0);
  PetscCall(Validate(e));
  e->max_budget = e->budgets[e->nbudgets - 1];
  PetscCall(PetscMalloc1(e->T_num, &e->T));
  for (PetscInt i = 0; i < e->T_num; i++) {
    const PetscReal f = e->T_num > 1 ? (PetscReal)i / (e->T_num - 1) : 0;
    e->T[i] = e->T_log ? e->T_min * pow(e->T_max / e->T_min, f) : e->T_min + f * (e->T_max - e->T_min);
  }
  /* record: MC = escaped counts per budget, histogram, sum of log10 steps, escaped count,
             SGD steps simulated; exact = probability per budget */
  e->reclen = e->method == OD_ESCAPE_MC ? e->nbudgets + e->hist_bins + 3 : e->nbudgets;
  const PetscInt nchunks = e->method == OD_ESCAPE_MC ? (e->walkers + e->chunk - 1) / e->chunk : 1;
  PetscCall(OdSweepSetSizes(e->sweep, e->T_num, nchunks, e->reclen));
  {
    char ckpt[PETSC_MAX_PATH_LEN + 8];
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", OdOutputGetPath(e->output));
    PetscCall(OdSweepSetCheckpointPath(e->sweep, ckpt));
  }
  PetscCall(OdSweepSetLabel(e->sweep, "escape"));
  if (e->method == OD_ESCAPE_MC) PetscCall(OdSweepSetBatchFn(e->sweep, UnitsMC));
  /* progress in walker-steps: every walker counted with its full budget (escapes end early) */
  if (e->method == OD_ESCAPE_MC) PetscCall(OdSweepSetProgressUnits(e->sweep, "walker-steps", (double)e->walkers * e->max_budget));
  else PetscCall(OdSweepSetProgressUnits(e->sweep, "grid-point-steps", (double)e->exact_n * e->max_budget));
  PetscCall(OdSweepSetUp(e->sweep));
  PetscCall(OdSweepGetSlice(e->sweep, &e->first, &e->count, &e->K, &e->N));
  PetscCall(PetscCalloc1(e->count * e->reclen, &e->record));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEscapeGetPit(OdEscape e, PetscReal *W0, PetscReal *edge)
{
  PetscFunctionBegin;
  *W0 = e->W0;
  *edge = e->edge;
  PetscFunctionReturn(0);
}

/* ---------------- sweep units ---------------- */

static PetscInt HistBin(PetscInt step, PetscInt max_steps, PetscInt nbins)
{
  if (max_steps <= 1) return 0;
  PetscInt b = (PetscInt)(log10((double)step) / log10((double)max_steps) * nbins);
  return PetscMin(PetscMax(b, 0), nbins - 1);
}

/* The record of one chunk from its walkers' first-passage steps (in walker order). */
static void ChunkRecord(OdEscape e, PetscInt n, const PetscInt steps[], PetscReal rec[])
{
  PetscReal *counts = rec, *hist = rec + e->nbudgets, *sumlog = hist + e->hist_bins, *nesc = sumlog + 1, *work = nesc + 1;
  for (PetscInt i = 0; i < n; i++) {
    *work += steps[i] ? steps[i] : e->max_budget;
    if (!steps[i]) continue;
    for (PetscInt k = 0; k < e->nbudgets; k++) counts[k] += steps[i] <= e->budgets[k];
    hist[HistBin(steps[i], e->max_budget, e->hist_bins)] += 1;
    *sumlog += log10((double)steps[i]);
    *nesc += 1;
  }
}

/* A rank's Monte Carlo units of a round in one kernel call (OdSweepSetBatchFn): the lanes then
   drain once per round instead of once per chunk; each chunk's record is what it gets alone. */
static PetscErrorCode UnitsMC(void *ctx, PetscInt n, const PetscInt point[], const PetscInt chunk[], PetscReal *const rec[])
{
  OdEscape e = (OdEscape)ctx;
  const OdRng rng = OdRngCreate(e->seed, OD_STREAM_ESCAPE);
  const OdEscapeProblem pb = {e->landscape, 0, e->W0, e->edge, e->max_budget, (OdEscapePrecision)e->precision};
  OdEscapeWalkers *r;
  PetscInt *steps, total = 0;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n, &r));
  for (PetscInt u = 0; u < n; u++) {
    const PetscInt w0 = chunk[u] * e->chunk, w1 = PetscMin(e->walkers, w0 + e->chunk);
    r[u] = (OdEscapeWalkers){(uint32_t)point[u], e->T[point[u]], w0, w1, NULL};
    total += w1 - w0;
  }
  PetscCall(PetscMalloc1(total, &steps));
  for (PetscInt u = 0, at = 0; u < n; at += r[u].w_end - r[u].w_begin, u++) r[u].steps = steps + at;
  OdEscapeFirstPassageBatch(&pb, e->simd, &rng, n, r);
  for (PetscInt u = 0; u < n; u++) ChunkRecord(e, r[u].w_end - r[u].w_begin, r[u].steps, rec[u]);
  PetscCall(PetscFree(steps));
  PetscCall(PetscFree(r));
  PetscFunctionReturn(0);
}

static PetscErrorCode UnitMC(void *ctx, PetscInt point, PetscInt chunk, PetscReal rec[])
{
  PetscFunctionBegin;
  PetscCall(UnitsMC(ctx, 1, &point, &chunk, &rec));
  PetscFunctionReturn(0);
}

static PetscErrorCode UnitExact(void *ctx, PetscInt point, PetscInt chunk, PetscReal rec[])
{
  OdEscape e = (OdEscape)ctx;
  const OdEscapeProblem pb = {e->landscape, e->T[point], e->W0, e->edge, e->max_budget};
  PetscFunctionBegin;
  (void)chunk;
  PetscCall(OdEscapeExact(&pb, e->exact_Wmin, e->exact_n, e->nbudgets, e->budgets, rec));
  PetscFunctionReturn(0);
}

/* The steps are a deterministic map of W, so once W repeats a value it cycles and never
   reaches the edge (every state of the cycle was checked). Brent's cycle detection (compare
   with the state saved at the last power-of-two step) finds a cycle of length L within about
   2 (mu + L) steps; W_end then comes from the remaining (max_steps - k) mod L steps round the
   cycle. Same result as running all max_steps, without up to max_steps gradient evaluations
   per datapoint and T when GD settles into a minimum. */
PetscInt OdEscapeConsecutiveSteps(OdLandscape ls, PetscInt j, PetscReal T, PetscReal W_start, PetscReal edge, PetscInt max_steps, PetscReal *W_end)
{
  PetscReal W = W_start, saved = W_start;
  PetscInt mark = 0;
  for (PetscInt k = 1; k <= max_steps; k++) {
    W -= T * OdLandscapeGrad(ls, j, W);
    if (W > edge) {
      *W_end = W;
      return k;
    }
    if (W == saved) { /* cycle of length k - mark */
      for (PetscInt r = (max_steps - k) % (k - mark); r > 0; r--) W -= T * OdLandscapeGrad(ls, j, W);
      break;
    }
    if (k == 2 * mark || mark == 0) saved = W, mark = k;
  }
  *W_end = W;
  return -1;
}

/* ---------------- results (computed before writing) ---------------- */

/* Everything the file holds for this run's points, derived from the sweep records. */
typedef struct {
  PetscInt nT, nS, nb;
  PetscReal *T, *p, *lo, *hi, *hist, *meanlog, *work, *edges, *cW, *cp;
  int64_t *csteps, *cdata, *steps;
} EscapeResults;

static PetscErrorCode ResultsCreate(OdEscape e, EscapeResults *r)
{
  const PetscInt nT = e->count, nS = e->nbudgets, nb = e->hist_bins;
  PetscFunctionBegin;
  r->nT = nT, r->nS = nS, r->nb = nb;
  PetscCall(PetscMalloc5(nT * nS, &r->p, nT * nS, &r->lo, nT * nS, &r->hi, nT * nb, &r->hist, nT, &r->meanlog));
  PetscCall(PetscMalloc5(nb + 1, &r->edges, nT, &r->cW, nT * nS, &r->cp, nT, &r->T, nT, &r->work));
  PetscCall(PetscMalloc3(nT, &r->csteps, nT, &r->cdata, nS, &r->steps));
  PetscFunctionReturn(0);
}

static PetscErrorCode ResultsDestroy(EscapeResults *r)
{
  PetscFunctionBegin;
  PetscCall(PetscFree5(r->p, r->lo, r->hi, r->hist, r->meanlog));
  PetscCall(PetscFree5(r->edges, r->cW, r->cp, r->T, r->work));
  PetscCall(PetscFree3(r->csteps, r->cdata, r->steps));
  PetscFunctionReturn(0);
}

/* Escape probabilities (with Wilson intervals for Monte Carlo), histogram and work of point i. */
static void PointProbabilities(OdEscape e, PetscInt i, EscapeResults *r)
{
  const PetscInt nS = r->nS, nb = r->nb;
  const PetscReal *rec = e->record + i * e->reclen;
  for (PetscInt k = 0; k < nS; k++) {
    if (e->method == OD_ESCAPE_MC) {
      r->p[i * nS + k] = rec[k] / e->walkers;
      OdWilsonInterval(rec[k], (double)e->walkers, OD_Z95, &r->lo[i * nS + k], &r->hi[i * nS + k]);
    } else r->p[i * nS + k] = r->lo[i * nS + k] = r->hi[i * nS + k] = rec[k];
  }
  if (e->method != OD_ESCAPE_MC) return;
  for (PetscInt b = 0; b < nb; b++) r->hist[i * nb + b] = rec[nS + b];
  const PetscReal nesc = rec[nS + nb + 1];
  r->meanlog[i] = nesc > 0 ? rec[nS + nb] / nesc : NAN;
  r->work[i] = rec[nS + nb + 2];
}

/* Consecutive-steps model at point i: the datapoint that needs the fewest steps. */
static void PointConsecutive(OdEscape e, PetscInt i, EscapeResults *r)
{
  const PetscInt J = OdLandscapeGetNumData(e->landscape), nS = r->nS;
  r->csteps[i] = -1, r->cdata[i] = -1, r->cW[i] = NAN;
  for (PetscInt j = 0; j < J; j++) {
    PetscReal Wend;
    PetscInt k = OdEscapeConsecutiveSteps(e->landscape, j, r->T[i], e->W0, e->edge, OD_ESCAPE_CONSECUTIVE_MAX, &Wend);
    if (k > 0 && (r->csteps[i] < 0 || k < r->csteps[i])) r->csteps[i] = k, r->cdata[i] = j, r->cW[i] = Wend;
  }
  for (PetscInt k = 0; k < nS; k++) r->cp[i * nS + k] = r->csteps[i] > 0 ? OdRunProbability(r->csteps[i], e->budgets[k], 1.0 / J) : 0;
}

static PetscErrorCode ComputeResults(OdEscape e, EscapeResults *r)
{
  PetscFunctionBegin;
  PetscCall(ResultsCreate(e, r));
  for (PetscInt i = 0; i < r->nT; i++) {
    r->T[i] = e->T[e->first + i];
    PointProbabilities(e, i, r);
    PointConsecutive(e, i, r);
  }
  for (PetscInt b = 0; b <= r->nb; b++) r->edges[b] = pow((double)e->max_budget, (double)b / r->nb);
  for (PetscInt k = 0; k < r->nS; k++) r->steps[k] = e->budgets[k];
  PetscFunctionReturn(0);
}

/* ---------------- output: maps results to datasets ---------------- */

static PetscErrorCode WriteAttributes(OdEscape e)
{
  OdOutput out = e->output;
  char desc[4096];
  PetscFunctionBegin;
  PetscCall(OdLandscapeDescribe(e->landscape, desc, sizeof desc));
  PetscCall(OdOutputAttrString(out, "/escape", "landscape", OdLandscapeGetName(e->landscape)));
  PetscCall(OdOutputAttrString(out, "/escape", "landscape_formula", desc));
  PetscCall(OdOutputAttrString(out, "/escape", "method", method_names[e->method]));
  if (e->method == OD_ESCAPE_MC) PetscCall(OdOutputAttrString(out, "/escape", "precision", precision_names[e->precision]));
  PetscCall(OdOutputAttrString(out, "/", "simd_level", OdSimdLevelName(e->simd))); /* provenance (perf) */
  PetscCall(OdOutputAttrReal(out, "/escape", "W0", e->W0));
  PetscCall(OdOutputAttrReal(out, "/escape", "W_edge", e->edge));
  PetscCall(OdOutputAttrInt(out, "/escape", "walkers", e->method == OD_ESCAPE_MC ? e->walkers : 0));
  if (e->method == OD_ESCAPE_EXACT) {
    PetscCall(OdOutputAttrInt(out, "/escape", "exact_n", e->exact_n));
    PetscCall(OdOutputAttrReal(out, "/escape", "exact_Wmin", e->exact_Wmin));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteOutput(OdEscape e, const EscapeResults *r)
{
  const PetscInt nT = r->nT, nS = r->nS, nb = r->nb;
  OdOutput out = e->output;
  PetscFunctionBegin;
  PetscCall(OdOutputOpen(out, "escape", e->seed));
  PetscCall(OdOutputSetSweep(out, e->K, e->N, e->first, e->count, e->T_num));
  PetscCall(OdOutputCreateGroup(out, "/escape"));
  const hsize_t dT[1] = {(hsize_t)nT}, dS[1] = {(hsize_t)nS}, dTS[2] = {(hsize_t)nT, (hsize_t)nS}, dTB[2] = {(hsize_t)nT, (hsize_t)nb}, dE[1] = {(hsize_t)nb + 1};
  PetscCall(OdOutputWriteReal(out, "/escape/T", 1, dT, r->T, (OdDatasetInfo){"W^2/L", "learning rate (temperature) T of each sweep point", PETSC_TRUE, "T"}));
  PetscCall(OdOutputWriteInt64(out, "/escape/steps", 1, dS, r->steps, (OdDatasetInfo){"steps", "step budgets n", PETSC_FALSE, "steps"}));
  PetscCall(OdOutputWriteReal(out, "/escape/p_escape", 2, dTS, r->p, (OdDatasetInfo){"1", e->method == OD_ESCAPE_MC ? "fraction of walkers that escaped within n steps" : "exact escape probability within n steps (backward recursion)", PETSC_TRUE, "T,steps"}));
  PetscCall(OdOutputWriteReal(out, "/escape/ci_low", 2, dTS, r->lo, (OdDatasetInfo){"1", "lower end of the Wilson 95% interval of p_escape (= p_escape for -escape_method exact)", PETSC_TRUE, "T,steps"}));
  PetscCall(OdOutputWriteReal(out, "/escape/ci_high", 2, dTS, r->hi, (OdDatasetInfo){"1", "upper end of the Wilson 95% interval of p_escape (= p_escape for -escape_method exact)", PETSC_TRUE, "T,steps"}));
  if (e->method == OD_ESCAPE_MC) {
    PetscCall(OdOutputWriteReal(out, "/escape/hist_edges", 1, dE, r->edges, (OdDatasetInfo){"steps", "log-spaced bin edges of the first-passage histogram", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/escape/hist_counts", 2, dTB, r->hist, (OdDatasetInfo){"walkers", "walkers whose first-passage step falls in each bin (step s in bin floor(nbins log s / log n_max))", PETSC_TRUE, "T,"}));
    PetscCall(OdOutputWriteReal(out, "/escape/walker_steps", 1, dT, r->work, (OdDatasetInfo){"steps", "SGD steps simulated at each T (escaped walkers stop costing work)", PETSC_TRUE, "T"}));
    PetscCall(OdOutputWriteReal(out, "/escape/mean_log10_steps", 1, dT, r->meanlog, (OdDatasetInfo){"log10(steps)", "mean of log10(first-passage step) over walkers that escaped within the largest budget (NaN if none)", PETSC_TRUE, "T"}));
  }
  PetscCall(OdOutputWriteInt64(out, "/escape/consecutive_steps", 1, dT, r->csteps, (OdDatasetInfo){"steps", "consecutive steps on one datapoint that take W from W0 past the edge (fewest over datapoints; -1: none)", PETSC_TRUE, "T"}));
  PetscCall(OdOutputWriteInt64(out, "/escape/consecutive_datapoint", 1, dT, r->cdata, (OdDatasetInfo){"1", "the datapoint j of consecutive_steps", PETSC_TRUE, "T"}));
  PetscCall(OdOutputWriteReal(out, "/escape/consecutive_W", 1, dT, r->cW, (OdDatasetInfo){"W", "W reached by the consecutive steps", PETSC_TRUE, "T"}));
  PetscCall(OdOutputWriteReal(out, "/escape/consecutive_p", 2, dTS, r->cp, (OdDatasetInfo){"1", "probability of at least one run of consecutive_steps draws of that datapoint within n steps", PETSC_TRUE, "T,steps"}));
  PetscCall(WriteAttributes(e));
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEscapeRun(OdEscape e, PetscBool *interrupted)
{
  PetscFunctionBegin;
  const double t0 = MPI_Wtime();
  PetscCall(OdSweepRun(e->sweep, e->method == OD_ESCAPE_MC ? UnitMC : UnitExact, e, e->record, interrupted));
  e->run_seconds = MPI_Wtime() - t0;
  if (*interrupted) PetscFunctionReturn(0);
  {
    EscapeResults r;
    PetscCall(ComputeResults(e, &r));
    PetscCall(WriteOutput(e, &r));
    PetscCall(ResultsDestroy(&r));
  }
  PetscCall(OdSweepRemoveCheckpoint(e->sweep));
  e->done = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode OdEscapeView(OdEscape e, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "optdyn escape: landscape %s, W0 = %.6f, edge = %.6f, method %s", OdLandscapeGetName(e->landscape), (double)e->W0, (double)e->edge, method_names[e->method]));
  if (e->method == OD_ESCAPE_MC) PetscCall(PetscViewerASCIIPrintf(viewer, ", %" PetscInt_FMT " walkers", e->walkers));
  PetscCall(PetscViewerASCIIPrintf(viewer, "\n%10s", "T"));
  for (PetscInt k = 0; k < e->nbudgets; k++) {
    char head[32];
    snprintf(head, sizeof head, "P(n=%" PetscInt_FMT ")", e->budgets[k]);
    PetscCall(PetscViewerASCIIPrintf(viewer, "  %-14s", head));
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
  if (!e->done) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < e->count; i++) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "%10.5f", (double)e->T[e->first + i]));
    for (PetscInt k = 0; k < e->nbudgets; k++) {
      const PetscReal v = e->record[i * e->reclen + k];
      PetscCall(PetscViewerASCIIPrintf(viewer, "  %-14.4f", (double)(e->method == OD_ESCAPE_MC ? v / e->walkers : v)));
    }
    PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "wrote %s (sweep %.3f s)\n", OdOutputGetPath(e->output), e->run_seconds));
  PetscFunctionReturn(0);
}
