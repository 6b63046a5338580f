"""Merge the slice files of a sliced sweep (``-sweep_slice K/N``) into one file.

    from optdyn.merge import merge, MergeError
    merge(["run.s0.h5", "run.s1.h5"], "run.h5")

Rules (generic: works for every optdyn command that writes sweeps):

* every dataset carrying the attribute ``sweep_axis = 0`` is concatenated along axis 0,
  slices ordered by their root attribute ``sweep_first``; its dtype, trailing shape and
  attributes must agree across slices;
* every other dataset, every dataset attribute, and the provenance must agree
  exactly (bitwise for data): ``program``, ``command``, ``version``, ``git_revision``,
  ``seed``, ``sweep_points`` and the options database, except the options that do not
  change results (``RESULT_NEUTRAL_OPTIONS``: the slice, the output name, ``-restart``,
  ``-quiet``, ``-sweep_checkpoint_interval``);
* the slices must tile the sweep's points exactly: missing, duplicate or overlapping
  slices are refused, as are incomplete (``.h5.partial``) files.

* a *group* attribute that differs between slices (or exists in only some) is a summary
  over the slice's own points (e.g. the best rate of the slice): it is not copied. Merging
  knows no science: after concatenating, it runs ``optdyn COMMAND -summarize MERGED``, the
  command's own C code, which recomputes every summary from the merged per-point datasets,
  exactly as a single run computes it. A dropped attribute that the command did not
  recompute is reported and listed in the root attribute ``merge_dropped_attributes``.
* dimension scales are re-attached in the merged file (same coordinates as the slices);
  concatenated datasets get their ``checksum`` recomputed (CRC-32, see docs/output.md).

The optdyn executable is the one named by the environment variable ``OPTDYN``, else
``optdyn`` on PATH, else ``build/app/optdyn`` of the source tree the tools live in.

The merged file is written as ``OUT.partial`` and renamed to ``OUT`` at the end. Its
datasets are bitwise identical to those of one unsliced run; its root attributes describe
an unsliced run (``sweep_slice = "0/1"``, ``sweep_first = 0``, ``sweep_count =
sweep_points``) plus ``merged_from`` (the slice files, one per line).
"""
import os
import shutil
import subprocess
import zlib

import h5py
import numpy as np

__all__ = ["merge", "MergeError", "RESULT_NEUTRAL_OPTIONS", "parse_options", "slice_range",
           "find_optdyn", "dataset_checksum"]

# Options that never change a result (the slice, the output name, -restart, ...): ignored
# when comparing the slices' options. One definition for C and Python, read from the file.
def _read_result_neutral_options():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "result_neutral_options.txt")
    with open(path, encoding="utf-8") as f:
        return tuple(w for w in (line.split("#", 1)[0].strip() for line in f) if w)


RESULT_NEUTRAL_OPTIONS = _read_result_neutral_options()

# Root attributes that must be identical in every slice.
PROVENANCE_KEYS = ("program", "command", "version", "git_revision", "sources_modified", "seed", "sweep_points")

# Root attributes that legitimately differ between slices (rewritten or dropped in the merge).
PER_RUN_KEYS = ("command_line", "options", "start_time", "end_time", "duration_seconds", "host", "mpi_ranks",
                "petsc_version", "hdf5_version", "mpi_library_version", "complete",
                "slurm_job_id", "slurm_array_job_id", "slurm_array_task_id",
                "sweep_slice", "sweep_first", "sweep_count", "merged_from")


# Dataset attributes that describe HDF5 dimension scales (object references into one file):
# never copied; the scales are re-attached in the merged file.
SCALE_ATTRS = ("DIMENSION_LIST", "REFERENCE_LIST")


class MergeError(Exception):
    """The slices cannot be merged; the message says why."""


def dataset_checksum(data):
    """The `checksum` attribute of a dataset holding data (docs/output.md): CRC-32 (zlib) of
    the elements in row-major order as little-endian bytes of the stored type; strings:
    each UTF-8 string followed by one NUL byte."""
    a = np.asarray(data)
    if a.dtype.kind in "OSU":
        crc = 0
        for v in a.ravel():
            b = v if isinstance(v, bytes) else str(v).encode("utf-8")
            crc = zlib.crc32(b + b"\0", crc)
        return f"crc32:{crc:08x}"
    return f"crc32:{zlib.crc32(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder('<')).tobytes()):08x}"


