/* 2-D datapoint landscapes (sums of isotropic Gaussian wells plus a constant gradient per
   datapoint): analytic gradients, Hessians and moments. See include/optdyn/landscape2d.h. */
#include <math.h>
#include <string.h>
#include "optdyn/landscape2d.h"

struct _n_OdLandscape2D {
  MPI_Comm comm;
  char name[PETSC_MAX_PATH_LEN];
  PetscInt J, nterms[OD_LANDSCAPE2D_MAX_DATA], start[OD_LANDSCAPE2D_MAX_DATA];
  PetscReal a[OD_LANDSCAPE2D_MAX_DATA * OD_LANDSCAPE2D_MAX_TERMS], b[OD_LANDSCAPE2D_MAX_DATA * OD_LANDSCAPE2D_MAX_TERMS];
  PetscReal cx[OD_LANDSCAPE2D_MAX_DATA * OD_LANDSCAPE2D_MAX_TERMS], cy[OD_LANDSCAPE2D_MAX_DATA * OD_LANDSCAPE2D_MAX_TERMS];
  PetscReal u[2 * OD_LANDSCAPE2D_MAX_DATA];
};

PetscErrorCode OdLandscape2DCreate(MPI_Comm comm, OdLandscape2D *ls)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(ls));
  (*ls)->comm = comm;
  PetscCall(OdLandscape2DSetBuiltin(*ls, "wells"));
  PetscFunctionReturn(0);
}

PetscErrorCode OdLandscape2DDestroy(OdLandscape2D *ls)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(*ls));
  PetscFunctionReturn(0);
}

