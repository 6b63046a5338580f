/* Strictly parsed, range-checked options with messages that name option, value and rule. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "optdyn/options.h"

#define OD_OPT_MAXLEN 4096

void OdRangeDescribe(OdRange r, char *buf, size_t len)
{
  if (r.lo_kind && r.hi_kind) {
    snprintf(buf, len, "in %c%g, %g%c", r.lo_kind == OD_BOUND_CLOSED ? '[' : '(', (double)r.lo, (double)r.hi, r.hi_kind == OD_BOUND_CLOSED ? ']' : ')');
  } else if (r.lo_kind) {
    snprintf(buf, len, "%s %g", r.lo_kind == OD_BOUND_CLOSED ? ">=" : ">", (double)r.lo);
  } else if (r.hi_kind) {
    snprintf(buf, len, "%s %g", r.hi_kind == OD_BOUND_CLOSED ? "<=" : "<", (double)r.hi);
  } else {
    snprintf(buf, len, "any finite number");
  }
}

PetscBool OdRangeContains(OdRange r, PetscReal x)
{
  if (!isfinite(x)) return PETSC_FALSE;
  if (r.lo_kind == OD_BOUND_CLOSED && !(x >= r.lo)) return PETSC_FALSE;
  if (r.lo_kind == OD_BOUND_OPEN && !(x > r.lo)) return PETSC_FALSE;
  if (r.hi_kind == OD_BOUND_CLOSED && !(x <= r.hi)) return PETSC_FALSE;
  if (r.hi_kind == OD_BOUND_OPEN && !(x < r.hi)) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* Full option name "-PREFIXname" for messages. */
static void FullName(PetscOptionItems *items, const char *name, char *buf, size_t len)
{
  snprintf(buf, len, "-%s%s", items->prefix ? items->prefix : "", name + (name[0] == '-'));
}

static PetscBool ParseReal(const char *s, PetscReal *x)
{
  char *end;
  if (!s || !*s) return PETSC_FALSE;
  errno = 0;
  double v = strtod(s, &end);
  while (*end == ' ') end++;
  if (*end || errno == ERANGE || !isfinite(v)) return PETSC_FALSE;
  *x = (PetscReal)v;
  return PETSC_TRUE;
}

static PetscBool ParseInt(const char *s, long long *x)
{
  char *end;
  if (!s || !*s) return PETSC_FALSE;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  while (*end == ' ') end++;
  if (*end || errno == ERANGE) return PETSC_FALSE;
  *x = v;
  return PETSC_TRUE;
}

