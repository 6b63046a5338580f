/* Counter-based RNG: thin, documented wrappers over Random123's Philox4x32-10. */
#include <math.h>
#include <Random123/philox.h>
#include "optdyn/rng.h"

OdRng OdRngCreate(uint32_t seed, uint32_t stream)
{
  OdRng rng = {{seed, stream}};
  return rng;
}

void OdPhilox4x32(const uint32_t key[2], const uint32_t ctr[4], uint32_t out[4])
{
  philox4x32_key_t k = {{key[0], key[1]}};
  philox4x32_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
  philox4x32_ctr_t r = philox4x32_R(10, c, k);
  for (int i = 0; i < 4; i++) out[i] = r.v[i];
}

void OdRngWords(const OdRng *rng, OdCounter c, uint32_t out[4]) { OdPhilox4x32(rng->key, c.v, out); }

double OdRngU01FromWords(uint32_t hi, uint32_t lo)
{
  /* 53 random bits, shifted by half an ulp so that 0 and 1 are never returned
     (log(u) in Box-Muller must stay finite). */
  uint64_t bits = ((uint64_t)hi << 21) ^ (uint64_t)(lo >> 11);
  return ((double)bits + 0.5) * (1.0 / 9007199254740992.0);
}

void OdRngUniform2(const OdRng *rng, OdCounter c, double u[2])
{
  uint32_t w[4];
  OdRngWords(rng, c, w);
  u[0] = OdRngU01FromWords(w[0], w[1]);
  u[1] = OdRngU01FromWords(w[2], w[3]);
}

void OdRngNormal2(const OdRng *rng, OdCounter c, double z[2])
{
  double u[2];
  OdRngUniform2(rng, c, u);
  const double r = sqrt(-2.0 * log(u[0]));
  const double phi = 2.0 * M_PI * u[1];
  z[0] = r * cos(phi);
  z[1] = r * sin(phi);
}
