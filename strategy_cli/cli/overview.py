"""``strategy --help``: the overview of every command, in the look of Typer's own help.

Printed from the tables in ``cli/__init__.py`` with a few rich renderables, because building
Typer's help for the whole app costs about twice as much (rich.markdown, every command's
options converted) and this is the help a manager reaches for most.
"""

from . import COMMANDS, DESCRIPTION, GLOBAL_OPTION_VALUES, GLOBAL_OPTIONS


def print_overview() -> None:
    from rich import box
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    def panel(title: str, table: Table) -> Panel:
        return Panel(table, title=title, title_align="left", border_style="dim", box=box.ROUNDED)

    options = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
    for name, help_text in GLOBAL_OPTIONS.items():
        value = GLOBAL_OPTION_VALUES.get(name, "")
        options.add_row(Text(name, "bold cyan"), Text(value, "bold yellow"), help_text)
    commands = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
    for name, (_, summary) in COMMANDS.items():
        commands.add_row(Text(name, "bold cyan"), summary)

    console = Console(highlight=False)
    console.print()
    console.print(
        Text.assemble(" ", ("Usage:", "yellow"), " ", ("strategy [OPTIONS] COMMAND [ARGS]...", "bold"))
    )
    console.print()
    console.print(f" {DESCRIPTION}")
    console.print()
    console.print(panel("Options", options))
    console.print(panel("Commands", commands))
    console.print(" Run [bold]strategy COMMAND --help[/] for the options of one command.", style="dim")
