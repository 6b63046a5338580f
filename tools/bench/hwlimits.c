/* Hardware limits of one core, measured once per benchmark run (tools/bench/run):
     fma_lanes   double-precision FMA lane-operations per second (16 independent chains of
                 8-double vector FMAs; the compiler's widest vectors for this CPU)
     addmul_ops  double-precision multiply and add lane-operations per second when both
                 pipes are busy (independent multiply and add chains, no FMA): the peak
                 for kernels that are written without FMA
     triad_bytes bytes per second of a[i] = b[i] + s c[i] over 3 x 64 MB arrays
                 (STREAM convention: 24 bytes per element; write-allocate traffic not counted)
     copy_bytes  bytes per second of a[i] = b[i] (16 bytes per element)
   Each figure is the best of several runs, in CPU time (the machine may be shared).
   Built with -march=native -ffp-contract=fast: a measuring tool, not a reproducible kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef double v8 __attribute__((vector_size(64)));

static double Now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

#define CHAINS 16
static double PeakFma(long iters, double *sink)
{
  v8 acc[CHAINS];
  const v8 m = (v8){0} + (1.0 - 1e-13), a = (v8){0} + 1e-9;
  for (int c = 0; c < CHAINS; c++) acc[c] = (v8){0} + (1.0 + c);
  const double t0 = Now();
  for (long i = 0; i < iters; i++)
#pragma GCC unroll 16
    for (int c = 0; c < CHAINS; c++) acc[c] = acc[c] * m + a; /* contracted to one FMA */
  const double dt = Now() - t0;
  for (int c = 0; c < CHAINS; c++) *sink += acc[c][0];
  return (double)iters * CHAINS * 8 / dt;
}

static double PeakAddMul(long iters, double *sink)
{
  v8 p[CHAINS / 2], s[CHAINS / 2];
  const v8 m = (v8){0} + (1.0 - 1e-13), a = (v8){0} + 1e-9;
  for (int c = 0; c < CHAINS / 2; c++) p[c] = (v8){0} + (1.0 + c), s[c] = (v8){0} + (2.0 + c);
  const double t0 = Now();
  for (long i = 0; i < iters; i++)
#pragma GCC unroll 8
    for (int c = 0; c < CHAINS / 2; c++) p[c] = p[c] * m, s[c] = s[c] + a;
  const double dt = Now() - t0;
  for (int c = 0; c < CHAINS / 2; c++) *sink += p[c][0] + s[c][0];
  return (double)iters * CHAINS * 8 / dt;
}

static double Triad(double *a, const double *b, const double *c, long n, int copy)
{
  const double t0 = Now();
  if (copy)
    for (long i = 0; i < n; i++) a[i] = b[i];
  else
    for (long i = 0; i < n; i++) a[i] = b[i] + 3.0 * c[i];
  const double dt = Now() - t0;
  return (copy ? 16.0 : 24.0) * n / dt;
}

int main(int argc, char **argv)
{
  (void)argv;
  const int quick = argc > 1; /* any argument: the quick mode */
  const long iters = quick ? 2000000 : 20000000, n = quick ? (1L << 21) : (1L << 23);
  double sink = 0, fma = 0, addmul = 0, triad = 0, copy = 0;
  double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n), *c = malloc(sizeof(double) * n);
  if (!a || !b || !c) return 1;
  for (long i = 0; i < n; i++) a[i] = 0, b[i] = 1.0 / (i + 1), c[i] = 2.0;
  for (int r = 0; r < 5; r++) {
    double x;
    if ((x = PeakFma(iters, &sink)) > fma) fma = x;
    if ((x = PeakAddMul(iters, &sink)) > addmul) addmul = x;
    if ((x = Triad(a, b, c, n, 0)) > triad) triad = x;
    if ((x = Triad(a, b, c, n, 1)) > copy) copy = x;
  }
  printf("fma_lanes %.4e\naddmul_ops %.4e\ntriad_bytes %.4e\ncopy_bytes %.4e\n", fma, addmul, triad, copy);
  fprintf(stderr, "(checksum %g %g)\n", sink, a[n / 2]);
  free(a), free(b), free(c);
  return 0;
}
