#!/bin/bash
# optdyn markov at 1, 2 and 4 ranks: Monte Carlo datasets bitwise identical, the exact
# operator's and the PDE's results equal to 1e-12 / 1e-10 relative; the file holds every
# part (no NaN anywhere, the stationary point mass at W = 2); bad options are rejected.
source "$(dirname "$0")/lib.sh"
common=(-markov_T 0.02 -markov_alpha 1 -markov_n 801 -markov_t_final 100 -markov_nt 3 -markov_walkers 2000
        -markov_chunk 300 -markov_pde_n 300 -markov_stat_n 501 -markov_kramers_T 0.02,0.025,0.03
        -markov_kramers_n 801 -markov_mfpt_walkers 500 -markov_land_n 50 -markov_gd_steps 10
        -markov_gd_T 0.5 -markov_gd_W0 0.3,1.5 -quiet)
for np in 1 2 4; do run_np "$np" markov "${common[@]}" -o "m$np.h5" >/dev/null; done
"$PYTHON" - <<'PY'
import h5py, numpy as np
a = h5py.File("m1.h5")
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
for other in ("m2.h5", "m4.h5"):
    b = h5py.File(other)
    for n in names:
        x, y = a[n][()], b[n][()]
        assert x.shape == y.shape, n
        if n.startswith("markov/mc/") or n in ("markov/kramers/tau_mc", "markov/kramers/tau_mc_err"):
            assert x.tobytes() == y.tobytes(), f"{other}: {n} not bitwise equal"
        else:
            tol = 1e-10 if n.startswith("markov/pde/") or "tau_pde" in n else 1e-12
            scale = max(np.abs(x).max(), 1e-300)
            assert np.abs(x - y).max() <= tol * scale, f"{other}: {n} differs by {np.abs(x - y).max() / scale:g}"
for n in names:
    assert np.isfinite(a[n][()]).all(), f"{n} has NaN/Inf"
    assert "units" in a[n].attrs and "description" in a[n].attrs, n
st = a["markov/stationary"]
assert (st["natoms"][()] == 1).all() and np.allclose(st["atom_W"][()], 2.0, atol=1e-9), st["atom_W"][()]
assert (st["atom_weight"][()] > 1 - 1e-9).all(), st["atom_weight"][()]
esc = a["markov/exact/escaped"][()]
assert np.allclose(esc[:, -1], a["markov/exact/escaped_backward"][()][:, 0], atol=1e-12)
print(len(names), "datasets: ranks agree, no NaN, point mass found")
PY
# bad input names the option
out=$(run_np 1 markov -markov_edge 0.9 2>&1) && fail "edge below W0 accepted"
grep -q -- "-markov_edge" <<<"$out" || fail "message does not name -markov_edge: $out"
out=$(run_np 1 markov -markov_nt 500 -markov_t_final 100 2>&1) && fail "nt > t_final + 1 accepted"
grep -q -- "-markov_nt" <<<"$out" || fail "message does not name -markov_nt: $out"
echo "markov_ranks: OK"
