"""The one place that reads a device's kind: execution options and the runner for a circuit.

* :func:`resolve_run_options`: call options > device config > defaults, checked together;
* :func:`make_runner`: the :class:`~qopt.devices.runner.Runner` for a config: qopt's exact
  simulator, PennyLane QNodes, or the Qiskit runtime runner (noisy Aer, IBM fake/hardware,
  any error mitigation);
* :func:`make_correlator_runner`: the runner of PCE's many-correlator circuits
  (:mod:`qopt.devices.correlators`);
* :func:`require_exact`: refuse a device for a solver that runs on the exact simulator only;
* :func:`open_journal`: the job journal of a run (Qiskit devices only).
"""

from __future__ import annotations

from dataclasses import dataclass

from qopt.errors import ConfigError

__all__ = ["RunOptions", "resolve_run_options", "make_runner", "make_correlator_runner", "require_exact",
           "uses_qiskit_runner", "open_journal", "check_mitigation", "readout_shots"]


def uses_qiskit_runner(config, mitigation=None) -> bool:
    """True when circuits of ``config`` run through :class:`~qopt.devices.qiskit_runner.QiskitRunner`:
    IBM (real or fake), Aer with a noise model or backend, or any mitigation requested."""
    if config.kind == "ibm":
        return True
    if config.kind == "aer" and (config.noise or config.backend):
        return True
    return config.kind == "aer" and bool(mitigation or config.mitigation)


def _wants_mitigation(mitigation) -> bool:
    return mitigation not in (None, False, "none")


def check_mitigation(config, mitigation) -> None:
    """Raise :class:`ConfigError` when ``mitigation`` is asked for on a device without noise."""
    if not _wants_mitigation(mitigation):
        return
    if config.exact:
        raise ConfigError("--mitigation needs a noisy Qiskit device (aer_noisy, ibm_fake, ibm); the exact "
                          "simulator has no noise to mitigate")
    if not uses_qiskit_runner(config, mitigation):
        raise ConfigError(f"--mitigation needs a noisy Qiskit device (aer_noisy, ibm_fake, ibm); device "
                          f"{config.name!r} (kind {config.kind}) is noiseless")


def open_journal(config, mitigation, journal):
    """The :class:`~qopt.devices.journal.Journal` for ``journal`` (a path or a Journal) on ``config``.

    Raises:
        ConfigError: ``config`` is not a device the Qiskit runner drives (exact, lightning, noiseless
            Aer through PennyLane), so there would be no jobs to record.
    """
    from qopt.devices.journal import as_journal

    if journal is None:
        return None
    if config.exact or not uses_qiskit_runner(config, mitigation):
        raise ConfigError(f"--journal records jobs on Qiskit devices (aer_noisy, ibm_fake, ibm); device "
                          f"{config.name!r} (kind {config.kind}) does not submit jobs")
    return as_journal(journal)


@dataclass(frozen=True)
class RunOptions:
    """Execution options resolved from the solver call, the device config and the defaults.

    Attributes:
        shots: shots per objective evaluation (None: exact expectations).
        readout_shots: measurements of the final readout (always set).
        optimizer, optimizer_options, maxiter, diff_method: the optimisation settings.
    """

    shots: int | None
    optimizer: str
    optimizer_options: dict
    maxiter: int
    diff_method: str
    readout_shots: int = 1024


def readout_shots(config, shots) -> int:
    """Final-readout shots: ``shots`` > the config's > :data:`~qopt.devices.runner.DEFAULT_SHOTS`."""
    from qopt.options import DEFAULT_SHOTS

    if shots is not None:
        return int(shots)
    return int(config.shots) if config.shots is not None else DEFAULT_SHOTS


def resolve_run_options(config, *, shots, optimizer, diff_method, maxiter, default_optimizer: str,
                        default_maxiter: int, alpha: float = 1.0) -> RunOptions:
    """Merge call options > device config > defaults; check they fit together.

    On the exact device the optimiser uses exact expectations whatever ``shots`` says (shots set
    the final readout only). A CVaR objective (``alpha < 1``) off the exact device has no
    gradient: a gradient optimizer from the config becomes the gradient-free default, and one
    asked for explicitly is an error.
    """
    from qopt.optimize import GRADIENT_OPTIMIZERS, normalise_optimizer

    if shots is not None and (isinstance(shots, bool) or int(shots) != shots or shots < 1):
        raise ConfigError(f"shots must be a positive integer or None, got {shots!r}")
    final = readout_shots(config, shots)
    shots = config.shots if shots is None else int(shots)
    gradient_ok = config.exact or alpha >= 1.0
    explicit = optimizer is not None
    name = normalise_optimizer(optimizer or config.optimizer or default_optimizer)
    if name in GRADIENT_OPTIMIZERS and not gradient_ok:
        if explicit:
            raise ConfigError(f"optimizer {name!r} needs gradients, which this objective (CVaR from "
                              "samples) does not have on this device; use cobyla, nelder-mead or spsa")
        name = normalise_optimizer(default_optimizer)
    opts = dict(config.optimizer_options) if name == (config.optimizer or name) else {}
    config_maxiter = opts.pop("maxiter", None)
    maxiter = maxiter if maxiter is not None else (config_maxiter or default_maxiter)
    if config.exact and diff_method not in (None, "adjoint", "best"):
        raise ConfigError(f"--diff-method {diff_method} needs a PennyLane device; the exact device "
                          "uses its own adjoint gradients (pick --device lightning or aer)")
    method = config.resolved_diff_method(diff_method, shots if not config.exact else None)
    return RunOptions(shots=None if config.exact else shots, optimizer=name, optimizer_options=opts,
                      maxiter=int(maxiter), diff_method=method, readout_shots=final)


