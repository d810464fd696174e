"""``strategy --help``: the overview of every command, in the plain look of a command's own help.

Written from the tables in ``cli/__init__.py`` with the standard library alone, because building
the whole app's help costs several times as much (every command module imported, every option
converted) and this is the help a manager reaches for most. ``shell.Shell`` prints the same
text when Click is asked for the root's help.
"""

import os
import shutil
import textwrap

from . import COMMANDS, DESCRIPTION, ENVIRONMENT, GLOBAL_OPTION_VALUES, GLOBAL_OPTIONS, HELP_WIDTH


def overview_text() -> str:
    """The overview, wrapped to the terminal (at most ``HELP_WIDTH`` columns, as commands' help)."""
    width = _width()
    options = [
        (f"{name} {GLOBAL_OPTION_VALUES.get(name, '')}".strip(), text)
        for name, text in GLOBAL_OPTIONS.items()
    ]
    commands = [(name, summary) for name, (_, summary) in COMMANDS.items()]
    parts = [
        "Usage: strategy [OPTIONS] COMMAND [ARGS]...\n",
        _paragraph(DESCRIPTION, width),
        "Options:\n" + _definitions(options, width),
        "Commands:\n" + _definitions(commands, width),
        "Environment:\n" + _definitions(list(ENVIRONMENT.items()), width),
        _paragraph("Run strategy COMMAND --help for the options of one command, with examples.", width),
    ]
    return "\n".join(parts)


def print_overview() -> None:
    print(overview_text(), end="")


def _width() -> int:
    """Click's rule for help text: the terminal's width (``COLUMNS`` first), capped."""
    columns = os.environ.get("COLUMNS", "")
    total = int(columns) if columns.isdigit() else shutil.get_terminal_size().columns
    return max(min(total, HELP_WIDTH) - 2, 50)


def _paragraph(text: str, width: int) -> str:
    return textwrap.fill(text, width, initial_indent="  ", subsequent_indent="  ") + "\n"


def _definitions(rows: list[tuple[str, str]], width: int) -> str:
    """Terms and their text in two columns, the text wrapped beside its term (as Click's)."""
    column = min(max(len(term) for term, _ in rows), 30) + 4
    lines = []
    for term, text in rows:
        wrapped = textwrap.wrap(text, max(width - column, 20)) or [""]
        if len(term) + 4 > column:  # a long term gets a line of its own
            lines.append(f"  {term}")
            lines.extend(" " * column + line for line in wrapped)
            continue
        lines.append(f"  {term:<{column - 2}}{wrapped[0]}")
        lines.extend(" " * column + line for line in wrapped[1:])
    return "\n".join(lines) + "\n"
