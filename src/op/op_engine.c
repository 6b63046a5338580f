/* The causal engine of `optdyn op`: worlds W, X, Y and the Comp/Op measure (docs/models.md §5).
   Systems with a difference-form step (OdOpDiffStepFn) carry X and Y as differences from W,
   e = x − w, so that Comp stays accurate for perturbations far below w's rounding error,
   and clamp A inside each step (at every Runge-Kutta stage). Without one, states are
   stepped and differenced and A is clamped after each step. */
#include <math.h>
#include <string.h>
#include "optdyn/op.h"
#include "op_lanes_impl.h"

#define MAXE 8 /* 2 * up to 4 deltas */

static inline PetscBool Clamped(const OdOpCausal *c, PetscInt k)
{
  return (PetscBool)(k <= c->clamp_steps);
}

void OdOpTrajectories(OdOpSystem sys, const OdOpCausal *c, const PetscReal s0[], PetscReal delta, PetscInt nsteps, PetscReal w[], PetscReal dx[], PetscReal dy[])
{
  const PetscInt nv = sys->nvars;
  for (PetscInt i = 0; i < nv; i++) w[i] = s0[i], dx[i] = dy[i] = 0;
  dx[c->n] = dy[c->n] = delta;
  if (sys->dstep) {
    PetscReal e[2 * OD_OP_MAX_VARS], en[2 * OD_OP_MAX_VARS];
    for (PetscInt i = 0; i < nv; i++) e[i] = dx[i], e[nv + i] = dy[i];
    for (PetscInt k = 0; k < nsteps; k++) {
      sys->dstep(sys, k, w + k * nv, 2, e, Clamped(c, k + 1) ? 1 : 2, c->inA, w + (k + 1) * nv, en);
      for (PetscInt i = 0; i < 2 * nv; i++) e[i] = en[i];
      for (PetscInt i = 0; i < nv; i++) dx[(k + 1) * nv + i] = e[i], dy[(k + 1) * nv + i] = e[nv + i];
    }
    return;
  }
  {
    PetscReal x[2][OD_OP_MAX_VARS], y[2][OD_OP_MAX_VARS];
    int cur = 0;
    for (PetscInt i = 0; i < nv; i++) x[0][i] = s0[i] + dx[i], y[0][i] = s0[i] + dy[i];
    for (PetscInt k = 0; k < nsteps; k++) {
      const int nxt = 1 - cur;
      PetscReal *wn = w + (k + 1) * nv;
      sys->step(sys, k, w + k * nv, wn);
      sys->step(sys, k, x[cur], x[nxt]);
      sys->step(sys, k, y[cur], y[nxt]);
      if (Clamped(c, k + 1))
        for (PetscInt i = 0; i < nv; i++)
          if (c->inA[i]) y[nxt][i] = wn[i];
      for (PetscInt i = 0; i < nv; i++) dx[(k + 1) * nv + i] = x[nxt][i] - wn[i], dy[(k + 1) * nv + i] = y[nxt][i] - wn[i];
      cur = nxt;
    }
  }
}

void OdOpFinal(OdOpSystem sys, const OdOpCausal *c, const PetscReal s0[], PetscInt nsteps, PetscInt ndelta, const PetscReal delta[], PetscReal wend[], PetscReal dx[], PetscReal dy[])
{
  const PetscInt nv = sys->nvars, ne = 2 * ndelta;
  PetscReal w[2][OD_OP_MAX_VARS], e[2][MAXE * OD_OP_MAX_VARS];
  int cur = 0;
  /* e rows: X for delta[0..nd-1], then Y for delta[0..nd-1] */
  for (PetscInt i = 0; i < nv; i++) w[0][i] = s0[i];
  for (PetscInt j = 0; j < ne * nv; j++) e[0][j] = 0;
  for (PetscInt j = 0; j < ndelta; j++) e[0][j * nv + c->n] = e[0][(ndelta + j) * nv + c->n] = delta[j];
  if (sys->dstep) {
    for (PetscInt k = 0; k < nsteps; k++) {
      const int nxt = 1 - cur;
      sys->dstep(sys, k, w[cur], ne, e[cur], Clamped(c, k + 1) ? ndelta : ne, c->inA, w[nxt], e[nxt]);
      cur = nxt;
    }
  } else {
    /* plain form: states x = w + e are stepped and differenced */
    PetscReal s[2][MAXE * OD_OP_MAX_VARS];
    for (PetscInt j = 0; j < ne; j++)
      for (PetscInt i = 0; i < nv; i++) s[0][j * nv + i] = w[0][i] + e[0][j * nv + i];
    for (PetscInt k = 0; k < nsteps; k++) {
      const int nxt = 1 - cur;
      sys->step(sys, k, w[cur], w[nxt]);
      for (PetscInt j = 0; j < ne; j++) {
        sys->step(sys, k, s[cur] + j * nv, s[nxt] + j * nv);
        if (j >= ndelta && Clamped(c, k + 1))
          for (PetscInt i = 0; i < nv; i++)
            if (c->inA[i]) s[nxt][j * nv + i] = w[nxt][i];
      }
      cur = nxt;
    }
    for (PetscInt j = 0; j < ne; j++)
      for (PetscInt i = 0; i < nv; i++) e[cur][j * nv + i] = s[cur][j * nv + i] - w[cur][i];
  }
  for (PetscInt i = 0; i < nv; i++) wend[i] = w[cur][i];
  for (PetscInt j = 0; j < ndelta; j++)
    for (PetscInt i = 0; i < nv; i++) {
      dx[j * nv + i] = e[cur][j * nv + i];
      dy[j * nv + i] = e[cur][(ndelta + j) * nv + i];
    }
}

