/* Private to op: the Lorenz RK4 difference-form step on 8 sweep points at once (lanes),
   compiled once per instruction-set level from op_lanes.h. Each lane performs exactly the
   operations of the scalar DStep in systems/lorenz.c, in the same order (no fused
   multiply-adds), so a lane's result equals the scalar engine's bit for bit. */
#pragma once
#include "optdyn/op.h"
#include "optdyn/op_system.h"

#define OD_OP_LANES 8
#define OD_OP_LANE_MAXE 6 /* 2 x up to 3 perturbation sizes */

typedef struct {
  PetscReal sg, be, rho, h;
  PetscInt n;              /* perturbed variable */
  PetscBool inA[3];        /* clamped set */
  PetscInt clamp_steps;    /* Y rows clamped after steps k <= clamp_steps */
  PetscInt nsteps, ndelta;
  PetscReal delta[OD_OP_LANE_MAXE / 2];
} OdOpLorenzLanesSpec;

/* s0[i][l]: initial variable i of lane l; outputs wend[i][l], dx[j][i][l], dy[j][i][l]. */
typedef void (*OdOpLorenzLanesFn)(const OdOpLorenzLanesSpec *sp, const double s0[3][OD_OP_LANES], double wend[3][OD_OP_LANES], double dx[][3][OD_OP_LANES], double dy[][3][OD_OP_LANES]);
void OdOpLorenzLanes_sse2(const OdOpLorenzLanesSpec *sp, const double s0[3][OD_OP_LANES], double wend[3][OD_OP_LANES], double dx[][3][OD_OP_LANES], double dy[][3][OD_OP_LANES]);
void OdOpLorenzLanes_avx2(const OdOpLorenzLanesSpec *sp, const double s0[3][OD_OP_LANES], double wend[3][OD_OP_LANES], double dx[][3][OD_OP_LANES], double dy[][3][OD_OP_LANES]);
void OdOpLorenzLanes_avx512(const OdOpLorenzLanesSpec *sp, const double s0[3][OD_OP_LANES], double wend[3][OD_OP_LANES], double dx[][3][OD_OP_LANES], double dy[][3][OD_OP_LANES]);
