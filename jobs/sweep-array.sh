#!/bin/bash
# optdyn array sweep: task K of an N-task job array computes slice K/N of the sweep's
# points (-sweep_slice K/N, K counted from the array's first index), each into
# $OPTDYN_OUTDIR/$OPTDYN_NAME.sliceKofN.h5. Join the slices with jobs/postprocess.sh
# (optdyn-merge), or submit both chained with jobs/submit-sweep.sh.
#
#   sbatch --array=0-7 jobs/sweep-array.sh
#
# Each task may itself be an MPI job (--ntasks > 1; launcher as in jobs/sweep-mpi.sh).
# A task that reaches its time limit checkpoints and requeues itself exactly like
# jobs/checkpoint-requeue.sh (USR1 shortly before the limit, -restart on the next start),
# so an array of long slices also survives time limits and node failures.
#SBATCH --job-name=optdyn-array
#SBATCH --array=0-3
#SBATCH --ntasks=1
#SBATCH --time=01:00:00
#SBATCH --signal=B:USR1@120
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --output=%x-%A_%a.out
set -uo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
OPTDYN=${OPTDYN:-$PWD/build/app/optdyn}                                       # EDIT: the executable
OPTDYN_ARGS=${OPTDYN_ARGS:-"escape -options_file_yaml configs/escape.yaml"}  # EDIT: command, options
OPTDYN_OUTDIR=${OPTDYN_OUTDIR:-$PWD/results}
OPTDYN_NAME=${OPTDYN_NAME:-sweep}
OPTDYN_LAUNCH=${OPTDYN_LAUNCH:-srun}
OPTDYN_MAX_REQUEUE=${OPTDYN_MAX_REQUEUE:-10}

: "${SLURM_ARRAY_TASK_ID:?submit with sbatch --array=...}"
K=$(((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}) / ${SLURM_ARRAY_TASK_STEP:-1}))
N=${SLURM_ARRAY_TASK_COUNT:-1}
OUT="$OPTDYN_OUTDIR/$OPTDYN_NAME.slice${K}of${N}.h5"

launch() {
  case $OPTDYN_LAUNCH in
    srun) srun --mpi=pmix "$@" ;;
    mpiexec) mpiexec "$@" ;;
    none) "$@" ;;
    *) echo "OPTDYN_LAUNCH=$OPTDYN_LAUNCH is not allowed: srun, mpiexec or none" >&2; return 2 ;;
  esac
}

mkdir -p "$OPTDYN_OUTDIR"
echo "optdyn array task $SLURM_ARRAY_TASK_ID: slice $K/$N -> $OUT (start ${SLURM_RESTART_COUNT:-0})"
if [ -e "$OUT" ]; then echo "already done: $OUT"; exit 0; fi

# Run in the background so that the trap can forward USR1/TERM to it; the run finishes the
# work in flight, writes $OUT.ckpt and exits 0 without writing $OUT.
signalled=0
run_pid=
forward() {
  signalled=1
  echo "optdyn array task: signal received at $(date -u +%FT%TZ); passing USR1 to the run"
  if [ "$OPTDYN_LAUNCH" = srun ] && [ -n "${SLURM_JOB_ID:-}" ]; then
    # srun itself exits on SIGUSR1 before its tasks checkpoint: signal the job's steps
    # (scancel does not signal the batch step, i.e. this script, unless asked to)
    scancel --signal=USR1 "$SLURM_JOB_ID"
  elif [ -n "$run_pid" ]; then
    kill -USR1 "$run_pid" 2>/dev/null # Open MPI's mpiexec forwards SIGUSR1 to its ranks
  fi
}
trap forward USR1 TERM
# shellcheck disable=SC2086
launch "$OPTDYN" $OPTDYN_ARGS -sweep_slice "$K/$N" -o "$OUT" -restart &
run_pid=$!
while :; do
  wait "$run_pid"
  rc=$?
  if [ $rc -gt 128 ] && kill -0 "$run_pid" 2>/dev/null; then continue; fi
  [ $rc -gt 128 ] && { wait "$run_pid"; rc=$?; }
  break
done
trap - USR1 TERM
if [ -e "$OUT" ]; then
  echo "optdyn array task: wrote $OUT"
  exit 0
fi
if [ -e "$OUT.ckpt" ] && [ "${SLURM_RESTART_COUNT:-0}" -lt "$OPTDYN_MAX_REQUEUE" ]; then
  echo "optdyn array task: checkpoint $OUT.ckpt written (signalled=$signalled, status $rc); requeueing"
  scontrol requeue "$SLURM_JOB_ID"
  sleep 30 # the requeue ends this script
  exit 0
fi
echo "optdyn array task: the run failed (status $rc) and left no checkpoint" >&2
exit "$((rc ? rc : 1))"
