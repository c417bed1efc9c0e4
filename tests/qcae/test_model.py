"""qopt.qcae.model: shapes, parameter budgets, gradients reach the quantum weights."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qopt.qcae.circuit import CircuitSpec  # noqa: E402
from qopt.qcae.model import build_model, count_parameters  # noqa: E402


@pytest.mark.parametrize("side", [8, 28])
@pytest.mark.parametrize("spec", [CircuitSpec(4, 2), CircuitSpec(6, 1, "hea", "full", "zz")], ids=["qaoa", "hea-zz"])
def test_shapes_through_encoder_latent_decoder(side, spec):
    q = build_model("quantum", side=side, spec=spec, seed=0)
    c = build_model("classical", side=side, spec=spec, seed=0)
    x = torch.rand(5, side, side)
    angles = q.encode(x)
    assert angles.shape == (5, spec.num_qubits) and angles.abs().max() < np.pi / 2
    latent = q.latent(angles)
    assert latent.shape == (5, spec.num_features) and latent.abs().max() <= 1
    assert q(x).shape == (5, side, side) and c(x).shape == (5, side, side)
    assert 0 <= q(x).min() and q(x).max() <= 1
    # same encoder/decoder, same widths: budgets differ only by the latent layer
    assert count_parameters(q) - count_parameters(q.latent) == count_parameters(c) - count_parameters(c.latent)
    assert count_parameters(q.latent) == spec.num_parameters()
    for (nq, pq), (nc, pc) in zip(q.encoder.named_parameters(), c.encoder.named_parameters()):
        assert torch.equal(pq, pc)


def test_gradients_reach_quantum_weights_and_match_finite_difference():
    spec = CircuitSpec(3, 2)
    model = build_model("quantum", side=8, spec=spec, seed=1).double()
    x = torch.rand(4, 8, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    y = torch.rand(4, 8, 8, generator=torch.Generator().manual_seed(1), dtype=torch.float64)

    def loss():
        return torch.mean((model(x) - y) ** 2)

    loss().backward()
    for name, p in model.latent.weights.items():
        assert p.grad is not None and p.grad.abs().max() > 0, name
    w = model.latent.weights["betas"]
    analytic = w.grad[1, 2].item()
    h = 1e-6
    with torch.no_grad():
        w[1, 2] += h
        up = loss().item()
        w[1, 2] -= 2 * h
        down = loss().item()
        w[1, 2] += h
    assert analytic == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-10)


def test_wrong_image_size_is_one_clear_error():
    model = build_model("quantum", side=8, spec=CircuitSpec(4, 1), seed=0)
    with pytest.raises(ValueError, match=r"shape \(B, 8, 8\)"):
        model(torch.rand(2, 28, 28))
    with pytest.raises(ValueError, match="multiple of 4"):
        build_model("classical", side=10, spec=CircuitSpec(4, 1))


def test_too_many_qubits_for_the_device():
    from qopt.errors import QoptError

    model = build_model("quantum", side=8, spec=CircuitSpec(15, 1), seed=0)
    with pytest.raises(QoptError, match="at most"):
        model.latent.use_device(None)
    small = build_model("quantum", side=8, spec=CircuitSpec(6, 1), seed=0)
    with pytest.raises(QoptError, match="at most 5"):
        small.latent.use_device("aer_noisy")


def test_pennylane_backend_gives_the_same_outputs():
    spec = CircuitSpec(3, 1)
    model = build_model("quantum", side=8, spec=spec, seed=0)
    x = torch.rand(3, 8, 8, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        exact = model(x)
        model.latent.use_device("lightning")
        pl = model(x)
    np.testing.assert_allclose(exact.numpy(), pl.numpy(), atol=1e-5)


def test_inference_on_noisy_fake_backend_with_routing():
    pytest.importorskip("qiskit_aer")
    pytest.importorskip("qiskit_ibm_runtime")
    from qopt.devices import load_device

    # a ring on 4 qubits needs the (3, 0) coupling, absent on FakeManila's line: SWAP-routed
    spec = CircuitSpec(4, 1)
    model = build_model("quantum", side=8, spec=spec, seed=0)
    x = torch.rand(2, 8, 8, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        exact = model.latent(model.encode(x))
        model.latent.use_device(load_device("aer_noisy").replace(shots=4000, seed=3))
        noisy = model.latent(model.encode(x))
    assert noisy.shape == exact.shape
    assert (noisy - exact).abs().max() < 0.3  # shot noise + device noise, same circuit


def test_linear_twin_has_no_squash_and_a_linear_latent():
    spec = CircuitSpec(4, 1)
    m = build_model("classical-linear", side=8, spec=spec, seed=0)
    with torch.no_grad():
        m.encoder[-1].bias.fill_(10.0)  # far outside (-pi/2, pi/2): not squashed
        x = torch.rand(2, 8, 8)
        assert m.encode(x).min() > 5
        assert m.latent.activation == "linear"
    assert count_parameters(m) == count_parameters(build_model("classical", side=8, spec=spec, seed=0))
    with pytest.raises(ValueError, match="model kind"):
        build_model("other", side=8, spec=spec)


def test_ibm_fake_inference_reads_bits_in_wire_order():
    pytest.importorskip("qiskit_ibm_runtime")
    spec = CircuitSpec(4, 1, readout="zz")
    model = build_model("quantum", side=8, spec=spec, seed=0)
    with torch.no_grad():
        for p in model.latent.weights.values():
            p.zero_()
    model.latent.use_device("ibm_fake")
    z = torch.tensor([[0.0, np.pi, 0.0, np.pi], [np.pi, np.pi, 0.0, 0.0]])
    with torch.no_grad():
        out = model.latent(z).numpy()
    expected_z = np.cos(z.numpy())
    ring = [(0, 1), (1, 2), (2, 3), (3, 0)]
    expected = np.hstack([expected_z, np.stack([expected_z[:, a] * expected_z[:, b] for a, b in ring], 1)])
    np.testing.assert_allclose(out, expected, atol=0.45)  # FakeManila gate and readout noise, 4000 shots
    assert np.sign(out[:, :4]).tolist() == np.sign(expected_z).tolist()
