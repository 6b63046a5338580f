#!/bin/bash
# tools/optdyn-info on complete, sliced, merged, partial (.h5.partial) and non-optdyn files:
# status line, provenance (command, seed, options), every dataset with its shape and units,
# exit status 0 / 3 (--check on an incomplete file) / 2 (HDF5 not written by optdyn) /
# 1 (not HDF5 or missing).
set -euo pipefail
: "${OPTDYN:?}" "${PYTHON:=/usr/bin/python3}" "${OPTDYN_SOURCE:?}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
INFO="$PYTHON $OPTDYN_SOURCE/tools/optdyn-info"
work=$(mktemp -d /tmp/od_cluster_info.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect FILE PATTERN...: every pattern (grep -E) must be in FILE
  local f=$1
  shift
  for p in "$@"; do grep -Eq -- "$p" "$f" || { cat "$f"; fail "optdyn-info output lacks /$p/"; }; done
}
A="-escape_T_num 4 -escape_walkers 200 -escape_chunk 100 -escape_steps 100,1000 -quiet -seed 5"
# shellcheck disable=SC2086
"$OPTDYN" escape $A -o run.h5 >/dev/null
# shellcheck disable=SC2086
"$OPTDYN" escape $A -o s1.h5 -sweep_slice 1/2 >/dev/null

# complete file: status, provenance, every dataset with shape and units (compared with h5py)
$INFO run.h5 >info.txt || fail "optdyn-info exit status $? on a complete file"
expect info.txt "^status: +complete" "command +escape" "seed +5" "options +.*-escape_walkers 200" \
  "version +[0-9]" "git_revision" "^datasets \(" "/escape/p_escape +float64 +4x2 +\[1\] sweep" "/escape/steps +int64 +2 +\[steps\]$"
"$PYTHON" - <<'PY' || fail "optdyn-info does not list every dataset with its shape and units"
import h5py, re
txt = open("info.txt").read()
with h5py.File("run.h5") as f:
    names = []
    f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    for n in names:
        d = f[n]
        shape = "x".join(map(str, d.shape)) or "scalar"
        units = d.attrs.get("units", "")
        units = units.decode() if isinstance(units, bytes) else units
        if not re.search(rf"/{re.escape(n)} +\S+ +{shape} +\[{re.escape(units)}\]", txt):
            raise SystemExit(f"missing or wrong line for /{n} ({shape}, [{units}])")
print(f"ok: all {len(names)} datasets listed with shape and units")
PY
$INFO --check run.h5 >/dev/null || fail "--check failed on a complete file"
echo "ok: complete file"

# a slice of a sweep
$INFO s1.h5 >info.txt || fail "exit status $? on a slice"
expect info.txt "^status: +complete SLICE 1/2 .*points 2\.\.3 of 4.*optdyn-merge"
set +e; $INFO --check s1.h5 >/dev/null; rc=$?; set -e
[ $rc = 3 ] || fail "--check on a slice: exit status $rc, expected 3"
echo "ok: slice"

# a merged file
"$PYTHON" "$OPTDYN_SOURCE/tools/optdyn-merge" -o merged.h5 s1.h5 >/dev/null 2>&1 && fail "merge of half a sweep accepted"
# shellcheck disable=SC2086
"$OPTDYN" escape $A -o s0.h5 -sweep_slice 0/2 >/dev/null
"$PYTHON" "$OPTDYN_SOURCE/tools/optdyn-merge" -o merged.h5 s0.h5 s1.h5 >/dev/null
$INFO merged.h5 >info.txt || fail "exit status $? on a merged file"
expect info.txt "^status: +complete .*merged from 2 slices" "sweep_slice +0/1" "merged_from +s0.h5, s1.h5"
echo "ok: merged file"

# a partial file (what a crash leaves: NAME.h5.partial without end_time) with a checkpoint
cp run.h5 crashed.h5.partial
"$PYTHON" -c "import h5py; f = h5py.File('crashed.h5.partial', 'r+'); del f.attrs['end_time']; f.close()"
: >crashed.h5.ckpt
$INFO crashed.h5.partial >info.txt || fail "exit status $? on a partial file"
expect info.txt "^status: +PARTIAL: the run did not finish" "checkpoint crashed.h5.ckpt exists: .*-restart" "/escape/p_escape"
$INFO crashed.h5 >info.txt || fail "exit status $? when only NAME.h5.partial exists"
expect info.txt "crashed.h5 does not exist, but crashed.h5.partial does" "PARTIAL"
set +e; $INFO --check crashed.h5.partial >/dev/null; rc=$?; set -e
[ $rc = 3 ] || fail "--check on a partial file: exit status $rc, expected 3"
# a truncated partial file (the run died while writing)
head -c 1000 run.h5 >dead.h5.partial
set +e; $INFO dead.h5.partial >info.txt 2>&1; rc=$?; set -e
[ $rc = 1 ] || fail "truncated partial: exit status $rc, expected 1"
expect info.txt "PARTIAL and unreadable"
echo "ok: partial files"

# non-optdyn files
"$PYTHON" -c "import h5py; f = h5py.File('foreign.h5', 'w'); f['x'] = [1, 2, 3]; f.close()"
set +e; $INFO foreign.h5 >info.txt 2>&1; rc=$?; set -e
[ $rc = 2 ] || fail "foreign HDF5: exit status $rc, expected 2"
expect info.txt "not an optdyn output file" "/x \(3,\)"
echo "not hdf5" >text.h5
set +e; $INFO text.h5 >info.txt 2>&1; rc=$?; set -e
[ $rc = 1 ] || fail "non-HDF5 file: exit status $rc, expected 1"
expect info.txt "not an HDF5 file"
set +e; $INFO nosuch.h5 >info.txt 2>&1; rc=$?; set -e
[ $rc = 1 ] || fail "missing file: exit status $rc, expected 1"
expect info.txt "no such file"
echo "ok: non-optdyn files"
echo PASS
