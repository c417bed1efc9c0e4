"""Classical optimizers for variational circuits, one interface for all of them.

:func:`minimize` runs

* scipy's ``COBYLA``, ``Nelder-Mead`` (gradient-free) and ``L-BFGS-B`` (needs a gradient);
* PennyLane's ``AdamOptimizer`` (``"adam"``) and ``GradientDescentOptimizer`` (``"gd"``),
  stepped with :meth:`apply_grad` on the gradient the caller supplies;
* SPSA (``"spsa"``, Spall 1998), implemented here with an explicit seed and the
  step-size calibration of Kandala et al. 2017 (the recipe of qiskit-algorithms' ``SPSA``),
  two objective evaluations per iteration whatever the number of parameters.

Every run records the objective per iteration (``trace``), the counts of objective and
gradient evaluations, and shows a progress bar of iterations on stderr when stderr is a TTY.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import warnings
from collections.abc import Callable

import numpy as np

from qopt.errors import ConfigError, ConvergenceWarning

__all__ = ["minimize", "OptimizationResult", "OPTIMIZERS", "GRADIENT_OPTIMIZERS", "normalise_optimizer", "spsa"]

logger = logging.getLogger(__name__)

#: The optimizer names :func:`minimize` understands (the one table; device configs check against it).
OPTIMIZERS = ("cobyla", "l-bfgs-b", "nelder-mead", "adam", "gd", "spsa")
#: Optimizers that need a gradient function.
GRADIENT_OPTIMIZERS = ("l-bfgs-b", "adam", "gd")

_ALIASES = {"lbfgsb": "l-bfgs-b", "l_bfgs_b": "l-bfgs-b", "neldermead": "nelder-mead",
            "nelder_mead": "nelder-mead", "gradient-descent": "gd", "gradientdescent": "gd", "sgd": "gd"}


@dataclasses.dataclass
class OptimizationResult:
    """Outcome of :func:`minimize`.

    Attributes:
        x: shape (k,), the best parameters seen.
        fun: objective at ``x``.
        trace: objective per iteration (for SPSA and the PennyLane optimizers the value at the
            iterate before the step; for scipy the value scipy reports per iteration).
        nit: iterations done.
        nfev: objective evaluations (each may be several circuit executions, see the solver).
        ngev: gradient evaluations.
        optimizer: name used.
        message: the optimizer's stop message.
        interrupted: True when Ctrl-C stopped the run (``x`` is then the best point so far).
    """

    x: np.ndarray
    fun: float
    trace: list[float]
    nit: int
    nfev: int
    ngev: int
    optimizer: str
    message: str = ""
    interrupted: bool = False


def _progress(total: int, desc: str, progress: bool | None):
    """A rich progress bar on stderr (None: on when stderr is a TTY), or a no-op."""
    if progress is None:  # on for a terminal, off under `qopt -q` (root logger at ERROR)
        progress = sys.stderr.isatty() and logging.getLogger().getEffectiveLevel() < logging.ERROR
    if not progress:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[value]}"), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True)
    bar.start()
    bar.add_task(desc or "optimizing", total=total, value="")
    return bar


def normalise_optimizer(name: str) -> str:
    """The canonical name of optimizer ``name`` (aliases such as ``lbfgs`` accepted).

    Raises:
        ConfigError: an unknown name (the message lists the known ones).
    """
    key = str(name).lower().strip()
    key = _ALIASES.get(key.replace(" ", ""), key)
    if key not in OPTIMIZERS:
        raise ConfigError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    return key


def minimize(objective: Callable[[np.ndarray], float], x0, *, optimizer: str = "cobyla",
             gradient: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
             maxiter: int = 100, options: dict | None = None, seed=None,
             progress: bool | None = None, desc: str = "") -> OptimizationResult:
    """Minimise ``objective`` from ``x0``.

    Args:
        objective: ``f(x) -> float`` for ``x`` of shape (k,).
        x0: shape (k,), initial parameters (radians for circuits).
        optimizer: one of :data:`OPTIMIZERS`.
        gradient: ``g(x) -> (f(x), df/dx of shape (k,))``; required by ``l-bfgs-b``, ``adam``, ``gd``.
        maxiter: iteration budget (scipy ``maxiter``; steps for adam/gd/spsa).
        options: optimizer options: scipy options (``rhobeg``, ``tol``...), ``stepsize`` for
            adam/gd (defaults 0.05 / 0.02), ``a``, ``c``, ``A``, ``alpha``, ``gamma``,
            ``resamplings`` for SPSA.
        seed: int or Generator (SPSA perturbations).
        progress: show a progress bar on stderr (None: only when stderr is a TTY).
        desc: progress-bar label.

    Returns:
        :class:`OptimizationResult` with the best point seen.

    Raises:
        ValueError: unknown optimizer, bad ``maxiter``, or a gradient optimizer without ``gradient``.
    """
    name = normalise_optimizer(optimizer)
    if isinstance(maxiter, bool) or int(maxiter) != maxiter or maxiter < 1:
        raise ValueError(f"maxiter must be a positive integer, got {maxiter!r}")
    maxiter = int(maxiter)
    if name in GRADIENT_OPTIMIZERS and gradient is None:
        raise ValueError(f"optimizer {name!r} needs gradients; use cobyla, nelder-mead or spsa here")
    x0 = np.asarray(x0, dtype=np.float64).ravel().copy()
    opts = dict(options or {})
    counts = {"nfev": 0, "ngev": 0}
    best = {"x": x0.copy(), "fun": np.inf}

    def f(x):
        v = float(objective(np.asarray(x, dtype=np.float64)))
        counts["nfev"] += 1
        if v < best["fun"]:
            best["fun"], best["x"] = v, np.array(x, dtype=np.float64)
        return v

    def fg(x):
        v, g = gradient(np.asarray(x, dtype=np.float64))
        v = float(v)
        counts["ngev"] += 1
        if v < best["fun"]:
            best["fun"], best["x"] = v, np.array(x, dtype=np.float64)
        return v, np.asarray(g, dtype=np.float64).ravel()

    trace: list[float] = []
    bar = _progress(maxiter, desc or name, progress)

    def tick(value: float):
        trace.append(float(value))
        logger.debug("%s iteration %d: %.6g", name, len(trace), value)
        if bar is not None:
            bar.update(bar.task_ids[0], advance=1, value=f"{value:.6g}")

    message, interrupted = "", False
    try:
        if name in ("cobyla", "nelder-mead", "l-bfgs-b"):
            message = _scipy(name, f, fg, x0, maxiter, opts, tick)
        elif name in ("adam", "gd"):
            message = _pennylane(name, fg, x0, maxiter, opts, tick)
        else:
            message = _spsa(f, x0, maxiter, opts, seed, tick)
    except KeyboardInterrupt:  # Ctrl-C: keep the best point so far; the solver finishes with it
        if not np.isfinite(best["fun"]):
            raise
        message = f"interrupted (Ctrl-C) after {len(trace)} iterations: best point so far"
        interrupted = True
        logger.warning("interrupted: finishing with the best parameters after %d iterations "
                       "(Ctrl-C again to abort)", len(trace))
    finally:
        if bar is not None:
            bar.stop()
    return OptimizationResult(x=best["x"], fun=float(best["fun"]), trace=trace, nit=len(trace),
                              nfev=counts["nfev"], ngev=counts["ngev"], optimizer=name, message=message,
                              interrupted=interrupted)


def _scipy(name, f, fg, x0, maxiter, opts, tick) -> str:
    from scipy.optimize import minimize as sp_minimize

    def callback(intermediate_result):
        tick(float(intermediate_result.fun))

    method = {"cobyla": "COBYLA", "nelder-mead": "Nelder-Mead", "l-bfgs-b": "L-BFGS-B"}[name]
    sp_opts = {"maxiter": maxiter}
    if name == "cobyla":
        sp_opts["rhobeg"] = 0.4  # the authors' setting (algorithms.md 4.1)
    sp_opts.update(opts)
    tol = sp_opts.pop("tol", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if name == "l-bfgs-b":
            res = sp_minimize(fg, x0, jac=True, method=method, options=sp_opts, tol=tol, callback=callback)
        else:
            res = sp_minimize(f, x0, method=method, options=sp_opts, tol=tol, callback=callback)
    if not res.success and "maximum" in str(res.message).lower():
        logger.info("%s stopped at maxiter=%d: %s", method, maxiter, res.message)
    return str(res.message)


def _pennylane(name, fg, x0, maxiter, opts, tick) -> str:
    import pennylane as qml
    from pennylane import numpy as pnp

    stepsize = float(opts.pop("stepsize", 0.05 if name == "adam" else 0.02))
    if name == "adam":
        opt = qml.AdamOptimizer(stepsize=stepsize, **opts)
    else:
        opt = qml.GradientDescentOptimizer(stepsize=stepsize, **opts)
    x = pnp.array(x0, requires_grad=True)
    for _ in range(maxiter):
        v, g = fg(np.asarray(x))
        tick(v)
        x = opt.apply_grad((g,), (x,))[0]
        x = pnp.array(np.asarray(x), requires_grad=True)
    fg(np.asarray(x))  # score the last iterate so the best point includes it
    return f"{maxiter} steps of {type(opt).__name__}(stepsize={stepsize})"


def spsa(f, x0, *, maxiter: int = 100, seed=None, a: float | None = None, c: float = 0.15,
         A: float | None = None, alpha: float = 0.602, gamma: float = 0.101, resamplings: int = 1,
         target_step: float = 0.2 * np.pi, callback=None) -> np.ndarray:
    """Simultaneous-perturbation stochastic approximation (Spall 1998).

    ``x_{k+1} = x_k - a_k g_k`` with ``g_k = (f(x+c_k D) - f(x-c_k D)) / (2 c_k) D`` for a random
    +-1 vector ``D``; ``a_k = a / (k+1+A)^alpha``, ``c_k = c / (k+1)^gamma``. If ``a`` is None it
    is calibrated so the first step has size ``target_step`` (mean over 5 perturbations; the
    Kandala et al. 2017 recipe). Costs ``2 * resamplings`` evaluations per iteration.

    Args:
        f: objective, x of shape (k,) -> float.
        x0: shape (k,), start.
        maxiter: iterations.
        seed: int or Generator for the perturbations.
        callback: called as ``callback(k, x, value_estimate)`` per iteration.

    Returns:
        shape (k,), the last iterate.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    x = np.asarray(x0, dtype=np.float64).copy()
    k_dim = x.size
    A = 0.1 * maxiter if A is None else A
    if a is None:
        mags = []
        for _ in range(5):
            d = rng.choice([-1.0, 1.0], size=k_dim)
            mags.append(abs(f(x + c * d) - f(x - c * d)) / (2 * c))
        mean = float(np.mean(mags))
        a = target_step * (A + 1) ** alpha / (mean if mean > 1e-12 else 1.0)
    for k in range(maxiter):
        ak = a / (k + 1 + A) ** alpha
        ck = c / (k + 1) ** gamma
        g = np.zeros(k_dim)
        vals = []
        for _ in range(resamplings):
            d = rng.choice([-1.0, 1.0], size=k_dim)
            fp, fm = f(x + ck * d), f(x - ck * d)
            vals.extend((fp, fm))
            g += (fp - fm) / (2 * ck) * d
        g /= resamplings
        x = x - ak * g
        if callback is not None:
            callback(k, x, float(np.mean(vals)))
    return x


def _spsa(f, x0, maxiter, opts, seed, tick) -> str:
    unknown = set(opts) - {"a", "c", "A", "alpha", "gamma", "resamplings", "target_step"}
    if unknown:
        raise ValueError(f"unknown SPSA option(s) {', '.join(sorted(unknown))}; "
                         "allowed: a, c, A, alpha, gamma, resamplings, target_step")
    x = spsa(f, x0, maxiter=maxiter, seed=seed, callback=lambda k, x, v: tick(v), **opts)
    f(x)  # score the final iterate
    if maxiter < 50:
        warnings.warn(f"SPSA with maxiter={maxiter} rarely converges; consider --maxiter >= 100",
                      ConvergenceWarning, stacklevel=3)
    return f"{maxiter} SPSA iterations"
