"""Problems: instance readers, the bundled catalogue, and constrained models.

Every problem is a :class:`Problem` whose ``cqm()`` is a
:class:`dimod.ConstrainedQuadraticModel`; ``to_bqm()`` gives its QUBO.
"""

from qopt.problems.adapters import as_problem, sample_of
from qopt.problems.base import Problem, as_solution
from qopt.problems.catalogue import catalogue, load, problems_dir, resolve
from qopt.problems.knapsack import Knapsack
from qopt.problems.labs import LABS
from qopt.problems.market_split import MarketSplit
from qopt.problems.maxcut import MaxCut
from qopt.problems.mis import IndependentSet
from qopt.problems.model import ModelProblem, VariableMap
from qopt.problems.qap import QuadraticAssignment
from qopt.problems.qubo import QUBO
from qopt.problems.readers import FORMATS, detect_format, read, read_solution

__all__ = [
    "FORMATS", "LABS", "QUBO", "IndependentSet", "Knapsack", "MarketSplit", "MaxCut", "ModelProblem", "Problem",
    "QuadraticAssignment", "VariableMap", "as_problem", "as_solution", "catalogue", "detect_format", "load",
    "problems_dir", "read", "read_solution", "resolve", "sample_of",
]
