"""The CLI contract on hostile input (issue 17): exit 0 with valid JSON, or exit 2 with exactly one
``qopt: error:`` line; never a native abort, a traceback, a MemoryError or a hang. Each CLI run is
a subprocess capped at 1.5 GiB of address space, so an input that tries to allocate more fails
the test instead of the machine."""

from __future__ import annotations

import json

import pytest

from .conftest import CORPUS, assert_contract, run_qopt

# --------------------------------------------------------------------------- crashes and lost data
# One case per class; the id names the class. Every expected exit 2 also names the culprit.
REFUSED = [
    ("native-abort-rudy-1e308-tabu", ["solve", "huge_weights.rud", "--format", "rudy", "--solver", "tabu"], "1e308"),
    ("native-abort-rudy-1e308-default-solver", ["solve", "huge_weights.rud", "--format", "rudy"], "1e308"),
    ("native-abort-rudy-1e308-exact", ["solve", "huge_weights.rud", "--format", "rudy", "--solver", "exact"],
     "1e308"),
    ("native-abort-knapsack-1e308", ["solve", "knapsack_1e308.txt", "--format", "mknap1"], "knapsack_1e308.txt"),
    ("native-abort-qap-minus-1e308", ["solve", "qap_1e308.dat", "--format", "qaplib"], "-1e308"),
    ("header-10M-vertices-info", ["info", "ten_million.col"], "10000000"),
    ("header-10M-vertices-sa", ["solve", "ten_million.rud", "--format", "rudy", "--solver", "sa"], "10000000"),
    ("xz-bomb", ["solve", "bomb.rud.xz", "--format", "rudy"], "unpacks to more than"),
    ("labs-100000", ["solve", "labs:100000"], "LABS length"),
    ("layers-10M", ["solve", "mknap1-1", "--solver", "qaoa", "--layers", "10000000"], "--layers"),
    ("shots-1e12", ["solve", "mknap1-1", "--solver", "qaoa", "--shots", "1000000000000"], "--shots"),
    ("seed-2-64", ["solve", "mknap1-1", "--solver", "sa", "--seed", str(2**64)], "--seed"),
    ("num-reads-1e12", ["solve", "mknap1-1", "--solver", "sa", "--num-reads", "1000000000000"], "--num-reads"),
    ("not-a-number-names-the-file", ["solve", "not_a_number.rud", "--format", "rudy"], "not_a_number.rud, line 3"),
    ("penalty-nan", ["solve", "mknap1-1", "--solver", "sa", "--penalty", "nan"], "penalty"),
    ("path-5000-chars", ["solve", "x" * 5000], "path of 5,000 characters"),
    ("file-name-300-chars", ["solve", "y" * 300], "255"),
    ("format-hint-speaks-cli", ["solve", "edge_list"], "--format"),
]


