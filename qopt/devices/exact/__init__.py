"""qopt's fast exact state-vector simulator for diagonal-cost circuits.

Functional API (numpy arrays in, numpy arrays out; no device objects):

* :func:`energies` (bqm, variables) -> cost diagonal, shape (2**n,), float64;
* :func:`qaoa_state`, :func:`qaoa_value`, :func:`qaoa_value_and_grad` for
  ``|psi> = prod_l U_M(beta_l) exp(-i gamma_l C) |psi_0>`` with the X, XY
  (ring, per one-hot group) and warm-start mixers and multi-angle betas
  (p, n); gradients by the adjoint method;
* :func:`hea_state`, :func:`hea_value_and_grad` for the hardware-efficient
  RY + CNOT-ladder ansatz;
* :func:`expectation`, :func:`cvar_weights`, :func:`sample`,
  :func:`top_states`;
* :mod:`qopt.devices.exact.brickwork` (torch, differentiable): the brickwork
  ansatz state and all Pauli-correlator parities of a state (PCE, QRAO).

Bit order (PennyLane wire order): qubit q <-> ``variables[q]`` <-> bit
``n-1-q`` of a basis-state index; wire 0 is the most significant bit, so
``state.reshape((2,) * n)`` has qubit q on axis q.

Backends: ``backend="numba"`` runs fused, cache-blocked kernels compiled by
numba (two threads with ``prange`` above 2**18 amplitudes); ``"numpy"`` is the
pure-numpy reference; ``"auto"`` (default) picks numba when importable.
"""

from qopt.devices.exact.diagonal import MAX_QUBITS, bit_matrix, energies
from qopt.devices.exact.hea import hea_state, hea_value_and_grad, num_hea_parameters
from qopt.devices.exact.qaoa import (
    expectation,
    product_state,
    qaoa_state,
    qaoa_value,
    qaoa_value_and_grad,
    warm_start_angles,
)
from qopt.devices.exact.sampling import (
    bits_to_index,
    cvar,
    cvar_weights,
    index_to_bits,
    probabilities,
    sample,
    sample_indices,
    top_states,
)

__all__ = [
    "MAX_QUBITS",
    "bit_matrix",
    "energies",
    "qaoa_state",
    "qaoa_value",
    "qaoa_value_and_grad",
    "expectation",
    "warm_start_angles",
    "product_state",
    "hea_state",
    "hea_value_and_grad",
    "num_hea_parameters",
    "cvar_weights",
    "cvar",
    "sample",
    "sample_indices",
    "top_states",
    "index_to_bits",
    "bits_to_index",
    "probabilities",
]
