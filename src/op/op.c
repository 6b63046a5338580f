/* optdyn op: measuring optimization (docs/models.md §5). Continuous systems: Comp/Op trajectories at a
   base initial state and landscapes over grids of initial conditions (an OdSweep whose points
   are the grid points). Finite-state systems: entropy-based optimizing strength. */
#include <math.h>
#include <string.h>
#include "optdyn/op.h"
#include "optdyn/options.h"
#include "optdyn/output.h"
#include "optdyn/sweep.h"
#include "optdyn/budget.h"

#define NAME_LEN 64
#define LIST_LEN 4096
#define MAXD 3 /* δ, δ/10, δ/100 */
#define RECLEN (MAXD + 3)
#define OD_OP_BATCH 8 /* sweep points per lane batch */

struct _n_OdOp {
  MPI_Comm comm;
  OdSweep sweep;
  OdOutput output;
  uint32_t seed;
  PetscBool finite;
  char system_name[NAME_LEN];
  OdOpSystem sys;
  /* continuous options */
  PetscReal t, delta, t_A;
  PetscBool t_A_set, delta_check;
  PetscReal x0[OD_OP_MAX_VARS];
  PetscInt nx0;
  char n_name[NAME_LEN], m_name[NAME_LEN], A_names[LIST_LEN], s1_name[NAME_LEN];
  PetscReal s0_min, s0_max, s1_min, s1_max;
  PetscInt s0_num, s1_num, traj_every;
  /* continuous, derived */
  OdOpCausal causal;
  PetscInt m, s1var, nsteps, nd, n0, n1, npoints, first, count, K, N;
  PetscReal deltas[MAXD];
  PetscReal *grid0, *grid1, *record;
  PetscReal integral, max_dop;
  PetscInt nneg;
  /* lanes (perf): the records of the last batch of sweep points computed together */
  OdSimdLevel simd;
  PetscInt lane_n, lane_point[OD_OP_BATCH];
  PetscReal lane_rec[OD_OP_BATCH][RECLEN];
  /* finite-state */
  char a_name[NAME_LEN], b_name[NAME_LEN];
  PetscInt nA, nB;
  char (*names_a)[OD_OP_FINITE_NAME_LEN], (*names_b)[OD_OP_FINITE_NAME_LEN];
  PetscInt *next;
  PetscReal *p, *pa, *pb;
  PetscBool p_set;
  OdOpFiniteStrength joint, two_step, two_step_prev;
  PetscBool done;
};

PetscErrorCode OdOpCreate(MPI_Comm comm, OdOp *op)
{
  OdOp o;
  PetscFunctionBegin;
  PetscCall(PetscNew(&o));
  o->comm = comm;
  PetscCall(PetscStrncpy(o->system_name, "therm", sizeof o->system_name));
  PetscCall(OdSweepCreate(comm, &o->sweep));
  PetscCall(OdOutputCreate(comm, &o->output));
  *op = o;
  PetscFunctionReturn(0);
}

