#!/bin/bash
# optdyn weak-scaling job: the work grows with the ranks: run P gets
# `OPTDYN_WEAK_OPTION (OPTDYN_WEAK_BASE * P)` appended to the sweep's options (default:
# -escape_walkers 10000*P, i.e. constant walkers per rank), at 1, 2, 4, ... ranks up to the
# allocation's tasks. Each run is timed and recorded with tools/optdyn-scaling into
# $OPTDYN_OUTDIR/$OPTDYN_NAME.h5 (/scaling/ranks, seconds, work, speedup = scaled speed-up,
# efficiency = t_1 / t_P); figure $OPTDYN_NAME-figures/scaling_weak.png.
#
#   sbatch --ntasks=16 jobs/scaling-weak.sh
#SBATCH --job-name=optdyn-weak
#SBATCH --ntasks=4
#SBATCH --time=01:00:00
##SBATCH --exclusive            # recommended on a shared cluster (remove one #): no other jobs on the nodes
#SBATCH --output=%x-%j.out
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
OPTDYN=${OPTDYN:-$PWD/build/app/optdyn}                                          # EDIT: the executable
OPTDYN_ARGS=${OPTDYN_ARGS:-"escape -options_file_yaml configs/escape.yaml"}      # EDIT: the sweep
OPTDYN_WEAK_OPTION=${OPTDYN_WEAK_OPTION:--escape_walkers}                        # the option that sets the work
OPTDYN_WEAK_BASE=${OPTDYN_WEAK_BASE:-10000}                                      # its value at 1 rank
OPTDYN_TOOLS=${OPTDYN_TOOLS:-$PWD/tools}
OPTDYN_OUTDIR=${OPTDYN_OUTDIR:-$PWD/results}
OPTDYN_NAME=${OPTDYN_NAME:-scaling-weak}
OPTDYN_LAUNCH=${OPTDYN_LAUNCH:-srun}
PYTHON=${PYTHON:-/usr/bin/python3}
ntasks=${SLURM_NTASKS:-1}
if [ -z "${OPTDYN_RANKS:-}" ]; then
  OPTDYN_RANKS=""
  for ((p = 1; p <= ntasks; p *= 2)); do OPTDYN_RANKS+="$p "; done
fi

launch_n() { # launch_n P COMMAND...: P ranks inside the allocation
  local p=$1
  shift
  case $OPTDYN_LAUNCH in
    srun) srun --mpi=pmix --ntasks="$p" "$@" ;;
    mpiexec) mpiexec -n "$p" "$@" ;;
    *) echo "OPTDYN_LAUNCH=$OPTDYN_LAUNCH is not allowed: srun or mpiexec" >&2; return 2 ;;
  esac
}

dir="$OPTDYN_OUTDIR/$OPTDYN_NAME.runs"
mkdir -p "$dir"
rm -f "$OPTDYN_OUTDIR/$OPTDYN_NAME.h5"
for p in $OPTDYN_RANKS; do
  [ "$p" -le "$ntasks" ] || { echo "skip $p ranks: only $ntasks tasks allocated"; continue; }
  run="$dir/p$p.h5"
  work=$((OPTDYN_WEAK_BASE * p))
  rm -f "$run"
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  launch_n "$p" "$OPTDYN" $OPTDYN_ARGS "$OPTDYN_WEAK_OPTION" "$work" -quiet -o "$run" >"$dir/p$p.log"
  t1=$(date +%s.%N)
  "$PYTHON" "$OPTDYN_TOOLS/optdyn-scaling" record "$OPTDYN_OUTDIR/$OPTDYN_NAME.h5" --kind weak \
    --ranks "$p" --seconds "$(awk "BEGIN {print $t1 - $t0}")" --work "$work" --run "$run"
done
"$PYTHON" "$OPTDYN_TOOLS/optdyn-scaling" report "$OPTDYN_OUTDIR/$OPTDYN_NAME.h5" -o "$OPTDYN_OUTDIR/$OPTDYN_NAME-figures"
