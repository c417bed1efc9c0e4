"""QAOA states, expectations and adjoint gradients on the exact simulator.

Convention (the same as ``../shared/perf/bench_anchors.py`` and QOKit up to
their factor 2 on gamma)::

    |psi> = prod_{l=1..p} U_M(beta_l) exp(-i gamma_l C) |psi_0>,   value = <psi|D|psi>

with ``C`` the cost diagonal (``energies``), ``D`` the observable diagonal
(default ``C``; a CVaR diagonal from :func:`~qopt.devices.exact.cvar_weights`
gives the CVaR objective), and the mixer ``U_M`` one of

* ``"x"``: ``exp(-i beta sum_q X_q)`` from ``|+>^n``;
* ``"warm"`` (Egger et al. 2021, warm-start QAOA): from the product state
  ``prod_q RY(theta_q)|0>``, ``theta_q = 2 arcsin(sqrt(c_q))`` for
  probabilities ``c_q = initial[q]``, with the matching rotated mixer
  ``exp(-i beta sum_q (sin theta_q X_q + cos theta_q Z_q))``, whose
  highest eigenstate is that initial state (as |+> is for sum X). This is Egger's mixer with
  ``beta -> -beta``, so ``c_q = 1/2`` is exactly the ``"x"`` mixer;
* ``"xy"``: for each group of qubits (one-hot constraint), the ring of XY
  gates ``exp(-i beta (X_j X_k + Y_j Y_k)/2)`` for ``(j, k)`` =
  ``(g0, g1), (g1, g2), ..., (g_{m-1}, g0)`` in that order (a group of two
  has one pair). It preserves the Hamming weight of every group. Qubits in no
  group get the X mixer. Default initial state: the W state (uniform over
  one-hot assignments) on each group, ``|+>`` elsewhere.

Multi-angle QAOA: ``betas`` of shape (p, n) gives each qubit its own angle
(``"x"`` and ``"warm"`` mixers). Qubit ``q`` is wire ``q`` = bit ``n-1-q`` of
the basis-state index. Angles in radians.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qopt.devices.exact import _reference as _ref
from qopt.devices.exact.diagonal import MAX_QUBITS

__all__ = [
    "qaoa_state",
    "qaoa_value",
    "qaoa_value_and_grad",
    "expectation",
    "warm_start_angles",
    "product_state",
    "BACKENDS",
]

BACKENDS = ("auto", "numba", "numpy")

_X = np.array([[0, 1], [1, 0]], dtype=np.complex128)
_Z = np.array([[1, 0], [0, -1]], dtype=np.complex128)


# --------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------
def warm_start_angles(c: np.ndarray) -> np.ndarray:
    """theta_q = 2 arcsin(sqrt(c_q)), so RY(theta_q)|0> has P(1) = c_q.

    Args:
        c: shape (n,), probabilities in [0, 1] (a relaxed or classical
            solution; regularise to [eps, 1-eps] for Egger's recipe).

    Returns:
        shape (n,), radians in [0, pi].

    Examples:
        >>> warm_start_angles(np.array([0.0, 0.5, 1.0])) / np.pi
        array([0. , 0.5, 1. ])
    """
    c = np.asarray(c, dtype=np.float64)
    if c.ndim != 1 or not np.all((c >= 0) & (c <= 1)):
        raise ValueError(f"warm-start probabilities must be a 1-D array in [0, 1], got {c!r}")
    return 2.0 * np.arcsin(np.sqrt(c))


def product_state(c: np.ndarray) -> np.ndarray:
    """The product state prod_q RY(theta_q)|0> with P(qubit q = 1) = c_q.

    Returns:
        shape (2**n,), complex128 (real amplitudes sqrt(1-c_q), sqrt(c_q)).
    """
    c = np.asarray(c, dtype=np.float64)
    warm_start_angles(c)  # validates
    psi = np.ones(1)
    for cq in c:
        psi = np.kron(psi, np.array([np.sqrt(1.0 - cq), np.sqrt(cq)]))
    return psi.astype(np.complex128)


def expectation(state: np.ndarray, diag: np.ndarray) -> float:
    """<psi|D|psi> = sum_x |psi_x|^2 D_x for a diagonal observable.

    Args:
        state: shape (2**n,), complex.
        diag: shape (2**n,), real.

    Examples:
        >>> round(expectation(np.array([0.6, 0.8j]), np.array([1.0, 3.0])), 12)  # 0.36 + 3 * 0.64
        2.28
    """
    state = np.asarray(state)
    diag = np.asarray(diag)
    if state.shape != diag.shape:
        raise ValueError(f"state has shape {state.shape} but diag has shape {diag.shape}")
    b = _backend("auto")
    return float(b.expectation_complex(np.ascontiguousarray(state, dtype=np.complex128),
                                       np.ascontiguousarray(diag, dtype=np.float64)))


def qaoa_state(energies: np.ndarray, gammas, betas, *, mixer: str = "x",
               initial: np.ndarray | None = None, groups: Sequence[Sequence[int]] | None = None,
               backend: str = "auto", out: np.ndarray | None = None) -> np.ndarray:
    """The QAOA state (see the module docstring for the circuit).

    Args:
        energies: shape (2**n,), float64 cost diagonal C (from
            :func:`~qopt.devices.exact.energies`).
        gammas: shape (p,), phase angles (radians).
        betas: shape (p,), or (p, n) for multi-angle QAOA.
        mixer: "x", "warm" or "xy".
        initial: None (mixer default), shape (n,) probabilities c (warm start
            product state; required for "warm") or shape (2**n,) a state.
        groups: qubit groups of the XY mixer (disjoint, >= 2 qubits each).
        backend: "auto" (numba if importable), "numba" or "numpy".
        out: optional complex128 buffer of shape (2**n,) to write into.

    Returns:
        shape (2**n,), complex128, normalised.

    Examples:
        >>> import numpy as np
        >>> psi = qaoa_state(np.array([0.0, 1.0]), [0.3], [0.2])
        >>> round(float(np.vdot(psi, psi).real), 12)
        1.0
    """
    plan = _plan(energies, gammas, betas, mixer, initial, groups, backend)
    if out is not None and (out.shape != (1 << plan.n,) or out.dtype != np.complex128):
        raise ValueError(f"out must be a complex128 array of shape ({1 << plan.n},), got "
                         f"{out.dtype} {out.shape}")
    st = _forward(plan, _workspace(plan.be, plan.n, 0))
    return plan.be.to_complex(st, out)


def qaoa_value(energies: np.ndarray, gammas, betas, *, diag: np.ndarray | None = None,
               mixer: str = "x", initial: np.ndarray | None = None,
               groups: Sequence[Sequence[int]] | None = None, backend: str = "auto") -> float:
    """<psi|D|psi> for the QAOA state, reusing a per-thread state buffer.

    Arguments as :func:`qaoa_state`; ``diag`` (shape (2**n,), default
    ``energies``) is the observable.
    """
    plan = _plan(energies, gammas, betas, mixer, initial, groups, backend)
    d = plan.energies if diag is None else _check_diag(diag, plan.n, "diag")
    st = _forward(plan, _workspace(plan.be, plan.n, 0))
    return float(plan.be.expectation(st, d))


def qaoa_value_and_grad(energies: np.ndarray, gammas, betas, *, diag: np.ndarray | None = None,
                        mixer: str = "x", initial: np.ndarray | None = None,
                        groups: Sequence[Sequence[int]] | None = None,
                        backend: str = "auto") -> tuple[float, np.ndarray, np.ndarray]:
    """Value and exact gradient of <psi|D|psi> by the adjoint method.

    One forward pass, then one reverse sweep over the layers for all 2p (or
    p + p n) angles. When the states before each layer fit in
    :func:`checkpoint_budget` (numba backend, X or warm mixer, n <= 26), the
    forward pass keeps them and the reverse sweep only evolves the
    back-propagated vector ``lam = D psi``, reading the stored states for the
    overlaps (p extra state buffers, kept per thread for reuse). Otherwise it
    rewinds the state and ``lam`` together (two state buffers).

    Args:
        energies, gammas, betas, mixer, initial, groups, backend: as
            :func:`qaoa_state`.
        diag: shape (2**n,), the observable D (default ``energies``).

    Returns:
        (value, d value / d gammas of shape (p,), d value / d betas with the
        shape of ``betas``).
    """
    plan = _plan(energies, gammas, betas, mixer, initial, groups, backend)
    n, be = plan.n, plan.be
    d = plan.energies if diag is None else _check_diag(diag, n, "diag")
    if _use_checkpoints(plan):
        return _grad_checkpointed(plan, d)
    phi = _forward(plan, _workspace(be, n, 0))
    lam = _workspace(be, n, 1)
    p = len(plan.gammas)
    dg = np.zeros(p)
    db = np.zeros((p, n))
    value = None
    if plan.pairs or p == 0:
        value = float(be.mul_diag(phi, d, lam))  # lam = D phi, returns <phi|D|phi>
    for l in range(p - 1, -1, -1):
        bq = plan.betas[l]
        for (j, k) in reversed(plan.pairs):
            db[l, j] += 2.0 * be.xy_overlap_imag(lam, phi, n, j, k)  # credited to qubit j; summed below
            be.apply_xy(phi, n, j, k, -bq[j])
            be.apply_xy(lam, n, j, k, -bq[j])
        us = _gates(plan.gens, bq)
        if value is None:  # first reverse step: lam = D phi fused into its first sweep
            value, gg, gq = be.backward_layer_init(phi, lam, n, plan.prepared, plan.gammas[l], us,
                                                   plan.gens, plan.active, d)
        else:
            gg, gq = be.backward_layer(phi, lam, n, plan.prepared, plan.gammas[l], us, plan.gens,
                                       plan.active)
        dg[l] = gg
        db[l] += gq
    if plan.multi_angle:
        return value, dg, db
    return value, dg, db.sum(axis=1)


# --------------------------------------------------------------------------
# internals
# --------------------------------------------------------------------------
#: Memory for the checkpointed gradient's stored states, in bytes; None = the
#: default min(4 GiB, 25% of RAM). 0 forces the rewinding adjoint.
CHECKPOINT_BYTES: int | None = None


def checkpoint_budget() -> int:
    """Bytes the checkpointed adjoint may hold in stored states (see CHECKPOINT_BYTES)."""
    if CHECKPOINT_BYTES is not None:
        return int(CHECKPOINT_BYTES)
    try:
        import os

        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        ram = 8 << 30
    return int(min(4 << 30, ram // 4))


def _use_checkpoints(plan: "_Plan") -> bool:
    be, p = plan.be, len(plan.gammas)
    if p == 0 or plan.pairs or not hasattr(be, "backward_layer_ck") or not be.checkpoint_ok(plan.n):
        return False
    stored = p - 1 + (plan.initial is not None)
    return stored * (16 << plan.n) <= checkpoint_budget()


def _grad_checkpointed(plan: "_Plan", d: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Adjoint gradient that stores psi_l (the state before layer l) in the forward pass."""
    n, be = plan.n, plan.be
    p = len(plan.gammas)
    phi = _workspace(be, n, 0)
    if plan.initial is None:
        be.fill_plus(phi, n)
    else:
        be.load(phi, plan.initial)
    before: list = []  # psi_l per layer; None = |+>^n
    slot = 2
    for l in range(p):
        if l == 0 and plan.initial is None:
            before.append(None)
        else:
            ck = _workspace(be, n, slot)
            slot += 1
            np.copyto(ck, phi)
            before.append(ck)
        be.forward_layer(phi, n, plan.prepared, plan.gammas[l], _gates(plan.gens, plan.betas[l]),
                         plan.active)
    lam = _workspace(be, n, 1)
    dg = np.zeros(p)
    db = np.zeros((p, n))
    value = None
    for l in range(p - 1, -1, -1):
        nxt = phi if l == p - 1 else before[l + 1]
        us = _gates(plan.gens, plan.betas[l])
        v, dg[l], db[l] = be.backward_layer_ck(lam, nxt, before[l], n, plan.prepared,
                                               plan.gammas[l], us, plan.gens, plan.active,
                                               d if l == p - 1 else None)
        if l == p - 1:
            value = v
    if plan.multi_angle:
        return value, dg, db
    return value, dg, db.sum(axis=1)


@dataclass
class _Plan:
    n: int
    energies: np.ndarray
    prepared: object
    gammas: np.ndarray          # (p,)
    betas: np.ndarray           # (p, n) per-qubit angles
    multi_angle: bool
    gens: np.ndarray            # (n, 2, 2) single-qubit generators (G^2 = I)
    active: np.ndarray          # (n,) bool: qubit has a single-qubit mixer
    pairs: list                 # XY pairs (j, k) in application order
    initial: np.ndarray | None  # (2**n,) state, or None for |+>^n
    be: object


_TLS = threading.local()
_PREPARED: dict = {}


def _fingerprint(e: np.ndarray) -> bytes:
    step = max(1, e.size // 4096)
    return e[::step].tobytes() + e[-7:].tobytes()


def _prepared(be, e: np.ndarray):
    """The backend's prepared form of ``e``, cached per array object (see :func:`cached`)."""
    return cached(e, be.name, be.prepare)


def cached(e: np.ndarray, tag: str, make):
    """``make(e)``, cached per (array object, tag).

    The cache holds a weak reference and a fingerprint of a strided sample, so
    a new or modified array is processed again (energies are meant to be
    built once per problem and not modified in place).
    """
    key = (id(e), tag)
    hit = _PREPARED.get(key)
    if hit is not None:
        ref, fp, val = hit
        if ref() is e and fp == _fingerprint(e):
            return val
    val = make(e)
    try:
        ref = weakref.ref(e, lambda _r, key=key, cache=_PREPARED: cache.pop(key, None))
    except TypeError:
        return val
    if len(_PREPARED) > 16:
        _PREPARED.clear()
    _PREPARED[key] = (ref, _fingerprint(e), val)
    return val


def _workspace(be, n: int, slot: int) -> np.ndarray:
    """Per-thread reusable state buffers of backend ``be`` (avoids paging in 16 * 2**n bytes per call)."""
    bufs = getattr(_TLS, "bufs", None)
    if bufs is None:
        bufs = _TLS.bufs = {}
    key = (be.name, n, slot)
    if key not in bufs:
        # keep at most one width and backend: drop others to bound memory
        for k in [k for k in bufs if k[:2] != (be.name, n)]:
            del bufs[k]
        bufs[key] = be.alloc(n)
    return bufs[key]


def _backend(name: str):
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    if name in ("auto", "numba"):
        try:
            from qopt.devices.exact import _kernels
        except ImportError as err:
            if name == "numba":
                from qopt.errors import MissingDependencyError

                raise MissingDependencyError(
                    "backend='numba' needs numba: pip install 'qopt[quantum]'") from err
        else:
            return _kernels.BACKEND
    return _NumpyBackend


def _check_diag(diag, n: int, what: str) -> np.ndarray:
    d = np.asarray(diag)
    if d.shape != (1 << n,):
        raise ValueError(f"{what} must have shape ({1 << n},) for {n} qubits, got {d.shape}")
    if np.iscomplexobj(d):
        raise ValueError(f"{what} must be real (a diagonal observable), got dtype {d.dtype}")
    return np.ascontiguousarray(d, dtype=np.float64)


def _plan(energies, gammas, betas, mixer, initial, groups, backend) -> _Plan:
    e = np.asarray(energies)
    if e.ndim != 1 or e.size < 2 or (e.size & (e.size - 1)):
        raise ValueError(f"energies must be a 1-D array of length 2**n (n >= 1), got shape {e.shape}")
    n = e.size.bit_length() - 1
    if n > MAX_QUBITS:
        raise ValueError(f"{n} qubits exceed the exact simulator's limit of {MAX_QUBITS}")
    e = _check_diag(e, n, "energies")
    g = np.atleast_1d(np.asarray(gammas, dtype=np.float64))
    b = np.asarray(betas, dtype=np.float64)
    if g.ndim != 1:
        raise ValueError(f"gammas must have shape (p,), got {g.shape}")
    p = g.size
    if b.ndim == 0:
        b = b.reshape(1)
    if b.shape == (p,):
        multi = False
        bq = np.repeat(b[:, None], n, axis=1)
    elif b.shape == (p, n):
        multi = True
        bq = b.copy()
    else:
        raise ValueError(f"betas must have shape ({p},) or ({p}, {n}) for p={p} gammas and "
                         f"n={n} qubits, got {b.shape}")
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(b))):
        raise ValueError("gammas and betas must be finite")
    gens = np.repeat(_X[None], n, axis=0)
    active = np.ones(n, dtype=bool)
    pairs: list[tuple[int, int]] = []
    init = None
    if initial is not None:
        initial = np.asarray(initial)
    if mixer not in ("x", "warm", "xy"):
        raise ValueError(f"mixer must be 'x', 'warm' or 'xy', got {mixer!r}")
    if groups is not None and mixer != "xy":
        raise ValueError(f"groups apply to mixer='xy' only, got mixer={mixer!r}")
    if mixer == "warm":
        if initial is None or initial.shape != (n,):
            raise ValueError(f"mixer='warm' needs initial = warm-start probabilities of shape ({n},), "
                             f"got {None if initial is None else initial.shape}")
        theta = warm_start_angles(initial)
        gens = (np.sin(theta)[:, None, None] * _X[None] + np.cos(theta)[:, None, None] * _Z[None])
        init = product_state(initial)
    elif mixer == "xy":
        if not groups:
            raise ValueError("mixer='xy' needs groups: a list of qubit index lists (one-hot groups)")
        seen: set[int] = set()
        for grp in groups:
            grp = [int(q) for q in grp]
            if len(grp) < 2:
                raise ValueError(f"every XY group needs >= 2 qubits, got {grp}")
            bad = [q for q in grp if not 0 <= q < n or q in seen]
            if bad or len(set(grp)) != len(grp):
                raise ValueError(f"XY group {grp} has a qubit out of range 0..{n - 1} or in two groups")
            seen.update(grp)
            m = len(grp)
            ring = [(grp[i], grp[(i + 1) % m]) for i in range(m if m > 2 else 1)]
            pairs.extend(ring)
            active[grp] = False
        if multi:
            raise ValueError("multi-angle betas of shape (p, n) are not supported with mixer='xy'")
        if initial is None:
            init = _w_product_state(n, [list(map(int, grp)) for grp in groups])
    if initial is not None and init is None:
        if initial.shape == (n,):
            init = product_state(initial)
        elif initial.shape == (1 << n,):
            init = np.ascontiguousarray(initial, dtype=np.complex128)
        else:
            raise ValueError(f"initial must have shape ({n},) (probabilities) or ({1 << n},) "
                             f"(a state), got {initial.shape}")
    be = _backend(backend)
    return _Plan(n=n, energies=e, prepared=_prepared(be, e), gammas=g, betas=bq, multi_angle=multi,
                 gens=gens, active=active, pairs=pairs, initial=init, be=be)


