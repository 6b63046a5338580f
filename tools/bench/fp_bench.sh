#!/bin/bash
# Benchmark (not a test): `optdyn fp` implicit run to t = 1000 on N cells (default 10^6) of the
# seed landscape, backward Euler with fixed dt = 10 (100 steps), midpoint Scharfetter-Gummel
# flux, against a SciPy implementation of the same scheme (same face coefficients, one banded
# LU solve per step with scipy.linalg.solve_banded) in the same run. Prints seconds per step
# per million cells for the fused step (default; 1 and 2 ranks), the TS reference path
# (-fp_step ts) and SciPy, their ratios, the 2-rank speed-up, and the memory-bandwidth limit of
# the fused step: a STREAM-like triad a = b + s c (24 bytes per element moved) gives the
# bandwidth, the fused step moves ~88 bytes per cell (forward sweep: read P, l, 1/d, write z with
# its write-allocate; backward sweep: read z/d, u/d, a, c, P, write P). Also the shortest single
# step of each run (attribute wall_time_step_min): with other jobs on the cores, the 2-rank run's
# fastest steps are those during which both ranks had a core.
# usage: tools/bench/fp_bench.sh [OPTDYN] [N]   or   fp_bench.sh --optdyn OPTDYN [--quick]
# Prints a BENCH line for tools/bench/run. Every step runs under a time limit; a failing step is
# named with its exit code and the end of its error output (stderr and a "FAILED:" line on
# stdout), exit status 1. optdyn and its library are copied to a private directory first, so a
# rebuild of the build tree during the benchmark cannot swap them under a running step.
set -euo pipefail
OPTDYN=$(dirname "$0")/../../build/app/optdyn
N=1000000
case "${1:-}" in
  --optdyn) OPTDYN=$2; shift 2; [ "${1:-}" = --quick ] && N=20000 ;;
  --quick) N=20000 ;;
  "") ;;
  *) OPTDYN=$1; N=${2:-$N} ;;
esac
PY=/usr/bin/python3
STEP_LIMIT=${FP_BENCH_STEP_LIMIT:-900} # seconds per step
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail() {
  echo "fp_bench: $*" >&2
  echo "FAILED: fp_bench: $*"
  exit 1
}
# step NAME COMMAND...: run with the time limit, output in $W/NAME.{out,err}
step() {
  local name=$1 rc=0
  shift
  timeout "$STEP_LIMIT" "$@" >"$W/$name.out" 2>"$W/$name.err" || rc=$?
  [ $rc -eq 124 ] && fail "$name: no result within $STEP_LIMIT s (FP_BENCH_STEP_LIMIT)"
  [ $rc -eq 0 ] || fail "$name failed (exit $rc): $(tail -c 600 "$W/$name.err" | tr '\n' ' ')"
  return 0
}
[ -x "$OPTDYN" ] || fail "no optdyn executable at $OPTDYN (build first, or pass its path)"
mkdir "$W/bin"
LIB=$(ldd "$OPTDYN" | awk '/liboptdyn/ {print $3}')
cp "$OPTDYN" "$W/bin/optdyn" || fail "cannot copy $OPTDYN"
if [ -n "$LIB" ]; then cp "$LIB" "$W/bin/" || fail "cannot copy $LIB"; fi
export LD_LIBRARY_PATH="$W/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" # before optdyn's RUNPATH
BIN=$W/bin/optdyn
LOAD=$(cut -d' ' -f1 /proc/loadavg)
opts=(-fp_n "$N" -fp_t_final 1000 -fp_nt 2 -fp_flux sg -fp_save_P 0 -ts_adapt_type none -ts_dt 10 -quiet)
step "optdyn_1_rank" "$BIN" fp "${opts[@]}" -o "$W/np1.h5"
step "optdyn_2_ranks" mpiexec -x LD_LIBRARY_PATH -n 2 "$BIN" fp "${opts[@]}" -o "$W/np2.h5"
step "optdyn_ts_path" "$BIN" fp "${opts[@]}" -fp_step ts -o "$W/ts1.h5"
cat >"$W/triad.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(void)
{
  const long n = 20000000;
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c), best = 1e30;
  for (long i = 0; i < n; i++) a[i] = 0, b[i] = 1, c[i] = 2;
  for (int r = 0; r < 5; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) a[i] = b[i] + 3.0 * c[i];
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double s = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    if (s < best) best = s;
  }
  printf("%.6g %.6g\n", 24.0 * n / best / 1e9, a[n / 2]);
  return 0;
}
C
step "triad_build" cc -O2 -o "$W/triad" "$W/triad.c"
step "triad" "$W/triad"
BW=$(cut -d' ' -f1 "$W/triad.out")
step "scipy_and_table" "$PY" - "$W" "$N" "$BW" "$LOAD" <<'PY'
import sys, time, h5py, numpy as np
from scipy.linalg import solve_banded
wd, n = sys.argv[1], int(sys.argv[2])
bw = float(sys.argv[3])
load = sys.argv[4]
f1, f2, ft = h5py.File(f"{wd}/np1.h5"), h5py.File(f"{wd}/np2.h5"), h5py.File(f"{wd}/ts1.h5")
for f, method, ranks in ((f1, "fused", 1), (f2, "fused", 2), (ft, "ts", 1)):
    a = f["fp"].attrs
    if a["time_step_method"] != method or f.attrs["mpi_ranks"] != ranks or a["time_steps"] != 100:
        sys.exit(f"{f.filename}: expected {method} on {ranks} rank(s), 100 steps; got {a['time_step_method']}, {f.attrs['mpi_ranks']}, {a['time_steps']}")
