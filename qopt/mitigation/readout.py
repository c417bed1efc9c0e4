"""Readout-error mitigation with a tensored (per-qubit) confusion model.

Calibration: two circuits on the measured physical qubits, all-|0> and all-|1> (``x`` on each),
give per qubit ``e0 = P(read 1 | 0)`` and ``e1 = P(read 0 | 1)``. With independent errors the
measured spin ``z' = 1 - 2 b'`` satisfies ``E[z'_q] = a_q + c_q z_q`` with ``a_q = e1 - e0``,
``c_q = 1 - e0 - e1``, so the one- and two-body moments of the Ising cost are recovered exactly by

    <z_q>      = (<z'_q> - a_q) / c_q
    <z_q z_r>  = (<z'_q z'_r> - a_q a_r - a_q c_r <z_r> - c_q a_r <z_q>) / (c_q c_r)

which equals applying the inverse of the tensored confusion matrix (Mitiq's
``generate_tensored_inverse_confusion_matrix`` + ``mitigate_measurements``) to the distribution
and then taking the moments, at O(n^2) cost instead of O(4^n). The map is affine in the measured
moments, so it composes with ZNE and with parameter-shift gradients (calibration shared per job).
"""

from __future__ import annotations

import numpy as np

__all__ = ["calibration_circuits", "readout_errors", "correct_moments", "confusion_matrices", "ReadoutCalibration"]


def calibration_circuits(num_physical: int, physical: list[int]):
    """(all-zeros, all-ones) circuits measuring physical qubit ``physical[q]`` into clbit q."""
    from qiskit import ClassicalRegister, QuantumCircuit

    out = []
    for flip in (False, True):
        qc = QuantumCircuit(num_physical)
        creg = ClassicalRegister(len(physical), "meas")
        qc.add_register(creg)
        if flip:
            for p in physical:
                qc.x(p)
        for q, p in enumerate(physical):
            qc.measure(p, creg[q])
        qc.name = f"readout_cal_{int(flip)}"
        out.append(qc)
    return out


def readout_errors(bits0: np.ndarray, bits1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-qubit ``(e0, e1)``, each shape (n,), from the calibration shots (shots, n) of the
    all-zeros and all-ones circuits."""
    e0 = np.asarray(bits0, dtype=np.float64).mean(axis=0)
    e1 = 1.0 - np.asarray(bits1, dtype=np.float64).mean(axis=0)
    return e0, e1


def confusion_matrices(e0: np.ndarray, e1: np.ndarray) -> list[np.ndarray]:
    """Per-qubit 2x2 confusion matrices ``M[measured, true]`` (Mitiq's convention)."""
    return [np.array([[1 - a, b], [a, 1 - b]]) for a, b in zip(e0, e1)]


def correct_moments(z: np.ndarray, zz: np.ndarray, e0: np.ndarray, e1: np.ndarray):
    """Readout-corrected moments.

    Args:
        z: shape (..., n), measured ``<z'_q>``.
        zz: shape (..., n, n), measured ``<z'_q z'_r>``.
        e0, e1: shape (n,), readout error probabilities.

    Returns:
        (z, zz) corrected, same shapes.
    """
    a = np.asarray(e1) - np.asarray(e0)
    c = 1.0 - np.asarray(e0) - np.asarray(e1)
    c = np.where(np.abs(c) < 1e-3, 1e-3, c)  # a useless readout would divide by ~0
    zt = (z - a) / c
    zzt = (zz - a[:, None] * a[None, :] - a[:, None] * c[None, :] * zt[..., None, :]
           - c[:, None] * a[None, :] * zt[..., :, None]) / (c[:, None] * c[None, :])
    return zt, zzt


class ReadoutCalibration:
    """The calibration a runner adds to each job (see ``QiskitRunner.run_batch``): the two
    :func:`calibration_circuits` on the measured physical qubits, and the moment correction from their
    shots. The confusion model is re-estimated in every job, so it follows the device's drift."""

    def circuits(self, num_physical: int, physical: list[int]) -> list:
        """The (all-zeros, all-ones) calibration circuits."""
        return calibration_circuits(num_physical, physical)

    def correct(self, z: np.ndarray, zz: np.ndarray, outputs) -> tuple[np.ndarray, np.ndarray]:
        """``(z, zz)`` corrected with the error rates of ``outputs`` = the calibration circuits' shots,
        each of shape (1, shots, n)."""
        return correct_moments(z, zz, *readout_errors(outputs[0][0], outputs[1][0]))
