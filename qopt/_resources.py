"""Where qopt's bundled data lives: the instance library and the device configs.

In the repository the folders ``problems/`` and ``hardware_configs/`` at the top level are the
source of truth; the wheel ships them as ``qopt/_data/problems`` and ``qopt/_data/hardware_configs``
(see ``setup.py``). :func:`data_dir` finds them with :mod:`importlib.resources` in an installed
package and falls back to the source checkout next to the ``qopt`` package. Nothing here writes.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

__all__ = ["data_dir"]


def data_dir(name: str, env: str | None = None) -> Path | None:
    """The directory of the bundled data set ``name`` (``"problems"`` or ``"hardware_configs"``).

    Args:
        env: an environment variable that, when set, overrides the location.

    Returns:
        The directory, or None when neither the installed package nor a source checkout has it.
    """
    if env and os.environ.get(env):
        return Path(os.environ[env])
    installed = resources.files("qopt") / "_data" / name
    if installed.is_dir():
        return Path(str(installed))
    checkout = Path(__file__).resolve().parents[1] / name
    return checkout if checkout.is_dir() else None
