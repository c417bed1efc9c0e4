"""Tests of the bundled problem library (problems/catalogue.yaml) and qopt.problems.catalogue."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
import yaml

from qopt.errors import InstanceFormatError, UnknownInstanceError
from qopt.problems.catalogue import catalogue, load, problems_dir, resolve
from qopt.problems.readers import read, read_solution

REPO = Path(__file__).resolve().parents[2]
PROBLEMS = REPO / "problems"
ENTRIES = catalogue()
BY_NAME = {e["name"]: e for e in ENTRIES}
WITH_SOLUTION = [e for e in ENTRIES if "solution" in e]


def test_problems_dir_is_next_to_the_package():
    assert problems_dir() == PROBLEMS


def test_catalogue_is_generated_from_the_readmes():
    spec = importlib.util.spec_from_file_location("make_catalogue", PROBLEMS / "make_catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (PROBLEMS / "catalogue.yaml").read_text() == module.render(module.build()), \
        "catalogue.yaml is stale: run python problems/make_catalogue.py"


def test_catalogue_shape():
    families = {"mdkp", "mis", "qap", "market_split", "maxcut", "qubo", "labs"}
    assert {e["family"] for e in ENTRIES} == families
    assert len(BY_NAME) == len(ENTRIES)  # names unique
    for e in ENTRIES:
        assert e["name"] == e["name"].lower() and " " not in e["name"]
        assert e["optimum_status"] in ("optimal", "best_known")
        assert (PROBLEMS / e["path"]).is_file()
        assert e["source"]
    counts = {f: sum(e["family"] == f for e in ENTRIES) for f in families}
    assert counts == {"mdkp": 47, "mis": 21, "qap": 27, "market_split": 40, "maxcut": 46, "qubo": 48, "labs": 26}


def test_every_bundled_instance_file_is_catalogued():
    used = {e["path"] for e in ENTRIES} | {e.get("solution") for e in ENTRIES}
    skip = {"README.md", "catalogue.yaml", "make_catalogue.py"}
    files = {p.relative_to(PROBLEMS).as_posix() for p in PROBLEMS.rglob("*")
             if p.is_file() and p.name not in skip and "__pycache__" not in p.parts}
    assert files - used == set()


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_entry_loads(entry):
    p = load(entry["name"])
    assert p.name == entry["name"]
    assert p.num_variables == entry["n_variables"]
    assert p.known_optimum == entry["known_optimum"]
    assert p.family == entry["family"]


@pytest.mark.parametrize("entry", WITH_SOLUTION, ids=[e["name"] for e in WITH_SOLUTION])
def test_solution_file_achieves_the_catalogue_optimum(entry):
    p = load(entry["name"])
    sol = read_solution(PROBLEMS / entry["solution"], num_variables=p.num_variables)
    assert p.evaluate(sol["x"]) == entry["known_optimum"]
    assert p.is_feasible(sol["x"])
    if sol["value"] is not None:
        assert sol["value"] == entry["known_optimum"]


def test_solutions_cover_the_families_that_have_them():
    assert {e["family"] for e in WITH_SOLUTION} == {"qap", "mis", "market_split", "labs"}
    assert all("solution" in e for e in ENTRIES if e["family"] in ("qap", "mis", "market_split", "labs"))


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["format"] in ("mknap1", "mknap2")],
                         ids=lambda e: e["name"])
def test_knapsack_file_optimum_matches_catalogue(entry):
    p = read(PROBLEMS / entry["path"], format=entry["format"])
    if entry["name"].startswith("mknapcb1-"):
        assert p.known_optimum is None  # Chu-Beasley files state 0 = not given
    else:
        assert p.known_optimum == entry["known_optimum"]  # the opt written inside the file


def test_files_state_the_same_optimum_as_the_catalogue_without_it():
    for e in ENTRIES:
        if e["family"] in ("qap", "mis", "labs"):
            assert read(PROBLEMS / e["path"], format=e["format"]).known_optimum == e["known_optimum"], e["name"]


def test_bqp250_uses_minimisation_convention():
    entries = [e for e in ENTRIES if e["name"].startswith("bqp250-")]
    assert [e["index"] for e in entries] == list(range(10))
    assert entries[0]["known_optimum"] == -45607 and entries[-1]["known_optimum"] == -40442
    p = load("bqp250-3")
    assert p.num_variables == 250 and p.known_optimum == -49037
    assert p.evaluate([0] * 250) == 0.0


def test_unknown_name_suggests_close_names():
    with pytest.raises(UnknownInstanceError, match=r"'gka1' is not in the problem catalogue; did you mean .*gka1b"):
        load("gka1")
    with pytest.raises(UnknownInstanceError, match=r"'johnson8-2-5' .* did you mean johnson8-2-4"):
        resolve("johnson8-2-5")


def test_resolve():
    assert resolve(str(PROBLEMS / "qap/chr12a.dat")).name == "chr12a"
    assert resolve(PROBLEMS / "qubo_bqp/orlib/bqp250.txt", index=1).name == "bqp250[1]"
    assert resolve("Karate").name == "karate"
    assert resolve("labs:6").num_variables == 6
    assert resolve("7", format="labs").num_variables == 7
    with pytest.raises(UnknownInstanceError, match=r"missing/g99\.rud: no such file, and 'missing/g99\.rud'"):
        resolve("missing/g99.rud")
    with pytest.raises(InstanceFormatError, match=r"'g1' is in format 'rudy', not 'biqmac'"):
        resolve("g1", format="biqmac")
    with pytest.raises(InstanceFormatError, match=r"'bqp250-2' fixes index=1; got index=4"):
        resolve("bqp250-2", index=4)


@pytest.fixture
def private_library(tmp_path, monkeypatch):
    """A copy of two families in a temporary QOPT_PROBLEMS_DIR with an editable catalogue."""
    for family in ("mdkp", "qap"):
        shutil.copytree(PROBLEMS / family, tmp_path / family)
    entries = [dict(e) for e in ENTRIES if e["family"] in ("mdkp", "qap")]
    monkeypatch.setenv("QOPT_PROBLEMS_DIR", str(tmp_path))

    def write(changes: dict[str, dict]):
        for e in entries:
            e.update(changes.get(e["name"], {}))
        (tmp_path / "catalogue.yaml").write_text(yaml.safe_dump(entries, sort_keys=False))

    return write


def test_catalogue_value_fills_in_when_the_file_has_none(private_library):
    private_library({"mknapcb1-5.100-00": {"known_optimum": 12345}})
    assert load("mknapcb1-5.100-00").known_optimum == 12345


def test_file_and_catalogue_must_agree(private_library):
    private_library({"mknap1-1": {"known_optimum": 3801}, "chr12a": {"n_variables": 12}})
    with pytest.raises(InstanceFormatError, match=r"states optimum 3800, but catalogue entry 'mknap1-1' says 3801"):
        load("mknap1-1")
    with pytest.raises(InstanceFormatError, match=r"'chr12a' says 12 variables, the file gives 144"):
        load("chr12a")


def test_missing_library_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("QOPT_PROBLEMS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(UnknownInstanceError, match=r"no problems/catalogue\.yaml in .*QOPT_PROBLEMS_DIR"):
        catalogue()


def test_a_copied_file_gets_the_catalogue_optimum_by_content_not_name(tmp_path):
    """issue 14: chr12a without its sibling .sln, under another name, still gets optimum 9552."""
    text = (PROBLEMS / "qap/chr12a.dat").read_text()
    copy = tmp_path / "my_instance.dat"
    copy.write_text(text)
    p = resolve(str(copy))
    assert p.name == "my_instance" and p.known_optimum == 9552.0 and p.catalogue_match == "chr12a"
    # same name, different content: no optimum borrowed
    import re

    last = list(re.finditer(r"\d+", text))[-1]  # the last distance entry
    other = tmp_path / "chr12a.dat"
    other.write_text(text[:last.start()] + str(int(last.group()) + 1) + text[last.end():])
    assert resolve(str(other)).known_optimum is None
