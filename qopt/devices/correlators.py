"""Runners for circuits read as many Pauli correlators (PCE's brickwork ansatz).

A correlator runner evaluates, for a parameter vector of the brickwork ansatz
(:func:`qopt.devices.circuits.brickwork_gates`) on ``n`` qubits, the ``m`` expectations
``<Pi_i> = <prod_{q in mask_i} P_{basis_i}(q)>`` as a torch tensor of shape ``(m,)``, with
``basis_i`` in ``0, 1, 2`` (X, Y, Z) and ``mask_i`` a bit mask of qubits (qubit q = bit ``n-1-q``).

* :class:`ExactCorrelators`: qopt's torch state vector (:mod:`qopt.devices.exact.brickwork`), every
  correlator of a basis from one state; differentiable by autograd when exact, and with ``shots``
  it reads each basis from ``shots`` samples, as hardware does (then not differentiable);
* :class:`PennyLaneCorrelators`: one QNode returning all correlators on any PennyLane device
  (lightning, Aer with or without noise, IBM); gradients by the device's diff method.

:func:`qopt.devices.factory.make_correlator_runner` picks one from the device config.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ExactCorrelators", "PennyLaneCorrelators"]

_BASES = ("x", "y", "z")


class ExactCorrelators:
    """Correlators from qopt's exact torch state vector.

    Args:
        n, layers: qubits and brickwork depth.
        basis, mask: int arrays of shape (m,): Pauli family (0=X, 1=Y, 2=Z) and qubit mask of each
            correlator.
        shots: None for exact expectations; else each basis is estimated from ``shots`` samples.
    """

    def __init__(self, n: int, layers: int, basis, mask, *, shots: int | None = None):
        from qopt.devices.exact.brickwork import import_torch

        torch = import_torch()
        self.n, self.layers = int(n), int(layers)
        self.basis, self.mask = np.asarray(basis), np.asarray(mask)
        self.m = len(self.basis)
        self.shots = None if shots is None else int(shots)
        self._sel = [(_BASES[b], torch.as_tensor(np.nonzero(self.basis == b)[0]),
                      torch.as_tensor(self.mask[self.basis == b])) for b in range(3) if np.any(self.basis == b)]

    @property
    def differentiable(self) -> bool:
        """True when :meth:`expectations` has autograd gradients (no shots)."""
        return self.shots is None

    def expectations(self, params, rng: np.random.Generator | None = None):
        """Correlator expectations, float64 torch tensor of shape (m,).

        Args:
            params: real torch tensor of the brickwork parameters.
            rng: the sampling stream (needed when ``shots`` is set).
        """
        from qopt.devices.exact.brickwork import brickwork_state, import_torch, pauli_parities

        torch = import_torch()
        state = brickwork_state(params, self.n, self.layers)
        par = pauli_parities(state, self.n, bases=[basis for basis, _, _ in self._sel])
        out = torch.zeros(self.m, dtype=torch.float64)
        for basis, idx, masks in self._sel:
            values = par[basis]
            if self.shots is not None:
                values = self._sampled_parities(values, rng)
            out = out.index_put((idx,), values[masks])
        return out

    def _sampled_parities(self, exact_parities, rng):
        """Replace exact parities by estimates from ``shots`` samples of the basis distribution."""
        from qopt.devices.exact.brickwork import import_torch, walsh_hadamard

        if rng is None:
            from qopt.errors import ConfigError

            raise ConfigError("correlators read from shots need an rng (numpy Generator)")
        torch = import_torch()
        # the unnormalised Walsh-Hadamard transform is its own inverse up to 2**n: parities -> probabilities
        probs = np.clip(walsh_hadamard(exact_parities.detach(), self.n).numpy() / 2**self.n, 0, None)
        probs /= probs.sum()
        counts = rng.multinomial(self.shots, probs) / self.shots
        return walsh_hadamard(torch.as_tensor(counts), self.n)


class PennyLaneCorrelators:
    """Correlators from one PennyLane QNode on the device of ``config``.

    Args:
        config: a :class:`~qopt.devices.DeviceConfig` (not ``exact``: that is :class:`ExactCorrelators`).
        n, layers, basis, mask: as for :class:`ExactCorrelators`.
        shots: shots per evaluation (None: analytic where the device allows).
        seed: simulator seed (int or None).
    """

    #: The device's diff method (adjoint, backprop or parameter-shift) always gives gradients.
    differentiable = True

    def __init__(self, config, n: int, layers: int, basis, mask, *, shots: int | None = None,
                 seed: int | None = None):
        import pennylane as qml

        from qopt.devices import with_shots
        from qopt.devices.circuits import brickwork_gates, to_pennylane

        self.n, self.layers = int(n), int(layers)
        self.m = len(basis)
        self.shots = None if shots is None else int(shots)
        dev = config.pennylane_device(list(range(self.n)), shots=shots, seed=seed)
        pauli = {0: qml.PauliX, 1: qml.PauliY, 2: qml.PauliZ}
        observables = []
        for b, msk in zip(basis, mask):
            qs = [q for q in range(self.n) if (int(msk) >> (self.n - 1 - q)) & 1]
            ops = [pauli[int(b)](q) for q in qs]
            observables.append(qml.prod(*ops) if len(ops) > 1 else ops[0])

        @qml.qnode(dev, interface="torch", diff_method=config.resolved_diff_method(None, shots))
        def circuit(params):
            to_pennylane(brickwork_gates(params, self.n, self.layers))
            return [qml.expval(o) for o in observables]

        self._circuit = with_shots(circuit, shots)

    def expectations(self, params, rng: np.random.Generator | None = None):
        """Correlator expectations, float64 torch tensor of shape (m,) (``rng`` unused: the device
        seeds its own sampling)."""
        import torch

        return torch.stack(list(self._circuit(params))).to(torch.float64)
