"""QRAO: qubit assignment, relaxed Hamiltonian, relaxation bound, rounding, end-to-end."""

from __future__ import annotations

import json
from functools import reduce
from itertools import product

import dimod
import networkx as nx
import numpy as np
import pytest

from qopt.errors import ConfigError, SolverError
from qopt.problems import load
from qopt.problems.maxcut import MaxCut
from qopt.solvers import qrao as Q

PAULI = [np.array([[0, 1], [1, 0]], dtype=complex), np.array([[0, -1j], [1j, 0]]),
         np.diag([1.0, -1.0]).astype(complex)]
GRAPHS = {"C6": nx.cycle_graph(6), "K4": nx.complete_graph(4), "Petersen": nx.petersen_graph(),
          "Q3": nx.convert_node_labels_to_integers(nx.hypercube_graph(3))}


def _op(nq, q, p):
    return reduce(np.kron, [PAULI[p] if j == q else np.eye(2) for j in range(nq)])


def _random_bqm(m, seed, density=0.4):
    rng = np.random.default_rng(seed)
    bqm = dimod.BinaryQuadraticModel("BINARY")
    for i in range(m):
        bqm.add_linear(i, float(rng.integers(-4, 5)))
    for i in range(m):
        for j in range(i + 1, m):
            if rng.random() < density:
                bqm.add_quadratic(i, j, float(rng.integers(-4, 5) or 1))
    bqm.offset = -1.5
    return bqm


def _brute_min(bqm):
    m = bqm.num_variables
    return min(bqm.energy(dict(zip(bqm.variables, x))) for x in product((0, 1), repeat=m))


@pytest.mark.parametrize("k,p", [(3, 0.78868), (2, 0.85355), (1, 1.0)])
def test_recovery_probability(k, p):
    assert Q.recovery_probability(k) == pytest.approx(p, abs=1e-5)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_assignment_has_no_conflicting_pair(seed, k):
    bqm = _random_bqm(10, seed)
    enc = Q.encode(bqm, k)
    assert all(len(vs) <= k for vs in enc.q2vars)
    assert sorted(v for vs in enc.q2vars for v in vs) == list(range(10))
    for u, v in zip(enc.rows, enc.cols):
        assert enc.qubit[u] != enc.qubit[v]
    for vs in enc.q2vars:  # distinct Paulis on a qubit, in X, Y, Z / X, Z / Z order
        assert [enc.pauli[v] for v in vs] == list(Q.PAULIS[k][:len(vs)])
    colours = nx.greedy_color(nx.Graph(list(zip(enc.rows.tolist(), enc.cols.tolist()))))
    assert enc.num_qubits >= max(colours.values(), default=0) + 1


@pytest.mark.parametrize("name,k,qubits,lam", [("C6", 3, 2, 9.0), ("C6", 2, 4, 7.0), ("K4", 3, 4, 6.0),
                                               ("K4", 2, 4, 5.0), ("Petersen", 3, 4, 15.909),
                                               ("Petersen", 2, 6, 14.321), ("Q3", 3, 4, 14.710),
                                               ("Q3", 2, 4, 12.472)])
def test_spec_check_values(name, k, qubits, lam):
    problem = MaxCut(GRAPHS[name])
    bqm, _ = problem.to_bqm()
    enc = Q.encode(bqm, k)
    assert enc.num_qubits == qubits
    state, energy, used = Q.ground_state(enc, method="exact")
    assert used == "exact" and -energy == pytest.approx(lam, abs=1e-3)  # BQM energy = -cut


@pytest.mark.parametrize("k", [1, 2, 3])
def test_hamiltonian_matches_dense_construction_and_relaxes(k):
    bqm = _random_bqm(6, 10 + k)
    enc = Q.encode(bqm, k)
    nq = enc.num_qubits
    H = Q.relaxed_hamiltonian(enc).toarray()
    ref = enc.offset * np.eye(2**nq, dtype=complex)
    sk = np.sqrt(k)
    ops = [_op(nq, enc.qubit[i], enc.pauli[i]) for i in range(enc.num_vars)]
    for i in range(enc.num_vars):
        ref += sk * enc.h[i] * ops[i]
    for u, v, j in zip(enc.rows, enc.cols, enc.J):
        ref += k * j * ops[u] @ ops[v]
    np.testing.assert_allclose(H, ref, atol=1e-12)
    np.testing.assert_allclose(H, H.conj().T, atol=1e-12)
    # every variable's operator acts on its own qubit only: it commutes with all Paulis elsewhere
    for i in range(enc.num_vars):
        for q in range(nq):
            if q != enc.qubit[i]:
                for p in range(3):
                    other = _op(nq, q, p)
                    assert np.allclose(ops[i] @ other, other @ ops[i])
    # relaxation: lambda_min <= true minimum, and every bitstring is embedded with its energy
    lam = np.linalg.eigvalsh(H)[0]
    assert lam <= _brute_min(bqm) + 1e-9
    for x in product((0, 1), repeat=enc.num_vars):
        state = Q.encoded_state(enc, x)
        assert np.vdot(state, H @ state).real == pytest.approx(bqm.energy(dict(enumerate(x))), abs=1e-9)


