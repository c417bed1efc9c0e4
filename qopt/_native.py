"""Keep native libraries' prints off stdout (private).

HiGHS and dwave-samplers write diagnostics with C ``printf`` (for example
``HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();``), which Python's
``sys.stdout`` redirection cannot catch. The CLI promises that stdout holds exactly one JSON
object, so :func:`native_stdout_off` points file descriptor 1 elsewhere around native calls:
to stderr when the ``qopt`` logger shows INFO (``-v``), else to ``/dev/null``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading

__all__ = ["native_stdout_off"]

_lock = threading.Lock()
_depth = 0


@contextlib.contextmanager
def native_stdout_off():
    """Context manager: fd 1 goes to stderr (verbose) or /dev/null inside, and is restored after.

    Re-entrant and thread-safe (the redirect is process-wide; nested uses share it). A no-op when
    fd 1 cannot be duplicated (no real stdout, e.g. some notebook kernels)."""
    global _depth
    with _lock:
        outer = _depth == 0
        _depth += 1
    saved = None
    try:
        if outer:
            try:
                for stream in (sys.stdout, sys.__stdout__):
                    if stream is not None:
                        stream.flush()
                saved = os.dup(1)
                verbose = logging.getLogger("qopt").getEffectiveLevel() <= logging.INFO
                if verbose:
                    os.dup2(2, 1)
                else:
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, 1)
                    os.close(devnull)
            except (OSError, ValueError, AttributeError):
                saved = None
        yield
    finally:
        if saved is not None:
            with contextlib.suppress(OSError):
                os.dup2(saved, 1)
            os.close(saved)
        with _lock:
            _depth -= 1
