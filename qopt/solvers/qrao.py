"""Quantum Random Access Optimisation (QRAO; Fuller et al., arXiv:2111.03167).

Up to ``k`` in {1, 2, 3} binary variables share a qubit through a (k,1,p) quantum random
access code: variable ``i`` on qubit ``q`` is read from the Pauli ``P_i`` in {X, Y, Z}
(k=3: X, Y, Z; k=2: X, Z; k=1: Z). Variables sharing a qubit must not share a quadratic
term, so the BQM's interaction graph is coloured (``networkx.greedy_color``, default
strategy, as in qiskit-optimization) and every colour class is packed into qubits of at
most ``k`` variables.

Relaxed Hamiltonian: write the BQM as an Ising model in ``s_i = 1 - 2 x_i`` (``x = 0`` <->
``+1``) and replace each ``s_i`` by ``sqrt(k) P_i``:

    H = offset + sum_i sqrt(k) h_i P_i + sum_{ij} k J_ij P_i P_j.

The QRAC product state of any bitstring has ``<H>`` equal to the bitstring's BQM energy,
so ``lambda_min(H) <= min E`` (a relaxation of the minimisation). A low-energy state is
found with an exact sparse eigensolver (``scipy.sparse.linalg.eigsh``) up to
``exact_max_qubits`` qubits, otherwise by VQE (brickwork ansatz, L-BFGS, torch state vector),
then rounded: *semideterministic* (``x_i = 0`` if ``<P_i> > 0``, 1 if ``< 0``, random if 0)
or *magic* (measure every qubit in a uniformly random magic basis, decode all its bits).

Qubit convention: qubit q is bit ``nq-1-q`` of a basis-state index (wire 0 most significant).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from qopt.decode import finish
from qopt.errors import ConfigError, SolverError
from qopt.result import Result
from qopt._random import as_generator, resolve_seed
from qopt.devices import load_device
from qopt.devices.factory import require_exact
from qopt.qubo.ising import ising_arrays as ising_from_bqm
from qopt.qubo.flips import greedy_flip_rounds

__all__ = ["recovery_probability", "assign_qubits", "Encoding", "encode", "relaxed_hamiltonian",
           "encoded_state", "pauli_expectations", "semideterministic_rounding", "magic_rounding",
           "ground_state", "qrao"]

logger = logging.getLogger(__name__)

MAX_QUBITS = 22  # dense state vector / sparse relaxed Hamiltonian limit
_VQE_MEMORY_BYTES = 4 * 2**30  # autograd memory allowed for the relaxed-Hamiltonian VQE
_SPARSE_MEMORY_BYTES = 4 * 2**30  # memory allowed for assembling the sparse relaxed Hamiltonian
PAULIS = {1: (2,), 2: (0, 2), 3: (0, 1, 2)}  # 0 = X, 1 = Y, 2 = Z, in the order bits are assigned
_SQ3 = np.sqrt(3.0)


def recovery_probability(k: int) -> float:
    """Probability ``(1 + 1/sqrt(k))/2`` of recovering one bit of a (k,1,p) QRAC."""
    if k not in PAULIS:
        raise ConfigError(f"encoding must be 1, 2 or 3 variables per qubit, got {k!r}")
    return 0.5 * (1 + 1 / np.sqrt(k))


def assign_qubits(m: int, rows, cols, k: int) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
    """Colour the interaction graph and pack colour classes into qubits of <= ``k`` variables.

    Args:
        m: number of variables (nodes 0..m-1).
        rows, cols: interacting pairs (quadratic terms).
        k: variables per qubit (1, 2 or 3).

    Returns:
        ``(qubit, pauli, q2vars)``: shape (m,) int arrays (qubit of each variable, its Pauli
        0/1/2 = X/Y/Z) and, for each qubit, its variables in assignment order.
    """
    import networkx as nx

    if k not in PAULIS:
        raise ConfigError(f"encoding must be 1, 2 or 3 variables per qubit, got {k!r}")
    g = nx.Graph()
    g.add_nodes_from(range(m))
    g.add_edges_from((int(u), int(v)) for u, v in zip(rows, cols) if u != v)
    colouring = nx.greedy_color(g)
    classes: dict[int, list[int]] = {}
    for v in range(m):
        classes.setdefault(colouring[v], []).append(v)
    qubit = np.zeros(m, dtype=np.int64)
    pauli = np.zeros(m, dtype=np.int64)
    q2vars: list[list[int]] = []
    for colour in sorted(classes):
        members = classes[colour]
        for start in range(0, len(members), k):
            chunk = members[start:start + k]
            for slot, v in enumerate(chunk):
                qubit[v] = len(q2vars)
                pauli[v] = PAULIS[k][slot]
            q2vars.append(chunk)
    return qubit, pauli, q2vars


class _Terms:
    """Sparse operator ``sum_masks coef_mask(b) |b ^ mask><b|`` on ``nq`` qubits."""

    def __init__(self, nq: int):
        self.nq = nq
        self.dim = 2**nq
        self.index = np.arange(self.dim, dtype=np.int64)
        self.parts: dict[int, np.ndarray] = {}

    def add(self, coef: float, ops):
        """Add ``coef * prod (Pauli p on qubit q)`` for ``ops = [(q, p), ...]`` (distinct qubits)."""
        flip = 0
        phase = np.full(self.dim, complex(coef))
        for q, p in ops:
            bit = self.nq - 1 - q
            b = (self.index >> bit) & 1
            if p == 0:  # X
                flip |= 1 << bit
            elif p == 1:  # Y|b> = i (-1)^b |b^1>
                flip |= 1 << bit
                phase = phase * (1j * (1 - 2 * b))
            else:  # Z
                phase = phase * (1 - 2 * b)
        if flip in self.parts:
            self.parts[flip] = self.parts[flip] + phase
        else:
            self.parts[flip] = phase

    def to_sparse(self):
        import scipy.sparse as sp

        rows, cols, data = [], [], []
        for flip, coef in self.parts.items():
            rows.append(self.index ^ flip)
            cols.append(self.index)
            data.append(coef)
        return sp.csr_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(self.dim, self.dim))


class Encoding:
    """A QRAC encoding of a BQM (built by :func:`encode`).

    Attributes:
        k: variables per qubit; num_qubits; num_vars; variables (BQM labels in order);
        qubit, pauli: shape (num_vars,) arrays; q2vars: variables of each qubit;
        h, rows, cols, J, offset: Ising form (``s = 1 - 2x``) of the BQM.
    """

    def __init__(self, bqm, k: int = 3):
        self.k = int(k)
        self.variables = list(bqm.variables)
        self.num_vars = len(self.variables)
        self.h, self.rows, self.cols, self.J, self.offset = ising_from_bqm(bqm, self.variables)
        keep = self.J != 0
        self.rows, self.cols, self.J = self.rows[keep], self.cols[keep], self.J[keep]
        self.qubit, self.pauli, self.q2vars = assign_qubits(self.num_vars, self.rows, self.cols, self.k)
        self.num_qubits = len(self.q2vars)

    @property
    def compression_ratio(self) -> float:
        """Variables per qubit."""
        return self.num_vars / max(self.num_qubits, 1)

    @property
    def minimum_recovery_probability(self) -> float:
        return recovery_probability(self.k)

    def energy(self, bits) -> np.ndarray:
        """BQM energies of bitstrings, ``bits`` shape (num_vars,) or (S, num_vars) -> (S,)."""
        x = np.atleast_2d(np.asarray(bits, dtype=float))
        s = 1 - 2 * x
        return self.offset + s @ self.h + np.sum(self.J * s[:, self.rows] * s[:, self.cols], axis=1)


def encode(bqm, k: int = 3) -> Encoding:
    """QRAC-encode a BINARY BQM with ``k`` in {1, 2, 3} variables per qubit."""
    return Encoding(bqm, k)


def relaxed_hamiltonian(enc: Encoding, *, max_qubits: int = MAX_QUBITS):
    """The relaxed Hamiltonian as a ``scipy.sparse.csr_matrix`` of shape ``(2**nq, 2**nq)``,
    constant offset included.

    Raises:
        ValueError: more than ``max_qubits`` qubits (the dense index space would not fit).
    """
    nq = enc.num_qubits
    if nq > max_qubits:
        raise ConfigError(f"the relaxed Hamiltonian has {nq} qubits > max_qubits={max_qubits}")
    flips = {0}
    for u, v in zip(enc.rows, enc.cols):  # X/Y factors flip bits: one sparse diagonal band per distinct flip
        flips.add(sum(1 << (nq - 1 - enc.qubit[w]) for w in (u, v) if enc.pauli[w] != 2))
    flips.update(1 << (nq - 1 - enc.qubit[i]) for i in range(enc.num_vars) if enc.pauli[i] != 2 and enc.h[i] != 0)
    need = 2**nq * len(flips) * 32 * 2  # complex data + int64 row/col indices, twice during assembly
    if need > _SPARSE_MEMORY_BYTES:
        raise ConfigError(
            f"the relaxed Hamiltonian on {nq} qubits has {len(flips)} distinct bit-flip patterns and would need "
            f"about {need / 2**30:.1f} GiB (limit {_SPARSE_MEMORY_BYTES / 2**30:.0f} GiB); {enc.num_vars} variables "
            f"on {nq} qubits is {enc.compression_ratio:.2f} variables per qubit: shrink the problem first "
            "(--max-qubits) or solve it with a non-relaxed solver")
    terms = _Terms(nq)
    sk = np.sqrt(enc.k)
    terms.add(enc.offset, [])
    for i, hi in enumerate(enc.h):
        if hi != 0:
            terms.add(sk * hi, [(enc.qubit[i], enc.pauli[i])])
    for u, v, j in zip(enc.rows, enc.cols, enc.J):
        terms.add(enc.k * j, [(enc.qubit[u], enc.pauli[u]), (enc.qubit[v], enc.pauli[v])])
    return terms.to_sparse()


def _bloch(bits, k: int) -> np.ndarray:
    """Bloch vector of the QRAC state of ``bits`` (length <= k; missing bits are 0)."""
    r = np.zeros(3)
    for slot, p in enumerate(PAULIS[k]):
        b = bits[slot] if slot < len(bits) else 0
        r[p] = (1 - 2 * b) / np.sqrt(k)
    return r


def _pure_state(r) -> np.ndarray:
    """Single-qubit pure state with unit Bloch vector ``r``."""
    r = np.asarray(r, dtype=float) / np.linalg.norm(r)
    theta, phi = np.arccos(np.clip(r[2], -1, 1)), np.arctan2(r[1], r[0])
    return np.array([np.cos(theta / 2), np.exp(1j * phi) * np.sin(theta / 2)])


def encoded_state(enc: Encoding, x) -> np.ndarray:
    """The QRAC product state of bitstring ``x`` (shape (num_vars,)), shape (2**nq,) complex."""
    from qopt.devices.exact.brickwork import product_state

    x = np.asarray(x, dtype=int)
    return product_state([_pure_state(_bloch([x[v] for v in vs], enc.k)) for vs in enc.q2vars])


def pauli_expectations(enc: Encoding, state) -> np.ndarray:
    """``<P_i>`` of every variable's Pauli in ``state`` (shape (2**nq,)), shape (num_vars,)."""
    nq = enc.num_qubits
    psi = np.asarray(state, dtype=complex)
    out = np.zeros(enc.num_vars)
    for q, vs in enumerate(enc.q2vars):
        a = psi.reshape(2**q, 2, 2 ** (nq - q - 1))
        rho01 = np.vdot(a[:, 1, :], a[:, 0, :])  # sum psi0 conj(psi1)
        values = (2 * rho01.real, -2 * rho01.imag,
                  float(np.vdot(a[:, 0, :], a[:, 0, :]).real - np.vdot(a[:, 1, :], a[:, 1, :]).real))
        for v in vs:
            out[v] = values[enc.pauli[v]]
    return out


