/* Strict YAML checks (see optdyn/yamlcheck.h): libyaml's event parser, one pass. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "optdyn/yamlcheck.h"

#define OD_YAML_MAX_DEPTH 32
#define OD_YAML_MAX_KEYS 4096
#define OD_YAML_MAX_FILE (16u << 20) /* configs are small; refuse anything absurd */

typedef struct {
  int is_mapping, expect_key;
  size_t first_key, path_len; /* keys of this mapping start at first_key in the key list */
} Level;

typedef struct {
  Level level[OD_YAML_MAX_DEPTH];
  int depth;
  char *keys[OD_YAML_MAX_KEYS]; /* keys of all open mappings, innermost last */
  size_t key_line[OD_YAML_MAX_KEYS], nkeys;
  char path[1024]; /* dotted path of the innermost open key */
  const char *const *schema;
  char *msg;
  size_t msglen;
} Checker;

static int Fail(Checker *c, const yaml_mark_t *m, const char *fmt, const char *a, const char *b)
{
  char text[1400];
  snprintf(text, sizeof text, fmt, a, b);
  snprintf(c->msg, c->msglen, "%zu:%zu: %s", m->line + 1, m->column + 1, text);
  return 1;
}

static int SchemaAllows(const char *const schema[], const char *path)
{
  size_t n = strlen(path);
  if (!schema) return 1;
  for (int i = 0; schema[i]; i++) {
    size_t m = strlen(schema[i]);
    if (m && schema[i][m - 1] == '*' && !strncmp(schema[i], path, m - 1)) return 1;
    if (!strcmp(schema[i], path)) return 1;
    if (m > n && !strncmp(schema[i], path, n) && schema[i][n] == '.') return 1; /* a parent */
  }
  return 0;
}

/* A key scalar arrived in the innermost mapping: reject duplicates and unknown keys. */
static int OnKey(Checker *c, const yaml_event_t *ev)
{
  Level *lv = &c->level[c->depth - 1];
  const char *key = (const char *)ev->data.scalar.value;
  for (size_t i = lv->first_key; i < c->nkeys; i++) {
    if (!strcmp(c->keys[i], key)) {
      char line[32];
      snprintf(line, sizeof line, "%zu", c->key_line[i]);
      return Fail(c, &ev->start_mark, "duplicate key '%s' (first given at line %s)", key, line);
    }
  }
  if (c->nkeys == OD_YAML_MAX_KEYS) return Fail(c, &ev->start_mark, "more than %s keys%s", "4096", "");
  c->path[lv->path_len] = '\0';
  if (strlen(c->path) + strlen(key) + 2 > sizeof c->path) return Fail(c, &ev->start_mark, "key path too long at '%s'%s", key, "");
  if (lv->path_len) strcat(c->path, ".");
  strcat(c->path, key);
  if (!SchemaAllows(c->schema, c->path)) return Fail(c, &ev->start_mark, "unknown key '%s'%s", c->path, "");
  c->keys[c->nkeys] = strdup(key);
  if (!c->keys[c->nkeys]) return Fail(c, &ev->start_mark, "out of memory%s%s", "", "");
  c->key_line[c->nkeys++] = ev->start_mark.line + 1;
  return 0;
}

static int Open(Checker *c, const yaml_event_t *ev, int is_mapping)
{
  if (c->depth == OD_YAML_MAX_DEPTH) return Fail(c, &ev->start_mark, "nesting deeper than %s levels%s", "32", "");
  Level *lv = &c->level[c->depth++];
  lv->is_mapping = is_mapping;
  lv->expect_key = 1;
  lv->first_key = c->nkeys;
  lv->path_len = strlen(c->path);
  return 0;
}

static void Close(Checker *c)
{
  Level *lv = &c->level[--c->depth];
  while (c->nkeys > lv->first_key) free(c->keys[--c->nkeys]);
  c->path[lv->path_len] = '\0';
}

/* After a complete value (scalar, alias, or closed collection) inside a mapping, expect a key. */
static void ValueDone(Checker *c)
{
  if (c->depth && c->level[c->depth - 1].is_mapping) {
    Level *lv = &c->level[c->depth - 1];
    lv->expect_key = 1;
    c->path[lv->path_len] = '\0';
  }
}

