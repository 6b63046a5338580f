/**
 * @file simd.h
 * @brief Run-time choice of the instruction-set level of the vectorized kernels.
 *
 * Fast kernels are compiled several times from one source: for AVX-512, for AVX2 and for
 * the x86-64 baseline (SSE2). Every build performs the same IEEE operations in the same
 * order on every lane (no fused multiply-adds: reproducible kernels are compiled with
 * `-ffp-contract=off` and call no `fma()`), so the level changes the speed, never a result.
 * The level is chosen at start-up from the CPU's features (the highest one available),
 * can be forced with the common option `-simd`, and is recorded in every output file
 * (root attribute `simd_level`).
 *
 * `scalar` is the plain reference: each kernel's straightforward one-walker-at-a-time loop
 * of the same operation sequence, against which the vectorized builds are tested bitwise.
 */
#pragma once
#include <petscsys.h>

typedef enum {
  OD_SIMD_AUTO = 0, /**< the highest level this CPU supports (a zero-initialized field means auto) */
  OD_SIMD_SCALAR,   /**< the plain reference loops */
  OD_SIMD_SSE2,     /**< lane kernels, x86-64 baseline instruction set */
  OD_SIMD_AVX2,     /**< lane kernels, AVX2 */
  OD_SIMD_AVX512    /**< lane kernels, AVX-512 (F, DQ) */
} OdSimdLevel;

#define OD_SIMD_NLEVELS 5

/** Name of a level: auto, scalar, sse2, avx2, avx512. */
const char *OdSimdLevelName(OdSimdLevel level);
/** Can this CPU (and this build) run kernels of that level? (auto and scalar: always) */
PetscBool OdSimdLevelAvailable(OdSimdLevel level);
/** The highest available level. */
OdSimdLevel OdSimdBest(void);
/** auto -> OdSimdBest(); any other level is returned unchanged. */
OdSimdLevel OdSimdResolve(OdSimdLevel level);
/**
 * Read the common option `-simd auto|scalar|sse2|avx2|avx512` (default auto) and resolve it.
 * A level the CPU cannot run is a PETSC_ERR_USER_INPUT error naming the option.
 */
PetscErrorCode OdSimdSetFromOptions(MPI_Comm comm, OdSimdLevel *level);
