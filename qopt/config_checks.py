"""Validation of the option mappings in device files (and solver calls), as plain functions.

Whoever loads a device config (``qopt.devices.config``) calls these; each raises one
:class:`~qopt.errors.ConfigError` naming the file, the key and what is allowed. A mapping a
native library would silently ignore (an unknown optimizer option) or misread (``rhobeg: .nan``,
``confirm_above_shots: .nan``) is refused instead of accepted with a warning.
"""

from __future__ import annotations

import math
import numbers

from qopt.errors import ConfigError

__all__ = ["OPTIMIZER_OPTIONS", "check_optimizer_options", "check_finite_number"]

#: Options each optimizer takes in ``optimizer_options`` (scipy's, PennyLane's, qopt's SPSA).
OPTIMIZER_OPTIONS: dict[str, dict[str, str]] = {
    "cobyla": {"rhobeg": "positive", "tol": "positive", "catol": "positive", "maxiter": "count",
               "disp": "bool", "f_target": "number"},
    "nelder-mead": {"xatol": "positive", "fatol": "positive", "adaptive": "bool", "tol": "positive",
                    "maxiter": "count", "maxfev": "count", "disp": "bool"},
    "l-bfgs-b": {"maxcor": "count", "ftol": "positive", "gtol": "positive", "eps": "positive", "tol": "positive",
                 "maxfun": "count", "maxls": "count", "maxiter": "count", "disp": "bool"},
    "adam": {"stepsize": "positive", "beta1": "unit", "beta2": "unit", "eps": "positive", "maxiter": "count"},
    "gd": {"stepsize": "positive", "maxiter": "count"},
    "spsa": {"a": "positive", "c": "positive", "A": "nonnegative", "alpha": "positive", "gamma": "positive",
             "resamplings": "count", "target_step": "positive", "maxiter": "count"},
}


def _where(source: str | None, key: str) -> str:
    return f"{source}: {key}" if source else key


def check_finite_number(value, key: str, source: str | None = None, *, kind: str = "number"):
    """``value`` if it is a real number of the given ``kind``, else a ConfigError.

    ``kind``: ``number`` (finite), ``positive`` (> 0), ``nonnegative`` (>= 0), ``unit`` ([0, 1)),
    ``count`` (integer >= 1), ``bool``.
    """
    where = _where(source, key)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{where} must be a number, got {value!r}")
    if not math.isfinite(float(value)):
        raise ConfigError(f"{where} must be a finite number, got {value!r}")
    if kind == "count" and (value != int(value) or value < 1):
        raise ConfigError(f"{where} must be a positive integer, got {value!r}")
    if kind == "positive" and not value > 0:
        raise ConfigError(f"{where} must be > 0, got {value!r}")
    if kind == "nonnegative" and not value >= 0:
        raise ConfigError(f"{where} must be >= 0, got {value!r}")
    if kind == "unit" and not 0 <= value < 1:
        raise ConfigError(f"{where} must be in [0, 1), got {value!r}")
    return value


def check_optimizer_options(options, optimizer: str | None = None, source: str | None = None) -> dict:
    """Validate ``optimizer_options`` for ``optimizer`` (None: any of :data:`OPTIMIZER_OPTIONS`).

    Unknown keys and NaN/inf/negative values are errors naming the key.

    Examples:
        >>> check_optimizer_options({"rhobeg": 0.3}, "cobyla")
        {'rhobeg': 0.3}
    """
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise ConfigError(f"{_where(source, 'optimizer_options')} must be a mapping, got {options!r}")
    if optimizer is not None and optimizer in OPTIMIZER_OPTIONS:
        allowed = OPTIMIZER_OPTIONS[optimizer]
        owner = f"optimizer {optimizer}"
    else:
        allowed = {}
        for table in OPTIMIZER_OPTIONS.values():
            for k, kind in table.items():
                allowed.setdefault(k, kind)
        owner = "any optimizer"
    for key, value in options.items():
        if key not in allowed:
            raise ConfigError(f"{_where(source, 'optimizer_options')}: unknown option {key!r} for {owner}; "
                              f"allowed: {', '.join(sorted(allowed))}")
        check_finite_number(value, f"optimizer_options.{key}", source, kind=allowed[key])
    return options
