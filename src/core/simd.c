/* Run-time choice of the instruction-set level of the vectorized kernels (see simd.h). */
#include "optdyn/simd.h"
#include "optdyn/options.h"

static const char *const level_names[OD_SIMD_NLEVELS] = {"auto", "scalar", "sse2", "avx2", "avx512"};

const char *OdSimdLevelName(OdSimdLevel level) { return level >= 0 && level < OD_SIMD_NLEVELS ? level_names[level] : "unknown"; }

PetscBool OdSimdLevelAvailable(OdSimdLevel level)
{
  switch (level) {
  case OD_SIMD_AUTO:
  case OD_SIMD_SCALAR:
  case OD_SIMD_SSE2: /* the baseline build; on other architectures the same source in portable vectors */
    return PETSC_TRUE;
#if defined(__x86_64__) && defined(OPTDYN_SIMD_X86)
  case OD_SIMD_AVX2:
    return __builtin_cpu_supports("avx2") ? PETSC_TRUE : PETSC_FALSE;
  case OD_SIMD_AVX512:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") ? PETSC_TRUE : PETSC_FALSE;
#endif
  default:
    return PETSC_FALSE;
  }
}

OdSimdLevel OdSimdBest(void)
{
  for (int l = OD_SIMD_NLEVELS - 1; l > OD_SIMD_SSE2; l--)
    if (OdSimdLevelAvailable((OdSimdLevel)l)) return (OdSimdLevel)l;
  return OD_SIMD_SSE2;
}

OdSimdLevel OdSimdResolve(OdSimdLevel level) { return level == OD_SIMD_AUTO ? OdSimdBest() : level; }

PetscErrorCode OdSimdSetFromOptions(MPI_Comm comm, OdSimdLevel *level)
{
  PetscInt choice = OD_SIMD_AUTO;
  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "Vectorized kernels", NULL);
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-simd", "Instruction-set level of the vectorized kernels (result-neutral)", level_names, OD_SIMD_NLEVELS, &choice, NULL));
  PetscOptionsEnd();
  PetscCheck(OdSimdLevelAvailable((OdSimdLevel)choice), comm, PETSC_ERR_USER_INPUT, "option -simd = %s is not allowed: this CPU does not support it (best available: %s)", level_names[choice], level_names[OdSimdBest()]);
  *level = OdSimdResolve((OdSimdLevel)choice);
  PetscFunctionReturn(0);
}
