"""A job journal for runs on Qiskit devices: every finished job's measured bits, so a run that crashes
(or is stopped) resumes without paying for its jobs again.

Each job the runner submits is one JSON line, written and flushed (``fsync``) as soon as the job
returns::

    {"i": 3, "key": "<sha256 of backend, shots, circuits and bindings>", "job_id": "...",
     "kinds": ["objective", "calibration", ...],
     "pubs": [{"shape": [k, shots, n], "bits": "<base64 of numpy.packbits>"}, ...]}

Rerunning the same command with the same journal replays the recorded jobs in order: the optimiser
sees the same values, so (with a seeded device) it retraces its path and the run continues with the
first job the journal does not have. A job whose circuits differ from the record (another problem,
device, option or seed) is an error, not a silent mix of two runs. The token never enters the file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from qopt.errors import ConfigError

__all__ = ["HEADER_KEY", "Journal", "as_journal", "pubs_key"]


def _circuit_fingerprint(circuit) -> str:
    index = {q: i for i, q in enumerate(circuit.qubits)}
    parts = [str(circuit.num_qubits), str(circuit.num_clbits)]
    for inst in circuit.data:
        op = inst.operation
        parts.append(f"{op.name}{tuple(index[q] for q in inst.qubits)}"
                     f"{tuple(repr(float(p)) if isinstance(p, (int, float)) else str(p) for p in op.params)}")
    return "|".join(parts)


def pubs_key(backend: str, shots: int, pubs) -> str:
    """sha256 of the backend name, the shots and every PUB's circuit and parameter bindings.

    Args:
        backend: backend name.
        shots: shots per circuit.
        pubs: sequence of ``(circuit,)`` or ``(circuit, bindings)`` with bindings of shape (k, P).
    """
    h = hashlib.sha256(f"{backend}|{int(shots)}".encode())
    for pub in pubs:
        h.update(_circuit_fingerprint(pub[0]).encode())
        if len(pub) > 1 and pub[1] is not None:
            b = np.ascontiguousarray(pub[1], dtype=np.float64)
            h.update(str(b.shape).encode())
            h.update(b.tobytes())
        h.update(b";")
    return h.hexdigest()


#: First line of every journal: marks the file as a qopt journal and records the run it belongs to.
HEADER_KEY = "qopt_journal"


def _canonical(run) -> dict | None:
    """``run`` as a JSON-normalised dict (so a replayed header compares equal), or None."""
    if run is None:
        return None
    if not isinstance(run, dict):
        raise ConfigError(f"journal run identity must be a dict, got {type(run).__name__}")
    return json.loads(json.dumps(run, sort_keys=True, default=str))


class Journal:
    """The job journal of one run (see the module docstring).

    Nothing is read or written when the object is made: the file is opened on the first
    :meth:`replay` or :meth:`record`, so a run whose options turn out invalid never touches it.
    The first line is a header ``{"qopt_journal": 1, "run": {...}}`` naming what the journal
    belongs to (instance, solver, options, seed, device); replaying into a run with another
    identity is an error. A file that is not a qopt journal is never truncated or appended to.

    Args:
        path: JSON-lines file; created on the first recorded job, replayed if it has records.
        run: the run's identity (JSON-serialisable dict), or None to skip the check.

    Raises:
        ConfigError: the directory is missing (at once); on first use: the file is not a qopt
            journal, or it belongs to another run.
    """

    def __init__(self, path, *, run: dict | None = None):
        from qopt.limits import MAX_PATH_LENGTH

        if len(str(path)) > MAX_PATH_LENGTH:
            raise ConfigError(f"journal path of {len(str(path)):,} characters is longer than {MAX_PATH_LENGTH}")
        self.path = Path(path)
        if not self.path.parent.exists():
            raise ConfigError(f"journal {self.path}: directory {self.path.parent} does not exist")
        if self.path.is_dir():
            raise ConfigError(f"journal {self.path}: is a directory")
        self.run = _canonical(run)
        self._records: list[dict] | None = None
        self._has_header = False
        self.position = 0
        self.replayed = 0

    def bind(self, run: dict) -> None:
        """Set the run identity checked against the file's header (before the first use)."""
        if self._records is not None:
            raise ConfigError(f"journal {self.path}: bind() must come before the first replay or record")
        self.run = _canonical(run)

    @property
    def records(self) -> list[dict]:
        """The job records in the file (read on first access)."""
        if self._records is None:
            self._load()
        return self._records

    def _not_journal(self, why: str) -> ConfigError:
        return ConfigError(f"journal {self.path}: not a qopt job journal ({why}); refusing to change it, "
                           "give a new file name")

    def _load(self) -> None:
        records: list[dict] = []
        self._records = records
        if not self.path.exists():
            return
        if not self.path.is_file():
            raise self._not_journal("not a regular file")
        data = self.path.read_bytes()
        lines = data.splitlines(keepends=True)
        offset, first = 0, True
        for lineno, raw in enumerate(lines, 1):
            if not raw.strip():
                offset += len(raw)
                continue
            try:
                rec = json.loads(raw)
            except ValueError:
                rec = None
            if first:
                first = False
                if isinstance(rec, dict) and HEADER_KEY in rec:
                    self._has_header = True
                    self._check_run(rec.get("run"))
                    offset += len(raw)
                    continue
                if not (isinstance(rec, dict) and {"i", "key", "pubs"} <= set(rec)):
                    raise self._not_journal(f"line {lineno} is not a qopt job record")
            if not (isinstance(rec, dict) and {"i", "key", "pubs"} <= set(rec)):
                if not raw.endswith(b"\n") and offset + len(raw) == len(data):
                    with open(self.path, "r+b") as fh:  # a write cut short by a crash: drop it
                        fh.truncate(offset)
                    break
                raise ConfigError(f"journal {self.path}: line {lineno} is not a qopt job record")
            records.append(rec)
            offset += len(raw)
        if data.strip() and not data.endswith(b"\n") and self.path.stat().st_size == len(data):
            with open(self.path, "ab") as fh:  # a complete last record without its newline
                fh.write(b"\n")

    def _check_run(self, recorded) -> None:
        if self.run is None or recorded is None or recorded == self.run:
            return
        keys = sorted(set(recorded) | set(self.run))
        diff = [k for k in keys if recorded.get(k) != self.run.get(k)]
        shown = ", ".join(f"{k} {recorded.get(k)!r} (journal) vs {self.run.get(k)!r} (this run)" for k in diff[:3])
        raise ConfigError(f"journal {self.path} belongs to another run: {shown}; rerun with the same "
                          "instance, options and --seed, or give a new journal file")

    def replay(self, key: str) -> list[np.ndarray] | None:
        """The recorded per-PUB bit arrays of the next job if the journal has it, else None.

        Raises:
            ConfigError: the next recorded job has other circuits, bindings or shots than ``key``.
        """
        if self.position >= len(self.records):  # reads the file on first use
            return None
        rec = self.records[self.position]
        if rec["key"] != key:
            raise ConfigError(f"journal {self.path}: job {self.position} does not match this run (the problem, "
                              "device, options or seed differ; a journal needs a fixed --seed); use a new "
                              "journal file")
        self.position += 1
        self.replayed += 1
        out = []
        for pub in rec["pubs"]:
            shape = tuple(pub["shape"])
            flat = np.unpackbits(np.frombuffer(base64.b64decode(pub["bits"]), dtype=np.uint8),
                                 count=int(np.prod(shape)))
            out.append(flat.reshape(shape).astype(bool))
        return out

    def record(self, key: str, job_id: str | None, kinds, arrays) -> None:
        """Append a finished job (flushed to disk before returning)."""
        pubs = [{"shape": list(a.shape), "bits": base64.b64encode(np.packbits(np.asarray(a, dtype=bool))).decode()}
                for a in arrays]
        rec = {"i": self.position, "key": key, "job_id": job_id, "kinds": list(kinds), "pubs": pubs}
        records = self.records  # validates an existing file before anything is appended
        with open(self.path, "a", encoding="utf-8") as fh:
            if not records and not self._has_header and fh.tell() == 0:
                fh.write(json.dumps({HEADER_KEY: 1, "run": self.run}, sort_keys=True) + "\n")
                self._has_header = True
            fh.write(json.dumps(rec) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        records.append(rec)
        self.position += 1


def as_journal(journal) -> Journal | None:
    """``None``, a :class:`Journal`, or a path opened as one (so every runner of one solve shares it)."""
    if journal is None or isinstance(journal, Journal):
        return journal
    return Journal(journal)