def find_optdyn():
    """The optdyn executable: $OPTDYN, else optdyn on PATH, else build/app/optdyn next to the
    tools in a source tree. Raises MergeError if none is found."""
    env = os.environ.get("OPTDYN")
    if env:
        if os.access(env, os.X_OK):
            return env
        raise MergeError(f"OPTDYN = {env} is not an executable")
    onpath = shutil.which("optdyn")
    if onpath:
        return onpath
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    for cand in (os.path.join(root, "build", "app", "optdyn"), os.path.join(root, "bin", "optdyn")):
        if os.access(cand, os.X_OK):
            return cand
    raise MergeError("cannot find the optdyn executable (needed to recompute the summaries of the "
                     "merged file): set OPTDYN=/path/to/optdyn or put optdyn on PATH")


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == () and v.dtype.kind in "OSU":
        return _text(v[()])
    return v


def _is_option_name(tok):
    return len(tok) > 1 and tok[0] == "-" and not (tok[1].isdigit() or tok[1] == ".")


def parse_options(text):
    """PETSc's options text ("-a 1 -b -c x") -> {name: value or ''}."""
    opts = {}
    toks = (text or "").split()
    i = 0
    while i < len(toks):
        name = toks[i]
        if not _is_option_name(name):
            i += 1
            continue
        value = ""
        if i + 1 < len(toks) and not _is_option_name(toks[i + 1]):
            value = toks[i + 1]
            i += 1
        opts[name] = value
        i += 1
    return opts


def _result_options(text):
    return {k: v for k, v in parse_options(text).items() if k not in RESULT_NEUTRAL_OPTIONS}


def slice_range(npoints, k, n):
    """First point and count of slice k of n (the block partition of src/sweep.c)."""
    lo = npoints * k // n
    hi = npoints * (k + 1) // n
    return lo, hi - lo


def _parse_slice(s, path):
    try:
        k, n = (int(x) for x in str(s).split("/"))
    except ValueError:
        raise MergeError(f"{path}: root attribute sweep_slice = {s!r} is not K/N")
    return k, n


class _Slice:
    def __init__(self, path):
        self.path = path
        if str(path).endswith(".partial"):
            raise MergeError(f"{path} is an incomplete run (.partial): the run did not finish; "
                             f"rerun that slice (with -restart if OUTPUT.ckpt exists)")
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            raise MergeError(f"cannot open {path} as HDF5: {e}")
        with f:
            self.attrs = {k: _text(v) for k, v in f.attrs.items()}
            self.datasets = {}   # name -> (dtype, shape, attrs, sweep)
            self.groups = {}     # name -> attrs

            def visit(name, obj):
                attrs = {k: _text(v) for k, v in obj.attrs.items()}
                if isinstance(obj, h5py.Dataset):
                    sweep = "sweep_axis" in obj.attrs and int(np.asarray(obj.attrs["sweep_axis"])) == 0
                    self.datasets[name] = (obj.dtype, obj.shape, attrs, sweep)
                else:
                    self.groups[name] = attrs

            f.visititems(visit)
        if self.attrs.get("program") != "optdyn":
            raise MergeError(f"{path} is not an optdyn output file (no root attribute program = 'optdyn')")
        if "end_time" not in self.attrs:
            raise MergeError(f"{path} is an incomplete run (no end_time attribute)")
        for key in ("sweep_slice", "sweep_first", "sweep_count", "sweep_points"):
            if key not in self.attrs:
                raise MergeError(f"{path} has no root attribute {key}: its command "
                                 f"'{self.attrs.get('command', '?')}' does not write a sliceable sweep")
        self.k, self.n = _parse_slice(self.attrs["sweep_slice"], path)
        self.first = int(self.attrs["sweep_first"])
        self.count = int(self.attrs["sweep_count"])
        self.points = int(self.attrs["sweep_points"])
        if (self.first, self.count) != slice_range(self.points, self.k, self.n):
            raise MergeError(f"{path}: sweep_first/sweep_count = {self.first}/{self.count} do not match "
                             f"slice {self.k}/{self.n} of {self.points} points")
        self.options = _result_options(self.attrs.get("options", ""))

    def label(self):
        return f"{self.path} (slice {self.k}/{self.n}, points {self.first}..{self.first + self.count - 1})"


