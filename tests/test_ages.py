"""Ages as a practitioner says them (domain/calendar.py, ``age_in_words``): a baby in days or
weeks, a toddler in months, everyone else in years; the unborn by their due date."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategy_cli.domain.calendar import add_months, age_in_words, age_on

DAY = date(2026, 11, 23)
UNITS = ["day", "week", "month", "year"]


def parsed(text: str) -> tuple[int, int]:
    """("7 weeks") -> (rank of the unit, 7): ages compare in that order."""
    match = re.fullmatch(r"(\d+) (day|week|month|year)s?", text)
    assert match, text
    number, unit = int(match.group(1)), match.group(2)
    assert (number == 1) == (not text.endswith("s")), f"{text!r}: singular only for 1"
    return UNITS.index(unit), number


@pytest.mark.parametrize(
    ("dob", "words"),
    [
        (date(2026, 11, 23), "0 days"),
        (date(2026, 11, 22), "1 day"),
        (date(2026, 11, 17), "6 days"),
        (date(2026, 11, 16), "1 week"),
        (date(2026, 10, 5), "7 weeks"),  # the 7-week-old in hospital
        (date(2026, 8, 24), "13 weeks"),
        (date(2026, 8, 23), "3 months"),
        (date(2025, 9, 1), "14 months"),
        (date(2024, 11, 24), "23 months"),
        (date(2024, 11, 23), "2 years"),
        (date(2015, 3, 2), "11 years"),
        (date(2009, 11, 24), "16 years"),  # the 17-year-old mother, the day before her birthday
    ],
)
def test_ages_in_the_unit_a_practitioner_uses(dob, words):
    assert age_in_words(dob, None, DAY) == words


def test_the_unborn_are_named_by_their_due_date():
    assert age_in_words(None, date(2027, 1, 4), DAY) == "unborn (due 4 Jan 2027)"
    assert age_in_words(date(2027, 1, 4), None, DAY) == "unborn (due 4 Jan 2027)"
    assert age_in_words(None, None, DAY) is None


def test_a_leap_day_child_turns_two_on_the_first_of_march():
    dob = date(2024, 2, 29)
    assert age_in_words(dob, None, date(2026, 2, 28)) == "24 months"
    assert age_in_words(dob, None, date(2026, 3, 1)) == "2 years"


dobs = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))
spans = st.integers(min_value=0, max_value=365 * 30)


@given(dobs, spans)
def test_the_unit_follows_the_thresholds(dob, days):
    day = dob + timedelta(days=days)
    rank, number = parsed(age_in_words(dob, None, day))
    if day < add_months(dob, 3):
        assert UNITS[rank] in ("day", "week")
        assert number == (days if days < 7 else days // 7)
    elif age_on(dob, day) < 2:
        assert UNITS[rank] == "month" and 3 <= number <= 24
        assert add_months(dob, number) <= day < add_months(dob, number + 1) or number == 24
    else:
        assert UNITS[rank] == "year" and number == age_on(dob, day)


@given(dobs, spans, st.integers(min_value=1, max_value=400))
def test_a_child_never_gets_younger(dob, days, later):
    day = dob + timedelta(days=days)
    assert parsed(age_in_words(dob, None, day)) <= parsed(
        age_in_words(dob, None, day + timedelta(days=later))
    )


@given(dobs, st.integers(min_value=1, max_value=400))
def test_a_date_of_birth_still_to_come_is_unborn(dob, early):
    assert age_in_words(dob, None, dob - timedelta(days=early)).startswith("unborn (due ")
