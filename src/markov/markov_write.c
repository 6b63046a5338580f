/* optdyn markov: the HDF5 file (through the output layer). */
#include <math.h>
#include "markov_impl.h"
#include "optdyn/stats.h"

#define INFO(u, d) ((OdDatasetInfo){(u), (d), PETSC_FALSE})

static PetscErrorCode W1(OdOutput o, const char *path, hsize_t n, const PetscReal *v, const char *units, const char *desc)
{
  const hsize_t d[1] = {n};
  return OdOutputWriteReal(o, path, 1, d, v, INFO(units, desc));
}

static PetscErrorCode WriteExact(OdMarkov mk, OdOutput o)
{
  const hsize_t d3[3] = {(hsize_t)mk->nT, (hsize_t)mk->nt, (hsize_t)mk->n}, d2[2] = {(hsize_t)mk->nT, (hsize_t)mk->nt}, de[2] = {(hsize_t)mk->nT, (hsize_t)mk->t_final + 1}, db[2] = {(hsize_t)mk->nT, 2};
  PetscReal *W, *m;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(mk->n, &W, mk->nT * mk->nt, &m));
  for (PetscInt i = 0; i < mk->n; i++) W[i] = i == mk->n - 1 ? mk->edge : mk->Wmin + i * (mk->edge - mk->Wmin) / (mk->n - 1);
  PetscCall(W1(o, "/markov/W", mk->n, W, "W", "grid nodes of the exact operator (the last one is the absorbing edge)"));
  PetscCall(OdOutputWriteReal(o, "/markov/exact/density", 3, d3, mk->ex_P, INFO("1/W", "exact density at the output times: node mass / h (T, time, node)")));
  const char *names[3] = {"/markov/exact/mass", "/markov/exact/mean", "/markov/exact/std"}, *desc[3] = {"surviving mass", "mean of W over the surviving mass", "standard deviation of W over the surviving mass"}, *units[3] = {"1", "W", "W"};
  for (int c = 0; c < 3; c++) {
    for (PetscInt k = 0; k < mk->nT * mk->nt; k++) m[k] = mk->ex_mom[3 * k + c];
    PetscCall(OdOutputWriteReal(o, names[c], 2, d2, m, INFO(units[c], desc[c])));
  }
  PetscCall(OdOutputWriteReal(o, "/markov/exact/escaped", 2, de, mk->ex_esc, INFO("1", "exact probability of having escaped within n steps, n = 0..t_final (forward: sum of e.p_k)")));
  PetscCall(OdOutputWriteReal(o, "/markov/exact/escaped_backward", 2, db, mk->ex_back, INFO("1", "the same at n = min(100, t_final), min(1000, t_final) through the transpose (backward recursion)")));
  PetscCall(PetscFree2(W, m));
  PetscFunctionReturn(0);
}

/* Monte Carlo: densities from the histograms, moments with errors, escape curve with its
   99.9 % Wilson band (z = 3.29). */
