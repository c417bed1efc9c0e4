"""Packaging glue that pyproject.toml cannot express: the repository's top-level data folders
(``problems/``, the bundled instances and their catalogue, and ``hardware_configs/``, the device
YAMLs) stay the source of truth in the repo and are shipped inside the wheel as ``qopt/_data/problems``
and ``qopt/_data/hardware_configs`` (read with importlib.resources by :mod:`qopt._resources`)."""

from setuptools import find_packages, setup

DATA = {"qopt._data.problems": "problems", "qopt._data.hardware_configs": "hardware_configs"}

setup(
    packages=find_packages(include=["qopt", "qopt.*"]) + list(DATA),
    package_dir={"": ".", **DATA},
    package_data={name: ["**/*"] for name in DATA},
    exclude_package_data={name: ["**/__pycache__/*", "**/*.pyc"] for name in DATA},
)
