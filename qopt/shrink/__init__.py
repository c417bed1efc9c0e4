"""Graph shrinking: fit a constrained problem into a qubit budget by merging correlated variables.

``shrink`` estimates pairwise correlations from samples of a cheap sampler, merges the most
strongly correlated allowed pair (``x_j := x_i`` or ``x_j := 1 - x_i``, or fixes a variable),
and repeats until the problem's BQM fits ``max_qubits``; ``shrink_and_solve`` then runs any
registered solver on the shrunk problem, expands the solutions back, verifies them against
every original constraint and repairs them.

Examples:
    >>> import qopt
    >>> from qopt.shrink import shrink_and_solve
    >>> r = shrink_and_solve(qopt.load("mknap1-2"), solver="sa", max_qubits=12, seed=3)
    >>> r.qubits <= 12, r.feasible
    (True, True)
"""

from qopt.shrink.correlation import correlation_matrix, sample_matrix
from qopt.shrink.driver import MODES, count_problem_qubits, shrink
from qopt.shrink.expand import expand_result, shrink_and_solve
from qopt.shrink.model import ShrunkProblem, linear_model
from qopt.shrink.rules import Merge, MergeState, minimum_qubits, one_hot_groups

__all__ = [
    "MODES", "Merge", "MergeState", "ShrunkProblem", "correlation_matrix", "count_problem_qubits",
    "expand_result", "linear_model", "minimum_qubits", "one_hot_groups", "sample_matrix", "shrink",
    "shrink_and_solve",
]
