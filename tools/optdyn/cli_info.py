"""optdyn-info FILE.h5...: print an optdyn output file's provenance, its datasets with
shapes, types and units, and whether it is complete.

Status line: complete | complete SLICE K/N (merge with optdyn-merge) | PARTIAL (the run did
not finish; names the checkpoint to -restart from) | not an optdyn output file.
Exit status: 0 for optdyn files (any status; with --check: only if every file is complete
and intact, 3 if one is not complete, 4 if a dataset's checksum does not match its data or
the completion attribute is missing), 2 if a file is HDF5 but not written by optdyn, 1 if a
file cannot be read."""
import argparse
import sys

from optdyn.info import InfoError, describe, verify


def main():
    ap = argparse.ArgumentParser(prog="optdyn-info", description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", metavar="FILE.h5")
    ap.add_argument("--check", action="store_true",
                    help="exit 3 unless every file is complete, 4 if a checksum or the completion attribute is wrong")
    args = ap.parse_args()
    rc = 0
    for i, path in enumerate(args.files):
        if i:
            print()
        try:
            status, lines = describe(path)
        except InfoError as e:
            print(f"optdyn-info: error: {e}", file=sys.stderr)
            rc = max(rc, 1)
            continue
        print("\n".join(lines))
        if status == "foreign":
            rc = max(rc, 2)
        elif args.check and status != "complete":
            rc = max(rc, 3)
        elif args.check:
            problems = verify(path)
            for p in problems:
                print(f"optdyn-info: error: {path}: {p}", file=sys.stderr)
            if problems:
                rc = max(rc, 4)
            else:
                print("integrity: every dataset's checksum matches; complete")
    sys.exit(rc)
