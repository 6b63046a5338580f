"""Figures for scaling files (tools/optdyn-scaling, jobs/scaling-*.sh): speed-up and
parallel efficiency against MPI ranks, with the ideal lines."""
import os

import numpy as np


def summary(run):
    kind = run.attrs.get("kind", "?")
    r, t, w = run["scaling/ranks"], run["scaling/seconds"], run["scaling/work"]
    s, e, same = run["scaling/speedup"], run["scaling/efficiency"], run["scaling/identical"]
    lines = [f"{kind} scaling of 'optdyn {run.attrs.get('run_command', '?')}' on {run.attrs.get('host', '?')}"
             + (f" (job {run.attrs['slurm_job_id']})" if "slurm_job_id" in run.attrs else "")]
    lines.append(f"{'ranks':>6} {'seconds':>10} {'work':>12} {'speed-up':>9} {'efficiency':>10}  identical")
    for i in np.argsort(r, kind="stable"):
        ident = {1: "yes", 0: "NO", -1: "-"}.get(int(same[i]), "?")
        lines.append(f"{r[i]:6d} {t[i]:10.3f} {w[i]:12.6g} {s[i]:9.3f} {e[i]:10.3f}  {ident}")
    return "\n".join(lines)


def plot(run, outdir, plt):
    kind = run.attrs.get("kind", "?")
    r, s, e = run["scaling/ranks"], run["scaling/speedup"], run["scaling/efficiency"]
    order = np.argsort(r, kind="stable")
    r, s, e = r[order], s[order], e[order]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    ideal = np.unique(r).astype(float)
    a1.plot(ideal, ideal, "k--", lw=1, label="ideal")  # both definitions give S(p_min) = p_min
    a1.plot(r, s, "o-", label="measured")
    a1.set_xlabel("MPI ranks")
    a1.set_ylabel("scaled speed-up" if kind == "weak" else "speed-up")
    a1.set_xscale("log", base=2)
    a1.set_yscale("log", base=2)
    a1.legend()
    a2.axhline(1.0, color="k", ls="--", lw=1, label="ideal")
    a2.plot(r, e, "o-", label="measured")
    a2.set_xlabel("MPI ranks")
    a2.set_ylabel("parallel efficiency")
    a2.set_xscale("log", base=2)
    a2.set_ylim(0, max(1.2, float(np.nanmax(e)) * 1.1 if e.size else 1.2))
    a2.legend()
    fig.suptitle(f"{kind} scaling: optdyn {run.attrs.get('run_command', '')}")
    fig.tight_layout()
    path = os.path.join(outdir, f"scaling_{kind}.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]
