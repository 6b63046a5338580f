#!/bin/bash
# Fault injection (fixed seed, so the same delays every time):
#  1. SIGTERM / SIGUSR1 at pseudo-random moments, including start-up, for every command that
#     checkpoints (escape, op, oscillator, es, knowledge): each stopped run exits 0 with a
#     checkpoint (or, stopped in start-up, with nothing written); -restart continues; the
#     final file's datasets are bitwise equal to an uninterrupted run's.
#  2. kill -9 of one rank of a 2-rank run: the run ends (mpiexec ends the other rank), the
#     last checkpoint is intact (independent CRC check) and a restart completes and matches.
#  3. A full file system (a small tmpfs; needs root and mount, else that part is skipped and
#     said so): the checkpoint failing is one warning and the run finishes; the output failing
#     is one error line, status 1, no partial file. A read-only directory: refused before work.
#  4. Mismatched checkpoints of sweep commands: another slice, another command's file.
#  5. Two concurrent writers to one -o: never a mixed file (the final file's seed matches its
#     data) or one run refused clearly.
source "$(dirname "$0")/lib.sh"
RANDOM=20261201
injected=0; survived=0
delay() { printf '%d.%02d' $((RANDOM % ($1 + 1) / 100)) $((RANDOM % ($1 + 1) % 100)); } # 0..$1 centiseconds

# wait_for_handlers PID: until the process catches SIGTERM and SIGUSR1 (or has ended)
wait_for_handlers() {
  local cgt
  for i in $(seq 400); do
    cgt=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 0
    [ -n "$cgt" ] || return 0
    (( (0x$cgt >> 14) & 1 && (0x$cgt >> 9) & 1 )) && return 0
    sleep 0.01
  done
}

# stop_and_resume NAME ARGS...: reference run, then runs interrupted at pseudo-random moments
# (first one during start-up) until the output exists, then compare.
stop_and_resume() {
  local name=$1; shift
  "$OPTDYN" "$@" -quiet -o "$name.ref.h5" >/dev/null
  rm -f "$name.h5" "$name.h5.ckpt"
  local k=0 sig st d
  while [ ! -e "$name.h5" ] && [ $k -lt 6 ]; do
    # first: during MPI/PETSc start-up. Delays count from the moment main() has installed the
    # handlers (visible in /proc/PID/status): before that, while the dynamic loader maps the
    # libraries (0.1-0.3 s), a signal has its default effect and nothing exists to lose.
    if [ $k -eq 0 ]; then d=0.0$((RANDOM % 10)); else d=$(delay 250); fi
    sig=$([ $((k % 2)) -eq 0 ] && echo TERM || echo USR1)
    "$OPTDYN" "$@" -quiet -restart -o "$name.h5" >"$name.log" 2>&1 &
    local pid=$!
    wait_for_handlers $pid
    sleep "$d"; kill -s "$sig" $pid 2>/dev/null || true
    set +e; wait $pid; st=$?; set -e
    injected=$((injected + 1))
    [ $st -eq 0 ] || fail "$name: SIG$sig after ${d}s: exit $st: $(cat "$name.log")"
    grep -qiE "error|HDF5-DIAG|MPI_ABORT" "$name.log" && fail "$name: SIG$sig after ${d}s: $(cat "$name.log")"
    if [ -e "$name.h5" ]; then what="finished before the signal"
    elif [ -e "$name.h5.ckpt" ]; then what="checkpoint"
    else what="stopped in start-up, nothing written"; fi
    echo "  $name: SIG$sig after ${d}s -> exit 0, $what"
    survived=$((survived + 1)); k=$((k + 1))
  done
  [ -e "$name.h5" ] || "$OPTDYN" "$@" -quiet -restart -o "$name.h5" >/dev/null
  [ ! -e "$name.h5.ckpt" ] || fail "$name: checkpoint left after the run finished"
  same_datasets "$name.ref.h5" "$name.h5" >/dev/null || fail "$name: restarted result differs from the uninterrupted run"
  echo "ok: $name: $k interruptions, result bitwise equal to the uninterrupted run"
}

echo "--- 1. stop signals at pseudo-random moments"
stop_and_resume escape escape -escape_T_num 4 -escape_walkers 3000 -escape_chunk 100 -escape_steps 100,3000 -sweep_checkpoint_interval 0
stop_and_resume op op -op_s0_num 2000 -op_t 10 -sweep_checkpoint_interval 0
stop_and_resume osc oscillator -osc_eta_num 40 -osc_beta_num 30 -osc_steps 4000 -osc_trajectory false -sweep_checkpoint_interval 0
stop_and_resume es es -es_population 40 -es_generations 4000 -es_check_interval 20 -es_checkpoint_interval 0
if [ -d /usr/share/datasets/fashion-mnist ]; then
  stop_and_resume kl knowledge -options_file_yaml "$OPTDYN_SOURCE/configs/knowledge-small.yaml" -kl_seeds 2 -kl_activations softplus -kl_phase1_examples 600 -kl_fork_examples 600 -kl_test_examples 100 -sweep_checkpoint_interval 0
