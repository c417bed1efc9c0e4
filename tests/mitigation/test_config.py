"""Validation of the mitigation block / --mitigation string."""

import pytest

from qopt.errors import ConfigError
from qopt.mitigation.config import parse_mitigation


@pytest.mark.parametrize("spec", [None, False, "none", "off"], ids=["none", "false", "none-str", "off"])
def test_off(spec):
    assert parse_mitigation(spec) is None


def test_string_and_aliases():
    cfg = parse_mitigation("zne,rem,dd")
    assert cfg.techniques == ("readout", "ddd", "zne")
    assert cfg.zne.scale_factors == (1.0, 3.0, 5.0) and cfg.zne.factory == "richardson"
    assert cfg.ddd == "xx"


def test_cli_string_keeps_device_options():
    base = {"zne": {"scale_factors": [1, 2], "factory": "linear"}, "readout": True}
    cfg = parse_mitigation("zne", base=base)
    assert cfg.zne.scale_factors == (1.0, 2.0) and cfg.zne.factory == "linear" and not cfg.readout


def test_pec_defaults_and_readout():
    cfg = parse_mitigation("pec,readout")
    assert cfg.techniques == ("readout", "pec")
    assert (cfg.pec.num_samples, cfg.pec.noise_scale, cfg.pec.seed) == (200, 1.0, 7)
    assert cfg.to_dict()["pec"] == {"num_samples": 200, "noise_scale": 1.0, "seed": 7}


def test_mapping():
    cfg = parse_mitigation({"zne": {"factory": "poly", "order": 1, "scale_factors": [1, 2, 3],
                                    "folding": "local", "seed": 3},
                            "cdr": False, "readout": None})
    assert cfg.zne.folding == "local" and cfg.zne.seed == 3 and cfg.readout and cfg.cdr is None


@pytest.mark.parametrize("spec, match", [
    ("pce", "unknown mitigation 'pce'"),
    ({"zen": {}}, "unknown technique 'zen'"),
    ({"zne": {"scale": [1, 3]}}, r"mitigation.zne: unknown option\(s\) scale"),
    ({"zne": {"scale_factors": [1]}}, "at least two numbers"),
    ({"zne": {"scale_factors": [0.5, 1]}}, "distinct and >= 1"),
    ({"zne": {"factory": "cubic"}}, "factory must be one of"),
    ({"zne": {"factory": "poly", "order": 3, "scale_factors": [1, 3, 5]}}, "order = 3 needs more than 3"),
    ({"zne": {"folding": "random"}}, "folding must be one of"),
    ({"ddd": {"rule": "xz"}}, "rule must be one of"),
    ({"readout": {"shots": 10}}, r"mitigation.readout: unknown option\(s\) shots"),
    ({"cdr": {"num_training_circuits": 1}}, "num_training_circuits must be an integer >= 2"),
    ({"cdr": {"fraction_non_clifford": 1.5}}, r"fraction_non_clifford must be in \[0, 1\], got 1.5"),
    ({"zne": True, "cdr": True}, "zne and cdr together"),
    ({"pec": True, "zne": True}, "pec cannot be combined with zne"),
    ({"pec": {"num_samples": 0}}, r"num_samples must be an integer >= 1"),
    ({"pec": {"noise_scale": 0}}, r"noise_scale must be in \(0, 10\]"),
    ({"pec": {"precision": 0.1}}, r"mitigation.pec: unknown option\(s\) precision"),
    ({"zne": [1, 3]}, "must be a mapping of options"),
    (42, "must be a mapping"),
], ids=["pce", "typo-technique", "typo-option", "one-scale", "scale<1", "factory", "order", "folding",
        "ddd-rule", "readout-option", "cdr-count", "cdr-fraction", "zne+cdr", "pec+zne", "pec-samples", "pec-scale",
        "pec-option", "zne-list", "int"])
def test_errors_name_the_bad_value(spec, match):
    with pytest.raises(ConfigError, match=match):
        parse_mitigation(spec, source="dev.yaml")
