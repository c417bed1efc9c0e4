"""Readout correction equals Mitiq's tensored inverse confusion matrix on the moments."""

import numpy as np
import pytest

from qopt.mitigation.readout import confusion_matrices, correct_moments, readout_errors


def _moments(p, n):
    idx = np.arange(p.size)
    Z = 1.0 - 2.0 * ((idx[:, None] >> np.arange(n)[None, :]) & 1)
    return p @ Z, np.einsum("s,sq,sr->qr", p, Z, Z)


def test_exact_inversion_matches_mitiq_tensored_matrix():
    mitiq_rem = pytest.importorskip("mitiq.rem")
    rng = np.random.default_rng(4)
    n = 3
    p_true = rng.dirichlet(np.ones(1 << n))
    e0, e1 = rng.uniform(0.01, 0.08, n), rng.uniform(0.02, 0.1, n)
    # measured distribution: apply per-qubit confusion (index bit q = qubit q)
    full = np.ones((1, 1))
    for M in confusion_matrices(e0, e1)[::-1]:
        full = np.kron(full, M)
    p_meas = full @ p_true
    z, zz = correct_moments(*_moments(p_meas, n), e0, e1)
    zt, zzt = _moments(p_true, n)
    assert np.allclose(z, zt) and np.allclose(zz[np.triu_indices(n, 1)], zzt[np.triu_indices(n, 1)])
    # Mitiq's inverse confusion matrix gives the same corrected distribution
    inv = mitiq_rem.generate_tensored_inverse_confusion_matrix(n, confusion_matrices(e0, e1)[::-1])
    assert np.allclose(inv @ p_meas, p_true)


def test_readout_errors_from_calibration_shots():
    b0 = np.array([[0, 1], [0, 0], [1, 0], [0, 0]])
    b1 = np.array([[1, 1], [1, 0], [1, 1], [1, 1]])
    e0, e1 = readout_errors(b0, b1)
    assert e0.tolist() == [0.25, 0.25] and e1.tolist() == [0.0, 0.25]
