/* Progress reporting on rank 0 (fraction, rate, ETA). */
#include <string.h>
#include "optdyn/progress.h"

#define OD_PROGRESS_DELAY 2.0
#define OD_PROGRESS_EVERY 5.0

void OdProgressStart(OdProgress *p, MPI_Comm comm, const char *label, double total, double done0, PetscBool quiet)
{
  memset(p, 0, sizeof *p);
  p->comm = comm;
  snprintf(p->label, sizeof p->label, "%s", label);
  p->total = total;
  p->done0 = done0;
  p->quiet = quiet;
  p->start = p->last = MPI_Wtime();
}

static void FormatSeconds(double s, char *buf, size_t len)
{
  if (s < 120) snprintf(buf, len, "%.0f s", s);
  else if (s < 7200) snprintf(buf, len, "%.1f min", s / 60);
  else snprintf(buf, len, "%.1f h", s / 3600);
}

static PetscErrorCode PrintLine(OdProgress *p, double done, double now)
{
  char eta[32];
  PetscFunctionBegin;
  const double rate = (done - p->done0) / PetscMax(now - p->start, 1e-9);
  FormatSeconds(rate > 0 ? (p->total - done) / rate : 0, eta, sizeof eta);
  PetscCall(PetscFPrintf(p->comm, PETSC_STDERR, "[%s] %5.1f%% (%.0f/%.0f) %.3g units/s, ETA %s\n", p->label, 100.0 * done / PetscMax(p->total, 1), done, p->total, rate, eta));
  p->printed = PETSC_TRUE;
  p->last = now;
  PetscFunctionReturn(0);
}

PetscErrorCode OdProgressUpdate(OdProgress *p, double done)
{
  PetscFunctionBegin;
  if (p->quiet) PetscFunctionReturn(0);
  const double now = MPI_Wtime();
  if (p->printed ? now - p->last < OD_PROGRESS_EVERY : now - p->start < OD_PROGRESS_DELAY) PetscFunctionReturn(0);
  PetscCall(PrintLine(p, done, now));
  PetscFunctionReturn(0);
}

PetscErrorCode OdProgressFinish(OdProgress *p)
{
  char el[32];
  PetscFunctionBegin;
  if (p->quiet || !p->printed) PetscFunctionReturn(0);
  FormatSeconds(MPI_Wtime() - p->start, el, sizeof el);
  PetscCall(PetscFPrintf(p->comm, PETSC_STDERR, "[%s] done in %s\n", p->label, el));
  PetscFunctionReturn(0);
}
