"""The time rules of domain.md as pure functions (every worked example, and properties), the
reminders, and the calendar file `due --ics` writes, read back with icalendar."""

import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from support import AVA

from strategy_cli.domain.calendar import (
    LONDON,
    BankHolidays,
    TimeInputError,
    add_months,
    after_hours,
    after_working_days,
    age_on,
    at_end_of_day,
    end_of_day,
    is_working_day,
    iso,
    local,
    parse_date,
    parse_instant,
    reminders,
    same_day,
    working_day_before,
    working_days_after,
)

PROFILES = Path(__file__).parent / "fixtures" / "profiles"
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


# --- Reminders --------------------------------------------------------------------------------


def test_the_working_day_before_skips_weekends_and_christmas():
    assert working_day_before(date(2026, 11, 30), ENGLAND) == date(2026, 11, 27)  # Mon: Friday
    assert working_day_before(date(2026, 12, 29), ENGLAND) == date(2026, 12, 24)  # past 25-28 Dec
    assert working_day_before(date(2026, 11, 25), ENGLAND) == date(2026, 11, 24)


def test_reminders_at_nine_the_working_day_before_and_on_the_day():
    before, on_the_day = reminders(end_of_day(date(2026, 11, 30)), ENGLAND)
    assert (before, on_the_day) == (london(2026, 11, 27, 9, 0), london(2026, 11, 30, 9, 0))
    before, on_the_day = reminders(london(2026, 11, 24, 14, 10), ENGLAND)
    assert (before, on_the_day) == (london(2026, 11, 23, 9, 0), london(2026, 11, 24, 9, 0))


def test_a_deadline_due_before_nine_is_reminded_two_hours_before():
    due = london(2026, 11, 24, 7, 0)
    assert reminders(due, ENGLAND) == (london(2026, 11, 23, 9, 0), london(2026, 11, 24, 5, 0))
    # 01:30 BST on the autumn change: two hours of elapsed time before is 00:30 BST
    due = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON)  # fold=0: the first, BST, 01:30
    assert iso(reminders(due, ENGLAND)[1]) == "2026-10-24T23:30:00+01:00"


def test_only_a_deadline_in_the_last_minute_of_its_day_is_all_day():
    assert at_end_of_day(end_of_day(date(2026, 7, 1)))
    assert at_end_of_day(datetime(2026, 11, 23, 23, 59, 59, tzinfo=UTC))  # GMT: London's too
    assert not at_end_of_day(datetime(2026, 7, 1, 23, 59, 59, tzinfo=UTC))  # 00:59:59 BST
    assert not at_end_of_day(london(2026, 11, 23, 17, 0))
    assert at_end_of_day(london(2026, 11, 23, 23, 59))  # typed "23:59": the end of the day
    assert not at_end_of_day(london(2026, 11, 23, 23, 58))


@settings(max_examples=300, deadline=None)
@given(due=instants)
def test_reminders_fall_before_the_deadline_the_first_on_a_working_day_at_nine(due):
    before, on_the_day = reminders(due, ENGLAND)
    assert before < on_the_day < due
    assert is_working_day(local(before).date(), ENGLAND)
    assert local(before).time() == time(9, 0)
    assert local(before).date() < local(due).date()
    assert local(on_the_day).date() == local(due).date() or (due - on_the_day) == timedelta(hours=2)


# --- The calendar file (`due --ics`) ------------------------------------------------------------


def export(cli, path, *args, env=None):
    """Run `due --ics` and read the file back: its events by UID."""
    cli.run("due", "--ics", str(path), "--force", *args, env=env)
    calendar = Calendar.from_ical(path.read_bytes())
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def of(events, reference, key):
    return events[f"{reference}-{key}@strategy.invalid"]


def start(event):
    return event.decoded("DTSTART")


def rings(event) -> list[datetime]:
    """When each reminder of an event rings, in London time, as a calendar in London reads it:
    an all-day event's offsets counted on the clock face from its midnight, a timed event's in
    elapsed time from its start."""
    found = []
    for alarm in event.walk("VALARM"):
        offset = alarm.decoded("TRIGGER")
        begins = start(event)
        if isinstance(begins, datetime):
            found.append(local(begins + offset))
        else:
            wall = datetime.combine(begins, time(0, 0)) + offset
            found.append(wall.replace(tzinfo=LONDON))
    return found


