"""qopt.qcae.circuit: the torch simulator equals a PennyLane QNode; gradients; readout."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
qml = pytest.importorskip("pennylane")

from qopt.qcae.circuit import CircuitSpec, graph_edges, make_qnode, simulate, unitary  # noqa: E402

SPECS = [
    CircuitSpec(4, 2),
    CircuitSpec(4, 2, "qaoa", "full", "zz"),
    CircuitSpec(3, 1, "qaoa", "none"),
    CircuitSpec(5, 3, "hea", "ring", "zz"),
    CircuitSpec(4, 2, "hea", ((0, 2), (2, 1), (1, 3))),
]
IDS = ["qaoa-ring", "qaoa-full-zz", "no-entangler", "hea-ring-zz", "hea-custom"]


def _weights(spec, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {k: torch.randn(*s, generator=g, dtype=torch.float64) for k, s in spec.weight_shapes().items()}


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@pytest.mark.parametrize("batch", [3, 40], ids=["gatewise", "matrix"])
def test_simulator_matches_pennylane_qnode(spec, batch):
    w = _weights(spec)
    z = torch.randn(batch, spec.num_qubits, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ours = simulate(spec, z, w)
    ref = make_qnode(spec, "default")(z, w)
    assert ours.shape == (batch, spec.num_features)
    np.testing.assert_allclose(ours.numpy(), ref.detach().numpy(), atol=1e-10)
    assert ours.abs().max() <= 1 + 1e-12


def test_zero_weights_give_cos_of_angles():
    spec = CircuitSpec(4, 2)
    w = {k: torch.zeros(s, dtype=torch.float64) for k, s in spec.weight_shapes().items()}
    z = torch.tensor([[0.1, -0.7, 1.2, 0.4]], dtype=torch.float64)
    np.testing.assert_allclose(simulate(spec, z, w).numpy(), np.cos(z.numpy()), atol=1e-12)


def test_unitary_is_unitary():
    spec = CircuitSpec(3, 2, "qaoa", "full")
    U = unitary(spec, _weights(spec))
    np.testing.assert_allclose((U.conj().T @ U).numpy(), np.eye(8), atol=1e-12)


@pytest.mark.parametrize("spec", SPECS[:2] + SPECS[3:4], ids=["qaoa-ring", "qaoa-full-zz", "hea-ring-zz"])
def test_gradients_match_finite_differences_and_parameter_shift(spec):
    w = {k: v.requires_grad_(True) for k, v in _weights(spec, seed=2).items()}
    z = torch.randn(2, spec.num_qubits, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    probe = torch.linspace(0.5, 1.5, spec.num_features, dtype=torch.float64)

    def loss(ws):
        return (simulate(spec, z, ws) * probe).sum()

    loss(w).backward()
    name = next(iter(w))
    grad = w[name].grad.clone()
    assert grad.abs().max() > 1e-3  # gradients reach the circuit weights
    h = 1e-6
    for idx in [(0, 0), (spec.layers - 1, spec.weight_shapes()[name][1] - 1)]:
        plus = {k: v.detach().clone() for k, v in w.items()}
        minus = {k: v.detach().clone() for k, v in w.items()}
        plus[name][idx] += h
        minus[name][idx] -= h
        fd = (loss(plus) - loss(minus)).item() / (2 * h)
        assert grad[idx].item() == pytest.approx(fd, abs=1e-7)
    # parameter-shift through PennyLane gives the same gradient
    ps = make_qnode(spec, "default", diff_method="parameter-shift")
    wps = {k: v.detach().clone().requires_grad_(True) for k, v in w.items()}
    (ps(z, wps) * probe).sum().backward()
    np.testing.assert_allclose(wps[name].grad.numpy(), grad.numpy(), atol=1e-9)


def test_graph_edges_and_bad_specs():
    assert graph_edges("ring", 4) == ((0, 1), (1, 2), (2, 3), (3, 0))
    assert graph_edges("line", 3) == ((0, 1), (1, 2))
    assert len(graph_edges("full", 5)) == 10
    with pytest.raises(ValueError, match="distinct wires"):
        graph_edges([(0, 0)], 3)
    with pytest.raises(ValueError, match="ansatz"):
        CircuitSpec(4, 1, "xyz")
    with pytest.raises(ValueError, match="layers"):
        CircuitSpec(4, 0)
    with pytest.raises(ValueError, match="inputs must have shape"):
        simulate(CircuitSpec(3, 1), torch.zeros(2, 4), _weights(CircuitSpec(3, 1)))
