/* The oscillator's own natural logarithm, written once for any width of GCC double vectors.
   The includer defines OSC_VD (a vector of doubles), OSC_VI and OSC_VU (int64, uint64 of the
   same width) and OSC_LT/OSC_GT/OSC_EQ(vector, scalar) compares giving OSC_VI masks. The
   plain reference (OdOscLog, oscillator_measure.c) instantiates it on a 1-wide vector, the lane
   kernels (osc_lanes.h) on 2, 4 or 8 lanes: every lane performs the same IEEE operations (+ - * / and
   bit manipulation only, no libm, no fused multiply-adds), so all levels agree bit for bit.

   Method (the classic one of fdlibm): x = 2^k (1 + f) with 1 + f in [sqrt(2)/2, sqrt(2)),
   s = f / (2 + f), log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)) with a degree-14 minimax
   polynomial R, and k ln 2 split into a high part (exact in k ln2_hi) and a low part.
   Measured error against libm: <= 1 ulp (unit_oscillator_simd); log(1) = 0 exactly.
   Subnormal inputs are scaled by 2^54 first; log(0) = -inf, log(+inf) = +inf, log(x < 0) and
   log(NaN) = NaN. */
#pragma once
#include <math.h>
#include <stdint.h>

#define OSC_LOG_LN2_HI 6.93147180369123816490e-01 /* 0x3fe62e42fee00000: k ln2_hi exact */
#define OSC_LOG_LN2_LO 1.90821492927058770002e-10
#define OSC_LOG_LG1 6.666666666666735130e-01
#define OSC_LOG_LG2 3.999999999940941908e-01
#define OSC_LOG_LG3 2.857142874366239149e-01
#define OSC_LOG_LG4 2.222219843214978396e-01
#define OSC_LOG_LG5 1.818357216161805012e-01
#define OSC_LOG_LG6 1.531383769920937332e-01
#define OSC_LOG_LG7 1.479819860511658591e-01
#define OSC_LOG_SQRTH_BITS INT64_C(0x3fe6a09e00000000) /* ~ sqrt(2)/2, high word only */
#define OSC_LOG_SHIFTER_BITS INT64_C(0x4338000000000000) /* 1.5 * 2^52 */

static inline OSC_VD OscLogSelect(OSC_VI mask, OSC_VD a, OSC_VD b) { return (OSC_VD)(((OSC_VI)a & mask) | ((OSC_VI)b & ~mask)); }

/* log(1 + f) - f, for 1 + f in [sqrt(2)/2, sqrt(2)), with the k ln2_lo term folded in */
static inline OSC_VD OscLogCore(OSC_VD f, OSC_VD dk)
{
  const OSC_VD hfsq = 0.5 * f * f, s = f / (2.0 + f), z = s * s, w = z * z;
  const OSC_VD t1 = w * (OSC_LOG_LG2 + w * (OSC_LOG_LG4 + w * OSC_LOG_LG6));
  const OSC_VD t2 = z * (OSC_LOG_LG1 + w * (OSC_LOG_LG3 + w * (OSC_LOG_LG5 + w * OSC_LOG_LG7)));
  return s * (hfsq + (t2 + t1)) + dk * OSC_LOG_LN2_LO - hfsq;
}

static inline OSC_VD OscLogV(OSC_VD x)
{
  const OSC_VI tiny = OSC_LT(x, 0x1p-1022); /* subnormal (and 0, negative: replaced below) */
  const OSC_VD xs = OscLogSelect(tiny, x * 0x1p54, x);
  /* shift the exponent so that mantissas >= sqrt(2)/2 land in [1, 2) of the next binade */
  /* (unsigned: NaN and inf bit patterns wrap around; they are replaced below) */
  OSC_VI ix = (OSC_VI)((OSC_VU)xs + (uint64_t)(INT64_C(0x3ff0000000000000) - OSC_LOG_SQRTH_BITS));
  const OSC_VI k = (OSC_VI)((OSC_VU)ix >> 52) - 0x3ff + (tiny & -54); /* logical shift: AVX2 has no 64-bit arithmetic one */
  ix = (ix & INT64_C(0x000fffffffffffff)) + OSC_LOG_SQRTH_BITS;
  const OSC_VD f = (OSC_VD)ix - 1.0;
  /* exact int64 -> double for |k| < 2^51 without a conversion instruction (AVX2 has none) */
  const OSC_VD dk = (OSC_VD)(k + OSC_LOG_SHIFTER_BITS) - 0x1.8p52;
  const OSC_VD r = OscLogCore(f, dk) + f + dk * OSC_LOG_LN2_HI;
  const OSC_VI finite_pos = OSC_GT(x, 0) & OSC_LT(x, INFINITY);
  const OSC_VD special = OscLogSelect(OSC_EQ(x, 0), x - INFINITY, OscLogSelect(OSC_LT(x, 0), (x - x) / 0.0, x));
  return OscLogSelect(finite_pos, r, special);
}
