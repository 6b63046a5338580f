/* The Monte Carlo kernel of optdyn escape: first-passage steps of SGD walkers (docs/models.md §2).
 *
 * Walker-steps per second is what an escape sweep costs, so the hot path is a lane kernel
 * (escape_kernel_lanes.h) compiled for AVX-512, AVX2 and the x86-64 baseline and chosen at run
 * time (simd.h): 32 walkers in flight as 4 vectors of 8 lanes; a lane retires its walker
 * (masked: the first-passage step is latched in the lane, no branch) and is refilled with the
 * next walker every 32 steps; a walker's random bits come 64 at a time from one Philox call per
 * 128 steps (J = 2); exp is a 16-entry table held in registers plus a polynomial.
 *
 * This file holds the plain reference (one walker at a time, the same operation sequence,
 * escape_kernel_impl.h), the lane bookkeeping and the dispatch. A walker's trajectory is a
 * pure function of (seed, point, walker): it never depends on its lane, the walker range of
 * the call, the rank count or the instruction-set level.
 *
 * Random stream: with J = 2^m datapoints, a step takes s = 1, 2, 4 or 8 bits (the smallest
 * power of two >= m); step n (0-based) of walker w at sweep point i reads slot n mod (128/s) of
 * Philox(seed, OD_STREAM_ESCAPE) at counter (i, w, n / (128/s), 0): word (slot s / 32), bits
 * (slot s) mod 32 upwards, and takes j = those bits mod J. Other J take one 32-bit word per step
 * (4 per call) and j = (word J) >> 32.
 */
#include <math.h>
#include <string.h>
#include "optdyn/escape.h"
#include "optdyn/simd.h"
#include "escape_kernel_impl.h"

/* ---------------- the operation sequence, one walker at a time ---------------- */

static inline double ExpScalar(const double two_i16[16], double x)
{
  const double t = x * OD_EXP_INV_LN2_16 + OD_EXP_SHIFTER;
  const double nd = t - OD_EXP_SHIFTER;
  const double r = (x - nd * OD_EXP_LN2_HI_16) - nd * OD_EXP_LN2_LO_16;
  int64_t n;
  memcpy(&n, &t, sizeof n);
  n -= OD_EXP_SHIFTER_BITS;
  const double r2 = r * r, r4 = r2 * r2;
  const double a = OD_EXP_C2 + r * OD_EXP_C3, b = OD_EXP_C4 + r * OD_EXP_C5, c = OD_EXP_C6 + r * OD_EXP_C7;
  const double q = r + r2 * ((a + r2 * b) + r4 * c);
  const double tab = two_i16[n & 15];
  const double y = tab + tab * q;
  const int64_t scale_bits = ((n >> 4) + 1023) * (INT64_C(1) << 52);
  double scale;
  memcpy(&scale, &scale_bits, sizeof scale);
  return x >= OD_EXP_MIN ? y * scale : 0.0;
}

static void ExpTableFill(double two_i16[16])
{
  for (int i = 0; i < 16; i++) two_i16[i] = exp2(i / 16.0);
}

double OdEscapeKernelExp(double x)
{
  double t[16];
  ExpTableFill(t);
  return ExpScalar(t, x);
}

static inline double GradScalar(const OdEscTable *t, uint32_t j, double W)
{
  double g = 0.0;
  for (int k = 0; k < t->nterms; k++) {
    const double x = W - t->c[k][j];
    const double arg = (t->nb[k][j] * x) * x;
    g = g + (t->ab2[k][j] * x) * ExpScalar(t->two_i16, arg);
  }
  return g;
}

