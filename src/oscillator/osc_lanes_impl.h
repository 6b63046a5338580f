/* Private to the oscillator: the per-cell measurement (OdOscMeasure) on up to 8 cells at
   once (lanes: 2 for sse2, 4 for avx2, 8 for avx512), compiled once per instruction-set level from osc_lanes.h. A lane performs exactly
   the operations of the plain reference in oscillator_measure.c, in the same order (no fused
   multiply-adds, the project's own log of osc_log.h, correctly rounded vector sqrt), so its
   accumulators, and hence the measurement, equal the reference's bit for bit. */
#pragma once
#include <stdint.h>
#include "optdyn/oscillator.h"

#define OD_OSC_LANES 8 /* the widest level's lanes: sizes the arrays below */

/* What one cell's two passes leave behind; OdOscMeasure's result is a function of it. */
typedef struct {
  PetscInt end;                  /* pass 1: steps run */
  PetscBool zero;                /* pass 2 reached D = 0 exactly */
  PetscReal lb, le, block[4];    /* log D at the window's ends; block sums of log D and k */
  PetscReal proj[OD_OSC_MAXDIM]; /* last displacement along each eigenvector */
  PetscInt flips[OD_OSC_MAXDIM], pairs[OD_OSC_MAXDIM];
} OdOscRaw;

/* Everything the lane kernel needs: the problem (not a landscape), the optimizer and up to 8 cells (one per lane). */
typedef struct {
  OdOscProblemKind kind;
  OdOscOptimizer type;
  int dim, homogeneous;
  double K[4], xmin[OD_OSC_MAXDIM], evec[4], x0[OD_OSC_MAXDIM];
  double beta2, epsilon, tol, D0, logD0;
  int64_t max_steps;
  double eta[OD_OSC_LANES], beta[OD_OSC_LANES];
} OdOscLanesSpec;

/* Per-lane results (integers held in doubles: exact). */
typedef struct {
  double end[OD_OSC_LANES], zero[OD_OSC_LANES], lb[OD_OSC_LANES], le[OD_OSC_LANES];
  double block[4][OD_OSC_LANES], proj[OD_OSC_MAXDIM][OD_OSC_LANES];
  double flips[OD_OSC_MAXDIM][OD_OSC_LANES], pairs[OD_OSC_MAXDIM][OD_OSC_LANES];
} OdOscLanesOut;

typedef void (*OdOscLanesFn)(const OdOscLanesSpec *sp, OdOscLanesOut *out);
void OdOscLanes_sse2(const OdOscLanesSpec *sp, OdOscLanesOut *out);
void OdOscLanes_avx2(const OdOscLanesSpec *sp, OdOscLanesOut *out);
void OdOscLanes_avx512(const OdOscLanesSpec *sp, OdOscLanesOut *out);
