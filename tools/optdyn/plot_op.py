"""Figures for `optdyn op` output (docs/models.md §5): W/X/Y trajectories, x - w and y - w, Op over
time, 1 - Comp against s0 (thermostats), Op landscapes over 2-D grids (Lorenz), and the
distributions of finite-state systems."""
import os

import numpy as np

from optdyn.plot_common import out_path, text_colour, thin_log_ticks


def _attrs(run):
    return run.group_attrs("op")


def _finite_summary(run):
    g = run.group_attrs("op/finite")
    lines = [f"op: finite-state system, A = {g.get('a_name')} ({g.get('a_states')}), "
             f"B = {g.get('b_name')} ({g.get('b_states')})"]
    for grp, what in (("op/finite/joint", "joint P_t"), ("op/finite/two_step", "two-step from P^A P^B")):
        a = run.group_attrs(grp)
        if not a:
            continue
        lines.append(f"  {what}: H(P_t) = {a['H_p_bits']:.4f}, H(P_t^A P_t^B) = {a['H_product_bits']:.4f}, "
                     f"H(P_t+1) = {a['H_next_bits']:.4f}, H(P'_t+1) = {a['H_product_next_bits']:.4f} bits; "
                     f"strength = {a['strength_bits']:.4f} bits, adjusted = {a['adjusted_strength_bits']:.4f} bits")
    return "\n".join(lines)


def _integral(run):
    """Recompute the trapezoid integral of (1 - Comp) from the datasets (valid after a merge)."""
    g = _attrs(run)
    s0, comp = run["op/s0"], run["op/comp"]
    n1 = int(g.get("num1", 1))
    if n1 == 1:
        return float(np.trapz(1 - comp, s0))
    if comp.size % n1:
        return float("nan")
    c = comp.reshape(-1, n1)
    s1 = run["op/grid_s1"]
    rows = np.trapz(1 - c, s1, axis=1)
    return float(np.trapz(rows, s0.reshape(-1, n1)[:, 0]))


def summary(run):
    g = _attrs(run)
    if g.get("system") == "finite":
        return _finite_summary(run)
    tA = g.get("t_A", -1)
    lines = [f"op: {g.get('system_description')}",
             f"  A = {{{g.get('A')}}}{'' if tA < 0 else f' for t <= {tA:g}'}, n = {g.get('n')} (delta {g.get('delta'):g}), "
             f"m = {g.get('m')}, t = {g.get('t'):g} ({g.get('nsteps')} steps)"]
    comp = run["op/comp"]
    lines.append(f"  landscape: {comp.size} points ({g.get('num0')} x {g.get('num1')}), "
                 f"integral of (1 - Comp) = {g.get('integral_one_minus_comp'):.6f} "
                 f"(recomputed from the datasets: {_integral(run):.6f}), Comp < 0 at {g.get('comp_negative_points')} points, "
                 f"delta check max |dOp| = {g.get('delta_check_max_abs_dop'):.3g} nats")
    if "op/trajectory/op" in run:
        t = run["op/trajectory/t"]
        op = run["op/trajectory/op"]
        sign = run["op/trajectory/comp_sign"]
        names = g.get("variables", "").split(",")
        for i, v in enumerate(names):
            if np.all(sign[:, i] == 0):
                continue
            lines.append(f"  trajectory: Op(A; {g.get('n')}0, {v}) at t = {t[-1]:g}: {op[-1, i]:.6g} nats; "
                         f"Comp < 0 at {int((sign[:, i] < 0).sum())} of {len(t)} stored steps")
    return "\n".join(lines)


def _save(fig, run, outdir, name, written):
    path = out_path(run, outdir, name)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    written.append(path)


