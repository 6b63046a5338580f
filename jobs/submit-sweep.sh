#!/bin/bash
# Submit an optdyn sweep as a SLURM job array and chain the post-processing (merge +
# figures) with --dependency=afterok; print the job ids.
#
#   jobs/submit-sweep.sh [-s SLICES] [-n TASKS_PER_SLICE] [-t TIME] [-N NAME] [-d OUTDIR]
#                        [-- SBATCH_OPTIONS...] COMMAND [OPTIONS...]
#   e.g. jobs/submit-sweep.sh -s 8 -t 02:00:00 escape -options_file_yaml configs/escape-wide.yaml
#
# Output (stdout, one line each, easy to parse):
#   array JOBID        the array job (SLICES tasks, jobs/sweep-array.sh)
#   postprocess JOBID  jobs/postprocess.sh, starts when every task succeeded (afterok)
#   result OUTDIR/NAME.h5
# Run it from the optdyn source directory (the jobs find build/app/optdyn and tools/ from
# there), or set OPTDYN / OPTDYN_TOOLS. Extra sbatch options (partition, account, ...) go
# after `--` before the command, e.g. `-- --partition=short --account=me escape ...`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
slices=4 tasks=1 time=01:00:00 name=sweep outdir=$PWD/results
extra=()
usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case $1 in
    -s) slices=$2; shift 2 ;;
    -n) tasks=$2; shift 2 ;;
    -t) time=$2; shift 2 ;;
    -N) name=$2; shift 2 ;;
    -d) outdir=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    --) shift; while [ $# -gt 0 ] && [ "${1:0:1}" = "-" ]; do extra+=("$1"); shift; done ;;
    -*) echo "submit-sweep: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "submit-sweep: missing COMMAND" >&2; usage; }
case $slices in '' | *[!0-9]* | 0) echo "submit-sweep: -s $slices is not allowed: a positive number of slices" >&2; exit 2 ;; esac
case $tasks in '' | *[!0-9]* | 0) echo "submit-sweep: -n $tasks is not allowed: a positive number of tasks" >&2; exit 2 ;; esac
mkdir -p "$outdir"
export OPTDYN_ARGS="$*" OPTDYN_NAME="$name" OPTDYN_OUTDIR="$outdir"
array=$(sbatch --parsable --array=0-$((slices - 1)) --ntasks="$tasks" --time="$time" \
  --job-name="optdyn-$name" --output="$outdir/$name-%A_%a.out" "${extra[@]}" "$here/sweep-array.sh")
array=${array%%;*}
post=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
  --job-name="optdyn-$name-post" --output="$outdir/$name-post-%j.out" "${extra[@]}" "$here/postprocess.sh")
post=${post%%;*}
echo "array $array"
echo "postprocess $post"
echo "result $outdir/$name.h5"
