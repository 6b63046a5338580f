# Sourced by the nnes script tests: writes a small IDX data set (3 classes of 6 x 6 images,
# a class-specific stripe plus noise; 120 training and 30 test images) into ./tiny.
"$PYTHON" - <<'PY'
import os, struct, numpy as np
os.makedirs("tiny", exist_ok=True)
def write(prefix, n, seed):
    rng = np.random.default_rng(seed)
    lab = (np.arange(n) % 3).astype(np.uint8)
    img = (100 * rng.random((n, 6, 6))).astype(np.uint8)
    for i in range(n):
        img[i, 2 * lab[i]:2 * lab[i] + 2, :] += 120
    with open(f"tiny/{prefix}-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 6, 6) + img.tobytes())
    with open(f"tiny/{prefix}-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + lab.tobytes())
write("train", 120, 1)
write("t10k", 30, 2)
PY
MLP=(es -es_objective mlp -es_mlp_data tiny -es_mlp_layers 36,5,3 -es_mlp_activation tanh -es_mlp_validation 20 -es_mlp_monitor 50 -es_mlp_batch 8 -es_mlp_validation_interval 3 -quiet)
