"""qiskit-optimization and docplex interoperability (the ``interop`` extra): :func:`from_qiskit`,
:func:`to_qiskit`, :func:`from_docplex`. Implemented in :mod:`qopt.problems.interop`."""

from qopt.problems.interop import from_docplex, from_qiskit, require, to_qiskit

__all__ = ["from_qiskit", "to_qiskit", "from_docplex", "require"]
