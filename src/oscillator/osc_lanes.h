/* The oscillator's measurement on W cells (eta, beta) at once, written once and compiled per
   instruction-set level (osc_lanes_{sse2,avx2,avx512}.c define OD_OSC_SUFFIX and the native
   width OD_OSC_W = 2, 4, 8 doubles: GCC lowers wider generic vectors poorly). Mirrors
   MeasurePass of oscillator_measure.c operation for operation (see osc_lanes_impl.h).
   A cell that stops (round-off floor, divergence, D = 0, end of its window) is retired: its
   lane is masked out of every accumulator and its state frozen while the others continue.
   Step counts and window bounds are held in doubles (exact integers): double compares exist
   at every level, 64-bit integer compares do not (SSE2). */
#include <float.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include "osc_lanes_impl.h"

#define OD_OSC_CAT2(a, b) a##b
#define OD_OSC_CAT(a, b) OD_OSC_CAT2(a, b)

typedef double vd __attribute__((vector_size(8 * OD_OSC_W)));
typedef int64_t vi __attribute__((vector_size(8 * OD_OSC_W)));
typedef uint64_t vu __attribute__((vector_size(8 * OD_OSC_W)));

#define ALWAYS static inline __attribute__((always_inline))

ALWAYS vd Splat(double x)
{
  vd v;
  for (int l = 0; l < OD_OSC_W; l++) v[l] = x;
  return v;
}
/* C's compares on doubles (ordered, quiet; != unordered) through intrinsics: GCC 12 lowers
   some generic vector compares to scalar code (AVX2) or fails on them (SSE2). */
#if defined(__AVX512F__)
#define OSC_CMP_BODY(op, sse, cop) return (vi)_mm512_movm_epi64(_mm512_cmp_pd_mask((__m512d)a, (__m512d)b, op));
#elif defined(__AVX__)
#define OSC_CMP_BODY(op, sse, cop) return (vi)_mm256_cmp_pd((__m256d)a, (__m256d)b, op);
#elif defined(__SSE2__)
#define OSC_CMP_BODY(op, sse, cop) return (vi)sse((__m128d)a, (__m128d)b);
#else
#define OSC_CMP_BODY(op, sse, cop) return a cop b;
#endif
#define OSC_DEFINE_CMP(name, op, sse, cop) \
  ALWAYS vi name(vd a, vd b) { OSC_CMP_BODY(op, sse, cop) }
OSC_DEFINE_CMP(Lt, _CMP_LT_OQ, _mm_cmplt_pd, <)
OSC_DEFINE_CMP(Le, _CMP_LE_OQ, _mm_cmple_pd, <=)
OSC_DEFINE_CMP(Gt, _CMP_GT_OQ, _mm_cmpgt_pd, >)
OSC_DEFINE_CMP(Ge, _CMP_GE_OQ, _mm_cmpge_pd, >=)
OSC_DEFINE_CMP(Eq, _CMP_EQ_OQ, _mm_cmpeq_pd, ==)
OSC_DEFINE_CMP(Ne, _CMP_NEQ_UQ, _mm_cmpneq_pd, !=)

#define OSC_VD vd
#define OSC_VI vi
#define OSC_VU vu
#define OSC_LT(a, c) Lt(a, Splat(c))
#define OSC_GT(a, c) Gt(a, Splat(c))
#define OSC_EQ(a, c) Eq(a, Splat(c))
#include "osc_log.h"

ALWAYS vd Load(const double *p)
{
  vd v;
  memcpy(&v, p, sizeof v);
  return v;
}
ALWAYS void Store(double *p, vd v) { memcpy(p, &v, sizeof v); }
ALWAYS vd Sel(vi mask, vd a, vd b) { return OscLogSelect(mask, a, b); }
ALWAYS vd Abs(vd x) { return (vd)((vi)x & INT64_C(0x7fffffffffffffff)); }
ALWAYS int Any(vi m)
{
#if defined(__AVX512F__)
  return _mm512_test_epi64_mask((__m512i)m, (__m512i)m) != 0;
#elif defined(__AVX__)
  return _mm256_movemask_pd((__m256d)m) != 0;
#elif defined(__SSE2__)
  return _mm_movemask_pd((__m128d)m) != 0;
#else
  int64_t r = 0;
  for (int l = 0; l < OD_OSC_W; l++) r |= m[l];
  return r != 0;
#endif
}

