"""Figures for `optdyn markov` output: the exact SGD density operator beside Monte Carlo and the
PDE model (one figure per T), escape times against 1/T, stationary states, landscape tables."""
import os

import numpy as np


def _alpha_label(a):
    return {1.0: "PDE Itô (α=1)", 0.5: "PDE Strat. (α=½)", 0.0: "PDE isoth. (α=0)"}.get(float(a), f"PDE α={a:g}")


def summary(run):
    g = run.group_attrs("markov")
    T = run["markov/T"]
    esc = run["markov/exact/escaped"]
    tf = esc.shape[1] - 1
    n1, n2 = min(100, tf), min(1000, tf)
    lines = [f"markov: landscape {g.get('landscape')}, W0 = {g.get('W0'):.6f}, edge = {g.get('edge'):.6f}",
             f"{'T':>8} {'model':<18} {'P(n<=%d)' % n1:>12} {'P(n<=%d)' % n2:>12} {'mean(t=%d)' % tf:>12}"]
    for i, t in enumerate(T):
        lines.append(f"{t:8.4f} {'exact':<18} {esc[i, n1]:12.4g} {esc[i, n2]:12.4g} {run['markov/exact/mean'][i, -1]:12.6f}")
        if "markov/mc/escaped" in run:
            m = run["markov/mc/escaped"]
            alive = run["markov/mc/mass"][i, -1]
            mean = f"{run['markov/mc/mean'][i, -1]:12.6f}" if alive > 0 else f"{'(none left)':>12}"
            lines.append(f"{'':8} {'Monte Carlo':<18} {m[i, n1]:12.4g} {m[i, n2]:12.4g} {mean}")
        if "markov/pde/escaped" in run:
            for a, al in enumerate(run["markov/pde/alpha"]):
                pe = run["markov/pde/escaped"][i, a]
                lines.append(f"{'':8} {_alpha_label(al):<18} {pe[n1]:12.4g} {pe[n2]:12.4g} {run['markov/pde/mean'][i, a, -1]:12.6f}")
    if "markov/kramers/T" in run:
        k = run.group_attrs("markov/kramers")
        lines.append(f"ln tau vs 1/T: exact slope {k['slope_exact']:.4f} ± {k['slope_exact_err']:.4f}, "
                     f"PDE {k['slope_pde']:.4f} ± {k['slope_pde_err']:.4f}, Kramers U = {k['barrier_U']:.4f}")
    return "\n".join(lines)


