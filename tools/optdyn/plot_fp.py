"""Figures for `optdyn fp` output: density snapshots, PDE vs Monte Carlo moments and escaped
mass, stationary density vs the analytic P_inf."""
import os

import numpy as np

from optdyn.plot_common import thin_log_ticks


def _title(run):
    g = run.group_attrs("fp")
    noise = g.get("noise")
    kind = "GD (S2 = 0)" if noise == 0 else f"alpha = {g.get('alpha'):g}"
    return f"{g.get('landscape')}: T = {g.get('T'):g}, {kind}, n = {g.get('n')}"


def _summary_2d(run):
    g = run.group_attrs("fp2d")
    t, mass, mean, cov = (run[f"fp2d/{k}"] for k in ("t", "mass", "mean", "cov"))
    lines = [f"fp (2-D): {g.get('landscape')}, T = {g.get('T'):g}, alpha = {g.get('alpha'):g}, {g.get('nx')} x {g.get('ny')} cells, "
             f"cross {g.get('cross')}, {g.get('time_steps')} {g.get('ts_type')} steps, min P = {g.get('P_min'):.3g}, "
             f"mass drift {g.get('mass_drift'):.2g}, negative off-diagonals {g.get('negative_offdiagonals')}"]
    lines.append("%10s %14s %10s %10s %10s %10s %10s" % ("t", "mass", "mean x", "mean y", "cov xx", "cov xy", "cov yy"))
    for k in np.unique(np.linspace(0, len(t) - 1, min(len(t), 11)).round().astype(int)):
        lines.append("%10.4g %14.11f %10.5f %10.5f %10.5f %10.5f %10.5f" % (t[k], mass[k], *mean[k], *cov[k]))
    return "\n".join(lines)


