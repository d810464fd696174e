"""Shell completion: ``strategy completion SHELL`` prints the script a shell sources, and a Tab
press runs ``strategy`` with ``_STRATEGY_COMPLETE`` set (Typer's protocol on Click's) to ask
what may come next.

A completion request keeps the lazy start-up: ``complete`` reads the words typed so far and
builds only the module of the command they name, or, while the command itself is being typed,
only the names and summaries from the command table.
"""

import os
import sys
from typing import Annotated

import typer

from . import COMMANDS, invoked_command, summary
from .helptext import SHELLS

COMPLETE_VAR = "_STRATEGY_COMPLETE"

# Typer's PowerShell script also rebinds the Tab key for every command (PSReadLine's
# MenuComplete); this one registers the completer and nothing else.
POWERSHELL = """\
Register-ArgumentCompleter -Native -CommandName strategy -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $Env:%(var)s = "complete_powershell"
    $Env:_TYPER_COMPLETE_ARGS = $commandAst.ToString()
    $Env:_TYPER_COMPLETE_WORD_TO_COMPLETE = $wordToComplete
    try {
        strategy | ForEach-Object {
            $value, $help = $_ -Split ":::", 2
            [System.Management.Automation.CompletionResult]::new(
                $value, $value, 'ParameterValue', $(if ($help.Trim()) { $help } else { $value }))
        }
    } finally {
        Remove-Item Env:%(var)s, Env:_TYPER_COMPLETE_ARGS, Env:_TYPER_COMPLETE_WORD_TO_COMPLETE -ErrorAction SilentlyContinue
    }
}
"""


def script(shell: str) -> str:
    """The completion script for ``shell`` (``pwsh`` is PowerShell too)."""
    shell = "powershell" if shell == "pwsh" else shell
    if shell == "powershell":
        return POWERSHELL % {"var": COMPLETE_VAR}
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="strategy", complete_var=COMPLETE_VAR, shell=shell) + "\n"


def completion(
    shell: Annotated[str, typer.Argument(help="bash, zsh, fish or powershell.")],
):
    """Print the script (its help is ``HELP``, built from ``SHELLS``)."""
    if shell.lower() not in (*SHELLS, "pwsh"):
        raise typer.BadParameter(f"{shell!r} is not one of {', '.join(SHELLS)}", param_hint="SHELL")
    print(script(shell.lower()), end="")


# The help says what is completed and how to install it: the install lines kept as they are
# (Click's \b), so they can be copied.
HELP = (
    summary("completion")
    + "\n\nCommands and options are completed, and the values of the references in your database, "
    "of agencies, categories, procedures, kinds and events. Install it once, with the line for "
    "your shell:\n\n\b\n" + "\n".join(f"{shell:<11} {line}" for shell, line in SHELLS.items())
)


def register(app: typer.Typer) -> None:
    app.command("completion", help=HELP)(completion)


def complete() -> None:
    """Answer one completion request (``_STRATEGY_COMPLETE`` is set) and exit; a request that
    makes no sense (the variable exported by mistake, the shell's words missing) offers nothing
    and exits 1, never a traceback on a Tab press."""
    try:
        _complete()
    except Exception:
        sys.exit(1)


def _complete() -> None:
    """Answer one completion request and exit.

    Typer's instructions (``complete_bash``) and Click's (``bash_complete``, and
    ``bash_source`` for the script, as Click's documentation has it) are both understood.
    """
    from typer._click.shell_completion import get_completion_class
    from typer._completion_classes import completion_init

    from .shell import build

    action, _, shell = os.environ[COMPLETE_VAR].partition("_")
    if action in (*SHELLS, "pwsh"):  # Click's order
        action, shell = shell, action
    if action == "source" and shell in (*SHELLS, "pwsh"):
        print(script(shell), end="")
        sys.exit(0)
    os.environ[COMPLETE_VAR] = f"{action}_{shell}"
    completion_init()  # Typer's protocol for bash, zsh, fish and PowerShell
    found = get_completion_class(shell)
    command = None
    if found is not None:  # only its reading of the words typed is used here, hence no command
        words, _incomplete = found(None, {}, "strategy", COMPLETE_VAR).get_completion_args()  # type: ignore[arg-type]
        command = invoked_command(words)
    app = build(command) if command in COMMANDS else build(names_only=True)
    app(prog_name="strategy", complete_var=COMPLETE_VAR)
