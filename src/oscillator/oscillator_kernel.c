/* Optimizers as damped oscillators (docs/models.md §7): problems, optimizers, the oscillator mapping,
   measured contraction rates and trajectories beside their continuum ODEs. */
#include <math.h>
#include <string.h>
#include "optdyn/oscillator.h"

const char *const OdOscOptimizerNames[] = {"gd", "momentum", "nesterov", "adam", "rmsprop"};
const char *const OdOscProblemNames[] = {"quad1d", "quad2d", "landscape", "rosenbrock", "himmelblau"};
const char *const OdOscRegimeNames[] = {"overdamped", "critical", "underdamped", "alternating", "unstable"};

/* ---------------- problems ---------------- */

/* Eigen-decomposition of the symmetric 2x2 [[p, q], [q, r]]: descending eigenvalues,
   eigenvectors as columns of evec (row-major). */
static void SymEig2(PetscReal p, PetscReal q, PetscReal r, PetscReal lambda[2], PetscReal evec[4])
{
  const PetscReal mean = 0.5 * (p + r), d = hypot(0.5 * (p - r), q);
  const PetscReal th = 0.5 * atan2(2 * q, p - r);
  lambda[0] = mean + d;
  lambda[1] = mean - d;
  evec[0] = cos(th), evec[1] = -sin(th);
  evec[2] = sin(th), evec[3] = cos(th);
}

static PetscErrorCode FinishProblem(OdOscProblem *pb)
{
  PetscReal H[4] = {0, 0, 0, 0};
  PetscFunctionBegin;
  pb->fmin = OdOscProblemValue(pb, pb->xmin);
  OdOscProblemHessian(pb, pb->xmin, H);
  if (pb->dim == 1) {
    pb->lambda[0] = H[0];
    pb->evec[0] = 1;
  } else SymEig2(H[0], H[1], H[3], pb->lambda, pb->evec);
  for (PetscInt i = 0; i < pb->dim; i++)
    PetscCheck(pb->lambda[i] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "problem %s: the Hessian at the minimum has eigenvalue %g <= 0 (not a strict minimum)", OdOscProblemNames[pb->kind], (double)pb->lambda[i]);
  PetscFunctionReturn(0);
}

PetscErrorCode OdOscProblemSetQuadratic1D(OdOscProblem *pb, PetscReal k)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(pb, sizeof *pb));
  pb->kind = OD_OSC_QUAD1D;
  pb->dim = 1;
  pb->K[0] = k;
  pb->linear = PETSC_TRUE;
  PetscCall(FinishProblem(pb));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOscProblemSetQuadratic2D(OdOscProblem *pb, PetscReal k, PetscReal kappa, PetscReal angle_deg)
{
  const PetscReal th = angle_deg * PETSC_PI / 180, c = cos(th), s = sin(th), l1 = k, l2 = k / kappa;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(pb, sizeof *pb));
  pb->kind = OD_OSC_QUAD2D;
  pb->dim = 2;
  pb->K[0] = l1 * c * c + l2 * s * s;
  pb->K[1] = pb->K[2] = (l1 - l2) * c * s;
  pb->K[3] = l1 * s * s + l2 * c * c;
  pb->linear = PETSC_TRUE;
  PetscCall(FinishProblem(pb));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOscProblemSetLandscape(OdOscProblem *pb, OdLandscape ls, PetscReal guess)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(pb, sizeof *pb));
  pb->kind = OD_OSC_LANDSCAPE;
  pb->dim = 1;
  pb->landscape = ls;
  PetscCall(OdLandscapeFindMinimum(ls, OD_LANDSCAPE_MEAN, guess, &pb->xmin[0]));
  PetscCall(FinishProblem(pb));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOscProblemSetRosenbrock(OdOscProblem *pb)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(pb, sizeof *pb));
  pb->kind = OD_OSC_ROSENBROCK;
  pb->dim = 2;
  pb->xmin[0] = pb->xmin[1] = 1;
  PetscCall(FinishProblem(pb));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOscProblemSetHimmelblau(OdOscProblem *pb)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(pb, sizeof *pb));
  pb->kind = OD_OSC_HIMMELBLAU;
  pb->dim = 2;
  pb->xmin[0] = 3, pb->xmin[1] = 2;
  PetscCall(FinishProblem(pb));
  PetscFunctionReturn(0);
}

