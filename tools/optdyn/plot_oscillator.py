"""Figures for `optdyn oscillator` output: rate maps with the critical-damping curves and the
best (eta, beta), regime maps, damping-ratio map, trajectories with energies beside the ODE."""
import os

import numpy as np

from optdyn.plot_common import out_path

REGIMES = ["overdamped", "critical", "underdamped", "alternating", "unstable"]


def _s(v):
    return v.decode() if isinstance(v, bytes) else v


def _best(run):
    eta, beta = run["oscillator/eta"], run["oscillator/beta"]
    rm = np.where(np.isfinite(run["oscillator/rate_measured"]), run["oscillator/rate_measured"], np.inf)
    i, j = np.unravel_index(np.argmin(rm), rm.shape)
    return eta[i], beta[j], rm[i, j], run["oscillator/rate_predicted"][i, j]


def summary(run):
    g = run.group_attrs("oscillator")
    eta, beta = run["oscillator/eta"], run["oscillator/beta"]
    rm, rp = run["oscillator/rate_measured"], run["oscillator/rate_predicted"]
    lam = run["oscillator/curvatures"]
    lines = [f"oscillator: {_s(g.get('optimizer'))} on {_s(g.get('problem'))}, curvatures {', '.join('%.6g' % l for l in lam)}, "
             f"grid {len(eta)} eta x {len(beta)} beta, max {g.get('max_steps')} steps/cell"]
    ok = (rp < 1) & np.isfinite(rm) & (rm > 0)
    if ok.any():
        d = np.abs(rm[ok] - rp[ok])
        lines.append(f"stable cells {ok.sum()}: |measured - predicted| median {np.median(d):.3g}, 99th pct {np.percentile(d, 99):.3g}, max {d.max():.3g}")
    reg, regm = run["oscillator/regime"], run["oscillator/regime_measured"]
    valid = regm >= 0
    agree = (reg == regm) | ((reg == 1) & (regm == 0))
    lines.append(f"regime agreement: {int((agree & valid).sum())} of {int(valid.sum())} cells")
    be, bb, br, bp = _best(run)
    lines.append(f"best measured: eta = {be:.5g}, beta = {bb:.4g}, rate {br:.6g} (predicted {bp:.6g})")
    if "theory_eta_opt" in g:
        lines.append(f"theory optimum: eta = {g['theory_eta_opt']:.5g}, beta = {g['theory_beta_opt']:.4g}, rate {g['theory_rate_opt']:.6g}")
    return "\n".join(lines)


def _curves(ax, run, beta):
    crit, critode = run["oscillator/critical_eta"], run["oscillator/critical_eta_ode"]
    lam = run["oscillator/curvatures"]
    styles = ["w", "c"]
    for d in range(crit.shape[1]):
        lab = f"lambda={lam[d]:.3g}"
        ax.plot(beta, crit[:, d], "-", color=styles[d % 2], lw=1.6, label=f"critical (double root), {lab}")
        if np.isfinite(critode[:, d]).any():
            ax.plot(beta, critode[:, d], "--", color=styles[d % 2], lw=1.2, label=f"zeta = 1 (ODE), {lab}")


def _mark(ax, run):
    g = run.group_attrs("oscillator")
    be, bb, _, _ = _best(run)
    ax.plot([bb], [be], "r*", ms=14, mec="k", label="best measured")
    if "theory_eta_opt" in g:
        ax.plot([g["theory_beta_opt"]], [g["theory_eta_opt"]], "o", mfc="none", mec="m", ms=12, mew=2, label="theory optimum")


def _setup(ax, run):
    eta = run["oscillator/eta"]
    ax.set_xlabel("momentum beta")
    ax.set_ylabel("learning rate eta")
    if len(eta) > 2 and np.allclose(np.diff(np.log(eta)), np.log(eta[1] / eta[0])) and eta[-1] / eta[0] > 20:
        ax.set_yscale("log")
    ax.set_ylim(eta[0], eta[-1])