def _plot_finite(run, outdir, plt):
    g = run.group_attrs("op/finite")
    an, bn = g.get("a_states", "").split(","), g.get("b_states", "").split(",")
    written = []
    for grp, tag, what in (("op/finite/joint", "joint", "joint P_t"), ("op/finite/two_step", "two_step", "two-step (P_t = push(P^A P^B))")):
        if f"{grp}/p" not in run:
            continue
        a = run.group_attrs(grp)
        fig, axes = plt.subplots(1, 4, figsize=(13, 3.6))
        panels = [("p", "P_t", a["H_p_bits"]), ("p_product", "P_t^A P_t^B", a["H_product_bits"]),
                  ("p_next", "P_{t+1}", a["H_next_bits"]), ("p_product_next", "P'_{t+1} (decorrelated)", a["H_product_next_bits"])]
        for ax, (ds, title, H) in zip(axes, panels):
            p = run[f"{grp}/{ds}"]
            im = ax.imshow(p, cmap="Blues", vmin=0, vmax=max(p.max(), 1e-12))
            for i in range(p.shape[0]):
                for j in range(p.shape[1]):
                    ax.text(j, i, f"{p[i, j]:.3f}".rstrip("0").rstrip(".") if p[i, j] else "0", ha="center", va="center", fontsize=8,
                            color=text_colour(im.cmap(im.norm(p[i, j]))))
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="probability")
            ax.set_xticks(range(len(bn)), bn, fontsize=8)
            ax.set_yticks(range(len(an)), an, fontsize=8)
            ax.set_xlabel(g.get("b_name"))
            ax.set_ylabel(g.get("a_name"))
            ax.set_title(f"{title}\nH = {H:.3f} bits", fontsize=9)
        fig.suptitle(f"{what}: optimizing strength {a['strength_bits']:.3f} bits (adjusted {a['adjusted_strength_bits']:.3f})", fontsize=10)
        _save(fig, run, outdir, f"op_finite_{tag}.png", written)
        plt.close(fig)
    return written


