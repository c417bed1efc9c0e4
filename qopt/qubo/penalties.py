"""Constrained model (dimod CQM) -> QUBO (dimod BQM) with per-constraint penalties.

Every constraint gets its own penalty weight. By default the weight is *calibrated*
from the objective: for constraint c,

    w_c = margin * max_{v in c} Delta_v,   Delta_v = |a_v| + sum_u |b_uv|

the largest change of the (minimisation) objective that flipping one variable of c
can make (Verma & Lewis 2020; where disjoint one-hot equalities partition variables,
as the rows of a QAP, only the largest interaction per group counts, because a state
that keeps the groups one-hot has one active neighbour per group), while the constraint is rewritten in integer units so
that the smallest violation costs exactly ``w_c``. Weights are capped so that no
BQM coefficient exceeds ``max_coefficient_ratio`` times the objective's largest
coefficient (default 1e6); a capped weight raises :class:`~qopt.errors.PenaltyWarning`.

Encodings, per constraint (after scaling to integers and dividing by the gcd):

* ``a.x == b``: ``w (a.x - b)^2``.
* ``a.x <= b`` with unit coefficients and ``b == 1`` (at most one): ``w sum_{i<j} x_i x_j``,
  no slack; with ``b == 0``: ``w sum x_i``.
* other ``a.x <= b``, ``slack="binary"``: ``w (a.x + s - b)^2`` with an integer slack
  ``s in [0, b - min a.x]`` in the bounded-coefficient binary encoding
  ``1, 2, .., 2^(K-1), R - 2^K + 1`` (K = floor(log2 R); Karimi & Rosenberg 2019, as
  qiskit-optimization's ``IntegerToBinary``).
* other ``a.x <= b``, ``slack="unbalanced"``: ``w (l2 h^2 - l1 h)`` with ``h = b - a.x``, no
  slack qubits (Montanez-Barrera et al., arXiv:2211.13914, default l1 = 0.96, l2 = 0.0371).
  Feasible states then carry a (negative) penalty, so BQM energy != objective there.
* ``y == x_a x_b`` (product constraints from degree reduction): Rosenberg's
  ``w (x_a x_b - 2 x_a y - 2 x_b y + 3 y)``.

``penalty="qiskit"`` reproduces qiskit-optimization's ``QuadraticProgramToQubo`` automatic
weight ``P = 1 + (UB - LB)`` of the objective's linear and quadratic parts, one weight for
all constraints (uncapped), as used by Sharma & Lau (arXiv:2503.12121).
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import numpy as np

from qopt.errors import ConfigError, InfeasibleModelError, PenaltyWarning

__all__ = ["Decoder", "to_bqm", "count_qubits", "one_hot_groups"]

SlackMode = Literal["binary", "unbalanced"]


@dataclass(frozen=True)
class Decoder:
    """The inverse of :func:`to_bqm`: maps BQM samples back to the problem's variables.

    Attributes:
        variables: the CQM's own variables, in order.
        slack: constraint label -> list of (slack variable label, coefficient).
        penalties: constraint label -> penalty weight used (0 for redundant constraints).
        encodings: constraint label -> encoding name (``squared``, ``slack``,
            ``at_most_one``, ``unbalanced``, ``product``, ``redundant``).
        capped: labels whose calibrated weight was capped.
    """

    variables: tuple
    slack: dict = field(default_factory=dict)
    penalties: dict = field(default_factory=dict)
    encodings: dict = field(default_factory=dict)
    capped: tuple = ()

    @property
    def num_slack(self) -> int:
        return sum(len(v) for v in self.slack.values())

    def __call__(self, sample) -> dict:
        """Keep only the CQM's variables of a sample (mapping label -> 0/1)."""
        return {v: int(sample[v]) for v in self.variables}

    def to_dict(self) -> dict:
        return {
            "num_slack": self.num_slack,
            "penalties": {str(k): float(v) for k, v in self.penalties.items()},
            "encodings": {str(k): v for k, v in self.encodings.items()},
            "capped": [str(c) for c in self.capped],
        }


