"""The time rules of domain.md as pure functions: every worked example, and properties."""

from datetime import UTC, date, datetime, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategy_cli.domain.calendar import (
    LONDON,
    BankHolidays,
    TimeInputError,
    add_months,
    after_hours,
    after_working_days,
    age_on,
    end_of_day,
    is_working_day,
    iso,
    parse_date,
    parse_instant,
    same_day,
    working_days_after,
)

ENGLAND = BankHolidays(lambda year: holidays.country_holidays("GB", subdiv="ENG", years=year).keys())
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_hours_are_elapsed_time_across_the_autumn_clock_change():
    # domain.md: 10:00 BST on Sat 24 Oct 2026 + 24 h is 09:00 GMT on Sun 25 Oct 2026.
    due = after_hours(london(2026, 10, 24, 10, 0), 24)
    assert iso(due) == "2026-10-25T09:00:00+00:00"


def test_hours_across_the_spring_clock_change():
    due = after_hours(london(2026, 3, 28, 10, 0), 24)
    assert iso(due) == "2026-03-29T11:00:00+01:00"


def test_same_day_is_the_end_of_the_local_day():
    assert iso(same_day(london(2026, 11, 23, 16, 45))) == "2026-11-23T23:59:59+00:00"
    # 00:30 BST is still the same local day, though it is the day before in UTC.
    assert iso(same_day(london(2026, 6, 1, 0, 30))) == "2026-06-01T23:59:59+01:00"


def test_three_working_days_over_christmas():
    # domain.md: Thu 24 Dec 2026 + 3 working days: 25, 26 (Sat), 27 (Sun), 28 (substitute) skip.
    due = after_working_days(london(2026, 12, 24, 11, 0), 3, ENGLAND)
    assert iso(due) == "2026-12-31T23:59:59+00:00"


def test_the_start_day_never_counts():
    # Monday 23 Nov + 3 working days is the end of Thursday 26 Nov, even at 00:01 on Monday.
    assert working_days_after(date(2026, 11, 23), 3, ENGLAND) == date(2026, 11, 26)


def test_one_working_day_from_friday_is_monday():
    assert iso(after_working_days(london(2026, 11, 27, 15, 0), 1, ENGLAND)) == "2026-11-30T23:59:59+00:00"


def test_substitute_days_are_holidays():
    assert not is_working_day(date(2026, 12, 28), ENGLAND)  # Boxing Day (substitute)
    assert not is_working_day(date(2027, 12, 27), ENGLAND)  # Christmas Day (substitute)
    assert is_working_day(date(2026, 12, 29), ENGLAND)


def test_fifteen_working_days_for_the_icpc():
    assert working_days_after(date(2026, 11, 24), 15, ENGLAND) == date(2026, 12, 15)


def test_end_of_day_carries_its_offset():
    assert iso(end_of_day(date(2026, 12, 31))) == "2026-12-31T23:59:59+00:00"
    assert iso(end_of_day(date(2026, 7, 1))) == "2026-07-01T23:59:59+01:00"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-20T09:30", "2026-11-20T09:30:00+00:00"),
        ("2026-11-20 09:30", "2026-11-20T09:30:00+00:00"),
        ("2026-07-20T09:30", "2026-07-20T09:30:00+01:00"),
        ("2026-07-20T09:30+00:00", "2026-07-20T10:30:00+01:00"),
        ("2026-07-20T08:30Z", "2026-07-20T09:30:00+01:00"),
        ("2026-11-20", "2026-11-20T00:00:00+00:00"),
        ("now", "2026-11-23T09:00:00+00:00"),
        ("today", "2026-11-23T00:00:00+00:00"),
    ],
)
def test_reading_what_users_type(text, expected):
    assert iso(parse_instant(text, now=NOW).instant) == expected


def test_a_date_that_falls_due_means_the_end_of_that_day():
    assert iso(parse_instant("2026-11-25", now=NOW, date_means="end").instant) == "2026-11-25T23:59:59+00:00"


def test_the_hour_skipped_in_spring_is_refused_naming_it():
    with pytest.raises(TimeInputError, match="2026-03-29T01:30"):
        parse_instant("2026-03-29T01:30", now=NOW)


def test_the_hour_repeated_in_autumn_is_the_first_with_a_warning():
    read = parse_instant("2026-10-25T01:30", now=NOW)
    assert iso(read.instant) == "2026-10-25T01:30:00+01:00"
    assert read.warning and "twice" in read.warning


@pytest.mark.parametrize(
    "text", ["31/02/2026", "2026-02-31", "2026-02-30T10:00", "tomorrow-ish", "", "2026-13-01"]
)
def test_nonsense_is_refused_naming_the_value(text):
    with pytest.raises(TimeInputError) as error:
        parse_instant(text, now=NOW)
    assert repr(text) in str(error.value)


def test_dates_of_birth():
    assert parse_date("2015-03-02") == date(2015, 3, 2)
    assert parse_date("02/03/2015") == date(2015, 3, 2)  # day first, as people in England write it
    assert parse_date("2/3/15") == date(2015, 3, 2)
    assert parse_date("Today", today=date(2026, 11, 23)) == date(2026, 11, 23)
    for text in ("today", "02/03/2015 10:00", "03/30/2015"):  # no "today" without a clock; no time
        with pytest.raises(TimeInputError, match=repr(text)):
            parse_date(text)


