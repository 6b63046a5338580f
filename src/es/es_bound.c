/* es: the variational upper bound U(mu, sigma) = E_{w ~ N(mu, sigma^2)} f(w) on a grid
   (d = 1), computed before any output is written. */
#include <math.h>
#include "es_impl.h"

PetscErrorCode OdEsComputeBound(OdEs e, PetscReal **mus, PetscReal **sigmas, PetscReal **U)
{
  const PetscInt nm = e->bound_n[0], ns = e->bound_n[1], M = 4000;
  const PetscReal zmax = 8.0, dz = 2 * zmax / M;
  PetscReal *z, *wq, wsum = 0;
  PetscFunctionBegin;
  PetscCall(PetscMalloc3(nm, mus, ns, sigmas, nm * ns, U));
  const PetscReal mlo = e->bound_mu_set ? e->bound_mu[0] : e->mu0[0] - 4, mhi = e->bound_mu_set ? e->bound_mu[1] : e->mu0[0] + 4;
  for (PetscInt i = 0; i < nm; i++) (*mus)[i] = mlo + (mhi - mlo) * i / (nm - 1);
  for (PetscInt j = 0; j < ns; j++) (*sigmas)[j] = e->bound_sigma[0] + (e->bound_sigma[1] - e->bound_sigma[0]) * j / (ns - 1);
  if (e->rank) PetscFunctionReturn(0); /* written from rank 0 */
  PetscCall(PetscMalloc2(M, &z, M, &wq));
  for (PetscInt m = 0; m < M; m++) {
    z[m] = -zmax + (m + 0.5) * dz;
    wq[m] = exp(-0.5 * z[m] * z[m]);
    wsum += wq[m];
  }
  for (PetscInt m = 0; m < M; m++) wq[m] /= wsum;
  for (PetscInt j = 0; j < ns; j++)
    for (PetscInt i = 0; i < nm; i++) {
      PetscReal s = 0, f, x;
      for (PetscInt m = 0; m < M; m++) {
        x = (*mus)[i] + (*sigmas)[j] * z[m];
        PetscCall(OdEsObjectiveEval(e->obj, &x, &f));
        s += wq[m] * f;
      }
      (*U)[j * nm + i] = s;
    }
  PetscCall(PetscFree2(z, wq));
  PetscFunctionReturn(0);
}
