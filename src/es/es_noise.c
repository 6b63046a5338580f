/* ES/VO perturbations: standard normals as a pure function of (seed, generation, member,
   coordinate, replicate), from Philox4x32-10 words through Box-Muller (the stream is described
   in es_noise_impl.h). This file holds the plain reference (one chunk of 32 normals at a time,
   scalar, with Random123's own Philox) and the dispatch to the lane kernels of es_lanes.h, which
   are built per instruction-set level and agree with the reference bit for bit. */
#include <math.h>
#include <string.h>
#include <Random123/philox.h>
#include "optdyn/es.h"
#include "optdyn/simd.h"
#include "es_noise_impl.h"

void OdEsNoiseInit(void) {} /* nothing to initialize; kept for API compatibility */

/* ---------------- the plain reference ---------------- */

static inline double AsDouble(uint64_t b)
{
  double x;
  memcpy(&x, &b, sizeof x);
  return x;
}
static inline uint64_t AsBits(double x)
{
  uint64_t b;
  memcpy(&b, &x, sizeof b);
  return b;
}

static double RefMinusTwoLog(uint32_t w)
{
  const double u = AsDouble(OD_ES_ONE_BITS | (uint64_t)w << 20) - OD_ES_U_OFFSET;
  const uint64_t bits = AsBits(u);
  int64_t e = (int64_t)(bits >> 52) - 1023;
  double m = AsDouble((bits & UINT64_C(0x000FFFFFFFFFFFFF)) | OD_ES_ONE_BITS);
  if (m > OD_ES_SQRT2) m = m * 0.5, e = e + 1;
  const double ed = (double)e;
  const double f = m - 1.0, s = f / (2.0 + f), z = s * s;
  double P = OD_ES_L10;
  P = OD_ES_L9 + z * P, P = OD_ES_L8 + z * P, P = OD_ES_L7 + z * P;
  P = OD_ES_L6 + z * P, P = OD_ES_L5 + z * P, P = OD_ES_L4 + z * P;
  P = OD_ES_L3 + z * P, P = OD_ES_L2 + z * P, P = OD_ES_L1 + z * P;
  const double lnm = s * (2.0 + z * P);
  return -2.0 * (ed * OD_ES_LN2_HI + (lnm + ed * OD_ES_LN2_LO));
}

/* cos and sin of 2 pi (w + 1/2) 2^-32 by octant: o = w >> 29; odd octants measure from the
   next multiple of pi/4 (the integer offset mirrored) */
static void RefSinCos(uint32_t w, double *c, double *s)
{
  const uint32_t o = w >> 29, low = w & 0x1FFFFFFFu, r = (o & 1) ? 0x1FFFFFFFu - low : low;
  const double x = ((double)r + 0.5) * OD_ES_PI4_2_29, z = x * x;
  const double sx = RefSinPoly(x, z), cx = RefCosPoly(z);
  const int swap = (int)(((o + 1) >> 1) & 1), sneg = (int)(o >> 2), cneg = (int)(((o + 2) >> 2) & 1);
  const double S = swap ? cx : sx, C = swap ? sx : cx;
  *s = sneg ? -S : S;
  *c = cneg ? -C : C;
}

static void RefChunk(const OdEsStream *st, uint32_t index, int64_t m, double z[OD_ES_CHUNK])
{
  const philox4x32_key_t key = {{st->key[0], st->key[1]}};
  for (int j = 0; j < 8; j++) {
    const philox4x32_ctr_t ctr = {{st->gen, index, (uint32_t)(8 * m + j), st->run << 16}};
    const philox4x32_ctr_t r = philox4x32_R(10, ctr, key);
    for (int h = 0; h < 2; h++) {
      const double R = sqrt(RefMinusTwoLog(r.v[2 * h]));
      double c, s;
      RefSinCos(r.v[2 * h + 1], &c, &s);
      z[8 * (2 * h) + j] = R * c;
      z[8 * (2 * h + 1) + j] = R * s;
    }
  }
}

