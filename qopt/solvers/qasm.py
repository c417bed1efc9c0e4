"""OpenQASM 3 export of a solver's QAOA circuit (the reference files in the repository's ``circuits/``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["qaoa_qasm", "export_qaoa_qasm", "circuits_dir"]


def circuits_dir() -> Path:
    """The source checkout's ``circuits/`` folder (reference OpenQASM 3 files; not installed)."""
    return Path(__file__).resolve().parents[2] / "circuits"


def qaoa_qasm(instance, *, layers: int = 1, gammas=None, betas=None, slack: str = "unbalanced",
              penalty="calibrated", measure: bool = True) -> str:
    """OpenQASM 3 text of a QAOA circuit (X mixer) for a problem or catalogue instance.

    Angles default to the linear ramp of :func:`qopt.solvers.qaoa.ramp_angles` (deterministic, so
    regenerating a reference file gives the same text). The cost is ``E / scale`` as in the solver.
    """
    from qiskit import qasm3

    from qopt.devices import DeviceConfig
    from qopt.devices.circuits import QAOACircuit, to_qiskit
    from qopt.solvers._variational import prepare
    from qopt.solvers.qaoa import ramp_angles

    problem = _problem(instance)
    # a width-unlimited config: exporting text needs no simulator
    prep = prepare(problem, DeviceConfig(name="qasm-export", kind="default"), penalty=penalty, slack=slack)
    if gammas is None or betas is None:
        gammas, betas = ramp_angles(layers)
    circuit = QAOACircuit.of(prep, len(gammas))
    gates = circuit(np.concatenate([np.asarray(gammas, float), np.asarray(betas, float)]))
    qc = to_qiskit(gates, prep.num_qubits, measure=measure)
    qc.name = f"qaoa_{getattr(problem, 'name', 'bqm')}_p{len(gammas)}"
    return qasm3.dumps(qc)


def _problem(instance):
    if isinstance(instance, str):
        from qopt.problems.catalogue import resolve

        return resolve(instance)
    return instance


def export_qaoa_qasm(instance, *, layers: int = 1, path: str | Path, **options) -> Path:
    """Write :func:`qaoa_qasm` to ``path`` (a file the caller names; never inside the package)."""
    problem = _problem(instance)
    text = qaoa_qasm(problem, layers=layers, **options)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
