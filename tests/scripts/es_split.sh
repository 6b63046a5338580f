#!/bin/bash
# -es_split_coordinates (each rank sums the search gradient over its block of coordinates, then
# one allgather) gives /es/* bitwise identical to the default scalars-only protocol, at 1, 2 and
# 4 ranks, and -simd scalar gives the same bits as the vectorized kernels: isotropic with sigma
# adapted (the S sum over coordinates), separable with Adam, antithetic; d not a multiple of 32.
source "$(dirname "$0")/lib.sh"
a=(es -es_objective rastrigin -es_dim 1001 -es_population 13 -es_generations 8 -es_algorithm vo -es_lr 0.1 -es_shaping centered_rank -quiet)
b=(es -es_objective sphere -es_dim 77 -es_population 10 -es_antithetic -es_generations 12 -es_distribution separable -es_algorithm vo -es_optimizer adam -es_lr 0.05 -quiet)
c=(es -es_objective rosenbrock -es_dim 300 -es_population 9 -es_generations 10 -es_lr 0.001 -quiet)
for x in a b c; do
  eval "args=(\"\${$x[@]}\")"
  run_np 1 "${args[@]}" -o ${x}_def1.h5 >/dev/null
  run_np 1 "${args[@]}" -simd scalar -o ${x}_scalar.h5 >/dev/null
  same_datasets ${x}_def1.h5 ${x}_scalar.h5 || fail "$x: -simd scalar differs from the vectorized kernels"
  for np in 1 2 4; do
    run_np $np "${args[@]}" -es_split_coordinates -o ${x}_split$np.h5 >/dev/null
    same_datasets ${x}_def1.h5 ${x}_split$np.h5 || fail "$x: split protocol at $np ranks differs from the default"
  done
  run_np 2 "${args[@]}" -o ${x}_def2.h5 >/dev/null
  same_datasets ${x}_def1.h5 ${x}_def2.h5 || fail "$x: default protocol 1 vs 2 ranks"
done
"$PYTHON" - <<'PY'
import h5py, numpy as np
for x in "abc":
    f = h5py.File(f"{x}_split2.h5", "r")
    assert f["es"].attrs["split_coordinates"] == 1 and f.attrs["simd_level"] in (b"scalar", b"sse2", b"avx2", b"avx512", "sse2", "avx2", "avx512")
    mu = f["es/mu_final"][()] if "es/mu_final" in f else f["es/mu"][-1]
    assert np.all(np.isfinite(mu))
print("ok")
PY
echo "es_split: OK"
