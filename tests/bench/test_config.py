"""Sweep config validation: every mistake is one ConfigError naming the file and entry."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qopt.bench.config import load_config, parse_config, run_key
from qopt.errors import ConfigError


def test_valid_config_expands_grid(write_yaml):
    path = write_yaml("""
        name: tiny
        instances:
          - mknap1-1
          - {path: labs:5, name: five}
        solvers:
          - exact
          - {name: tabu, num_reads: 2, timeout_s: 0.01}
        seeds: [3, 4]
    """)
    cfg = load_config(path)
    assert cfg.name == "tiny" and cfg.num_runs == 8
    assert [s.label for s in cfg.solvers] == ["exact", "tabu"]
    assert cfg.solvers[1].options == {"num_reads": 2, "timeout_s": 0.01}
    assert cfg.instances[0].key == "catalogue:mknap1-1" and cfg.instances[1].key == "labs:5"
    assert cfg.seeds == (3, 4)


def test_file_instance_relative_to_config(tmp_path, write_yaml):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "g.dimacs").write_text("p edge 3 2\ne 1 2\ne 2 3\n")
    cfg = load_config(write_yaml("""
        instances: [{path: data/g.dimacs, format: dimacs}]
        solvers: [exact]
        seeds: 1
    """))
    inst = cfg.instances[0]
    assert inst.key.startswith("file:") and inst.key.endswith(":dimacs")
    assert inst.load().num_variables == 3


@pytest.mark.parametrize("text, match", [
    ("instances: [mknap1-1\nsolvers: [exact]\n", r"not valid YAML at line \d+"),
    ("- just\n- a list\n", "must be a mapping"),
    ("instances: [mknap1-1]\nsolvers: [exact]\nseed: [1]\n", r"unknown key\(s\) 'seed'"),
    ("solvers: [exact]\n", "'instances' is missing"),
    ("instances: [mknap1-1]\nsolvers: [qaoaa]\n", r"solvers\[0\]\.name: unknown solver 'qaoaa'"),
    ("instances: [mknap1-1]\nsolvers: [{name: sa, num_readz: 3}]\n", r"solvers\[0\]: solver 'sa' does not take option\(s\) num_readz"),
    ("instances: [mknap1-1, no-such-instance-xyz]\nsolvers: [exact]\n", r"instances\[1\]: .*not in the problem catalogue"),
    ("instances: [{path: /nope/missing.dat, format: mknap1}]\nsolvers: [exact]\n", r"instances\[0\]: .*no such file"),
    ("instances: [mknap1-1]\nsolvers: [exact]\nseeds: [1, -2]\n", r"seeds: -2 is not a non-negative integer"),
    ("instances: [mknap1-1]\nsolvers: [exact]\nseeds: [1, 1]\n", "seeds: duplicate"),
    ("instances: [mknap1-1]\nsolvers: [{name: sa, seed: 3}]\n", "'seed' is set by the sweep"),
    ("instances: [mknap1-1]\nsolvers: [{name: sa, shrink: wild}]\n", r"solvers\[0\]\.shrink: 'wild'"),
    ("instances: [mknap1-1]\nsolvers: [exact, exact]\n", "listed twice"),
    ("instances: [{path: mknap1-1, colour: red}]\nsolvers: [exact]\n", r"instances\[0\]: unknown key"),
], ids=["bad-yaml", "not-mapping", "unknown-key", "no-instances", "unknown-solver", "unknown-option",
        "missing-instance", "missing-file", "negative-seed", "duplicate-seed", "seed-in-solver", "bad-shrink",
        "duplicate-solver", "instance-key"])
def test_malformed_config_is_one_clear_error(write_yaml, text, match):
    path = write_yaml(text)
    with pytest.raises(ConfigError, match=match) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_unreadable_file():
    with pytest.raises(ConfigError, match="cannot read the sweep config"):
        load_config("/nonexistent/sweep.yaml")


def test_run_key_identity():
    assert run_key("catalogue:a", "sa", {"x": 1, "y": 2}, 0) == run_key("catalogue:a", "sa", {"y": 2, "x": 1}, 0)
    assert run_key("catalogue:a", "sa", {"x": 1}, 0) != run_key("catalogue:a", "sa", {"x": 2}, 0)
    assert run_key("catalogue:a", "sa", {}, 0) != run_key("catalogue:a", "tabu", {}, 0)


def test_label_does_not_change_run_key():
    a = parse_config({"instances": ["mknap1-1"], "solvers": [{"name": "sa", "label": "annealing"}]})
    b = parse_config({"instances": ["mknap1-1"], "solvers": ["sa"]})
    from qopt.bench.runner import expand

    assert expand(a)[0]["run_key"] == expand(b)[0]["run_key"]
    assert a.solvers[0].label == "annealing"


def test_cli_rejects_bad_config_before_any_run(write_yaml, tmp_path):
    path = write_yaml("instances: [mknap1-1]\nsolvers: [exact, nosuchsolver]\nseeds: [0]\n")
    store = tmp_path / "r.sqlite"
    proc = subprocess.run([sys.executable, "-m", "qopt", "bench", "run", str(path), "--store", str(store)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qopt: error: ") and "nosuchsolver" in lines[0]
    assert not store.exists()  # nothing ran, not even the valid exact runs


def test_if_available_skips_unregistered_solver(write_yaml, caplog):
    cfg = load_config(write_yaml("""
        instances: [mknap1-1]
        solvers:
          - exact
          - {name: not-a-registered-solver, if_available: true}
    """))
    assert [s.name for s in cfg.solvers] == ["exact"] and cfg.skipped == ("not-a-registered-solver",)
    assert "not available" in caplog.text
    with pytest.raises(ConfigError, match="no solver of the config is available"):
        load_config(write_yaml("instances: [mknap1-1]\nsolvers: [{name: nope, if_available: true}]\n"))
