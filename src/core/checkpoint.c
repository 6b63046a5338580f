/* One checkpoint format (see optdyn/checkpoint.h): HDF5, written by rank 0 to a unique
   temporary file and renamed; identity and CRC-32 checked by one reader. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hdf5.h>
#include <zlib.h>
#include "optdyn/checkpoint.h"
#include "optdyn/version.h"
#include "od_result_neutral.h"

#define OD_CKPT_MAX_ITEMS 32
#define OD_CKPT_MSG 10240
_Static_assert(sizeof(PetscReal) == sizeof(double), "checkpoints store PetscReal as IEEE double");

typedef struct {
  char name[64];
  char type; /* 'r' real array, 'i' int64 array, 'a' scalar integer attribute */
  int ndim;
  hsize_t dims[2];
  void *data;
  PetscBool finite;
  int64_t lo, hi;
  PetscInt *scalar; /* for 'a' */
} Item;

/* The string attributes of the identity, in checksum (name) order. */
enum { S_FORMAT, S_IDENTITY, S_INPUT, S_KIND, S_OPTIONS, S_VERSION, NSTR };
static const char *const str_names[NSTR] = {"format", "identity", "input_files", "kind", "options", "program_version"};

struct _n_OdCheckpoint {
  MPI_Comm comm;
  PetscMPIInt rank;
  char path[PETSC_MAX_PATH_LEN];
  char *str[NSTR]; /* the identity this run would write (and expects to read) */
  Item item[OD_CKPT_MAX_ITEMS];
  int nitem;
  int nfailed; /* failed writes so far: warned once, not at every round */
};

/* ---------------- identity text ---------------- */

static int IsOptionName(const char *t) { return t[0] == '-' && !(t[1] >= '0' && t[1] <= '9') && t[1] != '.' && t[1] != 0; }
static int CmpStr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int IsResultNeutral(const char *entry)
{
  for (int k = 0; od_result_neutral_options[k]; k++) {
    const size_t m = strlen(od_result_neutral_options[k]);
    if (!strncmp(entry, od_result_neutral_options[k], m) && (entry[m] == ' ' || entry[m] == 0)) return 1;
  }
  return 0;
}

/* Split the options database into "name value..." entries (whitespace-normalized). */
static PetscErrorCode OptionEntries(char *all, char ***entries, size_t *n)
{
  const size_t len = strlen(all);
  char *tok, *save = NULL;
  PetscFunctionBegin;
  *n = 0;
  PetscCall(PetscCalloc1(len / 2 + 2, entries));
  for (tok = strtok_r(all, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
    if (IsOptionName(tok) || *n == 0) {
      PetscCall(PetscCalloc1(len + 2, &(*entries)[*n]));
      PetscCall(PetscStrcpy((*entries)[*n], tok));
      (*n)++;
    } else {
      strcat((*entries)[*n - 1], " ");
      strcat((*entries)[*n - 1], tok);
    }
  }
  PetscFunctionReturn(0);
}

/* The options that define the computation: sorted "name value" lines, without the
   result-neutral options (one list, tools/optdyn/result_neutral_options.txt). */
static PetscErrorCode OptionsIdentity(char **text)
{
  char *all, **entries;
  size_t n, len;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetAll(NULL, &all));
  len = strlen(all);
  PetscCall(OptionEntries(all, &entries, &n));
  qsort(entries, n, sizeof *entries, CmpStr);
  PetscCall(PetscCalloc1(len + 2, text));
  for (size_t i = 0; i < n; i++) {
    if (!IsResultNeutral(entries[i])) {
      strcat(*text, entries[i]);
      strcat(*text, "\n");
    }
    PetscCall(PetscFree(entries[i]));
  }
  PetscCall(PetscFree(entries));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

static PetscErrorCode AppendLine(char **text, const char *line)
{
  char *t;
  const size_t a = *text ? strlen(*text) : 0, b = strlen(line);
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(a + b + 2, &t));
  if (a) memcpy(t, *text, a);
  memcpy(t + a, line, b);
  t[a + b] = '\n', t[a + b + 1] = 0;
  PetscCall(PetscFree(*text));
  *text = t;
  PetscFunctionReturn(0);
}

