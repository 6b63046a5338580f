/* Shared set-up for the libFuzzer harnesses: PETSc initialized once, errors silenced (a
 * harness only looks for crashes, leaks and undefined behaviour, not for error messages). */
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <petscsys.h>

static PetscErrorCode SilentHandler(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm, (void)line, (void)func, (void)file, (void)p, (void)mess, (void)ctx;
  return n;
}

static void FuzzInitPetsc(int *argc, char ***argv)
{
  if (PetscInitializeNoArguments()) abort();
  PetscPushErrorHandler(SilentHandler, NULL);
  (void)argc, (void)argv;
}

/* Write data to a private temporary file; returns its path (static buffer). */
static const char *FuzzWriteTemp(const uint8_t *data, size_t size, const char *suffix)
{
  static char path[256];
  snprintf(path, sizeof path, "%s/optdyn-fuzz-%d%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(), suffix);
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  fclose(f);
  return path;
}

/* NUL-terminated copy of the input (the parsers take C strings). */
static char *FuzzString(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  if (!s) abort();
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}
