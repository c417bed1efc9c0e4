"""Seeds: one rule for every random choice in qopt (no global RNG state).

* :func:`resolve_seed` is the *recorded seed* rule: whatever a caller passes (an int, a numpy
  ``Generator`` or None), a run turns it into ONE int first, drives all of its randomness from
  that int, and records it in ``Result.seed``, so passing the recorded value back reproduces the
  run. A Generator gives one draw; None gives fresh entropy.
* :func:`as_generator` is the one seed -> ``numpy.random.Generator`` rule (a Generator passes
  through unchanged, so helpers can share a stream).
* :func:`child_seeds` gives independent Generators per named stage (``Generator.spawn``), so adding
  a stage shifts no other stage's stream.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_SEED", "seed_int", "check_seed", "resolve_seed", "as_generator", "child_seeds", "child_int"]

#: Largest seed accepted anywhere (config files, CLI, Python): seeds are recorded in JSON and
#: SQLite, whose integers are 64-bit signed.
MAX_SEED = 2**63 - 1


def check_seed(seed, *, what: str = "seed") -> int | None:
    """``seed`` as an int in ``[0, MAX_SEED]`` (None stays None).

    Raises:
        ConfigError: anything else (negative or too large ints, bools, floats, strings).
    """
    if seed is None:
        return None
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and 0 <= int(seed) <= MAX_SEED:
        return int(seed)
    from qopt.errors import ConfigError

    raise ConfigError(f"{what} must be an integer in [0, 2**63 - 1], a numpy Generator or None, got {seed!r}")


def resolve_seed(seed) -> int:
    """The int a run records and derives all its randomness from (see the module docstring).

    Args:
        seed: None (fresh entropy), an int in ``[0, MAX_SEED]``, or a numpy Generator (one draw).

    Examples:
        >>> resolve_seed(5)
        5
        >>> resolve_seed(np.random.default_rng(0)) == resolve_seed(np.random.default_rng(0))
        True
    """
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**31 - 1))
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint32)[0] & 0x7FFFFFFF)
    return check_seed(seed)


def seed_int(seed) -> int | None:
    """An int seed for libraries that need one (None stays None; a Generator gives one draw)."""
    if seed is None:
        return None
    return resolve_seed(seed)


def as_generator(seed) -> np.random.Generator:
    """The Generator of ``seed``: a Generator itself, else ``numpy.random.default_rng(int)``."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_seed(seed))


def child_seeds(seed, names: tuple[str, ...]) -> dict[str, np.random.Generator]:
    """Independent Generators per stage name, spawned from :func:`as_generator` of ``seed``."""
    return dict(zip(names, as_generator(seed).spawn(len(names))))


def child_int(rng: np.random.Generator) -> int:
    """One int seed drawn from ``rng`` for a library that takes ints (SA samplers, simulators)."""
    return int(rng.integers(2**31 - 1))
