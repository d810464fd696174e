"""The Typer shell: parse, call the store and the domain, print.

Errors a user can cause are ``StrategyError``s; they become one line on stderr and an exit
code here, in ``Shell.invoke``, and nowhere else. Anything unexpected is one line too (no
field value, no traceback) unless ``--debug`` is given.
"""

import sqlite3
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from .. import __version__
from ..errors import StrategyError
from .common import GLOBALS


class Shell(TyperGroup):
    """The root command group: the one place where errors become messages and exit codes."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except StrategyError as error:
            prefix = "Usage error" if error.exit_code == 2 else "Error"
            print(f"{prefix}: {error}", file=sys.stderr)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            print(
                "Interrupted. A change is saved whole or not at all: check with "
                "`strategy log REF` before running the command again.",
                file=sys.stderr,
            )
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except sqlite3.DatabaseError as error:
            _unexpected(error, f"database error ({error.__class__.__name__}); nothing was saved")
        except Exception as error:  # noqa: BLE001 - the last line of defence, by design
            _unexpected(error, f"unexpected {error.__class__.__name__}")


def _unexpected(error: BaseException, summary: str):
    if GLOBALS.debug:
        import traceback

        traceback.print_exception(error)
    else:
        print(f"Error: {summary}; run with --debug for details.", file=sys.stderr)
    raise typer.Exit(1) from None


def _version(value: bool):
    if value:
        print(f"strategy {__version__}")
        raise typer.Exit()


def main(
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", help="Database file (default: $STRATEGY_DB, else strategy.db in your data folder)."
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Who the audit trail records (default: $STRATEGY_USER or your login)."),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an unexpected error.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
):
    """Convene, record and chase multi-agency strategy discussions."""
    GLOBALS.db = db
    GLOBALS.by = by
    GLOBALS.debug = debug


# Which module of cli/ holds each command, in the order --help lists them. A run builds only
# the module of the command it was asked for: importing and converting every command's
# options costs more than a whole `due --json` (see benchmarks/RESULTS.md).
MODULES = {
    "discussion": ("new", "list", "show", "child", "close", "reopen", "log"),
    "meeting": ("attend", "held", "decide", "record", "action"),
    "checklist": ("checklist",),
    "due": ("due",),
    "export": ("export",),
    "admin": ("procedures", "demo", "check", "backup"),
}
GLOBAL_OPTIONS_WITH_VALUES = ("--db", "--by")


def build(command: str | None = None) -> typer.Typer:
    """The Typer app with every command, or only the module that holds ``command``."""
    from importlib import import_module

    app = typer.Typer(
        cls=Shell,
        name="strategy",
        help="Convene, record and chase multi-agency strategy discussions (English children's social care).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(main)
    wanted = [name for name, commands in MODULES.items() if command in commands] or list(MODULES)
    for name in wanted:
        import_module(f"{__name__}.{name}").register(app)
    return app


def invoked_command(arguments: list[str]) -> str | None:
    """The command named on the command line, after the global options (or None)."""
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument in GLOBAL_OPTIONS_WITH_VALUES:
            skip = True
        elif not argument.startswith("-"):
            return argument
    return None


def __getattr__(name: str):
    """``strategy_cli.cli.app``: the whole CLI, built on first use (tests, documentation)."""
    if name == "app":
        globals()["app"] = build()
        return globals()["app"]
    raise AttributeError(name)


def run():
    """The console script: builds only what the command needs, and Ctrl-C outside any
    command is still a clean exit."""
    try:
        build(invoked_command(sys.argv[1:]))()
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)
