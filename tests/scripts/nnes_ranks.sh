#!/bin/bash
# Every technique of the mlp objective gives bitwise identical /es datasets (mu, sigma,
# metrics, best mean, adapted learning rate, reuse rate, ...) at 1, 2, 3 and 4 ranks with
# populations that do not divide by the rank counts; and a run stopped at 2 ranks and resumed
# at 3 ranks (checkpoint with metrics, best mean, adaptation state, mixing population) equals
# the uninterrupted run. All comparisons are made by one Python process at the end (start-up
# cost), and the restarts are compared with the 1-rank runs of the same options.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/nnes_data.sh"
export OMPI_MCA_mpi_yield_when_idle=1 # 3 and 4 ranks are oversubscribed: do not spin while waiting
declare -A T
T[weight]="-es_population 10 -es_antithetic -es_distribution separable -es_optimizer adam -es_lr 0.02 -es_adaptation_sampling"
T[safe]="-es_population 10 -es_mlp_method safe -es_mlp_safe sum -es_antithetic -es_distribution separable -es_natural 0 -es_lr 0.001 -es_lr_sigma 0.0001 -es_baseline"
T[local]="-es_population 7 -es_mlp_method local -es_distribution separable -es_mlp_example_fitness 0 -es_optimizer momentum -es_lr 0.01"
T[example]="-es_population 7 -es_mlp_method example -es_mlp_batch 4 -es_algorithm es -es_lr 0.01 -es_baseline -es_natural 0"
T[mixing]="-es_population 9 -es_importance_mixing -es_mixing_refresh 0.2 -es_distribution separable -es_optimizer adam -es_lr 0.01 -es_adaptation_sampling"
common=(-es_generations 7 -es_check_interval 2)
for t in "${!T[@]}"; do
  for np in 1 2 3 4; do run_np $np "${MLP[@]}" ${T[$t]} "${common[@]}" -o $t$np.h5 >/dev/null; done
done
# restart: stop after 4 of 7 generations at 2 ranks, resume at 3 ranks (mixing: the checkpoint
# carries metrics, best mean, adaptation state and the population to reuse)
restarted=(mixing)
for t in "${restarted[@]}"; do
  run_np 2 "${MLP[@]}" ${T[$t]} "${common[@]}" -es_stop_after 4 -o part$t.h5 >/dev/null || true
  [ -f part$t.h5.ckpt ] || fail "$t: no checkpoint"
  run_np 3 "${MLP[@]}" ${T[$t]} "${common[@]}" -restart -o part$t.h5 >/dev/null
done
"$PYTHON" - "${!T[@]}" -- "${restarted[@]}" <<'PY' || fail "see above"
import sys, h5py, numpy as np
args = sys.argv[1:]
techniques, restarted = args[:args.index("--")], args[args.index("--") + 1:]
def datasets(path):
    f = h5py.File(path, "r")
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return f, out
def same(a, b, what):
    assert sorted(a) == sorted(b), f"{what}: dataset lists differ"
    for n in a:
        assert a[n].dtype == b[n].dtype and a[n].shape == b[n].shape and a[n].tobytes() == b[n].tobytes(), f"{what}: {n} differs"
for t in techniques:
    f, ref = datasets(f"{t}1.h5")
    for np_ in (2, 3, 4):
        same(ref, datasets(f"{t}{np_}.h5")[1], f"{t}: 1 vs {np_} ranks")
    assert np.any(f["es/mu_final"][()] != f["es/mu0"][()]), t  # the search moved
    m = f["es/metrics"]
    assert np.all(np.isfinite(m["batch_loss"][()])), t
    v = m["validation_loss"][()]
    assert np.isnan(v[0]) and np.isfinite(v[2]) and np.isfinite(v[-1]), t  # every 3 and at the end
    assert 0 <= m.attrs["test_accuracy"] <= 1 and "mu_best" in f["es"], t
    print(f"{t}: {len(ref)} datasets identical at 1-4 ranks")
assert "es/lr" in h5py.File("weight1.h5", "r")
reuse = h5py.File("mixing1.h5", "r")["es/reuse"][()]
assert reuse[0] == 0 and reuse[1:].max() > 0, reuse  # members were reused
print("mixing: reused fraction per generation", np.round(reuse, 3))
for t in restarted:
    fa, a = datasets(f"{t}1.h5")
    fb, b = datasets(f"part{t}.h5")
    a = {n: x for n, x in a.items() if n.startswith("es/")}
    b = {n: x for n, x in b.items() if n.startswith("es/")}
    same(a, b, f"{t}: restart")
    for k, v in fa["es/metrics"].attrs.items():
        assert v == fb["es/metrics"].attrs[k], k
    print(f"{t}: stopped at 2 ranks, resumed at 3 ranks = uninterrupted run")
PY
echo "nnes_ranks: OK"
