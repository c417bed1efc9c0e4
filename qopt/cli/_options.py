"""Helpers shared by the sub-commands."""

from __future__ import annotations

import json
import math
import sys


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def emit_json(data) -> None:
    """Write ``data`` as one JSON document (NaN/inf as null) to stdout."""
    sys.stdout.write(json.dumps(_clean(data)) + "\n")
    sys.stdout.flush()
