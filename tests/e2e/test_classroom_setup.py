"""A class on a JupyterHub or a BinderHub: the image repo2docker builds from this repository
installs the requirements and ``utils`` (``make e2e``; needs no Docker: ``--no-build``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.e2e.lab import ROOT

pytestmark = pytest.mark.classroom


def test_repo2docker_installs_the_requirements_and_utils_on_the_pinned_python():
    repo2docker = Path(sys.executable).with_name("jupyter-repo2docker")
    if not repo2docker.exists():
        pytest.fail("jupyter-repo2docker is missing: pip install -r requirements-e2e.txt")
    command = [str(repo2docker), "--no-build", "--debug", str(ROOT)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    dockerfile = result.stdout + result.stderr
    assert result.returncode == 0, dockerfile[-2000:]
    pinned = (ROOT / "runtime.txt").read_text().strip().removeprefix("python-")
    assert f"python={pinned}" in dockerfile, "repo2docker does not use runtime.txt's Python"
    assert 'pip install --no-cache-dir -r "requirements.txt"' in dockerfile
    assert "pip install --no-cache-dir ." in dockerfile


def test_a_plain_pip_install_carries_every_utils_module(tmp_path):
    """What ``pip install .`` puts in the image: every file of utils/, no other package."""
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path)]
    subprocess.run([*command, str(ROOT)], check=True, timeout=300, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {p.relative_to(ROOT).as_posix() for p in (ROOT / "utils").rglob("*.py")}
    expected = {name for name in expected if "__pycache__" not in name}
    assert expected <= names, f"missing from the package: {sorted(expected - names)}"
    top = {name.split("/")[0] for name in names if not name.endswith(".dist-info/RECORD")}
    assert {t for t in top if not t.endswith(".dist-info")} == {"utils"}
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' scratch folder
