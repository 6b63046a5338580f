/* The linear thermostat of docs/models.md §5 (source "Defining Optimization" part 3):
     T_{k+1} = R_k − d
     R_{k+1} = R_k − dt k T_k + dt F sin(2π k dt / P)
   (the source's first equation, w^T_t = w^T_{t−1} − d, is a typo; dt = 1 is the source's
   model, F = 0 its default; F ≠ 0 is its "sinusoidal temperature variation"). */
#include <math.h>
#include "optdyn/op_system.h"

enum { K, D, F_AMP, F_PERIOD };

static void Step(const struct _n_OdOpSystem *s, PetscInt k, const PetscReal in[], PetscReal out[])
{
  const PetscReal T = in[0], R = in[1], dt = s->dt;
  out[0] = R - s->par[D];
  out[1] = R - dt * s->par[K] * T;
  if (s->par[F_AMP] != 0) out[1] += dt * s->par[F_AMP] * sin(2 * PETSC_PI * (PetscReal)k * dt / s->par[F_PERIOD]);
}

static void DStep(const struct _n_OdOpSystem *s, PetscInt k, const PetscReal w[], PetscInt ne, const PetscReal e[], PetscInt clamp_from, const PetscBool inA[], PetscReal wout[], PetscReal eout[])
{
  Step(s, k, w, wout);
  for (PetscInt j = 0; j < ne; j++) {
    eout[2 * j] = e[2 * j + 1];
    eout[2 * j + 1] = e[2 * j + 1] - s->dt * s->par[K] * e[2 * j];
    if (j >= clamp_from) {
      if (inA[0]) eout[2 * j] = 0;
      if (inA[1]) eout[2 * j + 1] = 0;
    }
  }
}

static void Describe(const struct _n_OdOpSystem *s, char *buf, size_t len)
{
  snprintf(buf, len, "linear thermostat: T <- R - d, R <- R - dt*k*T + dt*F*sin(2 pi t/P); k = %g, d = %g, F = %g, P = %g, dt = %g", (double)s->par[K], (double)s->par[D], (double)s->par[F_AMP], (double)s->par[F_PERIOD], (double)s->dt);
}

PetscErrorCode OdOpSystemCreate_Thermostat(OdOpSystem s)
{
  PetscFunctionBegin;
  s->title = "linear thermostat (room R, thermostat T)";
  s->nvars = 2;
  s->var[0] = "T", s->var[1] = "R";
  s->step = Step;
  s->dstep = DStep;
  s->describe = Describe;
  s->nparams = 4;
  s->pspec[K] = (OdOpParamSpec){"k", "Thermostat strength k (linear thermostat)", OD_RANGE_POSITIVE};
  s->pspec[D] = (OdOpParamSpec){"d", "Set point d", OD_RANGE_ANY};
  s->pspec[F_AMP] = (OdOpParamSpec){"thermostat_forcing_amp", "Amplitude F of a sinusoidal forcing of R (0: none)", OD_RANGE_ANY};
  s->pspec[F_PERIOD] = (OdOpParamSpec){"thermostat_forcing_period", "Period P of the forcing (time units)", OD_RANGE_POSITIVE};
  s->par[K] = 0.01, s->par[D] = 25, s->par[F_AMP] = 0, s->par[F_PERIOD] = 100;
  s->def = (OdOpDefaults){.dt = 1, .t = 1000, .x0 = {10, 35}, .n = "R", .m = "R", .A = "T", .delta = 1e-3, .s0_min = 5, .s0_max = 45, .s0_num = 41, .s1 = ""};
  PetscFunctionReturn(0);
}
