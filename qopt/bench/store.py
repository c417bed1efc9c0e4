"""The SQLite results store of a sweep.

One table ``runs``, one row per (instance, solver + options, seed), keyed by
:func:`qopt.bench.config.run_key`. Each finished run is written in its own
transaction, in WAL mode, after checking the key under the write lock: a run is
never stored twice, and a process killed at any moment (even SIGKILL) loses at
most the runs that had not been committed. Failed runs are stored too
(``status = 'failed'`` with the error message); ``retry_failed`` replaces them.

Columns: ``run_key`` (primary key), ``sweep``, ``instance``, ``instance_key``,
``family``, ``sense``, ``n_variables``, ``solver`` (registry name),
``solver_label`` (name in reports), ``options`` (JSON), ``seed``, ``status``
(``ok``/``failed``), ``objective``, ``feasible`` (0/1), ``gap``, ``known_optimum``,
``time_s`` (the solver's own total), ``wall_s`` (the harness's wall clock),
``qubits``, ``error``, ``result`` (the full :meth:`Result.to_dict` JSON without
samples), ``samples`` (JSON ``{"objective", "num_occurrences", "is_feasible"}``
of the decoded samples, or NULL), ``host``, ``finished_at`` (UTC ISO time).
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Iterable

from qopt.errors import ConfigError

__all__ = ["COLUMNS", "open_store", "insert_run", "done_keys", "load_runs", "delete_failed"]

SCHEMA_VERSION = 1

COLUMNS = ("run_key", "sweep", "instance", "instance_key", "family", "sense", "n_variables", "solver",
           "solver_label", "options", "seed", "status", "objective", "feasible", "gap", "known_optimum",
           "time_s", "wall_s", "qubits", "error", "result", "samples", "host", "finished_at")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_key TEXT PRIMARY KEY,
    sweep TEXT,
    instance TEXT NOT NULL,
    instance_key TEXT,
    family TEXT,
    sense TEXT,
    n_variables INTEGER,
    solver TEXT NOT NULL,
    solver_label TEXT,
    options TEXT,
    seed INTEGER,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    objective REAL,
    feasible INTEGER,
    gap REAL,
    known_optimum REAL,
    time_s REAL,
    wall_s REAL,
    qubits INTEGER,
    error TEXT,
    result TEXT,
    samples TEXT,
    host TEXT,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS runs_family_solver ON runs (family, solver_label);
CREATE INDEX IF NOT EXISTS runs_instance ON runs (instance);
CREATE INDEX IF NOT EXISTS runs_status ON runs (status);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


def open_store(path: str | os.PathLike, *, create: bool = True) -> sqlite3.Connection:
    """Open (and with ``create`` make) the store at ``path`` in WAL mode.

    Raises:
        ConfigError: the file does not exist (``create=False``), is not an SQLite
            database, or was written by a newer schema.
    """
    p = Path(path)
    if not create and not p.is_file():
        raise ConfigError(f"{path}: no such results store; run 'qopt bench run CONFIG --store {path}' first")
    if create and p.parent and not p.parent.exists():
        raise ConfigError(f"{path}: directory {p.parent} does not exist")
    try:
        conn = sqlite3.connect(str(p), timeout=30.0, isolation_level=None)  # autocommit; explicit BEGIN
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.executescript(_SCHEMA)
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        version = int(conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
    except sqlite3.DatabaseError as err:
        raise ConfigError(f"{path}: not a qopt results store ({err})") from None
    if version > SCHEMA_VERSION:
        raise ConfigError(f"{path}: written by a newer qopt (store schema {version} > {SCHEMA_VERSION})")
    return conn


def insert_run(conn: sqlite3.Connection, row: dict, *, replace_failed: bool = False) -> bool:
    """Store one finished run in its own transaction; True if it was written.

    A row whose ``run_key`` is already stored is ignored (False), except that with
    ``replace_failed`` a stored *failed* run is replaced.
    """
    values = [_sql_value(row.get(c)) for c in COLUMNS]
    placeholders = ", ".join("?" for _ in COLUMNS)
    conn.execute("BEGIN IMMEDIATE")  # the write lock: check-then-insert cannot race another writer
    try:
        if replace_failed:
            conn.execute("DELETE FROM runs WHERE run_key = ? AND status = 'failed'", (row["run_key"],))
        if conn.execute("SELECT 1 FROM runs WHERE run_key = ?", (row["run_key"],)).fetchone() is not None:
            conn.execute("COMMIT")
            return False
        conn.execute(f"INSERT INTO runs ({', '.join(COLUMNS)}) VALUES ({placeholders})", values)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return True


def _sql_value(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    if isinstance(value, bool):
        return int(value)
    return value


def done_keys(conn: sqlite3.Connection, *, include_failed: bool = True) -> set[str]:
    """Keys of stored runs (with ``include_failed=False``: only successful ones)."""
    sql = "SELECT run_key FROM runs" + ("" if include_failed else " WHERE status = 'ok'")
    return {r[0] for r in conn.execute(sql)}


def delete_failed(conn: sqlite3.Connection, keys: Iterable[str] | None = None) -> int:
    """Remove failed runs (all, or those in ``keys``); returns how many."""
    conn.execute("BEGIN IMMEDIATE")
    if keys is None:
        n = conn.execute("DELETE FROM runs WHERE status = 'failed'").rowcount
    else:
        n = sum(conn.execute("DELETE FROM runs WHERE status = 'failed' AND run_key = ?", (k,)).rowcount
                for k in keys)
    conn.execute("COMMIT")
    return n


def load_runs(path_or_conn, *, sweep: str | None = None, parse: bool = True) -> list[dict]:
    """All stored runs as dicts (in insertion order), JSON columns decoded when ``parse``.

    Raises:
        ConfigError: ``path`` is not an existing store.
    """
    conn = path_or_conn if isinstance(path_or_conn, sqlite3.Connection) else open_store(path_or_conn, create=False)
    sql = "SELECT * FROM runs" + (" WHERE sweep = ?" if sweep else "") + " ORDER BY rowid"
    rows = [dict(r) for r in conn.execute(sql, (sweep,) if sweep else ())]
    if parse:
        for r in rows:
            for col in ("options", "result", "samples"):
                if r.get(col):
                    r[col] = json.loads(r[col])
            if r.get("feasible") is not None:
                r["feasible"] = bool(r["feasible"])
    if conn is not path_or_conn:
        conn.close()
    return rows