/* Fetch the raw string of an option (registering it for -help with its default shown). */
static PetscErrorCode GetRaw(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, const char *defstr, char *raw, PetscBool *set)
{
  PetscFunctionBegin;
  raw[0] = 0;
  PetscCall(PetscOptionsString(name, help, NULL, defstr, raw, OD_OPT_MAXLEN, set));
  if (strlen(raw) >= OD_OPT_MAXLEN - 1) { /* PETSc truncates silently: a value that fills the buffer may have been cut */
    char full[256];
    FullName(PetscOptionsObject, name, full, sizeof full);
    SETERRQ(PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%.32s...' is too long: at most %d characters allowed", full, raw, OD_OPT_MAXLEN - 2);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckReal(PetscOptionItems *items, const char *name, const char *raw, OdRange range, PetscReal x)
{
  char full[256], allowed[128];
  PetscFunctionBegin;
  FullName(items, name, full, sizeof full);
  OdRangeDescribe(range, allowed, sizeof allowed);
  PetscCheck(OdRangeContains(range, x), items->comm, PETSC_ERR_USER_INPUT, "option %s = %s is out of range: allowed %s", full, raw, allowed);
  PetscFunctionReturn(0);
}

PetscErrorCode OdOptionsReal(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, OdRange range, PetscReal *value, PetscBool *set)
{
  char raw[OD_OPT_MAXLEN], def[64], full[256];
  PetscBool flg;
  PetscFunctionBegin;
  snprintf(def, sizeof def, "%.17g", (double)*value);
  PetscCall(GetRaw(PetscOptionsObject, name, help, def, raw, &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  FullName(PetscOptionsObject, name, full, sizeof full);
  PetscCheck(ParseReal(raw, value), PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not a real number", full, raw);
  PetscCall(CheckReal(PetscOptionsObject, name, raw, range, *value));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOptionsInt(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, OdRange range, PetscInt *value, PetscBool *set)
{
  char raw[OD_OPT_MAXLEN], def[64], full[256];
  PetscBool flg;
  long long v;
  PetscFunctionBegin;
  snprintf(def, sizeof def, "%lld", (long long)*value);
  PetscCall(GetRaw(PetscOptionsObject, name, help, def, raw, &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  FullName(PetscOptionsObject, name, full, sizeof full);
  PetscCheck(ParseInt(raw, &v) && v >= PETSC_MIN_INT && v <= PETSC_MAX_INT, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not an integer", full, raw);
  PetscCall(CheckReal(PetscOptionsObject, name, raw, range, (PetscReal)v));
  *value = (PetscInt)v;
  PetscFunctionReturn(0);
}

PetscErrorCode OdOptionsUInt32(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, uint32_t *value, PetscBool *set)
{
  char raw[OD_OPT_MAXLEN], def[64], full[256];
  PetscBool flg;
  long long v;
  PetscFunctionBegin;
  snprintf(def, sizeof def, "%lu", (unsigned long)*value);
  PetscCall(GetRaw(PetscOptionsObject, name, help, def, raw, &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  FullName(PetscOptionsObject, name, full, sizeof full);
  PetscCheck(ParseInt(raw, &v) && v >= 0 && v <= 4294967295LL, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not allowed: expected an integer in [0, 4294967295]", full, raw);
  *value = (uint32_t)v;
  PetscFunctionReturn(0);
}

PetscErrorCode OdOptionsBool(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, PetscBool *value, PetscBool *set)
{
  char raw[OD_OPT_MAXLEN], full[256];
  PetscBool flg;
  PetscFunctionBegin;
  PetscCall(GetRaw(PetscOptionsObject, name, help, *value ? "true" : "false", raw, &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  FullName(PetscOptionsObject, name, full, sizeof full);
  if (!raw[0] || !strcasecmp(raw, "true") || !strcasecmp(raw, "yes") || !strcasecmp(raw, "on") || !strcmp(raw, "1")) *value = PETSC_TRUE;
  else if (!strcasecmp(raw, "false") || !strcasecmp(raw, "no") || !strcasecmp(raw, "off") || !strcmp(raw, "0")) *value = PETSC_FALSE;
  else SETERRQ(PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not allowed: expected true/false, yes/no, on/off or 1/0", full, raw);
  PetscFunctionReturn(0);
}

/* Split a comma list in place; returns the number of items, or -1 if more than cap. */
static PetscInt SplitList(char *raw, char *items[], PetscInt cap)
{
  PetscInt n = 0;
  for (char *tok = strtok(raw, ","); tok; tok = strtok(NULL, ",")) {
    while (*tok == ' ' || *tok == '[') tok++;
    char *end = tok + strlen(tok);
    while (end > tok && (end[-1] == ' ' || end[-1] == ']')) *--end = 0;
    if (n == cap) return -1;
    items[n++] = tok;
  }
  return n;
}

/* A comma list of reals or integers: one parser for both, so they fail alike. */
typedef enum { LIST_REAL, LIST_INT } ListKind;

static PetscErrorCode GetList(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, OdRange range, ListKind kind, PetscInt n_default, void *values, PetscInt *n, PetscBool *set)
{
  char raw[OD_OPT_MAXLEN], def[OD_OPT_MAXLEN] = "", full[256], copy[OD_OPT_MAXLEN], *items[1024];
  PetscReal *rv = (PetscReal *)values;
  PetscInt *iv = (PetscInt *)values, cap = *n, m;
  PetscBool flg;
  const char *what = kind == LIST_REAL ? "real number" : "integer";
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n_default; i++) {
    size_t l = strlen(def);
    if (kind == LIST_REAL) snprintf(def + l, sizeof def - l, "%s%g", i ? "," : "", (double)rv[i]);
    else snprintf(def + l, sizeof def - l, "%s%" PetscInt_FMT, i ? "," : "", iv[i]);
  }
  *n = n_default;
  PetscCall(GetRaw(PetscOptionsObject, name, help, def, raw, &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  FullName(PetscOptionsObject, name, full, sizeof full);
  PetscCall(PetscStrncpy(copy, raw, sizeof copy));
  m = SplitList(copy, items, PetscMin(cap, 1024));
  PetscCheck(m >= 0, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%s' has too many entries: at most %" PetscInt_FMT " allowed", full, raw, cap);
  PetscCheck(m > 0, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is empty: expected a comma-separated list of %ss", full, raw, what);
  for (PetscInt i = 0; i < m; i++) {
    PetscReal x;
    long long v = 0;
    const PetscBool ok = kind == LIST_REAL ? ParseReal(items[i], &x) : (ParseInt(items[i], &v) && v >= PETSC_MIN_INT && v <= PETSC_MAX_INT);
    PetscCheck(ok, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%s': entry '%s' is not a%s %s", full, raw, items[i], kind == LIST_INT ? "n" : "", what);
    if (kind == LIST_INT) x = (PetscReal)v;
    PetscCall(CheckReal(PetscOptionsObject, name, items[i], range, x));
    if (kind == LIST_REAL) rv[i] = x;
    else iv[i] = (PetscInt)v;
  }
  *n = m;
  PetscFunctionReturn(0);
}

PetscErrorCode OdOptionsRealList(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, OdRange range, PetscInt n_default, PetscReal values[], PetscInt *n, PetscBool *set)
{
  PetscFunctionBegin;
  PetscCall(GetList(PetscOptionsObject, name, help, range, LIST_REAL, n_default, values, n, set));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOptionsIntList(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, OdRange range, PetscInt n_default, PetscInt values[], PetscInt *n, PetscBool *set)
{
  PetscFunctionBegin;
  PetscCall(GetList(PetscOptionsObject, name, help, range, LIST_INT, n_default, values, n, set));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOptionsEnum(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, const char *const words[], PetscInt nwords, PetscInt *choice, PetscBool *set)
{
  char raw[OD_OPT_MAXLEN], full[256], allowed[512] = "";
  PetscBool flg;
  PetscFunctionBegin;
  PetscCall(GetRaw(PetscOptionsObject, name, help, words[*choice], raw, &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < nwords; i++) {
    if (!strcmp(raw, words[i])) {
      *choice = i;
      PetscFunctionReturn(0);
    }
    size_t l = strlen(allowed);
    snprintf(allowed + l, sizeof allowed - l, "%s%s", i ? ", " : "", words[i]);
  }
  FullName(PetscOptionsObject, name, full, sizeof full);
  SETERRQ(PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not allowed: expected one of %s", full, raw, allowed);
}

PetscErrorCode OdOptionsString(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, char *value, size_t len, PetscBool *set)
{
  PetscBool flg;
  char raw[OD_OPT_MAXLEN], full[256];
  PetscFunctionBegin;
  PetscCall(GetRaw(PetscOptionsObject, name, help, value, raw, &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  FullName(PetscOptionsObject, name, full, sizeof full);
  PetscCheck(raw[0], PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s needs a value", full);
  PetscCheck(strlen(raw) < len, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is too long (at most %zu characters)", full, raw, len - 1);
  PetscCall(PetscStrncpy(value, raw, len));
  PetscFunctionReturn(0);
}

/* Options PETSc itself consumes at initialization or finalization; never "unknown". */
static PetscBool IsFrameworkOption(const char *name)
{
  static const char *const known[] = {"options_file_yaml", "options_file", "help", "quiet", "options_left", "malloc_debug", "malloc_dump", "log_view", "info", "version", "no_signal_handler", "on_error_abort", "start_in_debugger", "fp_trap", "check_pointer_intensity", NULL};
  for (int i = 0; known[i]; i++)
    if (!strcmp(name, known[i])) return PETSC_TRUE;
  return PETSC_FALSE;
}

PetscErrorCode OdOptionsCheckUnused(MPI_Comm comm)
{
  PetscInt n;
  char **names, **values;
  char list[2048] = "";
  PetscInt nbad = 0;
  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt i = 0; i < n; i++) {
    if (IsFrameworkOption(names[i])) continue;
    size_t l = strlen(list);
    snprintf(list + l, sizeof list - l, "%s-%s%s%s", nbad ? ", " : "", names[i], values[i] ? " " : "", values[i] ? values[i] : "");
    nbad++;
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscCheck(!nbad, comm, PETSC_ERR_USER_INPUT, "unknown option%s: %s (see 'optdyn help COMMAND' for the options each command accepts)", nbad > 1 ? "s" : "", list);
  PetscFunctionReturn(0);
}

PetscErrorCode OdOptionsHelpRequested(PetscBool *help)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsHasHelp(NULL, help));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOptionsSeed(MPI_Comm comm, uint32_t *seed)
{
  PetscFunctionBegin;
  *seed = OD_DEFAULT_SEED;
  PetscOptionsBegin(comm, NULL, "Randomness", NULL);
  PetscCall(OdOptionsUInt32(PetscOptionsObject, "-seed", "Global seed of the counter-based RNG", seed, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}
