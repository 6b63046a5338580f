#!/usr/bin/python3
"""h5same.py A.h5 B.h5 [--root KEY ...]: exit 0 if the two optdyn files hold the same
groups and datasets with bitwise-identical data (dtype, shape, bytes; NaN-safe) and
identical group and dataset attributes; --root KEY also compares root attribute KEY;
--allow-dropped: group attributes listed in A's root attribute merge_dropped_attributes
(see optdyn-merge) may be missing from A.
Prints every difference found (used by the cluster tests)."""
import argparse
import sys

import h5py
import numpy as np


SCALE_ATTRS = ("DIMENSION_LIST", "REFERENCE_LIST")  # object references: compared by name below


def attrs(obj):
    return {k: np.asarray(obj.attrs[k]) for k in obj.attrs if k not in SCALE_ATTRS}


def scales(obj):
    """Dimension scales attached to each axis of a dataset, by path."""
    if not isinstance(obj, h5py.Dataset):
        return None
    return [sorted(s.name for s in obj.dims[i].values()) for i in range(obj.ndim)]


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind == "O" or b.dtype.kind == "O":
        return a.shape == b.shape and list(a.ravel()) == list(b.ravel())
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def objects(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--root", action="append", default=[])
    ap.add_argument("--allow-dropped", action="store_true")
    args = ap.parse_args()
    diffs = []
    with h5py.File(args.a, "r") as fa, h5py.File(args.b, "r") as fb:
        oa, ob = objects(fa), objects(fb)
        dropped = set()
        if args.allow_dropped and "merge_dropped_attributes" in fa.attrs:
            v = fa.attrs["merge_dropped_attributes"]
            v = v.decode() if isinstance(v, bytes) else str(v)
            dropped = {tuple(line.split(" ", 1)) for line in v.splitlines()}
        for name in sorted(set(oa) ^ set(ob)):
            diffs.append(f"/{name}: only in {args.a if name in oa else args.b}")
        ndata = 0
        for name in sorted(set(oa) & set(ob)):
            x, y = oa[name], ob[name]
            if isinstance(x, h5py.Dataset) != isinstance(y, h5py.Dataset):
                diffs.append(f"/{name}: dataset in one file, group in the other")
                continue
            if isinstance(x, h5py.Dataset):
                ndata += 1
                if not same(x[()], y[()]):
                    diffs.append(f"/{name}: data differ (dtype {x.dtype}/{y.dtype}, shape {x.shape}/{y.shape})")
            if scales(x) != scales(y):
                diffs.append(f"/{name}: dimension scales differ: {scales(x)} vs {scales(y)}")
            ax, ay = attrs(x), attrs(y)
            for k in sorted(set(ax) | set(ay)):
                if k not in ax and (f"/{name}", k) in dropped:
                    continue
                if k not in ax or k not in ay or not same(ax[k], ay[k]):
                    diffs.append(f"/{name}: attribute {k} differs")
        for k in args.root:
            va, vb = fa.attrs.get(k), fb.attrs.get(k)
            if va is None or vb is None or not same(va, vb):
                diffs.append(f"root attribute {k}: {va!r} vs {vb!r}")
    for d in diffs:
        print("h5same:", d)
    if diffs:
        print(f"h5same: {args.a} and {args.b} DIFFER ({len(diffs)} difference(s))")
        sys.exit(1)
    print(f"h5same: {args.a} == {args.b} ({ndata} datasets bitwise identical)")


if __name__ == "__main__":
    main()
