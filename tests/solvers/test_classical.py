"""Classical baselines reproduce published optima (exact) and reach them (tabu)."""

import numpy as np
import pytest

from qopt.problems import Knapsack, load
from qopt.result import Status
from qopt.solvers import SOLVERS, get_solver, solve
from qopt.testing import assert_result_api

EXACT = ["mknap1-1", "mknap1-2", "mknap1-3", "mknap1-5", "mknap1-7",
         "mammalia-kangaroo-interactions", "johnson8-2-4", "karate", "football",
         "ms_03_050_002", "ms_03_050_005", "ms_03_100_019"]


@pytest.mark.parametrize("name", EXACT)
def test_exact_reproduces_published_optimum(name):
    problem = load(name)
    result = solve(problem, "exact", time_limit=60)
    assert_result_api(result, problem)
    assert result.feasible
    assert result.objective == pytest.approx(problem.known_optimum)
    assert result.info["proven_optimal"] and result.status is Status.OPTIMAL
    assert result.gap == pytest.approx(0.0)


@pytest.mark.parametrize("name", ["bqp50-1", "bqp50-4", "bqp50-7", "gka1b", "gka2b", "gka6a", "gka1c",
                                  "gka1a", "gka4b"])
def test_tabu_reaches_published_optimum_on_small_qubos(name):
    problem = load(name)
    result = solve(problem, "tabu", seed=1, num_reads=10, timeout_s=0.1)
    assert_result_api(result, problem)
    assert result.objective == problem.known_optimum


@pytest.mark.parametrize("name", ["nug12", "had12"])
def test_tabu_within_two_percent_on_qap12(name):
    problem = load(name)
    result = solve(problem, "tabu", seed=1, num_reads=20, timeout_s=0.15)
    assert result.feasible
    assert result.gap <= 0.02, result


@pytest.mark.parametrize("solver", ["sa", "tabu"])
def test_heuristics_return_feasible_knapsack_solutions(solver):
    problem = load("mknap1-3")
    result = solve(problem, solver, seed=3)
    assert_result_api(result, problem)
    assert result.feasible and result.qubits is None
    assert result.info["feasible_after_repair"] == 1.0
    assert 0 <= result.info["feasible_before_repair"] <= 1
    assert len(result.samples) >= 1 and result.samples.record.is_feasible.all()


def test_sa_is_reproducible_with_a_seed():
    problem = load("karate")
    a, b = solve(problem, "sa", seed=7, num_reads=5), solve(problem, "sa", seed=7, num_reads=5)
    assert np.array_equal(a.solution, b.solution)


def test_unbalanced_slack_option_is_recorded():
    problem = load("mknap1-1")
    result = solve(problem, "sa", seed=0, slack="unbalanced")
    assert result.feasible and result.options["slack"] == "unbalanced"
    assert all(e != "slack" for e in result.info["qubo"]["encodings"].values())


def test_registry_and_option_errors():
    assert {"exact", "sa", "tabu"} <= set(SOLVERS)
    with pytest.raises(ValueError, match="unknown solver 'nope'"):
        get_solver("nope")
    with pytest.raises(ValueError, match="does not take option"):
        solve(Knapsack([1], [[1]], [1]), "sa", layers=3)
    with pytest.raises(ValueError, match="num_reads"):
        solve(Knapsack([1], [[1]], [1]), "sa", num_reads=0)
    with pytest.raises(ValueError, match="time_limit"):
        solve(Knapsack([1], [[1]], [1]), "exact", time_limit=-1)


# --------------------------------------------------------------------------- Ctrl-C in long sa/tabu runs
def test_read_batches_split_only_long_runs():
    from qopt.solvers.classical import BATCH_SECONDS, _read_batches

    assert _read_batches(100, BATCH_SECONDS) == [100]
    batches = _read_batches(10, 7 * BATCH_SECONDS)
    assert sum(batches) == 10 and len(batches) == 7 and min(batches) >= 1 and max(batches) - min(batches) <= 1
    assert _read_batches(3, 100 * BATCH_SECONDS) == [1, 1, 1]


@pytest.mark.parametrize("name", ["sa", "tabu"])
def test_ctrl_c_between_batches_keeps_the_reads_done(monkeypatch, name):
    from dwave.samplers import SimulatedAnnealingSampler, TabuSampler

    import qopt.solvers.classical as C

    monkeypatch.setattr(C, "BATCH_SECONDS", 1e-9)  # every read its own batch
    cls = SimulatedAnnealingSampler if name == "sa" else TabuSampler
    real, calls = cls.sample, {"n": 0}

    def interrupted_at_call_4(self, bqm, **kw):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(self, bqm, **kw)

    monkeypatch.setattr(cls, "sample", interrupted_at_call_4)
    problem = load("mknap1-1")
    opts = {"num_reads": 6, "num_sweeps": 200} if name == "sa" else {"num_reads": 6, "timeout_s": 0.01}
    result = solve(problem, name, seed=3, **opts)
    assert result.info["interrupted"] is True and result.info["read_batches"] == 6
    assert result.info["reads_done"] == 3 == int(result.raw_samples.record.num_occurrences.sum())
    assert result.feasible and result.objective == problem.evaluate(result.solution)


def test_ctrl_c_before_any_batch_propagates(monkeypatch):
    from dwave.samplers import SimulatedAnnealingSampler

    import qopt.solvers.classical as C

    monkeypatch.setattr(C, "BATCH_SECONDS", 1e-9)

    def interrupted(self, bqm, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(SimulatedAnnealingSampler, "sample", interrupted)
    with pytest.raises(KeyboardInterrupt):
        solve(load("mknap1-1"), "sa", seed=3, num_reads=4, num_sweeps=100)


def test_batched_runs_reproduce_from_their_recorded_seed(monkeypatch):
    import qopt.solvers.classical as C

    monkeypatch.setattr(C, "BATCH_SECONDS", 1e-9)
    problem = load("mknap1-3")
    import qopt

    a = qopt.solve(problem, "sa", seed=np.random.default_rng(4), num_reads=5, num_sweeps=100, postprocess="none")
    b = qopt.solve(problem, "sa", seed=a.seed, num_reads=5, num_sweeps=100, postprocess="none")
    assert a.info["read_batches"] == 5 and a.info["interrupted"] is False
    assert a.objective == b.objective and np.array_equal(a.solution, b.solution)