def _same(a, b):
    """Equality for attribute values (arrays, NaN-aware bitwise for floats)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, float) and isinstance(b, float):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    return type(a) is type(b) and a == b


def _dict_diff(a, b):
    keys = sorted(set(a) | set(b))
    return [k for k in keys if k not in a or k not in b or not _same(a[k], b[k])]


def _check_tiling(slices):
    npoints = slices[0].points
    for s in slices:
        if s.points != npoints:
            raise MergeError(f"provenance mismatch: {slices[0].path} has sweep_points = {npoints} "
                             f"but {s.path} has {s.points}")
    # duplicates: the same slice twice
    seen = {}
    for s in slices:
        key = (s.k, s.n)
        if key in seen:
            raise MergeError(f"duplicate slice {s.k}/{s.n}: {seen[key]} and {s.path}")
        seen[key] = s.path
    ordered = sorted(slices, key=lambda s: (s.first, s.count))
    pos = 0
    problems = []
    for s in ordered:
        if s.first > pos:
            problems.append(f"missing points {pos}..{s.first - 1} of {npoints}")
        elif s.first < pos:
            problems.append(f"overlapping slices: points {s.first}..{min(pos, s.first + s.count) - 1} "
                            f"are in {s.label()} and in an earlier slice")
        pos = max(pos, s.first + s.count)
    if pos < npoints:
        problems.append(f"missing points {pos}..{npoints - 1} of {npoints}")
    if problems:
        ns = sorted({s.n for s in slices})
        if len(ns) == 1:
            have = {s.k for s in slices}
            missing = [k for k in range(ns[0]) if k not in have]
            if missing:
                problems.insert(0, "missing slice(s) " + ", ".join(f"{k}/{ns[0]}" for k in missing))
        raise MergeError("the slices do not cover the sweep exactly once: " + "; ".join(problems))
    return ordered


def _check_provenance(ordered):
    """Refuse mismatches; return the group attributes that differ between slices (summaries
    computed over a slice's points, e.g. a best value: dropped from the merged file)."""
    ref = ordered[0]
    dropped = set()
    for s in ordered[1:]:
        for key in PROVENANCE_KEYS:
            if not _same(ref.attrs.get(key), s.attrs.get(key)):
                raise MergeError(f"provenance mismatch: {key} = {ref.attrs.get(key)!r} in {ref.path} "
                                 f"but {s.attrs.get(key)!r} in {s.path}")
        diff = _dict_diff(ref.options, s.options)
        if diff:
            parts = [f"{k} = {ref.options.get(k, '(unset)')!r} vs {s.options.get(k, '(unset)')!r}" for k in diff]
            raise MergeError(f"provenance mismatch: options differ between {ref.path} and {s.path}: "
                             + ", ".join(parts))
        other = [k for k in _dict_diff(ref.attrs, s.attrs) if k not in PER_RUN_KEYS and k not in PROVENANCE_KEYS]
        if other:
            raise MergeError(f"provenance mismatch: root attribute(s) {', '.join(other)} differ between "
                             f"{ref.path} and {s.path}")
        if sorted(ref.groups) != sorted(s.groups) or sorted(ref.datasets) != sorted(s.datasets):
            only = sorted((set(ref.groups) | set(ref.datasets)) ^ (set(s.groups) | set(s.datasets)))
            raise MergeError(f"layout mismatch between {ref.path} and {s.path}: "
                             f"objects present in only one of them: {', '.join(only)}")
        for g, attrs in ref.groups.items():
            for k in _dict_diff(attrs, s.groups[g]):  # a summary over the slice's points
                dropped.add((g, k))
        for name, (dtype, shape, attrs, sweep) in ref.datasets.items():
            dtype2, shape2, attrs2, sweep2 = s.datasets[name]
            if sweep != sweep2 or dtype != dtype2:
                raise MergeError(f"layout mismatch: dataset /{name} differs in type or sweep_axis between "
                                 f"{ref.path} and {s.path}")
            if sweep:
                if shape[1:] != shape2[1:]:
                    raise MergeError(f"layout mismatch: dataset /{name} has shape {shape} in {ref.path} "
                                     f"but {shape2} in {s.path} (only the sweep axis may differ)")
            elif shape != shape2:
                raise MergeError(f"layout mismatch: dataset /{name} has shape {shape} in {ref.path} "
                                 f"but {shape2} in {s.path}")
            d = [k for k in _dict_diff(attrs, attrs2) if k not in SCALE_ATTRS and not (sweep and k == "checksum")]
            if d:
                raise MergeError(f"provenance mismatch: attribute(s) {', '.join(d)} of dataset /{name} differ "
                                 f"between {ref.path} and {s.path}")
    for s in ordered:
        for name, (dtype, shape, attrs, sweep) in s.datasets.items():
            if sweep and (len(shape) == 0 or shape[0] != s.count):
                raise MergeError(f"{s.path}: dataset /{name} has sweep_axis = 0 but {shape[0] if shape else 0} rows "
                                 f"for a slice of {s.count} points")
    return sorted(dropped)


def _copy_attrs(src, dst, skip=()):
    for k in src.attrs:
        if k in skip or k in SCALE_ATTRS:
            continue
        dst.attrs.create(k, src.attrs[k], dtype=src.attrs.get_id(k).dtype)


def _dataset_kwargs(src):
    kw = {}
    if src.chunks is not None:
        kw["chunks"] = True if src.shape[0] == 0 else tuple(min(c, s) if s else c for c, s in zip(src.chunks, src.shape))
        if src.compression:
            kw["compression"] = src.compression
            kw["compression_opts"] = src.compression_opts
        kw["shuffle"] = src.shuffle
        kw["fletcher32"] = src.fletcher32
    return kw


def _strip_option(text, names):
    """Remove options (and their values) from a command line / options text."""
    toks = (text or "").split()
    out = []
    i = 0
    while i < len(toks):
        if toks[i] in names:
            if i + 1 < len(toks) and not _is_option_name(toks[i + 1]):
                i += 1
            i += 1
            continue
        out.append(toks[i])
        i += 1
    return " ".join(out)


def _set_output(text, output):
    stripped = _strip_option(text, ("-sweep_slice", "-o"))
    return (stripped + " -o " + output).strip()


def _scale_names(ds):
    """Per axis, the paths of the dimension scales attached to dataset ds."""
    return [[sc.name for sc in ds.dims[i].values()] for i in range(ds.ndim)]


def _attach_scales(out, scales):
    for name, axes in scales.items():
        for axis, coords in enumerate(axes):
            for c in coords:
                coord = out[c]
                if not h5py.h5ds.is_scale(coord.id):
                    coord.make_scale(c.rsplit("/", 1)[-1])
                if c.lstrip("/") != name:
                    out[name].dims[axis].attach_scale(coord)


def _write_root_attrs(out, f0, ordered, ref, output):
    for k in f0.attrs:  # root attributes: those of slice 0, then rewritten
        if k in ("slurm_array_task_id", "complete"):
            continue
        out.attrs.create(k, f0.attrs[k], dtype=f0.attrs.get_id(k).dtype)
    out.attrs["sweep_slice"] = "0/1"
    out.attrs["sweep_first"] = np.int64(0)
    out.attrs["sweep_count"] = np.int64(ref.points)
    out.attrs["options"] = _set_output(ref.attrs.get("options", ""), output) + " "
    out.attrs["command_line"] = _set_output(ref.attrs.get("command_line", ""), output)
    out.attrs["start_time"] = min(str(s.attrs.get("start_time", "")) for s in ordered)
    out.attrs["end_time"] = max(str(s.attrs.get("end_time", "")) for s in ordered)
    if all("duration_seconds" in s.attrs for s in ordered):
        out.attrs["duration_seconds"] = float(sum(float(s.attrs["duration_seconds"]) for s in ordered))
    out.attrs["mpi_ranks"] = np.int64(max(int(s.attrs.get("mpi_ranks", 1)) for s in ordered))
    out.attrs["merged_from"] = "\n".join(s.path for s in ordered)


def _copy_objects(out, files, ref, dropped):
    """Groups and datasets of the slices into out; returns the dimension scales to attach."""
    f0, scales = files[0], {}

    def visit(name, obj):
        if isinstance(obj, h5py.Group):
            g = out.require_group(name)
            _copy_attrs(obj, g, skip={k for gg, k in dropped if gg == name})
            return
        dtype, shape, attrs, sweep = ref.datasets[name]
        if sweep:
            data = np.concatenate([f[name][()] for f in files], axis=0)
        else:
            data = obj[()]
            for f in files[1:]:
                other = f[name][()]
                if np.asarray(other).tobytes() != np.asarray(data).tobytes():
                    raise MergeError(f"data mismatch: dataset /{name} (no sweep_axis) differs "
                                     f"between {ref.path} and {f.filename}")
        d = out.create_dataset(name, data=data, dtype=obj.dtype, **_dataset_kwargs(obj))
        _copy_attrs(obj, d)
        if "checksum" in obj.attrs:
            d.attrs["checksum"] = dataset_checksum(d[()])
        if any(_scale_names(obj)):
            scales[name] = _scale_names(obj)

    f0.visititems(visit)
    return scales


def _summarize(command, path):
    """Recompute the command's summaries in the merged file with the command's own C code."""
    exe = find_optdyn()
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT=os.environ.get("OMPI_ALLOW_RUN_AS_ROOT", "1"),
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=os.environ.get("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"))
    r = subprocess.run([exe, command, "-summarize", path], capture_output=True, text=True, env=env)
    if r.returncode:
        msg = (r.stderr or r.stdout).strip().splitlines()
        raise MergeError(f"'{exe} {command} -summarize' failed on the merged file: "
                         + (msg[0] if msg else f"exit status {r.returncode}"))


