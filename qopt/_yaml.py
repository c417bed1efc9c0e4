"""The one YAML loader of qopt's configuration files (devices, their mitigation blocks, sweeps)
and the value checks their validators share.

:func:`load_yaml` is PyYAML's safe loader behind three bounds that hostile files cannot pass:

* nesting depth at most :data:`MAX_DEPTH` (checked on the event stream before composing, so a
  20,000-deep file is a :class:`~qopt.errors.ConfigError`, not a ``RecursionError``);
* at most :data:`MAX_ALIASES` alias references and at most :data:`MAX_NODES` nodes with every
  alias expanded (a "billion laughs" file is rejected before any expansion);
* every integer within a signed 64-bit range (seeds and counts are stored in JSON and SQLite).

Every failure is a :class:`~qopt.errors.ConfigError` whose message names the source.
"""

from __future__ import annotations

from typing import Any

from qopt.errors import ConfigError

__all__ = ["load_yaml", "read_yaml", "MAX_DEPTH", "MAX_ALIASES", "MAX_NODES", "MAX_BYTES", "MAX_INT", "where",
           "check_int", "check_choice", "check_mapping"]

#: Deepest nesting of mappings/sequences accepted.
MAX_DEPTH = 64
#: Most alias references (``*name``) accepted in one file.
MAX_ALIASES = 64
#: Most nodes a file may hold once its aliases are expanded.
MAX_NODES = 100_000
#: Largest config file accepted (bytes).
MAX_BYTES = 4 * 1024 * 1024
#: Largest integer magnitude accepted.
MAX_INT = 2**63 - 1


def _loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, *, source: str = "<string>") -> Any:
    """Parse YAML ``text`` safely (see the module docstring).

    Raises:
        ConfigError: invalid YAML, too deep, too many aliases, too large, or an integer out of range.
    """
    import yaml

    if len(text) > MAX_BYTES:
        raise ConfigError(f"{source}: config file too large ({len(text)} characters > {MAX_BYTES})")
    try:
        _check_events(yaml.parse(text, Loader=_loader()), source)
        data = yaml.load(text, Loader=_loader())  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{source}: not valid YAML{at}: {problem}") from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise ConfigError(f"{source}: YAML nested too deeply") from None
    _check_ints(data, source, "")
    return data


def _check_events(events, source: str) -> None:
    """Bound depth, aliases and expanded size on the event stream (no recursion, no expansion)."""
    import yaml

    stack: list[list] = [[0, None]]  # [expanded nodes so far, anchor] per open collection
    sizes: dict = {}  # anchor -> expanded nodes of the anchored node
    aliases = 0

    def add(size: int) -> None:
        stack[-1][0] += size
        if stack[0][0] + sum(entry[0] for entry in stack[1:]) > MAX_NODES:
            raise ConfigError(f"{source}: more than {MAX_NODES} YAML nodes once aliases are expanded")

    for event in events:
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append([1, event.anchor])
            if len(stack) - 1 > MAX_DEPTH:
                raise ConfigError(f"{source}: YAML nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            size, anchor = stack.pop()
            if anchor is not None:
                sizes[anchor] = size
            add(size)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = 1
            add(1)
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ConfigError(f"{source}: more than {MAX_ALIASES} YAML aliases (*name); write the values out")
            add(sizes.get(event.anchor, 1))


def read_yaml(path, *, what: str = "config") -> Any:
    """:func:`load_yaml` of the file at ``path`` (unreadable files are a :class:`ConfigError`)."""
    from pathlib import Path

    p = Path(path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise ConfigError(f"{p}: {what} file too large ({p.stat().st_size} bytes > {MAX_BYTES})")
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{p}: cannot read the {what}: {getattr(err, 'strerror', None) or err}") from None
    return load_yaml(text, source=str(p))


def _check_ints(value, source: str, path: str, _seen=None) -> None:
    _seen = set() if _seen is None else _seen
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise ConfigError(f"{where(source, path or 'value')}: integer {value} is out of range "
                              f"(|value| <= 2**63 - 1)")
        return
    if isinstance(value, (dict, list)):
        if id(value) in _seen:  # a shared (aliased) node: checked once
            return
        _seen.add(id(value))
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for k, v in items:
            if isinstance(k, int) and not isinstance(k, bool) and abs(k) > MAX_INT:
                raise ConfigError(f"{where(source, path or 'key')}: integer key {k} is out of range")
            sub = f"{path}[{k}]" if isinstance(value, list) else (f"{path}.{k}" if path else str(k))
            _check_ints(v, source, sub, _seen)


# --------------------------------------------------------------------------- value checks
def where(source: str | None, key: str) -> str:
    """``"source: key"`` (or ``key``) for messages."""
    return f"{source}: {key}" if source else key


def check_int(value, key, source, *, minimum: int, maximum: int = MAX_INT, allow_none: bool = True):
    """``value`` as an int in ``[minimum, maximum]`` (None allowed when ``allow_none``)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where(source, key)} must be an integer"
                          f"{' or null' if allow_none else ''}, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{where(source, key)} must be >= {minimum}, got {value!r}")
    if value > maximum:
        raise ConfigError(f"{where(source, key)} must be <= {maximum}, got {value!r}")
    return int(value)


def check_choice(value, key, source, choices, *, allow_none: bool = True):
    """``value`` lower-cased if it is one of ``choices`` (None allowed when ``allow_none``)."""
    if value is None and allow_none:
        return None
    if not isinstance(value, str) or value.lower() not in choices:
        raise ConfigError(f"{where(source, key)} must be one of {', '.join(choices)}"
                          f"{' or null' if allow_none else ''}, got {value!r}")
    return value.lower()


def check_mapping(value, key, source, *, allow_none: bool = True):
    """``value`` as a dict with string keys (None -> None or ``{}``)."""
    if value is None:
        return None if allow_none else {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ConfigError(f"{where(source, key)} must be a mapping with string keys"
                          f"{' or null' if allow_none else ''}, got {value!r}")
    return dict(value)
