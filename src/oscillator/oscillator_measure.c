/* Measured contraction rates of the oscillator (docs/oscillator.md "Measuring"): the plain
   reference, one cell at a time, and the same measurement on 2/4/8 cells at once (osc_lanes.h),
   chosen by instruction-set level (include/optdyn/simd.h). Both use the project's own log
   (osc_log.h) and IEEE sqrt, so every level gives the reference's bits. */
#include <math.h>
#include <string.h>
#include "osc_lanes_impl.h"

typedef double vd1 __attribute__((vector_size(8)));
typedef int64_t vi1 __attribute__((vector_size(8)));
typedef uint64_t vu1 __attribute__((vector_size(8)));
#define OSC_VD vd1
#define OSC_VI vi1
#define OSC_VU vu1
#define OSC_LT(a, c) ((a) < (c))
#define OSC_GT(a, c) ((a) > (c))
#define OSC_EQ(a, c) ((a) == (c))
#include "osc_log.h"

PetscReal OdOscLog(PetscReal x)
{
  const vd1 v = {x};
  return OscLogV(v)[0];
}

static PetscReal PhaseDistance(const OdOscProblem *pb, const OdOscState *s)
{
  PetscReal d2 = 0;
  for (PetscInt i = 0; i < pb->dim; i++) {
    const PetscReal e = s->x[i] - pb->xmin[i], ep = s->xprev[i] - pb->xmin[i];
    d2 += e * e + ep * ep;
  }
  return sqrt(d2);
}

#define OD_OSC_RESCALE_EXP 400

static PetscBool Homogeneous(const OdOscProblem *pb, OdOscOptimizer type) { return pb->linear && (type == OD_OSC_GD || type == OD_OSC_MOMENTUM || type == OD_OSC_NESTEROV); }

/* Linear homogeneous runs: bring D back into [2^-400, 2^400] by an exact power of two. */
static void Rescale(const OdOscProblem *pb, OdOscState *s, PetscReal *D, PetscInt *scale_exp)
{
  if (*D >= 0x1p-400 && *D <= 0x1p400) return;
  const int e = *D < 1 ? OD_OSC_RESCALE_EXP : -OD_OSC_RESCALE_EXP; /* the minimum is at 0 */
  const PetscReal f = *D < 1 ? 0x1p400 : 0x1p-400;
  for (PetscInt i = 0; i < pb->dim; i++) s->x[i] *= f, s->xprev[i] *= f;
  *scale_exp -= e;
  *D = PhaseDistance(pb, s);
}

/* Sign changes of the displacement along each eigenvector at step k of the window. */
static void RecordFlips(const OdOscProblem *pb, const OdOscState *s, PetscInt k, PetscInt wbegin, PetscReal prevp[], PetscBool prevvalid[], OdOscRaw *r)
{
  const PetscInt n = pb->dim;
  PetscReal enorm = 0;
  for (PetscInt i = 0; i < n; i++) enorm += PetscSqr(s->x[i] - pb->xmin[i]);
  enorm = sqrt(enorm);
  for (PetscInt d = 0; d < n; d++) {
    PetscReal p = 0;
    for (PetscInt i = 0; i < n; i++) p += pb->evec[i * n + d] * (s->x[i] - pb->xmin[i]);
    const PetscBool valid = PetscAbsReal(p) > 1e-9 * enorm;
    if (valid && prevvalid[d] && k > wbegin) {
      r->pairs[d]++;
      if ((p > 0) != (prevp[d] > 0)) r->flips[d]++;
    }
    prevp[d] = p, prevvalid[d] = valid;
    r->proj[d] = p;
  }
}

/* log D at step k: the window's ends and the block sums over its first and last quarter (the
   oscillating part of an under-damped log D averages out over many periods). */
static PetscBool NeedLog(PetscInt k, PetscInt wbegin, PetscInt end)
{
  const PetscInt q = (end - wbegin) / 4;
  return k == wbegin || k == end || (q > 0 && ((k >= wbegin && k < wbegin + q) || k > end - q));
}

static void RecordLog(PetscInt k, PetscInt wbegin, PetscInt end, PetscReal logD, OdOscRaw *r)
{
  const PetscInt q = (end - wbegin) / 4;
  if (k == wbegin) r->lb = logD;
  if (q > 0 && k >= wbegin && k < wbegin + q) r->block[0] += logD, r->block[1] += k;
  if (q > 0 && k > end - q) r->block[2] += logD, r->block[3] += k;
  if (k == end) r->le = logD;
}