# ---------------------------------------------------------------------------
def _integer_scale(values: np.ndarray, label) -> int:
    """Smallest integer s (<= 1e9) making every value integral, found with fractions."""
    s = 1
    for v in values:
        if v == 0:
            continue
        frac = Fraction(float(v)).limit_denominator(10**6)
        if abs(float(frac) - v) > 1e-9 * max(1.0, abs(v)):
            raise InfeasibleModelError(
                f"constraint {label!r}: coefficient {v!r} has no exact decimal scaling (<= 6 digits); "
                "round the data or give the penalty explicitly"
            )
        s = s * frac.denominator // math.gcd(s, frac.denominator)
        if s > 10**9:
            raise InfeasibleModelError(f"constraint {label!r}: coefficients need a scale > 1e9 to become integers")
    return s


def _bounded_coefficients(R: int) -> list[int]:
    """Bounded-coefficient binary encoding of an integer in [0, R] (R >= 1)."""
    K = int(math.floor(math.log2(R)))
    coeffs = [2**k for k in range(K)]
    coeffs.append(R - (2**K - 1))
    return coeffs


def one_hot_groups(cqm) -> dict:
    """Variable -> group id for disjoint one-hot equality constraints (``sum x == 1``)."""
    group: dict = {}
    for label, comp in cqm.constraints.items():
        lhs = comp.lhs
        if comp.sense.value != "==" or lhs.num_interactions or lhs.offset != 0:
            continue
        coeffs = set(lhs.linear.values())
        if len(coeffs) != 1 or float(comp.rhs) != next(iter(coeffs)):
            continue
        if any(v in group for v in lhs.variables):
            continue  # keep the groups disjoint (rows of a QAP, not also its columns)
        group.update((v, label) for v in lhs.variables)
    return group


def _objective_flip_bound(objective, groups: dict | None = None) -> dict:
    """Delta_v: the largest objective change one flip of v can make.

    Without groups: ``|linear_v| + sum_u |quadratic_uv|``. With disjoint one-hot
    groups (``sum_{u in G} x_u == 1``), states that keep every group one-hot have at
    most one neighbour per group switched on, so the sum over a group's neighbours
    is replaced by their largest ``|quadratic_uv|``: the bound that matters where a
    search spends its time, and far less conservative for assignment problems.
    """
    groups = groups or {}
    delta = {v: abs(b) for v, b in objective.linear.items()}
    per_group: dict = {}
    for (u, v), b in objective.quadratic.items():
        for a, c in ((u, v), (v, u)):
            g = groups.get(c)
            if g is None:
                delta[a] = delta.get(a, 0.0) + abs(b)
            else:
                key = (a, g)
                per_group[key] = max(per_group.get(key, 0.0), abs(b))
    for (a, _), m in per_group.items():
        delta[a] = delta.get(a, 0.0) + m
    return delta


def _objective_scale(objective) -> float:
    coeffs = [abs(b) for b in objective.linear.values()] + [abs(b) for b in objective.quadratic.values()]
    scale = max(coeffs, default=0.0)
    return scale if scale > 0 else 1.0


def _qiskit_penalty(objective) -> float:
    lin = np.array(list(objective.linear.values()) or [0.0])
    quad = np.array(list(objective.quadratic.values()) or [0.0])
    return 1.0 + (lin[lin > 0].sum() - lin[lin < 0].sum()) + (quad[quad > 0].sum() - quad[quad < 0].sum())


def _product_pattern(lhs, rhs):
    """Return (a, b, y) if the constraint reads q (x_a x_b - y) == 0, else None."""
    if lhs.num_interactions != 1 or rhs != 0 or lhs.offset != 0:
        return None
    ((a, b), q), = lhs.quadratic.items()
    lin = {v: c for v, c in lhs.linear.items() if c != 0}
    if len(lin) != 1:
        return None
    (y, c), = lin.items()
    if y in (a, b) or not math.isclose(c, -q):
        return None
    return a, b, y


