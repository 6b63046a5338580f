/* 1-D datapoint landscapes (docs/models.md §1): analytic losses, gradients and moments. */
#include <math.h>
#include <string.h>
#include "optdyn/landscape.h"
#include "optdyn/yamlcheck.h"

/* The keys a landscape file may contain (anything else is a typo and an error). */
static const char *const landscape_schema[] = {"landscape.family", "landscape.datapoints", "landscape.point_*", "landscape.u", "landscape.v", NULL};
#include "optdyn/options.h"

struct _n_OdLandscape {
  MPI_Comm comm;
  OdLandscapeFamily family;
  PetscInt J;
  char name[PETSC_MAX_PATH_LEN];
  /* gauss: datapoint j's terms are [start[j], start[j+1]) */
  PetscInt start[OD_LANDSCAPE_MAX_DATA + 1];
  PetscReal a[OD_LANDSCAPE_MAX_DATA * OD_LANDSCAPE_MAX_TERMS];
  PetscReal b[OD_LANDSCAPE_MAX_DATA * OD_LANDSCAPE_MAX_TERMS];
  PetscReal c[OD_LANDSCAPE_MAX_DATA * OD_LANDSCAPE_MAX_TERMS];
  /* linear */
  PetscReal u[OD_LANDSCAPE_MAX_DATA], v[OD_LANDSCAPE_MAX_DATA];
};

PetscErrorCode OdLandscapeCreate(MPI_Comm comm, OdLandscape *ls)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(ls));
  (*ls)->comm = comm;
  PetscCall(OdLandscapeSetBuiltin(*ls, "seed"));
  PetscFunctionReturn(0);
}

PetscErrorCode OdLandscapeDestroy(OdLandscape *ls)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(*ls));
  PetscFunctionReturn(0);
}

