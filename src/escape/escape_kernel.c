/* The Monte Carlo kernel of optdyn escape: first-passage steps of SGD walkers (SPEC §2).
 *
 * Walker-steps per second is what an escape sweep costs, so the hot loop is tuned:
 *  - 16 independent walkers advance in interleaved lanes so that their dependency chains
 *    (each step needs the previous one) overlap in the CPU;
 *  - lanes move in lockstep through blocks of 4 steps with one Philox call per lane and
 *    block (its 4 words are the block's 4 datapoint draws);
 *  - the gradient is branch-free (datapoints padded to equal term counts with exact zeros)
 *    and exp is table-driven with a short dependency chain (<= 2 ulp, unit-tested).
 * A walker's trajectory never depends on its lane, its neighbours or the walker range of the
 * call, so results are a pure function of (seed, point, walker): independent of the rank
 * count and chunking. (A 2- and 4-wide SIMD variant with a polynomial exp was measured
 * 1.3-1.8x slower than this on the x86-64 baseline ISA and was dropped.)
 */
#include <math.h>
#include "optdyn/escape.h"


/*
 * exp for the hot loop: x = (64k + i) ln2/64 + r with |r| <= ln2/128, exp(x) = 2^k * 2^(i/64) * p(r)
 * where p is the degree-5 Taylor polynomial (truncation < 4e-17 relative) and 2^(i/64) comes
 * from a 64-entry table. About 1 ulp, plain arithmetic with a short dependency chain (so the
 * interleaved lanes overlap), deterministic on every rank. Arguments below -700 return 0,
 * far below anything that can change W - T g at double precision.
 */
typedef struct {
  PetscReal two_i64[64]; /* 2^(i/64) */
} ExpTable;

static void ExpTableFill(ExpTable *t)
{
  for (int i = 0; i < 64; i++) t->two_i64[i] = exp2(i / 64.0);
}

static inline PetscReal FastExp(const ExpTable *t, PetscReal x)
{
  if (x < -700.0) return 0.0;
  const PetscReal inv = 64 * 1.44269504088896338700e+00, ln2_hi = 6.93147180369123816490e-01 / 64, ln2_lo = 1.90821492927058770002e-10 / 64;
  const PetscReal shifter = 6755399441055744.0; /* 1.5 * 2^52: rounds to an integer */
  const PetscReal nd = (x * inv + shifter) - shifter;
  const PetscReal r = (x - nd * ln2_hi) - nd * ln2_lo;
  const int64_t n = (int64_t)nd, k = n >> 6; /* floor division: n = 64 k + i */
  const int i = (int)(n & 63);
  const PetscReal r2 = r * r;
  const PetscReal p = 1.0 + r + r2 * ((0.5 + r * (1.0 / 6)) + r2 * ((1.0 / 24) + r * (1.0 / 120)));
  union {
    double d;
    int64_t i;
  } scale;
  scale.i = (int64_t)(1023 + k) << 52; /* k >= -1011 here, so 2^k is normal */
  return p * t->two_i64[i] * scale.d;
}

/* Gradient of datapoint j for the Gaussian family, inlined for the hot loop. Every datapoint is
   padded to the same number of terms with zero-amplitude terms appended after its own, so the
   term loop has a fixed trip count and no branch depends on the random datapoint (a
   mispredicted branch per step would stall the interleaved lanes). Adding the exact zeros of
   the padding terms leaves g unchanged bit for bit. */
typedef struct {
  ExpTable exp;
  PetscInt J, nterms;
  PetscReal ab2[OD_LANDSCAPE_MAX_DATA * OD_LANDSCAPE_MAX_TERMS], b[OD_LANDSCAPE_MAX_DATA * OD_LANDSCAPE_MAX_TERMS], c[OD_LANDSCAPE_MAX_DATA * OD_LANDSCAPE_MAX_TERMS];
} GaussTable;

static void GaussTableFill(OdLandscape ls, GaussTable *t)
{
  ExpTableFill(&t->exp);
  t->J = OdLandscapeGetNumData(ls);
  t->nterms = 0;
  for (PetscInt j = 0; j < t->J; j++) {
    PetscInt n;
    const PetscReal *a, *b, *c;
    OdLandscapeGaussTerms(ls, j, &n, &a, &b, &c);
    t->nterms = PetscMax(t->nterms, n);
  }
  for (PetscInt j = 0; j < t->J; j++) {
    PetscInt n;
    const PetscReal *a, *b, *c;
    OdLandscapeGaussTerms(ls, j, &n, &a, &b, &c);
    for (PetscInt k = 0; k < t->nterms; k++) {
      const PetscInt at = j * t->nterms + k;
      t->ab2[at] = k < n ? 2 * a[k] * b[k] : 0;
      t->b[at] = k < n ? b[k] : 1;
      t->c[at] = k < n ? c[k] : 0;
    }
  }
}

static inline PetscReal GaussGrad(const GaussTable *t, uint32_t j, PetscReal W)
{
  PetscReal g = 0;
  const PetscInt k0 = (PetscInt)j * t->nterms;
  for (PetscInt k = k0; k < k0 + t->nterms; k++) {
    const PetscReal x = W - t->c[k];
    g += t->ab2[k] * x * FastExp(&t->exp, -t->b[k] * x * x);
  }
  return g;
}

/* One walker in flight: a lane of the interleaved kernel. */
typedef struct {
  PetscReal W;
  PetscInt walker, step;
  uint32_t words[4];
} Lane;

