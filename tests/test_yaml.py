"""The one safe YAML loader (qopt._yaml) behind device configs and sweep configs: hostile files are
one ConfigError, never a RecursionError, a memory blow-up or an out-of-range integer."""

from __future__ import annotations

import pytest

from qopt._yaml import MAX_DEPTH, load_yaml
from qopt.bench.config import load_config
from qopt.devices import load_device
from qopt.errors import ConfigError

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
HOSTILE = {
    "deep-flow": "[" * 20000 + "]" * 20000,
    "deep-block": "kind:\n" + "".join("  " * k + "- \n" for k in range(1, 200)),
    "deep-mapping": "a: " + "{b: " * 20000 + "1" + "}" * 20000,
    "billion-laughs": LAUGHS,
    "huge-int": "seed: 18446744073709551616\n",
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_yaml_is_one_config_error(text):
    with pytest.raises(ConfigError) as info:
        load_yaml(text, source="x.yaml")
    assert str(info.value).startswith("x.yaml") and "\n" not in str(info.value)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_device_file(tmp_path, name):
    path = tmp_path / "dev.yaml"
    path.write_text(HOSTILE[name])
    with pytest.raises(ConfigError, match="dev.yaml"):
        load_device(str(path))


def test_sweep_seed_out_of_range_rejected_up_front(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text("instances: [mknap1-1]\nsolvers: [sa]\nseeds: [18446744073709551616]\n")
    with pytest.raises(ConfigError, match="out of range"):
        load_config(path)
    path.write_text("instances: [mknap1-1]\nsolvers: [sa]\nseeds: 1000000000\n")
    with pytest.raises(ConfigError, match="count"):
        load_config(path)


def test_ordinary_yaml_still_loads():
    nested = "a: " + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)
    assert load_yaml(nested)["a"] is not None
    assert load_yaml("x: &v {k: 1}\ny: *v\n") == {"x": {"k": 1}, "y": {"k": 1}}


def test_missing_config_folder_is_an_error_not_a_default(tmp_path, monkeypatch):
    monkeypatch.setenv("QOPT_HARDWARE_CONFIGS", str(tmp_path))  # an empty folder: no exact.yaml
    with pytest.raises(ConfigError, match="unknown device 'exact'"):
        load_device(None)
    monkeypatch.setenv("QOPT_HARDWARE_CONFIGS", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="hardware_configs"):
        load_device("exact")


def test_default_device_is_the_bundled_exact_yaml():
    config = load_device(None)
    assert config.kind == "exact" and config.optimizer == "l-bfgs-b" and config.max_qubits == 26
    assert config.source.endswith("exact.yaml")
