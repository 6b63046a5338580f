#!/usr/bin/python3
"""Per-example SGD throughput on a 784-100-2 MLP (softplus, squared error, batch size 1):
optdyn's C kernel (build/tests/bench_knowledge_sgd) against the same loop in PyTorch (CPU,
one thread) and NumPy, in one run. The three are run alternately `--repeats` times and the
median rate is reported, so a shared machine's load hits them alike.

    /usr/bin/python3 tools/bench/knowledge_bench.py [--build build] [--steps 20000]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np


def c_rate(exe, steps):
    out = subprocess.run([exe, str(steps)], check=True, capture_output=True, text=True,
                         env=dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")).stdout
    return float(re.search(r"examples_per_second ([0-9.]+)", out).group(1))


def data(n=1000):
    rng = np.random.default_rng(1)
    X = (1 + rng.integers(0, 255, size=(n, 784))) / 256.0
    return X, np.arange(n) % 2


def softplus(z):
    return np.logaddexp(0.0, z)


def numpy_rate(steps, lr=0.01):
    X, y = data()
    rng = np.random.default_rng(2)
    W1, b1 = rng.normal(0, np.sqrt(2 / 784), (784, 100)), rng.normal(0, np.sqrt(2 / 784), 100)
    W2, b2 = rng.normal(0, 0.1414, (100, 2)), rng.normal(0, 0.1414, 2)
    T = np.eye(2)
    t0 = time.perf_counter()
    for t in range(steps):
        x = X[t % 1000]
        z1 = x @ W1 + b1
        a1 = softplus(z1)
        z2 = a1 @ W2 + b2
        a2 = softplus(z2)
        d2 = (a2 - T[y[t % 1000]]) / (1 + np.exp(-z2))
        d1 = (W2 @ d2) / (1 + np.exp(-z1))
        W2 -= lr * np.outer(a1, d2)
        b2 -= lr * d2
        W1 -= lr * np.outer(x, d1)
        b1 -= lr * d1
    return steps / (time.perf_counter() - t0)


def torch_rate(steps, lr=0.01):
    import torch

    torch.set_num_threads(1)
    X, y = data()
    Xt = torch.tensor(X)
    Tt = torch.eye(2, dtype=torch.float64)[torch.tensor(y)]
    net = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.Softplus(), torch.nn.Linear(100, 2), torch.nn.Softplus()).double()
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    t0 = time.perf_counter()
    for t in range(steps):
        opt.zero_grad()
        loss = 0.5 * ((net(Xt[t % 1000:t % 1000 + 1]) - Tt[t % 1000:t % 1000 + 1]) ** 2).sum()
        loss.backward()
        opt.step()
    return steps / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "..", "build"))
    ap.add_argument("--steps", type=int, default=20000, help="SGD steps per measurement for C (others: a quarter)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--optdyn", default=None, help="the optdyn executable (tools/bench/run passes it; its build tree is used)")
    ap.add_argument("--quick", action="store_true", help="one short repetition (smoke test of tools/bench/run)")
    args = ap.parse_args()
    if args.optdyn:
        args.build = os.path.dirname(os.path.dirname(os.path.abspath(args.optdyn)))
    if args.quick:
        args.steps, args.repeats = 2000, 1
    exe = os.path.join(args.build, "tests", "bench_knowledge_sgd")
    if not os.path.exists(exe):
        sys.exit(f"knowledge_bench: {exe} not found (cmake --build {args.build} --target bench_knowledge_sgd)")
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("knowledge_bench: python3-torch not installed; PyTorch column skipped")
    rates = {"optdyn C": [], "PyTorch (CPU, 1 thread)": [], "NumPy": []}
    for _ in range(args.repeats):
        rates["optdyn C"].append(c_rate(exe, args.steps))
        if have_torch:
            rates["PyTorch (CPU, 1 thread)"].append(torch_rate(args.steps // 4))
        rates["NumPy"].append(numpy_rate(args.steps // 4))
    med = {k: statistics.median(v) for k, v in rates.items() if v}
    print("per-example SGD, 784-100-2 softplus MLP, float64, batch size 1 (median of %d)" % args.repeats)
    for k, v in med.items():
        print(f"  {k:26s} {v:10.0f} examples/s   ({v / med['optdyn C']:.3f} x optdyn)")
    ref_name = "PyTorch (CPU, 1 thread)" if have_torch else "NumPy"
    if have_torch:
        print(f"  optdyn / PyTorch = {med['optdyn C'] / med[ref_name]:.1f}x (target >= 5x)")
    # one row for tools/bench/run
    print(f'BENCH name=knowledge_sgd figure="per-example SGD, 784-100-2 MLP, batch 1" unit=examples/s better=higher '
          f'optdyn={med["optdyn C"]:.6g} reference={med[ref_name]:.6g} reference_name="{ref_name.split(" (")[0]}"')


if __name__ == "__main__":
    main()
