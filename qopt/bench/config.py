"""Sweep configurations: which instances, which solvers (with options), which seeds.

A sweep file is YAML::

    name: quick                      # optional, recorded with every run
    description: small smoke sweep   # optional
    instances:
      - mknap1-1                     # a catalogue name (see ``qopt list``) or ``labs:N``
      - {path: data/my.dat, format: mknap1, index: 0, name: my-instance}
    solvers:
      - exact
      - {name: tabu, num_reads: 5, timeout_s: 0.02}
      - {name: qaoa, layers: 2, device: exact, shrink: adaptive, max_qubits: 12, label: qaoa+shrink}
    seeds: [0, 1]                    # or a count: ``seeds: 2`` means [0, 1]
    time_limit: 10                   # optional: equal wall-clock budget in seconds

Every (instance, solver with options, seed) is one run. Solver options are the
solver function's keyword arguments (as ``qopt solve`` flags, underscored);
``shrink`` and ``max_qubits`` send the run through
:func:`qopt.shrink.shrink_and_solve`; ``label`` only names the solver in reports;
``if_available: true`` skips the entry (with a warning) when the solver is not
in the registry of this qopt (so one sweep file serves while solvers land).

Equal-time comparisons: a top-level ``time_limit`` (seconds) is given as the
``time_limit`` option to every solver that takes one (``native``, ``exact``,
``tabu``) unless the entry sets its own; solvers without a time limit (``sa``,
the quantum solvers) run as configured and a warning names them, so their
measured time is what the report compares at. ``{name: native, method: sa}``
is simulated annealing on the penalised QUBO under the budget: the "SA at
equal wall time" reference. ``qopt bench report --target-gap 0.01`` then shows
each solver's gap next to ``native`` and ``sa`` at the same wall time
(:mod:`qopt.bench.equal_time`).

Everything is checked by :func:`load_config` before any run starts: bad YAML,
unknown keys, unknown solvers, options a solver does not take, and instances
that cannot be found are each one :class:`~qopt.errors.ConfigError` naming the
file and the entry.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qopt.errors import ConfigError, QoptError

logger = logging.getLogger(__name__)

__all__ = ["InstanceSpec", "SolverSpec", "SweepConfig", "load_config", "parse_config", "run_key"]

_TOP_KEYS = ("name", "description", "instances", "solvers", "seeds", "time_limit")
_INSTANCE_KEYS = ("path", "format", "index", "name")
_HARNESS_KEYS = ("label", "shrink", "max_qubits", "if_available")
_SHRINK_MODES = ("adaptive", "static", "none")


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def run_key(instance_key: str, solver: str, options: dict, seed: int | None) -> str:
    """The unique key of one run: sha256 of (instance, solver + options, seed), 32 hex digits.

    ``options`` includes the harness options (``shrink``, ``max_qubits``) but not
    ``label``, so renaming a solver in a report does not re-run it.

    Examples:
        >>> run_key("catalogue:mknap1-1", "tabu", {"num_reads": 5}, 0) == run_key(
        ...     "catalogue:mknap1-1", "tabu", {"num_reads": 5}, 0)
        True
        >>> run_key("catalogue:mknap1-1", "tabu", {}, 0) == run_key("catalogue:mknap1-1", "tabu", {}, 1)
        False
    """
    text = _canonical({"instance": instance_key, "solver": solver, "options": options, "seed": seed})
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class InstanceSpec:
    """One instance of a sweep.

    Attributes:
        spec: what :func:`qopt.problems.resolve` gets: an absolute file path, a
            catalogue name or ``labs:N``.
        format: file format (None: detect), only for files.
        index: 0-based problem number in multi-problem files, only for files.
        name: display name (default: the problem's own name).
        key: identity used in run keys: ``catalogue:NAME``, ``labs:N`` or
            ``file:<sha256 of the content>[:format][:index]`` (moving a file does
            not re-run it; editing it does).
    """

    spec: str
    format: str | None = None
    index: int | None = None
    name: str | None = None
    key: str = ""

    def load(self):
        """The :class:`~qopt.problems.Problem` (read from disk each call)."""
        from qopt.problems.catalogue import resolve

        problem = resolve(self.spec, format=self.format, index=self.index)
        if self.name:
            problem.name = self.name
        return problem

    def to_dict(self) -> dict:
        return {"spec": self.spec, "format": self.format, "index": self.index, "name": self.name, "key": self.key}


@dataclass(frozen=True)
class SolverSpec:
    """One solver of a sweep with its options.

    Attributes:
        name: registry name (``qopt.solvers.SOLVERS``).
        options: keyword arguments of the solver function.
        shrink: shrinking mode (``adaptive``/``static``) or None.
        max_qubits: qubit budget for shrinking, or None.
        label: name in reports (default: ``name``, ``+shrink`` appended when shrinking).
    """

    name: str
    options: dict = field(default_factory=dict)
    shrink: str | None = None
    max_qubits: int | None = None
    label: str = ""

    @property
    def key_options(self) -> dict:
        """Options that identify a run: the solver's plus ``shrink``/``max_qubits`` when set."""
        out = dict(self.options)
        if self.shrink is not None:
            out["shrink"] = self.shrink
        if self.max_qubits is not None:
            out["max_qubits"] = self.max_qubits
        return out

    def to_dict(self) -> dict:
        return {"name": self.name, "options": dict(self.options), "shrink": self.shrink,
                "max_qubits": self.max_qubits, "label": self.label}


@dataclass(frozen=True)
class SweepConfig:
    """A validated sweep: ``len(instances) * len(solvers) * len(seeds)`` runs."""

    instances: tuple[InstanceSpec, ...]
    solvers: tuple[SolverSpec, ...]
    seeds: tuple[int, ...]
    name: str = "sweep"
    description: str = ""
    source: str = "<dict>"
    skipped: tuple[str, ...] = ()
    time_limit: float | None = None

    @property
    def num_runs(self) -> int:
        return len(self.instances) * len(self.solvers) * len(self.seeds)


# --------------------------------------------------------------------------- parsing
def load_config(path: str | os.PathLike, *, check_instances: bool = True) -> SweepConfig:
    """Read and validate a sweep YAML file.

    Relative instance paths are taken relative to the YAML file's directory,
    then to the current directory.

    Args:
        path: the YAML file.
        check_instances: load every instance once to prove it exists and parses.

    Raises:
        ConfigError: unreadable file, bad YAML, or any invalid entry (the message
            names the file and the entry, e.g. ``solvers[2].name``).
    """
    from qopt._yaml import read_yaml

    p = Path(path)
    data = read_yaml(p, what="sweep config")  # the one safe loader: bounded depth, aliases and integers
    return parse_config(data, source=str(path), base_dir=p.resolve().parent, check_instances=check_instances)


def parse_config(data: Any, *, source: str = "<dict>", base_dir: str | os.PathLike | None = None,
                 check_instances: bool = True) -> SweepConfig:
    """Validate an already-parsed sweep mapping (see :func:`load_config`).

    Examples:
        >>> cfg = parse_config({"instances": ["mknap1-1"], "solvers": ["exact"], "seeds": 2})
        >>> cfg.num_runs, cfg.seeds
        (2, (0, 1))
    """
    def fail(msg: str) -> ConfigError:
        return ConfigError(f"{source}: {msg}")

    if not isinstance(data, dict):
        raise fail(f"the sweep config must be a mapping with keys instances, solvers, seeds; "
                   f"got {type(data).__name__}")
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise fail(f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(_TOP_KEYS)}")
    for key in ("instances", "solvers"):
        if key not in data or not data[key]:
            raise fail(f"'{key}' is missing or empty; give a non-empty list")
        if not isinstance(data[key], list):
            raise fail(f"'{key}' must be a list, got {type(data[key]).__name__}")
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    instances = tuple(_parse_instance(e, f"instances[{k}]", base, fail, check_instances)
                      for k, e in enumerate(data["instances"]))
    time_limit = _parse_time_limit(data.get("time_limit"), fail)
    parsed = [_parse_solver(e, f"solvers[{k}]", fail, time_limit) for k, e in enumerate(data["solvers"])]
    solvers = tuple(s for s in parsed if isinstance(s, SolverSpec))
    skipped = tuple(s for s in parsed if isinstance(s, str))
    if not solvers:
        raise fail(f"no solver of the config is available (skipped: {', '.join(skipped)})")
    seeds = _parse_seeds(data.get("seeds", [0]), fail)
    _no_duplicates([i.key for i in instances], [i.spec for i in instances], "instances", fail)
    _no_duplicates([_canonical([s.name, s.key_options]) for s in solvers], [s.label for s in solvers],
                   "solvers", fail)
    labels = [s.label for s in solvers]
    for lab in labels:
        if labels.count(lab) > 1:
            raise fail(f"two solvers share the label {lab!r}; give each a distinct 'label'")
    name = data.get("name") or Path(source).stem
    return SweepConfig(instances=instances, solvers=solvers, seeds=seeds, name=str(name),
                       description=str(data.get("description") or ""), source=source, skipped=skipped,
                       time_limit=time_limit)


def _parse_time_limit(value, fail) -> float | None:
    """The sweep's equal wall-clock budget in seconds (finite, > 0), or None."""
    import math

    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise fail(f"time_limit: the equal-time budget must be a finite number of seconds > 0, got {value!r}")
    return float(value)


def _no_duplicates(keys, names, what, fail):
    seen = {}
    for key, name in zip(keys, names):
        if key in seen:
            raise fail(f"{what}: {name!r} is listed twice (same as {seen[key]!r})")
        seen[key] = name


def _parse_instance(entry, where, base: Path, fail, check: bool) -> InstanceSpec:
    from qopt.problems.catalogue import resolve

    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict):
        raise fail(f"{where}: an instance is a catalogue name or a mapping {{path, format}}, got {entry!r}")
    unknown = [k for k in entry if k not in _INSTANCE_KEYS]
    if unknown:
        raise fail(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(_INSTANCE_KEYS)}")
    raw = entry.get("path")
    if not isinstance(raw, str) or not raw.strip():
        raise fail(f"{where}: 'path' must be a catalogue name or a file path, got {raw!r}")
    fmt, index, name = entry.get("format"), entry.get("index"), entry.get("name")
    if index is not None and (not isinstance(index, int) or isinstance(index, bool) or index < 0):
        raise fail(f"{where}: 'index' must be a non-negative integer, got {index!r}")
    if fmt is not None and not isinstance(fmt, str):
        raise fail(f"{where}: 'format' must be a string, got {fmt!r}")
    candidates = [Path(raw)] if Path(raw).is_absolute() else [base / raw, Path.cwd() / raw]
    path = next((c for c in candidates if c.is_file()), None)
    if path is not None:
        key = f"file:{_file_digest(path)}" + (f":{fmt}" if fmt else "") + (f":{index}" if index is not None else "")
        spec = InstanceSpec(spec=str(path.resolve()), format=fmt, index=index, name=name, key=key)
    else:
        text = raw.strip()
        key = text.lower() if text.lower().startswith("labs:") else f"catalogue:{text.lower()}"
        spec = InstanceSpec(spec=text, format=fmt, index=index, name=name, key=key)
    if check:
        try:
            resolve(spec.spec, format=spec.format, index=spec.index)
        except QoptError as err:
            raise fail(f"{where}: {err}") from None
        except (OSError, ValueError) as err:
            raise fail(f"{where}: cannot read {raw!r}: {err}") from None
    return spec