PetscReal OdOscProblemValue(const OdOscProblem *pb, const PetscReal x[])
{
  switch (pb->kind) {
  case OD_OSC_QUAD1D:
    return 0.5 * pb->K[0] * x[0] * x[0];
  case OD_OSC_QUAD2D:
    return 0.5 * (pb->K[0] * x[0] * x[0] + 2 * pb->K[1] * x[0] * x[1] + pb->K[3] * x[1] * x[1]);
  case OD_OSC_LANDSCAPE: {
    OdLandscapeMoments mo;
    OdLandscapeGetMoments(pb->landscape, x[0], &mo);
    return mo.L;
  }
  case OD_OSC_ROSENBROCK:
    return (1 - x[0]) * (1 - x[0]) + 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]);
  case OD_OSC_HIMMELBLAU: {
    const PetscReal a = x[0] * x[0] + x[1] - 11, b = x[0] + x[1] * x[1] - 7;
    return a * a + b * b;
  }
  }
  return NAN;
}

void OdOscProblemGradient(const OdOscProblem *pb, const PetscReal x[], PetscReal g[])
{
  switch (pb->kind) {
  case OD_OSC_QUAD1D:
    g[0] = pb->K[0] * x[0];
    break;
  case OD_OSC_QUAD2D:
    g[0] = pb->K[0] * x[0] + pb->K[1] * x[1];
    g[1] = pb->K[2] * x[0] + pb->K[3] * x[1];
    break;
  case OD_OSC_LANDSCAPE: {
    PetscReal G = 0;
    const PetscInt J = OdLandscapeGetNumData(pb->landscape);
    for (PetscInt j = 0; j < J; j++) G += OdLandscapeGrad(pb->landscape, j, x[0]);
    g[0] = G / J;
    break;
  }
  case OD_OSC_ROSENBROCK:
    g[0] = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] * x[0]);
    g[1] = 200 * (x[1] - x[0] * x[0]);
    break;
  case OD_OSC_HIMMELBLAU: {
    const PetscReal a = x[0] * x[0] + x[1] - 11, b = x[0] + x[1] * x[1] - 7;
    g[0] = 4 * x[0] * a + 2 * b;
    g[1] = 2 * a + 4 * x[1] * b;
    break;
  }
  }
}

void OdOscProblemHessian(const OdOscProblem *pb, const PetscReal x[], PetscReal H[])
{
  switch (pb->kind) {
  case OD_OSC_QUAD1D:
    H[0] = pb->K[0];
    break;
  case OD_OSC_QUAD2D:
    for (int i = 0; i < 4; i++) H[i] = pb->K[i];
    break;
  case OD_OSC_LANDSCAPE: {
    OdLandscapeMoments mo;
    OdLandscapeGetMoments(pb->landscape, x[0], &mo);
    H[0] = mo.dG;
    break;
  }
  case OD_OSC_ROSENBROCK:
    H[0] = 2 - 400 * (x[1] - x[0] * x[0]) + 800 * x[0] * x[0];
    H[1] = H[2] = -400 * x[0];
    H[3] = 200;
    break;
  case OD_OSC_HIMMELBLAU:
    H[0] = 12 * x[0] * x[0] + 4 * x[1] - 42;
    H[1] = H[2] = 4 * x[0] + 4 * x[1];
    H[3] = 4 * x[0] + 12 * x[1] * x[1] - 26;
    break;
  }
}

/* ---------------- hyperparameters and the oscillator mapping ---------------- */

