"""The rules of domain.md as pure functions over plain values: deadlines, quoracy, outcomes."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategy_cli import settings as app_settings
from strategy_cli.domain import rules
from strategy_cli.domain.calendar import LONDON, BankHolidays, iso
from strategy_cli.domain.model import CATEGORIES, Action, Attendee, Child, Decision, Discussion

ENGLAND = BankHolidays(lambda year: holidays.country_holidays("GB", subdiv="ENG", years=year).keys())
HAMPSHIRE = app_settings.profile("hampshire")
WEST_MIDLANDS = app_settings.profile("west-midlands")
PROFILES = {"hampshire": HAMPSHIRE, "west-midlands": WEST_MIDLANDS}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def discussion(procedure="hampshire", categories=("standard",), concern=at(2026, 11, 23, 10, 0), **changes):
    base = Discussion(
        reference="SD-2026-0001",
        procedure=procedure,
        categories=list(categories),
        concern_at=concern,
        opened_at=concern,
        children=[Child("Ava Example", date(2015, 3, 2))],
    )
    return replace(base, **changes)


def due(d: Discussion, kind: str):
    found = [x for x in rules.deadlines(d, PROFILES[d.procedure], ENGLAND) if x.kind == kind]
    assert len(found) <= 1
    return found[0] if found else None


# --- The discussion deadline: the whole table -------------------------------------------------

# (procedure, category, concern identified, due) for every category under both profiles.
DISCUSSION_TABLE = [
    ("hampshire", "standard", at(2026, 11, 23, 10, 0), "2026-11-24T10:00:00+00:00"),
    ("hampshire", "serious-harm", at(2026, 11, 27, 16, 0), "2026-11-28T16:00:00+00:00"),
    ("hampshire", "sexual-abuse-forensic", at(2026, 10, 24, 10, 0), "2026-10-25T09:00:00+00:00"),
    ("hampshire", "immediate-action", at(2026, 12, 24, 11, 0), "2026-12-25T11:00:00+00:00"),
    ("hampshire", "organised-abuse", at(2026, 11, 23, 10, 0), "2026-11-24T10:00:00+00:00"),
    ("hampshire", "allegation-against-staff", at(2026, 11, 23, 10, 0), "2026-11-24T10:00:00+00:00"),
    ("west-midlands", "standard", at(2026, 11, 23, 10, 0), "2026-11-26T23:59:59+00:00"),
    ("west-midlands", "standard", at(2026, 12, 24, 11, 0), "2026-12-31T23:59:59+00:00"),
    ("west-midlands", "serious-harm", at(2026, 11, 23, 16, 45), "2026-11-23T23:59:59+00:00"),
    ("west-midlands", "serious-harm", at(2026, 11, 28, 9, 0), "2026-11-28T23:59:59+00:00"),
    ("west-midlands", "sexual-abuse-forensic", at(2026, 12, 25, 9, 0), "2026-12-25T23:59:59+00:00"),
    ("west-midlands", "immediate-action", at(2026, 11, 27, 15, 0), "2026-11-30T23:59:59+00:00"),
    ("west-midlands", "organised-abuse", at(2026, 12, 24, 9, 0), "2026-12-29T23:59:59+00:00"),
    ("west-midlands", "allegation-against-staff", at(2026, 4, 2, 9, 0), "2026-04-07T23:59:59+01:00"),
]


@pytest.mark.parametrize("procedure, category, concern, expected", DISCUSSION_TABLE)
def test_discussion_deadline_table(procedure, category, concern, expected):
    item = due(discussion(procedure, [category], concern), "discussion")
    assert iso(item.due_at) == expected
    assert item.rule  # every deadline carries its rule


def test_every_category_has_a_discussion_rule_in_every_profile():
    for profile in PROFILES.values():
        for category in CATEGORIES:
            d = discussion(profile.id, [category])
            assert due(d, "discussion").due_at is not None, (profile.id, category)


def test_earliest_over_several_categories_with_its_rule():
    d = discussion("west-midlands", ["standard", "serious-harm"], at(2026, 11, 23, 10, 0))
    item = due(d, "discussion")
    assert iso(item.due_at) == "2026-11-23T23:59:59+00:00"
    assert "same day" in item.rule


@settings(max_examples=100, deadline=None)
@given(
    categories=st.lists(st.sampled_from(list(CATEGORIES)), min_size=1, max_size=4, unique=True),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 365 * 3),
    procedure=st.sampled_from(list(PROFILES)),
)
def test_several_categories_give_the_earliest_of_each(categories, minutes, procedure):
    concern = at(2025, 1, 1) + timedelta(minutes=minutes)
    together = due(discussion(procedure, categories, concern), "discussion").due_at
    alone = [due(discussion(procedure, [c], concern), "discussion").due_at for c in categories]
    assert together == min(alone)


def test_holding_clears_the_discussion_deadline_but_lateness_is_kept():
    d = discussion(held_at=at(2026, 11, 25, 9, 0))
    assert due(d, "discussion") is None
    late = rules.discussion_due(d, HAMPSHIRE, ENGLAND)
    assert iso(late) == "2026-11-24T10:00:00+00:00"
    assert "held after its deadline" in " ".join(rules.warnings(d, [], late))


# --- Deadlines that follow -----------------------------------------------------------------


def decided(s47, police, **more):
    return Decision(s47=s47, police_investigation=police, rationale="Because.", **more)


@pytest.mark.parametrize(
    "s47, police, seen", [(False, False, False), (True, False, True), (False, True, True), (True, True, True)]
)
def test_child_seen_within_24_hours_of_outcome_2_or_3_in_hampshire(s47, police, seen):
    d = discussion(held_at=at(2026, 11, 24, 9, 0), decision=decided(s47, police))
    item = due(d, "child-seen")
    assert (item is not None) == seen
    if seen:
        assert iso(item.due_at) == "2026-11-25T09:00:00+00:00"


def test_no_child_seen_deadline_in_west_midlands():
    d = discussion("west-midlands", held_at=at(2026, 11, 24, 9, 0), decision=decided(True, True))
    assert due(d, "child-seen") is None


@pytest.mark.parametrize("procedure", PROFILES)
def test_icpc_within_15_working_days_when_s47(procedure):
    d = discussion(procedure, held_at=at(2026, 11, 24, 9, 0), decision=decided(True, False))
    assert iso(due(d, "icpc").due_at) == "2026-12-15T23:59:59+00:00"
    assert due(replace(d, decision=decided(False, True)), "icpc") is None


def test_a_decision_before_the_discussion_is_held_leaves_its_clocks_undated():
    d = discussion(decision=decided(True, True))
    assert due(d, "icpc").due_at is None and due(d, "child-seen").due_at is None
    held = replace(d, held_at=at(2026, 11, 24, 9, 0))
    assert due(held, "icpc").due_at is not None


@pytest.mark.parametrize("procedure", PROFILES)
def test_lado_one_working_day_for_an_allegation_against_staff(procedure):
    d = discussion(procedure, ["allegation-against-staff"], at(2026, 11, 27, 15, 0))
    item = due(d, "lado")
    assert iso(item.due_at) == "2026-11-30T23:59:59+00:00"
    assert "Keeping Children Safe in Education" in item.rule
    assert due(discussion(procedure), "lado") is None
    informed = replace(d, events={"lado-informed": at(2026, 11, 27, 16, 0)})
    assert due(informed, "lado") is None


def test_review_is_due_at_the_end_of_the_date_set_and_cleared_by_a_held_follow_up():
    d = discussion(decision=decided(False, False, further_by=at(2026, 12, 1, 23, 59, 59)))
    assert iso(due(d, "review").due_at) == "2026-12-01T23:59:59+00:00"
    assert due(replace(d, held_follow_ups=(at(2026, 12, 1, 23, 59, 59),)), "review") is None
    # a follow-up held for an earlier time does not meet a date set since
    assert due(replace(d, held_follow_ups=(at(2026, 11, 30, 23, 59, 59),)), "review") is not None
    assert due(replace(d, events={"review-held": at(2026, 11, 30, 9, 0)}), "review") is None


def test_actions_record_and_referrer():
    d = discussion(
        held_at=at(2026, 11, 24, 9, 0),
        actions=[
            Action(1, "Request GP records", "Hana Health", "health", at(2026, 11, 25, 12, 0)),
            Action(
                2,
                "Visit",
                "Sam Social",
                "social-care",
                at(2026, 11, 26, 12, 0),
                done_at=at(2026, 11, 25, 9, 0),
            ),
        ],
    )
    items = rules.deadlines(d, HAMPSHIRE, ENGLAND)
    assert [x.key for x in items if x.kind == "action"] == ["action-1"]
    assert due(d, "record-circulated").due_at is None
    assert due(d, "referrer-informed").due_at is None
    # dated first by time, then undated
    dated = [x.due_at for x in items if x.due_at]
    assert dated == sorted(dated)
    assert all(x.due_at is None for x in items[len(dated) :])


def test_record_circulated_only_after_the_discussion_is_held():
    assert due(discussion(), "record-circulated") is None


# --- Status -----------------------------------------------------------------------------


def test_status_boundaries():
    now = at(2026, 11, 23, 18, 0)
    assert rules.status(now - timedelta(seconds=1), now) == "overdue"
    assert rules.status(now, now) == "due-soon"
    assert rules.status(now + timedelta(hours=24), now) == "due-soon"
    assert rules.status(now + timedelta(hours=24, seconds=1), now) == "upcoming"
    assert rules.status(None, now) == "undated"


# --- Who must be there -----------------------------------------------------------------------

CORE = [Attendee("S", "social-care"), Attendee("H", "health"), Attendee("P", "police")]
DAY = date(2026, 11, 24)


def test_quoracy_is_stored_only_once_it_no_longer_depends_on_today():
    due = at(2026, 11, 24, 10, 0)
    assert rules.settled_quoracy(discussion(attendees=CORE), HAMPSHIRE, None) is None
    assert rules.settled_quoracy(discussion(attendees=CORE), HAMPSHIRE, due) is True
    assert rules.settled_quoracy(discussion(attendees=CORE[:2]), HAMPSHIRE, due) is False
    held = discussion(attendees=CORE, held_at=at(2026, 11, 23, 15, 0))
    assert rules.settled_quoracy(held, HAMPSHIRE, None) is True


def test_core_three_make_it_quorate():
    d = discussion(attendees=CORE)
    assert rules.is_quorate(d, HAMPSHIRE, DAY)
    assert rules.missing_agencies(d, HAMPSHIRE, DAY) == []
    partial = discussion(attendees=CORE[:2])
    assert not rules.is_quorate(partial, HAMPSHIRE, DAY)
    assert rules.missing_agencies(partial, HAMPSHIRE, DAY) == ["police"]


def test_apologies_and_information_only_do_not_count():
    people = [*CORE[:2], Attendee("P", "police", attendance="information-only")]
    assert not rules.is_quorate(discussion(attendees=people), HAMPSHIRE, DAY)
    people[-1] = Attendee("P", "police", attendance="apologies")
    assert not rules.is_quorate(discussion(attendees=people), HAMPSHIRE, DAY)


def test_clinicians_count_as_health():
    people = [CORE[0], CORE[2], Attendee("Dr P", "paediatrician")]
    assert rules.is_quorate(discussion(attendees=people), HAMPSHIRE, DAY)


def test_looked_after_child_needs_fostering_for_quoracy_in_hampshire_only():
    children = [Child("Isla Fictional", date(2011, 1, 20), looked_after=True)]
    hampshire = discussion(attendees=CORE, children=children)
    assert not rules.is_quorate(hampshire, HAMPSHIRE, DAY)
    assert rules.missing_agencies(hampshire, HAMPSHIRE, DAY) == ["fostering"]
    west = discussion("west-midlands", attendees=CORE, children=children)
    assert rules.is_quorate(west, WEST_MIDLANDS, DAY)


def test_expected_agencies_in_west_midlands():
    children = [
        Child("Leo Sample", date(2012, 1, 1), in_hospital=True, hospital_services=True, medical=True),
        Child("Zoe Sample", date(2009, 1, 1)),  # 18 on 1 Jan 2027: within 6 months on 24 Nov 2026
    ]
    d = discussion("west-midlands", ["allegation-against-staff"], attendees=CORE, children=children)
    assert rules.is_quorate(d, WEST_MIDLANDS, DAY)  # expected agencies are not quoracy
    assert rules.missing_agencies(d, WEST_MIDLANDS, DAY) == [
        "adult-social-care",
        "consultant",
        "lado",
        "paediatrician",
        "ward-nurse",
    ]


def test_hampshire_expects_the_lado_only_for_an_allegation():
    d = discussion("hampshire", ["allegation-against-staff"], attendees=CORE)
    assert rules.missing_agencies(d, HAMPSHIRE, DAY) == ["lado"]
    children = [Child("Leo Sample", date(2012, 1, 1), in_hospital=True, medical=True)]
    assert rules.missing_agencies(discussion(attendees=CORE, children=children), HAMPSHIRE, DAY) == []


@pytest.mark.parametrize(
    "dob, day, near",
    [
        (date(2009, 1, 1), date(2026, 7, 1), False),  # exactly 6 months before: not less than
        (date(2009, 1, 1), date(2026, 7, 2), True),
        (date(2009, 1, 1), date(2026, 12, 31), True),
        (date(2009, 1, 1), date(2027, 1, 1), False),  # 18 that day: an adult
        (date(2015, 3, 2), date(2026, 11, 24), False),
    ],
)
def test_near_adulthood(dob, day, near):
    assert rules.near_adulthood(dob, day) is near


def test_near_adult_not_likely_to_need_care_is_not_expected():
    children = [Child("Zoe Sample", date(2009, 1, 1), no_adult_care_needs=True)]
    d = discussion("west-midlands", attendees=CORE, children=children)
    assert rules.missing_agencies(d, WEST_MIDLANDS, DAY) == []


def test_quoracy_day_is_held_day_else_due_day_else_today():
    d = discussion()
    assert rules.quoracy_day(d, at(2026, 11, 26, 23, 59), date(2026, 11, 23)) == date(2026, 11, 26)
    assert rules.quoracy_day(d, None, date(2026, 11, 23)) == date(2026, 11, 23)
    held = replace(d, held_at=at(2026, 11, 24, 9, 0))
    assert rules.quoracy_day(held, at(2026, 11, 26, 23, 59), date(2026, 11, 23)) == date(2026, 11, 24)


# --- Outcomes and warnings -------------------------------------------------------------------


@pytest.mark.parametrize(
    "s47, police, hampshire, west_midlands",
    [
        (
            False,
            False,
            "Outcome 1: threshold for s47 not met",
            "No s47: continue assessment, early help, child in need or no further action",
        ),
        (True, False, "Outcome 2: s47 without police investigation", "s47 enquiry (single agency)"),
        (False, True, "Outcome 2: single-agency police investigation", "Police investigation only"),
        (
            True,
            True,
            "Outcome 3: joint s47 and police enquiries",
            "Joint s47 enquiry and criminal investigation",
        ),
    ],
)
def test_outcome_labels_verbatim(s47, police, hampshire, west_midlands):
    assert HAMPSHIRE.outcome_label(s47, police) == hampshire
    assert WEST_MIDLANDS.outcome_label(s47, police) == west_midlands
    assert HAMPSHIRE.outcome_label(s47, None) is None


def test_a_further_discussion_without_a_date_and_an_in_patient_without_a_discharge_plan_warn():
    undated = discussion(
        decision=Decision(s47=False, police_investigation=False, rationale="r", further_discussion=True)
    )
    assert any("no date is set" in w for w in rules.warnings(undated, [], None))
    dated = replace(undated, decision=replace(undated.decision, further_by=at(2026, 12, 1, 23, 59)))
    assert not any("no date is set" in w for w in rules.warnings(dated, [], None))
    in_hospital = discussion(children=[Child("Ava Example", date(2015, 3, 2), in_hospital=True)])
    assert any("safe-discharge" in w for w in rules.warnings(in_hospital, [], None))
    early = replace(dated, decision=replace(dated.decision, further_by=at(2026, 11, 1, 23, 59)))
    assert any("before the concern" in w for w in rules.warnings(early, [], None))
    late_task = discussion(
        actions=[Action(1, "Task", "Sam", None, at(2026, 11, 20, 9, 0), at(2026, 11, 23, 11, 0))]
    )
    assert "Action 1 is due before it was agreed." in rules.warnings(late_task, [], None)
    planned = replace(in_hospital, answers={"safe-discharge": "Discharge to aunt after review"})
    assert not any("safe-discharge" in w for w in rules.warnings(planned, [], None))


def test_warnings_name_what_an_inspector_would_question():
    d = discussion(
        held_at=at(2026, 11, 24, 9, 0),
        decision=decided(True, False, withholding=True, decided_at=at(2026, 11, 23, 12, 0)),
        actions=[Action(1, "Late task", "Sam", "social-care", at(2027, 1, 30, 9, 0))],
    )
    pending = rules.deadlines(d, HAMPSHIRE, ENGLAND)
    found = " ".join(rules.warnings(d, pending, rules.discussion_due(d, HAMPSHIRE, ENGLAND)))
    assert "withheld" in found and "no rationale" in found
    assert "dated Mon 23 Nov 12:00, before the discussion was held (Tue 24 Nov 09:00)" in found
    assert "due after the initial child protection conference" in found
    assert "held before the concern" in " ".join(
        rules.warnings(replace(d, held_at=at(2026, 11, 1)), [], None)
    )