def make_runner(config, cost, circuit, *, run: RunOptions | None = None, seed=None, mitigation=None,
                yes=None, journal=None):
    """The runner of ``circuit`` measured against ``cost`` on device ``config``.

    Args:
        config: a :class:`~qopt.devices.DeviceConfig`.
        cost: a :class:`~qopt.devices.circuits.Cost`.
        circuit: a :class:`~qopt.devices.circuits.QAOACircuit`, :class:`~qopt.devices.circuits.HEACircuit`
            or (PennyLane/Qiskit devices) any callable ``x -> gate list``.
        run: resolved :class:`RunOptions` (shots, diff_method, maxiter); default: the config's.
        seed: int or Generator (sampling and simulator seeds).
        mitigation, yes, journal: Qiskit-runner options (error mitigation, cost confirmation, job
            journal); on a device that cannot use them they are a :class:`ConfigError`.

    Returns:
        an :class:`~qopt.devices.exact_runner.ExactRunner`,
        :class:`~qopt.devices.pennylane_runner.PennyLaneRunner` or
        :class:`~qopt.devices.qiskit_runner.QiskitRunner`, wrapped in a
        :class:`~qopt.mitigation.runner.MitigatedRunner` when ``mitigation`` or the device's
        ``mitigation:`` block asks for any.
    """
    from qopt._random import seed_int

    if run is None:
        run = resolve_run_options(config, shots=None, optimizer=None, diff_method=None, maxiter=None,
                                  default_optimizer="cobyla", default_maxiter=100)
    check_mitigation(config, mitigation)
    if journal is not None:
        journal = open_journal(config, mitigation, journal)
    if config.exact:
        from qopt.devices.exact_runner import ExactRunner

        return ExactRunner(cost, circuit, seed=seed)
    if uses_qiskit_runner(config, mitigation):
        from qopt.devices.qiskit_runner import QiskitRunner

        from qopt.mitigation.runner import mitigate

        runner = QiskitRunner(cost, circuit, diff_method=run.diff_method, shots=run.shots, seed=seed_int(seed),
                              yes=yes, maxiter=run.maxiter, journal=journal, config=config)
        return mitigate(runner, mitigation if mitigation is not None else config.mitigation,
                        base=config.mitigation,
                        source="--mitigation" if mitigation is not None else config.source)
    from qopt.devices.pennylane_runner import PennyLaneRunner

    return PennyLaneRunner(cost, circuit, diff_method=run.diff_method, shots=run.shots, seed=seed_int(seed),
                           config=config)


def make_correlator_runner(config, *, n: int, layers: int, basis, mask, shots: int | None = None,
                           seed: int | None = None):
    """The runner that reads PCE's correlators (brickwork ansatz, ``n`` qubits) on ``config``.

    Args:
        config: a :class:`~qopt.devices.DeviceConfig`.
        n, layers: qubits and brickwork depth.
        basis, mask: Pauli family (0=X, 1=Y, 2=Z) and qubit mask of each correlator, shape (m,).
        shots: None for exact expectations; else shots per evaluation (the exact simulator then
            samples each basis, as hardware does).
        seed: simulator seed (PennyLane devices).

    Returns:
        an :class:`~qopt.devices.correlators.ExactCorrelators` (exact device) or
        :class:`~qopt.devices.correlators.PennyLaneCorrelators` (any other device).
    """
    from qopt.devices.correlators import ExactCorrelators, PennyLaneCorrelators

    if config.exact:
        return ExactCorrelators(n, layers, basis, mask, shots=shots)
    return PennyLaneCorrelators(config, n, layers, basis, mask, shots=shots, seed=seed)


def require_exact(config, solver: str) -> None:
    """Raise :class:`ConfigError` unless ``config`` is qopt's exact simulator (``solver`` names who asks)."""
    if not config.exact:
        raise ConfigError(f"{solver} runs on qopt's exact simulation only; device {config.name!r} "
                          f"(kind {config.kind}) is not supported yet")