/* correctly rounded square root (IEEE: the same bits as the scalar sqrt) */
ALWAYS vd Sqrt(vd x)
{
#if defined(__AVX512F__)
  return (vd)_mm512_sqrt_pd((__m512d)x);
#elif defined(__AVX__)
  return (vd)_mm256_sqrt_pd((__m256d)x);
#elif defined(__SSE2__)
  return (vd)_mm_sqrt_pd((__m128d)x);
#else
  vd r;
  for (int l = 0; l < OD_OSC_W; l++) r[l] = __builtin_sqrt(x[l]);
  return r;
#endif
}

typedef struct {
  vd x[OD_OSC_MAXDIM], xp[OD_OSC_MAXDIM], m[OD_OSC_MAXDIM], v[OD_OSC_MAXDIM], b1t, b2t;
  vd scale; /* log2 of the renormalization (homogeneous runs) */
} Lanes;

/* OdOscProblemGradient */
ALWAYS void Grad(const OdOscLanesSpec *sp, const vd x[], vd g[])
{
  switch (sp->kind) {
  case OD_OSC_QUAD1D:
    g[0] = sp->K[0] * x[0];
    break;
  case OD_OSC_QUAD2D:
    g[0] = sp->K[0] * x[0] + sp->K[1] * x[1];
    g[1] = sp->K[2] * x[0] + sp->K[3] * x[1];
    break;
  case OD_OSC_ROSENBROCK:
    g[0] = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] * x[0]);
    g[1] = 200 * (x[1] - x[0] * x[0]);
    break;
  default: { /* himmelblau (landscapes never reach the lanes) */
    const vd a = x[0] * x[0] + x[1] - 11, b = x[0] + x[1] * x[1] - 7;
    g[0] = 4 * x[0] * a + 2 * b;
    g[1] = 2 * a + 4 * x[1] * b;
  }
  }
}

/* OdOscStep's new x (adam/rmsprop also update their moments) */
ALWAYS void Step(const OdOscLanesSpec *sp, vd eta, vd beta, Lanes *s, vd xn[])
{
  const int n = sp->dim;
  vd g[OD_OSC_MAXDIM] = {0}, y[OD_OSC_MAXDIM] = {0};
  switch (sp->type) {
  case OD_OSC_GD:
    Grad(sp, s->x, g);
    for (int i = 0; i < n; i++) xn[i] = s->x[i] - eta * g[i];
    break;
  case OD_OSC_MOMENTUM:
    Grad(sp, s->x, g);
    for (int i = 0; i < n; i++) xn[i] = s->x[i] - eta * g[i] + beta * (s->x[i] - s->xp[i]);
    break;
  case OD_OSC_NESTEROV:
    for (int i = 0; i < n; i++) y[i] = s->x[i] + beta * (s->x[i] - s->xp[i]);
    Grad(sp, y, g);
    for (int i = 0; i < n; i++) xn[i] = y[i] - eta * g[i];
    break;
  case OD_OSC_ADAM:
    Grad(sp, s->x, g);
    s->b1t *= beta, s->b2t *= sp->beta2;
    for (int i = 0; i < n; i++) {
      s->m[i] = beta * s->m[i] + (1 - beta) * g[i];
      s->v[i] = sp->beta2 * s->v[i] + (1 - sp->beta2) * g[i] * g[i];
      const vd mh = s->m[i] / (1 - s->b1t), vh = s->v[i] / (1 - s->b2t);
      xn[i] = s->x[i] - eta * mh / (Sqrt(vh) + sp->epsilon);
    }
    break;
  default: /* rmsprop */
    Grad(sp, s->x, g);
    for (int i = 0; i < n; i++) {
      s->v[i] = beta * s->v[i] + (1 - beta) * g[i] * g[i];
      xn[i] = s->x[i] - eta * g[i] / (Sqrt(s->v[i]) + sp->epsilon);
    }
    break;
  }
}

