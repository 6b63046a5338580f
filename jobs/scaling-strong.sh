#!/bin/bash
# optdyn strong-scaling job: the SAME sweep at 1, 2, 4, ... ranks (up to the allocation's
# tasks), each run timed (wall clock, launcher included) and recorded with
# tools/optdyn-scaling into $OPTDYN_OUTDIR/$OPTDYN_NAME.h5 (datasets /scaling/ranks,
# seconds, speedup, efficiency, identical); also checks that every run's datasets are
# bitwise identical to the 1-rank run (docs/models.md §0), and draws speed-up/efficiency
# ($OPTDYN_NAME-figures/scaling_strong.png). Rank counts: OPTDYN_RANKS (default: powers
# of two up to SLURM_NTASKS). Choose a sweep that runs for a minute or more at 1 rank.
#
#   sbatch --ntasks=16 jobs/scaling-strong.sh
#SBATCH --job-name=optdyn-strong
#SBATCH --ntasks=4
#SBATCH --time=01:00:00
##SBATCH --exclusive            # recommended on a shared cluster (remove one #): no other jobs on the nodes
#SBATCH --output=%x-%j.out
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
OPTDYN=${OPTDYN:-$PWD/build/app/optdyn}                                                       # EDIT: the executable
OPTDYN_ARGS=${OPTDYN_ARGS:-"escape -options_file_yaml configs/escape.yaml -escape_walkers 40000"}  # EDIT: the sweep
OPTDYN_TOOLS=${OPTDYN_TOOLS:-$PWD/tools}
OPTDYN_OUTDIR=${OPTDYN_OUTDIR:-$PWD/results}
OPTDYN_NAME=${OPTDYN_NAME:-scaling-strong}
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
  rm -f "$run"
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  launch_n "$p" "$OPTDYN" $OPTDYN_ARGS -quiet -o "$run" >"$dir/p$p.log"
  t1=$(date +%s.%N)
  "$PYTHON" "$OPTDYN_TOOLS/optdyn-scaling" record "$OPTDYN_OUTDIR/$OPTDYN_NAME.h5" --kind strong \
    --ranks "$p" --seconds "$(awk "BEGIN {print $t1 - $t0}")" --work 1 --run "$run"
done
"$PYTHON" "$OPTDYN_TOOLS/optdyn-scaling" report "$OPTDYN_OUTDIR/$OPTDYN_NAME.h5" -o "$OPTDYN_OUTDIR/$OPTDYN_NAME-figures"
