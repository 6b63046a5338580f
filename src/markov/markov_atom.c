/* Degenerate stationary states: point masses at gradient-descent minima where S2 vanishes
 * (found by the core's landscape analysis, OdLandscapeFindPointMasses). */
#include "optdyn/markov.h"

PetscErrorCode OdMarkovFindAtoms(OdLandscape ls, PetscReal T, PetscReal Wmin, PetscReal Wmax, PetscReal resolution, PetscInt *natoms, OdMarkovAtom atoms[])
{
  OdLandscapePointMass pm[OD_LANDSCAPE_MAX_POINT_MASSES];
  PetscFunctionBegin;
  PetscCall(OdLandscapeFindPointMasses(ls, T, Wmin, Wmax, resolution, natoms, pm));
  *natoms = PetscMin(*natoms, OD_MARKOV_MAX_ATOMS);
  for (PetscInt i = 0; i < *natoms; i++) atoms[i].W = pm[i].W, atoms[i].width = pm[i].width, atoms[i].weight = 0;
  PetscFunctionReturn(0);
}
