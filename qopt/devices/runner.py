"""The runner protocol: how a solver executes a parametrised circuit, on any device.

A runner holds one circuit (a :class:`~qopt.devices.circuits.QAOACircuit`,
:class:`~qopt.devices.circuits.HEACircuit` or any callable ``x -> gate list``) and the
:class:`~qopt.devices.circuits.Cost` it is measured against, and offers

* ``value(x)`` / ``value_and_grad(x)``: ``<C>`` (scaled units) and its gradient, shape (len(x),);
* ``objective(x, alpha)`` / ``objective_and_grad(x, alpha)``: ``<C>`` for ``alpha = 1``, else
  ``CVaR_alpha(C)`` (:meth:`Runner.cvar`);
* ``sample(x, shots)``: measured bitstrings, shape (shots, n) uint8; ``probabilities(x)``: the
  output distribution, shape (2**n,), where the device has one;
* ``final_samples(x, shots=..., readout=..., top_k=...)``: the final readout;
* ``executions`` (circuit executions so far), ``info()`` (a run record) and ``close()``.

:class:`Runner` implements ``objective``, ``cvar`` and ``final_samples`` ONCE for every
runner; subclasses supply ``value``, ``value_and_grad``, ``sample`` and ``probabilities``.
Shots rule: a runner whose ``shots`` is set estimates from that many samples; ``shots=None``
means exact expectations and distributions. The final readout always measures ``shots``
bitstrings (``readout="shots"``) unless ``readout="top-k"`` asks for the ``top_k`` most
probable basis states of the exact distribution.

:func:`make_runner` (:mod:`qopt.devices.factory`) is the one place that reads the device kind.
"""

from __future__ import annotations

import numpy as np

from qopt.errors import ConfigError
from qopt.options import DEFAULT_SHOTS, READOUTS

__all__ = ["Runner", "READOUTS", "DEFAULT_SHOTS", "cvar_from_samples", "counts_of"]

# Final readout modes (``shots``: hardware-like measurements, the default; ``top-k``: the most probable
# states of an exact distribution, an explicit non-hardware option) and the default readout shots.


def cvar_from_samples(energies: np.ndarray, alpha: float) -> float:
    """CVaR_alpha of sampled energies (Barkoutsos et al. 2020): mean of the lowest alpha*K,
    counting the boundary sample fractionally."""
    e = np.sort(np.asarray(energies, dtype=np.float64))
    K = e.size
    m = alpha * K
    k = int(np.floor(m))
    total = e[:k].sum()
    if k < K and m > k:
        total += (m - k) * e[k]
    return float(total / m)


def counts_of(bits: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct bitstrings of ``bits`` (shape (shots, n)) and their counts, by basis-state index."""
    from qopt.devices import exact

    idx = exact.bits_to_index(np.asarray(bits, dtype=np.uint8).reshape(-1, n))
    uniq, counts = np.unique(idx, return_counts=True)
    return exact.index_to_bits(uniq, n), counts.astype(np.float64)


class Runner:
    """Base class of the runners (see the module docstring).

    Attributes:
        cost: the :class:`~qopt.devices.circuits.Cost`.
        circuit: callable ``x -> gate list`` (maybe a structured ansatz).
        shots: shots per objective evaluation; None = exact expectations.
        exact_state: True when the runner holds the noiseless final state exactly (qopt's exact
            simulator), so readout metrics can be computed from it.
        cvar_gradient: True when ``objective_and_grad`` works for ``alpha < 1``.
    """

    exact_state = False
    cvar_gradient = False
    shots: int | None = None

    def __init__(self, cost, circuit):
        self.cost = cost
        self.prep = cost  # older name (mitigation benchmarks, notebooks)
        self.circuit = circuit
        self.build = circuit
        self.n = cost.num_qubits

    # ------------------------------------------------------------------ supplied by subclasses
    def value(self, x) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def value_and_grad(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def sample(self, x, shots: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def probabilities(self, x) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def executions(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------------ written once
    def objective(self, x, alpha: float = 1.0) -> float:
        """``<C>`` (``alpha >= 1``) or ``CVaR_alpha(C)``, scaled units."""
        return self.value(x) if alpha >= 1.0 else self.cvar(x, alpha)

    def objective_and_grad(self, x, alpha: float = 1.0):
        """(objective, gradient of shape (len(x),))."""
        if alpha >= 1.0:
            return self.value_and_grad(x)
        raise ConfigError("the CVaR objective has no gradient on this device (it is estimated from samples); "
                          "use a gradient-free optimizer (cobyla, nelder-mead, spsa)")

    def cvar(self, x, alpha: float) -> float:
        """CVaR_alpha of ``C``: from ``self.shots`` samples, or exactly from the probabilities."""
        if self.shots is not None:
            return cvar_from_samples(self.cost.sample_energies(self.sample(x, self.shots)), alpha)
        from qopt.devices import exact

        p = self.probabilities(x)
        return exact.cvar(self.cost.energies() / self.cost.scale, p / p.sum(), alpha)

    def final_samples(self, x, *, shots: int, readout: str = "shots", top_k: int | None = None):
        """The final readout of the circuit at ``x``.

        Args:
            shots: measurements (``readout="shots"``).
            readout: ``"shots"`` or ``"top-k"`` (the ``top_k`` most probable basis states of the
                exact distribution, weighted by probability; needs an exact distribution).

        Returns:
            ``(bits (m, n) uint8, weights (m,), probabilities?)``: distinct bitstrings with their
            counts (``probabilities`` False) or probabilities (True).
        """
        if readout == "top-k":
            if top_k is None or int(top_k) < 1:
                raise ConfigError(f"readout 'top-k' needs top_k >= 1, got {top_k!r}")
            from qopt.devices import exact

            p = np.asarray(self.probabilities(x), dtype=np.float64)
            k = min(int(top_k), p.size)
            idx = np.lexsort((np.arange(p.size), -p))[:k]
            return exact.index_to_bits(idx, self.n), p[idx], True
        if readout != "shots":
            raise ConfigError(f"readout must be one of {', '.join(READOUTS)}, got {readout!r}")
        bits, counts = counts_of(self.sample(x, int(shots)), self.n)
        return bits, counts, False

    def info(self) -> dict:
        """Run record for ``Result.info`` (device-specific; empty by default)."""
        return {}

    def close(self) -> None:
        """Release device resources (sessions); a no-op by default."""
