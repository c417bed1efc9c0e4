"""One seed rule (qopt._random): ``Result.seed`` reproduces the run when passed back, whatever the
seed was given as (int, numpy Generator, None)."""

from __future__ import annotations

import numpy as np
import pytest

import qopt
from qopt._random import as_generator, child_seeds, resolve_seed
from qopt.errors import ConfigError


def _signature(result):
    rec = result.samples.record
    return result.objective, result.solution.tolist(), rec.sample.tolist(), rec.num_occurrences.tolist()


@pytest.mark.parametrize("kind", ["int", "generator", "none"])
@pytest.mark.parametrize("solver,options", [("sa", {"num_reads": 3, "num_sweeps": 50}),
                                            ("qaoa", {"maxiter": 3, "shots": 64})], ids=["sa", "qaoa"])
def test_recorded_seed_reproduces_the_run(kind, solver, options):
    problem = qopt.load("nug12" if solver == "sa" else "mknap1-1")
    seed = {"int": 12345, "generator": np.random.default_rng(5), "none": None}[kind]
    first = qopt.solve(problem, solver, seed=seed, repair=False, local_search=False, **options)
    assert isinstance(first.seed, int)
    if kind == "int":
        assert first.seed == 12345
    again = qopt.solve(problem, solver, seed=first.seed, repair=False, local_search=False, **options)
    assert again.seed == first.seed
    assert _signature(again) == _signature(first)


def test_recorded_seed_reproduces_a_shrunk_run():
    problem = qopt.load("mknap1-3")
    first = qopt.solve(problem, "sa", seed=np.random.default_rng(3), max_qubits=12, num_reads=4)
    again = qopt.solve(problem, "sa", seed=first.seed, max_qubits=12, num_reads=4)
    assert _signature(again) == _signature(first)


def test_generator_seed_is_drawn_once():
    a, b = np.random.default_rng(9), np.random.default_rng(9)
    assert resolve_seed(a) == resolve_seed(b)
    assert as_generator(a) is a
    g1, g2 = child_seeds(7, ("x", "y")).values()
    assert g1.integers(1 << 30) != g2.integers(1 << 30)


@pytest.mark.parametrize("bad", [-1, 2**64, 1.5, "3", True])
def test_bad_seeds_are_config_errors(bad):
    with pytest.raises(ConfigError, match="seed"):
        resolve_seed(bad)
