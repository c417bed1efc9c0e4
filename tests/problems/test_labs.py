import itertools

import numpy as np
import pytest

from qopt.problems import LABS
from qopt.problems.labs import labs_energy

# minimum sidelobe energies E(N) (Packebusch & Mertens 2016)
KNOWN = {3: 1, 4: 2, 5: 2, 6: 7, 7: 3, 8: 8}


@pytest.mark.parametrize("n", sorted(KNOWN))
def test_brute_force_matches_published_minimum(n):
    labs = LABS(n)
    best = min(labs.evaluate(np.array(b)) for b in itertools.product((0, 1), repeat=n))
    assert best == KNOWN[n]


def test_energy_formula_and_binary_polynomial():
    labs = LABS(6)
    poly = labs.binary_polynomial()
    rng = np.random.default_rng(0)
    for _ in range(10):
        x = rng.integers(0, 2, 6)
        assert labs.evaluate(x) == labs_energy(2 * x - 1)
        assert poly.energy({i: int(v) for i, v in enumerate(x)}) == pytest.approx(labs.evaluate(x))


def test_quadratised_cqm_agrees_on_consistent_products():
    labs = LABS(5)
    cqm = labs.cqm()
    assert len(cqm.variables) > 5 and cqm.constraints  # products y = x_a x_b
    x = np.array([1, 0, 1, 1, 0])
    sample = {v: 0 for v in cqm.variables}
    sample.update({i: int(b) for i, b in enumerate(x)})
    # fix every auxiliary to the product it stands for, then the objective is E(x)
    for label, comp in cqm.constraints.items():
        lin = comp.lhs.linear
        y = next(v for v, b in lin.items() if b == -1)
        (a, c), = comp.lhs.quadratic
        sample[y] = sample[a] * sample[c]
    assert cqm.objective.energy(sample) == pytest.approx(labs.evaluate(x))