def _w_product_state(n: int, groups: list[list[int]]) -> np.ndarray:
    """W state on each group (uniform over its one-hot assignments), |+> on other qubits."""
    idx = np.arange(1 << n, dtype=np.int64)
    psi = np.ones(1 << n)
    in_group = np.zeros(n, dtype=bool)
    for grp in groups:
        cnt = np.zeros(1 << n, dtype=np.int8)
        for q in grp:
            cnt += ((idx >> (n - 1 - q)) & 1).astype(np.int8)
            in_group[q] = True
        psi *= (cnt == 1) / np.sqrt(len(grp))
    psi *= 2.0 ** (-0.5 * int((~in_group).sum()))
    return psi.astype(np.complex128)


def _gates(gens: np.ndarray, bq: np.ndarray) -> np.ndarray:
    """U_q = exp(-i beta_q G_q) = cos(beta_q) I - i sin(beta_q) G_q (G_q^2 = I), shape (n, 2, 2)."""
    c = np.cos(bq)[:, None, None]
    s = np.sin(bq)[:, None, None]
    return c * np.eye(2)[None] - 1j * s * gens


def _forward(plan: _Plan, out: np.ndarray) -> np.ndarray:
    """Run the circuit into the backend state ``out``; returns it."""
    n, be = plan.n, plan.be
    if plan.initial is None:
        be.fill_plus(out, n)
    else:
        be.load(out, plan.initial)
    for l in range(len(plan.gammas)):
        bq = plan.betas[l]
        be.forward_layer(out, n, plan.prepared, plan.gammas[l], _gates(plan.gens, bq), plan.active)
        for (j, k) in plan.pairs:
            be.apply_xy(out, n, j, k, bq[j])
    return out


