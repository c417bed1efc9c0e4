"""``qopt bench``: run sweeps into a SQLite store, report on them, export to QOBLIB."""

from __future__ import annotations

import logging
import sys

import click

from qopt.cli._options import emit_json

__all__ = ["bench"]

logger = logging.getLogger("qopt")


@click.group()
def bench() -> None:
    """Benchmark sweeps: run (resumable, parallel with Dask), report, export."""


@bench.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--store", required=True, type=click.Path(dir_okay=False),
              help="SQLite results file (created if missing; reruns skip stored runs).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Run in parallel on a local Dask cluster of N single-threaded worker processes.")
@click.option("--scheduler", default=None, help="Address of a running Dask scheduler (tcp://host:8786).")
@click.option("--retry-failed", is_flag=True, help="Run again the runs stored as failed.")
@click.option("--dry-run", is_flag=True, help="Validate the config and list the runs to do; run nothing.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def run(ctx, config, store, workers, scheduler, retry_failed, dry_run, output):
    """Run every (instance, solver, seed) of the sweep CONFIG not yet in --store."""
    from qopt.bench.config import load_config
    from qopt.bench.runner import expand, run_sweep
    from qopt.bench.store import done_keys, open_store

    if workers is not None and scheduler is not None:
        raise click.UsageError("give either --workers or --scheduler, not both")
    cfg = load_config(config)
    if dry_run:
        conn = open_store(store)
        try:
            stored = done_keys(conn, include_failed=not retry_failed)
        finally:
            conn.close()
        tasks = [t for t in expand(cfg) if t["run_key"] not in stored]
        rows = [{"instance": t["instance"]["name"] or t["instance"]["spec"], "solver": t["solver"]["label"],
                 "seed": t["seed"], "run_key": t["run_key"]} for t in tasks]
        if output == "json":
            emit_json({"total": cfg.num_runs, "to_run": rows})
        else:
            click.echo(f"{cfg.num_runs} runs in {config}, {len(rows)} to run")
            for r in rows:
                click.echo(f"  {r['solver']:<20} {r['instance']:<30} seed {r['seed']}")
        return
    quiet = (ctx.find_root().obj or {}).get("quiet", False)
    summary = run_sweep(cfg, store, workers=workers, scheduler=scheduler, retry_failed=retry_failed,
                        progress=not quiet)
    data = {"store": store, "total": summary.total, "skipped": summary.skipped, "ran": summary.ran,
            "failed": summary.failed, "wall_s": summary.wall_s}
    if output == "json":
        emit_json(data)
    else:
        click.echo(f"{store}: {summary.total} runs in the sweep, {summary.skipped} already stored, "
                   f"{summary.ran} run now ({summary.failed} failed) in {summary.wall_s:.1f} s")


@bench.command()
@click.option("--store", required=True, type=click.Path(dir_okay=False), help="SQLite results file.")
@click.option("--output", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--plot", "plot_dir", type=click.Path(file_okay=False), default=None,
              help="Also write PNG plots (gap vs qubits, feasibility, convergence, time vs size) here.")
@click.option("--sweep", default=None, help="Only runs of this sweep name.")
@click.option("--equal-time", is_flag=True,
              help="Also show each solver's gap next to the references (--references) at the same wall time.")
@click.option("--target-gap", type=click.FloatRange(min=0), default=None,
              help="Time-to-target column for this gap (a fraction: 0.01 = 1%%); implies --equal-time.")
@click.option("--references", default="native,sa", show_default=True,
              help="Solver labels to compare against in the equal-time table (comma-separated).")
def report(store, output, plot_dir, sweep, equal_time, target_gap, references):
    """Comparative table per problem class and solver (or every run as JSON/CSV)."""
    from qopt.bench.report import format_table, plot_all, runs_csv, runs_json
    from qopt.bench.store import load_runs

    runs = load_runs(store, sweep=sweep)
    equal_time = equal_time or target_gap is not None
    refs = tuple(r.strip() for r in references.split(",") if r.strip())
    if output == "json":
        data = runs_json(runs)
        if equal_time:
            from qopt.bench.equal_time import equal_time_rows

            data["equal_time"] = equal_time_rows(runs, target_gap=target_gap, references=refs)
        emit_json(data)
    elif output == "csv":
        sys.stdout.write(runs_csv(runs))
    else:
        if not runs:
            click.echo(f"{store}: no runs stored")
        else:
            click.echo(format_table(runs), nl=False)
            if equal_time:
                from qopt.bench.equal_time import format_equal_time

                click.echo("\nEqual wall time" + (f", time to {100 * target_gap:g}% gap" if target_gap is not None
                                                   else "") + ":")
                click.echo(format_equal_time(runs, target_gap=target_gap, references=refs), nl=False)
    if plot_dir:
        for path in plot_all(runs, plot_dir):
            click.echo(f"wrote {path}", err=True)


@bench.command()
@click.option("--store", required=True, type=click.Path(dir_okay=False), help="SQLite results file.")
@click.option("--qoblib", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory to write the QOBLIB submission folders into.")
@click.option("--submitter", default="qopt", show_default=True, help="Submitter name(s) and affiliation.")
@click.option("--reference", default=None, help="Paper or repository describing the runs.")
@click.option("--success-threshold", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="epsilon for '# Successful Runs' (relative to the best objective found).")
@click.option("--sweep", default=None, help="Only runs of this sweep name.")
def export(store, out_dir, submitter, reference, success_threshold, sweep):
    """Write solutions and the metadata table in the QOBLIB submission format."""
    from qopt.bench.export import export_qoblib
    from qopt.bench.store import load_runs

    runs = load_runs(store, sweep=sweep)
    paths = export_qoblib(runs, out_dir, submitter=submitter, reference=reference,
                          success_threshold=success_threshold)
    n_csv = sum(p.name.endswith("_summary.csv") for p in paths)
    click.echo(f"wrote {len(paths)} files for {n_csv} (instance, solver) submissions under {out_dir}")
