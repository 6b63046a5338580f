#!/bin/bash
# The output layer's promises (docs/output.md):
#  * the output location is checked before any work: -o naming a directory, a missing
#    directory, a path under a regular file (and an unwritable directory when not root)
#    fail with ONE line naming -o and the rule, and leave no file;
#  * a path of ~300 characters (beyond Open MPI's 256-byte shared-file-pointer buffers) works
#    at 2 ranks;
#  * two concurrent runs on one -o: the second is refused (lock) with one line, the file is
#    the first run's, complete and intact;
#  * start_time < end_time and duration_seconds > 1 for a run that takes more than 1 s;
#  * every dataset has a checksum; optdyn-info --check accepts an intact file and refuses a
#    file with one flipped data byte, naming the dataset (exit 4);
#  * `optdyn COMMAND -summarize` recomputes exactly what the run wrote (file unchanged).
source "$(dirname "$0")/lib.sh"
INFO="$PYTHON $OPTDYN_SOURCE/tools/optdyn-info"
SAME="$PYTHON $OPTDYN_SOURCE/tests/slurm/h5same.py"
HEAVY="-escape_T_num 4 -escape_T_max 0.012 -escape_walkers 40000 -escape_chunk 1000 -escape_steps 100,10000"  # > 1 s even with the SIMD kernel on an idle core
LIGHT="-escape_T_num 3 -escape_walkers 200 -escape_steps 100,1000 -quiet"

# ---- fail before work, one line, no file
touch plainfile
mkdir adir
bad_location() { # bad_location -o-VALUE EXPECTED-REGEX
  set +e
  # shellcheck disable=SC2086
  timeout 60 "$OPTDYN" escape $HEAVY -o "$1" >out.txt 2>err.txt
  local rc=$?
  set -e
  [ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "-o $1: exit status $rc (expected a quick failure)"
  [ "$(wc -l <err.txt)" = 1 ] || { cat err.txt; fail "-o $1: expected one error line"; }
  grep -Eq -- "$2" err.txt || { cat err.txt; fail "-o $1: message does not match /$2/"; }
  [ ! -s out.txt ] || { cat out.txt; fail "-o $1: the run started (output on stdout)"; }
  [ -z "$(find . -name '*.h5*' -newer plainfile)" ] || fail "-o $1: left $(find . -name '*.h5*' -newer plainfile)"
  echo "ok: -o $1 -> $(cat err.txt)"
}
bad_location adir "option -o = adir: cannot create it: it is a directory"
bad_location adir/ "it is a directory"
bad_location nodir/run.h5 "directory nodir does not exist"
bad_location plainfile/run.h5 "plainfile is not a directory"
if [ "$(id -u)" != 0 ]; then
  mkdir ro && chmod 555 ro
  bad_location ro/run.h5 "directory ro is not writable"
fi

# ---- long path at 2 ranks
long="$WORK/$(printf 'd%.0s' $(seq 1 150))/$(printf 'n%.0s' $(seq 1 140)).h5"
mkdir -p "$(dirname "$long")"
# shellcheck disable=SC2086
run_np 2 escape $LIGHT -o "$long" >/dev/null || fail "a ${#long}-character -o path failed"
[ -f "$long" ] || fail "long path: no file"
echo "ok: a ${#long}-character path works at 2 ranks"

# ---- two concurrent writers; start/end times of a run longer than 1 s
# shellcheck disable=SC2086
"$OPTDYN" escape $HEAVY -seed 11 -quiet -o shared.h5 >a.txt 2>&1 &
apid=$!
for _ in $(seq 1 600); do [ -e shared.h5.lock ] && break; sleep 0.05; done
[ -e shared.h5.lock ] || fail "first writer took no lock"
set +e
# shellcheck disable=SC2086
"$OPTDYN" escape $LIGHT -seed 22 -o shared.h5 >b.txt 2>&1
brc=$?
set -e
wait $apid || { cat a.txt; fail "first writer failed"; }
[ $brc -ne 0 ] || fail "second concurrent writer was not refused"
grep -q "another optdyn run" b.txt || { cat b.txt; fail "second writer: unclear refusal"; }
[ "$(wc -l <b.txt)" = 1 ] || { cat b.txt; fail "second writer: more than one line"; }
echo "ok: concurrent writer refused: $(cat b.txt)"
[ -z "$(ls ./*.partial 2>/dev/null)" ] || fail "partial files left: $(ls ./*.partial)"
"$PYTHON" - <<'PY' || fail "shared.h5 is not the first run's complete file"
import h5py, datetime as dt
f = h5py.File("shared.h5", "r")
a = f.attrs
assert int(a["seed"]) == 11, a["seed"]
t = lambda s: dt.datetime.strptime(str(s), "%Y-%m-%dT%H:%M:%SZ")
assert t(a["start_time"]) < t(a["end_time"]), (a["start_time"], a["end_time"])
assert float(a["duration_seconds"]) > 1, a["duration_seconds"]
for k in ("git_revision", "sources_modified", "petsc_version", "hdf5_version", "mpi_library_version"):
    assert k in a, k
print(f"ok: start {a['start_time']} < end {a['end_time']}, duration {float(a['duration_seconds']):.2f} s; "
      f"revision {a['git_revision']}, {a['mpi_library_version']}, HDF5 {a['hdf5_version']}")
PY

# ---- checksums: intact file accepted, a flipped byte refused with the dataset's name
$INFO --check shared.h5 >/dev/null || fail "optdyn-info --check refused an intact file"
cp shared.h5 flipped.h5
"$PYTHON" - <<'PY'
import h5py
with h5py.File("flipped.h5", "r") as f:
    off = f["escape/p_escape"].id.get_offset()
with open("flipped.h5", "r+b") as g:
    g.seek(off + 3)
    b = g.read(1)
    g.seek(off + 3)
    g.write(bytes([b[0] ^ 0x10]))
PY
set +e
$INFO --check flipped.h5 >/dev/null 2>err.txt
rc=$?
set -e
[ $rc = 4 ] || { cat err.txt; fail "--check on a flipped byte: exit status $rc, expected 4"; }
grep -q "/escape/p_escape: checksum mismatch" err.txt || { cat err.txt; fail "--check did not name the dataset"; }
echo "ok: flipped byte detected: $(head -1 err.txt)"

# ---- -summarize recomputes what the run wrote (one implementation)
"$OPTDYN" op -op_s0_num 9 -quiet -o op.h5 >/dev/null
"$OPTDYN" oscillator -osc_eta_num 4 -osc_beta_num 3 -osc_steps 200 -quiet -o osc.h5 >/dev/null
for f in op osc shared; do
  cp $f.h5 $f.sum.h5
  cmd=$("$PYTHON" -c "import h5py; print(h5py.File('$f.h5', 'r').attrs['command'])")
  "$OPTDYN" "$cmd" -summarize $f.sum.h5 || fail "$cmd -summarize failed"
  $SAME $f.sum.h5 $f.h5 >/dev/null || { $SAME $f.sum.h5 $f.h5; fail "$cmd -summarize changed the file"; }
  $INFO --check $f.sum.h5 >/dev/null || fail "$cmd -summarize: file not intact"
done
echo "ok: -summarize reproduces the run's summaries (op, oscillator, escape)"
set +e
"$OPTDYN" op -summarize osc.h5 2>err.txt
rc=$?
set -e
[ $rc -ne 0 ] && grep -q "not 'optdyn op'" err.txt || { cat err.txt; fail "op -summarize accepted an oscillator file"; }
echo PASS
