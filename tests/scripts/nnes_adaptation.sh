#!/bin/bash
# Adaptation sampling of the learning rate (ES, fixed sigma, regular gradients, on the
# sphere f = sum w_i^2 in d = 10, where the expected step is mu <- (1 - 2 lr) mu):
#  - lr0 = 0.01 far from the minimum: a 1.5 x larger rate is better, so the rate must grow
#    (max rate > 3 lr0 over the first 30 generations, while f(mu) is still > 0.1; once mu has
#    converged to the noise floor the rate falls again, so the final rate is not the criterion);
#  - lr0 = 0.8: mu <- -0.6 mu, and the trial rate 1.2 (mu <- -1.4 mu) is worse, so the rate
#    must fall (below 0.5, i.e. back into the converging range 0 < lr < 1 where 1.5 lr is no worse).
source "$(dirname "$0")/lib.sh"
common=(es -es_objective sphere -es_sphere_scale 1 -es_dim 10 -es_mu0 5 -es_algorithm es -es_sigma0 0.05 -es_natural 0 -es_population 40 -es_antithetic -es_adaptation_sampling -es_generations 60 -es_as_lr_max 1 -quiet)
run_np 2 "${common[@]}" -es_lr 0.01 -o up.h5 >/dev/null
run_np 2 "${common[@]}" -es_lr 0.8 -o down.h5 >/dev/null
"$PYTHON" - <<'PY'
import h5py
up = h5py.File("up.h5", "r")["es/lr"][()]
down = h5py.File("down.h5", "r")["es/lr"][()]
print(f"lr 0.01 -> {up[-1]:.4g} (max {up.max():.4g}); lr 0.8 -> {down[-1]:.4g} (min {down.min():.4g})")
assert up[:30].max() > 0.03, up[:30]
assert down[-1] < 0.5, down[-5:]
PY
echo "nnes_adaptation: OK"