def _parse_solver(entry, where, fail, time_limit: float | None = None) -> SolverSpec | str:
    """A :class:`SolverSpec`, or the entry's name (a str) when ``if_available`` and not registered."""
    from qopt.solvers import SOLVERS, get_solver, unknown_options

    if isinstance(entry, str):
        entry = {"name": entry}
    if not isinstance(entry, dict):
        raise fail(f"{where}: a solver is a name or a mapping {{name, ...options}}, got {entry!r}")
    entry = _string_keys(entry, where, fail)
    name = entry.get("name")
    if entry.get("if_available") not in (None, True, False):
        raise fail(f"{where}.if_available: must be true or false, got {entry['if_available']!r}")
    if entry.get("if_available") and name not in SOLVERS:
        logger.warning("%s: %s: solver %r is not available in this qopt; skipped", fail("").args[0].rstrip(": "),
                       where, name)
        return str(entry.get("label") or name)
    if name not in SOLVERS:
        raise fail(f"{where}.name: unknown solver {name!r}; choose one of {', '.join(sorted(SOLVERS))}")
    options = {k: v for k, v in entry.items() if k not in ("name",) + _HARNESS_KEYS}
    shrink, max_qubits = entry.get("shrink"), entry.get("max_qubits")
    if shrink is not None and shrink not in _SHRINK_MODES:
        raise fail(f"{where}.shrink: {shrink!r} is not one of {', '.join(_SHRINK_MODES)}")
    if shrink == "none":
        shrink = None
    if max_qubits is not None and (not isinstance(max_qubits, int) or isinstance(max_qubits, bool)
                                   or max_qubits < 1):
        raise fail(f"{where}.max_qubits: must be a positive integer, got {max_qubits!r}")
    if max_qubits is not None and shrink is None:
        shrink = "adaptive"  # as `qopt solve --max-qubits`
    if "seed" in options:
        raise fail(f"{where}: 'seed' is set by the sweep's 'seeds' list, not per solver")
    if isinstance(options.get("device"), (str, os.PathLike)):
        from qopt.devices.config import load_device

        try:  # a missing or invalid device file refuses the config before any run
            load_device(options["device"])
        except QoptError as err:
            raise fail(f"{where}.device: {err}") from None
    try:
        fn = get_solver(name)
    except ImportError as err:
        raise fail(f"{where}: solver {name!r} cannot be imported: {err}") from None
    unknown = unknown_options(fn, options)
    if unknown:
        allowed = ", ".join(k for k in inspect.signature(fn).parameters if k not in ("problem", "seed"))
        raise fail(f"{where}: solver {name!r} does not take option(s) {', '.join(unknown)}; "
                   f"it takes {allowed}")
    if time_limit is not None and "time_limit" not in options:
        if "time_limit" not in inspect.signature(fn).parameters:
            logger.warning("%s: %s: solver %r takes no time_limit; it runs as configured, not to the sweep's "
                           "%g s budget", fail("").args[0].rstrip(": "), where, name, time_limit)
        else:
            options["time_limit"] = time_limit
    if shrink is not None:
        try:
            from qopt.shrink import shrink_and_solve  # noqa: F401
        except ImportError as err:
            raise fail(f"{where}.shrink: graph shrinking is not available ({err})") from None
    label = entry.get("label") or (name + (f"+shrink{max_qubits or ''}" if shrink else ""))
    return SolverSpec(name=name, options=options, shrink=shrink, max_qubits=max_qubits, label=str(label))


def _string_keys(entry: dict, where: str, fail) -> dict:
    """YAML 1.1 reads the key ``yes`` as the boolean True: map it back; refuse other non-string keys."""
    out = {}
    for k, v in entry.items():
        if k is True:
            k = "yes"
        if not isinstance(k, str):
            raise fail(f"{where}: option names must be strings, got {k!r} (quote it in YAML)")
        out[k] = v
    return out


def _parse_seeds(seeds, fail) -> tuple[int, ...]:
    from qopt._random import MAX_SEED

    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if seeds < 1 or seeds > 100_000:
            raise fail(f"seeds: a count must be in [1, 100000], got {seeds}")
        return tuple(range(seeds))
    if not isinstance(seeds, list) or not seeds:
        raise fail(f"seeds: give a non-empty list of non-negative integers or a count, got {seeds!r}")
    for s in seeds:
        if not isinstance(s, int) or isinstance(s, bool) or not 0 <= s <= MAX_SEED:
            raise fail(f"seeds: {s!r} is not a non-negative integer (at most 2**63 - 1)")
    if len(set(seeds)) != len(seeds):
        raise fail(f"seeds: duplicate values in {seeds}")
    return tuple(seeds)
