"""``qopt solve``, ``qopt info`` and ``qopt list``."""

from __future__ import annotations

import json
import logging

import click

from qopt.cli._options import emit_json

logger = logging.getLogger("qopt")

from qopt.options import ENCODING, EXECUTION, FINISHING, POSTPROCESS, READOUTS

# CLI flag -> solver keyword; only flags the user gives are passed on, and a
# solver that does not take one rejects it by name.
_SOLVER_FLAGS = {
    "time_limit": "--time-limit", "device": "--device", "layers": "--layers", "init": "--init",
    "cvar_alpha": "--cvar-alpha", "shots": "--shots", "maxiter": "--maxiter", "optimizer": "--optimizer",
    "diff_method": "--diff-method", "qubits": "--qubits", "k": "--k", "encoding": "--encoding",
    "rounding": "--rounding", "mitigation": "--mitigation", "penalty": "--penalty", "slack": "--slack",
    "num_reads": "--num-reads", "mixer": "--mixer", "yes": "--yes", "journal": "--journal",
    "postprocess": "--postprocess", "readout": "--readout", "top_k": "--top-k",
}


def _penalty(value: str | None):
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        if value in ("calibrated", "qiskit"):
            return value
        raise click.BadParameter(f"{value!r} is not 'calibrated', 'qiskit' or a number", param_hint="--penalty")


def _finite(ctx, param, value):
    import math

    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value!r} is not a finite number", param_hint=f"--{param.name.replace('_', '-')}")
    return value


def _help(group: dict, key: str) -> str:
    return group[key][1]


@click.command()
@click.argument("instance")
@click.option("--format", "fmt", default=None, help="Instance format (default: detect). See 'qopt list --formats'.")
@click.option("--index", type=click.IntRange(min=0), default=None,
              help="0-based problem number in multi-problem files (mknap1, orlib-bqp).")
@click.option("--solver", default="tabu", show_default=True,
              help="exact | sa | tabu | native | qaoa | rqaoa | vqe | pce | qrao (see 'qopt list --solvers').")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
              help="Seed for every random choice (default: fresh entropy; the result records the seed used).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds the solver may use (exact, tabu, native).")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--device", default=None, help=_help(EXECUTION, "device") + " Default: exact.")
@click.option("--layers", type=click.IntRange(min=1), default=None, help="QAOA layers p.")
@click.option("--init", default=None, help="QAOA parameter initialisation: ramp|interp|fourier|fixed|random.")
@click.option("--mixer", default=None, help="QAOA mixer: x | xy | warm (warm-start).")
@click.option("--cvar-alpha", type=click.FloatRange(min=0, max=1, min_open=True), default=None,
              help="CVaR fraction for VQE/QAOA (1 = plain expectation).")
@click.option("--shots", type=click.IntRange(min=1), default=None, help=_help(EXECUTION, "shots"))
@click.option("--maxiter", type=click.IntRange(min=1), default=None, help="Optimizer iterations.")
@click.option("--optimizer", default=None, help="cobyla | l-bfgs-b | nelder-mead | adam | gd | spsa.")
@click.option("--diff-method", default=None, help="parameter-shift | adjoint | backprop | finite-diff.")
@click.option("--qubits", type=click.IntRange(min=1), default=None, help="PCE: qubits to encode into.")
@click.option("--k", type=click.IntRange(min=1), default=None, help="PCE: correlator order.")
@click.option("--encoding", type=click.Choice(["2", "3"]), default=None, help="QRAO: variables per qubit.")
@click.option("--rounding", type=click.Choice(["magic", "semideterministic"]), default=None, help="QRAO rounding.")
@click.option("--shrink", type=click.Choice(["adaptive", "static", "none"]), default=None,
              help="Graph shrinking before solving (default none; adaptive if --max-qubits is given).")
@click.option("--max-qubits", type=click.IntRange(min=1), default=None, help="Qubit budget for shrinking.")
@click.option("--mitigation", default=None, help=_help(EXECUTION, "mitigation"))
@click.option("--penalty", default=None, help=_help(ENCODING, "penalty") + " Default: calibrated.")
@click.option("--slack", type=click.Choice(["binary", "unbalanced"]), default=None, help=_help(ENCODING, "slack"))
@click.option("--num-reads", type=click.IntRange(min=1), default=None, help="sa/tabu: independent runs.")
@click.option("--postprocess", type=click.Choice(POSTPROCESS), default=None,
              help=_help(FINISHING, "postprocess") + " Default: full.")
@click.option("--readout", type=click.Choice(READOUTS), default=None,
              help=_help(FINISHING, "readout") + " Default: shots.")
@click.option("--top-k", type=click.IntRange(min=1), default=None, help=_help(FINISHING, "top_k"))
@click.option("--known-optimum", type=float, default=None, callback=_finite, help=_help(FINISHING, "known_optimum"))
@click.option("--yes", is_flag=True, default=None, help=_help(EXECUTION, "yes"))
@click.option("--journal", default=None, type=click.Path(dir_okay=False),
              help="Job journal (JSON lines) for Qiskit devices: records every finished job; rerun the same "
                   "command with the same --seed to replay them and continue after a crash.")
