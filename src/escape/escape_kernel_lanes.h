/* The lane kernel of optdyn escape, written once and compiled once per instruction-set level
   (escape_kernel_{sse2,avx2,avx512}.c define OD_ESC_SUFFIX and include this file; CMake gives
   each its -m flags, and -ffp-contract=off to all). GCC vector extensions express the lane
   arithmetic: every build performs the same IEEE operations in the same order on every lane,
   the operation sequence of escape_kernel_impl.h, so each lane reproduces the plain reference
   bit for bit. Table look-ups are permutes of register-resident 16-entry tables. */
#include <string.h>
#include "escape_kernel_impl.h"

#define OD_ESC_CAT2(a, b) a##b
#define OD_ESC_CAT(a, b) OD_ESC_CAT2(a, b)
#define OD_ESC_FN OD_ESC_CAT(OdEscAdvance_, OD_ESC_SUFFIX)

typedef double vd __attribute__((vector_size(8 * OD_ESC_VL)));
typedef int64_t vi __attribute__((vector_size(8 * OD_ESC_VL)));
typedef uint64_t vu __attribute__((vector_size(8 * OD_ESC_VL)));

#if defined(__AVX2__) /* intrinsics of the AVX2 look-up and comparisons (clang at avx512 takes them too) */
#include <immintrin.h>
#endif

/* A 16-entry table, held the way each level looks it up: AVX-512, two registers for the
   two-register permute; AVX2, the low and the high 32-bit words of the 16 doubles in four
   registers, looked up by 8-lane word permutes; the baseline, memory and a lane loop. A look-up
   moves data only, so every variant gives the same values. */
#if defined(__AVX512F__) && !defined(__clang__)
#define OD_ESC_TAB_AVX512 1
typedef struct {
  vd lo, hi; /* entries 0-7 and 8-15 */
} Tab16;
#elif defined(__AVX2__)
#define OD_ESC_TAB_AVX2 1
typedef struct { /* looked up by word permutes (vpermps), replacing two gathers per look-up */
  __m256i lo[2], hi[2]; /* low / high 32-bit words of entries 0-7 and 8-15 */
} Tab16;
#else
typedef struct {
  const double *mem;
} Tab16;
#endif

static inline Tab16 TabLoad(const double *t)
{
  Tab16 r;
#if defined(OD_ESC_TAB_AVX512)
  memcpy(&r.lo, t, sizeof r.lo);
  memcpy(&r.hi, t + OD_ESC_VL, sizeof r.hi);
#elif defined(OD_ESC_TAB_AVX2)
  uint32_t lo[16], hi[16];
  for (int i = 0; i < 16; i++) {
    uint64_t b;
    memcpy(&b, t + i, sizeof b);
    lo[i] = (uint32_t)b, hi[i] = (uint32_t)(b >> 32);
  }
  for (int h = 0; h < 2; h++) r.lo[h] = _mm256_loadu_si256((const __m256i *)(lo + 8 * h)), r.hi[h] = _mm256_loadu_si256((const __m256i *)(hi + 8 * h));
#else
  r.mem = t;
#endif
  return r;
}

#if defined(OD_ESC_TAB_AVX2)
/* Words idx[l] (bits 0-3) of a 16-word table in two registers: permute both, pick by bit 3. */
static inline __m256 Words16(const __m256i w[2], __m256i p, __m256 bit3)
{
  return _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_castsi256_ps(w[0]), p), _mm256_permutevar8x32_ps(_mm256_castsi256_ps(w[1]), p), bit3);
}
#endif

static inline __attribute__((always_inline)) vd TabLookup(Tab16 t, vi idx)
{
#if defined(OD_ESC_TAB_AVX512)
  return __builtin_shuffle(t.lo, t.hi, idx);
#elif defined(OD_ESC_TAB_AVX2)
  union {
    vi v;
    __m256i h[2];
  } in = {idx};
  union {
    vd v;
    __m256 h[2];
  } out;
  /* the 8 indices' low words, in the order [0 1 4 5 2 3 6 7] that the unpacks below undo */
  const __m256i p = _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(in.h[0]), _mm256_castsi256_ps(in.h[1]), _MM_SHUFFLE(2, 0, 2, 0)));
  const __m256 bit3 = _mm256_castsi256_ps(_mm256_slli_epi32(p, 28));
  const __m256 lo = Words16(t.lo, p, bit3), hi = Words16(t.hi, p, bit3);
  out.h[0] = _mm256_unpacklo_ps(lo, hi); /* lanes 0-3: (low, high) word pairs */
  out.h[1] = _mm256_unpackhi_ps(lo, hi); /* lanes 4-7 */
  return out.v;
