"""ShrunkProblem: substituted CQM equals the original at the expanded assignment."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qopt
from qopt.problems import Knapsack, QuadraticAssignment
from qopt.shrink import MergeState, ShrunkProblem, linear_model


def _assert_same_model(shrunk, ys, *, vetoed=True):
    original = shrunk.original
    ocqm, scqm = original.cqm(), shrunk.cqm()
    constant = {}
    for y in ys:
        x = shrunk.expand(y)
        ysample = {i: int(v) for i, v in enumerate(y)}
        xsample = {i: int(v) for i, v in enumerate(x)}
        assert scqm.objective.energy(ysample) == pytest.approx(ocqm.objective.energy(xsample), abs=1e-6)
        assert shrunk.evaluate(y) == pytest.approx(original.evaluate(x), abs=1e-9)
        for label, comp in ocqm.constraints.items():
            lhs_x = comp.lhs.energy(xsample)
            if label in scqm.constraints:
                sc = scqm.constraints[label]
                assert sc.lhs.energy(ysample) - sc.rhs == pytest.approx(lhs_x - comp.rhs, abs=1e-6)
            else:  # every variable fixed: a constant, which holds after vetoed merges
                assert constant.setdefault(label, lhs_x) == pytest.approx(lhs_x)
                if vetoed:
                    assert comp.sense.value != "==" or lhs_x == pytest.approx(comp.rhs)
                    assert comp.sense.value != "<=" or lhs_x <= comp.rhs + 1e-9


@pytest.mark.parametrize("name,budget", [("mknap1-3", 12), ("karate", 20), ("nug12", 20)],
                         ids=["mdkp", "mis", "qap"])
def test_shrunk_energy_equals_original_at_expansion(name, budget, shrunk):
    small, merges = shrunk(name, budget, 5)
    assert merges and small.qubits <= budget
    rng = np.random.default_rng(0)
    _assert_same_model(small, rng.integers(0, 2, size=(40, small.num_variables)))


@pytest.mark.parametrize("name,budget", [("mknap1-3", 12), ("karate", 20), ("nug12", 20)],
                         ids=["mdkp", "mis", "qap"])
def test_expansion_satisfies_every_recorded_merge(name, budget, shrunk):
    small, merges = shrunk(name, budget, 5)
    rng = np.random.default_rng(1)
    for y in rng.integers(0, 2, size=(10, small.num_variables)):
        x = small.expand(y)
        for m in merges:
            if m.kind == "fix":
                assert x[m.target] == m.value
            else:
                assert x[m.target] == (x[m.source] if m.sign > 0 else 1 - x[m.source])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_merges=st.integers(1, 6))
def test_random_merges_keep_energy_identity(seed, n_merges):
    """Random (unvetoed) merges on a random knapsack and QAP keep the substitution exact."""
    rng = np.random.default_rng(seed)
    problems = [
        Knapsack(rng.integers(1, 20, 8), rng.integers(0, 10, (2, 8)), [25, 30]),
        QuadraticAssignment(rng.integers(0, 5, (3, 3)), rng.integers(0, 5, (3, 3))),
    ]
    for problem in problems:
        model = linear_model(problem)
        state = MergeState(model, protect_groups=False)
        for _ in range(n_merges):
            free = state.free
            if len(free) < 2:
                break
            q, p = rng.choice(free, 2, replace=False)
            if rng.random() < 0.3:
                state.apply(-1, int(q), int(rng.choice([-1, 1])))
            else:
                state.apply(int(p), int(q), int(rng.choice([-1, 1])))
        small = ShrunkProblem(problem, state.root, state.parity, model=model)
        _assert_same_model(small, rng.integers(0, 2, size=(8, small.num_variables)), vetoed=False)


def test_identity_delegates_and_shrunk_repair_reaches_feasibility(shrunk):
    problem = qopt.load("karate")
    ident = ShrunkProblem.identity(problem)
    assert ident.is_identity and ident.num_variables == problem.num_variables
    small, _ = shrunk("karate", 20, 5)
    rng = np.random.default_rng(4)
    for y in rng.integers(0, 2, size=(10, small.num_variables)):
        fixed = small.repair(y)
        assert small.is_feasible(fixed)
        improved = small.local_search(fixed)
        assert small.is_feasible(improved) and small.evaluate(improved) >= small.evaluate(fixed)
