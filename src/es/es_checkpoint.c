/* es checkpoints through the core format (optdyn/checkpoint.h), kind "es": the search state
   as named datasets, the position (replicate, generation) as range-checked attributes. */
#include "es_impl.h"

static uint64_t Fnv1a(const void *data, size_t n, uint64_t h)
{
  const unsigned char *p = (const unsigned char *)data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* One allreduce: {hash, ~hash, stop}, MPI_MAX. All ranks agree iff max(hash) == ~max(~hash). */
PetscErrorCode OdEsCheckAndStop(OdEs e, PetscBool stop_local, PetscBool *stop)
{
  uint64_t in[3], out[3];
  PetscFunctionBegin;
  const uint64_t h = Fnv1a(e->state, e->nstate * sizeof(PetscReal), 1469598103934665603ull);
  in[0] = h, in[1] = ~h, in[2] = stop_local ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(in, out, 3, MPI_UINT64_T, MPI_MAX, e->comm));
  PetscCheck(out[0] == ~out[1], e->comm, PETSC_ERR_PLIB, "ES state differs between ranks at generation %" PetscInt_FMT " of replicate %" PetscInt_FMT " (checksums disagree): the parallel protocol is broken", e->gen, e->q);
  e->checks++;
  *stop = out[2] ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Declare the layout once; the same declaration writes and reads. Every piece of e->state
   is one dataset; mu, sigma and the optimizer moments must be finite (a NaN there cannot
   come from a run that could continue). */
PetscErrorCode OdEsCheckpointDeclare(OdEs e)
{
  const PetscInt d = e->d, ns = e->nsig, G = e->G, Q = e->Q, hd = e->hist_d;
  const PetscInt dd[1] = {d}, dns[1] = {ns}, dm[1] = {d + ns}, dG[1] = {G}, dGd[2] = {G, hd}, dGs[2] = {G, e->hist_s}, dQ[1] = {Q}, dQd[2] = {Q, hd};
  OdCheckpoint c;
  PetscFunctionBegin;
  PetscCall(OdCheckpointCreate(e->comm, e->ckpt_path, "es", &e->ckpt));
  c = e->ckpt;
  PetscCall(OdCheckpointAddInt(c, "replicate", &e->q, 0, e->Q - 1));
  PetscCall(OdCheckpointAddInt(c, "generation", &e->gen, 0, e->G - 1));
  PetscCall(OdCheckpointAddReal(c, "mu", 1, dd, e->mu, PETSC_TRUE));
  PetscCall(OdCheckpointAddReal(c, "sigma", 1, dns, e->sig, PETSC_TRUE));
  PetscCall(OdCheckpointAddReal(c, "moment1", 1, dm, e->m1, PETSC_TRUE));
  PetscCall(OdCheckpointAddReal(c, "moment2", 1, dm, e->m2, PETSC_TRUE));
  PetscCall(OdCheckpointAddReal(c, "history/f_mean", 1, dG, e->h_fmean, PETSC_FALSE));
  PetscCall(OdCheckpointAddReal(c, "history/sigma", 1, dG, e->h_sigma, PETSC_FALSE));
  PetscCall(OdCheckpointAddReal(c, "history/grad_norm", 1, dG, e->h_gnorm, PETSC_FALSE));
  PetscCall(OdCheckpointAddReal(c, "history/sigma_grad_norm", 1, dG, e->h_sgnorm, PETSC_FALSE));
  PetscCall(OdCheckpointAddReal(c, "history/f_best", 1, dG, e->h_fbest, PETSC_FALSE));
  PetscCall(OdCheckpointAddReal(c, "history/f_pop", 1, dG, e->h_fpop, PETSC_FALSE));
  PetscCall(OdCheckpointAddReal(c, "history/mu", 2, dGd, e->h_mu, PETSC_FALSE));
  if (e->h_sig) PetscCall(OdCheckpointAddReal(c, e->group ? "history/sigma_groups" : "history/sigma_components", 2, dGs, e->h_sig, PETSC_FALSE));
  PetscCall(OdCheckpointAddReal(c, "replicates/f", 1, dQ, e->r_f, PETSC_FALSE));
  PetscCall(OdCheckpointAddReal(c, "replicates/sigma", 1, dQ, e->r_sigma, PETSC_FALSE));
  PetscCall(OdCheckpointAddReal(c, "replicates/basin", 1, dQ, e->r_basin, PETSC_FALSE));
  PetscCall(OdCheckpointAddReal(c, "replicates/mu", 2, dQd, e->r_mu, PETSC_FALSE));
  if (e->nmetric) {
    const PetscInt dMG[2] = {e->nmetric, G}, d1[1] = {1};
    PetscCall(OdCheckpointAddReal(c, "metrics/values", 2, dMG, e->h_metric, PETSC_FALSE));
    PetscCall(OdCheckpointAddReal(c, "metrics/mu_best", 1, dd, e->mu_best, PETSC_TRUE));
    PetscCall(OdCheckpointAddReal(c, "metrics/best_score", 1, d1, e->best_score, PETSC_FALSE));
  }
  if (e->adapt_lr) {
    const PetscInt d1[1] = {1};
    PetscCall(OdCheckpointAddReal(c, "adaptation/lr", 1, d1, e->lr_cur, PETSC_TRUE));
    PetscCall(OdCheckpointAddReal(c, "adaptation/last_step", 1, dd, e->last_step, PETSC_TRUE));
    PetscCall(OdCheckpointAddReal(c, "adaptation/lr_history", 1, dG, e->h_lr, PETSC_FALSE));
  }
  if (e->mixing) { /* importance mixing: the population to reuse and where it was drawn */
    const PetscInt dNd[2] = {e->N, d}, dN[1] = {e->N};
    PetscCall(OdCheckpointAddReal(c, "mixing/members", 2, dNd, e->mix_w, PETSC_FALSE));
    PetscCall(OdCheckpointAddReal(c, "mixing/fitness", 1, dN, e->mix_f, PETSC_FALSE));
    PetscCall(OdCheckpointAddReal(c, "mixing/mu", 1, dd, e->mix_mu, PETSC_FALSE));
    PetscCall(OdCheckpointAddReal(c, "mixing/sigma", 1, dns, e->mix_sig, PETSC_FALSE));
    PetscCall(OdCheckpointAddReal(c, "mixing/reuse_history", 1, dG, e->h_reuse, PETSC_FALSE));
  }
  PetscFunctionReturn(0);
}
