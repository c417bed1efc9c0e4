"""The QCAE quantum latent circuit: spec, batched torch simulator, PennyLane QNode.

Circuit on ``n`` qubits (wire 0 = most significant bit of a basis index, as in
PennyLane), for a batch of latent angle vectors ``z`` of shape (B, n):

1. angle embedding ``RY(z_i)`` on each wire;
2. ``p`` layers of the ansatz:

   * ``"qaoa"``: cost ``IsingZZ(gamma[l, e])`` on each edge ``e = (a, b)`` of
     the entangling graph, then ``RZ(delta[l, i])`` on each wire; mixer
     ``RX(beta[l, i])`` on each wire;
   * ``"hea"`` (hardware-efficient): ``RY(theta[l, i])`` on each wire, then
     ``CNOT(a, b)`` on each edge, in edge order;

3. readout ``<Z_i>`` for each wire (``readout="z"``), followed by
   ``<Z_a Z_b>`` for each edge (``readout="zz"``).

The entangling graph is ``"ring"`` (edges (i, i+1 mod n)), ``"line"``,
``"full"`` (all pairs), ``"none"`` (no entangler: ablation (iii)) or an
explicit edge list. :func:`simulate` evaluates the circuit exactly and
differentiably in torch for the whole batch at once (gradients by backprop);
:func:`make_qnode` builds the same circuit as a PennyLane QNode on any
device config (parameter-shift on shot devices). Tests check both agree.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from qopt.errors import ConfigError

__all__ = [
    "ANSATZE",
    "GRAPHS",
    "MAX_EXACT_QUBITS",
    "CircuitSpec",
    "graph_edges",
    "simulate",
    "unitary",
    "make_qnode",
    "resolve_device",
    "capacity_error",
    "device_coupling",
    "qiskit_circuit",
]

ANSATZE = ("qaoa", "hea")
GRAPHS = ("ring", "line", "full", "none")
MAX_EXACT_QUBITS = 14


def graph_edges(graph: str | Sequence[Sequence[int]], num_qubits: int) -> tuple[tuple[int, int], ...]:
    """Edges of the entangling graph on ``num_qubits`` wires.

    Args:
        graph: "ring", "line", "full", "none", or a sequence of (a, b) wire pairs.
        num_qubits: n.

    Returns:
        tuple of (a, b) pairs with a != b, both in 0..n-1.

    Examples:
        >>> graph_edges("ring", 3)
        ((0, 1), (1, 2), (2, 0))
    """
    n = int(num_qubits)
    if isinstance(graph, str):
        if graph == "ring":
            if n == 1:
                return ()
            if n == 2:
                return ((0, 1),)
            return tuple((i, (i + 1) % n) for i in range(n))
        if graph == "line":
            return tuple((i, i + 1) for i in range(n - 1))
        if graph == "full":
            return tuple((i, j) for i in range(n) for j in range(i + 1, n))
        if graph == "none":
            return ()
        raise ConfigError(f"entangling graph must be one of {GRAPHS} or a list of wire pairs, got {graph!r}")
    edges = []
    for pair in graph:
        a, b = (int(v) for v in pair)
        if a == b or not (0 <= a < n and 0 <= b < n):
            raise ConfigError(f"graph edge {tuple(pair)!r} is not a pair of distinct wires in 0..{n - 1}")
        edges.append((a, b))
    return tuple(edges)


@dataclasses.dataclass(frozen=True)
class CircuitSpec:
    """Shape of the quantum latent circuit.

    Attributes:
        num_qubits: n, wires = latent width before readout.
        layers: p >= 1.
        ansatz: "qaoa" or "hea".
        graph: "ring" | "line" | "full" | "none" or explicit edges.
        readout: "z" (n features) or "zz" (n + number of edges features).
    """

    num_qubits: int = 4
    layers: int = 2
    ansatz: str = "qaoa"
    graph: Any = "ring"
    readout: str = "z"

    def __post_init__(self) -> None:
        if not isinstance(self.num_qubits, (int, np.integer)) or self.num_qubits < 1:
            raise ConfigError(f"num_qubits must be an int >= 1, got {self.num_qubits!r}")
        if not isinstance(self.layers, (int, np.integer)) or self.layers < 1:
            raise ConfigError(f"layers must be an int >= 1, got {self.layers!r}")
        if self.ansatz not in ANSATZE:
            raise ConfigError(f"ansatz must be one of {ANSATZE}, got {self.ansatz!r}")
        if self.readout not in ("z", "zz"):
            raise ConfigError(f"readout must be 'z' or 'zz', got {self.readout!r}")
        graph_edges(self.graph, self.num_qubits)  # validates

    @property
    def edges(self) -> tuple[tuple[int, int], ...]:
        return graph_edges(self.graph, self.num_qubits)

    @property
    def num_features(self) -> int:
        """Width of the readout vector."""
        return self.num_qubits + (len(self.edges) if self.readout == "zz" else 0)

    def weight_shapes(self) -> dict[str, tuple[int, ...]]:
        """Trainable weight arrays: name -> shape."""
        p, n, e = self.layers, self.num_qubits, len(self.edges)
        if self.ansatz == "qaoa":
            return {"gammas": (p, e), "deltas": (p, n), "betas": (p, n)}
        return {"thetas": (p, n)}

    def num_parameters(self) -> int:
        return int(sum(math.prod(s) for s in self.weight_shapes().values()))

    def to_dict(self) -> dict:
        graph = self.graph if isinstance(self.graph, str) else [list(e) for e in self.edges]
        return {"num_qubits": int(self.num_qubits), "layers": int(self.layers), "ansatz": self.ansatz,
                "graph": graph, "readout": self.readout}


# ---------------------------------------------------------------- torch simulator

def _zvals(n: int):
    import torch

    idx = np.arange(2**n)
    bits = (idx[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1
    return torch.as_tensor(1.0 - 2.0 * bits, dtype=torch.float64)  # (2**n, n)


def _apply_1q(states, n: int, wire: int, m00, m01, m10, m11):
    """Apply [[m00, m01], [m10, m11]] on ``wire`` of each row of ``states`` (R, 2**n)."""
    import torch

    R = states.shape[0]
    view = states.reshape(R, 2**wire, 2, 2 ** (n - 1 - wire))
    x0, x1 = view[:, :, 0, :], view[:, :, 1, :]
    return torch.stack((m00 * x0 + m01 * x1, m10 * x0 + m11 * x1), dim=2).reshape(R, 2**n)


def _cnot_perm(n: int, control: int, target: int) -> np.ndarray:
    idx = np.arange(2**n)
    cbit = (idx >> (n - 1 - control)) & 1
    return idx ^ (cbit << (n - 1 - target))


def _evolve(states, spec: CircuitSpec, w: dict):
    """Apply all trainable layers to each row of ``states`` (R, 2**n) (a batch of state vectors)."""
    import torch

    n = spec.num_qubits
    if spec.ansatz == "qaoa":
        V = states.to(torch.complex128)
        zv = _zvals(n)
        edges = spec.edges
        zz = torch.stack([zv[:, a] * zv[:, b] for a, b in edges], dim=1) if edges else None
        for layer in range(spec.layers):
            phase = zv @ w["deltas"][layer]
            if zz is not None:
                phase = phase + zz @ w["gammas"][layer]
            V = V * torch.exp(-0.5j * phase)[None, :]
            for i in range(n):
                cb, sb = torch.cos(w["betas"][layer, i] / 2), torch.sin(w["betas"][layer, i] / 2)
                V = _apply_1q(V, n, i, cb, -1j * sb, -1j * sb, cb)
        return V
    V = states.to(torch.float64)
    perm = torch.arange(2**n)
    for a, b in spec.edges:  # CNOTs in edge order, composed into one index map
        perm = perm[torch.as_tensor(_cnot_perm(n, a, b))]
    for layer in range(spec.layers):
        for i in range(n):
            ct, st = torch.cos(w["thetas"][layer, i] / 2), torch.sin(w["thetas"][layer, i] / 2)
            V = _apply_1q(V, n, i, ct, -st, st, ct)
        V = V[:, perm]
    return V


def unitary(spec: CircuitSpec, weights: dict):
    """The trainable part of the circuit (all layers after the embedding) as a matrix.

    Args:
        spec: the circuit.
        weights: name -> torch tensor (radians), shapes of ``spec.weight_shapes()``.

    Returns:
        complex128 torch tensor of shape (2**n, 2**n), differentiable in the weights;
        basis index bit (n-1-q) is wire q.
    """
    import torch

    w = {k: v.to(torch.float64) for k, v in weights.items()}
    # rows of V = U^T are the images U|k> of the basis states
    return _evolve(torch.eye(2**spec.num_qubits, dtype=torch.float64), spec, w).to(torch.complex128).T


def simulate(spec: CircuitSpec, inputs, weights: dict):
    """Exact batched evaluation of the circuit in torch (differentiable).

    For batches of at least 2**n images the weight-dependent part is built
    once as a 2**n x 2**n matrix (:func:`unitary`) and applied with one matrix
    product; smaller batches are evolved gate by gate (cost O(B p n 2**n)).

    Args:
        spec: the circuit.
        inputs: torch tensor of shape (B, n) or (n,), embedding angles in radians.
        weights: name -> torch tensor with the shapes of ``spec.weight_shapes()`` (radians).

    Returns:
        torch tensor of shape (B, spec.num_features) (or (num_features,) for a
        single input), dtype of ``inputs``; values in [-1, 1].
    """
    import torch

    n = spec.num_qubits
    if n > MAX_EXACT_QUBITS:
        raise ConfigError(f"the exact QCAE simulator handles at most {MAX_EXACT_QUBITS} qubits, got {n}")
    single = inputs.dim() == 1
    z = inputs[None] if single else inputs
    if z.dim() != 2 or z.shape[1] != n:
        raise ConfigError(f"inputs must have shape (B, {n}), got {tuple(inputs.shape)}")
    out_dtype = z.dtype
    z = z.to(torch.float64)
    B = z.shape[0]
    # product state of RY(z_i)|0>: amplitudes (cos z/2, sin z/2), real
    c, s = torch.cos(z / 2), torch.sin(z / 2)
    psi = torch.stack((c[:, 0], s[:, 0]), dim=1)
    for i in range(1, n):
        psi = (psi[:, :, None] * torch.stack((c[:, i], s[:, i]), dim=1)[:, None, :]).reshape(B, -1)
    w = {k: v.to(torch.float64) for k, v in weights.items()}
    if B >= 2**n:  # cheaper to build the 2**n x 2**n matrix once and apply it to the batch
        out = psi.to(torch.complex128) @ unitary(spec, w).T
    else:
        out = _evolve(psi, spec, w)
    probs = out.real**2 + out.imag**2 if out.is_complex() else out**2
    zv = _zvals(n)
    feats = probs @ zv
    edges = spec.edges
    if spec.readout == "zz" and edges:
        zz = torch.stack([zv[:, a] * zv[:, b] for a, b in edges], dim=1)
        feats = torch.cat((feats, probs @ zz), dim=1)
    feats = feats.to(out_dtype)
    return feats[0] if single else feats


# ---------------------------------------------------------------- PennyLane

def capacity_error(message: str) -> Exception:
    """A :class:`qopt.errors.DeviceCapacityError` with ``message``."""
    from qopt.errors import DeviceCapacityError

    return DeviceCapacityError(message)


def resolve_device(spec: Any = None):
    """The :class:`qopt.devices.DeviceConfig` for ``spec``.

    Args:
        spec: None (exact), a short name ("exact", "lightning", "aer", "aer_noisy", "ibm_fake",
            ... from ``hardware_configs/``), "default" (PennyLane default.qubit), a YAML path
            or a DeviceConfig.
    """
    from qopt.devices import load_device

    if isinstance(spec, str) and spec == "default":  # PennyLane default.qubit (backprop), no YAML needed
        return load_device({"name": "default", "kind": "default"})
    return load_device(spec)


def device_coupling(config: Any, num_qubits: int) -> tuple[tuple[int, int], ...] | None:
    """Two-qubit couplings available to wires 0..n-1 on a device with a (fake) backend, else None.

    Picks n physical qubits connected in the backend's coupling map (breadth-first from qubit 0),
    relabels them 0..n-1 and returns the couplings among them (undirected pairs). Devices
    without a backend (simulators) return None: all pairs are allowed.
    """
    if not getattr(config, "backend", None) or getattr(config, "kind", None) not in ("aer", "ibm"):
        return None
    try:
        backend = config.fake_backend()
    except Exception:  # a real IBM backend: let the provider route
        return None
    cmap = getattr(backend, "coupling_map", None)
    if cmap is None:
        return None
    import networkx as nx

    graph = nx.Graph()
    graph.add_edges_from(tuple(e) for e in cmap.get_edges())
    if graph.number_of_nodes() < num_qubits:
        raise capacity_error(f"backend {config.backend} has {graph.number_of_nodes()} qubits, the circuit needs {num_qubits}")
    chosen = list(nx.bfs_tree(graph, min(graph.nodes)))[:num_qubits]
    label = {q: i for i, q in enumerate(chosen)}
    return tuple(sorted({tuple(sorted((label[a], label[b]))) for a, b in graph.subgraph(chosen).edges}))


def _routes(edges, coupling, n):
    """For each edge (a, b): the wire path a -> b through ``coupling`` (None = direct)."""
    if coupling is None:
        return [None] * len(edges)
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(coupling)
    out = []
    for a, b in edges:
        out.append(None if graph.has_edge(a, b) else nx.shortest_path(graph, a, b))
    return out


def make_qnode(spec: CircuitSpec, device: Any = None, *, shots: int | None = None, seed: int | None = None,
               diff_method: str | None = None, coupling: Sequence[Sequence[int]] | None = None):
    """The circuit as a PennyLane QNode (torch interface).

    Args:
        spec: the circuit.
        device: a device config (see :func:`resolve_device`); default exact.
        shots: shots per expectation (default: the device's; None = analytic).
        seed: simulator seed (default: the device's).
        diff_method: default the device's, else "parameter-shift" with shots,
            "backprop" on default.qubit, "adjoint" otherwise.

        coupling: allowed two-qubit pairs of wires (default: from the device's fake backend,
            see :func:`device_coupling`); entangling gates on other pairs are routed with SWAPs
            there and back, which leaves the circuit's unitary unchanged.

    Returns:
        ``qnode(inputs, weights) -> torch tensor (B, num_features)`` where
        ``inputs`` is (B, n) and ``weights`` a dict as for :func:`simulate`.
    """
    import pennylane as qml
    import torch

    config = resolve_device(device)
    n = spec.num_qubits
    config.check_width(n)
    shots = shots if shots is not None else getattr(config, "shots", None)
    seed = seed if seed is not None else getattr(config, "seed", None)
    dev = config.pennylane_device(list(range(n)), shots=shots, seed=seed)
    if hasattr(config, "resolved_diff_method"):
        diff_method = config.resolved_diff_method(diff_method, shots)
    if diff_method is None:
        diff_method = getattr(config, "diff_method", None)
    if diff_method is None:
        if shots:
            diff_method = "parameter-shift"
        elif "default" in str(getattr(dev, "name", "")) or "default.qubit" in str(type(dev)).lower():
            diff_method = "backprop"
        else:
            diff_method = "adjoint"
    edges = spec.edges
    if coupling is None:
        coupling = device_coupling(config, n)
    routes = _routes(edges, coupling, n)

    def entangle(gate, a, b, route):
        if route is None:
            gate(a, b)
            return
        swaps = [(route[k], route[k + 1]) for k in range(len(route) - 2)]
        for u, v in swaps:
            qml.SWAP(wires=[u, v])
        gate(route[-2], b)  # wire a's state now sits on route[-2], next to b
        for u, v in reversed(swaps):
            qml.SWAP(wires=[u, v])

    def circuit(inputs, gammas=None, deltas=None, betas=None, thetas=None):
        for i in range(n):
            qml.RY(inputs[..., i], wires=i)
        for layer in range(spec.layers):
            if spec.ansatz == "qaoa":
                for k, (a, b) in enumerate(edges):
                    entangle(lambda u, v, g=gammas[layer, k]: qml.IsingZZ(g, wires=[u, v]), a, b, routes[k])
                for i in range(n):
                    qml.RZ(deltas[layer, i], wires=i)
                for i in range(n):
                    qml.RX(betas[layer, i], wires=i)
            else:
                for i in range(n):
                    qml.RY(thetas[layer, i], wires=i)
                for k, (a, b) in enumerate(edges):
                    entangle(lambda u, v: qml.CNOT(wires=[u, v]), a, b, routes[k])
        obs = [qml.expval(qml.PauliZ(i)) for i in range(n)]
        if spec.readout == "zz":
            obs += [qml.expval(qml.PauliZ(a) @ qml.PauliZ(b)) for a, b in edges]
        return obs

    qnode = qml.QNode(circuit, dev, interface="torch", diff_method=diff_method)
    if shots:
        qnode = qml.set_shots(qnode, shots=shots)

    unbatch = diff_method not in ("backprop", "adjoint")

    def run(inputs, weights):
        single = inputs.dim() == 1
        z = inputs[None] if single else inputs
        w = {k: v.to(torch.float64) for k, v in weights.items()}
        if unbatch and z.requires_grad and torch.is_grad_enabled() and z.shape[0] > 1:
            # parameter-shift / finite differences cannot differentiate a broadcast tape with respect
            # to the broadcast inputs: evaluate the images one by one
            rows = [qnode(z[b].to(torch.float64), **w) for b in range(z.shape[0])]
            feats = torch.stack([torch.stack([torch.as_tensor(o).reshape(()) for o in r]) for r in rows])
        else:
            out = qnode(z.to(torch.float64), **w)
            feats = torch.stack([torch.as_tensor(o).reshape(-1) for o in out], dim=-1)
        if feats.shape[0] != z.shape[0]:
            feats = feats.expand(z.shape[0], -1)
        feats = feats.to(inputs.dtype)
        return feats[0] if single else feats

    run.qnode = qnode
    run.diff_method = diff_method
    run.device = config
    return run


# ---------------------------------------------------------------- Qiskit circuit (Aer and IBM devices)

def qiskit_circuit(spec: CircuitSpec):
    """The circuit as a parametrised Qiskit ``QuantumCircuit`` with ``measure_all``.

    Returns:
        (circuit, inputs, weights): ``inputs`` a ParameterVector of length n, ``weights`` a
        dict name -> list of Parameters in row-major order of ``spec.weight_shapes()``.
    """
    from qiskit.circuit import ParameterVector, QuantumCircuit

    n = spec.num_qubits
    qc = QuantumCircuit(n)
    z = ParameterVector("z", n)
    weights = {name: ParameterVector(name, int(np.prod(shape))) for name, shape in spec.weight_shapes().items()}
    for i in range(n):
        qc.ry(z[i], i)
    edges = spec.edges
    for layer in range(spec.layers):
        if spec.ansatz == "qaoa":
            e = len(edges)
            for k, (a, b) in enumerate(edges):
                qc.rzz(weights["gammas"][layer * e + k], a, b)  # RZZ(t) = exp(-i t ZZ / 2) = IsingZZ(t)
            for i in range(n):
                qc.rz(weights["deltas"][layer * n + i], i)
            for i in range(n):
                qc.rx(weights["betas"][layer * n + i], i)
        else:
            for i in range(n):
                qc.ry(weights["thetas"][layer * n + i], i)
            for a, b in edges:
                qc.cx(a, b)
    qc.measure_all()
    return qc, z, weights
