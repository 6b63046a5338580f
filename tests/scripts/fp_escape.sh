#!/bin/bash
# Absorbing edge vs `optdyn escape` Monte Carlo where the diffusion model is expected to hold:
# linear landscape (G = W - 2, S2 = 0.04 W^2), T = 0.01, walkers start at the minimum W0 = 2
# and escape past W_edge = 2.1 (about 2.5 stationary standard deviations), steps n = 300,
# 1000, 3000. SGD checks the edge only once per step, so the continuous model's absorbing
# edge is moved out by the discrete-monitoring correction 0.5826 T S(W_edge) (Broadie-
# Glasserman-Kou). Tolerance: |P_pde - P_mc| <= half the Wilson 95% interval + 10% of P_mc.
source "$(dirname "$0")/lib.sh"
T=0.01; edge=2.1
shifted=$("$PYTHON" -c "print(repr($edge + 0.5826 * $T * (0.04 * $edge**2) ** 0.5))")
"$OPTDYN" escape -landscape linear -escape_W0 2 -escape_edge $edge -escape_T_min $T -escape_T_max $T -escape_T_num 1 \
  -escape_steps 300,1000,3000 -escape_walkers 10000 -o esc.h5 -quiet >/dev/null
"$OPTDYN" fp -landscape linear -fp_T $T -fp_Wmin 1.5 -fp_Wmax "$shifted" -fp_right absorbing -fp_init point -fp_init_W 2 \
  -fp_n 1000 -fp_t_final 3000 -fp_nt 31 -fp_save_P 0 -o fp.h5 -quiet >/dev/null
"$PYTHON" - <<'PY'
import h5py, numpy as np, sys
e, f = h5py.File("esc.h5", "r"), h5py.File("fp.h5", "r")
steps, p, lo, hi = e["escape/steps"][()], e["escape/p_escape"][0], e["escape/ci_low"][0], e["escape/ci_high"][0]
t, esc = list(f["fp/t"][()]), f["fp/escaped"][()]
bad = 0
for k, n in enumerate(steps):
    q = esc[t.index(float(n))]
    tol = (hi[k] - lo[k]) / 2 + 0.1 * p[k]
    ok = abs(q - p[k]) <= tol
    bad += not ok
    print(f"n = {n:5d}: PDE {q:.4f}  MC {p[k]:.4f} [{lo[k]:.4f}, {hi[k]:.4f}]  |diff| {abs(q - p[k]):.4f} <= {tol:.4f} {'ok' if ok else 'FAIL'}")
assert p[-1] > 0.03, "escape must not be negligible"
sys.exit(1 if bad else 0)
PY
echo "fp_escape: OK"
