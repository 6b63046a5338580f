/* Least-squares fits, Student-t p-values and quantiles, means with 95 % intervals. */
#include <math.h>
#include "optdyn/knowledge.h"

void OdLinearFit(PetscInt n, const double x[], const double y[], OdFit *fit)
{
  double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
  PetscInt m = 0;
  for (PetscInt i = 0; i < n; i++)
    if (isfinite(x[i]) && isfinite(y[i])) mx += x[i], my += y[i], m++;
  fit->n = m;
  fit->slope = fit->intercept = fit->r2 = fit->corr = fit->p = NAN;
  if (m < 3) return;
  mx /= m, my /= m;
  for (PetscInt i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i])) continue;
    const double dx = x[i] - mx, dy = y[i] - my;
    sxx += dx * dx, syy += dy * dy, sxy += dx * dy;
  }
  if (sxx <= 0 || syy <= 0) return;
  fit->slope = sxy / sxx;
  fit->intercept = my - fit->slope * mx;
  fit->corr = sxy / sqrt(sxx * syy);
  fit->r2 = fit->corr * fit->corr;
  const double df = (double)(m - 2);
  fit->p = fit->r2 >= 1 ? 0.0 : OdStudentTwoSidedP(fit->corr * sqrt(df / (1 - fit->r2)), df);
}

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double BetaContinuedFraction(double a, double b, double x)
{
  const double tiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  d = 1 / (fabs(d) < tiny ? tiny : d);
  double h = d;
  for (int m = 1; m <= 500; m++) {
    for (int half = 0; half < 2; half++) {
      const double num = half == 0 ? m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)) : -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
      d = 1 + num * d;
      d = 1 / (fabs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (fabs(c) < tiny) c = tiny;
      h *= d * c;
      if (half == 1 && fabs(d * c - 1) < 1e-15) return h;
    }
  }
  return h;
}

/* Regularized incomplete beta I_x(a, b). */
static double RegularizedBeta(double x, double a, double b)
{
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double lnfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return exp(lnfront) * BetaContinuedFraction(a, b, x) / a;
  return 1 - exp(lnfront) * BetaContinuedFraction(b, a, 1 - x) / b;
}

double OdStudentTwoSidedP(double t, double df)
{
  if (!isfinite(t)) return isnan(t) ? NAN : 0.0;
  return RegularizedBeta(df / (df + t * t), 0.5 * df, 0.5);
}

double OdStudentQuantile(double q, double df)
{
  /* bisection on the CDF F(t) = 1 - p(t)/2 for t > 0 */
  const double tail = q > 0.5 ? 1 - q : q;
  double lo = 0, hi = 1;
  while (OdStudentTwoSidedP(hi, df) / 2 > tail && hi < 1e12) hi *= 2;
  for (int it = 0; it < 200; it++) {
    const double mid = 0.5 * (lo + hi);
    if (OdStudentTwoSidedP(mid, df) / 2 > tail) lo = mid;
    else hi = mid;
  }
  const double t = 0.5 * (lo + hi);
  return q > 0.5 ? t : -t;
}

void OdMeanInterval(PetscInt n, const double x[], PetscInt stride, double *mean, double *lo, double *hi, PetscInt *used)
{
  double s = 0, ss = 0;
  PetscInt m = 0;
  for (PetscInt i = 0; i < n; i++)
    if (isfinite(x[i * stride])) s += x[i * stride], m++;
  *used = m;
  *mean = m ? s / m : NAN;
  *lo = *hi = NAN;
  if (m < 2) return;
  for (PetscInt i = 0; i < n; i++)
    if (isfinite(x[i * stride])) ss += (x[i * stride] - *mean) * (x[i * stride] - *mean);
  const double half = OdStudentQuantile(0.975, m - 1) * sqrt(ss / (m - 1) / m);
  *lo = *mean - half;
  *hi = *mean + half;
}
