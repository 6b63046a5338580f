/* Fuzz the finite-state table readers (state lists, transition tables, distributions). The
 * input is split at the first two newlines into states-of-A, states-of-B and the text parsed
 * as both a table and a distribution. */
#include "fuzz_common.h"
#include "optdyn/op.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  FuzzInitPetsc(argc, argv);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = FuzzString(data, size), *a = text, *b, *rest;
  char names_a[OD_OP_FINITE_MAX_STATES][OD_OP_FINITE_NAME_LEN], names_b[OD_OP_FINITE_MAX_STATES][OD_OP_FINITE_NAME_LEN];
  PetscInt na, nb, next[OD_OP_FINITE_MAX_STATES * OD_OP_FINITE_MAX_STATES];
  PetscReal p[OD_OP_FINITE_MAX_STATES * OD_OP_FINITE_MAX_STATES];
  b = strchr(a, '\n');
  if (b) {
    *b++ = '\0';
    rest = strchr(b, '\n');
    if (rest) {
      *rest++ = '\0';
      if (!OdOpFiniteParseStates(PETSC_COMM_SELF, "-a", a, &na, names_a) && !OdOpFiniteParseStates(PETSC_COMM_SELF, "-b", b, &nb, names_b)) {
        (void)OdOpFiniteParseTable(PETSC_COMM_SELF, "-t", rest, na, names_a, nb, names_b, next);
        (void)OdOpFiniteParseDistribution(PETSC_COMM_SELF, "-p", rest, na * nb, p);
      }
    }
  }
  free(text);
  return 0;
}
