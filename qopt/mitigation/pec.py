"""Probabilistic error cancellation (Temme, Bravyi, Gambetta, PRL 119, 180509 (2017)) through Mitiq.

Every gate of the bound ISA circuit that the backend reports an error for is written as a
quasi-probability mixture of itself followed by Pauli gates (Mitiq's
``represent_operation_with_global_depolarizing_noise``). The noise level of a gate is its Pauli error
probability under a depolarising model, ``p = r (d + 1) / d`` with ``r`` the backend's reported
(average) gate error and ``d = 2**k`` for a k-qubit gate. Virtual ``rz`` gates (error 0) and
measurements are not represented: PEC does not touch readout error (combine with ``readout``).

Mitiq samples ``num_samples`` circuits with signs ``s_j`` and the one-norm ``gamma`` of the whole
representation; the estimate is ``c + gamma * mean_j(s_j * (E_j - c))`` with ``c`` the constant of the
energy (the identity term needs no mitigation). Its standard deviation grows like ``gamma / sqrt(num_samples)``: :func:`sampling_overhead` reports ``gamma**2``, the factor by which
PEC multiplies the shots needed for a given precision. Cost per evaluation: ``num_samples`` device
executions (one job), no classical simulation.

The model is an approximation: Aer's noise models of IBM backends add thermal relaxation to the
depolarising part. Gates Cirq would expand (``ecr``) are sampled through a stand-in
(:func:`qopt.mitigation.transform.mitiq_round_trip`), so each keeps its own, single representation.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = ["gate_noise_levels", "representations", "sample_circuits", "pec_estimate", "sampling_overhead"]


def _physical(qubit) -> int:
    """Physical qubit index of a Cirq qubit from Mitiq's Qiskit conversion (``q_k`` or a LineQubit)."""
    from qopt.errors import MitigationError

    name = getattr(qubit, "name", None)
    if name is not None and name.rsplit("_", 1)[-1].isdigit():
        return int(name.rsplit("_", 1)[-1])
    x = getattr(qubit, "x", None)
    if isinstance(x, int):
        return x
    raise MitigationError(f"pec: cannot map the converted qubit {qubit!r} back to a physical qubit")


def gate_noise_levels(target) -> tuple[dict, dict]:
    """Pauli error probabilities of the backend's gates.

    Args:
        target: a Qiskit ``Target`` (``backend.target``).

    Returns:
        ``(two, one)``: ``two[frozenset({a, b})]`` the largest Pauli error probability of a two-qubit
        gate on the pair, ``one[q]`` that of the non-virtual single-qubit gates (``sx``, ``x``) on ``q``.
        A gate error ``r`` becomes ``r * (d + 1) / d``.
    """
    two: dict = {}
    one: dict = {}
    for name in target.operation_names:
        if name in ("measure", "reset", "delay", "rz"):
            continue
        props = target[name]
        if not props:
            continue
        for qargs, p in props.items():
            if qargs is None or p is None or not p.error:
                continue
            d = 2 ** len(qargs)
            level = float(p.error) * (d + 1) / d
            if len(qargs) == 2:
                key = frozenset(qargs)
                two[key] = max(two.get(key, 0.0), level)
            elif len(qargs) == 1:
                one[qargs[0]] = max(one.get(qargs[0], 0.0), level)
    return two, one


