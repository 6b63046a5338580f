#!/bin/bash
# Checkpoint/restart of a sweep (docs/models.md §0 "Long runs"): a running `optdyn escape` sweep is
# sent SIGUSR1 (1 rank, direct) or SIGTERM (1 rank) or SIGUSR1 through mpiexec (2 ranks);
# it must exit with status 0, leave OUTPUT.ckpt and no OUTPUT.h5; `-restart` must then
# finish and give datasets bitwise identical to an uninterrupted run, and remove the
# checkpoint. A restart with different options must be refused.
set -euo pipefail
: "${OPTDYN:?}" "${PYTHON:=/usr/bin/python3}" "${OPTDYN_SOURCE:?}" "${MPIEXEC:=mpiexec}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
SAME="$PYTHON $OPTDYN_SOURCE/tests/slurm/h5same.py"
work=$(mktemp -d /tmp/od_cluster_restart.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

# ~80 work units of ~15 ms: long enough to be interrupted, short enough for CI
ARGS=(escape -escape_T_min 0.008 -escape_T_max 0.012 -escape_T_num 4 -escape_walkers 600
      -escape_chunk 30 -escape_steps 100,10000 -quiet -sweep_checkpoint_interval 0)

"$OPTDYN" "${ARGS[@]}" -o ref.h5 >/dev/null

# interrupt LAUNCHER... -o NAME.h5 with SIGNAL as soon as its first checkpoint exists
interrupt() {
  local sig=$1 name=$2
  shift 2
  rm -f "$name.h5" "$name.h5.ckpt"
  "$@" "${ARGS[@]}" -o "$name.h5" >"$name.log" 2>&1 &
  local pid=$! i
  for ((i = 0; i < 600; i++)); do
    [ -e "$name.h5.ckpt" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -"$sig" "$pid" 2>/dev/null || true
  local rc=0
  wait "$pid" || rc=$?
  if [ "$rc" != 0 ]; then
    cat "$name.log"
    echo "FAIL: $name: interrupted run exited with status $rc (expected 0 after checkpointing)"
    exit 1
  fi
  if [ -e "$name.h5" ]; then
    echo "FAIL: $name: the run finished before $sig arrived (work too small?); cannot test restart"
    exit 1
  fi
  [ -e "$name.h5.ckpt" ] || { cat "$name.log"; echo "FAIL: $name: no checkpoint $name.h5.ckpt after $sig"; exit 1; }
  grep -q "continue with -restart" "$name.log" || { cat "$name.log"; echo "FAIL: $name: no 'continue with -restart' message"; exit 1; }
  if [ "$name" = usr1_np1 ]; then
    # a checkpoint written with other options must be refused, with a message, nothing written
    if "$@" "${ARGS[@]}" -escape_walkers 599 -o "$name.h5" -restart >mism.log 2>&1; then
      echo "FAIL: a restart with different options was accepted"; exit 1
    fi
    grep -q "different options" mism.log || { cat mism.log; echo "FAIL: no clear message for a mismatched checkpoint"; exit 1; }
    [ ! -e "$name.h5" ] || { echo "FAIL: output written despite a mismatched checkpoint"; exit 1; }
    echo "ok: mismatched checkpoint refused: $(grep -o 'checkpoint .*' mism.log | head -1)"
  fi
  [ ! -e "$name.h5" ] && [ -e "$name.h5.partial" ] && { echo "FAIL: $name: partial output left behind"; exit 1; }
  "$@" "${ARGS[@]}" -o "$name.h5" -restart >"$name.restart.log" 2>&1 ||
    { cat "$name.restart.log"; echo "FAIL: $name: -restart failed"; exit 1; }
  grep -q "restarting from" "$name.restart.log" || { cat "$name.restart.log"; echo "FAIL: $name: -restart did not load the checkpoint"; exit 1; }
  [ ! -e "$name.h5.ckpt" ] || { echo "FAIL: $name: checkpoint not removed after completion"; exit 1; }
  $SAME "$name.h5" ref.h5 --root sweep_points --root seed || { echo "FAIL: $name: restarted run differs from the uninterrupted run"; exit 1; }
  echo "ok: $name ($sig, then -restart: $(grep -o 'units already done' -c "$name.restart.log") restart) == uninterrupted"
}

interrupt USR1 usr1_np1 "$OPTDYN"
interrupt TERM term_np1 "$OPTDYN"
interrupt USR1 usr1_np2 "$MPIEXEC" --oversubscribe -n 2 "$OPTDYN"

echo PASS
