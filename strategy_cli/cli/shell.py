"""The Typer shell: parse, call the store and the domain, print.

Built by ``build`` with only the module of the command being run (see ``cli/__init__.py``).
Every command is dressed as it is built (``dress.py``): plain help with examples, placeholders
and environment variables, and completion of its values.

Errors a user can cause are ``StrategyError``s; they become one line on stderr and an exit
code here, in ``Shell.invoke``, and nowhere else. Anything unexpected is one line too (no
field value, no traceback) unless ``--debug`` is given.
"""

import sqlite3
import sys
from typing import Annotated

import typer

from .. import __version__
from ..errors import StrategyError
from . import COMMANDS, DESCRIPTION, GLOBAL_OPTIONS, HELP_OPTIONS, HELP_WIDTH
from .common import GLOBALS
from .dress import HelpGroup, dress, plain_help


class Shell(HelpGroup):
    """The root command group: the one place where errors become messages and exit codes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Usage errors keep Typer's look (Typer reads the root's mode for them); helps are plain.
        self.rich_markup_mode = kwargs.get("rich_markup_mode", "rich")
        dress(self, "")

    def format_help(self, ctx, formatter) -> None:
        """The overview (``overview.py``), as ``strategy --help`` prints it without Click."""
        from .overview import overview_text

        formatter.write(overview_text())

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
        except (typer.Exit, typer.Abort, typer.TyperException, BrokenPipeError):
            raise  # Click ends a broken pipe (`strategy due | head`) quietly itself
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
        str | None,
        typer.Option("--db", help=GLOBAL_OPTIONS["--db"]),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help=GLOBAL_OPTIONS["--by"]),
    ] = None,
    allow_network_db: Annotated[
        bool, typer.Option("--allow-network-db", help=GLOBAL_OPTIONS["--allow-network-db"])
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help=GLOBAL_OPTIONS["--debug"])] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=GLOBAL_OPTIONS["--version"])
    ] = False,
):
    """Convene, record and chase multi-agency strategy discussions."""
    GLOBALS.db = db
    GLOBALS.by = by
    GLOBALS.debug = debug
    GLOBALS.allow_network_db = allow_network_db
    GLOBALS.reference = None
    GLOBALS.server_user = None


def build(command: str | None = None, names_only: bool = False) -> typer.Typer:
    """The Typer app with every command, or only the module that holds ``command``; with
    ``names_only``, placeholders that have only the commands' names and summaries (enough to
    complete a command's name without importing any command module)."""
    from importlib import import_module

    app = typer.Typer(
        cls=Shell,
        name="strategy",
        help=DESCRIPTION,
        no_args_is_help=True,
        # Completion is the `completion` command's: Typer's own --install-completion would
        # detect the shell (a subprocess) and write to rc files unasked.
        add_completion=False,
        context_settings={"help_option_names": HELP_OPTIONS, "max_content_width": HELP_WIDTH},
        pretty_exceptions_enable=False,
    )
    app.callback()(main)
    if names_only:
        for name in COMMANDS:
            app.command(name, help=COMMANDS[name][1])(_placeholder_command)
        return app
    modules = dict.fromkeys(module for module, _ in COMMANDS.values())
    wanted = [COMMANDS[command][0]] if command in COMMANDS else list(modules)
    for module in wanted:
        import_module(f"{__package__}.{module}").register(app)
    plain_help(app)
    return app


def _placeholder_command():
    """Never run: it stands for a command whose module a completion did not need."""
