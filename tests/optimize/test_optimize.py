"""qopt.optimize: every optimizer reaches the minimum of a smooth bowl; traces and counts."""

import numpy as np
import pytest

from qopt.optimize import OPTIMIZERS, minimize, spsa


def _bowl(x):
    return float(np.sum((x - np.array([0.5, -0.25, 1.0])) ** 2))


def _bowl_grad(x):
    return _bowl(x), 2 * (x - np.array([0.5, -0.25, 1.0]))


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_finds_the_minimum(name):
    opts = {"stepsize": 0.1} if name in ("adam", "gd") else None
    res = minimize(_bowl, np.zeros(3), optimizer=name, gradient=_bowl_grad, maxiter=300, options=opts, seed=3)
    assert res.fun < 1e-4
    assert np.allclose(res.x, [0.5, -0.25, 1.0], atol=1e-2)
    assert res.optimizer == name and len(res.trace) == res.nit > 0
    assert res.nfev + res.ngev > 0


def test_gradient_optimizer_needs_gradient_and_names_checked():
    with pytest.raises(ValueError, match="needs gradients"):
        minimize(_bowl, np.zeros(3), optimizer="l-bfgs-b")
    with pytest.raises(ValueError, match="optimizer must be one of"):
        minimize(_bowl, np.zeros(3), optimizer="bfgs2")
    with pytest.raises(ValueError, match="maxiter must be a positive integer"):
        minimize(_bowl, np.zeros(3), maxiter=0)


def test_spsa_seeded_runs_identical():
    a = minimize(_bowl, np.zeros(3), optimizer="spsa", maxiter=60, seed=11)
    b = minimize(_bowl, np.zeros(3), optimizer="spsa", maxiter=60, seed=11)
    assert np.array_equal(a.x, b.x) and a.trace == b.trace
    assert a.nfev == 2 * 60 + 10 + 1  # 2 per iteration + 5 calibration pairs + final score


def test_spsa_function_two_evaluations_per_step():
    calls = []

    def f(x):
        calls.append(1)
        return _bowl(x)

    spsa(f, np.zeros(3), maxiter=10, seed=0, a=0.1)
    assert len(calls) == 20


def test_ctrl_c_keeps_the_best_point_and_says_so():
    calls = {"n": 0}

    def bowl_then_ctrl_c(x):
        calls["n"] += 1
        if calls["n"] == 12:
            raise KeyboardInterrupt
        return _bowl(x)

    res = minimize(bowl_then_ctrl_c, np.zeros(3), optimizer="cobyla", maxiter=200)
    assert res.interrupted and "interrupted" in res.message
    assert res.fun == pytest.approx(_bowl(res.x)) and res.fun < _bowl(np.zeros(3))
    assert not minimize(_bowl, np.zeros(3), optimizer="cobyla", maxiter=20).interrupted


def test_ctrl_c_before_any_value_is_not_swallowed():
    def ctrl_c(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        minimize(ctrl_c, np.zeros(3), optimizer="cobyla", maxiter=20)