def representations(circuit, backend, *, noise_scale: float = 1.0, physical=None) -> list:
    """Mitiq quasi-probability representations of the noisy gates of a bound ISA ``circuit``.

    Args:
        circuit: bound Qiskit circuit on the backend's physical qubits.
        backend: the backend (its ``target`` gives the gate errors).
        noise_scale: factor on every noise level (1 = the backend's reported errors).
        physical: physical qubit of each circuit qubit (default: the circuit is on physical qubits).

    Returns:
        One ``OperationRepresentation`` per distinct (gate, qubits) with a reported error.
    """
    import cirq
    from mitiq.interface import convert_to_mitiq
    from mitiq.pec import represent_operation_with_global_depolarizing_noise

    from qopt.errors import MitigationError

    two, one = gate_noise_levels(backend.target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        converted, _ = convert_to_mitiq(circuit)
    reps, seen = [], set()
    for op in converted.all_operations():
        if cirq.is_measurement(op) or op in seen or isinstance(op.gate, cirq.ZPowGate):
            continue
        seen.add(op)
        qubits = [_physical(q) for q in op.qubits]
        if physical is not None:
            qubits = [int(physical[q]) for q in qubits]
        if len(qubits) == 2:
            level = two.get(frozenset(qubits), 0.0)
        elif len(qubits) == 1:
            level = one.get(qubits[0], 0.0)
        else:
            raise MitigationError(f"pec: cannot represent the {len(qubits)}-qubit operation {op}; "
                                  "PEC needs a circuit of one- and two-qubit gates")
        level *= noise_scale
        if level <= 0.0:
            continue
        if level >= 0.5:
            raise MitigationError(f"pec: gate {op} has a Pauli error probability of {level:.3g}; "
                                  "the depolarising representation needs < 0.5")
        reps.append(represent_operation_with_global_depolarizing_noise(cirq.Circuit(op), level))
    return reps


def sample_circuits(circuit, backend, *, num_samples: int, rng: np.random.RandomState,
                    noise_scale: float = 1.0) -> tuple[list, np.ndarray, float]:
    """``num_samples`` circuits sampled from the PEC representation of a bound measured ISA circuit.

    Returns:
        ``(circuits, signs, gamma)``: ISA circuits on the same physical qubits, measured as
        ``circuit``; signs of shape (num_samples,) in {-1, +1}; the one-norm ``gamma`` >= 1.
    """
    from mitiq.pec import sample_circuit

    from qopt.mitigation.transform import active_qubits, mitiq_round_trip, to_isa

    drawn = {}
    physical = active_qubits(circuit)

    def sample(c):  # on the circuit Mitiq sees: active qubits only, stand-ins for gates Cirq would expand
        reps = representations(c, backend, noise_scale=noise_scale, physical=physical)
        with warnings.catch_warnings():  # Mitiq warns once per gate without representation (virtual rz)
            warnings.simplefilter("ignore", UserWarning)
            drawn["circuits"], drawn["signs"], drawn["gamma"] = sample_circuit(c, reps, random_state=rng,
                                                                                num_samples=num_samples)
        return drawn["circuits"]

    circuits = [to_isa(c, backend) for c in mitiq_round_trip(circuit, sample)]
    return circuits, np.asarray(drawn["signs"], dtype=np.float64), float(drawn["gamma"])


def pec_estimate(values, signs, gamma: float, *, offset: float = 0.0) -> float:
    """``offset + gamma * mean(signs * (values - offset))``: the PEC estimate of the ideal value.

    ``offset`` is the identity component of the observable (the constant of the Ising energy): every
    channel preserves the trace, so it needs no mitigation, and leaving it out of the sampled terms
    divides the estimator's spread by ``|E| / |E - offset|`` (3x on a MaxCut ring, whose energy is
    mostly constant).
    """
    v = np.asarray(values, dtype=np.float64)
    s = np.asarray(signs, dtype=np.float64)
    if v.shape != s.shape or v.size == 0:
        raise ValueError(f"values and signs must have the same non-empty shape, got {v.shape} and {s.shape}")
    return float(offset + gamma * np.mean(s * (v - offset)))


def sampling_overhead(gamma: float) -> float:
    """``gamma**2``: the factor PEC multiplies the number of shots by for the same precision."""
    if not math.isfinite(gamma) or gamma < 1.0:
        raise ValueError(f"gamma must be a finite one-norm >= 1, got {gamma!r}")
    return float(gamma) ** 2
