#!/usr/bin/python3
"""Lorenz Op-landscape benchmark (not a test): a 2-D grid of initial conditions (b0, c0),
rho = 28, A = {a}, n = b, m = b, RK4 with dt = 0.01, delta check off.

Runs `optdyn op` at 1 and 2 ranks and a NumPy implementation of the same algorithm
(W advanced by RK4, X and Y carried as differences from W with the Lorenz increments
expanded algebraically, a clamped to W at every Runge-Kutta stage of Y), vectorized over
all grid points, in the same run. Prints the throughput of each in grid points x time
steps per second (one "point-step" advances W, X and Y of one point by one step), the
ratio optdyn / NumPy, the 2-rank speed-up, and the largest difference of Op between the
two implementations. optdyn's time is its wall time minus the time of a 1-point run
(process and MPI start-up). CPU times (child-process accounting for optdyn, process time for
NumPy) are printed too: on a shared machine they are the more reliable figure.

usage: tools/bench/op_lorenz_landscape.py [OPTDYN] [-n N] [-t T]   (grid N x N, time T)
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

here = os.path.dirname(os.path.realpath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("optdyn", nargs="?", default=os.path.join(here, "..", "..", "build", "app", "optdyn"))
ap.add_argument("-n", type=int, default=100, help="grid points per axis")
ap.add_argument("-t", type=float, default=10.0, help="time (steps = t / 0.01)")
a = ap.parse_args()
N, T, dt = a.n, a.t, 0.01
steps = int(round(T / dt))
sg, be, rho, delta = 10.0, 8.0 / 3.0, 28.0, 1e-6
b0 = np.linspace(-20, 20, N)
c0 = np.linspace(0, 50, N)
common = ["op", "-op_system", "lorenz", "-op_lorenz_rho", "28", "-op_dt", "0.01", "-op_t", repr(T),
          "-op_x0", "1,1,1", "-op_A", "a", "-op_n", "b", "-op_m", "b", "-op_delta", "1e-6", "-op_delta_check", "false",
          "-op_s0_min", "-20", "-op_s0_max", "20", "-op_s1", "c", "-op_s1_min", "0", "-op_s1_max", "50", "-quiet",
          "-sweep_checkpoint_interval", "1e9"]
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")


def run(np_, extra, out):
    """wall seconds; the CPU seconds of the child processes go to cpu[np_] (1 rank: optdyn itself)"""
    cmd = ["mpiexec", "--oversubscribe", "-n", str(np_), a.optdyn] + common + extra + ["-o", out]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu[np_] = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    return time.perf_counter() - t0


cpu = {}


def F(s):
    A, B, C = s
    return np.array([sg * (B - A), A * (rho - C) - B, A * B - be * C])


def DF(w, e):
    wa, wb, wc = w
    ea, eb, ec = e
    return np.array([sg * (eb - ea), ea * (rho - wc) - wa * ec - ea * ec - eb, ea * wb + wa * eb + ea * eb - be * ec])


def numpy_landscape():
    P = N * N
    w = np.empty((3, P))
    w[0] = 1.0
    w[1] = np.repeat(b0, N)
    w[2] = np.tile(c0, N)
    ex = np.zeros((3, P))
    ex[1] = delta
    ey = ex.copy()
    h = dt
    for _ in range(steps):
        k1 = F(w)
        t2 = w + 0.5 * h * k1
        k2 = F(t2)
        t3 = w + 0.5 * h * k2
        k3 = F(t3)
        t4 = w + h * k3
        k4 = F(t4)
        new = []
        for e, clamp in ((ex, False), (ey, True)):
            d1 = DF(w, e)
            u = e + 0.5 * h * d1
            if clamp:
                u[0] = 0
            d2 = DF(t2, u)
            u = e + 0.5 * h * d2
            if clamp:
                u[0] = 0
            d3 = DF(t3, u)
            u = e + h * d3
            if clamp:
                u[0] = 0
            d4 = DF(t4, u)
            en = e + h / 6 * (d1 + 2 * d2 + 2 * d3 + d4)
            if clamp:
                en[0] = 0
            new.append(en)
        w = w + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        ex, ey = new
    return -np.log(np.abs(ex[1] / ey[1]))


with tempfile.TemporaryDirectory() as tmp:
    grid = ["-op_s0_num", str(N), "-op_s1_num", str(N)]
    t_start = min(run(1, ["-op_s0_num", "1", "-op_s1_num", "1"], os.path.join(tmp, "z.h5")) for _ in range(2))
    cpu_start = cpu[1]
    t1 = run(1, grid, os.path.join(tmp, "a.h5")) - t_start
    cpu1 = max(cpu[1] - cpu_start, 1e-9)
    t2 = run(2, grid, os.path.join(tmp, "b.h5")) - t_start
    op_c = h5py.File(os.path.join(tmp, "a.h5"))["op/op"][()]
    same = np.array_equal(op_c, h5py.File(os.path.join(tmp, "b.h5"))["op/op"][()])
t0, cpu0 = time.perf_counter(), time.process_time()
op_np = numpy_landscape()
tn, cpun = time.perf_counter() - t0, time.process_time() - cpu0
work = N * N * steps
r1, r2, rn = work / t1, work / t2, work / tn
print(f"Lorenz Op landscape: {N} x {N} points, {steps} RK4 steps (t = {T:g}), rho = 28, A = {{a}}, n = m = b")
print(f"optdyn op, 1 rank : {t1:8.3f} s  {r1:12.4g} point-steps/s   (start-up {t_start:.2f} s subtracted)")
print(f"optdyn op, 2 ranks: {t2:8.3f} s  {r2:12.4g} point-steps/s   speed-up {t1 / t2:.2f}, bitwise equal to 1 rank: {same}")
print(f"NumPy (vectorized): {tn:8.3f} s  {rn:12.4g} point-steps/s")
print(f"ratio optdyn(1 rank) / NumPy = {r1 / rn:.2f}")
print(f"CPU time: optdyn 1 rank {cpu1:.3f} s = {work / cpu1:.4g} point-steps/s (start-up CPU subtracted), NumPy {cpun:.3f} s = {work / cpun:.4g} point-steps/s, ratio {cpun / cpu1:.2f}")
d = np.abs(op_c - op_np)
print(f"max |Op(optdyn) - Op(NumPy)| = {np.nanmax(d):.3g} nats (median {np.nanmedian(d):.3g}); chaotic growth amplifies rounding")
sys.exit(0)
