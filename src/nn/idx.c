/* IDX (MNIST format) files, raw or gzip: strict reading, writing, and labelled data sets. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include "optdyn/nn.h"

#define OD_IDX_TYPE_UBYTE 0x08
#define OD_IDX_MAX_BYTES ((size_t)1 << 34) /* 16 GiB: anything larger is a corrupt header */

static PetscErrorCode ReadHeader(MPI_Comm comm, const char *path, gzFile f, OdIdx *idx)
{
  unsigned char magic[4], d[4];
  PetscFunctionBegin;
  PetscCheck(gzread(f, magic, 4) == 4, comm, PETSC_ERR_USER_INPUT, "data file %s is not an IDX file: shorter than the 4-byte magic number", path);
  PetscCheck(magic[0] == 0 && magic[1] == 0, comm, PETSC_ERR_USER_INPUT, "data file %s is not an IDX file: magic number %02x %02x %02x %02x does not start with two zero bytes", path, magic[0], magic[1], magic[2], magic[3]);
  PetscCheck(magic[2] == OD_IDX_TYPE_UBYTE, comm, PETSC_ERR_USER_INPUT, "data file %s: IDX element type 0x%02x is not supported (only unsigned bytes, 0x08)", path, magic[2]);
  PetscCheck(magic[3] >= 1 && magic[3] <= 4, comm, PETSC_ERR_USER_INPUT, "data file %s: IDX header gives %d dimensions (allowed: 1 to 4)", path, magic[3]);
  idx->ndim = magic[3];
  idx->count = 1;
  for (PetscInt k = 0; k < idx->ndim; k++) {
    PetscCheck(gzread(f, d, 4) == 4, comm, PETSC_ERR_USER_INPUT, "data file %s is truncated: the header ends inside dimension %" PetscInt_FMT, path, k);
    const uint32_t n = ((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3];
    PetscCheck(n >= 1, comm, PETSC_ERR_USER_INPUT, "data file %s: IDX dimension %" PetscInt_FMT " is 0", path, k);
    idx->dims[k] = (PetscInt)n;
    PetscCheck(idx->count <= OD_IDX_MAX_BYTES / n, comm, PETSC_ERR_USER_INPUT, "data file %s: IDX dimensions imply more than 16 GiB of data (corrupt header?)", path);
    idx->count *= n;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadBody(MPI_Comm comm, const char *path, gzFile f, OdIdx *idx)
{
  size_t got = 0;
  unsigned char extra;
  int errnum;
  struct stat st;
  PetscFunctionBegin;
  /* reliab (found by fuzzing): a 20-byte file whose header announces gigabytes must not
     allocate them; a raw file holds exactly its bytes, deflate expands at most ~1032x */
  if (!stat(path, &st)) {
    const size_t header = 4 + 4 * (size_t)idx->ndim, size = (size_t)st.st_size;
    const double can_hold = gzdirect(f) ? (double)size - (double)header : 1032.0 * (double)size + 1024;
    PetscCheck((double)idx->count <= can_hold, comm, PETSC_ERR_USER_INPUT, "data file %s is truncated: its IDX header announces %zu data bytes but the file has only %zu bytes", path, idx->count, size);
  }
  PetscCall(PetscMalloc1(idx->count, &idx->data));
  while (got < idx->count) {
    const size_t want = PetscMin(idx->count - got, (size_t)1 << 30);
    const int n = gzread(f, idx->data + got, (unsigned)want);
    if (n <= 0) break;
    got += (size_t)n;
  }
  const char *zmsg = gzerror(f, &errnum);
  PetscCheck(errnum == Z_OK || errnum == Z_BUF_ERROR, comm, PETSC_ERR_USER_INPUT, "data file %s: corrupt gzip stream (%s)", path, zmsg);
  PetscCheck(got == idx->count, comm, PETSC_ERR_USER_INPUT, "data file %s is truncated: its IDX header announces %zu data bytes but the file holds %zu", path, idx->count, got);
  PetscCheck(gzread(f, &extra, 1) == 0, comm, PETSC_ERR_USER_INPUT, "data file %s: more data than its IDX header announces (%zu bytes): inconsistent dimensions", path, idx->count);
  PetscFunctionReturn(0);
}

PetscErrorCode OdIdxRead(MPI_Comm comm, const char *path, OdIdx *idx)
{
  gzFile f;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(idx, sizeof *idx));
  f = gzopen(path, "rb");
  PetscCheck(f, comm, PETSC_ERR_USER_INPUT, "cannot open data file %s: %s", path, strerror(errno));
  PetscErrorCode ierr = ReadHeader(comm, path, f, idx);
  if (!ierr) ierr = ReadBody(comm, path, f, idx);
  gzclose(f);
  if (ierr) {
    PetscCall(OdIdxFree(idx));
    return ierr;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OdIdxWrite(MPI_Comm comm, const char *path, const OdIdx *idx, PetscBool gzip)
{
  unsigned char head[20] = {0, 0, OD_IDX_TYPE_UBYTE, (unsigned char)idx->ndim};
  gzFile f;
  PetscFunctionBegin;
  for (PetscInt k = 0; k < idx->ndim; k++) {
    const uint32_t n = (uint32_t)idx->dims[k];
    head[4 + 4 * k] = (unsigned char)(n >> 24), head[5 + 4 * k] = (unsigned char)(n >> 16);
    head[6 + 4 * k] = (unsigned char)(n >> 8), head[7 + 4 * k] = (unsigned char)n;
  }
  f = gzopen(path, gzip ? "wb6" : "wbT"); /* T: transparent (no compression) */
  PetscCheck(f, comm, PETSC_ERR_FILE_OPEN, "cannot create data file %s: %s", path, strerror(errno));
  int ok = gzwrite(f, head, (unsigned)(4 + 4 * idx->ndim)) == 4 + 4 * idx->ndim;
  for (size_t done = 0; ok && done < idx->count;) {
    const size_t n = PetscMin(idx->count - done, (size_t)1 << 30);
    ok = gzwrite(f, idx->data + done, (unsigned)n) == (int)n;
    done += n;
  }
  ok = (gzclose(f) == Z_OK) && ok;
  PetscCheck(ok, comm, PETSC_ERR_FILE_WRITE, "writing data file %s failed", path);
  PetscFunctionReturn(0);
}

PetscErrorCode OdIdxFree(OdIdx *idx)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(idx->data));
  idx->count = 0;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ data sets */

PetscErrorCode OdDatasetLoad(MPI_Comm comm, const char *images, const char *labels, OdDataset *ds)
{
  OdIdx im, lb;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(ds, sizeof *ds));
  PetscCall(OdIdxRead(comm, images, &im));
  PetscErrorCode ierr = OdIdxRead(comm, labels, &lb);
  if (ierr) {
    PetscCall(OdIdxFree(&im));
    return ierr;
  }
  const PetscBool images_ok = (PetscBool)(im.ndim == 3), labels_ok = (PetscBool)(lb.ndim == 1 && lb.dims[0] == im.dims[0]);
  if (!images_ok || !labels_ok) {
    const PetscInt nim = im.dims[0], nlb = lb.dims[0], imd = im.ndim, lbd = lb.ndim;
    PetscCall(OdIdxFree(&im));
    PetscCall(OdIdxFree(&lb));
    PetscCheck(images_ok, comm, PETSC_ERR_USER_INPUT, "image file %s has %" PetscInt_FMT " dimensions; images need 3 (count, rows, columns)", images, imd);
    SETERRQ(comm, PETSC_ERR_USER_INPUT, "label file %s holds %" PetscInt_FMT " labels in %" PetscInt_FMT " dimension(s); image file %s holds %" PetscInt_FMT " images (need one dimension with the same count)", labels, nlb, lbd, images, nim);
  }
  ds->n = im.dims[0];
  ds->rows = im.dims[1];
  ds->cols = im.dims[2];
  ds->dim = ds->rows * ds->cols;
  ds->pixels = im.data;
  PetscCall(PetscMalloc1(ds->n, &ds->labels));
  for (PetscInt i = 0; i < ds->n; i++) ds->labels[i] = lb.data[i];
  PetscCall(OdIdxFree(&lb));
  PetscFunctionReturn(0);
}

PetscErrorCode OdDatasetFree(OdDataset *ds)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(ds->pixels));
  PetscCall(PetscFree(ds->labels));
  ds->n = 0;
  PetscFunctionReturn(0);
}

