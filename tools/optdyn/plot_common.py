"""Helpers shared by the plot_* modules: output names derived from the input file, readable
log axes and annotation colours."""
import os

import numpy as np


def out_path(run, outdir, name):
    """PNG path for figure `name` of `run`: INPUTSTEM_name.png, so that figures of two input
    files in one folder never overwrite each other (a leading 'COMMAND_' in name is dropped:
    escape.h5 gives escape_p_log.png, cold.h5 gives cold_p_log.png)."""
    stem = os.path.splitext(os.path.basename(run.path))[0]
    name = name[:-4] if name.endswith(".png") else name
    cmd = run.command or ""
    if cmd and name.startswith(cmd + "_"):
        name = name[len(cmd) + 1:]
    return os.path.join(outdir, f"{stem}_{name}.png")


def thin_log_ticks(ax, axis="y", numticks=6):
    """At most `numticks` labelled decades on a log or symlog axis (one label per decade is
    unreadable over 30 decades)."""
    from matplotlib.ticker import LogLocator, NullFormatter, SymmetricalLogLocator

    a = ax.yaxis if axis == "y" else ax.xaxis
    scale = a.get_scale()
    if scale == "log":
        a.set_major_locator(LogLocator(base=10, numticks=numticks))
        a.set_minor_formatter(NullFormatter())
    elif scale == "symlog":
        tr = a.get_transform()
        loc = SymmetricalLogLocator(base=10, linthresh=tr.linthresh)
        lo, hi = a.get_view_interval()
        decades = np.log10(max(abs(lo), abs(hi), tr.linthresh * 10) / tr.linthresh)
        step = max(1, int(np.ceil(2 * decades / numticks)))
        loc.set_params(subs=[1.0], numticks=numticks)
        a.set_major_locator(_EveryNth(loc, step))


class _EveryNth:
    """Wrap a locator and keep every n-th tick (always keeping 0)."""

    def __new__(cls, loc, n):
        from matplotlib.ticker import Locator

        class EveryNth(Locator):
            def __call__(self):
                ticks = np.asarray(loc())
                keep = [x for i, x in enumerate(ticks) if x == 0 or (i % n) == 0]
                return np.array(keep)

            def set_axis(self, axis):
                loc.set_axis(axis)
                super().set_axis(axis)

        return EveryNth()


def text_colour(rgba):
    """Black or white text, whichever reads better on a cell of colour rgba (relative luminance)."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3])
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 else "white"


def log_limits(arrays, span=1e8):
    """y limits for a log axis over several positive arrays that shows the bulk, not only a
    spike: from max/span (but not below the smallest positive value) to 2 x max."""
    vals = np.concatenate([np.ravel(a) for a in arrays])
    vals = vals[np.isfinite(vals) & (vals > 0)]
    if not vals.size:
        return 1e-12, 1
    top = vals.max()
    return max(vals.min(), top / span), 2 * top
