"""The package's import structure: no cycles between first-level parts, the CLI on top.

Walks every module of ``qopt/`` with ``ast`` (imports inside functions included, so lazy imports
count too) and builds the graph of first-level parts (``qopt.devices``, ``qopt.solvers``,
``qopt.pipeline``, ...).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import qopt

ROOT = Path(qopt.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append(target)
            out.extend(f"{target}.{a.name}" for a in node.names)  # "from qopt import cli"
    return out


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "qopt" and len(parts) > 1 else None


def _graph() -> dict[str, dict[str, set[str]]]:
    """part -> imported part -> files that import it."""
    edges: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    known = {p.stem if p.is_file() else p.name for p in ROOT.iterdir() if not p.name.startswith("__pycache__")}
    for path in ROOT.rglob("*.py"):
        src = _part(_module_name(path))
        if src is None:
            continue
        for target in _imports(path):
            dst = _part(target)
            if dst is not None and dst != src and dst in known:
                edges[src][dst].add(str(path.relative_to(ROOT.parent)))
    return edges


def _cycles(edges) -> list[list[str]]:
    """Strongly connected components with more than one part (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(edges):
        if v not in index:
            visit(v)
    return out


def test_the_walk_sees_lazy_imports():
    # qopt.solvers.qaoa imports qopt.devices.factory inside the solver function only
    assert "devices" in _graph()["solvers"]


def test_no_import_cycle_between_first_level_parts():
    edges = _graph()
    cycles = _cycles(edges)
    detail = [f"{a} -> {b} ({', '.join(sorted(edges[a][b]))})" for comp in cycles for a in comp for b in comp
              if b in edges.get(a, {})]
    assert not cycles, "import cycles between parts of qopt:\n" + "\n".join(detail)


def test_nothing_below_the_cli_imports_it():
    edges = _graph()
    offenders = {src: sorted(files) for src, dsts in edges.items() if src not in ("cli", "__main__")
                 for dst, files in dsts.items() if dst == "cli"}
    assert not offenders, f"library code imports qopt.cli: {offenders}"


def _files_importing(part_dir: str, prefix: str) -> dict[str, list[str]]:
    out = {}
    for path in (ROOT / part_dir).rglob("*.py"):
        hits = sorted({m for m in _imports(path) if m == prefix or m.startswith(prefix + ".")})
        if hits:
            out[str(path.relative_to(ROOT.parent))] = hits
    return out


def test_mitigation_wraps_runners_and_the_runners_know_no_mitigation():
    # qopt.mitigation drives a runner through its methods (as Mitiq drives an executor) ...
    assert _files_importing("mitigation", "qopt.devices") == {}
    # ... and the only device code that names it validates a device file's block or applies the wrapper
    users = _files_importing("devices", "qopt.mitigation")
    assert users == {"qopt/devices/config.py": ["qopt.mitigation.config", "qopt.mitigation.config.parse_mitigation"],
                     "qopt/devices/factory.py": ["qopt.mitigation.runner", "qopt.mitigation.runner.mitigate"]}