def _normalise_linear(label, lhs, sense: str, rhs: float):
    """Rewrite a linear constraint as integer ``a.x (<=|==) b`` with gcd(a) = 1."""
    names = [v for v, c in lhs.linear.items() if c != 0]
    a = np.array([lhs.linear[v] for v in names], dtype=float)
    b = float(rhs) - float(lhs.offset)
    if not np.isfinite(a).all() or not math.isfinite(b):
        raise InfeasibleModelError(f"constraint {label!r} has a non-finite coefficient or right-hand side")
    if sense == ">=":
        a, b, sense = -a, -b, "<="
    s = _integer_scale(np.append(a, 0.0), label)
    scaled = np.rint(a * s)
    if scaled.size and (np.abs(scaled).sum() >= 2.0**62 or abs(b * s) >= 2.0**62):
        # int64 sums would overflow: exact Python integers (object array) instead
        a_int = np.array([int(v) for v in scaled] + [0], dtype=object)[:-1]
    else:
        a_int = scaled.astype(np.int64)
    bs = b * s
    if sense == "==":
        if abs(bs - round(bs)) > 1e-6:
            raise InfeasibleModelError(f"constraint {label!r}: integer left side can never equal {b!r}")
        b_int = int(round(bs))
    else:
        b_int = int(math.floor(bs + 1e-9))
    g = int(functools.reduce(math.gcd, (abs(int(v)) for v in a_int), 0)) if len(a_int) else 1
    if g > 1:
        a_int //= g
        if sense == "==":
            if b_int % g:
                raise InfeasibleModelError(f"constraint {label!r}: gcd {g} of the coefficients does not divide {b!r}")
            b_int //= g
        else:
            b_int = b_int // g  # floor division
    return names, a_int, b_int, sense


