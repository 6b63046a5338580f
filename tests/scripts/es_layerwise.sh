#!/bin/bash
# The layerwise separable Gaussian (-es_distribution layerwise: one sigma per group of
# coordinates given by the objective):
#  1. an objective without groups refuses it with a message naming option, value and rule;
#  2. one group (G = 1) reproduces the isotropic run and one coordinate per group (G = d) the
#     separable run bitwise (natural and regular gradients, antithetic, Adam, adaptation
#     sampling), on the sphere with -es_sphere_groups;
#  3. analytic: on f = sum_g a_g |w_g - c|^2 the regular sigma-gradient has expectation
#     dU/dsigma_g^2 = a_g n_g, so with plain SGD sigma_g^2(T) = sigma0^2 - T lr_sigma a_g n_g up to
#     the estimator noise; natural gradients move the two sigmas apart in the right direction;
#  4. the mlp objective (groups W1, b1, W2, b2) with the weight, local, safe, example methods and
#     importance mixing: every dataset bitwise identical at 1, 2, 3 and 4 ranks (populations not
#     divisible by the rank counts), and a run stopped at 2 ranks and resumed at 3 equals the
#     uninterrupted run (also on the sphere, at 1 rank).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/nnes_data.sh"
export OMPI_MCA_mpi_yield_when_idle=1

# 1. no groups
set +e
out=$("$OPTDYN" es -es_distribution layerwise -quiet -o bad.h5 2>&1)
status=$?
set -e
[ $status -ne 0 ] || fail "layerwise with himmelblau exited 0"
grep -q -- "option -es_distribution = layerwise is not allowed with objective himmelblau: it needs an objective that partitions its coordinates into groups" <<<"$out" || fail "message: $out"
[ ! -e bad.h5 ] || fail "layerwise with himmelblau left an output file"
echo "ok: $(echo "$out" | head -1)"

# 2. G = 1 and G = d against isotropic and separable
SPH=(es -es_objective sphere -es_sphere_center 0.5 -es_generations 25 -es_population 12 -quiet)
V1=(-es_optimizer adam -es_lr 0.1 -es_adaptation_sampling)
V2=(-es_natural 0 -es_lr 0.05 -es_lr_sigma 0.01 -es_antithetic -es_baseline)
for v in 1 2; do
  eval "opts=(\"\${V$v[@]}\")"
  "$OPTDYN" "${SPH[@]}" -es_sphere_groups 6 -es_distribution isotropic "${opts[@]}" -o iso$v.h5 >/dev/null
  "$OPTDYN" "${SPH[@]}" -es_sphere_groups 6 -es_distribution layerwise "${opts[@]}" -o one$v.h5 >/dev/null
  "$OPTDYN" "${SPH[@]}" -es_sphere_groups 1,1,1,1,1,1 -es_distribution separable "${opts[@]}" -o sep$v.h5 >/dev/null
  "$OPTDYN" "${SPH[@]}" -es_sphere_groups 1,1,1,1,1,1 -es_distribution layerwise "${opts[@]}" -o all$v.h5 >/dev/null
done

# 3. analytic sigma gradient (regular, SGD) and the natural run
AN=(es -es_objective sphere -es_sphere_groups 2,2 -es_sphere_group_scales 10,0.1 -es_mu0 0 -es_sigma0 1 -es_distribution layerwise -quiet)
"$OPTDYN" "${AN[@]}" -es_natural 0 -es_baseline -es_lr 1e-4 -es_lr_sigma 0.002 -es_population 1000 -es_generations 20 -o reg.h5 >/dev/null
"$OPTDYN" "${AN[@]}" -es_population 20 -es_generations 60 -o nat.h5 >/dev/null

# 4. mlp at 1-4 ranks and restarts
declare -A T
T[weight]="-es_population 10 -es_antithetic -es_optimizer adam -es_lr 0.02 -es_adaptation_sampling"
T[local]="-es_population 7 -es_mlp_method local -es_mlp_example_fitness 0 -es_optimizer momentum -es_lr 0.01"
T[mixing]="-es_population 9 -es_importance_mixing -es_mixing_refresh 0.2 -es_optimizer adam -es_lr 0.01"
T[safe]="-es_population 6 -es_mlp_method safe -es_natural 0 -es_lr 0.001 -es_lr_sigma 0.0001 -es_baseline"
T[example]="-es_population 5 -es_mlp_method example -es_mlp_batch 4 -es_lr 0.01"
common=(-es_distribution layerwise -es_generations 6 -es_check_interval 2)
for t in weight local mixing; do
  for np in 1 2 3 4; do run_np $np "${MLP[@]}" ${T[$t]} "${common[@]}" -o $t$np.h5 >/dev/null; done
done
for t in safe example; do run_np 2 "${MLP[@]}" ${T[$t]} "${common[@]}" -o ${t}2.h5 >/dev/null; "$OPTDYN" "${MLP[@]}" ${T[$t]} "${common[@]}" -o ${t}1.h5 >/dev/null; done
run_np 2 "${MLP[@]}" ${T[mixing]} "${common[@]}" -es_stop_after 3 -o partmixing.h5 >/dev/null || true
[ -f partmixing.h5.ckpt ] || fail "mixing: no checkpoint"
run_np 3 "${MLP[@]}" ${T[mixing]} "${common[@]}" -restart -o partmixing.h5 >/dev/null
"$OPTDYN" "${AN[@]}" -es_generations 30 -o sph.h5 >/dev/null
"$OPTDYN" "${AN[@]}" -es_generations 30 -es_stop_after 13 -o partsph.h5 >/dev/null || true
[ -f partsph.h5.ckpt ] || fail "sphere: no checkpoint"
"$OPTDYN" "${AN[@]}" -es_generations 30 -restart -o partsph.h5 >/dev/null

