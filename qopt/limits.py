"""Bounds on what one request may ask of the machine (shared by readers, solvers and the CLI).

A tiny input can announce a huge model (a 17-byte rudy file with n = 10,000,000, ``labs:100000``,
``--shots 1000000000000``). qopt estimates what such a request needs from its sizes *before*
allocating and refuses what cannot fit with one :class:`~qopt.errors.ResourceLimitError` line.

The memory budget is the smaller of ``QOPT_MAX_MEMORY`` (bytes, or with a K/M/G suffix), the
process's address-space limit (``RLIMIT_AS``) and 80 % of the machine's physical memory.

Numeric options are bounded by what is physically meaningful (no device runs 10^12 shots per
circuit; no QAOA with 10^7 layers fits a NISQ coherence time); :func:`check_int` enforces them
with a message that names the option.
"""

from __future__ import annotations

import math
import os

from qopt.errors import ConfigError, ResourceLimitError

__all__ = [
    "MAX_ABS_COEFFICIENT", "MAX_DECOMPRESSED_BYTES", "MAX_VARIABLES", "MAX_LABS_N", "MAX_LAYERS",
    "MAX_SHOTS", "MAX_SEED", "MAX_NUM_READS", "MAX_MAXITER", "MAX_QUBITS", "MAX_PATH_LENGTH",
    "check_int", "check_seed", "check_memory", "check_time", "check_coefficients", "memory_budget",
    "time_budget", "human_bytes", "check_solver_options",
]

#: Largest |coefficient| accepted in a model. Products of two coefficients (penalties square
#: constraint rows) and sums over millions of terms stay finite in float64 below this.
MAX_ABS_COEFFICIENT = 1e100
#: Largest text an instance file may hold (after decompression): 64 MiB is ~100x the largest
#: bundled instance; tokenising it takes up to ~30 bytes per text byte.
MAX_DECOMPRESSED_BYTES = 64 * 2**20
#: Largest variable / vertex count a file may declare.
MAX_VARIABLES = 1_000_000
#: LABS builds ~N^3/3 quartic terms in Python: N = 256 takes a few seconds.
MAX_LABS_N = 256
#: QAOA layers: far beyond any circuit depth a device or simulator can run usefully.
MAX_LAYERS = 1_000
#: Shots per circuit: IBM Runtime caps a job at 10^7 circuit executions.
MAX_SHOTS = 10_000_000
#: Seeds are stored as signed 64-bit integers (numpy, SQLite).
MAX_SEED = 2**63 - 1
#: sa/tabu independent runs.
MAX_NUM_READS = 1_000_000
#: Optimizer iterations.
MAX_MAXITER = 1_000_000
#: Qubits any solver may ask for (statevector beyond ~34 qubits needs > 256 GiB).
MAX_QUBITS = 10_000
#: A longer path cannot name a file on Linux (PATH_MAX).
MAX_PATH_LENGTH = 4096


def human_bytes(n: float) -> str:
    """``1.5 GiB``-style size."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def _parse_bytes(text: str) -> int:
    text = text.strip().upper().rstrip("B").rstrip("I")
    factor = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}.get(text[-1:], 1)
    if factor > 1:
        text = text[:-1]
    try:
        value = float(text) * factor
    except ValueError:
        raise ConfigError(f"QOPT_MAX_MEMORY must be a size such as 2G or 1500M, got {text!r}") from None
    if not value > 0:
        raise ConfigError(f"QOPT_MAX_MEMORY must be positive, got {text!r}")
    return int(value)


def memory_budget() -> int:
    """Bytes one request may allocate (see the module docstring)."""
    budget = math.inf
    env = os.environ.get("QOPT_MAX_MEMORY")
    if env:
        budget = _parse_bytes(env)
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft not in (resource.RLIM_INFINITY, -1) and soft > 0:
            budget = min(budget, soft - _current_vm())
    except (ImportError, OSError, ValueError):  # pragma: no cover - non-POSIX
        pass
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        budget = min(budget, 0.8 * total)
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        pass
    return int(budget) if math.isfinite(budget) else 2**40


def _current_vm() -> int:
    """Virtual memory the process already uses (RLIMIT_AS counts it), 0 if unknown."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def check_memory(nbytes: float, what: str, hint: str = "") -> None:
    """Refuse a request estimated to need ``nbytes`` bytes when it exceeds :func:`memory_budget`.

    Raises:
        ResourceLimitError: the message names ``what``, the estimate and the budget.
    """
    budget = memory_budget()
    if nbytes > budget:
        tail = f"; {hint}" if hint else ""
        raise ResourceLimitError(f"{what} needs about {human_bytes(nbytes)} of memory, more than the "
                                 f"{human_bytes(budget)} available (set QOPT_MAX_MEMORY to change){tail}")


