/* An external program built against an installed optdyn (see tests/scripts/install.sh).
 * It registers its own es objective, a sphere shifted to c = (1.5, -0.5, 2),
 * f(w) = sum_i (w_i - c_i)^2, minimizes it with natural-gradient VO on all ranks, and
 * checks that the final search mean is at c (max |mu_i - c_i| < 1e-6); it prints the mean
 * in hexadecimal so runs on different rank counts can be compared bit for bit.
 * Usage: mpiexec -n 2 es_shifted_sphere [optdyn es options, e.g. -o FILE.h5]
 * Exit status 0 when the mean is at c. */
#include <math.h>
#include <stdio.h>
#include <optdyn/es.h>
#include <optdyn/version.h>

/* The objective is registered on one es object, after OdEsCreate and before
 * OdEsSetFromOptions (optdyn keeps no global registry). */

static const PetscReal center[3] = {1.5, -0.5, 2.0};

static PetscErrorCode ShiftedSphereEval(void *ctx, PetscInt d, const PetscReal w[], PetscReal *f)
{
  (void)ctx;
  *f = 0;
  for (PetscInt i = 0; i < d; i++) *f += (w[i] - center[i]) * (w[i] - center[i]);
  return 0;
}

static PetscErrorCode CreateShiftedSphere(PetscOptionItems *PetscOptionsObject, PetscInt d, OdEsObjective obj)
{
  const PetscReal mu0[3] = {0, 0, 0}, fmin = 0;
  PetscFunctionBegin;
  (void)PetscOptionsObject;
  PetscCheck(d == 0 || d == 3, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "option -es_mu0 has %" PetscInt_FMT " components: the shifted sphere has d = 3", d);
  PetscCall(OdEsObjectiveSetDimension(obj, 3));
  PetscCall(OdEsObjectiveSetEval(obj, ShiftedSphereEval, NULL, NULL, NULL, NULL));
  PetscCall(OdEsObjectiveSetDefaults(obj, mu0, 0.5));
  PetscCall(OdEsObjectiveSetMinima(obj, 1, center, &fmin));
  PetscCall(OdEsObjectiveSetFormula(obj, "f(w) = sum_i (w_i - c_i)^2, c = (1.5, -0.5, 2)"));
  PetscFunctionReturn(0);
}

/* Natural-gradient VO settings that converge on a sphere; the command line may add more. */
static PetscErrorCode SetDefaultOptions(void)
{
  static const char *const kv[][2] = {{"-es_objective", "shifted_sphere"}, {"-es_algorithm", "vo"},
                                      {"-es_natural", "true"}, {"-es_shaping", "centered_rank"},
                                      {"-es_population", "20"}, {"-es_generations", "300"},
                                      {"-es_lr", "1"}, {"-es_lr_sigma", "0.5"}, {"-quiet", NULL}};
  PetscFunctionBegin;
  for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
    PetscBool set;
    PetscCall(PetscOptionsHasName(NULL, NULL, kv[i][0], &set));
    if (!set) PetscCall(PetscOptionsSetValue(NULL, kv[i][0], kv[i][1]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Minimize(PetscReal *err)
{
  OdEs es;
  PetscBool interrupted;
  PetscInt d;
  const PetscReal *mu;
  PetscReal f;
  PetscFunctionBegin;
  PetscCall(OdEsCreate(PETSC_COMM_WORLD, &es));
  PetscCall(OdEsRegisterObjective(es, "shifted_sphere", "sphere shifted to (1.5, -0.5, 2)", CreateShiftedSphere));
  PetscCall(OdEsSetFromOptions(es));
  PetscCall(OdEsSetUp(es));
  PetscCall(OdEsRun(es, &interrupted));
  PetscCall(OdEsGetMean(es, &d, &mu, &f));
  PetscCheck(d == 3, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "mean has %" PetscInt_FMT " components, expected 3", d);
  *err = 0;
  for (PetscInt i = 0; i < d; i++) *err = PetscMax(*err, PetscAbsReal(mu[i] - center[i]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "optdyn %s: mean %a %a %a  f %.3g  max|mu - c| %.3g\n", OPTDYN_VERSION,
                        (double)mu[0], (double)mu[1], (double)mu[2], (double)f, (double)*err));
  PetscCall(OdEsDestroy(&es));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscReal err = INFINITY;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(SetDefaultOptions());
  PetscCall(Minimize(&err));
  PetscCall(PetscFinalize());
  return err < 1e-6 ? 0 : 1;
}
