#!/usr/bin/python3
"""Sweep of the saturating thermostat over (theta, p): runs `optdyn op -op_system therm` for
every pair (one landscape of Comp(s0) at time t each), prints the integral of (1 - Comp)
against 2 p t and draws it against theta for each p (op_therm_sweep.png).

usage: python3 -m optdyn.op_therm_sweep [OPTDYN] [--theta 0.1,0.25,0.5,1,2] [--p 0.5,1]
                                      [--interior linear|deadband] [-o DIR] [-- extra optdyn options]
"""
import argparse
import os
import shutil
import subprocess
import sys

import h5py


def default_optdyn():
    """optdyn on PATH (installed), else the build tree of this source checkout."""
    here = os.path.dirname(os.path.realpath(__file__))
    return shutil.which("optdyn") or os.path.join(here, "..", "..", "build", "app", "optdyn")


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="op_therm_sweep", description=__doc__.splitlines()[0])
    ap.add_argument("optdyn", nargs="?", default=default_optdyn())
    ap.add_argument("--theta", default="0.1,0.25,0.5,1,2")
    ap.add_argument("--p", default="0.5,1")
    ap.add_argument("--interior", default="linear")
    ap.add_argument("-o", "--outdir", default=".")
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    a = ap.parse_args(argv)
    a.extra = extra
    return a


def run_sweep(a, thetas, ps):
    """One optdyn op run per (theta, p); returns rows (theta, p, integral, t)."""
    rows = []
    for p in ps:
        for th in thetas:
            out = os.path.join(a.outdir, f"therm_theta{th:g}_p{p:g}.h5")
            cmd = [a.optdyn, "op", "-op_system", "therm", "-op_therm_theta", repr(th), "-op_therm_p", repr(p),
                   "-op_therm_interior", a.interior, "-quiet", "-o", out] + a.extra
            r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode:
                sys.exit(f"op_therm_sweep: {' '.join(cmd)} failed:\n{r.stderr}")
            with h5py.File(out) as f:
                g = f["op"].attrs
                rows.append((th, p, float(g["integral_one_minus_comp"]), float(g["t"])))
    return rows


def plot(a, rows, ps):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for p in ps:
        sel = [(th, I, t) for th, pp, I, t in rows if pp == p]
        line, = ax.plot([s[0] for s in sel], [s[1] for s in sel], "o-", label=f"p = {p:g}")
        ax.axhline(2 * p * sel[0][2], color=line.get_color(), ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("theta (half-width of the basin)")
    ax.set_ylabel("integral of (1 - Comp) over s0 in [5, 45]")
    ax.set_title(f"saturating thermostat ({a.interior} interior): integral vs 2 p t (dotted)", fontsize=10)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = os.path.join(a.outdir, "op_therm_sweep.png")
    fig.savefig(path, dpi=110)
    return path


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    thetas = [float(x) for x in a.theta.split(",")]
    ps = [float(x) for x in a.p.split(",")]
    os.makedirs(a.outdir, exist_ok=True)
    rows = run_sweep(a, thetas, ps)
    print(f"{'theta':>8} {'p':>6} {'integral':>12} {'2 p t':>8} {'rel. dev.':>10}")
    for th, p, I, t in rows:
        print(f"{th:8g} {p:6g} {I:12.6f} {2 * p * t:8g} {(I - 2 * p * t) / (2 * p * t):10.2e}")
    print("wrote", plot(a, rows, ps))


if __name__ == "__main__":
    main()
