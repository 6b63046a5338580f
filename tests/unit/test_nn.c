/* IDX files (round trips, rejected files named in the error), the MLP's gradients against
   finite differences for every activation and loss, He initialization, SGD step and hooks,
   and the OpenBLAS batch path against the per-example path. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "od_check.h"
#include "optdyn/nn.h"

static char captured[4096];

/* Error handler that keeps the first message, so tests can check what it names. */
static PetscErrorCode Capture(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm, (void)line, (void)func, (void)file, (void)ctx;
  if (p == PETSC_ERROR_INITIAL) snprintf(captured, sizeof captured, "%s", mess ? mess : "");
  return n;
}

static void TempPath(char *buf, size_t len, const char *name)
{
  const char *dir = getenv("TMPDIR");
  snprintf(buf, len, "%s/od_nn_%d_%s", dir ? dir : "/tmp", (int)getpid(), name);
}

static void WriteBytes(const char *path, const unsigned char *b, size_t n)
{
  FILE *f = fopen(path, "wb");
  ck_assert(f && fwrite(b, 1, n, f) == n);
  fclose(f);
}

/* Reading path must fail with PETSC_ERR_USER_INPUT, a message naming the file and containing what. */
static void ExpectRejected(const char *path, const char *what)
{
  OdIdx idx;
  captured[0] = 0;
  PetscPushErrorHandler(Capture, NULL);
  PetscErrorCode ierr = OdIdxRead(PETSC_COMM_SELF, path, &idx);
  PetscPopErrorHandler();
  ck_assert_msg(ierr == PETSC_ERR_USER_INPUT, "%s accepted (%d)", path, (int)ierr);
  ck_assert_msg(strstr(captured, path), "message does not name the file: %s", captured);
  ck_assert_msg(strstr(captured, what), "message lacks '%s': %s", what, captured);
  unlink(path);
}

START_TEST(test_idx_round_trip)
{
  unsigned char data[3 * 5 * 7];
  OdIdx a = {3, {3, 5, 7}, sizeof data, data}, b;
  char path[512];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 37 + 11);
  for (int gz = 0; gz < 2; gz++) {
    TempPath(path, sizeof path, gz ? "rt.gz" : "rt");
    ck_assert(!OdIdxWrite(PETSC_COMM_SELF, path, &a, (PetscBool)gz));
    FILE *f = fopen(path, "rb");
    unsigned char head[2];
    ck_assert(fread(head, 1, 2, f) == 2);
    fclose(f);
    ck_assert(gz ? (head[0] == 0x1f && head[1] == 0x8b) : (head[0] == 0 && head[1] == 0)); /* gzip magic vs raw IDX */
    ck_assert(!OdIdxRead(PETSC_COMM_SELF, path, &b));
    ck_assert(b.ndim == 3 && b.dims[0] == 3 && b.dims[1] == 5 && b.dims[2] == 7 && b.count == sizeof data);
    ck_assert(!memcmp(b.data, data, sizeof data));
    ck_assert(!OdIdxFree(&b));
    unlink(path);
  }
}
END_TEST

