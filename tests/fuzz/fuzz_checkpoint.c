/* Fuzz the one checkpoint reader (src/core/checkpoint.c): the input bytes are a checkpoint
 * file offered to -restart with a sweep-like layout (an int64 flag vector with a range, a
 * real matrix, a ranged integer attribute). The reader must refuse anything it cannot verify
 * without crashing, leaking or reading out of bounds. With FUZZ_WRITE_SEED=PATH the harness
 * writes a valid checkpoint of this layout to PATH (the corpus seed) and exits. */
#include "fuzz_common.h"
#include "optdyn/checkpoint.h"

static int64_t done[4];
static PetscReal records[4 * 3];
static PetscInt position;

static PetscErrorCode Declare(const char *path, OdCheckpoint *ck)
{
  const PetscInt d1[1] = {4}, d2[2] = {4, 3};
  PetscFunctionBegin;
  PetscCall(OdCheckpointCreate(PETSC_COMM_SELF, path, "sweep", ck));
  PetscCall(OdCheckpointAddIdentity(*ck, "sweep shape", "fuzz 4 x 3"));
  PetscCall(OdCheckpointAddInt64(*ck, "done", 1, d1, done, 0, 1));
  PetscCall(OdCheckpointAddReal(*ck, "records", 2, d2, records, PETSC_TRUE));
  PetscCall(OdCheckpointAddInt(*ck, "position", &position, 0, 4));
  PetscFunctionReturn(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  FuzzInitPetsc(argc, argv);
  const char *seed = getenv("FUZZ_WRITE_SEED");
  if (seed) {
    OdCheckpoint ck;
    PetscBool written = PETSC_FALSE;
    for (int i = 0; i < 12; i++) records[i] = 0.25 * i;
    done[1] = 1, position = 2;
    if (Declare(seed, &ck) || OdCheckpointWrite(ck, &written) || !written) abort();
    OdCheckpointDestroy(&ck);
    exit(0);
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = FuzzWriteTemp(data, size, ".ckpt");
  OdCheckpoint ck = NULL;
  PetscBool found;
  if (!Declare(path, &ck)) (void)OdCheckpointRead(ck, &found);
  OdCheckpointDestroy(&ck);
  unlink(path);
  return 0;
}
