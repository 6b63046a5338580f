"""optdyn.load(FILE): one optdyn output file as a Python object, and as an xarray.Dataset.

    run = optdyn.load("escape.h5")
    run.provenance["git_revision"]             # root attributes: program, version, options, ...
    run.datasets["escape/p_escape"].units      # every dataset with units and description
    run["escape/p_escape"]                     # the values (NumPy array)
    ds = run.to_xarray()                       # labelled: ds.p_escape has dims (T, steps)
    ds.p_escape.sel(steps=1000).plot()

Coordinates: when the file carries HDF5 dimension scales (each dataset's axes attached to the
coordinate datasets), to_xarray() uses them. Older files have none; then the axes come from
each command's conventions (AXES below): a dataset that runs over sweep points (attribute
sweep_axis = 0) has the command's sweep coordinate as its first axis (/escape/T,
/oscillator/eta, /op/s0, ...), and every other axis is the first of the group's coordinate
datasets (in the order listed) that has the axis's length and is not used yet. An axis with
no match gets xarray's default name NAME_dimI. A merged sweep (optdyn-merge) has the same
layout as a single run, so `optdyn.load("merged.h5").to_xarray()` labels it the same way.

Names in the Dataset are paths below the command's group with "/" replaced by "_"
(escape/p_escape -> p_escape, fp/mc/mean -> mc_mean, es/bound/U -> bound_U). Root attributes
become the Dataset's attributes; group attributes appear as "GROUP/NAME" (e.g. "escape/W0").
"""
import h5py
import numpy as np

__all__ = ["load", "Run", "Variable", "provenance", "is_complete", "AXES", "DIMS"]

# Per group: its coordinate datasets, in the order used to match axes by length. The first
# entry of a sweep command's group is its sweep coordinate. ("#name", SOURCE[, AXIS]) is an
# index axis without values, as long as the group attribute SOURCE or as axis AXIS of the
# group's dataset SOURCE. Sub-groups also see their parents' axes (fp/mc is indexed by fp's t).
AXES = {
    "escape": ["T", "steps", ("#bin", "hist_counts", 1), ("#bin_edge", "hist_edges")],
    "oscillator": ["eta", "beta", ("#direction", "curvatures")],
    "oscillator/trajectory": [("#trajectory", "eta"), ("#sample", "t", 1)],
    "op": ["s0", "grid_s0", "grid_s1", ("#variable", "x0")],
    "op/trajectory": ["t", ("#variable", "w", 1), ("#delta", "deltas")],
    "fp": ["t", "W"],
    "fp2d": ["t", "y", "x", ("#direction", "mean", 1), ("#cov_entry", "cov", 1)],
    "es": [("#generation", "generations"), ("#component", "d"), ("#minimum", "minima_f")],
    "es/bound": ["sigma", "mu"],
    "es/variance": ["sigma", "population"],
    "es/runs": ["sigma0", ("#replicate", "f_final", 1)],
}

# Datasets whose axes have equal lengths in usual runs: their axes by name, in order.
DIMS = {"op/trajectory/comp_by_delta": ["trajectory_delta", "trajectory_t", "trajectory_variable"]}

# HDF5 attributes that implement dimension scales; not shown as metadata.
_SCALE_ATTRS = {"CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST", "DIMENSION_LABELS", "_Netcdf4Dimid"}


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _text(v[()])
    return v


def _attrs(obj):
    return {k: _text(v) for k, v in obj.attrs.items() if k not in _SCALE_ATTRS}


class Variable:
    """One dataset: values, units, description and its other attributes."""

    def __init__(self, name, values, attrs, scales):
        self.name = name
        self.values = values
        self.attrs = attrs
        self.scales = scales  # per axis: path of the attached dimension scale, or None

    @property
    def units(self):
        return self.attrs.get("units", "")

    @property
    def description(self):
        return self.attrs.get("description", "")

    @property
    def shape(self):
        return np.shape(self.values)

    def __repr__(self):
        return f"<{self.name} {self.shape} [{self.units}] {self.description}>"


def _scales_of(dset):
    """Paths of the dimension scales attached to each axis (None where there is none)."""
    out = []
    for dim in dset.dims:
        try:
            out.append(dim[0].name.lstrip("/") if len(dim) else None)
        except (RuntimeError, KeyError, ValueError):
            out.append(None)
    return out


class Run:
    """All datasets of one optdyn file in memory, with provenance and units."""

    def __init__(self, path):
        self.path = str(path)
        self.data, self.info, self.datasets = {}, {}, {}
        with h5py.File(self.path, "r") as f:
            self.attrs = _attrs(f)

            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    var = Variable(name, obj[()], _attrs(obj), _scales_of(obj))
                    self.datasets[name] = var
                    self.data[name] = var.values
                    self.info[name] = var.attrs
                elif isinstance(obj, h5py.Group):
                    self.info[name] = _attrs(obj)

            f.visititems(visit)

    def __getitem__(self, name):
        return self.data[name.lstrip("/")]

    def __contains__(self, name):
        return name.lstrip("/") in self.data

    def __repr__(self):
        return f"<optdyn.Run {self.command} {self.path}: {len(self.datasets)} datasets>"

    @property
    def provenance(self):
        """Root attributes: program, version, git_revision, command, options, times, ranks, ..."""
        return self.attrs

    @property
    def command(self):
        return self.attrs.get("command", "")

    def units(self, name):
        return self.info.get(name.lstrip("/"), {}).get("units", "")

    def description(self, name):
        return self.info.get(name.lstrip("/"), {}).get("description", "")

    def group_attrs(self, name):
        return self.info.get(name.lstrip("/"), {})

    def to_xarray(self):
        """xarray.Dataset whose coordinates are the sweep axes (see the module's docstring)."""
        from optdyn._xarray import to_xarray  # xarray is imported only when asked for

        return to_xarray(self)


def load(path):
    """Read an optdyn HDF5 output file (single run, slice or merged sweep)."""
    return Run(path)


def provenance(path):
    with h5py.File(path, "r") as f:
        return _attrs(f)


def is_complete(path):
    """A run is complete when its file was renamed from .partial and carries end_time."""
    if str(path).endswith(".partial"):
        return False
    try:
        return "end_time" in provenance(path)
    except OSError:
        return False
