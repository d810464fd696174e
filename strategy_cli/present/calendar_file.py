"""The deadlines as an iCalendar file (``due --ics``), for the calendar the manager already uses.

* One event per dated deadline, its UID stable for the deadline (reference and key), so
  importing the file again updates events rather than duplicating them.
* A deadline at the end of a day (a date alone, the same day, working days: 23:59:59) is that
  day's all-day event: "by Thursday", not a half-hour slot before midnight. One with a time of
  its own (24 hours from 14:10, a profile's closing time of 17:00) is a half-hour event
  ending at it. Either way it is free time (TRANSP:TRANSPARENT): a deadline does not make the
  manager busy.
* Two reminders, 09:00 on the working day before and 09:00 on the day (``reminders`` in
  domain/calendar.py, which says what happens to a deadline due before 09:00). The
  day-before one comes first, for calendars that keep only one.
* A deadline met, or of a discussion closed, is sent again as ``STATUS:CANCELLED`` under the
  same UID with a higher ``SEQUENCE`` and later ``DTSTAMP``, without reminders, so a calendar
  drops it (casework/calendar.py says which are sent).
* Calendars leak (shared diaries, phones, notifications on a locked screen): without
  ``with_names`` the file holds the reference and what kind of thing is due, never a child's
  name or an action's wording (which may name someone).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.calendar import at_end_of_day, local, reminders, to_utc
from ..files import write_private

if TYPE_CHECKING:
    from ..casework.calendar import CalendarItem

EVENT_LENGTH = timedelta(minutes=30)
UID_DOMAIN = "strategy.invalid"


def uid(item: CalendarItem) -> str:
    """The same for a deadline in every export, pending or cancelled (never its time)."""
    return f"{item.reference}-{item.deadline.key}@{UID_DOMAIN}"


def summary(item: CalendarItem, with_names: bool) -> str:
    """What is due, with the reference: "SD-2026-0002: action 4 due (police)" or
    "SD-2026-0002: hold the strategy discussion"; with names, the action's wording and the
    children's names."""
    deadline = item.deadline
    if with_names:
        children = f" ({', '.join(item.children)})" if item.children else ""
        return f"{item.reference}: {deadline.title}{children}"
    if deadline.kind == "action":  # an action's wording may name someone: never without names
        number = deadline.key.removeprefix("action-")
        owner = f" ({item.agency})" if item.agency else ""
        return f"{item.reference}: action {number} due{owner}"
    if deadline.kind == "disagreement":  # what it is about, and who, is case detail
        number = deadline.key.removeprefix("disagreement-")
        return f"{item.reference}: disagreement {number} to resolve"
    return f"{item.reference}: {_lower_first(deadline.title)}"


def _lower_first(title: str) -> str:
    """ "Hold the ..." reads "hold the ..." after a reference; "LADO ..." stays as it is."""
    if len(title) > 1 and title[0].isupper() and not title[1].isupper():
        return title[0].lower() + title[1:]
    return title


def description(item: CalendarItem, with_names: bool) -> str:
    due = local(item.deadline.due_at) if item.deadline.due_at else None
    lines = [summary(item, with_names)]
    if due is not None:
        when = "end of the day" if at_end_of_day(due) else due.strftime("%H:%M")
        lines.append(f"Due: {due.strftime('%A')} {due.day} {due.strftime('%B %Y')}, {when}")
    lines.append(f"Rule: {item.deadline.rule}")
    if item.cancelled:
        lines.append("No longer due: done, or the discussion is closed.")
    return "\n".join(lines)


def event(item: CalendarItem, with_names: bool, now: datetime):
    """One ``VEVENT`` (icalendar's ``Event``)."""
    from icalendar import Event

    due = item.deadline.due_at
    assert due is not None  # the calendar holds dated deadlines only
    found = Event()
    found.add("uid", uid(item))
    found.add("dtstamp", to_utc(now))
    found.add("sequence", item.sequence)
    if item.modified is not None:
        found.add("last-modified", to_utc(item.modified))
    found.add("summary", summary(item, with_names))
    found.add("description", description(item, with_names))
    found.add("transp", "TRANSPARENT")
    if at_end_of_day(due):
        day = local(due).date()
        found.add("dtstart", day)
        found.add("dtend", day + timedelta(days=1))
        start: date | datetime = day
    else:
        start = to_utc(due - EVENT_LENGTH)
        found.add("dtstart", start)
        found.add("dtend", to_utc(due))
    if item.cancelled:
        found.add("status", "CANCELLED")
        return found
    found.add("status", "CONFIRMED")
    for ring in reminders(due, item.bank_holidays):
        found.add_component(_alarm(summary(item, with_names), trigger(ring, start)))
    return found


def trigger(ring: datetime, start: date | datetime) -> timedelta:
    """A reminder as an offset from the event's start, the form every calendar reads.

    A timed event starts at a UTC instant: the offset is elapsed time. An all-day event starts
    at midnight wherever the calendar is (Europe/London here): the offset is counted on the
    clock face, whole days and hours (RFC 5545: days are nominal), so 09:00 stays 09:00 across
    a change of the clocks."""
    if isinstance(start, datetime):
        return to_utc(ring) - start
    wall = local(ring).replace(tzinfo=None)
    return wall - datetime.combine(start, time(0, 0))


def _alarm(text: str, offset: timedelta):
    from icalendar import Alarm

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", offset)
    return alarm


def build_calendar(items: list[CalendarItem], with_names: bool, now: datetime) -> bytes:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//strategy//strategy discussions//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Strategy discussions: what is due")
    for item in items:
        if item.deadline.due_at is not None:
            calendar.add_component(event(item, with_names, now))
    return calendar.to_ical()


def write_calendar(
    path: Path,
    items: list[CalendarItem],
    with_names: bool,
    force: bool,
    now: datetime,
    database: Path | None = None,
) -> tuple[int, int]:
    """Write the file (private, never over one unless ``force``): how many deadlines are due
    in it, and how many it cancels."""
    write_private(path, build_calendar(items, with_names, now), force=force, database=database)
    cancelled = sum(1 for item in items if item.cancelled)
    return len(items) - cancelled, cancelled
