#!/bin/bash
# AddressSanitizer + UndefinedBehaviorSanitizer build of optdyn, then
#   1. every unit test and the script tests (label unit, script; not slurm) under ASan/UBSan,
#      except the few that are mostly Python or re-run whole builds or hundreds of runs
#      (figures, gallery, the bad-input catalogue, fault injection, the install and provenance
#      builds, the benchmark smoke test, the 4-technique nnes rank test): those run in the
#      normal build, and under ASan they would take most of CI's time,
#   2. a leak check (LeakSanitizer) of every serial unit test, run as a singleton MPI process,
#      with the suppressions in tests/sanitize/lsan.supp (MPI and runtime start-up only),
#   3. a canary: a program that leaks on purpose must be reported (the check can fail).
# Usage: tools/sanitize.sh [BUILD_DIR=build-asan]. Exit 0 only if all three pass.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${1:-build-asan}
cmake -S . -B "$build" -DOPTDYN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j2 >/dev/null
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
status=0
# 1. unit + script tests; leaks inside Open MPI's components are not ours: off here, checked in 2.
heavy='script_(figures|gallery|bad_input_catalogue|fault_injection|install|provenance_revision|bench_quick|nnes_ranks)$'
ASAN_OPTIONS=detect_leaks=0 ctest --test-dir "$build" -j2 -L 'unit|script' -LE slurm -E "$heavy" --output-on-failure || status=1
# 2. leak check of the serial unit tests
leaks=0
for t in "$build"/tests/test_*; do
  case "$(basename "$t")" in test_sweep) continue ;; esac # an MPI test (1, 2, 4 ranks), covered in 1
  log="$build/lsan_$(basename "$t").log"
  if ! ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 LSAN_OPTIONS=suppressions=$src/tests/sanitize/lsan.supp \
       "$t" >"$log" 2>&1; then
    echo "sanitize: $(basename "$t") failed or leaked:"; grep -A12 'ERROR: LeakSanitizer\|runtime error' "$log" | head -40
    leaks=$((leaks + 1))
  fi
done
echo "sanitize: leak check of $(ls "$build"/tests/test_* | wc -l) serial unit-test programs: $leaks with findings"
[ $leaks -eq 0 ] || status=1
# 3. canary
cc -fsanitize=address -g "$src/tests/sanitize/leak_canary.c" -o "$build/leak_canary"
ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 LSAN_OPTIONS=suppressions=$src/tests/sanitize/lsan.supp "$build/leak_canary" >"$build/canary.log" 2>&1 || true
if grep -q 'ERROR: LeakSanitizer' "$build/canary.log" && grep -q '4242 byte' "$build/canary.log"; then
  echo "sanitize: canary leak reported (the leak check works)"
else
  echo "sanitize: the deliberate leak was NOT reported: the leak check is broken"; status=1
fi
exit $status
