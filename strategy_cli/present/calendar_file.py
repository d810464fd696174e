"""The board as an iCalendar file, for the calendar the manager already uses.

One event per dated item, with a UID stable for the item (reference and deadline key), so
importing the file again updates events rather than duplicating them, and an alarm before
each deadline. Calendars leak: without ``with_names`` the file holds only the reference and
what kind of thing is due, never a child's name or an action's wording.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from ..files import write_private

ALARM_BEFORE = timedelta(hours=2)
EVENT_LENGTH = timedelta(minutes=30)
UID_DOMAIN = "strategy.invalid"


def summary(item: dict, with_names: bool) -> str:
    if with_names:
        children = f" ({', '.join(item['children'])})" if item["children"] else ""
        return f"{item['reference']}: {item['title']}{children}"
    title = item["title"]
    if item["kind"] == "action":  # an action's wording may name someone
        title = title.split(":", 1)[0]
    return f"{item['reference']}: {title}"


def build_calendar(items: list[dict], with_names: bool, now: datetime) -> bytes:
    from icalendar import Alarm, Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//strategy//strategy discussions//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Strategy discussions: what is due")
    for item in items:
        if item["due_at"] is None:
            continue
        due = datetime.fromisoformat(item["due_at"])
        event = Event()
        event.add("uid", f"{item['reference']}-{item['key']}@{UID_DOMAIN}")
        event.add("summary", summary(item, with_names))
        event.add("dtstart", due - EVENT_LENGTH)
        event.add("dtend", due)
        event.add("dtstamp", now)
        event.add(
            "description", f"{item['title'] if with_names else summary(item, False)}\nRule: {item['rule']}"
        )
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary(item, with_names))
        alarm.add("trigger", -(ALARM_BEFORE - EVENT_LENGTH))
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()


def write_calendar(
    path: Path, items: list[dict], with_names: bool, force: bool, now: datetime, database: Path | None = None
) -> int:
    write_private(path, build_calendar(items, with_names, now), force=force, database=database)
    return sum(1 for item in items if item["due_at"] is not None)
