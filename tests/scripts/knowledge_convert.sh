#!/bin/bash
# tools/fetch-mnist on generated JSON (no network): pixel = round(255 v), the per-digit
# 6:1 train/test split, labels, IDX headers; optdyn knowledge reads the result; malformed
# JSON is rejected with the file named.
source "$(dirname "$0")/lib.sh"
mkdir json
"$PYTHON" - <<'PY'
import json, random
rnd = random.Random(4)
for d in range(10):
    n = 14 + d  # 14..23 images: test gets n // 7
    v = [round(rnd.random(), 3) if rnd.random() < 0.3 else 0 for _ in range(784 * n)]
    v[0], v[1] = 1, 0.002  # 255 and round(0.51) = 1
    obj = {"data": v} if d % 2 else v  # both layouts
    json.dump(obj, open(f"json/{d}.json", "w"))
PY
"$PYTHON" "$OPTDYN_SOURCE/tools/fetch-mnist" --json-dir json --dest idx > conv.log || fail "conversion failed: $(cat conv.log)"
"$PYTHON" - <<'PY' || fail "converted content"
import gzip, json, numpy as np
def idx(name):
    b = gzip.open(f"idx/{name}.gz").read()
    assert b[:3] == b"\0\0\x08", b[:4]
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * k:8 + 4 * k], "big") for k in range(nd)]
    a = np.frombuffer(b[4 + 4 * nd:], np.uint8)
    assert a.size == np.prod(dims), (a.size, dims)
    return a.reshape(dims)
tr, tl, te, el = idx("train-images-idx3-ubyte"), idx("train-labels-idx1-ubyte"), idx("t10k-images-idx3-ubyte"), idx("t10k-labels-idx1-ubyte")
for d in range(10):
    obj = json.load(open(f"json/{d}.json"))
    v = np.array(obj["data"] if isinstance(obj, dict) else obj).reshape(-1, 28, 28)
    expect = np.floor(255 * v + 0.5).astype(np.uint8)
    n = len(v); nt = n // 7
    assert (tl == d).sum() == n - nt and (el == d).sum() == nt
    # every training image of digit d is one of the first n - nt converted images, in some order
    got = {x.tobytes() for x in tr[tl == d]}
    assert got == {x.tobytes() for x in expect[:n - nt]}
    assert {x.tobytes() for x in te[el == d]} == {x.tobytes() for x in expect[n - nt:]}
    assert expect[0, 0, 0] == 255 and expect[0, 0, 1] == 1
print("conversion ok:", tr.shape, te.shape)
PY
# the converted files are valid input (groups need examples in both ranges)
"$OPTDYN" knowledge -kl_data idx -kl_hidden 4 -kl_phase1_examples 60 -kl_curve_points 2 -o c.h5 -quiet >/dev/null || fail "optdyn knowledge on converted data"
echo '[0.5, 2.0]' > json/3.json
set +e; out=$("$PYTHON" "$OPTDYN_SOURCE/tools/fetch-mnist" --json-dir json --dest bad 2>&1); st=$?; set -e
[ $st -ne 0 ] && grep -q "3.json" <<<"$out" || fail "bad JSON accepted: $out"
echo "knowledge_convert: OK"
