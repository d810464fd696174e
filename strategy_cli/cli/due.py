"""``strategy due``: the board of what is due and overdue across every open discussion."""

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from .. import settings
from ..domain.calendar import iso
from ..domain.model import DEADLINE_KINDS, kind_order
from ..present import document as views
from . import common

KIND = "unfinished-new"  # an interrupted `new` on the board (casework/unfinished.py)
_DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)


def duration(value: str) -> timedelta:
    """``36h``, ``7d`` or ``2w``, or a usage error naming the value."""
    match = _DURATION.match(value)
    if not match:
        raise typer.BadParameter(f"{value!r} is not a duration (e.g. 36h, 7d, 2w)", param_hint="--within")
    amount, unit = int(match.group(1)), match.group(2).lower()
    hours = amount * {"h": 1, "d": 24, "w": 24 * 7}[unit]
    if hours > 24 * 3660:  # every deadline there is falls within ten years
        raise typer.BadParameter(f"{value!r} is more than ten years ahead", param_hint="--within")
    return timedelta(hours=hours)


def board_items(
    store,
    as_of: datetime,
    within: timedelta,
    procedure: str | None = None,
    kinds: list[str] | None = None,
) -> list[dict]:
    """The board: overdue first, then by due time, then undated; filtered as asked."""
    horizon = as_of + within
    items = []
    for row in store.board():
        deadline = row["deadline"]
        if deadline.due_at is not None and deadline.due_at > horizon:
            continue
        if procedure and row["procedure"] != procedure:
            continue
        if kinds and deadline.kind not in kinds:
            continue
        item = views.deadline_item(row["reference"], deadline, row["children"], as_of)
        if deadline.kind == "action":
            item["owner"] = row["owner"]  # who the board is asking
        items.append((deadline, item))
    items.extend(_not_happened_yet(store, as_of, horizon, procedure, kinds))
    if not kinds or "discussion" in kinds or KIND in kinds:
        items.extend(_unfinished(store, as_of, horizon, procedure))
    items.sort(key=lambda pair: _order(pair[0], pair[1]))
    return [item for _, item in items]


def _not_happened_yet(store, as_of, horizon, procedure: str | None, kinds: list[str] | None) -> list[tuple]:
    """The deadlines a follow-up recorded for a later time clears only once that time comes:
    until then they stay on the board, saying when it is recorded for."""
    from ..casework.followups import not_happened_yet
    from ..present.render import when

    wanted = (
        None
        if procedure is None
        else {row["reference"] for row in store.discussions() if row["procedure"] == procedure}
    )
    found = []
    for reference, children, deadline, recorded_for in not_happened_yet(store, settings.now()):
        if deadline.due_at is not None and deadline.due_at > horizon:
            continue
        if (wanted is not None and reference not in wanted) or (kinds and deadline.kind not in kinds):
            continue
        item = views.deadline_item(reference, deadline, children, as_of)
        item["title"] += f" (recorded for {when(recorded_for)}, still to come)"
        found.append((deadline, item))
    return found


def _unfinished(store, as_of: datetime, horizon: datetime, procedure: str | None) -> list[tuple]:
    """Each user's interrupted `new` whose concern time is known: on everyone's board, with its
    clock, marked as not opened and whose it is (a referral half-typed is still a referral)."""
    from ..casework.unfinished import unfinished_on_board
    from ..present.render import when

    found = []
    for each in unfinished_on_board(store, settings.chosen_procedure(None)):
        deadline = each.deadline
        if deadline.due_at is not None and deadline.due_at > horizon:
            continue
        if procedure and each.procedure != procedure:
            continue
        item = views.deadline_item(None, deadline, each.children, as_of)
        item["title"] = (
            f"Not opened yet: begun by {each.by} at {when(each.started_at)}; `strategy new` carries on"
        )
        item["key"] = f"{KIND}:{each.by}"
        item.update(by=each.by, started_at=iso(each.started_at), procedure=each.procedure)
        found.append((deadline, item))
    return found


def _order(deadline, item):
    if deadline.due_at is None:
        return (1, 0.0, item["reference"] or "", kind_order(deadline.kind), deadline.key)
    return (
        0,
        deadline.due_at.timestamp(),
        item["reference"] or "",
        kind_order(deadline.kind),
        deadline.key,
    )


def _profiles_kinds() -> list[str]:
    """The kinds of follow-up the profiles define beyond the built-in ones (read only when a
    --kind is not a built-in one)."""
    found: list[str] = []
    for _id, _origin, loaded in settings.profile_report():
        if not isinstance(loaded, str):
            found.extend(k for k in loaded.followups if k not in found)
    return found


def _kinds(wanted: list[str]) -> list[str] | None:
    """Each --kind as the kind it names (``LADO`` is ``lado``); the profiles are read only for
    one that is not a built-in kind."""
    from ..domain.ids import find_id

    built_in = [find_id(each, DEADLINE_KINDS) for each in wanted]
    if None in built_in:  # a kind a profile defines: only then are the profiles read
        known = [*DEADLINE_KINDS, *_profiles_kinds()]
        return [common.known_id(each, known, "a kind of deadline", "--kind") for each in wanted]
    return [each for each in built_in if each is not None] or None