/* One run. wbegin < 0: find where it ends (r->end). Otherwise run to r->end and measure the
   window [wbegin, r->end]. */
static void MeasurePass(const OdOscProblem *pb, const OdOscHyper *hp, const PetscReal x0[], PetscInt max_steps, PetscReal tol, PetscInt wbegin, OdOscRaw *r)
{
  const PetscBool homogeneous = Homogeneous(pb, hp->type);
  const PetscInt stop = wbegin < 0 ? max_steps : r->end;
  OdOscState s;
  PetscInt scale_exp = 0, k;
  PetscReal prevp[OD_OSC_MAXDIM] = {0};
  PetscBool prevvalid[OD_OSC_MAXDIM] = {PETSC_FALSE, PETSC_FALSE};
  OdOscStateInit(&s, pb->dim, x0);
  const PetscReal D0 = PhaseDistance(pb, &s);
  r->zero = PETSC_FALSE;
  if (wbegin == 0) r->lb = OdOscLog(D0);
  for (k = 1; k <= stop; k++) {
    OdOscStep(pb, hp, &s);
    PetscReal D = PhaseDistance(pb, &s);
    if (!isnormal(D) && D != 0) {
      k--; /* the last finite state ends the run */
      break;
    }
    if (D == 0) {
      r->zero = PETSC_TRUE;
      break;
    }
    if (homogeneous) Rescale(pb, &s, &D, &scale_exp);
    if (wbegin >= 0) {
      if (NeedLog(k, wbegin, r->end)) RecordLog(k, wbegin, r->end, OdOscLog(D) + scale_exp * M_LN2, r);
      if (k >= wbegin) RecordFlips(pb, &s, k, wbegin, prevp, prevvalid, r);
    }
    if (!homogeneous && wbegin < 0 && (D < tol * D0 || D > 1e100 * D0)) break;
  }
  if (wbegin < 0) r->end = PetscMin(k, max_steps);
}

/* The plain reference: both passes of one cell. */
static void MeasureRaw(const OdOscProblem *pb, const OdOscHyper *hp, const PetscReal x0[], PetscInt max_steps, PetscReal tol, OdOscRaw *r)
{
  memset(r, 0, sizeof *r);
  r->lb = r->le = NAN;
  MeasurePass(pb, hp, x0, max_steps, tol, -1, r);
  if (r->end >= 1) MeasurePass(pb, hp, x0, max_steps, tol, r->end / 2, r);
}

/* The measurement from a cell's accumulators (shared by the reference and the lanes). */
static void Finalize(const OdOscProblem *pb, const OdOscRaw *r, OdOscMeasurement *ms)
{
  memset(ms, 0, sizeof *ms);
  ms->steps = r->end;
  ms->window_begin = r->end / 2;
  if (r->end < 1) {
    ms->rate = NAN;
    ms->regime = OD_OSC_UNSTABLE;
    for (PetscInt d = 0; d < pb->dim; d++) ms->regime_dir[d] = OD_OSC_UNDETERMINED, ms->flip_fraction[d] = NAN;
    return;
  }
  const PetscInt q = (r->end - ms->window_begin) / 4;
  if (r->zero) ms->rate = 0;
  else if (q > 0) ms->rate = exp((r->block[2] - r->block[0]) / (r->block[3] - r->block[1])); /* equal block sizes: mean log D difference / center distance */
  else ms->rate = exp((r->le - r->lb) / (r->end - ms->window_begin));
  ms->dominant = 0;
  for (PetscInt d = 0; d < pb->dim; d++) {
    ms->flip_fraction[d] = r->pairs[d] ? (PetscReal)r->flips[d] / r->pairs[d] : NAN;
    if (!r->pairs[d]) ms->regime_dir[d] = OD_OSC_UNDETERMINED;
    else if (!r->flips[d]) ms->regime_dir[d] = OD_OSC_OVERDAMPED;
    else if (r->flips[d] == r->pairs[d]) ms->regime_dir[d] = OD_OSC_ALTERNATING;
    else ms->regime_dir[d] = OD_OSC_UNDERDAMPED;
    if (PetscAbsReal(r->proj[d]) > PetscAbsReal(r->proj[ms->dominant])) ms->dominant = d;
  }
  ms->regime = ms->rate >= 1 ? OD_OSC_UNSTABLE : ms->regime_dir[ms->dominant];
}