static void RefChunks(const OdEsStream *st, uint32_t index, int64_t m0, int64_t m1, double z[])
{
  for (int64_t m = m0; m < m1; m++) RefChunk(st, index, m, z + OD_ES_CHUNK * (m - m0));
}

static void RefAccum(const OdEsStream *st, PetscInt K, const double a[], const double b[], int64_t m0, int64_t m1, double g[], double s[])
{
  double z[OD_ES_CHUNK];
  for (PetscInt k = 0; k < K; k++) {
    if (a[k] == 0 && (!b || b[k] == 0)) continue;
    for (int64_t m = m0; m < m1; m++) {
      double *gm = g + OD_ES_CHUNK * (m - m0);
      RefChunk(st, (uint32_t)k, m, z);
      for (int c = 0; c < OD_ES_CHUNK; c++) gm[c] = gm[c] + a[k] * z[c];
      if (b)
        for (int c = 0; c < OD_ES_CHUNK; c++) s[OD_ES_CHUNK * (m - m0) + c] = s[OD_ES_CHUNK * (m - m0) + c] + b[k] * (z[c] * z[c]);
    }
  }
}

/* ---------------- dispatch ---------------- */

static OdEsChunksFn ChunksFor(OdSimdLevel level)
{
  switch (OdSimdResolve(level)) {
  case OD_SIMD_SCALAR:
    return RefChunks;
#if defined(OPTDYN_SIMD_X86)
  case OD_SIMD_AVX512:
    return OdEsChunks_avx512;
  case OD_SIMD_AVX2:
    return OdEsChunks_avx2;
#endif
  default:
    return OdEsChunks_sse2;
  }
}

static OdEsAccumFn AccumFor(OdSimdLevel level)
{
  switch (OdSimdResolve(level)) {
  case OD_SIMD_SCALAR:
    return RefAccum;
#if defined(OPTDYN_SIMD_X86)
  case OD_SIMD_AVX512:
    return OdEsAccum_avx512;
  case OD_SIMD_AVX2:
    return OdEsAccum_avx2;
#endif
  default:
    return OdEsAccum_sse2;
  }
}

static OdEsStream StreamOf(const OdRng *rng, uint32_t gen, uint32_t run) { return (OdEsStream){{rng->key[0], rng->key[1]}, gen, run}; }

void OdEsNoiseSimd(OdSimdLevel level, const OdRng *rng, uint32_t gen, uint32_t index, uint32_t run, PetscInt c0, PetscInt n, PetscReal eps[])
{
  const OdEsStream st = StreamOf(rng, gen, run);
  const OdEsChunksFn chunks = ChunksFor(level);
  const PetscInt c1 = c0 + n, a0 = (c0 + OD_ES_CHUNK - 1) / OD_ES_CHUNK, a1 = c1 / OD_ES_CHUNK;
  double z[OD_ES_CHUNK];
  if (n <= 0) return;
  if (a0 >= a1) { /* inside one chunk or straddling two */
    for (PetscInt m = c0 / OD_ES_CHUNK; m * OD_ES_CHUNK < c1; m++) {
      chunks(&st, index, m, m + 1, z);
      for (PetscInt c = PetscMax(c0, m * OD_ES_CHUNK); c < PetscMin(c1, (m + 1) * OD_ES_CHUNK); c++) eps[c - c0] = z[c - m * OD_ES_CHUNK];
    }
    return;
  }
  if (c0 < a0 * OD_ES_CHUNK) { /* leading partial chunk */
    chunks(&st, index, a0 - 1, a0, z);
    for (PetscInt c = c0; c < a0 * OD_ES_CHUNK; c++) eps[c - c0] = z[c - (a0 - 1) * OD_ES_CHUNK];
  }
  chunks(&st, index, a0, a1, eps + (a0 * OD_ES_CHUNK - c0));
  if (c1 > a1 * OD_ES_CHUNK) { /* trailing partial chunk */
    chunks(&st, index, a1, a1 + 1, z);
    for (PetscInt c = a1 * OD_ES_CHUNK; c < c1; c++) eps[c - c0] = z[c - a1 * OD_ES_CHUNK];
  }
}