PetscErrorCode OdOpDestroy(OdOp *op)
{
  OdOp o = *op;
  PetscFunctionBegin;
  if (!o) PetscFunctionReturn(0);
  PetscCall(OdOpSystemDestroy(&o->sys));
  PetscCall(OdSweepDestroy(&o->sweep));
  PetscCall(OdOutputDestroy(&o->output));
  PetscCall(PetscFree2(o->grid0, o->grid1));
  PetscCall(PetscFree(o->record));
  PetscCall(PetscFree2(o->names_a, o->names_b));
  PetscCall(PetscFree4(o->next, o->p, o->pa, o->pb));
  PetscCall(PetscFree(o));
  *op = NULL;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- options */

static PetscErrorCode ContinuousOptions(OdOp o, PetscOptionItems *PetscOptionsObject)
{
  OdOpSystem s = o->sys;
  const OdOpDefaults *d = &s->def;
  char x0help[256] = "Base initial state of W, one value per variable (";
  PetscFunctionBegin;
  for (PetscInt i = 0; i < s->nvars; i++) {
    size_t l = strlen(x0help);
    snprintf(x0help + l, sizeof x0help - l, "%s%s", i ? ", " : "", s->var[i]);
  }
  PetscCall(PetscStrlcat(x0help, ")", sizeof x0help));
  o->t = d->t, o->delta = d->delta, o->delta_check = PETSC_TRUE, o->t_A = 0;
  for (PetscInt i = 0; i < s->nvars; i++) o->x0[i] = d->x0[i];
  o->nx0 = OD_OP_MAX_VARS;
  PetscCall(PetscStrncpy(o->n_name, d->n, sizeof o->n_name));
  PetscCall(PetscStrncpy(o->m_name, d->m, sizeof o->m_name));
  PetscCall(PetscStrncpy(o->A_names, d->A, sizeof o->A_names));
  PetscCall(PetscStrncpy(o->s1_name, d->s1[0] ? d->s1 : "none", sizeof o->s1_name));
  o->s0_min = d->s0_min, o->s0_max = d->s0_max, o->s0_num = d->s0_num;
  o->s1_min = d->s1_min, o->s1_max = d->s1_max, o->s1_num = d->s1_num ? d->s1_num : 1;
  o->traj_every = 1;

  PetscCall(OdOptionsReal(PetscOptionsObject, "-dt", "Time step (the linear thermostat's model has dt = 1)", OD_RANGE_POSITIVE, &s->dt, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-t", "Time at which landscapes are evaluated and trajectories end (a multiple of dt)", OD_RANGE_POSITIVE, &o->t, NULL));
  PetscCall(OdOptionsRealList(PetscOptionsObject, "-x0", x0help, OD_RANGE_ANY, s->nvars, o->x0, &o->nx0, NULL));
  PetscCall(OdOptionsString(PetscOptionsObject, "-n", "Perturbed variable n (its initial value is the axis of optimization)", o->n_name, sizeof o->n_name, NULL));
  PetscCall(OdOptionsString(PetscOptionsObject, "-m", "Target variable m of the landscape", o->m_name, sizeof o->m_name, NULL));
  PetscCall(OdOptionsString(PetscOptionsObject, "-A", "The clamped set A (comma list of variables)", o->A_names, sizeof o->A_names, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-t_A", "Clamp A only up to this time (default: all times)", OD_RANGE_NONNEGATIVE, &o->t_A, &o->t_A_set));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-delta", "Perturbation delta of n's initial value", OD_RANGE_POSITIVE, &o->delta, NULL));
  PetscCall(OdOptionsBool(PetscOptionsObject, "-delta_check", "Also compute with delta/10 and delta/100 and report the differences", &o->delta_check, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-s0_min", "Landscape axis 0 (initial value of n): first value", OD_RANGE_ANY, &o->s0_min, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-s0_max", "Landscape axis 0: last value", OD_RANGE_ANY, &o->s0_max, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-s0_num", "Landscape axis 0: number of grid points", OD_RANGE_AT_LEAST(1), &o->s0_num, NULL));
  PetscCall(OdOptionsString(PetscOptionsObject, "-s1", "Landscape axis 1: a second variable whose initial value is varied, or none (1-D landscape)", o->s1_name, sizeof o->s1_name, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-s1_min", "Landscape axis 1: first value", OD_RANGE_ANY, &o->s1_min, NULL));
  PetscCall(OdOptionsReal(PetscOptionsObject, "-s1_max", "Landscape axis 1: last value", OD_RANGE_ANY, &o->s1_max, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-s1_num", "Landscape axis 1: number of grid points", OD_RANGE_AT_LEAST(1), &o->s1_num, NULL));
  PetscCall(OdOptionsInt(PetscOptionsObject, "-traj_every", "Store every this many steps of the base trajectories", OD_RANGE_AT_LEAST(1), &o->traj_every, NULL));
  PetscCall(OdOpSystemSetFromOptions(s, PetscOptionsObject));
  PetscFunctionReturn(0);
}

static PetscErrorCode FiniteOptions(OdOp o, PetscOptionItems *PetscOptionsObject)
{
  char buf[LIST_LEN];
  PetscBool set;
  const char *opt;
  PetscBool help; /* help lists these options without requiring them */
  PetscFunctionBegin;
  PetscCall(OdOptionsHelpRequested(&help));
  PetscCall(PetscStrncpy(o->a_name, "A", sizeof o->a_name));
  PetscCall(PetscStrncpy(o->b_name, "B", sizeof o->b_name));
  PetscCall(OdOptionsString(PetscOptionsObject, "-finite_a_name", "Name of part A", o->a_name, sizeof o->a_name, NULL));
  PetscCall(OdOptionsString(PetscOptionsObject, "-finite_b_name", "Name of part B", o->b_name, sizeof o->b_name, NULL));
  PetscCall(PetscMalloc2(OD_OP_FINITE_MAX_STATES, &o->names_a, OD_OP_FINITE_MAX_STATES, &o->names_b));

  buf[0] = 0;
  opt = "-op_finite_a_states";
  PetscCall(OdOptionsString(PetscOptionsObject, "-finite_a_states", "States of A (comma list of names; required)", buf, sizeof buf, &set));
  PetscCheck(set || help, o->comm, PETSC_ERR_USER_INPUT, "option %s is required with -op_system finite: the comma list of A's states", opt);
  if (set) PetscCall(OdOpFiniteParseStates(o->comm, opt, buf, &o->nA, o->names_a));
  buf[0] = 0;
  opt = "-op_finite_b_states";
  PetscCall(OdOptionsString(PetscOptionsObject, "-finite_b_states", "States of B (comma list of names; required)", buf, sizeof buf, &set));
  PetscCheck(set || help, o->comm, PETSC_ERR_USER_INPUT, "option %s is required with -op_system finite: the comma list of B's states", opt);
  if (set) PetscCall(OdOpFiniteParseStates(o->comm, opt, buf, &o->nB, o->names_b));

  const PetscInt n = o->nA * o->nB;
  PetscCall(PetscMalloc4(PetscMax(n, 1), &o->next, PetscMax(n, 1), &o->p, PetscMax(o->nA, 1), &o->pa, PetscMax(o->nB, 1), &o->pb));
  buf[0] = 0;
  PetscCall(OdOptionsString(PetscOptionsObject, "-finite_table", "Dynamics: nA*nB entries a'/b' for (a, b) in a-major order (names or 0-based indices; required)", buf, sizeof buf, &set));
  PetscCheck(set || help, o->comm, PETSC_ERR_USER_INPUT, "option -op_finite_table is required with -op_system finite: %" PetscInt_FMT " entries a'/b'", n);
  if (set) PetscCall(OdOpFiniteParseTable(o->comm, "-op_finite_table", buf, o->nA, (const char(*)[OD_OP_FINITE_NAME_LEN])o->names_a, o->nB, (const char(*)[OD_OP_FINITE_NAME_LEN])o->names_b, o->next));
  buf[0] = 0;
  PetscCall(OdOptionsString(PetscOptionsObject, "-finite_p", "Joint distribution P_t(a, b), nA*nB entries in a-major order (reals or fractions p/q); optional", buf, sizeof buf, &o->p_set));
  if (o->p_set) PetscCall(OdOpFiniteParseDistribution(o->comm, "-op_finite_p", buf, n, o->p));
  for (PetscInt a = 0; a < o->nA; a++) o->pa[a] = 1.0 / o->nA;
  for (PetscInt b = 0; b < o->nB; b++) o->pb[b] = 1.0 / o->nB;
  buf[0] = 0;
  PetscCall(OdOptionsString(PetscOptionsObject, "-finite_pa", "Marginal P_{t-1}^A of the two-step variant (default uniform)", buf, sizeof buf, &set));
  if (set) PetscCall(OdOpFiniteParseDistribution(o->comm, "-op_finite_pa", buf, o->nA, o->pa));
  buf[0] = 0;
  PetscCall(OdOptionsString(PetscOptionsObject, "-finite_pb", "Marginal P_{t-1}^B of the two-step variant (default uniform)", buf, sizeof buf, &set));
  if (set) PetscCall(OdOpFiniteParseDistribution(o->comm, "-op_finite_pb", buf, o->nB, o->pb));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOpSetFromOptions(OdOp o)
{
  const char *const *names = OdOpSystemNames();
  const char *words[16];
  PetscInt nwords = 0, choice = 0;
  PetscBool help;
  PetscFunctionBegin;
  PetscCall(OdOptionsSeed(o->comm, &o->seed));
  PetscCall(OdSimdSetFromOptions(o->comm, &o->simd));
  PetscCall(OdOutputSetFromOptions(o->output, "op.h5"));
  PetscCall(OdSweepSetFromOptions(o->sweep));
  PetscCall(OdOptionsHelpRequested(&help));
  for (; names[nwords]; nwords++) {
    words[nwords] = names[nwords];
    if (!strcmp(names[nwords], o->system_name)) choice = nwords;
  }
  words[nwords++] = "finite";
  PetscOptionsBegin(o->comm, "op_", "Measuring optimization (docs/models.md §5)", NULL);
  PetscCall(OdOptionsEnum(PetscOptionsObject, "-system", "thermostat (linear), therm (saturating), lorenz, or finite (finite-state table)", words, nwords, &choice, NULL));
  PetscCall(PetscStrncpy(o->system_name, words[choice], sizeof o->system_name));
  o->finite = (PetscBool)(choice == nwords - 1);
  if (o->finite) {
    if (!o->names_a) PetscCall(FiniteOptions(o, PetscOptionsObject));
  } else if (!o->sys) {
    PetscCall(OdOpSystemCreate(o->comm, o->system_name, &o->sys));
    PetscCall(ContinuousOptions(o, PetscOptionsObject));
  }
  PetscOptionsEnd();
  if (help) {
    /* list the parameters of the other systems too */
    for (PetscInt i = 0; names[i]; i++) {
      OdOpSystem other;
      if (!o->finite && !strcmp(names[i], o->system_name)) continue;
      PetscCall(OdOpSystemCreate(o->comm, names[i], &other));
      char title[256];
      snprintf(title, sizeof title, "Parameters of -op_system %s: %s", names[i], other->title);
      PetscOptionsBegin(o->comm, "op_", title, NULL);
      PetscCall(OdOpSystemSetFromOptions(other, PetscOptionsObject));
      PetscOptionsEnd();
      PetscCall(OdOpSystemDestroy(&other));
    }
    if (!o->finite) {
      PetscOptionsBegin(o->comm, "op_", "Finite-state mode (-op_system finite; the table usually comes from a YAML config)", NULL);
      PetscCall(FiniteOptions(o, PetscOptionsObject));
      PetscOptionsEnd();
    }
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- set up */

static PetscErrorCode FindVar(OdOp o, const char *opt, const char *name, PetscInt *idx)
{
  char allowed[256] = "";
  PetscFunctionBegin;
  *idx = OdOpSystemFindVar(o->sys, name);
  if (*idx >= 0) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < o->sys->nvars; i++) {
    size_t l = strlen(allowed);
    snprintf(allowed + l, sizeof allowed - l, "%s%s", i ? ", " : "", o->sys->var[i]);
  }
  SETERRQ(o->comm, PETSC_ERR_USER_INPUT, "option %s = '%s' is not allowed: expected a variable of system %s (%s)", opt, name, o->sys->name, allowed);
}

static void Grid(PetscReal lo, PetscReal hi, PetscInt n, PetscReal g[])
{
  for (PetscInt i = 0; i < n; i++) g[i] = n > 1 ? lo + (hi - lo) * (PetscReal)i / (PetscReal)(n - 1) : lo;
}

static PetscErrorCode SetUpContinuous(OdOp o)
{
  OdOpSystem s = o->sys;
  const PetscInt nv = s->nvars;
  PetscFunctionBegin;
  PetscCheck(o->nx0 == nv, o->comm, PETSC_ERR_USER_INPUT, "option -op_x0 is not allowed with %" PetscInt_FMT " entries: system %s has %" PetscInt_FMT " variables", o->nx0, s->name, nv);
  /* time grid */
  const PetscReal q = o->t / s->dt;
  o->nsteps = (PetscInt)llround(q);
  PetscCheck(o->nsteps >= 1 && fabs(q - (PetscReal)o->nsteps) <= 1e-9 * PetscMax(1.0, q), o->comm, PETSC_ERR_USER_INPUT, "option -op_t = %g is not allowed: must be a positive multiple of -op_dt = %g", (double)o->t, (double)s->dt);
  PetscCheck(o->nsteps <= 100000000, o->comm, PETSC_ERR_USER_INPUT, "option -op_t = %g is not allowed: at most 1e8 steps of -op_dt = %g", (double)o->t, (double)s->dt);
  { /* base trajectories: (steps + 1) x variables for three runs, stored ones (every traj_every) in about 16 arrays */
    char advice[128];
    snprintf(advice, sizeof advice, "-op_t / -op_dt = %" PetscInt_FMT " steps (or raise -op_traj_every)", o->nsteps);
    PetscCall(OdBudgetCheckMemory(o->comm, 8.0 * nv * (3.0 * (o->nsteps + 1) + 16.0 * ((double)o->nsteps / PetscMax(o->traj_every, 1) + 1)), "op's base trajectories", advice));
  }
  /* nodes */
  PetscCall(FindVar(o, "-op_n", o->n_name, &o->causal.n));
  PetscCall(FindVar(o, "-op_m", o->m_name, &o->m));
  {
    char copy[LIST_LEN], *tok, *save = NULL;
    PetscInt nA = 0;
    PetscCall(PetscStrncpy(copy, o->A_names, sizeof copy));
    for (PetscInt i = 0; i < OD_OP_MAX_VARS; i++) o->causal.inA[i] = PETSC_FALSE;
    for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
      PetscInt idx;
      PetscCall(FindVar(o, "-op_A", tok, &idx));
      o->causal.inA[idx] = PETSC_TRUE;
      nA++;
    }
    PetscCheck(nA > 0, o->comm, PETSC_ERR_USER_INPUT, "option -op_A = '%s' is not allowed: expected at least one variable", o->A_names);
  }
  PetscCheck(!o->causal.inA[o->causal.n], o->comm, PETSC_ERR_USER_INPUT, "option -op_n = %s is not allowed: the perturbed variable must not be in -op_A = %s", o->n_name, o->A_names);
  PetscCheck(!o->causal.inA[o->m], o->comm, PETSC_ERR_USER_INPUT, "option -op_m = %s is not allowed: the target must not be in -op_A = %s (Y would equal W there)", o->m_name, o->A_names);
  o->causal.clamp_steps = o->t_A_set ? (PetscInt)floor(o->t_A / s->dt + 1e-9) : PETSC_MAX_INT;
  /* landscape grid */
  PetscCheck(o->s0_max >= o->s0_min, o->comm, PETSC_ERR_USER_INPUT, "option -op_s0_max = %g is not allowed: must be >= -op_s0_min = %g", (double)o->s0_max, (double)o->s0_min);
  PetscCheck(o->s0_num == 1 || o->s0_max > o->s0_min, o->comm, PETSC_ERR_USER_INPUT, "option -op_s0_num = %" PetscInt_FMT " needs -op_s0_max > -op_s0_min", o->s0_num);
  o->s1var = -1;
  o->n0 = o->s0_num;
  o->n1 = 1;
  if (strcmp(o->s1_name, "none")) {
    PetscCall(FindVar(o, "-op_s1", o->s1_name, &o->s1var));
    PetscCheck(o->s1var != o->causal.n, o->comm, PETSC_ERR_USER_INPUT, "option -op_s1 = %s is not allowed: must differ from -op_n = %s", o->s1_name, o->n_name);
    PetscCheck(o->s1_max >= o->s1_min, o->comm, PETSC_ERR_USER_INPUT, "option -op_s1_max = %g is not allowed: must be >= -op_s1_min = %g", (double)o->s1_max, (double)o->s1_min);
    PetscCheck(o->s1_num == 1 || o->s1_max > o->s1_min, o->comm, PETSC_ERR_USER_INPUT, "option -op_s1_num = %" PetscInt_FMT " needs -op_s1_max > -op_s1_min", o->s1_num);
    o->n1 = o->s1_num;
  }
  o->npoints = o->n0 * o->n1;
  o->nd = o->delta_check ? MAXD : 1;
  for (PetscInt j = 0; j < MAXD; j++) o->deltas[j] = o->delta / pow(10.0, (double)j);
  PetscCall(PetscMalloc2(o->n0, &o->grid0, o->n1, &o->grid1));
  Grid(o->s0_min, o->s0_max, o->n0, o->grid0);
  if (o->s1var >= 0) Grid(o->s1_min, o->s1_max, o->n1, o->grid1);
  else o->grid1[0] = 0;
  /* the sweep: one point per grid point, one chunk */
  PetscCall(OdSweepSetSizes(o->sweep, o->npoints, 1, RECLEN));
  {
    char ckpt[PETSC_MAX_PATH_LEN + 8];
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", OdOutputGetPath(o->output));
    PetscCall(OdSweepSetCheckpointPath(o->sweep, ckpt));
  }
  PetscCall(OdSweepSetLabel(o->sweep, "op"));
  PetscCall(OdSweepSetProgressUnits(o->sweep, "points", 1));
  PetscCall(OdSweepSetUp(o->sweep));
  PetscCall(OdSweepGetSlice(o->sweep, &o->first, &o->count, &o->K, &o->N));
  PetscCall(PetscCalloc1(PetscMax(o->count, 1) * RECLEN, &o->record));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOpSetUp(OdOp o)
{
  PetscFunctionBegin;
  if (!o->finite) PetscCall(SetUpContinuous(o));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- landscape */

static void PointState(OdOp o, PetscInt point, PetscReal s0[])
{
  for (PetscInt i = 0; i < o->sys->nvars; i++) s0[i] = o->x0[i];
  s0[o->causal.n] = o->grid0[point / o->n1];
  if (o->s1var >= 0) s0[o->s1var] = o->grid1[point % o->n1];
}

/* The sweep deals points round-robin, so this rank's next units are point, point + size,
   point + 2 size, ...: they are computed together on the lanes and their records kept for the
   following calls. Which points share a batch changes only the speed: every point's record is
   a pure function of the point (OdOpFinalLanes equals OdOpFinal bit for bit). */
static PetscErrorCode ComputeBatch(OdOp o, PetscInt point)
{
  const PetscInt nv = o->sys->nvars, m = o->m, end = o->first + o->count;
  PetscReal s0[OD_OP_BATCH * OD_OP_MAX_VARS], wend[OD_OP_BATCH * OD_OP_MAX_VARS], dx[OD_OP_BATCH * MAXD * OD_OP_MAX_VARS], dy[OD_OP_BATCH * MAXD * OD_OP_MAX_VARS];
  PetscMPIInt size;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(o->comm, &size));
  o->lane_n = 0;
  for (PetscInt p = point; p < end && o->lane_n < OD_OP_BATCH; p += size) {
    o->lane_point[o->lane_n] = p;
    PointState(o, p, s0 + o->lane_n * nv);
    o->lane_n++;
  }
  OdOpFinalLanes(o->sys, &o->causal, o->simd, o->lane_n, s0, o->nsteps, o->nd, o->deltas, wend, dx, dy);
  for (PetscInt l = 0; l < o->lane_n; l++) {
    const PetscReal *ex = dx + l * o->nd * nv, *ey = dy + l * o->nd * nv;
    PetscReal *rec = o->lane_rec[l];
    for (PetscInt j = 0; j < MAXD; j++) rec[j] = j < o->nd ? OdOpComp(ex[j * nv + m], ey[j * nv + m]) : (PetscReal)NAN;
    rec[MAXD] = wend[l * nv + m];
    rec[MAXD + 1] = ex[m];
    rec[MAXD + 2] = ey[m];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Unit(void *ctx, PetscInt point, PetscInt chunk, PetscReal rec[])
{
  OdOp o = (OdOp)ctx;
  PetscFunctionBegin;
  (void)chunk;
  for (int pass = 0; pass < 2; pass++) {
    for (PetscInt l = 0; l < o->lane_n; l++)
      if (o->lane_point[l] == point) {
        PetscCall(PetscArraycpy(rec, o->lane_rec[l], RECLEN));
        PetscFunctionReturn(0);
      }
    PetscCall(ComputeBatch(o, point));
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "op: point %" PetscInt_FMT " missing from its own batch", point);
}

/* max over the defined entries of |Op(δ/10^j) − Op(δ)| */
static PetscReal MaxDop(PetscInt n, PetscInt nd, const PetscReal *comp[])
{
  PetscReal mx = 0;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 1; j < nd; j++) {
      const PetscReal a = OdOpOp(comp[0][i]), b = OdOpOp(comp[j][i]);
      if (isfinite(a) && isfinite(b)) mx = PetscMax(mx, fabs(a - b));
    }
  return mx;
}

/* Summaries over the landscape points of one file (indices first .. first + n - 1 of the
   n0 x n1 grid): the trapezoid of (1 - Comp) over axis 0 (and axis 1 over the complete rows
   of 2-D grids), the number of points with Comp < 0, and the δ-check's max |dOp|. The one
   implementation, used by the run and by `optdyn op -summarize` on merged files. */
typedef struct {
  PetscReal integral, max_dop;
  PetscInt nneg;
} OpSummary;

static PetscErrorCode LandscapeSummary(PetscInt n1, const PetscReal grid0[], const PetscReal grid1[], PetscInt first, PetscInt n, const PetscReal s0v[], PetscInt nd, const PetscReal *comp[], OpSummary *sum)
{
  PetscFunctionBegin;
  sum->nneg = 0;
  for (PetscInt i = 0; i < n; i++) sum->nneg += OdOpSign(comp[0][i]) < 0;
  sum->max_dop = nd > 1 ? MaxDop(n, nd, comp) : (PetscReal)NAN;
  if (n1 == 1) sum->integral = OdOpIntegralOneMinusComp(n, s0v, comp[0]);
  else {
    const PetscInt r0 = (first + n1 - 1) / n1, r1 = (first + n) / n1; /* complete rows [r0, r1) */
    PetscReal *rowint, *rows;
    PetscCall(PetscMalloc2(PetscMax(r1 - r0, 1), &rowint, PetscMax(r1 - r0, 1), &rows));
    for (PetscInt r = r0; r < r1; r++) {
      rowint[r - r0] = OdOpIntegralOneMinusComp(n1, grid1, comp[0] + (r * n1 - first));
      rows[r - r0] = grid0[r];
    }
    sum->integral = 0;
    for (PetscInt r = 0; r + 1 < r1 - r0; r++) sum->integral += 0.5 * (rows[r + 1] - rows[r]) * (rowint[r] + rowint[r + 1]);
    PetscCall(PetscFree2(rowint, rows));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteSummary(OdOutput out, const OpSummary *sum)
{
  PetscFunctionBegin;
  PetscCall(OdOutputAttrReal(out, "/op", "integral_one_minus_comp", sum->integral));
  PetscCall(OdOutputAttrInt(out, "/op", "comp_negative_points", sum->nneg));
  PetscCall(OdOutputAttrReal(out, "/op", "delta_check_max_abs_dop", sum->max_dop));
  PetscFunctionReturn(0);
}

/* Read /op/<name> (n values) or NULL if absent. */
static PetscErrorCode ReadOptional(OdOutput out, const char *name, PetscInt *n, PetscReal **v)
{
  PetscBool exists;
  PetscFunctionBegin;
  *v = NULL;
  PetscCall(OdOutputExists(out, name, NULL, &exists));
  if (exists) PetscCall(OdOutputReadReal(out, name, n, v));
  PetscFunctionReturn(0);
}

/* `optdyn op -summarize FILE`: recompute the landscape summaries from the per-point data. */
PetscErrorCode OdOpSummarize(MPI_Comm comm, const char *path)
{
  OdOutput out;
  char system[64];
  int64_t n1, first;
  PetscInt n, ng0, ng1 = 0, nc;
  PetscReal *s0v, *grid0, *grid1, *c[MAXD];
  OpSummary sum;
  PetscFunctionBegin;
  PetscCall(OdOutputOpenExisting(comm, path, &out));
  PetscCall(OdOutputReadAttrString(out, "/", "command", system, sizeof system));
  PetscCheck(!strcmp(system, "op"), comm, PETSC_ERR_USER_INPUT, "%s was written by 'optdyn %s', not 'optdyn op'", path, system);
  PetscCall(OdOutputReadAttrString(out, "/op", "system", system, sizeof system));
  if (strcmp(system, "finite")) { /* finite-state files have no landscape */
    PetscCall(OdOutputReadAttrInt(out, "/op", "num1", &n1));
    PetscCall(OdOutputReadAttrInt(out, "/", "sweep_first", &first));
    PetscCall(OdOutputReadReal(out, "/op/s0", &n, &s0v));
    PetscCall(OdOutputReadReal(out, "/op/grid_s0", &ng0, &grid0));
    PetscCall(ReadOptional(out, "/op/grid_s1", &ng1, &grid1));
    PetscCall(OdOutputReadReal(out, "/op/comp", &nc, &c[0]));
    PetscCall(ReadOptional(out, "/op/comp_delta10", &nc, &c[1]));
    PetscCall(ReadOptional(out, "/op/comp_delta100", &nc, &c[2]));
    PetscCall(LandscapeSummary((PetscInt)n1, grid0, grid1, (PetscInt)first, n, s0v, c[1] ? MAXD : 1, (const PetscReal **)c, &sum));
    PetscCall(WriteSummary(out, &sum));
    PetscCall(PetscFree(s0v));
    PetscCall(PetscFree(grid0));
    PetscCall(PetscFree(grid1));
    for (PetscInt j = 0; j < MAXD; j++) PetscCall(PetscFree(c[j]));
  }
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscCall(OdOutputDestroy(&out));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- output */

static void VarList(OdOpSystem s, char *buf, size_t len)
{
  buf[0] = 0;
  for (PetscInt i = 0; i < s->nvars; i++) {
    size_t l = strlen(buf);
    snprintf(buf + l, len - l, "%s%s", i ? "," : "", s->var[i]);
  }
}

static PetscErrorCode WriteTrajectory(OdOp o)
{
  OdOpSystem s = o->sys;
  const PetscInt nv = s->nvars, ns = o->nsteps, nd = o->nd, e = o->traj_every, nt = ns / e + 1;
  PetscReal *w, *x, *y, *tw, *tx, *ty, *t, *comp, *opv, *sign, *cd, *dmax;
  OdOutput out = o->output;
  PetscFunctionBegin;
  /* x and y hold the differences x - w and y - w */
  PetscCall(PetscMalloc3((ns + 1) * nv, &w, (ns + 1) * nv, &x, (ns + 1) * nv, &y));
  PetscCall(PetscMalloc5(nt * nv, &tw, nt * nv, &tx, nt * nv, &ty, nt, &t, nd * nt * nv, &cd));
  PetscCall(PetscMalloc4(nt * nv, &comp, nt * nv, &opv, nt * nv, &sign, nv, &dmax));
  for (PetscInt j = 0; j < nd; j++) {
    OdOpTrajectories(s, &o->causal, o->x0, o->deltas[j], ns, w, x, y);
    for (PetscInt r = 0; r < nt; r++)
      for (PetscInt i = 0; i < nv; i++) {
        const PetscInt k = r * e;
        cd[(j * nt + r) * nv + i] = OdOpComp(x[k * nv + i], y[k * nv + i]);
        if (j == 0) tw[r * nv + i] = w[k * nv + i], tx[r * nv + i] = x[k * nv + i], ty[r * nv + i] = y[k * nv + i];
      }
  }
  for (PetscInt r = 0; r < nt; r++) t[r] = (PetscReal)(r * e) * s->dt;
  for (PetscInt i = 0; i < nt * nv; i++) comp[i] = cd[i], opv[i] = OdOpOp(cd[i]), sign[i] = OdOpSign(cd[i]);
  for (PetscInt i = 0; i < nv; i++) {
    dmax[i] = 0;
    for (PetscInt r = 0; r < nt; r++)
      for (PetscInt j = 1; j < nd; j++) {
        const PetscReal a = OdOpOp(cd[r * nv + i]), b = OdOpOp(cd[(j * nt + r) * nv + i]);
        if (isfinite(a) && isfinite(b)) dmax[i] = PetscMax(dmax[i], fabs(a - b));
      }
  }
  const hsize_t dt1[1] = {(hsize_t)nt}, dtv[2] = {(hsize_t)nt, (hsize_t)nv}, dd[3] = {(hsize_t)nd, (hsize_t)nt, (hsize_t)nv}, dv[1] = {(hsize_t)nv}, dnd[1] = {(hsize_t)nd};
  PetscCall(OdOutputCreateGroup(out, "/op/trajectory"));
  PetscCall(OdOutputWriteReal(out, "/op/trajectory/t", 1, dt1, t, (OdDatasetInfo){"time", "time k*dt of each stored step", PETSC_FALSE, "t"}));
  PetscCall(OdOutputWriteReal(out, "/op/trajectory/w", 2, dtv, tw, (OdDatasetInfo){"state", "world W: every variable (columns in the order of the attribute variables) at each stored step", PETSC_FALSE, "t,"}));
  PetscCall(OdOutputWriteReal(out, "/op/trajectory/x_minus_w", 2, dtv, tx, (OdDatasetInfo){"state", "x - w, where X is W with n's initial value perturbed by delta", PETSC_FALSE, "t,"}));
  PetscCall(OdOutputWriteReal(out, "/op/trajectory/y_minus_w", 2, dtv, ty, (OdDatasetInfo){"state", "y - w, where Y is X with the variables of A clamped to W (up to t_A)", PETSC_FALSE, "t,"}));
  PetscCall(OdOutputWriteReal(out, "/op/trajectory/comp", 2, dtv, comp, (OdDatasetInfo){"1", "Comp(A; n, m) = (x^m - w^m)/(y^m - w^m) for every target m (column); NaN where y^m = w^m", PETSC_FALSE, "t,"}));
  PetscCall(OdOutputWriteReal(out, "/op/trajectory/op", 2, dtv, opv, (OdDatasetInfo){"nats", "Op(A; n, m) = -ln|Comp| (the real part where Comp < 0; see comp_sign)", PETSC_FALSE, "t,"}));
  PetscCall(OdOutputWriteReal(out, "/op/trajectory/comp_sign", 2, dtv, sign, (OdDatasetInfo){"1", "sign of Comp: +1, -1 (Op would be complex: -ln|Comp| + i pi), 0 undefined", PETSC_FALSE, "t,"}));
  PetscCall(OdOutputWriteReal(out, "/op/trajectory/deltas", 1, dnd, o->deltas, (OdDatasetInfo){"state", "the perturbations of the delta-convergence check (delta, delta/10, delta/100)", PETSC_FALSE, "deltas"}));
  PetscCall(OdOutputWriteReal(out, "/op/trajectory/comp_by_delta", 3, dd, cd, (OdDatasetInfo){"1", "Comp for each delta of the convergence check [delta, step, variable]", PETSC_FALSE, "deltas,t,"}));
  PetscCall(OdOutputWriteReal(out, "/op/trajectory/delta_check_max_abs_dop", 1, dv, dmax, (OdDatasetInfo){"nats", "per target variable: max over stored steps of |Op(delta/10^j) - Op(delta)| (where both are finite)", PETSC_FALSE}));
  PetscCall(PetscFree3(w, x, y));
  PetscCall(PetscFree5(tw, tx, ty, t, cd));
  PetscCall(PetscFree4(comp, opv, sign, dmax));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteContinuous(OdOp o)
{
  OdOpSystem s = o->sys;
  const PetscInt n = o->count, nd = o->nd;
  PetscReal *s0v, *s1v, *comp, *opv, *sign, *wm, *dxm, *dym, *c10, *c100;
  int64_t *pt;
  char desc[1024], vars[256];
  OdOutput out = o->output;
  PetscFunctionBegin;
  PetscCall(PetscMalloc5(PetscMax(n, 1), &s0v, PetscMax(n, 1), &s1v, PetscMax(n, 1), &comp, PetscMax(n, 1), &opv, PetscMax(n, 1), &sign));
  PetscCall(PetscMalloc5(PetscMax(n, 1), &wm, PetscMax(n, 1), &dxm, PetscMax(n, 1), &dym, PetscMax(n, 1), &c10, PetscMax(n, 1), &c100));
  PetscCall(PetscMalloc1(PetscMax(n, 1), &pt));
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt p = o->first + i;
    const PetscReal *rec = o->record + i * RECLEN;
    pt[i] = p;
    s0v[i] = o->grid0[p / o->n1];
    s1v[i] = o->grid1[p % o->n1];
    comp[i] = rec[0], c10[i] = rec[1], c100[i] = rec[2];
    opv[i] = OdOpOp(comp[i]);
    sign[i] = OdOpSign(comp[i]);
    wm[i] = rec[MAXD], dxm[i] = rec[MAXD + 1], dym[i] = rec[MAXD + 2];
  }
  {
    const PetscReal *cs[MAXD] = {comp, c10, c100};
    OpSummary sum;
    PetscCall(LandscapeSummary(o->n1, o->grid0, o->grid1, o->first, n, s0v, nd, cs, &sum));
    o->integral = sum.integral, o->nneg = sum.nneg, o->max_dop = sum.max_dop;
  }

  PetscCall(OdOutputOpen(out, "op", o->seed));
  PetscCall(OdOutputSetSweep(out, o->K, o->N, o->first, o->count, o->npoints));
  PetscCall(OdOutputAttrString(out, "/", "simd_level", OdSimdLevelName(o->simd))); /* provenance (perf) */
  PetscCall(OdOutputCreateGroup(out, "/op"));
  const hsize_t dn[1] = {(hsize_t)n}, d0[1] = {(hsize_t)o->n0}, d1[1] = {(hsize_t)o->n1};
  char d_s0[256], d_s1[256];
  /* 1-D landscapes: the points are the s0 values (a shared coordinate for xarray); 2-D: the
     flattened row-major point index (optdyn.load reshapes to (s0, s1) with grid_s0, grid_s1). */
  const char *pdim = o->s1var >= 0 ? "point" : "s0";
  snprintf(d_s0, sizeof d_s0, "initial value of %s (the perturbed variable n) at each landscape point", o->n_name);
  snprintf(d_s1, sizeof d_s1, "initial value of %s (landscape axis 1) at each landscape point", o->s1_name);
  PetscCall(OdOutputWriteInt64(out, "/op/point", 1, dn, pt, (OdDatasetInfo){"1", "index p of each landscape point (row-major over grid_s0 x grid_s1)", PETSC_TRUE, pdim}));
  PetscCall(OdOutputWriteReal(out, "/op/s0", 1, dn, s0v, (OdDatasetInfo){"state", d_s0, PETSC_TRUE, pdim}));
  if (o->s1var >= 0) PetscCall(OdOutputWriteReal(out, "/op/s1", 1, dn, s1v, (OdDatasetInfo){"state", d_s1, PETSC_TRUE, pdim}));
  PetscCall(OdOutputWriteReal(out, "/op/comp", 1, dn, comp, (OdDatasetInfo){"1", "Comp(A; n, m) at time t: (x^m - w^m)/(y^m - w^m) with perturbation delta (NaN where y^m = w^m)", PETSC_TRUE, pdim}));
  PetscCall(OdOutputWriteReal(out, "/op/op", 1, dn, opv, (OdDatasetInfo){"nats", "Op(A; n, m) = -ln|Comp| at time t (real part where Comp < 0, see comp_sign)", PETSC_TRUE, pdim}));
  PetscCall(OdOutputWriteReal(out, "/op/comp_sign", 1, dn, sign, (OdDatasetInfo){"1", "sign of Comp: +1, -1 (Op complex), 0 (undefined)", PETSC_TRUE, pdim}));
  PetscCall(OdOutputWriteReal(out, "/op/w_m", 1, dn, wm, (OdDatasetInfo){"state", "the world's target value w^m at time t", PETSC_TRUE, pdim}));
  PetscCall(OdOutputWriteReal(out, "/op/x_minus_w", 1, dn, dxm, (OdDatasetInfo){"state", "x^m - w^m at time t (perturbation delta)", PETSC_TRUE, pdim}));
  PetscCall(OdOutputWriteReal(out, "/op/y_minus_w", 1, dn, dym, (OdDatasetInfo){"state", "y^m - w^m at time t (perturbation delta)", PETSC_TRUE, pdim}));
  if (nd > 1) {
    PetscCall(OdOutputWriteReal(out, "/op/comp_delta10", 1, dn, c10, (OdDatasetInfo){"1", "Comp with perturbation delta/10 (convergence check)", PETSC_TRUE, pdim}));
    PetscCall(OdOutputWriteReal(out, "/op/comp_delta100", 1, dn, c100, (OdDatasetInfo){"1", "Comp with perturbation delta/100 (convergence check)", PETSC_TRUE, pdim}));
  }
  PetscCall(OdOutputWriteReal(out, "/op/grid_s0", 1, d0, o->grid0, (OdDatasetInfo){"state", "all values of landscape axis 0 (the point of /op/s0 index p is grid_s0[p / num1])", PETSC_FALSE, "grid_s0"}));
  if (o->s1var >= 0) PetscCall(OdOutputWriteReal(out, "/op/grid_s1", 1, d1, o->grid1, (OdDatasetInfo){"state", "all values of landscape axis 1 (index p % num1)", PETSC_FALSE, "grid_s1"}));

  s->describe(s, desc, sizeof desc);
  VarList(s, vars, sizeof vars);
  PetscCall(OdOutputAttrString(out, "/op", "system", s->name));
  PetscCall(OdOutputAttrString(out, "/op", "system_description", desc));
  PetscCall(OdOutputAttrString(out, "/op", "variables", vars));
  PetscCall(OdOutputAttrString(out, "/op", "n", o->n_name));
  PetscCall(OdOutputAttrString(out, "/op", "m", o->m_name));
  PetscCall(OdOutputAttrString(out, "/op", "A", o->A_names));
  PetscCall(OdOutputAttrReal(out, "/op", "t_A", o->t_A_set ? o->t_A : -1));
  PetscCall(OdOutputAttrReal(out, "/op", "t", o->t));
  PetscCall(OdOutputAttrReal(out, "/op", "dt", s->dt));
  PetscCall(OdOutputAttrInt(out, "/op", "nsteps", o->nsteps));
  PetscCall(OdOutputAttrReal(out, "/op", "delta", o->delta));
  PetscCall(OdOutputAttrInt(out, "/op", "delta_check", o->delta_check));
  {
    const hsize_t dx[1] = {(hsize_t)s->nvars};
    PetscCall(OdOutputWriteReal(out, "/op/x0", 1, dx, o->x0, (OdDatasetInfo){"state", "base initial state of W (variables in the order of the attribute variables); landscapes vary n (and s1)", PETSC_FALSE}));
  }
  PetscCall(OdOutputAttrString(out, "/op", "s1_variable", o->s1var >= 0 ? o->s1_name : "none"));
  PetscCall(OdOutputAttrInt(out, "/op", "num0", o->n0));
  PetscCall(OdOutputAttrInt(out, "/op", "num1", o->n1));
  {
    const OpSummary sum = {o->integral, o->max_dop, o->nneg};
    PetscCall(WriteSummary(out, &sum));
  }
  PetscCall(WriteTrajectory(o));
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscCall(PetscFree5(s0v, s1v, comp, opv, sign));
  PetscCall(PetscFree5(wm, dxm, dym, c10, c100));
  PetscCall(PetscFree(pt));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- finite */

static PetscErrorCode JoinNames(PetscInt n, char names[][OD_OP_FINITE_NAME_LEN], char *buf, size_t len)
{
  PetscFunctionBegin;
  buf[0] = 0;
  for (PetscInt i = 0; i < n; i++) {
    size_t l = strlen(buf);
    snprintf(buf + l, len - l, "%s%s", i ? "," : "", names[i]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteMeasure(OdOutput out, const char *group, PetscInt nA, PetscInt nB, const PetscReal p[], const OdOpFiniteStrength *st, const PetscReal next[], const PetscReal prod[], const PetscReal prod_next[])
{
  char path[256];
  const hsize_t d[2] = {(hsize_t)nA, (hsize_t)nB};
  PetscFunctionBegin;
  PetscCall(OdOutputCreateGroup(out, group));
  snprintf(path, sizeof path, "%s/p", group);
  PetscCall(OdOutputWriteReal(out, path, 2, d, p, (OdDatasetInfo){"1", "joint distribution P_t(a, b)", PETSC_FALSE}));
  snprintf(path, sizeof path, "%s/p_next", group);
  PetscCall(OdOutputWriteReal(out, path, 2, d, next, (OdDatasetInfo){"1", "P_{t+1} = push-forward of P_t", PETSC_FALSE}));
  snprintf(path, sizeof path, "%s/p_product", group);
  PetscCall(OdOutputWriteReal(out, path, 2, d, prod, (OdDatasetInfo){"1", "P_t^A P_t^B, the product of P_t's marginals (decorrelated)", PETSC_FALSE}));
  snprintf(path, sizeof path, "%s/p_product_next", group);
  PetscCall(OdOutputWriteReal(out, path, 2, d, prod_next, (OdDatasetInfo){"1", "P'_{t+1} = push-forward of the product of marginals", PETSC_FALSE}));
  PetscCall(OdOutputAttrReal(out, group, "H_p_bits", st->H_p));
  PetscCall(OdOutputAttrReal(out, group, "H_product_bits", st->H_product));
  PetscCall(OdOutputAttrReal(out, group, "H_next_bits", st->H_next));
  PetscCall(OdOutputAttrReal(out, group, "H_product_next_bits", st->H_product_next));
  PetscCall(OdOutputAttrReal(out, group, "strength_bits", st->strength));
  PetscCall(OdOutputAttrReal(out, group, "adjusted_strength_bits", st->adjusted));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunFinite(OdOp o)
{
  const PetscInt nA = o->nA, nB = o->nB, n = nA * nB;
  PetscReal *q, *pr, *qr, *pt, *prev_prod;
  int64_t *tab;
  char buf[LIST_LEN];
  OdOutput out = o->output;
  PetscFunctionBegin;
  PetscCall(PetscMalloc5(n, &q, n, &pr, n, &qr, n, &pt, n, &prev_prod));
  PetscCall(PetscMalloc1(2 * n, &tab));
  PetscCall(OdOutputOpen(out, "op", o->seed));
  PetscCall(OdOutputCreateGroup(out, "/op"));
  PetscCall(OdOutputCreateGroup(out, "/op/finite"));
  PetscCall(OdOutputAttrString(out, "/op", "system", "finite"));
  PetscCall(OdOutputAttrString(out, "/op/finite", "a_name", o->a_name));
  PetscCall(OdOutputAttrString(out, "/op/finite", "b_name", o->b_name));
  PetscCall(JoinNames(nA, o->names_a, buf, sizeof buf));
  PetscCall(OdOutputAttrString(out, "/op/finite", "a_states", buf));
  PetscCall(JoinNames(nB, o->names_b, buf, sizeof buf));
  PetscCall(OdOutputAttrString(out, "/op/finite", "b_states", buf));
  for (PetscInt s = 0; s < n; s++) tab[2 * s] = o->next[s] / nB, tab[2 * s + 1] = o->next[s] % nB;
  {
    const hsize_t d[3] = {(hsize_t)nA, (hsize_t)nB, 2};
    PetscCall(OdOutputWriteInt64(out, "/op/finite/table", 3, d, tab, (OdDatasetInfo){"state index", "dynamics: table[a, b] = (a', b') (0-based indices into a_states, b_states)", PETSC_FALSE}));
  }
  if (o->p_set) {
    OdOpFiniteMeasure(nA, nB, o->next, o->p, &o->joint, q, pr, qr);
    PetscCall(WriteMeasure(out, "/op/finite/joint", nA, nB, o->p, &o->joint, q, pr, qr));
  }
  /* two-step variant: P_{t-1} = P^A P^B, P_t = push(P_{t-1}), then measure P_t */
  for (PetscInt a = 0; a < nA; a++)
    for (PetscInt b = 0; b < nB; b++) prev_prod[a * nB + b] = o->pa[a] * o->pb[b];
  OdOpFinitePush(nA, nB, o->next, prev_prod, pt);
  OdOpFiniteMeasure(nA, nB, o->next, prev_prod, &o->two_step_prev, NULL, NULL, NULL);
  OdOpFiniteMeasure(nA, nB, o->next, pt, &o->two_step, q, pr, qr);
  PetscCall(WriteMeasure(out, "/op/finite/two_step", nA, nB, pt, &o->two_step, q, pr, qr));
  {
    const hsize_t da[1] = {(hsize_t)nA}, db[1] = {(hsize_t)nB}, d2[2] = {(hsize_t)nA, (hsize_t)nB};
    PetscCall(OdOutputWriteReal(out, "/op/finite/two_step/pa", 1, da, o->pa, (OdDatasetInfo){"1", "P_{t-1}^A", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/op/finite/two_step/pb", 1, db, o->pb, (OdDatasetInfo){"1", "P_{t-1}^B", PETSC_FALSE}));
    PetscCall(OdOutputWriteReal(out, "/op/finite/two_step/p_prev", 2, d2, prev_prod, (OdDatasetInfo){"1", "P_{t-1} = P_{t-1}^A P_{t-1}^B (independent start); p = push(p_prev)", PETSC_FALSE}));
    PetscCall(OdOutputAttrReal(out, "/op/finite/two_step", "H_prev_bits", o->two_step_prev.H_p));
  }
  PetscCall(OdOutputClose(out, PETSC_TRUE));
  PetscCall(PetscFree5(q, pr, qr, pt, prev_prod));
  PetscCall(PetscFree(tab));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- run / view */

PetscErrorCode OdOpRun(OdOp o, PetscBool *interrupted)
{
  PetscFunctionBegin;
  *interrupted = PETSC_FALSE;
  if (o->finite) {
    PetscCall(RunFinite(o));
  } else {
    PetscCall(OdSweepRun(o->sweep, Unit, o, o->record, interrupted));
    if (*interrupted) PetscFunctionReturn(0);
    PetscCall(WriteContinuous(o));
    PetscCall(OdSweepRemoveCheckpoint(o->sweep));
  }
  o->done = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode ViewStrength(PetscViewer v, const char *what, const OdOpFiniteStrength *s)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "%s: H(P_t) = %.4f, H(P_t^A P_t^B) = %.4f, H(P_t+1) = %.4f, H(P'_t+1) = %.4f bits\n", what, (double)s->H_p, (double)s->H_product, (double)s->H_next, (double)s->H_product_next));
  PetscCall(PetscViewerASCIIPrintf(v, "%*s  optimizing strength = %.4f bits, adjusted = %.4f bits\n", (int)strlen(what), "", (double)s->strength, (double)s->adjusted));
  PetscFunctionReturn(0);
}

PetscErrorCode OdOpView(OdOp o, PetscViewer v)
{
  PetscFunctionBegin;
  if (!o->done) PetscFunctionReturn(0);
  if (o->finite) {
    PetscCall(PetscViewerASCIIPrintf(v, "optdyn op: finite-state system, A = %s (%" PetscInt_FMT " states), B = %s (%" PetscInt_FMT " states)\n", o->a_name, o->nA, o->b_name, o->nB));
    if (o->p_set) PetscCall(ViewStrength(v, "joint P_t (-op_finite_p)", &o->joint));
    PetscCall(ViewStrength(v, "two-step from P^A P^B", &o->two_step));
  } else {
    char desc[1024];
    o->sys->describe(o->sys, desc, sizeof desc);
    PetscCall(PetscViewerASCIIPrintf(v, "optdyn op: %s\n", desc));
    PetscCall(PetscViewerASCIIPrintf(v, "  A = {%s}%s, n = %s (delta %g), m = %s, t = %g (%" PetscInt_FMT " steps)\n", o->A_names, o->t_A_set ? " up to t_A" : "", o->n_name, (double)o->delta, o->m_name, (double)o->t, o->nsteps));
    PetscCall(PetscViewerASCIIPrintf(v, "  landscape: %" PetscInt_FMT " of %" PetscInt_FMT " points (%" PetscInt_FMT " x %" PetscInt_FMT "), integral of (1 - Comp) = %.6f, Comp < 0 at %" PetscInt_FMT " points", o->count, o->npoints, o->n0, o->n1, (double)o->integral, o->nneg));
    if (o->nd > 1) PetscCall(PetscViewerASCIIPrintf(v, ", max |dOp| over delta/10, delta/100 = %.3g", (double)o->max_dop));
    PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  }
  PetscCall(PetscViewerASCIIPrintf(v, "wrote %s\n", OdOutputGetPath(o->output)));
  PetscFunctionReturn(0);
}
