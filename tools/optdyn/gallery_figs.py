"""Figures of the gallery that need only small computations on values optdyn wrote (landscape
tables, gradient-descent paths, finite-state runs) or closed forms of a linear map
(tools/optdyn-gallery uses them; each function returns the path of the PNG)."""
import os

import numpy as np


def _save(fig, plt, outdir, name):
    path = os.path.join(outdir, name)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def gd_paths(run, plt, outdir, name, title):
    """W_t of gradient descent (from `optdyn markov -markov_gd_*`), one panel per T."""
    T, W0, W = run["markov/gd/T"], run["markov/gd/W0"], run["markov/gd/W"]
    fig, axes = plt.subplots(1, len(T), figsize=(3.2 * len(T), 2.8), squeeze=False)
    for a, t in enumerate(T):
        ax = axes[0, a]
        for b, w0 in enumerate(W0):
            ax.plot(W[a, b], ".-", ms=3, lw=0.8, label=f"W0 = {w0:g}")
        ax.set_title(f"T = {t:g}", fontsize=9)
        ax.set_xlabel("step")
        ax.set_ylabel("W")
        if len(W0) <= 4:
            ax.legend(fontsize=6)
    fig.suptitle(title, fontsize=9)
    return _save(fig, plt, outdir, name)


def landscape_losses(run, plt, outdir, name):
    """L and the datapoint losses l_j."""
    W = run["markov/landscape/W"]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(W, run["markov/landscape/L"], "k-", lw=2, label="L")
    for j, l in enumerate(run["markov/landscape/l"]):
        ax.plot(W, l, "--", lw=1, label=f"l{j}")
    ax.set_xlabel("W")
    ax.set_ylabel("loss")
    ax.legend(fontsize=7)
    return _save(fig, plt, outdir, name)


def landscape_moments(run, plt, outdir, name):
    """G and S^2 (log scale: S^2 underflows away from the pit, vanishes at W = 1 and W = 2)."""
    W = run["markov/landscape/W"]
    fig, ax = plt.subplots(1, 2, figsize=(7.5, 3))
    ax[0].plot(W, run["markov/landscape/G"], "C0")
    ax[0].axhline(0, color="k", lw=0.5)
    ax[0].set_ylabel("G = mean gradient")
    ax[1].semilogy(W, np.maximum(run["markov/landscape/S2"], 1e-300), "C1")
    ax[1].set_ylim(1e-40, 1e3)
    ax[1].set_ylabel("S² = gradient variance")
    for a in ax:
        a.set_xlabel("W")
    return _save(fig, plt, outdir, name)


def square_to_rhombus(plt, outdir, name, eps=0.1, k=0.3, c=10.0):
    """The continuous thermostat (s^T <- s^R, s^R <- s^R - k s^T) acting on the uniform square
    of side eps around (c, c): t-1, t, t+1 and the decorrelated t, t+1. Returns (path, measure):
    the variance-based adjusted measure log V[P'_{t+1}] - log V[P_{t+1}] - (log V[P'_t] - log V[P_t])
    with V the generalized variance (determinant of the covariance) -- exactly 0 for a linear map."""
    M = np.array([[1.0, -k], [1.0, 0.0]])  # (R, T) -> (R - k T, R)
    sq = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]]) * eps / 2 + c
    shift = np.array([0.0, 0.0])
    def step(P):
        return P @ M.T + shift
    cov0 = np.eye(2) * eps ** 2 / 12
    cov_t = M @ cov0 @ M.T
    cov_t1 = M @ cov_t @ M.T
    dec_t = np.diag(np.diag(cov_t))
    dec_t1 = M @ dec_t @ M.T
    ld = lambda C: np.log(np.linalg.det(C))  # noqa: E731
    measure = (ld(dec_t1) - ld(cov_t1)) - (ld(dec_t) - ld(cov_t))
    P_t = step(sq)
    P_t1 = step(P_t)
    # decorrelated t: the box of P_t's marginal ranges (a product of the marginals' supports)
    lo, hi = P_t.min(0), P_t.max(0)
    box = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]], [lo[0], lo[1]]])
    shapes = [("t − 1", sq), ("t", P_t), ("t + 1", P_t1), ("t decorrelated", box), ("t + 1 decorrelated", step(box))]
    fig, axes = plt.subplots(1, 5, figsize=(12, 2.8))
    for ax, (lab, P) in zip(axes, shapes):
        ax.fill(P[:, 0], P[:, 1], alpha=0.5)
        ax.set_title(f"time {lab}", fontsize=8)
        ax.set_xlabel("s^R")
        ax.set_aspect("equal", adjustable="datalim")
    axes[0].set_ylabel("s^T")
    fig.suptitle(f"continuous thermostat, ε = {eps}, k = {k}: square → rhombus; variance-based adjusted measure = {measure:.1e}", fontsize=9)
    return _save(fig, plt, outdir, name), measure


