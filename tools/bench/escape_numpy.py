#!/usr/bin/python3
"""NumPy reference of optdyn escape's Monte Carlo (docs/models.md §2), for benchmarking.

Same model and workload as `optdyn escape` on the seed landscape: walkers start at the pit
W0, each step picks datapoint j uniformly and moves W <- W - T g_j(W); a walker stops at the
first step with W > edge or at the largest budget. Vectorized over the walkers still active
(escaped walkers are compacted away, as in optdyn). Prints walker-steps per second."""
import argparse
import time

import numpy as np

W0, EDGE = 1.0074530842, 1.1743102062


def grad(j, W):
    g = 2.0 * (W - 2.0) * np.exp(-(W - 2.0) ** 2)
    g1 = 200.0 * (W - 1.0) * np.exp(-100.0 * (W - 1.0) ** 2)
    return np.where(j == 1, g + g1, g)


def run_T(T, walkers, nmax, rng):
    W = np.full(walkers, W0)
    alive = np.arange(walkers)
    first = np.zeros(walkers, dtype=np.int64)
    steps = 0
    for s in range(1, nmax + 1):
        if alive.size == 0:
            break
        j = rng.integers(0, 2, size=alive.size)
        Wa = W[alive] - T * grad(j, W[alive])
        steps += alive.size
        esc = Wa > EDGE
        W[alive] = Wa
        first[alive[esc]] = s
        alive = alive[~esc]
    return first, steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--T-min", type=float, default=0.01)
    ap.add_argument("--T-max", type=float, default=0.02)
    ap.add_argument("--T-num", type=int, default=11)
    ap.add_argument("--walkers", type=int, default=2000)
    ap.add_argument("--nmax", type=int, default=10000)
    a = ap.parse_args()
    rng = np.random.Generator(np.random.Philox(1))
    total = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for T in np.linspace(a.T_min, a.T_max, a.T_num):
        first, steps = run_T(T, a.walkers, a.nmax, rng)
        total += steps
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"numpy walker_steps {total} seconds {dt:.3f} rate {total / dt:.4e} cpu_seconds {cpu:.3f} cpu_rate {total / cpu:.4e}")


if __name__ == "__main__":
    main()
