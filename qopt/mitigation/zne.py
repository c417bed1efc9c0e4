"""Zero-noise extrapolation: Mitiq unitary folding of (ISA) Qiskit circuits and Mitiq factories.

Folding ``G -> G (G^dag G)^k`` scales the noise by ``lambda = 1 + 2k`` (global: the whole circuit,
plus a partial tail for non-odd lambda; local: gates chosen at random, seeded; all: every gate).
Extrapolation fits ``E(lambda)`` and returns ``E(0)``. Richardson, linear and polynomial fits
are *linear* in the measured values, ``E(0) = sum_i w_i E(lambda_i)`` with fixed weights, so a
mitigated gradient is the same combination of gradients (parameter-shift applies to each
folded circuit); the exponential fit is not, and :func:`extrapolation_partials` gives its local
partial derivatives for the chain rule.

Reference: T. Giurgica-Tiron et al., *Digital zero noise extrapolation for quantum error
mitigation*, IEEE QCE 2020, arXiv:2005.10921; Mitiq (LaRose et al., Quantum 6, 774 (2022)).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qopt.errors import ConfigError

__all__ = ["fold", "extrapolate", "extrapolation_partials", "linear_weights"]


def fold(circuit, scale_factor: float, *, method: str = "global", seed: int | None = None):
    """A Mitiq-folded copy of a bound Qiskit circuit (measurements kept, barriers dropped).

    Args:
        circuit: a ``qiskit.QuantumCircuit`` without unbound parameters.
        scale_factor: lambda >= 1.
        method: "global", "local" (gates at random, ``seed``) or "all".
        seed: seed of local folding.

    Returns:
        The folded ``QuantumCircuit`` on the same qubits (gates such as ``sxdg`` may leave the
        backend's basis: translate with :func:`qopt.mitigation.transform.to_isa`).
    """
    from mitiq.zne.scaling import fold_all, fold_gates_at_random, fold_global

    if scale_factor < 1:
        raise ConfigError(f"scale_factor must be >= 1, got {scale_factor!r}")
    if method == "global":
        return fold_global(circuit, float(scale_factor))
    if method == "local":
        return fold_gates_at_random(circuit, float(scale_factor), seed=seed)
    if method == "all":
        return fold_all(circuit, float(scale_factor))
    raise ConfigError(f"folding must be one of global, local, all; got {method!r}")


def _factory_fn(factory: str, order: int):
    from mitiq.zne.inference import ExpFactory, LinearFactory, PolyFactory, RichardsonFactory

    if factory == "richardson":
        return lambda s, v: RichardsonFactory.extrapolate(s, v)
    if factory == "linear":
        return lambda s, v: LinearFactory.extrapolate(s, v)
    if factory == "poly":
        return lambda s, v: PolyFactory.extrapolate(s, v, order)
    if factory == "exp":
        return lambda s, v: ExpFactory.extrapolate(s, v, asymptote=None, avoid_log=False)
    raise ConfigError(f"factory must be one of richardson, linear, poly, exp; got {factory!r}")


def extrapolate(scale_factors: Sequence[float], values: Sequence[float], *, factory: str = "richardson",
                order: int = 2) -> float:
    """Zero-noise limit of ``values`` measured at ``scale_factors`` (Mitiq's static extrapolators).

    Examples:
        >>> round(extrapolate([1, 2, 3], [0.9 - 0.1 * l + 0.01 * l * l for l in (1, 2, 3)]), 6)
        0.9
    """
    s = [float(x) for x in scale_factors]
    v = [float(x) for x in values]
    if len(s) != len(v):
        raise ValueError(f"{len(s)} scale factors but {len(v)} values")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(_factory_fn(factory, order)(s, v))


def linear_weights(scale_factors: Sequence[float], *, factory: str = "richardson", order: int = 2) -> np.ndarray:
    """Weights ``w`` with ``E(0) = w . E(lambda)`` for the linear factories (richardson, linear, poly).

    Examples:
        >>> linear_weights([1, 2, 3]).round(6).tolist()
        [3.0, -3.0, 1.0]
    """
    if factory == "exp":
        raise ConfigError("the exponential factory is not linear in the measured values; use "
                          "extrapolation_partials")
    k = len(scale_factors)
    return np.array([extrapolate(scale_factors, np.eye(k)[i], factory=factory, order=order) for i in range(k)])


def extrapolation_partials(scale_factors: Sequence[float], values: Sequence[float], *, factory: str = "richardson",
                           order: int = 2, step: float = 1e-6) -> np.ndarray:
    """``d E(0) / d E(lambda_i)`` at ``values``: the fixed weights for linear factories, central
    differences of the fit for ``exp`` (the chain rule for mitigated gradients)."""
    if factory != "exp":
        return linear_weights(scale_factors, factory=factory, order=order)
    v = np.asarray(values, dtype=np.float64)
    out = np.zeros(v.size)
    for i in range(v.size):
        e = np.zeros(v.size)
        e[i] = step
        out[i] = (extrapolate(scale_factors, v + e, factory=factory) -
                  extrapolate(scale_factors, v - e, factory=factory)) / (2 * step)
    return out
