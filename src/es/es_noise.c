/* ES/VO perturbations: standard normals as a pure function of (seed, generation, index,
   component, run), from Philox4x32-10 words through a 256-layer ziggurat.

   Counter of the main draw of components 4j..4j+3 of perturbation `index`:
       (generation, index, j, run << 16)             -> 4 words, one normal per word.
   A word whose ziggurat test fails (about 1.1 % of them) continues with fresh words at
       (generation, index, component, (run << 16) | attempt), attempt = 1, 2, ...
   so every normal is still a pure function of its coordinates. */
#include <math.h>
#include <Random123/philox.h>
#include "optdyn/es.h"

#include "es_zig_tables.h" /* zig_x, zig_f: constants generated at build time (es_zig_gen.c) */

void OdEsNoiseInit(void) {} /* the tables are constants; kept for API compatibility */

static inline philox4x32_ctr_t Draw(const OdRng *rng, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
  philox4x32_key_t k = {{rng->key[0], rng->key[1]}};
  philox4x32_ctr_t ctr = {{a, b, c, d}};
  return philox4x32_R(10, ctr, k);
}

static inline double U01(uint32_t w) { return ((double)w + 0.5) * (1.0 / 4294967296.0); }

/* The slow path: the word w failed the rectangle test. */
static double ZigSlow(const OdRng *rng, uint32_t gen, uint32_t index, uint32_t comp, uint32_t run, uint32_t w)
{
  for (uint32_t attempt = 1;; attempt++) {
    const int i = (int)(w & 255u);
    const double sign = (w & 256u) ? -1.0 : 1.0;
    const double x = (double)(w >> 9) * (1.0 / 8388608.0) * zig_x[i];
    if (x < zig_x[i + 1]) return sign * x;
    const philox4x32_ctr_t e = Draw(rng, gen, index, comp, (run << 16) | (attempt & 0xffffu));
    if (i == 0) {
      /* tail beyond r (Marsaglia 1964) */
      const double xt = -log(U01(e.v[0])) / ZIG_R, yt = -log(U01(e.v[1]));
      if (2 * yt > xt * xt) return sign * (ZIG_R + xt);
    } else {
      const double y = zig_f[i + 1] + U01(e.v[0]) * (zig_f[i] - zig_f[i + 1]);
      if (y < exp(-0.5 * x * x)) return sign * x;
    }
    w = e.v[3];
  }
}

static inline double Zig(const OdRng *rng, uint32_t gen, uint32_t index, uint32_t comp, uint32_t run, uint32_t w)
{
  const int i = (int)(w & 255u);
  const double x = (double)(w >> 9) * (1.0 / 8388608.0) * zig_x[i];
  if (x < zig_x[i + 1]) return (w & 256u) ? -x : x;
  return ZigSlow(rng, gen, index, comp, run, w);
}

void OdEsNoise(const OdRng *rng, uint32_t gen, uint32_t index, uint32_t run, PetscInt c0, PetscInt n, PetscReal eps[])
{
  const PetscInt c1 = c0 + n;
  PetscInt c = c0;
  /* leading partial block */
  while (c < c1 && (c & 3)) {
    const philox4x32_ctr_t r = Draw(rng, gen, index, (uint32_t)(c >> 2), run << 16);
    eps[c - c0] = Zig(rng, gen, index, (uint32_t)c, run, r.v[c & 3]);
    c++;
  }
  /* full blocks */
  for (; c + 4 <= c1; c += 4) {
    const philox4x32_ctr_t r = Draw(rng, gen, index, (uint32_t)(c >> 2), run << 16);
    PetscReal *e = eps + (c - c0);
    e[0] = Zig(rng, gen, index, (uint32_t)c, run, r.v[0]);
    e[1] = Zig(rng, gen, index, (uint32_t)c + 1, run, r.v[1]);
    e[2] = Zig(rng, gen, index, (uint32_t)c + 2, run, r.v[2]);
    e[3] = Zig(rng, gen, index, (uint32_t)c + 3, run, r.v[3]);
  }
  /* trailing partial block */
  if (c < c1) {
    const philox4x32_ctr_t r = Draw(rng, gen, index, (uint32_t)(c >> 2), run << 16);
    for (; c < c1; c++) eps[c - c0] = Zig(rng, gen, index, (uint32_t)c, run, r.v[c & 3]);
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
    for (PetscInt c = 0; c < nb; c++) w[c0 + c] = gen->mu[c0 + c] + sgn * gen->sigma[gen->nsigma == 1 ? 0 : c0 + c] * eps[c];
  }
}

/* Streams of their own, with the replicate in the key's stream word (stream ids are < 256). */
#define OD_ES_STREAM_BATCH 0x45u   /* per-generation choices, e.g. the mini-batch */
#define OD_ES_STREAM_EXAMPLE 0x46u /* per-example perturbations */

OdRng OdEsGenerationRng(const OdEsGeneration *gen) { return OdRngCreate(gen->seed, OD_ES_STREAM_BATCH | ((uint32_t)gen->replicate << 8)); }

void OdEsExampleNoise(const OdEsGeneration *gen, PetscInt member, PetscInt example, PetscInt unit0, PetscInt n, PetscReal z[])
{
  const OdRng rng = OdRngCreate(gen->seed, OD_ES_STREAM_EXAMPLE | ((uint32_t)gen->replicate << 8));
  for (PetscInt u = unit0; u < unit0 + n;) { /* one pair of normals per two units */
    double pair[2];
    OdRngNormal2(&rng, OdCounterMake((uint32_t)gen->generation, (uint32_t)member, (uint32_t)example, (uint32_t)(u >> 1)), pair);
    z[u - unit0] = pair[u & 1];
    if (!(u & 1) && u + 1 < unit0 + n) z[u + 1 - unit0] = pair[1], u++;
    u++;
  }
}
