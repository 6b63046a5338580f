"""Figures for `optdyn knowledge` output: r against u (weights with small markers, biases),
the per-pixel correlation map, R^2 over seeds per activation, training curves."""
import os

import numpy as np

ACTS = ["softplus", "sigmoid", "relu", "tanh"]
STAGES = ["phase 1", "fork A0+B", "fork A1+B", "fork A+B0", "fork A+B1", "twin A0+B", "twin A1+B"]
SOURCE = {"weights": 0.28, "biases": 0.17}  # the single softplus run this study repeats


def _mean_ci(x):
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return (x.mean() if x.size else np.nan), np.nan, np.nan
    from scipy import stats  # Debian python3-scipy

    half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    return x.mean(), x.mean() - half, x.mean() + half


def _groups(run):
    act = run["knowledge/activation"]
    return [(a, np.flatnonzero(act == a)) for a in sorted(set(act.tolist()))]


def summary(run):
    g = run.group_attrs("knowledge")
    lines = [f"knowledge: {g.get('train_images')}, groups (A, B) {g.get('groups_a_b')}, loss {g.get('loss')}, "
             f"lr {g.get('lr')}, {g.get('seeds')} seeds",
             f"{'activation':10s} {'R2 weights mean [95% CI]':28s} {'R2 biases mean [95% CI]':28s} "
             f"{'null fork w':12s} {'null shuffle w':14s} {'phase-1 acc':11s}"]
    for a, idx in _groups(run):
        cells = []
        for kind, s in (("fit", "weights"), ("fit", "biases")):
            m, lo, hi = _mean_ci(run[f"knowledge/{kind}/{s}/r2"][idx])
            cells.append(f"{m:.3f} [{lo:.3f}, {hi:.3f}]".ljust(28))
        nf = np.nanmean(run["knowledge/null_fork/weights/r2"][idx])
        ns = np.nanmean(run["knowledge/null_shuffle/weights/r2"][idx])
        acc = np.nanmean(run["knowledge/test_accuracy"][idx, 0])
        lines.append(f"{ACTS[a]:10s} {cells[0]} {cells[1]} {nf:<12.4f} {ns:<14.4f} {acc:.3f}")
    lines.append(f"(source, one softplus run on MNIST: R2 weights {SOURCE['weights']}, biases {SOURCE['biases']})")
    return "\n".join(lines)


def _scatter(run, outdir, plt, which):
    if "knowledge/u" not in run:
        return []
    u, r = run["knowledge/u"], run["knowledge/r"]
    mask = run["knowledge/param_is_bias"] == (1 if which == "biases" else 0)
    groups = _groups(run)
    fig, axes = plt.subplots(1, len(groups), figsize=(4.2 * len(groups), 4.0), squeeze=False)
    for ax, (a, idx) in zip(axes[0], groups):
        p = idx[0]  # first seed of this activation
        x, y = u[p, mask], r[p, mask]
        ok = np.isfinite(x) & np.isfinite(y)
        ax.scatter(x[ok], y[ok], s=0.3 if which == "weights" else 8, alpha=0.5 if which == "weights" else 0.8, lw=0)
        slope = run[f"knowledge/fit/{which}/slope"][p]
        icpt = run[f"knowledge/fit/{which}/intercept"][p]
        r2 = run[f"knowledge/fit/{which}/r2"][p]
        pv = run[f"knowledge/fit/{which}/p"][p]
        if np.isfinite(slope):
            xs = np.array([np.nanmin(x[ok]), np.nanmax(x[ok])])
            ax.plot(xs, icpt + slope * xs, "r-", lw=1.5, label=f"R² = {r2:.3f}, slope {slope:.2f}, p = {pv:.1e}")
            ax.legend(fontsize=8, loc="upper left")
        ax.set_xlabel("relative updating due to A, u = a/(a+b)")
        ax.set_ylabel("relative fork difference r = c/(c+d)")
        ax.set_title(f"{which}, {ACTS[a]} (seed 0)", fontsize=10)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path = os.path.join(outdir, f"knowledge_scatter_{which}.png")
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return [path]


def _pixel_map(run, outdir, plt):
    pix = run["knowledge/pixel_corr"]
    groups = _groups(run)
    fig, axes = plt.subplots(1, len(groups), figsize=(3.8 * len(groups), 3.5), squeeze=False)
    for ax, (a, idx) in zip(axes[0], groups):
        with np.errstate(all="ignore"):
            m = np.nanmean(pix[idx], axis=0)
        im = ax.imshow(m, cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_title(f"{ACTS[a]}: corr(u, r) per input pixel\n(mean over {len(idx)} seeds)", fontsize=9)
        ax.set_xticks([]), ax.set_yticks([])
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    path = os.path.join(outdir, "knowledge_pixel_map.png")
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return [path]


def _r2_seeds(run, outdir, plt):
    groups = _groups(run)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, which in zip(axes, ("weights", "biases")):
        for k, (a, idx) in enumerate(groups):
            for off, kind, color in ((-0.2, "fit", "C0"), (0.0, "null_fork", "C7"), (0.2, "null_shuffle", "C2")):
                y = run[f"knowledge/{kind}/{which}/r2"][idx]
                jitter = np.linspace(-0.06, 0.06, len(y)) if len(y) > 1 else np.zeros(1)
                ax.scatter(k + off + jitter, y, s=10, color=color, label=kind.replace("_", " ") if k == 0 else None)
                m, lo, hi = _mean_ci(y)
                if np.isfinite(lo):
                    ax.errorbar(k + off, m, yerr=[[m - lo], [hi - m]], color="k", capsize=3, lw=1)
        ax.axhline(SOURCE[which], color="r", ls="--", lw=1, label=f"source (softplus, 1 run): {SOURCE[which]}")
        ax.set_xticks(range(len(groups)), [ACTS[a] for a, _ in groups])
        ax.set_ylabel("R² of r against u")
        ax.set_title(f"{which}: R² over seeds (bars: mean, 95% CI)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    path = os.path.join(outdir, "knowledge_r2_seeds.png")
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return [path]


def _curves(run, outdir, plt):
    curves = run["knowledge/loss_curve"]  # [points, stages, K]
    groups = _groups(run)
    fig, axes = plt.subplots(1, len(groups), figsize=(4.2 * len(groups), 3.8), squeeze=False)
    for ax, (a, idx) in zip(axes[0], groups):
        with np.errstate(all="ignore"):
            m = np.nanmean(curves[idx], axis=0)
        K = m.shape[1]
        for s in range(m.shape[0]):
            if np.all(np.isnan(m[s])):
                continue
            ax.plot((np.arange(K) + 0.5) / K, m[s], "-" if s < 5 else ":", label=STAGES[s])
        ax.set_yscale("log")
        ax.set_xlabel("fraction of the stage")
        ax.set_ylabel("training loss (segment mean)")
        ax.set_title(f"{ACTS[a]} (mean over {len(idx)} seeds)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    path = os.path.join(outdir, "knowledge_curves.png")
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return [path]


def plot(run, outdir, plt):
    out = []
    out += _scatter(run, outdir, plt, "weights")
    out += _scatter(run, outdir, plt, "biases")
    out += _pixel_map(run, outdir, plt)
    out += _r2_seeds(run, outdir, plt)
    out += _curves(run, outdir, plt)
    return out
