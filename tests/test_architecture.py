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


def _device_kind_reads(source: str) -> list[int]:
    """Line numbers of ``source`` that branch on a device's kind: ``x.kind`` compared with a device
    name (a string or a collection of strings), or ``x.exact`` tested or compared."""
    def names(node) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(names(e) for e in node.elts)

    def is_attr(node, attr) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == attr

    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            parts = [node.left, *node.comparators]
            if (any(is_attr(p, "kind") for p in parts) and any(names(p) for p in parts)) or \
                    any(is_attr(p, "exact") for p in parts):
                out.append(node.lineno)
            continue
        if isinstance(node, (ast.If, ast.IfExp, ast.While)):
            parts = [node.test]
        elif isinstance(node, ast.BoolOp):
            parts = list(node.values)
        elif isinstance(node, ast.UnaryOp):
            parts = [node.operand]
        else:
            continue
        if any(is_attr(p, "exact") for p in parts):
            out.append(node.lineno)
    return sorted(set(out))


def test_the_scan_sees_a_device_kind_branch():
    probe = ("if config.kind == 'exact':\n    pass\nx = 1 if cfg.exact else 2\ny = not cfg.exact\n"
             "info = {'device_kind': config.kind}\nz = a.exact_max_qubits > 3\n"
             "w = [p for p in ps if p.kind is p.VAR_KEYWORD]\nif c.kind in ('aer', 'ibm'):\n    pass\n")
    assert _device_kind_reads(probe) == [1, 3, 4, 8]


def test_solvers_never_branch_on_the_device_kind():
    # the factory (qopt.devices.factory) is the one place that reads a device's kind
    offenders = [f"{path.relative_to(ROOT.parent)}:{line}" for path in sorted((ROOT / "solvers").rglob("*.py"))
                 for line in _device_kind_reads(path.read_text(encoding="utf-8"))]
    assert not offenders, f"solvers branch on the device kind (use qopt.devices.factory): {offenders}"


def test_solvers_import_no_private_name_of_another_solver():
    offenders = {}
    for path in sorted((ROOT / "solvers").rglob("*.py")):
        own = _module_name(path)
        # a private *name* (class, function) of another module; shared private modules such as
        # qopt.solvers._variational are fine
        bad = [m for m in _imports(path) if m.startswith("qopt.solvers.") and m.rsplit(".", 1)[0] != own
               and m.rsplit(".", 1)[1].startswith("_") and not m.rsplit(".", 1)[1].startswith("__")
               and not (ROOT.parent / m.replace(".", "/")).with_suffix(".py").exists()]
        if bad:
            offenders[str(path.relative_to(ROOT.parent))] = bad
    assert not offenders, f"solvers import another module's private names: {offenders}"
