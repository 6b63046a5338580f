#!/bin/bash
# A run stopped by the stop flag (-es_stop_after stands in for SIGTERM) writes only a
# checkpoint; -restart (also at another rank count) gives a file whose datasets are bitwise
# those of the uninterrupted run. Also a real SIGTERM. Covers Adam moments, separable sigma
# and several replicates (stop inside the second one).
source "$(dirname "$0")/lib.sh"
a=(es -es_population 21 -es_generations 80 -es_distribution separable -es_optimizer adam -es_lr 0.05 -es_shaping centered_rank -quiet)
c=(es -es_objective twowells -es_population 12 -es_generations 30 -es_runs 3 -es_lr 0.5 -es_shaping centered_rank -quiet)
run_np 2 "${a[@]}" -o full.h5 >/dev/null
run_np 2 "${a[@]}" -o part.h5 -es_stop_after 37 > log1 || fail "interrupted run exited non-zero"
[ ! -e part.h5 ] && [ ! -e part.h5.partial ] && [ -e part.h5.ckpt ] || fail "interrupted run: expected only part.h5.ckpt"
grep -q "continue with -restart" log1 || fail "no restart hint"
# the checkpoint is HDF5: position and format attributes, one dataset per piece of state
"$PYTHON" - part.h5.ckpt <<'PY' || fail "checkpoint layout"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert f.attrs["format_version"] == 1 and f.attrs["replicate"] == 0 and f.attrs["generation"] == 37, dict(f.attrs)
assert b"-es_population 21" in f.attrs["options"], f.attrs["options"]
for n, shape in [("mu", (2,)), ("sigma", (2,)), ("moment1", (4,)), ("moment2", (4,)), ("history/f_mean", (80,)), ("history/mu", (80, 2)), ("replicates/f", (1,))]:
    assert f[n].shape == shape and f[n].dtype == "<f8", (n, f[n].shape)
PY
cp part.h5.ckpt good.ckpt; head -c 3000 good.ckpt > part.h5.ckpt
set +e
out=$(run_np 1 "${a[@]}" -o part.h5 -restart 2>&1); st=$?
set -e
[ $st -ne 0 ] && grep -q "is corrupt" <<<"$out" || fail "truncated checkpoint accepted: $out"
mv good.ckpt part.h5.ckpt
run_np 1 "${a[@]}" -o part.h5 -restart > log2
grep -q "restarting from part.h5.ckpt" log2 || fail "did not restart: $(cat log2)"
[ ! -e part.h5.ckpt ] || fail "checkpoint not removed"
same_datasets full.h5 part.h5 || fail "restarted run differs"
run_np 2 "${c[@]}" -o cfull.h5 >/dev/null
run_np 2 "${c[@]}" -o cpart.h5 -es_stop_after 45 >/dev/null
run_np 4 "${c[@]}" -o cpart.h5 -restart >/dev/null
same_datasets cfull.h5 cpart.h5 || fail "restarted replicate run differs"
# a checkpoint written with other options is refused
run_np 1 "${a[@]}" -o part.h5 -es_stop_after 10 >/dev/null
set +e
out=$(run_np 1 "${a[@]}" -es_lr 0.07 -o part.h5 -restart 2>&1); st=$?
set -e
[ $st -ne 0 ] && grep -q "different options" <<<"$out" || fail "mismatched checkpoint accepted: $out"
rm -f part.h5.ckpt
# a real SIGTERM: sent once the generation loop runs (its first checkpoint exists); the run
# checkpoints at the next check and exits 0
big=(es -es_objective rastrigin -es_dim 100000 -es_population 8 -es_generations 2000 -es_check_interval 1 -es_checkpoint_interval 0 -es_lr 0.1 -es_shaping centered_rank -quiet)
"$OPTDYN" "${big[@]}" -o sig.h5 > log3 &
pid=$!
for i in $(seq 600); do [ -e sig.h5.ckpt ] && break; sleep 0.1; done
[ -e sig.h5.ckpt ] || { kill $pid; fail "SIGTERM run never reached the loop"; }
kill -TERM $pid
wait $pid || fail "SIGTERM run exited non-zero"
[ ! -e sig.h5 ] || fail "SIGTERM run finished instead of stopping"
grep -q "stop signal" log3 || fail "no stop message"
echo "es_restart: OK"
