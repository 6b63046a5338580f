/* A dense MLP on a caller-owned flat parameter vector: per-example kernels in a fixed
   summation order (built with -ffp-contract=off, see CMakeLists.txt) and batch products
   through OpenBLAS. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include "optdyn/nn.h"

const char *const OdActivationNames[] = {"softplus", "sigmoid", "relu", "tanh", "identity"};
const char *const OdLossNames[] = {"squared", "nll"};

struct _n_OdMLP {
  PetscInt L;                /* weight layers */
  PetscInt *n;               /* widths n[0..L] */
  PetscInt *woff, *boff;     /* offsets of W_l and b_l, l = 1..L */
  PetscInt nparams, maxwidth;
  OdActivation hidden, output;
  OdLoss loss;
};

struct _n_OdMLPWork {
  OdMLP mlp;
  PetscInt bmax;
  double **a, **z, **d; /* activations (l = 0..L), pre-activations and deltas (l = 1..L) */
  double *row;          /* one row of parameter changes */
};

PetscErrorCode OdMLPCreate(PetscInt nlayers, const PetscInt sizes[], OdActivation hidden, OdActivation output, OdLoss loss, OdMLP *mlp)
{
  OdMLP m;
  PetscFunctionBegin;
  PetscCheck(nlayers >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "an MLP needs at least one weight layer, got %" PetscInt_FMT, nlayers);
  PetscCall(PetscNew(&m));
  m->L = nlayers;
  m->hidden = hidden, m->output = output, m->loss = loss;
  PetscCall(PetscMalloc3(nlayers + 1, &m->n, nlayers + 1, &m->woff, nlayers + 1, &m->boff));
  for (PetscInt l = 0; l <= nlayers; l++) {
    PetscCheck(sizes[l] >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "layer %" PetscInt_FMT " of the MLP has width %" PetscInt_FMT " (must be >= 1)", l, sizes[l]);
    m->n[l] = sizes[l];
    m->maxwidth = PetscMax(m->maxwidth, sizes[l]);
  }
  m->woff[0] = m->boff[0] = 0;
  for (PetscInt l = 1; l <= nlayers; l++) {
    m->woff[l] = m->nparams;
    m->boff[l] = m->woff[l] + m->n[l - 1] * m->n[l];
    m->nparams = m->boff[l] + m->n[l];
  }
  *mlp = m;
  PetscFunctionReturn(0);
}

PetscErrorCode OdMLPDestroy(OdMLP *mlp)
{
  PetscFunctionBegin;
  if (!*mlp) PetscFunctionReturn(0);
  PetscCall(PetscFree3((*mlp)->n, (*mlp)->woff, (*mlp)->boff));
  PetscCall(PetscFree(*mlp));
  PetscFunctionReturn(0);
}

PetscInt OdMLPNumLayers(OdMLP m) { return m->L; }
PetscInt OdMLPLayerSize(OdMLP m, PetscInt l) { return m->n[l]; }
PetscInt OdMLPNumParams(OdMLP m) { return m->nparams; }
PetscInt OdMLPWeightOffset(OdMLP m, PetscInt l) { return m->woff[l]; }
PetscInt OdMLPBiasOffset(OdMLP m, PetscInt l) { return m->boff[l]; }
OdActivation OdMLPActivation(OdMLP m, PetscInt l) { return l == m->L ? m->output : m->hidden; }
OdLoss OdMLPGetLoss(OdMLP m) { return m->loss; }

void OdMLPInitHe(OdMLP m, const OdRng *rng, uint32_t unit, double theta[])
{
  for (PetscInt l = 1; l <= m->L; l++) {
    const double scale = sqrt(2.0 / (double)m->n[l - 1]);
    const PetscInt count = m->n[l - 1] * m->n[l] + m->n[l];
    double *t = theta + m->woff[l];
    for (PetscInt k = 0; k < count; k += 2) {
      double z[2];
      OdRngNormal2(rng, OdCounterMake(unit, (uint32_t)l, (uint32_t)(k / 2), 0), z);
      t[k] = scale * z[0];
      if (k + 1 < count) t[k + 1] = scale * z[1];
    }
  }
}