static PetscErrorCode WriteMC(OdMarkov mk, OdOutput o)
{
  const PetscInt nb = mk->nbins, ns = mk->t_final + 1, nT = mk->nT, nt = mk->nt;
  const hsize_t d3[3] = {(hsize_t)nT, (hsize_t)nt, (hsize_t)nb}, d2[2] = {(hsize_t)nT, (hsize_t)nt}, de[2] = {(hsize_t)nT, (hsize_t)ns};
  const PetscReal bw = (mk->edge - mk->Wmin) / nb;
  PetscReal *edges, *P, *mom, *esc;
  PetscFunctionBegin;
  PetscCall(PetscMalloc4(nb + 1, &edges, nT * nt * nb, &P, 4 * nT * nt, &mom, 3 * nT * ns, &esc));
  for (PetscInt b = 0; b <= nb; b++) edges[b] = mk->Wmin + b * bw;
  for (PetscInt i = 0; i < nT; i++) {
    const PetscReal *rec = mk->mc_rec + i * mk->mc_reclen, *fpass = rec + nt * (nb + 3);
    for (PetscInt k = 0; k < nt; k++) {
      const PetscReal *h = rec + k * (nb + 3), *st = h + nb, n = st[0];
      const PetscReal mean = n > 0 ? st[1] / n : 0, var = n > 1 ? PetscMax(st[2] / n - mean * mean, 0) * n / (n - 1) : 0;
      for (PetscInt b = 0; b < nb; b++) P[(i * nt + k) * nb + b] = h[b] / (mk->walkers * bw);
      mom[0 * nT * nt + i * nt + k] = n / mk->walkers, mom[1 * nT * nt + i * nt + k] = mean;
      mom[2 * nT * nt + i * nt + k] = n > 0 ? sqrt(var / n) : 0, mom[3 * nT * nt + i * nt + k] = sqrt(var);
    }
    PetscReal k = 0;
    for (PetscInt s = 0; s < ns; s++) {
      if (s > 0) k += fpass[s - 1];
      esc[i * ns + s] = k / mk->walkers;
      OdWilsonInterval(k, mk->walkers, 3.2905, &esc[nT * ns + i * ns + s], &esc[2 * nT * ns + i * ns + s]);
    }
  }
  PetscCall(W1(o, "/markov/mc/bin_edges", nb + 1, edges, "W", "edges of the Monte Carlo histogram bins"));
  PetscCall(OdOutputWriteReal(o, "/markov/mc/density", 3, d3, P, INFO("1/W", "Monte Carlo density of surviving walkers (fraction of all walkers per unit W)")));
  const char *names[4] = {"/markov/mc/mass", "/markov/mc/mean", "/markov/mc/mean_err", "/markov/mc/std"};
  const char *desc[4] = {"fraction of walkers not escaped", "mean W of surviving walkers", "standard error of that mean", "standard deviation of W of surviving walkers"};
  for (int c = 0; c < 4; c++) PetscCall(OdOutputWriteReal(o, names[c], 2, d2, mom + c * nT * nt, INFO(c ? "W" : "1", desc[c])));
  PetscCall(OdOutputWriteReal(o, "/markov/mc/escaped", 2, de, esc, INFO("1", "fraction of walkers escaped within n steps, n = 0..t_final")));
  PetscCall(OdOutputWriteReal(o, "/markov/mc/escaped_lo", 2, de, esc + nT * ns, INFO("1", "lower end of the 99.9 % Wilson interval of escaped")));
  PetscCall(OdOutputWriteReal(o, "/markov/mc/escaped_hi", 2, de, esc + 2 * nT * ns, INFO("1", "upper end of the 99.9 % Wilson interval of escaped")));
  PetscCall(OdOutputAttrInt(o, "/markov/mc", "walkers", mk->walkers));
  PetscCall(PetscFree4(edges, P, mom, esc));
  PetscFunctionReturn(0);
}

