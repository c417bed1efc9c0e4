"""The CLI contract: flags, JSON keys on stdout, one-line errors with exit code 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qopt.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "malformed"
KEYS = {"instance", "problem", "n_variables", "sense", "objective", "feasible", "solution", "solver", "seed",
        "time_s", "qubits", "known_optimum", "gap"}


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("solver", ["exact", "sa", "tabu"])
def test_solve_json_contract(capsys, solver):
    code, out, err = run(capsys, "solve", "mknap1-1", "--solver", solver, "--seed", "3", "--output", "json")
    assert code == 0
    data = json.loads(out)
    assert KEYS <= set(data)
    assert data["objective"] == 3800 and data["feasible"] and data["sense"] == "max"
    assert data["qubits"] is None and data["solver"] == solver and data["seed"] == 3
    assert len(data["solution"]) == data["n_variables"] == 6 and data["gap"] == 0


def test_solve_by_path_with_format_and_index(capsys, tmp_path):
    # an OR-Library multi-problem file made of the bundled mknap1 problems 1 and 2
    folder = Path(__file__).resolve().parents[2] / "problems" / "mdkp" / "orlib_mknap1"
    bodies = [(folder / f"mknap1_{k}.txt").read_text().split(None, 1)[1] for k in (1, 2)]
    path = tmp_path / "two.txt"
    path.write_text("2\n" + "\n".join(bodies))
    code, out, _ = run(capsys, "solve", str(path), "--format", "mknap1", "--index", "1", "--solver", "exact",
                       "--output", "json")
    assert code == 0 and json.loads(out)["objective"] == pytest.approx(8706.1)
    code, _, err = run(capsys, "solve", str(path), "--format", "mknap1", "--index", "5")
    assert code == 2 and "index" in err


def test_info_counts_qubits(capsys):
    code, out, _ = run(capsys, "info", "mknap1-1", "--output", "json")
    data = json.loads(out)
    assert code == 0 and data["n_variables"] == 6 and data["n_constraints"] == 10
    assert data["qubits"]["unbalanced"] == 6 < data["qubits"]["binary"]


@pytest.mark.parametrize("args, message", [
    (["solve", "no_such_instance"], "not in the problem catalogue"),
    (["solve", "missing/file.txt"], "no such file"),
    (["solve", "mknap1-1", "--solver", "nope"], "unknown solver"),
    (["solve", "mknap1-1", "--format", "weird"], "format"),
    (["solve", str(DATA / "rudy_nan_weight.rud")], "not a finite number"),
    (["solve", str(DATA / "mknap1_truncated.txt"), "--format", "mknap1"], "mknap1"),
    (["solve", "mknap1-1", "--solver", "sa", "--layers", "2"], "--layers does not apply"),
    (["solve", "mknap1-1", "--time-limit", "-1"], "time-limit"),
    (["solve", "mknap1-1", "--output", "yaml"], "output"),
    (["info", "nope"], "catalogue"),
    (["solve", "mknap1-1", "--solver", "qaoa", "--postprocess", "some"], "--postprocess"),
    (["solve", "mknap1-1", "--solver", "qaoa", "--readout", "all"], "--readout"),
    (["solve", "mknap1-1", "--solver", "qaoa", "--readout", "top-k"], "--top-k"),
    (["solve", "mknap1-1", "--solver", "qaoa", "--top-k", "0"], "--top-k"),
    (["solve", "mknap1-1", "--solver", "qaoa", "--shots", "0"], "--shots"),
    (["solve", "mknap1-1", "--known-optimum", "nan"], "--known-optimum"),
    (["solve", "mknap1-1", "--known-optimum", "inf"], "--known-optimum"),
    (["solve", "mknap1-1", "--solver", "qaoa", "--device", "nowhere"], "unknown device 'nowhere'"),
    (["solve", "mknap1-1", "--solver", "qaoa", "--device", "missing.yaml"], "does not exist"),
    (["solve", "mknap1-1", "--seed", str(2**64)], "--seed"),
    (["solve", "mknap1-1", "--solver", "sa", "--readout", "shots"], "--readout does not apply"),
    (["solve", "mknap1-1", "--solver", "pce", "--qubits", "1", "--k", "2"], "smaller than k"),
    (["solve", "mknap1-1", "--solver", "qaoa", "--init", "nope"], "init must be one of"),
])
def test_bad_input_one_line_exit_2(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qopt: error:") and message in lines[0]


def test_list_and_text_output(capsys):
    code, out, _ = run(capsys, "list", "--family", "qap", "--output", "json")
    assert code == 0 and {"nug12", "chr12a"} <= {r["name"] for r in json.loads(out)}
    code, out, _ = run(capsys, "solve", "karate", "--solver", "exact")
    assert code == 0 and "objective" in out and "20" in out


def test_console_script_no_traceback_on_stderr():
    proc = subprocess.run([sys.executable, "-m", "qopt", "solve", "nope.gph"], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stdout == ""


def test_internal_errors_are_bugs_not_user_errors(monkeypatch, capsys):
    """A KeyError (or a bare ValueError) from inside the library is a bug: it propagates, so the
    console script shows the traceback and exits 1, instead of hiding it as one tidy line."""
    import qopt.pipeline

    def broken(*args, **kwargs):
        raise KeyError("internal")

    monkeypatch.setattr(qopt.pipeline, "solve", broken)
    with pytest.raises(KeyError):
        main(["solve", "mknap1-1", "--solver", "sa"])


def test_solve_passes_pipeline_options(capsys):
    code, out, err = run(capsys, "solve", "mknap1-1", "--solver", "qaoa", "--seed", "2", "--maxiter", "5",
                         "--shots", "300", "--postprocess", "full", "--known-optimum", "4000", "--output", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["known_optimum"] == 4000 and data["options"]["shots"] == 300
    assert data["info"]["readout"]["readout"] == "shots" and data["info"]["readout"]["shots"] == 300
    code, out, err = run(capsys, "solve", "mknap1-1", "--solver", "qaoa", "--seed", "2", "--maxiter", "5",
                         "--readout", "top-k", "--top-k", "4", "--output", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["options"]["readout"] == "top-k" and data["options"]["top_k"] == 4
    assert data["info"]["num_samples"] == 4


def test_help_states_the_real_defaults(capsys):
    code, out, _ = run(capsys, "solve", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "unbalanced for qaoa, vqe, rqaoa" in text and "binary for the others" in text
    assert "--postprocess" in text and "--readout" in text and "--known-optimum" in text


@pytest.mark.parametrize("flag", [["--postprocess", "bogus"], ["--readout", "x"], ["--shots", "0"],
                                  ["--known-optimum", "nan"]], ids=["postprocess", "readout", "shots", "nan"])
def test_raw_block_flags_bad_values_exit_2(capsys, flag):
    code, out, err = run(capsys, "solve", "mknap1-1", "--solver", "random", *flag)
    assert code == 2 and err.count("\n") == 1 and err.startswith("qopt: error:")


def test_random_postprocess_none_json(capsys):
    code, out, err = run(capsys, "solve", "mknap1-1", "--solver", "random", "--postprocess", "none", "--shots", "50",
                         "--seed", "1", "--output", "json")
    d = json.loads(out)
    assert code == 0 and d["postprocess"] == "none" and d["solution_from"] == "raw sample"
    assert d["objective"] == d["raw"]["best_objective"] and d["raw"]["shots"] == 50
