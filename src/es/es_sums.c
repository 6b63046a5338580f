/* The built-in objectives' sums over d (sphere, Rastrigin, Rosenbrock): the plain reference and
   the dispatch to the lane kernels of es_lanes.h. Element i goes into lane i mod 8 (i
   ascending), the 8 lanes are combined in a fixed tree, and cos(2 pi w) is es's own polynomial,
   so every level gives the reference's bits. */
#include <math.h>
#include "optdyn/simd.h"
#include "es_noise_impl.h"
#include "es_sums.h"

static double Combine(const double acc[8]) { return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])); }

/* cos(2 pi w): w = n + r (n nearest integer, |r| <= 1/2, exact), r = q/4 + t (|t| <= 1/8,
   exact), x = 2 pi t, cos(2 pi w) = cos(x + q pi/2) */
double OdEsCos2Pi(double w)
{
  const double n = (w + OD_ES_SHIFTER) - OD_ES_SHIFTER;
  uint64_t wb;
  memcpy(&wb, &w, sizeof wb);
  /* |w| >= 2^52 (an integer, or inf/NaN) by the bits, as the lane kernel tests it */
  const double r = (wb & UINT64_C(0x7FFFFFFFFFFFFFFF)) >= UINT64_C(0x4330000000000000) ? 0.0 : w - n;
  const double qs = 4.0 * r + OD_ES_SHIFTER, q = qs - OD_ES_SHIFTER;
  const double x = OD_ES_TWO_PI * (r - 0.25 * q), z = x * x;
  const double sx = RefSinPoly(x, z), cx = RefCosPoly(z);
  int64_t bits;
  memcpy(&bits, &qs, sizeof bits);
  const int qm = (int)(bits & 3);
  const double v = (qm & 1) ? sx : cx;
  return (qm == 1 || qm == 2) ? -v : v;
}

static double RefSphere(PetscInt d, const double w[], double c)
{
  double acc[8] = {0};
  for (PetscInt i = 0; i < d; i++) acc[i % 8] = acc[i % 8] + (w[i] - c) * (w[i] - c);
  return Combine(acc);
}

static double RefRastrigin(PetscInt d, const double w[], double c)
{
  double acc[8] = {0};
  (void)c;
  for (PetscInt i = 0; i < d; i++) acc[i % 8] = acc[i % 8] + (w[i] * w[i] - OD_ES_RASTRIGIN_A * OdEsCos2Pi(w[i]));
  return Combine(acc);
}

static double RefRosenbrock(PetscInt d, const double w[], double c)
{
  double acc[8] = {0};
  (void)c;
  for (PetscInt i = 0; i + 1 < d; i++) {
    const double a = w[i + 1] - w[i] * w[i], b = 1.0 - w[i];
    acc[i % 8] = acc[i % 8] + ((100.0 * a) * a + b * b);
  }
  return Combine(acc);
}

double OdEsObjectiveSum(OdEsSumKind kind, OdSimdLevel level, PetscInt d, const double w[], double c)
{
  static const OdEsSumFn ref[3] = {RefSphere, RefRastrigin, RefRosenbrock};
  static const OdEsSumFn sse2[3] = {OdEsSumSphere_sse2, OdEsSumRastrigin_sse2, OdEsSumRosenbrock_sse2};
#if defined(OPTDYN_SIMD_X86)
  static const OdEsSumFn avx2[3] = {OdEsSumSphere_avx2, OdEsSumRastrigin_avx2, OdEsSumRosenbrock_avx2};
  static const OdEsSumFn avx512[3] = {OdEsSumSphere_avx512, OdEsSumRastrigin_avx512, OdEsSumRosenbrock_avx512};
#endif
  switch (OdSimdResolve(level)) {
  case OD_SIMD_SCALAR:
    return ref[kind](d, w, c);
#if defined(OPTDYN_SIMD_X86)
  case OD_SIMD_AVX512:
    return avx512[kind](d, w, c);
  case OD_SIMD_AVX2:
    return avx2[kind](d, w, c);
#endif
  default:
    return sse2[kind](d, w, c);
  }
}