def test_ages_and_months():
    assert age_on(date(2015, 3, 2), date(2026, 3, 1)) == 10
    assert age_on(date(2015, 3, 2), date(2026, 3, 2)) == 11
    assert add_months(date(2008, 2, 29), 12) == date(2009, 2, 28)
    assert add_months(date(2026, 8, 31), -6) == date(2026, 2, 28)


# --- Properties ---------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2032, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(start=instants, count=st.integers(min_value=1, max_value=20))
def test_a_working_day_deadline_is_a_working_day_after_its_start(start, count):
    due = after_working_days(start, count, ENGLAND)
    local_due = due.astimezone(LONDON)
    assert is_working_day(local_due.date(), ENGLAND)
    assert due > start
    assert (local_due.hour, local_due.minute, local_due.second) == (23, 59, 59)


@settings(max_examples=300, deadline=None)
@given(
    first=instants,
    gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    count=st.integers(1, 15),
)
def test_later_starts_never_give_earlier_deadlines(first, gap, count):
    second = first + gap
    assert after_working_days(second, count, ENGLAND) >= after_working_days(first, count, ENGLAND)
    assert after_hours(second, 24) >= after_hours(first, 24)
    assert same_day(second) >= same_day(first)


@settings(max_examples=300, deadline=None)
@given(start=instants, hours=st.integers(min_value=1, max_value=24 * 30))
def test_hour_deadlines_are_exact_in_elapsed_seconds(start, hours):
    assert (after_hours(start, hours) - start).total_seconds() == hours * 3600


@settings(max_examples=200, deadline=None)
@given(start=instants)
def test_same_day_is_never_before_its_start_and_on_the_same_local_day(start):
    due = same_day(start)
    assert due >= start
    assert due.astimezone(LONDON).date() == start.astimezone(LONDON).date()


@settings(max_examples=200, deadline=None)
@given(start=instants)
def test_typed_local_times_round_trip(start):
    local = start.astimezone(LONDON).replace(microsecond=0)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    read = parse_instant(text, now=NOW).instant
    if read.utcoffset() == local.utcoffset():
        assert read == local
    else:  # the repeated autumn hour: the first (BST) occurrence is taken, with a warning
        assert parse_instant(text, now=NOW).warning


# --- Dates and times as people in England type them (docs/dates.md) ------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("30/11/2026 15:00", "2026-11-30T15:00:00+00:00"),
        ("30/11/26 15:00", "2026-11-30T15:00:00+00:00"),
        ("1/2/27 9:05", "2027-02-01T09:05:00+00:00"),
        ("30.11.2026 15.30", "2026-11-30T15:30:00+00:00"),
        ("30-11-2026, 3:30pm", "2026-11-30T15:30:00+00:00"),
        ("30/11/2026 at 3.30 PM", "2026-11-30T15:30:00+00:00"),
        ("30/07/2026 9am", "2026-07-30T09:00:00+01:00"),
        ("today 15:00", "2026-11-23T15:00:00+00:00"),
        ("Tomorrow 9am", "2026-11-24T09:00:00+00:00"),
        ("tomorrow  9 am", "2026-11-24T09:00:00+00:00"),
        ("yesterday 12pm", "2026-11-22T12:00:00+00:00"),  # noon
        ("yesterday 12am", "2026-11-22T00:00:00+00:00"),  # midnight, the start of the day
        ("tomorrow", "2026-11-24T00:00:00+00:00"),
        ("NOW", "2026-11-23T09:00:00+00:00"),
        ("2026-11-30 3pm", "2026-11-30T15:00:00+00:00"),
    ],
)
def test_dates_typed_the_english_way(text, expected):
    assert iso(parse_instant(text, now=NOW).instant) == expected


def test_a_typed_date_that_falls_due_is_the_end_of_that_day_whichever_way_it_is_written():
    for text in ("25/11/2026", "25/11/26", "2026-11-25", "25.11.2026"):
        assert iso(parse_instant(text, now=NOW, date_means="end").instant) == "2026-11-25T23:59:59+00:00"
    assert iso(parse_instant("tomorrow", now=NOW, date_means="end").instant) == "2026-11-24T23:59:59+00:00"


