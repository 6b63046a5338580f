#!/bin/bash
# Benchmark: optdyn escape (1 and 2 ranks) vs the NumPy reference on the same workload
# (seed landscape, T in [0.01, 0.02] x 11, budgets up to 10000 steps). Not a test.
# Usage: tools/bench/escape.sh [BUILD_DIR] [WALKERS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
walkers=${2:-10000}
optdyn=$build/app/optdyn
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
args=(escape -escape_T_min 0.01 -escape_T_max 0.02 -escape_T_num 11 -escape_steps 100,1000,10000 -escape_walkers "$walkers" -quiet)
rate_of() { # np -> walker-steps, wall s, rate, sweep s, sweep rate (sweep = the simulation alone)
  local np=$1 t0 t1 sweep
  t0=$(date +%s.%N)
  sweep=$(mpiexec --oversubscribe -n "$np" "$optdyn" "${args[@]}" -o "$tmp/e$np.h5" | sed -n 's/.*(sweep \([0-9.]*\) s).*/\1/p')
  t1=$(date +%s.%N)
  /usr/bin/python3 -c "import h5py,sys; s=h5py.File('$tmp/e$np.h5')['escape/walker_steps'][()].sum(); dt=$t1-$t0; print(f'{s:.0f} {dt:.3f} {s/dt:.4e} {$sweep:.3f} {s/$sweep:.4e}')"
}
read -r s1 t1 r1 k1 q1 < <(rate_of 1)
read -r s2 t2 r2 k2 q2 < <(rate_of 2)
np_line=$(/usr/bin/python3 "$here/escape_numpy.py" --walkers "$walkers")
rn=$(echo "$np_line" | awk '{print $7}')
printf 'workload: 11 T in [0.01,0.02], %s walkers/T, budgets up to 10000 steps\n' "$walkers"
printf 'optdyn 1 rank : %s walker-steps; wall %6.2f s = %s/s; sweep alone %6.2f s = %s/s\n' "$s1" "$t1" "$r1" "$k1" "$q1"
printf 'optdyn 2 ranks: %s walker-steps; wall %6.2f s = %s/s; sweep alone %6.2f s = %s/s\n' "$s2" "$t2" "$r2" "$k2" "$q2"
printf '%s\n' "$np_line"
/usr/bin/python3 -c "print(f'ratio optdyn(1 rank)/numpy = {$q1/$rn:.1f}x (sweep) {$r1/$rn:.1f}x (wall) ; speed-up 2 ranks/1 rank = {$q2/$q1:.2f}x (sweep) {$r2/$r1:.2f}x (wall)')"
