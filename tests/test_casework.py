"""The use cases (strategy_cli/casework) called directly, with plain values and a temporary
store: corrections are patches, every path to the decision shares one rule, the checklist
cannot contradict the record, and a follow-up is due when the earlier decision said."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategy_cli import settings as app_settings
from strategy_cli.casework import Casework, attendance, checklist, children, discussion
from strategy_cli.casework.decision import amend_decision
from strategy_cli.domain import decision as rules
from strategy_cli.domain.calendar import LONDON
from strategy_cli.domain.decision import DecisionPatch, DecisionRefused
from strategy_cli.domain.model import Child, Decision, Discussion
from strategy_cli.errors import StrategyError, UsageProblem
from strategy_cli.store import Store


def at(text: str) -> datetime:
    """A London local time, as a user types one."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


NOON = at("2026-11-30T12:00")


@pytest.fixture
def case(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    store = Store(tmp_path / "casework.db")
    yield Casework(store, "tester", lambda: NOON)
    store.close()


def opened(case: Casework, procedure: str = "west-midlands", **more) -> str:
    return discussion.open_discussion(
        case,
        Discussion(
            reference="",
            procedure=procedure,
            categories=["standard"],
            concern_at=at("2026-11-30T09:10"),
            opened_at=NOON,
            children=[Child("Ava Example", dob=at("2015-03-02T00:00").date())],
            **more,
        ),
    )


# --- The decision ------------------------------------------------------------------------------


def test_amendments_are_patches_and_the_time_stays(case):
    ref = opened(case)
    amend_decision(
        case,
        ref,
        DecisionPatch(s47=True, police_investigation=False, rationale="R", decided_at=at("2026-11-30T11:30")),
    )
    amend_decision(case, ref, DecisionPatch(share="S"))
    amend_decision(case, ref, DecisionPatch(withhold="W", withhold_rationale="WR"))
    amend_decision(case, ref, DecisionPatch(further_by=at("2026-12-02T10:00")))
    decision = case.store.discussion(ref).decision
    assert (decision.s47, decision.police_investigation, decision.rationale) == (True, False, "R")
    assert (decision.share, decision.withhold, decision.withhold_rationale) == ("S", "W", "WR")
    assert decision.further_discussion is True and decision.further_by == at("2026-12-02T10:00")
    assert decision.decided_at == at("2026-11-30T11:30")


def test_a_time_alone_decides_nothing_but_corrects_a_decision_made(case):
    ref = opened(case)
    with pytest.raises(UsageProblem, match="nothing to decide"):
        amend_decision(case, ref, DecisionPatch(decided_at=at("2026-11-30T11:30")))
    assert case.store.discussion(ref).decision is None
    amend_decision(case, ref, DecisionPatch(s47=False, police_investigation=False, rationale="R"))
    amend_decision(case, ref, DecisionPatch(decided_at=at("2026-11-30T11:30")))
    assert case.store.discussion(ref).decision.decided_at == at("2026-11-30T11:30")


def test_a_changed_outcome_needs_a_new_rationale_and_then_moves_the_time(case):
    ref = opened(case)
    amend_decision(
        case,
        ref,
        DecisionPatch(
            s47=True, police_investigation=False, rationale="R1", decided_at=at("2026-11-30T11:30")
        ),
    )
    with pytest.raises(DecisionRefused) as refused:
        amend_decision(case, ref, DecisionPatch(police_investigation=True))
    assert refused.value.needs == "rationale"
    assert case.store.discussion(ref).decision.police_investigation is False
    amend_decision(case, ref, DecisionPatch(police_investigation=True, rationale="R2"))
    decision = case.store.discussion(ref).decision
    assert (decision.police_investigation, decision.rationale, decision.decided_at) == (True, "R2", NOON)


def test_withholding_needs_its_rationale_and_clearing_it_clears_the_text(case):
    ref = opened(case)
    with pytest.raises(DecisionRefused) as refused:
        amend_decision(case, ref, DecisionPatch(withhold="Police plans"))
    assert refused.value.needs == "withhold_rationale" and case.store.discussion(ref).decision is None
    amend_decision(case, ref, DecisionPatch(withhold="Police plans", withhold_rationale="Investigation"))
    amend_decision(case, ref, DecisionPatch(withholding=False))
    decision = case.store.discussion(ref).decision
    assert (decision.withholding, decision.withhold, decision.withhold_rationale) == (False, None, None)
    with pytest.raises(UsageProblem):
        amend_decision(case, ref, DecisionPatch(withholding=False, withhold="x"))


fields_given = st.fixed_dictionaries(
    {},
    optional={
        "s47": st.booleans(),
        "police_investigation": st.booleans(),
        "rationale": st.sampled_from(["R1", "R2"]),
        "share": st.sampled_from(["S1", "S2"]),
        "withhold": st.sampled_from(["W1", "W2"]),
        "withhold_rationale": st.sampled_from(["WR1", "WR2"]),
        "further_by": st.sampled_from([at("2026-12-02T10:00"), at("2026-12-04T23:59:59")]),
    },
)
current_decisions = st.one_of(
    st.none(),
    st.builds(
        Decision,
        s47=st.booleans(),
        police_investigation=st.booleans(),
        rationale=st.just("R0"),
        share=st.sampled_from([None, "S0"]),
        decided_at=st.just(at("2026-11-30T11:00")),
    ),
)


@settings(max_examples=300, deadline=None)
@given(current=current_decisions, given_fields=fields_given)
def test_amend_changes_only_what_was_given(current, given_fields):
    """Whatever the patch, a field not given keeps its value (save what a given one implies:
    --withhold means withholding, --further-by means a further discussion), and the decision
    time moves only with the outcome."""
    try:
        after = rules.amend(current, DecisionPatch(**given_fields), NOON)
    except (DecisionRefused, UsageProblem):
        return
    implied = {"withholding", "further_discussion", "decided_at"}
    for field in fields(Decision):
        if field.name in given_fields or field.name in implied:
            continue
        assert getattr(after, field.name) == getattr(current or Decision(), field.name), field.name
    for name, value in given_fields.items():
        assert getattr(after, name) == value
    if current is not None and rules.outcome(current) == rules.outcome(after):
        assert after.decided_at == current.decided_at
    if rules.settled(after):
        assert after.rationale is not None


# --- Attendance and children ---------------------------------------------------------------------


def test_an_attendance_correction_changes_only_what_was_given(case):
    ref = opened(case)
    attendance.record_attendance(case, ref, "PC Absent", {"agency": "police", "attendance": "apologies"})
    what, pc = attendance.record_attendance(case, ref, "PC Absent", {"role": "PC, PPU"})
    assert what == "corrected" and (pc.agency, pc.role, pc.attendance) == ("police", "PC, PPU", "apologies")
    what, pc = attendance.record_attendance(case, ref, "pc absent", {"agency": "paediatrician"})
    assert (pc.name, pc.agency, pc.role, pc.attendance) == (
        "pc absent",
        "paediatrician",
        "PC, PPU",
        "apologies",
    )
    assert attendance.record_attendance(case, ref, "pc absent", {"agency": "paediatrician"})[0] == "unchanged"
    with pytest.raises(UsageProblem, match="--agency"):
        attendance.record_attendance(case, ref, "New Person", {})


def test_a_child_correction_changes_only_what_was_given(case):
    ref = opened(case)
    children.correct_child(case, ref, "Ava Example", {"looked_after": True})
    children.correct_child(case, ref, "Ava Example", {"medical": True})
    children.correct_child(case, ref, "Ava Example", {"in_hospital": True})
    ava = case.store.discussion(ref).children[0]
    assert (ava.looked_after, ava.medical, ava.in_hospital, ava.hospital_services) == (True, True, True, True)
    children.correct_child(case, ref, "Ava Example", {"interpreter": "Polish"})
    children.correct_child(case, ref, "Ava Example", {"interpreter": None})
    assert case.store.discussion(ref).children[0].interpreter is None
    with pytest.raises(StrategyError, match="no child named"):
        children.correct_child(case, ref, "Nobody", {"medical": True})


# --- The checklist and the record -------------------------------------------------------------


def test_the_checklist_cannot_contradict_the_record(case):
    ref = opened(case)
    profile = app_settings.profile("west-midlands")
    with pytest.raises(checklist.ContradictsRecord, match="core-agencies-present.*not recorded as present"):
        checklist.answer_questions(
            case, ref, profile, {"core-agencies-present": True, "who-is-concerned": "School"}
        )
    assert "who-is-concerned" not in case.store.discussion(ref).answers  # nothing was saved
    checklist.answer_questions(case, ref, profile, {"core-agencies-present": False, "in-hospital": False})
    for agency in ("social-care", "health", "police"):
        attendance.record_attendance(case, ref, f"Someone {agency}", {"agency": agency})
    checklist.answer_questions(case, ref, profile, {"core-agencies-present": True})
    with pytest.raises(checklist.ContradictsRecord, match="in-hospital"):
        checklist.answer_questions(case, ref, profile, {"in-hospital": True})
    assert case.store.discussion(ref).answers == {}  # the record's answers are never copied


def test_the_checklist_and_decide_refuse_the_same_decision(case):
    profile = app_settings.profile("west-midlands")
    verdicts = []
    for path in ("decide", "checklist"):
        ref = opened(case)
        checklist.answer_questions(case, ref, profile, {"s47": True})
        try:
            if path == "decide":
                amend_decision(case, ref, DecisionPatch(police_investigation=True))
            else:
                checklist.answer_questions(case, ref, profile, {"police-investigation": True})
            verdicts.append("accepted")
        except DecisionRefused:
            verdicts.append("refused")
    assert verdicts == ["refused", "refused"]


# --- Follow-ups ----------------------------------------------------------------------------------


def test_a_follow_up_is_due_when_the_decision_said_or_sooner(case):
    ref = opened(case)
    amend_decision(
        case,
        ref,
        DecisionPatch(s47=True, police_investigation=False, rationale="R", further_by=at("2026-12-18T10:00")),
    )
    later = opened(case, follows=ref)
    assert case.store.discussion(later).follows_by == at("2026-12-18T10:00")
    # standard under west-midlands: 3 working days from the concern come first
    assert case.store.discussion_due(later) == at("2026-12-03T23:59:59")
    amend_decision(case, ref, DecisionPatch(further_by=at("2026-12-02T10:00")))
    sooner = opened(case, follows=ref)  # a new time set: a new follow-up, no --again needed
    assert case.store.discussion_due(sooner) == at("2026-12-02T10:00")
    assert case.store.pending(sooner)[0].rule.startswith(
        f"The further strategy discussion the decision of {ref}"
    )
    with pytest.raises(StrategyError, match="--again"):
        opened(case, follows=ref)
    again = discussion.open_discussion(
        case,
        Discussion("", "west-midlands", ["standard"], NOON, NOON, follows=ref),
        again=True,
    )
    assert [c.name for c in case.store.discussion(again).children] == ["Ava Example"]


def test_a_held_follow_up_keeps_its_time_and_a_new_date_brings_the_review_back(case):
    ref = opened(case)
    discussion.hold(case, ref, at("2026-11-30T11:00"), {})
    amend_decision(
        case,
        ref,
        DecisionPatch(s47=True, police_investigation=False, rationale="R", further_by=at("2026-12-02T10:00")),
    )
    later = opened(case, follows=ref)
    discussion.hold(case, later, at("2026-12-03T10:00"), {})  # a day late
    assert not [d for d in case.store.pending(ref) if d.kind == "review"]
    amend_decision(case, ref, DecisionPatch(further_by=at("2026-12-20T10:00")))
    assert case.store.discussion_due(later) == at("2026-12-02T10:00")  # still judged late
    review = [d for d in case.store.pending(ref) if d.kind == "review"]
    assert [d.due_at for d in review] == [at("2026-12-20T10:00")]
    opened(case, follows=ref)  # for the new time: no --again needed


def test_a_closed_discussion_is_refused_by_every_change(case):
    ref = opened(case)
    discussion.close(case, ref, "Entered in error", force=True)
    for change in (
        lambda: amend_decision(case, ref, DecisionPatch(share="S")),
        lambda: attendance.record_attendance(case, ref, "A", {"agency": "police"}),
        lambda: children.correct_child(case, ref, "Ava Example", {"medical": True}),
    ):
        with pytest.raises(StrategyError, match="closed"):
            change()
    discussion.reopen(case, ref, None)
    amend_decision(case, ref, DecisionPatch(share="S"))


def test_a_changed_outcome_needs_a_rationale_that_is_new(case):
    ref = opened(case)
    amend_decision(case, ref, DecisionPatch(s47=True, police_investigation=True, rationale="R1"))
    with pytest.raises(DecisionRefused):
        amend_decision(case, ref, DecisionPatch(police_investigation=False, rationale="R1"))
    assert case.store.discussion(ref).decision.police_investigation is True


def test_an_in_patient_receives_hospital_services(case):
    ref = opened(case)
    with pytest.raises(UsageProblem, match="contradict"):
        children.correct_child(case, ref, "Ava Example", {"in_hospital": True, "hospital_services": False})
    assert case.store.discussion(ref).children[0].in_hospital is False


def test_a_correction_that_changes_nothing_writes_nothing(case):
    """A child already so, or a discussion held again with nothing new, is told so and leaves
    no audit entry (a second manager making the same correction, a retry)."""
    ref = opened(case)
    assert children.correct_child(case, ref, "Ava Example", {"looked_after": True})[0] == "corrected"
    entries = len(case.store.trail(ref))
    assert children.correct_child(case, ref, "ava example", {"looked_after": True})[0] == "unchanged"
    assert len(case.store.trail(ref)) == entries
    held = discussion.hold(case, ref, at("2026-11-23T11:00"), {"chair": "Sam Chair"})
    entries = len(case.store.trail(ref))
    assert discussion.hold(case, ref, None, {}) == held
    assert discussion.hold(case, ref, None, {"chair": "Sam Chair"}) == held
    assert len(case.store.trail(ref)) == entries
    discussion.hold(case, ref, None, {"chair": "Pat Chair"})
    assert len(case.store.trail(ref)) == entries + 1