START_TEST(test_idx_rejects_bad_files)
{
  char path[512];
  const unsigned char good[] = {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6};
  unsigned char bad[sizeof good];
  TempPath(path, sizeof path, "trunc");
  WriteBytes(path, good, sizeof good - 2); /* two data bytes missing */
  ExpectRejected(path, "truncated");
  TempPath(path, sizeof path, "trunc_head");
  WriteBytes(path, good, 6); /* ends inside the dimensions */
  ExpectRejected(path, "truncated");
  memcpy(bad, good, sizeof good), bad[0] = 0x50; /* e.g. a PNG or text file */
  TempPath(path, sizeof path, "magic");
  WriteBytes(path, bad, sizeof bad);
  ExpectRejected(path, "magic");
  memcpy(bad, good, sizeof good), bad[2] = 0x0D; /* float elements */
  TempPath(path, sizeof path, "type");
  WriteBytes(path, bad, sizeof bad);
  ExpectRejected(path, "type");
  memcpy(bad, good, sizeof good), bad[11] = 2; /* 2x2 announced, 6 bytes present */
  TempPath(path, sizeof path, "dims");
  WriteBytes(path, bad, sizeof bad);
  ExpectRejected(path, "more data");
  memcpy(bad, good, sizeof good), bad[11] = 0;
  TempPath(path, sizeof path, "zero");
  WriteBytes(path, bad, sizeof bad);
  ExpectRejected(path, "is 0");
  /* gzip that stops early */
  {
    unsigned char big[4000];
    OdIdx a = {1, {4000}, sizeof big, big};
    for (size_t i = 0; i < sizeof big; i++) big[i] = (unsigned char)(i * 7919 >> 3);
    TempPath(path, sizeof path, "gz_trunc.gz");
    ck_assert(!OdIdxWrite(PETSC_COMM_SELF, path, &a, PETSC_TRUE));
    ck_assert(!truncate(path, 300));
    OdIdx b;
    captured[0] = 0;
    PetscPushErrorHandler(Capture, NULL);
    PetscErrorCode ierr = OdIdxRead(PETSC_COMM_SELF, path, &b);
    PetscPopErrorHandler();
    ck_assert(ierr == PETSC_ERR_USER_INPUT && strstr(captured, path));
    unlink(path);
  }
  TempPath(path, sizeof path, "missing");
  ExpectRejected(path, "cannot open");
}
END_TEST

START_TEST(test_dataset_counts_must_agree)
{
  char im[512], lb[512];
  unsigned char pix[4 * 2 * 2] = {0, 255, 10, 20}, lab[3] = {1, 2, 3};
  OdIdx Im = {3, {4, 2, 2}, sizeof pix, pix}, Lab = {1, {3}, sizeof lab, lab};
  OdDataset ds;
  TempPath(im, sizeof im, "im");
  TempPath(lb, sizeof lb, "lb");
  ck_assert(!OdIdxWrite(PETSC_COMM_SELF, im, &Im, PETSC_FALSE));
  ck_assert(!OdIdxWrite(PETSC_COMM_SELF, lb, &Lab, PETSC_TRUE));
  PetscPushErrorHandler(Capture, NULL);
  PetscErrorCode ierr = OdDatasetLoad(PETSC_COMM_SELF, im, lb, &ds);
  PetscPopErrorHandler();
  ck_assert(ierr == PETSC_ERR_USER_INPUT && strstr(captured, lb) && strstr(captured, im));
  /* consistent: 3 images; scaling to [1/256, 1] */
  Im.dims[0] = 3, Im.count = 12;
  ck_assert(!OdIdxWrite(PETSC_COMM_SELF, im, &Im, PETSC_FALSE));
  ck_assert(!OdDatasetLoad(PETSC_COMM_SELF, im, lb, &ds));
  double x[4];
  OdDatasetInput(&ds, 0, x);
  ck_assert(x[0] == 1.0 / 256 && x[1] == 1.0 && x[2] == 11.0 / 256);
  PetscInt n, *idx, cls[1] = {2};
  ck_assert(!OdDatasetSelect(&ds, 0, 3, 1, cls, &n, &idx));
  ck_assert(n == 1 && idx[0] == 1);
  PetscFree(idx);
  OdDatasetFree(&ds);
  unlink(im), unlink(lb);
}
END_TEST

/* A small MLP with parameters and input from the test stream. */
static void MakeNet(OdActivation act, OdLoss loss, OdMLP *m, double **theta, double x[5])
{
  const PetscInt sizes[4] = {5, 4, 3, 3};
  const OdActivation out = loss == OD_LOSS_NLL ? OD_ACT_IDENTITY : act;
  const OdRng rng = OdRngCreate(7, OD_STREAM_TEST);
  ck_assert(!OdMLPCreate(3, sizes, act, out, loss, m));
  ck_assert(OdMLPNumParams(*m) == 5 * 4 + 4 + 4 * 3 + 3 + 3 * 3 + 3);
  PetscMalloc1(OdMLPNumParams(*m), theta);
  OdMLPInitHe(*m, &rng, 3, *theta);
  for (int i = 0; i < 5; i++) x[i] = 0.2 * i - 0.3;
}

