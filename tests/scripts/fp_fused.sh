#!/bin/bash
# The fused 1-D backward-Euler step (default with fixed steps) against the PETSc TS reference
# path (-fp_step ts), and its partitioned exact tridiagonal solve at 1, 2 and 4 ranks against
# the serial one. The bound is 1e-12 relative (max norm) on problems where dt |A| is moderate:
# both paths end with the same flux-form update, whose pointwise round-off is ~eps dt |A| |P|
# (docs/fp.md), so stiffer steps differ more, in any two exact solvers. Fixed dt: exactly one
# factorization; -fp_step fused with adaptive steps is refused.
source "$(dirname "$0")/lib.sh"
seed=(-fp_n 4000 -fp_flux sg -fp_T 0.02 -ts_adapt_type none -ts_dt 1 -fp_t_final 1 -fp_nt 2 -quiet)
seed20=(-fp_n 4000 -fp_flux sg -fp_T 0.02 -ts_adapt_type none -ts_dt 1 -fp_t_final 20 -fp_nt 5 -quiet)
absorb=(-landscape linear -fp_T 0.01 -fp_Wmin 1.5 -fp_Wmax 2.13 -fp_right absorbing -fp_init_mean 2 -fp_init_std 0.05 -fp_n 3000 -ts_adapt_type none -ts_dt 2 -fp_t_final 40 -fp_nt 5 -quiet)
"$OPTDYN" fp "${seed[@]}" -o fused.h5 >/dev/null
"$OPTDYN" fp "${seed[@]}" -fp_step ts -o ts.h5 >/dev/null
for np in 1 2 4; do
  run_np "$np" fp "${seed20[@]}" -o s$np.h5 >/dev/null
  run_np "$np" fp "${absorb[@]}" -o a$np.h5 >/dev/null
done
if "$OPTDYN" fp -fp_step fused -fp_n 100 -o bad.h5 -quiet >out.txt 2>err.txt; then fail "-fp_step fused with adaptive steps accepted"; fi
grep -q -- "-fp_step" err.txt || fail "-fp_step fused: message"
"$PYTHON" - <<'PY'
import h5py, numpy as np, sys
def rel(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(a))
f, t = h5py.File("fused.h5", "r"), h5py.File("ts.h5", "r")
assert f["fp"].attrs["time_step_method"] == "fused" and t["fp"].attrs["time_step_method"] == "ts"
assert f["fp"].attrs["time_steps"] == 1 and f["fp"].attrs["factorizations"] == 1
e = rel(t["fp/P"][-1], f["fp/P"][-1])
print(f"one step, fused vs TS: {e:.3g}")
assert e <= 1e-12, e
for tag in "sa":
    g = [h5py.File(f"{tag}{n}.h5", "r") for n in (1, 2, 4)]
    for h, n in zip(g, (1, 2, 4)):
        assert h["fp"].attrs["time_step_method"] == "fused" and h.attrs["mpi_ranks"] == n
        assert h["fp"].attrs["factorizations"] == 1, h["fp"].attrs["factorizations"]
        assert h["fp"].attrs["mass_drift"] <= 1e-13, h["fp"].attrs["mass_drift"]
        assert 0 < h["fp"].attrs["wall_time_step_min"] <= h["fp"].attrs["wall_time_ts"]  # one step of the loop
    for h, n in zip(g[1:], (2, 4)):
        for k in range(1, g[0]["fp/P"].shape[0]):
            e = rel(g[0]["fp/P"][k], h["fp/P"][k])
            if not e <= 1e-12:
                sys.exit(f"{tag}: output {k}: {n} ranks vs 1: {e:.3g}")
        print(f"{tag}: {n} ranks vs 1 rank: max {max(rel(g[0]['fp/P'][k], h['fp/P'][k]) for k in range(g[0]['fp/P'].shape[0])):.3g}")
    if tag == "a":
        esc = g[0]["fp/escaped"][()]
        assert 0.001 < esc[-1] < 0.99, esc  # mass leaves through the absorbing wall
PY
echo "fp_fused: OK"
