"""Device configs: YAML files in ``hardware_configs/`` -> a validated, frozen :class:`DeviceConfig`.

A config chooses where variational circuits run:

* ``kind: exact``: qopt's own state-vector simulator (:mod:`qopt.devices.exact`), used
  through its functional API (exact expectations, adjoint gradients, exact distributions);
* ``kind: lightning``: PennyLane ``lightning.qubit``; ``kind: default``: ``default.qubit``;
* ``kind: aer``: Qiskit Aer through pennylane-qiskit (``qiskit.aer``); with ``backend:`` naming
  a qiskit-ibm-runtime fake backend (e.g. ``FakeManilaV2``) the circuits are transpiled to its
  basis gates and coupling map and simulated with its noise model (``noise: true``);
* ``kind: ibm``: an IBM Quantum backend (token from the ``QISKIT_IBM_TOKEN`` environment
  variable, never from YAML), or a fake backend when ``backend`` starts with ``Fake``.

Example file::

    name: aer_noisy
    kind: aer
    shots: 4000          # null = exact expectation values
    seed: 7
    backend: FakeManilaV2
    noise: true
    method: automatic
    diff_method: parameter-shift
    optimizer: spsa
    optimizer_options: {maxiter: 100}
    max_qubits: 5
    mitigation: null     # validated as a mapping or null; interpreted by qopt.mitigation
    options: {optimization_level: 1}
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from qopt.errors import ConfigError, DeviceCapacityError

__all__ = ["DeviceConfig", "load_device", "config_dir", "KINDS", "DIFF_METHODS", "OPTIMIZERS",
           "SHORT_NAMES"]

#: Device kinds a config may name.
KINDS = ("exact", "lightning", "default", "aer", "ibm")
#: Gradient methods (PennyLane names; "adjoint" on the exact device is qopt's own adjoint sweep).
DIFF_METHODS = ("parameter-shift", "adjoint", "backprop", "finite-diff", "best")
from qopt.optimize import OPTIMIZERS  # noqa: E402 (the one table of optimizer names)
#: Short names that resolve to ``hardware_configs/<name>.yaml``.
SHORT_NAMES = ("exact", "lightning", "aer", "aer_noisy", "ibm", "ibm_fake")

_AER_METHODS = ("automatic", "statevector", "density_matrix", "matrix_product_state", "stabilizer")


def config_dir() -> Path:
    """The device-config folder: ``$QOPT_HARDWARE_CONFIGS``, else the bundled ``hardware_configs/``
    (inside the installed package, or at the top of a source checkout; :mod:`qopt._resources`).

    Raises:
        ConfigError: no such folder (a broken installation).
    """
    from qopt._resources import data_dir

    path = data_dir("hardware_configs", "QOPT_HARDWARE_CONFIGS")
    if path is None or not path.is_dir():
        raise ConfigError("no hardware_configs/ folder: neither the installed package nor a source checkout "
                          "has one; set QOPT_HARDWARE_CONFIGS to a folder of device YAMLs")
    return path


# --------------------------------------------------------------------------- validation helpers
from qopt._yaml import check_choice as _check_choice  # noqa: E402 (the shared config checks)
from qopt._yaml import check_int as _check_int  # noqa: E402
from qopt._yaml import check_mapping as _check_mapping  # noqa: E402
from qopt._yaml import where as _where  # noqa: E402


# --------------------------------------------------------------------------- the config
@dataclasses.dataclass(frozen=True)
class DeviceConfig:
    """Where and how circuits run. Frozen; validated in ``__post_init__``.

    Attributes:
        name: label used in results and logs.
        kind: one of :data:`KINDS`.
        shots: shots per circuit; None = exact expectations and distributions.
        seed: simulator/transpiler seed (a solver's ``seed`` takes precedence).
        diff_method: gradient method, one of :data:`DIFF_METHODS`; None = automatic
            (qopt's adjoint on ``exact``; parameter-shift with finite shots; adjoint otherwise).
        optimizer: default optimizer, one of :data:`OPTIMIZERS` (None: the solver's default).
        optimizer_options: default optimizer options (e.g. ``maxiter``, ``rhobeg``, ``stepsize``).
        max_qubits: widest circuit allowed (None: the device's physical limit, if any).
        backend: Aer/IBM backend name, e.g. ``FakeManilaV2`` (noise model and coupling map).
        method: Aer simulation method (``automatic``, ``statevector``, ``density_matrix``...).
        noise: Aer only: simulate ``backend``'s noise model.
        mitigation: a mapping interpreted by :mod:`qopt.mitigation`, or None.
        options: extra options passed to the PennyLane device (Aer: transpiler options).
        source: the file this config came from (None if built in Python).
    """

    name: str = "exact"
    kind: str = "exact"
    shots: int | None = None
    seed: int | None = None
    diff_method: str | None = None
    optimizer: str | None = None
    optimizer_options: dict = dataclasses.field(default_factory=dict)
    max_qubits: int | None = None
    backend: str | None = None
    method: str | None = None
    noise: bool = False
    mitigation: dict | None = None
    options: dict = dataclasses.field(default_factory=dict)
    source: str | None = None

    def __post_init__(self):
        src = self.source
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(f"{_where(src, 'name')} must be a non-empty string, got {self.name!r}")
        set_ = object.__setattr__
        set_(self, "kind", _check_choice(self.kind, "kind", src, KINDS, allow_none=False))
        set_(self, "shots", _check_int(self.shots, "shots", src, minimum=1))
        set_(self, "seed", _check_int(self.seed, "seed", src, minimum=0, maximum=2**63 - 1))
        set_(self, "diff_method", _check_choice(self.diff_method, "diff_method", src, DIFF_METHODS))
        set_(self, "optimizer", _check_choice(self.optimizer, "optimizer", src, OPTIMIZERS))
        set_(self, "optimizer_options",
             _check_mapping(self.optimizer_options, "optimizer_options", src, allow_none=False))
        from qopt.config_checks import check_optimizer_options

        check_optimizer_options(self.optimizer_options, self.optimizer, src)  # unknown keys, NaN
        set_(self, "max_qubits", _check_int(self.max_qubits, "max_qubits", src, minimum=1))
        if self.backend is not None and not isinstance(self.backend, str):
            raise ConfigError(f"{_where(src, 'backend')} must be a backend name string, got {self.backend!r}")
        set_(self, "method", _check_choice(self.method, "method", src, _AER_METHODS))
        if not isinstance(self.noise, bool):
            raise ConfigError(f"{_where(src, 'noise')} must be true or false, got {self.noise!r}")
        set_(self, "mitigation", _check_mapping(self.mitigation, "mitigation", src))
        set_(self, "options", _check_mapping(self.options, "options", src, allow_none=False))
        if self.kind == "exact":
            from qopt.devices.exact.diagonal import MAX_QUBITS

            if self.max_qubits is not None and self.max_qubits > MAX_QUBITS:
                raise ConfigError(f"{_where(src, 'max_qubits')} = {self.max_qubits} exceeds the exact "
                                  f"simulator's limit of {MAX_QUBITS}")
            if self.diff_method not in (None, "adjoint", "best"):
                raise ConfigError(f"{_where(src, 'diff_method')}: the exact device computes gradients by "
                                  f"its own adjoint method; use adjoint or null, got {self.diff_method!r}")
        if self.noise and self.kind != "aer":
            raise ConfigError(f"{_where(src, 'noise')}: true needs kind: aer, got kind: {self.kind}")
        if self.noise and not self.backend:
            raise ConfigError(f"{_where(src, 'noise')}: true needs backend: the fake backend whose noise "
                              "model to use (e.g. FakeManilaV2)")
        if self.kind == "ibm" and not self.backend:
            raise ConfigError(f"{_where(src, 'backend')} is required for kind: ibm (e.g. ibm_torino or "
                              "FakeTorino)")
        if self.shots is None and (self.kind == "ibm" or self.noise):
            raise ConfigError(f"{_where(src, 'shots')} must be set for kind {self.kind!r}"
                              f"{' with noise' if self.noise else ''} (hardware and noisy runs sample)")
        if self.kind == "ibm":  # runtime options are known up front (unknown keys, NaN thresholds)
            from qopt.devices.ibm import check_options

            check_options(dict(self.options), src)
        if self.mitigation:
            from qopt.mitigation.config import parse_mitigation

            parse_mitigation(self.mitigation, source=src or "<dict>")  # unknown keys, bad values
        if self.diff_method in ("adjoint", "backprop") and self.shots is not None:
            raise ConfigError(f"{_where(src, 'diff_method')} = {self.diff_method} needs exact expectations "
                              f"but shots = {self.shots}; use parameter-shift or finite-diff")

    # ----------------------------------------------------------------- helpers
    @property
    def exact(self) -> bool:
        """True when circuits run on qopt's own exact simulator."""
        return self.kind == "exact"

    def capacity(self) -> int | None:
        """The widest circuit this device runs: ``max_qubits``, else the backend's size, else None."""
        if self.max_qubits is not None:
            return self.max_qubits
        if self.kind == "exact":
            from qopt.devices.exact.diagonal import MAX_QUBITS

            return MAX_QUBITS
        return None

    def check_width(self, n: int) -> None:
        """Raise :class:`~qopt.errors.DeviceCapacityError` if an ``n``-qubit circuit does not fit.

        Call before any work starts (building diagonals, transpiling, optimising).
        """
        cap = self.capacity()
        if cap is not None and n > cap:
            where = f" ({self.source})" if self.source else ""
            raise DeviceCapacityError(f"the circuit needs {n} qubits but device {self.name!r}{where} allows "
                                      f"at most {cap}; shrink the problem (--max-qubits {cap}) or pick a "
                                      "larger device")

    def resolved_diff_method(self, override: str | None = None, shots: int | None = None) -> str:
        """The gradient method actually used: ``override`` > config > automatic choice."""
        method = override or self.diff_method
        if override is None and shots is not None and method in ("adjoint", "backprop"):
            method = None  # the config's analytic method does not apply to a shot-based run
        if method in (None, "best"):
            if self.kind == "exact":
                return "adjoint"
            if shots is not None:
                return "parameter-shift"
            return "adjoint" if self.kind == "lightning" else (
                "backprop" if self.kind == "default" else "parameter-shift")
        if method not in DIFF_METHODS:
            raise ConfigError(f"diff_method must be one of {', '.join(DIFF_METHODS)}, got {method!r}")
        if method in ("adjoint", "backprop") and shots is not None:
            raise ConfigError(f"diff_method {method!r} needs exact expectations but shots = {shots}; "
                              "use parameter-shift or finite-diff")
        if self.kind == "exact" and method != "adjoint":
            raise ConfigError(f"device {self.name!r} (kind exact) computes gradients by the adjoint method; "
                              f"diff_method {method!r} needs a PennyLane device (lightning, aer)")
        return method

    def replace(self, **changes) -> "DeviceConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """A JSON-friendly dict of the fields."""
        return dataclasses.asdict(self)

    def fake_backend(self):
        """The qiskit-ibm-runtime fake backend named by ``backend`` (e.g. ``FakeManilaV2``)."""
        try:
            from qiskit_ibm_runtime import fake_provider
        except ImportError as err:
            from qopt.errors import MissingDependencyError

            raise MissingDependencyError("noisy Aer devices need qiskit-ibm-runtime: "
                                         "pip install 'qopt[ibm]'") from err
        cls = getattr(fake_provider, self.backend or "", None)
        if cls is None or not isinstance(cls, type):
            known = sorted(n for n in dir(fake_provider) if n.startswith("Fake") and n.endswith("V2"))
            raise ConfigError(f"{_where(self.source, 'backend')}: unknown fake backend {self.backend!r}; "
                              f"known: {', '.join(known[:12])}, ...")
        return cls()

    def pennylane_device(self, wires, shots: int | None = None, seed: int | None = None):
        """A PennyLane device for ``wires`` (an int or a sequence of labels).

        Shots are not set on the device (deprecated in PennyLane >= 0.43); wrap the QNode
        with :func:`qopt.devices.with_shots`. ``shots`` is used only for backends that need it at
        construction (IBM). For kind ``exact`` this returns ``lightning.qubit`` (qopt's own
        simulator is used through :mod:`qopt.devices.exact`, not as a PennyLane device).

        Raises:
            DeviceCapacityError: more wires than the device allows.
            MissingDependencyError: the plugin is not installed.
        """
        import pennylane as qml

        n = wires if isinstance(wires, int) else len(wires)
        self.check_width(n)
        seed = self.seed if seed is None else seed
        if self.kind in ("exact", "lightning"):
            return qml.device("lightning.qubit", wires=wires, seed=seed, **self.options)
        if self.kind == "default":
            return qml.device("default.qubit", wires=wires, seed=seed, **self.options)
        try:
            import pennylane_qiskit  # noqa: F401
        except ImportError as err:
            from qopt.errors import MissingDependencyError

            raise MissingDependencyError("Aer/IBM devices need pennylane-qiskit: pip install 'qopt[quantum]'") \
                from err
        kwargs = dict(self.options)
        if seed is not None:
            kwargs.setdefault("seed_simulator", seed)
            kwargs.setdefault("seed_transpiler", seed)
        if self.kind == "aer":
            if self.backend:
                fake = self.fake_backend()
                if n > fake.num_qubits:
                    raise DeviceCapacityError(f"the circuit needs {n} qubits but backend {self.backend} has "
                                              f"{fake.num_qubits}")
                kwargs["compile_backend"] = fake
                if self.noise:
                    from qiskit_aer.noise import NoiseModel

                    kwargs["noise_model"] = NoiseModel.from_backend(fake)
            dev = qml.device("qiskit.aer", wires=wires, method=self.method or "automatic", **kwargs)
            if self.backend:
                _route_on_compile(dev)
            return dev
        # kind == "ibm": the one connection path (token checks, messages) of qopt.devices.ibm
        from qopt.devices.ibm import connect

        backend, _ = connect(self)
        kwargs.pop("seed_simulator", None)
        return qml.device("qiskit.remote", wires=wires, backend=backend, shots=shots or self.shots, **kwargs)


def _route_on_compile(dev) -> None:
    """Let the transpiler route (insert SWAPs) for a coupling-map-limited backend.

    pennylane-qiskit transpiles with ``routing_method="none"`` (Qiskit issue 13144: elided final
    permutations would scramble statevector outputs), so any circuit whose two-qubit gates do not
    fit the coupling map fails. Sampling backends measure inside the circuit, so routing is safe
    there: the classical bits follow the logical qubits through every SWAP.
    """
    from qiskit import transpile

    inner = getattr(dev, "_device", dev)

    def compile():  # noqa: A001 - the method name pennylane-qiskit calls
        return transpile(inner._circuit, backend=inner.compile_backend or inner.backend, **inner.transpile_args)

    inner.compile = compile


# --------------------------------------------------------------------------- loading
_FIELDS = {f.name for f in dataclasses.fields(DeviceConfig)} - {"source"}


def _from_mapping(data: Any, source: str) -> DeviceConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a device config must be a YAML mapping, got {type(data).__name__}")
    unknown = sorted(set(map(str, data)) - _FIELDS)
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_FIELDS))}")
    data = dict(data)
    data.setdefault("name", Path(source).stem)
    for key in ("optimizer_options", "options"):
        if data.get(key) is None:
            data[key] = {}
    return DeviceConfig(source=source, **data)


def load_device(spec: Any = None) -> DeviceConfig:
    """A :class:`DeviceConfig` from ``spec``.

    Args:
        spec: None (the bundled ``exact`` config), a :class:`DeviceConfig` (returned as is), a mapping
            of fields, a YAML path, or a short name from :data:`SHORT_NAMES` (any name with a file
            ``<config_dir()>/<name>.yaml``, found by name from any working directory).

    Returns:
        The validated, frozen config.

    Raises:
        ConfigError: missing file or folder, unknown name, invalid or hostile YAML, unknown key, bad
            type or value (the message names the file and the key). A missing config is never
            replaced by a silent default.

    Examples:
        >>> load_device("exact").kind
        'exact'
    """
    from qopt._yaml import read_yaml

    if spec is None:
        from qopt.options import default_device

        spec = default_device()
    if isinstance(spec, DeviceConfig):
        return spec
    if isinstance(spec, dict):
        return _from_mapping(spec, "<dict>")
    if not isinstance(spec, (str, os.PathLike)):
        raise ConfigError(f"device must be None, a DeviceConfig, a YAML path or a short name, got {spec!r}")
    text = str(spec)
    path = Path(text)
    looks_like_path = text.endswith((".yaml", ".yml")) or os.sep in text or (os.altsep or os.sep) in text
    if not path.is_file():
        if looks_like_path:
            raise ConfigError(f"device config file {text!r} does not exist")
        folder = config_dir()
        short = folder / f"{text}.yaml"
        if not short.is_file():
            names = sorted(p.stem for p in folder.glob("*.yaml"))
            raise ConfigError(f"unknown device {text!r}: not a file and not one of {', '.join(names)} "
                              f"(in {folder})")
        path = short
    return _from_mapping(read_yaml(path, what="device config"), str(path))