PetscErrorCode OdLandscape2DSetWells(OdLandscape2D ls, PetscInt J, const PetscInt nterms[], const PetscReal a[], const PetscReal b[], const PetscReal cx[], const PetscReal cy[], const PetscReal u[])
{
  PetscInt s = 0;
  PetscFunctionBegin;
  PetscCheck(J >= 1 && J <= OD_LANDSCAPE2D_MAX_DATA, ls->comm, PETSC_ERR_USER_INPUT, "option -landscape2d_datapoints = %" PetscInt_FMT " is not allowed: must be in [1, %d]", J, OD_LANDSCAPE2D_MAX_DATA);
  ls->J = J;
  for (PetscInt j = 0; j < J; j++) {
    PetscCheck(nterms[j] >= 0 && nterms[j] <= OD_LANDSCAPE2D_MAX_TERMS, ls->comm, PETSC_ERR_USER_INPUT, "option -landscape2d_point_%" PetscInt_FMT " is not allowed: at most %d wells per datapoint", j, OD_LANDSCAPE2D_MAX_TERMS);
    ls->nterms[j] = nterms[j];
    ls->start[j] = s;
    for (PetscInt k = 0; k < nterms[j]; k++, s++) {
      PetscCheck(b[s] > 0, ls->comm, PETSC_ERR_USER_INPUT, "option -landscape2d_point_%" PetscInt_FMT " is not allowed: well width b = %g must be > 0", j, (double)b[s]);
      ls->a[s] = a[s], ls->b[s] = b[s], ls->cx[s] = cx[s], ls->cy[s] = cy[s];
    }
    ls->u[2 * j] = u ? u[2 * j] : 0;
    ls->u[2 * j + 1] = u ? u[2 * j + 1] : 0;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OdLandscape2DSetBuiltin(OdLandscape2D ls, const char *name)
{
  PetscFunctionBegin;
  if (!strcmp(name, "wells")) {
    const PetscInt nt[3] = {2, 2, 2};
    const PetscReal a[6] = {1, 0.8, 1, 0.8, 1, 0.8}, b[6] = {0.5, 1, 0.5, 1, 0.5, 1};
    const PetscReal cx[6] = {0, 1, 0, -0.6, 0, -0.3}, cy[6] = {0, 0.5, 0, 0.9, 0, -1};
    PetscCall(OdLandscape2DSetWells(ls, 3, nt, a, b, cx, cy, NULL));
  } else if (!strcmp(name, "diag")) {
    const PetscInt nt[4] = {2, 2, 2, 2};
    const PetscReal a[8] = {1, 0.5, 1, 0.5, 1, 0.5, 1, 0.5}, b[8] = {0.5, 4, 0.5, 4, 0.5, 4, 0.5, 4};
    const PetscReal cx[8] = {0, 1, 0, 1, 0, 1, 0, 1}, cy[8] = {0, 1, 0, 1, 0, 1, 0, 1};
    const PetscReal u[8] = {1, 0, -1, 0, 0, 0.5, 0, -0.5};
    PetscCall(OdLandscape2DSetWells(ls, 4, nt, a, b, cx, cy, u));
  } else if (!strcmp(name, "spread")) {
    const PetscInt nt[4] = {0, 0, 0, 0};
    const PetscReal u[8] = {1, 0, -1, 0, 0, 1, 0, -1};
    PetscCall(OdLandscape2DSetWells(ls, 4, nt, NULL, NULL, NULL, NULL, u));
  } else SETERRQ(ls->comm, PETSC_ERR_USER_INPUT, "option -landscape2d = %s is not allowed: use wells, diag, spread or custom", name);
  PetscCall(PetscStrncpy(ls->name, name, sizeof ls->name));
  PetscFunctionReturn(0);
}

PetscErrorCode OdLandscape2DSetFromOptions(OdLandscape2D ls)
{
  char name[64] = "wells", key[64], str[4096];
  PetscBool set;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-landscape2d", name, sizeof name, &set));
  if (strcmp(name, "custom")) PetscCall(OdLandscape2DSetBuiltin(ls, name));
  else {
    PetscInt J = 0, nt[OD_LANDSCAPE2D_MAX_DATA], s = 0;
    PetscReal *a, *b, *cx, *cy, u[2 * OD_LANDSCAPE2D_MAX_DATA];
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-landscape2d_datapoints", &J, &set));
    PetscCheck(set && J >= 1 && J <= OD_LANDSCAPE2D_MAX_DATA, ls->comm, PETSC_ERR_USER_INPUT, "option -landscape2d_datapoints = %" PetscInt_FMT " is not allowed: -landscape2d custom needs 1 to %d datapoints", J, OD_LANDSCAPE2D_MAX_DATA);
    PetscCall(PetscMalloc4(J * OD_LANDSCAPE2D_MAX_TERMS, &a, J * OD_LANDSCAPE2D_MAX_TERMS, &b, J * OD_LANDSCAPE2D_MAX_TERMS, &cx, J * OD_LANDSCAPE2D_MAX_TERMS, &cy));
    for (PetscInt j = 0; j < J; j++) {
      char *save = NULL, *tok;
      nt[j] = 0;
      str[0] = 0;
      PetscCall(PetscSNPrintf(key, sizeof key, "-landscape2d_point_%" PetscInt_FMT, j));
      PetscCall(PetscOptionsGetString(NULL, NULL, key, str, sizeof str, &set));
      for (tok = strtok_r(str, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        double v[4];
        char extra[2];
        if (sscanf(tok, " %lf %lf %lf %lf %1s", &v[0], &v[1], &v[2], &v[3], extra) != 4) SETERRQ(ls->comm, PETSC_ERR_USER_INPUT, "option %s is not allowed: each well must be 'a b cx cy' (wells separated by ';'), got '%s'", key, tok);
        PetscCheck(nt[j] < OD_LANDSCAPE2D_MAX_TERMS, ls->comm, PETSC_ERR_USER_INPUT, "option %s is not allowed: at most %d wells", key, OD_LANDSCAPE2D_MAX_TERMS);
        a[s] = v[0], b[s] = v[1], cx[s] = v[2], cy[s] = v[3], s++, nt[j]++;
      }
      PetscInt two = 2;
      u[2 * j] = u[2 * j + 1] = 0;
      PetscCall(PetscSNPrintf(key, sizeof key, "-landscape2d_linear_%" PetscInt_FMT, j));
      PetscCall(PetscOptionsGetRealArray(NULL, NULL, key, u + 2 * j, &two, &set));
      PetscCheck(!set || two == 2, ls->comm, PETSC_ERR_USER_INPUT, "option %s is not allowed: needs two values ux,uy", key);
    }
    PetscCall(OdLandscape2DSetWells(ls, J, nt, a, b, cx, cy, u));
    PetscCall(PetscFree4(a, b, cx, cy));
    PetscCall(PetscStrncpy(ls->name, "custom", sizeof ls->name));
  }
  PetscFunctionReturn(0);
}

const char *OdLandscape2DGetName(OdLandscape2D ls) { return ls->name; }
PetscInt OdLandscape2DGetNumData(OdLandscape2D ls) { return ls->J; }

PetscErrorCode OdLandscape2DDescribe(OdLandscape2D ls, char *buf, size_t len)
{
  size_t used = 0;
  PetscFunctionBegin;
  buf[0] = 0;
  for (PetscInt j = 0; j < ls->J && used + 1 < len; j++) {
    int w = snprintf(buf + used, len - used, "%sl_%d = %g x + %g y", j ? "; " : "", (int)j, (double)ls->u[2 * j], (double)ls->u[2 * j + 1]);
    if (w > 0) used += (size_t)w;
    for (PetscInt k = 0; k < ls->nterms[j] && used + 1 < len; k++) {
      const PetscInt s = ls->start[j] + k;
      w = snprintf(buf + used, len - used, " - %g exp(-%g |w - (%g, %g)|^2)", (double)ls->a[s], (double)ls->b[s], (double)ls->cx[s], (double)ls->cy[s]);
      if (w > 0) used += (size_t)w;
    }
  }
  PetscFunctionReturn(0);
}

void OdLandscape2DDatapoint(OdLandscape2D ls, PetscInt j, PetscReal x, PetscReal y, PetscReal *l, PetscReal g[2], PetscReal H[2][2])
{
  PetscReal L = ls->u[2 * j] * x + ls->u[2 * j + 1] * y;
  g[0] = ls->u[2 * j], g[1] = ls->u[2 * j + 1];
  H[0][0] = H[0][1] = H[1][0] = H[1][1] = 0;
  for (PetscInt k = 0; k < ls->nterms[j]; k++) {
    const PetscInt s = ls->start[j] + k;
    const PetscReal rx = x - ls->cx[s], ry = y - ls->cy[s], bb = ls->b[s];
    const PetscReal e = ls->a[s] * exp(-bb * (rx * rx + ry * ry)), f = 2 * bb * e;
    L -= e;
    g[0] += f * rx, g[1] += f * ry;
    H[0][0] += f * (1 - 2 * bb * rx * rx);
    H[1][1] += f * (1 - 2 * bb * ry * ry);
    H[0][1] += -f * 2 * bb * rx * ry;
  }
  H[1][0] = H[0][1];
  if (l) *l = L;
}

void OdLandscape2DGetMoments(OdLandscape2D ls, PetscReal x, PetscReal y, OdLandscape2DMoments *m)
{
  PetscReal g[OD_LANDSCAPE2D_MAX_DATA][2], H[OD_LANDSCAPE2D_MAX_DATA][2][2], l;
  const PetscReal inv = 1.0 / ls->J;
  memset(m, 0, sizeof *m);
  for (PetscInt j = 0; j < ls->J; j++) {
    OdLandscape2DDatapoint(ls, j, x, y, &l, g[j], H[j]);
    m->L += l * inv;
    for (int i = 0; i < 2; i++) {
      m->G[i] += g[j][i] * inv;
      for (int k = 0; k < 2; k++) m->dG[i][k] += H[j][i][k] * inv;
    }
  }
  static const int ia[3] = {0, 0, 1}, ib[3] = {0, 1, 1};
  for (PetscInt j = 0; j < ls->J; j++) {
    const PetscReal d[2] = {g[j][0] - m->G[0], g[j][1] - m->G[1]};
    PetscReal dH[2][2];
    for (int i = 0; i < 2; i++)
      for (int k = 0; k < 2; k++) dH[i][k] = H[j][i][k] - m->dG[i][k];
    for (int s = 0; s < 3; s++) {
      const int a = ia[s], b = ib[s];
      m->S[s] += d[a] * d[b] * inv;
      for (int k = 0; k < 2; k++) m->dS[s][k] += (dH[a][k] * d[b] + d[a] * dH[b][k]) * inv;
    }
  }
}
