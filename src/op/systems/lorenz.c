/* The Lorenz system of docs/models.md §5 (source "Defining Optimization" part 4):
     a' = σ (b − a),  b' = a (ρ − c) − b,  c' = a b − β c
   integrated with a fixed step dt by classical RK4 or forward Euler. */
#include "optdyn/op_system.h"

enum { SIGMA, BETA, RHO };
enum { INTEGRATOR };
enum { RK4 = 0, EULER = 1 };
static const char *const integrator_words[] = {"rk4", "euler"};

static inline void F(PetscReal sg, PetscReal be, PetscReal rho, const PetscReal s[3], PetscReal f[3])
{
  f[0] = sg * (s[1] - s[0]);
  f[1] = s[0] * (rho - s[2]) - s[1];
  f[2] = s[0] * s[1] - be * s[2];
}

static void Step(const struct _n_OdOpSystem *s, PetscInt k, const PetscReal in[], PetscReal out[])
{
  const PetscReal sg = s->par[SIGMA], be = s->par[BETA], rho = s->par[RHO], h = s->dt;
  PetscReal k1[3], k2[3], k3[3], k4[3], t[3];
  (void)k;
  F(sg, be, rho, in, k1);
  if (s->choice[INTEGRATOR] == EULER) {
    for (int i = 0; i < 3; i++) out[i] = in[i] + h * k1[i];
    return;
  }
  for (int i = 0; i < 3; i++) t[i] = in[i] + 0.5 * h * k1[i];
  F(sg, be, rho, t, k2);
  for (int i = 0; i < 3; i++) t[i] = in[i] + 0.5 * h * k2[i];
  F(sg, be, rho, t, k3);
  for (int i = 0; i < 3; i++) t[i] = in[i] + h * k3[i];
  F(sg, be, rho, t, k4);
  for (int i = 0; i < 3; i++) out[i] = in[i] + h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
}

/* f(w + e) − f(w), expanded so that nothing cancels */
static inline void DF(PetscReal sg, PetscReal be, PetscReal rho, const PetscReal w[3], const PetscReal e[3], PetscReal d[3])
{
  d[0] = sg * (e[1] - e[0]);
  d[1] = e[0] * (rho - w[2]) - w[0] * e[2] - e[0] * e[2] - e[1];
  d[2] = e[0] * w[1] + w[0] * e[1] + e[0] * e[1] - be * e[2];
}

/* zero the clamped components of a stage difference */
static inline void Mask(PetscBool on, const PetscBool inA[], PetscReal u[3])
{
  if (!on) return;
  for (int i = 0; i < 3; i++)
    if (inA[i]) u[i] = 0;
}

/* W advanced exactly as Step() does; the differences follow the same stages, with the
   clamped variables of Y held at W's stage values (difference 0). */
static void DStep(const struct _n_OdOpSystem *s, PetscInt k, const PetscReal w[], PetscInt ne, const PetscReal e[], PetscInt clamp_from, const PetscBool inA[], PetscReal wout[], PetscReal eout[])
{
  const PetscReal sg = s->par[SIGMA], be = s->par[BETA], rho = s->par[RHO], h = s->dt;
  PetscReal k1[3], k2[3], k3[3], k4[3], t2[3], t3[3], t4[3];
  (void)k;
  F(sg, be, rho, w, k1);
  if (s->choice[INTEGRATOR] == EULER) {
    for (int i = 0; i < 3; i++) wout[i] = w[i] + h * k1[i];
    for (PetscInt j = 0; j < ne; j++) {
      PetscReal d1[3];
      DF(sg, be, rho, w, e + 3 * j, d1);
      for (int i = 0; i < 3; i++) eout[3 * j + i] = e[3 * j + i] + h * d1[i];
      Mask((PetscBool)(j >= clamp_from), inA, eout + 3 * j);
    }
    return;
  }
  for (int i = 0; i < 3; i++) t2[i] = w[i] + 0.5 * h * k1[i];
  F(sg, be, rho, t2, k2);
  for (int i = 0; i < 3; i++) t3[i] = w[i] + 0.5 * h * k2[i];
  F(sg, be, rho, t3, k3);
  for (int i = 0; i < 3; i++) t4[i] = w[i] + h * k3[i];
  F(sg, be, rho, t4, k4);
  for (int i = 0; i < 3; i++) wout[i] = w[i] + h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  for (PetscInt j = 0; j < ne; j++) {
    const PetscReal *ej = e + 3 * j;
    PetscReal d1[3], d2[3], d3[3], d4[3], u[3];
    const PetscBool cl = (PetscBool)(j >= clamp_from);
    DF(sg, be, rho, w, ej, d1);
    for (int i = 0; i < 3; i++) u[i] = ej[i] + 0.5 * h * d1[i];
    Mask(cl, inA, u);
    DF(sg, be, rho, t2, u, d2);
    for (int i = 0; i < 3; i++) u[i] = ej[i] + 0.5 * h * d2[i];
    Mask(cl, inA, u);
    DF(sg, be, rho, t3, u, d3);
    for (int i = 0; i < 3; i++) u[i] = ej[i] + h * d3[i];
    Mask(cl, inA, u);
    DF(sg, be, rho, t4, u, d4);
    for (int i = 0; i < 3; i++) eout[3 * j + i] = ej[i] + h / 6 * (d1[i] + 2 * d2[i] + 2 * d3[i] + d4[i]);
    Mask(cl, inA, eout + 3 * j);
  }
}

static void Describe(const struct _n_OdOpSystem *s, char *buf, size_t len)
{
  snprintf(buf, len, "Lorenz: a' = sigma (b - a), b' = a (rho - c) - b, c' = a b - beta c; sigma = %g, beta = %.17g, rho = %g; %s, dt = %g", (double)s->par[SIGMA], (double)s->par[BETA], (double)s->par[RHO], s->choice[INTEGRATOR] == RK4 ? "RK4" : "forward Euler", (double)s->dt);
}

PetscErrorCode OdOpSystemCreate_Lorenz(OdOpSystem s)
{
  PetscFunctionBegin;
  s->title = "Lorenz system (a, b, c)";
  s->nvars = 3;
  s->var[0] = "a", s->var[1] = "b", s->var[2] = "c";
  s->step = Step;
  s->dstep = DStep;
  s->describe = Describe;
  s->nparams = 3;
  s->pspec[SIGMA] = (OdOpParamSpec){"lorenz_sigma", "Lorenz sigma", OD_RANGE_ANY};
  s->pspec[BETA] = (OdOpParamSpec){"lorenz_beta", "Lorenz beta", OD_RANGE_ANY};
  s->pspec[RHO] = (OdOpParamSpec){"lorenz_rho", "Lorenz rho (0.8: one stable point; 28: chaotic)", OD_RANGE_ANY};
  s->par[SIGMA] = 10, s->par[BETA] = 8.0 / 3.0, s->par[RHO] = 28;
  s->nchoices = 1;
  s->cspec[INTEGRATOR] = (OdOpChoiceSpec){"integrator", "Fixed-step integrator: rk4 or euler", integrator_words, 2};
  s->choice[INTEGRATOR] = RK4;
  s->def = (OdOpDefaults){.dt = 0.01, .t = 10, .x0 = {1, 1, 1}, .n = "b", .m = "b", .A = "a", .delta = 1e-6, .s0_min = -10, .s0_max = 10, .s0_num = 41, .s1 = "c", .s1_min = 0, .s1_max = 30, .s1_num = 31};
  PetscFunctionReturn(0);
}
