"""Devices: YAML configs -> DeviceConfig -> simulators (qopt.devices.exact) and PennyLane/Qiskit devices."""
