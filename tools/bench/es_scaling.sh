#!/bin/bash
# Scaling study (not a test): time per generation vs rank count at d = 1e6, N = 256
# (configs/es-scaling.yaml). Each rank evaluates N/P perturbations but rebuilds all N for
# the update, so the ideal time is (N/P + N) d t_normal + N/P d t_f: the speed-up is bounded
# by about 2 (this is the price of exchanging only N scalars per generation).
# usage: tools/bench/es_scaling.sh [OPTDYN] [RANKS...]   (default ranks 1 2 4)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OPTDYN=${1:-$here/../../build/app/optdyn}
shift || true
ranks=${*:-1 2 4}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "ranks  s/generation  speedup"
t1=""
for p in $ranks; do
  mpiexec --oversubscribe -n "$p" "$OPTDYN" es -options_file_yaml "$here/../../configs/es-scaling.yaml" -quiet -o "$tmp/s$p.h5" >/dev/null
  t=$(/usr/bin/python3 -c "import h5py; print(h5py.File('$tmp/s$p.h5')['es'].attrs['seconds_per_generation'])")
  [ -n "$t1" ] || t1=$t
  /usr/bin/python3 -c "print('%5d  %12.3f  %7.2f' % ($p, $t, $t1 / $t))"
done
