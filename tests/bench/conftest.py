"""Shared helpers for the benchmark-harness tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def write_yaml(tmp_path):
    """Write a YAML text (dedented) to a file in tmp_path and return its path."""

    def _write(text: str, name: str = "sweep.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return _write
