/* Strictly parsed, range-checked options with messages that name option, value and rule. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "optdyn/options.h"

#define OD_OPT_MAXLEN 4096
#define OD_WORD_MAX 255

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

/* ---- option descriptions for `optdyn help` and for "did you mean" ----
   In a describe pass (OD_DESCRIBE_FLAG in the database, set by OdCommandHelp() and
   OdCommandCheckOptions() around one SetFromOptions of the command) every getter stores what
   it knows about its option as a transient database entry
     -optdyn_opt_NAME = "seq US group US type US default US range US meaning US given"  (US = 0x1f)
   The options database is the one process-wide store PETSc offers, so no state of our own is
   needed; the pass removes the entries again before anything else reads the database. */

/* Which help group an option belongs to. Options of the command (under its prefix) are
   "Model" unless named below; the common options have fixed groups. */
static OdHelpGroup Group(PetscOptionItems *items, const char *name)
{
  static const char *const numerics[] = {"fp_n", "nx", "ny", "nt", "dt", "Wmin", "Wmax", "xmin", "xmax", "ymin", "ymax", "flux", "cross", "reuse_factor", "thomas", "walkers", "chunk", "method", "exact_n", "exact_Wmin", "mc_walkers", "mc_chunk", "tol", "osc_steps", "validate", "stationary", "delta", "delta_check", "traj_substeps", "sinc_step", "W0_guess", "landscape_guess", NULL};
  static const char *const sweep_names[] = {"sigma0_list", "runs", "var_sigma", "var_population", "var_replicates", "s1", "sweep_slice", "sweep_checkpoint_interval", NULL};
  static const char *const sweep_stems[] = {"T_", "eta_", "beta_", "s0_", "s1_", NULL};
  static const char *const output_names[] = {"o", "save_P", "trajectory", "traj_eta", "traj_beta", "traj_steps", "traj_every", "hist_bins", "bound", "bound_mu", "bound_sigma", "bound_points", NULL};
  static const char *const run_names[] = {"seed", "quiet", "restart", "check_interval", "checkpoint_interval", "stop_after", NULL};
  const char *n = name + (name[0] == '-');
  char with_prefix[256];
  snprintf(with_prefix, sizeof with_prefix, "%s%s", items->prefix ? items->prefix : "", n);
  for (int i = 0; sweep_stems[i]; i++) {
    const size_t l = strlen(sweep_stems[i]);
    if (!strncmp(n, sweep_stems[i], l) && (!strcmp(n + l, "min") || !strcmp(n + l, "max") || !strcmp(n + l, "num") || !strcmp(n + l, "log"))) return OD_HELP_SWEEP;
  }
  for (int i = 0; sweep_names[i]; i++)
    if (!strcmp(n, sweep_names[i])) return OD_HELP_SWEEP;
  for (int i = 0; output_names[i]; i++)
    if (!strcmp(n, output_names[i])) return OD_HELP_OUTPUT;
  for (int i = 0; run_names[i]; i++)
    if (!strcmp(n, run_names[i])) return OD_HELP_RUN;
  for (int i = 0; numerics[i]; i++)
    if (!strcmp(n, numerics[i]) || !strcmp(with_prefix, numerics[i])) return OD_HELP_NUMERICS;
  return OD_HELP_MODEL;
}

/* Find the closing parenthesis that matches the one before s (or the end of s). */
static const char *ClauseEnd(const char *s)
{
  int depth = 1;
  for (; *s; s++) {
    if (*s == '(') depth++;
    if (*s == ')' && --depth == 0) return s;
  }
  return s;
}

/* A help text may state a computed default: "... (default: RULE)" or "...; default: RULE".
   Split it into the meaning (without the clause) and the rule; rule is "" if there is none. */
static void SplitDefaultClause(const char *help, char *meaning, size_t mlen, char *rule, size_t rlen)
{
  const char *p = strstr(help, "(default"), *q, *end;
  PetscBool paren = p ? PETSC_TRUE : PETSC_FALSE;
  rule[0] = 0;
  if (!p) p = strstr(help, "; default");
  if (!p) {
    snprintf(meaning, mlen, "%s", help);
    return;
  }
  q = p + (paren ? 8 : 9);
  while (*q == ':' || *q == ' ') q++;
  end = ClauseEnd(q);
  snprintf(rule, rlen, "%.*s", (int)(end - q), q);
  while (p > help && p[-1] == ' ') p--;
  if (paren && *end == ')') end++;
  snprintf(meaning, mlen, "%.*s%s", (int)(p - help), help, end);
}