START_TEST(test_gradient_finite_differences)
{
  for (int loss = 0; loss < 2; loss++)
    for (int act = 0; act < OD_ACT_COUNT; act++) {
      OdMLP m;
      OdMLPWork w;
      double *theta, *g, x[5];
      MakeNet((OdActivation)act, (OdLoss)loss, &m, &theta, x);
      const PetscInt P = OdMLPNumParams(m);
      ck_assert(!OdMLPWorkCreate(m, 1, &w));
      PetscMalloc1(P, &g);
      OdMLPGradient(m, theta, x, 1, w, g);
      for (PetscInt k = 0; k < P; k++) {
        const double h = 1e-6, t0 = theta[k];
        theta[k] = t0 + h;
        const double lp = OdMLPForward(m, theta, x, 1, w);
        theta[k] = t0 - h;
        const double lm = OdMLPForward(m, theta, x, 1, w);
        theta[k] = t0;
        /* central difference: error O(h^2) ~ 1e-12 plus rounding ~ 1e-10; ReLU kinks are
           farther than h from every pre-activation at this fixed seed */
        ck_assert_msg(fabs((lp - lm) / (2 * h) - g[k]) <= 1e-7 * fmax(1, fabs(g[k])), "%s/%s parameter %d: fd %.10g vs backprop %.10g", OdActivationNames[act], OdLossNames[loss], (int)k, (lp - lm) / (2 * h), g[k]);
      }
      PetscFree(g), PetscFree(theta);
      OdMLPWorkDestroy(&w), OdMLPDestroy(&m);
    }
}
END_TEST

START_TEST(test_he_variance)
{
  const PetscInt sizes[3] = {784, 100, 2};
  OdMLP m;
  double *theta;
  const OdRng rng = OdRngCreate(11, OD_STREAM_TEST);
  ck_assert(!OdMLPCreate(2, sizes, OD_ACT_SOFTPLUS, OD_ACT_SOFTPLUS, OD_LOSS_SQUARED, &m));
  ck_assert(OdMLPNumParams(m) == 78702);
  PetscMalloc1(OdMLPNumParams(m), &theta);
  OdMLPInitHe(m, &rng, 0, theta);
  /* layer 1 (weights and biases): N(0, 2/784); n = 78500 draws: the sample mean is within
     4 sd/sqrt(n) of 0 and the sample variance within 4 sqrt(2/n) (relative) of 2/784 */
  const PetscInt n = 784 * 100 + 100;
  double s = 0, ss = 0;
  for (PetscInt k = 0; k < n; k++) s += theta[k], ss += theta[k] * theta[k];
  const double var = 2.0 / 784, mean = s / n, v = ss / n - mean * mean;
  ck_assert_msg(fabs(mean) < 4 * sqrt(var / n), "mean %g", mean);
  ck_assert_msg(fabs(v / var - 1) < 4 * sqrt(2.0 / n), "variance %g vs %g", v, var);
  /* layer 2: N(0, 2/100), 202 draws (loose bound) */
  s = ss = 0;
  for (PetscInt k = n; k < 78702; k++) s += theta[k], ss += theta[k] * theta[k];
  ck_assert(fabs(ss / 202 / 0.02 - 1) < 4 * sqrt(2.0 / 202));
  /* pure function of (seed, unit, layer, index): same unit same values, other unit other values */
  double *again;
  PetscMalloc1(78702, &again);
  OdMLPInitHe(m, &rng, 0, again);
  ck_assert(!memcmp(theta, again, 78702 * sizeof(double)));
  OdMLPInitHe(m, &rng, 1, again);
  ck_assert(theta[0] != again[0] && theta[78701] != again[78701]);
  PetscFree(again), PetscFree(theta);
  OdMLPDestroy(&m);
}
END_TEST

