"""Element-wise simulator kernels against NumPy: expectations, diagonal products, the XY rotation,
the cost-diagonal row builder, serial and threaded paths alike."""

import numpy as np
import pytest

pytest.importorskip("numba")

from qopt.devices.exact import _elementwise as ew  # noqa: E402


@pytest.fixture
def state():
    rng = np.random.default_rng(0)
    psi = rng.normal(size=1 << 10) + 1j * rng.normal(size=1 << 10)
    psi /= np.linalg.norm(psi)
    return psi, rng.normal(size=psi.size)


def test_expectation_and_diagonal_product_match_numpy(state):
    psi, diag = state
    st = np.stack([psi.real, psi.imag])
    expected = float(np.sum(np.abs(psi) ** 2 * diag))
    assert ew._expect_rng(st[0], st[1], diag, 0, psi.size) == pytest.approx(expected)
    assert ew._expect_par(st[0], st[1], diag, 4) == pytest.approx(expected)
    assert ew._expect_c_par(psi, diag, 3) == pytest.approx(expected)
    out = np.empty_like(st)
    ew._mul_diag_par(st[0], st[1], diag, out[0], out[1], 4)
    np.testing.assert_allclose(out[0] + 1j * out[1], diag * psi)


def test_xy_rotation_is_the_two_qubit_givens_rotation(state):
    psi, _ = state
    n, j, k, theta = 10, 2, 7, 0.37
    st = np.stack([psi.real.copy(), psi.imag.copy()])
    ew._xy_par(st[0], st[1], psi.size // 4, 2, n - 1 - j, n - 1 - k, np.cos(theta), np.sin(theta))
    # reference: exp(-i theta (XX + YY) / 2) on qubits j, k (qubit q = bit n-1-q) mixes |01> and |10>
    ref = psi.reshape([2] * n).copy()
    a = np.moveaxis(ref, (j, k), (0, 1)).copy()
    a01, a10 = a[0, 1].copy(), a[1, 0].copy()
    a[0, 1] = np.cos(theta) * a01 - 1j * np.sin(theta) * a10
    a[1, 0] = np.cos(theta) * a10 - 1j * np.sin(theta) * a01
    ref = np.moveaxis(a, (0, 1), (j, k)).reshape(-1)
    np.testing.assert_allclose(st[0] + 1j * st[1], ref, atol=1e-12)


def test_energy_rows_builds_the_diagonal_from_its_split():
    rng = np.random.default_rng(1)
    nh, nl = 3, 4
    e_h, e_l, c = rng.normal(size=1 << nh), rng.normal(size=1 << nl), rng.normal(size=(1 << nh, nl))
    got = ew.energy_rows(e_h, e_l, c, nl)
    lows = np.arange(1 << nl)
    bits = (lows[:, None] >> (nl - 1 - np.arange(nl))[None, :]) & 1  # bit k = qubit nl-1-k of L
    expected = (e_h[:, None] + e_l[None, :] + c @ bits.T).reshape(-1)
    np.testing.assert_allclose(got, expected)
