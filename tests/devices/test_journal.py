"""The job journal: a run on a Qiskit device that stops part-way resumes from its recorded jobs,
retraces the same path and submits only the jobs it did not finish."""

import json

import networkx as nx
import numpy as np
import pytest

from qopt.devices.journal import Journal, as_journal, pubs_key
from qopt.errors import ConfigError


def _circuit(angle=0.3):
    qiskit = pytest.importorskip("qiskit")
    qc = qiskit.QuantumCircuit(2, 2)
    qc.rx(angle, 0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    return qc


def test_key_changes_with_circuit_bindings_shots_and_backend():
    pubs = [(_circuit(),), (_circuit(), np.array([[0.1, 0.2]]))]
    key = pubs_key("fake_manila", 4000, pubs)
    assert key == pubs_key("fake_manila", 4000, [(_circuit(),), (_circuit(), np.array([[0.1, 0.2]]))])
    assert key != pubs_key("fake_manila", 4000, [(_circuit(0.31),), pubs[1]])
    assert key != pubs_key("fake_manila", 4000, [pubs[0], (_circuit(), np.array([[0.1, 0.2000001]]))])
    assert key != pubs_key("fake_manila", 2000, pubs)
    assert key != pubs_key("fake_lagos", 4000, pubs)


def test_record_and_replay_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    arrays = [rng.random((3, 7, 5)) < 0.5, rng.random((1, 7, 5)) < 0.3]  # sizes not multiples of 8
    j = Journal(tmp_path / "run.jsonl")
    j.record("k0", "job-0", ["objective", "calibration"], arrays)
    j.record("k1", None, ["objective"], arrays[:1])
    again = Journal(tmp_path / "run.jsonl")
    got = again.replay("k0")
    assert [g.shape for g in got] == [(3, 7, 5), (1, 7, 5)]
    assert all(np.array_equal(a, g) for a, g in zip(arrays, got))
    assert again.replay("k1")[0].dtype == bool and again.replayed == 2
    assert again.replay("k2") is None  # past the end: the run continues by submitting
    header, rec = (json.loads(line) for line in (tmp_path / "run.jsonl").read_text().splitlines()[:2])
    assert header == {"qopt_journal": 1, "run": None}
    assert rec["job_id"] == "job-0" and rec["kinds"] == ["objective", "calibration"]


def test_mismatch_and_corruption_are_errors_a_cut_last_line_is_dropped(tmp_path):
    path = tmp_path / "run.jsonl"
    j = Journal(path)
    j.record("k0", "a", ["objective"], [np.zeros((1, 2, 2), bool)])
    with pytest.raises(ConfigError, match="job 0 does not match this run.*--seed"):
        Journal(path).replay("other")
    with open(path, "a") as fh:
        fh.write('{"i": 1, "key": "k1", "pu')  # a crash while writing the second record
    j2 = Journal(path)
    assert len(j2.records) == 1 and path.read_text().endswith("\n")  # truncated back to whole records
    path.write_text('{"i": 0}\nnot json\n')
    with pytest.raises(ConfigError, match="line 1 is not a qopt job record"):
        Journal(path).records
    with pytest.raises(ConfigError, match="does not exist"):
        Journal(tmp_path / "missing" / "run.jsonl")
    assert as_journal(None) is None and as_journal(j) is j


def test_qaoa_resumes_from_a_cut_journal_and_retraces_the_same_path(tmp_path, monkeypatch):
    pytest.importorskip("qiskit_ibm_runtime")
    from qopt.devices.ibm import Submitter
    from qopt.problems import MaxCut
    from qopt.solvers import solve

    monkeypatch.setenv("QISKIT_IBM_TOKEN", "qopt-test-secret-token-journal")
    ring = MaxCut(nx.cycle_graph(4), name="ring4", known_optimum=4)
    submitted = []
    real_run = Submitter.run
    monkeypatch.setattr(Submitter, "run", lambda self, pubs: submitted.append(1) or real_run(self, pubs))
    path = tmp_path / "run.jsonl"
    first = solve(ring, "qaoa", device="ibm_fake", maxiter=5, shots=1000, seed=4, journal=str(path))
    lines = path.read_text().splitlines()
    jobs = first.info["jobs"]
    assert len(lines) - 1 == jobs == len(submitted) and first.info["jobs_replayed"] == 0  # header + jobs
    path.write_text("\n".join(lines[:5]) + "\n")  # the run "crashed" after 4 jobs
    submitted.clear()
    resumed = solve(ring, "qaoa", device="ibm_fake", maxiter=5, shots=1000, seed=4, journal=str(path))
    assert resumed.info["jobs_replayed"] == 4 and len(submitted) == jobs - 4
    assert len(path.read_text().splitlines()) == jobs + 1
    assert "qopt-test-secret-token-journal" not in path.read_text()
    for key in ("energy_trace", "gammas", "betas", "final_expectation"):  # the optimiser saw the same values
        assert resumed.info[key] == first.info[key]
    assert np.array_equal(resumed.solution, first.solution)


def test_cli_journal_needs_a_qiskit_device(capsys, tmp_path):
    from qopt.cli import main

    code = main(["solve", "mknap1-1", "--solver", "qaoa", "--device", "exact", "--maxiter", "2",
                 "--journal", str(tmp_path / "j.jsonl")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("qopt: error:") and "--journal records jobs on Qiskit devices" in err
    code = main(["solve", "mknap1-1", "--solver", "sa", "--journal", str(tmp_path / "j.jsonl")])
    assert code == 2 and "--journal does not apply to --solver sa" in capsys.readouterr().err


def test_a_file_that_is_not_a_journal_is_never_changed(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, no trailing newline")
    j = Journal(notes)  # nothing is read or written yet
    assert notes.read_text() == "my notes, no trailing newline"
    with pytest.raises(ConfigError, match="not a qopt job journal.*refusing to change it"):
        j.record("k0", None, ["objective"], [np.zeros((1, 2, 2), bool)])
    with pytest.raises(ConfigError, match="not a qopt job journal"):
        Journal(notes).replay("k0")
    assert notes.read_text() == "my notes, no trailing newline"


def test_journal_is_not_created_until_a_job_is_recorded(tmp_path):
    path = tmp_path / "run.jsonl"
    Journal(path, run={"seed": 5})
    assert not path.exists()


def test_a_journal_refuses_to_replay_into_another_run(tmp_path):
    path = tmp_path / "run.jsonl"
    Journal(path, run={"instance": "ring4", "seed": 5}).record("k0", None, ["objective"], [np.zeros((1, 2, 2), bool)])
    assert Journal(path, run={"instance": "ring4", "seed": 5}).replay("k0") is not None
    with pytest.raises(ConfigError, match=r"belongs to another run: seed 5 \(journal\) vs 6 \(this run\)"):
        Journal(path, run={"instance": "ring4", "seed": 6}).replay("k0")


def test_cli_journal_on_a_user_file_leaves_it_intact(capsys, tmp_path):
    from qopt.cli import main

    notes = tmp_path / "notes.txt"
    notes.write_text("precious")
    code = main(["solve", "mknap1-1", "--solver", "sa", "--journal", str(notes)])
    assert code == 2 and notes.read_text() == "precious"
