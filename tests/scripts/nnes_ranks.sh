#!/bin/bash
# Every technique of the mlp objective gives bitwise identical /es datasets (mu, sigma,
# metrics, best mean, adapted learning rate, ...) at 1, 2, 3 and 4 ranks with populations
# that do not divide by the rank counts; and a run stopped at 2 ranks and resumed at 3 ranks
# (checkpoint with metrics, best mean, adaptation state) equals the uninterrupted run.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/nnes_data.sh"
declare -A T
T[weight]="-es_population 10 -es_antithetic -es_distribution separable -es_optimizer adam -es_lr 0.02 -es_adaptation_sampling"
T[safe]="-es_population 10 -es_mlp_method safe -es_mlp_safe sum -es_antithetic -es_distribution separable -es_natural 0 -es_lr 0.001 -es_lr_sigma 0.0001 -es_baseline"
T[local]="-es_population 7 -es_mlp_method local -es_distribution separable -es_mlp_example_fitness 0 -es_optimizer momentum -es_lr 0.01"
T[example]="-es_population 7 -es_mlp_method example -es_mlp_batch 4 -es_algorithm es -es_lr 0.01 -es_baseline -es_natural 0"
for t in "${!T[@]}"; do
  for np in 1 2 3 4; do run_np $np "${MLP[@]}" ${T[$t]} -es_generations 7 -o $t$np.h5 >/dev/null; done
  for np in 2 3 4; do same_datasets $t"1.h5" $t$np.h5 >/dev/null || fail "$t: 1 vs $np ranks"; done
  echo "$t: identical at 1-4 ranks"
done
"$PYTHON" - <<'PY'
import h5py, numpy as np
for t in ["weight", "safe", "local", "example"]:
    f = h5py.File(f"{t}1.h5", "r")
    assert np.any(f["es/mu_final"][()] != f["es/mu0"][()]), t  # the search moved
    m = f["es/metrics"]
    assert np.all(np.isfinite(m["batch_loss"][()])), t
    v = m["validation_loss"][()]
    assert np.isnan(v[0]) and np.isfinite(v[2]) and np.isfinite(v[-1]), t  # every 3 and at the end
    assert 0 <= m.attrs["test_accuracy"] <= 1 and "mu_best" in f["es"], t
assert "es/lr" in h5py.File("weight1.h5", "r")
print("ok")
PY
# restart: stop after 4 of 9 generations at 2 ranks, resume at 3 ranks
for t in weight local; do
  run_np 2 "${MLP[@]}" ${T[$t]} -es_generations 9 -o full.h5 >/dev/null
  run_np 2 "${MLP[@]}" ${T[$t]} -es_generations 9 -es_stop_after 4 -es_check_interval 2 -o part.h5 >/dev/null || true
  [ -f part.h5.ckpt ] || fail "$t: no checkpoint"
  run_np 3 "${MLP[@]}" ${T[$t]} -es_generations 9 -es_check_interval 2 -restart -o part.h5 >/dev/null
  "$PYTHON" - full.h5 part.h5 <<'PY' || fail "$t: restart differs"
import sys, h5py
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
names = []
a["es"].visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
for n in names:
    assert a["es"][n][()].tobytes() == b["es"][n][()].tobytes(), n
for k, v in a["es/metrics"].attrs.items():
    assert v == b["es/metrics"].attrs[k], k
PY
  echo "$t: restart at another rank count equals the uninterrupted run"
done
echo "nnes_ranks: OK"