PetscErrorCode OdOscHyperCheck(MPI_Comm comm, const OdOscHyper *hp, const char *eta_name, const char *beta_name)
{
  PetscFunctionBegin;
  PetscCheck(hp->eta > 0 && PetscIsNormalReal(hp->eta), comm, PETSC_ERR_USER_INPUT, "option %s = %g is not allowed: the learning rate eta must be > 0 (and finite)", eta_name, (double)hp->eta);
  PetscCheck(hp->beta >= 0 && hp->beta < 1, comm, PETSC_ERR_USER_INPUT, "option %s = %g is not allowed: beta must be in [0, 1)", beta_name, (double)hp->beta);
  if (hp->type == OD_OSC_ADAM) PetscCheck(hp->beta2 >= 0 && hp->beta2 < 1, comm, PETSC_ERR_USER_INPUT, "option -osc_beta2 = %g is not allowed: must be in [0, 1)", (double)hp->beta2);
  if (hp->type == OD_OSC_ADAM || hp->type == OD_OSC_RMSPROP)
    PetscCheck(hp->epsilon > 0, comm, PETSC_ERR_USER_INPUT, "option -osc_epsilon = %g is not allowed: must be > 0", (double)hp->epsilon);
  PetscFunctionReturn(0);
}

PetscReal OdOscStepTime(const OdOscHyper *hp) { return (hp->type == OD_OSC_GD || hp->type == OD_OSC_RMSPROP) ? hp->eta : sqrt(hp->eta); }

/* The linear iteration an optimizer reduces to near the minimum (adam/rmsprop: the
   eps-dominated regime, in which they are heavy ball / GD with eta_eff). */
static void EffectiveLinear(const OdOscHyper *hp, OdOscOptimizer *type, PetscReal *eta, PetscReal *beta)
{
  *type = hp->type, *eta = hp->eta, *beta = hp->beta;
  if (hp->type == OD_OSC_ADAM) *type = OD_OSC_MOMENTUM, *eta = hp->eta * (1 - hp->beta) / hp->epsilon;
  if (hp->type == OD_OSC_RMSPROP) *type = OD_OSC_GD, *eta = hp->eta / hp->epsilon, *beta = 0;
}

