"""Scaling measurements (jobs/scaling-strong.sh, jobs/scaling-weak.sh) stored in HDF5.

A scaling file is an optdyn-style HDF5 file with root attribute ``command = "scaling"``
(so optdyn-info and optdyn-plot understand it) and datasets under /scaling, one row per
timed run:

    ranks       int64    MPI ranks of the run
    seconds     float64  wall-clock time of the run, launcher included [s]
    work        float64  the problem-size parameter of the run (weak scaling: grows with ranks)
    speedup     float64  strong: t_ref * p_ref / t;  weak (scaled speed-up): p * t_ref / t
    efficiency  float64  speedup / ranks
    identical   int64    1 if the run's datasets are bitwise those of the reference run (the
                         first strong-scaling run), 0 if not, -1 not checked (weak scaling)

t_ref and p_ref are the fastest time at the smallest rank count. Root attributes: kind
(strong | weak), run_command (the optdyn command that was timed), reference_run, the
provenance of the first run (version, git_revision, options, seed), host, SLURM ids.
"""
import os
import socket
import time

import h5py
import numpy as np

__all__ = ["record", "read", "derived"]

FIELDS = (("ranks", np.int64, "1", "MPI ranks of the run"),
          ("seconds", np.float64, "s", "wall-clock time of the run including the MPI launcher"),
          ("work", np.float64, "1", "problem-size parameter of the run (weak scaling: proportional to ranks)"),
          ("speedup", np.float64, "1", "strong: t_ref p_ref / t; weak (scaled speed-up): p t_ref / t"),
          ("efficiency", np.float64, "1", "speedup / ranks"),
          ("identical", np.int64, "1", "1: datasets bitwise identical to the reference run, 0: not, -1: not checked"))


def _text(v):
    return v.decode() if isinstance(v, bytes) else v


def read(path):
    """(attrs, rows) with rows a dict of arrays; empty rows if the file does not exist."""
    if not os.path.exists(path):
        return {}, {name: np.zeros(0, dtype) for name, dtype, _, _ in FIELDS}
    with h5py.File(path, "r") as f:
        attrs = {k: _text(v) for k, v in f.attrs.items()}
        rows = {name: f["scaling/" + name][()].astype(dtype) for name, dtype, _, _ in FIELDS}
    return attrs, rows


def derived(kind, ranks, seconds):
    ranks = np.asarray(ranks, dtype=float)
    seconds = np.asarray(seconds, dtype=float)
    if ranks.size == 0:
        return np.zeros(0), np.zeros(0)
    pmin = ranks.min()
    tref = seconds[ranks == pmin].min()
    if kind == "strong":
        speedup = tref * pmin / seconds
    else:
        speedup = ranks * tref / seconds
    return speedup, speedup / ranks


def _datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


def _identical(a, b):
    da, db = _datasets(a), _datasets(b)
    if sorted(da) != sorted(db):
        return False
    return all(np.asarray(da[k]).dtype == np.asarray(db[k]).dtype and np.asarray(da[k]).shape == np.asarray(db[k]).shape
               and np.asarray(da[k]).tobytes() == np.asarray(db[k]).tobytes() for k in da)


def record(path, kind, ranks, seconds, work=float("nan"), run=None):
    """Append one timed run to the scaling file (created if needed); returns the row."""
    if kind not in ("strong", "weak"):
        raise ValueError(f"kind = {kind!r} is not allowed: strong or weak")
    attrs, rows = read(path)
    if attrs and attrs.get("kind") != kind:
        raise ValueError(f"{path} holds {attrs.get('kind')} scaling, not {kind}")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    new_attrs = dict(attrs)
    if not attrs:
        new_attrs.update(program="optdyn", command="scaling", kind=kind, start_time=now,
                         host=socket.gethostname())
        for env, key in (("SLURM_JOB_ID", "slurm_job_id"), ("SLURM_JOB_NODELIST", "slurm_nodelist")):
            if os.environ.get(env):
                new_attrs[key] = os.environ[env]
    identical = -1
    if run is not None:
        with h5py.File(run, "r") as f:
            ra = {k: _text(v) for k, v in f.attrs.items()}
        if "reference_run" not in new_attrs:
            new_attrs["reference_run"] = os.path.abspath(run)
            new_attrs["run_command"] = ra.get("command", "")
            for k in ("version", "git_revision", "seed", "options"):
                if k in ra:
                    new_attrs[k] = ra[k]
            identical = 1 if kind == "strong" else -1
        elif kind == "strong":
            identical = 1 if _identical(new_attrs["reference_run"], run) else 0
    new_attrs["end_time"] = now
    rows = {k: list(v) for k, v in rows.items()}
    rows["ranks"].append(int(ranks))
    rows["seconds"].append(float(seconds))
    rows["work"].append(float(work))
    rows["identical"].append(identical)
    speedup, eff = derived(kind, rows["ranks"], rows["seconds"])
    rows["speedup"], rows["efficiency"] = list(speedup), list(eff)
    new_attrs["mpi_ranks"] = int(max(rows["ranks"]))
    partial = path + ".partial"
    with h5py.File(partial, "w") as f:
        for k, v in new_attrs.items():
            f.attrs[k] = np.int64(v) if isinstance(v, (int, np.integer)) else v
        g = f.create_group("scaling")
        for name, dtype, units, desc in FIELDS:
            d = g.create_dataset(name, data=np.asarray(rows[name], dtype=dtype))
            d.attrs["units"] = units
            d.attrs["description"] = desc
    os.replace(partial, path)
    i = len(rows["ranks"]) - 1
    return {k: rows[k][i] for k, _, _, _ in FIELDS}
