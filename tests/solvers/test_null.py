"""The null model ``random``: uniform bitstrings through the quantum solvers' decode path (issue 14)."""

import networkx as nx
import numpy as np
import pytest

from qopt.errors import ConfigError
from qopt.problems import MaxCut, load
from qopt.solvers import SOLVERS, solve
from qopt.testing import assert_result_api


def _regular(n=10, seed=3):
    g = nx.random_regular_graph(3, n, seed=seed)
    best = solve(MaxCut(g), "exact").objective
    return g, MaxCut(g, known_optimum=best)


def test_registered_and_counts_shots():
    assert "random" in SOLVERS
    _, p = _regular()
    r = solve(p, "random", shots=300, seed=2, postprocess="none")
    assert_result_api(r, p)
    assert r.solver == "random" and r.raw["shots"] == 300 and r.raw["readout"] == "shots"
    assert r.objective == r.raw["best_objective"] and r.qubits == p.num_variables
    assert int(r.raw_samples.record.num_occurrences.sum()) == 300


def test_random_maxcut_ratio_is_half_the_edges_over_the_optimum():
    g, p = _regular()
    r = solve(p, "random", shots=2048, seed=1, postprocess="none")
    expected = g.number_of_edges() / 2 / p.known_optimum
    assert r.raw["expected_from"] == "exact" and r.raw["approx_ratio"] == pytest.approx(expected)
    shots_ratio = r.raw["expected_objective_shots"] / p.known_optimum
    assert abs(shots_ratio - expected) < 4 * r.raw["expected_objective_stderr"] / p.known_optimum
    assert 0.0 <= r.raw["p_optimum"] <= 1.0


def test_qaoa_p3_beats_the_null_model_on_a_3_regular_graph():
    g, p = _regular(8, seed=7)
    null = solve(p, "random", shots=1024, seed=1, postprocess="none").raw["approx_ratio"]
    q = solve(p, "qaoa", layers=3, shots=1024, seed=1, postprocess="none")
    assert q.raw["shots"] == 1024 and q.postprocess == "none"
    assert q.raw["approx_ratio"] > null + 0.2
    assert q.raw["p_optimum"] > 0.1


def test_xy_space_is_one_hot_per_row_and_pce_like_counts_pce_qubits():
    qap = load("chr12a")
    r = solve(qap, "random", shots=64, seed=1, mixer="xy", postprocess="none")
    X = r.raw_samples.record.sample.reshape(-1, 12, 12)
    assert (X.sum(axis=2) == 1).all()  # rows one-hot: the XY start space
    mk = load("pb4")
    r = solve(mk, "random", like="pce", shots=64, seed=1, postprocess="one-round")
    assert r.qubits == 6 and r.info["bits"] == 45  # algorithms.md 1.7: 45 QUBO variables -> 6 PCE qubits


def test_seeded_runs_repeat():
    _, p = _regular()
    a = solve(p, "random", shots=50, seed=4)
    b = solve(p, "random", shots=50, seed=4)
    assert np.array_equal(a.solution, b.solution) and a.raw == b.raw


@pytest.mark.parametrize("bad, match", [({"shots": 0}, r"shots must be (a positive integer; got|>= 1, got) 0"),
                                        ({"like": "annealer"}, "like must be one of"),
                                        ({"mixer": "xy"}, "needs one-hot equality constraints"),
                                        ({"postprocess": "half"}, "postprocess must be one of")],
                         ids=["shots", "like", "xy", "postprocess"])
def test_bad_options(bad, match):
    _, p = _regular()
    with pytest.raises(ConfigError, match=match):
        solve(p, "random", **bad)


def test_qaoa_raw_expectation_is_exact_on_the_exact_device_and_shots_agree():
    """The raw block's expected objective equals the exact state's; the shot estimate is within 4 s.e."""
    g, p = _regular(8, seed=7)
    q = solve(p, "qaoa", layers=2, seed=1, postprocess="none")
    assert q.raw["expected_from"] == "exact" and q.raw["shots"] == 1024
    assert q.raw["expected_objective"] == pytest.approx(-q.info["final_expectation"])  # max: cut = -energy
    assert abs(q.raw["expected_objective_shots"] - q.raw["expected_objective"]) < 4 * q.raw["expected_objective_stderr"]
    assert 0.0 <= q.raw["approx_ratio"] <= 1.0 and 0.0 <= q.raw["p_optimum"] <= 1.0
    assert q.objective == q.raw["best_objective"]


def test_shrunk_null_model_reads_the_same_bits_as_the_solver_it_imitates():
    """Shrinking counts qubits with the imitated solver's slack encoding (qaoa: unbalanced), so
    ``random`` under the same budget solves the same shrunk problem as qaoa, not a smaller one."""
    import qopt
    from qopt.options import default_slack

    assert default_slack("random") == default_slack("qaoa") == "unbalanced"
    assert default_slack("random", "pce") == default_slack("pce") == "binary"
    problem = qopt.load("mknap1-3")
    null = qopt.solve(problem, "random", shrink="adaptive", max_qubits=12, seed=0)
    assert null.info["qubits_after"] == null.info["solver_info"]["bits"] == 12 and null.raw["shots"] == 1024
    assert null.options["slack"] == "unbalanced"