class _NumpyBackend:
    """The pure-numpy reference (qopt.devices.exact._reference)."""

    name = "numpy"

    @staticmethod
    def alloc(n: int) -> np.ndarray:
        return np.empty(1 << n, dtype=np.complex128)

    @staticmethod
    def fill_plus(st: np.ndarray, n: int) -> None:
        st.fill(2.0 ** (-n / 2))

    @staticmethod
    def fill_basis0(st: np.ndarray) -> None:
        st.fill(0)
        st[0] = 1.0

    @staticmethod
    def load(st: np.ndarray, psi: np.ndarray) -> None:
        np.copyto(st, psi)

    @staticmethod
    def to_complex(st: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            return st.copy()
        np.copyto(out, st)
        return out

    @staticmethod
    def prepare(diag: np.ndarray) -> np.ndarray:
        return diag

    @staticmethod
    def expectation(psi: np.ndarray, diag: np.ndarray) -> float:
        return float(np.dot(psi.real * psi.real + psi.imag * psi.imag, diag))

    expectation_complex = expectation

    @staticmethod
    def xy_overlap_imag(lam, phi, n, j, k) -> float:
        return _ref.xy_overlap(lam, phi, n, j, k).imag

    @staticmethod
    def mul_diag(psi: np.ndarray, diag: np.ndarray, out: np.ndarray) -> float:
        np.multiply(psi, diag, out=out)
        return float(np.vdot(psi, out).real)

    forward_layer = staticmethod(_ref.forward_layer)
    backward_layer = staticmethod(_ref.backward_layer)

    @staticmethod
    def backward_layer_init(phi, lam, n, diag_prepared, gamma, us, gens, active, diag):
        value = _NumpyBackend.mul_diag(phi, diag, lam)
        gg, gq = _ref.backward_layer(phi, lam, n, diag_prepared, gamma, us, gens, active)
        return value, gg, gq
    apply_xy = staticmethod(_ref.apply_xy)
    gate_layer = staticmethod(_ref.gate_layer)
    gate_layer_backward = staticmethod(_ref.gate_layer_backward)
    ladder = staticmethod(_ref.ladder)
