"""``import qopt`` stays light: no heavy stack is imported until used."""

import subprocess
import sys

HEAVY = ["torch", "pennylane", "qiskit", "qiskit_aer", "mitiq", "dask", "matplotlib", "numba", "dimod", "scipy"]


def test_import_qopt_imports_no_heavy_stack():
    code = ("import sys, qopt; heavy = %r; print(','.join(m for m in heavy if m in sys.modules))" % HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_classical_solve_imports_no_quantum_stack():
    code = ("import sys, qopt; qopt.solve(qopt.load('mknap1-1'), 'tabu', seed=1, num_reads=2);"
            "print(','.join(m for m in ('torch', 'pennylane', 'qiskit', 'mitiq', 'dask') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_lazy_attributes_resolve():
    import qopt

    assert callable(qopt.solve) and callable(qopt.load) and qopt.Result.__name__ == "Result"
