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

#define ZIG_LAYERS 256
#define ZIG_R 3.6541528853610088
#define ZIG_V 0.00492867323399

static double zig_x[ZIG_LAYERS + 1], zig_f[ZIG_LAYERS + 1];
static int zig_ready = 0;

/* Tables (Marsaglia & Tsang 2000): 256 strips of equal area v; strip 0 is the base with
   the tail. x[0] = v / f(r), x[1] = r, x[i+1] = f^-1(f(x[i]) + v / x[i]), x[256] = 0. */
static void ZigInit(void)
{
  zig_x[0] = ZIG_V / exp(-0.5 * ZIG_R * ZIG_R);
  zig_x[1] = ZIG_R;
  for (int i = 1; i < ZIG_LAYERS - 1; i++) {
    const double fx = exp(-0.5 * zig_x[i] * zig_x[i]) + ZIG_V / zig_x[i];
    zig_x[i + 1] = sqrt(-2.0 * log(fx));
  }
  zig_x[ZIG_LAYERS] = 0.0;
  for (int i = 0; i <= ZIG_LAYERS; i++) zig_f[i] = exp(-0.5 * zig_x[i] * zig_x[i]);
  zig_ready = 1;
}

void OdEsNoiseInit(void)
{
  if (!zig_ready) ZigInit();
}

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
  if (!zig_ready) ZigInit();
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
