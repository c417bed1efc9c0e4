"""Machine, versions and load: printed next to every benchmark figure.

Benchmarks run as scripts (``python benchmarks/x.py``), so this folder is on
``sys.path`` and they ``from _machine import machine_info``.
"""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path


def machine_info(packages: tuple[str, ...] = ()) -> dict:
    """CPU model, cores, memory, Python, platform, load average and package versions."""
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        nproc = os.cpu_count()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {"cpu": cpu, "nproc": nproc, "mem_gib": round(mem / 2**30, 1), "python": platform.python_version(),
            "platform": platform.platform(), "loadavg": os.getloadavg(), "versions": versions}
