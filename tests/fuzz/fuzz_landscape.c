/* Fuzz the landscape file reader end to end (strict check, PETSc's YAML reader, parsing). */
#include "fuzz_common.h"
#include "optdyn/landscape.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  FuzzInitPetsc(argc, argv);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  OdLandscape ls;
  const char *path = FuzzWriteTemp(data, size, ".yaml");
  if (OdLandscapeCreate(PETSC_COMM_SELF, &ls)) abort();
  if (!OdLandscapeLoadYAML(ls, path)) {
    OdLandscapeMoments m;
    OdLandscapeGetMoments(ls, 1.0, &m); /* a landscape that loads must evaluate */
  }
  if (OdLandscapeDestroy(&ls)) abort();
  unlink(path);
  return 0;
}