@pytest.mark.parametrize("args, needle", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_hostile_input_is_one_error_line(args, needle):
    code, out, err = run_qopt(*args, "--output", "json", cwd=CORPUS)
    line = assert_contract(code, out, err, expect=2)
    assert needle in line


@pytest.mark.parametrize("name, weight", [("triangle_1e20.rud", 1e20), ("triangle_1e-300.rud", 1e-300)])
def test_weights_highs_reads_as_infinite_or_zero_still_give_the_optimum(name, weight):
    """exact said "HiGHS found no feasible solution within 60 s" at once on 1e20 (HiGHS reads
    |c| >= 1e20 as infinite) and "optimal, objective 0" on 1e-300 (it drops |c| < 1e-9).
    Power-of-two scaling gives the true optimum: a triangle cuts 2 of its 3 edges."""
    for solver in ("exact", "sa", "tabu"):
        code, out, err = run_qopt("solve", name, "--format", "rudy", "--solver", solver,
                                  "--seed", "1", "--output", "json", cwd=CORPUS)
        data = assert_contract(code, out, err, expect=0)
        assert data["objective"] == 2 * weight and data["feasible"], solver
        if solver == "exact":
            assert data["info"]["proven_optimal"] is True


def test_journal_never_touches_a_user_file(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes without a final newline")
    for args in (["--solver", "sa"], ["--solver", "qaoa", "--maxiter", "1"]):  # "does not apply" / exact device
        code, out, err = run_qopt("solve", "mknap1-1", *args, "--journal", str(notes), "--output", "json")
        assert_contract(code, out, err, expect=2)
        assert notes.read_text() == "my notes without a final newline"


# --------------------------------------------------------------------------- wrong accepts: device files
DEVICE_CASES = [
    ("aer.yaml", "optimizer_options: {rhobeg: 0.4}", "optimizer_options: {bogus_opt: 3}", "bogus_opt"),
    ("aer.yaml", "optimizer_options: {rhobeg: 0.4}", "optimizer_options: {rhobeg: .nan}", "rhobeg"),
    ("ibm_fake.yaml", "  confirm_above_shots: 1000000000", "  confirm_above_shots: .nan", "confirm_above_shots"),
    ("ibm_fake.yaml", "  max_retries: 3", "  max_retries: 3\n  bogus_runtime: 1", "bogus_runtime"),
    ("ibm_fake.yaml", "mitigation: null", "mitigation: {zne: {scale_factors: [1, 3]}, bogus_mit: 1} #",
     "bogus_mit"),
]


@pytest.mark.parametrize("base, old, new, needle", DEVICE_CASES, ids=[c[3] for c in DEVICE_CASES])
def test_bad_device_files_are_refused(tmp_path, base, old, new, needle):
    from .conftest import REPO

    text = (REPO / "hardware_configs" / base).read_text()
    assert old in text
    device = tmp_path / "device.yaml"
    device.write_text(text.replace(old, new, 1))
    code, out, err = run_qopt("solve", "mknap1-1", "--solver", "qaoa", "--device", str(device), "--maxiter", "1",
                              "--output", "json")
    assert needle in assert_contract(code, out, err, expect=2)


def test_ibm_without_network_is_a_network_error_not_a_rejected_token():
    """A token and no route to IBM (here: a proxy on a closed local port) is a network error."""
    code, out, err = run_qopt("solve", "mknap1-1", "--solver", "qaoa", "--device", "ibm", "--maxiter", "1",
                              env={"QISKIT_IBM_TOKEN": "not-a-real-token", "HTTPS_PROXY": "http://127.0.0.1:9",
                                   "https_proxy": "http://127.0.0.1:9", "NO_PROXY": "", "no_proxy": ""})
    line = assert_contract(code, out, err, expect=2)
    assert "cannot reach IBM Quantum" in line and "not-a-real-token" not in line


# --------------------------------------------------------------------------- sweeps
def _sweep(tmp_path, body: str):
    path = tmp_path / "sweep.yaml"
    path.write_text("instances: [mknap1-1]\n" + body)
    return str(path)


SWEEPS = [
    ("seed-2-64", f"solvers: [sa]\nseeds: [{2**64}]\n", 2, "2**63"),
    ("seed-count-huge", "solvers: [sa]\nseeds: 1000000000000\n", 2, "seeds"),
    ("missing-device-file", "solvers: [{name: qaoa, device: no_such_dir/device.yaml}]\n", 2, "does not exist"),
    ("yes-true", "solvers: [{name: qaoa, device: ibm_fake, yes: true, maxiter: 1}]\nseeds: [0]\n", 0, None),
]


@pytest.mark.parametrize("body, expect, needle", [c[1:] for c in SWEEPS], ids=[c[0] for c in SWEEPS])
def test_sweep_configs_are_validated_before_anything_runs(tmp_path, body, expect, needle):
    store = tmp_path / "store.sqlite"
    code, out, err = run_qopt("bench", "run", _sweep(tmp_path, body), "--store", str(store), "--dry-run",
                              "--output", "json")
    result = assert_contract(code, out, err, expect=expect)
    if expect == 2:
        assert needle in result and not store.exists()  # refused before the store is created
    else:
        assert result["total"] == 1


def test_qopt_list_has_a_header():
    code, out, err = run_qopt("list", cap=False)
    assert code == 0
    assert out.splitlines()[0].split()[:2] == ["name", "family"]
    code, out, err = run_qopt("list", "--output", "json", cap=False)
    assert json.loads(out)[0]["name"]  # JSON unchanged


def _billion_laughs() -> str:
    text, prev = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n', "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
        prev = name
    return text + "instances: [mknap1-1]\nsolvers: [sa]\ndescription: *i\n"


@pytest.mark.parametrize("text, needle", [
    (_billion_laughs(), "aliases"),  # ~500 bytes that expand to 9^9 nodes
    ("instances: [mknap1-1]\nsolvers: [sa]\ndescription: " + "[" * 20000 + "]" * 20000 + "\n", "nesting depth"),
], ids=["billion-laughs", "nested-20000"])
def test_hostile_yaml_sweeps_are_one_error_line(tmp_path, text, needle):
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    code, out, err = run_qopt("bench", "run", str(path), "--store", str(tmp_path / "s.sqlite"), "--dry-run")
    assert needle in assert_contract(code, out, err, expect=2)
    assert not (tmp_path / "s.sqlite").exists()


def test_a_journal_is_not_replayed_into_a_run_with_another_seed(tmp_path):
    from .conftest import REPO

    ring = tmp_path / "ring.rud"
    ring.write_text("4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n")
    journal = tmp_path / "run.jsonl"
    base = ["-q", "solve", str(ring), "--solver", "qaoa", "--device", "ibm_fake", "--maxiter", "2",
            "--journal", str(journal), "--output", "json"]
    assert_contract(*run_qopt(*base, "--seed", "5", cwd=REPO), expect=0)
    recorded = journal.read_text()
    assert json.loads(recorded.splitlines()[0])["run"]["seed"] == 5
    line = assert_contract(*run_qopt(*base, "--seed", "6", cwd=REPO), expect=2)
    assert "belongs to another run: seed 5 (journal) vs 6 (this run)" in line
    assert journal.read_text() == recorded
    again = assert_contract(*run_qopt(*base, "--seed", "5", cwd=REPO), expect=0)
    assert again["info"]["jobs_replayed"] >= 1
