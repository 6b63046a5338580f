#include "od_check.h"

int OdCheckMain(int argc, char **argv, Suite *(*make_suite)(void))
{
  int failed;
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  SRunner *sr = srunner_create(make_suite());
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  if (PetscFinalize()) return 1;
  return failed ? 1 : 0;
}
