"""The ``qopt`` command line.

Sub-commands live in their own modules and are imported only when invoked
(``qopt info`` never imports PennyLane). Every error a user can cause (a
:class:`~qopt.errors.QoptError` or a file that cannot be opened) ends as one line
``qopt: error: ...`` on stderr and exit code 2; any other exception is a bug and
shows its traceback (exit 1). Logs and progress go to stderr, results to stdout.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

__all__ = ["main", "cli"]

# sub-command name -> "module:attribute" (a click.Command)
COMMANDS: dict[str, str] = {
    "solve": "qopt.cli.solve:solve",
    "info": "qopt.cli.solve:info",
    "list": "qopt.cli.solve:list_instances",
    "demo": "qopt.cli.demo:demo",
    "bench": "qopt.cli.bench:bench",
    "qcae": "qopt.cli.qcae:qcae",
    "export-circuit": "qopt.cli.circuit:export_circuit",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except ImportError as err:  # a sub-command whose extra is not installed
            raise click.ClickException(f"'qopt {name}' is unavailable: {err}") from None


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qopt", prog_name="qopt")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress bars.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """qopt: model, shrink and solve combinatorial problems with quantum and classical solvers."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, stream=sys.stderr, format="qopt: %(levelname)s: %(message)s")
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet


def _user_error_types() -> tuple[type[BaseException], ...]:
    """Errors a user causes: qopt's own (:class:`~qopt.errors.QoptError`) and files that cannot be
    opened. Anything else (a ``KeyError``, a bare ``ValueError`` from deep inside) is a bug and
    shows its traceback (exit 1)."""
    from qopt.errors import QoptError

    return (QoptError, FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qopt`` console script; returns the exit code.

    Exit codes: 0 success, 2 bad input or configuration (one line on stderr),
    1 an internal error (a bug: the traceback is shown).
    """
    from qopt import _warn

    args = sys.argv[1:] if argv is None else list(argv)
    quiet = any(a in ("-q", "--quiet") for a in args[:3])  # group options come before the sub-command
    try:
        with _warn.collect() as caught:  # shown one line each after success; dropped on an error
            cli.main(args=args, prog_name="qopt", standalone_mode=False)
        _warn.emit(caught, quiet=quiet)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("qopt: aborted", err=True)
        return 130
    except click.ClickException as exc:
        click.echo(f"qopt: error: {exc.format_message()}", err=True)
        return 2
    except _user_error_types() as exc:
        text = str(exc).strip()
        if isinstance(exc, OSError) and getattr(exc, "filename", None) and exc.strerror:
            text = f"{exc.filename}: {exc.strerror}"
        message = text.splitlines()[0] if text else type(exc).__name__
        click.echo(f"qopt: error: {message}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("qopt: interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
