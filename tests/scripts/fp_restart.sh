#!/bin/bash
# fp checkpoint/restart: a run stopped at an output time (-fp_stop_after K, a result-neutral
# test hook that raises the stop flag as SIGUSR1 would) writes only OUTPUT.ckpt; -restart then
# gives a file whose /fp (/fp2d) datasets equal those of the uninterrupted run to 1e-12
# relative (they are bitwise equal by construction; the bound is the documented promise).
# Also a restart on another rank count (1e-10). Paths: the fused 1-D step (with Monte
# Carlo), the adaptive TS path (step-size controller re-created by replaying the last step), a
# fixed-step TS run with an absorbing wall (escaped-mass accumulators), 2-D; one real SIGUSR1;
# a corrupt checkpoint is refused with a message naming the file.
source "$(dirname "$0")/lib.sh"
fused=(fp -fp_n 2000 -fp_T 0.02 -ts_adapt_type none -ts_dt 0.5 -fp_t_final 20 -fp_nt 9 -fp_validate -fp_mc_walkers 2000 -quiet)
adapt=(fp -fp_n 400 -fp_t_final 40 -fp_nt 9 -quiet)
absorb=(fp -landscape linear -fp_T 0.01 -fp_Wmin 1.5 -fp_Wmax 2.13 -fp_right absorbing -fp_init_mean 2 -fp_init_std 0.05 -fp_n 600 -fp_step ts -ts_adapt_type none -ts_dt 2 -fp_t_final 40 -fp_nt 6 -quiet)
twod=(fp -fp_dim 2 -fp_nx 24 -fp_ny 24 -fp_t_final 4 -fp_nt 5 -quiet)
compare() { # uninterrupted A, restarted B [, bound]: every dataset of the group
  "$PYTHON" - "$1" "$2" "${3:-1e-12}" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
bound = float(sys.argv[3])
g = "fp" if "fp" in a else "fp2d"
names = []
a[g].visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
got = []
b[g].visititems(lambda n, o: got.append(n) if isinstance(o, h5py.Dataset) else None)
assert sorted(names) == sorted(got), (names, got)
worst = 0.0
for n in names:
    x, y = a[g][n][()].astype(float), b[g][n][()].astype(float)
    assert x.shape == y.shape, n
    assert np.array_equal(np.isnan(x), np.isnan(y)), n
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    scale = np.max(np.abs(x)) if x.size else 0.0
    e = np.max(np.abs(x - y)) / scale if scale > 0 else float(np.max(np.abs(y), initial=0.0))
    if not e <= bound:
        sys.exit(f"{sys.argv[2]}: /{g}/{n} differs by {e:.3g} relative")
    worst = max(worst, e)
for k in ("time_steps", "factorizations") if bound <= 1e-12 else ():  # counters: same rank count only
    assert a[g].attrs[k] == b[g].attrs[k], (k, a[g].attrs[k], b[g].attrs[k])
print(f"{sys.argv[2]}: {len(names)} datasets, max relative difference {worst:.3g}")
PY
}
stop_restart() { # NAME K ARGS...: stop after output K on 2 ranks, check the files, restart
  local name=$1 k=$2; shift 2
  run_np 2 "$@" -o $name.h5 -fp_checkpoint_interval 0 -fp_stop_after "$k" > $name.log || fail "$name: stopped run exited non-zero"
  [ -e $name.h5.ckpt ] && [ ! -e $name.h5 ] || fail "$name: expected only $name.h5.ckpt"
  grep -q "continue with -restart" $name.log || fail "$name: no restart hint"
  run_np 2 "$@" -o $name.h5 -restart > $name.log2 || fail "$name: restart failed: $(cat $name.log2)"
  grep -q "restarting from $name.h5.ckpt" $name.log2 || fail "$name: did not restart"
  [ ! -e $name.h5.ckpt ] || fail "$name: checkpoint not removed"
}
for c in fused adapt absorb twod; do
  declare -n args=$c
  run_np 2 "${args[@]}" -o $c-full.h5 >/dev/null
done
stop_restart fused 3 "${fused[@]}";  compare fused-full.h5 fused.h5
stop_restart adapt 4 "${adapt[@]}";  compare adapt-full.h5 adapt.h5
stop_restart absorb 2 "${absorb[@]}"; compare absorb-full.h5 absorb.h5
stop_restart twod 2 "${twod[@]}";    compare twod-full.h5 twod.h5
# another rank count: the checkpoint is decomposition-free; the partitioned solves round
# differently, so the bound is that of runs on different rank counts
run_np 2 "${adapt[@]}" -o other.h5 -fp_checkpoint_interval 0 -fp_stop_after 4 >/dev/null
run_np 1 "${adapt[@]}" -o other.h5 -restart > other.log || fail "restart on 1 rank"
grep -q "restarting from" other.log || fail "no restart on 1 rank"
compare adapt-full.h5 other.h5 1e-10
"$PYTHON" -c "import h5py,sys; f=h5py.File('absorb.h5','r'); e=f['fp/escaped'][()]; sys.exit(0 if e[-1] > 1e-3 else 'no mass escaped: the accumulators are not exercised')"
# the checkpoint: kind, position, the gathered solution
run_np 2 "${fused[@]}" -o k.h5 -fp_checkpoint_interval 0 -fp_stop_after 5 >/dev/null
"$PYTHON" - k.h5.ckpt <<'PY' || fail "checkpoint layout"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f.attrs["kind"] == b"fp" or f.attrs["kind"] == "fp", f.attrs["kind"]
assert f.attrs["output_index"] == 5 and f.attrs["steps"] == 25, dict(f.attrs)
assert f["P"].shape == (2000,) and abs(f["P"][()].sum() * 4 / 2000 - 1) < 1e-12
assert f["history/P"].shape == (9, 2000) and not f["history/P"][6:].any()
PY
# a corrupt checkpoint (one byte flipped in the middle) is refused, naming the file
"$PYTHON" - k.h5.ckpt <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[len(d) // 2] ^= 0xFF
open(sys.argv[1], "wb").write(d)
PY
set +e
out=$(run_np 2 "${fused[@]}" -o k.h5 -restart 2>&1); st=$?
set -e
[ $st -ne 0 ] && grep -q "k.h5.ckpt" <<<"$out" || fail "corrupt checkpoint accepted: $out"
[ ! -e k.h5 ] || fail "corrupt checkpoint: output written"
# a real SIGUSR1 to mpiexec (forwarded to the ranks): the run stops at the next output time
big=(fp -fp_n 20000 -ts_adapt_type none -ts_dt 0.01 -fp_t_final 400 -fp_nt 4001 -fp_save_P 0 -quiet)
"$MPIEXEC" --oversubscribe -n 2 "$OPTDYN" "${big[@]}" -o sig.h5 -fp_checkpoint_interval 0 > sig.log 2>&1 &
pid=$!
for i in $(seq 300); do [ -e sig.h5.ckpt ] && break; sleep 0.1; done
[ -e sig.h5.ckpt ] || { kill $pid; fail "SIGUSR1 run never wrote a checkpoint"; }
kill -USR1 $pid
wait $pid || fail "SIGUSR1 run exited non-zero: $(cat sig.log)"
[ ! -e sig.h5 ] && [ -e sig.h5.ckpt ] || fail "SIGUSR1 run finished instead of stopping"
grep -q "stop signal received" sig.log || fail "SIGUSR1: no stop message"
echo "fp_restart: OK"
