"""From constrained models to QUBOs: penalties, slack, calibration, Ising/MaxCut forms, and greedy
flip descent on encoded BQMs (:mod:`qopt.qubo.flips`)."""

from qopt.qubo.penalties import Decoder, count_qubits, one_hot_groups, to_bqm

__all__ = ["Decoder", "count_qubits", "one_hot_groups", "to_bqm"]