void OdDatasetInput(const OdDataset *ds, PetscInt i, double x[])
{
  const unsigned char *p = ds->pixels + (size_t)i * (size_t)ds->dim;
  for (PetscInt k = 0; k < ds->dim; k++) x[k] = (p[k] + 1) / 256.0;
}

PetscErrorCode OdDatasetSelect(const OdDataset *ds, PetscInt begin, PetscInt end, PetscInt nclasses, const PetscInt classes[], PetscInt *n, PetscInt **idx)
{
  PetscBool want[256] = {PETSC_FALSE};
  PetscFunctionBegin;
  begin = PetscMax(begin, 0);
  end = PetscMin(end, ds->n);
  for (PetscInt c = 0; c < nclasses; c++)
    if (classes[c] >= 0 && classes[c] < 256) want[classes[c]] = PETSC_TRUE;
  PetscCall(PetscMalloc1(PetscMax(end - begin, 1), idx));
  *n = 0;
  for (PetscInt i = begin; i < end; i++)
    if (want[ds->labels[i]]) (*idx)[(*n)++] = i;
  PetscFunctionReturn(0);
}

void OdDatasetCountLabels(const OdDataset *ds, PetscInt begin, PetscInt end, PetscInt counts[256])
{
  for (PetscInt c = 0; c < 256; c++) counts[c] = 0;
  for (PetscInt i = PetscMax(begin, 0); i < PetscMin(end, ds->n); i++) counts[ds->labels[i]]++;
}