def epsilon_fit(eps, H, adj, nfit=5):
    """Fit log(adjusted) = s log(H) + log(c) on the nfit smallest eps; slope s and c with their
    standard errors (ordinary least squares)."""
    order = np.argsort(eps)[:nfit]
    x, y = np.log(H[order]), np.log(adj[order])
    A = np.vstack([x, np.ones_like(x)]).T
    coef, res, *_ = np.linalg.lstsq(A, y, rcond=None)
    dof = max(len(x) - 2, 1)
    s2 = float(res[0]) / dof if res.size else 0.0
    cov = s2 * np.linalg.inv(A.T @ A)
    return coef[0], np.sqrt(cov[0, 0]), np.exp(coef[1]), np.exp(coef[1]) * np.sqrt(cov[1, 1])


def epsilon_sweep(eps, H, adj, plt, outdir, name):
    s, ds, c, dc = epsilon_fit(eps, H, adj)
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.loglog(H, adj, "o", ms=4, label="optdyn op (finite, two-step)")
    h = np.logspace(np.log10(H.min()), np.log10(H.max()), 50)
    ax.loglog(h, h / 2, "k:", label="H / 2")
    ax.loglog(h, c * h ** s, "C1-", lw=0.8, label=f"fit (5 smallest ε): {c:.3f} H^{s:.4f}")
    ax.set_xlabel("entropy of P_{t−1} (bits)")
    ax.set_ylabel("adjusted optimizing-ness (bits)")
    ax.legend(fontsize=7)
    return _save(fig, plt, outdir, name), (s, ds, c, dc)


def twowells_vo(plt, outdir, name):
    """Gaussian VO objective U(mu, sigma) = E f(mu + sigma z) of the es module's two-wells
    function f = -sum_k a_k exp(-(w - c_k)^2 / (2 s_k^2)) (a = 1, 0.6; c = 0, 1; s = 0.05, 0.4),
    in closed form: U = -sum_k a_k s_k / sqrt(s_k^2 + sigma^2) exp(-(mu - c_k)^2 / (2 (s_k^2 + sigma^2)))."""
    a, c, s = np.array([1.0, 0.6]), np.array([0.0, 1.0]), np.array([0.05, 0.4])
    mu, sig = np.meshgrid(np.linspace(-0.6, 1.8, 241), np.linspace(0.005, 0.6, 120))
    U = sum(-a[k] * s[k] / np.sqrt(s[k] ** 2 + sig ** 2) * np.exp(-(mu - c[k]) ** 2 / (2 * (s[k] ** 2 + sig ** 2))) for k in range(2))
    fig, ax = plt.subplots(1, 2, figsize=(8, 3.2))
    w = np.linspace(-0.6, 1.8, 600)
    ax[0].plot(w, sum(-a[k] * np.exp(-(w - c[k]) ** 2 / (2 * s[k] ** 2)) for k in range(2)))
    ax[0].set_xlabel("w")
    ax[0].set_ylabel("f(w)")
    cs = ax[1].contourf(mu, sig, U, levels=30, cmap="viridis")
    fig.colorbar(cs, ax=ax[1])
    ax[1].set_xlabel("μ")
    ax[1].set_ylabel("σ")
    ax[1].set_title("VO objective E f(μ + σ z)", fontsize=9)
    return _save(fig, plt, outdir, name)


def es_vs_vo(runs, plt, outdir, name):
    """Best objective value per generation of ES and VO (natural) on Himmelblau."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for label, run in runs:
        f = None
        for key in ("es/f_mean", "es/f_mu", "es/f_best", "es/f"):
            if key in run:
                f = run[key]
                break
        if f is None:
            continue
        f = np.asarray(f).reshape(f.shape[0], -1)[:, 0] if np.ndim(f) > 1 else np.asarray(f)
        ax.semilogy(np.maximum(f, 1e-16), label=label)
    ax.set_xlabel("generation")
    ax.set_ylabel("objective at the search mean")
    ax.legend(fontsize=7)
    return _save(fig, plt, outdir, name)
