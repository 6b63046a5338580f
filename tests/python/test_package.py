"""The Python package itself: importing any module does no work, no code edits sys.path,
the console-script entry points named in pyproject.toml exist and print their help."""
import importlib
import os
import pkgutil
import re
import subprocess
import sys

import pytest

import optdyn

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("OPTDYN_SOURCE") or os.path.join(HERE, "..", "..")


def test_importing_every_module_does_no_work(tmp_path, monkeypatch, capsys):
    import h5py, matplotlib, numpy, xarray  # noqa: F401  (their own imports may start processes)

    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: calls.append(a))
    for m in pkgutil.iter_modules(optdyn.__path__):
        sys.modules.pop("optdyn." + m.name, None)
        importlib.import_module("optdyn." + m.name)
    assert calls == [] and os.listdir(tmp_path) == []
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_no_sys_path_manipulation():
    offenders = []
    for root in ("tools", "tests", "examples", "jobs"):
        for dirpath, _, files in os.walk(os.path.join(SOURCE, root)):
            for name in files:
                path = os.path.join(dirpath, name)
                if name == os.path.basename(__file__) or not (name.endswith((".py", ".ipynb")) or name.startswith("optdyn-")):
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    if "sys.path" in f.read():
                        offenders.append(os.path.relpath(path, SOURCE))
    assert offenders == []


def entry_points():
    with open(os.path.join(SOURCE, "pyproject.toml")) as f:
        text = f.read()
    section = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    return re.findall(r'^([\w-]+) = "([\w.]+):(\w+)"', section, re.M)


def test_entry_points_exist_and_match_the_checkout_scripts():
    eps = entry_points()
    assert {n for n, _, _ in eps} == {"optdyn-plot", "optdyn-merge", "optdyn-info", "optdyn-scaling"}
    for name, module, func in eps:
        assert callable(getattr(importlib.import_module(module), func))
        assert os.access(os.path.join(SOURCE, "tools", name), os.X_OK), name


@pytest.mark.parametrize("name", ["optdyn-plot", "optdyn-merge", "optdyn-info", "optdyn-scaling"])
def test_checkout_scripts_run(name):
    r = subprocess.run([sys.executable, os.path.join(SOURCE, "tools", name), "--help"], capture_output=True, text=True,
                       env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert r.returncode == 0 and "usage:" in r.stdout, r.stderr
