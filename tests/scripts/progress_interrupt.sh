#!/bin/bash
# Progress lines count in the command's own unit, and a run stopped by a signal says that it
# checkpointed and how to resume, instead of "done" and an empty result table.
source "$(dirname "$0")/lib.sh"
ARGS=(escape -escape_T_num 4 -escape_walkers 1200 -escape_chunk 30 -escape_steps 100,10000 -sweep_checkpoint_interval 0)
"$OPTDYN" "${ARGS[@]}" -o run.h5 > run.log 2>&1 &
pid=$!
for ((i = 0; i < 600; i++)); do
  [ -e run.h5.ckpt ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
kill -USR1 "$pid" 2>/dev/null || true
rc=0; wait "$pid" || rc=$?
cat run.log
[ "$rc" = 0 ] || fail "interrupted run exited with $rc"
if [ -e run.h5 ]; then echo "note: the run finished before the signal; nothing to check"; exit 77; fi
grep -q "interrupted after .* walker-steps" run.log || fail "no interruption line in walker-steps"
grep -q "Resume .* with:" run.log || fail "no resume hint"
grep -qE "^  optdyn escape .*-o run.h5 -restart$" run.log || fail "resume command missing or wrong"
if grep -q "done in" run.log; then fail "interrupted run says done"; fi
if grep -qE "^ +T +P\(n=" run.log; then fail "interrupted run prints an empty table header"; fi
# the printed command resumes and finishes
cmd=$(grep -E "^  optdyn escape " run.log | sed 's/^  optdyn //')
"$OPTDYN" $cmd -quiet > resumed.log 2>&1 || { cat resumed.log; fail "resume command failed"; }
[ -e run.h5 ] && [ ! -e run.h5.ckpt ] || fail "the resumed run did not finish"
grep -q "restarting from run.h5.ckpt" resumed.log || fail "resume did not use the checkpoint"
echo "ok: interrupted run reports the checkpoint and a working resume command"
