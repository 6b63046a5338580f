#!/bin/bash
# Build the libFuzzer harnesses with clang (ASan + UBSan) and run each for a bounded time.
# Usage: tools/fuzz.sh [SECONDS_PER_HARNESS=20] [BUILD_DIR=build-fuzz]
# Exit status 0 only if no harness found a crash; a crash input is saved under
# BUILD_DIR/crashes/NAME/ — commit it to tests/fuzz/regressions/NAME/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
build=${2:-build-fuzz}
CC=clang cmake -S . -B "$build" -DOPTDYN_FUZZ=ON -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target fuzz_yaml fuzz_landscape fuzz_finite fuzz_checkpoint fuzz_idx >/dev/null
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for name in yaml landscape finite checkpoint idx; do
  work="$build/corpus/$name"; crashes="$build/crashes/$name"
  mkdir -p "$work" "$crashes"
  regress=tests/fuzz/regressions/$name
  # every committed regression input must pass first
  if [ -d "$regress" ] && ls "$regress"/* >/dev/null 2>&1; then
    "$build/tests/fuzz/fuzz_$name" "$regress"/* >"$build/fuzz_$name.regress.log" 2>&1 || { echo "fuzz $name: a committed regression input fails again"; status=1; }
  fi
  log="$build/fuzz_$name.log"
  seeds=(); [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name") # committed seed inputs
  if "$build/tests/fuzz/fuzz_$name" -max_total_time="$secs" -artifact_prefix="$crashes/" -print_final_stats=1 \
       "$work" "${seeds[@]}" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz $name: $runs executions in ${secs} s, no crash"
  else
    echo "fuzz $name: CRASH — see $log and $crashes"; tail -30 "$log"; status=1
  fi
done
exit $status
