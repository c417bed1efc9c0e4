"""Seeds: one rule for every random choice in qopt (no global RNG state)."""

from __future__ import annotations

import numpy as np

__all__ = ["seed_int"]


def seed_int(seed) -> int | None:
    """An int seed for records and for libraries that need one (None stays None).

    Args:
        seed: None (fresh entropy), a non-negative int, or a :class:`numpy.random.Generator`
            (one int is drawn from it).

    Raises:
        ValueError: anything else (negative ints, bools, floats, strings).
    """
    if seed is None:
        return None
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**31 - 1))
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    raise ValueError(f"seed must be a non-negative int, a numpy Generator or None, got {seed!r}")