def test_a_deadline_at_the_end_of_a_day_is_that_days_all_day_event(cli, tmp_path):
    ref = cli.new(*AVA, "--procedure", "west-midlands", "--concern-at", "2026-11-23T10:00")
    event = of(export(cli, tmp_path / "due.ics"), ref, "discussion")  # three working days
    assert start(event) == date(2026, 11, 26) and event.decoded("DTEND") == date(2026, 11, 27)
    assert "DTSTART;VALUE=DATE:20261126" in (tmp_path / "due.ics").read_text()
    assert rings(event) == [london(2026, 11, 25, 9, 0), london(2026, 11, 26, 9, 0)]
    assert str(event["TRANSP"]) == "TRANSPARENT" and str(event["STATUS"]) == "CONFIRMED"


def test_an_action_due_at_23_59_is_that_days_all_day_event_not_a_late_half_hour(cli, tmp_path):
    ref = cli.new(*AVA, "--procedure", "hampshire", "--concern-at", "2026-11-23T10:00")
    cli.run("action", "add", ref, "--task", "Visit", "--owner", "Sam", "--due", "30/11/2026 23:59")
    event = of(export(cli, tmp_path / "due.ics"), ref, "action-1")
    assert start(event) == date(2026, 11, 30) and event.decoded("DTEND") == date(2026, 12, 1)
    assert rings(event) == [london(2026, 11, 27, 9, 0), london(2026, 11, 30, 9, 0)]  # Friday before


def test_a_deadline_with_a_time_of_its_own_ends_at_it(cli, tmp_path):
    ref = cli.new(*AVA, "--procedure", "hampshire", "--concern-at", "2026-11-23T14:10")  # 24 hours
    event = of(export(cli, tmp_path / "due.ics"), ref, "discussion")
    assert event.decoded("DTEND") == london(2026, 11, 24, 14, 10)
    assert start(event) == london(2026, 11, 24, 13, 40)
    assert rings(event) == [london(2026, 11, 23, 9, 0), london(2026, 11, 24, 9, 0)]


def test_the_profiles_closing_time_is_a_timed_deadline(proc, tmp_path):
    """A real process: the profiles folder is read once per process."""
    cli = proc
    folder = tmp_path / "config" / "strategy" / "procedures"
    (folder / "checklists").mkdir(parents=True)
    shutil.copy(PROFILES / "northshire.toml", folder / "northshire.toml")
    shutil.copy(PROFILES / "checklists" / "northshire-agenda.toml", folder / "checklists")
    friday = {"STRATEGY_NOW": "2026-11-27T10:30"}
    ref = cli.json(
        "new", "--no-input", *AVA, "--procedure", "northshire", "--concern-at", "2026-11-27T10:00", env=friday
    )["reference"]
    event = of(export(cli, tmp_path / "due.ics", env=friday), ref, "discussion")
    assert event.decoded("DTEND") == london(2026, 11, 30, 17, 0)  # Monday at closing time
    assert rings(event) == [london(2026, 11, 27, 9, 0), london(2026, 11, 30, 9, 0)]


def test_reminders_skip_bank_holidays_and_come_early_for_a_deadline_before_nine(cli, tmp_path):
    ref = cli.new()
    cli.run("action", "add", ref, "--task", "Visit", "--owner", "Sam Social", "--due", "2026-12-29")
    cli.run("action", "add", ref, "--task", "Call", "--owner", "Sam Social", "--due", "2026-11-25T08:00")
    events = export(cli, tmp_path / "due.ics")
    assert rings(of(events, ref, "action-1")) == [london(2026, 12, 24, 9, 0), london(2026, 12, 29, 9, 0)]
    assert rings(of(events, ref, "action-2")) == [london(2026, 11, 24, 9, 0), london(2026, 11, 25, 6, 0)]


def test_every_dated_item_not_the_window(cli, tmp_path):
    ref = cli.new()
    cli.run("action", "add", ref, "--task", "Review", "--owner", "Sam Social", "--due", "2027-06-30")
    assert "action-1" not in {i["key"] for i in cli.json("due")}  # the board keeps its week
    assert f"{ref}-action-1@strategy.invalid" in export(cli, tmp_path / "due.ics")


def test_titles_say_what_is_due_without_names(cli, tmp_path):
    ref = cli.new(*AVA, "--procedure", "hampshire", "--concern-at", "2026-11-23T08:00")
    task = "Ask Mr Jones about Ava's bruise"
    cli.run(
        "action",
        "add",
        ref,
        "--task",
        task,
        "--owner",
        "Pat Police",
        "--agency",
        "police",
        "--due",
        "2026-12-01",
    )
    events = export(cli, tmp_path / "due.ics")
    assert str(of(events, ref, "action-1")["SUMMARY"]) == f"{ref}: action 1 due (police)"
    assert str(of(events, ref, "discussion")["SUMMARY"]) == f"{ref}: hold the strategy discussion"
    text = (tmp_path / "due.ics").read_text()
    for secret in ("Ava", "Jones", "bruise", "Pat Police"):
        assert secret not in text
    named = export(cli, tmp_path / "named.ics", "--with-names")
    assert str(of(named, ref, "action-1")["SUMMARY"]) == f"{ref}: Action 1: {task} (Ava Example)"


