#!/bin/bash
# Smoke test of the benchmark harness: `tools/bench/run --quick` measures the hardware limits,
# runs every benchmark once on small workloads and prints the table with a row per benchmark
# and no failed benchmark. Timings are not checked.
source "$(dirname "$0")/lib.sh"
build=$(cd "$(dirname "$OPTDYN")/.." && pwd)
"$PYTHON" "$OPTDYN_SOURCE/tools/bench/run" --quick --build "$build" >table.txt 2>err.txt || { cat table.txt err.txt; fail "harness failed"; }
cat table.txt
grep -q "^hardware limits (1 core): FMA" table.txt || fail "no hardware limits line"
grep -q "^figure \[unit\]" table.txt || fail "no table header"
for row in "escape sweep" "escape kernel" "fp implicit step" "es generation, default" "es generation, -es_split" "es noise kernel" "op Lorenz landscape" "oscillator rate map"; do
  grep -q "^$row" table.txt || fail "no row for $row"
done
if grep -q "^FAILED" table.txt; then fail "a benchmark failed"; fi
echo "bench_quick: OK"
