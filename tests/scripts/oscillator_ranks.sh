#!/bin/bash
# optdyn oscillator: the (eta, beta) maps are bitwise identical at 1, 2 and 4 ranks, the
# -sweep_slice files hold exactly the rows of the full run, and the docs/models.md §8 datasets exist
# with shapes [n_eta], [n_beta], [n_eta, n_beta].
source "$(dirname "$0")/lib.sh"
ARGS="-osc_problem quad2d -osc_k 2 -osc_kappa 50 -osc_eta_min 0.02 -osc_eta_max 2.2 -osc_eta_num 13 -osc_beta_num 11 -osc_steps 600 -osc_traj_steps 50 -quiet"
for np in 1 2 4; do run_np $np oscillator $ARGS -o np$np.h5 > log$np.txt || fail "run at $np ranks"; done
same_datasets np1.h5 np2.h5 || fail "1 vs 2 ranks"
same_datasets np1.h5 np4.h5 || fail "1 vs 4 ranks"
# nonlinear problem (landscape pit) at 1 and 2 ranks
LARGS="-osc_problem landscape -osc_eta_min 0.001 -osc_eta_max 0.02 -osc_eta_num 5 -osc_beta_num 4 -osc_beta_max 0.9 -osc_steps 400 -osc_trajectory 0 -quiet"
run_np 1 oscillator $LARGS -o l1.h5 > /dev/null || fail "landscape 1 rank"
run_np 2 oscillator $LARGS -o l2.h5 > /dev/null || fail "landscape 2 ranks"
same_datasets l1.h5 l2.h5 || fail "landscape 1 vs 2 ranks"
# slices: rows [0, 6) and [6, 13)
run_np 2 oscillator $ARGS -sweep_slice 0/2 -o s0.h5 > /dev/null || fail "slice 0/2"
run_np 1 oscillator $ARGS -sweep_slice 1/2 -o s1.h5 > /dev/null || fail "slice 1/2"
"$PYTHON" - <<'PY' || fail "shapes or slices"
import h5py, numpy as np, sys
f = h5py.File("np1.h5", "r")
g = f["oscillator"]
ne, nb = g["eta"].shape[0], g["beta"].shape[0]
assert (ne, nb) == (13, 11), (ne, nb)
for name in ["rate_measured", "rate_predicted", "zeta", "regime", "regime_measured", "rate_ode", "zeta_discrete"]:
    assert g[name].shape == (ne, nb), name
    assert int(g[name].attrs["sweep_axis"]) == 0, name
    assert "units" in g[name].attrs and "description" in g[name].attrs, name
assert int(g["eta"].attrs["sweep_axis"]) == 0
assert f.attrs["command"] in (b"oscillator", "oscillator")
# the stable cells are measured close to the characteristic root (finite run: Jordan and
# oscillation prefactors only)
rp, rm = g["rate_predicted"][()], g["rate_measured"][()]
ok = rp < 1
assert np.nanmax(np.abs(rm[ok] - rp[ok])) < 0.02, np.nanmax(np.abs(rm[ok] - rp[ok]))
s0, s1 = h5py.File("s0.h5", "r")["oscillator"], h5py.File("s1.h5", "r")["oscillator"]
assert s0["eta"].shape[0] == 6 and s1["eta"].shape[0] == 7
for name in ["eta", "rate_measured", "rate_predicted", "zeta", "regime", "regime_measured", "zeta_dir"]:
    a = np.concatenate([s0[name][()], s1[name][()]])
    assert a.tobytes() == g[name][()].tobytes(), name
print("shapes, sweep_axis and slices OK")
PY
echo "oscillator_ranks: OK"
