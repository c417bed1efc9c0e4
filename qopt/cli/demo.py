"""``qopt demo``: the whole pipeline on a bundled instance, as a small comparison table."""

from __future__ import annotations

import click

from qopt.cli._options import emit_json

DEFAULT_INSTANCE = "mknap1-3"


def _runs(solvers: list[str], max_qubits: int) -> list[tuple[str, str, dict]]:
    """(label, solver, options) rows: classical baselines, then quantum solvers shrunk to fit."""
    from qopt.solvers import SOLVERS

    rows = []
    for name in solvers:
        if name not in SOLVERS:
            continue
        if name in ("exact", "sa", "tabu"):
            rows.append((name, name, {}))
        elif name == "qaoa":
            rows.append((f"qaoa p=2 + shrink to {max_qubits}", name,
                         {"layers": 2, "shrink": "adaptive", "max_qubits": max_qubits}))
        else:
            rows.append((f"{name} + shrink to {max_qubits}", name, {"shrink": "adaptive", "max_qubits": max_qubits}))
    return rows


@click.command()
@click.argument("instance", default=DEFAULT_INSTANCE)
@click.option("--solvers", default="exact,sa,tabu,qaoa", show_default=True,
              help="Comma-separated solvers; ones that are not installed are skipped.")
@click.option("--max-qubits", type=click.IntRange(min=2), default=16, show_default=True,
              help="Qubit budget for the quantum solvers (graph shrinking makes the problem fit).")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=1, show_default=True)
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def demo(instance, solvers, max_qubits, seed, output):
    """Solve INSTANCE (default mknap1-3) with each solver and print solver/objective/feasible/gap/time."""
    import warnings

    from qopt.pipeline import solve as run
    from qopt.problems.catalogue import resolve

    problem = resolve(instance)
    rows = []
    for label, solver, opts in _runs([s.strip() for s in solvers.split(",") if s.strip()], max_qubits):
        click.echo(f"qopt demo: running {label} on {problem.name} ...", err=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = run(problem, solver, seed=seed, **opts)
        rows.append({"solver": label, "objective": result.objective, "feasible": result.feasible,
                     "known_optimum": result.known_optimum, "gap": result.gap, "qubits": result.qubits,
                     "time_s": result.time_s})
    if output == "json":
        emit_json({"instance": problem.name, "problem": problem.family, "n_variables": problem.num_variables,
                   "runs": rows})
        return
    click.echo(f"{problem.name}: {problem.family}, {problem.num_variables} variables, {problem.sense}imise, "
               f"known optimum {problem.known_optimum:g}" if problem.known_optimum is not None else problem.name)
    header = f"{'solver':<28}{'objective':>12}{'feasible':>10}{'gap':>9}{'qubits':>8}{'time':>10}"
    click.echo(header)
    click.echo("-" * len(header))
    for r in rows:
        gap = "n/a" if r["gap"] is None else f"{100 * r['gap']:.2f}%"
        qubits = "-" if r["qubits"] is None else str(r["qubits"])
        click.echo(f"{r['solver']:<28}{r['objective']:>12g}{str(r['feasible']):>10}{gap:>9}{qubits:>8}"
                   f"{r['time_s']:>9.2f}s")
