#!/bin/bash
# -es_lr_schedule cosine: the mean's rate at generation g of G is lr (1 + cos(pi g / G)) / 2.
# ES with fixed sigma and plain SGD on the sphere: the noise and the fitnesses of a generation
# depend only on mu, so runs of G = 1 and G = 2 share mu_1 and generation 1's gradient step s.
# With G = 2 the cosine factor at g = 1 is 1/2, so mu_2(cosine) - mu_1 = (mu_2(constant) - mu_1) / 2
# (to rounding), and at g = 0 the factor is 1: the G = 1 runs agree bitwise.
source "$(dirname "$0")/lib.sh"
common=(es -es_objective sphere -es_dim 6 -es_mu0 3 -es_algorithm es -es_sigma0 0.1 -es_natural 0 -es_shaping none -es_population 16 -es_lr 0.05 -quiet)
run_np 1 "${common[@]}" -es_generations 1 -o g1.h5 >/dev/null
run_np 2 "${common[@]}" -es_generations 1 -es_lr_schedule cosine -o g1c.h5 >/dev/null
run_np 1 "${common[@]}" -es_generations 2 -o g2.h5 >/dev/null
run_np 2 "${common[@]}" -es_generations 2 -es_lr_schedule cosine -o g2c.h5 >/dev/null
"$PYTHON" - <<'PY'
import h5py, numpy as np
mu = {k: h5py.File(k + ".h5", "r")["es/mu_final"][()] for k in ("g1", "g1c", "g2", "g2c")}
assert np.array_equal(mu["g1"], mu["g1c"]), "cosine factor at g = 0 must be 1"
full, half = mu["g2"] - mu["g1"], mu["g2c"] - mu["g1"]
print("constant step", full, "cosine step", half)
assert np.abs(full).max() > 1e-3, "the second step must move mu"
assert np.allclose(half, 0.5 * full, rtol=1e-12, atol=1e-15), (half, 0.5 * full)
PY
echo "es_lr_schedule: OK"
