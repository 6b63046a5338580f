"""Describe an optdyn output file: provenance, datasets (shape, type, units), status.

    from optdyn.info import describe
    status, lines = describe("escape.h5")   # status: complete | partial | slice | foreign

Status:
* ``complete``: NAME.h5 with an end_time attribute, unsliced (or a merged file);
* ``slice``:    complete, but only slice K/N of a sweep (merge with optdyn-merge);
* ``partial``:  NAME.h5.partial or no end_time: the run did not finish (crashed, was
  killed, or is still running); a checkpoint NAME.h5.ckpt means -restart continues it;
* ``foreign``:  an HDF5 file that optdyn did not write.
"""
import os

import h5py
import numpy as np

__all__ = ["describe", "verify", "InfoError"]

PROVENANCE_ORDER = ("program", "version", "git_revision", "command", "command_line", "options",
                    "mpi_ranks", "seed", "start_time", "end_time", "host", "slurm_job_id",
                    "slurm_array_job_id", "slurm_array_task_id", "sweep_slice", "sweep_first",
                    "sweep_count", "sweep_points", "merged_from")


class InfoError(Exception):
    pass


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == () and v.dtype.kind in "OSU":
        return _text(v[()])
    return v


def _fmt(v, width=100):
    v = _text(v)
    if isinstance(v, np.ndarray):
        s = np.array2string(v, threshold=8, max_line_width=width)
    elif isinstance(v, (float, np.floating)):
        s = f"{float(v):.10g}"
    else:
        s = str(v)
    s = s.replace("\n", " | ")
    return s if len(s) <= width else s[: width - 3] + "..."


def verify(path):
    """Integrity of a complete optdyn file (docs/output.md): the root attribute `complete`
    and, for every dataset, a `checksum` that matches its data. Returns a list of problems
    (empty: the file is intact), each naming the dataset."""
    from .merge import dataset_checksum
    problems = []
    with h5py.File(path, "r") as f:
        if int(np.asarray(f.attrs.get("complete", 0))) != 1:
            problems.append("no root attribute complete = 1 (the run or merge did not finish writing)")
        names = []
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        for n in names:
            d = f[n]
            want = _text(d.attrs.get("checksum"))
            if want is None:
                problems.append(f"dataset /{n} has no checksum attribute")
                continue
            got = dataset_checksum(d[()])
            if got != want:
                problems.append(f"dataset /{n}: checksum mismatch (stored {want}, data {got}): the file is corrupt")
    return problems


def _checkpoint_of(path):
    base = path[: -len(".partial")] if path.endswith(".partial") else path
    ck = base + ".ckpt"
    return ck if os.path.exists(ck) else None


def describe(path):
    """Return (status, lines). Raises InfoError if the file cannot be read at all."""
    lines = []
    if not os.path.exists(path):
        if os.path.exists(path + ".partial"):
            lines.append(f"{path} does not exist, but {path}.partial does:")
            path = path + ".partial"
        else:
            raise InfoError(f"{path}: no such file")
    is_partial_name = path.endswith(".partial")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        if is_partial_name:
            ck = _checkpoint_of(path)
            msg = f"{path}: PARTIAL and unreadable as HDF5 (the run died while writing it)"
            if ck:
                msg += f"; checkpoint {ck} exists: rerun with -restart"
            raise InfoError(msg)
        raise InfoError(f"{path}: not an HDF5 file ({e})")
    with f:
        attrs = {k: _text(v) for k, v in f.attrs.items()}
        if attrs.get("program") != "optdyn":
            lines.append(f"file:    {path}")
            lines.append("status:  not an optdyn output file (no root attribute program = 'optdyn')")
            objs = []
            f.visititems(lambda n, o: objs.append((n, o.shape, o.dtype) if isinstance(o, h5py.Dataset) else None))
            objs = [o for o in objs if o]
            lines.append(f"content: {len(objs)} dataset(s)" + (": " + ", ".join(f"/{n} {s}" for n, s, _ in objs[:8]) if objs else ""))
            return "foreign", lines

        complete = not is_partial_name and "end_time" in attrs
        sliced = False
        if "sweep_slice" in attrs:
            k, _, n = str(attrs["sweep_slice"]).partition("/")
            sliced = n not in ("", "1")
        if not complete:
            status = "partial"
            why = "file name ends in .partial" if is_partial_name else "no end_time attribute"
            ck = _checkpoint_of(path)
            msg = f"PARTIAL: the run did not finish ({why}; it crashed, was killed or is still running)"
            if ck:
                msg += f"; checkpoint {ck} exists: rerun the same command with -restart"
            lines.insert(0, f"file:    {path}")
            lines.insert(1, f"status:  {msg}")
        elif sliced:
            status = "slice"
            first, count, pts = (int(attrs.get(x, -1)) for x in ("sweep_first", "sweep_count", "sweep_points"))
            lines.append(f"file:    {path}")
            lines.append(f"status:  complete SLICE {attrs['sweep_slice']} of a sliced sweep (points "
                         f"{first}..{first + count - 1} of {pts}); join the slices with optdyn-merge")
        else:
            status = "complete"
            lines.append(f"file:    {path}")
            extra = f", merged from {len(str(attrs['merged_from']).splitlines())} slices" if "merged_from" in attrs else ""
            lines.append(f"status:  complete (end_time {attrs['end_time']}{extra})")

        lines.append("provenance:")
        keys = [k for k in PROVENANCE_ORDER if k in attrs] + sorted(k for k in attrs if k not in PROVENANCE_ORDER)
        for k in keys:
            v = attrs[k]
            if k == "merged_from":
                v = ", ".join(str(v).splitlines())
            lines.append(f"  {k:<20} {_fmt(v, 200 if k in ('options', 'command_line') else 100)}")

        groups, dsets = [], []

        def visit(name, obj):
            (dsets if isinstance(obj, h5py.Dataset) else groups).append((name, obj))

        f.visititems(visit)
        for name, g in groups:
            if len(g.attrs):
                lines.append(f"group /{name}:")
                for k in g.attrs:
                    lines.append(f"  {k:<20} {_fmt(g.attrs[k])}")
        lines.append(f"datasets ({len(dsets)}):")
        if dsets:
            w = max(len(n) for n, _ in dsets) + 1
            for name, d in dsets:
                units = _text(d.attrs.get("units", ""))
                sweep = " sweep" if "sweep_axis" in d.attrs else ""
                shape = "x".join(str(s) for s in d.shape) or "scalar"
                lines.append(f"  /{name:<{w}} {str(d.dtype):<8} {shape:<12} [{units}]{sweep}")
                desc = _text(d.attrs.get("description", ""))
                if desc:
                    lines.append(f"  {'':<{w + 1}} {_fmt(desc, 110)}")
        return status, lines
