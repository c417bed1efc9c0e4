"""Running sweeps: resume after SIGKILL, Dask workers, failed runs stored not fatal."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from qopt.bench.config import load_config
from qopt.bench.runner import expand, run_sweep
from qopt.bench.store import load_runs

# 10 runs of ~0.2-0.3 s each (tabu stops on its timeout), so a kill lands mid-sweep
KILL_SWEEP = """
name: killme
instances: [mknap1-1, mammalia-kangaroo-interactions]
solvers:
  - {name: tabu, num_reads: 2, timeout_s: 0.12}
seeds: [0, 1, 2, 3, 4]
"""

TINY = """
name: tiny
instances: [mknap1-1, labs5]
solvers:
  - exact
  - {name: sa, num_reads: 10, num_sweeps: 100}
seeds: [0, 1]
"""


def _count(store) -> int:
    if not os.path.exists(store):
        return 0
    try:
        conn = sqlite3.connect(store, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # table not created yet
        return 0


def _bench_run(config, store, *extra):
    return [sys.executable, "-m", "qopt", "bench", "run", str(config), "--store", str(store), *extra]


def test_kill_and_resume_stores_every_run_exactly_once(write_yaml, tmp_path):
    config = write_yaml(KILL_SWEEP)
    store = str(tmp_path / "kill.sqlite")
    proc = subprocess.Popen(_bench_run(config, store), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while _count(store) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    at_kill = _count(store)
    assert proc.returncode == -signal.SIGKILL
    assert 2 <= at_kill < 10, f"the kill should land mid-sweep, {at_kill} runs were stored"
    before = {r["run_key"]: r["finished_at"] for r in load_runs(store)}

    done = subprocess.run(_bench_run(config, store, "--output", "json"), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert f'"skipped": {at_kill}' in done.stdout

    runs = load_runs(store)
    keys = [r["run_key"] for r in runs]
    expected = {t["run_key"] for t in expand(load_config(config))}
    assert len(keys) == len(set(keys)) == 10 and set(keys) == expected
    assert all(r["status"] == "ok" for r in runs)
    # runs stored before the kill were kept, not redone
    assert all(r["finished_at"] == before[r["run_key"]] for r in runs if r["run_key"] in before)

    again = subprocess.run(_bench_run(config, store, "--output", "json"), capture_output=True, text=True,
                           timeout=120)
    assert '"ran": 0' in again.stdout and _count(store) == 10


def test_dask_local_cluster_two_workers(write_yaml, tmp_path):
    pytest.importorskip("distributed")
    config = load_config(write_yaml(TINY))
    store = str(tmp_path / "dask.sqlite")
    summary = run_sweep(config, store, workers=2, progress=False)
    assert (summary.total, summary.ran, summary.failed) == (8, 8, 0)
    runs = load_runs(store)
    assert len(runs) == 8 and len({r["run_key"] for r in runs}) == 8
    assert all(r["feasible"] for r in runs)
    exact = [r for r in runs if r["solver"] == "exact"]
    assert all(r["gap"] == 0.0 for r in exact)  # exact finds the catalogue optimum
    # and serially the same grid is already complete
    assert run_sweep(config, store, progress=False).ran == 0


def test_failed_run_is_stored_and_sweep_continues(write_yaml, tmp_path):
    # num_reads=0 passes the signature check but the solver rejects it when run
    config = load_config(write_yaml("""
        instances: [mknap1-1]
        solvers:
          - {name: sa, num_reads: 0}
          - {name: sa, num_reads: 5, num_sweeps: 50, label: sa-ok}
        seeds: [0]
    """))
    store = str(tmp_path / "f.sqlite")
    summary = run_sweep(config, store, progress=False)
    assert (summary.ran, summary.failed) == (2, 1)
    runs = {r["solver_label"]: r for r in load_runs(store)}
    assert runs["sa"]["status"] == "failed" and "num_reads" in runs["sa"]["error"]
    assert runs["sa-ok"]["status"] == "ok"
    # a rerun skips the failed run unless asked to retry it
    assert run_sweep(config, store, progress=False).ran == 0
    retry = run_sweep(config, store, retry_failed=True, progress=False)
    assert (retry.ran, retry.failed) == (1, 1) and len(load_runs(store)) == 2


def test_workers_and_scheduler_are_exclusive(write_yaml, tmp_path):
    from qopt.errors import ConfigError

    config = load_config(write_yaml(TINY))
    with pytest.raises(ConfigError, match="either workers or scheduler"):
        run_sweep(config, str(tmp_path / "x.sqlite"), workers=2, scheduler="tcp://127.0.0.1:1")