/* Can the Gaussian terms go into 16-entry tables (then the lane kernel applies)? */
static PetscBool TableFits(OdLandscape ls)
{
  const PetscInt J = OdLandscapeGetNumData(ls);
  return OdLandscapeGetFamily(ls) == OD_LANDSCAPE_GAUSS && J <= OD_ESC_TAB && (J & (J - 1)) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

static void TableFill(OdLandscape ls, OdEscTable *t)
{
  memset(t, 0, sizeof *t);
  ExpTableFill(t->two_i16);
  t->J = (uint32_t)OdLandscapeGetNumData(ls);
  for (uint32_t j = 0; j < t->J; j++) {
    PetscInt n;
    const PetscReal *a, *b, *c;
    OdLandscapeGaussTerms(ls, j, &n, &a, &b, &c);
    t->nterms = PetscMax(t->nterms, (int)n);
    for (PetscInt k = 0; k < n; k++) {
      t->ab2[k][j] = 2 * a[k] * b[k];
      t->nb[k][j] = -b[k];
      t->c[k][j] = c[k];
    }
  }
  int m = 0;
  while ((1u << m) < t->J) m++;
  t->slot_bits = m <= 1 ? 1 : m <= 2 ? 2 : 4;
}

/* ---------------- the random stream ---------------- */

/* Bits per step for J datapoints: 1, 2, 4, 8 for J = 2^m (m <= 8), else 32 (a whole word). */
static int SlotBits(uint32_t J)
{
  if (J & (J - 1)) return 32;
  int m = 0;
  while ((1u << m) < J) m++;
  return m <= 1 ? 1 : m <= 2 ? 2 : m <= 4 ? 4 : 8;
}

/* The datapoint of step n of a walker, given the Philox words of its block n / (128/s). */
static inline uint32_t StepIndex(const uint32_t words[4], int64_t n, int s, uint32_t J)
{
  const int slot = (int)(n % (128 / s));
  if (s == 32) return OdRngIndexFromWord(words[slot], J);
  const uint32_t bits = words[slot * s / 32] >> ((slot * s) % 32);
  return bits & (J - 1);
}

/* ---------------- the plain reference ---------------- */

static PetscInt WalkOne(const OdEscapeProblem *pb, const OdEscTable *t, PetscBool table, const OdRng *rng, uint32_t point, PetscInt w)
{
  const uint32_t J = (uint32_t)OdLandscapeGetNumData(pb->landscape);
  const int s = SlotBits(J), per_block = 128 / s;
  uint32_t words[4];
  double W = pb->W0;
  for (int64_t n = 0; n < pb->max_steps; n++) {
    if (n % per_block == 0) OdRngWords(rng, OdCounterMake(point, (uint32_t)w, (uint32_t)(n / per_block), 0), words);
    const uint32_t j = StepIndex(words, n, s, J);
    W = W - pb->T * (table ? GradScalar(t, j, W) : OdLandscapeGrad(pb->landscape, (PetscInt)j, W));
    if (W > pb->edge) return (PetscInt)(n + 1);
  }
  return 0;
}

static void FirstPassageReference(const OdEscapeProblem *pb, const OdEscTable *t, PetscBool table, const OdRng *rng, uint32_t point, PetscInt w_begin, PetscInt w_end, PetscInt steps[])
{
  for (PetscInt w = w_begin; w < w_end; w++) steps[w - w_begin] = WalkOne(pb, t, table, rng, point, w);
}

/* ---------------- single precision: the plain float reference ---------------- */

static inline float ExpScalarF(const float two_i16[16], float x)
{
  const float t = x * OD_EXPF_INV_LN2_16 + OD_EXPF_SHIFTER;
  const float nd = t - OD_EXPF_SHIFTER;
  const float r = (x - nd * OD_EXPF_LN2_HI_16) - nd * OD_EXPF_LN2_LO_16;
  int32_t n;
  memcpy(&n, &t, sizeof n);
  n -= OD_EXPF_SHIFTER_BITS;
  const float r2 = r * r;
  const float q = r + r2 * ((OD_EXPF_C2 + r * OD_EXPF_C3) + r2 * OD_EXPF_C4);
  const float tab = two_i16[n & 15];
  const float y = tab + tab * q;
  const uint32_t scale_bits = (((uint32_t)n >> 4) + 127) << 23;
  float scale;
  memcpy(&scale, &scale_bits, sizeof scale);
  return x >= OD_EXPF_MIN ? y * scale : 0.0f;
}

/* The double tables rounded to float (2^(i/16) rounded once from the double value). */
static void TableFillF(const OdEscTable *t, OdEscTableF *f)
{
  memset(f, 0, sizeof *f);
  for (int j = 0; j < OD_ESC_TAB; j++) {
    f->two_i16[j] = (float)t->two_i16[j];
    for (int k = 0; k < OD_LANDSCAPE_MAX_TERMS; k++) f->ab2[k][j] = (float)t->ab2[k][j], f->nb[k][j] = (float)t->nb[k][j], f->c[k][j] = (float)t->c[k][j];
  }
}

static PetscInt WalkOneF(const OdEscapeProblem *pb, const OdEscTable *t, const OdEscTableF *f, const OdRng *rng, uint32_t point, PetscInt w)
{
  const int s = t->slot_bits, per_block = 128 / s;
  const float T = (float)pb->T, edge = (float)pb->edge;
  uint32_t words[4];
  float W = (float)pb->W0;
  for (int64_t n = 0; n < pb->max_steps; n++) {
    if (n % per_block == 0) OdRngWords(rng, OdCounterMake(point, (uint32_t)w, (uint32_t)(n / per_block), 0), words);
    const uint32_t j = StepIndex(words, n, s, t->J);
    float g = 0.0f;
    for (int k = 0; k < t->nterms; k++) {
      const float x = W - f->c[k][j];
      const float arg = (f->nb[k][j] * x) * x;
      g = g + (f->ab2[k][j] * x) * ExpScalarF(f->two_i16, arg);
    }
    W = W - T * g;
    if (W > edge) return (PetscInt)(n + 1);
  }
  return 0;
}

/* ---------------- the lane kernel's bookkeeping ---------------- */

static OdEscAdvanceFn AdvanceFor(OdSimdLevel level)
{
  switch (level) {
#if defined(OPTDYN_SIMD_X86)
  case OD_SIMD_AVX512:
    return OdEscAdvance_avx512;
  case OD_SIMD_AVX2:
    return OdEscAdvance_avx2;
#endif
  default:
    return OdEscAdvance_sse2;
  }
}

static OdEscAdvanceFnF AdvanceForF(OdSimdLevel level)
{
  switch (level) {
#if defined(OPTDYN_SIMD_X86)
  case OD_SIMD_AVX512:
    return OdEscAdvanceF_avx512;
  case OD_SIMD_AVX2:
    return OdEscAdvanceF_avx2;
#endif
  default:
    return OdEscAdvanceF_sse2;
  }
}

/* Where the next walker of a batch comes from, and which walker each lane runs. */
typedef struct {
  const OdEscapeWalkers *r;
  PetscInt nr, ri, next; /* the next walker to start: walker `next` of range ri */
  PetscInt walker[OD_ESC_NL_MAX], range[OD_ESC_NL_MAX]; /* walker -1: the lane is idle */
  uint32_t words[OD_ESC_NL_MAX][4]; /* the Philox block the lane's pool is cut from */
} LaneFeed;

/* Start the next walker of the batch in lane l (ranges in order); PETSC_FALSE when none is left. */
static PetscBool StartWalker(const OdEscapeProblem *pb, LaneFeed *f, int l, OdEscLanes *ln)
{
  while (f->ri < f->nr && f->next >= f->r[f->ri].w_end) {
    if (++f->ri < f->nr) f->next = f->r[f->ri].w_begin;
  }
  if (f->ri >= f->nr) return PETSC_FALSE;
  f->walker[l] = f->next++, f->range[l] = f->ri;
  ln->W[l] = pb->W0, ln->T[l] = f->r[f->ri].T, ln->step[l] = 0, ln->esc[l] = 0;
  return PETSC_TRUE;
}

/* Between blocks: retire lanes whose walker escaped or used its budget, refill idle lanes with
   the next walkers, and hand every walker the random bits of its next pool_bits-bit pool (a new
   Philox call every 128/s steps). Returns the number of busy lanes. */
static int Bookkeep(const OdEscapeProblem *pb, const OdEscTable *t, const OdRng *rng, int nl, int pool_bits, LaneFeed *f, OdEscLanes *ln)
{
  const int s = t->slot_bits, per_pool = pool_bits / s, per_block = 128 / s;
  int busy = 0;
  for (int l = 0; l < nl; l++) {
    if (f->walker[l] >= 0 && (ln->esc[l] || ln->step[l] >= pb->max_steps)) {
      const OdEscapeWalkers *r = &f->r[f->range[l]];
      r->steps[f->walker[l] - r->w_begin] = (PetscInt)ln->esc[l];
      f->walker[l] = -1;
    }
    if (f->walker[l] < 0 && !StartWalker(pb, f, l, ln)) continue;
    busy++;
    const int64_t n = ln->step[l];
    if (n % per_pool) continue; /* mid-pool: nothing to do */
    if (n % per_block == 0) OdRngWords(rng, OdCounterMake(f->r[f->range[l]].point, (uint32_t)f->walker[l], (uint32_t)(n / per_block), 0), f->words[l]);
    const int word = (int)(n % per_block) * s / 32; /* the pool's first 32-bit word of the block */
    ln->pool[l] = pool_bits == 32 ? f->words[l][word] : (uint64_t)f->words[l][word] | (uint64_t)f->words[l][word + 1] << 32;
  }
  return busy;
}

/* Run a batch of walker ranges through the lanes: a lane that retires takes the next walker of
   the batch, whatever its range, so lanes idle only while the whole batch drains. */
static void FirstPassageLanes(const OdEscapeProblem *pb, const OdEscTable *t, OdSimdLevel level, const OdRng *rng, PetscInt nr, const OdEscapeWalkers r[])
{
  const PetscBool single = pb->precision == OD_ESCAPE_SINGLE ? PETSC_TRUE : PETSC_FALSE;
  const OdEscAdvanceFn advance = AdvanceFor(level);
  const OdEscAdvanceFnF advance_f = AdvanceForF(level);
  OdEscTableF tf;
  OdEscLanes ln;
  LaneFeed f;
  memset(&ln, 0, sizeof ln);
  memset(&f, 0, sizeof f);
  f.r = r, f.nr = nr, f.next = nr > 0 ? r[0].w_begin : 0;
  for (int l = 0; l < OD_ESC_NL_MAX; l++) f.walker[l] = -1, ln.W[l] = pb->W0;
  const int pool_bits = single ? 32 : 64, nl = single ? OD_ESC_NLF : OD_ESC_NL;
  const int nsteps = PetscMin(OD_ESC_BLOCK, pool_bits / t->slot_bits); /* a block never straddles two pools */
  if (single) TableFillF(t, &tf);
  while (Bookkeep(pb, t, rng, nl, pool_bits, &f, &ln) > 0) {
    if (single) advance_f(&tf, t, (float)pb->edge, pb->max_steps, nsteps, &ln);
    else advance(t, pb->edge, pb->max_steps, nsteps, &ln);
  }
}

/* ---------------- the entry points ---------------- */

PetscBool OdEscapeSingleSupported(OdLandscape ls) { return TableFits(ls); }

void OdEscapeFirstPassageBatch(const OdEscapeProblem *pb, OdSimdLevel level, const OdRng *rng, PetscInt nr, const OdEscapeWalkers r[])
{
  const PetscBool table = TableFits(pb->landscape);
  OdEscTable t;
  level = OdSimdResolve(level);
  memset(&t, 0, sizeof t);
  if (table) TableFill(pb->landscape, &t);
  if (table && level != OD_SIMD_SCALAR) {
    FirstPassageLanes(pb, &t, level, rng, nr, r);
    return;
  }
  if (pb->precision == OD_ESCAPE_SINGLE) { /* the float reference (the command checks the table fits) */
    OdEscTableF tf;
    TableFillF(&t, &tf);
    for (PetscInt i = 0; i < nr; i++) {
      OdEscapeProblem one = *pb;
      one.T = r[i].T;
      for (PetscInt w = r[i].w_begin; w < r[i].w_end; w++) r[i].steps[w - r[i].w_begin] = WalkOneF(&one, &t, &tf, rng, r[i].point, w);
    }
    return;
  }
  for (PetscInt i = 0; i < nr; i++) {
    OdEscapeProblem one = *pb;
    one.T = r[i].T;
    FirstPassageReference(&one, &t, table, rng, r[i].point, r[i].w_begin, r[i].w_end, r[i].steps);
  }
}

void OdEscapeFirstPassageSimd(const OdEscapeProblem *pb, OdSimdLevel level, const OdRng *rng, uint32_t point, PetscInt w_begin, PetscInt w_end, PetscInt steps[])
{
  const OdEscapeWalkers r = {point, pb->T, w_begin, w_end, steps};
  OdEscapeFirstPassageBatch(pb, level, rng, 1, &r);
}

void OdEscapeFirstPassage(const OdEscapeProblem *pb, const OdRng *rng, uint32_t point, PetscInt w_begin, PetscInt w_end, PetscInt steps[])
{
  OdEscapeFirstPassageSimd(pb, OD_SIMD_AUTO, rng, point, w_begin, w_end, steps);
}

/* OdEscapeWalk (escape.h): the reference walker step (same stream, same gradient) with walls
 * and scaled noise, for other modules (fp's Monte Carlo validation). */
static inline double DatapointGradient(const OdEscapeWalkProblem *pb, const OdEscTable *t, PetscBool table, uint32_t j, double W)
{
  return table ? GradScalar(t, j, W) : OdLandscapeGrad(pb->landscape, (PetscInt)j, W);
}

/* noise 1: SGD's gradient g_j; 0: the mean G; else G + sqrt(noise) (g_j - G). */
static inline double WalkGradient(const OdEscapeWalkProblem *pb, const OdEscTable *t, PetscBool table, uint32_t J, uint32_t j, double sq, double W)
{
  if (pb->noise == 1) return DatapointGradient(pb, t, table, j, W);
  double G = 0;
  for (uint32_t k = 0; k < J; k++) G += DatapointGradient(pb, t, table, k, W);
  G /= J;
  if (pb->noise == 0) return G;
  return G + sq * (DatapointGradient(pb, t, table, j, W) - G);
}

/* Reflect at or absorb through the walls; returns PETSC_FALSE when the walker leaves. */
static inline PetscBool ApplyWalls(const OdEscapeWalkProblem *pb, double *x)
{
  if (*x > pb->hi) {
    if (pb->hi_absorbing) return PETSC_FALSE;
    *x = PetscMax(2 * pb->hi - *x, pb->lo);
  } else if (*x < pb->lo) {
    if (pb->lo_absorbing) return PETSC_FALSE;
    *x = PetscMin(2 * pb->lo - *x, pb->hi);
  }
  return isfinite(*x) ? PETSC_TRUE : PETSC_FALSE;
}

void OdEscapeWalk(const OdEscapeWalkProblem *pb, const OdRng *rng, uint32_t point, PetscInt w_begin, PetscInt w_end, PetscInt s0, PetscInt s1, PetscReal W[], PetscBool alive[])
{
  const uint32_t J = (uint32_t)OdLandscapeGetNumData(pb->landscape);
  const int s = SlotBits(J), per_block = 128 / s;
  const PetscBool table = TableFits(pb->landscape);
  const double sq = sqrt(pb->noise);
  OdEscTable t;
  if (table) TableFill(pb->landscape, &t);
  for (PetscInt w = w_begin; w < w_end; w++) {
    double x = W[w - w_begin];
    uint32_t words[4];
    if (!alive[w - w_begin]) continue;
    for (int64_t n = s0; n < s1; n++) {
      if (n % per_block == 0 || n == s0) OdRngWords(rng, OdCounterMake(point, (uint32_t)w, (uint32_t)(n / per_block), 0), words);
      x = x - pb->T * WalkGradient(pb, &t, table, J, StepIndex(words, n, s, J), sq, x);
      if (!ApplyWalls(pb, &x)) {
        alive[w - w_begin] = PETSC_FALSE;
        break;
      }
    }
    W[w - w_begin] = x;
  }
}
