"""optdyn-scaling: record timed runs into a scaling HDF5 file and report speed-up and
parallel efficiency (table + PNG).

  optdyn-scaling record SCALING.h5 --kind strong|weak --ranks P --seconds T [--work W] [--run RUN.h5]
  optdyn-scaling report SCALING.h5 [-o DIR]

`record` appends one row (creating the file); with --run it also stores the run's
provenance and, for strong scaling, checks that the run's datasets are bitwise identical
to the first recorded run. `report` prints the table and writes DIR/scaling_KIND.png
(default DIR: next to the file). Used by jobs/scaling-strong.sh and jobs/scaling-weak.sh;
see tools/optdyn/scaling.py for the file layout."""
import argparse
import os
import sys

import optdyn
from optdyn import scaling


def main():
    ap = argparse.ArgumentParser(prog="optdyn-scaling", description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record", help="append one timed run")
    r.add_argument("file")
    r.add_argument("--kind", required=True, choices=("strong", "weak"))
    r.add_argument("--ranks", required=True, type=int)
    r.add_argument("--seconds", required=True, type=float)
    r.add_argument("--work", type=float, default=float("nan"))
    r.add_argument("--run", help="the run's output file (provenance; bitwise check for strong scaling)")
    p = sub.add_parser("report", help="print the table and draw speed-up/efficiency")
    p.add_argument("file")
    p.add_argument("-o", "--outdir")
    args = ap.parse_args()
    if args.cmd == "record":
        if args.ranks < 1 or not args.seconds > 0:
            sys.exit(f"optdyn-scaling: --ranks {args.ranks} / --seconds {args.seconds} not allowed: ranks >= 1, seconds > 0")
        try:
            row = scaling.record(args.file, args.kind, args.ranks, args.seconds, args.work, args.run)
        except (ValueError, OSError) as e:
            sys.exit(f"optdyn-scaling: error: {e}")
        print(f"recorded {args.kind}: {row['ranks']} ranks, {row['seconds']:.3f} s, speed-up {row['speedup']:.3f}, "
              f"efficiency {row['efficiency']:.3f}" + {1: ", bitwise identical to the reference run",
                                                       0: ", DIFFERS from the reference run", -1: ""}[row["identical"]])
        if row["identical"] == 0:
            sys.exit(1)
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optdyn import plot_scaling
    try:
        run = optdyn.load(args.file)
    except OSError as e:
        sys.exit(f"optdyn-scaling: cannot read {args.file}: {e}")
    if run.command != "scaling":
        sys.exit(f"optdyn-scaling: {args.file} is not a scaling file (command = {run.command!r})")
    outdir = args.outdir or os.path.dirname(os.path.abspath(args.file))
    os.makedirs(outdir, exist_ok=True)
    print(plot_scaling.summary(run))
    for path in plot_scaling.plot(run, outdir, plt):
        print("wrote", path)