else echo "skip knowledge: no /usr/share/datasets/fashion-mnist"; fi

echo "--- 2. kill -9 of one rank of a 2-rank run"
E=(escape -escape_T_num 6 -escape_T_max 0.012 -escape_walkers 40000 -escape_chunk 1000 -escape_steps 100,3000 -sweep_checkpoint_interval 0 -quiet) # long enough to kill on an idle machine
"$OPTDYN" "${E[@]}" -o k9.ref.h5 >/dev/null
"$MPIEXEC" -q --oversubscribe -n 2 "$OPTDYN" "${E[@]}" -o k9.h5 >k9.log 2>&1 &
mpid=$!
for i in $(seq 600); do [ -e k9.h5.ckpt ] && break; kill -0 $mpid 2>/dev/null || break; sleep 0.05; done
sleep "$(delay 50)"
ranks=$(pgrep -P $mpid -f "$OPTDYN" || true)
victim=$(echo "$ranks" | tail -1)
[ -n "$victim" ] || fail "kill -9: no rank process found (did the run finish already? $(cat k9.log))"
kill -9 "$victim"; injected=$((injected + 1))
for i in $(seq 1200); do kill -0 $mpid 2>/dev/null || break; sleep 0.05; done
kill -0 $mpid 2>/dev/null && { kill -9 $mpid; fail "kill -9: mpiexec still running 60 s after a rank died"; }
set +e; wait $mpid; st=$?; set -e
[ $st -ne 0 ] || fail "kill -9: mpiexec exited 0"
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null | tr -d " ") && [ -n "$st" ] && [ "${st:0:1}" != Z ]; } # zombies are dead
for r in $ranks; do alive "$r" && fail "kill -9: rank $r still alive ($(ps -o pid,stat,cmd -p "$r"))"; done
[ ! -e k9.h5 ] || fail "kill -9: an output file was written"
[ -e k9.h5.ckpt ] || fail "kill -9: no checkpoint left"
"$PYTHON" "$OPTDYN_SOURCE/tests/scripts/ckpt_tool.py" verify k9.h5.ckpt || fail "kill -9: the checkpoint is damaged"
ls k9.h5.ckpt.tmp.* >/dev/null 2>&1 && echo "  note: a half-written checkpoint temporary remains (the rename never happened; harmless)"
run_np 2 "${E[@]}" -restart -o k9.h5 >/dev/null || fail "kill -9: restart failed"
same_datasets k9.ref.h5 k9.h5 >/dev/null || fail "kill -9: restarted result differs"
survived=$((survived + 1))
echo "ok: kill -9 of rank $victim: mpiexec exit $st, checkpoint intact, restart equal to the uninterrupted run"

