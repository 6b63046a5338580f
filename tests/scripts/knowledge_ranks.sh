#!/bin/bash
# optdyn knowledge (small config, Fashion-MNIST): every dataset bitwise identical at 1, 2 and
# 4 ranks (6 sweep points = 2 activations x 3 seeds, not divisible by 4); a run stopped by
# SIGUSR1 after its first checkpoint restarts (at another rank count) to the same file;
# optdyn-plot draws the figures.
source "$(dirname "$0")/lib.sh"
cfg=(-options_file_yaml "$OPTDYN_SOURCE/configs/knowledge-small.yaml" -kl_data /usr/share/datasets/fashion-mnist -quiet)
for np in 1 2 4; do run_np "$np" knowledge "${cfg[@]}" -o "k$np.h5" >/dev/null; done
same_datasets k1.h5 k2.h5 || fail "1 vs 2 ranks"
same_datasets k1.h5 k4.h5 || fail "1 vs 4 ranks"
"$PYTHON" - <<'PY' || fail "content"
import h5py, numpy as np
f = h5py.File("k1.h5", "r")
k = f["knowledge"]
assert k["u"].shape == (6, 784 * 16 + 16 + 16 * 2 + 2), k["u"].shape
u, r = k["u"][()], k["r"][()]
assert np.nanmin(u) >= 0 and np.nanmax(u) <= 1 and np.nanmin(r) >= 0 and np.nanmax(r) <= 1
assert list(k["activation"][()]) == [0, 0, 0, 2, 2, 2] and list(k["seed_index"][()]) == [0, 1, 2] * 2
r2 = k["fit/weights/r2"][()]
assert np.all((r2 > 0) & (r2 < 1)), r2
assert np.all(k["null_shuffle/weights/r2"][()] < 0.01), k["null_shuffle/weights/r2"][()]
assert k["pixel_corr"].shape == (6, 28, 28) and k["loss_curve"].shape == (6, 7, 5)
assert np.all(k["test_accuracy"][:, 0] > 0.8), k["test_accuracy"][:, 0]
assert k["u"].attrs["units"] == "1" and "description" in k["u"].attrs
print("knowledge content ok; R2 weights", r2.round(3))
PY
# checkpoint / restart: stop at the first checkpoint, finish at another rank count
"$MPIEXEC" --oversubscribe -n 2 "$OPTDYN" knowledge "${cfg[@]}" -sweep_checkpoint_interval 0 -o part.h5 > part.log 2>&1 &
pid=$!
for i in $(seq 600); do [ -e part.h5.ckpt ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
kill -USR1 $pid 2>/dev/null || true
wait $pid || { cat part.log; fail "interrupted run exited non-zero"; }
if [ -e part.h5 ]; then echo "note: run finished before the signal"; else
  [ -e part.h5.ckpt ] || fail "no checkpoint after SIGUSR1"
  run_np 1 knowledge "${cfg[@]}" -sweep_checkpoint_interval 0 -restart -o part.h5 >/dev/null
fi
same_datasets k1.h5 part.h5 || fail "restarted run differs"
"$PYTHON" "$OPTDYN_SOURCE/tools/optdyn-plot" k1.h5 -o plots > plot.log || fail "optdyn-plot failed: $(cat plot.log)"
for p in knowledge_scatter_weights knowledge_scatter_biases knowledge_pixel_map knowledge_r2_seeds knowledge_curves; do
  [ -s "plots/$p.png" ] || fail "missing plots/$p.png"
done
echo "knowledge_ranks: OK"
