"""optdyn-plot FILE.h5 [FILE2.h5 ...] [-o DIR]: draw the standard figures (PNG) of optdyn
output files and print a short summary of each. Figures are named after the input file
(run.h5 -> run_NAME.png), so several files can share a folder. Several files of the same
command are also drawn together: OVERLAY_NAME.png overlays their main curves, labelled by
the files' `label` attribute or their names. Each command's figures live in
tools/optdyn/plot_COMMAND.py: summary(run) -> str, plot(run, outdir, plt) -> [paths] and,
optionally, overlay(runs, labels, outdir, plt) -> [paths]."""
import argparse
import importlib
import json
import os
import sys

import optdyn


def describe_figure(fig):
    """What a reader sees on each axes: labels, title, whether it is a colour bar, and how
    many drawn things it holds (for the sidecar written with --describe)."""
    out = []
    for ax in fig.axes:
        is_cbar = hasattr(ax, "_colorbar")
        label = ax._colorbar.ax.get_ylabel() or ax._colorbar.ax.get_xlabel() if is_cbar else ""
        # panels that share an axis are labelled once (on the outer panel)
        xl = ax.get_xlabel() or next((s.get_xlabel() for s in ax.get_shared_x_axes().get_siblings(ax) if s.get_xlabel()), "")
        yl = ax.get_ylabel() or next((s.get_ylabel() for s in ax.get_shared_y_axes().get_siblings(ax) if s.get_ylabel()), "")
        out.append({"xlabel": xl, "ylabel": yl, "title": ax.get_title(), "colorbar": is_cbar,
                    "colorbar_label": label, "visible": ax.get_visible() and ax.axison,
                    "artists": len(ax.lines) + len(ax.collections) + len(ax.images) + len(ax.patches),
                    "has_map": bool(ax.images) or any(type(c).__name__ in ("QuadMesh", "PolyQuadMesh") for c in ax.collections),
                    "has_colorbar": any(getattr(c, "colorbar", None) is not None for c in list(ax.images) + list(ax.collections))})
    return {"suptitle": fig._suptitle.get_text() if fig._suptitle else "", "axes": out}


def enable_describe():
    """Write PATH.json next to every saved figure (used by the figure test)."""
    from matplotlib.figure import Figure

    original = Figure.savefig

    def savefig(self, fname, *args, **kwargs):
        original(self, fname, *args, **kwargs)
        with open(str(fname) + ".json", "w") as f:
            json.dump(describe_figure(self), f, indent=1)

    Figure.savefig = savefig


def load(path):
    try:
        run = optdyn.load(path)
    except OSError as e:
        sys.exit(f"optdyn-plot: cannot read {path}: {e}")
    if not run.command:
        sys.exit(f"optdyn-plot: {path} is not an optdyn output file (no 'command' attribute)")
    return run


def label_of(run):
    lab = run.attrs.get("label") if hasattr(run, "attrs") else None
    if isinstance(lab, bytes):
        lab = lab.decode()
    return lab or os.path.splitext(os.path.basename(run.path))[0]


def main():
    ap = argparse.ArgumentParser(prog="optdyn-plot", description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", metavar="FILE")
    ap.add_argument("-o", "--outdir", default=None, help="directory for the PNGs (default: next to the first FILE)")
    ap.add_argument("--describe", action="store_true", help="also write PNG.json with each figure's axes labels (for tests)")
    args = ap.parse_args()
    import matplotlib  # imported here: importing this module must not select a backend

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if args.describe:
        enable_describe()
    runs = [load(p) for p in args.files]
    outdir = args.outdir or os.path.dirname(os.path.abspath(args.files[0]))
    os.makedirs(outdir, exist_ok=True)
    for run in runs:
        try:
            mod = importlib.import_module(f"optdyn.plot_{run.command}")
        except ModuleNotFoundError:
            sys.exit(f"optdyn-plot: no figures defined for command '{run.command}'")
        print(mod.summary(run))
        for path in mod.plot(run, outdir, plt):
            print("wrote", path)
    if len(runs) > 1:
        cmds = {r.command for r in runs}
        if len(cmds) > 1:
            sys.exit(f"optdyn-plot: cannot overlay files of different commands ({', '.join(sorted(cmds))}); plot them separately")
        mod = importlib.import_module(f"optdyn.plot_{runs[0].command}")
        if not hasattr(mod, "overlay"):
            print(f"optdyn-plot: no overlay defined for '{runs[0].command}'; drew each file separately")
            return
        for path in mod.overlay(runs, [label_of(r) for r in runs], outdir, plt):
            print("wrote", path)
