"""Hardware-efficient ansatz (RY layers + CNOT ladder) on the exact simulator.

Circuit for ``thetas`` of shape (depth + 1, n)::

    |psi> = R(theta_depth) L ... R(theta_1) L R(theta_0) |0...0>

where ``R(t) = prod_q RY(t_q)`` on qubit q, ``RY(t) = exp(-i t Y / 2)``
(PennyLane's ``qml.RY``), and ``L = CNOT(n-2, n-1) ... CNOT(1, 2) CNOT(0, 1)``
(the ladder applied from wire 0 downwards). Qubit q is wire q = bit n-1-q of
the basis-state index. Amplitudes stay real.
"""

from __future__ import annotations

import numpy as np

from qopt.devices.exact.diagonal import MAX_QUBITS

__all__ = ["hea_state", "hea_value_and_grad", "num_hea_parameters"]

_Y = np.array([[0, -1j], [1j, 0]], dtype=np.complex128)


def num_hea_parameters(n: int, depth: int) -> int:
    """Number of angles of the ansatz: (depth + 1) * n.

    Examples:
        >>> num_hea_parameters(4, 2)
        12
    """
    return (depth + 1) * n


def _check(thetas, n: int | None) -> np.ndarray:
    t = np.asarray(thetas, dtype=np.float64)
    if t.ndim == 1 and n is not None and t.size % n == 0 and t.size > 0:
        t = t.reshape(-1, n)
    if t.ndim != 2 or t.shape[0] < 1 or (n is not None and t.shape[1] != n):
        raise ValueError(f"thetas must have shape (depth + 1, n={n}), got {np.shape(thetas)}")
    if t.shape[1] > MAX_QUBITS:
        raise ValueError(f"{t.shape[1]} qubits exceed the exact simulator's limit of {MAX_QUBITS}")
    if not np.all(np.isfinite(t)):
        raise ValueError("thetas must be finite")
    return t


def _ry(t: np.ndarray) -> np.ndarray:
    c = np.cos(t / 2)[:, None, None]
    s = np.sin(t / 2)[:, None, None]
    return c * np.eye(2)[None] - 1j * s * _Y[None]


def _forward(t: np.ndarray, be) -> tuple[np.ndarray, np.ndarray]:
    """Run the ansatz; returns (backend state, a spare buffer of the same kind)."""
    depth1, n = t.shape
    psi = be.alloc(n)
    be.fill_basis0(psi)
    active = np.ones(n, dtype=bool)
    tmp = be.alloc(n)
    for d in range(depth1):
        if d > 0:
            be.ladder(psi, tmp, n, False)
            psi, tmp = tmp, psi
        be.gate_layer(psi, n, _ry(t[d]), active)
    return psi, tmp


def hea_state(thetas: np.ndarray, n: int, *, backend: str = "auto") -> np.ndarray:
    """The hardware-efficient-ansatz state.

    Args:
        thetas: shape (depth + 1, n) (or flat, length a multiple of n), radians.
        n: number of qubits.
        backend: "auto", "numba" or "numpy".

    Returns:
        shape (2**n,), complex128 with real amplitudes.

    Examples:
        >>> psi = hea_state(np.array([[np.pi, 0.0]]), 2)
        >>> int(np.argmax(abs(psi)))  # RY(pi)|0> = |1> on wire 0
        2
    """
    from qopt.devices.exact.qaoa import _backend

    t = _check(thetas, n)
    be = _backend(backend)
    return be.to_complex(_forward(t, be)[0])


def hea_value_and_grad(diag: np.ndarray, thetas: np.ndarray, *,
                       backend: str = "auto") -> tuple[float, np.ndarray]:
    """<psi|D|psi> and its gradient w.r.t. all angles (adjoint method).

    Args:
        diag: shape (2**n,), real diagonal observable (energies or CVaR weights).
        thetas: shape (depth + 1, n), radians.
        backend: "auto", "numba" or "numpy".

    Returns:
        (value, gradient with the shape of ``thetas`` as given).
    """
    from qopt.devices.exact.qaoa import _backend, _check_diag

    d = np.asarray(diag)
    if d.ndim != 1 or d.size < 2 or (d.size & (d.size - 1)):
        raise ValueError(f"diag must be a 1-D array of length 2**n, got shape {d.shape}")
    n = d.size.bit_length() - 1
    d = _check_diag(d, n, "diag")
    shape = np.shape(thetas)
    t = _check(thetas, n)
    be = _backend(backend)
    phi, tmp = _forward(t, be)
    lam = be.alloc(n)
    value = float(be.mul_diag(phi, d, lam))
    grad = np.zeros_like(t)
    gens = np.repeat(_Y[None], n, axis=0)
    active = np.ones(n, dtype=bool)
    for k in range(t.shape[0] - 1, -1, -1):
        us = _ry(t[k])
        grad[k] = 0.5 * be.gate_layer_backward(phi, lam, n, us, gens, active)
        if k > 0:
            be.ladder(phi, tmp, n, True)
            phi, tmp = tmp, phi
            be.ladder(lam, tmp, n, True)
            lam, tmp = tmp, lam
    return value, grad.reshape(shape)
