"""QCAE networks: conv encoder -> latent layer (quantum or classical) -> conv decoder.

Reference design (``../shared/docs/algorithms.md`` section 10), for square
images of side ``s`` divisible by 4 (8 for digits, 28 for MNIST):

* encoder: Conv(1->16, 3x3, stride 2, pad 1) + ReLU -> Conv(16->32, 3x3, s2, p1)
  + ReLU -> flatten (32 (s/4)^2) -> Linear(-> n) -> ``pi * tanh(.) / 2`` (angles, rad);
* latent, quantum (:class:`QuantumLatent`): the circuit of :mod:`qopt.qcae.circuit`,
  output ``<Z_i>`` (and ``<Z_a Z_b>``), width F;
  latent, classical twin (:class:`ClassicalLatent`): Linear(n -> F) + tanh, same width;
* decoder: Linear(F -> 32 (s/4)^2) + ReLU -> reshape -> ConvT(32->16, 3, s2, p1,
  output_padding 1) + ReLU -> ConvT(16->1, 3, s2, p1, op 1) + Sigmoid.

Encoder and decoder are initialised from the seed before the latent layer, so
a quantum model and its classical twin built with the same seed start from
identical encoder/decoder weights.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from qopt.errors import ConfigError
from qopt.qcae.circuit import (
    MAX_EXACT_QUBITS,
    CircuitSpec,
    capacity_error,
    make_qnode,
    resolve_device,
    simulate,
)

__all__ = ["KINDS", "QuantumLatent", "ClassicalLatent", "Autoencoder", "build_model", "count_parameters"]


def count_parameters(module: nn.Module) -> int:
    """Number of trainable scalars in ``module``."""
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))


def _encoder(side: int, n: int) -> nn.Sequential:
    flat = 32 * (side // 4) ** 2
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(flat, n),
    )


def _decoder(side: int, features: int) -> nn.Sequential:
    q = side // 4
    return nn.Sequential(
        nn.Linear(features, 32 * q * q), nn.ReLU(), nn.Unflatten(1, (32, q, q)),
        nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),
    )


class QuantumLatent(nn.Module):
    """The quantum latent layer: angles (B, n) -> expectation values (B, F).

    Runs on qopt's exact batched torch simulator (device kind "exact", the
    default; gradients by backprop) or on any device config through a
    PennyLane QNode (:meth:`use_device`; parameter-shift on shot devices).

    Args:
        spec: the circuit.
        generator: torch Generator for the initial weights, N(0, 0.5^2) rad.
    """

    def __init__(self, spec: CircuitSpec, *, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.weights = nn.ParameterDict({
            name: nn.Parameter(0.5 * torch.randn(*shape, generator=generator))
            for name, shape in spec.weight_shapes().items()
        })
        self._qnode = None
        self.device_name = "exact"
        self.trainable = True

    def use_device(self, device: Any = None, *, shots: int | None = None, seed: int | None = None,
                   diff_method: str | None = None, yes: bool = False, journal: Any = None) -> None:
        """Run the circuit on ``device`` (a config, name or YAML path); None or kind "exact" = torch simulator.

        Devices of kind "aer" and "ibm" run through :class:`qopt.qcae.shift.ShiftRunner` (one sampler
        job per forward pass, parameter-shift gradients, optional job ``journal``); "lightning" and
        "default" through a PennyLane QNode.

        Raises:
            DeviceCapacityError: the device has too few qubits.
            ConfigError: the device cannot train this layer (no shots on Aer/IBM, a gradient method
                other than parameter-shift there).
        """
        from qopt.errors import ConfigError

        config = resolve_device(device)
        config.check_width(self.spec.num_qubits)
        kind = getattr(config, "kind", "exact")
        if kind == "exact" and self.spec.num_qubits > MAX_EXACT_QUBITS:
            raise capacity_error(f"the exact QCAE simulator handles at most {MAX_EXACT_QUBITS} qubits, "
                                 f"the circuit needs {self.spec.num_qubits}; use fewer --qubits")
        if journal is not None and kind not in ("aer", "ibm"):
            raise ConfigError(f"--journal records jobs on Qiskit devices (aer, aer_noisy, ibm_fake, ibm); device "
                              f"{getattr(config, 'name', device)!r} (kind {kind}) does not submit jobs")
        self.device_name = str(getattr(config, "name", device))
        self.trainable = True
        if kind == "exact" and shots is None:
            self._qnode = None
        elif kind in ("aer", "ibm"):
            from qopt.qcae.shift import ShiftRunner, check_trainable

            check_trainable(config, shots=shots, diff_method=diff_method)
            self._qnode = ShiftRunner(self.spec, config, shots=shots, seed=seed, yes=yes, journal=journal)
        else:
            self._qnode = make_qnode(self.spec, config, shots=shots, seed=seed, diff_method=diff_method)

    @property
    def runner(self):
        """The device runner (None on the exact torch simulator)."""
        return self._qnode

    def forward(self, angles: torch.Tensor) -> torch.Tensor:
        weights = dict(self.weights.items())
        if self._qnode is None:
            return simulate(self.spec, angles, weights)
        return self._qnode(angles, weights)


class ClassicalLatent(nn.Module):
    """Classical twin of :class:`QuantumLatent`: Linear(n -> F) + tanh (outputs in (-1, 1)), or Linear only.

    Args:
        num_inputs: n.
        num_features: F.
        activation: "tanh" (the reference twin) or "linear".
    """

    def __init__(self, num_inputs: int, num_features: int, *, activation: str = "tanh") -> None:
        super().__init__()
        if activation not in ("tanh", "linear"):
            raise ConfigError(f"classical latent activation must be 'tanh' or 'linear', got {activation!r}")
        self.linear = nn.Linear(num_inputs, num_features)
        self.activation = activation

    def forward(self, angles: torch.Tensor) -> torch.Tensor:
        out = self.linear(angles)
        return torch.tanh(out) if self.activation == "tanh" else out


class Autoencoder(nn.Module):
    """Encoder -> latent -> decoder; images (B, s, s) or (B, 1, s, s) in [0, 1] -> (B, s, s)."""

    def __init__(self, encoder: nn.Module, latent: nn.Module, decoder: nn.Module, *, side: int,
                 kind: str, spec: CircuitSpec, squash: bool = True) -> None:
        super().__init__()
        self.encoder, self.latent, self.decoder = encoder, latent, decoder
        self.side, self.kind, self.spec, self.squash = side, kind, spec, squash

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Latent angles (B, n) in (-pi/2, pi/2) rad (unbounded codes for the linear twin)."""
        x = images[:, None] if images.dim() == 3 else images
        code = self.encoder(x)
        return 0.5 * math.pi * torch.tanh(code) if self.squash else code

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.dim() not in (3, 4) or images.shape[-1] != self.side or images.shape[-2] != self.side:
            raise ConfigError(f"images must have shape (B, {self.side}, {self.side}), got {tuple(images.shape)}")
        return self.decoder(self.latent(self.encode(images)))[:, 0]

    def config(self) -> dict:
        """Constructor arguments of :func:`build_model` (for checkpoints)."""
        return {"kind": self.kind, "side": self.side, "spec": self.spec.to_dict()}


