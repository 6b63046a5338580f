/* Objectives for `optdyn es`: the objective object and the built-ins (no global registry:
   the -es_objective table belongs to each OdEs, see es.c). */
#include <math.h>
#include <string.h>
#include "optdyn/es_objective.h"
#include "es_sums.h"
#include "optdyn/options.h"


struct _n_OdEsObjective {
  MPI_Comm comm;
  char name[64];
  char formula[512];
  PetscInt d;
  PetscReal *mu0, sigma0;
  PetscInt nmin;
  PetscReal *xmin, *fmin;
  OdEsEvalFn eval;
  OdEsGradFn grad;
  OdEsBasinFn basin;
  OdEsDestroyFn destroy;
  void *ctx;
  OdEsPopulationHook hook; /* optional */
  OdEsMetrics metrics;     /* optional */
  PetscInt ngroups;        /* optional partition for -es_distribution layerwise (0: none) */
  PetscInt *group;         /* [d] */
  char (*group_names)[64]; /* [ngroups] */
  const char **group_name_ptrs;
};

PetscErrorCode OdEsObjectiveCreateEmpty(MPI_Comm comm, OdEsObjective *obj)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(obj));
  (*obj)->comm = comm;
  (*obj)->sigma0 = 1.0;
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsObjectiveCreateWith(PetscOptionItems *PetscOptionsObject, const char *name, OdEsObjectiveCreateFn create, PetscInt d, OdEsObjective *obj)
{
  PetscFunctionBegin;
  PetscCall(OdEsObjectiveCreateEmpty(PetscOptionsObject->comm, obj));
  PetscCall(PetscStrncpy((*obj)->name, name, sizeof (*obj)->name));
  PetscCall(create(PetscOptionsObject, d, *obj));
  PetscCheck((*obj)->d >= 1 && ((*obj)->eval || (*obj)->hook.evaluate), PetscOptionsObject->comm, PETSC_ERR_PLIB, "objective %s did not set its dimension and evaluation", name);
  PetscCheck(!(*obj)->hook.evaluate || (*obj)->hook.parameter_noise || (*obj)->hook.search_gradient, PetscOptionsObject->comm, PETSC_ERR_PLIB, "objective %s samples in activation space but gives no search_gradient", name);
  if (!(*obj)->mu0) PetscCall(PetscCalloc1((*obj)->d, &(*obj)->mu0));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsObjectiveSetPopulationHook(OdEsObjective obj, const OdEsPopulationHook *hook)
{
  PetscFunctionBegin;
  PetscCheck(hook->evaluate, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "a population hook needs evaluate");
  obj->hook = *hook;
  PetscFunctionReturn(0);
}

const OdEsPopulationHook *OdEsObjectiveGetPopulationHook(OdEsObjective obj) { return obj->hook.evaluate ? &obj->hook : NULL; }

void *OdEsObjectiveGetContext(OdEsObjective obj) { return obj->ctx; }

PetscErrorCode OdEsObjectiveSetMetrics(OdEsObjective obj, const OdEsMetrics *metrics)
{
  PetscFunctionBegin;
  PetscCheck(metrics->n >= 0 && metrics->n <= OD_ES_MAX_METRICS && metrics->nfinal >= 0 && metrics->nfinal <= OD_ES_MAX_METRICS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "at most %d metrics", OD_ES_MAX_METRICS);
  PetscCheck(!metrics->n || metrics->record, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "metrics need a record function");
  PetscCheck(!metrics->nfinal || metrics->final, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "final metrics need a final function");
  obj->metrics = *metrics;
  PetscFunctionReturn(0);
}

const OdEsMetrics *OdEsObjectiveGetMetrics(OdEsObjective obj) { return obj->metrics.n || obj->metrics.nfinal ? &obj->metrics : NULL; }

PetscErrorCode OdEsObjectiveDestroy(OdEsObjective *obj)
{
  PetscFunctionBegin;
  if (!*obj) PetscFunctionReturn(0);
  if ((*obj)->destroy) PetscCall((*obj)->destroy((*obj)->ctx));
  PetscCall(PetscFree((*obj)->mu0));
  PetscCall(PetscFree2((*obj)->xmin, (*obj)->fmin));
  PetscCall(PetscFree3((*obj)->group, (*obj)->group_names, (*obj)->group_name_ptrs));
  PetscCall(PetscFree(*obj));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsObjectiveSetEval(OdEsObjective obj, OdEsEvalFn eval, OdEsGradFn grad, OdEsBasinFn basin, OdEsDestroyFn destroy, void *ctx)
{
  PetscFunctionBegin;
  obj->eval = eval, obj->grad = grad, obj->basin = basin, obj->destroy = destroy, obj->ctx = ctx;
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsObjectiveSetDimension(OdEsObjective obj, PetscInt d)
{
  PetscFunctionBegin;
  PetscCheck(d >= 1, obj->comm, PETSC_ERR_ARG_OUTOFRANGE, "objective dimension must be >= 1");
  if (obj->d != d) {
    PetscCall(PetscFree(obj->mu0));
    PetscCall(PetscCalloc1(d, &obj->mu0));
  }
  obj->d = d;
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsObjectiveSetDefaults(OdEsObjective obj, const PetscReal mu0[], PetscReal sigma0)
{
  PetscFunctionBegin;
  PetscCheck(obj->d >= 1, obj->comm, PETSC_ERR_ORDER, "set the dimension first");
  if (mu0) PetscCall(PetscArraycpy(obj->mu0, mu0, obj->d));
  obj->sigma0 = sigma0;
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsObjectiveSetMinima(OdEsObjective obj, PetscInt n, const PetscReal x[], const PetscReal f[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(obj->xmin, obj->fmin));
  obj->nmin = n;
  PetscCall(PetscMalloc2(n * obj->d, &obj->xmin, n, &obj->fmin));
  PetscCall(PetscArraycpy(obj->xmin, x, n * obj->d));
  PetscCall(PetscArraycpy(obj->fmin, f, n));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsObjectiveSetGroups(OdEsObjective obj, PetscInt ngroups, const PetscInt group[], const char *const names[])
{
  PetscInt *count;
  PetscFunctionBegin;
  PetscCheck(obj->d >= 1, obj->comm, PETSC_ERR_ORDER, "set the dimension first");
  PetscCheck(ngroups >= 1 && ngroups <= obj->d, obj->comm, PETSC_ERR_ARG_OUTOFRANGE, "objective %s: %" PetscInt_FMT " groups for d = %" PetscInt_FMT ": need 1 <= G <= d", obj->name, ngroups, obj->d);
  PetscCall(PetscFree3(obj->group, obj->group_names, obj->group_name_ptrs));
  PetscCall(PetscMalloc3(obj->d, &obj->group, ngroups, &obj->group_names, ngroups, &obj->group_name_ptrs));
  PetscCall(PetscCalloc1(ngroups, &count));
  for (PetscInt i = 0; i < obj->d; i++) {
    PetscCheck(group[i] >= 0 && group[i] < ngroups, obj->comm, PETSC_ERR_ARG_OUTOFRANGE, "objective %s: coordinate %" PetscInt_FMT " is in group %" PetscInt_FMT ", not in [0, %" PetscInt_FMT ")", obj->name, i, group[i], ngroups);
    obj->group[i] = group[i];
    count[group[i]]++;
  }
  for (PetscInt g = 0; g < ngroups; g++) {
    PetscCheck(count[g] > 0, obj->comm, PETSC_ERR_ARG_OUTOFRANGE, "objective %s: group %" PetscInt_FMT " has no coordinate", obj->name, g);
    PetscCall(PetscStrncpy(obj->group_names[g], names[g], sizeof obj->group_names[g]));
    obj->group_name_ptrs[g] = obj->group_names[g];
  }
  PetscCall(PetscFree(count));
  obj->ngroups = ngroups;
  PetscFunctionReturn(0);
}

void OdEsObjectiveGetGroups(OdEsObjective obj, PetscInt *ngroups, const PetscInt **group, const char *const **names)
{
  if (ngroups) *ngroups = obj->ngroups;
  if (group) *group = obj->group;
  if (names) *names = obj->group_name_ptrs;
}

const char *OdEsObjectiveGetName(OdEsObjective obj) { return obj->name; }
PetscInt OdEsObjectiveGetDimension(OdEsObjective obj) { return obj->d; }
void OdEsObjectiveGetDefaults(OdEsObjective obj, const PetscReal **mu0, PetscReal *sigma0)
{
  *mu0 = obj->mu0;
  *sigma0 = obj->sigma0;
}
void OdEsObjectiveGetMinima(OdEsObjective obj, PetscInt *n, const PetscReal **x, const PetscReal **f)
{
  *n = obj->nmin;
  *x = obj->xmin;
  *f = obj->fmin;
}
const char *OdEsObjectiveGetFormula(OdEsObjective obj) { return obj->formula; }
PetscErrorCode OdEsObjectiveSetFormula(OdEsObjective obj, const char *formula)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(obj->formula, formula, sizeof obj->formula));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsObjectiveEval(OdEsObjective obj, const PetscReal w[], PetscReal *f)
{
  PetscFunctionBegin;
  PetscCall(obj->eval(obj->ctx, obj->d, w, f));
  PetscFunctionReturn(0);
}

PetscErrorCode OdEsObjectiveGradient(OdEsObjective obj, const PetscReal w[], PetscReal g[])
{
  PetscReal *x, fp, fm;
  PetscFunctionBegin;
  if (obj->grad) {
    PetscCall(obj->grad(obj->ctx, obj->d, w, g));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1(obj->d, &x));
  PetscCall(PetscArraycpy(x, w, obj->d));
  for (PetscInt i = 0; i < obj->d; i++) {
    const PetscReal h = 1e-6 * PetscMax(1.0, PetscAbsReal(w[i]));
    x[i] = w[i] + h;
    PetscCall(obj->eval(obj->ctx, obj->d, x, &fp));
    x[i] = w[i] - h;
    PetscCall(obj->eval(obj->ctx, obj->d, x, &fm));
    x[i] = w[i];
    g[i] = (fp - fm) / (2 * h);
  }
  PetscCall(PetscFree(x));
  PetscFunctionReturn(0);
}

PetscInt OdEsObjectiveBasin(OdEsObjective obj, const PetscReal w[])
{
  if (obj->basin) return obj->basin(obj->ctx, obj->d, w);
  if (!obj->nmin) return -1;
  /* default: nearest known minimum */
  PetscInt best = 0;
  PetscReal bd = PETSC_MAX_REAL;
  for (PetscInt k = 0; k < obj->nmin; k++) {
    PetscReal s = 0;
    for (PetscInt i = 0; i < obj->d; i++) s += (w[i] - obj->xmin[k * obj->d + i]) * (w[i] - obj->xmin[k * obj->d + i]);
    if (s < bd) bd = s, best = k;
  }
  return best;
}

/* ======================= built-in objectives ======================= */

static PetscErrorCode CheckDim(PetscOptionItems *PetscOptionsObject, const char *name, PetscInt d, PetscInt need)
{
  PetscFunctionBegin;
  PetscCheck(d == 0 || d == need, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option -es_mu0 (or -es_dim) gives dimension %" PetscInt_FMT ", which is not allowed: objective %s has dimension %" PetscInt_FMT, d, name, need);
  PetscFunctionReturn(0);
}

/* ---- Himmelblau ---- */
static PetscErrorCode HimmelblauEval(void *ctx, PetscInt d, const PetscReal w[], PetscReal *f)
{
  (void)ctx, (void)d;
  const PetscReal a = w[0] * w[0] + w[1] - 11, b = w[0] + w[1] * w[1] - 7;
  *f = a * a + b * b;
  return 0;
}
static PetscErrorCode HimmelblauGrad(void *ctx, PetscInt d, const PetscReal w[], PetscReal g[])
{
  (void)ctx, (void)d;
  const PetscReal a = w[0] * w[0] + w[1] - 11, b = w[0] + w[1] * w[1] - 7;
  g[0] = 4 * a * w[0] + 2 * b;
  g[1] = 2 * a + 4 * b * w[1];
  return 0;
}
static PetscErrorCode CreateHimmelblau(PetscOptionItems *PetscOptionsObject, PetscInt d, OdEsObjective obj)
{
  static const PetscReal xm[8] = {3.0, 2.0, -2.805118086952745, 3.131312518250573, -3.779310253377747, -3.283185991286170, 3.584428340330492, -1.848126526964404};
  static const PetscReal fm[4] = {0, 0, 0, 0};
  static const PetscReal mu0[2] = {0.0, -4.0};
  PetscFunctionBegin;
  PetscCall(CheckDim(PetscOptionsObject, "himmelblau", d, 2));
  PetscCall(OdEsObjectiveSetDimension(obj, 2));
  PetscCall(OdEsObjectiveSetEval(obj, HimmelblauEval, HimmelblauGrad, NULL, NULL, NULL));
  PetscCall(OdEsObjectiveSetDefaults(obj, mu0, 0.5));
  PetscCall(OdEsObjectiveSetMinima(obj, 4, xm, fm));
  PetscCall(OdEsObjectiveSetFormula(obj, "f(x,y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2"));
  PetscFunctionReturn(0);
}

/* ---- discretized sinc ---- */
typedef struct {
  PetscReal h;
} SincCtx;
static PetscErrorCode SincEval(void *ctx, PetscInt d, const PetscReal w[], PetscReal *f)
{
  (void)d;
  const PetscReal h = ((SincCtx *)ctx)->h, x = h * round(w[0] / h);
  *f = x == 0 ? 0.0 : 1.0 - sin(M_PI * x) / (M_PI * x);
  return 0;
}
static PetscErrorCode SincGrad(void *ctx, PetscInt d, const PetscReal w[], PetscReal g[])
{
  (void)ctx, (void)d, (void)w;
  g[0] = 0; /* piecewise constant: zero almost everywhere (that is the point) */
  return 0;
}
static PetscErrorCode SincDestroy(void *ctx) { return PetscFree(ctx); }
static PetscErrorCode CreateSinc(PetscOptionItems *PetscOptionsObject, PetscInt d, OdEsObjective obj)
{
  SincCtx *c;
  char buf[256];
  const PetscReal mu0 = 3.0, xm = 0, fm = 0;
  PetscFunctionBegin;
  PetscCall(CheckDim(PetscOptionsObject, "sinc", d, 1));
  PetscCall(PetscNew(&c));
  c->h = 0.25;
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sinc_step", "Discretization step h of the sinc objective", OD_RANGE_POSITIVE, &c->h, NULL));
  PetscCall(OdEsObjectiveSetDimension(obj, 1));
  PetscCall(OdEsObjectiveSetEval(obj, SincEval, SincGrad, NULL, SincDestroy, c));
  PetscCall(OdEsObjectiveSetDefaults(obj, &mu0, 1.0));
  PetscCall(OdEsObjectiveSetMinima(obj, 1, &xm, &fm));
  snprintf(buf, sizeof buf, "f(w) = 1 - sinc(h round(w/h)), sinc(x) = sin(pi x)/(pi x), h = %g", (double)c->h);
  PetscCall(OdEsObjectiveSetFormula(obj, buf));
  PetscFunctionReturn(0);
}

/* ---- narrow deep well next to a wide shallow one ---- */
typedef struct {
  PetscReal a[2], c[2], s[2]; /* 0 narrow, 1 wide */
  PetscReal barrier;
} TwoWellsCtx;
static PetscReal TwoWellsF(const TwoWellsCtx *t, PetscReal w)
{
  PetscReal f = 0;
  for (int k = 0; k < 2; k++) f -= t->a[k] * exp(-(w - t->c[k]) * (w - t->c[k]) / (2 * t->s[k] * t->s[k]));
  return f;
}
static PetscErrorCode TwoWellsEval(void *ctx, PetscInt d, const PetscReal w[], PetscReal *f)
{
  (void)d;
  *f = TwoWellsF((TwoWellsCtx *)ctx, w[0]);
  return 0;
}
static PetscErrorCode TwoWellsGrad(void *ctx, PetscInt d, const PetscReal w[], PetscReal g[])
{
  const TwoWellsCtx *t = (TwoWellsCtx *)ctx;
  (void)d;
  g[0] = 0;
  for (int k = 0; k < 2; k++) g[0] += t->a[k] * (w[0] - t->c[k]) / (t->s[k] * t->s[k]) * exp(-(w[0] - t->c[k]) * (w[0] - t->c[k]) / (2 * t->s[k] * t->s[k]));
  return 0;
}
static PetscInt TwoWellsBasin(void *ctx, PetscInt d, const PetscReal w[])
{
  const TwoWellsCtx *t = (TwoWellsCtx *)ctx;
  (void)d;
  return w[0] < t->barrier ? 0 : 1;
}
static PetscErrorCode TwoWellsDestroy(void *ctx) { return PetscFree(ctx); }
static PetscErrorCode CreateTwoWells(PetscOptionItems *PetscOptionsObject, PetscInt d, OdEsObjective obj)
{
  TwoWellsCtx *t;
  char buf[512];
  PetscReal xm[2], fm[2], mu0;
  PetscFunctionBegin;
  PetscCall(CheckDim(PetscOptionsObject, "twowells", d, 1));
  PetscCall(PetscNew(&t));
  t->a[0] = 1.0, t->c[0] = 0.0, t->s[0] = 0.05; /* narrow, deep */
  t->a[1] = 0.6, t->c[1] = 1.0, t->s[1] = 0.4;  /* wide, shallow */
  /* minima and the barrier between them by golden-section search on the exact f */
  for (int k = 0; k < 3; k++) {
    PetscReal lo = k == 0 ? t->c[0] - 3 * t->s[0] : (k == 1 ? t->c[1] - t->s[1] : t->c[0]), hi = k == 0 ? t->c[0] + 3 * t->s[0] : (k == 1 ? t->c[1] + t->s[1] : t->c[1]);
    const PetscReal sign = k == 2 ? -1 : 1, gr = 0.5 * (sqrt(5.0) - 1);
    for (int it = 0; it < 200; it++) {
      const PetscReal x1 = hi - gr * (hi - lo), x2 = lo + gr * (hi - lo);
      if (sign * TwoWellsF(t, x1) < sign * TwoWellsF(t, x2)) hi = x2;
      else lo = x1;
    }
    if (k < 2) xm[k] = 0.5 * (lo + hi), fm[k] = TwoWellsF(t, xm[k]);
    else t->barrier = 0.5 * (lo + hi);
  }
  mu0 = 0.5 * (xm[0] + t->barrier);
  PetscCall(OdEsObjectiveSetDimension(obj, 1));
  PetscCall(OdEsObjectiveSetEval(obj, TwoWellsEval, TwoWellsGrad, TwoWellsBasin, TwoWellsDestroy, t));
  PetscCall(OdEsObjectiveSetDefaults(obj, &mu0, 0.1));
  PetscCall(OdEsObjectiveSetMinima(obj, 2, xm, fm));
  snprintf(buf, sizeof buf, "f(w) = -%g exp(-(w-%g)^2/(2*%g^2)) - %g exp(-(w-%g)^2/(2*%g^2)); narrow minimum %.6f (f=%.6f), wide minimum %.6f (f=%.6f), barrier %.6f", (double)t->a[0], (double)t->c[0], (double)t->s[0], (double)t->a[1], (double)t->c[1], (double)t->s[1], (double)xm[0], (double)fm[0], (double)xm[1],
           (double)fm[1], (double)t->barrier);
  PetscCall(OdEsObjectiveSetFormula(obj, buf));
  PetscFunctionReturn(0);
}

/* ---- Rosenbrock ---- */
static PetscErrorCode RosenbrockEval(void *ctx, PetscInt d, const PetscReal w[], PetscReal *f)
{
  (void)ctx;
  *f = OdEsObjectiveSum(OD_ES_SUM_ROSENBROCK, OD_SIMD_AUTO, d, w, 0); /* vectorized (esperf) */
  return 0;
}
static PetscErrorCode RosenbrockGrad(void *ctx, PetscInt d, const PetscReal w[], PetscReal g[])
{
  (void)ctx;
  for (PetscInt i = 0; i < d; i++) g[i] = 0;
  for (PetscInt i = 0; i + 1 < d; i++) {
    const PetscReal a = w[i + 1] - w[i] * w[i];
    g[i] += -400 * a * w[i] - 2 * (1 - w[i]);
    g[i + 1] += 200 * a;
  }
  return 0;
}
static PetscErrorCode CreateRosenbrock(PetscOptionItems *PetscOptionsObject, PetscInt d, OdEsObjective obj)
{
  PetscReal *x, f = 0;
  PetscFunctionBegin;
  if (!d) d = 2;
  PetscCheck(d >= 2, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option -es_mu0 (or -es_dim) gives dimension %" PetscInt_FMT ", which is not allowed: rosenbrock needs d >= 2", d);
  PetscCall(OdEsObjectiveSetDimension(obj, d));
  PetscCall(OdEsObjectiveSetEval(obj, RosenbrockEval, RosenbrockGrad, NULL, NULL, NULL));
  PetscCall(PetscMalloc1(d, &x));
  for (PetscInt i = 0; i < d; i++) x[i] = -1.0;
  PetscCall(OdEsObjectiveSetDefaults(obj, x, 0.1));
  for (PetscInt i = 0; i < d; i++) x[i] = 1.0;
  PetscCall(OdEsObjectiveSetMinima(obj, 1, x, &f));
  PetscCall(PetscFree(x));
  PetscCall(OdEsObjectiveSetFormula(obj, "f(w) = sum_{i<d-1} 100 (w_{i+1} - w_i^2)^2 + (1 - w_i)^2"));
  PetscFunctionReturn(0);
}

/* ---- Rastrigin ---- */
static PetscErrorCode RastriginEval(void *ctx, PetscInt d, const PetscReal w[], PetscReal *f)
{
  (void)ctx;
  *f = 10.0 * d + OdEsObjectiveSum(OD_ES_SUM_RASTRIGIN, OD_SIMD_AUTO, d, w, 0); /* vectorized (esperf) */
  return 0;
}
static PetscErrorCode RastriginGrad(void *ctx, PetscInt d, const PetscReal w[], PetscReal g[])
{
  (void)ctx;
  for (PetscInt i = 0; i < d; i++) g[i] = 2 * w[i] + 20 * M_PI * sin(2 * M_PI * w[i]);
  return 0;
}
static PetscErrorCode CreateRastrigin(PetscOptionItems *PetscOptionsObject, PetscInt d, OdEsObjective obj)
{
  PetscReal *x, f = 0;
  (void)PetscOptionsObject;
  PetscFunctionBegin;
  if (!d) d = 2;
  PetscCall(OdEsObjectiveSetDimension(obj, d));
  PetscCall(OdEsObjectiveSetEval(obj, RastriginEval, RastriginGrad, NULL, NULL, NULL));
  PetscCall(PetscMalloc1(d, &x));
  for (PetscInt i = 0; i < d; i++) x[i] = 2.5;
  PetscCall(OdEsObjectiveSetDefaults(obj, x, 1.0));
  for (PetscInt i = 0; i < d; i++) x[i] = 0.0;
  PetscCall(OdEsObjectiveSetMinima(obj, 1, x, &f));
  PetscCall(PetscFree(x));
  PetscCall(OdEsObjectiveSetFormula(obj, "f(w) = 10 d + sum_i (w_i^2 - 10 cos(2 pi w_i))"));
  PetscFunctionReturn(0);
}

/* ---- sphere (quadratic) and linear ---- */
#define OD_ES_SPHERE_MAX_GROUPS 64
typedef struct {
  PetscReal a, b, c;
  /* -es_sphere_groups: consecutive blocks of n_g coordinates with their own scale a_g */
  PetscInt ngroups, gsize[OD_ES_SPHERE_MAX_GROUPS];
  PetscReal gscale[OD_ES_SPHERE_MAX_GROUPS];
} AffCtx;
static PetscErrorCode SphereEval(void *ctx, PetscInt d, const PetscReal w[], PetscReal *f)
{
  const AffCtx *q = (AffCtx *)ctx;
  if (!q->ngroups) {
    *f = q->a * OdEsObjectiveSum(OD_ES_SUM_SPHERE, OD_SIMD_AUTO, d, w, q->c) + q->b; /* vectorized (esperf) */
    return 0;
  }
  PetscReal s = 0; /* sum_g a_g sum_{i in g} (w_i - c)^2, groups in order */
  for (PetscInt g = 0, i0 = 0; g < q->ngroups; i0 += q->gsize[g++]) s += q->gscale[g] * OdEsObjectiveSum(OD_ES_SUM_SPHERE, OD_SIMD_AUTO, q->gsize[g], w + i0, q->c);
  *f = s + q->b;
  return 0;
}
static PetscErrorCode SphereGrad(void *ctx, PetscInt d, const PetscReal w[], PetscReal g[])
{
  const AffCtx *q = (AffCtx *)ctx;
  for (PetscInt i = 0; i < d; i++) g[i] = 2 * q->a * (w[i] - q->c);
  for (PetscInt k = 0, i0 = 0; k < q->ngroups; i0 += q->gsize[k++])
    for (PetscInt i = i0; i < i0 + q->gsize[k]; i++) g[i] = 2 * q->gscale[k] * (w[i] - q->c);
  return 0;
}
static PetscErrorCode LinearEval(void *ctx, PetscInt d, const PetscReal w[], PetscReal *f)
{
  const AffCtx *q = (AffCtx *)ctx;
  PetscReal s = 0;
  for (PetscInt i = 0; i < d; i++) s += w[i];
  *f = q->a * s + q->b;
  return 0;
}
static PetscErrorCode LinearGrad(void *ctx, PetscInt d, const PetscReal w[], PetscReal g[])
{
  const AffCtx *q = (AffCtx *)ctx;
  (void)w;
  for (PetscInt i = 0; i < d; i++) g[i] = q->a;
  return 0;
}
static PetscErrorCode AffDestroy(void *ctx) { return PetscFree(ctx); }

/* -es_sphere_groups n1,n2,... (d = sum n_g) and -es_sphere_group_scales a1,a2,... (default a):
   a separable quadratic whose coordinate blocks are the objective's groups (layerwise). */
static PetscErrorCode ReadSphereGroups(PetscOptionItems *PetscOptionsObject, AffCtx *q, PetscInt *d, OdEsObjective obj)
{
  PetscInt n = OD_ES_SPHERE_MAX_GROUPS, ns = OD_ES_SPHERE_MAX_GROUPS, total = 0, *group;
  PetscBool set, sset;
  char names[OD_ES_SPHERE_MAX_GROUPS][16];
  const char *pn[OD_ES_SPHERE_MAX_GROUPS];
  PetscFunctionBegin;
  PetscCall(OdOptionsIntList(PetscOptionsObject, "-sphere_groups", "Group sizes n1,n2,... of consecutive coordinates (d = their sum): the groups of -es_distribution layerwise", OD_RANGE_AT_LEAST(1), 0, q->gsize, &n, &set));
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-sphere_group_scales", "Scale a_g of each group: f = sum_g a_g sum_{i in g} (w_i - c)^2 + b (default: -es_sphere_scale for all)", OD_RANGE_ANY, 0, q->gscale, &ns, &sset));
  PetscCheck(!sset || set, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option -es_sphere_group_scales is not allowed without -es_sphere_groups");
  if (!set) PetscFunctionReturn(0);
  PetscCheck(!sset || ns == n, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option -es_sphere_group_scales has %" PetscInt_FMT " values, which is not allowed: -es_sphere_groups gives %" PetscInt_FMT " groups", ns, n);
  for (PetscInt g = 0; g < n; g++) total += q->gsize[g];
  PetscCheck(*d == 0 || *d == total, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option -es_sphere_groups sums to %" PetscInt_FMT ", which is not allowed: d = %" PetscInt_FMT " from -es_mu0/-es_dim", total, *d);
  q->ngroups = n, *d = total;
  for (PetscInt g = 0; g < n; g++) {
    if (!sset) q->gscale[g] = q->a;
    snprintf(names[g], sizeof names[g], "g%" PetscInt_FMT, g);
    pn[g] = names[g];
  }
  PetscCall(OdEsObjectiveSetDimension(obj, total));
  PetscCall(PetscMalloc1(total, &group));
  for (PetscInt g = 0, i = 0; g < n; g++)
    for (PetscInt k = 0; k < q->gsize[g]; k++) group[i++] = g;
  PetscCall(OdEsObjectiveSetGroups(obj, n, group, pn));
  PetscCall(PetscFree(group));
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateSphere(PetscOptionItems *PetscOptionsObject, PetscInt d, OdEsObjective obj)
{
  AffCtx *q;
  PetscReal *x;
  char buf[256];
  PetscFunctionBegin;
  PetscCall(PetscNew(&q));
  q->a = 1, q->b = 0, q->c = 0;
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sphere_scale", "a in f = a sum (w_i - c)^2 + b", OD_RANGE_ANY, &q->a, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sphere_offset", "b in f = a sum (w_i - c)^2 + b", OD_RANGE_ANY, &q->b, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-sphere_center", "c in f = a sum (w_i - c)^2 + b", OD_RANGE_ANY, &q->c, NULL));
  PetscCall(ReadSphereGroups(PetscOptionsObject, q, &d, obj));
  if (!d) d = 1;
  PetscCall(OdEsObjectiveSetDimension(obj, d));
  PetscCall(OdEsObjectiveSetEval(obj, SphereEval, SphereGrad, NULL, AffDestroy, q));
  PetscCall(PetscMalloc1(d, &x));
  for (PetscInt i = 0; i < d; i++) x[i] = q->c + 1;
  PetscCall(OdEsObjectiveSetDefaults(obj, x, 0.5));
  for (PetscInt i = 0; i < d; i++) x[i] = q->c;
  PetscBool convex = q->a > 0 ? PETSC_TRUE : PETSC_FALSE;
  if (q->ngroups) {
    convex = PETSC_TRUE;
    for (PetscInt g = 0; g < q->ngroups; g++) convex = convex && q->gscale[g] > 0;
  }
  if (convex) PetscCall(OdEsObjectiveSetMinima(obj, 1, x, &q->b));
  PetscCall(PetscFree(x));
  if (q->ngroups) snprintf(buf, sizeof buf, "f(w) = sum_g a_g sum_{i in g} (w_i - %g)^2 + %g, %" PetscInt_FMT " groups of consecutive coordinates (-es_sphere_groups, -es_sphere_group_scales)", (double)q->c, (double)q->b, q->ngroups);
  else snprintf(buf, sizeof buf, "f(w) = %g sum_i (w_i - %g)^2 + %g", (double)q->a, (double)q->c, (double)q->b);
  PetscCall(OdEsObjectiveSetFormula(obj, buf));
  PetscFunctionReturn(0);
}
static PetscErrorCode CreateLinear(PetscOptionItems *PetscOptionsObject, PetscInt d, OdEsObjective obj)
{
  AffCtx *q;
  char buf[256];
  PetscFunctionBegin;
  if (!d) d = 1;
  PetscCall(PetscNew(&q));
  q->a = 1, q->b = 0;
  PetscCall(OdOptionsReal(PetscOptionsObject, "-linear_slope", "a in f = a sum w_i + b", OD_RANGE_ANY, &q->a, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-linear_offset", "b in f = a sum w_i + b", OD_RANGE_ANY, &q->b, NULL));
  PetscCall(OdEsObjectiveSetDimension(obj, d));
  PetscCall(OdEsObjectiveSetEval(obj, LinearEval, LinearGrad, NULL, AffDestroy, q));
  PetscCall(OdEsObjectiveSetDefaults(obj, NULL, 1.0));
  snprintf(buf, sizeof buf, "f(w) = %g sum_i w_i + %g", (double)q->a, (double)q->b);
  PetscCall(OdEsObjectiveSetFormula(obj, buf));
  PetscFunctionReturn(0);
}

/* The built-ins: a constant table (es copies it into each OdEs's own objective table). */
static const struct BuiltinEntry {
  const char *name, *help;
  OdEsObjectiveCreateFn create;
} builtins[] = {
  {"himmelblau", "Himmelblau's function (d = 2), four minima with f = 0", CreateHimmelblau},
  {"sinc", "discretized non-differentiable 1 - sinc (d = 1)", CreateSinc},
  {"twowells", "narrow deep minimum next to a wide shallow one (d = 1)", CreateTwoWells},
  {"rosenbrock", "Rosenbrock, any d >= 2", CreateRosenbrock},
  {"rastrigin", "Rastrigin, any d", CreateRastrigin},
  {"sphere", "quadratic a sum (w_i - c)^2 + b, any d", CreateSphere},
  {"linear", "linear a sum w_i + b, any d", CreateLinear},
};
static const PetscInt nbuiltins = (PetscInt)(sizeof builtins / sizeof builtins[0]);

PetscErrorCode OdEsObjectiveCreateByName(PetscOptionItems *PetscOptionsObject, const char *name, PetscInt d, OdEsObjective *obj)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < nbuiltins; i++)
    if (!strcmp(builtins[i].name, name)) {
      PetscCall(OdEsObjectiveCreateWith(PetscOptionsObject, name, builtins[i].create, d, obj));
      PetscFunctionReturn(0);
    }
  SETERRQ(PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option -es_objective = '%s' is not allowed: not a built-in objective", name);
}

PetscInt OdEsObjectiveBuiltinCount(void) { return nbuiltins; }

void OdEsObjectiveBuiltin(PetscInt i, const char **name, const char **help, OdEsObjectiveCreateFn *create)
{
  *name = builtins[i].name;
  *help = builtins[i].help;
  *create = builtins[i].create;
}