def merge(paths, output, force=False):
    """Merge slice files into output. Returns a list of lines describing what was done."""
    if not paths:
        raise MergeError("no input files")
    apaths = [os.path.abspath(p) for p in paths]
    if os.path.abspath(output) in apaths:
        raise MergeError(f"output {output} is also an input")
    if os.path.exists(output) and not force:
        raise MergeError(f"output {output} exists (use --force to overwrite)")
    slices = [_Slice(p) for p in paths]
    ordered = _check_tiling(slices)
    dropped = _check_provenance(ordered)
    ref = ordered[0]
    command = ref.attrs.get("command")
    find_optdyn()  # fail before writing anything
    partial = output + ".partial"
    try:
        files = [h5py.File(s.path, "r") for s in ordered]
        try:
            with h5py.File(partial, "w") as out:
                _write_root_attrs(out, files[0], ordered, ref, output)
                _attach_scales(out, _copy_objects(out, files, ref, dropped))
        finally:
            for f in files:
                f.close()
        _summarize(command, partial)
        with h5py.File(partial, "r+") as out:
            missing = [(g, k) for g, k in dropped if k not in out[g].attrs]
            if missing:
                out.attrs["merge_dropped_attributes"] = "\n".join(f"/{g} {k}" for g, k in missing)
        os.replace(partial, output)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    nsweep = sum(1 for v in ref.datasets.values() if v[3])
    warnings = [f"warning: group attribute /{g} {k} differs between slices (a summary over each slice's "
                f"points) and '{command} -summarize' did not recompute it; not in {output}" for g, k in missing]
    return warnings + [f"merged {len(ordered)} slice(s) of '{command}' ({ref.points} points): "
                       f"{nsweep} sweep dataset(s) concatenated, {len(ref.datasets) - nsweep} checked identical, "
                       f"{len(dropped) - len(missing)} summary attribute(s) recomputed by '{command} -summarize' -> {output}"]
