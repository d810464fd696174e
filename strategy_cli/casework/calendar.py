"""What the calendar file of ``due --ics`` holds: every dated deadline of every open discussion,
and, as cancellations, the ones met and those of discussions closed lately.

A read, not a change. The tool keeps no record of what it exported (one file may go into
several calendars, or none), so "done since the last export" cannot be known. It is decided
from the record alone instead: every dated deadline the record shows was met (the discussion
held, a follow-up recorded, an action done) in an open discussion, and every dated deadline of
a discussion closed within ``CLOSED_WITHIN``, is sent as cancelled, under the UID it had while
pending. A calendar that had it drops it; one that never had it has at most a cancelled event.
A discussion closed longer ago is left out: its deadlines lie in the past by then, and a
calendar imported that rarely keeps them as history, where they do no harm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..domain import rules
from ..domain.calendar import BankHolidays
from ..domain.model import Deadline, Discussion
from ..errors import StrategyError

if TYPE_CHECKING:
    from ..domain.procedures import Profile
    from ..store import Store

CLOSED_WITHIN = timedelta(days=90)
# Where a discussion's profile cannot be read: England and Wales share these bank holidays.
DEFAULT_CALENDAR = ("GB", "ENG")


@dataclass(frozen=True)
class CalendarItem:
    """One deadline as the calendar file shows it."""

    reference: str
    deadline: Deadline  # dated: due_at is never None here
    children: tuple[str, ...]
    agency: str | None  # who owns it, for an action
    cancelled: bool  # met, or its discussion closed: the calendar should drop it
    bank_holidays: BankHolidays  # the discussion's working days, for the reminders
    # How many times the discussion has changed, and when last: grows with every change, so
    # a calendar takes this copy of the event over any it imported before.
    sequence: int
    modified: datetime | None


@dataclass(frozen=True)
class Wanted:
    """The board's filters, which the calendar file honours too (not its window)."""

    procedure: str | None = None
    kinds: tuple[str, ...] = ()
    owner: str | None = None

    def discussion(self, discussion: Discussion) -> bool:
        return self.procedure is None or discussion.procedure == self.procedure

    def deadline(self, deadline: Deadline, owners: dict[str, str]) -> bool:
        if self.kinds and deadline.kind not in self.kinds:
            return False
        if self.owner is None:
            return True
        return deadline.kind == "action" and self.owner.lower() in owners.get(deadline.key, "").lower()


def calendar_items(store: Store, now: datetime, wanted: Wanted = Wanted()) -> list[CalendarItem]:
    """Every item of the calendar file, the live ones first by due time, then the cancelled."""
    calendars: dict[tuple[str, str | None], BankHolidays] = {}
    found: list[CalendarItem] = []
    with store.snapshot():
        open_ones = [row["reference"] for row in store.discussions()]
        closed = store.closed_since(now - CLOSED_WITHIN)
        for reference in [*open_ones, *closed]:
            discussion = store.discussion(reference)
            if wanted.discussion(discussion):
                found.extend(_items(store, discussion, calendars, wanted))
    return sorted(found, key=lambda item: (item.cancelled, rules.board_order(item.deadline), item.reference))


def _items(
    store: Store,
    discussion: Discussion,
    calendars: dict[tuple[str, str | None], BankHolidays],
    wanted: Wanted,
) -> list[CalendarItem]:
    """One discussion's items: pending ones live (cancelled once it is closed), met ones
    cancelled. A discussion whose profile cannot be read has no met ones (the rules that
    would find them are in the profile) and takes England's working days."""
    profile = _profile(store, discussion)
    where = DEFAULT_CALENDAR if profile is None else (profile.calendar_country, profile.calendar_subdivision)
    if where not in calendars:
        calendars[where] = store.read_bank_holidays(*where)
    bank_holidays = calendars[where]
    closed = discussion.status != "open"
    pending = [(d, closed) for d in store.pending(discussion.reference)]
    met = [] if profile is None else rules.met_deadlines(discussion, profile, bank_holidays)
    sequence, modified = store.revisions(discussion.reference)
    agencies = {f"action-{a.number}": a.agency for a in discussion.actions}
    owners = {f"action-{a.number}": a.owner or "" for a in discussion.actions}
    children = tuple(child.name for child in discussion.children)
    return [
        CalendarItem(
            reference=discussion.reference,
            deadline=deadline,
            children=children,
            agency=agencies.get(deadline.key),
            cancelled=cancelled,
            bank_holidays=bank_holidays,
            sequence=sequence,
            modified=modified,
        )
        for deadline, cancelled in [*pending, *((d, True) for d in met)]
        if deadline.due_at is not None and wanted.deadline(deadline, owners)
    ]


def _profile(store: Store, discussion: Discussion) -> Profile | None:
    try:
        return store.profile_of(discussion)
    except StrategyError:
        return None
