"""The runner of PennyLane devices (``lightning.qubit``, ``default.qubit``, noiseless ``qiskit.aer``).

QNodes of one parametrised circuit: the gate list ``circuit(x)``
(:mod:`qopt.devices.circuits`) is queued with :func:`~qopt.devices.circuits.to_pennylane`; the
observable is the scaled cost Hamiltonian ``sum h Z + sum J ZZ + const`` (one qubit-wise
commuting group, so one circuit per evaluation). Circuit executions are counted with
``qml.Tracker``.
"""

from __future__ import annotations

import numpy as np

from qopt.devices.runner import Runner

__all__ = ["PennyLaneRunner"]


class PennyLaneRunner(Runner):
    """One circuit as PennyLane QNodes.

    Args:
        cost: the :class:`~qopt.devices.circuits.Cost`; its ``device`` attribute (or ``config``)
            is the :class:`~qopt.devices.DeviceConfig`.
        circuit: callable ``x -> gate list``.
        diff_method: the QNode's gradient method.
        shots: shots per evaluation (None = analytic).
        seed: simulator seed (int or None).
        config: the :class:`~qopt.devices.DeviceConfig` (default ``cost.device``).
    """

    def __init__(self, cost, circuit, *, diff_method: str, shots: int | None, seed: int | None, config=None):
        import pennylane as qml

        from qopt.devices import with_shots
        from qopt.devices.circuits import to_pennylane

        super().__init__(cost, circuit)
        config = config if config is not None else cost.device
        self.shots = shots
        self.diff_method = diff_method
        n = self.n
        h, J, const = cost.ising()
        s = cost.scale
        coeffs = [const / s]
        ops = [qml.Identity(0)]
        for q in range(n):
            if h[q] != 0:
                coeffs.append(h[q] / s)
                ops.append(qml.PauliZ(q))
        for (q, r), b in J.items():
            if b != 0:
                coeffs.append(b / s)
                ops.append(qml.PauliZ(q) @ qml.PauliZ(r))
        self.hamiltonian = qml.Hamiltonian(coeffs, ops, grouping_type="qwc")
        self.device = config.pennylane_device(n, shots=shots, seed=seed)
        self.tracker = qml.Tracker(self.device)
        self._executions = 0
        wires = list(range(n))
        H = self.hamiltonian

        def expval(x):
            to_pennylane(circuit(x))
            return qml.expval(H)

        def probs(x):
            to_pennylane(circuit(x))
            return qml.probs(wires=wires)

        def samples(x):
            to_pennylane(circuit(x))
            return qml.sample(wires=wires)

        self._expval = with_shots(qml.QNode(expval, self.device, diff_method=diff_method,
                                            interface="autograd"), shots)
        # value-only QNode: with the autograd interface an adjoint QNode also computes derivatives
        self._value = with_shots(qml.QNode(expval, self.device, diff_method=None), shots)
        self._probs = qml.QNode(probs, self.device, diff_method=None)
        self._samples = qml.QNode(samples, self.device, diff_method=None)
        self._grad = qml.grad(self._expval)

    def value(self, x) -> float:
        """``<C>`` (scaled units); estimated from ``shots`` samples if shots is set."""
        from pennylane import numpy as pnp

        return float(self._tracked(self._value, pnp.array(x, requires_grad=False)))

    def value_and_grad(self, x):
        """(``<C>``, gradient of shape (k,)) by the QNode's ``diff_method``."""
        from pennylane import numpy as pnp

        g = self._tracked(self._grad, pnp.array(np.asarray(x, dtype=np.float64), requires_grad=True))
        return float(self._grad.forward), np.asarray(g, dtype=np.float64)

    def probabilities(self, x) -> np.ndarray:
        """Exact output distribution, shape (2**n,) (analytic devices only)."""
        return np.asarray(self._tracked(self._probs, np.asarray(x, dtype=np.float64)), dtype=np.float64)

    def sample(self, x, shots: int) -> np.ndarray:
        """``shots`` measured bitstrings, shape (shots, n) uint8."""
        from qopt.devices import with_shots

        out = self._tracked(with_shots(self._samples, int(shots)), np.asarray(x, dtype=np.float64))
        return np.asarray(out, dtype=np.uint8).reshape(int(shots), -1)

    @property
    def executions(self) -> int:
        """Circuit executions so far (gradient circuits included), from ``qml.Tracker``."""
        return self._executions

    def _tracked(self, fn, *args):
        with self.tracker:  # entering a Tracker resets its totals, so accumulate here
            out = fn(*args)
        self._executions += int(self.tracker.totals.get("executions", 0))
        return out
