"""Run the qopt CLI as a user would, in a subprocess with a memory cap, and check its contract."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"
REPO = Path(__file__).resolve().parents[2]
#: Address-space cap of each CLI run: every input under 1 MB must be answered within it.
MEMORY_CAP = 1536 * 2**20
#: A guard against hangs only (no timed assertions): generous for a loaded 2-core machine.
HANG_GUARD_S = 300


def _cap_memory():  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_qopt(*args: str, cwd=None, env: dict | None = None, cap: bool = True):
    """``qopt ARGS`` in a subprocess: returns ``(exit code, stdout, stderr)``."""
    full_env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "",
                **(env or {})}
    full_env.pop("QOPT_MAX_MEMORY", None)
    proc = subprocess.run([sys.executable, "-m", "qopt", *args], cwd=cwd or REPO, env=full_env,
                          capture_output=True, text=True, timeout=HANG_GUARD_S,
                          preexec_fn=_cap_memory if cap else None)
    return proc.returncode, proc.stdout, proc.stderr


def assert_contract(code: int, out: str, err: str, *, expect: int | None = None):
    """Exit 0 with one JSON object on stdout, or exit 2 with exactly one ``qopt: error:`` line."""
    assert code in (0, 2), f"exit {code}\nstdout: {out[-2000:]}\nstderr: {err[-2000:]}"
    if expect is not None:
        assert code == expect, f"exit {code}, expected {expect}\nstdout: {out[-1000:]}\nstderr: {err[-1000:]}"
    if code == 0:
        return json.loads(out)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("qopt: error: "), f"stderr: {err[-2000:]}"
    assert out == "", out
    return lines[0]


@pytest.fixture
def corpus():
    return CORPUS
