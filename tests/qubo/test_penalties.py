"""CQM -> BQM: energies equal objective + weighted violations, calibrated weights keep
ground states feasible, weights never explode, errors are clear."""

from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qopt.errors import InfeasibleModelError, PenaltyWarning
from qopt.problems import IndependentSet, Knapsack, QuadraticAssignment
from qopt.qubo import count_qubits, to_bqm


@st.composite
def knapsacks(draw, max_items=7, max_dims=2):
    n = draw(st.integers(2, max_items))
    m = draw(st.integers(1, max_dims))
    profits = draw(st.lists(st.integers(1, 30), min_size=n, max_size=n))
    weights = [draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)) for _ in range(m)]
    for row in weights:
        row[0] = 1  # gcd 1, so integer units equal the data's units
    caps = [draw(st.integers(1, max(1, sum(row) - 1))) for row in weights]
    return Knapsack(profits, weights, caps)


def _energy(bqm, x, slack_values=None):
    sample = {i: int(v) for i, v in enumerate(x)}
    sample.update(slack_values or {})
    return bqm.energy(sample)


def _min_over_slack(bqm, decoder, x):
    """min over all slack assignments of the BQM energy at problem assignment x."""
    slack_vars = [s for terms in decoder.slack.values() for s, _ in terms]
    best = np.inf
    for bits in itertools.product((0, 1), repeat=len(slack_vars)):
        best = min(best, _energy(bqm, x, dict(zip(slack_vars, bits))))
    return best


@settings(max_examples=40, deadline=None)
@given(kp=knapsacks(), data=st.data())
def test_energy_is_objective_plus_weighted_violation(kp, data):
    bqm, dec = kp.to_bqm()
    x = np.array(data.draw(st.lists(st.integers(0, 1), min_size=kp.num_variables, max_size=kp.num_variables)))
    objective = -kp.evaluate(x)  # the CQM minimises -profit
    expected = objective
    for i, e in enumerate(kp.weights @ x - kp.capacities):
        label = f"capacity_{i}"
        w, k = dec.penalties[label], int(x[np.flatnonzero(kp.weights[i])].sum())
        expected += {"at_most_one": w * k * (k - 1) / 2,  # unit weights, capacity 1: one term per pair
                     "all_zero": w * k,
                     "redundant": 0.0}.get(dec.encodings[label], w * max(0.0, e) ** 2)
    assert _min_over_slack(bqm, dec, x) == pytest.approx(expected)
    # feasible <=> zero penalty at the best slack
    assert kp.is_feasible(x) == (_min_over_slack(bqm, dec, x) == pytest.approx(objective))


@settings(max_examples=25, deadline=None)
@given(kp=knapsacks(max_items=6))
def test_calibrated_ground_state_is_the_feasible_optimum(kp):
    bqm, dec = kp.to_bqm()
    ground = dimod.ExactSolver().sample(bqm).first.sample
    x = np.array([ground[i] for i in range(kp.num_variables)])
    best = max(kp.evaluate(np.array(bits)) for bits in itertools.product((0, 1), repeat=kp.num_variables)
               if kp.is_feasible(np.array(bits)))
    assert kp.is_feasible(x)
    assert kp.evaluate(x) == best


@settings(max_examples=25, deadline=None)
@given(kp=knapsacks(), data=st.data())
def test_unbalanced_penalty_formula(kp, data):
    bqm, dec = kp.to_bqm(slack="unbalanced")
    assert dec.num_slack == 0 and bqm.num_variables == kp.num_variables
    x = np.array(data.draw(st.lists(st.integers(0, 1), min_size=kp.num_variables, max_size=kp.num_variables)))
    l1, l2 = 0.96, 0.0371
    expected = -kp.evaluate(x)
    for i, h in enumerate(kp.capacities - kp.weights @ x):
        label, w = f"capacity_{i}", dec.penalties[f"capacity_{i}"]
        support = np.flatnonzero(kp.weights[i])
        if dec.encodings[label] == "unbalanced":
            expected += w * (l2 * h * h - l1 * h)
        elif dec.encodings[label] == "at_most_one":  # unit weights, capacity 1: pairs
            k = int(x[support].sum())
            expected += w * k * (k - 1) / 2
        elif dec.encodings[label] == "all_zero":
            expected += w * x[support].sum()
        else:
            assert dec.encodings[label] == "redundant"
    assert _energy(bqm, x) == pytest.approx(expected)


