"""IBM Quantum access through qiskit-ibm-runtime primitives: token handling, cost check, job submission.

* :func:`connect`: the backend of a ``kind: ibm`` config. ``backend: Fake...`` is qiskit-ibm-runtime's
  *local testing mode* (a fake backend with its noise model, offline, the same primitives code
  path); any other name is a real device reached with the token from ``QISKIT_IBM_TOKEN`` or a saved
  account (``QiskitRuntimeService.save_account``). Tokens are never read from YAML and never
  printed, logged or written into results; a missing or rejected token is one :class:`ConfigError`.
* :class:`Submitter`: one SamplerV2 job per call (every circuit of an optimiser iteration, incl.
  parameter-shift and mitigation circuits, in one PUB list), inside a ``Batch`` or ``Session``;
  bounded retries with exponential backoff on transient errors; job ids recorded.
* :func:`check_cost`: prints ``circuits x shots x iterations`` on stderr before the first job and
  requires ``yes`` above ``confirm_above_shots``.

Runtime options read from the device file's ``options:`` mapping (all optional)::

    options:
      optimization_level: 2          # transpiler preset (ISA circuits)
      execution_mode: batch          # batch | session | job
      dynamical_decoupling: {enable: true, sequence_type: XpXm}
      twirling: {enable_gates: false, enable_measure: true, num_randomizations: auto}
      confirm_above_shots: 1000000   # cost threshold above which --yes is required
      max_retries: 3                 # transient-error retries per job (backoff 2 s, 4 s, 8 s...)
      retry_backoff_s: 2.0
      channel: ibm_quantum_platform  # QiskitRuntimeService channel
      instance: null                 # IBM Cloud CRN / instance name
      account: null                  # name of a saved account
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
import sys
import time
import warnings

from qopt.errors import ConfigError, SolverError

__all__ = ["connect", "Submitter", "check_cost", "RUNTIME_OPTIONS", "is_local", "token_present"]

logger = logging.getLogger(__name__)

#: Keys of a device file's ``options:`` understood by the Qiskit runner.
RUNTIME_OPTIONS = ("optimization_level", "execution_mode", "dynamical_decoupling", "twirling",
                   "confirm_above_shots", "max_retries", "retry_backoff_s", "channel", "instance", "account",
                   "seed_transpiler")
_MODES = ("batch", "session", "job")
_DEFAULT_THRESHOLD = 1_000_000


def check_options(options: dict, source: str | None = None) -> dict:
    """Validate the runner's keys of ``options`` (unknown keys are an error naming them)."""
    where = f"{source}: " if source else ""
    unknown = sorted(set(options) - set(RUNTIME_OPTIONS))
    if unknown:
        raise ConfigError(f"{where}options: unknown key(s) {', '.join(unknown)} for a Qiskit device; "
                          f"allowed: {', '.join(RUNTIME_OPTIONS)}")
    level = options.get("optimization_level", 1)
    if isinstance(level, bool) or level not in (0, 1, 2, 3):
        raise ConfigError(f"{where}options.optimization_level must be 0, 1, 2 or 3, got {level!r}")
    mode = options.get("execution_mode", "batch")
    if mode not in _MODES:
        raise ConfigError(f"{where}options.execution_mode must be one of {', '.join(_MODES)}, got {mode!r}")
    for key in ("dynamical_decoupling", "twirling"):
        if options.get(key) is not None and not isinstance(options[key], dict):
            raise ConfigError(f"{where}options.{key} must be a mapping of runtime options, got {options[key]!r}")
    thr = options.get("confirm_above_shots", _DEFAULT_THRESHOLD)
    if isinstance(thr, bool) or not isinstance(thr, (int, float)) or not (math.isfinite(thr) and thr >= 0):
        raise ConfigError(f"{where}options.confirm_above_shots must be a non-negative number, got {thr!r}")
    retries = options.get("max_retries", 3)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
        raise ConfigError(f"{where}options.max_retries must be an integer in [0, 10], got {retries!r}")
    return options


def is_local(config) -> bool:
    """True when the config runs offline (Aer, or a ``Fake*`` backend in local testing mode)."""
    return config.kind != "ibm" or (config.backend or "").startswith("Fake")


def _saved_accounts() -> dict:
    """Saved IBM accounts on disk (no network)."""
    from qiskit_ibm_runtime import QiskitRuntimeService

    try:
        return QiskitRuntimeService.saved_accounts()
    except Exception:  # an unreadable account file counts as none
        return {}


def token_present() -> bool:
    """A token is available: ``QISKIT_IBM_TOKEN`` or a saved account (checked without network)."""
    return bool(os.environ.get("QISKIT_IBM_TOKEN")) or bool(_saved_accounts())


def _scrub(text: str) -> str:
    token = os.environ.get("QISKIT_IBM_TOKEN")
    return text.replace(token, "***") if token else text


#: Seconds to open a connection to IBM Quantum (or the proxy) / to wait for its first byte.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0
_ENDPOINTS = {"ibm_quantum_platform": "https://quantum.cloud.ibm.com", "ibm_cloud": "https://cloud.ibm.com"}


