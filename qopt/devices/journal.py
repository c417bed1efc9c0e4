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

__all__ = ["Journal", "as_journal", "pubs_key"]


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


class Journal:
    """The job journal of one run (see the module docstring).

    Args:
        path: JSON-lines file; created if missing, replayed if it has records.

    Raises:
        ConfigError: the file is not a journal (a line is not a record), or its directory is missing.
    """

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.parent.exists():
            raise ConfigError(f"journal {self.path}: directory {self.path.parent} does not exist")
        self.records: list[dict] = []
        if self.path.exists():
            data = self.path.read_bytes()
            offset = 0
            for lineno, raw in enumerate(data.splitlines(keepends=True), 1):
                try:
                    rec = json.loads(raw)
                    if not isinstance(rec, dict) or not {"i", "key", "pubs"} <= set(rec):
                        raise ValueError("missing keys")
                except ValueError:
                    if not raw.strip():
                        offset += len(raw)
                        continue
                    if not raw.endswith(b"\n") and offset + len(raw) == len(data):
                        with open(self.path, "r+b") as fh:  # a write cut short by a crash: drop it
                            fh.truncate(offset)
                        break
                    raise ConfigError(f"journal {self.path}: line {lineno} is not a qopt job record") from None
                self.records.append(rec)
                offset += len(raw)
        self.position = 0
        self.replayed = 0

    def replay(self, key: str) -> list[np.ndarray] | None:
        """The recorded per-PUB bit arrays of the next job if the journal has it, else None.

        Raises:
            ConfigError: the next recorded job has other circuits, bindings or shots than ``key``.
        """
        if self.position >= len(self.records):
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
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.records.append(rec)
        self.position += 1


def as_journal(journal) -> Journal | None:
    """``None``, a :class:`Journal`, or a path opened as one (so every runner of one solve shares it)."""
    if journal is None or isinstance(journal, Journal):
        return journal
    return Journal(journal)
