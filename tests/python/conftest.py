"""Fixtures for the Python package tests: `run_optdyn` runs the optdyn that ctest names in
$OPTDYN (see tests/CMakeLists.txt) in a scratch directory; a test that needs it is skipped
only when $OPTDYN is not set (plain `pytest` outside ctest)."""
import os
import subprocess

import pytest


@pytest.fixture
def run_optdyn(tmp_path):
    exe = os.environ.get("OPTDYN")
    if not exe:
        pytest.skip("OPTDYN (the optdyn executable) is not set; ctest sets it")

    def run(*args, out="out.h5"):
        path = tmp_path / out
        cmd = [exe, *args, "-quiet", "-o", str(path)]
        r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode == 0, f"{' '.join(cmd)} failed:\n{r.stderr}"
        return path

    return run


@pytest.fixture
def source_dir():
    return os.environ.get("OPTDYN_SOURCE") or os.path.join(os.path.dirname(__file__), "..", "..")