PetscReal OdOpComp(PetscReal dx, PetscReal dy)
{
  return dy == 0 ? (PetscReal)NAN : dx / dy;
}

PetscReal OdOpOp(PetscReal comp)
{
  if (isnan(comp)) return NAN;
  return -log(fabs(comp)) + 0.0; /* + 0.0: no -0 */
}

PetscReal OdOpSign(PetscReal comp)
{
  if (isnan(comp) || comp == 0) return 0;
  return comp > 0 ? 1 : -1;
}

PetscReal OdOpIntegralOneMinusComp(PetscInt n, const PetscReal s[], const PetscReal comp[])
{
  PetscReal sum = 0;
  for (PetscInt i = 0; i + 1 < n; i++) sum += 0.5 * (s[i + 1] - s[i]) * ((1 - comp[i]) + (1 - comp[i + 1]));
  return sum;
}

/* ---------------------------------------------------------------- lanes (perf) */

static OdOpLorenzLanesFn LorenzLanesFor(OdSimdLevel level)
{
  switch (level) {
#if defined(OPTDYN_SIMD_X86)
  case OD_SIMD_AVX512:
    return OdOpLorenzLanes_avx512;
  case OD_SIMD_AVX2:
    return OdOpLorenzLanes_avx2;
#endif
  default:
    return OdOpLorenzLanes_sse2;
  }
}

/* The lane kernel's spec for this system, or PETSC_FALSE if it does not apply. */
static PetscBool LorenzLanesSpec(OdOpSystem sys, const OdOpCausal *c, PetscInt nsteps, PetscInt ndelta, const PetscReal delta[], OdOpLorenzLanesSpec *sp)
{
  PetscInt integrator;
  if (strcmp(sys->name, "lorenz") || !sys->dstep || ndelta > OD_OP_LANE_MAXE / 2 || sys->nchoices < 1) return PETSC_FALSE;
  integrator = sys->choice[0];
  if (integrator != 0 || OdOpSystemGetParam(sys, "lorenz_sigma", &sp->sg) || OdOpSystemGetParam(sys, "lorenz_beta", &sp->be) || OdOpSystemGetParam(sys, "lorenz_rho", &sp->rho)) return PETSC_FALSE;
  sp->h = sys->dt;
  sp->n = c->n;
  for (int i = 0; i < 3; i++) sp->inA[i] = c->inA[i];
  sp->clamp_steps = c->clamp_steps;
  sp->nsteps = nsteps;
  sp->ndelta = ndelta;
  for (PetscInt j = 0; j < ndelta; j++) sp->delta[j] = delta[j];
  return PETSC_TRUE;
}

void OdOpFinalLanes(OdOpSystem sys, const OdOpCausal *c, OdSimdLevel level, PetscInt nlanes, const PetscReal s0[], PetscInt nsteps, PetscInt ndelta, const PetscReal delta[], PetscReal wend[], PetscReal dx[], PetscReal dy[])
{
  const PetscInt nv = sys->nvars;
  OdOpLorenzLanesSpec sp;
  level = OdSimdResolve(level);
  if (level == OD_SIMD_SCALAR || !LorenzLanesSpec(sys, c, nsteps, ndelta, delta, &sp)) {
    for (PetscInt l = 0; l < nlanes; l++) OdOpFinal(sys, c, s0 + l * nv, nsteps, ndelta, delta, wend + l * nv, dx + l * ndelta * nv, dy + l * ndelta * nv);
    return;
  }
  double in[3][OD_OP_LANES], we[3][OD_OP_LANES], ex[OD_OP_LANE_MAXE / 2][3][OD_OP_LANES], ey[OD_OP_LANE_MAXE / 2][3][OD_OP_LANES];
  for (int l = 0; l < OD_OP_LANES; l++) /* idle lanes repeat the first point */
    for (int i = 0; i < 3; i++) in[i][l] = s0[(l < nlanes ? l : 0) * nv + i];
  LorenzLanesFor(level)(&sp, in, we, ex, ey);
  for (PetscInt l = 0; l < nlanes; l++)
    for (int i = 0; i < 3; i++) {
      wend[l * nv + i] = we[i][l];
      for (PetscInt j = 0; j < ndelta; j++) dx[(l * ndelta + j) * nv + i] = ex[j][i][l], dy[(l * ndelta + j) * nv + i] = ey[j][i][l];
    }
}
