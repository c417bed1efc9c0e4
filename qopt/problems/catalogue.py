"""The bundled benchmark library: ``problems/catalogue.yaml`` and its instance files.

The ``problems/`` directory is package data (``qopt/_data/problems`` in an installed
wheel, the top-level ``problems/`` of a source checkout; :mod:`qopt._resources`); the
environment variable ``QOPT_PROBLEMS_DIR`` points elsewhere. Each catalogue entry has ``name``, ``family``, ``format``, ``path``
(relative to ``problems/``), optionally ``index``, ``n_variables``,
``known_optimum`` (in the problem's own units and sense), ``optimum_status``
(``optimal`` or ``best_known``), ``source`` and optionally ``solution`` (a
solution file achieving the optimum). ``problems/make_catalogue.py`` generates
the file from the family READMEs.
"""

from __future__ import annotations

import copy
import difflib
import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from qopt.errors import InstanceFormatError, UnknownInstanceError
from qopt.problems.readers import read

if TYPE_CHECKING:  # pragma: no cover
    from qopt.problems.base import Problem

__all__ = ["catalogue", "fingerprint", "load", "match_catalogue", "problems_dir", "resolve"]

_ENV = "QOPT_PROBLEMS_DIR"


def problems_dir() -> Path:
    """The directory holding ``catalogue.yaml``: ``$QOPT_PROBLEMS_DIR``, else the bundled one
    (inside the installed package, or ``<repo>/problems`` in a source checkout).

    Raises:
        UnknownInstanceError: the directory or its ``catalogue.yaml`` is missing.
    """
    from qopt._resources import data_dir

    env = os.environ.get(_ENV)
    path = data_dir("problems", _ENV)
    if path is None or not (path / "catalogue.yaml").is_file():
        how = f"${_ENV} = {env!r}" if env else "the installed package or the source checkout"
        raise UnknownInstanceError(
            f"no problems/catalogue.yaml in {how}; set {_ENV} to the bundled problems/ directory"
        )
    return path


@functools.lru_cache(maxsize=4)
def _load_yaml(path: Path, mtime_ns: int) -> tuple[dict, ...]:
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster when present
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    except (OSError, yaml.YAMLError) as err:
        raise InstanceFormatError(f"{path}: cannot read the catalogue: {err}") from err
    required = ("name", "family", "format", "path", "n_variables", "known_optimum", "optimum_status")
    if not isinstance(data, list):
        raise InstanceFormatError(f"{path}: the catalogue must be a YAML list of entries")
    for k, entry in enumerate(data):
        missing = [key for key in required if not isinstance(entry, dict) or key not in entry]
        if missing:
            raise InstanceFormatError(f"{path}: entry {k} lacks {', '.join(missing)}")
    return tuple(data)


def catalogue() -> list[dict]:
    """All entries of the bundled catalogue (fresh copies, in file order).

    Returns:
        list of dicts with keys ``name``, ``family``, ``format``, ``path``,
        ``n_variables``, ``known_optimum``, ``optimum_status``, ``source`` and,
        where relevant, ``index`` and ``solution``.

    Examples:
        >>> entries = catalogue()
        >>> next(e for e in entries if e["name"] == "gka1b")["n_variables"]
        20
    """
    path = problems_dir() / "catalogue.yaml"
    return copy.deepcopy(list(_load_yaml(path, path.stat().st_mtime_ns)))