PetscErrorCode OdLandscapeSetGauss(OdLandscape ls, PetscInt J, const PetscInt nterms[], const PetscReal a[], const PetscReal b[], const PetscReal c[])
{
  PetscFunctionBegin;
  PetscCheck(J >= 1 && J <= OD_LANDSCAPE_MAX_DATA, ls->comm, PETSC_ERR_USER_INPUT, "landscape: %" PetscInt_FMT " datapoints; allowed 1 to %d", J, OD_LANDSCAPE_MAX_DATA);
  ls->family = OD_LANDSCAPE_GAUSS;
  ls->J = J;
  ls->start[0] = 0;
  for (PetscInt j = 0; j < J; j++) {
    PetscCheck(nterms[j] >= 1 && nterms[j] <= OD_LANDSCAPE_MAX_TERMS, ls->comm, PETSC_ERR_USER_INPUT, "landscape: datapoint %" PetscInt_FMT " has %" PetscInt_FMT " terms; allowed 1 to %d", j, nterms[j], OD_LANDSCAPE_MAX_TERMS);
    ls->start[j + 1] = ls->start[j] + nterms[j];
  }
  for (PetscInt k = 0; k < ls->start[J]; k++) {
    PetscCheck(b[k] > 0, ls->comm, PETSC_ERR_USER_INPUT, "landscape: Gaussian width parameter b = %g of term %" PetscInt_FMT " must be > 0", (double)b[k], k);
    ls->a[k] = a[k];
    ls->b[k] = b[k];
    ls->c[k] = c[k];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OdLandscapeSetLinear(OdLandscape ls, PetscInt J, const PetscReal u[], const PetscReal v[])
{
  PetscFunctionBegin;
  PetscCheck(J >= 1 && J <= OD_LANDSCAPE_MAX_DATA, ls->comm, PETSC_ERR_USER_INPUT, "landscape: %" PetscInt_FMT " datapoints; allowed 1 to %d", J, OD_LANDSCAPE_MAX_DATA);
  ls->family = OD_LANDSCAPE_LINEAR;
  ls->J = J;
  for (PetscInt j = 0; j < J; j++) {
    ls->u[j] = u[j];
    ls->v[j] = v[j];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OdLandscapeSetBuiltin(OdLandscape ls, const char *name)
{
  PetscFunctionBegin;
  if (!strcmp(name, "seed")) {
    const PetscInt n[2] = {1, 2};
    const PetscReal a[3] = {1, 1, 1}, b[3] = {1, 1, 100}, c[3] = {2, 2, 1};
    PetscCall(OdLandscapeSetGauss(ls, 2, n, a, b, c));
  } else if (!strcmp(name, "spread")) {
    const PetscReal u[2] = {0, 0}, v[2] = {-1, 1};
    PetscCall(OdLandscapeSetLinear(ls, 2, u, v));
  } else if (!strcmp(name, "linear")) {
    const PetscReal u[2] = {1.2, 0.8}, v[2] = {-2, -2};
    PetscCall(OdLandscapeSetLinear(ls, 2, u, v));
  } else {
    SETERRQ(ls->comm, PETSC_ERR_USER_INPUT, "option -landscape = '%s' is not allowed: expected seed, spread, linear or a FILE.yaml", name);
  }
  PetscCall(PetscStrncpy(ls->name, name, sizeof ls->name));
  PetscFunctionReturn(0);
}

/* Parse "r r r; r r r" or "r, r" into reals; returns count or -1 on a malformed token. */
static PetscInt ParseReals(const char *s, PetscReal out[], PetscInt cap)
{
  PetscInt n = 0;
  const char *p = s;
  while (*p) {
    while (*p == ' ' || *p == ',' || *p == ';' || *p == '\t') p++;
    if (!*p) break;
    char *end;
    double x = strtod(p, &end);
    if (end == p || !isfinite(x) || n == cap) return -1;
    out[n++] = x;
    p = end;
    if (*p && !strchr(" ,;\t", *p)) return -1;
  }
  return n;
}

static PetscInt CountChar(const char *s, char ch)
{
  PetscInt n = 0;
  for (; *s; s++) n += (*s == ch);
  return n;
}

/* Read the landscape keys from opts (the file's private options database). */
static PetscErrorCode LandscapeFromOptions(OdLandscape ls, PetscOptions opts, const char *path)
{
  char family[64] = "", key[64], val[4096];
  PetscInt J = 0;
  PetscBool flg;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(opts, NULL, "-landscape_family", family, sizeof family, &flg));
  PetscCheck(flg, ls->comm, PETSC_ERR_USER_INPUT, "landscape file %s: missing landscape.family (gauss or linear)", path);
  PetscCall(PetscOptionsGetInt(opts, NULL, "-landscape_datapoints", &J, &flg));
  PetscCheck(flg && J >= 1 && J <= OD_LANDSCAPE_MAX_DATA, ls->comm, PETSC_ERR_USER_INPUT, "landscape file %s: landscape.datapoints = %" PetscInt_FMT " must be given, 1 to %d", path, J, OD_LANDSCAPE_MAX_DATA);
  if (!strcmp(family, "gauss")) {
    PetscInt nterms[OD_LANDSCAPE_MAX_DATA], total = 0;
    PetscReal a[OD_LANDSCAPE_MAX_DATA * OD_LANDSCAPE_MAX_TERMS], b[OD_LANDSCAPE_MAX_DATA * OD_LANDSCAPE_MAX_TERMS], c[OD_LANDSCAPE_MAX_DATA * OD_LANDSCAPE_MAX_TERMS];
    for (PetscInt j = 0; j < J; j++) {
      PetscReal abc[3 * OD_LANDSCAPE_MAX_TERMS];
      snprintf(key, sizeof key, "-landscape_point_%" PetscInt_FMT, j);
      PetscCall(PetscOptionsGetString(opts, NULL, key, val, sizeof val, &flg));
      PetscCheck(flg, ls->comm, PETSC_ERR_USER_INPUT, "landscape file %s: missing landscape.point_%" PetscInt_FMT, path, j);
      PetscInt n = ParseReals(val, abc, 3 * OD_LANDSCAPE_MAX_TERMS);
      PetscCheck(n > 0 && n % 3 == 0 && n / 3 == CountChar(val, ';') + 1, ls->comm, PETSC_ERR_USER_INPUT, "landscape file %s: landscape.point_%" PetscInt_FMT " = '%s' must be terms 'a b c' separated by ';'", path, j, val);
      nterms[j] = n / 3;
      for (PetscInt k = 0; k < nterms[j]; k++, total++) {
        a[total] = abc[3 * k];
        b[total] = abc[3 * k + 1];
        c[total] = abc[3 * k + 2];
      }
    }
    PetscCall(OdLandscapeSetGauss(ls, J, nterms, a, b, c));
  } else if (!strcmp(family, "linear")) {
    PetscReal u[OD_LANDSCAPE_MAX_DATA], v[OD_LANDSCAPE_MAX_DATA];
    PetscCall(PetscOptionsGetString(opts, NULL, "-landscape_u", val, sizeof val, &flg));
    PetscCheck(flg && ParseReals(val, u, J) == J, ls->comm, PETSC_ERR_USER_INPUT, "landscape file %s: landscape.u must list %" PetscInt_FMT " slopes", path, J);
    PetscCall(PetscOptionsGetString(opts, NULL, "-landscape_v", val, sizeof val, &flg));
    PetscCheck(flg && ParseReals(val, v, J) == J, ls->comm, PETSC_ERR_USER_INPUT, "landscape file %s: landscape.v must list %" PetscInt_FMT " offsets", path, J);
    PetscCall(OdLandscapeSetLinear(ls, J, u, v));
  } else {
    SETERRQ(ls->comm, PETSC_ERR_USER_INPUT, "landscape file %s: landscape.family = '%s' is not allowed: expected gauss or linear", path, family);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OdLandscapeLoadYAML(OdLandscape ls, const char *path)
{
  PetscOptions opts;
  PetscBool flg;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(PetscTestFile(path, 'r', &flg));
  PetscCheck(flg, ls->comm, PETSC_ERR_USER_INPUT, "option -landscape = '%s': file not found or not readable", path);
  PetscCall(OdYAMLCheckFile(ls->comm, "landscape file", path, landscape_schema));
  PetscCall(PetscOptionsCreate(&opts));
  ierr = PetscOptionsInsertFileYAML(ls->comm, opts, path, PETSC_TRUE);
  if (!ierr) ierr = LandscapeFromOptions(ls, opts, path);
  PetscCall(PetscOptionsDestroy(&opts)); /* on every path: an input error must not leak */
  PetscCall(ierr);
  PetscCall(PetscStrncpy(ls->name, path, sizeof ls->name));
  PetscFunctionReturn(0);
}

PetscErrorCode OdLandscapeSetFromOptions(OdLandscape ls)
{
  char name[PETSC_MAX_PATH_LEN] = "seed";
  PetscBool set;
  size_t len;
  PetscFunctionBegin;
  PetscOptionsBegin(ls->comm, NULL, "Loss landscape (docs/models.md §1)", NULL);
  PetscCall(OdOptionsString(PetscOptionsObject, "-landscape", "Loss landscape: seed | spread | linear | FILE.yaml", name, sizeof name, &set));
  PetscOptionsEnd();
  PetscCall(PetscStrlen(name, &len));
  if (len > 5 && (!strcmp(name + len - 5, ".yaml") || !strcmp(name + len - 4, ".yml"))) PetscCall(OdLandscapeLoadYAML(ls, name));
  else PetscCall(OdLandscapeSetBuiltin(ls, name));
  PetscFunctionReturn(0);
}

OdLandscapeFamily OdLandscapeGetFamily(OdLandscape ls) { return ls->family; }
PetscInt OdLandscapeGetNumData(OdLandscape ls) { return ls->J; }
const char *OdLandscapeGetName(OdLandscape ls) { return ls->name; }

PetscErrorCode OdLandscapeDescribe(OdLandscape ls, char *buf, size_t len)
{
  PetscFunctionBegin;
  size_t used = 0;
  for (PetscInt j = 0; j < ls->J; j++) {
    if (ls->family == OD_LANDSCAPE_GAUSS) {
      used += snprintf(buf + used, used < len ? len - used : 0, "%sl_%" PetscInt_FMT " =", j ? "; " : "", j);
      for (PetscInt k = ls->start[j]; k < ls->start[j + 1]; k++)
        used += snprintf(buf + used, used < len ? len - used : 0, " - %g exp(-%g (W - %g)^2)", (double)ls->a[k], (double)ls->b[k], (double)ls->c[k]);
    } else {
      used += snprintf(buf + used, used < len ? len - used : 0, "%sg_%" PetscInt_FMT " = %g W + %g", j ? "; " : "", j, (double)ls->u[j], (double)ls->v[j]);
    }
  }
  PetscFunctionReturn(0);
}

void OdLandscapeGaussTerms(OdLandscape ls, PetscInt j, PetscInt *nterms, const PetscReal **a, const PetscReal **b, const PetscReal **c)
{
  *nterms = ls->start[j + 1] - ls->start[j];
  *a = ls->a + ls->start[j];
  *b = ls->b + ls->start[j];
  *c = ls->c + ls->start[j];
}

PetscReal OdLandscapeLoss(OdLandscape ls, PetscInt j, PetscReal W)
{
  if (ls->family == OD_LANDSCAPE_LINEAR) return 0.5 * ls->u[j] * W * W + ls->v[j] * W;
  PetscReal l = 0;
  for (PetscInt k = ls->start[j]; k < ls->start[j + 1]; k++) {
    const PetscReal x = W - ls->c[k];
    l -= ls->a[k] * exp(-ls->b[k] * x * x);
  }
  return l;
}

PetscReal OdLandscapeGrad(OdLandscape ls, PetscInt j, PetscReal W)
{
  if (ls->family == OD_LANDSCAPE_LINEAR) return ls->u[j] * W + ls->v[j];
  PetscReal g = 0;
  for (PetscInt k = ls->start[j]; k < ls->start[j + 1]; k++) {
    const PetscReal x = W - ls->c[k];
    g += 2 * ls->a[k] * ls->b[k] * x * exp(-ls->b[k] * x * x);
  }
  return g;
}

void OdLandscapeGradDerivs(OdLandscape ls, PetscInt j, PetscReal W, PetscReal d[3])
{
  if (ls->family == OD_LANDSCAPE_LINEAR) {
    d[0] = ls->u[j] * W + ls->v[j];
    d[1] = ls->u[j];
    d[2] = 0;
    return;
  }
  d[0] = d[1] = d[2] = 0;
  for (PetscInt k = ls->start[j]; k < ls->start[j + 1]; k++) {
    /* l = -a e, e = exp(-b x^2): g = 2ab x e, g' = 2ab e (1 - 2b x^2), g'' = 4ab^2 x e (2b x^2 - 3) */
    const PetscReal a = ls->a[k], b = ls->b[k], x = W - ls->c[k], e = exp(-b * x * x);
    d[0] += 2 * a * b * x * e;
    d[1] += 2 * a * b * e * (1 - 2 * b * x * x);
    d[2] += 4 * a * b * b * x * e * (2 * b * x * x - 3);
  }
}

void OdLandscapeGetMoments(OdLandscape ls, PetscReal W, OdLandscapeMoments *m)
{
  PetscReal L = 0, G = 0, dG = 0, d2G = 0, gg = 0, ggp = 0, gpgp_ggpp = 0;
  for (PetscInt j = 0; j < ls->J; j++) {
    PetscReal d[3];
    OdLandscapeGradDerivs(ls, j, W, d);
    L += OdLandscapeLoss(ls, j, W);
    G += d[0];
    dG += d[1];
    d2G += d[2];
    gg += d[0] * d[0];
    ggp += d[0] * d[1];
    gpgp_ggpp += d[1] * d[1] + d[0] * d[2];
  }
  const PetscReal inv = 1.0 / ls->J;
  L *= inv, G *= inv, dG *= inv, d2G *= inv, gg *= inv, ggp *= inv, gpgp_ggpp *= inv;
  m->L = L;
  m->G = G;
  m->dG = dG;
  m->d2G = d2G;
  /* S^2 as the mean of squared deviations (no cancellation-prone gg - G^2 when g_j agree) */
  PetscReal S2 = 0;
  for (PetscInt j = 0; j < ls->J; j++) {
    const PetscReal dev = OdLandscapeGrad(ls, j, W) - G;
    S2 += dev * dev;
  }
  m->S2 = S2 * inv;
  m->dS2 = 2 * (ggp - G * dG);
  m->d2S2 = 2 * (gpgp_ggpp - dG * dG - G * d2G);
}

/* Gradient of L (j = OD_LANDSCAPE_MEAN) or of l_j. */
static PetscReal GradOf(OdLandscape ls, PetscInt j, PetscReal W)
{
  if (j >= 0) return OdLandscapeGrad(ls, j, W);
  PetscReal G = 0;
  for (PetscInt i = 0; i < ls->J; i++) G += OdLandscapeGrad(ls, i, W);
  return G / ls->J;
}

/* Bisect a sign change of the gradient in [lo, hi] (f(lo) and f(hi) of opposite sign) to round-off. */
static PetscReal BisectGrad(OdLandscape ls, PetscInt j, PetscReal lo, PetscReal hi)
{
  PetscReal flo = GradOf(ls, j, lo);
  for (int it = 0; it < 200; it++) {
    const PetscReal mid = 0.5 * (lo + hi);
    if (mid <= PetscMin(lo, hi) || mid >= PetscMax(lo, hi)) break;
    const PetscReal fm = GradOf(ls, j, mid);
    if (fm == 0) return mid;
    if ((fm > 0) == (flo > 0)) lo = mid, flo = fm;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

#define OD_SCAN_STEP 1e-4
#define OD_SCAN_MAX 2000000 /* scan at most 200 units of W */

PetscErrorCode OdLandscapeFindMinimum(OdLandscape ls, PetscInt j, PetscReal guess, PetscReal *Wmin)
{
  PetscFunctionBegin;
  PetscReal g0 = GradOf(ls, j, guess);
  if (g0 == 0) {
    *Wmin = guess;
    PetscFunctionReturn(0);
  }
  /* walk downhill: left if the gradient is positive, right if negative */
  const PetscReal dir = g0 > 0 ? -1 : 1;
  PetscReal prev = guess;
  for (PetscInt i = 1; i <= OD_SCAN_MAX; i++) {
    const PetscReal W = guess + dir * i * OD_SCAN_STEP;
    if ((GradOf(ls, j, W) > 0) != (g0 > 0)) {
      *Wmin = BisectGrad(ls, j, prev, W);
      PetscFunctionReturn(0);
    }
    prev = W;
  }
  SETERRQ(ls->comm, PETSC_ERR_USER_INPUT, "landscape %s: no local minimum within 200 of W = %g", ls->name, (double)guess);
}

PetscErrorCode OdLandscapeFindBarrierRight(OdLandscape ls, PetscInt j, PetscReal W, PetscReal *Wtop)
{
  PetscFunctionBegin;
  PetscReal prev = W + OD_SCAN_STEP, gprev = GradOf(ls, j, prev);
  for (PetscInt i = 2; i <= OD_SCAN_MAX; i++) {
    const PetscReal x = W + i * OD_SCAN_STEP, g = GradOf(ls, j, x);
    if (gprev > 0 && g <= 0) {
      *Wtop = BisectGrad(ls, j, prev, x);
      PetscFunctionReturn(0);
    }
    prev = x, gprev = g;
  }
  SETERRQ(ls->comm, PETSC_ERR_USER_INPUT, "landscape %s: no barrier top (local maximum) within 200 to the right of W = %g; give the escape edge explicitly", ls->name, (double)W);
}

/* ---- degenerate stationary states ---- */

/* Bisect the sign change of G in [a, b] (G(a) < 0 < G(b)) to round-off. */
static PetscReal BisectMeanGradient(OdLandscape ls, PetscReal a, PetscReal b)
{
  OdLandscapeMoments m;
  for (int it = 0; it < 200 && b - a > 4 * PETSC_MACHINE_EPSILON * PetscMax(fabs(a), 1); it++) {
    const PetscReal c = 0.5 * (a + b);
    OdLandscapeGetMoments(ls, c, &m);
    if (m.G < 0) a = c;
    else b = c;
  }
  return 0.5 * (a + b);
}

PetscErrorCode OdLandscapeFindPointMasses(OdLandscape ls, PetscReal T, PetscReal Wmin, PetscReal Wmax, PetscReal resolution, PetscInt *natoms, OdLandscapePointMass atoms[])
{
  const PetscInt nscan = 100000;
  const PetscReal dx = (Wmax - Wmin) / nscan;
  OdLandscapeMoments m;
  PetscReal Gprev;
  PetscFunctionBegin;
  *natoms = 0;
  OdLandscapeGetMoments(ls, Wmin, &m);
  Gprev = m.G;
  for (PetscInt i = 1; i <= nscan; i++) {
    const PetscReal x = Wmin + i * dx;
    OdLandscapeGetMoments(ls, x, &m);
    if (Gprev < 0 && m.G >= 0) { /* a minimum of L: gradient descent is attracted here */
      OdLandscapeMoments at;
      const PetscReal W = BisectMeanGradient(ls, x - dx, x);
      OdLandscapeGetMoments(ls, W, &at);
      /* continuum stationary width: D / (T G') with D = T^2 S2 / 2 (local Ornstein-Uhlenbeck) */
      const PetscReal width = at.dG > 0 ? sqrt(PetscMax(T * at.S2 / (2 * at.dG), 0)) : PETSC_INFINITY;
      if (width < resolution && *natoms < OD_LANDSCAPE_MAX_POINT_MASSES) {
        atoms[*natoms].W = W, atoms[*natoms].width = width;
        (*natoms)++;
      }
    }
    Gprev = m.G;
  }
  PetscFunctionReturn(0);
}
