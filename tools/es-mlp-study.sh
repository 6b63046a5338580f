#!/bin/bash
# The ES/VO comparison study of docs/es.md ("Comparison study"): every variant of
# configs/es-mlp-*.yaml on one data set, one after the other, at R ranks, with G generations,
# writing DIR/DATA/VARIANT.h5 and DIR/DATA/VARIANT.log (wall time in seconds on its last line).
# backprop runs twice: the same number of steps as VO has generations (backprop-gen), and the
# same number of mini-batch objective evaluations as a VO run (N G steps, backprop-eval).
#
#   tools/es-mlp-study.sh [-n RANKS] [-g GENERATIONS] [-d fashion-mnist|mnist-digits]
#                         [-o DIR] [VARIANT ...]
# VARIANTs (default all): vo antithetic local layerwise safe mixing adapt best backprop-gen
# backprop-eval. Every VO variant evaluates N B = 10^4 member-examples per generation.
# `best` is configs/es-mlp-best.yaml at the study's G; its own budget (the accuracy targets) is
# the config's es_generations: run it alone with -g 0 (0 = each config's own generations).
# Run it from the source tree (mnist-digits is data/mnist-digits, from tools/fetch-mnist).
# Then: tools/optdyn-plot DIR/DATA/VARIANT.h5 -o FIGDIR (per-run figures) and the comparison figure
#   PYTHONPATH=tools /usr/bin/python3 -c 'import sys; \
#     from optdyn.plot_es import plot_mlp_comparison; plot_mlp_comparison(sys.argv[1:], "cmp.png")' DIR/DATA/*.h5
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
optdyn=${OPTDYN:-$here/build/app/optdyn}
np=2 gens=150 data=fashion-mnist out=results/es-mlp
while getopts "n:g:d:o:" opt; do
  case $opt in
  n) np=$OPTARG ;; g) gens=$OPTARG ;; d) data=$OPTARG ;; o) out=$OPTARG ;;
  *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(vo antithetic local layerwise safe mixing adapt best backprop-gen backprop-eval)
mkdir -p "$out/$data"
population=$(sed -n 's/^es_population: *//p' "$here/configs/es-mlp-vo.yaml")
for v in "${variants[@]}"; do
  extra=()
  [ "$gens" -gt 0 ] && extra=(-es_generations "$gens")
  case $v in
  backprop-gen) cfg=backprop ;;
  backprop-eval)
    [ "$gens" -gt 0 ] || { echo "backprop-eval needs -g G > 0" >&2; exit 2; }
    cfg=backprop extra=(-es_generations $((gens * population)) -es_mlp_validation_interval $((20 * population))) ;;
  *) cfg=$v ;;
  esac
  log="$out/$data/$v.log"
  start=$(date +%s.%N)
  "${MPIEXEC:-mpiexec}" -n "$np" "$optdyn" es -options_file_yaml "$here/configs/es-mlp-$cfg.yaml" \
    -es_mlp_data "$data" "${extra[@]}" -o "$out/$data/$v.h5" -quiet >"$log" 2>&1
  end=$(date +%s.%N)
  echo "wall_seconds $(echo "$end - $start" | bc)" >>"$log"
  echo "$data $v: $(tail -1 "$log")"
done
