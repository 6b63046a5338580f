# Shared helpers for script tests. Sourced; expects OPTDYN, MPIEXEC, PYTHON from ctest.
set -euo pipefail
: "${OPTDYN:?set by ctest}" "${MPIEXEC:=mpiexec}" "${PYTHON:=/usr/bin/python3}" "${OPTDYN_SOURCE:?set by ctest}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/optdyn-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

run_np() { local np=$1; shift; "$MPIEXEC" --oversubscribe -n "$np" "$OPTDYN" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# Every dataset in A and B bitwise equal (names, shapes, dtypes, bytes); prints what differs.
same_datasets() {
  "$PYTHON" - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
def names(f):
    out = []
    f.visititems(lambda n, o: out.append(n) if isinstance(o, h5py.Dataset) else None)
    return sorted(out)
na, nb = names(a), names(b)
if na != nb:
    sys.exit(f"dataset lists differ: {na} vs {nb}")
for n in na:
    x, y = a[n][()], b[n][()]
    if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
        sys.exit(f"dataset {n} differs")
print(f"{len(na)} datasets bitwise identical")
PY
}