@pytest.mark.parametrize(
    "text, says",
    [
        ("11/30/2026", "'11/30/2026': there is no month 30 (dates are day/month/year)"),
        ("31/02/2026", "'31/02/2026' is not a date: February 2026 has 28 days"),
        ("29/02/2028 10:00", None),  # a leap year: a real date (checked below)
        ("30/02/2028", "February 2028 has 29 days"),
        ("31/04/26", "April 2026 has 30 days"),
        ("2026-02-29T10:00", "February 2026 has 28 days"),
        ("0/1/2026", "there is no day 0"),
        ("today 25:00", "there is no hour 25"),
        ("today 13pm", "there is no 13pm"),
        ("today 9", "which time is 9? (e.g. 9am, 9pm or 09:00)"),
        ("today 9:75", "minutes run 00 to 59"),
        ("tomorrow at noonish", "'noonish' is not a time"),
        ("30/11/1899", "outside the years"),
        ("next tuesday", "e.g. 30/11/2026, 30/11/26 15:00"),  # the forms it takes
        ("29/3/26 1.30am", "does not exist in UK time"),
    ],
)
def test_an_impossible_date_or_time_names_itself(text, says):
    if says is None:
        assert iso(parse_instant(text, now=NOW).instant) == "2028-02-29T10:00:00+00:00"
        return
    with pytest.raises(TimeInputError) as error:
        parse_instant(text, now=NOW)
    assert repr(text) in str(error.value) and says in str(error.value)


def test_the_autumn_hour_typed_the_english_way_is_the_first_with_a_warning():
    read = parse_instant("25/10/2026 1.30am", now=NOW)
    assert iso(read.instant) == "2026-10-25T01:30:00+01:00" and read.warning


def _twelve_hour(wall: datetime, spaced: bool) -> str:
    hour = wall.hour % 12 or 12
    clock = f"{hour}" if wall.minute == 0 else f"{hour}.{wall.minute:02}"
    return clock + (" " if spaced else "") + ("pm" if wall.hour >= 12 else "am")


# Every form docs/dates.md lists, written from a wall-clock time.
FORMS = {
    "iso": lambda w, now: w.strftime("%Y-%m-%dT%H:%M"),
    "iso-spaced": lambda w, now: w.strftime("%Y-%m-%d %H:%M"),
    "dd/mm/yyyy": lambda w, now: w.strftime("%d/%m/%Y %H:%M"),
    "d/m/yy h:mm": lambda w, now: f"{w.day}/{w.month}/{w:%y} {w.hour}:{w.minute:02}",
    "dd.mm.yyyy": lambda w, now: w.strftime("%d.%m.%Y %H.%M"),
    "dd-mm-yy": lambda w, now: w.strftime("%d-%m-%y %H:%M"),
    "3.30pm": lambda w, now: f"{w:%d/%m/%Y} {_twelve_hour(w, spaced=False)}",
    "3.30 PM": lambda w, now: f"{w:%d/%m/%Y} {_twelve_hour(w, spaced=True).upper()}",
    "word": lambda w, now: (
        {-1: "yesterday", 0: "today", 1: "tomorrow"}[(w.date() - now.date()).days] + f" {w:%H:%M}"
    ),
}


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    ),
    form=st.sampled_from(sorted(FORMS)),
    days_from_now=st.integers(-1, 1),
)
def test_every_form_reads_back_the_time_it_was_written_from(start, form, days_from_now):
    wall = start.astimezone(LONDON).replace(second=0, microsecond=0, tzinfo=None)
    now = datetime.combine(wall.date() - timedelta(days=days_from_now), NOW.timetz())
    text = FORMS[form](wall, now)
    try:
        read = parse_instant(text, now=now)
    except TimeInputError as error:  # only the hour the clocks skip in spring is refused
        assert "does not exist" in str(error)
        return
    assert read.instant.replace(tzinfo=None) == wall
    assert read.instant.tzinfo is LONDON
    if read.warning:  # the hour repeated in autumn: the first, BST, occurrence
        assert read.instant.utcoffset() == timedelta(hours=1)


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_every_date_form_reads_back_its_day_and_month_first_is_never_guessed(day):
    for text in (f"{day:%d/%m/%Y}", f"{day.day}/{day.month}/{day:%y}", f"{day:%d.%m.%y}", day.isoformat()):
        assert parse_date(text) == day
    if day.day > 12:  # written month first, it can only be refused, naming the month it is not
        with pytest.raises(TimeInputError, match=f"there is no month {day.day} "):
            parse_date(f"{day.month}/{day.day}/{day.year}")


def test_every_form_docs_dates_md_shows_in_its_tables_is_read():
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "dates.md").read_text(encoding="utf-8")
    rows = [line.split("|")[1] for line in page.splitlines() if line.startswith("| `")]
    typed = [example for row in rows for example in re.findall(r"`([^`]+)`", row)]
    assert len(typed) > 15
    for example in typed:
        parse_instant(example, now=NOW)  # raises if the page promises a form the reader refuses


typed_text = st.one_of(
    st.text(max_size=30),
    st.from_regex(
        r"(\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}|today|tomorrow)( (at )?\d{1,2}([:.]\d{1,2})? ?(am|pm)?)?",
        fullmatch=True,
    ),
)


@settings(max_examples=500, deadline=None)
@given(text=typed_text, means=st.sampled_from(["start", "end"]))
def test_whatever_is_typed_is_read_or_refused_naming_it_never_an_unexpected_error(text, means):
    try:
        read = parse_instant(text, now=NOW, date_means=means)
    except TimeInputError as error:
        assert repr(text) in str(error)
    else:
        assert read.instant.tzinfo is not None
    try:
        parse_date(text, today=NOW.date())
    except TimeInputError as error:
        assert repr(text) in str(error)
