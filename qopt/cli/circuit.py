"""``qopt export-circuit``: OpenQASM 3 of a solver's circuit on an instance."""

from __future__ import annotations

import click


@click.command("export-circuit")
@click.argument("instance")
@click.option("--solver", type=click.Choice(["qaoa"]), default="qaoa", show_default=True,
              help="Circuit family (QAOA with the X mixer).")
@click.option("--layers", type=click.IntRange(min=1), default=1, show_default=True, help="QAOA layers p.")
@click.option("--slack", type=click.Choice(["binary", "unbalanced"]), default="unbalanced", show_default=True,
              help="Inequality encoding of the QUBO.")
@click.option("--output", "-o", "path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write (default: stdout; '-' = stdout).")
def export_circuit(instance, solver, layers, slack, path):
    """Write OpenQASM 3 for the QAOA circuit of INSTANCE at the linear-ramp angles."""
    from qopt.solvers.qasm import export_qaoa_qasm, qaoa_qasm

    if path in (None, "-"):
        click.echo(qaoa_qasm(instance, layers=layers, slack=slack), nl=False)
        return
    out = export_qaoa_qasm(instance, layers=layers, slack=slack, path=path)
    click.echo(str(out), err=True)
