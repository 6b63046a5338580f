/* es's lane kernels, written once and compiled once per instruction-set level
   (es_lanes_{sse2,avx2,avx512}.c define OD_ES_SUFFIX and include this file; CMake gives each
   its -m flags and -ffp-contract=off). 8 lanes of doubles in GCC vector extensions: every build
   performs the operation sequence of the plain reference in es_noise.c on every lane, so each
   lane reproduces it bit for bit. Integer work (Philox) may use any instructions: it is exact.

   Speed at AVX2 and SSE2 (registers of W = 4 or 2 doubles; GCC splits the 8-lane arithmetic
   into 8/W register operations, which also gives the polynomial chains the independent work
   that hides their latency): Philox runs on native W-lane vectors with the multiply intrinsic,
   8/W registers in lockstep, and the words move to 8-lane vectors once at the end. Calling an
   intrinsic on a half of an 8-lane vector (through a union) made GCC move the halves through
   the stack on every round: that ran AVX2 at 40 % of its present rate. 64-bit compares and
   signed shifts are avoided (none below AVX-512: GCC would emit scalar code). */
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include "es_noise_impl.h"

#define OD_ES_CAT2(a, b) a##b
#define OD_ES_CAT(a, b) OD_ES_CAT2(a, b)
#define OD_ES_FN(name) OD_ES_CAT(name##_, OD_ES_SUFFIX)

typedef double vd __attribute__((vector_size(64)));
typedef int64_t vi __attribute__((vector_size(64)));
typedef uint64_t vu __attribute__((vector_size(64)));

#define ALWAYS static inline __attribute__((always_inline))

ALWAYS vd Load(const double *p)
{
  vd v;
  memcpy(&v, p, sizeof v);
  return v;
}
ALWAYS void Store(double *p, vd v) { memcpy(p, &v, sizeof v); }
ALWAYS vd Splat(double x) { return (vd){x, x, x, x, x, x, x, x}; }
ALWAYS vu SplatU(uint64_t x) { return (vu){x, x, x, x, x, x, x, x}; }
ALWAYS vd Select(vi mask, vd a, vd b) { return (vd)(((vi)a & mask) | ((vi)b & ~mask)); }

#if defined(__AVX512F__)
#define W 8
#define NREP(x) x, x, x, x, x, x, x, x
#define IOTA 0, 1, 2, 3, 4, 5, 6, 7
#elif defined(__AVX2__)
#define W 4
#define NREP(x) x, x, x, x
#define IOTA 0, 1, 2, 3
#elif defined(__SSE2__)
#define W 2
#define NREP(x) x, x
#define IOTA 0, 1
#else
#define W 8
#define NREP(x) x, x, x, x, x, x, x, x
#define IOTA 0, 1, 2, 3, 4, 5, 6, 7
#endif
#define NV (8 / W) /* native registers per 8 lanes */
typedef uint64_t nu __attribute__((vector_size(8 * W)));
typedef double nd __attribute__((vector_size(8 * W)));

ALWAYS nu NSplatU(uint64_t x) { return (nu){NREP(x)}; }

/* 32 x 32 -> 64-bit products of the low halves (vpmuludq: a's upper halves are ignored) */
ALWAYS nu Mul32(nu a, uint32_t m)
{
#if defined(__AVX512F__)
  return (nu)_mm512_mul_epu32((__m512i)a, _mm512_set1_epi64(m));
#elif defined(__AVX2__)
  return (nu)_mm256_mul_epu32((__m256i)a, _mm256_set1_epi64x(m));
#elif defined(__SSE2__)
  return (nu)_mm_mul_epu32((__m128i)a, _mm_set1_epi64x(m));
#else
  return (a & NSplatU(0xffffffffu)) * NSplatU(m);
#endif
}

/* correctly rounded square root (IEEE: the same bits at every level), per native register */
ALWAYS vd Sqrt(vd x)
{
  nd p[NV];
  memcpy(p, &x, sizeof x);
  for (int q = 0; q < NV; q++) {
#if defined(__AVX512F__)
    p[q] = (nd)_mm512_sqrt_pd((__m512d)p[q]);
#elif defined(__AVX2__)
    p[q] = (nd)_mm256_sqrt_pd((__m256d)p[q]);
#elif defined(__SSE2__)
    p[q] = (nd)_mm_sqrt_pd((__m128d)p[q]);
#else
    for (int l = 0; l < W; l++) p[q][l] = __builtin_sqrt(p[q][l]);
#endif
  }
  memcpy(&x, p, sizeof x);
  return x;
}

