/* The Lorenz landscape kernel of optdyn op on 8 sweep points at once, written once and
   compiled per instruction-set level (op_lanes_{sse2,avx2,avx512}.c define OD_OP_SUFFIX).
   Mirrors DStep of systems/lorenz.c operation for operation (see op_lanes_impl.h). */
#include <string.h>
#include "op_lanes_impl.h"

#define OD_OP_CAT2(a, b) a##b
#define OD_OP_CAT(a, b) OD_OP_CAT2(a, b)

typedef double vd __attribute__((vector_size(8 * OD_OP_LANES)));
typedef int64_t vi __attribute__((vector_size(8 * OD_OP_LANES)));

static inline vd Splat(double x) { return (vd){x, x, x, x, x, x, x, x}; }

/* f(s): the Lorenz vector field */
static inline void F(vd sg, vd be, vd rho, const vd s[3], vd f[3])
{
  f[0] = sg * (s[1] - s[0]);
  f[1] = s[0] * (rho - s[2]) - s[1];
  f[2] = s[0] * s[1] - be * s[2];
}

/* f(w + e) - f(w), expanded */
static inline void DF(vd sg, vd be, vd rho, const vd w[3], const vd e[3], vd d[3])
{
  d[0] = sg * (e[1] - e[0]);
  d[1] = e[0] * (rho - w[2]) - w[0] * e[2] - e[0] * e[2] - e[1];
  d[2] = e[0] * w[1] + w[0] * e[1] + e[0] * e[1] - be * e[2];
}

/* the clamped components of a difference row are 0 (keep = all ones where not clamped) */
static inline void Mask(const vi keep[3], vd u[3])
{
  for (int i = 0; i < 3; i++) u[i] = (vd)((vi)u[i] & keep[i]);
}

/* One RK4 step of W and of the ne difference rows (rows >= clamp_from clamped). */
static inline void Step(vd sg, vd be, vd rho, vd hh, vd h, vd h6, vd w[3], int ne, vd e[][3], int clamp_from, const vi keepA[3], const vi keepAll[3])
{
  vd k1[3], k2[3], k3[3], k4[3], t2[3], t3[3], t4[3];
  F(sg, be, rho, w, k1);
  for (int i = 0; i < 3; i++) t2[i] = w[i] + hh * k1[i];
  F(sg, be, rho, t2, k2);
  for (int i = 0; i < 3; i++) t3[i] = w[i] + hh * k2[i];
  F(sg, be, rho, t3, k3);
  for (int i = 0; i < 3; i++) t4[i] = w[i] + h * k3[i];
  F(sg, be, rho, t4, k4);
  for (int j = 0; j < ne; j++) {
    const vi *keep = j >= clamp_from ? keepA : keepAll;
    vd d1[3], d2[3], d3[3], d4[3], u[3];
    DF(sg, be, rho, w, e[j], d1);
    for (int i = 0; i < 3; i++) u[i] = e[j][i] + hh * d1[i];
    Mask(keep, u);
    DF(sg, be, rho, t2, u, d2);
    for (int i = 0; i < 3; i++) u[i] = e[j][i] + hh * d2[i];
    Mask(keep, u);
    DF(sg, be, rho, t3, u, d3);
    for (int i = 0; i < 3; i++) u[i] = e[j][i] + h * d3[i];
    Mask(keep, u);
    DF(sg, be, rho, t4, u, d4);
    for (int i = 0; i < 3; i++) e[j][i] = e[j][i] + h6 * (d1[i] + 2 * d2[i] + 2 * d3[i] + d4[i]);
    Mask(keep, e[j]);
  }
  for (int i = 0; i < 3; i++) w[i] = w[i] + h6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
}

void OD_OP_CAT(OdOpLorenzLanes_, OD_OP_SUFFIX)(const OdOpLorenzLanesSpec *sp, const double s0[3][OD_OP_LANES], double wend[3][OD_OP_LANES], double dx[][3][OD_OP_LANES], double dy[][3][OD_OP_LANES])
{
  const int nd = (int)sp->ndelta, ne = 2 * nd;
  /* the scalar step computes 0.5 * h * k as (0.5 * h) * k and h / 6 * (...) as (h / 6) * (...) */
  const vd sg = Splat(sp->sg), be = Splat(sp->be), rho = Splat(sp->rho), h = Splat(sp->h), hh = Splat(0.5 * sp->h), h6 = Splat(sp->h / 6);
  vi keepA[3], keepAll[3];
  vd w[3], e[OD_OP_LANE_MAXE][3];
  for (int i = 0; i < 3; i++) {
    keepA[i] = (vi){0} + (sp->inA[i] ? 0 : -1);
    keepAll[i] = (vi){0} - 1;
    memcpy(&w[i], s0[i], sizeof w[i]);
  }
  for (int j = 0; j < ne; j++)
    for (int i = 0; i < 3; i++) e[j][i] = Splat(i == sp->n ? sp->delta[j % nd] : 0.0);
  for (PetscInt k = 0; k < sp->nsteps; k++) Step(sg, be, rho, hh, h, h6, w, ne, e, k + 1 <= sp->clamp_steps ? nd : ne, keepA, keepAll);
  for (int i = 0; i < 3; i++) {
    memcpy(wend[i], &w[i], sizeof w[i]);
    for (int j = 0; j < nd; j++) memcpy(dx[j][i], &e[j][i], sizeof w[i]), memcpy(dy[j][i], &e[nd + j][i], sizeof w[i]);
  }
}