/* PhaseDistance squared (its sqrt is D) */
ALWAYS vd Distance2(const OdOscLanesSpec *sp, const Lanes *s)
{
  vd d2 = Splat(0);
  for (int i = 0; i < sp->dim; i++) {
    const vd e = s->x[i] - sp->xmin[i], ep = s->xp[i] - sp->xmin[i];
    d2 += e * e + ep * ep;
  }
  return d2;
}

/* one step on the active lanes (the others keep their state: all = every lane active), then D^2 */
ALWAYS vd Advance(const OdOscLanesSpec *sp, vd eta, vd beta, Lanes *s, vi active, int all)
{
  vd xn[OD_OSC_MAXDIM];
  Step(sp, eta, beta, s, xn);
  for (int i = 0; i < sp->dim; i++) {
    s->xp[i] = all ? s->x[i] : Sel(active, s->x[i], s->xp[i]);
    s->x[i] = all ? xn[i] : Sel(active, xn[i], s->x[i]);
  }
  return Distance2(sp, s);
}

static void Init(const OdOscLanesSpec *sp, Lanes *s)
{
  memset(s, 0, sizeof *s);
  for (int i = 0; i < sp->dim; i++) s->x[i] = s->xp[i] = Splat(sp->x0[i]);
  s->b1t = s->b2t = Splat(1);
}

/* Quiet range of D^2: inside it no test of the reference can fire (D is normal, not 0, inside
   the renormalization bounds and, in pass 1 of other runs, inside [tol D0, 1e100 D0]), so D's
   square root is only taken when a lane leaves it or log D is recorded. The bounds are the
   squares of D's bounds (2^-+400: exact, since sqrt is correctly rounded and monotone) or
   tightened by 2^-40 relative (tol D0, 1e100 D0: any D^2 inside gives a D strictly inside). */
static void QuietRange(const OdOscLanesSpec *sp, int pass_end, double *lo, double *hi)
{
  if (sp->homogeneous) {
    *lo = 0x1p-800, *hi = 0x1p800;
    return;
  }
  *lo = 0x1p-1000, *hi = 0x1p1000;
  if (!pass_end) return;
  const double t = sp->tol * sp->D0, u = 1e100 * sp->D0;
  if (t * t * (1 + 0x1p-40) > *lo) *lo = t * t * (1 + 0x1p-40);
  if (u * u * (1 - 0x1p-40) < *hi) *hi = u * u * (1 - 0x1p-40);
}

ALWAYS vi Outside(vd d2, double lo, double hi) { return ~(Ge(d2, Splat(lo)) & Le(d2, Splat(hi))); }

/* homogeneous runs: renormalize lanes whose D left [2^-400, 2^400] by 2^-+400 (exact) */
ALWAYS void Rescale(const OdOscLanesSpec *sp, Lanes *s, vi active, vd *D)
{
  const vi r = active & (Lt(*D, Splat(0x1p-400)) | Gt(*D, Splat(0x1p400)));
  if (!Any(r)) return;
  const vi up = Lt(*D, Splat(1));
  const vd f = Sel(up, Splat(0x1p400), Splat(0x1p-400)), e = Sel(up, Splat(400), Splat(-400));
  for (int i = 0; i < sp->dim; i++) {
    s->x[i] = Sel(r, s->x[i] * f, s->x[i]);
    s->xp[i] = Sel(r, s->xp[i] * f, s->xp[i]);
  }
  s->scale = Sel(r, s->scale - e, s->scale);
  *D = Sel(r, Sqrt(Distance2(sp, s)), *D);
}

/* D is not a normal number (and not 0): the run ended one step earlier */
ALWAYS vi NotNormal(vd D) { return ~(Ge(D, Splat(DBL_MIN)) & Le(D, Splat(DBL_MAX))) & Ne(D, Splat(0)); }

