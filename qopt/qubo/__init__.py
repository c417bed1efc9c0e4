"""From constrained models to QUBOs: penalties, slack, calibration, and Ising/MaxCut forms."""

from qopt.qubo.penalties import Decoder, count_qubits, one_hot_groups, to_bqm

__all__ = ["Decoder", "count_qubits", "one_hot_groups", "to_bqm"]
