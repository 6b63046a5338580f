/* Progress reporting on rank 0: fraction, rate and ETA in the command's own units. */
#include <string.h>
#include "optdyn/progress.h"

#define OD_PROGRESS_DELAY 2.0
#define OD_PROGRESS_EVERY 5.0

void OdProgressStart(OdProgress *p, MPI_Comm comm, const char *label, double total, double done0, PetscBool quiet)
{
  memset(p, 0, sizeof *p);
  p->comm = comm;
  snprintf(p->label, sizeof p->label, "%s", label);
  snprintf(p->units, sizeof p->units, "units");
  p->per_unit = 1;
  p->total = total;
  p->done0 = done0;
  p->quiet = quiet;
  p->start = p->last = MPI_Wtime();
  p->sample_t[0] = p->start;
  p->sample_done[0] = done0;
  p->nsamples = 1;
}

void OdProgressSetUnits(OdProgress *p, const char *units, double per_work_unit)
{
  snprintf(p->units, sizeof p->units, "%s", units);
  p->per_unit = per_work_unit > 0 ? per_work_unit : 1;
}

/* Keep the start, the end of the warm-up, the latest sample and, in between, samples at
   least 2/N of the time span apart: the samples stay evenly spread over the whole run (so
   the middle of the run is always near a sample) in a fixed amount of memory. */
static void ThinSamples(OdProgress *p)
{
  const int last = p->nsamples - 1;
  const double h = (p->sample_t[last] - p->sample_t[1]) / (OD_PROGRESS_SAMPLES / 2);
  int m = 2;
  for (int i = 2; i < last; i++) {
    if (p->sample_t[i] - p->sample_t[m - 1] < h) continue;
    p->sample_t[m] = p->sample_t[i];
    p->sample_done[m] = p->sample_done[i];
    m++;
  }
  p->sample_t[m] = p->sample_t[last];
  p->sample_done[m] = p->sample_done[last];
  p->nsamples = m + 1;
}

void OdProgressSample(OdProgress *p, double now, double done)
{
  if (p->nsamples == OD_PROGRESS_SAMPLES) ThinSamples(p);
  p->sample_t[p->nsamples] = now;
  p->sample_done[p->nsamples] = done;
  p->nsamples++;
}

PetscBool OdProgressEstimate(const OdProgress *p, double *rate, double *eta)
{
  const int last = p->nsamples - 1;
  int ref = 1; /* sample 1 ends the warm-up; sample 0 is the start */
  *rate = 0;
  *eta = 0;
  if (last < 2) return PETSC_FALSE;
  /* the first sample at or after the middle of the time since the warm-up */
  const double mid = 0.5 * (p->sample_t[1] + p->sample_t[last]);
  while (ref < last - 1 && p->sample_t[ref] < mid) ref++;
  const double dt = p->sample_t[last] - p->sample_t[ref], dd = p->sample_done[last] - p->sample_done[ref];
  if (!(dt > 0) || !(dd > 0)) return PETSC_FALSE;
  *rate = dd / dt;
  *eta = PetscMax(p->total - p->sample_done[last], 0) / *rate;
  return PETSC_TRUE;
}

static void FormatSeconds(double s, char *buf, size_t len)
{
  if (s < 120) snprintf(buf, len, "%.0f s", s);
  else if (s < 7200) snprintf(buf, len, "%.1f min", s / 60);
  else if (s < 172800) snprintf(buf, len, "%.1f h", s / 3600);
  else snprintf(buf, len, "%.1f days", s / 86400);
}

/* "1.2e+09" is hard to read next to "37%": whole numbers below a million are printed in full. */
static void FormatAmount(double x, char *buf, size_t len)
{
  if (x < 1e6) snprintf(buf, len, "%.0f", x);
  else snprintf(buf, len, "%.3g", x);
}

static PetscErrorCode PrintLine(OdProgress *p, double done, double now)
{
  char eta[32], a[32], b[32], r[32];
  double rate, left;
  PetscFunctionBegin;
  FormatAmount(done * p->per_unit, a, sizeof a);
  FormatAmount(p->total * p->per_unit, b, sizeof b);
  if (OdProgressEstimate(p, &rate, &left)) {
    FormatSeconds(left, eta, sizeof eta);
    snprintf(r, sizeof r, "%.3g", rate * p->per_unit);
    PetscCall(PetscFPrintf(p->comm, PETSC_STDERR, "[%s] %5.1f%% (%s of %s %s) %s %s/s, ETA %s\n", p->label, 100.0 * done / PetscMax(p->total, 1e-300), a, b, p->units, r, p->units, eta));
  } else {
    PetscCall(PetscFPrintf(p->comm, PETSC_STDERR, "[%s] %5.1f%% (%s of %s %s), ETA: measuring the rate\n", p->label, 100.0 * done / PetscMax(p->total, 1e-300), a, b, p->units));
  }
  p->printed = PETSC_TRUE;
  p->last = now;
  PetscFunctionReturn(0);
}

PetscErrorCode OdProgressUpdate(OdProgress *p, double done)
{
  PetscFunctionBegin;
  if (p->quiet) PetscFunctionReturn(0);
  const double now = MPI_Wtime();
  OdProgressSample(p, now, done);
  if (p->printed ? now - p->last < OD_PROGRESS_EVERY : now - p->start < OD_PROGRESS_DELAY) PetscFunctionReturn(0);
  PetscCall(PrintLine(p, done, now));
  PetscFunctionReturn(0);
}

PetscErrorCode OdProgressFinish(OdProgress *p)
{
  char el[32], r[32];
  PetscFunctionBegin;
  if (p->quiet || !p->printed) PetscFunctionReturn(0);
  const double elapsed = MPI_Wtime() - p->start;
  FormatSeconds(elapsed, el, sizeof el);
  snprintf(r, sizeof r, "%.3g", (p->total - p->done0) * p->per_unit / PetscMax(elapsed, 1e-9));
  PetscCall(PetscFPrintf(p->comm, PETSC_STDERR, "[%s] done in %s (%s %s/s)\n", p->label, el, r, p->units));
  PetscFunctionReturn(0);
}

PetscErrorCode OdProgressInterrupted(OdProgress *p, double done)
{
  char el[32], a[32], b[32];
  PetscFunctionBegin;
  FormatSeconds(MPI_Wtime() - p->start, el, sizeof el);
  FormatAmount(done * p->per_unit, a, sizeof a);
  FormatAmount(p->total * p->per_unit, b, sizeof b);
  PetscCall(PetscFPrintf(p->comm, PETSC_STDERR, "[%s] interrupted after %s at %.1f%% (%s of %s %s); not finished\n", p->label, el, 100.0 * done / PetscMax(p->total, 1e-300), a, b, p->units));
  PetscFunctionReturn(0);
}