/* Philox's round keys as vectors, made once per kernel call */
typedef struct {
  nu k0[10], k1[10];
} RoundKeys;

ALWAYS void MakeRoundKeys(const OdEsStream *st, RoundKeys *rk)
{
  uint32_t k0 = st->key[0], k1 = st->key[1];
  for (int r = 0; r < 10; r++, k0 += OD_PHILOX_W0, k1 += OD_PHILOX_W1) rk->k0[r] = NSplatU(k0), rk->k1[r] = NSplatU(k1);
}

/* Philox4x32-10 on the 8 counters (gen, index, c2 + lane, run << 16): 32-bit words in 64-bit
   lanes, lane l in register l / W. Inside the rounds the words x1, x3 keep the products' high
   halves above bit 32 (no mask): they only reach x0, x2 by xor, whose upper halves the next
   multiply ignores; the words are masked once at the end. */
ALWAYS void Philox8(const OdEsStream *st, const RoundKeys *rk, uint32_t index, uint32_t c2, vu out[4])
{
  const nu lo32 = NSplatU(0xffffffffu);
  nu x0[NV], x1[NV], x2[NV], x3[NV], o[4][NV];
  for (int q = 0; q < NV; q++) {
    x0[q] = NSplatU(st->gen), x1[q] = NSplatU(index), x3[q] = NSplatU((uint64_t)st->run << 16);
    x2[q] = (NSplatU(c2) + NSplatU((uint64_t)(q * W)) + (nu){IOTA}) & lo32;
  }
  for (int r = 0; r < 10; r++)
    for (int q = 0; q < NV; q++) {
      const nu p0 = Mul32(x0[q], OD_PHILOX_M0), p1 = Mul32(x2[q], OD_PHILOX_M1);
      x0[q] = (p1 >> 32) ^ x1[q] ^ rk->k0[r], x2[q] = (p0 >> 32) ^ x3[q] ^ rk->k1[r];
      x1[q] = p1, x3[q] = p0;
    }
  for (int q = 0; q < NV; q++) o[0][q] = x0[q] & lo32, o[1][q] = x1[q] & lo32, o[2][q] = x2[q] & lo32, o[3][q] = x3[q] & lo32;
  memcpy(out, o, sizeof o);
}

ALWAYS vd U01(vu w) { return (vd)(SplatU(OD_ES_ONE_BITS) | (w << 20)) - Splat(OD_ES_U_OFFSET); }

/* -2 ln u for u = (w + 1/2) 2^-32 */
ALWAYS vd MinusTwoLog(vu w)
{
  const vd u = U01(w);
  const vu bits = (vu)u;
  vi e = (vi)(bits >> 52) - 1023;
  vd m = (vd)((bits & SplatU(UINT64_C(0x000FFFFFFFFFFFFF))) | SplatU(OD_ES_ONE_BITS));
  /* m > sqrt 2 from the sign of an integer difference of the bit patterns (both in [1, 2)):
     no compare instruction, which GCC splits into scalar code for 64-bit lanes on AVX2 */
  const double sqrt2 = OD_ES_SQRT2;
  uint64_t sqrt2_bits;
  memcpy(&sqrt2_bits, &sqrt2, sizeof sqrt2_bits);
  const vi big = -(vi)((SplatU(sqrt2_bits) - (vu)m) >> 63);
  m = Select(big, m * Splat(0.5), m);
  e = e - big;
  const vd ed = (vd)(e + OD_ES_SHIFTER_BITS) - Splat(OD_ES_SHIFTER);
  const vd f = m - Splat(1.0), s = f / (Splat(2.0) + f), z = s * s;
  vd P = Splat(OD_ES_L10);
  P = Splat(OD_ES_L9) + z * P, P = Splat(OD_ES_L8) + z * P, P = Splat(OD_ES_L7) + z * P;
  P = Splat(OD_ES_L6) + z * P, P = Splat(OD_ES_L5) + z * P, P = Splat(OD_ES_L4) + z * P;
  P = Splat(OD_ES_L3) + z * P, P = Splat(OD_ES_L2) + z * P, P = Splat(OD_ES_L1) + z * P;
  const vd lnm = s * (Splat(2.0) + z * P);
  const vd lnu = ed * Splat(OD_ES_LN2_HI) + (lnm + ed * Splat(OD_ES_LN2_LO));
  return Splat(-2.0) * lnu;
}

