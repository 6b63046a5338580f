/* The saturating thermostat Therm(θ, p) of docs/models.md §5 (source "Defining Optimization" part 4):
     T_{k+1} = R_k − d
     R_{k+1} = R_k − dt Therm(θ, p; T_k),
   Therm = +p for T ≥ θ, −p for T ≤ −θ, and inside the basin |T| < θ either 0 (dead band,
   the source's formula) or p T / θ (linear, "behaves like before" in the source's text). */
#include <math.h>
#include "optdyn/op_system.h"

enum { THETA, P, D };
enum { INTERIOR };
enum { DEADBAND = 0, LINEAR = 1 };
static const char *const interior_words[] = {"deadband", "linear"};

static inline PetscReal Therm(const struct _n_OdOpSystem *s, PetscReal T)
{
  const PetscReal th = s->par[THETA], p = s->par[P];
  if (T >= th) return p;
  if (T <= -th) return -p;
  return s->choice[INTERIOR] == LINEAR ? p * T / th : 0;
}

static void Step(const struct _n_OdOpSystem *s, PetscInt k, const PetscReal in[], PetscReal out[])
{
  (void)k;
  out[0] = in[1] - s->par[D];
  out[1] = in[1] - s->dt * Therm(s, in[0]);
}

static void DStep(const struct _n_OdOpSystem *s, PetscInt k, const PetscReal w[], PetscInt ne, const PetscReal e[], PetscInt clamp_from, const PetscBool inA[], PetscReal wout[], PetscReal eout[])
{
  const PetscReal th = Therm(s, w[0]);
  Step(s, k, w, wout);
  for (PetscInt j = 0; j < ne; j++) {
    const PetscReal eT = e[2 * j], eR = e[2 * j + 1];
    PetscReal dth;
    /* inside the linear interior on both sides the difference is p eT / theta exactly */
    if (s->choice[INTERIOR] == LINEAR && fabs(w[0]) < s->par[THETA] && fabs(w[0] + eT) < s->par[THETA]) dth = s->par[P] * eT / s->par[THETA];
    else dth = Therm(s, w[0] + eT) - th;
    eout[2 * j] = eR;
    eout[2 * j + 1] = eR - s->dt * dth;
    if (j >= clamp_from) {
      if (inA[0]) eout[2 * j] = 0;
      if (inA[1]) eout[2 * j + 1] = 0;
    }
  }
}

static void Describe(const struct _n_OdOpSystem *s, char *buf, size_t len)
{
  snprintf(buf, len, "saturating thermostat: T <- R - d, R <- R - dt*Therm(theta, p; T), Therm = p (T >= theta), -p (T <= -theta), %s inside; theta = %g, p = %g, d = %g, dt = %g", s->choice[INTERIOR] == LINEAR ? "p*T/theta" : "0", (double)s->par[THETA], (double)s->par[P], (double)s->par[D], (double)s->dt);
}

PetscErrorCode OdOpSystemCreate_Therm(OdOpSystem s)
{
  PetscFunctionBegin;
  s->title = "saturating thermostat Therm(theta, p) (room R, thermostat T)";
  s->nvars = 2;
  s->var[0] = "T", s->var[1] = "R";
  s->step = Step;
  s->dstep = DStep;
  s->describe = Describe;
  s->nparams = 3;
  s->pspec[THETA] = (OdOpParamSpec){"therm_theta", "Half-width theta of the thermostat's basin", OD_RANGE_POSITIVE};
  s->pspec[P] = (OdOpParamSpec){"therm_p", "Saturated heating/cooling power p", OD_RANGE_POSITIVE};
  s->pspec[D] = (OdOpParamSpec){"d", "Set point d", OD_RANGE_ANY};
  s->par[THETA] = 1, s->par[P] = 1, s->par[D] = 25;
  s->nchoices = 1;
  s->cspec[INTERIOR] = (OdOpChoiceSpec){"therm_interior", "Inside the basin: deadband (0) or linear (p T/theta)", interior_words, 2};
  s->choice[INTERIOR] = LINEAR;
  s->def = (OdOpDefaults){.dt = 0.01, .t = 10, .x0 = {0, 35}, .n = "R", .m = "R", .A = "T", .delta = 1e-6, .s0_min = 5, .s0_max = 45, .s0_num = 2001, .s1 = ""};
  PetscFunctionReturn(0);
}
