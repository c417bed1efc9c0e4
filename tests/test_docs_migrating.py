"""Every Python block of docs/migrating-from-qiskit-optimization.md runs, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("qiskit_optimization")
pytest.importorskip("docplex")

DOC = Path(__file__).resolve().parents[1] / "docs" / "migrating-from-qiskit-optimization.md"


def _blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)


def test_the_guide_has_its_snippets():
    assert len(_blocks()) >= 10


@pytest.mark.filterwarnings("ignore")
def test_every_snippet_of_the_migration_guide_runs():
    namespace: dict = {"__name__": "migrating_guide"}
    for k, block in enumerate(_blocks()):
        try:
            exec(compile(block, f"{DOC.name}[block {k}]", "exec"), namespace)  # noqa: S102
        except Exception as err:  # report which block failed
            raise AssertionError(f"block {k} of {DOC.name} failed: {err!r}\n{block}") from err
