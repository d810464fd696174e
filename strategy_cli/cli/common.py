"""What every command shares: the global options, reading user values, printing.

Kept free of rich, sqlite-utils, questionary and Jinja at import time: every command,
``due --json`` included, pays for what this module imports.
"""

import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload

import typer

from .. import settings
from ..domain.calendar import TimeInputError, parse_date, parse_instant
from ..domain.model import AGENCIES, CATEGORIES
from ..errors import StrategyError, UsageProblem

if TYPE_CHECKING:
    from ..address import Server


@dataclass
class Globals:
    """The options given before the command (``strategy --db X --by Y COMMAND``)."""

    db: str | None = None  # a path, or a postgresql:// URL
    by: str | None = None
    debug: bool = False
    allow_network_db: bool = False
    # The discussion the command names (its REF argument), for a message about a missing database.
    reference: str | None = None
    # On a team database: who the server says this login is, when it may not name its user.
    server_user: str | None = None


GLOBALS = Globals()


def database_path() -> "Path | Server":
    """The database this run uses: ``--db``, else ``$STRATEGY_DB``, else config.toml's
    ``database``, else the default file (a ``Server`` for a postgresql:// URL)."""
    return settings.database_path(str(GLOBALS.db) if GLOBALS.db else None)


def database_source() -> Literal["--db", "$STRATEGY_DB", "config.toml", "default"]:
    """Where ``database_path`` came from, for a person wondering why that database."""
    if GLOBALS.db is not None:
        return "--db"
    if os.environ.get("STRATEGY_DB"):
        return "$STRATEGY_DB"
    return "config.toml" if settings.database_choice(None) else "default"


def open_store(reading: bool = False, read_only: bool = False, create: bool = False):
    """The database. For commands that show deadlines (``reading``), first recompute any
    stored under rules since changed. ``read_only``: opened without any write (``check``).

    Only the commands that make records from nothing (``new``, ``demo``, ``restore``) pass
    ``create``: any other command given a missing file says so and creates nothing, so a
    mistyped ``--db`` is never an empty database that says "Nothing due"."""
    from ..address import Server
    from ..store import MissingDatabase, Store

    by = user() if reading else None  # a bad --by is a usage error before anything is opened
    path = database_path()
    refuse_network_file(path)
    try:
        store = Store(path, read_only, create)
    except MissingDatabase:
        raise StrategyError(missing_database(path)) from None
    for note in store.notes:
        warn(note)
    if isinstance(path, Server) and store.session is not None:
        GLOBALS.server_user = None if store.session.named_users else store.session.user
        by = user() if reading else None
    if by is not None:
        store.refresh_stale(by, settings.now())
    return store


def refuse_network_file(path) -> None:
    """A database file on a network share is refused unless the user allows it (store/network.py)."""
    from ..address import Server

    if isinstance(path, Server) or GLOBALS.allow_network_db or env_flag("STRATEGY_ALLOW_NETWORK_DB"):
        return
    from ..store.network import network_refusal

    refused = network_refusal(path)
    if refused:
        raise StrategyError(refused)


def missing_database(path: "Path | Server") -> str:
    """What a command says when its database file is not there: the path, where the path came
    from when not from --db, and what creates one."""
    shown = str(path.absolute()) if isinstance(path, Path) else str(path)
    named = {
        "--db": shown,
        "$STRATEGY_DB": f"{path} (named by $STRATEGY_DB)",
        "config.toml": f"{path} (named by database in config.toml)",
        "default": f"{path} (the default; --db or $STRATEGY_DB names another)",
    }[database_source()]
    about = f"no discussion {GLOBALS.reference}: " if GLOBALS.reference else ""
    return f"{about}no database at {named}; `strategy new` creates one, or `strategy demo` a demo one"


def casework(store=None):
    """The use-case layer for this command: the store, who is acting, and one clock reading
    (every time a command records is the same instant)."""
    from ..casework import Casework

    now = settings.now()
    return Casework(store or open_store(), user(), lambda: now)


def quorate(store, row: dict, now) -> bool:
    """Whether a discussion (a row of ``store.discussions``) is quorate, as `show` judges it.

    Read from the record where it is stored; judged now where it is not (it depends on today's
    date, or the record predates schema 4) or was stored under a profile since changed.
    """
    from ..store import expected_fingerprint

    if row["quorate"] is not None and row["rules_fingerprint"] == expected_fingerprint(row):
        return row["quorate"]
    from ..domain import rules

    discussion = store.discussion(row["reference"])
    on_day = rules.quoracy_day(discussion, row["discussion_due"], now.date())
    return rules.is_quorate(discussion, store.profile_of(discussion), on_day)


def user() -> str:
    """Who the audit trail records; refused (naming --by) if it holds what no name may."""
    from ..domain.text import TextError, clean_name

    try:
        named = clean_name(settings.who(GLOBALS.by), "--by")
    except TextError as error:
        raise typer.BadParameter(str(error).removeprefix("--by: "), param_hint="--by") from None
    server_user = GLOBALS.server_user
    if server_user is None:
        return named
    if GLOBALS.by is not None and GLOBALS.by != server_user:
        raise typer.BadParameter(
            f"on the team database you are its login {server_user!r}; only a login IT has put in "
            "the strategy_named_users role may name its user",
            param_hint="--by",
        )
    return server_user  # $STRATEGY_USER and the OS login name nobody on a server


