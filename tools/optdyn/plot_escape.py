"""Figures for `optdyn escape` output."""
import os

import numpy as np


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
        for k, n in enumerate(steps):
            line, = ax.plot(T, p[:, k], "o-", ms=3, label=f"n = {n} steps")
            ax.fill_between(T, lo[:, k], hi[:, k], color=line.get_color(), alpha=0.25, lw=0)
        ax.set_xlabel("learning rate T")
        ax.set_ylabel("P(escape within n steps)")
        if scale == "log":
            ax.set_yscale("log")
            pos = p[p > 0]
            ax.set_ylim(max(pos.min() / 3, 1e-6) if pos.size else 1e-6, 1.5)
        else:
            ax.set_ylim(-0.02, 1.02)
        if T.max() / max(T.min(), 1e-300) > 20:
            ax.set_xscale("log")
        title = f"SGD escape from the pit ({g.get('method')}"
        title += f", {g.get('walkers')} walkers/T, 95% Wilson bands)" if g.get("method") == "mc" else ")"
        ax.set_title(title, fontsize=10)
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = os.path.join(outdir, f"escape_p_{scale}.png")
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
        path = os.path.join(outdir, "escape_first_passage.png")
        fig.savefig(path, dpi=120)
        plt.close(fig)
        written.append(path)
    return written
