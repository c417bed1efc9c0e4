"""The brickwork ansatz as a differentiable torch state vector (PCE and QRAO on the exact device).

Conventions (same as :mod:`qopt.devices.exact`): qubit ``q`` is bit ``n-1-q`` of a
basis-state index (PennyLane wire order, wire 0 most significant); a state is a complex
torch tensor of shape ``(2**n,)``.

The brickwork ansatz (:func:`brickwork_state`) has, per layer ``l``:

1. on every qubit ``R_a(theta) R_b(theta')`` with axes cycling with ``l``
   (``(Z, X)``, ``(Y, Z)``, ``(X, Y)``), 2n parameters;
2. ``RXX(phi)`` on the pairs (0,1), (2,3), ...;
3. a second ``R_a R_b`` block on every qubit, 2n parameters;
4. ``RXX(phi)`` on the pairs (1,2), (3,4), ....

so ``num_parameters(n, layers) = layers * (4n + n - 1)``. Every correlator of the
three Pauli families is read from one state with three basis changes (:func:`pauli_parities`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["AXES", "num_parameters", "brickwork_state", "pauli_parities", "walsh_hadamard", "apply_1q",
           "product_state", "import_torch"]

#: Rotation axes (a, b) of layer ``l`` are ``AXES[l % 3]``.
AXES = (("z", "x"), ("y", "z"), ("x", "y"))


def import_torch():
    """Import torch or raise :class:`qopt.errors.MissingDependencyError`."""
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - torch is a core dependency here
        from qopt.errors import MissingDependencyError

        raise MissingDependencyError("the PCE/QRAO simulators need torch: pip install torch") from exc
    return torch


def num_parameters(n: int, layers: int) -> int:
    """Number of brickwork parameters for ``n`` qubits and ``layers`` layers: ``layers*(5n-1)``."""
    return int(layers) * (5 * int(n) - 1)


def apply_1q(state, q: int, n: int, gate):
    """Apply a 2x2 ``gate`` (torch complex tensor) to qubit ``q`` of ``state`` (shape (2**n,))."""
    torch = import_torch()
    psi = state.reshape(2**q, 2, 2 ** (n - q - 1))
    a0, a1 = psi[:, 0, :], psi[:, 1, :]
    out = torch.stack((gate[0, 0] * a0 + gate[0, 1] * a1, gate[1, 0] * a0 + gate[1, 1] * a1), dim=1)
    return out.reshape(-1)


def _rot(axis: str, theta):
    """Batched rotation matrices ``exp(-i theta P / 2)``, theta shape (n,) -> (n, 2, 2)."""
    torch = import_torch()
    c = torch.cos(theta / 2).to(torch.complex128)
    s = torch.sin(theta / 2).to(torch.complex128)
    z = torch.zeros_like(c)
    j = 1j
    if axis == "x":
        rows = ((c, -j * s), (-j * s, c))
    elif axis == "y":
        rows = ((c, -s), (s, c))
    else:
        rows = ((c - j * s, z), (z, c + j * s))
    return torch.stack([torch.stack(r, dim=-1) for r in rows], dim=-2)


def _apply_rxx(state, q: int, n: int, phi):
    """``RXX(phi) = cos(phi/2) I - i sin(phi/2) X_q X_{q+1}``."""
    torch = import_torch()
    psi = state.reshape(2**q, 2, 2, 2 ** (n - q - 2))
    flipped = torch.flip(psi, dims=(1, 2))
    return (torch.cos(phi / 2) * psi - 1j * torch.sin(phi / 2) * flipped).reshape(-1)


def brickwork_state(params, n: int, layers: int, initial=None):
    """State of the brickwork ansatz applied to ``|0...0>`` (or ``initial``).

    Args:
        params: real torch tensor of shape ``(num_parameters(n, layers),)``.
        n: qubits (>= 1).
        layers: ansatz depth.
        initial: optional complex torch state of shape (2**n,).

    Returns:
        complex128 torch tensor of shape (2**n,).
    """
    torch = import_torch()
    if params.shape != (num_parameters(n, layers),):
        raise ValueError(f"brickwork(n={n}, layers={layers}) needs {num_parameters(n, layers)} "
                         f"parameters, got shape {tuple(params.shape)}")
    if initial is None:
        state = torch.zeros(2**n, dtype=torch.complex128)
        state[0] = 1.0
    else:
        state = initial
    per = 5 * n - 1
    for layer in range(layers):
        p = params[layer * per:(layer + 1) * per]
        a, b = AXES[layer % 3]
        offs = 0
        for half in (0, 1):
            ga = _rot(a, p[offs:offs + n])
            gb = _rot(b, p[offs + n:offs + 2 * n])
            gates = gb @ ga
            for q in range(n):
                state = apply_1q(state, q, n, gates[q])
            offs += 2 * n
            for q in range(half, n - 1, 2):
                state = _apply_rxx(state, q, n, p[4 * n + q])
    return state


def walsh_hadamard(values, n: int):
    """Unnormalised Walsh-Hadamard transform: ``out[m] = sum_b values[b] (-1)^popcount(b & m)``.

    Works on real or complex torch tensors of shape (2**n,) and is differentiable.
    """
    torch = import_torch()
    v = values
    for q in range(n):
        psi = v.reshape(2**q, 2, 2 ** (n - q - 1))
        v = torch.stack((psi[:, 0, :] + psi[:, 1, :], psi[:, 0, :] - psi[:, 1, :]), dim=1).reshape(-1)
    return v


_H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
_SDG = np.array([[1, 0], [0, -1j]], dtype=complex)


def pauli_parities(state, n: int, bases=("x", "y", "z")):
    """All parity expectations ``<P^{(x)} on mask>`` for the Pauli families in ``bases``.

    For basis ``"z"``, ``out["z"][m] = <prod_{q in m} Z_q>`` where ``m`` is a bit mask of
    basis-index bits (qubit q = bit n-1-q); likewise ``"x"`` and ``"y"`` after rotating every
    qubit into that basis (H, resp. H S^dagger). Cost ``O(n 2**n)`` per basis.

    Returns:
        dict basis -> real torch tensor of shape (2**n,).
    """
    torch = import_torch()
    out = {}
    for basis in bases:
        psi = state
        if basis in ("x", "y"):
            g = _H if basis == "x" else _H @ _SDG
            gate = torch.as_tensor(g, dtype=torch.complex128)
            for q in range(n):
                psi = apply_1q(psi, q, n, gate)
        elif basis != "z":
            raise ValueError(f"unknown Pauli basis {basis!r}; use 'x', 'y' or 'z'")
        probs = (psi.real ** 2 + psi.imag ** 2)
        out[basis] = walsh_hadamard(probs, n)
    return out


def product_state(singles):
    """Tensor product of single-qubit states (list of length-2 complex arrays), qubit 0 first."""
    state = np.ones(1, dtype=complex)
    for s in singles:
        state = np.kron(state, np.asarray(s, dtype=complex))
    return state
