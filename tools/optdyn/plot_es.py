"""Figures for `optdyn es` output (docs/models.md §4).

Optimization runs: mu trajectory on the objective's contour plot (d = 2) or on the
U(mu, sigma) surface (d = 1 with -es_bound), f(mu) / sigma / gradient norms per generation,
and for replicate studies the fraction of runs ending in each minimum vs sigma0.
Variance runs (-es_mode variance): measured gradient-estimator variance vs sigma and N with
the formulas f^2/(N sigma^2) + 2 f'^2/N (i.i.d.) and 2 Var[g_e]/N (antithetic).
"""
import os

import numpy as np

from optdyn.plot_common import out_path, text_colour, thin_log_ticks


def _text(v):
    return v.decode() if isinstance(v, bytes) else v


def _objective_grid(name, x, y):
    """Python versions of the 2-D built-in objectives (for contour plots)."""
    X, Y = np.meshgrid(x, y)
    if name == "himmelblau":
        return (X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2
    if name == "rosenbrock":
        return 100 * (Y - X**2) ** 2 + (1 - X) ** 2
    if name == "rastrigin":
        return 20 + X**2 - 10 * np.cos(2 * np.pi * X) + Y**2 - 10 * np.cos(2 * np.pi * Y)
    if name == "sphere":
        return X**2 + Y**2
    return None


def summary(run):
    g = run.group_attrs("es")
    if "es/variance/var_iid" in run:
        s, N = run["es/variance/sigma"], run["es/variance/population"]
        vi, pi = run["es/variance/var_iid"], run["es/variance/var_pred_iid"]
        va, pa = run["es/variance/var_anti"], run["es/variance/var_pred_anti"]
        lines = [f"es variance study: objective {_text(g.get('objective'))}, replicates {run.group_attrs('es/variance').get('replicates')}",
                 "%8s %6s %12s %12s %7s %12s %12s %7s" % ("sigma", "N", "var_iid", "pred_iid", "ratio", "var_anti", "pred_anti", "ratio")]
        for i in range(len(s)):
            for j in range(len(N)):
                lines.append("%8.3g %6d %12.5g %12.5g %7.3f %12.5g %12.5g %7.3f" % (s[i], N[j], vi[i, j], pi[i, j], vi[i, j] / pi[i, j], va[i, j], pa[i, j], va[i, j] / pa[i, j]))
        return "\n".join(lines)
    fm = run["es/f_mean"]
    lines = [f"es: {_text(g.get('algorithm'))}, {_text(g.get('distribution'))}, natural {g.get('natural')}, antithetic {g.get('antithetic')}, "
             f"shaping {_text(g.get('shaping'))}, optimizer {_text(g.get('optimizer'))}, N = {g.get('population')}, d = {g.get('d')}, objective {_text(g.get('objective'))}",
             f"f(mu0) = {g.get('f_mu0'):.6g} -> f(mu) = {fm[-1]:.6g} after {len(fm)} generations; sigma = {run['es/sigma'][-1]:.4g}; "
             f"first generation with f < {g.get('f_target'):g}: {g.get('first_generation_below_target')}",
             f"{g.get('seconds_per_generation'):.4g} s/generation on {g.get('mpi_ranks')} ranks, checksums verified: {g.get('checksums_verified')}"]
    if "es/runs/basin_fraction" in run:
        s0, fr = run["es/runs/sigma0"], run["es/runs/basin_fraction"]
        lines.append("sigma0  " + "  ".join(f"basin{k}" for k in range(fr.shape[1])))
        for i in range(len(s0)):
            lines.append(f"{s0[i]:6.3g}  " + "  ".join(f"{v:6.3f}" for v in fr[i]))
    return "\n".join(lines)


def _save(fig, run, outdir, name, written):
    path = out_path(run, outdir, name)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    written.append(path)


def _plot_variance(run, outdir, plt):
    written = []
    s, N = run["es/variance/sigma"], run["es/variance/population"]
    vi, pi = run["es/variance/var_iid"], run["es/variance/var_pred_iid"]
    va, pa = run["es/variance/var_anti"], run["es/variance/var_pred_anti"]
    R = run.group_attrs("es/variance").get("replicates", 1)
    fig, ax = plt.subplots(figsize=(6.8, 4.8))
    for j in range(len(N)):
        line, = ax.loglog(s, vi[:, j], "o", label=f"i.i.d., N = {int(N[j])}")
        ax.loglog(s, pi[:, j], "-", color=line.get_color(), lw=1)
        if np.all(np.isfinite(va[:, j])):
            ax.loglog(s, va[:, j], "s", mfc="none", color=line.get_color(), label=f"antithetic, N = {int(N[j])}")
            ax.loglog(s, pa[:, j], "--", color=line.get_color(), lw=1)
    ax.set_xlabel("sigma")
    ax.set_ylabel("Var of the gradient estimate (component 0)")
    ax.set_title(f"gradient-estimator variance ({R} replicates)\nlines: f²/(Nσ²) + 2f'²/N (i.i.d.), 2Var[g_e]/N (antithetic, dashed)", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, which="both")
    _save(fig, run, outdir, "es_variance.png", written)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for j in range(len(N)):
        ax.semilogx(s, vi[:, j] / pi[:, j], "o-", label=f"i.i.d. N = {int(N[j])}")
        if np.all(np.isfinite(va[:, j])):
            ax.semilogx(s, va[:, j] / pa[:, j], "s--", mfc="none", label=f"antithetic N = {int(N[j])}")
    ax.axhline(1, color="k", lw=0.8)
    ax.axhspan(0.9, 1.1, color="0.85", zorder=0)
    ax.set_xlabel("sigma")
    ax.set_ylabel("measured / predicted variance")
    ax.set_title("ratio to the leading-order formulas (grey: ±10 %)", fontsize=10)
    ax.legend(fontsize=7)
    _save(fig, run, outdir, "es_variance_ratio.png", written)
    plt.close(fig)
    return written


def plot(run, outdir, plt):
    if "es/variance/var_iid" in run:
        return _plot_variance(run, outdir, plt)
    written = []
    g = run.group_attrs("es")
    name = _text(g.get("objective"))
    label = f"{_text(g.get('algorithm'))}, {'natural' if g.get('natural') else 'regular'} gradients, N = {g.get('population')}"
    fm, sig = run["es/f_mean"], run["es/sigma"]
    gen = np.arange(1, len(fm) + 1)
    # per-generation curves
    fig, axs = plt.subplots(1, 3, figsize=(13, 4))
    axs[0].semilogy(gen, np.maximum(fm, 1e-300) if np.all(fm >= 0) else fm - np.nanmin(fm) + 1e-16, label="f(mu)")
    if np.all(fm >= 0):
        axs[0].semilogy(gen, np.maximum(run["es/f_best"], 1e-300), lw=0.7, alpha=0.7, label="best in population")
        axs[0].set_ylabel("f(mu)")
    else:
        axs[0].set_ylabel("f(mu) - min f(mu) + 1e-16")
    axs[0].set_xlabel("generation")
    axs[0].set_title("objective at the search mean", fontsize=10)
    axs[0].legend(fontsize=8)
    axs[1].semilogy(gen, sig)
    axs[1].set_xlabel("generation")
    axs[1].set_ylabel("sigma")
    axs[1].set_title("sigma", fontsize=10)
    axs[2].semilogy(gen, np.maximum(run["es/grad_norm"], 1e-300), label="|grad_mu U|")
    if np.any(run["es/sigma_grad_norm"] > 0):
        axs[2].semilogy(gen, np.maximum(run["es/sigma_grad_norm"], 1e-300), label="|grad_sigma U|")
    axs[2].set_xlabel("generation")
    axs[2].set_ylabel("gradient norm")
    axs[2].set_title("search-gradient norms", fontsize=10)
    axs[2].legend(fontsize=8)
    fig.suptitle(f"{name}: {label}", fontsize=10)
    _save(fig, run, outdir, "es_progress.png", written)
    plt.close(fig)
    # trajectory
    if "es/mu" in run and run["es/mu"].shape[1] == 2:
        mu = run["es/mu"]
        mu = np.vstack([run["es/mu0"][None, :], mu])
        lo, hi = mu.min(axis=0), mu.max(axis=0)
        if "es/minima" in run:
            lo, hi = np.minimum(lo, run["es/minima"].min(axis=0)), np.maximum(hi, run["es/minima"].max(axis=0))
        pad = 0.15 * (hi - lo) + 0.5
        x = np.linspace(lo[0] - pad[0], hi[0] + pad[0], 300)
        y = np.linspace(lo[1] - pad[1], hi[1] + pad[1], 300)
        Z = _objective_grid(name, x, y)
        fig, ax = plt.subplots(figsize=(6, 5.4))
        if Z is not None:
            cs = ax.contour(x, y, np.log10(Z + 1e-3), levels=25, cmap="viridis", linewidths=0.7)
            fig.colorbar(cs, ax=ax, label="log10(f + 1e-3)")
        ax.plot(mu[:, 0], mu[:, 1], "r.-", ms=2, lw=0.8, label="mu per generation")
        ax.plot(mu[0, 0], mu[0, 1], "ko", label="mu0")
        if "es/minima" in run:
            m = run["es/minima"]
            ax.plot(m[:, 0], m[:, 1], "k*", ms=9, label="minima")
        ax.set_xlabel("w1")
        ax.set_ylabel("w2")
        ax.set_title(f"{name}: {label}", fontsize=9)
        ax.legend(fontsize=7, loc="best")
        _save(fig, run, outdir, "es_trajectory.png", written)
        plt.close(fig)
    # variational upper bound with the VO path (d = 1)
    if "es/bound/U" in run:
        mus, sigmas, U = run["es/bound/mu"], run["es/bound/sigma"], run["es/bound/U"]
        fig, axs = plt.subplots(1, 2, figsize=(12, 4.6))
        im = axs[0].contourf(mus, sigmas, U, levels=30, cmap="viridis")
        fig.colorbar(im, ax=axs[0], label="U(mu, sigma)")
        if "es/mu" in run:
            path_mu = np.concatenate([run["es/mu0"], run["es/mu"][:, 0]])
            path_s = np.concatenate([[g.get("sigma0")], sig])
            ok = (path_s >= sigmas[0]) & (path_s <= sigmas[-1])
            axs[0].plot(path_mu, path_s, "r.-", ms=2, lw=0.8, label="VO path (mu, sigma)")
            axs[0].plot(path_mu[~ok], np.clip(path_s[~ok], sigmas[0], sigmas[-1]), "r.", ms=1)
            axs[0].legend(fontsize=8)
        axs[0].set_xlabel("mu")
        axs[0].set_ylabel("sigma")
        axs[0].set_title("variational upper bound U = E f(mu + sigma eps)", fontsize=10)
        for k in np.unique(np.linspace(0, len(sigmas) - 1, 5).round().astype(int)):
            axs[1].plot(mus, U[k], label=f"U, sigma = {sigmas[k]:.3g}")
        axs[1].set_xlabel("mu")
        axs[1].set_ylabel("U")
        axs[1].set_title(_text(g.get("objective_formula"))[:80], fontsize=8)
        axs[1].legend(fontsize=7)
        _save(fig, run, outdir, "es_bound.png", written)
        plt.close(fig)
    # replicate studies
    if "es/runs/basin_fraction" in run:
        s0, fr = run["es/runs/sigma0"], run["es/runs/basin_fraction"]
        R = run["es/runs/f_final"].shape[1]
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        names = ["narrow deep", "wide shallow"] if name == "twowells" and fr.shape[1] == 2 else [f"minimum {k}" for k in range(fr.shape[1])]
        for k in range(fr.shape[1]):
            p = fr[:, k]
            err = np.sqrt(np.maximum(p * (1 - p), 1e-12) / R)
            ax.errorbar(s0, p, yerr=err, fmt="o-", capsize=3, label=names[k])
        ax.set_xscale("log")
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("sigma0")
        ax.set_ylabel(f"fraction of {R} runs")
        ax.set_title(f"{name}: where VO ends vs initial sigma ({label})", fontsize=9)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        _save(fig, run, outdir, "es_basins.png", written)
        plt.close(fig)
    return written


# ---- nnes2: figures of the mlp objective (training curves, norms, per-layer variances) and
# the comparison figure of the ES/VO study (docs/es.md, "Comparison study"). plot() above is
# wrapped so that optdyn-plot draws the mlp figures for runs that have /es/metrics.

def _option(run, name, default=None):
    """Value of -NAME in the run's recorded options (None/default when absent)."""
    words = _text(run.provenance.get("options", "")).split()
    for i, w in enumerate(words):
        if w == name:  # a flag without value is true
            return words[i + 1] if i + 1 < len(words) and not words[i + 1].startswith("-") else "true"
    return default


def mlp_layer_slices(layers):
    """(name, slice) of each layer's weights and biases in the flat parameter vector
    (layer l: W_l[n_{l-1}][n_l] then b_l[n_l], see include/optdyn/nn.h)."""
    out, off = [], 0
    for l in range(1, len(layers)):
        nw, nb = layers[l - 1] * layers[l], layers[l]
        out.append((f"W{l}", slice(off, off + nw)))
        out.append((f"b{l}", slice(off + nw, off + nw + nb)))
        off += nw + nb
    return out


def _mlp_label(run):
    g = run.group_attrs("es")
    meth = _option(run, "-es_mlp_method", "weight")
    extra = [k for k, o in (("antithetic", "-es_antithetic"), ("mixing", "-es_importance_mixing"), ("adaptation sampling", "-es_adaptation_sampling")) if _option(run, o) == "true"]
    return f"{meth}" + (" + " + " + ".join(extra) if extra else "") + f", {_text(g.get('distribution'))}"


def _evaluations_per_generation(run):
    """Mini-batch objective evaluations per generation: N (each member once; backprop: 1)."""
    g = run.group_attrs("es")
    return 1 if _option(run, "-es_mlp_method") == "backprop" else int(g.get("population", 1))


def plot_mlp(run, outdir, plt):
    """Training/validation accuracy and NLL per generation; parameter-vector and gradient
    norms with sigma; per-layer variances of a separable distribution."""
    written = []
    gen = np.arange(1, len(run["es/f_mean"]) + 1)
    label = _mlp_label(run)
    fig, axs = plt.subplots(1, 2, figsize=(12, 4.2))
    for ax, kind in zip(axs, ("accuracy", "loss")):
        ax.plot(gen, run[f"es/metrics/batch_{kind}"], lw=0.6, alpha=0.6, label="training (mini-batch)")
        v = run[f"es/metrics/validation_{kind}"]
        ok = np.isfinite(v)
        ax.plot(gen[ok], v[ok], "o-", ms=3, label="validation")
        ax.set_xlabel("generation")
        ax.set_ylabel("accuracy" if kind == "accuracy" else "NLL")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    m = run.group_attrs("es/metrics")
    fig.suptitle(f"mlp, {label}: test accuracy {m.get('test_accuracy', float('nan')):.4f}", fontsize=10)
    _save(fig, run, outdir, "es_mlp_training.png", written)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.semilogy(gen, run["es/metrics/param_norm"], label="|mu| (parameter vector)")
    ax.semilogy(gen, np.maximum(run["es/grad_norm"], 1e-300), lw=0.7, label="|search gradient of mu|")
    ax.set_xlabel("generation")
    ax.set_ylabel("norm (log scale)")
    ax.legend(loc="upper left", fontsize=8)
    ax2 = ax.twinx()
    ax2.plot(gen, run["es/sigma"], "k--", lw=1, label=f"sigma ({_text(run.group_attrs('es').get('sigma_update'))})")
    ax2.set_ylabel("sigma (RMS)")
    ax2.legend(loc="upper right", fontsize=8)
    ax.set_title(f"norms with sigma overlaid: {label}", fontsize=9)
    _save(fig, run, outdir, "es_mlp_norms.png", written)
    plt.close(fig)
    if _text(run.group_attrs("es").get("distribution")) in ("separable", "layerwise") and "es/sigma_final" in run:
        written += _plot_layer_variances(run, outdir, plt, gen, label)
    return written


def _plot_layer_variances(run, outdir, plt, gen, label):
    written = []
    layers = [int(x) for x in _option(run, "-es_mlp_layers", "784,100,10").split(",")]
    parts = mlp_layer_slices(layers)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    hist = run["es/sigma_components"] if "es/sigma_components" in run else None
    if "es/sigma_groups" in run:  # layerwise: one sigma per group (W1, b1, ...) per generation
        names = _text(run.group_attrs("es").get("group_names", "")).split(",")
        parts = []
        for j, name in enumerate(names):
            ax.semilogy(gen, run["es/sigma_groups"][:, j] ** 2, label=name)
    for name, sl in parts:
        if hist is not None:  # per generation (d <= 1000)
            ax.semilogy(gen, np.mean(hist[:, sl] ** 2, axis=1), label=name)
        else:  # the final distribution only
            ax.semilogy([gen[-1]], [np.mean(run["es/sigma_final"][sl] ** 2)], "o", label=name)
    ax.set_xlabel("generation")
    ax.set_ylabel("mean sigma^2 of the layer's parameters")
    kind = _text(run.group_attrs("es").get("distribution"))
    ax.set_title(f"per-layer variances of the {kind} distribution: {label}", fontsize=9)
    ax.legend(fontsize=8)
    _save(fig, run, outdir, "es_mlp_layer_variances.png", written)
    plt.close(fig)
    return written


def plot_mlp_comparison(paths, out, plt=None):
    """Overlay the variants of the study (one file each): validation accuracy and NLL against
    mini-batch objective evaluations, and a table of final test accuracy in the legend."""
    from optdyn.load import Run
    if plt is None:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    fig, axs = plt.subplots(1, 2, figsize=(13, 4.6))
    for p in paths:
        run = Run(p)
        if "es/metrics/validation_accuracy" not in run:
            continue
        ev = _evaluations_per_generation(run) * np.arange(1, len(run["es/f_mean"]) + 1)
        m = run.group_attrs("es/metrics")
        name = f"{os.path.splitext(os.path.basename(p))[0]} ({m.get('test_accuracy', float('nan')):.3f})"
        for ax, kind in zip(axs, ("accuracy", "loss")):
            v = run[f"es/metrics/validation_{kind}"]
            ok = np.isfinite(v)
            ax.plot(ev[ok], v[ok], "o-", ms=2.5, label=name)
    for ax, kind in zip(axs, ("validation accuracy", "validation NLL")):
        ax.set_xscale("log")
        ax.set_xlabel("mini-batch objective evaluations")
        ax.set_ylabel(kind)
        ax.grid(alpha=0.3)
    axs[0].legend(fontsize=7, title="variant (test accuracy)", title_fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


_plot_es_base = plot


def plot(run, outdir, plt):  # noqa: F811 (wraps the es figures above with the mlp figures)
    written = _plot_es_base(run, outdir, plt)
    if "es/metrics/batch_loss" in run:
        written += plot_mlp(run, outdir, plt)
    return written


def overlay(runs, labels, outdir, plt):
    """f(mu) and sigma per generation of several files (e.g. ES against VO)."""
    runs = [(r, lab) for r, lab in zip(runs, labels) if "es/f_mean" in r]
    if not runs:
        return []
    fig, axs = plt.subplots(1, 2, figsize=(11, 4.2))
    for c, (run, lab) in enumerate(runs):
        fm, sig = run["es/f_mean"], run["es/sigma"]
        gen = np.arange(1, len(fm) + 1)
        axs[0].plot(gen, fm, color=f"C{c}", label=lab)
        axs[1].plot(gen, sig, color=f"C{c}", label=lab)
    if all(np.all(r["es/f_mean"] > 0) for r, _ in runs):
        axs[0].set_yscale("log")
    axs[1].set_yscale("log")
    axs[0].set_ylabel("f(mu)")
    axs[1].set_ylabel("sigma")
    for ax in axs:
        ax.set_xlabel("generation")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("evolution strategies: " + " vs ".join(lab for _, lab in runs), fontsize=10)
    written = []
    fig.tight_layout()
    path = os.path.join(outdir, "overlay_es_progress.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    written.append(path)
    return written