def plot(run, outdir, plt):
    g = _attrs(run)
    if g.get("system") == "finite":
        return _plot_finite(run, outdir, plt)
    written = []
    names = g.get("variables", "").split(",")
    nv = len(names)
    A = set(g.get("A", "").replace(" ", "").split(","))
    n, m = g.get("n"), g.get("m")
    tA = g.get("t_A", -1)
    Alabel = f"A = {{{','.join(sorted(A))}}}" + ("" if tA < 0 else f", t <= {tA:g}")
    sysname = g.get("system")
    if "op/trajectory/w" in run:
        t = run["op/trajectory/t"]
        w = run["op/trajectory/w"]
        dx, dy = run["op/trajectory/x_minus_w"], run["op/trajectory/y_minus_w"]
        # W, X, Y
        fig, axes = plt.subplots(nv, 1, figsize=(7, 2.3 * nv), sharex=True, squeeze=False)
        for i, ax in enumerate(axes[:, 0]):
            ax.plot(t, w[:, i], label="W", lw=1.6)
            ax.plot(t, w[:, i] + dx[:, i], "--", label="X", lw=1.2)
            ax.plot(t, w[:, i] + dy[:, i], ":", label="Y", lw=1.2)
            ax.set_ylabel(names[i])
            ax.grid(alpha=0.3)
        axes[0, 0].legend(fontsize=8)
        axes[0, 0].set_title(f"{sysname}: trajectories of W, X, Y ({Alabel}, n = {n}0)", fontsize=10)
        axes[-1, 0].set_xlabel("t")
        _save(fig, run, outdir, "op_trajectories.png", written)
        plt.close(fig)
        # x - w and y - w
        fig, axes = plt.subplots(nv, 1, figsize=(7, 2.3 * nv), sharex=True, squeeze=False)
        for i, ax in enumerate(axes[:, 0]):
            ax.plot(t, dx[:, i], label="x - w")
            ax.plot(t, dy[:, i], "--", label="y - w")
            ax.set_ylabel(names[i])
            big = np.nanmax(np.abs(np.concatenate([dx[:, i], dy[:, i]])))
            if big > 0:
                ax.set_yscale("symlog", linthresh=max(big * 1e-12, 1e-300))
                thin_log_ticks(ax)
            ax.grid(alpha=0.3)
        axes[0, 0].legend(fontsize=8)
        axes[0, 0].set_title(f"differences from W (delta = {g.get('delta'):g} on {n}0)", fontsize=10)
        axes[-1, 0].set_xlabel("t")
        _save(fig, run, outdir, "op_differences.png", written)
        plt.close(fig)
        # Op over time, per target, with the delta check
        targets = [i for i in range(nv) if names[i] not in A]
        cd = run["op/trajectory/comp_by_delta"]
        deltas = run["op/trajectory/deltas"]
        sign = run["op/trajectory/comp_sign"]
        fig, axes = plt.subplots(len(targets), 1, figsize=(7, 2.6 * len(targets)), sharex=True, squeeze=False)
        for ax, i in zip(axes[:, 0], targets):
            for j, d in enumerate(deltas):
                with np.errstate(divide="ignore", invalid="ignore"):
                    op = -np.log(np.abs(cd[j, :, i]))
                ax.plot(t, op, ["-", "--", ":"][j % 3], lw=1.4 if j == 0 else 1.0, label=f"delta = {d:g}")
            neg = sign[:, i] < 0
            if neg.any():
                ax.fill_between(t, 0, 1, where=neg, transform=ax.get_xaxis_transform(), color="red", alpha=0.15, lw=0,
                                label="Comp < 0 (Op complex; -ln|Comp| shown)")
            ax.axhline(0, color="k", lw=0.6)
            ax.set_ylabel(f"Op(A; {n}0, {names[i]}) [nats]", fontsize=8)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
        axes[0, 0].set_title(f"{sysname}: Op over time ({Alabel})", fontsize=10)
        axes[-1, 0].set_xlabel("t")
        _save(fig, run, outdir, "op_over_time.png", written)
        plt.close(fig)
    # landscapes
    comp, op, s0 = run["op/comp"], run["op/op"], run["op/s0"]
    n1 = int(g.get("num1", 1))
    tt = g.get("t")
    if n1 == 1:
        fig, axes = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
        axes[0].plot(s0, 1 - comp, lw=1.2)
        axes[0].set_ylabel(f"1 - Comp at t = {tt:g}")
        axes[0].set_title(f"{sysname}: 1 - Comp(A; {n}0, {m}_t) vs {n}0; integral = {g.get('integral_one_minus_comp'):.4f}", fontsize=10)
        axes[1].plot(s0, op, lw=1.2, color="C1")
        neg = run["op/comp_sign"] < 0
        if neg.any():
            axes[1].plot(s0[neg], op[neg], "rx", ms=4, label="Comp < 0")
            axes[1].legend(fontsize=8)
        axes[1].set_ylabel(f"Op at t = {tt:g} [nats]")
        axes[1].set_xlabel(f"initial {n} (s0)")
        for ax in axes:
            ax.grid(alpha=0.3)
        _save(fig, run, outdir, "op_landscape.png", written)
        plt.close(fig)
    elif comp.size % n1 == 0:
        s1name = g.get("s1_variable")
        g0 = s0.reshape(-1, n1)[:, 0]
        g1 = run["op/grid_s1"]
        O = op.reshape(-1, n1)
        S = run["op/comp_sign"].reshape(-1, n1)
        fin = O[np.isfinite(O)]
        lim = np.percentile(np.abs(fin), 98) if fin.size else 1
        fig, ax = plt.subplots(figsize=(7, 5.6))
        pc = ax.pcolormesh(g1, g0, O, cmap="RdBu_r", vmin=-lim, vmax=lim, shading="nearest")
        fig.colorbar(pc, ax=ax, label=f"Op(A; {n}0, {m}) at t = {tt:g} [nats]")
        if (S < 0).any():
            ii, jj = np.nonzero(S < 0)
            ax.plot(g1[jj], g0[ii], "k.", ms=1.5, label="Comp < 0")
            ax.legend(fontsize=8, loc="upper right")
        ax.set_xlabel(f"initial {s1name}")
        ax.set_ylabel(f"initial {n}")
        ax.set_title(f"{sysname} ({g.get('system_description', '').split(';')[-2].strip() if ';' in g.get('system_description', '') else ''}): "
                     f"Op landscape, {Alabel}", fontsize=9)
        _save(fig, run, outdir, "op_landscape.png", written)
        plt.close(fig)
    return written