ALWAYS vd SinPoly(vd x, vd z)
{
  vd p = Splat(OD_ES_S7);
  p = Splat(OD_ES_S6) + z * p, p = Splat(OD_ES_S5) + z * p, p = Splat(OD_ES_S4) + z * p;
  p = Splat(OD_ES_S3) + z * p, p = Splat(OD_ES_S2) + z * p, p = Splat(OD_ES_S1) + z * p;
  return x + (x * z) * p;
}
ALWAYS vd CosPoly(vd z)
{
  vd p = Splat(OD_ES_C8);
  p = Splat(OD_ES_C7) + z * p, p = Splat(OD_ES_C6) + z * p, p = Splat(OD_ES_C5) + z * p;
  p = Splat(OD_ES_C4) + z * p, p = Splat(OD_ES_C3) + z * p, p = Splat(OD_ES_C2) + z * p;
  p = Splat(OD_ES_C1) + z * p;
  return Splat(1.0) + z * p;
}

/* cos and sin of A = 2 pi (w + 1/2) 2^-32: octant o = w >> 29, offset in the octant from the
   low 29 bits (mirrored in odd octants, exactly, on the integer) */
ALWAYS void SinCos(vu w, vd *c, vd *s)
{
  const vu o = w >> 29, odd = (vu)(-(vi)(o & 1));
  const vu r = (w & SplatU(0x1FFFFFFFu)) ^ (odd & SplatU(0x1FFFFFFFu)); /* 0x1FFFFFFF - low = 0x1FFFFFFF ^ low */
  const vd rd = (vd)(r | SplatU(UINT64_C(0x4330000000000000))) - Splat(OD_ES_2_52); /* exact */
  const vd x = (rd + Splat(0.5)) * Splat(OD_ES_PI4_2_29), z = x * x;
  const vd sx = SinPoly(x, z), cx = CosPoly(z);
  const vi swap = -(vi)(((o + 1) >> 1) & 1);
  const vu sneg = (o >> 2) << 63, cneg = (((o + 2) >> 2) & 1) << 63;
  *s = (vd)((vu)Select(swap, cx, sx) ^ sneg);
  *c = (vd)((vu)Select(swap, sx, cx) ^ cneg);
}

/* The 32 normals of chunk m: z[p] lane j = coordinate 32 m + 8 p + j */
ALWAYS void Normals32(const OdEsStream *st, const RoundKeys *rk, uint32_t index, int64_t m, vd z[4])
{
  vu w[4];
  Philox8(st, rk, index, (uint32_t)(8 * m), w);
  for (int h = 0; h < 2; h++) {
    const vd Rs = Sqrt(MinusTwoLog(w[2 * h]));
    vd c, s;
    SinCos(w[2 * h + 1], &c, &s);
    z[2 * h] = Rs * c, z[2 * h + 1] = Rs * s;
  }
}

void OD_ES_FN(OdEsChunks)(const OdEsStream *st, uint32_t index, int64_t m0, int64_t m1, double out[])
{
  RoundKeys rk;
  MakeRoundKeys(st, &rk);
  for (int64_t m = m0; m < m1; m++) {
    vd z[4];
    Normals32(st, &rk, index, m, z);
    for (int p = 0; p < 4; p++) Store(out + OD_ES_CHUNK * (m - m0) + 8 * p, z[p]);
  }
}

void OD_ES_FN(OdEsAccum)(const OdEsStream *st, PetscInt K, const double a[], const double b[], int64_t m0, int64_t m1, double g[], double s[])
{
  RoundKeys rk;
  MakeRoundKeys(st, &rk);
  for (int64_t t0 = m0; t0 < m1; t0 += OD_ES_TILE) {
    const int64_t t1 = t0 + OD_ES_TILE < m1 ? t0 + OD_ES_TILE : m1;
    for (PetscInt k = 0; k < K; k++) {
      if (a[k] == 0 && (!b || b[k] == 0)) continue;
      const vd av = Splat(a[k]), bv = Splat(b ? b[k] : 0);
      for (int64_t m = t0; m < t1; m++) {
        double *gm = g + OD_ES_CHUNK * (m - m0), *sm = s ? s + OD_ES_CHUNK * (m - m0) : NULL;
        vd z[4];
        Normals32(st, &rk, (uint32_t)k, m, z);
        for (int p = 0; p < 4; p++) Store(gm + 8 * p, Load(gm + 8 * p) + av * z[p]);
        if (b)
          for (int p = 0; p < 4; p++) Store(sm + 8 * p, Load(sm + 8 * p) + bv * (z[p] * z[p]));
      }
    }
  }
}

