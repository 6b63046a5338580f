"""Figures for `optdyn escape` output."""
import os

import numpy as np

from optdyn.plot_common import out_path


def summary(run):
    T = run["escape/T"]
    steps = run["escape/steps"]
    p = run["escape/p_escape"]
    lo, hi = run["escape/ci_low"], run["escape/ci_high"]
    g = run.group_attrs("escape")
    lines = [f"escape: landscape {g.get('landscape')}, W0 = {g.get('W0'):.6f}, edge = {g.get('W_edge'):.6f}, "
             f"method {g.get('method')}, walkers {g.get('walkers')}"]
    lines.append("%10s" % "T" + "".join("  P(n=%d) [95%% CI]".ljust(30) % n for n in steps))
    for i, t in enumerate(T):
        row = "%10.5f" % t
        for k in range(len(steps)):
            row += ("  %.4f [%.4f, %.4f]" % (p[i, k], lo[i, k], hi[i, k])).ljust(30)
        lines.append(row)
    return "\n".join(lines)


def plot(run, outdir, plt):
    T = run["escape/T"]
    steps = run["escape/steps"]
    p, lo, hi = run["escape/p_escape"], run["escape/ci_low"], run["escape/ci_high"]
    g = run.group_attrs("escape")
    written = []
    for scale in ("linear", "log"):
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        pos = p[p > 0]
        floor = max(pos.min() / 3, 1e-6) if pos.size else 1e-6
        for k, n in enumerate(steps):
            if scale == "log":
                # P = 0 has no place on a log axis: a marker on the bottom edge, no band below
                zero = p[:, k] <= 0
                line, = ax.plot(T[~zero], p[~zero, k], "o-", ms=3, label=f"n = {n} steps")
                ax.fill_between(T, np.where(lo[:, k] > 0, lo[:, k], np.nan), np.where(lo[:, k] > 0, hi[:, k], np.nan), color=line.get_color(), alpha=0.25, lw=0)
                if zero.any():
                    ax.plot(T[zero], np.full(zero.sum(), floor), "v", ms=5, mfc="none", color=line.get_color(), clip_on=False,
                            label=f"n = {n}: P = 0 (no escape seen)")
            else:
                line, = ax.plot(T, p[:, k], "o-", ms=3, label=f"n = {n} steps")
                ax.fill_between(T, lo[:, k], hi[:, k], color=line.get_color(), alpha=0.25, lw=0)
        ax.set_xlabel("learning rate T")
        ax.set_ylabel("P(escape within n steps)")
        if scale == "log":
            ax.set_yscale("log")
            ax.set_ylim(floor, 1.5)
        else:
            ax.set_ylim(-0.02, 1.02)
        if T.max() / max(T.min(), 1e-300) > 20:
            ax.set_xscale("log")
        title = f"SGD escape from the pit ({g.get('method')}"
        title += f", {g.get('walkers')} walkers/T, 95% Wilson bands)" if g.get("method") == "mc" else ")"
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        if len(T) == 1:
            ax.set_xlim(T[0] * 0.9, T[0] * 1.1)
        fig.tight_layout()
        path = out_path(run, outdir, f"p_{scale}")
        fig.savefig(path, dpi=120)
        plt.close(fig)
        written.append(path)
    if "escape/hist_counts" in run:
        edges = run["escape/hist_edges"]
        h = run["escape/hist_counts"]
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        idx = np.unique(np.linspace(0, len(T) - 1, min(len(T), 5)).round().astype(int))
        for i in idx:
            ax.stairs(h[i], edges, label=f"T = {T[i]:.4g}")
        ax.set_xscale("log")
        ax.set_xlabel("first-passage step")
        ax.set_ylabel("walkers per bin")
        ax.set_title("first-passage steps (log bins)", fontsize=10)
        ax.legend()
        fig.tight_layout()
        path = out_path(run, outdir, "first_passage")
        fig.savefig(path, dpi=120)
        plt.close(fig)
        written.append(path)
    return written


def overlay(runs, labels, outdir, plt):
    """P(escape within n) vs T of several files: colour per file, line style per budget."""
    fig, ax = plt.subplots(figsize=(7, 4.8))
    styles = ["-", "--", ":", "-."]
    for c, (run, lab) in enumerate(zip(runs, labels)):
        T, steps, p = run["escape/T"], run["escape/steps"], run["escape/p_escape"]
        for k, n in enumerate(steps):
            ax.plot(T, p[:, k], styles[k % 4], marker="o", ms=3, color=f"C{c}", label=f"{lab}: n = {n}")
    ax.set_xlabel("learning rate T")
    ax.set_ylabel("P(escape within n steps)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("SGD escape: " + " vs ".join(labels), fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = os.path.join(outdir, "overlay_escape_p.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]
