/* Shared harness for optdyn's Check tests: PETSc/MPI initialized around an in-process
   (CK_NOFORK) runner, so a test can use MPI and PETSc like the library does. */
#pragma once
#include <check.h>
#include <petscsys.h>

/** Run the suite built by make_suite between PetscInitialize and PetscFinalize.
    Returns 0 when every check passed on this rank. */
int OdCheckMain(int argc, char **argv, Suite *(*make_suite)(void));

/** |a - b| <= tol * max(1, |b|), with a message naming both values. */
#define od_assert_close(a, b, tol) ck_assert_msg(fabs((double)(a) - (double)(b)) <= (tol) * fmax(1.0, fabs((double)(b))), "%s = %.17g, expected %.17g (tol %g)", #a, (double)(a), (double)(b), (double)(tol))