def semideterministic_rounding(enc: Encoding, state, *, seed=None, atol: float = 1e-9) -> np.ndarray:
    """``x_i = 0`` if ``<P_i> > atol``, 1 if ``< -atol``, a fair coin otherwise; int8 (num_vars,)."""
    rng = as_generator(seed)
    e = pauli_expectations(enc, state)
    x = (e < 0).astype(np.int8)
    tie = np.abs(e) <= atol
    x[tie] = rng.integers(0, 2, int(tie.sum()))
    return x


def _magic_bases(k: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The antipodal pairs ``(c, complement)`` of magic bases of a (k,1) QRAC."""
    if k == 3:
        firsts = [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)]
    elif k == 2:
        firsts = [(0, 0), (0, 1)]
    else:
        firsts = [(0,)]
    return [(c, tuple(1 - b for b in c)) for c in firsts]


def magic_rounding(enc: Encoding, state, *, shots: int = 1000, seed=None) -> np.ndarray:
    """Magic-state rounding: per shot, every qubit is measured in a uniformly random magic basis
    and the outcome decodes all bits of that qubit at once.

    Returns:
        int8 array of shape (shots, num_vars).
    """
    rng = as_generator(seed)
    if shots < 1:
        raise ConfigError(f"shots must be >= 1, got {shots}")
    nq, k = enc.num_qubits, enc.k
    bases = _magic_bases(k)
    unitaries = []
    for c, cbar in bases:
        v0, v1 = _pure_state(_bloch(c, k)), _pure_state(_bloch(cbar, k))
        unitaries.append(np.array([v0.conj(), v1.conj()]))
    choice = rng.integers(0, len(bases), size=(shots, nq))
    patterns, inverse, counts = np.unique(choice, axis=0, return_inverse=True, return_counts=True)
    out = np.zeros((shots, enc.num_vars), dtype=np.int8)
    psi0 = np.asarray(state, dtype=complex)
    inverse = np.asarray(inverse).ravel()
    for pi, pattern in enumerate(patterns):
        psi = psi0
        for q in range(nq):
            a = psi.reshape(2**q, 2, 2 ** (nq - q - 1))
            psi = np.einsum("ij,ajb->aib", unitaries[pattern[q]], a).reshape(-1)
        probs = np.abs(psi) ** 2
        probs /= probs.sum()
        outcomes = rng.choice(len(probs), size=int(counts[pi]), p=probs)
        rows = np.nonzero(inverse == pi)[0]
        for r, idx in zip(rows, outcomes):
            for q, vs in enumerate(enc.q2vars):
                bit = (int(idx) >> (nq - 1 - q)) & 1
                code = bases[pattern[q]][bit]
                for slot, v in enumerate(vs):
                    out[r, v] = code[slot]
    return out


def _vqe(enc: Encoding, H, *, layers: int, maxiter: int, rng, restarts: int = 1):
    """Minimise ``<psi(theta)|H|psi(theta)>`` over the brickwork ansatz (torch autograd, L-BFGS)."""
    from scipy.optimize import minimize

    from qopt.devices.exact.brickwork import brickwork_state, import_torch, num_parameters

    torch = import_torch()
    nq = enc.num_qubits
    Hc = H.tocsr()
    crow = torch.as_tensor(Hc.indptr, dtype=torch.int64)
    col = torch.as_tensor(Hc.indices, dtype=torch.int64)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: "sparse support is in beta"
        Ht = torch.sparse_csr_tensor(crow, col, torch.as_tensor(Hc.data, dtype=torch.complex128),
                                     size=Hc.shape)
        Hcoo = Ht.to_sparse_coo()

    def fg(p):
        t = torch.tensor(p, requires_grad=True)
        psi = brickwork_state(t, nq, layers)
        hpsi = torch.sparse.mm(Hcoo, psi.unsqueeze(1)).squeeze(1)
        e = torch.real(torch.vdot(psi, hpsi))
        e.backward()
        return float(e.detach()), t.grad.numpy().copy()

    best = None
    for _ in range(restarts):
        x0 = rng.uniform(0, 2 * np.pi, num_parameters(nq, layers))
        res = minimize(fg, x0, jac=True, method="L-BFGS-B", options={"maxiter": maxiter})
        if best is None or res.fun < best.fun:
            best = res
    with torch.no_grad():
        state = brickwork_state(torch.as_tensor(best.x), nq, layers).numpy()
    return state, float(best.fun)


def ground_state(enc: Encoding, *, method: str = "auto", exact_max_qubits: int = 16, layers: int = 2,
                 maxiter: int = 200, seed=None):
    """Lowest-energy state of the relaxed Hamiltonian.

    Args:
        method: "exact" (eigsh / dense eigh), "vqe", or "auto" (exact up to ``exact_max_qubits``).

    Returns:
        ``(state, energy, method_used)``; state shape (2**nq,) complex.
    """
    H = relaxed_hamiltonian(enc).tocsr()
    dim = H.shape[0]
    if method in ("auto", "exact") and np.array_equal(H.indices, np.repeat(np.arange(dim), np.diff(H.indptr))):
        # only Z strings (every qubit carries one variable, e.g. a dense graph needing as many
        # colours as variables): the ground state is the lowest basis state, found exactly
        diag = np.real(H.diagonal())
        k = int(np.argmin(diag))
        state = np.zeros(dim, dtype=complex)
        state[k] = 1.0
        return state, float(diag[k]), "exact"
    if method == "auto":
        method = "exact" if enc.num_qubits <= exact_max_qubits else "vqe"
    if method == "vqe":
        # backprop through the brickwork keeps ~(5n-1)*layers states of 16*2^n bytes alive
        need = 16 * dim * (5 * enc.num_qubits - 1) * layers * 3
        if need > _VQE_MEMORY_BYTES:
            raise ConfigError(
                f"QRAO VQE on {enc.num_qubits} qubits with {layers} layers needs about {need / 2**30:.1f} GiB "
                f"(limit {_VQE_MEMORY_BYTES / 2**30:.0f} GiB); shrink the problem first "
                f"(--max-qubits) or use --encoding 3 for fewer qubits")
    if method == "exact":
        if H.shape[0] <= 256:
            w, v = np.linalg.eigh(H.toarray())
            return v[:, 0], float(w[0]), "exact"
        from scipy.sparse.linalg import eigsh

        w, v = eigsh(H, k=1, which="SA")
        return v[:, 0], float(w[0]), "exact"
    if method == "vqe":
        state, energy = _vqe(enc, H, layers=layers, maxiter=maxiter, rng=as_generator(seed))
        return state, energy, "vqe"
    raise ConfigError(f"unknown QRAO eigensolver {method!r}; use 'auto', 'exact' or 'vqe'")


def qrao(problem, *, encoding: int = 3, rounding: str = "magic", device=None, seed=None,
         shots: int | None = None, maxiter: int = 200, layers: int = 2, method: str = "auto",
         exact_max_qubits: int = 16, local_search_rounds: int = 0, penalty="calibrated",
         slack="binary", weights=None, postprocess: str = "full", repair: bool = True,
         local_search: bool = True) -> Result:
    """Solve ``problem`` with QRAO: encode, find a low-energy relaxed state, round.

    Args:
        problem: a :class:`~qopt.problems.Problem` (constrained ones are penalised first).
        encoding: variables per qubit, 3 ((3,1,p) QRAC), 2 ((2,1,p)) or 1 (plain Z).
        rounding: "magic" or "semideterministic".
        device: None/"exact" (qopt's own simulation); other devices are not supported yet.
        seed: int or numpy Generator (VQE start, rounding randomness).
        shots: magic-rounding samples (default: the device's, else 1024); ignored by
            semideterministic rounding.
        maxiter, layers: VQE settings (used above ``exact_max_qubits`` or with ``method="vqe"``).
        method: "auto", "exact" or "vqe".
        local_search_rounds: greedy single-flip rounds on the BQM before ``finish``.
        repair, local_search: post-processing in :func:`qopt.decode.finish`.

    Returns:
        Result with ``qubits`` = encoded qubit count and ``info`` with ``relaxed_energy``,
        ``eigensolver``, ``compression_ratio``, ``rounded_energy`` (best rounded BQM energy,
        before any local search), ``objective_rounded``.
    """
    import dimod

    t0 = time.perf_counter()
    seed_int = resolve_seed(seed)
    rng = as_generator(seed_int)
    if encoding not in PAULIS:
        raise ConfigError(f"--encoding must be 1, 2 or 3, got {encoding!r}")
    if rounding not in ("magic", "semideterministic"):
        raise ConfigError(f"--rounding must be 'magic' or 'semideterministic', got {rounding!r}")
    config = load_device(device)
    require_exact(config, "QRAO")
    bqm, decoder = problem.encode(penalty=penalty, slack=slack, weights=weights)
    enc = encode(bqm, encoding)
    config.check_width(enc.num_qubits)
    if enc.num_qubits > MAX_QUBITS:
        raise SolverError(f"{problem.name}: the (k={encoding}) encoding of {enc.num_vars} BQM variables needs "
                          f"{enc.num_qubits} qubits (colouring leaves little to share); qopt's QRAO state "
                          f"vector stops at {MAX_QUBITS}: shrink the problem first (--max-qubits)")
    t1 = time.perf_counter()
    state, relaxed, used = ground_state(enc, method=method, exact_max_qubits=exact_max_qubits,
                                        layers=layers, maxiter=maxiter, seed=rng)
    if rounding == "semideterministic":
        bits = semideterministic_rounding(enc, state, seed=rng)[None, :]
    else:
        from qopt.devices.factory import readout_shots

        shots = readout_shots(config, shots)
        bits = magic_rounding(enc, state, shots=shots, seed=rng)
    num_rounded = int(len(bits))
    energies = enc.energy(bits)
    rounded_best = int(np.argmin(energies))
    rounded_energy = float(energies[rounded_best])
    rounded_bits = bits[rounded_best].copy()
    if local_search_rounds > 0:
        lin, (qr, qc, qv), _ = bqm.binary.to_numpy_vectors(variable_order=enc.variables)
        uniq = np.unique(bits, axis=0)
        bits = np.array([greedy_flip_rounds(b, lin, qr, qc, qv, rounds=local_search_rounds) for b in uniq])
        energies = enc.energy(bits)
    t2 = time.perf_counter()
    raw = dimod.SampleSet.from_samples((bits, enc.variables), vartype="BINARY", energy=energies)
    pos = {v: i for i, v in enumerate(enc.variables)}
    cols = [pos[i] for i in range(problem.num_variables)]
    objective_rounded = problem.evaluate(rounded_bits[cols])
    info = {
        "encoding": encoding, "rounding": rounding, "eigensolver": used, "relaxed_energy": relaxed,
        "compression_ratio": enc.compression_ratio, "bqm_variables": enc.num_vars,
        "rounded_energy": rounded_energy, "objective_rounded": objective_rounded,
        "feasible_rounded": problem.is_feasible(rounded_bits[cols]), "bqm_offset": enc.offset,
    }
    options = {"encoding": encoding, "rounding": rounding, "shots": shots, "maxiter": maxiter,
               "layers": layers, "method": method, "local_search_rounds": local_search_rounds}
    logger.info("qrao: %d variables on %d qubits, relaxed energy %.6g (%s)", enc.num_vars,
                enc.num_qubits, relaxed, used)
    readout = {"readout": "shots", "shots": num_rounded, "exact": None}  # the rounding samples
    return finish(problem, raw, decoder, solver="qrao", postprocess=postprocess, repair=repair,
                  local_search=local_search, readout=readout, seed=seed_int, qubits=enc.num_qubits, timing_s={"build": t1 - t0, "solve": t2 - t1},
                  options=options, info=info)
