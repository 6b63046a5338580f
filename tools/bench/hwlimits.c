/* Hardware limits of one core, measured once per benchmark run (tools/bench/run):
     fma_lanes   double-precision FMA lane-operations per second (16 independent chains of
                 8-double vector FMAs; the compiler's widest vectors for this CPU)
     addmul_ops  double-precision multiply and add lane-operations per second when both
                 pipes are busy (independent multiply and add chains, no FMA): the peak
                 for kernels that are written without FMA
     triad_bytes bytes per second of a[i] = b[i] + s c[i] over 3 x 64 MB arrays
                 (STREAM convention: 24 bytes per element; write-allocate traffic not counted)
     copy_bytes  bytes per second of a[i] = b[i] (16 bytes per element)
     triad_1proc_bytes, triad_2proc_bytes
                 the triad bandwidth of 1 process alone and of 2 processes running it at the
                 same time (each its own arrays, started together through a pipe; the sum of
                 both): can memory-bound work scale to 2 cores? Only repetitions during which
                 both processes were on their CPUs count (wall intervals and CPU time per
                 repetition; a loaded machine time-slices them); median of those per process.
                 triad_2proc_used: the fraction of chunks of each process that counted (0:
                 never concurrent, the figure is 0).
   Each figure is the best of several runs, in CPU time (the machine may be shared).
   Built with -march=native -ffp-contract=fast: a measuring tool, not a reproducible kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

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

static double Wall(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int CompareDouble(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

#define TRIAD_PASSES 20
#define TRIAD_CHUNK (1L << 16) /* 1.5 MB per chunk (~0.1 ms): shorter than a scheduler slice */
typedef struct {
  double rate, start, end, cpu_fraction; /* CPU-time rate; wall interval; CPU / wall time */
} TriadRep;

/* Full reads and writes on a pipe (a pipe moves at most its buffer size at a time). */
static int PipeIO(int fd, void *buf, size_t len, int writing)
{
  for (char *p = buf; len > 0;) {
    const ssize_t k = writing ? write(fd, p, len) : read(fd, p, len);
    if (k <= 0) return 0;
    p += k, len -= (size_t)k;
  }
  return 1;
}

/* One of the concurrent triad processes: own arrays (first touched here), signal ready, wait
   for the common start, run TRIAD_PASSES triads chunk by chunk and send the chunks' records. */
static void TriadChild(long n, long chunks, int ready, int go, int out)
{
  double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n), *c = malloc(sizeof(double) * n);
  TriadRep *rep = malloc(sizeof(TriadRep) * chunks);
  char token = 0;
  if (!a || !b || !c || !rep) _exit(1);
  for (long i = 0; i < n; i++) a[i] = 0, b[i] = 1.0 / (i + 1), c[i] = 2.0;
  if (write(ready, &token, 1) != 1 || read(go, &token, 1) != 1) _exit(1);
  for (long k = 0; k < chunks; k++) {
    const long off = k * TRIAD_CHUNK % n;
    const double w0 = Wall(), c0 = Now();
    rep[k].rate = Triad(a + off, b + off, c + off, TRIAD_CHUNK, 0);
    rep[k].end = Wall(), rep[k].start = w0;
    rep[k].cpu_fraction = (Now() - c0) / (rep[k].end - w0);
  }
  if (a[n / 2] != b[n / 2] + 3.0 * c[n / 2]) _exit(1);
  _exit(PipeIO(out, rep, sizeof(TriadRep) * chunks, 1) ? 0 : 1);
}

/* Marks (in rate: 0) the chunks that did not run concurrently: a chunk counts when it ran on its
   CPU (CPU time >= 95 % of wall time) and the other process's on-CPU chunks cover >= 95 % of its
   wall interval. Both lists are in time order (two pointers). */
