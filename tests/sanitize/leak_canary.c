/* A deliberate leak: the sanitizer run expects LeakSanitizer to report it, which proves that
 * the leak check (with its suppressions) can fail. */
#include <stdio.h>
#include <stdlib.h>

static void *volatile kept;

int main(void)
{
  char *p = malloc(4242);
  if (!p) return 2;
  p[0] = 1;
  kept = p;
  kept = NULL; /* the only pointer is gone: a definite leak */
  puts("leaked 4242 bytes on purpose");
  return 0;
}