@contextlib.contextmanager
def _quiet_runtime_logs():
    """qiskit-ibm-runtime logs WARNINGs on stderr while connecting ("Loading account with the given
    token..."); the CLI's contract is one error line, so they go to the debug log only."""
    log = logging.getLogger("qiskit_ibm_runtime")
    old = log.level
    log.setLevel(max(old, logging.ERROR) if not logging.getLogger("qopt").isEnabledFor(logging.DEBUG) else old)
    try:
        yield
    finally:
        log.setLevel(old)


def _network_cause(err: BaseException) -> str | None:
    """A one-line description when ``err`` (or an exception it wraps) is a network failure."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        name = type(err).__name__
        module = type(err).__module__ or ""
        if (module.startswith(("requests", "urllib3")) and name in (
                "ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout", "ProxyError", "SSLError",
                "NewConnectionError", "MaxRetryError", "NameResolutionError")) \
                or isinstance(err, (ConnectionError, TimeoutError, socket.gaierror)):
            text = _scrub(str(err)).splitlines()[0] if str(err) else name
            return f"{name}: {text[:200]}"
        err = err.__cause__ or err.__context__
    return None


def check_reachable(channel: str = "ibm_quantum_platform", *, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)) -> None:
    """Raise a :class:`ConfigError` naming the network problem when IBM Quantum cannot be reached
    within ``timeout`` seconds (connect, read; proxies from the environment are honoured).

    Any HTTP answer, even an error status, counts as reachable: only the network is tested here,
    never the token (which is not sent).
    """
    import requests

    url = _ENDPOINTS.get(channel, _ENDPOINTS["ibm_quantum_platform"])
    try:
        requests.head(url, timeout=timeout, allow_redirects=False)
    except requests.exceptions.RequestException as err:
        why = _network_cause(err) or f"{type(err).__name__}: {_scrub(str(err)).splitlines()[0][:200]}"
        raise ConfigError(f"cannot reach IBM Quantum at {url} within {timeout[0]:g}+{timeout[1]:g} s "
                          f"(network error; no request reached IBM, the token was not checked): {why}") from None


def connect(config):
    """The backend object of ``config`` (a fake backend, an Aer simulator or an IBM backend).

    Raises:
        ConfigError: no token (env or saved account) for a real backend, a rejected token, or an
            unknown backend name; the message never contains the token.
    """
    if config.kind == "aer":
        from qiskit_aer import AerSimulator

        if config.backend:
            fake = config.fake_backend()
            if config.noise:
                return AerSimulator.from_backend(fake), fake
            return AerSimulator(), fake
        return AerSimulator(), None
    if is_local(config):
        fake = config.fake_backend()
        return fake, fake
    options = config.options
    token = os.environ.get("QISKIT_IBM_TOKEN")
    if not token and not _saved_accounts():
        raise ConfigError(f"device {config.name!r} runs on IBM Quantum hardware ({config.backend}) and needs an "
                          "API token: set QISKIT_IBM_TOKEN or save an account with "
                          "QiskitRuntimeService.save_account(...); none was found (tokens are never read "
                          "from YAML). For an offline run use --device ibm_fake")
    from qiskit_ibm_runtime import QiskitRuntimeService
    from qiskit_ibm_runtime.exceptions import IBMNotAuthorizedError

    kwargs = {"channel": options.get("channel", "ibm_quantum_platform")}
    if options.get("instance"):
        kwargs["instance"] = options["instance"]
    check_reachable(kwargs["channel"])  # a network error is not a rejected token
    try:
        with _quiet_runtime_logs():
            if token:
                service = QiskitRuntimeService(token=token, **kwargs)
            else:
                service = QiskitRuntimeService(name=options.get("account"), **kwargs) if options.get("account") \
                    else QiskitRuntimeService(**kwargs)
    except Exception as err:  # network / account errors: one clear line, token scrubbed
        network = _network_cause(err)
        if network is not None:
            raise ConfigError(f"cannot reach IBM Quantum (network error, the token was not checked): "
                              f"{network}") from None
        if isinstance(err, IBMNotAuthorizedError):
            raise ConfigError("IBM Quantum rejected the API token (QISKIT_IBM_TOKEN or the saved account); "
                              "check it at quantum.cloud.ibm.com") from None
        msg = _scrub(str(err)).splitlines()[0] if str(err) else type(err).__name__
        if "401" in msg or "nauthori" in msg or "token" in msg.lower():
            raise ConfigError("IBM Quantum rejected the API token (QISKIT_IBM_TOKEN or the saved account): "
                              f"{msg}") from None
        raise ConfigError(f"cannot connect to IBM Quantum: {msg}") from None
    try:
        backend = service.backend(config.backend)
    except Exception as err:
        raise ConfigError(f"IBM Quantum backend {config.backend!r} is not available to this account: "
                          f"{_scrub(str(err)).splitlines()[0] if str(err) else type(err).__name__}") from None
    return backend, backend


def check_cost(config, *, circuits: int, shots: int, iterations: int, yes: bool | None,
               stream=None) -> int:
    """Print the cost estimate on stderr; raise unless ``yes`` when it exceeds the threshold.

    Returns:
        The estimated total number of shots, ``circuits * shots * iterations``.

    Raises:
        ConfigError: above ``options.confirm_above_shots`` without ``yes``.
    """
    total = int(circuits) * int(shots) * int(iterations)
    threshold = config.options.get("confirm_above_shots", _DEFAULT_THRESHOLD)
    where = "local testing mode" if is_local(config) else "IBM Quantum"
    if stream is not None or logging.getLogger("qopt").isEnabledFor(logging.WARNING):  # -q: errors only
        print(f"qopt: cost estimate on {config.backend} ({where}): {circuits} circuits x {shots} shots x "
              f"{iterations} iterations = {total:,} shots", file=stream or sys.stderr)
    if total > threshold and not yes:
        raise ConfigError(f"the run on {config.backend} would execute about {total:,} shots, above "
                          f"confirm_above_shots = {threshold:,} of device {config.name!r}; rerun with --yes "
                          "(solver option yes=True) to submit, or lower --maxiter/--shots")
    return total


def _transient(err: Exception) -> bool:
    """Errors worth retrying: network, timeouts, queue/server hiccups (not auth or bad input)."""
    from qiskit_ibm_runtime.exceptions import IBMNotAuthorizedError

    if isinstance(err, (IBMNotAuthorizedError, ValueError, TypeError, ConfigError)):
        return False
    name = type(err).__name__
    text = str(err).lower()
    return (isinstance(err, (ConnectionError, TimeoutError, OSError)) or "timeout" in name.lower()
            or name in ("RequestsApiError", "IBMRuntimeError", "RuntimeJobTimeoutError", "ApiError")
            or any(w in text for w in ("timed out", "temporar", "unavailable", "503", "502", "429")))


class Submitter:
    """Runs PUB lists as SamplerV2 jobs in a Batch/Session (or directly on a local backend).

    Args:
        config: the :class:`~qopt.devices.DeviceConfig`.
        backend: the execution target from :func:`connect`.
        shots: default shots per circuit.
        rng: numpy Generator for per-job simulator seeds (local modes).
        sleep: the backoff sleep function (tests pass a no-op).
    """

    def __init__(self, config, backend, *, shots: int, rng, sleep=time.sleep):
        self.config = config
        self.backend = backend
        self.shots = int(shots)
        self.rng = rng
        self.sleep = sleep
        self.job_ids: list[str] = []
        self.retries = 0
        self._mode = None
        self._sampler = None
        opts = config.options
        self.max_retries = int(opts.get("max_retries", 3))
        self.backoff_s = float(opts.get("retry_backoff_s", 2.0))
        self.execution_mode = opts.get("execution_mode", "batch") if config.kind == "ibm" else "job"

    def _make_sampler(self):
        from qiskit_ibm_runtime import Batch, SamplerV2, Session

        if self.execution_mode == "batch":
            self._mode = Batch(backend=self.backend)
        elif self.execution_mode == "session":
            self._mode = Session(backend=self.backend)
        sampler = SamplerV2(mode=self._mode if self._mode is not None else self.backend)
        sampler.options.default_shots = self.shots
        opts = self.config.options
        if self.config.kind == "ibm" and not is_local(self.config):
            for key in ("dynamical_decoupling", "twirling"):
                for k, v in (opts.get(key) or {}).items():
                    setattr(getattr(sampler.options, key), k, v)
        return sampler

    def run(self, pubs):
        """Submit ``pubs`` as one job; return its ``PrimitiveResult`` (retrying transient errors)."""
        if self._sampler is None:
            self._sampler = self._make_sampler()
        attempt = 0
        while True:
            try:
                if is_local(self.config):
                    self._sampler.options.simulator.seed_simulator = int(self.rng.integers(1, 2**31 - 1))
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=".*no effect in local testing mode.*")
                    job = self._sampler.run(pubs)
                    job_id = job.job_id()
                    logger.debug("submitted job %s (%d pubs)", job_id, len(pubs))
                    result = job.result()
                self.job_ids.append(str(job_id))
                return result
            except Exception as err:
                if attempt >= self.max_retries or not _transient(err):
                    raise SolverError(f"job on {self.config.backend} failed: "
                                      f"{_scrub(str(err)).splitlines()[0] if str(err) else type(err).__name__}"
                                      f"{f' (after {attempt} retries)' if attempt else ''}") from None
                delay = self.backoff_s * 2 ** attempt
                attempt += 1
                self.retries += 1
                logger.warning("transient error on %s (%s); retry %d/%d in %.1f s", self.config.backend,
                               type(err).__name__, attempt, self.max_retries, delay)
                self.sleep(delay)

    def skip(self) -> None:
        """Advance the local simulator's seed stream by one job (a job replayed from a journal), so
        the jobs after it get the seeds they had in the run that wrote the journal."""
        if is_local(self.config):
            self.rng.integers(1, 2**31 - 1)

    def close(self) -> None:
        """Close the Batch/Session (no-op in local mode)."""
        if self._mode is not None:
            try:
                self._mode.close()
            except Exception:  # closing is best effort
                logger.debug("closing the runtime mode failed", exc_info=True)
            self._mode = None
