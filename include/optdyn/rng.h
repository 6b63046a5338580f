/**
 * @file rng.h
 * @brief Counter-based random numbers keyed by logical coordinates (docs/models.md §0).
 *
 * Every random number in optdyn is a pure function of
 *   (global seed, stream id, counter),
 * where the 128-bit counter is built from the *logical* coordinates of the draw
 * (sweep point, walker or perturbation index, step, component) and never from
 * the MPI rank or the order of evaluation. Results are therefore bitwise identical
 * for any number of ranks and any decomposition, and a restarted run reproduces
 * an uninterrupted one.
 *
 * The generator is Philox4x32-10 (Salmon et al., SC'11) from Random123.
 * Key = (seed, stream). One call yields four 32-bit words.
 */
#pragma once
#include <stdint.h>

/** Stream ids: one per consumer, so that two modules never share draws. */
typedef enum {
  OD_STREAM_ESCAPE = 1,     /**< SGD escape walkers: (point, walker, step/4) */
  OD_STREAM_FP_MC = 2,      /**< Fokker-Planck validation Monte Carlo */
  OD_STREAM_ES = 3,         /**< ES/VO perturbations: (generation, index, component) */
  OD_STREAM_KNOWLEDGE = 4,  /**< network initialization and data order */
  OD_STREAM_OSCILLATOR = 5, /**< random starts of oscillator runs */
  OD_STREAM_OP = 6,         /**< measuring optimization */
  OD_STREAM_TEST = 99       /**< unit tests */
} OdStream;

/** A keyed generator: immutable, cheap to copy, safe to share between threads. */
typedef struct {
  uint32_t key[2]; /**< key[0] = seed, key[1] = stream id */
} OdRng;

/** A 128-bit counter: four logical coordinates. */
typedef struct {
  uint32_t v[4];
} OdCounter;

/** Key a generator with a 32-bit global seed and a stream id. */
OdRng OdRngCreate(uint32_t seed, uint32_t stream);

/** Raw Philox4x32-10 of an explicit key and counter (for known-answer tests). */
void OdPhilox4x32(const uint32_t key[2], const uint32_t ctr[4], uint32_t out[4]);

/** Four raw 32-bit words at counter c. */
void OdRngWords(const OdRng *rng, OdCounter c, uint32_t out[4]);

/** Uniform double in the open interval (0, 1) from two words (53 bits of resolution). */
double OdRngU01FromWords(uint32_t hi, uint32_t lo);

/** Two uniform doubles in (0, 1) at counter c. */
void OdRngUniform2(const OdRng *rng, OdCounter c, double u[2]);

/**
 * Two independent standard normals at counter c (Box-Muller on the two uniforms
 * of the same counter). Deterministic: the same c always gives the same pair.
 */
void OdRngNormal2(const OdRng *rng, OdCounter c, double z[2]);

/** Integer uniform on {0, ..., n-1} from one 32-bit word (multiply-shift; exact for powers of two,
 *  bias below n/2^32 otherwise). */
static inline uint32_t OdRngIndexFromWord(uint32_t w, uint32_t n) { return (uint32_t)(((uint64_t)w * n) >> 32); }

/** Build a counter from four coordinates. */
static inline OdCounter OdCounterMake(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
  OdCounter ctr = {{a, b, c, d}};
  return ctr;
}
