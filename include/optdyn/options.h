/**
 * @file options.h
 * @brief Validated access to the PETSc options database (docs/models.md §0 "Configuration").
 *
 * The PETSc options database is optdyn's configuration system: YAML configs are loaded
 * with `-options_file_yaml FILE`, and the command line overrides them. Every command reads
 * its options under its own prefix inside a PetscOptionsBegin()/PetscOptionsEnd() block
 * using the getters below, which
 *   - register the option (so it appears in `-help` with its default),
 *   - parse the value strictly (no trailing garbage, no overflow), and
 *   - check it against the allowed range,
 * and otherwise fail with PETSC_ERR_USER_INPUT and a message that names the option, the
 * offending value and what is allowed. Call them with the `PetscOptionsObject` that
 * PetscOptionsBegin() declares.
 *
 * After all options of a run are read, OdOptionsCheckUnused() rejects options that nobody
 * read (typos, options of another command), before any work starts.
 */
#pragma once
#include <petscsys.h>

/** Bound kinds for range checks. */
typedef enum {
  OD_BOUND_NONE = 0, /**< no bound on this side */
  OD_BOUND_CLOSED,   /**< value may equal the bound */
  OD_BOUND_OPEN      /**< value must differ from the bound */
} OdBoundKind;

/** An interval [lo, hi], (lo, hi), ... with either side optional. */
typedef struct {
  OdBoundKind lo_kind, hi_kind;
  PetscReal lo, hi;
} OdRange;

/** Ranges used everywhere. */
#define OD_RANGE_ANY ((OdRange){OD_BOUND_NONE, OD_BOUND_NONE, 0, 0})
#define OD_RANGE_POSITIVE ((OdRange){OD_BOUND_OPEN, OD_BOUND_NONE, 0, 0})
#define OD_RANGE_NONNEGATIVE ((OdRange){OD_BOUND_CLOSED, OD_BOUND_NONE, 0, 0})
#define OD_RANGE_AT_LEAST(a) ((OdRange){OD_BOUND_CLOSED, OD_BOUND_NONE, (a), 0})
#define OD_RANGE_CLOSED(a, b) ((OdRange){OD_BOUND_CLOSED, OD_BOUND_CLOSED, (a), (b)})
#define OD_RANGE_HALF_OPEN(a, b) ((OdRange){OD_BOUND_CLOSED, OD_BOUND_OPEN, (a), (b)})

/** Write a human-readable description of a range ("> 0", "in [0, 1)") into buf. */
void OdRangeDescribe(OdRange r, char *buf, size_t len);

/** Is x inside r? */
PetscBool OdRangeContains(OdRange r, PetscReal x);

/** A real option `-PREFIXname`; *value holds the default on entry. */
PetscErrorCode OdOptionsReal(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, OdRange range, PetscReal *value, PetscBool *set);

/** An integer option; range bounds are compared as reals. */
PetscErrorCode OdOptionsInt(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, OdRange range, PetscInt *value, PetscBool *set);

/** A 32-bit unsigned option (seeds). */
PetscErrorCode OdOptionsUInt32(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, uint32_t *value, PetscBool *set);

/** A boolean option (`-x`, `-x true`, `-x 0`, ...). */
PetscErrorCode OdOptionsBool(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, PetscBool *value, PetscBool *set);

/**
 * A comma-separated list of reals. On entry *n is the capacity of values[] and values[0..*n_default-1]
 * hold the default; on exit *n is the number read. Every entry is range-checked.
 */
PetscErrorCode OdOptionsRealList(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, OdRange range, PetscInt n_default, PetscReal values[], PetscInt *n, PetscBool *set);

/** A comma-separated list of integers (same conventions as OdOptionsRealList). */
PetscErrorCode OdOptionsIntList(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, OdRange range, PetscInt n_default, PetscInt values[], PetscInt *n, PetscBool *set);

/** One of a fixed list of words; *choice holds the default index on entry. */
PetscErrorCode OdOptionsEnum(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, const char *const words[], PetscInt nwords, PetscInt *choice, PetscBool *set);

/** A free string (file names). */
PetscErrorCode OdOptionsString(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, char *value, size_t len, PetscBool *set);

/**
 * Fail with a clear message if any option in the database was never read.
 * Call once, after every XxxSetFromOptions() of the run and before any work.
 */
PetscErrorCode OdOptionsCheckUnused(MPI_Comm comm);

/** Fail with a message naming the option and value; used for cross-option checks. */
#define OdOptionError(comm, opt, valuefmt, ...) SETERRQ((comm), PETSC_ERR_USER_INPUT, "option %s = " valuefmt, (opt), __VA_ARGS__)

/**
 * Is this a help run? True for `optdyn help COMMAND` / `optdyn COMMAND -h` (the driver sets
 * OD_HELP_FLAG) and for PETSc's own `-help` (`-petsc_help`). Commands then only read their
 * options and stop before any work. A command may use it to compute, cheaply, the value of a
 * computed default for the help text (see "Help" below).
 */
PetscErrorCode OdOptionsHelpRequested(PetscBool *help);

/**
 * Help and "did you mean".
 *
 * `optdyn help COMMAND` (include/optdyn/help.h) runs the command's SetFromOptions once in a
 * describe pass (OD_DESCRIBE_FLAG set): every getter above then records its option's group,
 * type, default, range and meaning, which the help printer lists by group. A default that is
 * computed at set-up is stated in the help text as "(default: RULE)" or "...; default: RULE";
 * help shows RULE as the default (and the meaning without the clause). A command may put the
 * value it would compute into RULE when OdOptionsHelpRequested() is true.
 *
 * The same records give OdOptionsCheckUnused() its candidates for "did you mean -NAME?".
 */
#define OD_HELP_FLAG "-optdyn_help"
#define OD_DESCRIBE_FLAG "-optdyn_describe"
#define OD_DESCRIBE_RECORD "optdyn_opt_" /**< database entries -optdyn_opt_NAME of a describe pass */

/** Help groups, in the order help lists them. */
typedef enum { OD_HELP_MODEL, OD_HELP_NUMERICS, OD_HELP_SWEEP, OD_HELP_OUTPUT, OD_HELP_RUN, OD_HELP_NGROUPS } OdHelpGroup;

/** Index of the candidate closest to word (typo distance), or -1 if none is close enough. */
PetscInt OdClosestWord(const char *word, const char *const candidates[], PetscInt n);

/** Default global seed. */
#define OD_DEFAULT_SEED 1u

/** Read the common option -seed N (0 to 2^32-1, default OD_DEFAULT_SEED). */
PetscErrorCode OdOptionsSeed(MPI_Comm comm, uint32_t *seed);