PetscErrorCode OdCheckpointCreate(MPI_Comm comm, const char *path, const char *kind, OdCheckpoint *ckpt)
{
  OdCheckpoint c;
  char version[256];
  PetscFunctionBegin;
  PetscCall(PetscNew(&c));
  c->comm = comm;
  PetscCallMPI(MPI_Comm_rank(comm, &c->rank));
  PetscCall(PetscStrncpy(c->path, path, sizeof c->path));
  snprintf(version, sizeof version, "%s (git %s)", OPTDYN_VERSION, OPTDYN_GIT_REVISION);
  PetscCall(PetscStrallocpy("optdyn checkpoint", &c->str[S_FORMAT]));
  PetscCall(PetscStrallocpy(kind, &c->str[S_KIND]));
  PetscCall(PetscStrallocpy(version, &c->str[S_VERSION]));
  PetscCall(PetscStrallocpy("", &c->str[S_IDENTITY]));
  PetscCall(PetscStrallocpy("", &c->str[S_INPUT]));
  PetscCall(OptionsIdentity(&c->str[S_OPTIONS]));
  *ckpt = c;
  PetscFunctionReturn(0);
}

PetscErrorCode OdCheckpointDestroy(OdCheckpoint *ckpt)
{
  PetscFunctionBegin;
  if (!*ckpt) PetscFunctionReturn(0);
  for (int i = 0; i < NSTR; i++) PetscCall(PetscFree((*ckpt)->str[i]));
  PetscCall(PetscFree(*ckpt));
  PetscFunctionReturn(0);
}

const char *OdCheckpointGetPath(OdCheckpoint ckpt) { return ckpt->path; }

/* CRC-32 and size of a file's content; returns 0 if it cannot be read. */
static int HashFile(const char *path, unsigned long *crc, long long *size)
{
  unsigned char buf[65536];
  size_t n;
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  *crc = crc32(0L, Z_NULL, 0);
  *size = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    *crc = crc32(*crc, buf, (uInt)n);
    *size += (long long)n;
  }
  const int ok = !ferror(f);
  fclose(f);
  return ok;
}

PetscErrorCode OdCheckpointAddInputFile(OdCheckpoint ckpt, const char *path)
{
  char line[PETSC_MAX_PATH_LEN + 64];
  int ok = 1;
  unsigned long crc = 0;
  long long size = 0;
  PetscFunctionBegin;
  if (!ckpt->rank) ok = HashFile(path, &crc, &size);
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, ckpt->comm));
  PetscCheck(ok, ckpt->comm, PETSC_ERR_USER_INPUT, "input file %s cannot be read (needed for the identity of checkpoint %s)", path, ckpt->path);
  snprintf(line, sizeof line, "crc32=%08lx size=%lld %s", crc, size, path);
  PetscCall(AppendLine(&ckpt->str[S_INPUT], line)); /* rank 0's line is the one compared */
  PetscFunctionReturn(0);
}

PetscErrorCode OdCheckpointAddIdentity(OdCheckpoint ckpt, const char *key, const char *value)
{
  char line[1024];
  PetscFunctionBegin;
  snprintf(line, sizeof line, "%s: %s", key, value);
  PetscCall(AppendLine(&ckpt->str[S_IDENTITY], line));
  PetscFunctionReturn(0);
}

static PetscErrorCode AddItem(OdCheckpoint c, const char *name, char type, PetscInt ndim, const PetscInt dims[], Item **it)
{
  PetscFunctionBegin;
  PetscCheck(c->nitem < OD_CKPT_MAX_ITEMS, PETSC_COMM_SELF, PETSC_ERR_SUP, "at most %d checkpoint items", OD_CKPT_MAX_ITEMS);
  PetscCheck(ndim >= 0 && ndim <= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "checkpoint item %s: ndim %" PetscInt_FMT " (0, 1 or 2)", name, ndim);
  *it = &c->item[c->nitem++];
  PetscCall(PetscMemzero(*it, sizeof **it));
  PetscCall(PetscStrncpy((*it)->name, name, sizeof (*it)->name));
  (*it)->type = type;
  (*it)->ndim = (int)ndim;
  for (PetscInt k = 0; k < ndim; k++) (*it)->dims[k] = (hsize_t)dims[k];
  PetscFunctionReturn(0);
}