def _density_panel(ax, run, i):
    W, t = run["markov/W"], run["markov/t"]
    P = run["markov/exact/density"][i]
    idx = sorted(set([1, len(t) // 2, len(t) - 1]))
    for k in idx:
        line, = ax.plot(W, P[k], lw=1, label=f"exact t={t[k]:g}")
        if "markov/mc/density" in run:
            e = run["markov/mc/bin_edges"]
            ax.stairs(run["markov/mc/density"][i, k], e, color=line.get_color(), alpha=0.6, ls=":")
    if "markov/pde/density_final" in run:
        for a, al in enumerate(run["markov/pde/alpha"]):
            ax.plot(run["markov/pde/W"], run["markov/pde/density_final"][i, a], "--", lw=0.8, label=f"{_alpha_label(al)} t={t[-1]:g}")
    ax.set_yscale("log")
    top = max(P[idx].max(), 1e-300)
    ax.set_ylim(top * 1e-8, top * 3)
    ax.set_xlabel("W")
    ax.set_ylabel("density of survivors (MC dotted)")
    ax.legend(fontsize=6)


def _escape_panel(ax, run, i):
    n = np.arange(run["markov/exact/escaped"].shape[1])
    ex = run["markov/exact/escaped"][i]
    ax.plot(n[1:], ex[1:], "k-", lw=1.5, label="exact operator")
    if "markov/mc/escaped" in run:
        lo, hi = run["markov/mc/escaped_lo"][i], run["markov/mc/escaped_hi"][i]
        resolved = lo[1:] > 0
        ax.fill_between(n[1:], np.where(resolved, lo[1:], np.nan), np.where(resolved, hi[1:], np.nan), color="C0", alpha=0.3, lw=0, label="MC 99.9% Wilson band")
        # where no walker has escaped the band runs down to 0: only its upper end is informative
        ax.plot(n[1:], np.where(resolved, np.nan, hi[1:]), color="C0", lw=0.8, ls=":", label="MC upper bound (no escapes yet)")
    if "markov/pde/escaped" in run:
        for a, al in enumerate(run["markov/pde/alpha"]):
            ax.plot(n[1:], run["markov/pde/escaped"][i, a, 1:], "--", lw=1, label=_alpha_label(al))
    pos = ex[1:][ex[1:] > 0]
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(max(pos.min() if pos.size else 1e-30, 1e-40), 1.5)
    ax.set_xlabel("steps n")
    ax.set_ylabel("P(escaped within n)")
    ax.legend(fontsize=6)


def _moment_panel(ax, run, i, which):
    t = run["markov/t"]
    ax.plot(t, run[f"markov/exact/{which}"][i], "k-", lw=1.5, label="exact")
    if "markov/mc/mean" in run:
        alive = run["markov/mc/mass"][i] > 0
        y = run[f"markov/mc/{which}"][i]
        err = run["markov/mc/mean_err"][i] if which == "mean" else None
        ax.errorbar(t[alive], y[alive], yerr=None if err is None else err[alive], fmt="o", ms=3, label="Monte Carlo")
    if "markov/pde/mean" in run:
        for a, al in enumerate(run["markov/pde/alpha"]):
            ax.plot(t, run[f"markov/pde/{which}"][i, a], "--", lw=1, label=_alpha_label(al))
    ax.set_xlabel("steps t")
    ax.set_ylabel(f"{which} of W (survivors)")
    ax.legend(fontsize=6)


def plot_compare(run, outdir, plt, dpi=100):
    written = []
    for i, T in enumerate(run["markov/T"]):
        fig, axes = plt.subplots(2, 2, figsize=(9, 6.4))
        _density_panel(axes[0, 0], run, i)
        _escape_panel(axes[0, 1], run, i)
        _moment_panel(axes[1, 0], run, i, "mean")
        _moment_panel(axes[1, 1], run, i, "std")
        fig.suptitle(f"SGD at T = {T:g}: exact operator, Monte Carlo, PDE", fontsize=10)
        fig.tight_layout()
        path = os.path.join(outdir, f"markov_T{T:g}.png")
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
        written.append(path)
    return written


def plot_kramers(run, outdir, plt, dpi=100):
    k = run.group_attrs("markov/kramers")
    T = run["markov/kramers/T"]
    x = 1 / T
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    tex = run["markov/kramers/tau_exact"]
    ax.plot(x, tex, "ko-", ms=4, label=f"exact operator (slope {k['slope_exact']:.3f} ± {k['slope_exact_err']:.3f})")
    mc, err = run["markov/kramers/tau_mc"], run["markov/kramers/tau_mc_err"]
    ok = err > 0
    if ok.any():
        ax.errorbar(x[ok], mc[ok], yerr=err[ok], fmt="s", ms=5, mfc="none", label="Monte Carlo")
    for a, al in enumerate(run["markov/pde/alpha"] if "markov/pde/alpha" in run else [1.0]):
        line, = ax.plot(x, run["markov/kramers/tau_pde"][:, a], "--", label=f"{_alpha_label(al)}: quadrature")
        ax.plot(x, run["markov/kramers/tau_kramers"][:, a], ":", color=line.get_color(), label=f"{_alpha_label(al)}: Kramers")
    ax.set_yscale("log")
    ax.set_xlabel("1 / T")
    ax.set_ylabel("mean escape time τ (steps)")
    ax.set_title(f"log τ vs 1/T; Kramers barrier U = 2∫G/S² dW = {k['barrier_U']:.4f}", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = os.path.join(outdir, "markov_kramers.png")
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return [path]


def plot_stationary(run, outdir, plt, dpi=100):
    W = run["markov/stationary/W"]
    P = run["markov/stationary/density"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, T in enumerate(run["markov/T"]):
        ax.plot(W, np.maximum(P[i], 1e-300), lw=1, label=f"T = {T:g}")
        if run["markov/stationary/natoms"][i] > 0:
            aw, wt = run["markov/stationary/atom_W"][i], run["markov/stationary/atom_weight"][i]
            ax.axvline(aw, color="k", lw=0.6, ls=":")
            ax.annotate(f"point mass {wt:.6f} at W = {aw:.4f}", (aw, P[i].max()), fontsize=7, ha="right")
    ax.set_yscale("log")
    ax.set_ylim(1e-12, P.max() * 3)
    ax.set_xlabel("W")
    ax.set_ylabel("stationary density (node mass / h)")
    ax.set_title("stationary state of the exact operator (reflecting)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path = os.path.join(outdir, "markov_stationary.png")
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return [path]


def plot(run, outdir, plt, dpi=100):
    written = plot_compare(run, outdir, plt, dpi)
    if "markov/kramers/T" in run:
        written += plot_kramers(run, outdir, plt, dpi)
    if "markov/stationary/W" in run:
        written += plot_stationary(run, outdir, plt, dpi)
    return written
