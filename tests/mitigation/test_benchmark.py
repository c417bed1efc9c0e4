"""benchmarks/mitigation.py --output json: the issue's JSON contract and what the diagnostics must show."""

import importlib.util
import json
from pathlib import Path

import pytest

pytest.importorskip("qiskit_ibm_runtime")
pytest.importorskip("mitiq")

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "mitigation.py"


@pytest.fixture(scope="module")
def report():
    spec = importlib.util.spec_from_file_location("qopt_bench_mitigation", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert mod.main(["--output", "json", "--instances", "mis-path5", "--shots", "4000",
                         "--backend", "FakeLagosV2"]) == 0
    return json.loads(out.getvalue())


def test_json_has_the_issue_fields(report):
    assert {"ideal", "noisy", "mitigated", "backend", "executions"} <= set(report)
    assert {"zne", "rem", "ddd", "cdr", "zne_rem", "pec", "pec_rem"} <= set(report["mitigated"])
    assert report["backend"] == "fake_lagos"
    # executions per method: ZNE 3 scale factors, REM + 2 calibration circuits, CDR 1 + 10 training circuits
    assert report["executions"] == {"noisy": 1, "zne": 3, "zne_linear": 2, "rem": 3, "ddd": 1, "cdr": 11,
                                    "zne_rem": 5, "pec": 200, "pec_rem": 202}
    assert report["pec_gamma"] > 1.0
    for key in ("zne", "zne_rem"):
        ratio = abs(report["mitigated"][key] - report["ideal"]) / abs(report["noisy"] - report["ideal"])
        assert report["target"][f"{key}_error_ratio"] == pytest.approx(ratio)
        assert report["target"][f"{key}_met"] == (ratio <= 0.5)


def test_zne_removes_gate_noise_and_readout_correction_is_needed(report):
    g = report["gate_noise_only"]
    assert g["scale_factors"] == [1.0, 3.0, 5.0]
    assert report["ideal"] < g["values"][0] < g["values"][1] < g["values"][2]  # folding adds noise: <C> rises
    assert g["abs_error"]["zne"] <= 0.5 * g["abs_error"]["noisy"]  # the target holds on gate noise
    assert len(report["readout_error"]) == 5 and max(report["readout_error"].values()) > 0.1  # Lagos readout
    noisy_err = abs(report["noisy"] - report["ideal"])
    assert abs(report["mitigated"]["zne_rem"] - report["ideal"]) < noisy_err


def test_pec_and_error_ratios(report):
    noisy_err = abs(report["noisy"] - report["ideal"])
    for m, ratio in report["error_ratio"].items():
        assert ratio == pytest.approx(abs(report["mitigated"][m] - report["ideal"]) / noisy_err)
    assert report["error_ratio"]["pec_rem"] < 1.0  # PEC on readout-corrected values moves toward the ideal
