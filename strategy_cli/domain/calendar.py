"""Time as the procedures count it: elapsed hours, the same day, working days, end of day.

Everything here is pure. Instants are timezone-aware ``datetime`` values; local time is
Europe/London. Bank holidays come from a ``BankHolidays`` object the caller provides, so the
slow ``holidays`` import happens only in commands that compute a deadline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = time(23, 59, 59)


def local(instant: datetime) -> datetime:
    """The instant in Europe/London time (the only time a user ever sees)."""
    return instant.astimezone(LONDON)


def to_utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """23:59:59 local time on ``day``: when a deadline given as a date falls due."""
    return datetime.combine(day, END_OF_DAY, tzinfo=LONDON)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LONDON)


def after_hours(start: datetime, hours: int) -> datetime:
    """``hours`` of elapsed time after ``start``, whatever the clocks do in between.

    Arithmetic is done in UTC: 10:00 BST + 24 h across the autumn change is 09:00 GMT.
    """
    return local(to_utc(start) + timedelta(hours=hours))


def day_ends(day: date, closes: time | None = None) -> datetime:
    """When a day's deadline falls due: the profile's closing time (the end of the working
    day, e.g. 17:00) where it names one, else 23:59:59."""
    return end_of_day(day) if closes is None else datetime.combine(day, closes, tzinfo=LONDON)


def same_day(start: datetime, closes: time | None = None) -> datetime:
    """The end of the local calendar day on which the clock started: its closing time, where
    the profile names one and the clock started before it; a clock started after closing
    runs to the end of that calendar day (never to a time already past when it started)."""
    started = local(start)
    due = day_ends(started.date(), closes)
    return due if due >= started else end_of_day(started.date())


@dataclass
class BankHolidays:
    """Bank holidays of one calendar (country and subdivision), loaded a year at a time.

    ``load_year`` returns the holiday dates of one year; it is called at most once per year,
    so one object per process keeps the cost of the ``holidays`` package to a single build.
    """

    load_year: Callable[[int], Iterable[date]]
    _years: dict[int, frozenset[date]] = field(default_factory=dict)

    def __contains__(self, day: date) -> bool:
        if day.year not in self._years:
            self._years[day.year] = frozenset(self.load_year(day.year))
        return day in self._years[day.year]


def is_working_day(day: date, bank_holidays: BankHolidays) -> bool:
    """Monday to Friday, and not a bank holiday (substitute days count as holidays)."""
    return day.weekday() < 5 and day not in bank_holidays


def working_days_after(day: date, count: int, bank_holidays: BankHolidays) -> date:
    """The ``count``-th working day after ``day``; ``day`` itself never counts."""
    if count < 1:
        raise ValueError(f"a working-day count must be at least 1, not {count}")
    found = 0
    while found < count:
        day += timedelta(days=1)
        if is_working_day(day, bank_holidays):
            found += 1
    return day


def after_working_days(
    start: datetime, count: int, bank_holidays: BankHolidays, closes: time | None = None
) -> datetime:
    """The end of the ``count``-th working day after the local day on which the clock started
    (its closing time, where the profile names one)."""
    return day_ends(working_days_after(local(start).date(), count, bank_holidays), closes)


def working_day_before(day: date, bank_holidays: BankHolidays) -> date:
    """The last working day before ``day`` (Friday for a Monday; before Christmas, the 24th)."""
    day -= timedelta(days=1)
    while not is_working_day(day, bank_holidays):
        day -= timedelta(days=1)
    return day


def at_end_of_day(instant: datetime) -> bool:
    """Whether a deadline falls due at the end of its local day (23:59:59: a date alone, the
    same day, working days; or 23:59 as a person types "the end of the day") rather than at a
    time of its own (hours elapsed, a closing time)."""
    return local(instant).time() >= LAST_MINUTE


LAST_MINUTE = time(23, 59)


REMIND_AT = time(9, 0)
REMIND_EARLY = timedelta(hours=2)


def reminders(due: datetime, bank_holidays: BankHolidays) -> tuple[datetime, datetime]:
    """When to remind of a deadline: 09:00 on the working day before its day, and 09:00 on the
    day itself, so a manager learns of it while there is still a working day to act.

    A deadline due by 09:00 on its day (24 hours from 08:00, or from the small hours) would be
    past when that day's reminder rang: its second reminder is two hours before it instead
    (elapsed time, whatever the clocks do)."""
    day = local(due).date()
    before = datetime.combine(working_day_before(day, bank_holidays), REMIND_AT, tzinfo=LONDON)
    on_the_day = datetime.combine(day, REMIND_AT, tzinfo=LONDON)
    if on_the_day >= due:
        on_the_day = local(to_utc(due) - REMIND_EARLY)
    return before, on_the_day


# --- Reading the dates and times users type -------------------------------------------------
#
# One reader for every option and prompt that takes a date or a time, in the forms people in
# England type: ISO 8601, or day/month/year (never month first), then a time on the 24-hour
# clock or with am/pm; or a word: today, tomorrow, yesterday, now. docs/dates.md lists them.

FORMS = "e.g. 30/11/2026, 30/11/26 15:00, 30/11/2026 3.30pm, tomorrow 9am, now or 2026-11-30T15:00"
DATE_FORMS = "e.g. 30/11/2015, 30/11/15 or 2015-11-30"

_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})?$", re.ASCII
)
_ISO_DATE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$", re.ASCII)
_UK_DATE = re.compile(
    r"^(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})$", re.ASCII
)
_TIME = re.compile(
    r"^(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?)?(?: ?(?P<half>am|pm))?$", re.ASCII
)
_WORDS = {"yesterday": -1, "today": 0, "tomorrow": 1}
_MONTHS = ("January February March April May June July August September October November December").split()


class TimeInputError(ValueError):
    """A date or time a user typed that cannot be read; the message names the value."""


@dataclass(frozen=True)
class ReadInstant:
    """An instant read from user input, with a warning to show when it was ambiguous."""

    instant: datetime
    warning: str | None = None


# Dates outside these years are typing slips (9999 for 1999), and near the ends of Python's
# calendar the deadline arithmetic would overflow: refused as usage errors, naming the value.
YEARS = range(1900, 2201)


def parse_date(text: str, today: date | None = None) -> date:
    """A calendar date alone (a date of birth, an expected date of delivery): ``30/11/2015``,
    ``30/11/15``, ``2015-11-30``; with ``today`` given, also today, tomorrow or yesterday."""
    value = _tidy(text)
    day, rest = _split(value)
    found = None if rest is not None else _read_day(day, text, today)
    if found is None:
        raise TimeInputError(f"{text!r} is not a date ({DATE_FORMS})")
    return found


def parse_instant(text: str, *, now: datetime, date_means: str = "start") -> ReadInstant:
    """Read what a user typed for a moment as an aware instant: ``now``; a date (ISO, or day
    first: ``30/11/2026``, ``30/11/26``, ``30.11.2026``; or today, tomorrow, yesterday),
    optionally followed by a time (``15:00``, ``9:05``, ``9am``, ``3.30pm``, ``12pm`` noon,
    ``12am`` midnight); or an ISO 8601 date-time with its offset.

    A date alone is the start of that day (``date_means="start"``: when something happened,
    ``--as-of``) or its end (``date_means="end"``: when something falls due). A time without
    an offset is Europe/London local time: one that does not exist (clocks going forward) is
    refused; one that happens twice (clocks going back) is the first, BST, occurrence, with a
    warning.
    """
    value = _tidy(text)
    if value == "now":
        return ReadInstant(local(now))
    if _ISO_DATETIME.match(value):
        return _iso_instant(value, text)
    day_text, time_text = _split(value)
    day = _read_day(day_text, text, local(now).date())
    if day is None:
        raise TimeInputError(f"{text!r} is not a date or time ({FORMS})")
    if time_text is None:
        return ReadInstant(end_of_day(day) if date_means == "end" else start_of_day(day))
    return _local_wall_time(datetime.combine(day, _read_time(time_text, text)), text)


def _tidy(text: str) -> str:
    """Lower case, one space between words: ``Tomorrow  9 AM`` reads as ``tomorrow 9 am``."""
    return " ".join(text.split()).lower()


def _split(value: str) -> tuple[str, str | None]:
    """The date and the time after it (``30/11/2026 15:00``, ``tomorrow at 9am``,
    ``2026-11-30T15:00``); the time is None when only a date was given."""
    day, _, rest = value.partition(" ")
    if not rest and "t" in day and _ISO_DATE.match(day.partition("t")[0]):
        day, _, rest = day.partition("t")
    day = day.rstrip(",")
    rest = rest.removeprefix("at ").strip()
    return day, rest or None


def _read_day(word: str, text: str, today: date | None) -> date | None:
    """The date a word names, or None when it is not written as a date at all; a date
    written as one that cannot be (31/02, month 13, month first) is an error naming itself."""
    if today is not None and word in _WORDS:
        return today + timedelta(days=_WORDS[word])
    found = _ISO_DATE.match(word) or _UK_DATE.match(word)
    if found is None:
        return None
    year = int(found["year"])
    if len(found["year"]) == 2:
        year += 2000
        if today is not None and year > today.year + 1:  # "1/1/99" is a birth, not 2099
            year -= 100
    return _calendar_date(year, int(found["month"]), int(found["day"]), text, first=found.re is _UK_DATE)


def _calendar_date(year: int, month: int, day: int, text: str, first: bool) -> date:
    """The date, or an error that says what is wrong with it: a month past 12 (day first
    is the rule, never guessed the other way), a day past the month's end, a year far off."""
    if year not in YEARS:
        raise TimeInputError(f"{text!r} is outside the years {YEARS[0]} to {YEARS[-1]}")
    order = " (dates are day/month/year)" if first else ""
    if not 1 <= month <= 12:
        raise TimeInputError(f"{text!r}: there is no month {month}{order}")
    if day < 1:
        raise TimeInputError(f"{text!r}: there is no day {day}")
    last = (add_months(date(year, month, 1), 1) - timedelta(days=1)).day
    if day > last:
        raise TimeInputError(f"{text!r} is not a date: {_MONTHS[month - 1]} {year} has {last} days")
    return date(year, month, day)