static PetscErrorCode Describe(PetscOptionItems *items, const char *name, const char *help, const char *type, const char *range, const char *defstr, PetscBool given, const char *raw)
{
  PetscBool on;
  char full[256], key[300], meaning[1024], rule[512], *rec;
  size_t len;
  PetscFunctionBegin;
  PetscInt seq = 0; /* the flag's value counts the records, so help can list them in call order */
  PetscCall(PetscOptionsGetInt(NULL, NULL, OD_DESCRIBE_FLAG, &seq, &on));
  if (!on) PetscFunctionReturn(0);
  snprintf(key, sizeof key, "%" PetscInt_FMT, seq + 1);
  PetscCall(PetscOptionsSetValue(NULL, OD_DESCRIBE_FLAG, key));
  FullName(items, name, full, sizeof full);
  SplitDefaultClause(help ? help : "", meaning, sizeof meaning, rule, sizeof rule);
  len = strlen(type) + strlen(range) + strlen(defstr) + strlen(rule) + strlen(meaning) + strlen(raw) + 64;
  PetscCall(PetscMalloc1(len, &rec));
  snprintf(rec, len, "%" PetscInt_FMT "\x1f%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", seq, (int)Group(items, name), type, rule[0] ? rule : (defstr[0] ? defstr : "(none)"), range, meaning, given ? (raw[0] ? raw : "true") : "");
  snprintf(key, sizeof key, "-%s%s", OD_DESCRIBE_RECORD, full + 1);
  PetscCall(PetscOptionsSetValue(NULL, key, rec));
  PetscCall(PetscFree(rec));
  PetscFunctionReturn(0);
}

/* Fetch the raw string of an option and describe it in a describe pass. PETSc's own -help
   listing (optdyn ... -petsc_help) still shows it with its default. */