def check_int(name: str, value, *, minimum: int = 1, maximum: int | None = None, why: str = "") -> int:
    """``value`` as an int in ``[minimum, maximum]``, else a :class:`ConfigError` naming ``name``.

    Accepts Python and numpy integers and integral floats; refuses bools, NaN and strings.
    """
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        from qopt.errors import ArgumentTypeError

        raise ArgumentTypeError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, float) and not (math.isfinite(value) and value == int(value)):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    ivalue = int(value)
    if ivalue < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {ivalue}")
    if maximum is not None and ivalue > maximum:
        tail = f" ({why})" if why else ""
        raise ResourceLimitError(f"{name} = {ivalue:,} is beyond the limit {maximum:,}{tail}")
    return ivalue


def check_seed(seed, name: str = "seed"):
    """``seed`` unchanged if it is None or an int in ``[0, 2**63 - 1]``; else a ConfigError."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int) and not hasattr(seed, "__index__"):
        raise ConfigError(f"{name} must be an integer, got {seed!r}")
    seed = int(seed)
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"{name} must be an integer in 0..2**63-1, got {seed}")
    return seed


def check_coefficients(values, what: str) -> float:
    """The largest |value| of an array-like of model coefficients, checked finite and within
    :data:`MAX_ABS_COEFFICIENT`.

    Raises:
        InfeasibleModelError: a NaN/inf coefficient or one too large for float64 arithmetic.
    """
    import numpy as np

    from qopt.errors import InfeasibleModelError

    arr = np.asarray(values, dtype=float).reshape(-1)
    if arr.size == 0:
        return 0.0
    with np.errstate(all="ignore"):
        big = float(np.max(np.abs(arr)))
    if not math.isfinite(big):
        raise InfeasibleModelError(f"{what}: a coefficient is not finite (NaN or overflow to infinity); "
                                   f"coefficients must stay within +-{MAX_ABS_COEFFICIENT:g}")
    if big > MAX_ABS_COEFFICIENT:
        raise InfeasibleModelError(f"{what}: coefficient magnitude {big:g} exceeds {MAX_ABS_COEFFICIENT:g}; "
                                   "float64 sums and products of such values overflow (rescale the data)")
    return big


def time_budget() -> float:
    """Seconds one request may be estimated to take: ``QOPT_MAX_SECONDS`` (default 3600)."""
    env = os.environ.get("QOPT_MAX_SECONDS")
    if not env:
        return 3600.0
    try:
        value = float(env)
    except ValueError:
        raise ConfigError(f"QOPT_MAX_SECONDS must be a number of seconds, got {env!r}") from None
    if not value > 0:
        raise ConfigError(f"QOPT_MAX_SECONDS must be positive, got {env!r}")
    return value


def check_time(seconds: float, what: str, hint: str = "") -> None:
    """Refuse a request estimated to take longer than :func:`time_budget`.

    Raises:
        ResourceLimitError: the message names ``what``, the estimate and the budget.
    """
    budget = time_budget()
    if seconds > budget:
        tail = f"; {hint}" if hint else ""
        raise ResourceLimitError(f"{what} would take about {seconds:,.0f} s, more than the {budget:,.0f} s "
                                 f"allowed (set QOPT_MAX_SECONDS to change){tail}")


#: Solver option -> (largest value, why): bounds applied by :func:`check_solver_options`.
SOLVER_OPTION_LIMITS: dict[str, tuple[int, str]] = {
    "layers": (MAX_LAYERS, "deeper QAOA circuits exceed any device's coherence time"),
    "shots": (MAX_SHOTS, "IBM Runtime runs at most 10^7 shots per job; more gives no usable precision"),
    "num_reads": (MAX_NUM_READS, "independent sa/tabu runs"),
    "num_sweeps": (10**9, "sa sweeps per read"),
    "maxiter": (MAX_MAXITER, "optimizer iterations"),
    "qubits": (MAX_QUBITS, "qubits"),
    "max_qubits": (MAX_QUBITS, "qubits"),
    "k": (64, "PCE correlator order"),
    "top_k": (10**6, "states passed to decoding"),
}


def check_solver_options(options: dict, *, flags: dict | None = None) -> dict:
    """Check the integer solver options of ``options`` against :data:`SOLVER_OPTION_LIMITS`
    (and ``seed`` against 0..2**63-1) before any solver allocates; returns ``options``.

    Args:
        options: solver keyword arguments (``layers``, ``shots``, ``num_reads``...).
        flags: option name -> how to call it in messages (``{"layers": "--layers"}`` on the CLI).

    Raises:
        ConfigError / ResourceLimitError: the message names the option, the value and the limit.
    """
    flags = flags or {}
    for key, (limit, why) in SOLVER_OPTION_LIMITS.items():
        value = options.get(key)
        if value is None:
            continue
        check_int(flags.get(key, key), value, minimum=1, maximum=limit, why=why)
    if "seed" in options:
        check_seed(options["seed"], flags.get("seed", "seed"))
    for key in ("time_limit", "timeout_s"):
        value = options.get(key)
        if value is not None and not isinstance(value, bool) and isinstance(value, (int, float)):
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{flags.get(key, key)} must be a finite number of seconds > 0, got {value!r}")
    return options