#else
  vd r;
  for (int l = 0; l < OD_ESC_VL; l++) r[l] = t.mem[idx[l]];
  return r;
#endif
}

/* Lane masks (all ones / zero) of a > b and a >= b, ordered (false for NaN) as in C. GCC lowers
   these comparisons of 8-double vectors lane by lane in the AVX2 build, so it gets intrinsics. */
#if defined(OD_ESC_TAB_AVX2)
static inline vi CmpLanes(vd a, vd b, int ge)
{
  union {
    vd v;
    __m256d h[2];
  } x = {a}, y = {b};
  union {
    vi v;
    __m256d h[2];
  } r;
  for (int h = 0; h < 2; h++) r.h[h] = ge ? _mm256_cmp_pd(x.h[h], y.h[h], _CMP_GE_OQ) : _mm256_cmp_pd(x.h[h], y.h[h], _CMP_GT_OQ);
  return r.v;
}
#else
static inline vi CmpLanes(vd a, vd b, int ge) { return ge ? (vi)(a >= b) : (vi)(a > b); }
#endif

static inline vd Splat(double x) { return (vd){x, x, x, x, x, x, x, x}; }

/* The table exp of escape_kernel_impl.h on 8 lanes. */
static inline vd ExpLanes(Tab16 two_i16, vd x)
{
  const vd t = x * Splat(OD_EXP_INV_LN2_16) + Splat(OD_EXP_SHIFTER);
  const vd nd = t - Splat(OD_EXP_SHIFTER);
  const vd r = (x - nd * Splat(OD_EXP_LN2_HI_16)) - nd * Splat(OD_EXP_LN2_LO_16);
  const vi n = (vi)t - OD_EXP_SHIFTER_BITS;
  const vd r2 = r * r, r4 = r2 * r2;
  const vd a = Splat(OD_EXP_C2) + r * Splat(OD_EXP_C3);
  const vd b = Splat(OD_EXP_C4) + r * Splat(OD_EXP_C5);
  const vd c = Splat(OD_EXP_C6) + r * Splat(OD_EXP_C7);
  const vd q = r + r2 * ((a + r2 * b) + r4 * c);
  const vd tab = TabLookup(two_i16, n & 15);
  const vd y = tab + tab * q;
  /* (n >> 4) + 1023 << 52 keeps only bits 4-15 of n, the same for a logical shift (AVX2 has no
     64-bit arithmetic shift) */
  const vd scale = (vd)((((vu)n >> 4) + 1023) << 52);
  const vi keep = CmpLanes(x, Splat(OD_EXP_MIN), 1); /* all ones, or zero: exp underflows to 0 */
  return (vd)((vi)(y * scale) & keep);
}

/* The tables of the first nt terms, loaded once per block (registers when nt is a constant). */
typedef struct {
  Tab16 ab2, nb, c;
} Term;

/* One SGD step of 8 lanes: the datapoint's gradient summed over its terms in term order. */
static inline __attribute__((always_inline)) vd StepLanes(const Term *term, int nt, Tab16 two_i16, vi j, vd W, vd vT)
{
  vd g = Splat(0.0);
  for (int k = 0; k < nt; k++) {
    const vd x = W - TabLookup(term[k].c, j);
    const vd arg = (TabLookup(term[k].nb, j) * x) * x;
    g = g + (TabLookup(term[k].ab2, j) * x) * ExpLanes(two_i16, arg);
  }
  return W - vT * g;
}

/* Vectors advanced together: enough independent dependency chains to overlap, few enough that
   their state mostly stays in registers (measured: AVX-512 and AVX2 fastest with all 4, the
   baseline's 16 two-double registers with 2). Lanes are independent, so the grouping changes
   the speed only. */
#if defined(__AVX2__)
#define OD_ESC_GROUP 4
#else
#define OD_ESC_GROUP 2
#endif

/* Advance the OD_ESC_NV vectors of lanes by nsteps steps, OD_ESC_GROUP at a time; nt is a
   compile-time constant in the specialized callers, so the term tables stay in registers and
   the loops unroll. */