static void KeepConcurrent(TriadRep *r, const TriadRep *other, long chunks)
{
  long s0 = 0;
  for (long k = 0; k < chunks; k++) {
    double covered = 0;
    if (!other) { /* one process: only its own CPU time matters */
      if (r[k].cpu_fraction < 0.95) r[k].rate = 0;
      continue;
    }
    while (s0 < chunks && other[s0].end <= r[k].start) s0++;
    for (long s = s0; s < chunks && other[s].start < r[k].end; s++) {
      const double lo = other[s].start > r[k].start ? other[s].start : r[k].start, hi = other[s].end < r[k].end ? other[s].end : r[k].end;
      if (other[s].cpu_fraction >= 0.95 && hi > lo) covered += hi - lo;
    }
    if (r[k].cpu_fraction < 0.95 || covered < 0.95 * (r[k].end - r[k].start)) r[k].rate = 0;
  }
}

/* Triad bandwidth of `procs` (1 or 2) processes started at the same moment: the sum over the
   processes of the median rate of their concurrent chunks; *used is the smallest fraction of
   chunks that counted (0: never concurrent, the figure is 0). Returns -1 on failure. */
static double TriadConcurrent(int procs, long n, double *used)
{
  const long chunks = TRIAD_PASSES * (n / TRIAD_CHUNK);
  int ready[2], go[2], out[2][2], ok = 1; /* a pipe per child: large writes of two writers interleave */
  TriadRep *rep[2] = {malloc(sizeof(TriadRep) * chunks), malloc(sizeof(TriadRep) * chunks)};
  double sum = 0, *rate = malloc(sizeof(double) * chunks);
  char tokens[2] = {0};
  if (procs < 1 || procs > 2 || !rep[0] || !rep[1] || !rate || pipe(ready) || pipe(go) || pipe(out[0]) || pipe(out[1])) return -1;
  for (int p = 0; p < procs; p++) {
    const pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) TriadChild(n, chunks, ready[1], go[0], out[p][1]);
  }
  for (int p = 0; p < procs; p++) ok &= read(ready[0], tokens, 1) == 1;
  ok &= write(go[1], tokens, procs) == procs; /* all start together */
  for (int p = 0; p < procs; p++) ok &= PipeIO(out[p][0], rep[p], sizeof(TriadRep) * chunks, 0);
  for (int p = 0; p < procs; p++) {
    int status;
    if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) ok = 0;
  }
  close(ready[0]), close(ready[1]), close(go[0]), close(go[1]), close(out[0][0]), close(out[0][1]), close(out[1][0]), close(out[1][1]);
  *used = 1;
  for (int p = 0; ok && p < procs; p++) {
    long k = 0;
    KeepConcurrent(rep[p], procs == 2 ? rep[1 - p] : NULL, chunks);
    for (long i = 0; i < chunks; i++)
      if (rep[p][i].rate > 0) rate[k++] = rep[p][i].rate;
    if ((double)k / chunks < *used) *used = (double)k / chunks;
    if (k == 0) continue;
    qsort(rate, k, sizeof *rate, CompareDouble);
    sum += rate[k / 2];
  }
  free(rep[0]), free(rep[1]), free(rate);
  return !ok ? -1 : *used > 0 ? sum : 0;
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
  fprintf(stderr, "(checksum %g %g)\n", sink, a[n / 2]);
  free(a), free(b), free(c);
  double used1, used2;
  const double triad1 = TriadConcurrent(1, n, &used1), triad2 = TriadConcurrent(2, n, &used2);
  if (triad1 < 0 || triad2 < 0) {
    fprintf(stderr, "hwlimits: the concurrent triad processes failed\n");
    return 1;
  }
  printf("fma_lanes %.4e\naddmul_ops %.4e\ntriad_bytes %.4e\ncopy_bytes %.4e\n", fma, addmul, triad, copy);
  printf("triad_1proc_bytes %.4e\ntriad_2proc_bytes %.4e\ntriad_2proc_used %.3f\n", triad1, triad2, used2);
  return 0;
}