PetscErrorCode OdOscMeasure(const OdOscProblem *pb, const OdOscHyper *hp, const PetscReal x0[], PetscInt max_steps, PetscReal tol, OdOscMeasurement *ms)
{
  OdOscRaw r;
  PetscFunctionBegin;
  PetscCheck(max_steps >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "need at least 2 steps");
  MeasureRaw(pb, hp, x0, max_steps, tol, &r);
  Finalize(pb, &r, ms);
  PetscFunctionReturn(0);
}

/* ---------------- lanes (perf) ---------------- */

/* the level's kernel and its number of lanes (the native vector width) */
static OdOscLanesFn LanesFor(OdSimdLevel level, PetscInt *width)
{
  switch (level) {
#if defined(OPTDYN_SIMD_X86)
  case OD_SIMD_AVX512:
    *width = 8;
    return OdOscLanes_avx512;
  case OD_SIMD_AVX2:
    *width = 4;
    return OdOscLanes_avx2;
#endif
  default:
    *width = 2;
    return OdOscLanes_sse2;
  }
}

static void LanesSpec(const OdOscProblem *pb, const OdOscHyper *hp, const PetscReal x0[], PetscInt max_steps, PetscReal tol, OdOscLanesSpec *sp)
{
  OdOscState s;
  memset(sp, 0, sizeof *sp);
  sp->kind = pb->kind, sp->type = hp->type, sp->dim = (int)pb->dim;
  sp->homogeneous = Homogeneous(pb, hp->type);
  for (int i = 0; i < 4; i++) sp->K[i] = pb->K[i], sp->evec[i] = pb->evec[i];
  for (PetscInt i = 0; i < pb->dim; i++) sp->xmin[i] = pb->xmin[i], sp->x0[i] = x0[i];
  sp->beta2 = hp->beta2, sp->epsilon = hp->epsilon, sp->tol = tol, sp->max_steps = max_steps;
  OdOscStateInit(&s, pb->dim, x0);
  sp->D0 = PhaseDistance(pb, &s);
  sp->logD0 = OdOscLog(sp->D0);
}

static void LaneRaw(const OdOscLanesOut *out, int l, PetscInt dim, OdOscRaw *r)
{
  memset(r, 0, sizeof *r);
  r->end = (PetscInt)out->end[l], r->zero = out->zero[l] != 0;
  r->lb = out->lb[l], r->le = out->le[l];
  for (int j = 0; j < 4; j++) r->block[j] = out->block[j][l];
  for (PetscInt d = 0; d < dim; d++) r->proj[d] = out->proj[d][l], r->flips[d] = (PetscInt)out->flips[d][l], r->pairs[d] = (PetscInt)out->pairs[d][l];
}

PetscErrorCode OdOscMeasureCells(const OdOscProblem *pb, PetscInt n, const OdOscHyper hp[], const PetscReal x0[], PetscInt max_steps, PetscReal tol, OdSimdLevel level, OdOscMeasurement ms[])
{
  OdOscLanesSpec sp;
  OdOscLanesOut out;
  PetscFunctionBegin;
  level = OdSimdResolve(level);
  if (level == OD_SIMD_SCALAR || pb->kind == OD_OSC_LANDSCAPE || n < 1) {
    for (PetscInt c = 0; c < n; c++) PetscCall(OdOscMeasure(pb, &hp[c], x0, max_steps, tol, &ms[c]));
    PetscFunctionReturn(0);
  }
  PetscCheck(max_steps >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "need at least 2 steps");
  for (PetscInt c = 1; c < n; c++)
    PetscCheck(hp[c].type == hp[0].type && hp[c].beta2 == hp[0].beta2 && hp[c].epsilon == hp[0].epsilon, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "cells measured together must share the optimizer, beta2 and epsilon");
  LanesSpec(pb, &hp[0], x0, max_steps, tol, &sp);
  PetscInt width;
  const OdOscLanesFn lanes = LanesFor(level, &width);
  for (PetscInt c0 = 0; c0 < n; c0 += width) {
    const PetscInt nl = PetscMin(width, n - c0);
    for (int l = 0; l < width; l++) { /* idle lanes repeat the batch's first cell */
      sp.eta[l] = hp[c0 + (l < nl ? l : 0)].eta;
      sp.beta[l] = hp[c0 + (l < nl ? l : 0)].beta;
    }
    lanes(&sp, &out);
    for (PetscInt l = 0; l < nl; l++) {
      OdOscRaw r;
      LaneRaw(&out, (int)l, pb->dim, &r);
      Finalize(pb, &r, &ms[c0 + l]);
    }
  }
  PetscFunctionReturn(0);
}