static PetscErrorCode WritePDE(OdMarkov mk, OdOutput o)
{
  const PetscInt na = mk->nalpha, nT = mk->nT, nt = mk->nt;
  const hsize_t d3[3] = {(hsize_t)nT, (hsize_t)na, (hsize_t)mk->pde_n}, dm[3] = {(hsize_t)nT, (hsize_t)na, (hsize_t)nt}, de[3] = {(hsize_t)nT, (hsize_t)na, (hsize_t)mk->t_final + 1};
  PetscReal *W, *m;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(mk->pde_n, &W, nT * na * nt, &m));
  for (PetscInt c = 0; c < mk->pde_n; c++) W[c] = mk->pde_Wmin + (c + 0.5) * mk->pde_h;
  PetscCall(W1(o, "/markov/pde/alpha", na, mk->alpha, "1", "noise conventions (1 Ito, 0.5 Stratonovich, 0 isothermal)"));
  PetscCall(W1(o, "/markov/pde/W", mk->pde_n, W, "W", "cell centres of the PDE grid"));
  PetscCall(OdOutputWriteReal(o, "/markov/pde/density_final", 3, d3, mk->pde_P, INFO("1/W", "PDE density at t_final (T, alpha, cell)")));
  for (int c = 0; c < 2; c++) {
    for (PetscInt k = 0; k < nT * na * nt; k++) m[k] = mk->pde_mom[2 * k + c];
    PetscCall(OdOutputWriteReal(o, c ? "/markov/pde/std" : "/markov/pde/mean", 3, dm, m, INFO("W", c ? "PDE standard deviation of W over the surviving mass" : "PDE mean of W over the surviving mass")));
  }
  PetscCall(OdOutputWriteReal(o, "/markov/pde/escaped", 3, de, mk->pde_esc, INFO("1", "PDE escaped mass at n = 0..t_final (solved at min(t_final, 200) + 1 even times, linearly interpolated)")));
  PetscCall(PetscFree2(W, m));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteStationary(OdMarkov mk, OdOutput o)
{
  const hsize_t d2[2] = {(hsize_t)mk->nT, (hsize_t)mk->stat_n};
  PetscReal *W, *a;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(mk->stat_n, &W, 4 * mk->nT, &a));
  for (PetscInt i = 0; i < mk->stat_n; i++) W[i] = i == mk->stat_n - 1 ? mk->stat_Wmax : mk->stat_Wmin + i * (mk->stat_Wmax - mk->stat_Wmin) / (mk->stat_n - 1);
  PetscCall(W1(o, "/markov/stationary/W", mk->stat_n, W, "W", "grid nodes of the reflecting operator"));
  PetscCall(OdOutputWriteReal(o, "/markov/stationary/density", 2, d2, mk->st_P, INFO("1/W", "stationary node mass / h of the reflecting operator (finite; an atom shows as a spike of width ~h)")));
  for (int c = 0; c < 4; c++)
    for (PetscInt i = 0; i < mk->nT; i++) a[c * mk->nT + i] = mk->st_atom[4 * i + c];
  PetscCall(W1(o, "/markov/stationary/natoms", mk->nT, a, "1", "number of point masses (stable GD fixed points where the continuum width is below h)"));
  PetscCall(W1(o, "/markov/stationary/atom_W", mk->nT, a + mk->nT, "W", "location of the (first) point mass; 0 if none"));
  PetscCall(W1(o, "/markov/stationary/atom_weight", mk->nT, a + 2 * mk->nT, "1", "stationary mass within 20 h of atom_W; 0 if none"));
  PetscCall(W1(o, "/markov/stationary/atom_width", mk->nT, a + 3 * mk->nT, "W", "continuum width sqrt(T S2 / (2 G')) at the atom; 0 if none"));
  PetscCall(PetscFree2(W, a));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteKramers(OdMarkov mk, OdOutput o)
{
  const PetscInt w = 4 + 2 * mk->nalpha, nk = mk->nkT, na = mk->nalpha;
  const hsize_t da[2] = {(hsize_t)nk, (hsize_t)na};
  PetscReal *c;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(nk * na, &c));
  PetscCall(W1(o, "/markov/kramers/T", nk, mk->kT, "1", "learning rates of the escape-time study"));
  const char *names[4] = {"/markov/kramers/tau_exact", "/markov/kramers/tau_mc", "/markov/kramers/tau_mc_err", "/markov/kramers/run_length"};
  const char *desc[4] = {"exact mean first-passage time from W0, (I - A^T) tau = 1", "Monte Carlo mean first-passage time (0: not run, too costly)", "its standard error (0: not run)", "fewest consecutive steps on one datapoint that leave the pit"};
  for (int k = 0; k < 4; k++) {
    for (PetscInt i = 0; i < nk; i++) c[i] = mk->k_tau[i * w + k];
    PetscCall(W1(o, names[k], nk, c, k == 3 ? "1" : "steps", desc[k]));
  }
  for (int k = 0; k < 2; k++) {
    for (PetscInt i = 0; i < nk; i++)
      for (PetscInt a = 0; a < na; a++) c[i * na + a] = mk->k_tau[i * w + 4 + k * na + a];
    PetscCall(OdOutputWriteReal(o, k ? "/markov/kramers/tau_kramers" : "/markov/kramers/tau_pde", 2, da, c, INFO("steps", k ? "small-T Kramers asymptote of the PDE model (T, alpha)" : "PDE model mean first-passage time, exact quadrature (T, alpha)")));
  }
  PetscCall(OdOutputAttrReal(o, "/markov/kramers", "slope_exact", mk->k_fit[0]));
  PetscCall(OdOutputAttrReal(o, "/markov/kramers", "slope_exact_err", mk->k_fit[1]));
  PetscCall(OdOutputAttrReal(o, "/markov/kramers", "slope_pde", mk->k_fit[2]));
  PetscCall(OdOutputAttrReal(o, "/markov/kramers", "slope_pde_err", mk->k_fit[3]));
  PetscCall(OdOutputAttrReal(o, "/markov/kramers", "barrier_U", mk->k_barrier));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteLandscape(OdMarkov mk, OdOutput o)
{
  const PetscInt J = OdLandscapeGetNumData(mk->landscape), nl = mk->land_n;
  const hsize_t dl[2] = {(hsize_t)J, (hsize_t)nl}, dg[3] = {(hsize_t)mk->ngdT, (hsize_t)mk->ngd0, (hsize_t)mk->gd_steps + 1};
  PetscFunctionBegin;
  if (nl > 0) {
    PetscCall(W1(o, "/markov/landscape/W", nl, mk->land, "W", "points of the landscape table"));
    PetscCall(W1(o, "/markov/landscape/L", nl, mk->land + nl, "loss", "mean loss L"));
    PetscCall(W1(o, "/markov/landscape/G", nl, mk->land + 2 * nl, "loss/W", "mean gradient G"));
    PetscCall(W1(o, "/markov/landscape/S2", nl, mk->land + 3 * nl, "(loss/W)^2", "gradient variance S2"));
    PetscCall(OdOutputWriteReal(o, "/markov/landscape/l", 2, dl, mk->land + 4 * nl, INFO("loss", "datapoint losses l_j")));
  }
  if (mk->gd_steps > 0) {
    PetscCall(W1(o, "/markov/gd/T", mk->ngdT, mk->gdT, "1", "learning rates of the gradient-descent paths"));
    PetscCall(W1(o, "/markov/gd/W0", mk->ngd0, mk->gd0, "W", "starting points"));
    PetscCall(OdOutputWriteReal(o, "/markov/gd/W", 3, dg, mk->gd, INFO("W", "gradient descent on L: W_t (T, start, step)")));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode OdMarkovWrite(OdMarkov mk)
{
  OdOutput o = mk->output;
  char desc[512];
  PetscFunctionBegin;
  PetscCall(OdOutputOpen(o, "markov", mk->seed));
  PetscCall(OdOutputCreateGroup(o, "/markov"));
  PetscCall(OdLandscapeDescribe(mk->landscape, desc, sizeof desc));
  PetscCall(OdOutputAttrString(o, "/markov", "landscape", desc));
  PetscCall(OdOutputAttrReal(o, "/markov", "W0", mk->W0));
  PetscCall(OdOutputAttrReal(o, "/markov", "edge", mk->edge));
  PetscCall(OdOutputAttrInt(o, "/markov", "t_final", mk->t_final));
  PetscCall(W1(o, "/markov/T", mk->nT, mk->T, "1", "learning rates of the comparison"));
  PetscCall(W1(o, "/markov/t", mk->nt, mk->t_out, "steps", "output times of densities and moments"));
  PetscCall(WriteExact(mk, o));
  if (mk->mc) PetscCall(WriteMC(mk, o));
  if (mk->pde) PetscCall(WritePDE(mk, o));
  if (mk->stationary) PetscCall(WriteStationary(mk, o));
  if (mk->kramers) PetscCall(WriteKramers(mk, o));
  PetscCall(WriteLandscape(mk, o));
  PetscCall(OdOutputClose(o, PETSC_TRUE));
  PetscFunctionReturn(0);
}
