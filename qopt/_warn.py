"""Warnings on the command line: one readable line each, after the command (private).

Python's default display prints the warning's source line (``return to_bqm(...)``), which
means nothing to a CLI user, and a warning before an error breaks the "exit 2 = exactly one
``qopt: error:`` line" contract. :func:`collect` records warnings while a command runs;
:func:`emit` prints each distinct one as ``qopt: warning: <message> (<Category>)`` when the
command succeeded and ``-q`` was not given.
"""

from __future__ import annotations

import contextlib
import sys
import warnings

__all__ = ["collect", "emit", "one_line"]


def one_line(w: warnings.WarningMessage) -> str:
    """``qopt: warning: message (Category)`` with the message's first line only."""
    text = str(w.message).strip().splitlines()[0] if str(w.message).strip() else ""
    return f"qopt: warning: {text} ({w.category.__name__})"


@contextlib.contextmanager
def collect():
    """Record every warning raised inside (the list is yielded)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
        yield caught


def emit(caught, *, quiet: bool, stream=None, limit: int = 10) -> None:
    """Print the distinct warnings of ``caught`` (at most ``limit``), unless ``quiet``."""
    if quiet or not caught:
        return
    stream = stream or sys.stderr
    lines = list(dict.fromkeys(one_line(w) for w in caught))
    for line in lines[:limit]:
        stream.write(line + "\n")
    if len(lines) > limit:
        stream.write(f"qopt: warning: {len(lines) - limit} more distinct warnings (run with -v to see them)\n")
    stream.flush()
