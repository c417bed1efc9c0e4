"""The SQLite store: WAL mode, one row per run key, failed runs replaceable."""

from __future__ import annotations

import sqlite3

import pytest

from qopt.bench.store import done_keys, insert_run, load_runs, open_store
from qopt.errors import ConfigError

from ._store_fixture import ROWS, make_store


def test_wal_mode_and_roundtrip(tmp_path):
    path = make_store(tmp_path / "s.sqlite")
    conn = open_store(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    runs = load_runs(path)
    assert [r["run_key"] for r in runs] == [r["run_key"] for r in ROWS]
    assert runs[0]["samples"]["num_occurrences"] == [3, 1] and runs[0]["feasible"] is True
    assert runs[3]["status"] == "failed" and runs[3]["error"] == "ValueError: boom"


def test_a_run_is_never_stored_twice(tmp_path):
    conn = open_store(tmp_path / "s.sqlite")
    assert insert_run(conn, ROWS[0]) is True
    assert insert_run(conn, dict(ROWS[0], objective=1.0)) is False
    assert tuple(conn.execute("SELECT COUNT(*), MAX(objective) FROM runs").fetchone()) == (1, 100.0)


def test_retry_replaces_only_failed_runs(tmp_path):
    conn = open_store(tmp_path / "s.sqlite")
    insert_run(conn, ROWS[0])
    insert_run(conn, ROWS[3])
    assert done_keys(conn, include_failed=False) == {"r1"}
    assert insert_run(conn, dict(ROWS[3], status="ok", objective=5.0), replace_failed=True) is True
    assert insert_run(conn, dict(ROWS[0], objective=5.0), replace_failed=True) is False
    rows = dict(conn.execute("SELECT run_key, objective FROM runs").fetchall())
    assert rows == {"r1": 100.0, "r4": 5.0}


def test_missing_or_foreign_store(tmp_path):
    with pytest.raises(ConfigError, match="no such results store"):
        load_runs(tmp_path / "absent.sqlite")
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError, match="not a qopt results store"):
        open_store(bad)


def test_status_is_checked(tmp_path):
    conn = open_store(tmp_path / "s.sqlite")
    with pytest.raises(sqlite3.IntegrityError):
        insert_run(conn, dict(ROWS[0], status="maybe"))
