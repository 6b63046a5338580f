#!/usr/bin/python3
"""ES generation benchmark (not a test), a plug-in of tools/bench/run.

The issue's workload: one generation of Rastrigin at d = 10^6 with N = 256 members
(centered ranks, plain ES update). optdyn regenerates every perturbation from Philox +
Box-Muller lanes (evaluation, then the update's fused accumulation: the N x d noise is never
stored); it runs at 1 and 2 ranks, with the default protocol (scalars only) and with
-es_split_coordinates. The reference is NumPy doing the same update with the N x d noise
held in memory (N x d normals drawn row by row, f per row, grad = u @ eps / (N sigma)).
A last row is the noise kernel alone on one core (CPU time, best instruction-set level)
against es's plain scalar reference (build/tests/bench_es_noise).

Prints, besides a readable summary, one line per table row:
  BENCH name=... figure=... unit=... better=... optdyn=V [optdyn2=V] reference=V reference_name=... [limit=V]

Limits (estimated, one core): floating-point lane operations per coordinate and member over
the add+multiply peak measured by build/tests/bench_hwlimits: a normal costs 35.5 (Box-Muller
with es's ln, sin, cos polynomials, a divide and a square root counted as one operation each),
evaluation adds 2 (w = mu + sigma eps) + 45 (Rastrigin term with its cos(2 pi w)), the update's
accumulation 2: 120 per coordinate and member. Philox's integer work and the divide/square-root
throughput are not counted, so the limits are optimistic.

usage: tools/bench/es_bench.py [OPTDYN] [--optdyn PATH] [--quick] [-d D] [-N N] [-g G]
  --quick   d = 20000, N = 16 (the ctest smoke test: checks the rows appear, not the timings)
"""
import argparse
import os
import subprocess
import tempfile
import time

import h5py
import numpy as np

FLOPS_PER_NORMAL = 35.5             # Box-Muller pair: 71 double lane operations
FLOPS_PER_COORD_MEMBER = 2 * FLOPS_PER_NORMAL + 2 + 45 + 2

here = os.path.dirname(os.path.realpath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("optdyn_pos", nargs="?", default=None)
ap.add_argument("--optdyn", default=None)
ap.add_argument("--quick", action="store_true")
ap.add_argument("-d", type=int, default=None)
ap.add_argument("-N", type=int, default=None)
ap.add_argument("-g", type=int, default=None)
a = ap.parse_args()
optdyn = a.optdyn or a.optdyn_pos or os.path.join(here, "..", "..", "build", "app", "optdyn")
build = os.path.dirname(os.path.dirname(os.path.abspath(optdyn)))
d = a.d or (20000 if a.quick else 1000000)
N = a.N or (16 if a.quick else 256)
G = a.g or 2
sigma, lr = 0.1, 0.01
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")


def run(cmd):
    return subprocess.run(cmd, check=True, env=env, capture_output=True, text=True).stdout


def optdyn_generation(ranks, split, tmp):
    """optdyn's seconds per generation (rank 0's wall time of the generation loop)."""
    out = os.path.join(tmp, f"es{ranks}{int(split)}.h5")
    cmd = ["mpiexec", "-n", str(ranks), optdyn, "es", "-es_objective", "rastrigin", "-es_dim", str(d), "-es_mu0", "2.5",
           "-es_sigma0", str(sigma), "-es_population", str(N), "-es_generations", str(G), "-es_algorithm", "es",
           "-es_shaping", "centered_rank", "-es_lr", str(lr), "-quiet", "-o", out]
    run(cmd + (["-es_split_coordinates"] if split else []))
    with h5py.File(out, "r") as f:
        return float(f["es"].attrs["seconds_per_generation"])


def rastrigin(W):
    return 10 * W.shape[1] + np.sum(W * W - 10 * np.cos(2 * np.pi * W), axis=1)


def numpy_generation():
    """NumPy: one generation of the same update with the N x d noise in memory."""
    rng = np.random.default_rng(1)
    mu = np.full(d, 2.5)
    t0 = time.perf_counter()
    f = np.empty(N)
    eps = np.empty((N, d))
    for n in range(N):  # row by row: one perturbation at a time plus the N x d table
        eps[n] = rng.standard_normal(d)
        f[n] = rastrigin((mu + sigma * eps[n])[None, :])[0]
    u = np.argsort(np.argsort(f)) / (N - 1) - 0.5
    grad = u @ eps / (N * sigma)
    mu -= lr * grad
    return time.perf_counter() - t0


def addmul_peak():
    exe = os.path.join(build, "tests", "bench_hwlimits")
    if not os.path.exists(exe):
        return None
    return float(dict(l.split()[:2] for l in run([exe, "quick"]).splitlines() if l.strip())["addmul_ops"])


def noise_rates():
    """{level: (generate, fused)} normals/s on one core (CPU time), or {} without the executable."""
    exe = os.path.join(build, "tests", "bench_es_noise")
    if not os.path.exists(exe):
        return {}
    rates = {}
    for line in run([exe, "1" if a.quick else "8"]).splitlines():
        kv = dict(item.split("=", 1) for item in line.split()[2:] if "=" in item)
        rates[kv["level"]] = (float(kv["generate"]), float(kv["fused_accumulate"]))
    return rates


def bench_line(**kv):
    return "BENCH " + " ".join(f'{k}="{v}"' if isinstance(v, str) else f"{k}={v:.6g}" for k, v in kv.items() if v is not None)


peak = addmul_peak()
t_np = numpy_generation()
time.sleep(0 if a.quick else 2)  # the 2 GB NumPy table is released: optdyn run at once after it was measured ~10 % slower
with tempfile.TemporaryDirectory() as tmp:
    t = {(r, s): optdyn_generation(r, s, tmp) for r in (1, 2) for s in (False, True)}
rates = noise_rates()

work = f"Rastrigin d = {d}, N = {N}" + (", quick" if a.quick else "")
t_limit = N * d * FLOPS_PER_COORD_MEMBER / peak if peak else None
print(f"d = {d}, N = {N}; NumPy (N x d noise in memory) {t_np:.3f} s/generation")
for s, name in ((False, "default (scalars only)"), (True, "-es_split_coordinates")):
    print(f"optdyn {name:24s}: 1 rank {t[1, s]:.3f} s, 2 ranks {t[2, s]:.3f} s; NumPy / optdyn (1 rank) = {t_np / t[1, s]:.2f}x")
print(bench_line(name="es", figure=f"es generation, default protocol ({work})", unit="s/generation", better="lower",
                 optdyn=t[1, False], optdyn2=t[2, False], reference=t_np, reference_name="NumPy", limit=t_limit))
print(bench_line(name="es_split", figure=f"es generation, -es_split_coordinates ({work})", unit="s/generation", better="lower",
                 optdyn=t[1, True], optdyn2=t[2, True], reference=t_np, reference_name="NumPy", limit=t_limit))
if rates:
    best = max((lv for lv in rates if lv != "scalar"), key=lambda lv: rates[lv][0])
    for lv, (gen, fused) in rates.items():
        print(f"noise kernel {lv:7s}: {gen:.3g} normals/s generated, {fused:.3g} normals/s fused into g += a eps (one core, CPU time)")
    print(bench_line(name="es_noise", figure=f"es noise kernel, 1 core, CPU time ({best}; reference column: plain scalar reference)",
                     unit="normals/s", better="higher", optdyn=rates[best][0], reference=rates["scalar"][0],
                     reference_name="optdyn scalar", limit=peak / FLOPS_PER_NORMAL if peak else None))
