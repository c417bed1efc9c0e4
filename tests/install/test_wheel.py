"""A non-editable install of the package works from any directory.

Builds a wheel of this checkout (``pip wheel --no-deps``), installs it with ``pip install --no-deps
--target DIR`` (the dependencies come from the running environment), and runs ``python -m qopt``
from an unrelated working directory with ``PYTHONPATH=DIR``: the catalogue lists, ``nug12`` solves
with tabu, ``mknap1-3`` with QAOA on ``--device exact`` (found by name), a circuit exports to stdout,
and nothing is written into the installed package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if not (REPO / "setup.py").is_file() or not (REPO / "pyproject.toml").is_file():
        pytest.skip("not a source checkout")
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"  # a clean copy of the tracked sources, as a fresh clone would have them
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        if (REPO / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, src / rel)
    wheels = base / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(wheels), str(src)], check=True, capture_output=True)
    (wheel,) = wheels.glob("qopt-*.whl")
    target = base / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return wheel, target, elsewhere


def _qopt(installed, *args):
    _, target, cwd = installed
    env = {k: v for k, v in os.environ.items() if not k.startswith("QOPT_")}
    env["PYTHONPATH"] = str(target)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([sys.executable, "-m", "qopt", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if "__pycache__" not in p.parts}


def test_wheel_ships_the_catalogue_and_device_configs(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "qopt/_data/problems/catalogue.yaml" in names
    assert "qopt/_data/hardware_configs/exact.yaml" in names
    assert any(n.startswith("qopt/_data/problems/qap/") for n in names)


def test_installed_package_runs_from_another_directory(installed):
    _, target, _ = installed
    before = _files(target)
    where = _qopt(installed, "-q", "list", "--output", "json")
    assert where.returncode == 0, where.stderr
    names = {row["name"] for row in json.loads(where.stdout)}
    assert {"nug12", "mknap1-3"} <= names

    out = _qopt(installed, "-q", "solve", "nug12", "--solver", "tabu", "--seed", "1", "--output", "json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["feasible"] and result["known_optimum"] == 578

    out = _qopt(installed, "-q", "solve", "mknap1-3", "--solver", "qaoa", "--device", "exact", "--maxiter", "10",
                "--seed", "1", "--output", "json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["feasible"] and result["options"]["device"] == "exact" and result["qubits"] == 15

    out = _qopt(installed, "-q", "export-circuit", "mknap1-1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("OPENQASM 3.0;")

    probe = subprocess.run([sys.executable, "-c", "import qopt; print(qopt.__file__)"], cwd=installed[2],
                           env={**os.environ, "PYTHONPATH": str(target)}, capture_output=True, text=True)
    assert Path(probe.stdout.strip()).is_relative_to(target)  # the installed copy ran, not the checkout
    assert _files(target) == before  # no command wrote into the installed package


def test_missing_device_config_is_an_error_not_a_default(installed):
    out = _qopt(installed, "-q", "solve", "mknap1-1", "--solver", "qaoa", "--device", "no_such_device")
    assert out.returncode == 2
    assert "unknown device 'no_such_device'" in out.stderr and len(out.stderr.strip().splitlines()) == 1
