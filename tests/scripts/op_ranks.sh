#!/bin/bash
# optdyn op: landscapes (1-D saturating thermostat, 2-D Lorenz) are bitwise identical at
# 1, 2 and 4 ranks, with point counts that do not divide by the rank counts; -sweep_slice slices merged with tools/optdyn-merge equal the full run bitwise.
source "$(dirname "$0")/lib.sh"
therm=(-op_system therm -op_s0_num 301 -op_t 10 -quiet)
lorenz=(-op_system lorenz -op_lorenz_rho 28 -op_s0_num 7 -op_s1_num 5 -op_t 2 -quiet)
for np in 1 2 4; do
  run_np "$np" op "${therm[@]}" -o therm$np.h5 >/dev/null
  run_np "$np" op "${lorenz[@]}" -o lorenz$np.h5 >/dev/null
done
for f in therm lorenz; do
  same_datasets ${f}1.h5 ${f}2.h5 || fail "$f: 1 vs 2 ranks"
  same_datasets ${f}1.h5 ${f}4.h5 || fail "$f: 1 vs 4 ranks"
done
# slices of the 2-D landscape (35 points in 3 slices) merge into the full run
for k in 0 1 2; do "$OPTDYN" op "${lorenz[@]}" -sweep_slice $k/3 -o slice$k.h5 >/dev/null; done
"$PYTHON" "$OPTDYN_SOURCE/tools/optdyn-merge" -o merged.h5 slice2.h5 slice0.h5 slice1.h5 2>/dev/null || fail "optdyn-merge failed"
same_datasets lorenz1.h5 merged.h5 || fail "merged slices differ from the full run"
# the landscapes are not trivial, and the integral attribute matches the data
"$PYTHON" - <<'PY' || fail "content check"
import h5py, numpy as np
f = h5py.File("therm1.h5")
comp, s0 = f["op/comp"][()], f["op/s0"][()]
assert comp.shape == (301,) and f["op/comp"].attrs["sweep_axis"] == 0, comp.shape
assert comp.min() < 0.01 and abs(comp.max() - 1) < 1e-9, (comp.min(), comp.max())
I = f["op"].attrs["integral_one_minus_comp"]
assert abs(I - np.trapz(1 - comp, s0)) < 1e-9 and abs(I - 20) < 0.1, I
g = h5py.File("lorenz1.h5")
assert g["op/comp"].shape == (35,) and g["op/s1"].shape == (35,) and g["op/grid_s1"].shape == (5,)
assert np.all(np.isfinite(g["op/op"][()])), g["op/op"][()]
print("therm integral", I, "lorenz Op range", g["op/op"][()].min(), g["op/op"][()].max())
PY
echo "op_ranks: OK"
