"""Run a sweep: expand the grid, skip stored runs, run the rest serially or through Dask.

Results are written by the driver, one transaction per finished run, as runs
complete (``distributed.as_completed``), so killing the driver loses at most the
runs in flight. A run that raises is stored as failed with its error message;
the sweep goes on.

Parallel runs use Dask only (no home-made scheduler): ``workers=N`` starts a
``distributed.LocalCluster(n_workers=N, threads_per_worker=1)``; ``scheduler=ADDRESS``
connects a ``distributed.Client`` to a running scheduler (``dask scheduler`` plus
``dask worker ADDRESS`` on each machine, all with qopt installed and the same
instance files reachable at the same paths).
"""

from __future__ import annotations

import datetime as _dt
import logging
import socket
import sys
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

from qopt.bench.config import SweepConfig, run_key
from qopt.bench.store import done_keys, insert_run, open_store
from qopt.errors import ConfigError, MissingDependencyError

__all__ = ["expand", "run_task", "run_task_isolated", "run_sweep", "SweepSummary"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepSummary:
    """What :func:`run_sweep` did: counts of runs in the grid, skipped (already
    stored), run now, failed now, and the wall time in seconds."""

    total: int
    skipped: int
    ran: int
    failed: int
    wall_s: float


def expand(config: SweepConfig) -> list[dict]:
    """The sweep's runs as picklable task dicts, instance-major then solver then seed.

    Each task has ``run_key``, ``sweep``, ``instance`` (an
    :meth:`InstanceSpec.to_dict`), ``solver`` (a :meth:`SolverSpec.to_dict`) and ``seed``.

    Examples:
        >>> from qopt.bench.config import parse_config
        >>> cfg = parse_config({"instances": ["mknap1-1"], "solvers": ["exact", "sa"], "seeds": [0, 1]})
        >>> [(t["solver"]["name"], t["seed"]) for t in expand(cfg)]
        [('exact', 0), ('exact', 1), ('sa', 0), ('sa', 1)]
    """
    tasks = []
    for inst in config.instances:
        for solver in config.solvers:
            for seed in config.seeds:
                tasks.append({
                    "run_key": run_key(inst.key, solver.name, solver.key_options, seed),
                    "sweep": config.name, "instance": inst.to_dict(), "solver": solver.to_dict(), "seed": seed,
                })
    return tasks


def _describe(task: dict) -> str:
    inst = task["instance"]
    name = inst["name"] or (Path(inst["spec"]).name.split(".")[0] if inst["key"].startswith("file:") else inst["spec"])
    return f"{task['solver']['label']} on {name} seed {task['seed']}"


def _samples_summary(samples) -> dict | None:
    if samples is None or not len(samples):
        return None
    vectors = samples.data_vectors
    if "objective" not in vectors:
        return None
    out = {"objective": [float(v) for v in vectors["objective"]],
           "num_occurrences": [int(v) for v in samples.record.num_occurrences]}
    if "is_feasible" in vectors:
        out["is_feasible"] = [bool(v) for v in vectors["is_feasible"]]
    return out


def run_task(task: dict) -> dict:
    """Run one task (in any process) and return the row to store; never raises for solver errors.

    The solve goes through the same pipeline as ``qopt solve`` (:func:`qopt.pipeline.solve`).
    """
    from qopt.bench.config import InstanceSpec
    from qopt.pipeline import solve as run

    inst = InstanceSpec(**task["instance"])
    solver = task["solver"]
    row = {"run_key": task["run_key"], "sweep": task["sweep"], "instance": inst.name or inst.spec,
           "instance_key": inst.key, "solver": solver["name"], "solver_label": solver["label"],
           "options": _key_options(solver), "seed": task["seed"], "host": socket.gethostname()}
    t0 = time.perf_counter()
    try:
        problem = inst.load()
        row.update(instance=problem.name, family=problem.family, sense=problem.sense,
                   n_variables=problem.num_variables, known_optimum=problem.known_optimum)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run(problem, solver["name"], seed=task["seed"], shrink=solver["shrink"],
                         max_qubits=solver["max_qubits"], **dict(solver["options"]))
        data = result.to_dict()
        data["bench"] = {"instance": task["instance"], "solver": task["solver"]}
        if caught:
            data.setdefault("info", {})["bench_warnings"] = sorted({f"{w.category.__name__}: {w.message}"
                                                                    for w in caught})[:20]
        row.update(status="ok", objective=result.objective, feasible=bool(result.feasible), gap=result.gap,
                   time_s=result.time_s, qubits=result.qubits, result=data,
                   samples=_samples_summary(result.samples))
    except Exception as err:  # noqa: BLE001 - a failed run is data, not a crash
        message = str(err).strip().splitlines()[0] if str(err).strip() else ""
        row.update(status="failed", error=f"{type(err).__name__}: {message}"[:2000])
        logger.debug("run %s failed:\n%s", _describe(task), traceback.format_exc())
    row["wall_s"] = time.perf_counter() - t0
    row["finished_at"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return row


#: The real :func:`run_task`, for stand-ins (``qopt.testing``) that wrap it while tests patch ``run_task``.
_real_run_task = run_task


def _failed_row(task: dict, error: str, wall_s: float = 0.0) -> dict:
    return {"run_key": task["run_key"], "sweep": task["sweep"],
            "instance": task["instance"]["name"] or task["instance"]["spec"],
            "instance_key": task["instance"]["key"], "solver": task["solver"]["name"],
            "solver_label": task["solver"]["label"], "options": _key_options(task["solver"]),
            "seed": task["seed"], "status": "failed", "wall_s": wall_s, "host": socket.gethostname(),
            "error": error[:2000],
            "finished_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}


def _child(task: dict, conn) -> None:  # pragma: no cover - runs in the child process
    import faulthandler

    faulthandler.disable()  # a native crash becomes the row's error, not a Python stack dump on stderr
    try:
        row = run_task(task)
    except BaseException as err:  # noqa: BLE001 - KeyboardInterrupt included: report, then exit
        row = _failed_row(task, f"{type(err).__name__}: {err}")
    try:
        conn.send(row)
    finally:
        conn.close()


def _signal_name(code: int) -> str:
    import signal

    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def run_task_isolated(task: dict) -> dict:
    """:func:`run_task` in a child process; the row comes back through a pipe.

    A run whose process dies (a native library aborts with ``double free``, a segfault, the
    kernel's out-of-memory killer) becomes a failed row naming the signal, so one run cannot
    end a sweep. Uses ``fork`` where available (the child reuses the parent's imports, so the
    overhead is milliseconds), else ``spawn``.
    """
    import multiprocessing as mp

    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    recv, send = ctx.Pipe(duplex=False)
    t0 = time.perf_counter()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    proc = ctx.Process(target=_child, args=(task, send), daemon=True)
    proc.start()
    send.close()
    row = None
    try:
        while row is None:
            if recv.poll(0.05):
                try:
                    row = recv.recv()
                except EOFError:  # the child died before sending
                    break
            elif not proc.is_alive() and not recv.poll(0):
                break
        proc.join()
    except BaseException:
        if proc.is_alive():
            proc.terminate()
            proc.join(5)
        raise
    finally:
        recv.close()
    if row is not None:
        return row
    code = proc.exitcode
    why = f"killed by {_signal_name(code)}" if code is not None and code < 0 else f"exited with code {code}"
    if code is not None and -code in (6, 11, 7, 8, 4):  # SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL
        why += " (a crash inside a native library)"
    elif code == -9:
        why += " (out of memory?)"
    return _failed_row(task, f"NativeCrash: the run's process {why}", time.perf_counter() - t0)


def _key_options(solver: dict) -> dict:
    out = dict(solver["options"])
    if solver.get("shrink") is not None:
        out["shrink"] = solver["shrink"]
    if solver.get("max_qubits") is not None:
        out["max_qubits"] = solver["max_qubits"]
    return out


class _Progress:
    """``done/total`` and the current run on stderr: a tqdm bar on a terminal, else one line per run."""

    def __init__(self, total: int, initial: int, enabled: bool | None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.total, self.done = total, initial
        self.bar = None
        if self.enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, unit="run", file=sys.stderr, dynamic_ncols=True)

    def current(self, text: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(text[:60], refresh=True)

    def finished(self, row: dict, text: str) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.enabled:
            what = "ok" if row["status"] == "ok" else f"FAILED ({row['error']})"
            sys.stderr.write(f"[{self.done}/{self.total}] {text}: {what} ({row['wall_s']:.2f} s)\n")
            sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_sweep(config: SweepConfig, store: str, *, workers: int | None = None, scheduler: str | None = None,
              retry_failed: bool = False, progress: bool | None = None, isolate: bool = True) -> SweepSummary:
    """Run every run of ``config`` not yet in ``store``.

    Args:
        config: a validated :class:`~qopt.bench.config.SweepConfig`.
        store: path of the SQLite store (created if missing).
        workers: run through a Dask ``LocalCluster`` with this many single-threaded
            worker processes (None: serially in this process).
        scheduler: address of a running Dask scheduler (``tcp://host:8786``); excludes ``workers``.
        retry_failed: run stored failed runs again (replacing them).
        progress: progress on stderr (None: only when stderr is a terminal).
        isolate: serial runs each run in a child process (:func:`run_task_isolated`), so a native
            crash (abort, segfault, out of memory) of one run is stored as that run's failure
            instead of killing the sweep. Dask workers are separate processes already: when a
            worker dies, the runs it held are run again, one at a time, in isolated child processes
            of this process, so the run that crashed is stored as its own ``NativeCrash`` failure and
            the runs that only shared its worker finish (a local cluster gives each worker one run at
            a time and does not retry a run that killed a worker).

    Returns:
        :class:`SweepSummary`.

    Raises:
        ConfigError: both ``workers`` and ``scheduler``, ``workers < 1``, or an unusable store.
        MissingDependencyError: Dask requested but ``distributed`` is not installed.
    """
    if workers is not None and scheduler is not None:
        raise ConfigError("give either workers or scheduler, not both")
    if workers is not None and workers < 1:
        raise ConfigError(f"workers must be >= 1, got {workers}")
    t0 = time.perf_counter()
    conn = open_store(store)
    try:
        tasks = expand(config)
        stored = done_keys(conn, include_failed=not retry_failed)
        todo = [t for t in tasks if t["run_key"] not in stored]
        skipped = len(tasks) - len(todo)
        logger.info("sweep %s: %d runs, %d already stored, %d to run", config.name, len(tasks), skipped, len(todo))
        bar = _Progress(len(tasks), skipped, progress)
        failed = 0
        try:
            if workers is None and scheduler is None:
                for task in todo:
                    bar.current(_describe(task))
                    row = run_task_isolated(task) if isolate else run_task(task)
                    insert_run(conn, row, replace_failed=retry_failed)
                    failed += row["status"] == "failed"
                    bar.finished(row, _describe(task))
            else:
                failed = _run_dask(todo, conn, bar, workers=workers, scheduler=scheduler,
                                   retry_failed=retry_failed)
        finally:
            bar.close()
    finally:
        conn.close()
    return SweepSummary(total=len(tasks), skipped=skipped, ran=len(todo), failed=failed,
                        wall_s=time.perf_counter() - t0)


def _run_dask(todo, conn, bar, *, workers, scheduler, retry_failed) -> int:
    try:
        from distributed import Client, KilledWorker, LocalCluster, as_completed
    except ImportError as err:
        raise MissingDependencyError("parallel sweeps need Dask: pip install 'qopt[bench]'") from err
    if not todo:
        return 0
    cluster = None
    # Dask's own INFO chatter (nanny/scheduler start and stop) stays out of the progress output
    dask_logger = logging.getLogger("distributed")
    old_level = dask_logger.level
    dask_logger.setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as err:
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler!r}: {err}") from None
    else:
        import dask

        # one run per worker at a time, and a run that kills its worker is not retried on the others
        # (Dask's default is 3 more tries, each killing a worker): the run is re-run isolated below
        with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                              "distributed.scheduler.worker-saturation": 1.0}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    failed = 0
    try:
        tasks_by_key, futures = {}, []
        for task in todo:
            fut = client.submit(run_task, task, key=f"qopt-run-{task['run_key']}", pure=False)
            tasks_by_key[fut.key] = task
            futures.append(fut)
        bar.current(f"{len(todo)} runs on {len(client.scheduler_info().get('workers', {}))} workers")
        for fut in as_completed(futures):
            task = tasks_by_key[fut.key]
            try:
                row = fut.result()
            except Exception as err:  # noqa: BLE001 - e.g. a worker died (a native crash kills it)
                if not isinstance(err, KilledWorker):
                    row = _failed_row(task, f"{type(err).__name__}: {err}")
                else:  # this run, or another one on its worker, crashed it: find out in isolation
                    logger.warning("a Dask worker died while holding run %s; running it again in an isolated "
                                   "process", _describe(task))
                    row = run_task_isolated(task)
            insert_run(conn, row, replace_failed=retry_failed)
            failed += row["status"] == "failed"
            bar.finished(row, _describe(task))
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        dask_logger.setLevel(old_level)
    return failed
