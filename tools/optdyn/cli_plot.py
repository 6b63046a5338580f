"""optdyn-plot FILE.h5 [-o DIR]: draw the standard figures (PNG) of an optdyn output file
and print a short summary. Each command's figures live in tools/optdyn/plot_COMMAND.py,
a module with summary(run) -> str and plot(run, outdir, plt) -> [paths]."""
import argparse
import importlib
import os
import sys

import optdyn


def main():
    ap = argparse.ArgumentParser(prog="optdyn-plot", description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("-o", "--outdir", default=None, help="directory for the PNGs (default: next to FILE)")
    args = ap.parse_args()
    import matplotlib  # imported here: importing this module must not select a backend

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        run = optdyn.load(args.file)
    except OSError as e:
        sys.exit(f"optdyn-plot: cannot read {args.file}: {e}")
    cmd = run.command
    if not cmd:
        sys.exit(f"optdyn-plot: {args.file} is not an optdyn output file (no 'command' attribute)")
    try:
        mod = importlib.import_module(f"optdyn.plot_{cmd}")
    except ModuleNotFoundError:
        sys.exit(f"optdyn-plot: no figures defined for command '{cmd}'")
    outdir = args.outdir or os.path.dirname(os.path.abspath(args.file))
    os.makedirs(outdir, exist_ok=True)
    print(mod.summary(run))
    for path in mod.plot(run, outdir, plt):
        print("wrote", path)