PetscErrorCode OdMLPWorkCreate(OdMLP m, PetscInt batch_max, OdMLPWork *work)
{
  OdMLPWork w;
  PetscFunctionBegin;
  PetscCall(PetscNew(&w));
  w->mlp = m;
  w->bmax = PetscMax(batch_max, 1);
  PetscCall(PetscCalloc3(m->L + 1, &w->a, m->L + 1, &w->z, m->L + 1, &w->d));
  for (PetscInt l = 0; l <= m->L; l++) {
    PetscCall(PetscCalloc1(w->bmax * m->n[l], &w->a[l]));
    if (!l) continue;
    PetscCall(PetscCalloc1(w->bmax * m->n[l], &w->z[l]));
    PetscCall(PetscCalloc1(w->bmax * m->n[l], &w->d[l]));
  }
  PetscCall(PetscMalloc1(m->maxwidth, &w->row));
  *work = w;
  PetscFunctionReturn(0);
}

PetscErrorCode OdMLPWorkDestroy(OdMLPWork *work)
{
  PetscFunctionBegin;
  if (!*work) PetscFunctionReturn(0);
  for (PetscInt l = 0; l <= (*work)->mlp->L; l++) {
    PetscCall(PetscFree((*work)->a[l]));
    PetscCall(PetscFree((*work)->z[l]));
    PetscCall(PetscFree((*work)->d[l]));
  }
  PetscCall(PetscFree3((*work)->a, (*work)->z, (*work)->d));
  PetscCall(PetscFree((*work)->row));
  PetscCall(PetscFree(*work));
  PetscFunctionReturn(0);
}

const double *OdMLPOutput(OdMLPWork w, PetscInt b) { return w->a[w->mlp->L] + b * w->mlp->n[w->mlp->L]; }
const double *OdMLPLayerActivations(OdMLPWork w, PetscInt l) { return w->a[l]; }

PetscInt OdMLPPredict(OdMLP m, OdMLPWork w, PetscInt b)
{
  const double *y = OdMLPOutput(w, b);
  PetscInt best = 0;
  for (PetscInt k = 1; k < m->n[m->L]; k++)
    if (y[k] > y[best]) best = k;
  return best;
}

/* ------------------------------------------------------------------ activations */

static inline double Sigmoid(double z)
{
  if (z >= 0) return 1.0 / (1.0 + exp(-z));
  const double e = exp(z);
  return e / (1.0 + e);
}