def plot(run, outdir, plt):
    from matplotlib.colors import ListedColormap

    g = run.group_attrs("oscillator")
    eta, beta = run["oscillator/eta"], run["oscillator/beta"]
    rm, rp = run["oscillator/rate_measured"], run["oscillator/rate_predicted"]
    title = f"{_s(g.get('optimizer'))} on {_s(g.get('problem'))}"
    written = []
    if len(beta) == 1 or len(eta) == 1:
        # a one-row or one-column sweep has no map to draw: curves along the swept axis
        _plot_lines(run, outdir, plt, title, written)
        _plot_trajectories(run, outdir, plt, written)
        return written
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_over("0.6")
    cmap.set_bad("0.3")

    # rate maps: measured, predicted, difference
    fig, axs = plt.subplots(1, 3, figsize=(16, 4.8), constrained_layout=True)
    # colour: log10(1 - rate) (speed of convergence); grey: rate >= 1 (no convergence)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = [np.where(r < 1, np.log10(np.maximum(1 - r, 1e-16)), np.nan) for r in (rm, rp)]
    finite = np.concatenate([v[np.isfinite(v)] for v in speed])
    vmin = max(finite.min(), -8) if finite.size else -4
    for ax, data, name in ((axs[0], speed[0], "measured contraction per step"), (axs[1], speed[1], "predicted |root|")):
        if len(beta) > 1 and len(eta) > 1:
            pc = ax.pcolormesh(beta, eta, np.ma.masked_invalid(data), cmap=cmap, vmin=vmin, vmax=0, shading="nearest")
        else:
            pc = ax.scatter(np.repeat(beta[None, :], len(eta), 0), np.repeat(eta[:, None], len(beta), 1), c=data, cmap=cmap, vmin=vmin, vmax=0)
        _curves(ax, run, beta)
        _mark(ax, run)
        _setup(ax, run)
        ax.set_title(f"{title}: {name}\n(grey: rate >= 1, no convergence)", fontsize=9)
        fig.colorbar(pc, ax=ax, label="log10(1 - rate)")
    axs[0].legend(fontsize=7, loc="lower left", framealpha=0.6)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.log10(np.abs(rm - rp) + 1e-17)
    if len(beta) > 1 and len(eta) > 1:
        pc = axs[2].pcolormesh(beta, eta, np.ma.masked_invalid(diff), cmap="magma", vmin=-16, vmax=0, shading="nearest")
        fig.colorbar(pc, ax=axs[2], label="log10 |measured - predicted|")
    _curves(axs[2], run, beta)
    _setup(axs[2], run)
    axs[2].set_title("where theory and measurement differ", fontsize=9)
    path = out_path(run, outdir, "rate_map")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)

    # regimes
    rcmap = ListedColormap(["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728", "#7f7f7f"])
    fig, axs = plt.subplots(1, 2, figsize=(11, 4.6), constrained_layout=True)
    for ax, data, name in ((axs[0], run["oscillator/regime"], "predicted regime (characteristic roots)"),
                           (axs[1], run["oscillator/regime_measured"], "measured regime (sign changes; critical shows as over)")):
        if len(beta) > 1 and len(eta) > 1:
            pc = ax.pcolormesh(beta, eta, np.ma.masked_less(data, 0), cmap=rcmap, vmin=-0.5, vmax=4.5, shading="nearest")
            cb = fig.colorbar(pc, ax=ax, ticks=range(5))
            cb.ax.set_yticklabels(REGIMES, fontsize=7)
        _curves(ax, run, beta)
        _setup(ax, run)
        ax.set_title(f"{title}: {name}", fontsize=9)
    path = out_path(run, outdir, "regimes")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)

    # damping ratio
    z = run["oscillator/zeta"]
    if np.isfinite(z).any() and len(beta) > 1 and len(eta) > 1:
        fig, ax = plt.subplots(figsize=(6.4, 4.8), constrained_layout=True)
        pc = ax.pcolormesh(beta, eta, np.log10(np.ma.masked_invalid(z)), cmap="coolwarm", vmin=-1.5, vmax=1.5, shading="nearest")
        fig.colorbar(pc, ax=ax, label="log10 zeta (continuum)")
        _curves(ax, run, beta)
        _setup(ax, run)
        ax.legend(fontsize=7)
        ax.set_title(f"{title}: damping ratio of the dominant direction", fontsize=9)
        path = out_path(run, outdir, "zeta")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

    _plot_trajectories(run, outdir, plt, written)
    return written


