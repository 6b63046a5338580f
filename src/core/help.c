/* `optdyn help COMMAND` and the did-you-mean option check, from one describe pass. */
#include <stdlib.h>
#include <string.h>
#include "optdyn/help.h"
#include "optdyn/options.h"

static const char *const group_titles[OD_HELP_NGROUPS] = {"Model", "Numerics", "Sweep", "Output", "Run control"};

/* create -> SetFromOptions -> destroy with the describe flag set (and the help flag for help). */
static PetscErrorCode DescribePass(const OdCommand *cmd, const OdCommandPlugin plugins[], PetscInt nplugins, MPI_Comm comm, PetscBool help)
{
  void *obj = NULL;
  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue(NULL, OD_DESCRIBE_FLAG, "0"));
  if (help) PetscCall(PetscOptionsSetValue(NULL, OD_HELP_FLAG, NULL));
  PetscCall(cmd->create(comm, &obj));
  for (PetscInt i = 0; i < nplugins; i++) PetscCall(plugins[i](obj));
  PetscCall(cmd->set_from_options(obj));
  PetscCall(cmd->destroy(&obj));
  PetscCall(PetscOptionsClearValue(NULL, OD_DESCRIBE_FLAG));
  if (help) PetscCall(PetscOptionsClearValue(NULL, OD_HELP_FLAG));
  PetscFunctionReturn(0);
}

/* Remove the records of a describe pass from the database. */
static PetscErrorCode ClearRecords(void)
{
  PetscInt n;
  char **names, **values, key[512];
  const size_t lp = strlen(OD_DESCRIBE_RECORD);
  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt i = 0; i < n; i++) {
    if (strncmp(names[i], OD_DESCRIBE_RECORD, lp)) continue;
    snprintf(key, sizeof key, "-%s", names[i]);
    PetscCall(PetscOptionsClearValue(NULL, key));
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscFunctionReturn(0);
}

PetscErrorCode OdCommandCheckOptions(const OdCommand *cmd, const OdCommandPlugin plugins[], PetscInt nplugins, MPI_Comm comm)
{
  PetscBool summarize;
  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, "-summarize", &summarize));
  if (summarize) PetscFunctionReturn(0); /* the driver checks that path itself */
  /* The pass runs on PETSC_COMM_SELF: the options database is per process anyway, and the
     objects of the real run are then the only ones ever created on comm (a second set of
     parallel solver objects created and destroyed first made fp's first scatter hang at 4
     ranks). A bad value fails the pass silently here; the real run reports it, once. */
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  const PetscErrorCode failed = DescribePass(cmd, plugins, nplugins, PETSC_COMM_SELF, PETSC_FALSE);
  PetscCall(PetscPopErrorHandler());
  if (failed) {
    (void)PetscOptionsClearValue(NULL, OD_DESCRIBE_FLAG);
    PetscCall(ClearRecords());
    PetscFunctionReturn(0);
  }
  PetscCall(OdOptionsCheckUnused(comm));
  PetscCall(ClearRecords());
  PetscFunctionReturn(0);
}

/* Fields of one record: sequence number, group, type, default, range, meaning, given value. */
typedef struct {
  int seq, group;
  const char *name;
  char *text, *type, *def, *range, *meaning, *given;
} Record;

static PetscBool ParseRecord(const char *name, char *value, Record *r)
{
  char *f[7];
  int k = 0;
  f[k++] = value;
  for (char *p = value; *p && k < 7; p++)
    if (*p == '\x1f') *p = 0, f[k++] = p + 1;
  if (k != 7) return PETSC_FALSE;
  r->name = name, r->text = value;
  r->seq = atoi(f[0]), r->group = atoi(f[1]);
  r->type = f[2], r->def = f[3], r->range = f[4], r->meaning = f[5], r->given = f[6];
  return r->group >= 0 && r->group < OD_HELP_NGROUPS ? PETSC_TRUE : PETSC_FALSE;
}

static int BySeq(const void *a, const void *b)
{
  return ((const Record *)a)->seq - ((const Record *)b)->seq;
}

/* "  -name <type, range>   default: X" then the meaning, indented. */
static PetscErrorCode PrintOption(MPI_Comm comm, const char *name, const Record *r)
{
  char head[768];
  PetscFunctionBegin;
  if (!strcmp(r->type, "enum")) snprintf(head, sizeof head, "  -%s <%s>", name, r->range);
  else if (r->range[0] && strcmp(r->range, "any")) snprintf(head, sizeof head, "  -%s <%s, %s>", name, r->type, r->range);
  else snprintf(head, sizeof head, "  -%s <%s>", name, r->type);
  if (strlen(head) + strlen(r->def) <= 66) PetscCall(PetscPrintf(comm, "%-46s default: %s\n", head, r->def));
  else PetscCall(PetscPrintf(comm, "%s\n      default: %s\n", head, r->def));
  PetscCall(PetscPrintf(comm, "      %s%s%s%s\n", r->meaning, r->given[0] ? " [given: " : "", r->given, r->given[0] ? "]" : ""));
  PetscFunctionReturn(0);
}

/* List the records by group, each group in the order the command reads its options. */
static PetscErrorCode PrintGroups(MPI_Comm comm)
{
  PetscInt n, m = 0;
  char **names, **values;
  Record *rec;
  const size_t lp = strlen(OD_DESCRIBE_RECORD);
  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  PetscCall(PetscMalloc1(n + 1, &rec));
  for (PetscInt i = 0; i < n; i++) {
    char *copy;
    if (strncmp(names[i], OD_DESCRIBE_RECORD, lp) || !values[i]) continue;
    PetscCall(PetscStrallocpy(values[i], &copy));
    if (ParseRecord(names[i] + lp, copy, &rec[m])) m++;
    else PetscCall(PetscFree(copy));
  }
  qsort(rec, (size_t)m, sizeof *rec, BySeq);
  for (int g = 0; g < OD_HELP_NGROUPS; g++) {
    PetscBool any = PETSC_FALSE;
    for (PetscInt i = 0; i < m; i++) {
      if (rec[i].group != g) continue;
      if (!any) PetscCall(PetscPrintf(comm, "\n%s:\n", group_titles[g]));
      any = PETSC_TRUE;
      PetscCall(PrintOption(comm, rec[i].name, &rec[i]));
    }
  }
  for (PetscInt i = 0; i < m; i++) PetscCall(PetscFree(rec[i].text));
  PetscCall(PetscFree(rec));
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscFunctionReturn(0);
}

PetscErrorCode OdCommandHelp(const OdCommand *cmd, const OdCommandPlugin plugins[], PetscInt nplugins, MPI_Comm comm)
{
  PetscFunctionBegin;
  PetscCall(DescribePass(cmd, plugins, nplugins, comm, PETSC_TRUE));
  PetscCall(PetscPrintf(comm, "optdyn %s: %s\n\nusage: optdyn %s [options] [-options_file_yaml CONFIG.yaml]\n", cmd->name, cmd->summary, cmd->name));
  PetscCall(PetscPrintf(comm, "Options of this command start with -%s; a YAML config may set any of them (the command line wins).\n", cmd->option_prefix ? cmd->option_prefix : ""));
  PetscCall(PrintGroups(comm));
  PetscCall(PetscPrintf(comm, "\nPETSc's own options (solvers, -log_view, ...): optdyn %s -petsc_help\n", cmd->name));
  PetscCall(ClearRecords());
  PetscFunctionReturn(0);
}
