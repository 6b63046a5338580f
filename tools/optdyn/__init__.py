"""optdyn: load, plot, merge and inspect optdyn's HDF5 output.

    import optdyn
    run = optdyn.load("escape.h5")        # provenance, datasets with units and description
    ds = run.to_xarray()                  # xarray.Dataset: p_escape has dims (T, steps)
    optdyn.load("merged.h5").to_xarray()  # a merged sweep, labelled, in one line

Install: `cmake --install` (with the C library) or, for the Python package alone,
`/usr/bin/python3 -m pip install --no-build-isolation --no-deps --break-system-packages .`
from the source tree (see README.md). From a source checkout, the scripts tools/optdyn-*
import this package directly. Importing optdyn or any of its modules does no work.
"""
from optdyn.load import AXES, DIMS, Run, Variable, is_complete, load, provenance

__all__ = ["load", "Run", "Variable", "provenance", "is_complete", "AXES", "DIMS"]
__version__ = "0.1.0"
