"""The command line: which module holds each command, and the run that builds only that one.

Importing this package is cheap (no Typer, no rich): a run builds the Typer app (``shell.py``)
with only the module of the command it was asked for, because importing and converting every
command's options costs more than a whole ``due --json``. ``strategy --help`` and a bare
``strategy`` print the overview (``overview.py``) from the tables below without building Typer
at all (see benchmarks/RESULTS.md). A shell's completion request (``_STRATEGY_COMPLETE`` set)
builds only what the words typed so far need (``completion.py``).
"""

import os
import sys

DESCRIPTION = "Convene, record and chase multi-agency strategy discussions (English children's social care)."

# Every command: the module of cli/ that holds it, and its one-line summary, in the order the
# overview lists them. A test checks the summaries against the commands' own help.
COMMANDS = {
    "new": ("discussion", "Open a strategy discussion and say when it must be held, and why."),
    "list": ("discussion", "The open discussions (with --all, closed ones too)."),
    "show": (
        "discussion",
        "Everything about one discussion: children, attendees and quoracy, decision, what is due.",
    ),
    "child": ("discussion", "Add, correct or remove a child."),
    "family": ("family", "Add, correct or remove a parent, carer or other significant adult."),
    "edit": ("discussion", "Correct what `new` recorded; the old values stay in the audit trail."),
    "attend": (
        "meeting",
        "Record who took part and what they shared; the same name again corrects the entry.",
    ),
    "held": ("meeting", "The discussion took place: clears its deadline and starts the clocks that follow."),
    "checklist": ("checklist", "Walk the key questions, resuming at the first unanswered one."),
    "decide": ("meeting", "Record the decision; deciding again amends it (both stay in the trail)."),
    "action": ("meeting", "Agree, complete, correct or remove an action."),
    "record": ("meeting", "A follow-up happened: clears its deadline (each child seen, one at a time)."),
    "disagreement": (
        "disagreement",
        "Record a disagreement between agencies, its escalation and how it was resolved.",
    ),
    "due": ("due", "What is due and overdue, across every open discussion."),
    "export": ("export", "The minutes of a discussion."),
    "log": ("discussion", "The audit trail of one discussion: every change, who made it and when."),
    "close": ("discussion", "Take a discussion off the board, with a reason."),
    "reopen": ("discussion", "Put a closed discussion back on the board."),
    "procedures": ("admin", "The procedure profiles available."),
    "demo": (
        "admin",
        "Fill a demo database with fictional discussions in varied states, and show what is due.",
    ),
    "check": (
        "admin",
        "Verify the database: its integrity, the audit hash chain, and every record against its trail.",
    ),
    "paths": ("admin", "Where the database, the config, the profiles and the templates in use are."),
    "backup": ("admin", "A consistent copy of the database, safe while others write, private to you."),
    "restore": (
        "admin",
        "Put a backup back in place of the database, keeping the database as it was beside it.",
    ),
    "migrate": (
        "team",
        "Bring the database's schema up to this version (for IT: on a team database, with its roles).",
    ),
    "copy": ("team", "Copy every record and the audit trail into an empty database, checked at both ends."),
    "completion": (
        "completion",
        "Print the script that completes commands, options and references in a shell.",
    ),
}

# The options given before the command: their help, and the placeholder of those that take a value.
GLOBAL_OPTIONS = {
    "--db": (
        "Database file, or a team's postgresql://USER@HOST/DB (default: $STRATEGY_DB, else database "
        "in config.toml, else strategy.db in your data folder)."
    ),
    "--by": (
        "Who the audit trail records (default: $STRATEGY_USER or your login; on a team database, "
        "the login it knows you by)."
    ),
    "--allow-network-db": (
        "Open a database on a network share (NFS, SMB, a UNC path) despite the risk "
        "(also $STRATEGY_ALLOW_NETWORK_DB=1)."
    ),
    "--debug": "Show the traceback of an unexpected error.",
    "--version": "Show the version and exit.",
    "-h, --help": "Show this message and exit.",
}
HELP_OPTIONS = ["-h", "--help"]
HELP_WIDTH = 120  # help text is wrapped to the terminal, and never wider than this
GLOBAL_OPTION_VALUES = {"--db": "DATABASE", "--by": "NAME"}
GLOBAL_FLAGS = {"--debug", "--allow-network-db"}