START_TEST(test_sgd_step_and_hook)
{
  for (int loss = 0; loss < 2; loss++) {
    OdMLP m;
    OdMLPWork w;
    double *theta, *before, *g, *tally, x[5];
    MakeNet(OD_ACT_TANH, (OdLoss)loss, &m, &theta, x);
    const PetscInt P = OdMLPNumParams(m);
    ck_assert(!OdMLPWorkCreate(m, 1, &w));
    PetscMalloc1(P, &before), PetscMalloc1(P, &g), PetscCalloc1(P, &tally);
    memcpy(before, theta, P * sizeof(double));
    const double L0 = OdMLPGradient(m, theta, x, 2, w, g);
    const double L1 = OdMLPStepSGD(m, theta, x, 2, 0.1, w, OdMLPTallyAbsHook, tally);
    ck_assert(L0 == L1);
    for (PetscInt k = 0; k < P; k++) {
      od_assert_close(theta[k], before[k] - 0.1 * g[k], 1e-15);
      od_assert_close(tally[k], fabs(0.1 * g[k]), 1e-15); /* the hook saw every change */
    }
    /* the step without a hook gives the same bits */
    memcpy(g, before, P * sizeof(double));
    OdMLPStepSGD(m, g, x, 2, 0.1, w, NULL, NULL);
    ck_assert(!memcmp(g, theta, P * sizeof(double)));
    ck_assert(OdMLPForward(m, theta, x, 2, w) < L0); /* a small step lowers the loss */
    PetscFree(before), PetscFree(g), PetscFree(tally), PetscFree(theta);
    OdMLPWorkDestroy(&w), OdMLPDestroy(&m);
  }
}
END_TEST

static int preact_calls;
static void CountPreact(void *ctx, PetscInt layer, PetscInt B, PetscInt n, double Z[])
{
  (void)ctx, (void)layer, (void)B, (void)n, (void)Z;
  preact_calls++;
}

START_TEST(test_batch_matches_single)
{
  OdMLPSetUpBLAS();
  for (int loss = 0; loss < 2; loss++) {
    OdMLP m;
    OdMLPWork w1, wb;
    double *theta, *g1, *gsum, *gb, x[5], X[4 * 5], Lb[4];
    const PetscInt labels[4] = {0, 2, 1, 2};
    MakeNet(OD_ACT_SOFTPLUS, (OdLoss)loss, &m, &theta, x);
    const PetscInt P = OdMLPNumParams(m);
    ck_assert(!OdMLPWorkCreate(m, 1, &w1) && !OdMLPWorkCreate(m, 4, &wb));
    PetscMalloc1(P, &g1), PetscCalloc1(P, &gsum), PetscMalloc1(P, &gb);
    for (int b = 0; b < 4; b++)
      for (int i = 0; i < 5; i++) X[b * 5 + i] = sin(1.0 + b * 5 + i);
    preact_calls = 0;
    ck_assert(!OdMLPForwardBatch(m, theta, 4, X, labels, wb, CountPreact, NULL, Lb));
    ck_assert(preact_calls == 3);
    ck_assert(!OdMLPBackwardBatch(m, theta, 4, X, labels, wb, gb));
    for (int b = 0; b < 4; b++) {
      const double L = OdMLPGradient(m, theta, X + b * 5, labels[b], w1, g1);
      od_assert_close(Lb[b], L, 1e-13);
      for (PetscInt k = 0; k < 3; k++) od_assert_close(OdMLPOutput(wb, b)[k], OdMLPOutput(w1, 0)[k], 1e-13);
      for (PetscInt k = 0; k < P; k++) gsum[k] += g1[k] / 4;
    }
    for (PetscInt k = 0; k < P; k++) od_assert_close(gb[k], gsum[k], 1e-13);
    PetscFree(g1), PetscFree(gsum), PetscFree(gb), PetscFree(theta);
    OdMLPWorkDestroy(&w1), OdMLPWorkDestroy(&wb), OdMLPDestroy(&m);
  }
}
END_TEST

static Suite *make_suite(void)
{
  Suite *s = suite_create("nn");
  TCase *tc = tcase_create("nn");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_idx_round_trip);
  tcase_add_test(tc, test_idx_rejects_bad_files);
  tcase_add_test(tc, test_dataset_counts_must_agree);
  tcase_add_test(tc, test_gradient_finite_differences);
  tcase_add_test(tc, test_he_variance);
  tcase_add_test(tc, test_sgd_step_and_hook);
  tcase_add_test(tc, test_batch_matches_single);
  suite_add_tcase(s, tc);
  return s;
}

int main(int argc, char **argv) { return OdCheckMain(argc, argv, make_suite); }
