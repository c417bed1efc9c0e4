"""Exceptions and warnings raised by qopt.

Every qopt error subclasses :class:`QoptError` and the built-in exception that
describes its kind, so ``except ValueError`` keeps working for callers that do
not know qopt. The CLI turns any :class:`QoptError` into one clear line on
stderr and exit code 2.
"""

from __future__ import annotations

__all__ = [
    "QoptError",
    "InstanceFormatError",
    "UnknownInstanceError",
    "InfeasibleModelError",
    "UnsupportedModelError",
    "ConfigError",
    "MissingDependencyError",
    "SolverError",
    "ShrinkBudgetError",
    "DeviceCapacityError",
    "MitigationError",
    "ResourceLimitError",
    "ArgumentTypeError",
    "PenaltyWarning",
    "ConvergenceWarning",
]


class QoptError(Exception):
    """Base class of every error qopt raises on purpose."""


class InstanceFormatError(QoptError, ValueError):
    """An instance or solution file is malformed, or its format is unknown.

    The message names the file, the format, and (where known) the line.
    """


class UnknownInstanceError(QoptError, LookupError):
    """A name is neither an existing file nor an entry of the bundled catalogue."""


class InfeasibleModelError(QoptError, ValueError):
    """The model's data admit no feasible solution, or are invalid (NaN, bad shapes)."""


class UnsupportedModelError(QoptError, TypeError):
    """An object handed to :func:`qopt.solve` / :func:`qopt.as_problem` is of a type qopt cannot
    read; the message names the type and lists the supported ones."""


class ConfigError(QoptError, ValueError):
    """A configuration file or option has an unknown key or a bad value."""


class MissingDependencyError(QoptError, ImportError):
    """An optional dependency (an ``extra``) is needed but not installed."""


class SolverError(QoptError, RuntimeError):
    """A solver failed in a way the caller can act on (bad option, time limit with no solution)."""


class ShrinkBudgetError(QoptError, ValueError):
    """A qubit budget for graph shrinking cannot be met (too small for the problem's structure,
    or every remaining merge is vetoed by a constraint). The message names the budget and the
    smallest reachable count."""


class DeviceCapacityError(QoptError, ValueError):
    """A circuit is wider than the device allows; raised before any work starts. The message names
    the device, its limit and the width needed."""


class MitigationError(QoptError, RuntimeError):
    """An error-mitigation technique cannot produce a trustworthy value on this circuit (for
    example, every Clifford data regression training circuit has the same ideal value, so the fit
    carries no information). The message names the technique and the option to change."""


class PenaltyWarning(UserWarning):
    """A penalty weight was capped or looks too small to keep optima feasible."""


class ConvergenceWarning(UserWarning):
    """An optimizer stopped before its convergence criterion was met."""


class ResourceLimitError(QoptError, ValueError):
    """A request needs more memory, time or size than the machine or a physical limit allows;
    raised from its sizes before anything is allocated. The message names the quantity, the
    estimate and the limit."""


class ArgumentTypeError(QoptError, TypeError):
    """A Python API argument has the wrong type (``qopt.solve(42, "sa")``, ``qopt.read(None)``).
    The message names the argument, the accepted types and what arrived."""
