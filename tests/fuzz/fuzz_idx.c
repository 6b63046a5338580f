/* Fuzz the IDX data-file reader (src/nn): the input bytes are an IDX file, raw or gzip
 * (zlib decides). It must refuse bad magic, dimensions, sizes and truncation without
 * crashing, leaking or reading out of bounds. */
#include "fuzz_common.h"
#include "optdyn/nn.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  FuzzInitPetsc(argc, argv);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = FuzzWriteTemp(data, size, ".idx");
  OdIdx idx;
  memset(&idx, 0, sizeof idx);
  if (!OdIdxRead(PETSC_COMM_SELF, path, &idx)) OdIdxFree(&idx);
  unlink(path);
  return 0;
}
