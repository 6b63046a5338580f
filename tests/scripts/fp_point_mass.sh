#!/bin/bash
# The seed landscape's stationary state is a point mass at W = 2 (S2 vanishes there): fp
# detects it and writes mass 1/h in the atom's cell with the location as an attribute;
# no NaN anywhere in the file.
source "$(dirname "$0")/lib.sh"
"$OPTDYN" fp -fp_stationary -fp_T 0.01 -fp_t_final 10 -quiet -o pm.h5 >out.txt 2>&1 || fail "fp -fp_stationary on seed: $(cat out.txt)"
grep -q "point mass at W = 2" out.txt || fail "no point-mass report: $(cat out.txt)"
"$PYTHON" - <<'PY' || fail "point-mass file"
import h5py, numpy as np
f = h5py.File("pm.h5")
p, W = f["fp/P_stationary"][:], f["fp/W"][:]
h = W[1] - W[0]
assert np.all(np.isfinite(p)), "non-finite stationary density"
assert abs(p.sum() * h - 1) < 1e-12, p.sum() * h
assert abs(W[p.argmax()] - 2) <= h, W[p.argmax()]
assert abs(f["fp"].attrs["stationary_point_mass_W"] - 2) < 1e-9
for name, d in f["fp"].items():
    if d.dtype.kind == "f":
        assert np.all(np.isfinite(d[...])), name
PY
echo "PASS fp point mass"
