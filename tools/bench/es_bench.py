#!/usr/bin/python3
"""ES generation benchmark (not a test): d = 1e6 Rastrigin, N = 256, one rank.

Runs `optdyn es` (shared-seed perturbations rebuilt from Philox + Box-Muller lanes, fused
evaluation, reconstruction of all N perturbations for the update) and a NumPy
implementation of the same update (N x d normals held in memory, centered ranks,
grad = u @ eps / (N sigma), mu -= lr grad) in the same run, and prints both times per
generation, their ratio and optdyn's rate of perturbation reconstruction (normals/s).

usage: tools/bench/es_bench.py [OPTDYN] [-d D] [-N N] [-g GENERATIONS]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

here = os.path.dirname(os.path.realpath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("optdyn", nargs="?", default=os.path.join(here, "..", "..", "build", "app", "optdyn"))
ap.add_argument("-d", type=int, default=1000000)
ap.add_argument("-N", type=int, default=256)
ap.add_argument("-g", type=int, default=3)
a = ap.parse_args()
d, N, G = a.d, a.N, a.g
sigma, lr = 0.1, 0.01

env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "bench.h5")
    cmd = [a.optdyn, "es", "-es_objective", "rastrigin", "-es_dim", str(d), "-es_mu0", "2.5", "-es_sigma0", str(sigma),
           "-es_population", str(N), "-es_generations", str(G), "-es_algorithm", "es", "-es_shaping", "centered_rank",
           "-es_lr", str(lr), "-quiet", "-o", out]
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    with h5py.File(out, "r") as f:
        t_c = float(f["es"].attrs["seconds_per_generation"])
        rate = float(f["es"].attrs.get("normals_per_second_per_rank", 2 * N * d / t_c))


def rastrigin(W):
    return 10 * W.shape[1] + np.sum(W * W - 10 * np.cos(2 * np.pi * W), axis=1)


rng = np.random.default_rng(1)
mu = np.full(d, 2.5)
times = []
for g in range(G):
    t0 = time.perf_counter()
    f = np.empty(N)
    eps = np.empty((N, d))
    for n in range(N):  # row by row: same memory as one perturbation at a time plus the N x d table
        eps[n] = rng.standard_normal(d)
        f[n] = rastrigin((mu + sigma * eps[n])[None, :])[0]
    u = np.argsort(np.argsort(f)) / (N - 1) - 0.5
    grad = u @ eps / (N * sigma)
    mu -= lr * grad
    times.append(time.perf_counter() - t0)
t_np = min(times)
print(f"d = {d}, N = {N}, one rank")
print(f"optdyn es : {t_c:.3f} s/generation  ({rate / 1e6:.1f} M normals/s generated: evaluation + reconstruction of all N)")
print(f"NumPy     : {t_np:.3f} s/generation  ({2 * N * d / t_np / 1e6:.1f} M normal-equivalents/s, perturbations kept in memory)")
print(f"ratio NumPy/optdyn = {t_np / t_c:.2f}x")
