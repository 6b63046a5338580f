/* Private to es: the perturbation-noise stream, its constants and the per-level kernels.

   Stream (Philox4x32-10 + Box-Muller): the 32 normals of chunk m (coordinates 32 m .. 32 m + 31)
   of member `index` in generation `gen` of replicate `run` come from 8 Philox calls,
       lane j = 0..7:  words (w0, w1, w2, w3) = Philox(key, counter (gen, index, 8 m + j, run << 16)),
   normal of coordinate 32 m + 8 p + j:
       p = 0: R(w0) cos A(w1),  p = 1: R(w0) sin A(w1),  p = 2: R(w2) cos A(w3),  p = 3: R(w2) sin A(w3),
   with u = (w + 1/2) 2^-32, R = sqrt(-2 ln u), A = 2 pi (w + 1/2) 2^-32. Every normal is a pure
   function of (seed, generation, member, coordinate, replicate).

   ln and sin/cos are this file's own polynomials (not libm), so the plain reference
   (es_noise.c) and the lane kernels (es_lanes.h, built per instruction-set level) perform the
   same IEEE operations in the same order and agree bit for bit (no fma; -ffp-contract=off). */
#pragma once
#include <stdint.h>
#include <petscsys.h>

#define OD_ES_CHUNK 32 /* normals per chunk (8 Philox calls) */
#define OD_ES_TILE 16  /* chunks per tile of the fused accumulation: 512 coordinates, 8 KB of g, s */

/* Philox4x32 constants (Random123) */
#define OD_PHILOX_M0 0xD2511F53u
#define OD_PHILOX_M1 0xCD9E8D57u
#define OD_PHILOX_W0 0x9E3779B9u
#define OD_PHILOX_W1 0xBB67AE85u

/* u = (w + 1/2) 2^-32 built exactly: 1 + w 2^-32 from the bits, minus (1 - 2^-33) (exact). */
#define OD_ES_ONE_BITS UINT64_C(0x3FF0000000000000)
#define OD_ES_U_OFFSET (1.0 - 1.0 / 8589934592.0)
/* ln: u = 2^e m, m in [sqrt(1/2), sqrt 2); s = (m-1)/(m+1); ln m = s (2 + s^2 P(s^2)) */
#define OD_ES_SQRT2 1.41421356237309504880
#define OD_ES_LN2_HI 6.93147180369123816490e-01 /* trailing zero bits: e * hi is exact */
#define OD_ES_LN2_LO 1.90821492927058770002e-10
#define OD_ES_SHIFTER 6755399441055744.0 /* 1.5 * 2^52 */
#define OD_ES_SHIFTER_BITS INT64_C(0x4338000000000000)
#define OD_ES_L1 (2.0 / 3)
#define OD_ES_L2 (2.0 / 5)
#define OD_ES_L3 (2.0 / 7)
#define OD_ES_L4 (2.0 / 9)
#define OD_ES_L5 (2.0 / 11)
#define OD_ES_L6 (2.0 / 13)
#define OD_ES_L7 (2.0 / 15)
#define OD_ES_L8 (2.0 / 17)
#define OD_ES_L9 (2.0 / 19)
#define OD_ES_L10 (2.0 / 21)
/* sin x, cos x for |x| <= pi/4: Taylor to x^15 and x^16 (truncation < 6e-17) */
#define OD_ES_S1 (-1.0 / 6)
#define OD_ES_S2 (1.0 / 120)
#define OD_ES_S3 (-1.0 / 5040)
#define OD_ES_S4 (1.0 / 362880)
#define OD_ES_S5 (-1.0 / 39916800)
#define OD_ES_S6 (1.0 / 6227020800.0)
#define OD_ES_S7 (-1.0 / 1307674368000.0)
#define OD_ES_C1 (-1.0 / 2)
#define OD_ES_C2 (1.0 / 24)
#define OD_ES_C3 (-1.0 / 720)
#define OD_ES_C4 (1.0 / 40320)
#define OD_ES_C5 (-1.0 / 3628800)
#define OD_ES_C6 (1.0 / 479001600)
#define OD_ES_C7 (-1.0 / 87178291200.0)
#define OD_ES_C8 (1.0 / 20922789888000.0)
#define OD_ES_PI4_2_29 (0.78539816339744830962 / 536870912.0) /* (pi/4) / 2^29 */
#define OD_ES_TWO_PI 6.28318530717958647693
#define OD_ES_2_52 4503599627370496.0

/* The scalar sin and cos polynomials (plain reference; es_lanes.h has the lane version). */
static inline double RefSinPoly(double x, double z)
{
  double p = OD_ES_S7;
  p = OD_ES_S6 + z * p, p = OD_ES_S5 + z * p, p = OD_ES_S4 + z * p;
  p = OD_ES_S3 + z * p, p = OD_ES_S2 + z * p, p = OD_ES_S1 + z * p;
  return x + (x * z) * p;
}
static inline double RefCosPoly(double z)
{
  double p = OD_ES_C8;
  p = OD_ES_C7 + z * p, p = OD_ES_C6 + z * p, p = OD_ES_C5 + z * p;
  p = OD_ES_C4 + z * p, p = OD_ES_C3 + z * p, p = OD_ES_C2 + z * p;
  p = OD_ES_C1 + z * p;
  return 1.0 + z * p;
}

/* Which Philox key and counter words a stream uses. */
typedef struct {
  uint32_t key[2];
  uint32_t gen, run;
} OdEsStream;

/* The fused accumulation over chunks [m0, m1): for k = 0..K-1 (skipped when a[k] == 0 and
   (b == NULL or b[k] == 0)), g[c] = g[c] + a[k] z_kc and, if b, s[c] = s[c] + b[k] (z_kc z_kc),
   k ascending for every coordinate. g, s start at coordinate 32 m0. */
typedef void (*OdEsAccumFn)(const OdEsStream *st, PetscInt K, const double a[], const double b[], int64_t m0, int64_t m1, double g[], double s[]);
/* The normals of chunks [m0, m1) of member `index` (32 per chunk) into z. */
typedef void (*OdEsChunksFn)(const OdEsStream *st, uint32_t index, int64_t m0, int64_t m1, double z[]);
/* Objective sums with 8 lane partial sums (element i into lane i mod 8, i ascending), the lanes
   combined as ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)). */
typedef double (*OdEsSumFn)(PetscInt d, const double w[], double c);

#define OD_ES_LEVEL_DECL(sfx) \
  void OdEsAccum_##sfx(const OdEsStream *, PetscInt, const double[], const double[], int64_t, int64_t, double[], double[]); \
  void OdEsChunks_##sfx(const OdEsStream *, uint32_t, int64_t, int64_t, double[]); \
  double OdEsSumSphere_##sfx(PetscInt, const double[], double); \
  double OdEsSumRastrigin_##sfx(PetscInt, const double[], double); \
  double OdEsSumRosenbrock_##sfx(PetscInt, const double[], double);
OD_ES_LEVEL_DECL(sse2)
OD_ES_LEVEL_DECL(avx2)
OD_ES_LEVEL_DECL(avx512)

/* The terms of the built-in objectives (one element). */
#define OD_ES_RASTRIGIN_A 10.0