def _read_time(word: str, text: str) -> time:
    """A time of day: ``15:00``, ``9:05``, ``15.30``, ``9am``, ``9 am``, ``3.30pm``; 12pm is
    noon and 12am midnight. A bare hour (``9``) is refused: morning or evening is not guessed."""
    found = _TIME.match(word)
    if found is not None and found["minute"] is None and found["half"] is None:
        hour = int(found["hour"])
        meant = f"{hour}am, {hour}pm or {hour:02}:00" if 1 <= hour <= 12 else f"{hour:02}:00"
        raise TimeInputError(f"{text!r}: which time is {hour}? (e.g. {meant})")
    if found is None:
        raise TimeInputError(f"{text!r}: {word!r} is not a time (e.g. 15:00, 9am or 3.30pm)")
    hour, minute, second = int(found["hour"]), int(found["minute"] or 0), int(found["second"] or 0)
    if found["half"]:
        if not 1 <= hour <= 12:
            raise TimeInputError(f"{text!r}: there is no {hour}{found['half']} (use 1 to 12 with am or pm)")
        hour = hour % 12 + (12 if found["half"] == "pm" else 0)
    if hour > 23:
        raise TimeInputError(f"{text!r}: there is no hour {hour} (the day runs 00:00 to 23:59)")
    if minute > 59 or second > 59:
        raise TimeInputError(f"{text!r}: {word!r} is not a time (minutes run 00 to 59)")
    return time(hour, minute, second)