@click.option("--save", "save_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the full result (with samples) as JSON to this file.")
@click.pass_context
def solve(ctx, instance, fmt, index, solver, seed, output, shrink, max_qubits, known_optimum, save_path, **flags):
    """Solve INSTANCE (a file path, a catalogue name such as mknap1-1, or labs:N)."""
    from qopt.pipeline import UnknownOptionError
    from qopt.pipeline import solve as run
    from qopt.problems.catalogue import resolve
    from qopt.solvers import SOLVERS

    if solver not in SOLVERS:
        raise click.BadParameter(f"unknown solver {solver!r}; choose one of {', '.join(sorted(SOLVERS))}",
                                 param_hint="--solver")
    options = {k: v for k, v in flags.items() if v is not None}
    if options.get("readout") == "top-k" and "top_k" not in options:
        raise click.BadParameter("--readout top-k needs --top-k K", param_hint="--readout")
    if "top_k" in options and options.get("readout") != "top-k":
        raise click.BadParameter("--top-k applies to --readout top-k", param_hint="--top-k")
    if "journal" in options:
        from qopt.devices.journal import Journal

        identity = {"instance": instance, "format": fmt, "index": index, "solver": solver, "seed": seed,
                    "shrink": shrink, "max_qubits": max_qubits,
                    "options": {k: v for k, v in options.items() if k not in ("journal", "yes")}}
        options["journal"] = Journal(options["journal"], run=identity)  # shared by every runner; opened on first job
    if "penalty" in options:
        options["penalty"] = _penalty(options["penalty"])
    if "encoding" in options:
        options["encoding"] = int(options["encoding"])
    from qopt.limits import check_solver_options

    check_solver_options({**options, "seed": seed, "max_qubits": max_qubits},  # named as flags, before reading
                         flags={**_SOLVER_FLAGS, "seed": "--seed", "max_qubits": "--max-qubits"})
    problem = resolve(instance, format=fmt, index=index)
    logger.info("read %s: %s with %d variables", instance, problem.family, problem.num_variables)
    try:
        result = run(problem, solver, seed=seed, shrink=shrink, max_qubits=max_qubits,
                     known_optimum=known_optimum, **options)
    except UnknownOptionError as err:
        flags_ = ", ".join(_SOLVER_FLAGS.get(k, k) for k in err.names)
        raise click.UsageError(f"{flags_} does not apply to --solver {solver}") from None
    if save_path:
        with open(save_path, "w") as fh:
            json.dump(result.to_dict(include_samples=True), fh)
    if output == "json":
        emit_json(result.to_dict())
    else:
        _print_text(result)


def _print_text(result) -> None:
    gap = "n/a" if result.gap is None else f"{100 * result.gap:.2f}%"
    rows = [
        ("instance", f"{result.instance} ({result.problem}, {result.n_variables} variables, {result.sense})"),
        ("solver", result.solver), ("status", result.status.value), ("objective", f"{result.objective:g}"),
        ("feasible", str(result.feasible)),
        ("known optimum", "n/a" if result.known_optimum is None else f"{result.known_optimum:g}"),
        ("gap", gap), ("qubits", "n/a" if result.qubits is None else str(result.qubits)),
        ("time", f"{result.time_s:.3f} s"),
    ]
    if result.violations:
        rows.append(("violations", ", ".join(f"{k}={v:g}" for k, v in list(result.violations.items())[:5])))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        click.echo(f"{k:<{width}}  {v}")


@click.command()
@click.argument("instance")
@click.option("--format", "fmt", default=None, help="Instance format (default: detect).")
@click.option("--index", type=click.IntRange(min=0), default=None, help="0-based problem in multi-problem files.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def info(instance, fmt, index, output):
    """Size of INSTANCE: variables, constraints, and qubits for each slack encoding."""
    from qopt.problems.catalogue import resolve
    from qopt.qubo import count_qubits

    problem = resolve(instance, format=fmt, index=index)
    data = problem.info()
    cqm = problem.cqm()
    data["qubits"] = {mode: count_qubits(cqm, slack=mode) for mode in ("binary", "unbalanced")}
    if output == "json":
        emit_json(data)
        return
    for k, v in data.items():
        if k == "qubits":
            v = ", ".join(f"{m}: {q}" for m, q in v.items())
        click.echo(f"{k:<16}{v}")


@click.command(name="list")
@click.option("--family", default=None, help="Only this family (mdkp, mis, qap, market_split, maxcut, qubo, labs).")
@click.option("--formats", "show_formats", is_flag=True, help="List the instance formats instead.")
@click.option("--solvers", "show_solvers", is_flag=True, help="List the solvers instead.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_instances(family, show_formats, show_solvers, output):
    """List the bundled instances (name, family, variables, known optimum)."""
    if show_formats:
        from qopt.problems.readers import FORMATS

        rows = [{"format": f} for f in FORMATS]
    elif show_solvers:
        from qopt.solvers import SOLVERS

        rows = [{"solver": s} for s in SOLVERS]
    else:
        from qopt.problems.catalogue import catalogue

        rows = [{k: e.get(k) for k in ("name", "family", "format", "n_variables", "known_optimum")}
                for e in catalogue() if family is None or e.get("family") == family]
        if family is not None and not rows:
            raise click.BadParameter(f"no instances of family {family!r}", param_hint="--family")
    if output == "json":
        emit_json(rows)
        return
    table = [[str(k) for k in rows[0]]] + [["" if v is None else str(v) for v in r.values()] for r in rows] \
        if rows else []
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))] if table else []
    for r in table:  # a header line, then aligned columns
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
