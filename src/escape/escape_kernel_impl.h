/* Private to the escape kernel: the tables and the lane state shared by the plain reference
   (escape_kernel.c) and the lane kernel compiled once per instruction-set level
   (escape_kernel_lanes.h included by escape_kernel_{sse2,avx2,avx512}.c).

   The operation sequence of one SGD step, identical in every build (no fused multiply-add):
     j   = the step's datapoint index (from the walker's random bits)
     g   = 0;  for each term k:  x = W - c;  a = (nb * x) * x;  g = g + (ab2 * x) * Exp(a)
     W   = W - T * g
   with nb = -b, ab2 = 2 a b, datapoints padded to equal term counts with exact-zero terms,
   and Exp the table exp below. */
#pragma once
#include <stdint.h>
#include "optdyn/landscape.h"

/* exp(x) = 2^k * 2^(i/16) * exp(r), x = (16 k + i) ln2/16 + r, |r| <= ln2/32; exp(r) - 1 by its
   degree-7 Taylor polynomial (truncation < 2e-18 relative). */
#define OD_EXP_INV_LN2_16 23.083120654223414517758  /* 16 / ln 2 */
#define OD_EXP_LN2_HI_16 (6.93147180369123816490e-01 / 16) /* ln2_hi has trailing zero bits: n * hi is exact */
#define OD_EXP_LN2_LO_16 (1.90821492927058770002e-10 / 16)
#define OD_EXP_SHIFTER 6755399441055744.0 /* 1.5 * 2^52: x + shifter rounds x to an integer in the low bits */
#define OD_EXP_SHIFTER_BITS INT64_C(0x4338000000000000)
#define OD_EXP_MIN (-700.0) /* below: 0 (far below anything that can change W - T g) */
#define OD_EXP_C2 (1.0 / 2)
#define OD_EXP_C3 (1.0 / 6)
#define OD_EXP_C4 (1.0 / 24)
#define OD_EXP_C5 (1.0 / 120)
#define OD_EXP_C6 (1.0 / 720)
#define OD_EXP_C7 (1.0 / 5040)

/* Datapoint tables: entry [k][j] is term k of datapoint j (16 datapoints at most in the lane
   kernel: a 16-entry table is two 8-double registers, looked up by a two-register permute). */
#define OD_ESC_TAB 16
typedef struct {
  double two_i16[OD_ESC_TAB];     /* 2^(i/16) */
  double ab2[OD_LANDSCAPE_MAX_TERMS][OD_ESC_TAB]; /* 2 a b */
  double nb[OD_LANDSCAPE_MAX_TERMS][OD_ESC_TAB];  /* -b */
  double c[OD_LANDSCAPE_MAX_TERMS][OD_ESC_TAB];
  int nterms;
  uint32_t J;
  int slot_bits; /* random bits per step: 1, 2 or 4 for J = 2^m <= 16 */
} OdEscTable;

/* Lane state of the lane kernels: up to OD_ESC_NL_MAX walkers in flight (double: 4 vectors of
   8 lanes; single: 4 vectors of 16). Lanes advance together through blocks of at most
   OD_ESC_BLOCK steps; between blocks the (scalar) bookkeeping retires and refills lanes and
   feeds random bits. Each lane carries its walker's learning rate, so one call can run the
   walkers of several sweep points and keep every lane busy until the whole batch drains. */
#define OD_ESC_VL 8     /* doubles per vector in every build (8 = one AVX-512 register) */
#define OD_ESC_NV 4     /* independent vectors in flight, so their dependency chains overlap */
#define OD_ESC_NL (OD_ESC_VL * OD_ESC_NV)
#define OD_ESC_NL_MAX 64 /* the single-precision kernel: 4 vectors of 16 floats */
#define OD_ESC_BLOCK 32 /* most steps between bookkeeping (fewer if a random pool lasts fewer) */
typedef struct {
  double W[OD_ESC_NL_MAX] __attribute__((aligned(64)));    /* a float in single precision (exact as a double) */
  double T[OD_ESC_NL_MAX] __attribute__((aligned(64)));    /* the walker's learning rate */
  uint64_t pool[OD_ESC_NL_MAX] __attribute__((aligned(64))); /* unused random bits, next step's in the low bits */
  int64_t step[OD_ESC_NL_MAX] __attribute__((aligned(64)));  /* steps taken */
  int64_t esc[OD_ESC_NL_MAX] __attribute__((aligned(64)));   /* first-passage step, 0 = not yet */
} OdEscLanes;

/* Advance every lane by nsteps steps (escapes after max_steps are not recorded). */
typedef void (*OdEscAdvanceFn)(const OdEscTable *t, double edge, int64_t max_steps, int nsteps, OdEscLanes *ln);
void OdEscAdvance_sse2(const OdEscTable *t, double edge, int64_t max_steps, int nsteps, OdEscLanes *ln);
void OdEscAdvance_avx2(const OdEscTable *t, double edge, int64_t max_steps, int nsteps, OdEscLanes *ln);
void OdEscAdvance_avx512(const OdEscTable *t, double edge, int64_t max_steps, int nsteps, OdEscLanes *ln);

/* Single precision (-escape_precision single): the same step in float, 16 lanes per vector.
   exp(x) as above with float constants and exp(r) - 1 by its degree-4 Taylor polynomial
   (truncation < 1e-8 relative, below float's 6e-8); ln 2 split as in Cephes (hi has 9
   significant bits, so n * hi is exact for |n| < 2^15); 0 below -87 (float's smallest normal
   is exp(-87.3)). */
#define OD_EXPF_INV_LN2_16 23.0831206542f
#define OD_EXPF_LN2_HI_16 (0.693359375f / 16)
#define OD_EXPF_LN2_LO_16 (-2.12194440e-4f / 16)
#define OD_EXPF_SHIFTER 12582912.0f /* 1.5 * 2^23 */
#define OD_EXPF_SHIFTER_BITS INT32_C(0x4b400000)
#define OD_EXPF_MIN (-87.0f)
#define OD_EXPF_C2 (1.0f / 2)
#define OD_EXPF_C3 (1.0f / 6)
#define OD_EXPF_C4 (1.0f / 24)
typedef struct {
  float two_i16[OD_ESC_TAB];
  float ab2[OD_LANDSCAPE_MAX_TERMS][OD_ESC_TAB], nb[OD_LANDSCAPE_MAX_TERMS][OD_ESC_TAB], c[OD_LANDSCAPE_MAX_TERMS][OD_ESC_TAB];
} OdEscTableF;

/* The float lane kernel: 4 vectors of OD_ESC_VLF lanes, 32-bit random pools (OD_ESC_BLOCK or
   32/s steps per block); W, T are floats stored in the double lane state. */
#define OD_ESC_VLF 16
#define OD_ESC_NLF (OD_ESC_VLF * OD_ESC_NV)
typedef void (*OdEscAdvanceFnF)(const OdEscTableF *t, const OdEscTable *meta, float edge, int64_t max_steps, int nsteps, OdEscLanes *ln);
void OdEscAdvanceF_sse2(const OdEscTableF *t, const OdEscTable *meta, float edge, int64_t max_steps, int nsteps, OdEscLanes *ln);
void OdEscAdvanceF_avx2(const OdEscTableF *t, const OdEscTable *meta, float edge, int64_t max_steps, int nsteps, OdEscLanes *ln);
void OdEscAdvanceF_avx512(const OdEscTableF *t, const OdEscTable *meta, float edge, int64_t max_steps, int nsteps, OdEscLanes *ln);
