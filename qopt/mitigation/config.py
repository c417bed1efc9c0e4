"""The ``mitigation:`` block of a device file (or ``--mitigation`` on the CLI) -> :class:`MitigationConfig`.

Accepted forms::

    mitigation: zne                      # one technique with its defaults
    mitigation: zne,readout              # several (CLI: --mitigation zne,readout)
    mitigation:                          # a mapping technique -> options (true/null = defaults)
      zne: {scale_factors: [1, 3, 5], factory: richardson, folding: global, seed: 7}
      readout: true                      # tensored confusion-matrix inversion (2 calibration circuits/job)
      ddd: {rule: xx}                    # Mitiq digital dynamical decoupling: xx | yy | xyxy
      cdr: {num_training_circuits: 10, fraction_non_clifford: 0.5, seed: 7}
      pec: {num_samples: 200, noise_scale: 1.0, seed: 7}   # probabilistic error cancellation

Aliases: ``rem`` = ``readout``, ``dd`` = ``ddd``; ``none`` / ``off`` / false = no mitigation.
Every unknown technique or option is a :class:`~qopt.errors.ConfigError` naming it and listing the
allowed ones.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from qopt.errors import ConfigError

__all__ = ["MitigationConfig", "ZNEOptions", "CDROptions", "PECOptions", "parse_mitigation", "TECHNIQUES", "FACTORIES",
           "FOLDINGS", "DDD_RULES"]

#: Techniques (canonical names).
TECHNIQUES = ("zne", "readout", "ddd", "cdr", "pec")
#: ZNE extrapolation factories (Mitiq): richardson, linear, poly (needs ``order``), exp.
FACTORIES = ("richardson", "linear", "poly", "exp")
#: Unitary folding methods: global (G G^dag G on the whole circuit), local (gates at random,
#: seeded), all (every gate).
FOLDINGS = ("global", "local", "all")
#: Mitiq DDD rules.
DDD_RULES = ("xx", "yy", "xyxy")
_ALIASES = {"rem": "readout", "dd": "ddd", "zne": "zne", "readout": "readout", "ddd": "ddd", "cdr": "cdr",
            "pec": "pec"}
_OFF = ("none", "off", "false", "")


@dataclasses.dataclass(frozen=True)
class ZNEOptions:
    """Zero-noise extrapolation settings.

    Attributes:
        scale_factors: noise scale factors lambda >= 1, at least two, distinct (default 1, 3, 5:
            odd integers fold exactly with global folding).
        factory: one of :data:`FACTORIES`.
        order: polynomial order of ``poly`` (< number of scale factors).
        folding: one of :data:`FOLDINGS`.
        seed: seed of ``local`` folding (gates chosen at random).
    """

    scale_factors: tuple[float, ...] = (1.0, 3.0, 5.0)
    factory: str = "richardson"
    order: int = 2
    folding: str = "global"
    seed: int | None = 7


@dataclasses.dataclass(frozen=True)
class CDROptions:
    """Clifford data regression settings (Czarnik et al., Quantum 5, 592 (2021)).

    Attributes:
        num_training_circuits: near-Clifford training circuits per evaluation.
        fraction_non_clifford: fraction of RZ gates kept non-Clifford in each training circuit.
            Default 0.5, not Mitiq's 0.1: a p = 1 QAOA circuit on 4-6 qubits has only a dozen
            non-Clifford rotations, and at 0.1 every training circuit of a ring had the same ideal
            value (no fit possible). qopt simulates training circuits as state vectors, so keeping
            more rotations costs nothing classically; on rings of 4 and 6 and a 3-regular 6-graph
            0.5 left 0.01-0.08 of error, 0.3 0.02-0.12 (FakePerth / FakeManilaV2, 2000-8000 shots).
        seed: seed of the training-circuit choice.
    """

    num_training_circuits: int = 10
    fraction_non_clifford: float = 0.5
    seed: int | None = 7


@dataclasses.dataclass(frozen=True)
class PECOptions:
    """Probabilistic error cancellation settings (Temme, Bravyi, Gambetta, PRL 119, 180509 (2017)).

    Attributes:
        num_samples: circuits sampled from the quasi-probability representation per evaluation
            (each run with the device's shots). The estimate's spread grows with the one-norm
            gamma of the representation as gamma / sqrt(num_samples * shots).
        noise_scale: factor on the backend's reported gate errors used in the representations
            (1 = trust the calibration data).
        seed: seed of the sampling stream (one stream per run: successive evaluations differ).
    """

    num_samples: int = 200
    noise_scale: float = 1.0
    seed: int | None = 7


@dataclasses.dataclass(frozen=True)
class MitigationConfig:
    """Which techniques run, with their options (None = off)."""

    zne: ZNEOptions | None = None
    readout: bool = False
    ddd: str | None = None
    cdr: CDROptions | None = None
    pec: PECOptions | None = None

    @property
    def techniques(self) -> tuple[str, ...]:
        """Enabled techniques in application order."""
        out = []
        if self.readout:
            out.append("readout")
        if self.ddd:
            out.append("ddd")
        if self.zne:
            out.append("zne")
        if self.cdr:
            out.append("cdr")
        if self.pec:
            out.append("pec")
        return tuple(out)

    def to_dict(self) -> dict:
        """JSON-friendly form (recorded in results)."""
        return {"zne": dataclasses.asdict(self.zne) if self.zne else None, "readout": self.readout,
                "ddd": self.ddd, "cdr": dataclasses.asdict(self.cdr) if self.cdr else None,
                "pec": dataclasses.asdict(self.pec) if self.pec else None}


def _options(value, technique: str, where: str) -> dict:
    if value is None or value is True:
        return {}
    if isinstance(value, dict):
        return dict(value)
    raise ConfigError(f"{where}mitigation.{technique} must be a mapping of options, true or null, got {value!r}")


def _check_keys(opts: dict, allowed: tuple[str, ...], technique: str, where: str) -> None:
    unknown = sorted(set(map(str, opts)) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}mitigation.{technique}: unknown option(s) {', '.join(unknown)}; "
                          f"allowed: {', '.join(allowed)}")


def _seed(value, key, where):
    from qopt._random import MAX_SEED  # the one seed range

    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise ConfigError(f"{where}{key} must be a non-negative integer (at most 2**63 - 1) or null, got {value!r}")
    return int(value)


def _zne(opts: dict, where: str) -> ZNEOptions:
    _check_keys(opts, ("scale_factors", "factory", "order", "folding", "seed"), "zne", where)
    d = ZNEOptions()
    sf = opts.get("scale_factors", d.scale_factors)
    if not isinstance(sf, (list, tuple)) or len(sf) < 2 or not all(
            isinstance(s, (int, float)) and not isinstance(s, bool) for s in sf):
        raise ConfigError(f"{where}mitigation.zne.scale_factors must be a list of at least two numbers, got {sf!r}")
    sf = tuple(float(s) for s in sf)
    if min(sf) < 1.0 or len(set(sf)) != len(sf):
        raise ConfigError(f"{where}mitigation.zne.scale_factors must be distinct and >= 1, got {list(sf)}")
    factory = opts.get("factory", d.factory)
    if not isinstance(factory, str) or factory.lower() not in FACTORIES:
        raise ConfigError(f"{where}mitigation.zne.factory must be one of {', '.join(FACTORIES)}, got {factory!r}")
    order = _integer(opts, "order", d.order, 1, "zne", where)
    if factory.lower() == "poly" and order >= len(sf):
        raise ConfigError(f"{where}mitigation.zne.order = {order} needs more than {order} scale factors, "
                          f"got {len(sf)}")
    folding = opts.get("folding", d.folding)
    if not isinstance(folding, str) or folding.lower() not in FOLDINGS:
        raise ConfigError(f"{where}mitigation.zne.folding must be one of {', '.join(FOLDINGS)}, got {folding!r}")
    return ZNEOptions(scale_factors=sf, factory=factory.lower(), order=order, folding=folding.lower(),
                      seed=_seed(opts.get("seed", d.seed), "mitigation.zne.seed", where))


def _integer(opts: dict, key: str, default: int, low: int, technique: str, where: str) -> int:
    v = opts.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise ConfigError(f"{where}mitigation.{technique}.{key} must be an integer >= {low}, got {v!r}")
    return int(v)


def _number(opts: dict, key: str, default: float, low: float, high: float, technique: str, where: str, *,
            open_low: bool = False) -> float:
    v = opts.get(key, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not (
            (low < v if open_low else low <= v) and v <= high):
        raise ConfigError(f"{where}mitigation.{technique}.{key} must be in {'(' if open_low else '['}{low:g}, "
                          f"{high:g}], got {v!r}")
    return float(v)


def _cdr(opts: dict, where: str) -> CDROptions:
    _check_keys(opts, ("num_training_circuits", "fraction_non_clifford", "seed"), "cdr", where)
    d = CDROptions()
    return CDROptions(
        num_training_circuits=_integer(opts, "num_training_circuits", d.num_training_circuits, 2, "cdr", where),
        fraction_non_clifford=_number(opts, "fraction_non_clifford", d.fraction_non_clifford, 0.0, 1.0, "cdr",
                                      where),
        seed=_seed(opts.get("seed", d.seed), "mitigation.cdr.seed", where))


def _pec(opts: dict, where: str) -> PECOptions:
    _check_keys(opts, ("num_samples", "noise_scale", "seed"), "pec", where)
    d = PECOptions()
    return PECOptions(num_samples=_integer(opts, "num_samples", d.num_samples, 1, "pec", where),
                      noise_scale=_number(opts, "noise_scale", d.noise_scale, 0.0, 10.0, "pec", where, open_low=True),
                      seed=_seed(opts.get("seed", d.seed), "mitigation.pec.seed", where))


def parse_mitigation(spec: Any, *, base: Any = None, source: str | None = None) -> MitigationConfig | None:
    """A validated :class:`MitigationConfig` from a device block or a CLI string.

    Args:
        spec: None/false/"none" (off), a technique name or comma list ("zne,readout"), a list of
            names, a mapping technique -> options, or a :class:`MitigationConfig`.
        base: the device file's block; techniques named by a string ``spec`` take their options
            from it (so ``--mitigation zne`` keeps the file's scale factors).
        source: file name for messages.

    Returns:
        The config, or None when no technique is enabled.

    Raises:
        ConfigError: unknown technique or option, bad value (the message names it).

    Examples:
        >>> parse_mitigation("zne").zne.factory
        'richardson'
        >>> parse_mitigation(None) is None
        True
    """
    where = f"{source}: " if source else ""
    if isinstance(spec, MitigationConfig):
        return spec if spec.techniques else None
    if spec is None or spec is False:
        return None
    if isinstance(spec, str):
        names = [s.strip().lower() for s in spec.split(",")]
        if all(s in _OFF for s in names):
            return None
        spec = list(names)
    if isinstance(spec, (list, tuple)):
        base_map = base if isinstance(base, dict) else {}
        base_map = {_ALIASES.get(str(k).lower(), str(k).lower()): v for k, v in base_map.items()}
        mapping = {}
        for name in spec:
            if not isinstance(name, str) or name.lower() not in _ALIASES:
                raise ConfigError(f"{where}unknown mitigation {name!r}; choose from "
                                  f"{', '.join(TECHNIQUES)} (aliases rem, dd) or none")
            canon = _ALIASES[name.lower()]
            value = base_map.get(canon)
            mapping[canon] = value if isinstance(value, dict) else True
        spec = mapping
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}mitigation must be a mapping, a technique name or null, got {spec!r}")
    zne = cdr = ddd = pec = None
    readout = False
    for key, value in spec.items():
        name = _ALIASES.get(str(key).lower())
        if name is None:
            raise ConfigError(f"{where}mitigation: unknown technique {key!r}; allowed: "
                              f"{', '.join(TECHNIQUES)} (aliases rem, dd)")
        if value is False:
            continue
        opts = _options(value, name, where)
        if name == "zne":
            zne = _zne(opts, where)
        elif name == "cdr":
            cdr = _cdr(opts, where)
        elif name == "pec":
            pec = _pec(opts, where)
        elif name == "readout":
            _check_keys(opts, (), "readout", where)
            readout = True
        else:
            _check_keys(opts, ("rule",), "ddd", where)
            rule = opts.get("rule", "xx")
            if not isinstance(rule, str) or rule.lower() not in DDD_RULES:
                raise ConfigError(f"{where}mitigation.ddd.rule must be one of {', '.join(DDD_RULES)}, got {rule!r}")
            ddd = rule.lower()
    if zne and cdr:
        raise ConfigError(f"{where}mitigation: zne and cdr together are not supported (CDR already fits "
                          "the noise); pick one")
    if pec and (zne or cdr):
        raise ConfigError(f"{where}mitigation: pec cannot be combined with {'zne' if zne else 'cdr'} "
                          "(each estimates the noiseless value on its own); pick one")
    cfg = MitigationConfig(zne=zne, readout=readout, ddd=ddd, cdr=cdr, pec=pec)
    return cfg if cfg.techniques else None