def unfinished_new(store) -> tuple[str, str, dict] | None:
    """When this user began a `new` that Ctrl-C interrupted, whom it is about (both for a
    reader) and the answers given; None when there is none."""
    found = store.unfinished_new(user())
    if found is None:
        return None
    from ..present.render import when

    started, answers = found
    about = "; ".join(filter(None, [", ".join(answers.get("children", [])), answers.get("procedure")]))
    return when(started), about or "nothing answered yet", answers


def remind_unfinished_new(store) -> None:
    """An interrupted `new` is easy to forget: the board and the list mention it."""
    found = unfinished_new(store)
    if found is not None:
        say(
            f"Not opened yet: the discussion you began at {found[0]} ({found[1]}); `strategy new` carries on."
        )


def warn(message: str) -> None:
    print(f"Warning: {message}", file=sys.stderr)


def say(message: str) -> None:
    """A line of feedback for a person; on stderr, so stdout stays clean for data."""
    print(message, file=sys.stderr)


def print_json(document) -> None:
    """Exactly one JSON document on stdout and nothing else there.

    Indented for a person at a terminal; compact for scripts, because Python's JSON encoder
    falls back to pure Python when asked to indent (about 70 ms for a full board).
    """
    if sys.stdout.isatty():
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    _write_json(document, sys.stdout.write, depth=2)
    sys.stdout.write("\n")