def to_bqm(
    cqm,
    *,
    penalty: Literal["calibrated", "qiskit"] | float = "calibrated",
    slack: SlackMode = "binary",
    weights: dict | None = None,
    margin: float = 2.0,
    unbalanced: tuple[float, float] = (0.96, 0.0371),
    max_coefficient_ratio: float = 1e6,
):
    """Penalise a CQM's constraints into a BQM.

    Args:
        cqm: :class:`dimod.ConstrainedQuadraticModel` with binary variables and linear
            constraints (or product constraints ``y == x_a x_b``).
        penalty: ``"calibrated"`` (default, per-constraint, see module docstring),
            ``"qiskit"`` (one automatic weight as qiskit-optimization), or a number used
            as the weight of every constraint.
        slack: ``"binary"`` slack bits for inequalities, or ``"unbalanced"`` (no slack).
        weights: constraint label -> weight, overriding the rule above by name.
        margin: factor over the one-flip objective bound for calibrated weights.
        unbalanced: ``(l1, l2)`` of the unbalanced penalization.
        max_coefficient_ratio: calibrated weights are capped so every BQM bias stays
            within this factor of the objective's largest coefficient.

    Returns:
        ``(bqm, decoder)``: a BINARY :class:`dimod.BinaryQuadraticModel` whose variables are
        the CQM's plus slack bits ``("slack", label, k)``, and a :class:`Decoder`.

    Raises:
        InfeasibleModelError: a constraint can never hold (for example ``x1 + x2 >= 3``),
            or data are not finite.
        ValueError: unknown option, unknown label in ``weights``, or an unsupported
            (non-product quadratic, integer-variable) constraint.

    Examples:
        >>> import dimod
        >>> cqm = dimod.ConstrainedQuadraticModel()
        >>> x = [dimod.Binary(i) for i in range(3)]
        >>> cqm.set_objective(-x[0] - 2 * x[1] - 3 * x[2])
        >>> _ = cqm.add_constraint(x[0] + x[1] + x[2] <= 1, label="one")
        >>> bqm, dec = to_bqm(cqm)
        >>> dec.penalties["one"], dec.num_slack
        (6.0, 0)
    """
    import dimod

    if not isinstance(cqm, dimod.ConstrainedQuadraticModel):
        from qopt.errors import ArgumentTypeError

        hint = " (a Problem converts with problem.to_bqm())" if hasattr(cqm, "cqm") else ""
        raise ArgumentTypeError(f"cqm must be a dimod.ConstrainedQuadraticModel, got {type(cqm).__name__} "
                                f"{str(cqm)[:40]!r}{hint}")
    if slack not in ("binary", "unbalanced"):
        raise ConfigError(f"slack must be 'binary' or 'unbalanced', got {slack!r}")
    if isinstance(penalty, str) and penalty not in ("calibrated", "qiskit"):
        raise ConfigError(f"penalty must be 'calibrated', 'qiskit' or a positive number, got {penalty!r}")
    if not isinstance(penalty, str) and not (isinstance(penalty, (int, float)) and penalty > 0 and math.isfinite(penalty)):
        raise ConfigError(f"penalty must be 'calibrated', 'qiskit' or a positive number, got {penalty!r}")
    weights = dict(weights or {})
    unknown = set(weights) - set(cqm.constraints)
    if unknown:
        raise ConfigError(f"weights name unknown constraints {sorted(map(str, unknown))}; "
                         f"known: {sorted(map(str, cqm.constraints))[:10]}")
    for v in cqm.variables:
        if cqm.vartype(v) is not dimod.BINARY:
            raise ValueError(f"variable {v!r} is {cqm.vartype(v).name}; to_bqm needs binary variables")

    objective = cqm.objective
    bqm = dimod.BinaryQuadraticModel("BINARY")
    bqm.add_variables_from((v, 0.0) for v in cqm.variables)
    bqm.add_linear_from(objective.linear.items())
    bqm.add_quadratic_from((u, v, b) for (u, v), b in objective.quadratic.items())
    bqm.offset += objective.offset

    delta = _objective_flip_bound(objective, one_hot_groups(cqm))
    scale = _objective_scale(objective)
    limit = max_coefficient_ratio * scale
    uniform = _qiskit_penalty(objective) if penalty == "qiskit" else None
    overlap: dict = {}
    for comp in cqm.constraints.values():
        for v in comp.lhs.variables:
            overlap[v] = overlap.get(v, 0) + 1
    slacks, penalties, encodings, capped = {}, {}, {}, []

    for label, comp in cqm.constraints.items():
        lhs, rhs, sense = comp.lhs, float(comp.rhs), comp.sense.value
        prod = _product_pattern(lhs, rhs) if lhs.num_interactions else None
        if lhs.num_interactions and (prod is None or sense != "=="):
            raise ValueError(f"constraint {label!r} is quadratic; only linear and product (y == x_a x_b) "
                             "constraints can be penalised")
        variables = list(lhs.variables)
        # weight -------------------------------------------------------------
        base = max((delta.get(v, 0.0) for v in variables), default=0.0)
        w_cal = margin * (base if base > 0 else scale)
        if label in weights:
            w = float(weights[label])
            if not (w > 0 and math.isfinite(w)):
                raise ConfigError(f"weights[{label!r}] must be a positive number, got {weights[label]!r}")
        elif uniform is not None:
            w = uniform
        elif not isinstance(penalty, str):
            w = float(penalty)
        else:
            w = w_cal
        calibrated = label not in weights and penalty == "calibrated"
        sh = max(overlap.get(v, 1) for v in variables) if variables else 1

        if prod is not None:
            a, b, y = prod
            unit = 3.0
            if calibrated and w * unit > limit / sh:
                w, _ = limit / sh / unit, capped.append(label)
            bqm.add_quadratic(a, b, w)
            bqm.add_quadratic(a, y, -2 * w)
            bqm.add_quadratic(b, y, -2 * w)
            bqm.add_linear(y, 3 * w)
            penalties[label], encodings[label] = float(w), "product"
            continue

        names, a, b_int, nsense = _normalise_linear(label, lhs, sense, rhs)
        lo, hi = int(a[a < 0].sum()), int(a[a > 0].sum())
        if (nsense == "<=" and lo > b_int) or (nsense == "==" and not lo <= b_int <= hi):
            raise InfeasibleModelError(
                f"constraint {label!r} ({comp.to_polystring()}) can never be satisfied: "
                f"left side ranges over [{lo}, {hi}] in integer units"
            )
        if nsense == "<=" and hi <= b_int:
            penalties[label], encodings[label] = 0.0, "redundant"
            continue
        terms = list(zip(names, a.tolist()))
        if nsense == "<=" and (a == 1).all() and b_int in (0, 1):
            kind = "at_most_one" if b_int == 1 else "all_zero"
            if calibrated and w > limit / sh:
                w, _ = limit / sh, capped.append(label)
            if b_int == 1:
                bqm.add_quadratic_from((names[i], names[j], w) for i in range(len(names)) for j in range(i + 1, len(names)))
            else:
                bqm.add_linear_from((v, w) for v in names)
            penalties[label], encodings[label] = float(w), kind
            continue
        if nsense == "<=" and slack == "unbalanced":
            l1, l2 = unbalanced
            amax = float(np.abs(a).max())
            unit = max(2 * l2 * amax * amax, abs(l2 * amax * amax + (l1 - 2 * l2 * b_int) * amax))
            if calibrated and w * unit > limit / sh:
                w, _ = limit / sh / unit, capped.append(label)
            # h = b - a.x; penalty w (l2 h^2 - l1 h) = w l2 (a.x - b)^2 + w l1 (a.x - b)
            bqm.add_linear_equality_constraint(terms, lagrange_multiplier=w * l2, constant=-b_int)
            bqm.add_linear_from((v, w * l1 * c) for v, c in terms)
            bqm.offset -= w * l1 * b_int
            penalties[label], encodings[label] = float(w), "unbalanced"
            continue
        if nsense == "<=":
            R = b_int - lo
            if R >= 1:
                coeffs = _bounded_coefficients(R)
                slack_terms = [(("slack", label, k), c) for k, c in enumerate(coeffs)]
                bqm.add_variables_from((s, 0.0) for s, _ in slack_terms)
                terms = terms + slack_terms
                slacks[label] = slack_terms
            kind = "slack" if R >= 1 else "squared"
        else:
            kind = "squared"
        coef = np.array([c for _, c in terms], dtype=float)
        cmax = float(np.abs(coef).max())
        unit = max(2 * cmax * cmax, float(np.abs(coef * coef - 2 * b_int * coef).max()))
        if calibrated and w * unit > limit / sh:
            w, _ = limit / sh / unit, capped.append(label)
        bqm.add_linear_equality_constraint(terms, lagrange_multiplier=w, constant=-b_int)
        penalties[label], encodings[label] = float(w), kind

    if capped:
        warnings.warn(
            f"{len(capped)} calibrated penalty weight(s) were capped to keep BQM coefficients within "
            f"{max_coefficient_ratio:g} x the objective scale (first: {capped[0]!r}); small violations "
            "may then cost less than they gain, and decode/repair restores feasibility",
            PenaltyWarning,
            stacklevel=2,
        )
    decoder = Decoder(tuple(cqm.variables), slacks, penalties, encodings, tuple(capped))
    return bqm, decoder


def count_qubits(cqm, *, slack: SlackMode = "binary") -> int:
    """Number of BQM variables :func:`to_bqm` would create (problem + slack bits)."""
    import warnings as _w

    with _w.catch_warnings():
        _w.simplefilter("ignore", PenaltyWarning)
        bqm, _ = to_bqm(cqm, slack=slack)
    return bqm.num_variables
