"""A native crash of one run (tabu's "double free" abort) is stored as that run's failure; the sweep
goes on, and a resume does not run (or crash on) it again."""

from __future__ import annotations

import pytest

from qopt.bench import runner
from qopt.bench.config import parse_config
from qopt.bench.store import load_runs, open_store


@pytest.mark.parametrize("workers", [None, 1, 2])
def test_a_run_that_aborts_its_process_is_one_failed_run(tmp_path, monkeypatch, workers):
    """Serial sweeps run each run in a forked child; under Dask a run that aborts its worker is re-run
    once in an isolated process (Dask does not retry it on other workers) and the nanny restarts the
    worker. Either way the crash is that run's failure, the other runs finish, a resume skips all."""
    if workers is not None:
        pytest.importorskip("distributed")
    from qopt.testing import run_task_aborting_on_seed

    # Dask pickles it by reference: the workers import qopt.testing and call the same function
    monkeypatch.setattr(runner, "run_task", run_task_aborting_on_seed)
    cfg = parse_config({"instances": ["mknap1-1"], "solvers": [{"name": "sa", "num_reads": 5, "num_sweeps": 50}],
                        "seeds": [0, 1, 2]})
    store = str(tmp_path / "s.sqlite")
    summary = runner.run_sweep(cfg, store, workers=workers, progress=False)
    assert (summary.ran, summary.failed) == (3, 1)
    conn = open_store(store)
    try:
        runs = {r["seed"]: r for r in load_runs(conn)}
    finally:
        conn.close()
    assert runs[0]["status"] == runs[2]["status"] == "ok" and runs[0]["objective"] == 3800
    assert runs[1]["status"] == "failed" and runs[1]["error"].startswith("NativeCrash: the run's process killed "
                                                                         "by SIGABRT (a crash inside a native")
    again = runner.run_sweep(cfg, store, workers=workers, progress=False)  # resume: nothing left to run
    assert (again.skipped, again.ran) == (3, 0)


def test_the_crash_stand_in_runs_the_real_task_for_other_seeds(monkeypatch):
    from qopt.testing import run_task_aborting_on_seed

    monkeypatch.setattr(runner, "run_task", run_task_aborting_on_seed)  # no recursion through the patch
    task = runner.expand(parse_config({"instances": ["mknap1-1"], "solvers": ["exact"], "seeds": [0]}))[0]
    assert run_task_aborting_on_seed(task)["objective"] == 3800


def test_isolated_run_returns_the_same_row_as_in_process():
    cfg = parse_config({"instances": ["mknap1-1"], "solvers": ["exact"], "seeds": [0]})
    task = runner.expand(cfg)[0]
    inside, isolated = runner.run_task(task), runner.run_task_isolated(task)
    assert inside["status"] == isolated["status"] == "ok"
    assert inside["objective"] == isolated["objective"] == 3800
