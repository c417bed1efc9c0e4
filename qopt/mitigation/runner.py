"""Error mitigation wrapped around a runner, the way Mitiq wraps an executor.

:func:`mitigate` takes a runner with batched raw execution (the Qiskit runner,
:class:`qopt.devices.qiskit_runner.QiskitRunner`) and returns a :class:`MitigatedRunner` with the same
runner interface whose ``value`` and ``value_and_grad`` are mitigated:

* **readout**: a :class:`~qopt.mitigation.readout.ReadoutCalibration` rides in every job (two
  calibration circuits); the measured moments are corrected before energies are formed;
* **ZNE**: one circuit *variant* per scale factor, folded once per gate structure (Mitiq folding on
  the parametrised ISA circuit, :mod:`qopt.mitigation.transform`); all scale factors run in one job
  and are extrapolated. The mitigated gradient is ``sum_i (dE0/dE_i) grad E_i`` (fixed weights for
  linear factories), with ``grad E_i`` from parameter shift on each folded variant;
* **DDD**: a transformation composed into every variant;
* **CDR**: the circuit and its near-Clifford training circuits in one job; ideal training values by
  state vector; linear fit (no gradient);
* **PEC**: circuits sampled from the quasi-probability representation, in one job; signed estimate
  (no gradient).

Samples, probabilities, CVaR and the final readout stay the wrapped runner's and are NOT mitigated:
they are what the device measured. This module uses the wrapped runner through its methods only
(``run_batch``, ``run_circuits``, ``bound_circuit``, ``energy_of_probabilities``, ``offset``,
``target``, ``seed_transpiler``, ``shots`` and the runner protocol); it imports nothing from
:mod:`qopt.devices`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qopt.errors import ConfigError
from qopt.mitigation.config import MitigationConfig, parse_mitigation

__all__ = ["MitigatedRunner", "mitigate"]


def mitigate(runner, spec: Any, *, base: Any = None, source: str | None = None):
    """``runner`` wrapped in the mitigation ``spec`` asks for, or ``runner`` itself when it asks for none.

    Args:
        runner: a runner with batched raw execution (see the module docstring).
        spec: a :class:`MitigationConfig`, or what :func:`~qopt.mitigation.config.parse_mitigation`
            reads ("zne", "zne,readout", a mapping, None/"none").
        base: the device's ``mitigation:`` block, whose options fill in a technique ``spec`` names
            without options.
        source: where ``spec`` came from, for error messages.

    Raises:
        ConfigError: an unknown technique or option, or readout mitigation without shots.
    """
    config = spec if isinstance(spec, MitigationConfig) else parse_mitigation(spec, base=base, source=source)
    if config is None or not config.techniques:
        return runner
    return MitigatedRunner(runner, config)


class MitigatedRunner:
    """A runner whose expectation values (and their gradients) are error-mitigated.

    Args:
        runner: the wrapped runner (its attributes not overridden here, such as ``backend``,
            ``config`` or ``journal``, are read through).
        mitigation: the techniques and their options.

    Attributes:
        runner: the wrapped runner.
        mitigation: the :class:`MitigationConfig`.
        scales: ZNE noise scale factors, or ``(1.0,)``.
        variants: the circuit variant ``(key, fn)`` of each scale factor, in ``scales`` order.
        pec_gamma: the PEC sampling norm of the last evaluation (None before one).
    """

    def __init__(self, runner, mitigation: MitigationConfig):
        if mitigation.readout and runner.shots is None:
            raise ConfigError("readout mitigation corrects sampled shots; it needs shots (not exact "
                              "expectations)")
        self.runner = runner
        self.mitigation = mitigation
        self.scales = tuple(float(s) for s in mitigation.zne.scale_factors) if mitigation.zne else (1.0,)
        self.variants = tuple(self._variant(lam) for lam in self.scales)
        if mitigation.readout:
            from qopt.mitigation.readout import ReadoutCalibration

            self.calibration = ReadoutCalibration()
        else:
            self.calibration = None
        pec = mitigation.pec
        self._pec_rng = np.random.RandomState(pec.seed) if pec else None  # one sampling stream per run
        self.pec_gamma: float | None = None

    def __getattr__(self, name: str):
        if name == "runner":  # not yet set (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.runner, name)

    def _variant(self, lam: float):
        """``(key, fn)`` of the circuit folded to noise scale ``lam`` (with DDD, when on)."""
        zne, rule = self.mitigation.zne, self.mitigation.ddd
        if lam == 1.0 and not rule:
            return None, None
        runner = self.runner

        def transform(circuit):
            from qopt.mitigation.transform import insert_ddd
            from qopt.mitigation.zne import fold

            if lam != 1.0:
                circuit = fold(circuit, lam, method=zne.folding, seed=zne.seed)
            return insert_ddd(circuit, rule) if rule else circuit

        def fn(isa):
            from qopt.mitigation.transform import parametric_transform, to_isa

            return to_isa(parametric_transform(isa, transform, seed=runner.seed_transpiler or 0), runner.target)

        key = ("mitigation", lam, zne.folding if zne else None, zne.seed if zne else None, rule)
        return key, fn

    def _extrapolate(self, values):
        """(zero-noise value, d value / d values of shape (len(scales),))."""
        zne = self.mitigation.zne
        if zne is None:
            return float(values[0]), np.ones(1)
        from qopt.mitigation.zne import extrapolate, extrapolation_partials

        return (extrapolate(zne.scale_factors, values, factory=zne.factory, order=zne.order),
                extrapolation_partials(zne.scale_factors, values, factory=zne.factory, order=zne.order))

    # ------------------------------------------------------------------ mitigated values
    def value(self, x) -> float:
        """Mitigated ``<C>`` (scaled units) of the circuit at ``x``: one job."""
        if self.mitigation.cdr:
            return self._cdr_value(x)
        if self.mitigation.pec:
            return self._pec_value(x)
        values, _ = self.runner.run_batch(x, variants=self.variants, calibration=self.calibration)
        return self._extrapolate(values)[0]

    def value_and_grad(self, x):
        """(mitigated ``<C>``, its gradient of shape (len(x),)): one job."""
        if self.mitigation.cdr:
            raise ConfigError("CDR has no parameter-shift gradient (its fit changes with the angles); use a "
                              "gradient-free optimizer (cobyla, nelder-mead, spsa) with cdr")
        if self.mitigation.pec:
            raise ConfigError("PEC has no parameter-shift gradient here (its circuits are sampled per "
                              "evaluation); use a gradient-free optimizer (cobyla, nelder-mead, spsa) with pec")
        values, grads = self.runner.run_batch(x, variants=self.variants, gradient=True,
                                              calibration=self.calibration)
        value, partials = self._extrapolate(values)
        return value, np.asarray(partials, dtype=np.float64) @ grads

    def noisy_values(self, x) -> dict:
        """Unextrapolated value per scale factor (diagnostics): ``{"scales": [...], "values": [...]}``."""
        values, _ = self.runner.run_batch(x, variants=self.variants, calibration=self.calibration)
        return {"scales": list(self.scales), "values": [float(v) for v in values]}

    def ideal_value(self, circuit) -> float:
        """Noiseless ``<C>`` of a bound measured ISA circuit (state vector on its measured qubits)."""
        from qopt.mitigation.cdr import ideal_probabilities

        return self.runner.energy_of_probabilities(ideal_probabilities(circuit))

    def _cdr_value(self, x) -> float:
        from qopt.mitigation.cdr import cdr_fit, training_circuits

        opts = self.mitigation.cdr
        bound = self.runner.bound_circuit(x)
        train = training_circuits(bound, opts, self.runner.target)
        energies = self.runner.run_circuits(x, [bound] + train, kind=["objective"] + ["cdr"] * len(train),
                                            calibration=self.calibration)
        ideal = [self.ideal_value(c) for c in train]
        return cdr_fit(list(energies[1:]), ideal, float(energies[0]),
                       fraction_non_clifford=opts.fraction_non_clifford)

    def _pec_value(self, x) -> float:
        from qopt.mitigation.pec import pec_estimate, sample_circuits

        opts = self.mitigation.pec
        circuits, signs, gamma = sample_circuits(self.runner.bound_circuit(x), self.runner.target,
                                                 num_samples=opts.num_samples, rng=self._pec_rng,
                                                 noise_scale=opts.noise_scale)
        self.pec_gamma = gamma
        values = self.runner.run_circuits(x, circuits, kind="pec", calibration=self.calibration)
        return pec_estimate(list(values), signs, gamma, offset=self.runner.offset)

    # ------------------------------------------------------------------ the runner protocol
    def objective(self, x, alpha: float = 1.0) -> float:
        """Mitigated ``<C>`` (``alpha >= 1``), or the CVaR of the wrapped runner's (unmitigated) samples."""
        return self.value(x) if alpha >= 1.0 else self.runner.cvar(x, alpha)

    def objective_and_grad(self, x, alpha: float = 1.0):
        """(objective, gradient); CVaR has none off the exact simulator (the wrapped runner says why)."""
        return self.value_and_grad(x) if alpha >= 1.0 else self.runner.objective_and_grad(x, alpha)

    def cvar(self, x, alpha: float) -> float:
        return self.runner.cvar(x, alpha)

    def sample(self, x, shots: int) -> np.ndarray:
        return self.runner.sample(x, shots)

    def probabilities(self, x) -> np.ndarray:
        return self.runner.probabilities(x)

    def final_samples(self, x, *, shots: int, readout: str = "shots", top_k: int | None = None):
        """The wrapped runner's final readout: measured shots, unmitigated."""
        return self.runner.final_samples(x, shots=shots, readout=readout, top_k=top_k)

    @property
    def executions(self) -> int:
        return self.runner.executions

    def info(self) -> dict:
        """The wrapped runner's run record, with the mitigation applied (and PEC's sampling norm)."""
        return {**self.runner.info(), "mitigation": self.mitigation.to_dict(),
                **({"pec_gamma": self.pec_gamma} if self.pec_gamma is not None else {})}

    def close(self) -> None:
        self.runner.close()