PetscErrorCode OdCheckpointAddReal(OdCheckpoint ckpt, const char *name, PetscInt ndim, const PetscInt dims[], PetscReal *data, PetscBool finite)
{
  Item *it;
  PetscFunctionBegin;
  PetscCall(AddItem(ckpt, name, 'r', ndim, dims, &it));
  it->data = data;
  it->finite = finite;
  PetscFunctionReturn(0);
}

PetscErrorCode OdCheckpointAddInt64(OdCheckpoint ckpt, const char *name, PetscInt ndim, const PetscInt dims[], int64_t *data, int64_t lo, int64_t hi)
{
  Item *it;
  PetscFunctionBegin;
  PetscCall(AddItem(ckpt, name, 'i', ndim, dims, &it));
  it->data = data, it->lo = lo, it->hi = hi;
  PetscFunctionReturn(0);
}

PetscErrorCode OdCheckpointAddInt(OdCheckpoint ckpt, const char *name, PetscInt *value, PetscInt lo, PetscInt hi)
{
  Item *it;
  PetscFunctionBegin;
  PetscCall(AddItem(ckpt, name, 'a', 0, NULL, &it));
  it->scalar = value, it->lo = lo, it->hi = hi;
  PetscFunctionReturn(0);
}

static size_t ItemCount(const Item *it)
{
  size_t n = 1;
  for (int k = 0; k < it->ndim; k++) n *= (size_t)it->dims[k];
  return n;
}

/* ---------------- checksum ---------------- */

static unsigned long CrcInt64(unsigned long crc, int64_t v)
{
  unsigned char b[8];
  for (int k = 0; k < 8; k++) b[k] = (unsigned char)((uint64_t)v >> (8 * k));
  return crc32(crc, b, 8);
}

/* Little-endian bytes of n 8-byte values (the checksum is defined on LE data). */
static unsigned long CrcWords(unsigned long crc, const void *data, size_t n)
{
  const uint64_t *w = (const uint64_t *)data;
  for (size_t i = 0; i < n; i++) crc = CrcInt64(crc, (int64_t)w[i]);
  return crc;
}

static unsigned long CrcHeader(unsigned long crc, const char *name, char type, int ndim, const hsize_t dims[])
{
  crc = crc32(crc, (const Bytef *)name, (uInt)strlen(name) + 1);
  crc = crc32(crc, (const Bytef *)&type, 1);
  crc = CrcInt64(crc, ndim);
  for (int k = 0; k < ndim; k++) crc = CrcInt64(crc, (int64_t)dims[k]);
  return crc;
}

typedef struct {
  const char *name;
  int idx; /* >= 0: item, < 0: string -1 - k */
} Named;
static int CmpNamed(const void *a, const void *b) { return strcmp(((const Named *)a)->name, ((const Named *)b)->name); }

/* CRC-32 over the items (values in int64 scalars for 'a') and the strings, in name order. */
static unsigned long Checksum(const OdCheckpoint c, char *const str[NSTR], const int64_t scalars[])
{
  Named order[OD_CKPT_MAX_ITEMS + NSTR];
  int n = 0;
  unsigned long crc = crc32(0L, Z_NULL, 0);
  for (int i = 0; i < c->nitem; i++) order[n].name = c->item[i].name, order[n].idx = i, n++;
  for (int k = 0; k < NSTR; k++) order[n].name = str_names[k], order[n].idx = -1 - k, n++;
  qsort(order, (size_t)n, sizeof order[0], CmpNamed);
  for (int j = 0; j < n; j++) {
    if (order[j].idx < 0) {
      const char *s = str[-1 - order[j].idx];
      const hsize_t len = strlen(s);
      crc = CrcHeader(crc, order[j].name, 's', 1, &len);
      crc = crc32(crc, (const Bytef *)s, (uInt)len);
      continue;
    }
    const Item *it = &c->item[order[j].idx];
    const char type = it->type == 'a' ? 'i' : it->type;
    if (ItemCount(it) == 0) continue;
    crc = CrcHeader(crc, it->name, type, it->ndim, it->dims);
    crc = it->type == 'a' ? CrcInt64(crc, scalars[order[j].idx]) : CrcWords(crc, it->data, ItemCount(it));
  }
  return crc;
}

/* ---------------- HDF5 helpers (errors silenced by the callers) ---------------- */