static inline __attribute__((always_inline)) void AdvanceBlock(const OdEscTable *t, int nt, double edge, int64_t max_steps, int nsteps, OdEscLanes *ln)
{
  Term term[OD_LANDSCAPE_MAX_TERMS];
  for (int k = 0; k < nt; k++) term[k] = (Term){TabLoad(t->ab2[k]), TabLoad(t->nb[k]), TabLoad(t->c[k])};
  const Tab16 two_i16 = TabLoad(t->two_i16);
  const vu jmask = (vu){0} + (uint64_t)(t->J - 1);
  const int sb = t->slot_bits;
  const vd vedge = Splat(edge);
  const vi vmax = (vi){0} + max_steps;
  vd W[OD_ESC_NV], vT[OD_ESC_NV];
  vu pool[OD_ESC_NV];
  vi step[OD_ESC_NV], esc[OD_ESC_NV];
  for (int v = 0; v < OD_ESC_NV; v++) {
    memcpy(&W[v], ln->W + v * OD_ESC_VL, sizeof W[v]);
    memcpy(&vT[v], ln->T + v * OD_ESC_VL, sizeof vT[v]);
    memcpy(&pool[v], ln->pool + v * OD_ESC_VL, sizeof pool[v]);
    memcpy(&step[v], ln->step + v * OD_ESC_VL, sizeof step[v]);
    memcpy(&esc[v], ln->esc + v * OD_ESC_VL, sizeof esc[v]);
  }
  for (int v0 = 0; v0 < OD_ESC_NV; v0 += OD_ESC_GROUP)
    for (int s = 0; s < nsteps; s++) {
#pragma GCC unroll 8
      for (int v = v0; v < v0 + OD_ESC_GROUP; v++) {
        const vi j = (vi)(pool[v] & jmask);
        pool[v] >>= sb;
        W[v] = StepLanes(term, nt, two_i16, j, W[v], vT[v]);
        step[v] += 1;
        const vi first = CmpLanes(W[v], vedge, 0) & (esc[v] == 0) & (step[v] <= vmax);
        esc[v] |= step[v] & first;
      }
    }
  for (int v = 0; v < OD_ESC_NV; v++) {
    memcpy(ln->W + v * OD_ESC_VL, &W[v], sizeof W[v]);
    memcpy(ln->pool + v * OD_ESC_VL, &pool[v], sizeof pool[v]);
    memcpy(ln->step + v * OD_ESC_VL, &step[v], sizeof step[v]);
    memcpy(ln->esc + v * OD_ESC_VL, &esc[v], sizeof esc[v]);
  }
}

void OD_ESC_FN(const OdEscTable *t, double edge, int64_t max_steps, int nsteps, OdEscLanes *ln)
{
  switch (t->nterms) { /* the common term counts get their own unrolled code */
  case 1:
    AdvanceBlock(t, 1, edge, max_steps, nsteps, ln);
    break;
  case 2:
    AdvanceBlock(t, 2, edge, max_steps, nsteps, ln);
    break;
  case 3:
    AdvanceBlock(t, 3, edge, max_steps, nsteps, ln);
    break;
  default:
    AdvanceBlock(t, t->nterms, edge, max_steps, nsteps, ln);
  }
}

/* ---------------- single precision: 16 float lanes per vector ---------------- */

#define OD_ESCF_FN OD_ESC_CAT(OdEscAdvanceF_, OD_ESC_SUFFIX)
typedef float vf __attribute__((vector_size(4 * OD_ESC_VLF)));
typedef int32_t vi32 __attribute__((vector_size(4 * OD_ESC_VLF)));
typedef uint32_t vu32 __attribute__((vector_size(4 * OD_ESC_VLF)));

static inline vf SplatF(float x) { return (vf){0} + x; }

/* A 16-entry float table is one 16-lane vector; a look-up is a one-register permute (AVX-512:
   vpermps; narrower builds: what GCC makes of it). It moves data only. */
static inline vf TabF(const float *t)
{
  vf r;
  memcpy(&r, t, sizeof r);
  return r;
}

/* One-register permute of 16 floats by lane indices 0..15; it moves data only. GCC's generic
   shuffle; clang (the fuzzing build) has no variable-index shuffle, so a lane loop there. */
static inline vf PermF(vf t, vi32 idx)
{
#if defined(__clang__)
  vf r;
  for (int l = 0; l < OD_ESC_VLF; l++) r[l] = t[idx[l] & 15];
  return r;
#else
  return __builtin_shuffle(t, idx);
#endif
}

static inline vf ExpLanesF(vf two_i16, vf x)
{
  const vf t = x * SplatF(OD_EXPF_INV_LN2_16) + SplatF(OD_EXPF_SHIFTER);
  const vf nd = t - SplatF(OD_EXPF_SHIFTER);
  const vf r = (x - nd * SplatF(OD_EXPF_LN2_HI_16)) - nd * SplatF(OD_EXPF_LN2_LO_16);
  const vi32 n = (vi32)t - OD_EXPF_SHIFTER_BITS;
  const vf r2 = r * r;
  const vf q = r + r2 * ((SplatF(OD_EXPF_C2) + r * SplatF(OD_EXPF_C3)) + r2 * SplatF(OD_EXPF_C4));
  const vf tab = PermF(two_i16, n & 15);
  const vf y = tab + tab * q;
  const vf scale = (vf)((((vu32)n >> 4) + 127) << 23);
  const vi32 keep = x >= SplatF(OD_EXPF_MIN);
  return (vf)((vi32)(y * scale) & keep);
}