PetscErrorCode OdOscModeCompute(const OdOscHyper *hp, PetscReal lambda, OdOscMode *md)
{
  OdOscOptimizer type;
  PetscReal eta, beta, a, b;
  PetscFunctionBegin;
  EffectiveLinear(hp, &type, &eta, &beta);
  PetscCall(PetscMemzero(md, sizeof *md));
  md->lambda = lambda;
  md->h = OdOscStepTime(hp);
  md->m = md->h * md->h / eta;
  switch (type) {
  case OD_OSC_GD:
    a = 1 - eta * lambda, b = 0;
    md->c = md->h / eta;
    break;
  case OD_OSC_NESTEROV:
    a = (1 + beta) * (1 - eta * lambda), b = beta * (1 - eta * lambda);
    md->c = md->h * ((1 - beta) / eta + beta * lambda);
    break;
  default: /* heavy ball */
    a = 1 + beta - eta * lambda, b = beta;
    md->c = (1 - beta) * md->h / eta;
    break;
  }
  md->a = a, md->b = b;
  md->zeta = md->c / (2 * sqrt(md->m * lambda));
  /* discrete roots of r^2 - a r + b */
  md->disc = a * a - 4 * b;
  const PetscReal tol = 1e-9 * PetscMax(PetscMax(a * a, 4 * PetscAbsReal(b)), 1e-300);
  PetscReal r1 = 0, r2 = 0;
  if (md->disc >= 0) {
    const PetscReal sq = sqrt(md->disc);
    r1 = a >= 0 ? 0.5 * (a + sq) : 0.5 * (a - sq);
    r2 = r1 != 0 ? b / r1 : 0;
    md->root_re[0] = r1, md->root_re[1] = r2;
    md->rate = PetscMax(PetscAbsReal(r1), PetscAbsReal(r2));
  } else {
    md->root_re[0] = md->root_re[1] = 0.5 * a;
    md->root_im[0] = 0.5 * sqrt(-md->disc), md->root_im[1] = -md->root_im[0];
    md->rate = sqrt(b);
  }
  /* regime */
  if (md->rate >= 1) md->regime = OD_OSC_UNSTABLE;
  else if (PetscAbsReal(md->disc) <= tol) md->regime = a >= 0 ? OD_OSC_CRITICAL : OD_OSC_ALTERNATING;
  else if (md->disc < 0) md->regime = OD_OSC_UNDERDAMPED;
  else md->regime = r1 > 0 ? OD_OSC_OVERDAMPED : OD_OSC_ALTERNATING;
  /* damping ratio of the exactly interpolating ODE: s = log(r) / h */
  if (PetscAbsReal(md->disc) <= tol && a > 0) md->zeta_discrete = 1;
  else if (md->disc < 0) {
    const PetscReal sig = 0.5 * log(b), th = atan2(md->root_im[0], md->root_re[0]);
    md->zeta_discrete = -sig / sqrt(sig * sig + th * th);
  } else if (r1 > 0 && r2 > 0 && r1 < 1) {
    const PetscReal l1 = log(r1), l2 = log(r2);
    md->zeta_discrete = -(l1 + l2) / (2 * sqrt(l1 * l2));
  } else if (r1 > 0 && r1 < 1 && r2 == 0) md->zeta_discrete = INFINITY;
  else md->zeta_discrete = NAN;
  /* continuum: gradient flow for gd (massless limit), m s^2 + c s + lambda = 0 otherwise */
  if (type == OD_OSC_GD) md->rate_ode = exp(-lambda * md->h / md->c);
  else {
    const PetscReal D = md->c * md->c - 4 * md->m * lambda;
    const PetscReal smax = D >= 0 ? -2 * lambda / (md->c + sqrt(D)) : -md->c / (2 * md->m);
    md->rate_ode = exp(md->h * smax);
  }
  PetscFunctionReturn(0);
}

void OdOscCriticalEta(OdOscOptimizer type, PetscReal beta, PetscReal lambda, PetscReal beta2, PetscReal epsilon, PetscReal *eta_d, PetscReal *eta_c)
{
  (void)beta2;
  switch (type) {
  case OD_OSC_GD:
    *eta_d = 1 / lambda, *eta_c = INFINITY;
    break;
  case OD_OSC_RMSPROP:
    *eta_d = epsilon / lambda, *eta_c = INFINITY;
    break;
  case OD_OSC_NESTEROV: {
    const PetscReal s = beta > 0 ? (1 - sqrt(1 - beta + beta * beta)) / beta : 0.5;
    *eta_d = PetscSqr((1 - beta) / (1 + beta)) / lambda;
    *eta_c = s * s / lambda;
    break;
  }
  case OD_OSC_ADAM:
    *eta_d = epsilon * PetscSqr(1 - sqrt(beta)) / ((1 - beta) * lambda);
    *eta_c = epsilon * (1 - beta) / (4 * lambda);
    break;
  default:
    *eta_d = PetscSqr(1 - sqrt(beta)) / lambda;
    *eta_c = PetscSqr(1 - beta) / (4 * lambda);
    break;
  }
}

/* ---------------- optimizers ---------------- */

void OdOscStateInit(OdOscState *s, PetscInt dim, const PetscReal x0[])
{
  memset(s, 0, sizeof *s);
  for (PetscInt i = 0; i < dim; i++) s->x[i] = s->xprev[i] = x0[i];
  s->b1t = s->b2t = 1;
}