/* Pass 1 at a step where some lane left the quiet range: the reference's tests, exactly. */
ALWAYS void EndTests(const OdOscLanesSpec *sp, Lanes *s, vd D, int64_t k, vi *active, vd *end)
{
  const vi zero = Eq(D, Splat(0)), bad = NotNormal(D);
  *end = Sel(*active & bad, Splat((double)(k - 1)), *end);
  *end = Sel(*active & zero, Splat((double)k), *end);
  *active &= ~(bad | zero);
  if (sp->homogeneous) Rescale(sp, s, *active, &D);
  else {
    const vi stop = *active & (Lt(D, Splat(sp->tol * sp->D0)) | Gt(D, Splat(1e100 * sp->D0)));
    *end = Sel(stop, Splat((double)k), *end);
    *active &= ~stop;
  }
}

/* Pass 1: the step at which each lane's run ends. */
static vd PassEnd(const OdOscLanesSpec *sp, vd eta, vd beta)
{
  Lanes s;
  vi active = (vi){0} - 1;
  vd end = Splat(0);
  int all = 1;
  double lo, hi;
  QuietRange(sp, 1, &lo, &hi);
  Init(sp, &s);
  for (int64_t k = 1; k <= sp->max_steps; k++) {
    const vd d2 = Advance(sp, eta, beta, &s, active, all);
    if (!Any(active & Outside(d2, lo, hi))) continue;
    EndTests(sp, &s, Sqrt(d2), k, &active, &end);
    if (!Any(active)) break;
    all = !Any(~active);
  }
  return Sel(active, Splat((double)sp->max_steps), end);
}

typedef struct {
  vd end, wb, q;         /* window [wb, end], quarter length q */
  vd zero, lb, le, block[4], proj[OD_OSC_MAXDIM], prevp[OD_OSC_MAXDIM];
  vd flips[OD_OSC_MAXDIM], pairs[OD_OSC_MAXDIM];
  vi prevvalid[OD_OSC_MAXDIM];
  double first_lo, first_hi, last_lo, last_hi; /* steps at which some lane records log D */
} Window;

/* log D over the window: its value at both ends and the first/last-quarter block sums */
ALWAYS void RecordLog(Window *w, const Lanes *s, vi active, vd D, double k)
{
  const vd K = Splat(k);
  const vi first = active & Ge(K, w->wb) & Lt(K, w->wb + w->q);
  const vi last = active & Gt(w->q, Splat(0)) & Gt(K, w->end - w->q);
  const vi at_begin = active & Eq(K, w->wb), at_end = active & Eq(K, w->end);
  if (!Any(first | last | at_begin | at_end)) return;
  const vd logD = OscLogV(D) + s->scale * M_LN2;
  w->lb = Sel(at_begin, logD, w->lb);
  w->le = Sel(at_end, logD, w->le);
  w->block[0] = Sel(first, w->block[0] + logD, w->block[0]);
  w->block[1] = Sel(first, w->block[1] + K, w->block[1]);
  w->block[2] = Sel(last, w->block[2] + logD, w->block[2]);
  w->block[3] = Sel(last, w->block[3] + K, w->block[3]);
}

/* sign changes of the displacement along each eigenvector inside the window */
ALWAYS void RecordFlips(const OdOscLanesSpec *sp, Window *w, const Lanes *s, vi active, double k)
{
  const int n = sp->dim;
  const vd K = Splat(k);
  const vi in = active & Ge(K, w->wb), later = Gt(K, w->wb);
  if (!Any(in)) return;
  vd enorm = Splat(0);
  for (int i = 0; i < n; i++) {
    const vd e = s->x[i] - sp->xmin[i];
    enorm += e * e;
  }
  enorm = Sqrt(enorm);
  for (int d = 0; d < n; d++) {
    vd p = Splat(0);
    for (int i = 0; i < n; i++) p += sp->evec[i * n + d] * (s->x[i] - sp->xmin[i]);
    const vi valid = Gt(Abs(p), 1e-9 * enorm);
    const vi pair = in & valid & w->prevvalid[d] & later;
    w->pairs[d] = Sel(pair, w->pairs[d] + 1, w->pairs[d]);
    w->flips[d] = Sel(pair & (Gt(p, Splat(0)) ^ Gt(w->prevp[d], Splat(0))), w->flips[d] + 1, w->flips[d]);
    w->prevp[d] = Sel(in, p, w->prevp[d]);
    w->prevvalid[d] = (in & valid) | (~in & w->prevvalid[d]);
    w->proj[d] = Sel(in, p, w->proj[d]);
  }
}