"$PYTHON" <<'PY' || fail "see above"
import h5py, numpy as np
def datasets(path, prefix="es/"):
    f = h5py.File(path, "r")
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) and n.startswith(prefix) else None)
    return f, out
def same(a, b, what, names=None):
    if names is None:
        assert sorted(a) == sorted(b), f"{what}: dataset lists differ"
        names = sorted(a)
    for n in names:
        assert n in a and n in b, f"{what}: {n} missing"
        assert a[n].dtype == b[n].dtype and a[n].shape == b[n].shape and a[n].tobytes() == b[n].tobytes(), f"{what}: {n} differs"
core = ["es/mu", "es/mu_final", "es/sigma_final", "es/f_mean", "es/f_best", "es/f_population_mean", "es/grad_norm", "es/sigma_grad_norm"]
for v in (1, 2):
    _, iso = datasets(f"iso{v}.h5"); fo, one = datasets(f"one{v}.h5")
    same(iso, one, f"G = 1 vs isotropic ({v})", core + (["es/lr"] if v == 1 else []))
    assert one["es/sigma_groups"].shape == (25, 1), one["es/sigma_groups"].shape
    assert np.array_equal(one["es/sigma_groups"][-1], iso["es/sigma_final"]), v
    _, sep = datasets(f"sep{v}.h5"); fa, al = datasets(f"all{v}.h5")
    same(sep, al, f"G = d vs separable ({v})", core + ["es/sigma"] + (["es/lr"] if v == 1 else []))
    assert al["es/sigma_groups"].tobytes() == sep["es/sigma_components"].tobytes(), f"G = d: sigma history ({v})"
    assert fa["es"].attrs["group_names"] == "g0,g1,g2,g3,g4,g5" and list(al["es/group_size"]) == [1] * 6
    assert np.any(al["es/sigma_groups"][-1] != al["es/sigma_groups"][-1][0]), "separable sigmas should differ"
    print(f"variant {v}: G = 1 equals isotropic, G = d equals separable (bitwise)")
# analytic: sigma_g^2(T) = 1 - T lr_sigma a_g n_g. Noise of one estimate (f - mean f dominated by
# the stiff group, f~ = a_0 sigma^2 (chi2_2 - 2)): stiff group Var = a_0^2 E(chi2_2 - 2)^4 / (4 N)
# = 25 * 144 / N; flat group Var <= a_0^2 E(chi2_2 - 2)^2 E(chi2_2 - 2)^2 / (4 N) = 400 / N
# (sigma_0 <= sigma_1); after T steps sd = lr_sigma sqrt(T Var). Bound: 4 sd.
f = h5py.File("reg.h5", "r")
s2 = f["es/sigma_final"][()] ** 2
T, lr, N = 20, 0.002, 1000
pred = 1 - T * lr * np.array([10 * 2, 0.1 * 2])
sd = lr * np.sqrt(T * np.array([25 * 144, 400]) / N)
print("regular: sigma_g^2 =", s2, "predicted", pred, "noise sd", sd, "deviation / sd", (s2 - pred) / sd)
assert np.all(np.abs(s2 - pred) < 4 * sd), (s2, pred)
f = h5py.File("nat.h5", "r")
sg = f["es/sigma_groups"][()]
print("natural: sigma of the stiff / flat group at 0, 30, 60:", sg[0], sg[29], sg[-1])
assert sg[-1, 0] < 0.2 * sg[-1, 1] and sg[-1, 0] < 0.2 and sg[-1, 1] > 0.3, sg[-1]
# mlp: ranks
for t in ("weight", "local", "mixing"):
    ft, ref = datasets(f"{t}1.h5")
    for np_ in (2, 3, 4):
        same(ref, datasets(f"{t}{np_}.h5")[1], f"mlp {t}: 1 vs {np_} ranks")
    assert ft["es"].attrs["group_names"] == "W1,b1,W2,b2", ft["es"].attrs["group_names"]
    assert list(ref["es/group_size"]) == [180, 5, 15, 3] and ref["es/sigma_groups"].shape == (6, 4)
    assert np.any(ref["es/mu_final"] != ref["es/mu0"]), t
    print(f"mlp {t}: {len(ref)} datasets identical at 1-4 ranks; final sigma per group {ref['es/sigma_final']}")
for t in ("safe", "example"):
    same(datasets(f"{t}1.h5")[1], datasets(f"{t}2.h5")[1], f"mlp {t}: 1 vs 2 ranks")
    print(f"mlp {t}: identical at 1 and 2 ranks")
same(datasets("mixing1.h5")[1], datasets("partmixing.h5")[1], "mlp mixing: restart 2 -> 3 ranks")
same(datasets("sph.h5")[1], datasets("partsph.h5")[1], "sphere: restart")
print("restarts equal the uninterrupted runs")
PY
echo "es_layerwise: OK"