void OdOscStep(const OdOscProblem *pb, const OdOscHyper *hp, OdOscState *s)
{
  const PetscInt n = pb->dim;
  const PetscReal eta = hp->eta, beta = hp->beta;
  PetscReal g[OD_OSC_MAXDIM] = {0}, y[OD_OSC_MAXDIM] = {0}, xn[OD_OSC_MAXDIM] = {0};
  switch (hp->type) {
  case OD_OSC_GD:
    OdOscProblemGradient(pb, s->x, g);
    for (PetscInt i = 0; i < n; i++) xn[i] = s->x[i] - eta * g[i];
    break;
  case OD_OSC_MOMENTUM:
    OdOscProblemGradient(pb, s->x, g);
    for (PetscInt i = 0; i < n; i++) xn[i] = s->x[i] - eta * g[i] + beta * (s->x[i] - s->xprev[i]);
    break;
  case OD_OSC_NESTEROV:
    for (PetscInt i = 0; i < n; i++) y[i] = s->x[i] + beta * (s->x[i] - s->xprev[i]);
    OdOscProblemGradient(pb, y, g);
    for (PetscInt i = 0; i < n; i++) xn[i] = y[i] - eta * g[i];
    break;
  case OD_OSC_ADAM:
    OdOscProblemGradient(pb, s->x, g);
    s->b1t *= beta, s->b2t *= hp->beta2;
    for (PetscInt i = 0; i < n; i++) {
      s->m[i] = beta * s->m[i] + (1 - beta) * g[i];
      s->v[i] = hp->beta2 * s->v[i] + (1 - hp->beta2) * g[i] * g[i];
      const PetscReal mh = s->m[i] / (1 - s->b1t), vh = s->v[i] / (1 - s->b2t);
      xn[i] = s->x[i] - eta * mh / (sqrt(vh) + hp->epsilon);
    }
    break;
  case OD_OSC_RMSPROP:
    OdOscProblemGradient(pb, s->x, g);
    for (PetscInt i = 0; i < n; i++) {
      s->v[i] = beta * s->v[i] + (1 - beta) * g[i] * g[i];
      xn[i] = s->x[i] - eta * g[i] / (sqrt(s->v[i]) + hp->epsilon);
    }
    break;
  }
  for (PetscInt i = 0; i < n; i++) s->xprev[i] = s->x[i], s->x[i] = xn[i];
}

/* ---------------- trajectories and the continuum ODE ---------------- */

typedef struct {
  const OdOscProblem *pb;
  const OdOscHyper *hp;
  PetscReal h, m, c0;
} OdeCtx;

/* State layout: x[0..n), then gd: -; momentum/nesterov: u (velocity); adam: m, v; rmsprop: v. */
static void OdeRhs(const OdeCtx *o, const PetscReal y[], PetscReal dy[])
{
  const PetscInt n = o->pb->dim;
  const OdOscHyper *hp = o->hp;
  PetscReal g[OD_OSC_MAXDIM], H[4];
  OdOscProblemGradient(o->pb, y, g);
  switch (hp->type) {
  case OD_OSC_GD:
    for (PetscInt i = 0; i < n; i++) dy[i] = -g[i]; /* c = 1 (h = eta) */
    break;
  case OD_OSC_MOMENTUM:
  case OD_OSC_NESTEROV:
    if (hp->type == OD_OSC_NESTEROV) OdOscProblemHessian(o->pb, y, H);
    for (PetscInt i = 0; i < n; i++) {
      PetscReal f = o->c0 * y[n + i] + g[i];
      if (hp->type == OD_OSC_NESTEROV)
        for (PetscInt j = 0; j < n; j++) f += hp->beta * o->h * H[i * n + j] * y[n + j];
      dy[i] = y[n + i];
      dy[n + i] = -f / o->m;
    }
    break;
  case OD_OSC_ADAM:
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal mm = y[n + i], vv = PetscMax(y[2 * n + i], 0);
      dy[i] = -(hp->eta / o->h) * mm / (sqrt(vv) + hp->epsilon);
      dy[n + i] = (1 - hp->beta) / o->h * (g[i] - mm);
      dy[2 * n + i] = (1 - hp->beta2) / o->h * (g[i] * g[i] - vv);
    }
    break;
  case OD_OSC_RMSPROP:
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal vv = PetscMax(y[n + i], 0);
      dy[i] = -(hp->eta / o->h) * g[i] / (sqrt(vv) + hp->epsilon);
      dy[n + i] = (1 - hp->beta) / o->h * (g[i] * g[i] - vv);
    }
    break;
  }
}