static inline __attribute__((always_inline)) vf StepLanesF(const vf *ab2, const vf *nb, const vf *c, int nt, vf two_i16, vi32 j, vf W, vf vT)
{
  vf g = SplatF(0.0f);
  for (int k = 0; k < nt; k++) {
    const vf x = W - PermF(c[k], j);
    const vf arg = (PermF(nb[k], j) * x) * x;
    g = g + (PermF(ab2[k], j) * x) * ExpLanesF(two_i16, arg);
  }
  return W - vT * g;
}

/* Lane state in and out: W and T are floats held as doubles (exact both ways); counters as
   32-bit (budgets are checked to fit). */
static inline void LoadLanesF(const OdEscLanes *ln, int v, vf *W, vf *T, vu32 *pool, vi32 *step, vi32 *esc)
{
  for (int l = 0; l < OD_ESC_VLF; l++) {
    const int at = v * OD_ESC_VLF + l;
    (*W)[l] = (float)ln->W[at], (*T)[l] = (float)ln->T[at];
    (*pool)[l] = (uint32_t)ln->pool[at], (*step)[l] = (int32_t)ln->step[at], (*esc)[l] = (int32_t)ln->esc[at];
  }
}

static inline void StoreLanesF(OdEscLanes *ln, int v, vf W, vu32 pool, vi32 step, vi32 esc)
{
  for (int l = 0; l < OD_ESC_VLF; l++) {
    const int at = v * OD_ESC_VLF + l;
    ln->W[at] = W[l], ln->pool[at] = pool[l], ln->step[at] = step[l], ln->esc[at] = esc[l];
  }
}

static inline __attribute__((always_inline)) void AdvanceBlockF(const OdEscTableF *t, const OdEscTable *meta, int nt, float edge, int64_t max_steps, int nsteps, OdEscLanes *ln)
{
  vf ab2[OD_LANDSCAPE_MAX_TERMS], nb[OD_LANDSCAPE_MAX_TERMS], c[OD_LANDSCAPE_MAX_TERMS];
  for (int k = 0; k < nt; k++) ab2[k] = TabF(t->ab2[k]), nb[k] = TabF(t->nb[k]), c[k] = TabF(t->c[k]);
  const vf two_i16 = TabF(t->two_i16), vedge = SplatF(edge);
  const vu32 jmask = (vu32){0} + (meta->J - 1);
  const int sb = meta->slot_bits;
  const vi32 vmax = (vi32){0} + (int32_t)max_steps;
  vf W[OD_ESC_NV], vT[OD_ESC_NV];
  vu32 pool[OD_ESC_NV];
  vi32 step[OD_ESC_NV], esc[OD_ESC_NV];
  for (int v = 0; v < OD_ESC_NV; v++) LoadLanesF(ln, v, &W[v], &vT[v], &pool[v], &step[v], &esc[v]);
  for (int v0 = 0; v0 < OD_ESC_NV; v0 += OD_ESC_GROUP)
    for (int s = 0; s < nsteps; s++) {
#pragma GCC unroll 8
      for (int v = v0; v < v0 + OD_ESC_GROUP; v++) {
        const vi32 j = (vi32)(pool[v] & jmask);
        pool[v] >>= sb;
        W[v] = StepLanesF(ab2, nb, c, nt, two_i16, j, W[v], vT[v]);
        step[v] += 1;
        const vi32 first = (W[v] > vedge) & (esc[v] == 0) & (step[v] <= vmax);
        esc[v] |= step[v] & first;
      }
    }
  for (int v = 0; v < OD_ESC_NV; v++) StoreLanesF(ln, v, W[v], pool[v], step[v], esc[v]);
}

void OD_ESCF_FN(const OdEscTableF *t, const OdEscTable *meta, float edge, int64_t max_steps, int nsteps, OdEscLanes *ln)
{
  switch (meta->nterms) {
  case 1:
    AdvanceBlockF(t, meta, 1, edge, max_steps, nsteps, ln);
    break;
  case 2:
    AdvanceBlockF(t, meta, 2, edge, max_steps, nsteps, ln);
    break;
  default:
    AdvanceBlockF(t, meta, meta->nterms, edge, max_steps, nsteps, ln);
  }
}
