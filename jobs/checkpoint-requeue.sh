#!/bin/bash
# optdyn long sweep that survives its time limit: checkpoint before the limit, requeue,
# resume with -restart, finish with the same file as an uninterrupted run.
#
#   sbatch jobs/checkpoint-requeue.sh
#
# How it works:
#  * --signal=B:USR1@300: Slurm sends SIGUSR1 to this batch shell (B:) about 300 s before
#    the time limit (Slurm checks every ~30 s, so it may come up to a minute early);
#  * the trap passes it on to the ranks: with srun through `scancel --signal=USR1 JOBID`
#    (signals the job steps, not this script; srun itself would exit on SIGUSR1 before
#    its tasks have checkpointed), with mpiexec by `kill -USR1` (Open MPI forwards it to the
#    ranks); optdyn finishes the work in flight, writes OUTPUT.h5.ckpt and exits 0
#    (OD_EXIT_STOPPED, include/optdyn/runctl.h) without OUTPUT.h5;
#  * the script then calls `scontrol requeue` (allowed by --requeue); the job returns to the
#    queue with the same job id, and the next start runs the same command with -restart,
#    which computes only the missing work (bitwise identical result);
#  * --open-mode=append keeps the log of every start in one file; SLURM_RESTART_COUNT
#    counts the starts; OPTDYN_MAX_REQUEUE (default 10) bounds the loop.
# Pick the signal time so that one unit of work (one round of the sweep: one work unit
# per rank) plus writing the checkpoint fits in it.
#SBATCH --job-name=optdyn-ckpt
#SBATCH --ntasks=4
#SBATCH --time=02:00:00
#SBATCH --signal=B:USR1@300
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --output=%x-%j.out
set -uo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
OPTDYN=${OPTDYN:-$PWD/build/app/optdyn}                                       # EDIT: the executable
OPTDYN_ARGS=${OPTDYN_ARGS:-"escape -options_file_yaml configs/escape.yaml"}  # EDIT: command, options
OPTDYN_OUTDIR=${OPTDYN_OUTDIR:-$PWD/results}
OPTDYN_NAME=${OPTDYN_NAME:-long}
OPTDYN_LAUNCH=${OPTDYN_LAUNCH:-srun}
OPTDYN_MAX_REQUEUE=${OPTDYN_MAX_REQUEUE:-10}
OUT="$OPTDYN_OUTDIR/$OPTDYN_NAME.h5"

launch() {
  case $OPTDYN_LAUNCH in
    srun) srun --mpi=pmix "$@" ;;
    mpiexec) mpiexec "$@" ;;
    none) "$@" ;;
    *) echo "OPTDYN_LAUNCH=$OPTDYN_LAUNCH is not allowed: srun, mpiexec or none" >&2; return 2 ;;
  esac
}

mkdir -p "$OPTDYN_OUTDIR"
echo "optdyn ckpt job ${SLURM_JOB_ID:-?}: start $((${SLURM_RESTART_COUNT:-0} + 1)) at $(date -u +%FT%TZ), $OUT"
if [ -e "$OUT" ]; then echo "already done: $OUT"; exit 0; fi

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
# -restart is harmless on the first start (no checkpoint yet: the run starts from zero)
# shellcheck disable=SC2086
launch "$OPTDYN" $OPTDYN_ARGS -o "$OUT" -restart &
run_pid=$!
while :; do
  wait "$run_pid"
  rc=$?
  # a trapped signal interrupts `wait`: keep waiting while the run finishes its round
  if [ $rc -gt 128 ] && kill -0 "$run_pid" 2>/dev/null; then continue; fi
  [ $rc -gt 128 ] && { wait "$run_pid"; rc=$?; }
  break
done
trap - USR1 TERM
if [ -e "$OUT" ]; then
  echo "optdyn ckpt job: finished, wrote $OUT (after $((${SLURM_RESTART_COUNT:-0} + 1)) start(s))"
  exit 0
fi
# stopped: a checkpoint, or status 0 without output (stopped during start-up, nothing computed)
if { [ -e "$OUT.ckpt" ] || { [ "$rc" -eq 0 ] && [ "$signalled" = 1 ]; }; } && [ "${SLURM_RESTART_COUNT:-0}" -lt "$OPTDYN_MAX_REQUEUE" ]; then
  echo "optdyn ckpt job: checkpoint $OUT.ckpt written (signalled=$signalled, status $rc); requeueing job $SLURM_JOB_ID"
  scontrol requeue "$SLURM_JOB_ID"
  sleep 30 # the requeue ends this script
  exit 0
fi
echo "optdyn ckpt job: the run failed (status $rc) and left no checkpoint" >&2
exit "$((rc ? rc : 1))"