static void Rk4(const OdeCtx *o, PetscInt len, PetscReal y[], PetscReal dt)
{
  PetscReal k1[6], k2[6], k3[6], k4[6], t[6];
  OdeRhs(o, y, k1);
  for (PetscInt i = 0; i < len; i++) t[i] = y[i] + 0.5 * dt * k1[i];
  OdeRhs(o, t, k2);
  for (PetscInt i = 0; i < len; i++) t[i] = y[i] + 0.5 * dt * k2[i];
  OdeRhs(o, t, k3);
  for (PetscInt i = 0; i < len; i++) t[i] = y[i] + dt * k3[i];
  OdeRhs(o, t, k4);
  for (PetscInt i = 0; i < len; i++) y[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
}

PetscErrorCode OdOscTrajectory(const OdOscProblem *pb, const OdOscHyper *hp, const PetscReal x0[], PetscInt nsteps, PetscInt substeps, PetscReal x[], PetscReal kin[], PetscReal pot[], PetscReal ox[], PetscReal okin[], PetscReal opot[])
{
  const PetscInt n = pb->dim;
  OdOscState s;
  OdeCtx o;
  PetscReal y[6] = {0}, dy[6], g0[OD_OSC_MAXDIM];
  PetscInt len = n;
  PetscFunctionBegin;
  PetscCheck(substeps >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "substeps must be >= 1");
  o.pb = pb, o.hp = hp;
  o.h = OdOscStepTime(hp);
  o.m = o.h * o.h / hp->eta;                           /* kinetic-energy mass; = 1 for momentum methods */
  o.c0 = (1 - hp->beta) * o.h / hp->eta;               /* heavy-ball / Nesterov damping */
  OdOscStateInit(&s, n, x0);
  OdOscProblemGradient(pb, x0, g0);
  for (PetscInt i = 0; i < n; i++) y[i] = x0[i];
  switch (hp->type) {
  case OD_OSC_MOMENTUM:
  case OD_OSC_NESTEROV:
    len = 2 * n; /* starts at rest */
    break;
  case OD_OSC_ADAM:
    len = 3 * n;
    for (PetscInt i = 0; i < n; i++) y[n + i] = g0[i], y[2 * n + i] = g0[i] * g0[i]; /* bias-corrected first step */
    break;
  case OD_OSC_RMSPROP:
    len = 2 * n;
    for (PetscInt i = 0; i < n; i++) y[n + i] = (1 - hp->beta) * g0[i] * g0[i]; /* v after the first step */
    break;
  default:
    break;
  }
  for (PetscInt k = 0; k <= nsteps; k++) {
    if (k > 0) {
      OdOscStep(pb, hp, &s);
      for (PetscInt j = 0; j < substeps; j++) Rk4(&o, len, y, o.h / substeps);
    }
    PetscReal v2 = 0, ov2 = 0;
    OdeRhs(&o, y, dy);
    for (PetscInt i = 0; i < n; i++) {
      x[k * n + i] = s.x[i];
      ox[k * n + i] = y[i];
      v2 += PetscSqr((s.x[i] - s.xprev[i]) / o.h);
      ov2 += PetscSqr(dy[i]);
    }
    kin[k] = 0.5 * o.m * v2;
    okin[k] = 0.5 * o.m * ov2;
    pot[k] = OdOscProblemValue(pb, s.x) - pb->fmin;
    opot[k] = OdOscProblemValue(pb, y) - pb->fmin;
  }
  PetscFunctionReturn(0);
}
