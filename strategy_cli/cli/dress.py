"""How every command is dressed as it is built: its ``--help`` in Click's plain form with
examples and environment variables, placeholders that say what goes there, and completion of
its values.

All from tables by command and option name (``helptext.py``, ``suggest.py``) rather than in each
command's signature, so the commands say only what they take and a new option needs one line.
"""

import typer
from typer._click.core import Command
from typer.core import TyperArgument, TyperCommand, TyperGroup

from . import ENVIRONMENT, helptext, suggest


class PlainHelp(Command):
    """A command's ``--help`` as Click's plain text, with its examples and environment.

    Not Typer's rich help: that imports ``rich.markdown`` and renders panels, about 0.2 s on
    every ``COMMAND --help`` (benchmarks/RESULTS.md, "Issue 16: help speed"). The usage line
    names arguments by their placeholders (``show [OPTIONS] REF``), not Typer's ``{reference}``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rich_markup_mode = None

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                metavar = param.make_metavar(ctx)
                pieces.append(metavar if param.required else f"[{metavar}]")
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        if isinstance(self, TyperGroup):
            pieces.append(self.subcommand_metavar)
        return pieces

    def format_epilog(self, ctx, formatter) -> None:
        path = " ".join(each.info_name or "" for each in _chain(ctx))
        examples = helptext.examples(path, list(getattr(self, "commands", {})))
        if examples:
            with formatter.section("Examples"):
                for line in examples:  # as typed: never wrapped
                    formatter.write(f"{'':>{formatter.current_indent}}{line}\n")
        names = helptext.COMMAND_ENVIRONMENT.get(path, ())
        if names:
            with formatter.section("Environment"):
                formatter.write_dl([(name, ENVIRONMENT[name]) for name in names])
        formatter.write_paragraph()
        formatter.write_text("Global options (--db, --by, ...) and environment variables: strategy --help")


class HelpCommand(PlainHelp, TyperCommand):
    pass


class HelpGroup(PlainHelp, TyperGroup):
    pass


def _chain(ctx) -> list:
    """The contexts from the first command below ``strategy`` down to ``ctx``."""
    chain = []
    while ctx is not None and ctx.parent is not None:
        chain.append(ctx)
        ctx = ctx.parent
    return chain[::-1]


def dress(command, path: str) -> None:
    """Placeholders, environment variables and completion for a command's parameters (and its
    subcommands'), from the tables by option name (``helptext.py``, ``suggest.py``)."""
    for param in command.params:
        name = str(param.name) if isinstance(param, TyperArgument) else param.opts[0]
        takes_value = isinstance(param, TyperArgument) or not getattr(param, "is_flag", False)
        if takes_value and param.metavar is None:
            param.metavar = helptext.lookup(helptext.PLACEHOLDERS, path, name) or _placeholder(param)
        variable = helptext.lookup(helptext.OPTION_ENVIRONMENT, path, name)
        if variable:
            param.help = f"{param.help or ''}  [env var: {variable}]".strip()
        completer = helptext.lookup(suggest.COMPLETERS, path, name)
        if completer is not None:
            # Click's own hook for a parameter's completion (its shell_complete= argument).
            param._custom_shell_complete = suggest.quietly(completer)
    for name, sub in getattr(command, "commands", {}).items():
        dress(sub, f"{path} {name}".strip())


def _placeholder(param) -> str:
    """A word for an option the table does not name, from its type (never ``<str>``)."""
    kind = getattr(param.type, "name", "")
    return {"integer": "N", "path": "FILE", "float": "NUMBER"}.get(kind, "TEXT")


def plain_help(app: typer.Typer) -> None:
    """Every command and group of ``app`` built with the plain help (``PlainHelp``)."""
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):  # Typer's default; a command's own class is kept
            info.cls = HelpCommand
    for group in app.registered_groups:
        group.cls = HelpGroup
        if group.typer_instance is not None:
            plain_help(group.typer_instance)