/* ---- objectives: 8 lane partial sums ---- */

ALWAYS double Combine(vd acc) { return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])); }

ALWAYS vd SphereTerm(vd w, vd c) { return (w - c) * (w - c); }

/* cos(2 pi w): w = n + r (|r| <= 1/2, exact), r = q/4 + t (|t| <= 1/8, exact), x = 2 pi t */
ALWAYS vd Cos2Pi(vd w)
{
  const vd n = (w + Splat(OD_ES_SHIFTER)) - Splat(OD_ES_SHIFTER);
  const vi absbits = (vi)w & (vi)SplatU(UINT64_C(0x7FFFFFFFFFFFFFFF)), two52 = (vi)SplatU(UINT64_C(0x4330000000000000));
  const vi huge = -(vi)((vu)(two52 - 1 - absbits) >> 63); /* abs >= 2^52, no compare (inf, NaN: r = 0, as in the reference) */
  const vd r = Select(huge, Splat(0.0), w - n);
  const vd qs = Splat(4.0) * r + Splat(OD_ES_SHIFTER);
  const vd q = qs - Splat(OD_ES_SHIFTER);
  const vd x = Splat(OD_ES_TWO_PI) * (r - Splat(0.25) * q), z = x * x;
  const vd sx = SinPoly(x, z), cx = CosPoly(z);
  const vu qm = (vu)qs & 3; /* unsigned: no 64-bit arithmetic shift below AVX-512 */
  const vd v = Select(-(vi)(qm & 1), sx, cx);
  const vu neg = ((qm + 1) >> 1 & 1) << 63; /* q mod 4 = 1 or 2 */
  return (vd)((vu)v ^ neg);
}

ALWAYS vd RastriginTerm(vd w) { return w * w - Splat(OD_ES_RASTRIGIN_A) * Cos2Pi(w); }

ALWAYS vd RosenbrockTerm(vd w0, vd w1)
{
  const vd a = w1 - w0 * w0, b = Splat(1.0) - w0;
  return (Splat(100.0) * a) * a + b * b;
}

/* the tail (fewer than 8 elements) goes through the same lane code, masked by a zero term */
double OD_ES_FN(OdEsSumSphere)(PetscInt d, const double w[], double c)
{
  vd acc = Splat(0.0);
  PetscInt i = 0;
  for (; i + 8 <= d; i += 8) acc = acc + SphereTerm(Load(w + i), Splat(c));
  for (int l = 0; i + l < d; l++) acc[l] = acc[l] + (w[i + l] - c) * (w[i + l] - c);
  return Combine(acc);
}

double OD_ES_FN(OdEsSumRastrigin)(PetscInt d, const double w[], double c)
{
  vd acc = Splat(0.0);
  PetscInt i = 0;
  (void)c;
  for (; i + 8 <= d; i += 8) acc = acc + RastriginTerm(Load(w + i));
  if (i < d) {
    double tmp[8] = {0};
    for (int l = 0; i + l < d; l++) tmp[l] = w[i + l];
    const vd t = RastriginTerm(Load(tmp));
    for (int l = 0; i + l < d; l++) acc[l] = acc[l] + t[l];
  }
  return Combine(acc);
}

double OD_ES_FN(OdEsSumRosenbrock)(PetscInt d, const double w[], double c)
{
  vd acc = Splat(0.0);
  PetscInt i = 0;
  (void)c;
  for (; i + 9 <= d; i += 8) acc = acc + RosenbrockTerm(Load(w + i), Load(w + i + 1));
  for (int l = 0; i + l + 1 < d; l++) {
    const double a = w[i + l + 1] - w[i + l] * w[i + l], b = 1.0 - w[i + l];
    acc[l] = acc[l] + ((100.0 * a) * a + b * b);
  }
  return Combine(acc);
}
