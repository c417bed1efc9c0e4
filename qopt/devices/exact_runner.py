"""The runner of qopt's exact simulator (:mod:`qopt.devices.exact`).

Runs the two ansatz families qopt's fused kernels know: :class:`~qopt.devices.circuits.QAOACircuit`
(X, warm-start and XY mixers, multi-angle) and :class:`~qopt.devices.circuits.HEACircuit`.
Expectations, CVaR and their gradients are exact (adjoint method; the CVaR gradient through
:func:`qopt.devices.exact.cvar_weights`); ``sample`` draws from the exact distribution with
the runner's Generator.
"""

from __future__ import annotations

import numpy as np

from qopt._random import as_generator
from qopt.devices.circuits import HEACircuit, QAOACircuit, xy_initial_state
from qopt.devices.runner import Runner
from qopt.errors import ConfigError

__all__ = ["ExactRunner"]

#: Up to this width the numpy reference kernels beat the numba ones for the HEA (whose CNOT-ladder
#: kernel has a ~40 ms floor per call) and the XY mixer (~0.1 s floor per forward pass); measured
#: on this machine 2026-11-26, n = 6..14.
_NUMPY_MAX_QUBITS = 14


class ExactRunner(Runner):
    """A QAOA or HEA circuit on the exact simulator (``shots`` only matter for :meth:`sample`).

    Args:
        cost: the :class:`~qopt.devices.circuits.Cost`.
        circuit: a :class:`QAOACircuit` or :class:`HEACircuit`.
        seed: int or Generator for sampling.
    """

    exact_state = True
    cvar_gradient = True

    def __init__(self, cost, circuit, *, seed=None):
        super().__init__(cost, circuit)
        self.E = np.ascontiguousarray(cost.energies() / cost.scale)
        self.rng = as_generator(seed)
        self._executions = 0
        if isinstance(circuit, QAOACircuit):
            initial = None
            if circuit.mixer == "warm":
                initial = circuit.warm_c
            elif circuit.mixer == "xy":
                initial = xy_initial_state(circuit.initial_bits, circuit.groups)
            backend = "numpy" if circuit.mixer == "xy" and self.n <= _NUMPY_MAX_QUBITS else "auto"
            self._kw = {"mixer": circuit.mixer, "initial": initial, "groups": circuit.groups, "backend": backend}
        elif isinstance(circuit, HEACircuit):
            self._shape = (circuit.depth + 1, circuit.n)
            self._backend = "numpy" if self.n <= _NUMPY_MAX_QUBITS else "auto"
        else:
            raise ConfigError(f"the exact device runs QAOA and hardware-efficient circuits; got {type(circuit).__name__}"
                              " (use a PennyLane device, e.g. --device lightning)")

    @property
    def executions(self) -> int:
        return self._executions

    def state(self, x) -> np.ndarray:
        """The final state, shape (2**n,) complex128."""
        from qopt.devices import exact

        self._executions += 1
        x = np.asarray(x, dtype=np.float64)
        if isinstance(self.circuit, QAOACircuit):
            g, b = self.circuit.angles(x)
            return exact.qaoa_state(self.E, g, b, **self._kw)
        return exact.hea_state(x.reshape(self._shape), self.n, backend=self._backend)

    def probabilities(self, x) -> np.ndarray:
        from qopt.devices import exact

        return exact.probabilities(self.state(x))

    def value(self, x) -> float:
        from qopt.devices import exact

        if isinstance(self.circuit, QAOACircuit):
            self._executions += 1
            g, b = self.circuit.angles(np.asarray(x, dtype=np.float64))
            return float(exact.qaoa_value(self.E, g, b, **self._kw))
        return float(np.dot(self.probabilities(x), self.E))

    def cvar(self, x, alpha: float) -> float:
        from qopt.devices import exact

        return float(exact.cvar(self.E, self.probabilities(x), alpha))

    def _value_and_grad(self, x, diag):
        from qopt.devices import exact

        self._executions += 1
        x = np.asarray(x, dtype=np.float64)
        if isinstance(self.circuit, QAOACircuit):
            g, b = self.circuit.angles(x)
            v, dg, db = exact.qaoa_value_and_grad(self.E, g, b, diag=diag, **self._kw)
            return float(v), np.concatenate([np.ravel(dg), np.ravel(db)])
        v, grad = exact.hea_value_and_grad(self.E if diag is None else diag, x.reshape(self._shape),
                                           backend=self._backend)
        return float(v), np.ravel(grad)

    def value_and_grad(self, x):
        return self._value_and_grad(x, None)

    def objective_and_grad(self, x, alpha: float = 1.0):
        if alpha >= 1.0:
            return self.value_and_grad(x)
        from qopt.devices import exact

        return self._value_and_grad(x, exact.cvar_weights(self.E, self.probabilities(x), alpha))

    def sample(self, x, shots: int) -> np.ndarray:
        from qopt.devices import exact

        idx = exact.sample_indices(self.state(x), int(shots), self.rng)
        return exact.index_to_bits(idx, self.n)
