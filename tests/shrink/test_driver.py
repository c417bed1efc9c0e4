"""The shrinking loop: budgets, modes, determinism, clear errors."""

import pytest

import qopt
from qopt.errors import QoptError, ShrinkBudgetError
from qopt.shrink import shrink


def test_budget_below_one_hot_groups_is_a_clear_error():
    with pytest.raises(ShrinkBudgetError, match="12 one-hot groups"):
        shrink(qopt.load("nug12"), 11, seed=0)
    assert issubclass(ShrinkBudgetError, QoptError) and issubclass(ShrinkBudgetError, ValueError)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_budget_value(bad):
    with pytest.raises(ValueError, match="max_qubits must be a positive integer"):
        shrink(qopt.load("mknap1-1"), bad)


def test_mode_none_refuses_a_problem_that_does_not_fit():
    with pytest.raises(ShrinkBudgetError, match="mode='none'"):
        shrink(qopt.load("karate"), 20, mode="none")
    small, merges = shrink(qopt.load("karate"), 40, mode="none")
    assert merges == [] and small.qubits == 34


def test_unknown_mode():
    with pytest.raises(ValueError, match="mode must be one of"):
        shrink(qopt.load("karate"), 20, mode="greedy")


@pytest.mark.parametrize("mode", ["static", "adaptive"])
def test_modes_fit_budget_and_are_deterministic(mode, fast):
    problem = qopt.load("weish06")
    a, ma = shrink(problem, 20, mode=mode, seed=7, **fast)
    b, mb = shrink(problem, 20, mode=mode, seed=7, **fast)
    assert a.qubits <= 20 and a.qubits_before == 90
    assert [m.to_dict() for m in ma] == [m.to_dict() for m in mb]
    if mode == "static":
        assert a.rounds == 1
    else:
        assert a.rounds > 1


def test_unbalanced_slack_counts_only_variables(fast):
    small, _ = shrink(qopt.load("weish06"), 20, seed=1, slack="unbalanced", **fast)
    assert small.qubits == small.num_variables == 20