/* a = f(z) for n values */
static void Activate(OdActivation f, PetscInt n, const double *restrict z, double *restrict a)
{
  switch (f) {
  case OD_ACT_SOFTPLUS:
    for (PetscInt i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] + log1p(exp(-z[i])) : log1p(exp(z[i]));
    break;
  case OD_ACT_SIGMOID:
    for (PetscInt i = 0; i < n; i++) a[i] = Sigmoid(z[i]);
    break;
  case OD_ACT_RELU:
    for (PetscInt i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : 0.0;
    break;
  case OD_ACT_TANH:
    for (PetscInt i = 0; i < n; i++) a[i] = tanh(z[i]);
    break;
  default:
    for (PetscInt i = 0; i < n; i++) a[i] = z[i];
  }
}

/* d[i] *= f'(z[i]), with a = f(z) available */
static void MultiplyDerivative(OdActivation f, PetscInt n, const double *restrict z, const double *restrict a, double *restrict d)
{
  switch (f) {
  case OD_ACT_SOFTPLUS:
    for (PetscInt i = 0; i < n; i++) d[i] *= Sigmoid(z[i]);
    break;
  case OD_ACT_SIGMOID:
    for (PetscInt i = 0; i < n; i++) d[i] *= a[i] * (1.0 - a[i]);
    break;
  case OD_ACT_RELU:
    for (PetscInt i = 0; i < n; i++) d[i] = z[i] > 0 ? d[i] : 0.0;
    break;
  case OD_ACT_TANH:
    for (PetscInt i = 0; i < n; i++) d[i] *= 1.0 - a[i] * a[i];
    break;
  default:
    break;
  }
}

/* Loss of output y (n values) for label, and dL/dy into g (g may be NULL). */
static double LossAndGradient(OdLoss loss, PetscInt n, const double *y, PetscInt label, double *g)
{
  if (loss == OD_LOSS_SQUARED) {
    double L = 0;
    for (PetscInt k = 0; k < n; k++) {
      const double e = y[k] - (k == label ? 1.0 : 0.0);
      L += 0.5 * e * e;
      if (g) g[k] = e;
    }
    return L;
  }
  double ymax = y[0], s = 0;
  for (PetscInt k = 1; k < n; k++) ymax = PetscMax(ymax, y[k]);
  for (PetscInt k = 0; k < n; k++) s += exp(y[k] - ymax);
  const double logs = log(s);
  if (g)
    for (PetscInt k = 0; k < n; k++) g[k] = exp(y[k] - ymax - logs) - (k == label ? 1.0 : 0.0);
  return -(y[label] - ymax - logs);
}

/* ------------------------------------------------------------------ one example */

/* z = b + sum_i a[i] W[i][:], accumulated in increasing i (vectorizes over outputs) */
static void LayerForward1(PetscInt nin, PetscInt nout, const double *restrict W, const double *restrict b, const double *restrict a, double *restrict z)
{
  for (PetscInt o = 0; o < nout; o++) z[o] = b[o];
  for (PetscInt i = 0; i < nin; i++) {
    const double ai = a[i];
    const double *restrict w = W + i * nout;
    for (PetscInt o = 0; o < nout; o++) z[o] += ai * w[o];
  }
}

double OdMLPForward(OdMLP m, const double theta[], const double x[], PetscInt label, OdMLPWork w)
{
  for (PetscInt i = 0; i < m->n[0]; i++) w->a[0][i] = x[i];
  for (PetscInt l = 1; l <= m->L; l++) {
    LayerForward1(m->n[l - 1], m->n[l], theta + m->woff[l], theta + m->boff[l], w->a[l - 1], w->z[l]);
    Activate(OdMLPActivation(m, l), m->n[l], w->z[l], w->a[l]);
  }
  return label < 0 ? 0.0 : LossAndGradient(m->loss, m->n[m->L], w->a[m->L], label, NULL);
}

/* delta of the output layer: dL/dy * f'(z_L) */
static double OutputDelta(OdMLP m, OdMLPWork w, PetscInt b, PetscInt label)
{
  const PetscInt n = m->n[m->L];
  const double L = LossAndGradient(m->loss, n, w->a[m->L] + b * n, label, w->d[m->L] + b * n);
  MultiplyDerivative(m->output, n, w->z[m->L] + b * n, w->a[m->L] + b * n, w->d[m->L] + b * n);
  return L;
}

/* d[l-1][i] = f'(z[l-1][i]) * sum_o W_l[i][o] d[l][o] (uses W_l before any update) */
static void BackpropDelta1(OdMLP m, const double theta[], OdMLPWork w, PetscInt l)
{
  const PetscInt nin = m->n[l - 1], nout = m->n[l];
  const double *W = theta + m->woff[l], *d = w->d[l];
  for (PetscInt i = 0; i < nin; i++) {
    double s = 0;
    for (PetscInt o = 0; o < nout; o++) s += W[i * nout + o] * d[o];
    w->d[l - 1][i] = s;
  }
  MultiplyDerivative(m->hidden, nin, w->z[l - 1], w->a[l - 1], w->d[l - 1]);
}

/* grad = dY/dtheta for the output delta in w->d[L] (example 0 of the last forward pass) */
static void BackwardInto(OdMLP m, const double theta[], OdMLPWork w, double grad[])
{
  for (PetscInt l = m->L; l >= 1; l--) {
    const PetscInt nin = m->n[l - 1], nout = m->n[l];
    const double *a = w->a[l - 1], *d = w->d[l];
    for (PetscInt i = 0; i < nin; i++)
      for (PetscInt o = 0; o < nout; o++) grad[m->woff[l] + i * nout + o] = a[i] * d[o];
    for (PetscInt o = 0; o < nout; o++) grad[m->boff[l] + o] = d[o];
    if (l > 1) BackpropDelta1(m, theta, w, l);
  }
}

void OdMLPOutputGradient(OdMLP m, const double theta[], PetscInt k, OdMLPWork w, double grad[])
{
  const PetscInt n = m->n[m->L];
  for (PetscInt o = 0; o < n; o++) w->d[m->L][o] = o == k ? 1.0 : 0.0;
  MultiplyDerivative(m->output, n, w->z[m->L], w->a[m->L], w->d[m->L]);
  BackwardInto(m, theta, w, grad);
}

double OdMLPGradient(OdMLP m, const double theta[], const double x[], PetscInt label, OdMLPWork w, double grad[])
{
  OdMLPForward(m, theta, x, label, w);
  const double L = OutputDelta(m, w, 0, label);
  for (PetscInt l = m->L; l >= 1; l--) {
    const PetscInt nin = m->n[l - 1], nout = m->n[l];
    const double *a = w->a[l - 1], *d = w->d[l];
    for (PetscInt i = 0; i < nin; i++)
      for (PetscInt o = 0; o < nout; o++) grad[m->woff[l] + i * nout + o] = a[i] * d[o];
    for (PetscInt o = 0; o < nout; o++) grad[m->boff[l] + o] = d[o];
    if (l > 1) BackpropDelta1(m, theta, w, l);
  }
  return L;
}

void OdMLPTallyAbsHook(void *ctx, PetscInt offset, PetscInt n, const double delta[])
{
  double *restrict acc = (double *)ctx + offset;
  for (PetscInt k = 0; k < n; k++) acc[k] += fabs(delta[k]);
}

/* theta[W_l] and theta[b_l] += -(a_i * lr d_o); the same arithmetic with or without a hook */
static void UpdateLayer1(OdMLP m, double theta[], OdMLPWork w, PetscInt l, double lr, OdMLPUpdateHook hook, void *ctx)
{
  const PetscInt nin = m->n[l - 1], nout = m->n[l];
  double *restrict step = w->d[l], *restrict row = w->row;
  for (PetscInt o = 0; o < nout; o++) step[o] *= lr;
  for (PetscInt i = 0; i < nin; i++) {
    const double ai = w->a[l - 1][i];
    double *restrict W = theta + m->woff[l] + i * nout;
    if (!hook) {
      for (PetscInt o = 0; o < nout; o++) W[o] += -(ai * step[o]);
      continue;
    }
    for (PetscInt o = 0; o < nout; o++) {
      row[o] = -(ai * step[o]);
      W[o] += row[o];
    }
    hook(ctx, m->woff[l] + i * nout, nout, row);
  }
  double *restrict b = theta + m->boff[l];
  for (PetscInt o = 0; o < nout; o++) {
    row[o] = -step[o];
    b[o] += row[o];
  }
  if (hook) hook(ctx, m->boff[l], nout, row);
}

double OdMLPStepSGD(OdMLP m, double theta[], const double x[], PetscInt label, double lr, OdMLPWork w, OdMLPUpdateHook hook, void *ctx)
{
  OdMLPForward(m, theta, x, label, w);
  const double L = OutputDelta(m, w, 0, label);
  for (PetscInt l = m->L; l >= 1; l--) {
    if (l > 1) BackpropDelta1(m, theta, w, l); /* before W_l changes */
    UpdateLayer1(m, theta, w, l, lr, hook, ctx);
  }
  return L;
}

/* ------------------------------------------------------------------ batches (OpenBLAS) */

void OdMLPSetUpBLAS(void) { openblas_set_num_threads(1); }

/* Layers first..L from the activations a[first-1] already in w; the hook sees each Z. */
static void ForwardLayersBatch(OdMLP m, const double theta[], PetscInt B, PetscInt first, OdMLPWork w, OdMLPPreactHook hook, void *ctx)
{
  for (PetscInt l = first; l <= m->L; l++) {
    const PetscInt nin = m->n[l - 1], nout = m->n[l];
    double *Z = w->z[l];
    for (PetscInt b = 0; b < B; b++) memcpy(Z + b * nout, theta + m->boff[l], (size_t)nout * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)nout, (int)nin, 1.0, w->a[l - 1], (int)nin, theta + m->woff[l], (int)nout, 1.0, Z, (int)nout);
    if (hook) hook(ctx, l, B, nout, Z);
    Activate(OdMLPActivation(m, l), B * nout, Z, w->a[l]);
  }
}