KINDS = ("quantum", "classical", "classical-linear")


def build_model(kind: str, *, side: int, spec: CircuitSpec, seed: int = 0) -> Autoencoder:
    """A quantum ("quantum") or classical-twin autoencoder.

    Args:
        kind: "quantum"; "classical" (reference twin: same encoder with the angle squash
            ``pi tanh/2``, latent Linear(n -> F) + tanh); or "classical-linear" (a plain CAE:
            no squash, latent Linear(n -> F); it escapes the mean-image plateau that traps the
            reference twin, see docs/qcae.md).
        side: image side s (divisible by 4).
        spec: circuit (its ``num_qubits`` and ``num_features`` also fix the classical twin's widths).
        seed: initialisation seed (torch's global RNG is left untouched).
    """
    if kind not in KINDS:
        raise ConfigError(f"model kind must be one of {KINDS}, got {kind!r}")
    if side < 4 or side % 4:
        raise ConfigError(f"image side must be a positive multiple of 4, got {side}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder = _encoder(side, spec.num_qubits)
        decoder = _decoder(side, spec.num_features)
    generator = torch.Generator().manual_seed(seed + 1)
    if kind == "quantum":
        latent: nn.Module = QuantumLatent(spec, generator=generator)
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed + 1)
            latent = ClassicalLatent(spec.num_qubits, spec.num_features,
                                     activation="linear" if kind == "classical-linear" else "tanh")
    return Autoencoder(encoder, latent, decoder, side=side, kind=kind, spec=spec, squash=kind != "classical-linear")
