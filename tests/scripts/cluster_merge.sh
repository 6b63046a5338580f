#!/bin/bash
# Sweep slicing + tools/optdyn-merge (issue 7):
#  * for EVERY registered command that has -sweep_slice: the sweep computed as 3 slices
#    (slice 1 at 2 ranks, in shuffled order on the merge command line) and merged has
#    datasets bitwise identical to a single unsliced run, the same dataset attributes, and
#    root attributes of an unsliced run (sweep_slice 0/1, sweep_first 0, sweep_count =
#    sweep_points); a sweep command without a small configuration below fails the test;
#  * merge refuses missing, duplicate and overlapping slices, mismatched options, seed,
#    command and version, incomplete (.partial) files and non-optdyn files, each with a
#    message naming the problem, exit status 1 and no output file;
#  * -restart / -quiet / -sweep_checkpoint_interval do not count as mismatches.
set -euo pipefail
: "${OPTDYN:?}" "${PYTHON:=/usr/bin/python3}" "${OPTDYN_SOURCE:?}" "${MPIEXEC:=mpiexec}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MERGE="$PYTHON $OPTDYN_SOURCE/tools/optdyn-merge"
SAME="$PYTHON $OPTDYN_SOURCE/tests/slurm/h5same.py"
work=$(mktemp -d /tmp/od_cluster_merge.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

# A small sweep (>= 3 points) per sweep command. Extend when a command gains -sweep_slice.
small_args() {
  case $1 in
    escape) echo "-escape_T_num 5 -escape_walkers 300 -escape_chunk 100 -escape_steps 100,1000" ;;
    oscillator) echo "-osc_eta_num 7 -osc_beta_num 5 -osc_steps 200 -osc_traj_steps 20" ;;
    op) echo "-op_s0_num 9" ;;
    knowledge) echo "-kl_hidden 4 -kl_seeds 3 -kl_activations softplus,tanh -kl_phase1_examples 1000 -kl_fork_examples 1000 -kl_test_examples 200 -kl_curve_points 3" ;;
    *) return 1 ;;
  esac
}

commands=$("$OPTDYN" help 2>&1 | awk '/^commands:/{c=1; next} c && NF {print $1}')
[ -n "$commands" ] || fail "cannot read the command list from 'optdyn' usage"
tested=0
for cmd in $commands; do
  help=$("$OPTDYN" help "$cmd" 2>&1 || true)
  if ! grep -q -- "-sweep_slice" <<<"$help"; then
    echo "skip: $cmd has no -sweep_slice (not a sweep command)"
    continue
  fi
  args=$(small_args "$cmd") || fail "sweep command '$cmd' has no small configuration in tests/scripts/cluster_merge.sh: add one to small_args()"
  # shellcheck disable=SC2086
  "$OPTDYN" "$cmd" $args -quiet -o "$cmd.full.h5" >/dev/null
  # shellcheck disable=SC2086
  "$OPTDYN" "$cmd" $args -quiet -o "$cmd.s0.h5" -sweep_slice 0/3 >/dev/null
  # shellcheck disable=SC2086
  "$MPIEXEC" --oversubscribe -n 2 "$OPTDYN" "$cmd" $args -quiet -o "$cmd.s1.h5" -sweep_slice 1/3 -restart >/dev/null
  # shellcheck disable=SC2086
  "$OPTDYN" "$cmd" $args -quiet -o "$cmd.s2.h5" -sweep_slice 2/3 -sweep_checkpoint_interval 5 >/dev/null
  $MERGE -o "$cmd.merged.h5" "$cmd.s2.h5" "$cmd.s0.h5" "$cmd.s1.h5" || fail "$cmd: merge failed"
  $SAME "$cmd.merged.h5" "$cmd.full.h5" --allow-dropped --root sweep_slice --root sweep_first --root sweep_count \
    --root sweep_points --root seed --root command --root version --root git_revision ||
    fail "$cmd: sliced + merged differs from the single run"
  tested=$((tested + 1))
done
[ "$tested" -ge 1 ] || fail "no sweep command found"
echo "ok: slicing + merge == single run for $tested sweep command(s)"

# ---- refusals (escape slices from above) ----
refuse() { # refuse "WHAT" "EXPECTED MESSAGE REGEX" inputs...
  local what=$1 pattern=$2
  shift 2
  rm -f bad.h5
  if $MERGE -o bad.h5 "$@" >refuse.log 2>&1; then cat refuse.log; fail "merge accepted $what"; fi
  grep -Eq "$pattern" refuse.log || { cat refuse.log; fail "merge refused $what without a clear message (expected /$pattern/)"; }
  [ ! -e bad.h5 ] && [ ! -e bad.h5.partial ] || fail "merge left an output file after refusing $what"
  echo "ok: refuses $what: $(grep error refuse.log | head -1)"
}
A="-escape_T_num 5 -escape_walkers 300 -escape_chunk 100 -escape_steps 100,1000 -quiet"
refuse "a missing slice" "missing slice\(s\) 1/3" escape.s0.h5 escape.s2.h5
refuse "a duplicate slice" "duplicate slice 0/3" escape.s0.h5 escape.s0.h5 escape.s1.h5 escape.s2.h5
# shellcheck disable=SC2086
"$OPTDYN" escape $A -o h0.h5 -sweep_slice 0/2 >/dev/null
refuse "overlapping slices" "overlapping slices" h0.h5 escape.s0.h5 escape.s1.h5 escape.s2.h5
# shellcheck disable=SC2086
"$OPTDYN" escape $A -escape_walkers 301 -o w1.h5 -sweep_slice 1/3 >/dev/null
refuse "mismatched options" "options differ.*-escape_walkers" escape.s0.h5 w1.h5 escape.s2.h5
# shellcheck disable=SC2086
"$OPTDYN" escape $A -seed 7 -o seed1.h5 -sweep_slice 1/3 >/dev/null
refuse "a mismatched seed" "mismatch: seed" escape.s0.h5 seed1.h5 escape.s2.h5
# a slice claiming another program version / command: edit copies with h5py
cp escape.s1.h5 ver1.h5
cp escape.s1.h5 cmd1.h5
"$PYTHON" - <<'PY'
import h5py
with h5py.File("ver1.h5", "r+") as f:
    f.attrs["version"] = "9.9.9"
with h5py.File("cmd1.h5", "r+") as f:
    f.attrs["command"] = "oscillator"
with h5py.File("foreign.h5", "w") as f:
    f["x"] = [1.0, 2.0]
PY
refuse "a mismatched version" "mismatch: version" escape.s0.h5 ver1.h5 escape.s2.h5
refuse "a mismatched command" "mismatch: command" escape.s0.h5 cmd1.h5 escape.s2.h5
cp escape.s1.h5 escape.s1.h5.partial
refuse "an incomplete (.partial) slice" "incomplete run" escape.s0.h5 escape.s1.h5.partial escape.s2.h5
refuse "a non-optdyn file" "not an optdyn output file" escape.s0.h5 foreign.h5 escape.s2.h5
refuse "an existing output" "exists" escape.s0.h5 escape.s1.h5 escape.s2.h5 -o escape.full.h5
# merging is repeatable: --force overwrites, and a merged file merges with itself alone
$MERGE -o escape.merged.h5 --force escape.s0.h5 escape.s1.h5 escape.s2.h5 >/dev/null
$MERGE -o again.h5 escape.merged.h5 >/dev/null
$SAME again.h5 escape.full.h5 >/dev/null || fail "re-merging a merged file changed it"
echo PASS
