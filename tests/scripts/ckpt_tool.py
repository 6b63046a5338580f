"""Independent reader/editor of optdyn checkpoints, for the tests (the format is documented
in include/optdyn/checkpoint.h). Re-implements the CRC-32 in Python, so the tests check the
C writer against a second implementation and can forge files whose checksum is valid.

  ckpt_tool.py verify FILE                 exit 0 iff the stored checksum matches
  ckpt_tool.py set FILE NAME INDEX VALUE   set dataset NAME[INDEX] (flat) or root attribute
                                           NAME (INDEX ignored); --keep-checksum leaves the
                                           stored checksum as it was (a forged edit)
"""
import struct
import sys
import zlib

import h5py
import numpy as np

SKIP_ATTRS = ("format_version", "checksum_crc32")


def _header(name, kind, dims):
    b = name.encode() + b"\0" + kind.encode() + struct.pack("<q", len(dims))
    return b + b"".join(struct.pack("<q", int(n)) for n in dims)


def checksum(f):
    items = {}
    f.visititems(lambda name, obj: items.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    for name, value in f.attrs.items():
        if name not in SKIP_ATTRS:
            items[name] = value
    crc = 0
    for name in sorted(items):
        v = items[name]
        if isinstance(v, h5py.Dataset):
            data = v[()]
            if data.size == 0:
                continue
            kind = "r" if data.dtype.kind == "f" else "i"
            stream = _header(name, kind, data.shape) + data.astype("<f8" if kind == "r" else "<i8").tobytes()
        elif isinstance(v, (bytes, str)):
            s = v.encode() if isinstance(v, str) else v
            stream = _header(name, "s", (len(s),)) + s
        else:
            stream = _header(name, "i", ()) + struct.pack("<q", int(v))
        crc = zlib.crc32(stream, crc)
    return crc


def main(argv):
    keep = "--keep-checksum" in argv
    argv = [a for a in argv if a != "--keep-checksum"]
    if argv[0] == "verify":
        with h5py.File(argv[1], "r") as f:
            ok = checksum(f) == int(f.attrs["checksum_crc32"])
            print("kind=%s checksum %s" % (f.attrs["kind"].decode() if isinstance(f.attrs["kind"], bytes) else f.attrs["kind"], "ok" if ok else "BAD"))
        return 0 if ok else 1
    if argv[0] == "set":
        path, name, index, value = argv[1], argv[2], int(argv[3]), float(argv[4])
        with h5py.File(path, "r+") as f:
            if name in f:
                data = f[name][()]
                flat = data.reshape(-1)
                flat[index] = value
                f[name][...] = flat.reshape(data.shape)
            else:
                f.attrs.modify(name, np.int64(int(value)))
            if not keep:
                f.attrs.modify("checksum_crc32", np.int64(checksum(f)))
        return 0
    raise SystemExit("usage: ckpt_tool.py verify FILE | set FILE NAME INDEX VALUE [--keep-checksum]")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
