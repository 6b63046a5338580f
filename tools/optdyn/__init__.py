"""Load optdyn HDF5 output into NumPy arrays.

    import sys; sys.path.insert(0, "/path/to/optdyn/tools")
    import optdyn
    run = optdyn.load("escape.h5")
    run.attrs["command"], run["escape/p_escape"], run.units("escape/p_escape")

Uses Debian's python3-h5py and python3-numpy (/usr/bin/python3).
"""
import h5py
import numpy as np

__all__ = ["load", "Run", "provenance", "is_complete"]


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _text(v[()])
    return v


class Run:
    """All datasets of one optdyn file as NumPy arrays, plus attributes."""

    def __init__(self, path):
        self.path = path
        self.data = {}
        self.info = {}
        with h5py.File(path, "r") as f:
            self.attrs = {k: _text(v) for k, v in f.attrs.items()}

            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    self.data[name] = obj[()]
                    self.info[name] = {k: _text(v) for k, v in obj.attrs.items()}
                elif isinstance(obj, h5py.Group):
                    self.info[name] = {k: _text(v) for k, v in obj.attrs.items()}

            f.visititems(visit)

    def __getitem__(self, name):
        return self.data[name.lstrip("/")]

    def __contains__(self, name):
        return name.lstrip("/") in self.data

    def units(self, name):
        return self.info.get(name.lstrip("/"), {}).get("units", "")

    def group_attrs(self, name):
        return self.info.get(name.lstrip("/"), {})

    @property
    def command(self):
        return self.attrs.get("command", "")

    def to_xarray(self):
        """xarray.Dataset of the datasets (needs Debian's python3-xarray)."""
        import xarray as xr  # optional

        ds = xr.Dataset(attrs={k: v for k, v in self.attrs.items() if isinstance(v, (str, int, float))})
        for name, arr in self.data.items():
            dims = [f"{name.replace('/', '_')}_dim{i}" for i in range(np.ndim(arr))]
            ds[name.replace("/", "_")] = (dims, arr, self.info.get(name, {}))
        return ds


def load(path):
    return Run(path)


def provenance(path):
    with h5py.File(path, "r") as f:
        return {k: _text(v) for k, v in f.attrs.items()}


def is_complete(path):
    """A run is complete when its file was renamed from .partial and carries end_time."""
    if str(path).endswith(".partial"):
        return False
    try:
        return "end_time" in provenance(path)
    except OSError:
        return False
