#!/bin/bash
# optdyn op on the shipped configs reproduces the source's numbers ("Defining
# Optimization"), and tools/optdyn-plot draws the figures:
#  - finite-state: dumb 1.1 bits, smart 2.2 bits (smart > dumb); smart two-step 1.1 / 0.3 bits;
#  - saturating thermostat: integral of (1 - Comp) over s0 in [5, 45] at t = 10 within 0.5 %
#    of 2 p t for (theta, p) = (1, 1), (0.5, 1), (1, 0.5), nearly independent of theta;
#  - linear thermostat: Op doubles (within 2 %) when k doubles; a sinusoidal forcing changes nothing;
#  - Lorenz rho = 0.8: everything -> 0, Op(a; b0, b) < 0 late; along c0, Comp < 0 is flagged
#    (comp_sign = -1) and Op stays finite; rho = 28 with t_A = 10 runs.
source "$(dirname "$0")/lib.sh"
C="$OPTDYN_SOURCE/configs"
small=(-op_s0_num 5 -op_s1_num 4 -quiet)
"$OPTDYN" op -options_file_yaml "$C/op-finite-dumb.yaml" -o dumb.h5 >/dev/null
"$OPTDYN" op -options_file_yaml "$C/op-finite-smart.yaml" -o smart.h5 >/dev/null
for c in op-therm op-therm-theta05 op-therm-p05 op-thermostat op-thermostat-k002 op-thermostat-forced; do
  "$OPTDYN" op -options_file_yaml "$C/$c.yaml" -quiet -o $c.h5 >/dev/null
done
for c in op-lorenz-rho08 op-lorenz-rho08-c op-lorenz-rho28-tA10; do
  "$OPTDYN" op -options_file_yaml "$C/$c.yaml" "${small[@]}" -o $c.h5 >/dev/null
done
"$PYTHON" - <<'PY' || fail "source numbers"
import h5py, numpy as np
def A(f, g): return h5py.File(f)[g].attrs
d, s = A("dumb.h5", "op/finite/joint"), A("smart.h5", "op/finite/joint")
print(f"finite: dumb {d['strength_bits']:.4f} bits (source 1.1), smart {s['strength_bits']:.4f} bits (source 2.2)")
assert abs(d["strength_bits"] - 1.1) < 0.05 and abs(s["strength_bits"] - 2.2) < 0.05 and s["strength_bits"] > d["strength_bits"]
t = A("smart.h5", "op/finite/two_step")
print(f"smart two-step: strength {t['strength_bits']:.4f} (1.1), adjusted {t['adjusted_strength_bits']:.4f} (0.3)")
assert abs(t["strength_bits"] - 1.1) < 0.05 and abs(t["adjusted_strength_bits"] - 0.3) < 0.05
assert abs(A("dumb.h5", "op/finite/two_step")["strength_bits"]) < 1e-12
I = {}
for c, target, src in (("op-therm", 20, 19.961), ("op-therm-theta05", 20, 19.611), ("op-therm-p05", 10, 9.980)):
    I[c] = A(c + ".h5", "op")["integral_one_minus_comp"]
    print(f"{c}: integral {I[c]:.5f}, 2pt = {target}, source {src}")
    assert abs(I[c] - target) < 0.005 * target, (c, I[c])
assert abs(I["op-therm"] - I["op-therm-theta05"]) < 0.01 * I["op-therm"]
op = {c: h5py.File(c + ".h5")["op/trajectory/op"][:, 1] for c in ("op-thermostat", "op-thermostat-k002", "op-thermostat-forced")}
r = op["op-thermostat-k002"][1000] / op["op-thermostat"][1000]
print(f"linear thermostat: Op(t=1000) = {op['op-thermostat'][1000]:.4f} (k=0.01), {op['op-thermostat-k002'][1000]:.4f} (k=0.02), ratio {r:.4f}")
assert abs(r - 2) < 0.04 and np.max(np.abs(op["op-thermostat-forced"] - op["op-thermostat"])) < 1e-8
assert A("op-thermostat.h5", "op")["delta_check_max_abs_dop"] < 1e-8
f = h5py.File("op-lorenz-rho08.h5")
tt, w, o = f["op/trajectory/t"][()], f["op/trajectory/w"][()], f["op/trajectory/op"][()]
assert np.max(np.abs(w[-1])) < 0.02 and np.all(o[tt >= 2, 1] < 0) and np.all(o[tt >= 2, 2] < 0), (w[-1], o[-1])
print(f"lorenz rho=0.8: |w(20)| = {np.max(np.abs(w[-1])):.4f}, Op(a; b0, b)(20) = {o[-1, 1]:.3f}, Op(a; b0, c)(20) = {o[-1, 2]:.3f}")
g = h5py.File("op-lorenz-rho08-c.h5")
sign, oc = g["op/trajectory/comp_sign"][:, 2], g["op/trajectory/op"][:, 2]
tc = g["op/trajectory/t"][()]
assert (sign < 0).sum() > 10 and np.all(np.isfinite(oc[1:])), ((sign < 0).sum(), oc)
print(f"lorenz rho=0.8 along c0: Comp(c) < 0 for t in [{tc[sign < 0].min():.2f}, {tc[sign < 0].max():.2f}], flagged, Op finite")
h = h5py.File("op-lorenz-rho28-tA10.h5")
assert h["op"].attrs["t_A"] == 10 and h["op/comp"].shape == (20,)
PY
mkdir figs
for f in smart.h5 op-therm.h5 op-lorenz-rho08-c.h5; do
  "$PYTHON" "$OPTDYN_SOURCE/tools/optdyn-plot" $f -o figs >/dev/null || fail "optdyn-plot $f"
done
# figure names follow the input file (smart.h5 -> smart_*.png)
for p in smart_finite_joint smart_finite_two_step op-therm_landscape op-therm_trajectories op-therm_differences op-therm_over_time; do
  [ -s figs/$p.png ] || fail "figure $p.png missing"
done
echo "op_configs: OK"