void OdEsNoise(const OdRng *rng, uint32_t gen, uint32_t index, uint32_t run, PetscInt c0, PetscInt n, PetscReal eps[]) { OdEsNoiseSimd(OD_SIMD_AUTO, rng, gen, index, run, c0, n, eps); }

void OdEsAccumulateSimd(OdSimdLevel level, const OdRng *rng, uint32_t gen, uint32_t run, PetscInt K, const PetscReal a[], const PetscReal b[], PetscInt c0, PetscInt c1, PetscReal g[], PetscReal s[])
{
  const OdEsStream st = StreamOf(rng, gen, run);
  const PetscInt m0 = c0 / OD_ES_CHUNK, mfull = c1 / OD_ES_CHUNK;
  PetscAssertAbort(c0 % OD_ES_CHUNK == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "coordinate block must start at a multiple of %d", OD_ES_CHUNK);
  AccumFor(level)(&st, K, a, b, m0, mfull, g, s);
  if (c1 > mfull * OD_ES_CHUNK) { /* the last, partial chunk: the reference's operations on the part that exists */
    double z[OD_ES_CHUNK];
    const OdEsChunksFn chunks = ChunksFor(level);
    const PetscInt off = mfull * OD_ES_CHUNK - c0, nc = c1 - mfull * OD_ES_CHUNK;
    for (PetscInt k = 0; k < K; k++) {
      if (a[k] == 0 && (!b || b[k] == 0)) continue;
      chunks(&st, (uint32_t)k, mfull, mfull + 1, z);
      for (PetscInt c = 0; c < nc; c++) g[off + c] = g[off + c] + a[k] * z[c];
      if (b)
        for (PetscInt c = 0; c < nc; c++) s[off + c] = s[off + c] + b[k] * (z[c] * z[c]);
    }
  }
}

/* ---- noise for population hooks (see optdyn/es_objective.h) ---- */

void OdEsMemberParameters(const OdEsGeneration *gen, PetscInt n, PetscReal w[])
{
  const PetscInt k = gen->antithetic ? n / 2 : n;
  const PetscReal sgn = gen->antithetic && (n & 1) ? -1.0 : 1.0;
  PetscReal eps[256];
  if (gen->members) { /* importance mixing: es chose the members */
    for (PetscInt c = 0; c < gen->d; c++) w[c] = gen->members[(size_t)n * gen->d + c];
    return;
  }
  for (PetscInt c0 = 0; c0 < gen->d; c0 += 256) {
    const PetscInt nb = PetscMin(256, gen->d - c0);
    OdEsNoise(gen->rng, (uint32_t)gen->generation, (uint32_t)k, (uint32_t)gen->replicate, c0, nb, eps);
    for (PetscInt c = 0; c < nb; c++) w[c0 + c] = gen->mu[c0 + c] + sgn * OdEsGenerationSigma(gen, c0 + c) * eps[c];
  }
}

/* Streams of their own, with the replicate in the key's stream word (stream ids are < 256). */
#define OD_ES_STREAM_BATCH 0x45u   /* per-generation choices, e.g. the mini-batch */
#define OD_ES_STREAM_EXAMPLE 0x46u /* per-example perturbations */

OdRng OdEsGenerationRng(const OdEsGeneration *gen) { return OdRngCreate(gen->seed, OD_ES_STREAM_BATCH | ((uint32_t)gen->replicate << 8)); }

/* The same vectorized Philox + Box-Muller stream as the member noise, under the example stream's
   key (replicate in the key), with the member in the index word and the example in the run
   word (examples < 2^16): unit u of example b of member n is coordinate u of that stream. */
void OdEsExampleNoise(const OdEsGeneration *gen, PetscInt member, PetscInt example, PetscInt unit0, PetscInt n, PetscReal z[])
{
  const OdRng rng = OdRngCreate(gen->seed, OD_ES_STREAM_EXAMPLE | ((uint32_t)gen->replicate << 8));
  OdEsNoise(&rng, (uint32_t)gen->generation, (uint32_t)member, (uint32_t)example, unit0, n, z);
}
