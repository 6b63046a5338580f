"""optdyn-merge -o OUT.h5 SLICE.h5...: join the slice files of a sliced sweep
(-sweep_slice K/N, e.g. the tasks of a SLURM job array) into one file whose datasets are
bitwise identical to a single run of the whole sweep.

Datasets with the attribute sweep_axis = 0 are concatenated in the order of the slices'
sweep_first; everything else (other datasets, attributes, provenance: program, command,
version, git_revision, seed and every option except -sweep_slice, -o, -restart, -quiet,
-sweep_checkpoint_interval) must agree (group attributes that differ, i.e. summaries over a slice's points, are left
out with a warning and listed in the root attribute merge_dropped_attributes). Missing, duplicate or overlapping slices and
incomplete (.partial) files are refused with a message and exit status 1; nothing is
written then. The output is written as OUT.h5.partial and renamed when complete."""
import argparse
import sys

from optdyn.merge import MergeError, merge


def main():
    ap = argparse.ArgumentParser(prog="optdyn-merge", description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("slices", nargs="+", metavar="SLICE.h5", help="slice files (any order)")
    ap.add_argument("-o", "--output", required=True, metavar="OUT.h5", help="merged file")
    ap.add_argument("-f", "--force", action="store_true", help="overwrite OUT.h5 if it exists")
    args = ap.parse_args()
    try:
        for line in merge(args.slices, args.output, force=args.force):
            print(line, file=sys.stderr if line.startswith("warning:") else sys.stdout)
    except MergeError as e:
        print(f"optdyn-merge: error: {e}", file=sys.stderr)
        print("optdyn-merge: nothing written", file=sys.stderr)
        sys.exit(1)