def test_mis_energy_and_ground_state():
    import networkx as nx

    g = nx.petersen_graph()
    mis = IndependentSet(g)
    bqm, dec = mis.to_bqm()
    assert dec.num_slack == 0
    rng = np.random.default_rng(0)
    for _ in range(50):
        x = rng.integers(0, 2, mis.num_variables)
        conflicts = sum(x[u] * x[v] for u, v in g.edges)
        w = dec.penalties[next(iter(dec.penalties))]
        assert _energy(bqm, x) == pytest.approx(-x.sum() + w * conflicts)
    best = dimod.ExactSolver().sample(bqm).first
    x = np.array([best.sample[i] for i in range(10)])
    assert mis.is_feasible(x) and mis.evaluate(x) == 4  # independence number of the Petersen graph


def test_qap_ground_state_is_optimal_permutation():
    rng = np.random.default_rng(3)
    flow = rng.integers(0, 6, (3, 3)); np.fill_diagonal(flow, 0)
    dist = rng.integers(1, 6, (3, 3)); dist = dist + dist.T; np.fill_diagonal(dist, 0)
    qap = QuadraticAssignment(flow, dist)
    bqm, _ = qap.to_bqm()
    x = np.array([dimod.ExactSolver().sample(bqm).first.sample[i] for i in range(9)])
    best = min(qap.cost_of_permutation(p) for p in itertools.permutations(range(3)))
    assert qap.is_feasible(x) and qap.evaluate(x) == best


def test_weight_override_by_name_and_unknown_name():
    kp = Knapsack([5, 4, 3], [[2, 3, 1]], [4])
    _, dec = kp.to_bqm(weights={"capacity_0": 123.0})
    assert dec.penalties["capacity_0"] == 123.0
    with pytest.raises(ValueError, match="unknown constraints"):
        kp.to_bqm(weights={"nope": 1.0})
    with pytest.raises(ValueError, match="positive number"):
        kp.to_bqm(weights={"capacity_0": float("nan")})


def test_weights_never_explode():
    # constraint coefficients 1e5 times the objective's: squared they would be 1e10
    kp = Knapsack([1, 1, 1, 1], [[100000, 200000, 300000, 150001]], [350000])
    with pytest.warns(PenaltyWarning, match="capped"):
        bqm, dec = kp.to_bqm()
    biases = np.abs(np.concatenate([bqm.linear_array if hasattr(bqm, "linear_array") else
                                    np.fromiter(bqm.linear.values(), float),
                                    np.fromiter(bqm.quadratic.values(), float)]))
    assert biases.max() <= 1e6 * 1.0 + 1e-6


def test_qiskit_penalty_reproduces_toy_mdkp():
    """The worked example of ../shared/docs/algorithms.md: P = 1 + (UB - LB) = 101."""
    kp = Knapsack([10, 20, 30, 40], [[2, 3, 4, 5], [1, 2, 3, 4]], [8, 5])
    bqm, dec = kp.to_bqm(penalty="qiskit")
    assert set(dec.penalties.values()) == {101.0}
    assert [c for _, c in dec.slack["capacity_0"]] == [1, 2, 4, 1]
    assert [c for _, c in dec.slack["capacity_1"]] == [1, 2, 2]
    assert bqm.num_variables == 11 == count_qubits(kp.cqm())
    assert dimod.ExactSolver().sample(bqm).first.energy == pytest.approx(-50.0)


def test_infeasible_and_redundant_constraints():
    x = [dimod.Binary(i) for i in range(3)]
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(-x[0] - x[1])
    cqm.add_constraint(x[0] + x[1] + x[2] >= 4, label="impossible")
    with pytest.raises(InfeasibleModelError, match="impossible"):
        to_bqm(cqm)
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(-x[0] - x[1])
    cqm.add_constraint(x[0] + x[1] <= 5, label="loose")
    bqm, dec = to_bqm(cqm)
    assert dec.encodings["loose"] == "redundant" and dec.penalties["loose"] == 0.0
    assert bqm.num_variables == 2


@pytest.mark.parametrize("bad", [dict(slack="ternary"), dict(penalty="huge"), dict(penalty=-1.0),
                                 dict(penalty=float("inf"))])
def test_bad_options(bad):
    with pytest.raises(ValueError, match="slack|penalty"):
        Knapsack([1, 2], [[1, 1]], [1]).to_bqm(**bad)


def test_decoder_round_trip_keys():
    kp = Knapsack([10, 20, 30, 40], [[2, 3, 4, 5], [1, 2, 3, 4]], [8, 5])
    _, dec = kp.to_bqm()
    d = dec.to_dict()
    assert set(d["penalties"]) == {"capacity_0", "capacity_1"}
    sample = {**{i: 1 for i in range(4)}, **{s: 0 for terms in dec.slack.values() for s, _ in terms}}
    assert dec(sample) == {0: 1, 1: 1, 2: 1, 3: 1}
