"""Run every shipped config on small settings, draw its figures, and check each PNG: not blank
(pixel variance), every visible axes labelled, every map with a colour bar, names derived
from the input file. Usage: figures.py OPTDYN SOURCE_DIR WORK_DIR"""
import glob
import importlib
import json
import os
import subprocess
import sys

import yaml

exe, src, work = sys.argv[1:4]
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import optdyn  # noqa: E402  (the checkout's package: figures.sh sets PYTHONPATH)
from optdyn import cli_plot as oplot  # noqa: E402

oplot.enable_describe()


def shrink(cmd, cfg):
    """Options that make a config's run take about a second, keeping one-row/one-column sweeps."""
    pre = cmd if cmd != "oscillator" else "osc"
    c = dict(cfg.get(pre, {}) or {})
    c.update({k[len(pre) + 1:]: v for k, v in cfg.items() if k.startswith(pre + "_")})  # flat keys (es_dim: ...)
    if cmd == "escape":
        return ["-escape_walkers", "200", "-escape_T_num", str(min(int(c.get("T_num", 11)), 4)), "-escape_exact_n", "401"]
    if cmd == "fp":
        if int(c.get("dim", 1)) == 2:
            return ["-fp_nx", "24", "-fp_ny", "24", "-fp_nt", "4"]
        return ["-fp_n", "200", "-fp_nt", "6", "-fp_mc_walkers", "200"]
    if cmd == "es":
        if c.get("mode") == "variance":
            return ["-es_var_replicates", "20", "-es_var_population", "10,20"]
        out = ["-es_generations", str(min(int(c.get("generations", 200)), 40)), "-es_bound_points", "21,20"]
        if int(c.get("dim", 0)) > 100:  # the scaling benchmark: a million dimensions
            out += ["-es_dim", "100", "-es_population", "16"]
        return out
    if cmd == "op":
        if c.get("system") == "finite":
            return []
        out = ["-op_s0_num", str(min(int(c.get("s0_num", 2001)), 21))]
        if str(c.get("s1", "none")) != "none":
            out += ["-op_s1_num", str(min(int(c.get("s1_num", 1)), 11))]
        return out
    if cmd == "oscillator":
        out = ["-osc_steps", "300", "-osc_traj_steps", "40"]
        for k, small in (("eta_num", 6), ("beta_num", 5)):
            if int(c.get(k, 41 if k == "eta_num" else 39)) > 1:
                out += [f"-osc_{k}", str(small)]
        return out
    return []


problems, checked, skipped = [], 0, []
os.chdir(work)
for path in sorted(glob.glob(os.path.join(src, "configs", "*.yaml"))):
    name = os.path.splitext(os.path.basename(path))[0]
    cmd = name.split("-")[0]
    if cmd not in ("escape", "fp", "es", "op", "oscillator"):
        skipped.append(f"{name} (not a command config)")
        continue
    cfg = yaml.safe_load(open(path)) or {}
    h5 = f"{name}.h5"
    args = [exe, cmd, "-options_file_yaml", path, *shrink(cmd, cfg), "-quiet", "-o", h5]
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        problems.append(f"{name}: run failed: {' '.join(args[1:])}\n{r.stderr[-800:]}")
        continue
    run = optdyn.load(h5)
    mod = importlib.import_module(f"optdyn.plot_{run.command}")
    outdir = os.path.join(work, "figs")
    os.makedirs(outdir, exist_ok=True)
    mod.summary(run)
    pngs = mod.plot(run, outdir, plt)
    plt.close("all")
    if not pngs:
        problems.append(f"{name}: no figures")
    for png in pngs:
        checked += 1
        base = os.path.basename(png)
        if not base.startswith(name + "_"):
            problems.append(f"{base}: name not derived from the input file {h5}")
        img = mpimg.imread(png)[..., :3]
        var = float(img.var())
        if var < 1e-3:
            problems.append(f"{base}: blank (pixel variance {var:.2g})")
        desc = json.load(open(png + ".json"))
        for i, ax in enumerate(desc["axes"]):
            if not ax["visible"]:
                continue
            if ax["colorbar"]:
                if not ax["colorbar_label"] and not desc["suptitle"]:
                    pass  # tick labels name the classes of categorical colour bars
                continue
            if not ax["xlabel"] or not ax["ylabel"]:
                problems.append(f"{base}: axes {i} ('{ax['title'][:40]}') lacks an axis label: x '{ax['xlabel']}', y '{ax['ylabel']}'")
            if ax["artists"] == 0:
                problems.append(f"{base}: axes {i} ('{ax['title'][:40]}') is empty")
            if ax["has_map"] and not ax["has_colorbar"]:
                problems.append(f"{base}: axes {i} ('{ax['title'][:40]}') draws a map without a colour bar")
    print(f"ok: {name}: {len(pngs)} figures", flush=True)
for s in skipped:
    print("skipped:", s)
print(f"{checked} figures checked")
if problems:
    print("\n".join(problems))
    sys.exit(1)