static herr_t AttrInt64(hid_t loc, const char *name, int64_t v)
{
  hid_t sp = H5Screate(H5S_SCALAR), a = -1;
  herr_t st = -1;
  if (sp >= 0 && (a = H5Acreate2(loc, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0) st = H5Awrite(a, H5T_NATIVE_INT64, &v);
  if (a >= 0) H5Aclose(a);
  if (sp >= 0) H5Sclose(sp);
  return st;
}

static herr_t AttrString(hid_t loc, const char *name, const char *text)
{
  hid_t sp = H5Screate(H5S_SCALAR), t = H5Tcopy(H5T_C_S1), a = -1;
  herr_t st = -1;
  if (sp >= 0 && t >= 0 && H5Tset_size(t, strlen(text) + 1) >= 0 && H5Tset_strpad(t, H5T_STR_NULLTERM) >= 0 && (a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0) st = H5Awrite(a, t, text);
  if (a >= 0) H5Aclose(a);
  if (t >= 0) H5Tclose(t);
  if (sp >= 0) H5Sclose(sp);
  return st;
}

static int ReadAttrInt64(hid_t loc, const char *name, int64_t *v)
{
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = -1;
  herr_t st = -1;
  if (a >= 0 && (t = H5Aget_type(a)) >= 0 && H5Tget_class(t) == H5T_INTEGER) st = H5Aread(a, H5T_NATIVE_INT64, v);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return st >= 0;
}

/* A fixed-length string attribute, malloc'ed; NULL if absent or of another type. */
static char *ReadAttrString(hid_t loc, const char *name)
{
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = -1, mt = -1;
  char *s = NULL;
  if (a >= 0 && (t = H5Aget_type(a)) >= 0 && H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) == 0) {
    const size_t len = H5Tget_size(t);
    if (len > 0 && (s = (char *)calloc(len + 1, 1)) && ((mt = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(mt, len) < 0 || H5Aread(a, mt, s) < 0)) {
      free(s);
      s = NULL;
    }
  }
  if (mt >= 0) H5Tclose(mt);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return s;
}

static int WriteDataset(hid_t file, hid_t lcpl, const Item *it)
{
  hid_t sp = H5Screate_simple(it->ndim, it->dims, NULL), ds = -1;
  herr_t st = -1;
  const int real = it->type == 'r';
  if (sp >= 0) ds = H5Dcreate2(file, it->name, real ? H5T_IEEE_F64LE : H5T_STD_I64LE, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  if (ds >= 0) st = H5Dwrite(ds, real ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, it->data);
  if (ds >= 0 && H5Dclose(ds) < 0) st = -1;
  if (sp >= 0) H5Sclose(sp);
  return st >= 0;
}

/* Write everything into an open file; 1 on success. */
static int WriteContents(const OdCheckpoint c, hid_t file)
{
  int64_t scalars[OD_CKPT_MAX_ITEMS] = {0};
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  int ok = lcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0;
  for (int k = 0; ok && k < NSTR; k++) ok = AttrString(file, str_names[k], c->str[k]) >= 0;
  ok = ok && AttrInt64(file, "format_version", OD_CHECKPOINT_VERSION) >= 0;
  for (int i = 0; ok && i < c->nitem; i++) {
    const Item *it = &c->item[i];
    if (it->type == 'a') {
      scalars[i] = (int64_t)*it->scalar;
      ok = AttrInt64(file, it->name, scalars[i]) >= 0;
    } else if (ItemCount(it)) ok = WriteDataset(file, lcpl, it);
  }
  ok = ok && AttrInt64(file, "checksum_crc32", (int64_t)Checksum(c, c->str, scalars)) >= 0;
  if (lcpl >= 0) H5Pclose(lcpl);
  return ok;
}

/* Rank 0: write to a unique temporary file next to the target and rename it. */
static int WriteFile(const OdCheckpoint c, char *why, size_t whylen)
{
  char tmp[PETSC_MAX_PATH_LEN + 16];
  hid_t fapl = -1, file = -1;
  int fd, ok = 0;
  snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", c->path);
  if ((fd = mkstemp(tmp)) < 0) {
    snprintf(why, whylen, "cannot create a temporary file next to it (%s)", strerror(errno));
    return 0;
  }
  close(fd);
  /* 1.8+ object format: dense attribute storage, so the options text may exceed 64 KiB */
  if ((fapl = H5Pcreate(H5P_FILE_ACCESS)) >= 0 && H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) >= 0 && (file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) >= 0) ok = WriteContents(c, file);
  if (file >= 0 && H5Fclose(file) < 0) ok = 0;
  if (fapl >= 0) H5Pclose(fapl);
  if (!ok) snprintf(why, whylen, "writing %s failed (disk full or not writable?)", tmp);
  else if (rename(tmp, c->path) != 0) {
    snprintf(why, whylen, "cannot rename %s to it (%s)", tmp, strerror(errno));
    ok = 0;
  }
  if (!ok) (void)remove(tmp);
  return ok;
}

PetscErrorCode OdCheckpointWrite(OdCheckpoint ckpt, PetscBool *written)
{
  char why[PETSC_MAX_PATH_LEN + 128] = "";
  int ok = 1;
  PetscFunctionBegin;
  if (!ckpt->rank) {
    H5E_auto2_t func;
    void *data;
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    ok = WriteFile(ckpt, why, sizeof why);
    H5Eset_auto2(H5E_DEFAULT, func, data);
    if (!ok && !ckpt->nfailed++) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "optdyn: warning: checkpoint %s not written: %s; the run continues (later failures are not repeated)\n", ckpt->path, why));
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, ckpt->comm));
  if (written) *written = ok ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* ---------------- reading ---------------- */

typedef enum { CK_NONE, CK_OK, CK_REFUSED } ReadStatus;

/* The first option that differs between two sorted identity texts, for the message. */
static void FirstOptionDifference(const char *stored, const char *now, char *out, size_t len)
{
  const char *a = stored, *b = now;
  while (*a || *b) {
    const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
    const size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
    if (la != lb || strncmp(a, b, la)) {
      const size_t na = strcspn(a, " \n"), nb = strcspn(b, " \n");
      const int c = (!*a) ? 1 : (!*b) ? -1 : strncmp(a, b, PetscMin(na, nb)) ? strncmp(a, b, PetscMin(na, nb)) : (int)na - (int)nb;
      if (c == 0) snprintf(out, len, "%.*s in the checkpoint, %.*s now", (int)la, a, (int)lb, b);
      else if (c < 0) snprintf(out, len, "%.*s in the checkpoint, not set now", (int)la, a);
      else snprintf(out, len, "%.*s now, not set in the checkpoint", (int)lb, b);
      return;
    }
    a += la + (ea ? 1 : 0), b += lb + (eb ? 1 : 0);
  }
  snprintf(out, len, "(no difference found)");
}

/* A one-line excerpt of a multi-line identity text (for messages). */
static const char *OneLine(const char *text, char *buf, size_t len)
{
  size_t i = 0;
  for (; text[i] && i + 1 < len; i++) buf[i] = text[i] == '\n' ? (text[i + 1] ? ';' : ' ') : text[i];
  buf[i] = 0;
  return buf;
}

/* Compare the stored identity strings with this run's; 1 if equal, else a message. */
static int CompareIdentity(const OdCheckpoint c, char *const stored[NSTR], char *msg, size_t len)
{
  char diff[512], a[256], b[256];
  if (strcmp(stored[S_OPTIONS], c->str[S_OPTIONS])) {
    FirstOptionDifference(stored[S_OPTIONS], c->str[S_OPTIONS], diff, sizeof diff);
    snprintf(msg, len, "checkpoint %s was written with different options (%s); remove it or rerun with the same options", c->path, diff);
  } else if (strcmp(stored[S_INPUT], c->str[S_INPUT]))
    snprintf(msg, len, "checkpoint %s was written with different input file contents (then: %s; now: %s); an input file changed since the interrupt: remove the checkpoint or restore the file", c->path, OneLine(stored[S_INPUT], a, sizeof a), OneLine(c->str[S_INPUT], b, sizeof b));
  else if (strcmp(stored[S_IDENTITY], c->str[S_IDENTITY]))
    snprintf(msg, len, "checkpoint %s was written with different options or sweep shape (then: %s; now: %s)", c->path, OneLine(stored[S_IDENTITY], a, sizeof a), OneLine(c->str[S_IDENTITY], b, sizeof b));
  else if (strcmp(stored[S_VERSION], c->str[S_VERSION])) snprintf(msg, len, "checkpoint %s was written by another program version (%s, this is %s); remove it or finish with that version", c->path, stored[S_VERSION], c->str[S_VERSION]);
  else return 1;
  return 0;
}

/* Read one declared dataset into its destination; 1 on success (shape and class checked). */
static int ReadDataset(hid_t file, const Item *it)
{
  hid_t ds = H5Dopen2(file, it->name, H5P_DEFAULT), sp = -1, t = -1;
  hsize_t dims[2] = {0, 0};
  herr_t st = -1;
  const int real = it->type == 'r';
  if (ds >= 0 && (sp = H5Dget_space(ds)) >= 0 && (t = H5Dget_type(ds)) >= 0 && H5Sget_simple_extent_ndims(sp) == it->ndim && H5Sget_simple_extent_dims(sp, dims, NULL) == it->ndim && dims[0] == it->dims[0] &&
      (it->ndim < 2 || dims[1] == it->dims[1]) && H5Tget_class(t) == (real ? H5T_FLOAT : H5T_INTEGER) && H5Tget_size(t) == 8)
    st = H5Dread(ds, real ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, it->data);
  if (t >= 0) H5Tclose(t);
  if (sp >= 0) H5Sclose(sp);
  if (ds >= 0) H5Dclose(ds);
  return st >= 0;
}

/* Values that the format forbids: non-finite reals where finite ones are required, integers
   outside their range. 1 if all values are allowed, else a message. */
static int CheckValues(const OdCheckpoint c, const int64_t scalars[], char *msg, size_t len)
{
  for (int i = 0; i < c->nitem; i++) {
    const Item *it = &c->item[i];
    const size_t n = ItemCount(it);
    if (it->type == 'a' && (scalars[i] < it->lo || scalars[i] > it->hi)) {
      snprintf(msg, len, "checkpoint %s is corrupt: attribute %s = %lld is outside [%lld, %lld]", c->path, it->name, (long long)scalars[i], (long long)it->lo, (long long)it->hi);
      return 0;
    }
    for (size_t k = 0; it->type == 'r' && it->finite && k < n; k++)
      if (!isfinite(((const PetscReal *)it->data)[k])) {
        snprintf(msg, len, "checkpoint %s is corrupt: dataset %s[%zu] = %g, but it must be finite", c->path, it->name, k, ((const PetscReal *)it->data)[k]);
        return 0;
      }
    for (size_t k = 0; it->type == 'i' && k < n; k++) {
      const int64_t v = ((const int64_t *)it->data)[k];
      if (v < it->lo || v > it->hi) {
        snprintf(msg, len, "checkpoint %s is corrupt: dataset %s[%zu] = %lld is outside [%lld, %lld]", c->path, it->name, k, (long long)v, (long long)it->lo, (long long)it->hi);
        return 0;
      }
    }
  }
  return 1;
}

/* Read the declared items of an open file into place; 1 on success, else a message. */
static int ReadItems(const OdCheckpoint c, hid_t file, int64_t scalars[], char *msg, size_t len)
{
  for (int i = 0; i < c->nitem; i++) {
    const Item *it = &c->item[i];
    const int ok = it->type == 'a' ? ReadAttrInt64(file, it->name, &scalars[i]) : (ItemCount(it) == 0 || ReadDataset(file, it));
    if (!ok) {
      snprintf(msg, len, "checkpoint %s is corrupt or has another layout: %s %s is missing or has the wrong shape or type", c->path, it->type == 'a' ? "attribute" : "dataset", it->name);
      return 0;
    }
  }
  return 1;
}

/* Verify an open file in order: format, checksum, identity, values. */
static ReadStatus VerifyOpenFile(const OdCheckpoint c, hid_t file, char *stored[NSTR], int64_t scalars[], char *msg, size_t len)
{
  int64_t version = 0, crc = -1;
  for (int k = 0; k < NSTR; k++)
    if (!(stored[k] = ReadAttrString(file, str_names[k]))) {
      snprintf(msg, len, "checkpoint %s is corrupt or not an optdyn checkpoint: attribute %s is missing", c->path, str_names[k]);
      return CK_REFUSED;
    }
  if (strcmp(stored[S_FORMAT], c->str[S_FORMAT]) || !ReadAttrInt64(file, "format_version", &version) || version != OD_CHECKPOINT_VERSION) {
    snprintf(msg, len, "checkpoint %s is not an optdyn checkpoint of format version %d", c->path, OD_CHECKPOINT_VERSION);
    return CK_REFUSED;
  }
  if (strcmp(stored[S_KIND], c->str[S_KIND])) {
    snprintf(msg, len, "checkpoint %s belongs to another command (%s, this is %s)", c->path, stored[S_KIND], c->str[S_KIND]);
    return CK_REFUSED;
  }
  if (!ReadItems(c, file, scalars, msg, len)) {
    /* a layout that differs usually means another run's checkpoint (other sizes, another
       sweep command): say how its identity differs rather than "corrupt" (reliab) */
    char why[1024];
    if (!CompareIdentity(c, stored, why, sizeof why)) snprintf(msg, len, "%s", why);
    return CK_REFUSED;
  }
  if (!ReadAttrInt64(file, "checksum_crc32", &crc) || (unsigned long)crc != Checksum(c, stored, scalars)) {
    snprintf(msg, len, "checkpoint %s is corrupt: its checksum does not match its contents", c->path);
    return CK_REFUSED;
  }
  if (!CompareIdentity(c, stored, msg, len) || !CheckValues(c, scalars, msg, len)) return CK_REFUSED;
  return CK_OK;
}

/* Rank 0: open, verify, read into place. */
static ReadStatus ReadFile(const OdCheckpoint c, int64_t scalars[], char *msg, size_t len)
{
  char *stored[NSTR] = {NULL};
  ReadStatus status;
  hid_t file;
  if (access(c->path, F_OK) != 0) return CK_NONE;
  if ((file = H5Fopen(c->path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
    snprintf(msg, len, "checkpoint %s is corrupt: not a readable HDF5 file (truncated?)", c->path);
    return CK_REFUSED;
  }
  status = VerifyOpenFile(c, file, stored, scalars, msg, len);
  for (int k = 0; k < NSTR; k++) free(stored[k]);
  H5Fclose(file);
  return status;
}

static PetscErrorCode BcastItems(OdCheckpoint c, int64_t scalars[])
{
  const size_t chunk = (size_t)1 << 27;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(scalars, c->nitem, MPI_INT64_T, 0, c->comm));
  for (int i = 0; i < c->nitem; i++) {
    Item *it = &c->item[i];
    const size_t n = ItemCount(it);
    if (it->type == 'a') *it->scalar = (PetscInt)scalars[i];
    for (size_t k = 0; it->type != 'a' && k < n; k += chunk) {
      const int m = (int)PetscMin(chunk, n - k);
      if (it->type == 'r') PetscCallMPI(MPI_Bcast((PetscReal *)it->data + k, m, MPIU_REAL, 0, c->comm));
      else PetscCallMPI(MPI_Bcast((int64_t *)it->data + k, m, MPI_INT64_T, 0, c->comm));
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OdCheckpointRead(OdCheckpoint ckpt, PetscBool *found)
{
  char msg[OD_CKPT_MSG] = "";
  int64_t scalars[OD_CKPT_MAX_ITEMS] = {0};
  int status = CK_NONE;
  PetscFunctionBegin;
  if (!ckpt->rank) {
    H5E_auto2_t func;
    void *data;
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    status = (int)ReadFile(ckpt, scalars, msg, sizeof msg);
    H5Eset_auto2(H5E_DEFAULT, func, data);
  }
  PetscCallMPI(MPI_Bcast(&status, 1, MPI_INT, 0, ckpt->comm));
  PetscCallMPI(MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, 0, ckpt->comm));
  PetscCheck(status != CK_REFUSED, ckpt->comm, PETSC_ERR_USER_INPUT, "%s", msg);
  *found = status == CK_OK ? PETSC_TRUE : PETSC_FALSE;
  if (*found) PetscCall(BcastItems(ckpt, scalars));
  PetscFunctionReturn(0);
}

PetscErrorCode OdCheckpointRemove(OdCheckpoint ckpt)
{
  PetscFunctionBegin;
  if (!ckpt->rank) (void)remove(ckpt->path);
  PetscFunctionReturn(0);
}