def test_a_done_action_is_cancelled_under_the_same_uid(cli, tmp_path):
    ref = cli.new()
    cli.run("action", "add", ref, "--task", "Visit", "--owner", "Sam Social", "--due", "2026-12-01")
    first = of(export(cli, tmp_path / "due.ics"), ref, "action-1")
    cli.run("action", "done", ref, "1", env={"STRATEGY_NOW": "2026-11-24T10:00"})
    later = {"STRATEGY_NOW": "2026-11-24T10:05"}
    again = of(export(cli, tmp_path / "due.ics", env=later), ref, "action-1")
    assert str(again["STATUS"]) == "CANCELLED" and str(first["STATUS"]) == "CONFIRMED"
    assert again["SEQUENCE"] > first["SEQUENCE"]
    assert again.decoded("DTSTAMP") > first.decoded("DTSTAMP")
    assert start(again) == start(first)
    assert not again.walk("VALARM")
    assert "as cancelled" in cli.run("due", "--ics", str(tmp_path / "due.ics"), "--force", env=later).output


def test_every_deadline_met_is_cancelled_as_it_was(cli, tmp_path):
    ref = cli.new(*AVA, "--procedure", "hampshire", "--category", "allegation-against-staff")
    cli.run("held", ref, "--at", "2026-11-23T15:00")
    cli.run("decide", ref, "--s47", "--police", "--rationale", "r", "--further-by", "2026-12-02")
    before = {uid: e for uid, e in export(cli, tmp_path / "due.ics").items() if ref in uid}
    assert {"review", "icpc"} <= {uid.split("@")[0].removeprefix(f"{ref}-") for uid in before}
    for event in ("lado-informed", "child-seen", "icpc-held", "review-held", "record-circulated"):
        cli.run("record", ref, event, "--at", "2026-11-24T10:00")
    cli.run("record", ref, "referrer-informed", "--at", "2026-11-24T10:00")
    after = export(cli, tmp_path / "due.ics")
    for uid, event in before.items():
        assert str(after[uid]["STATUS"]) == "CANCELLED", uid
        assert start(after[uid]) == start(event), uid
    assert str(after[f"{ref}-discussion@strategy.invalid"]["STATUS"]) == "CANCELLED"  # held


def test_a_closed_discussion_is_cancelled_for_ninety_days(cli, tmp_path):
    ref = cli.new()
    cli.run("action", "add", ref, "--task", "Visit", "--owner", "Sam Social", "--due", "2026-12-01")
    cli.run("close", ref, "--reason", "Transferred", "--force")
    events = export(cli, tmp_path / "due.ics")
    assert {str(e["STATUS"]) for e in events.values()} == {"CANCELLED"}
    assert {f"{ref}-discussion@strategy.invalid", f"{ref}-action-1@strategy.invalid"} <= set(events)
    months_later = {"STRATEGY_NOW": "2027-03-01T09:00"}
    assert export(cli, tmp_path / "due.ics", env=months_later) == {}
    cli.run("reopen", ref, "--reason", "Back", env=months_later)
    assert str(of(export(cli, tmp_path / "due.ics"), ref, "action-1")["STATUS"]) == "CONFIRMED"


def test_the_boards_filters_apply_to_the_file(cli, tmp_path):
    west = cli.new(*AVA, "--procedure", "west-midlands")
    hants = cli.new()
    events = export(cli, tmp_path / "due.ics", "--procedure", "hampshire")
    assert {uid.split("-discussion")[0] for uid in events} == {hants}
    assert west not in " ".join(events)


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


def test_a_two_digit_year_more_than_a_year_ahead_is_the_last_century():
    today = date(2026, 11, 30)
    assert parse_date("1/1/99", today) == date(1999, 1, 1)  # a parent's birth, not 2099
    assert parse_date("24/12/27", today) == date(2027, 12, 24)  # an expected date of delivery
    assert parse_date("2/3/15", today) == date(2015, 3, 2)
    assert parse_date("1/1/99") == date(2099, 1, 1)  # without today, this century (then warned)


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
