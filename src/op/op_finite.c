/* Finite-state optimizing strength (docs/models.md §5, source "Defining Optimization" parts 1-2). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "optdyn/op.h"

PetscReal OdOpEntropyBits(PetscInt n, const PetscReal p[])
{
  PetscReal H = 0;
  for (PetscInt i = 0; i < n; i++)
    if (p[i] > 0) H -= p[i] * log2(p[i]);
  return H == 0 ? 0 : H; /* no -0 */
}

void OdOpFinitePush(PetscInt nA, PetscInt nB, const PetscInt next[], const PetscReal p[], PetscReal out[])
{
  const PetscInt n = nA * nB;
  for (PetscInt s = 0; s < n; s++) out[s] = 0;
  for (PetscInt s = 0; s < n; s++) out[next[s]] += p[s];
}

void OdOpFiniteProduct(PetscInt nA, PetscInt nB, const PetscReal p[], PetscReal out[])
{
  PetscReal pa[OD_OP_FINITE_MAX_STATES], pb[OD_OP_FINITE_MAX_STATES];
  for (PetscInt a = 0; a < nA; a++) pa[a] = 0;
  for (PetscInt b = 0; b < nB; b++) pb[b] = 0;
  for (PetscInt a = 0; a < nA; a++)
    for (PetscInt b = 0; b < nB; b++) pa[a] += p[a * nB + b], pb[b] += p[a * nB + b];
  for (PetscInt a = 0; a < nA; a++)
    for (PetscInt b = 0; b < nB; b++) out[a * nB + b] = pa[a] * pb[b];
}

void OdOpFiniteMeasure(PetscInt nA, PetscInt nB, const PetscInt next_state[], const PetscReal p[], OdOpFiniteStrength *s, PetscReal next[], PetscReal product[], PetscReal product_next[])
{
  const PetscInt n = nA * nB;
  PetscReal q[OD_OP_FINITE_MAX_STATES * OD_OP_FINITE_MAX_STATES], pr[OD_OP_FINITE_MAX_STATES * OD_OP_FINITE_MAX_STATES], qr[OD_OP_FINITE_MAX_STATES * OD_OP_FINITE_MAX_STATES];
  OdOpFinitePush(nA, nB, next_state, p, q);
  OdOpFiniteProduct(nA, nB, p, pr);
  OdOpFinitePush(nA, nB, next_state, pr, qr);
  s->H_p = OdOpEntropyBits(n, p);
  s->H_product = OdOpEntropyBits(n, pr);
  s->H_next = OdOpEntropyBits(n, q);
  s->H_product_next = OdOpEntropyBits(n, qr);
  s->strength = s->H_product_next - s->H_next;
  s->adjusted = s->strength - (s->H_product - s->H_p);
  for (PetscInt i = 0; i < n; i++) {
    if (next) next[i] = q[i];
    if (product) product[i] = pr[i];
    if (product_next) product_next[i] = qr[i];
  }
}

/* ---------------- parsing ---------------- */

#define MAXITEMS (OD_OP_FINITE_MAX_STATES * OD_OP_FINITE_MAX_STATES)

static char *Trim(char *s)
{
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
  return s;
}

/* Split a comma list in place; returns the count, or -1 if more than cap. */
static PetscInt Split(char *text, char *items[], PetscInt cap)
{
  PetscInt n = 0;
  char *p = text;
  if (!*Trim(text)) return 0;
  for (;;) {
    char *c = strchr(p, ',');
    if (c) *c = 0;
    if (n >= cap) return -1;
    items[n++] = Trim(p);
    if (!c) break;
    p = c + 1;
  }
  return n;
}

/* The parsers below work on a private copy of the text; the public functions free it on
 * every path (an input error must not leak: found by fuzzing). */