def _plot_trajectories(run, outdir, plt, written):
    """Iterates vs the continuum ODE, and their energies, for the stored trajectories."""
    if "oscillator/trajectory/x" in run:
        tg = "oscillator/trajectory/"
        x, ox, t = run[tg + "x"], run[tg + "ode_x"], run[tg + "t"]
        te, tb, treg = run[tg + "eta"], run[tg + "beta"], run[tg + "regime"]
        xmin = run["oscillator/xmin"]
        nt = x.shape[0]
        fig, axs = plt.subplots(2, nt, figsize=(4.6 * nt, 7), squeeze=False, constrained_layout=True)
        for q in range(nt):
            ax = axs[0, q]
            for d in range(x.shape[2]):
                ax.plot(t[q], x[q, :, d] - xmin[d], ".", ms=3, label=f"iterates x{d}")
                ax.plot(t[q], ox[q, :, d] - xmin[d], "-", lw=1, label=f"ODE x{d}")
            ax.axhline(0, color="k", lw=0.5)
            ax.set_xlabel("t = k h")
            ax.set_ylabel("x - x*")
            ax.set_title(f"eta={te[q]:.4g} beta={tb[q]:.3g} ({REGIMES[int(treg[q])] if treg[q] >= 0 else '?'})", fontsize=9)
            ax.legend(fontsize=7)
            ax = axs[1, q]
            for key, col in (("kinetic", "C0"), ("potential", "C1"), ("total", "k")):
                a, b = run[tg + key][q], run[tg + "ode_" + key][q]
                ax.semilogy(t[q], np.maximum(a, 1e-300), ".", color=col, ms=3, label=f"{key} (iterates)")
                ax.semilogy(t[q], np.maximum(b, 1e-300), "-", color=col, lw=1, label=f"{key} (ODE)")
            tot = run[tg + "total"][q]
            pos = tot[tot > 0]
            if pos.size:
                ax.set_ylim(max(pos.min(), pos.max() * 1e-14), pos.max() * 3)
            ax.set_xlabel("t = k h")
            ax.set_ylabel("energy")
            ax.legend(fontsize=6)
        path = out_path(run, outdir, "trajectories")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)


def _plot_lines(run, outdir, plt, title, written):
    """Rate, regime and damping ratio along the one swept axis (or at the one point)."""
    eta, beta = run["oscillator/eta"], run["oscillator/beta"]
    rm, rp = run["oscillator/rate_measured"], run["oscillator/rate_predicted"]
    along_eta = len(eta) >= len(beta)
    xv, xl, fixed = (eta, "learning rate eta", f"beta = {beta[0]:g}") if along_eta else (beta, "momentum beta", f"eta = {eta[0]:g}")
    flat = (lambda a: np.asarray(a)[:, 0]) if along_eta else (lambda a: np.asarray(a)[0, :])
    fig, axs = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True)
    ax = axs[0]
    ax.plot(xv, flat(rm), "o", ms=4, label="measured contraction per step")
    ax.plot(xv, flat(rp), "-", lw=1.2, label="predicted |root|")
    ax.axhline(1, color="0.5", lw=0.8, ls="--", label="rate 1 (no convergence)")
    ax.set_xlabel(xl)
    ax.set_ylabel("rate (contraction per step)")
    ax.set_title(f"{title}: rate along the sweep ({fixed})", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    ax = axs[1]
    reg, regm = flat(run["oscillator/regime"]), flat(run["oscillator/regime_measured"])
    ax.plot(xv, reg, "s", ms=6, mfc="none", label="predicted regime")
    ax.plot(xv, regm, "x", ms=5, label="measured regime")
    ax.set_yticks(range(len(REGIMES)), REGIMES, fontsize=8)
    ax.set_ylim(-0.5, len(REGIMES) - 0.5)
    ax.set_xlabel(xl)
    ax.set_ylabel("regime")
    ax.set_title("regime along the sweep", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    for a in axs:
        if len(xv) == 1:
            a.set_xlim(xv[0] - 0.5 * abs(xv[0]) - 1e-3, xv[0] + 0.5 * abs(xv[0]) + 1e-3)
        elif along_eta and xv[-1] / xv[0] > 20:
            a.set_xscale("log")
    path = out_path(run, outdir, "rates")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
