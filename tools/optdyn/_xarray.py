"""Run.to_xarray(): an optdyn file as an xarray.Dataset with shared, named coordinates.

Separate from load.py so that `import optdyn` does not import xarray (pandas); see the
docstring of optdyn.load for the naming and coordinate rules."""
import numpy as np
import xarray as xr

from optdyn.load import AXES, DIMS

# Sweeps over several coordinates at once (one value of each per sweep point): the point
# axis is unstacked into one axis per coordinate when the points form a grid.
MULTI_SWEEPS = {"op": ["s0", "s1"]}


def _names(run):
    """Dataset path -> variable name: the path below its top-level group, '/' -> '_'."""
    out, used = {}, set()
    for path in sorted(run.datasets, key=lambda p: p.count("/")):
        parts = path.split("/")
        name = "_".join(parts[1:]) if len(parts) > 1 else parts[0]
        if name in used:
            name = path.replace("/", "_")
        used.add(name)
        out[path] = name
    return out


class _Axis:
    def __init__(self, name, length, values=None, path=None):
        self.name, self.length, self.values, self.path = name, length, values, path


def _index_length(run, group, source, axis=0):
    """Length of an index axis: group attribute `source`, or axis `axis` of dataset `source`."""
    n = run.group_attrs(group).get(source)
    if n is not None and np.ndim(n) == 0:
        return int(n)
    path = f"{group}/{source}"
    if path in run.datasets and np.ndim(run[path]) > axis:
        return int(np.shape(run[path])[axis])
    return None


def _group_axes(run, names, group):
    """Coordinate axes visible in `group`: its own (AXES), then its parents'."""
    axes, g = [], group
    while g:
        for entry in AXES.get(g, []):
            if isinstance(entry, tuple):
                n = _index_length(run, g, *entry[1:])
                if n is not None:
                    prefix = "_".join(g.split("/")[1:])
                    axes.append(_Axis((prefix + "_" if prefix else "") + entry[0].lstrip("#"), n))
            elif f"{g}/{entry}" in run.datasets and np.ndim(run[f"{g}/{entry}"]) == 1:
                path = f"{g}/{entry}"
                axes.append(_Axis(names[path], len(run[path]), run[path], path))
        g = g.rpartition("/")[0]
    return axes


def _sweep_axis(run, names, group, axes):
    """The axis of sweep points of `group`'s top-level command: its first coordinate, or a
    'point' axis when the sweep runs over several coordinates (MULTI_SWEEPS)."""
    top = group.split("/")[0]
    multi = [f"{top}/{c}" for c in MULTI_SWEEPS.get(top, []) if f"{top}/{c}" in run.datasets]
    if len(multi) > 1:
        return _Axis("point", len(run[multi[0]]))
    own = [a for a in axes if a.path and a.path.startswith(top + "/") and a.path.count("/") == 1]
    return own[0] if own else None


def _is_sweep(run, path):
    """Whether the command of `path` is a sweep (some of its datasets run over sweep points)."""
    top = path.split("/")[0] + "/"
    return any(v.attrs.get("sweep_axis") == 0 for p, v in run.datasets.items() if p.startswith(top))


def _dims(run, names, path, axes):
    """Dimension names of one dataset: attached scales, else the conventions."""
    var = run.datasets[path]
    shape = np.shape(var.values)
    dims = [names[s] if s in names else None for s in (var.scales + [None] * len(shape))[:len(shape)]]
    if not any(dims) and len(DIMS.get(path, [])) == len(shape):
        dims = list(DIMS[path])
    used = {d for d in dims if d}
    sweep = _sweep_axis(run, names, path.rpartition("/")[0], axes) if var.attrs.get("sweep_axis") == 0 else None
    for i, n in enumerate(shape):
        if dims[i]:
            continue
        if i == 0 and sweep is not None and sweep.length == n:
            dims[i] = sweep.name
        elif any(a.path == path for a in axes) and len(shape) == 1:
            dims[i] = names[path]  # a coordinate is indexed by itself
        else:
            # Non-sweep datasets skip the sweep coordinate: e.g. /oscillator/critical_eta
            # runs over beta even when there are as many etas as betas.
            skip = _sweep_axis(run, names, path.rpartition("/")[0], axes) if _is_sweep(run, path) else None
            match = [a for a in axes if a.length == n and a.name not in used and (skip is None or a.name != skip.name)]
            dims[i] = match[0].name if match else f"{names[path]}_dim{i}"
        used.add(dims[i])
    return dims


def _unstack_multi_sweeps(ds):
    """op's 2-D landscapes: (point) with coordinates s0, s1 -> (s0, s1) when they form a grid."""
    if "point" not in ds.dims:
        return ds
    coords = [c for c in ("s0", "s1") if c in ds.variables and ds[c].dims == ("point",)]
    if len(coords) < 2:
        return ds
    sizes = [len(np.unique(ds[c].values)) for c in coords]
    if int(np.prod(sizes)) != ds.sizes["point"]:
        return ds  # a slice of the grid: keep the list of points
    return ds.set_coords(coords).set_index(point=coords).unstack("point")


def to_xarray(run):
    names = _names(run)
    attrs = {k: v for k, v in run.attrs.items() if isinstance(v, (str, int, float, np.number))}
    for g, ga in run.info.items():
        if g not in run.datasets:
            attrs.update({f"{g}/{k}": v for k, v in ga.items() if isinstance(v, (str, int, float, np.number))})
    variables, coord_names = {}, set()
    for path, var in run.datasets.items():
        axes = _group_axes(run, names, path.rpartition("/")[0])
        dims = _dims(run, names, path, axes)
        variables[names[path]] = xr.Variable(dims, var.values, dict(var.attrs))
        coord_names.update(d for d in dims)
    coords = {n: variables.pop(n) for n in list(variables) if n in coord_names and variables[n].dims == (n,)}
    ds = xr.Dataset(variables, coords=coords, attrs=attrs)
    return _unstack_multi_sweeps(ds)