def print_csv(items, columns) -> None:
    """The items as CSV on stdout (present/csv_table.py), in UTF-8 bytes straight to its
    buffer: whatever the console's code page, and with the CSV's own CRLFs untranslated (a text
    stdout on Windows would write each as CR CR LF)."""
    from ..present.csv_table import write_csv

    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a stdout replaced by text only (an embedding program's)
        write_csv(items, columns, sys.stdout)
        return
    write_csv(items, columns, _Utf8(buffer))
    buffer.flush()


class _Utf8:
    """A text ``write`` onto a byte stream, as UTF-8 (a lone surrogate becomes U+FFFD's "?")."""

    def __init__(self, buffer):
        self.buffer = buffer

    def write(self, text: str) -> int:
        return self.buffer.write(text.encode("utf-8", "replace"))


def one_format(as_json: bool, as_csv: bool) -> None:
    """``--json`` and ``--csv`` are two answers to one question: both at once is a usage error."""
    if as_json and as_csv:
        raise UsageProblem("--json and --csv cannot both be given: choose one")


def _write_json(value, write, depth: int) -> None:
    """``json.dumps(value)``'s exact text, written a member at a time for the outer ``depth``
    levels: a huge document (10,000 deadline items) is never one string in memory."""
    if depth and isinstance(value, list):
        write("[")
        for index, item in enumerate(value):
            if index:
                write(", ")
            _write_json(item, write, depth - 1)
        write("]")
    elif depth and isinstance(value, dict):
        write("{")
        for index, (key, item) in enumerate(value.items()):
            write((", " if index else "") + json.dumps(str(key), ensure_ascii=False) + ": ")
            _write_json(item, write, depth - 1)
        write("}")
    else:
        write(json.dumps(value, ensure_ascii=False))


def interactive_terminal() -> bool:
    """Whether a person is at a terminal to answer prompts (tests replace this)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def can_prompt(no_input: bool) -> bool:
    """Prompts only in a real terminal, and never with ``--no-input``."""
    return not no_input and interactive_terminal()


# --- Reading values users type -----------------------------------------------------------


def instant(value: str | None, option: str, date_means: str = "start") -> datetime | None:
    """A date-time option, or a usage error that names the option and the value."""
    if value is None:
        return None
    try:
        read = parse_instant(value, now=settings.now(), date_means=date_means)
    except TimeInputError as error:
        raise typer.BadParameter(str(error), param_hint=option) from None
    if read.warning:
        warn(read.warning)
    return read.instant


def happened(value: str | None, option: str, what: str) -> datetime | None:
    """When something took place (``held --at``, ``record --at``): read as ``instant`` reads it,
    with a warning on stderr when it is ahead of now, saying how far (``what``: the thing dated)."""
    from ..domain.calendar import future_warning

    found = instant(value, option)
    if found is not None:
        warning = future_warning(found, settings.now(), what)
        if warning:
            warn(warning)
    return found


def day(value: str | None, option: str) -> date | None:
    """A date option (a date of birth), or a usage error that names the option and the value."""
    if value is None:
        return None
    try:
        return parse_date(value, today=settings.now().date())
    except TimeInputError as error:
        raise typer.BadParameter(str(error), param_hint=option) from None


def known_id(value: str, known: Iterable[str], what: str, option: str) -> str:
    """The known id a user meant (``LADO`` is ``lado``), or a usage error naming the option and
    the value, with the id it was probably meant to be and every known one."""
    from ..domain.ids import UnknownId, match_id

    try:
        return match_id(value, known, what)
    except UnknownId as error:
        raise typer.BadParameter(str(error), param_hint=option) from None


def agency(value: str | None, option: str = "--agency", known: Mapping[str, str] = AGENCIES) -> str | None:
    """An agency id; ``known``: the discussion's profile's agencies (its own as well)."""
    return None if value is None else known_id(value, known, "an agency id", option)


def agencies_of(store, reference: str) -> Mapping[str, str]:
    """The agencies a discussion's profile knows (the built-in ones, and its own)."""
    return store.profile_of(store.discussion(reference)).agencies


def categories(values: list[str], known: Mapping[str, str] = CATEGORIES) -> list[str]:
    """Every ``--category`` as the profile's category it names, each once, in order."""
    return list(dict.fromkeys(known_id(value, known, "a category", "--category") for value in values))


def default_category(known: Mapping[str, str]) -> str:
    """``standard`` where the profile has it, else its first category."""
    return "standard" if "standard" in known else next(iter(known))


@overload
def text(value: str | None, option: str, required: Literal[True]) -> str: ...
@overload
def text(value: str | None, option: str, required: bool = False) -> str | None: ...
def text(value: str | None, option: str, required: bool = False) -> str | None:
    """Free text in the record's form (``domain/text.py``), or a usage error naming the option.
    A name, a role or a chair (``NAME_OPTIONS``) is one line with something visible in it."""
    from ..domain.text import TextError, clean, clean_name

    if value is not None:
        try:  # before the blank check: Python counts some control characters as blank
            value = clean_name(value, option) if option in NAME_OPTIONS else clean(value, option)
        except TextError as error:
            raise typer.BadParameter(str(error).removeprefix(f"{option}: "), param_hint=option) from None
    if value is None or not value.strip():
        if required:
            raise typer.BadParameter("must not be empty", param_hint=option)
        return None
    return value


# Options that hold a person's name or a one-line label: no line breaks, something visible.
NAME_OPTIONS = frozenset(
    {"--child", "--name", "--owner", "--role", "--chair", "--interpreter", "--by", "NAME", "--household"}
)


@overload
def text_or_file(value: str | None, option: str, required: Literal[True]) -> str: ...
@overload
def text_or_file(value: str | None, option: str, required: bool = False) -> str | None: ...
def text_or_file(value: str | None, option: str, required: bool = False) -> str | None:
    """Free text, or ``@PATH`` to read it from a file (so names stay out of shell history)."""
    if value is not None and value.startswith("@") and len(value) > 1:
        value = read_text_file(Path(value[1:]).expanduser(), option).rstrip("\n")
    return text(value, option, required)


# A profile, an answers file or a text from @FILE is a few kilobytes; anything past this is
# the wrong file, refused before it is read whole.
MAX_FILE_BYTES = 1024 * 1024


def read_text_file(path: Path, option: str) -> str:
    """A small UTF-8 text file a user named (@FILE, an answers file, a profile to check): read
    at most 1 MiB, so a device (/dev/zero), a pipe or a huge file is refused at once, naming it."""
    import stat

    try:
        # Opened without blocking and checked on the open file, so a pipe swapped in after a
        # check of the name can never hang the command.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise typer.BadParameter(f"{str(path)!r} is not a regular file", param_hint=option)
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise typer.BadParameter(f"{str(path)!r} is larger than 1 MiB", param_hint=option)
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise typer.BadParameter(f"{str(path)!r} is not UTF-8 text", param_hint=option) from None
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise typer.BadParameter(f"cannot read {str(path)!r}: {error}", param_hint=option) from None


@overload
def reference(value: str) -> str: ...
@overload
def reference(value: None) -> None: ...
def reference(value: str | None) -> str | None:
    """A discussion's reference as the record holds it; bytes that are not UTF-8, or a control
    character, are a usage error naming it (never an "unexpected" error later). Kept in
    ``GLOBALS`` for the message about a missing database."""
    from ..domain.model import canonical_reference
    from ..domain.text import TextError, clean

    if value is None:
        return None
    try:
        clean(value, "REF", one_line=True)
    except TextError as error:
        raise typer.BadParameter(str(error).removeprefix("REF: "), param_hint="REF") from None
    GLOBALS.reference = canonical_reference(value)
    return GLOBALS.reference


def procedure_id(option: str | None) -> str:
    """The procedure chosen (``--procedure``, else the environment or config.toml) as its
    profile's id (``West-Midlands`` is ``west-midlands``), its profile read and valid."""
    chosen = settings.chosen_procedure(option)
    if chosen is None:
        raise UsageProblem(
            "no procedure: give --procedure (hampshire, west-midlands, ...), set "
            'STRATEGY_PROCEDURE, or put procedure = "ID" in config.toml'
        )
    chosen = settings.procedure_named(chosen)  # an unknown id is a usage error that lists the known ones
    settings.profile(chosen)
    return chosen


def require_open(discussion) -> None:
    if discussion.status != "open":
        raise StrategyError(f"{discussion.reference} is closed; reopen it first (strategy reopen)")


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}
