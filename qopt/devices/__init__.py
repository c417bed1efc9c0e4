"""Devices: YAML configs -> DeviceConfig -> simulators (qopt.devices.exact) and PennyLane/Qiskit devices.

* :func:`load_device` / :class:`DeviceConfig` (:mod:`qopt.devices.config`): validated device configs
  from ``hardware_configs/*.yaml``;
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
