"""The ``chagai`` command line: a thin layer of tables and options over the registry and the services.

Each command parses its options, asks the registry or a service, and hands the answer to :mod:`.render`, the
one module that prints. The commands are grouped by topic, one module each:

- :mod:`.registry`: projects, show, edit, history, regimes, and the database (``db init``, ``db info``);
- :mod:`.files`: case files in and out (validate, import, export);
- :mod:`.appraise`: appraise, compare, cashflow;
- :mod:`.risk`: simulate, calibrate, sensitivity;
- :mod:`.reports`: the HTML report and the Excel workbook;
- :mod:`.server`: the web app (serve) and the tokens of its API;
- :mod:`.options`: the options and the project argument the commands share.

This module assembles them into the Typer app, in the order ``chagai --help`` lists them.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

from chagai import __version__
from chagai.cli import appraise, files, registry, render, reports, risk, server
from chagai.errors import ChagaiError, InputError

__all__ = ["app", "main"]


def _no_type(ctx: Any) -> None:
    return None


def _plain_help(params: list[Any]) -> None:
    """Show options as people write them: a flag alone (``--json``), a value by its name (``--rate RATE``).

    Without this the help shows each option's Python type (``<bool>``, ``<list[str]>``), which says nothing to
    someone at a terminal.
    """
    for param in params:
        if isinstance(param, TyperArgument):
            param.metavar = param.metavar or (param.name or "value").upper()
            param.display_type_rich = _no_type  # type: ignore[method-assign]  # the argument's name says it
        elif isinstance(param, TyperOption) and param.metavar is None:
            param.metavar = "" if param.is_flag else (param.name or "value").upper()


class _Commands(TyperGroup):
    """Command group that turns chagai's own errors into a clear message and an exit code, never a traceback."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _plain_help(command.get_params(ctx))
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _plain_help(self.get_params(ctx))
        super().format_help(ctx, formatter)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            render.problem("error:", exc)
            raise typer.Exit(2) from None
        except ChagaiError as exc:
            render.problem("error:", exc)
            raise typer.Exit(1) from None


def version() -> None:
    """Print the chagai version."""
    render.out.print(__version__)


app = typer.Typer(
    cls=_Commands,
    help="Economics, fiscal terms, financing and risk of extractive projects.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(asked: bool) -> None:
    if asked:
        version()
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="print the chagai version and exit"),
    ] = False,
) -> None:
    """Economics, fiscal terms, financing and risk of extractive projects."""


db_app = typer.Typer(cls=_Commands, help="Create and inspect the registry database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
token_app = typer.Typer(
    cls=_Commands, help="Create, list and revoke the tokens that may write through the web API.", no_args_is_help=True
)
app.add_typer(token_app, name="token")

COMMANDS = (
    ("projects", registry.projects),
    ("show", registry.show),
    ("appraise", appraise.appraise),
    ("compare", appraise.compare),
    ("cashflow", appraise.cashflow),
    ("simulate", risk.simulate),
    ("calibrate", risk.calibrate),
    ("sensitivity", risk.sensitivity),
    ("report", reports.report),
    ("export-xlsx", reports.export_xlsx),
    ("validate", files.validate),
    ("import", files.import_),
    ("export", files.export),
    ("edit", registry.edit),
    ("history", registry.history),
    ("regimes", registry.regimes),
    ("serve", server.serve),
    ("version", version),
)
"""The top-level commands by name, in the order ``chagai --help`` lists them."""
DB_COMMANDS = (("init", registry.db_init), ("info", registry.db_info))
TOKEN_COMMANDS = (("create", server.token_create), ("list", server.token_list), ("revoke", server.token_revoke))

for group, commands in ((app, COMMANDS), (db_app, DB_COMMANDS), (token_app, TOKEN_COMMANDS)):
    for name, command in commands:
        group.command(name)(command)


def main() -> None:
    """Entry point of the ``chagai`` command."""
    app()
