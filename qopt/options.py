"""The option groups every pipeline run shares, with their defaults declared once.

* **encoding** (problem -> BQM): ``penalty``, ``slack``;
* **execution** (where circuits run): ``device``, ``shots``, ``mitigation``, ``journal``, ``yes``;
* **finishing** (samples -> result): ``postprocess``, ``repair``, ``local_search``, ``readout``,
  ``top_k``, ``known_optimum``.

:mod:`qopt.pipeline`, the solvers and the CLI's ``--help`` all read these tables.
"""

from __future__ import annotations

__all__ = ["ENCODING", "EXECUTION", "FINISHING", "POSTPROCESS", "READOUTS", "CIRCUIT_SOLVERS", "DEFAULT_SHOTS",
           "default_slack", "default_device"]

#: Solvers whose qubits are the BQM's variables one to one: they default to unbalanced
#: penalisation, which needs no slack qubits.
CIRCUIT_SOLVERS = ("qaoa", "vqe", "rqaoa")
#: Post-processing levels (:func:`qopt.decode.finish`).
POSTPROCESS = ("full", "one-round", "none")
#: Final readout modes of the quantum solvers.
READOUTS = ("shots", "top-k")
#: Final-readout shots when neither the caller nor the device config sets them.
DEFAULT_SHOTS = 1024

ENCODING = {
    "penalty": ("calibrated", "Penalty weights: calibrated | qiskit | a number."),
    "slack": (None, "Inequality encoding: binary slack bits or unbalanced penalisation "
                    "(default: unbalanced for qaoa, vqe, rqaoa, which puts no slack bits on qubits; binary "
                    "for the others)."),
}
EXECUTION = {
    "device": ("exact", "Device: a name from hardware_configs (exact, lightning, aer, aer_noisy, ibm_fake, ibm) "
                        "or a YAML path."),
    "shots": (None, f"Shots per circuit and of the final readout (default: the device's, else {DEFAULT_SHOTS} "
                    "for the final readout; the exact device optimises on exact expectations)."),
    "mitigation": (None, "Error mitigation (zne, readout, dd, cdr, pec; comma-separated), overriding the device's."),
    "journal": (None, "Job journal (JSON lines) for Qiskit devices."),
    "yes": (False, "Confirm costly hardware runs without asking."),
}
FINISHING = {
    "postprocess": ("full", "Post-processing: full (repair + local search) | one-round | none."),
    "repair": (True, "Repair infeasible samples (postprocess full)."),
    "local_search": (True, "Local search after repair (postprocess full)."),
    "readout": ("shots", "Final readout of quantum solvers: shots (measurements, like hardware) | top-k "
                         "(the K most probable states of an exact distribution)."),
    "top_k": (None, "K for --readout top-k."),
    "known_optimum": (None, "Known optimum of the instance (problem units) for gap and optimum metrics."),
}


def default_slack(solver: str, like: str | None = None) -> str:
    """The slack encoding a solver uses unless told otherwise (see :data:`ENCODING`); the null model
    ``random`` uses that of the solver it imitates (``like``, default qaoa), so it reads the same bits."""
    if solver == "random":
        return default_slack(like or "qaoa")
    return "unbalanced" if solver in CIRCUIT_SOLVERS else "binary"


def default_device() -> str:
    """The device a quantum solver uses unless told otherwise."""
    return EXECUTION["device"][0]
