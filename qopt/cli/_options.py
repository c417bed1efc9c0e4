"""Helpers shared by the sub-commands."""

from __future__ import annotations

import json
import sys


def emit_json(data) -> None:
    """Write ``data`` as one JSON document (NaN/inf as null; :func:`qopt.result.clean_json`) to stdout."""
    from qopt.result import clean_json

    sys.stdout.write(json.dumps(clean_json(data)) + "\n")
    sys.stdout.flush()