static PetscErrorCode ParseStatesIn(MPI_Comm comm, const char *option, const char *text, char *copy, PetscInt *n, char names[][OD_OP_FINITE_NAME_LEN])
{
  char *items[OD_OP_FINITE_MAX_STATES + 1];
  PetscInt m;
  PetscFunctionBegin;
  m = Split(copy, items, OD_OP_FINITE_MAX_STATES);
  PetscCheck(m != -1, comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not allowed: at most %d states", option, text, OD_OP_FINITE_MAX_STATES);
  PetscCheck(m >= 1, comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not allowed: expected a comma-separated list of state names", option, text);
  for (PetscInt i = 0; i < m; i++) {
    const char *s = items[i];
    PetscBool ok = (PetscBool)(s[0] && (isalpha((unsigned char)s[0]) || s[0] == '_') && strlen(s) < OD_OP_FINITE_NAME_LEN);
    for (const char *c = s; ok && *c; c++) ok = (PetscBool)(isalnum((unsigned char)*c) || *c == '_' || *c == '-');
    PetscCheck(ok, comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not allowed: state name '%s' must start with a letter, use letters, digits, '_' or '-', and be shorter than %d characters", option, text, s, OD_OP_FINITE_NAME_LEN);
    for (PetscInt j = 0; j < i; j++) PetscCheck(strcmp(items[j], s), comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not allowed: state '%s' appears twice", option, text, s);
    PetscCall(PetscStrncpy(names[i], s, OD_OP_FINITE_NAME_LEN));
  }
  *n = m;
  PetscFunctionReturn(0);
}

PetscErrorCode OdOpFiniteParseStates(MPI_Comm comm, const char *option, const char *text, PetscInt *n, char names[][OD_OP_FINITE_NAME_LEN])
{
  char *copy;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(PetscStrallocpy(text, &copy));
  ierr = ParseStatesIn(comm, option, text, copy, n, names);
  PetscCall(PetscFree(copy));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* A state given by name or 0-based index; -1 if invalid. */
static PetscInt LookupState(const char *tok, PetscInt n, const char names[][OD_OP_FINITE_NAME_LEN])
{
  for (PetscInt i = 0; i < n; i++)
    if (!strcmp(tok, names[i])) return i;
  if (!*tok) return -1;
  for (const char *c = tok; *c; c++)
    if (!isdigit((unsigned char)*c)) return -1;
  errno = 0;
  long v = strtol(tok, NULL, 10);
  if (errno || v < 0 || v >= n) return -1;
  return (PetscInt)v;
}

static void DescribeStates(PetscInt n, const char names[][OD_OP_FINITE_NAME_LEN], char *buf, size_t len)
{
  buf[0] = 0;
  for (PetscInt i = 0; i < n; i++) {
    size_t l = strlen(buf);
    snprintf(buf + l, len - l, "%s%s", i ? ", " : "", names[i]);
  }
  size_t l = strlen(buf);
  snprintf(buf + l, len - l, " (or 0..%" PetscInt_FMT ")", n - 1);
}

static PetscErrorCode ParseTableIn(MPI_Comm comm, const char *option, char *copy, char **items, PetscInt nA, const char names_a[][OD_OP_FINITE_NAME_LEN], PetscInt nB, const char names_b[][OD_OP_FINITE_NAME_LEN], PetscInt next[])
{
  char allowed[4096];
  PetscInt m;
  PetscFunctionBegin;
  m = Split(copy, items, MAXITEMS);
  PetscCheck(m == nA * nB, comm, PETSC_ERR_USER_INPUT, "option %s is not allowed: expected %" PetscInt_FMT " entries a'/b' (one per state (a, b), a major), got %s", option, nA * nB, m < 0 ? "too many" : (m == 0 ? "none" : "a different number"));
  for (PetscInt s = 0; s < m; s++) {
    char *tok = items[s], *slash = strchr(tok, '/');
    const PetscInt a = s / nB, b = s % nB;
    PetscCheck(slash, comm, PETSC_ERR_USER_INPUT, "option %s: entry %" PetscInt_FMT " for (%s, %s) = '%s' is not allowed: expected a'/b'", option, s, names_a[a], names_b[b], tok);
    *slash = 0;
    const char *ta = Trim(tok), *tb = Trim(slash + 1);
    const PetscInt na = LookupState(ta, nA, names_a), nb = LookupState(tb, nB, names_b);
    if (na < 0) DescribeStates(nA, names_a, allowed, sizeof allowed);
    PetscCheck(na >= 0, comm, PETSC_ERR_USER_INPUT, "option %s: entry %" PetscInt_FMT " for (%s, %s): state '%s' of A is out of range: allowed %s", option, s, names_a[a], names_b[b], ta, allowed);
    if (nb < 0) DescribeStates(nB, names_b, allowed, sizeof allowed);
    PetscCheck(nb >= 0, comm, PETSC_ERR_USER_INPUT, "option %s: entry %" PetscInt_FMT " for (%s, %s): state '%s' of B is out of range: allowed %s", option, s, names_a[a], names_b[b], tb, allowed);
    next[s] = na * nB + nb;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OdOpFiniteParseTable(MPI_Comm comm, const char *option, const char *text, PetscInt nA, const char names_a[][OD_OP_FINITE_NAME_LEN], PetscInt nB, const char names_b[][OD_OP_FINITE_NAME_LEN], PetscInt next[])
{
  char *copy, **items;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(PetscStrallocpy(text, &copy));
  PetscCall(PetscMalloc1(MAXITEMS + 1, &items));
  ierr = ParseTableIn(comm, option, copy, items, nA, names_a, nB, names_b, next);
  PetscCall(PetscFree(items));
  PetscCall(PetscFree(copy));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* A real or a fraction p/q; PETSC_FALSE if malformed. */
static PetscBool ParseProb(const char *tok, PetscReal *v)
{
  char *end;
  const char *slash = strchr(tok, '/');
  errno = 0;
  double num = strtod(tok, &end);
  if (end == tok || errno) return PETSC_FALSE;
  if (slash) {
    if (end != slash) return PETSC_FALSE;
    const char *q = slash + 1;
    double den = strtod(q, &end);
    if (end == q || *end || errno || !(den > 0)) return PETSC_FALSE;
    num /= den;
  } else if (*end) return PETSC_FALSE;
  if (!isfinite(num)) return PETSC_FALSE;
  *v = num;
  return PETSC_TRUE;
}

static PetscErrorCode ParseDistributionIn(MPI_Comm comm, const char *option, const char *text, char *copy, char **items, PetscInt n, PetscReal p[])
{
  PetscInt m;
  PetscReal sum = 0;
  PetscFunctionBegin;
  m = Split(copy, items, MAXITEMS);
  PetscCheck(m == n, comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not allowed: expected %" PetscInt_FMT " probabilities, got %s", option, text, n, m < 0 ? "too many" : (m == 0 ? "none" : "a different number"));
  for (PetscInt i = 0; i < n; i++) {
    PetscCheck(ParseProb(items[i], &p[i]), comm, PETSC_ERR_USER_INPUT, "option %s: entry %" PetscInt_FMT " = '%s' is not a probability: expected a real or a fraction p/q", option, i, items[i]);
    PetscCheck(p[i] >= 0, comm, PETSC_ERR_USER_INPUT, "option %s: entry %" PetscInt_FMT " = '%s' is out of range: probabilities must be >= 0", option, i, items[i]);
    sum += p[i];
  }
  PetscCheck(fabs(sum - 1) <= 1e-9, comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not allowed: probabilities sum to %.12g, must sum to 1 (within 1e-9)", option, text, (double)sum);
  for (PetscInt i = 0; i < n; i++) p[i] /= sum;
  PetscFunctionReturn(0);
}

PetscErrorCode OdOpFiniteParseDistribution(MPI_Comm comm, const char *option, const char *text, PetscInt n, PetscReal p[])
{
  char *copy, **items;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(PetscStrallocpy(text, &copy));
  PetscCall(PetscMalloc1(MAXITEMS + 1, &items));
  ierr = ParseDistributionIn(comm, option, text, copy, items, n, p);
  PetscCall(PetscFree(items));
  PetscCall(PetscFree(copy));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
