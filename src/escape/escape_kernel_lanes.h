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

#if defined(__AVX2__) && (!defined(__AVX512F__) || defined(__clang__)) /* clang at avx512 takes the AVX2 lookup below */
#include <immintrin.h>
#endif

/* A 16-entry table: in two registers for AVX-512's two-register permute, in memory for the
   AVX2 gathers and the baseline's lane loop. A look-up moves data only, so every variant gives
   the same values. */
typedef struct {
  vd lo, hi; /* entries 0-7 and 8-15 */
  const double *mem;
} Tab16;

static inline Tab16 TabLoad(const double *t)
{
  Tab16 r;
  memcpy(&r.lo, t, sizeof r.lo);
  memcpy(&r.hi, t + OD_ESC_VL, sizeof r.hi);
  r.mem = t;
  return r;
}

static inline __attribute__((always_inline)) vd TabLookup(Tab16 t, vi idx)
{
#if defined(__AVX512F__) && !defined(__clang__)
  return __builtin_shuffle(t.lo, t.hi, idx);
#elif defined(__AVX2__)
  union {
    vi v;
    __m256i h[2];
  } in = {idx};
  union {
    vd v;
    __m256d h[2];
  } out;
  out.h[0] = _mm256_i64gather_pd(t.mem, in.h[0], 8);
  out.h[1] = _mm256_i64gather_pd(t.mem, in.h[1], 8);
  return out.v;
#else
  vd r;
  for (int l = 0; l < OD_ESC_VL; l++) r[l] = t.mem[idx[l]];
  return r;
#endif
}

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
  const vd scale = (vd)(((n >> 4) + 1023) << 52);
  const vi keep = x >= Splat(OD_EXP_MIN); /* all ones, or zero: exp underflows to 0 */
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

/* Advance the OD_ESC_NV vectors of lanes by nsteps steps; nt is a compile-time constant
   in the specialized callers, so the term tables stay in registers and the loops unroll. */
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
  for (int s = 0; s < nsteps; s++) {
#pragma GCC unroll 8
    for (int v = 0; v < OD_ESC_NV; v++) {
      const vi j = (vi)(pool[v] & jmask);
      pool[v] >>= sb;
      W[v] = StepLanes(term, nt, two_i16, j, W[v], vT[v]);
      step[v] += 1;
      const vi first = (W[v] > vedge) & (esc[v] == 0) & (step[v] <= vmax);
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