static PetscErrorCode GetRaw(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, const char *type, const char *range, const char *defstr, char *raw, PetscBool *set)
{
  PetscFunctionBegin;
  raw[0] = 0;
  PetscCall(PetscOptionsString(name, help, NULL, defstr, raw, OD_OPT_MAXLEN, set));
  if (strlen(raw) >= OD_OPT_MAXLEN - 1) { /* PETSc truncates silently: a value that fills the buffer may have been cut */
    char full[256];
    FullName(PetscOptionsObject, name, full, sizeof full);
    SETERRQ(PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%.32s...' is too long: at most %d characters allowed", full, raw, OD_OPT_MAXLEN - 2);
  }
  PetscCall(Describe(PetscOptionsObject, name, help, type, range, defstr, *set, raw));
  PetscFunctionReturn(0);
}

/* The range as help shows it. */
static const char *RangeText(OdRange r, char *buf, size_t len)
{
  if (!r.lo_kind && !r.hi_kind) snprintf(buf, len, "any");
  else OdRangeDescribe(r, buf, len);
  return buf;
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
  char raw[OD_OPT_MAXLEN], def[64], full[256], rtext[128];
  PetscBool flg;
  PetscFunctionBegin;
  snprintf(def, sizeof def, "%.10g", (double)*value);
  PetscCall(GetRaw(PetscOptionsObject, name, help, "real", RangeText(range, rtext, sizeof rtext), def, raw, &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  FullName(PetscOptionsObject, name, full, sizeof full);
  PetscCheck(ParseReal(raw, value), PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not a real number", full, raw);
  PetscCall(CheckReal(PetscOptionsObject, name, raw, range, *value));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOptionsInt(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, OdRange range, PetscInt *value, PetscBool *set)
{
  char raw[OD_OPT_MAXLEN], def[64], full[256], rtext[128];
  PetscBool flg;
  long long v;
  PetscFunctionBegin;
  snprintf(def, sizeof def, "%lld", (long long)*value);
  PetscCall(GetRaw(PetscOptionsObject, name, help, "int", RangeText(range, rtext, sizeof rtext), def, raw, &flg));
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
  PetscCall(GetRaw(PetscOptionsObject, name, help, "int", "in [0, 4294967295]", def, raw, &flg));
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
  PetscCall(GetRaw(PetscOptionsObject, name, help, "bool", "", *value ? "true" : "false", raw, &flg));
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
  {
    char rtext[128], each[160];
    snprintf(each, sizeof each, "each %s", RangeText(range, rtext, sizeof rtext));
    PetscCall(GetRaw(PetscOptionsObject, name, help, kind == LIST_REAL ? "real list" : "int list", each, n_default ? def : "", raw, &flg));
  }
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

/* Optimal-string-alignment distance (insertions, deletions, substitutions, adjacent swaps),
   case-insensitive: the usual typo metric. */
static int EditDistance(const char *a, const char *b)
{
  const int la = (int)strlen(a), lb = (int)strlen(b);
  int d[3][OD_WORD_MAX + 1]; /* three rolling rows: i-2, i-1, i */
  if (la > OD_WORD_MAX || lb > OD_WORD_MAX) return la > lb ? la : lb;
  for (int j = 0; j <= lb; j++) d[0][j] = j;
  for (int i = 1; i <= la; i++) {
    int *cur = d[i % 3], *prev = d[(i - 1) % 3], *prev2 = d[(i + 1) % 3];
    cur[0] = i;
    for (int j = 1; j <= lb; j++) {
      const int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
      int v = PetscMin(prev[j] + 1, cur[j - 1] + 1);
      v = PetscMin(v, prev[j - 1] + cost);
      if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) && tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1])) v = PetscMin(v, prev2[j - 2] + 1);
      cur[j] = v;
    }
  }
  return d[la % 3][lb];
}

PetscInt OdClosestWord(const char *word, const char *const candidates[], PetscInt n)
{
  PetscInt best = -1;
  int bestd = 1 << 30;
  const int allowed = PetscMax(2, (int)strlen(word) / 4);
  for (PetscInt i = 0; i < n; i++) {
    const size_t lc = strlen(candidates[i]), lw = strlen(word);
    int d = EditDistance(word, candidates[i]);
    /* a word missing the command prefix (-walkers for -escape_walkers) is a near miss too */
    if (lc > lw && !strcmp(candidates[i] + lc - lw, word) && candidates[i][lc - lw - 1] == '_') d = PetscMin(d, 1);
    if (d < bestd) bestd = d, best = i;
  }
  return bestd <= allowed ? best : -1;
}

PetscErrorCode OdOptionsEnum(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, const char *const words[], PetscInt nwords, PetscInt *choice, PetscBool *set)
{
  char raw[OD_OPT_MAXLEN], full[256], allowed[512] = "";
  PetscBool flg;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < nwords; i++) {
    size_t l = strlen(allowed);
    snprintf(allowed + l, sizeof allowed - l, "%s%s", i ? "|" : "", words[i]);
  }
  PetscCall(GetRaw(PetscOptionsObject, name, help, "enum", allowed, words[*choice], raw, &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < nwords; i++) {
    if (!strcmp(raw, words[i])) {
      *choice = i;
      PetscFunctionReturn(0);
    }
  }
  FullName(PetscOptionsObject, name, full, sizeof full);
  char list[512] = "";
  for (PetscInt i = 0; i < nwords; i++) {
    size_t l = strlen(list);
    snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", words[i]);
  }
  const PetscInt best = OdClosestWord(raw, words, nwords);
  if (best >= 0) SETERRQ(PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not allowed: expected one of %s; did you mean '%s'?", full, raw, list, words[best]);
  SETERRQ(PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not allowed: expected one of %s", full, raw, list);
}

PetscErrorCode OdOptionsString(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, char *value, size_t len, PetscBool *set)
{
  PetscBool flg;
  char raw[OD_OPT_MAXLEN], full[256];
  PetscFunctionBegin;
  PetscCall(GetRaw(PetscOptionsObject, name, help, "string", "", value, raw, &flg));
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
  static const char *const known[] = {"options_file_yaml", "options_file", "help", "quiet", "options_left", "malloc_debug", "malloc_dump", "log_view", "info", "version", "no_signal_handler", "on_error_abort", "start_in_debugger", "fp_trap", "check_pointer_intensity", OD_HELP_FLAG + 1, OD_DESCRIBE_FLAG + 1, NULL};
  for (int i = 0; known[i]; i++)
    if (!strcmp(name, known[i])) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* The registered options recorded by a describe pass (names without the leading dash). */
static PetscInt RecordedNames(PetscInt n, char **names, const char *out[])
{
  const size_t lp = strlen(OD_DESCRIBE_RECORD);
  PetscInt m = 0;
  for (PetscInt i = 0; i < n; i++)
    if (!strncmp(names[i], OD_DESCRIBE_RECORD, lp)) out[m++] = names[i] + lp;
  return m;
}

PetscErrorCode OdOptionsCheckUnused(MPI_Comm comm)
{
  PetscInt n, nknown;
  char **names, **values;
  const char **known;
  char list[4096] = "";
  PetscInt nbad = 0;
  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  PetscCall(PetscMalloc1(n + 1, &known));
  nknown = RecordedNames(n, names, known);
  for (PetscInt i = 0; i < n; i++) {
    if (IsFrameworkOption(names[i]) || !strncmp(names[i], OD_DESCRIBE_RECORD, strlen(OD_DESCRIBE_RECORD))) continue;
    const PetscInt best = OdClosestWord(names[i], known, nknown);
    size_t l = strlen(list);
    snprintf(list + l, sizeof list - l, "%s-%s%s%s", nbad ? ", " : "", names[i], values[i] ? " " : "", values[i] ? values[i] : "");
    l = strlen(list);
    if (best >= 0) snprintf(list + l, sizeof list - l, " (did you mean -%s?)", known[best]);
    nbad++;
  }
  PetscCall(PetscFree(known));
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscCheck(!nbad, comm, PETSC_ERR_USER_INPUT, "unknown option%s: %s (see 'optdyn help COMMAND' for the options each command accepts)", nbad > 1 ? "s" : "", list);
  PetscFunctionReturn(0);
}

PetscErrorCode OdOptionsHelpRequested(PetscBool *help)
{
  PetscBool ours;
  PetscFunctionBegin;
  PetscCall(PetscOptionsHasHelp(NULL, help));
  PetscCall(PetscOptionsHasName(NULL, NULL, OD_HELP_FLAG, &ours));
  *help = (PetscBool)(*help || ours);
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