static void BatchLosses(OdMLP m, PetscInt B, const PetscInt labels[], OdMLPWork w, double loss[])
{
  if (loss && labels)
    for (PetscInt b = 0; b < B; b++) loss[b] = LossAndGradient(m->loss, m->n[m->L], OdMLPOutput(w, b), labels[b], NULL);
}

PetscErrorCode OdMLPForwardBatch(OdMLP m, const double theta[], PetscInt B, const double X[], const PetscInt labels[], OdMLPWork w, OdMLPPreactHook hook, void *ctx, double loss[])
{
  PetscFunctionBegin;
  PetscCheck(B >= 1 && B <= w->bmax, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "batch of %" PetscInt_FMT " examples does not fit the workspace (at most %" PetscInt_FMT ")", B, w->bmax);
  PetscCall(PetscArraycpy(w->a[0], X, B * m->n[0]));
  ForwardLayersBatch(m, theta, B, 1, w, hook, ctx);
  BatchLosses(m, B, labels, w, loss);
  PetscFunctionReturn(0);
}

PetscErrorCode OdMLPForwardBatchFrom(OdMLP m, const double theta[], PetscInt B, PetscInt first, const double Z[], const PetscInt labels[], OdMLPWork w, OdMLPPreactHook hook, void *ctx, double loss[])
{
  PetscFunctionBegin;
  PetscCheck(B >= 1 && B <= w->bmax, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "batch of %" PetscInt_FMT " examples does not fit the workspace (at most %" PetscInt_FMT ")", B, w->bmax);
  PetscCheck(first >= 1 && first <= m->L, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "layer %" PetscInt_FMT " is not in 1..%" PetscInt_FMT, first, m->L);
  PetscCall(PetscArraycpy(w->z[first], Z, B * m->n[first]));
  Activate(OdMLPActivation(m, first), B * m->n[first], w->z[first], w->a[first]);
  ForwardLayersBatch(m, theta, B, first + 1, w, hook, ctx);
  BatchLosses(m, B, labels, w, loss);
  PetscFunctionReturn(0);
}

