#!/bin/bash
# tools/optdyn-plot draws the oscillator figures (rate map with critical-damping curves and the
# best (eta, beta), regimes, zeta, trajectories) and its summary reports the agreement.
source "$(dirname "$0")/lib.sh"
"$OPTDYN" oscillator -osc_eta_num 15 -osc_beta_num 12 -osc_steps 400 -osc_traj_steps 60 -quiet -o osc.h5 > /dev/null || fail "run"
out=$("$PYTHON" "$OPTDYN_SOURCE/tools/optdyn-plot" osc.h5 -o figs) || fail "optdyn-plot: $out"
echo "$out"
grep -q "regime agreement" <<<"$out" || fail "summary"
for f in osc_rate_map osc_regimes osc_zeta osc_trajectories; do
  [ -s figs/$f.png ] || fail "missing figs/$f.png"
done
echo "oscillator_plot: OK"
