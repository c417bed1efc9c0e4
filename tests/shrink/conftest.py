"""Shared, cached shrinking runs (cheap sampler settings) for the shrink tests."""

import functools

import pytest

import qopt
from qopt.shrink import shrink

FAST = {"num_reads": 32, "num_sweeps": 200, "polish": 8}


@functools.lru_cache(maxsize=None)
def _shrunk(name: str, budget: int, seed: int):
    return shrink(qopt.load(name), budget, seed=seed, **FAST)


@pytest.fixture(scope="session")
def shrunk():
    """``shrunk(name, budget, seed) -> (ShrunkProblem, merges)``, computed once per arguments."""
    return _shrunk


@pytest.fixture(scope="session")
def fast():
    return dict(FAST)
