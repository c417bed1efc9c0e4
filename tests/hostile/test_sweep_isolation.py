"""A native crash of one run (tabu's "double free" abort) is stored as that run's failure; the sweep
goes on, and a resume does not run (or crash on) it again."""

from __future__ import annotations

import os

import pytest

from qopt.bench import runner
from qopt.bench.config import parse_config
from qopt.bench.store import load_runs, open_store


def test_a_run_that_aborts_the_process_is_one_failed_run(tmp_path, monkeypatch):
    real = runner.run_task

    def crash_on_seed_1(task):
        if task["seed"] == 1:
            os.abort()  # what glibc does on "double free or corruption"
        return real(task)

    monkeypatch.setattr(runner, "run_task", crash_on_seed_1)
    cfg = parse_config({"instances": ["mknap1-1"], "solvers": [{"name": "sa", "num_reads": 5, "num_sweeps": 50}],
                        "seeds": [0, 1, 2]})
    store = str(tmp_path / "s.sqlite")
    summary = runner.run_sweep(cfg, store, progress=False)
    assert (summary.ran, summary.failed) == (3, 1)
    conn = open_store(store)
    try:
        runs = {r["seed"]: r for r in load_runs(conn)}
    finally:
        conn.close()
    assert runs[0]["status"] == runs[2]["status"] == "ok" and runs[0]["objective"] == 3800
    assert runs[1]["status"] == "failed" and "SIGABRT" in runs[1]["error"] and "native" in runs[1]["error"]
    again = runner.run_sweep(cfg, store, progress=False)  # resume: nothing left to run
    assert (again.skipped, again.ran) == (3, 0)


def test_isolated_run_returns_the_same_row_as_in_process():
    cfg = parse_config({"instances": ["mknap1-1"], "solvers": ["exact"], "seeds": [0]})
    task = runner.expand(cfg)[0]
    inside, isolated = runner.run_task(task), runner.run_task_isolated(task)
    assert inside["status"] == isolated["status"] == "ok"
    assert inside["objective"] == isolated["objective"] == 3800


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_that_kills_its_dask_worker_is_one_failed_run(tmp_path, monkeypatch, workers):
    """A run that aborts its Dask worker is re-run once in an isolated process and stored as its own
    NativeCrash failure (Dask does not retry it on other workers); the nanny restarts the worker and
    the other runs finish, also one that was waiting on the dead worker."""
    pytest.importorskip("distributed")
    from qopt.testing import run_task_aborting_on_seed

    # pickled by reference: the workers import qopt.testing and call the same function
    monkeypatch.setattr(runner, "run_task", run_task_aborting_on_seed)
    cfg = parse_config({"instances": ["mknap1-1"],
                        "solvers": [{"name": "sa", "num_reads": 5, "num_sweeps": 50}], "seeds": [0, 1, 2]})
    store = str(tmp_path / "d.sqlite")
    summary = runner.run_sweep(cfg, store, workers=workers, progress=False)
    assert (summary.ran, summary.failed) == (3, 1)
    conn = open_store(store)
    try:
        runs = {r["seed"]: r for r in load_runs(conn)}
    finally:
        conn.close()
    assert runs[0]["status"] == runs[2]["status"] == "ok" and runs[0]["objective"] == 3800
    assert runs[1]["status"] == "failed" and runs[1]["error"].startswith("NativeCrash: the run's process killed by SIGABRT")