def _iso_instant(value: str, text: str) -> ReadInstant:
    """An ISO 8601 date-time, as scripts write them: with an offset it is that instant; the
    date is checked first, so 2026-02-30T10:00 says what is wrong with it."""
    day = _ISO_DATE.match(value[:10])
    if day is not None:
        _calendar_date(int(day["year"]), int(day["month"]), int(day["day"]), text, first=False)
    try:
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise TimeInputError(f"{text!r} is not a date or time ({FORMS})") from None
    if parsed.tzinfo is not None:
        return ReadInstant(local(parsed))
    return _local_wall_time(parsed, text)


def _local_wall_time(wall: datetime, text: str) -> ReadInstant:
    """Attach Europe/London to a wall-clock time, refusing the hour that never happens."""
    first = wall.replace(tzinfo=LONDON, fold=0)
    second = wall.replace(tzinfo=LONDON, fold=1)
    round_trip = to_utc(first).astimezone(LONDON).replace(tzinfo=None)
    if round_trip != wall:
        raise TimeInputError(f"{text!r} does not exist in UK time (the clocks go forward that hour)")
    if first.utcoffset() != second.utcoffset():
        return ReadInstant(
            first,
            f"{text!r} happens twice in UK time (the clocks go back); taken as the first, BST, occurrence",
        )
    return ReadInstant(first)


