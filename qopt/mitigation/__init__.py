"""Error mitigation for Qiskit circuits with Mitiq (lazy: importing this package loads no Mitiq/Qiskit).

* :mod:`qopt.mitigation.config`: the ``mitigation:`` block / ``--mitigation`` -> :class:`MitigationConfig`;
* :mod:`qopt.mitigation.zne`: unitary folding (global, local/random, all) and extrapolation factories
  (Richardson, linear, polynomial, exponential) with their weights/partials for gradients;
* :mod:`qopt.mitigation.transform`: Mitiq transformations of parametrised ISA circuits (layout kept);
* :mod:`qopt.mitigation.readout`: tensored confusion-matrix readout correction;
* :mod:`qopt.mitigation.cdr`: Clifford data regression;
* :mod:`qopt.mitigation.pec`: probabilistic error cancellation (depolarising representations from the
  backend's gate errors, sampled with Mitiq).

* :mod:`qopt.mitigation.runner`: :func:`~qopt.mitigation.runner.mitigate` wraps a runner (as Mitiq wraps
  an executor) so every expectation value and gradient the optimiser sees is mitigated; the device
  factory (:func:`qopt.devices.factory.make_runner`) applies it to the Qiskit runner. Final readouts
  stay raw measured shots.

This package never imports :mod:`qopt.devices`: it drives a runner through its methods.
"""

from __future__ import annotations

from qopt.mitigation.config import (
    DDD_RULES,
    FACTORIES,
    FOLDINGS,
    TECHNIQUES,
    CDROptions,
    MitigationConfig,
    PECOptions,
    ZNEOptions,
    parse_mitigation,
)

__all__ = ["MitigationConfig", "ZNEOptions", "CDROptions", "PECOptions", "parse_mitigation", "TECHNIQUES", "FACTORIES",
           "FOLDINGS", "DDD_RULES"]