def due(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Judge what is due as of this time, e.g. tomorrow 9am (default now)."),
    ] = None,
    within: Annotated[
        str,
        typer.Option("--within", help="How far ahead: 36h, 7d, 2w (overdue and undated items always show)."),
    ] = "7d",
    procedure: Annotated[
        str | None, typer.Option("--procedure", help="Only discussions under this procedure.")
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help=f"Only these kinds (repeatable): {', '.join(DEADLINE_KINDS)}."),
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only actions whose owner's name contains this.")
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show each item's rule in the procedure's own words.")
    ] = False,
    ics: Annotated[
        Path | None,
        typer.Option(
            "--ics", help="Also write every dated item (not only the window) to this iCalendar file."
        ),
    ] = None,
    with_names: Annotated[
        bool, typer.Option("--with-names", help="Put children's names in the calendar file.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --ics file.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    as_csv: Annotated[
        bool,
        typer.Option("--csv", help="Print CSV (RFC 4180, UTF-8): the --json columns, for a spreadsheet."),
    ] = False,
):
    """What is due and overdue, across every open discussion."""
    common.one_format(as_json, as_csv)
    moment = common.instant(as_of, "--as-of") or settings.now()
    window = duration(within)
    kind = _kinds(kind or [])
    if procedure is not None:  # the ids, without parsing any profile
        procedure = common.known_id(
            procedure, sorted(settings.profile_sources()), "a procedure", "--procedure"
        )
    store = common.open_store(reading=True)
    items = board_items(store, moment, window, procedure, kind)
    if owner:
        items = _owned(items, owner)
    if ics is not None:
        write_ics(store, ics, with_names, force, procedure, kind, owner)
    if as_json:
        common.print_json(items)
        return
    if as_csv:
        from ..present.csv_table import DUE_COLUMNS

        common.print_csv(items, DUE_COLUMNS)
        return
    print_board(store, items, moment, within, explain)
    common.remind_unfinished_new(store)


def write_ics(
    store,
    path: Path,
    with_names: bool,
    force: bool,
    procedure: str | None = None,
    kinds: list[str] | None = None,
    owner: str | None = None,
) -> None:
    """The calendar file: every dated deadline of every open discussion (the board's filters
    apply, not its window: a calendar looks months ahead), and the ones since done or closed,
    to cancel."""
    from ..casework.calendar import Wanted, calendar_items
    from ..present.calendar_file import write_calendar

    now = settings.now()
    items = calendar_items(store, now, Wanted(procedure, tuple(kinds or ()), owner))
    due, cancelled = write_calendar(path, items, with_names, force, now, database=store.file)
    dropped = f" (and {cancelled} done or closed, as cancelled)" if cancelled else ""
    common.say(f"Wrote {due} dated item{'s' if due != 1 else ''}{dropped} to {path}.")


def print_board(store, items: list[dict], moment, within: str, explain: bool) -> None:
    """The board for a person (`due`, and `demo` after filling its database)."""
    from ..present import terminal as output

    output.board(items, moment, within, explain, _held_not_quorate(store, items))


def _held_not_quorate(store, items: list[dict]) -> dict[str, str]:
    """The discussions on the board held without the agencies quoracy needs, each with who is
    missing in the words `show` and the minutes use (domain.md: the program says "not quorate"
    everywhere it shows the discussion). One not yet held is not marked: before the meeting
    nobody has attended, and every row would say it."""
    from ..domain import rules
    from ..store import expected_fingerprint

    on_board = {item["reference"] for item in items}
    now = settings.now()

    def settled(row) -> bool:  # quoracy stored with the deadlines, under rules still current
        return row["quorate"] is not None and row["rules_fingerprint"] == expected_fingerprint(row)

    held = [row for row in store.discussions() if row["reference"] in on_board and row["held_at"] is not None]
    # A stored "quorate" needs nothing more; the others are judged (or put in words) from their
    # whole records, read together rather than one by one.
    unsure = [row for row in held if not (settled(row) and row["quorate"])]
    records = store.discussions_named([row["reference"] for row in unsure])
    found = {}
    for row in unsure:
        discussion = records[row["reference"]]
        profile = store.profile_of(discussion)
        on_day = rules.quoracy_day(discussion, row["discussion_due"], now.date())
        quoracy = rules.quoracy(discussion, profile, on_day)
        if settled(row) or not quoracy.quorate:
            found[row["reference"]] = quoracy.sentence(profile.agencies)
    return found


def _owned(items: list[dict], owner: str) -> list[dict]:
    """Actions whose owner's name contains ``owner`` (case-insensitive)."""
    wanted = owner.lower()
    return [item for item in items if item["kind"] == "action" and wanted in (item["owner"] or "").lower()]


def register(app: typer.Typer) -> None:
    app.command("due")(due)
