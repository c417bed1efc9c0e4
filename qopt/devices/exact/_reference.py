"""Pure-numpy reference kernels of the exact simulator (the fallback backend).

State: complex128 vector of shape (2**n,); qubit ``q`` is bit ``n - 1 - q`` of
the index, i.e. axis ``q`` of ``psi.reshape((2,) * n)``. All kernels work in
place. They are the ground truth the numba kernels are tested against.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "apply_phase",
    "apply_qubit_gate",
    "qubit_overlap",
    "apply_xy",
    "xy_overlap",
    "forward_layer",
    "backward_layer",
    "ladder_permutation",
    "ladder",
    "gate_layer",
    "gate_layer_backward",
]


def apply_phase(psi: np.ndarray, diag: np.ndarray, gamma: float) -> None:
    """psi *= exp(-i gamma diag), in place."""
    psi *= np.exp(-1j * gamma * diag)


def _qubit_view(psi: np.ndarray, n: int, q: int) -> tuple[np.ndarray, np.ndarray]:
    v = psi.reshape(1 << q, 2, 1 << (n - 1 - q))
    return v[:, 0, :], v[:, 1, :]


def apply_qubit_gate(psi: np.ndarray, n: int, q: int, u: np.ndarray) -> None:
    """Apply the 2x2 matrix ``u`` to qubit ``q`` of ``psi`` in place."""
    a, b = _qubit_view(psi, n, q)
    a0 = a.copy()
    a *= u[0, 0]
    a += u[0, 1] * b
    b *= u[1, 1]
    b += u[1, 0] * a0


def qubit_overlap(lam: np.ndarray, phi: np.ndarray, n: int, q: int, g: np.ndarray) -> complex:
    """<lam| G_q |phi> for a 2x2 matrix ``g`` acting on qubit ``q``."""
    la, lb = _qubit_view(lam, n, q)
    pa, pb = _qubit_view(phi, n, q)
    return complex(np.vdot(la, g[0, 0] * pa + g[0, 1] * pb) + np.vdot(lb, g[1, 0] * pa + g[1, 1] * pb))


def _pair_slices(n: int, j: int, k: int) -> tuple[tuple, tuple]:
    s01 = [slice(None)] * n
    s10 = [slice(None)] * n
    s01[j], s01[k] = 0, 1
    s10[j], s10[k] = 1, 0
    return tuple(s01), tuple(s10)


def apply_xy(psi: np.ndarray, n: int, j: int, k: int, beta: float) -> None:
    """exp(-i beta (X_j X_k + Y_j Y_k) / 2) in place: rotates |01> <-> |10> of (j, k)."""
    v = psi.reshape((2,) * n)
    s01, s10 = _pair_slices(n, j, k)
    x = v[s01].copy()
    y = v[s10].copy()
    c, s = np.cos(beta), np.sin(beta)
    v[s01] = c * x - 1j * s * y
    v[s10] = c * y - 1j * s * x


def xy_overlap(lam: np.ndarray, phi: np.ndarray, n: int, j: int, k: int) -> complex:
    """<lam| (X_j X_k + Y_j Y_k) / 2 |phi> (the generator swaps |01> and |10>)."""
    vl = lam.reshape((2,) * n)
    vp = phi.reshape((2,) * n)
    s01, s10 = _pair_slices(n, j, k)
    return complex(np.vdot(vl[s01], vp[s10]) + np.vdot(vl[s10], vp[s01]))


def gate_layer(psi: np.ndarray, n: int, us: np.ndarray, active: np.ndarray) -> None:
    """Apply ``us[q]`` (shape (n, 2, 2)) to every qubit q with ``active[q]``."""
    for q in range(n):
        if active[q]:
            apply_qubit_gate(psi, n, q, us[q])


def gate_layer_backward(phi: np.ndarray, lam: np.ndarray, n: int, us: np.ndarray,
                        gens: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Adjoint step through :func:`gate_layer` with U_q = exp(-i beta_q G_q).

    Returns d/dbeta_q = 2 Im <lam|G_q|phi>, shape (n,), and rewinds ``phi``
    and ``lam`` through the layer in place.
    """
    gq = np.zeros(n)
    for q in range(n):
        if active[q]:
            gq[q] = 2.0 * qubit_overlap(lam, phi, n, q, gens[q]).imag
            ud = us[q].conj().T
            apply_qubit_gate(phi, n, q, ud)
            apply_qubit_gate(lam, n, q, ud)
    return gq


def forward_layer(psi: np.ndarray, n: int, diag: np.ndarray, gamma: float,
                  us: np.ndarray, active: np.ndarray) -> None:
    """One QAOA layer without XY pairs: phase, then ``us[q]`` on each active qubit."""
    apply_phase(psi, diag, gamma)
    gate_layer(psi, n, us, active)


def backward_layer(phi: np.ndarray, lam: np.ndarray, n: int, diag: np.ndarray, gamma: float,
                   us: np.ndarray, gens: np.ndarray, active: np.ndarray) -> tuple[float, np.ndarray]:
    """Adjoint step through :func:`forward_layer`.

    ``phi`` is the state after the layer, ``lam`` the back-propagated
    observable state; both are rewound through the layer in place.

    Returns:
        (d/dgamma, d/dbeta_q of shape (n,)) for U_q = exp(-i beta_q G_q):
        2 Im <lam|diag|phi> and 2 Im <lam|G_q|phi>.
    """
    gq = gate_layer_backward(phi, lam, n, us, gens, active)
    gg = 2.0 * float(np.vdot(lam, diag * phi).imag)
    apply_phase(phi, diag, -gamma)
    apply_phase(lam, diag, -gamma)
    return gg, gq


def ladder_permutation(n: int) -> np.ndarray:
    """Index map of the CNOT ladder CNOT(0,1) CNOT(1,2) ... CNOT(n-2,n-1).

    Qubit k ends as the XOR of qubits 0..k (prefix XOR from the most
    significant bit), i.e. the inverse Gray code: ``new[perm[x]] = old[x]``.

    Returns:
        shape (2**n,), int64.
    """
    y = np.arange(1 << n, dtype=np.int64)
    shift = 1
    while shift < n:
        y ^= y >> shift
        shift <<= 1
    return y


_PERMS: dict[int, np.ndarray] = {}


def ladder(src: np.ndarray, dst: np.ndarray, n: int, inverse: bool) -> None:
    """dst = L src (or L^dagger src) for the CNOT ladder of :func:`ladder_permutation`."""
    perm = _PERMS.get(n)
    if perm is None:
        perm = _PERMS[n] = ladder_permutation(n)
    if inverse:
        np.take(src, perm, out=dst)
    else:
        dst[perm] = src
