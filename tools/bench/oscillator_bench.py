#!/usr/bin/python3
"""Oscillator rate-map benchmark (not a test; a plug-in of tools/bench/run).

Runs `optdyn oscillator` (quad1d, heavy-ball momentum, an eta x beta map, up to S steps per
cell, no trajectories) at 1 and 2 ranks and a NumPy implementation of the same measurement
vectorized over all cells: pass 1 runs each cell until its phase-space distance D is no longer
a normal number or S steps (rescaling D by 2^-+400 as optdyn does), pass 2 reruns the cell and
averages log D over the first and last quarter of the window [end/2, end] (the measured rate);
sign flips of x are counted too. Both sides do about 2 S optimizer steps per stable cell; the
work counted is 2 x optdyn's `steps` per cell. optdyn runs at its default SIMD level (the lane
kernel of the measurement) and once more with `-simd scalar` (the plain reference) to show what
the vectorization gained. Prints BENCH lines (see tools/bench/run) and the largest difference
between the two measured rate maps.

usage: tools/bench/oscillator_bench.py [--optdyn PATH] [--quick]
"""
import argparse
import os
import resource
import subprocess
import tempfile
import time

import h5py
import numpy as np

here = os.path.dirname(os.path.realpath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--optdyn", default=os.path.join(here, "..", "..", "build", "app", "optdyn"))
ap.add_argument("--quick", action="store_true")
a = ap.parse_args()
neta, nbeta, S = (11, 9, 400) if a.quick else (81, 79, 4000)
common = ["oscillator", "-osc_problem", "quad1d", "-osc_optimizer", "momentum", "-osc_eta_num", str(neta), "-osc_beta_num", str(nbeta),
          "-osc_steps", str(S), "-quiet", "-sweep_checkpoint_interval", "1e9"]
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(np_, extra, out):
    c0, t0 = child_cpu(), time.perf_counter()
    subprocess.run(["mpiexec", "--oversubscribe", "-n", str(np_), a.optdyn] + common + extra + ["-o", out], check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0, child_cpu() - c0


def numpy_map(eta, beta, k, x0):
    """rate map [neta, nbeta] by the two-pass measurement, all cells at once"""
    E, B = np.meshgrid(eta, beta, indexing="ij")
    E, B = E.ravel(), B.ravel()
    big, small, ln2 = 2.0 ** 400, 2.0 ** -400, np.log(2.0)

    def run_pass(end, wbegin):
        x, xp = np.full(E.size, x0), np.full(E.size, x0)
        scale = np.zeros(E.size)
        alive = np.ones(E.size, bool)
        last = np.zeros(E.size, int)
        q = (end - wbegin) // 4 if wbegin is not None else None
        blk = np.zeros((4, E.size))
        flips = np.zeros(E.size, int)
        prev = np.sign(x)
        for s in range(1, (end.max() if wbegin is not None else S) + 1):
            xn = x - E * (k * x) + B * (x - xp)
            xp, x = x, xn
            D = np.sqrt(x * x + xp * xp)
            stop = ~np.isfinite(D) | (D == 0) if wbegin is None else s > end
            alive &= ~stop
            if not alive.any():
                break
            last[alive] = s
            r = alive & ((D < small) | (D > big))
            f = np.where(D < 1, 400.0, -400.0)
            x = np.where(r, x * 2.0 ** f, x)
            xp = np.where(r, xp * 2.0 ** f, xp)
            scale = np.where(r, scale - f, scale)
            logD = np.log(np.where(alive, np.sqrt(x * x + xp * xp), 1.0)) + scale * ln2
            if wbegin is not None:
                first = alive & (s >= wbegin) & (s < wbegin + q)
                tail = alive & (s > end - q)
                blk[0] += np.where(first, logD, 0)
                blk[1] += np.where(first, s, 0)
                blk[2] += np.where(tail, logD, 0)
                blk[3] += np.where(tail, s, 0)
                sg = np.sign(x)
                flips += alive & (s > wbegin) & (sg != prev)
                prev = sg
        return last, blk, flips

    end, _, _ = run_pass(None, None)
    wb = end // 2
    _, blk, flips = run_pass(end, wb)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.exp((blk[2] - blk[0]) / (blk[3] - blk[1]))
    return rate.reshape(neta, nbeta), end.reshape(neta, nbeta)


with tempfile.TemporaryDirectory() as tmp:
    t0, c0 = min(run(1, ["-osc_eta_num", "1", "-osc_beta_num", "1", "-osc_steps", "2"], os.path.join(tmp, "z.h5")) for _ in range(2))
    t1, c1 = run(1, [], os.path.join(tmp, "a.h5"))
    t2, _ = run(2, [], os.path.join(tmp, "b.h5"))
    _, cs = run(1, ["-simd", "scalar"], os.path.join(tmp, "s.h5"))
    f = h5py.File(os.path.join(tmp, "a.h5"))
    eta, beta, steps = f["oscillator/eta"][()], f["oscillator/beta"][()], f["oscillator/steps"][()]
    rate_c, k, x0 = f["oscillator/rate_measured"][()], float(f["oscillator"].attrs["k"]), float(f["oscillator/x0"][0] - f["oscillator/xmin"][0])
w0, p0 = time.perf_counter(), time.process_time()
rate_np, end_np = numpy_map(eta, beta, k, x0)
tn, cn = time.perf_counter() - w0, time.process_time() - p0
work = 2.0 * steps.sum()
t1, t2, c1, cs = max(t1 - t0, 1e-9), max(t2 - t0, 1e-9), max(c1 - c0, 1e-9), max(cs - c0, 1e-9)
ok = np.isfinite(rate_c) & np.isfinite(rate_np) & (steps > 8)
diff = np.max(np.abs(rate_c[ok] - rate_np[ok]) / np.maximum(np.abs(rate_c[ok]), 1e-300)) if ok.any() else float("nan")
fig = f"oscillator rate map (quad1d momentum, {neta} x {nbeta}, <= {S} steps)"
print(f'BENCH name=oscillator figure="{fig}" unit=optimizer-steps/s better=higher optdyn={work / t1:.6g} optdyn2={work / t2:.6g} reference={work / tn:.6g} reference_name=NumPy')
print(f'BENCH name=oscillator_cpu figure="oscillator rate map, CPU time" unit=optimizer-steps/s better=higher optdyn={work / c1:.6g} reference={work / cn:.6g} reference_name=NumPy')
print(f'BENCH name=oscillator_scalar_cpu figure="oscillator rate map, CPU time, -simd scalar" unit=optimizer-steps/s better=higher optdyn={work / cs:.6g} reference={work / cn:.6g} reference_name=NumPy')
print(f"largest relative difference of the measured rates (optdyn vs NumPy, {ok.sum()} cells): {diff:.3g}")
