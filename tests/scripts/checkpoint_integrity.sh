#!/bin/bash
# One checkpoint format (include/optdyn/checkpoint.h): a sweep checkpoint and an es
# checkpoint are both verified by an independent Python implementation of the documented
# CRC-32, and the one C reader refuses — with one line naming the file — a raw flipped
# byte, an edited value whose checksum was not updated, a NaN where the format forbids it
# and an out-of-range integer attribute (both with a valid checksum: the value checks are
# reached), and a landscape file edited between interrupt and restart. A signal before the
# work starts ends the run cleanly (status 0, message, nothing written).
source "$(dirname "$0")/lib.sh"
TOOL="$PYTHON $OPTDYN_SOURCE/tests/scripts/ckpt_tool.py"
refused() { # refused FRAGMENT CMD...: the command fails, its message names the checkpoint file and has FRAGMENT
  local frag=$1; shift
  set +e; out=$("$@" 2>&1); st=$?; set -e
  [ $st -ne 0 ] || fail "accepted (expected '$frag'): $*"
  grep -q "$frag" <<<"$out" || fail "message lacks '$frag': $out"
  grep -q "\.ckpt" <<<"$out" || fail "message does not name the checkpoint file: $out"
  ! grep -q "HDF5-DIAG" <<<"$out" || fail "HDF5 error stack printed: $out"
  [ "$(echo "$out" | grep -c "error")" -le 1 ] || fail "more than one error line: $out"
  echo "ok: refused ($frag): $(echo "$out" | grep error | head -1)"
}

# --- es: stop after 7 generations (stands in for a signal) ---
E=(es -es_population 12 -es_generations 40 -es_distribution separable -quiet)
"$OPTDYN" "${E[@]}" -o es.h5 -es_stop_after 7 >/dev/null
[ -e es.h5.ckpt ] && [ ! -e es.h5 ] || fail "es: expected only es.h5.ckpt"
$TOOL verify es.h5.ckpt || fail "es checkpoint: Python CRC-32 disagrees with the C writer"

# --- sweep (escape, landscape from a YAML file): interrupt once the first checkpoint exists ---
cp "$OPTDYN_SOURCE/configs/landscape-example.yaml" land.yaml
S=(escape -landscape land.yaml -escape_T_min 0.008 -escape_T_max 0.012 -escape_T_num 4 -escape_walkers 600
   -escape_chunk 30 -escape_steps 100,10000 -quiet -sweep_checkpoint_interval 0)
"$OPTDYN" "${S[@]}" -o sw.h5 >sw.log 2>&1 &
pid=$!
for i in $(seq 600); do [ -e sw.h5.ckpt ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
kill -USR1 $pid 2>/dev/null || true
wait $pid || fail "sweep: interrupted run exited non-zero: $(cat sw.log)"
[ -e sw.h5.ckpt ] && [ ! -e sw.h5 ] || fail "sweep: expected only sw.h5.ckpt: $(cat sw.log)"
$TOOL verify sw.h5.ckpt || fail "sweep checkpoint: Python CRC-32 disagrees with the C writer"
cp sw.h5.ckpt sw.good; cp es.h5.ckpt es.good

# the same reader for both: a sweep checkpoint offered to es is refused as another command's
cp sw.good es.h5.ckpt
refused "belongs to another command" "$OPTDYN" "${E[@]}" -o es.h5 -restart
# edited values, checksum not updated
cp es.good es.h5.ckpt; $TOOL set es.h5.ckpt mu 0 0.123 --keep-checksum
refused "checksum does not match" "$OPTDYN" "${E[@]}" -o es.h5 -restart
cp sw.good sw.h5.ckpt; $TOOL set sw.h5.ckpt records 0 12345.5 --keep-checksum
refused "checksum does not match" "$OPTDYN" "${S[@]}" -o sw.h5 -restart
# a raw flipped byte in the middle of the file
cp sw.good sw.h5.ckpt
"$PYTHON" -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[len(b)//2]^=0x10; open(p,'wb').write(b)" sw.h5.ckpt
refused "is corrupt" "$OPTDYN" "${S[@]}" -o sw.h5 -restart
# a truncated file
head -c 2000 sw.good > sw.h5.ckpt
refused "is corrupt" "$OPTDYN" "${S[@]}" -o sw.h5 -restart
# forged files with a VALID checksum: the value checks still refuse them
cp es.good es.h5.ckpt; $TOOL set es.h5.ckpt generation 0 1000000000
refused "generation = 1000000000 is outside" "$OPTDYN" "${E[@]}" -o es.h5 -restart
cp es.good es.h5.ckpt; $TOOL set es.h5.ckpt replicate 0 -5
refused "replicate = -5 is outside" "$OPTDYN" "${E[@]}" -o es.h5 -restart
cp es.good es.h5.ckpt; $TOOL set es.h5.ckpt sigma 1 nan
refused "must be finite" "$OPTDYN" "${E[@]}" -o es.h5 -restart
cp sw.good sw.h5.ckpt; $TOOL set sw.h5.ckpt done 0 2
refused "outside" "$OPTDYN" "${S[@]}" -o sw.h5 -restart
# the landscape file changed between interrupt and restart
cp sw.good sw.h5.ckpt
echo "# edited after the interrupt" >> land.yaml
refused "input file" "$OPTDYN" "${S[@]}" -o sw.h5 -restart
[ ! -e sw.h5 ] && [ ! -e es.h5 ] || fail "an output file was written by a refused restart"
# the untouched checkpoints still restart and finish
cp "$OPTDYN_SOURCE/configs/landscape-example.yaml" land.yaml
cp es.good es.h5.ckpt; "$OPTDYN" "${E[@]}" -o es.h5 -restart >/dev/null || fail "es: good checkpoint not accepted"
cp sw.good sw.h5.ckpt; "$OPTDYN" "${S[@]}" -o sw.h5 -restart >/dev/null || fail "sweep: good checkpoint not accepted"
[ -e es.h5 ] && [ -e sw.h5 ] || fail "restarts did not write their output"

# --- a stop signal during start-up: clean exit, a message, nothing computed or written ---
set +e
out=$("$OPTDYN" "${E[@]}" -o early.h5 -es_stop_after 0 2>&1 &
      pid=$!; kill -USR1 $pid; wait $pid; echo "status=$?")
set -e
if grep -q "during start-up" <<<"$out"; then
  grep -q "status=0" <<<"$out" || fail "start-up stop: status is not 0: $out"
  [ ! -e early.h5 ] || fail "start-up stop wrote output"
  echo "ok: signal during start-up: $(echo "$out" | grep start-up)"
else
  # the signal may arrive before the handlers exist (then the default action kills the
  # process) or after start-up (then a checkpoint is written): both are not start-up cases
  echo "note: the signal did not land in start-up this time: $out"
fi
echo "checkpoint_integrity: OK"
