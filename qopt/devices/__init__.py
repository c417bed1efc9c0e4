"""Devices: the execution layer. YAML configs -> DeviceConfig -> a runner for a circuit.

* :func:`load_device` / :class:`DeviceConfig` (:mod:`qopt.devices.config`): validated device configs
  from the bundled ``hardware_configs/*.yaml`` (package data) or any YAML path;
* :mod:`qopt.devices.circuits`: gate lists, their PennyLane/Qiskit renderings, the ansatz
  descriptions (``QAOACircuit``, ``HEACircuit``) and the ``Cost`` they are measured against;
* :mod:`qopt.devices.runner`: the runner protocol (expectation + gradient, CVaR, samples, final
  readout), written once; :mod:`qopt.devices.exact_runner`, :mod:`qopt.devices.pennylane_runner`,
  :mod:`qopt.devices.qiskit_runner`: one runner per kind of device; :mod:`qopt.devices.correlators`:
  the runners that read PCE's many Pauli correlators (exact torch state vector, PennyLane);
* :mod:`qopt.devices.factory`: :func:`~qopt.devices.factory.make_runner`,
  :func:`~qopt.devices.factory.make_correlator_runner` and the execution options, the only code
  that reads the device kind;
* :func:`with_shots`: set the shots of a QNode (PennyLane moved shots from devices to QNodes);
* :mod:`qopt.devices.exact`: qopt's fast exact state-vector simulator (functional API).

Importing this package is light (no PennyLane/Qiskit until a device is built).
"""

from __future__ import annotations

from qopt.devices.config import DeviceConfig, config_dir, load_device

__all__ = ["DeviceConfig", "load_device", "config_dir", "with_shots"]


def with_shots(qnode, shots: int | None):
    """``qnode`` evaluated with ``shots`` shots (None = analytic), via ``qml.set_shots``."""
    import pennylane as qml

    return qml.set_shots(qnode, shots=shots)
