"""Folding keeps gates and the unitary; factories match the closed forms of algorithms.md 9."""

import numpy as np
import pytest

pytest.importorskip("mitiq")
from qiskit import QuantumCircuit  # noqa: E402
from qiskit.quantum_info import Operator  # noqa: E402

from qopt.mitigation.zne import extrapolate, extrapolation_partials, fold, linear_weights  # noqa: E402


def _circuit():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.rz(0.3, 1)
    qc.sx(0)
    qc.cx(1, 0)
    return qc


def _ops(qc):
    return {k: v for k, v in qc.count_ops().items() if k not in ("barrier", "measure")}


@pytest.mark.parametrize("scale", [3.0, 5.0])
def test_global_folding_scales_gate_count_and_keeps_unitary(scale):
    qc = _circuit()
    folded = fold(qc, scale, method="global")
    assert sum(_ops(folded).values()) == scale * sum(_ops(qc).values())
    assert Operator(folded).equiv(Operator(qc))


def test_local_folding_is_seeded_and_equivalent():
    qc = _circuit()
    a = fold(qc, 2.0, method="local", seed=5)
    b = fold(qc, 2.0, method="local", seed=5)
    assert a == b
    # 5 gates, scale 2: (2-1)/2 * 5 rounds to 2 or 3 folded gates, each adds 2
    assert sum(_ops(a).values()) in (9, 11)
    assert Operator(a).equiv(Operator(qc))


def test_fold_all_triples_every_gate():
    qc = _circuit()
    f = fold(qc, 3.0, method="all")
    assert sum(_ops(f).values()) == 15
    assert Operator(f).equiv(Operator(qc))


def test_richardson_weights_and_quadratic_recovery():
    assert np.allclose(linear_weights([1, 2, 3]), [3, -3, 1])
    E = [0.9 - 0.1 * lam + 0.01 * lam**2 for lam in (1, 2, 3)]
    assert extrapolate([1, 2, 3], E) == pytest.approx(0.9, abs=1e-12)
    assert extrapolate([1, 2, 3], E, factory="linear") == pytest.approx(0.8667, abs=1e-4)
    assert extrapolate([1, 2, 3], E, factory="poly", order=2) == pytest.approx(0.9, abs=1e-12)


def test_exponential_partials_match_finite_differences():
    s = [1.0, 2.0, 3.0, 4.0]
    v = np.array([0.5 + 0.4 * np.exp(-0.3 * lam) for lam in s])
    assert extrapolate(s, v, factory="exp") == pytest.approx(0.9, abs=1e-6)
    w = extrapolation_partials(s, v, factory="exp")
    dv = np.array([1e-5, -2e-5, 3e-5, 1e-5])
    diff = extrapolate(s, v + dv, factory="exp") - extrapolate(s, v - dv, factory="exp")
    assert diff / 2 == pytest.approx(w @ dv, rel=1e-3)