echo "--- 3. full file system, read-only directory"
if [ "$(id -u)" = 0 ] && mkdir -p small && mount -t tmpfs -o size=96k tmpfs small 2>/dev/null; then
  trap 'umount "$WORK/small" 2>/dev/null || true; umount "$WORK/ro" 2>/dev/null || true; cd /; rm -rf "$WORK"' EXIT
  # the checkpoint (per chunk: 1000 chunks) does not fit, the output (per point) does
  C=(escape -escape_T_num 2 -escape_walkers 50000 -escape_chunk 100 -escape_steps 10,100 -sweep_checkpoint_interval 0 -quiet)
  set +e; "$OPTDYN" "${C[@]}" -o small/c.h5 >ck.log 2>ck.err; st=$?; set -e
  injected=$((injected + 1))
  [ $st -eq 0 ] && [ -e small/c.h5 ] || fail "full disk (checkpoint): the run did not finish: $(cat ck.err)"
  [ "$(grep -c 'optdyn: warning: checkpoint' ck.err)" = 1 ] || fail "full disk (checkpoint): expected one warning: $(cat ck.err)"
  ! grep -q "HDF5-DIAG" ck.err || fail "full disk (checkpoint): HDF5 trace"
  ls small/*.tmp.* >/dev/null 2>&1 && fail "full disk (checkpoint): temporary left: $(ls small)"
  survived=$((survived + 1)); echo "ok: full disk for the checkpoint: $(head -c 160 ck.err)..."
  rm -f small/*
  # the output does not fit
  O=(escape -escape_T_num 300 -escape_walkers 20 -escape_hist_bins 400 -escape_steps 10,100 -quiet)
  for np in 1 2; do
    set +e; "$MPIEXEC" -q --oversubscribe -n $np "$OPTDYN" "${O[@]}" -o small/o.h5 >o.log 2>o.err; st=$?; set -e
    injected=$((injected + 1))
    [ $st -eq 1 ] || fail "full disk (output, $np ranks): exit $st: $(cat o.err)"
    [ "$(grep -c '^optdyn: error:' o.err)" = 1 ] || fail "full disk (output, $np ranks): not one error line: $(cat o.err)"
    grep '^optdyn: error:' o.err | grep -qE "No space left|disk full" || fail "full disk (output): the reason is not named: $(cat o.err)"
    ! grep -qE "HDF5-DIAG|MPI_ABORT|PETSC ERROR" o.err || fail "full disk (output): trace printed: $(cat o.err)"
    [ -z "$(ls small)" ] || fail "full disk (output, $np ranks): files left: $(ls small)"
    extra=$(grep -vc '^optdyn: error:' o.err || true)
    survived=$((survived + 1)); echo "ok: full disk for the output at $np rank(s): $(grep '^optdyn: error:' o.err) [+$extra line(s) from Open MPI's I/O component]"
  done
  umount small
  mkdir -p ro && mount -t tmpfs -o ro,size=64k tmpfs ro
  set +e; "$OPTDYN" escape -escape_walkers 10 -quiet -o ro/x.h5 >ro.log 2>&1; st=$?; set -e
  injected=$((injected + 1))
  [ $st -eq 1 ] && grep -q "option -o" ro.log && [ "$(grep -c . ro.log)" = 1 ] || fail "read-only directory: $(cat ro.log)"
  survived=$((survived + 1)); echo "ok: read-only directory: $(cat ro.log)"
  umount ro
else
  echo "skip: full file system and read-only directory need root and 'mount -t tmpfs' (not available here)"
fi

echo "--- 4. mismatched sweep checkpoints"
M=(oscillator -osc_eta_num 40 -osc_beta_num 30 -osc_steps 4000 -osc_trajectory false -sweep_checkpoint_interval 0 -quiet)
"$OPTDYN" "${M[@]}" -o mm.h5 -sweep_slice 0/2 >/dev/null &
pid=$!
for i in $(seq 600); do [ -e mm.h5.ckpt ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.02; done
kill -USR1 $pid 2>/dev/null || true; wait $pid || true
if [ -e mm.h5.ckpt ]; then
  for variant in "-sweep_slice 1/2" "-sweep_slice 0/2 -osc_steps 501" "-sweep_slice 0/2 -seed 2" "-osc_steps 501"; do
    set +e; out=$("$OPTDYN" "${M[@]}" $variant -restart -o mm.h5 2>&1); st=$?; set -e
    injected=$((injected + 1))
    [ $st -eq 1 ] && [ "$(grep -c . <<<"$out")" = 1 ] && grep -q "mm.h5.ckpt" <<<"$out" || fail "mismatched checkpoint ($variant) accepted or unclear: $out"
    survived=$((survived + 1)); echo "ok: checkpoint of another run ($variant) refused: $out"
  done
  cp mm.h5.ckpt op.h5.ckpt
  set +e; out=$("$OPTDYN" op -op_s0_num 8 -quiet -restart -o op.h5 2>&1); st=$?; set -e
  injected=$((injected + 1))
  [ $st -eq 1 ] && grep -q "op.h5.ckpt" <<<"$out" && [ "$(grep -c . <<<"$out")" = 1 ] || fail "another command's sweep checkpoint accepted or unclear: $out"
  survived=$((survived + 1)); echo "ok: oscillator checkpoint offered to op refused: $out"
else echo "note: the oscillator run finished before its signal; mismatch rows skipped"; fi

echo "--- 5. two concurrent writers to one -o"
W=(escape -escape_T_num 3 -escape_walkers 2000 -escape_chunk 100 -escape_steps 100,1000 -quiet)
"$OPTDYN" "${W[@]}" -seed 11 -o w11.h5 >/dev/null
"$OPTDYN" "${W[@]}" -seed 12 -o w12.h5 >/dev/null
"$OPTDYN" "${W[@]}" -seed 11 -o shared.h5 >wa.log 2>&1 & pa=$!
"$OPTDYN" "${W[@]}" -seed 12 -o shared.h5 >wb.log 2>&1 & pb=$!
set +e; wait $pa; sa=$?; wait $pb; sb=$?; set -e
injected=$((injected + 1))
[ -e shared.h5 ] || fail "concurrent writers: no file at all ($sa, $sb): $(cat wa.log wb.log)"
seed=$("$PYTHON" -c "import h5py; print(int(h5py.File('shared.h5','r').attrs['seed']))")
same_datasets "w$seed.h5" shared.h5 >/dev/null || fail "concurrent writers: MIXED FILE: provenance seed $seed, data of the other run"
for s in $sa $sb; do [ $s -eq 0 ] || [ $s -eq 1 ] || fail "concurrent writers: exit status $s"; done
[ $sa -eq 0 ] || grep -q "optdyn: error" wa.log || fail "concurrent writers: first run failed without a message"
[ $sb -eq 0 ] || grep -q "optdyn: error" wb.log || fail "concurrent writers: second run failed without a message"
survived=$((survived + 1))
echo "ok: concurrent writers (exit $sa and $sb): the file's seed $seed matches its data"

echo "fault injection: $injected faults injected, $survived survived"
[ $injected -eq $survived ] || fail "some faults were not survived"