# The environment variables the tool reads, and what each stands in for: the overview lists
# them, a command's help names those it uses (cli/helptext.py). A test checks that every one
# the code reads is here.
ENVIRONMENT = {
    "STRATEGY_DB": "The database (a file, or postgresql://USER@HOST/DB), when --db is not given.",
    "STRATEGY_USER": "Who the audit trail records, when --by is not given (else your login).",
    "STRATEGY_PROCEDURE": 'The procedure, when --procedure is not given (else procedure = "ID" in config.toml).',
    "STRATEGY_NOW": "A fixed time to run as if it were now (2026-11-23T09:00), for training and demos.",
    "STRATEGY_BROWSER": "The Chromium, Chrome or Edge that prints `export --format pdf`.",
    "STRATEGY_ALLOW_NETWORK_DB": "1 accepts a database on a network share, as --allow-network-db does.",
    "STRATEGY_TEST_DB": "For the test suites: a postgresql:// URL where every database file they name becomes a schema.",
}


def summary(command: str) -> str:
    """The one-line summary of a command, as the overview and its ``--help`` give it."""
    return COMMANDS[command][1]


def invoked_command(arguments: list[str]) -> str | None:
    """The command named on the command line, after the global options (or None)."""
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument in GLOBAL_OPTION_VALUES:
            skip = True
        elif not argument.startswith("-"):
            return argument
    return None


def wants_overview(arguments: list[str]) -> bool:
    """A bare ``strategy``, or ``--help`` (``-h``) before any command among global options Typer would
    accept. Anything else (``--version``, an unknown option, a missing value) goes to Typer,
    which has the last word on what is an error."""
    if not arguments:
        return True
    asked = False
    words = iter(arguments)
    for word in words:
        if word in GLOBAL_OPTION_VALUES:
            value = next(words, None)
            if value is None or value.startswith("-"):
                return False
        elif word in HELP_OPTIONS:
            asked = True
        elif word.startswith("-") and word not in GLOBAL_FLAGS:
            return False
        elif not word.startswith("-"):
            break  # the command: what follows is its own
    return asked


def __getattr__(name: str):
    """``strategy_cli.cli.app``: the whole CLI, built on first use (tests, documentation)."""
    if name == "app":
        from .shell import build

        globals()["app"] = build()
        return globals()["app"]
    raise AttributeError(name)


def utf8_output() -> None:
    """Write UTF-8 whatever the console's code page, so a child called Łucja never stops a
    command. A redirected or piped stream on Windows is cp1252 (and the minutes' own "↳" is
    not in it): it becomes UTF-8, as every reader of a file or a pipe expects. A terminal that
    cannot show UTF-8 (a legacy console, a non-UTF-8 locale) keeps its encoding and shows "?"
    for what it cannot: UTF-8 bytes would be garbage there. The Windows console itself is
    UTF-8 already (PEP 528). Changed in place, before anything is written: rich reads the
    encoding from the stream when it prints, so its box characters follow."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if encoding in {"utf-8", "utf8"} or not hasattr(stream, "reconfigure"):
            continue
        try:
            if stream.isatty():
                stream.reconfigure(errors="replace")
            else:
                stream.reconfigure(encoding="utf-8", errors=stream.errors)
        except (OSError, ValueError):  # a closed or detached stream: leave it as it is
            continue


def run():
    """The console script: builds only what the command needs (a shell's completion request
    too), and Ctrl-C outside any command is still a clean exit. A bare ``strategy`` is a usage error (exit 2), as Typer's
    ``no_args_is_help`` makes it, after the overview. A reader that closes the pipe early
    (``strategy due | head``) ends it quietly: rich and Click both see to that."""
    utf8_output()
    arguments = sys.argv[1:]
    try:
        if os.environ.get("_STRATEGY_COMPLETE"):  # a Tab press: the words are in the environment
            from .completion import complete

            complete()  # exits
            return
        if wants_overview(arguments):
            from .overview import print_overview

            print_overview()
            sys.exit(0 if arguments else 2)
        from .shell import build

        build(invoked_command(arguments))()
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)
