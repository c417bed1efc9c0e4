"""The one result type every qopt solver returns."""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Result", "Status", "package_versions"]


class Status(str, enum.Enum):
    """Outcome of a solve."""

    OPTIMAL = "optimal"          # proven optimal (exact solver) or equal to the known optimum
    FEASIBLE = "feasible"        # feasible, optimality not proven
    INFEASIBLE = "infeasible"    # best solution found violates a constraint
    FAILED = "failed"            # no solution at all


_PACKAGES = ("qopt", "numpy", "scipy", "dimod", "dwave-samplers", "networkx",
             "pennylane", "qiskit", "qiskit-aer", "mitiq", "torch")


def package_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Installed versions of qopt's main dependencies (only those already imported or cheap to query)."""
    from importlib import metadata

    out = {}
    for name in _PACKAGES + tuple(extra):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def clean_json(value):
    """``value`` made JSON-ready: numpy scalars/arrays to Python, NaN/inf to None, enums to values,
    tuples to lists, dict keys to strings (qopt's one JSON cleaner)."""
    if isinstance(value, dict):
        return {str(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean_json(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, enum.Enum):
        return value.value
    return value


_jsonable = clean_json


@dataclass(frozen=True)
class Result:
    """A solve's outcome in the problem's own terms, plus all samples.

    Attributes:
        instance: instance name.
        problem: problem family (``mdkp``, ``mis``, ``qap``, ``market_split``, ``maxcut``,
            ``qubo``, ``labs``, ``lp``).
        sense: ``"max"`` or ``"min"``.
        solver: solver name.
        status: :class:`Status`.
        solution: best assignment, shape (n_variables,), 0/1.
        objective: objective of ``solution`` in the problem's units.
        feasible: whether ``solution`` satisfies every constraint.
        violations: constraint label -> amount violated (only violated ones).
        known_optimum: published optimum, if known.
        gap: ``|objective - known_optimum| / |known_optimum|`` (absolute when the optimum is 0);
            None when unknown or infeasible.
        seed: the seed used (None: fresh entropy).
        qubits: qubits used by a quantum solver (None for classical ones).
        samples: :class:`dimod.SampleSet` of decoded samples over the problem's variables,
            with ``objective``, ``is_feasible`` fields; None for solvers without samples.
        timing_s: seconds per stage (``build``, ``solve``, ``decode``, ``total``).
        options: solver options as given.
        info: extra facts (penalties, proven optimality, repair counts, ...).
        provenance: versions and environment.
        sample: ``solution`` in the user's own variables, ``{label: value}`` with Python ints
            (integers decoded, spins -1/+1; see :func:`qopt.problems.adapters.sample_of`);
            JSON key ``sample`` (labels become strings there).
        raw: what the solver's raw samples are worth on the original problem before any
            post-processing (:func:`qopt.decode.raw_metrics`: ``shots``, ``distinct``, ``readout``,
            ``best_objective``, ``best_feasible``, ``feasible_fraction``, ``expected_objective``,
            ``approx_ratio``, ``p_optimum``, ...); None for solvers without samples (exact MILP).
        raw_samples: :class:`dimod.SampleSet` of the distinct raw samples over the problem's
            variables (``num_occurrences`` = shots, ``objective``, ``is_feasible``); not in JSON
            unless ``include_samples``.
        postprocess: the post-processing level used (``none``, ``one-round``, ``full``), None
            for solvers that do not post-process.
        solution_from: the stage that produced ``solution``: ``raw sample``, ``repair`` or
            ``local search`` (None when not applicable).
    """

    instance: str
    problem: str
    sense: str
    solver: str
    status: Status
    solution: np.ndarray
    objective: float
    feasible: bool
    violations: dict = field(default_factory=dict)
    known_optimum: float | None = None
    gap: float | None = None
    seed: int | None = None
    qubits: int | None = None
    samples: Any = None
    timing_s: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    sample: dict = field(default_factory=dict)
    raw: dict | None = None
    raw_samples: Any = field(default=None, repr=False, compare=False)
    postprocess: str | None = None
    solution_from: str | None = None

    @property
    def n_variables(self) -> int:
        return int(len(self.solution))

    @property
    def time_s(self) -> float:
        return float(self.timing_s.get("total", sum(self.timing_s.values())))

    def to_dict(self, *, include_samples: bool = False) -> dict:
        """JSON-ready dict; the keys of the CLI's ``--output json`` contract come first."""
        out = {
            "instance": self.instance,
            "problem": self.problem,
            "n_variables": self.n_variables,
            "sense": self.sense,
            "objective": self.objective,
            "feasible": bool(self.feasible),
            "solution": [int(v) for v in self.solution],
            "solver": self.solver,
            "seed": self.seed,
            "time_s": self.time_s,
            "qubits": self.qubits,
            "known_optimum": self.known_optimum,
            "gap": self.gap,
            "status": self.status,
            "violations": self.violations,
            "timing_s": self.timing_s,
            "options": self.options,
            "info": self.info,
            "provenance": self.provenance,
            "sample": {str(k): int(v) for k, v in self.sample.items()},
            "raw": self.raw,
            "postprocess": self.postprocess,
            "solution_from": self.solution_from,
        }
        if include_samples and self.samples is not None:
            out["samples"] = self.samples.to_serializable()
        if include_samples and self.raw_samples is not None:
            out["raw_samples"] = self.raw_samples.to_serializable()
        return _jsonable(out)

    def to_json(self, **kwargs) -> str:
        """``json.dumps(self.to_dict())``."""
        return json.dumps(self.to_dict(**kwargs))

    @classmethod
    def from_dict(cls, data: dict) -> "Result":
        """Inverse of :meth:`to_dict` (samples are restored when present).

        Raises:
            ArgumentTypeError: ``data`` is not a mapping.
            ConfigError: a required key is missing or a value has the wrong kind.
        """
        from qopt.errors import ArgumentTypeError, ConfigError

        if not isinstance(data, dict):
            raise ArgumentTypeError(f"data must be a dict from Result.to_dict(), got {type(data).__name__}")
        missing = [k for k in ("instance", "problem", "sense", "solver", "status", "solution", "objective",
                               "feasible") if k not in data]
        if missing:
            raise ConfigError(f"data is not a Result dict: missing key(s) {', '.join(missing)}")
        try:
            return cls._from_dict(data)
        except (TypeError, ValueError, KeyError, AttributeError) as err:
            raise ConfigError(f"data is not a valid Result dict: {type(err).__name__}: {err}") from None

    @classmethod
    def _from_dict(cls, data: dict) -> "Result":
        samples = raw_samples = None
        if data.get("samples") is not None or data.get("raw_samples") is not None:
            import dimod

            if data.get("samples") is not None:
                samples = dimod.SampleSet.from_serializable(data["samples"])
            if data.get("raw_samples") is not None:
                raw_samples = dimod.SampleSet.from_serializable(data["raw_samples"])
        return cls(
            instance=data["instance"], problem=data["problem"], sense=data["sense"],
            solver=data["solver"], status=Status(data["status"]),
            solution=np.asarray(data["solution"], dtype=np.int8), objective=data["objective"],
            feasible=data["feasible"], violations=data.get("violations", {}),
            known_optimum=data.get("known_optimum"), gap=data.get("gap"), seed=data.get("seed"),
            qubits=data.get("qubits"), samples=samples, timing_s=data.get("timing_s", {}),
            options=data.get("options", {}), info=data.get("info", {}),
            provenance=data.get("provenance", {}), sample=data.get("sample", {}),
            raw=data.get("raw"), raw_samples=raw_samples,
            postprocess=data.get("postprocess"), solution_from=data.get("solution_from"),
        )

    def __repr__(self) -> str:
        gap = "n/a" if self.gap is None else f"{100 * self.gap:.2f}%"
        return (f"Result({self.solver} on {self.instance}: objective={self.objective:g} "
                f"({self.sense}), feasible={self.feasible}, gap={gap}, status={self.status.value})")