/* the smallest end among the active lanes (when the next retirement can happen) */
static double NextEnd(const Window *w, vi active)
{
  double m = INFINITY;
  for (int l = 0; l < OD_OSC_W; l++)
    if (active[l] && w->end[l] < m) m = w->end[l];
  return m;
}

/* Pass 2: rerun each lane to its end and measure its window [end/2, end]. */
static void PassWindow(const OdOscLanesSpec *sp, vd eta, vd beta, Window *w)
{
  Lanes s;
  vi active = Ge(w->end, Splat(1));
  int all = !Any(~active);
  double lo, hi, next_end = NextEnd(w, active);
  QuietRange(sp, 0, &lo, &hi);
  Init(sp, &s);
  for (int64_t k = 1; Any(active); k++) {
    const double kd = (double)k;
    const vd d2 = Advance(sp, eta, beta, &s, active, all);
    vd D = Splat(NAN);
    int have_D = 0;
    if (Any(active & Outside(d2, lo, hi))) { /* the reference's tests, exactly */
      D = Sqrt(d2), have_D = 1;
      const vi zero = Eq(D, Splat(0));
      w->zero = Sel(active & zero, Splat(1), w->zero);
      active &= ~(NotNormal(D) | zero);
      if (sp->homogeneous) Rescale(sp, &s, active, &D);
    }
    if ((kd >= w->first_lo && kd < w->first_hi) || (kd >= w->last_lo && kd <= w->last_hi)) RecordLog(w, &s, active, have_D ? D : Sqrt(d2), kd);
    if (kd >= w->first_lo) RecordFlips(sp, w, &s, active, kd);
    if (kd >= next_end) {
      active &= Lt(Splat(kd), w->end);
      all = !Any(~active), next_end = NextEnd(w, active);
    }
  }
}

static void WindowInit(const OdOscLanesSpec *sp, vd end, Window *w)
{
  memset(w, 0, sizeof *w);
  w->end = end;
  w->first_lo = w->last_lo = INFINITY, w->first_hi = w->last_hi = -INFINITY;
  for (int l = 0; l < OD_OSC_W; l++) { /* integer halving and quartering, as the reference */
    const int64_t e = (int64_t)end[l], b = e / 2, q = (e - b) / 4, q1 = q > 0 ? q : 1;
    w->wb[l] = (double)b, w->q[l] = (double)q;
    if (e < 1) continue;
    /* a superset of the steps RecordLog acts on: [b, b + q1) and (e - q1, e] */
    w->first_lo = fmin(w->first_lo, (double)b), w->first_hi = fmax(w->first_hi, (double)(b + q1));
    w->last_lo = fmin(w->last_lo, (double)(e - q1 + 1)), w->last_hi = fmax(w->last_hi, (double)e);
  }
  w->lb = Splat(sp->logD0); /* window starting at step 0 */
  w->le = Splat(NAN);
}

void OD_OSC_CAT(OdOscLanes_, OD_OSC_SUFFIX)(const OdOscLanesSpec *sp, OdOscLanesOut *out)
{
  const vd eta = Load(sp->eta), beta = Load(sp->beta);
  Window w;
  WindowInit(sp, PassEnd(sp, eta, beta), &w);
  PassWindow(sp, eta, beta, &w);
  Store(out->end, w.end), Store(out->zero, w.zero), Store(out->lb, w.lb), Store(out->le, w.le);
  for (int j = 0; j < 4; j++) Store(out->block[j], w.block[j]);
  for (int d = 0; d < sp->dim; d++) Store(out->proj[d], w.proj[d]), Store(out->flips[d], w.flips[d]), Store(out->pairs[d], w.pairs[d]);
}