# A clock a few minutes fast, or "now" typed a moment early, is not a slip worth a warning.
FUTURE_GRACE = timedelta(minutes=5)


def how_far(span: timedelta) -> str:
    """A span as a person says it: ``40 min``, ``14 h``, ``365 days``."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def future_warning(instant: datetime, now: datetime, what: str) -> str | None:
    """A warning when something said to have happened is dated ahead of now (beyond
    ``FUTURE_GRACE``): how far ahead, and which part of the date is probably wrong. Odd
    instants are warned, not refused (cli.md): a manager may be recording a time agreed."""
    ahead = instant - now
    if ahead <= FUTURE_GRACE:
        return None
    days = ahead.days
    if days >= 300:
        question = "is the year right?"
    elif days >= 25:
        question = "is the month right?"
    elif days >= 1:
        question = "is the date right?"
    else:
        question = "is the time right?"
    shown = local(instant).strftime("%a %d %b %Y %H:%M")
    return f"{what} {shown} is in the future, in {how_far(ahead)}: {question}"


def iso(instant: datetime | None) -> str | None:
    """Local ISO 8601 with its offset, as the JSON contract writes every instant."""
    return None if instant is None else local(instant).isoformat(timespec="seconds")


def parse_stored(text: str | None) -> datetime | None:
    """An instant as the store keeps it (ISO 8601 UTC) back into an aware local datetime."""
    return None if text is None else local(datetime.fromisoformat(text))


def stored(instant: datetime | None) -> str | None:
    """The form the store keeps: UTC, ISO 8601, seconds, so text order is time order."""
    return None if instant is None else to_utc(instant).isoformat(timespec="seconds")


def age_on(dob: date, day: date) -> int:
    """Whole years of age on ``day``."""
    years = day.year - dob.year
    if (day.month, day.day) < (dob.month, dob.day):
        years -= 1
    return years


def months_between(dob: date, day: date) -> int:
    """Whole calendar months from ``dob`` to ``day`` (born 31 Jan: a month old on 28 Feb)."""
    months = (day.year - dob.year) * 12 + day.month - dob.month
    if add_months(dob, months) > day:
        months -= 1
    return months


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'}"


def age_in_words(dob: date | None, edd: date | None, day: date) -> str | None:
    """A child's age on ``day`` as a practitioner says it: a baby's in days or weeks, a
    toddler's in months, everyone else's in years.

    Under three months in weeks ("7 weeks"; days in the first week), under two years in
    months ("14 months"), then years ("11 years"). An unborn child (no date of birth, or one
    still to come) is "unborn (due 14 Jan 2027)". ``None`` when neither date is known.
    """
    if dob is None or dob > day:
        due = edd if dob is None else dob
        return None if due is None else f"unborn (due {due.day} {due:%b %Y})"
    months, years = months_between(dob, day), age_on(dob, day)
    if months < 3:
        days = (day - dob).days
        return _count(days, "day") if days < 7 else _count(days // 7, "week")
    if years < 2:  # the legal age decides, so a leap-day child is never "1 year" then "24 months"
        return _count(months, "month")
    return _count(years, "year")


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the month's last day (29 Feb + 12 m = 28 Feb)."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")