PetscErrorCode OdMLPBackwardBatch(OdMLP m, const double theta[], PetscInt B, const double X[], const PetscInt labels[], OdMLPWork w, double grad[])
{
  PetscFunctionBegin;
  (void)X; /* the activations of the last forward pass hold X */
  PetscCheck(B >= 1 && B <= w->bmax, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "batch of %" PetscInt_FMT " examples does not fit the workspace (at most %" PetscInt_FMT ")", B, w->bmax);
  for (PetscInt b = 0; b < B; b++) OutputDelta(m, w, b, labels[b]);
  for (PetscInt l = m->L; l >= 1; l--) {
    const PetscInt nin = m->n[l - 1], nout = m->n[l];
    const double *D = w->d[l];
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nin, (int)nout, (int)B, 1.0 / (double)B, w->a[l - 1], (int)nin, D, (int)nout, 0.0, grad + m->woff[l], (int)nout);
    for (PetscInt o = 0; o < nout; o++) {
      double s = 0;
      for (PetscInt b = 0; b < B; b++) s += D[b * nout + o];
      grad[m->boff[l] + o] = s / (double)B;
    }
    if (l == 1) continue;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)nin, (int)nout, 1.0, D, (int)nout, theta + m->woff[l], (int)nout, 0.0, w->d[l - 1], (int)nin);
    MultiplyDerivative(m->hidden, B * nin, w->z[l - 1], w->a[l - 1], w->d[l - 1]);
  }
  PetscFunctionReturn(0);
}