g = f1["fp"].attrs
T, alpha, Wmin, Wmax = g["T"], g["alpha"], g["Wmin"], g["Wmax"]
steps = int(g["time_steps"])
h = (Wmax - Wmin) / n
# seed landscape: g0 = 2(W-2)e^{-(W-2)^2}, g1 = g0 + 200(W-1)e^{-100(W-1)^2}
def moments(W):
    e0, e1 = np.exp(-(W - 2) ** 2), np.exp(-100 * (W - 1) ** 2)
    g0 = 2 * (W - 2) * e0
    d = 100 * (W - 1) * e1               # (g1 - g0)/2
    dd = 100 * e1 * (1 - 200 * (W - 1) ** 2)
    return g0 + d, d * d, 2 * d * dd      # G, S2, S2'
t0 = time.perf_counter()
xf = Wmin + h * np.arange(1, n)          # interior faces
G, S2, dS2 = moments(xf)
v = -T * G - alpha * 0.5 * T * T * dS2
D = 0.5 * T * T * S2
with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
    Pe = np.where(D > 0, v * h / D, 0.0)
    q = np.abs(Pe)
    small_ = np.where(q <= 1, 1.0, 0.0).astype(bool)
    def B(x):
        return np.where(x == 0, 1.0, x / np.expm1(np.where(x == 0, 1.0, x)))
    a_s, c_s = D / h * B(-Pe), D / h * B(Pe)
    u = np.abs(v)
    large, small = u / -np.expm1(-q), np.where(np.isinf(q), 0.0, u / np.expm1(q))
    a_l, c_l = np.where(Pe > 0, large, small), np.where(Pe > 0, small, large)
    a = np.where(D > 0, np.where(small_, a_s, a_l), np.maximum(v, 0))
    c = np.where(D > 0, np.where(small_, c_s, c_l), np.maximum(-v, 0))
a, c = np.nan_to_num(a), np.nan_to_num(c)
af = np.concatenate([[0], a, [0]])        # faces 0..n, reflecting
cf = np.concatenate([[0], c, [0]])
dt = 10.0
ab = np.zeros((3, n))
ab[0, 1:] = -dt * cf[1:n] / h             # superdiagonal: -dt A[i, i+1]
ab[1] = 1 + dt * (af[1:] / h + cf[:-1] / h)
ab[2, :-1] = -dt * af[1:n] / h            # subdiagonal: -dt A[i+1, i]
Wc = Wmin + h * (np.arange(n) + 0.5)
from scipy.special import erfc
m, s = g["init_mean"], g["init_std"]
cdf = lambda x: 0.5 * erfc(-(x - m) / (s * np.sqrt(2)))
P = (cdf(Wc + h / 2) - cdf(Wc - h / 2)) / h
P /= P.sum() * h
setup = time.perf_counter() - t0
t0 = time.perf_counter()
for _ in range(steps):
    P = solve_banded((1, 1), ab, P, check_finite=False)
tsci = time.perf_counter() - t0
mean = (P * Wc).sum() / P.sum()
c1, c2, ct = g["wall_time_ts"], f2["fp"].attrs["wall_time_ts"], ft["fp"].attrs["wall_time_ts"]
per = lambda sec: sec / steps / (n / 1e6)
limit = 88e-9 * n / bw  # seconds per step at the triad bandwidth
m1, m2 = f1["fp/mean"][()], f2["fp/mean"][()]
par = np.max(np.abs(m1 - m2) / np.abs(m1))
print(f"grid {n} cells, {steps} backward-Euler steps of dt = 10 to t = 1000 (seed landscape, T = {T:g}); load average {load} at start")
print(f"optdyn fp fused, 1 rank : {c1:8.3f} s  = {per(c1):.4f} s/step/Mcell   final mean {f1['fp/mean'][-1]:.9f}")
print(f"optdyn fp fused, 2 ranks: {c2:8.3f} s  = {per(c2):.4f} s/step/Mcell   speed-up {c1 / c2:.2f}   mean vs 1 rank {par:.2g} relative")
b1, b2 = g["wall_time_step_min"], f2["fp"].attrs["wall_time_step_min"]
print(f"shortest single step: 1 rank {b1 / (n / 1e6):.4f}, 2 ranks {b2 / (n / 1e6):.4f} s/step/Mcell (ratio {b1 / b2:.2f}; on a shared machine: steps when no rank waited for a core)")
print(f"optdyn fp -fp_step ts   : {ct:8.3f} s  = {per(ct):.4f} s/step/Mcell   final mean {ft['fp/mean'][-1]:.9f}")
print(f"SciPy solve_banded      : {tsci:8.3f} s  = {per(tsci):.4f} s/step/Mcell   final mean {mean:.9f} (setup {setup:.2f} s)")
print(f"ratio SciPy / optdyn fused (1 rank): {tsci / c1:.2f};  TS path / fused: {ct / c1:.2f}")
print(f"triad bandwidth {bw:.1f} GB/s -> fused-step limit (88 bytes/cell) {limit / (n / 1e6):.4f} s/step/Mcell; fused / limit = {c1 / steps / limit:.2f}")
quick = ", quick: 2e4" if n != 1000000 else ""
print(f'BENCH name=fp figure="fp implicit step (10^6 cells{quick})" unit=s/step/Mcell better=lower optdyn={per(c1):.6g} optdyn2={per(c2):.6g} '
      f'reference={per(tsci):.6g} reference_name="SciPy solve_banded" limit={limit / (n / 1e6):.6g}')
PY
cat "$W/scipy_and_table.out"