static int OnEvent(Checker *c, const yaml_event_t *ev)
{
  Level *top = c->depth ? &c->level[c->depth - 1] : NULL;
  int in_key = top && top->is_mapping && top->expect_key;
  if (!c->depth && (ev->type == YAML_SCALAR_EVENT || ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_ALIAS_EVENT))
    return Fail(c, &ev->start_mark, "the top level must be a mapping of 'key: value' lines%s%s", "", "");
  switch (ev->type) {
  case YAML_SCALAR_EVENT:
    if (in_key) {
      top->expect_key = 0;
      return OnKey(c, ev);
    }
    ValueDone(c);
    return 0;
  case YAML_ALIAS_EVENT:
    if (in_key) return Fail(c, &ev->start_mark, "an alias cannot be a key%s%s", "", "");
    ValueDone(c);
    return 0;
  case YAML_MAPPING_START_EVENT:
  case YAML_SEQUENCE_START_EVENT:
    if (in_key) return Fail(c, &ev->start_mark, "a key must be a plain word%s%s", "", "");
    return Open(c, ev, ev->type == YAML_MAPPING_START_EVENT);
  case YAML_MAPPING_END_EVENT:
  case YAML_SEQUENCE_END_EVENT:
    Close(c);
    ValueDone(c);
    return 0;
  default:
    return 0;
  }
}

int OdYAMLCheckBuffer(const char *buf, size_t len, const char *const schema[], char *msg, size_t msglen)
{
  yaml_parser_t parser;
  yaml_event_t ev;
  Checker *c = calloc(1, sizeof *c);
  int bad = 0, done = 0;
  if (!c) return snprintf(msg, msglen, "out of memory"), 1;
  c->schema = schema, c->msg = msg, c->msglen = msglen;
  if (!yaml_parser_initialize(&parser)) return free(c), snprintf(msg, msglen, "cannot start the YAML parser"), 1;
  yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
  while (!bad && !done) {
    if (!yaml_parser_parse(&parser, &ev)) {
      snprintf(msg, msglen, "%zu:%zu: YAML syntax error: %s", parser.problem_mark.line + 1, parser.problem_mark.column + 1, parser.problem ? parser.problem : "malformed");
      bad = 1;
      break;
    }
    bad = OnEvent(c, &ev);
    done = ev.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
  }
  while (c->depth) Close(c);
  yaml_parser_delete(&parser);
  free(c);
  return bad;
}

/* Read a whole file into memory; on failure a one-line reason in msg. */
static char *ReadFile(const char *path, size_t *len, char *msg, size_t msglen)
{
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long n;
  if (!f) return snprintf(msg, msglen, " cannot open: %s", strerror(errno)), NULL;
  if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) snprintf(msg, msglen, " cannot read: %s", strerror(errno));
  else if ((unsigned long)n > OD_YAML_MAX_FILE) snprintf(msg, msglen, " file of %ld bytes is larger than the 16 MiB allowed for a config", n);
  else if (!(buf = malloc((size_t)n + 1))) snprintf(msg, msglen, " out of memory reading %ld bytes", n);
  else if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
    snprintf(msg, msglen, " cannot read: %s", strerror(errno));
    free(buf), buf = NULL;
  } else *len = (size_t)n;
  if (!buf && !msg[0]) snprintf(msg, msglen, " cannot read");
  fclose(f);
  return buf;
}

static int CheckPath(const char *path, const char *const schema[], char *msg, size_t msglen)
{
  size_t len = 0;
  char *buf = ReadFile(path, &len, msg, msglen);
  int bad;
  if (!buf) return 1;
  bad = OdYAMLCheckBuffer(buf, len, schema, msg, msglen);
  free(buf);
  return bad;
}

PetscErrorCode OdYAMLCheckFile(MPI_Comm comm, const char *what, const char *path, const char *const schema[])
{
  char msg[1024] = "";
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) (void)CheckPath(path, schema, msg, sizeof msg);
  PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof msg, MPI_CHAR, 0, comm));
  PetscCheck(!msg[0], comm, PETSC_ERR_USER_INPUT, "%s %s:%s", what, path, msg);
  PetscFunctionReturn(0);
}

/* Rank as told by the launcher (MPI is not initialized yet). */
static int LauncherRank(void)
{
  const char *vars[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"};
  for (int i = 0; i < 4; i++) {
    const char *v = getenv(vars[i]);
    if (v && *v) return atoi(v);
  }
  return 0;
}

int OdYAMLPreflightOptions(int argc, char **argv)
{
  char msg[1024];
  for (int i = 1; i + 1 < argc; i++) {
    if (strcmp(argv[i], "-options_file_yaml")) continue;
    if (!CheckPath(argv[i + 1], NULL, msg, sizeof msg)) continue;
    if (!LauncherRank()) fprintf(stderr, "optdyn: error: options file %s:%s\n", argv[i + 1], msg), fflush(stderr);
    return 1;
  }
  return 0;
}