def _plot_2d(run, outdir, plt):
    """Density snapshot panels P(t_k, x, y) with the mean loss contours, and mean/cov over time."""
    g = run.group_attrs("fp2d")
    x, y, t = run["fp2d/x"], run["fp2d/y"], run["fp2d/t"]
    base = os.path.splitext(os.path.basename(run.path))[0]
    written = []
    if "fp2d/P" in run:
        P = run["fp2d/P"]
        idx = np.unique(np.linspace(0, len(t) - 1, min(len(t), 6)).round().astype(int))
        fig, axes = plt.subplots(1, len(idx), figsize=(3.4 * len(idx), 3.6), squeeze=False, constrained_layout=True)
        for ax, k in zip(axes[0], idx):
            # each snapshot its own colour scale (the density spreads by orders of magnitude)
            pc = ax.pcolormesh(x, y, P[k], shading="auto", cmap="viridis")
            fig.colorbar(pc, ax=ax, fraction=0.046, pad=0.03, label="P(x, y, t)" if k == idx[-1] else None)
            ax.contour(x, y, run["fp2d/L"], 8, colors="w", linewidths=0.4, alpha=0.6)
            ax.set_title(f"t = {t[k]:g}", fontsize=9)
            ax.set_xlabel("x")
            ax.set_ylabel("y")
            ax.set_aspect("equal")
        fig.suptitle(f"2-D density P(x, y, t): {g.get('landscape')}, T = {g.get('T'):g}, cross {g.get('cross')} (white: mean loss contours)", fontsize=9)
        path = os.path.join(outdir, f"{base}_density2d.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    mean, cov = run["fp2d/mean"], run["fp2d/cov"]
    axes[0].plot(t, mean[:, 0], label="mean x")
    axes[0].plot(t, mean[:, 1], label="mean y")
    for a, lab in enumerate(("cov xx", "cov xy", "cov yy")):
        axes[1].plot(t, cov[:, a], label=lab)
    axes[0].set_ylabel("mean of (x, y)")
    axes[1].set_ylabel("covariance of (x, y)")
    for ax in axes:
        ax.set_xlabel("t (steps)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(outdir, f"{base}_moments2d.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    return written


def summary(run):
    if "fp2d/t" in run:
        return _summary_2d(run)
    g = run.group_attrs("fp")
    t, mass, mean, std, esc = (run[f"fp/{k}"] for k in ("t", "mass", "mean", "std", "escaped"))
    lines = [f"fp: {_title(run)}, [{g.get('Wmin'):g}, {g.get('Wmax'):g}] {g.get('left')}/{g.get('right')}, "
             f"flux {g.get('flux')}, {g.get('time_steps')} {g.get('ts_type')} steps, min P = {g.get('P_min'):.3g}, "
             f"mass drift {g.get('mass_drift'):.2g}"]
    mc = "fp/mc/mean" in run
    head = "%10s %12s %12s %12s %10s" % ("t", "mass", "mean", "std", "escaped")
    if mc:
        head += " | %22s %22s %10s" % ("MC mean +- err", "MC std +- err", "MC esc")
    lines.append(head)
    idx = np.unique(np.linspace(0, len(t) - 1, min(len(t), 11)).round().astype(int))
    for k in idx:
        row = "%10.4g %12.9f %12.6f %12.6f %10.5f" % (t[k], mass[k], mean[k], std[k], esc[k])
        if mc:
            row += " | %12.6f +- %7.1e %12.6f +- %7.1e %10.5f" % (run["fp/mc/mean"][k], run["fp/mc/mean_err"][k], run["fp/mc/std"][k],
                                                                run["fp/mc/std_err"][k], run["fp/mc/escaped"][k])
        lines.append(row)
    if "fp/P_stationary" in run:
        lines.append(f"stationary ({g.get('stationary_method')}): L1 distance to analytic P_inf = {g.get('stationary_L1_error'):.3g}")
    return "\n".join(lines)


def plot(run, outdir, plt):
    if "fp2d/t" in run:
        return _plot_2d(run, outdir, plt)
    written = []
    g = run.group_attrs("fp")
    W, t = run["fp/W"], run["fp/t"]
    base = os.path.splitext(os.path.basename(run.path))[0]

    def save(fig, name):
        fig.tight_layout()
        path = os.path.join(outdir, f"{base}_{name}.png")
        fig.savefig(path, dpi=120)
        plt.close(fig)
        written.append(path)

    if "fp/P" in run:
        P = run["fp/P"]
        idx = np.unique(np.linspace(0, len(t) - 1, min(len(t), 6)).round().astype(int))
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        peaks = np.array([P[k].max() for k in idx])
        # a concentrating density (GD, point start) makes a spike many orders above the rest:
        # the linear panel is scaled to the initial density (taller peaks are clipped and
        # labelled), the log panel spans from 1e-10 of that scale up to the tallest peak
        typical = peaks[0] if peaks[0] > 0 else max(np.median(peaks), 1e-300)
        for k in idx:
            line, = axes[0].plot(W, P[k], lw=1.4 if k == idx[0] else 1, label=f"t = {t[k]:g}" + (" (initial)" if k == idx[0] else ""))
            axes[1].semilogy(W, np.where(P[k] > 0, P[k], np.nan), lw=1, color=line.get_color())
        axes[0].set_ylim(0, 1.5 * typical)
        if peaks.max() > 1.5 * typical:  # one note for the clipped peaks (they sit at the same place)
            axes[0].text(0.02, 0.97, f"clipped: peaks up to {peaks.max():.3g} (see the log panel)", transform=axes[0].transAxes, fontsize=8, va="top")
        axes[0].set_ylabel("P(W, t)" + (" (clipped)" if peaks.max() > 1.5 * typical else ""))
        axes[1].set_ylabel("P(W, t) (log)")
        axes[1].set_ylim(typical * 1e-10, 2 * peaks.max())
        thin_log_ticks(axes[1])
        for ax in axes:
            ax.set_xlabel("W")
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=8)
        axes[0].set_title("density snapshots: " + _title(run), fontsize=9)
        save(fig, "density")

    fig, axes = plt.subplots(1, 3 if g.get("left") == "absorbing" or g.get("right") == "absorbing" else 2, figsize=(12, 4))
    mc = "fp/mc/mean" in run
    for ax, key, label in zip(axes, ("mean", "std"), ("mean of W", "std of W")):
        ax.plot(t, run[f"fp/{key}"], "-", color="C0", label="Fokker-Planck")
        if mc:
            s = run["fp/mc/step"]
            ax.errorbar(s, run[f"fp/mc/{key}"], yerr=2 * run[f"fp/mc/{key}_err"], fmt="o", ms=2.5, color="C1", elinewidth=0.8,
                        label=f"Monte Carlo ({run.group_attrs('fp/mc').get('walkers')} walkers, 2 s.e.)")
        ax.set_xlabel("t (steps)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    axes[0].set_title(_title(run), fontsize=9)
    if len(axes) == 3:
        ax = axes[2]
        ax.plot(t, run["fp/escaped"], "-", color="C0", label="PDE escaped mass")
        if mc:
            s = run["fp/mc/step"]
            ax.plot(s, run["fp/mc/escaped"], "o", ms=2.5, color="C1", label="MC escaped fraction")
            ax.fill_between(s, run["fp/mc/escaped_lo"], run["fp/mc/escaped_hi"], color="C1", alpha=0.25, lw=0)
        ax.set_xlabel("t (steps)")
        ax.set_ylabel("escaped")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    save(fig, "moments")

    if "fp/P_stationary" in run:
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        Ps = run["fp/P_stationary"]
        ax.plot(W, Ps, "-", lw=1.5, label=f"numeric ({g.get('stationary_method')})")
        if "fp/P_stationary_formula" in run:
            ax.plot(W, run["fp/P_stationary_formula"], "--", lw=1, label=r"analytic $P_\infty \propto (S^2)^{-\alpha} e^{-\int 2G/(TS^2)}$")
            ax.set_title(f"stationary density, L1 error {g.get('stationary_L1_error'):.2g}", fontsize=9)
        else:
            ax.set_title("stationary density (analytic formula n/a: S2 vanishes)", fontsize=9)
        if "fp/P" in run:
            ax.plot(W, run["fp/P"][-1], ":", lw=1, label=f"P(t = {t[-1]:g})")
        ax.set_xlabel("W")
        ax.set_ylabel("P")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        save(fig, "stationary")
    return written


def overlay(runs, labels, outdir, plt):
    """Mean and standard deviation of W over time of several 1-D files (e.g. several T)."""
    runs = [(r, lab) for r, lab in zip(runs, labels) if "fp/t" in r]
    if not runs:
        return []
    fig, axs = plt.subplots(1, 2, figsize=(11, 4.2))
    for c, (run, lab) in enumerate(runs):
        axs[0].plot(run["fp/t"], run["fp/mean"], color=f"C{c}", label=lab)
        axs[1].plot(run["fp/t"], run["fp/std"], color=f"C{c}", label=lab)
    for ax, what in zip(axs, ("mean of W", "std of W")):
        ax.set_xlabel("t (steps)")
        ax.set_ylabel(what)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Fokker-Planck: " + " vs ".join(lab for _, lab in runs), fontsize=10)
    fig.tight_layout()
    path = os.path.join(outdir, "overlay_fp_moments.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]