@pytest.mark.parametrize("k", [2, 3])
def test_rounding_of_encoded_state(k):
    bqm = _random_bqm(9, 20 + k)
    enc = Q.encode(bqm, k)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, enc.num_vars)
    state = Q.encoded_state(enc, x)
    np.testing.assert_allclose(np.abs(Q.pauli_expectations(enc, state)), 1 / np.sqrt(k), atol=1e-12)
    assert Q.semideterministic_rounding(enc, state, seed=1).tolist() == x.tolist()
    shots = 4000
    bits = Q.magic_rounding(enc, state, shots=shots, seed=2)
    assert bits.shape == (shots, enc.num_vars) and set(np.unique(bits)) <= {0, 1}
    # a qubit block is decoded correctly exactly when its sampled basis contains the state:
    # probability 1/4 for (3,1), 1/2 for (2,1)
    full = [vs for vs in enc.q2vars if len(vs) == k]
    rate = np.mean([np.all(bits[:, vs] == x[vs], axis=1).mean() for vs in full])
    assert rate == pytest.approx(1 / 4 if k == 3 else 1 / 2, abs=0.04)


def test_ground_state_rounding_recovers_unique_optimum():
    """A (2,1)-relaxation whose ground state is the QRAC state of the unique optimum rounds to it."""
    bqm = dimod.BinaryQuadraticModel({0: -1.0, 1: 2.0, 2: -3.0, 3: 1.0}, {}, 0.0, "BINARY")
    enc = Q.encode(bqm, 2)  # no interactions: 2 qubits
    state, energy, _ = Q.ground_state(enc, method="exact")
    assert energy <= _brute_min(bqm) + 1e-9
    assert Q.semideterministic_rounding(enc, state, seed=0).tolist() == [1, 0, 1, 0]


def test_vqe_reaches_exact_relaxed_energy():
    bqm, _ = MaxCut(GRAPHS["C6"]).to_bqm()
    enc = Q.encode(bqm, 3)
    _, exact, _ = Q.ground_state(enc, method="exact")
    _, vqe, used = Q.ground_state(enc, method="vqe", layers=2, maxiter=200, seed=3)
    assert used == "vqe" and vqe == pytest.approx(exact, abs=1e-5)


@pytest.mark.parametrize("encoding", [2, 3])
@pytest.mark.parametrize("rounding", ["magic", "semideterministic"])
def test_end_to_end_tiny_instances(encoding, rounding):
    problem = MaxCut(GRAPHS["Petersen"], known_optimum=12)
    r = Q.qrao(problem, encoding=encoding, rounding=rounding, seed=1, shots=300)
    assert r.objective == 12 and r.qubits == (4 if encoding == 3 else 6)
    assert r.info["relaxed_energy"] <= -12 + 1e-9


@pytest.mark.parametrize("rounding", ["magic", "semideterministic"])
def test_end_to_end_bundled_mis(rounding):
    mis = load("mammalia-kangaroo-interactions")
    r = Q.qrao(mis, encoding=3, rounding=rounding, seed=2, shots=300)
    assert r.feasible and r.objective == mis.known_optimum and r.qubits == 10 < mis.num_variables


def test_magic_rounding_quality_before_local_search():
    problem = MaxCut(GRAPHS["Q3"], known_optimum=12)
    r = Q.qrao(problem, encoding=3, rounding="magic", seed=4, shots=500, local_search=False)
    assert r.info["objective_rounded"] == 12 == r.objective


def test_errors():
    problem = MaxCut(GRAPHS["C6"])
    with pytest.raises(ValueError, match="--encoding must be 1, 2 or 3"):
        Q.qrao(problem, encoding=4)
    with pytest.raises(ValueError, match="--rounding"):
        Q.qrao(problem, rounding="best")
    with pytest.raises(ConfigError, match="not supported yet"):
        Q.qrao(problem, device="lightning")


def test_cli_solve_json():
    from click.testing import CliRunner

    from qopt.cli import cli

    out = CliRunner().invoke(cli, ["solve", "mknap1-1", "--solver", "qrao", "--encoding", "3",
                                   "--rounding", "magic", "--shots", "200", "--seed", "1", "--output", "json"])
    # 48 BQM variables do not compress below 24 qubits: a clear SolverError before any work
    assert out.exit_code != 0 and isinstance(out.exception, SolverError) and "24 qubits" in str(out.exception)
    out = CliRunner().invoke(cli, ["solve", "labs5", "--solver", "qrao", "--encoding", "2",
                                   "--rounding", "semideterministic", "--seed", "1", "--output", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["solver"] == "qrao" and data["feasible"] and 1 <= data["qubits"] <= 16
    assert data["info"]["eigensolver"] == "exact"


def test_relaxation_too_large_for_memory_is_a_clear_error_before_work():
    # market split: every pair interacts, so QRAO needs one qubit per variable (20 qubits, no
    # compression) and the sparse relaxed Hamiltonian would need ~13 GiB
    import qopt
    from qopt.errors import ConfigError

    with pytest.raises(ConfigError, match="shrink the problem first"):
        qopt.solve(qopt.load("ms_03_050_002"), "qrao", seed=0)
