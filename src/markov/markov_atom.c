/* Degenerate stationary states: point masses at gradient-descent minima where S2 vanishes. */
#include <math.h>
#include "optdyn/markov.h"

/* Bisect the sign change of G in [a, b] (G(a) < 0 < G(b)) to round-off. */
static PetscReal BisectMeanGradient(OdLandscape ls, PetscReal a, PetscReal b)
{
  OdLandscapeMoments m;
  for (int it = 0; it < 200 && b - a > 4 * PETSC_MACHINE_EPSILON * PetscMax(fabs(a), 1); it++) {
    const PetscReal c = 0.5 * (a + b);
    OdLandscapeGetMoments(ls, c, &m);
    if (m.G < 0) a = c;
    else b = c;
  }
  return 0.5 * (a + b);
}

PetscErrorCode OdMarkovFindAtoms(OdLandscape ls, PetscReal T, PetscReal Wmin, PetscReal Wmax, PetscReal resolution, PetscInt *natoms, OdMarkovAtom atoms[])
{
  const PetscInt nscan = 100000;
  const PetscReal dx = (Wmax - Wmin) / nscan;
  OdLandscapeMoments m;
  PetscReal Gprev;
  PetscFunctionBegin;
  *natoms = 0;
  OdLandscapeGetMoments(ls, Wmin, &m);
  Gprev = m.G;
  for (PetscInt i = 1; i <= nscan; i++) {
    const PetscReal x = Wmin + i * dx;
    OdLandscapeGetMoments(ls, x, &m);
    if (Gprev < 0 && m.G >= 0) { /* a minimum of L: gradient descent is attracted here */
      OdLandscapeMoments at;
      const PetscReal W = BisectMeanGradient(ls, x - dx, x);
      OdLandscapeGetMoments(ls, W, &at);
      /* continuum stationary width: D / (T G') with D = T^2 S2 / 2 (local Ornstein-Uhlenbeck) */
      const PetscReal width = at.dG > 0 ? sqrt(PetscMax(T * at.S2 / (2 * at.dG), 0)) : PETSC_INFINITY;
      if (width < resolution && *natoms < OD_MARKOV_MAX_ATOMS) {
        atoms[*natoms].W = W, atoms[*natoms].width = width, atoms[*natoms].weight = 0;
        (*natoms)++;
      }
    }
    Gprev = m.G;
  }
  PetscFunctionReturn(0);
}
