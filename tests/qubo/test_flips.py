"""Greedy single-bit-flip descent on BQM arrays (PCE/QRAO decoding)."""

from __future__ import annotations

import dimod
import numpy as np

from qopt.qubo.flips import greedy_flip_rounds


def _random_bqm(n: int, seed: int) -> dimod.BinaryQuadraticModel:
    rng = np.random.default_rng(seed)
    bqm = dimod.BinaryQuadraticModel("BINARY")
    for i in range(n):
        bqm.add_linear(i, rng.normal())
    for i in range(n):
        for j in range(i + 1, n):
            if rng.random() < 0.5:
                bqm.add_quadratic(i, j, rng.normal())
    return bqm


def _energy(bqm, x) -> float:
    return bqm.energy(dict(enumerate(x)))


def test_one_round_never_worsens_and_many_rounds_reach_a_one_flip_minimum():
    bqm = _random_bqm(8, 7)
    lin, (r, c, q), _ = bqm.to_numpy_vectors(variable_order=range(8))
    rng = np.random.default_rng(0)
    moved = 0
    for _ in range(5):
        x = rng.integers(0, 2, 8).astype(np.int8)
        y = greedy_flip_rounds(x, lin, r, c, q, rounds=1)
        assert y.dtype == np.int8 and _energy(bqm, y) <= _energy(bqm, x)
        moved += int(not np.array_equal(x, y))
        z = greedy_flip_rounds(x, lin, r, c, q, rounds=100)
        flips = [_energy(bqm, np.where(np.arange(8) == i, 1 - z, z)) for i in range(8)]
        assert min(flips) >= _energy(bqm, z) - 1e-9  # a 1-flip local minimum
    assert moved  # the probe starts away from local minima


def test_input_is_not_modified():
    bqm = _random_bqm(5, 1)
    lin, (r, c, q), _ = bqm.to_numpy_vectors(variable_order=range(5))
    x = np.ones(5, dtype=np.int8)
    greedy_flip_rounds(x, lin, r, c, q, rounds=3)
    assert x.tolist() == [1] * 5
