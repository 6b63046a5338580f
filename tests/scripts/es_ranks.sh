#!/bin/bash
# /es/* is bitwise identical at 1, 2 and 4 ranks, for population sizes that do not divide by
# the rank count (N = 37 i.i.d. separable with Adam; N = 38 antithetic with an antithetic pair
# split across ranks; 2 sigma0 x 3 replicates of twowells with N = 13).
source "$(dirname "$0")/lib.sh"
a=(es -es_population 37 -es_generations 60 -es_distribution separable -es_optimizer adam -es_lr 0.05 -es_shaping centered_rank -es_weight_decay 0.01 -quiet)
b=(es -es_population 38 -es_antithetic -es_generations 60 -es_natural 0 -es_lr 0.002 -es_lr_sigma 0.0005 -es_baseline -es_optimizer momentum -es_check_interval 7 -quiet)
c=(es -es_objective twowells -es_population 13 -es_generations 40 -es_sigma0_list 0.05,0.3 -es_runs 3 -es_lr 0.5 -es_shaping centered_rank -quiet)
d=(es -es_objective rastrigin -es_dim 1500 -es_population 9 -es_generations 5 -es_lr 0.1 -es_shaping centered_rank -quiet)
for np in 1 2 4; do
  run_np $np "${a[@]}" -o a$np.h5 >/dev/null
  run_np $np "${b[@]}" -o b$np.h5 >/dev/null
  run_np $np "${c[@]}" -o c$np.h5 >/dev/null
done
for np in 1 3; do run_np $np "${d[@]}" -o d$np.h5 >/dev/null; done
for x in a b c; do
  for np in 2 4; do same_datasets $x"1.h5" $x$np.h5 || fail "$x: 1 vs $np ranks"; done
done
same_datasets d1.h5 d3.h5 || fail "d: 1 vs 3 ranks"
"$PYTHON" - <<'PY'
import h5py, numpy as np
for x in "abc":
    f = h5py.File(f"{x}1.h5", "r")
    mu = f["es/mu"][()]
    assert mu.shape[0] == f["es"].attrs["generations"] and np.all(np.isfinite(mu)), x
    assert np.any(mu[-1] != mu[0]), x  # the search moved
    assert f["es"].attrs["checksums_verified"] > 0
assert h5py.File("c1.h5", "r")["es/runs/f_final"].shape == (2, 3)
assert "es/mu" not in h5py.File("d1.h5", "r") and h5py.File("d1.h5", "r")["es/mu_final"].shape == (1500,)
print("ok")
PY
echo "es_ranks: OK"