def _entry(name: str) -> dict:
    entries = catalogue()
    key = str(name).strip().lower()
    for e in entries:
        if e["name"] == key:
            return e
    names = [e["name"] for e in entries]
    close = difflib.get_close_matches(key, names, n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; {len(names)} names exist (qopt list; qopt.catalogue() in Python)"
    raise UnknownInstanceError(f"{name!r} is not in the problem catalogue{hint}")


def load(name: str) -> Problem:
    """Load a catalogue instance by name, e.g. ``load("gka1b")``.

    The problem's ``name`` is the catalogue name. Its ``known_optimum`` is the
    one the file (or its sibling solution file) states; where the file states
    none, the catalogue's value is used. If both exist they must agree.

    Raises:
        UnknownInstanceError: no such name (the message suggests close names).
        InstanceFormatError: the file disagrees with its catalogue entry
            (size or stated optimum), or is malformed.

    Examples:
        >>> p = load("mknap1-1")
        >>> p.num_variables, p.known_optimum
        (6, 3800.0)
    """
    entry = _entry(name)
    path = problems_dir() / entry["path"]
    problem = read(path, format=entry["format"], index=entry.get("index"))
    problem.name = entry["name"]
    if problem.num_variables != entry["n_variables"]:
        raise InstanceFormatError(
            f"{path}: catalogue entry {entry['name']!r} says {entry['n_variables']} variables, "
            f"the file gives {problem.num_variables}"
        )
    expected = entry["known_optimum"]
    if problem.known_optimum is None:
        problem.known_optimum = None if expected is None else float(expected)
    elif expected is not None and abs(problem.known_optimum - float(expected)) > 1e-9 * max(
        1.0, abs(float(expected))
    ):
        raise InstanceFormatError(
            f"{path}: the file states optimum {problem.known_optimum:g}, but catalogue entry "
            f"{entry['name']!r} says {float(expected):g}; they must agree"
        )
    return problem


def fingerprint(problem: Problem) -> str:
    """SHA-256 of a problem's content: family, sense and its constrained model's numbers.

    Independent of the instance name, the file layout and constraint labels: two files holding
    the same instance (e.g. one problem cut out of a multi-problem OR-Library file) get the same
    fingerprint.
    """
    import hashlib

    cqm = problem.cqm()

    def terms(expr):
        lin = sorted((repr(v), round(float(b), 9)) for v, b in expr.linear.items() if b)
        quad = sorted((*sorted((repr(u), repr(v))), round(float(b), 9)) for (u, v), b in expr.quadratic.items() if b)
        return lin, quad, round(float(expr.offset), 9)

    cons = sorted(repr((terms(c.lhs), c.sense.value, round(float(c.rhs), 9))) for c in cqm.constraints.values())
    text = repr((problem.family, problem.sense, problem.num_variables, terms(cqm.objective), cons))
    return hashlib.sha256(text.encode()).hexdigest()


@functools.lru_cache(maxsize=256)
def _entry_fingerprint(name: str, mtime_ns: int) -> str:
    return fingerprint(load(name))


def match_catalogue(problem: Problem) -> dict | None:
    """The catalogue entry whose instance has the same content as ``problem`` (by
    :func:`fingerprint`, not by name), or None.

    Only entries of the same family and variable count are read, so this stays cheap.

    Examples:
        >>> from qopt.problems.readers import read
        >>> p = read(problems_dir() / "mdkp/orlib_mknap1/mknap1_3.txt")
        >>> p.name = "my copy"
        >>> match_catalogue(p)["name"]
        'mknap1-3'
    """
    try:
        entries = catalogue()
        base = problems_dir()
    except (UnknownInstanceError, InstanceFormatError):
        return None
    candidates = [e for e in entries
                  if e["family"] == problem.family and e["n_variables"] == problem.num_variables]
    if not candidates:
        return None
    mine = fingerprint(problem)
    for e in candidates:
        path = base / e["path"]
        try:
            theirs = _entry_fingerprint(e["name"], path.stat().st_mtime_ns)
        except (OSError, InstanceFormatError, UnknownInstanceError):
            continue
        if theirs == mine:
            return e
    return None


def resolve(spec: str | os.PathLike, *, format: str | None = None,  # noqa: A002
            index: int | None = None) -> Problem:
    """Turn a CLI instance argument into a problem.

    ``spec`` is tried as an existing file path (:func:`~qopt.problems.readers.read`
    with ``format``/``index``), then as ``labs:N``, then as a catalogue name
    (:func:`load`; ``format``/``index``, if given, must match the entry). A file that states
    no optimum but holds the same instance as a catalogue entry (:func:`match_catalogue`, by
    content, not name) gets the catalogue's ``known_optimum``.

    Raises:
        UnknownInstanceError: neither a file nor a catalogue name; the message
            suggests close catalogue names.
        InstanceFormatError: as :func:`read` / :func:`load`.

    Examples:
        >>> resolve("labs:5").num_variables
        5
    """
    from qopt.problems._textio import check_path

    text = os.fspath(spec) if isinstance(spec, os.PathLike) else str(spec)
    check_path(text)  # a path no file system accepts: one clear error, not an OSError
    if Path(text).is_file():
        problem = read(text, format=format, index=index)
        if problem.known_optimum is None:
            entry = match_catalogue(problem)
            if entry is not None and entry.get("known_optimum") is not None:
                problem.known_optimum = float(entry["known_optimum"])
                problem.catalogue_match = entry["name"]
        return problem
    if re.match(r"^labs:\d+$", text.strip(), flags=re.IGNORECASE) or (
        format == "labs" and text.strip().isdigit()
    ):
        return read(text.strip(), format="labs")
    try:
        entry = _entry(text)
    except UnknownInstanceError as err:
        looks_like_path = os.sep in text or "/" in text or Path(text).suffix.lower() in (
            ".txt", ".dat", ".gph", ".col", ".clq", ".rud", ".sparse", ".qs", ".lp", ".sln", ".sol", ".gz", ".xz",
        )
        prefix = f"{text}: no such file, and " if looks_like_path else ""
        raise UnknownInstanceError(f"{prefix}{err.args[0]}") from None
    if format is not None and format != entry["format"]:
        raise InstanceFormatError(
            f"catalogue entry {entry['name']!r} is in format {entry['format']!r}, not {format!r}"
        )
    if index is not None and index != entry.get("index"):
        raise InstanceFormatError(
            f"catalogue entry {entry['name']!r} fixes index={entry.get('index')!r}; "
            f"got index={index!r} (name the entry you want instead)"
        )
    return load(entry["name"])