/* Independent walkers are advanced in interleaved lanes so that the CPU overlaps their
   dependency chains (each step of one walker needs the previous one). Lanes move in lockstep
   through blocks of 4 steps, one Philox call per lane and block, so no branch depends on a
   lane's phase; a lane whose walker escaped or ran out of budget idles to the end of the block
   and then takes the next walker. A walker's trajectory never depends on its lane, so the
   results are those of walking each walker alone. */
#define OD_ESCAPE_LANES 16

static inline PetscReal DatapointGrad(const OdEscapeProblem *pb, const GaussTable *table, PetscBool gauss, uint32_t j, PetscReal W)
{
  return gauss ? GaussGrad(table, j, W) : OdLandscapeGrad(pb->landscape, (PetscInt)j, W);
}

void OdEscapeFirstPassage(const OdEscapeProblem *pb, const OdRng *rng, uint32_t point, PetscInt w_begin, PetscInt w_end, PetscInt steps[])
{
  const PetscBool gauss = OdLandscapeGetFamily(pb->landscape) == OD_LANDSCAPE_GAUSS;
  const uint32_t J = (uint32_t)OdLandscapeGetNumData(pb->landscape);
  const PetscReal T = pb->T, edge = pb->edge;
  const PetscInt nmax = pb->max_steps;
  GaussTable table;
  Lane lane[OD_ESCAPE_LANES];
  PetscInt next = w_begin, live = OD_ESCAPE_LANES;
  if (gauss) GaussTableFill(pb->landscape, &table);
  for (int l = 0; l < OD_ESCAPE_LANES; l++) lane[l].walker = -1;
  while (live > 0) {
    /* block start: refill idle lanes, draw 4 steps' words for every lane */
    live = 0;
    for (int l = 0; l < OD_ESCAPE_LANES; l++) {
      Lane *ln = &lane[l];
      if (ln->walker < 0 && next < w_end) {
        ln->walker = next++;
        ln->W = pb->W0;
        ln->step = 0;
      }
      if (ln->walker < 0) continue;
      live++;
      OdRngWords(rng, OdCounterMake(point, (uint32_t)ln->walker, (uint32_t)(ln->step >> 2), 0), ln->words);
    }
    for (int q = 0; q < 4; q++) {
      for (int l = 0; l < OD_ESCAPE_LANES; l++) {
        Lane *ln = &lane[l];
        if (ln->walker < 0) continue;
        const uint32_t j = OdRngIndexFromWord(ln->words[q], J);
        ln->W -= T * DatapointGrad(pb, &table, gauss, j, ln->W);
        ln->step++;
        const PetscBool escaped = ln->W > edge;
        if (escaped || ln->step == nmax) {
          steps[ln->walker - w_begin] = escaped ? ln->step : 0;
          ln->walker = -1;
        }
      }
    }
  }
}

double OdEscapeKernelExp(double x)
{
  ExpTable t;
  ExpTableFill(&t);
  return FastExp(&t, x);
}

/* added by fp: OdEscapeWalk (escape.h), the same walker step with walls and scaled noise */
static inline PetscReal WalkGradient(const OdEscapeProblem *ep, const GaussTable *table, PetscBool gauss, uint32_t J, PetscReal s, PetscReal sq, const uint32_t words[4], PetscInt step, PetscReal W)
{
  if (s == 1) return DatapointGrad(ep, table, gauss, OdRngIndexFromWord(words[step & 3], J), W);
  PetscReal G = 0;
  for (uint32_t j = 0; j < J; j++) G += DatapointGrad(ep, table, gauss, j, W);
  G /= J;
  if (s == 0) return G;
  return G + sq * (DatapointGrad(ep, table, gauss, OdRngIndexFromWord(words[step & 3], J), W) - G);
}

void OdEscapeWalk(const OdEscapeWalkProblem *pb, const OdRng *rng, uint32_t point, PetscInt w_begin, PetscInt w_end, PetscInt s0, PetscInt s1, PetscReal W[], PetscBool alive[])
{
  const PetscBool gauss = OdLandscapeGetFamily(pb->landscape) == OD_LANDSCAPE_GAUSS;
  const uint32_t J = (uint32_t)OdLandscapeGetNumData(pb->landscape);
  const PetscReal T = pb->T, s = pb->noise, sq = PetscSqrtReal(pb->noise), lo = pb->lo, hi = pb->hi;
  const OdEscapeProblem ep = {pb->landscape, T, 0, hi, s1};
  GaussTable table;
  if (gauss) GaussTableFill(pb->landscape, &table);
  for (PetscInt w = w_begin; w < w_end; w++) {
    PetscReal x = W[w - w_begin];
    uint32_t words[4];
    if (!alive[w - w_begin]) continue;
    for (PetscInt step = s0; step < s1; step++) {
      if (s != 0 && ((step & 3) == 0 || step == s0)) OdRngWords(rng, OdCounterMake(point, (uint32_t)w, (uint32_t)(step >> 2), 0), words);
      x -= T * WalkGradient(&ep, &table, gauss, J, s, sq, words, step, x);
      if (x > hi) {
        if (pb->hi_absorbing) alive[w - w_begin] = PETSC_FALSE;
        else x = PetscMax(2 * hi - x, lo);
      } else if (x < lo) {
        if (pb->lo_absorbing) alive[w - w_begin] = PETSC_FALSE;
        else x = PetscMin(2 * lo - x, hi);
      }
      if (!isfinite(x)) alive[w - w_begin] = PETSC_FALSE;
      if (!alive[w - w_begin]) break;
    }
    W[w - w_begin] = x;
  }
}
