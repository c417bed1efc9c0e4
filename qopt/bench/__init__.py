"""Benchmark harness: resumable sweeps in SQLite, Dask scale-out, comparative reports, QOBLIB export.

The pipeline, one small module per step::

    config.py   load_config(YAML) -> SweepConfig (validated before any run)
    runner.py   run_sweep(config, store, workers=/scheduler=): grid -> runs -> store
    store.py    SQLite (WAL), one transaction per finished run, unique run keys
    metrics.py  per-run and per-(class, solver) metrics of the comparative study
    report.py   table / JSON / CSV and matplotlib plots
    export.py   QOBLIB submission folders and metadata table

Examples:
    >>> from qopt.bench import parse_config, expand
    >>> cfg = parse_config({"instances": ["mknap1-1"], "solvers": ["exact"], "seeds": [0]})
    >>> len(expand(cfg))
    1
"""

from __future__ import annotations

import importlib

__all__ = ["load_config", "parse_config", "run_sweep", "expand", "load_runs", "aggregate", "run_metrics",
           "format_table", "runs_json", "runs_csv", "plot_all", "export_qoblib", "tts99"]

_LAZY = {
    "load_config": "qopt.bench.config", "parse_config": "qopt.bench.config",
    "run_sweep": "qopt.bench.runner", "expand": "qopt.bench.runner",
    "load_runs": "qopt.bench.store",
    "aggregate": "qopt.bench.metrics", "run_metrics": "qopt.bench.metrics", "tts99": "qopt.bench.metrics",
    "format_table": "qopt.bench.report", "runs_json": "qopt.bench.report", "runs_csv": "qopt.bench.report",
    "plot_all": "qopt.bench.report",
    "export_qoblib": "qopt.bench.export",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qopt.bench' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__():
    return sorted(__all__)
