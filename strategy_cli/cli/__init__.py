"""The Typer shell: parse, call the store and the domain, print.

Errors a user can cause are ``StrategyError``s; they become one line on stderr and an exit
code here, in ``Shell.invoke``, and nowhere else. Anything unexpected is one line too (no
field value, no traceback) unless ``--debug`` is given.
"""

from __future__ import annotations

import sqlite3
import sys
import traceback
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
            print("Interrupted: nothing half-written was saved.", file=sys.stderr)
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except sqlite3.DatabaseError as error:
            _unexpected(error, f"database error ({error.__class__.__name__}); nothing was saved")
        except Exception as error:  # noqa: BLE001 - the last line of defence, by design
            _unexpected(error, f"unexpected {error.__class__.__name__}")


def _unexpected(error: BaseException, summary: str):
    if GLOBALS.debug:
        traceback.print_exception(error)
    else:
        print(f"Error: {summary}; run with --debug for details.", file=sys.stderr)
    raise typer.Exit(1) from None


app = typer.Typer(
    cls=Shell,
    name="strategy",
    help="Convene, record and chase multi-agency strategy discussions (English children's social care).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool):
    if value:
        print(f"strategy {__version__}")
        raise typer.Exit()


@app.callback()
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


from . import admin, checklist, discussion, due, export, meeting  # noqa: E402

for module in (discussion, meeting, checklist, due, export, admin):
    module.register(app)


def run():
    """The console script: the app, with Ctrl-C outside any command still a clean exit."""
    try:
        app()
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)
