"""Every ``qopt ...`` command shown in README.md and docs/*.md runs (issue 17, "first hour").

Command lines are taken from fenced code blocks (``\\`` continuations joined, ``# comments``
dropped, ``a && b`` split) and run in document order in a scratch directory that links
``hardware_configs/`` and ``benchmarks/`` and holds the files the docs assume (``ring.rud``,
``path/to/file.rud``, ``CONFIG.yaml``). Each must exit 0. Commands that are long benchmarks or
need what CI lacks are listed in SKIP with the reason; sweeps run with ``--dry-run`` (validates the
config, the flags and the instances; the sweep itself is a benchmark).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

#: substring of a command -> why it is not run here
SKIP = {
    "--scheduler tcp://host:8786": "needs a running Dask scheduler on another host",
    "g1 --solver pce --k 3 --qubits 13 --layers 4 --maxiter 300": "benchmark: 800-node G1, 300 iterations",
    "--dataset mnist": "benchmark: 6,000 MNIST images, 15 epochs (and MNIST files CI does not have)",
    "--device aer_noisy --mitigation zne,readout": "mitigation benchmark: ZNE x readout on noisy Aer, ~2 min",
    "--device aer_noisy --max-qubits 5 --optimizer spsa --maxiter 100": "100 SPSA steps on noisy Aer, ~1 min",
}
#: substring -> extra arguments appended (a cheaper run of the same command line)
DRY_RUN = ("bench run benchmarks/sweeps/",)


def doc_commands() -> list[tuple[str, str]]:
    """``(source file, command)`` for every qopt command line in a fenced block, deduplicated."""
    seen, out = set(), []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S):
            lines = block.split("\n")
            i = 0
            while i < len(lines):
                line = lines[i]
                while line.rstrip().endswith("\\") and i + 1 < len(lines):
                    i += 1
                    line = line.rstrip()[:-1] + " " + lines[i].strip()
                i += 1
                line = re.sub(r"^\s*(\$ )?(\.venv/bin/)?", "", line)
                if not line.startswith("qopt "):
                    continue
                for part in line.split("&&"):
                    cmd = shlex.join(shlex.split(part, comments=True))
                    if cmd.startswith("qopt ") and cmd not in seen:
                        seen.add(cmd)
                        out.append((path.name, cmd))
    return out


COMMANDS = doc_commands()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("docs")
    for name in ("hardware_configs", "benchmarks"):
        (ws / name).symlink_to(REPO / name)
    ring = "4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n"
    (ws / "ring.rud").write_text(ring)
    (ws / "path" / "to").mkdir(parents=True)
    (ws / "path" / "to" / "file.rud").write_text(ring)
    (ws / "CONFIG.yaml").write_text("instances: [mknap1-1]\nsolvers: [exact, {name: sa, num_reads: 5}]\n"
                                    "seeds: [0, 1]\n")
    # the report/export commands read quick.sqlite: a small real store instead of the full sweep
    _qopt(["bench", "run", "CONFIG.yaml", "--store", "quick.sqlite"], ws)
    return ws


def _qopt(args, cwd):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "QOPT_NB_SIZE": "small"}
    env.pop("QISKIT_IBM_TOKEN", None)
    proc = subprocess.run([sys.executable, "-m", "qopt", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, f"qopt {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc


def test_the_docs_show_commands():
    assert len(COMMANDS) >= 20
    assert any("quick.yaml" in c for _, c in COMMANDS)


@pytest.mark.slow
@pytest.mark.parametrize("source, command", COMMANDS, ids=[f"{s}:{c[5:60]}" for s, c in COMMANDS])
def test_doc_command_runs(workspace, source, command):
    reason = next((why for key, why in SKIP.items() if key in command), None)
    if reason:
        pytest.skip(reason)
    args = shlex.split(command)[1:]
    if any(key in command for key in DRY_RUN):
        args.append("--dry-run")
    proc = _qopt(args, workspace)
    if "--output json" in command and "-o -" not in command:
        import json

        json.loads(proc.stdout)  # stdout is exactly one JSON object
