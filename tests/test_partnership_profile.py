"""A partnership's own profile, written from docs/procedures.md alone (tests/fixtures/profiles/
northshire.toml is its worked example): a target with a maximum, an immediate rule, quoracy by
category, an agency, categories, outcome labels, a follow-up and a checklist of its own, driving
`new`, `due`, `show`, `checklist`, `record` and `export` as real processes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support import AVA

from strategy_cli.domain.procedures import ProfileError, load_profile

FIXTURES = Path(__file__).parent / "fixtures" / "profiles"
DOCS = Path(__file__).parent.parent / "docs" / "procedures.md"
FRIDAY = "2026-11-27T10:00"  # concern on a Friday: one working day is Monday, three Wednesday


@pytest.fixture
def north(proc, tmp_path):
    """The worked example installed in the user's procedures folder, its checklist beside it."""
    folder = tmp_path / "config" / "strategy" / "procedures"
    (folder / "checklists").mkdir(parents=True)
    shutil.copy(FIXTURES / "northshire.toml", folder / "northshire.toml")
    shutil.copy(FIXTURES / "checklists" / "northshire-agenda.toml", folder / "checklists")
    proc.env["STRATEGY_NOW"] = "2026-11-27T10:30"
    return proc


def _open(proc, *more: str) -> str:
    return proc.new(*AVA, "--procedure", "northshire", "--concern-at", FRIDAY, *more)


def _items(proc, ref: str, as_of: str) -> dict:
    return {
        i["kind"]: i for i in proc.json("due", "--as-of", as_of, "--within", "30d") if i["reference"] == ref
    }


def test_the_worked_example_is_the_fixture():
    """The docs' example and the fixture the tests drive are the same text."""
    text = DOCS.read_text(encoding="utf-8")
    example = text[text.index("```toml\n") + len("```toml\n") :]
    example = example[: example.index("```")]
    assert example in (FIXTURES / "northshire.toml").read_text(encoding="utf-8")


def test_a_target_with_a_maximum_is_past_target_then_overdue(north):
    ref = _open(north)
    shown = north.json("show", ref)
    deadline = next(d for d in shown["deadlines"] if d["kind"] == "discussion")
    assert deadline["due_at"] == "2026-11-30T17:00:00+00:00"  # the closing time, not 23:59
    assert deadline["maximum_at"] == "2026-12-02T17:00:00+00:00"
    assert "with a maximum of three" in deadline["rule"]
    assert _items(north, ref, "2026-11-30T12:00")["discussion"]["status"] == "due-soon"
    assert _items(north, ref, "2026-12-01T09:00")["discussion"]["status"] == "past-target"
    assert _items(north, ref, "2026-12-02T18:00")["discussion"]["status"] == "overdue"
    board = north.run("due", "--as-of", "2026-12-01T09:00", env={"COLUMNS": "120"}).stdout
    assert "past target" in board and "OVERDUE" not in board
    north.run("held", ref, "--at", "2026-12-01T10:00")  # on day 3 of 3: late for the target only
    assert "after its deadline" not in " ".join(north.json("show", ref)["warnings"])


def test_held_after_the_maximum_is_late(north):
    ref = _open(north)
    north.run("held", ref, "--at", "2026-12-03T10:00")
    assert any("after its deadline" in w for w in north.json("show", ref)["warnings"])


def test_an_immediate_rule_and_quoracy_by_category(north):
    ref = _open(north, "--category", "urgent")
    shown = north.json("show", ref)
    assert shown["discussion_due"] == "2026-11-27T10:00:00+00:00"  # immediately: the concern itself
    north.run("attend", ref, "--name", "Sam Social", "--agency", "social-care")
    north.run("attend", ref, "--name", "Pat Police", "--agency", "police")
    shown = north.json("show", ref)
    assert shown["quorate"] is True  # social care and police suffice when urgent
    assert shown["missing_agencies"] == ["nspcc"]  # expected, not required
    north.run("attend", ref, "--name", "Nia Nspcc", "--agency", "nspcc")
    assert north.json("show", ref)["missing_agencies"] == []
    assert north.json("show", ref)["checklist"]["answers"]["quorate"] is True
    standard = _open(north)
    north.run("attend", standard, "--name", "Sam Social", "--agency", "social-care")
    north.run("attend", standard, "--name", "Pat Police", "--agency", "police")
    assert north.json("show", standard)["quorate"] is False  # health is needed here


def test_the_profiles_own_categories_and_agencies_are_the_only_ones(north):
    refused = north.run(
        "new", "--no-input", *AVA, "--procedure", "northshire", "--category", "serious-harm", expect=2
    )
    assert "serious-harm" in refused.stderr and "urgent" in refused.stderr
    hampshire = north.new(*AVA, "--procedure", "hampshire")
    refused = north.run("attend", hampshire, "--name", "Nia", "--agency", "nspcc", expect=2)
    assert "nspcc" in refused.stderr


def test_its_own_follow_up_outcome_labels_and_record_event(north):
    ref = _open(north, "--category", "urgent")
    north.run("held", ref, "--at", "2026-11-27T11:00")
    north.run("decide", ref, "--s47", "--police", "--rationale", "Disclosure", "--at", "2026-11-27T12:00")
    shown = north.json("show", ref)
    assert shown["decision"]["outcome"] == "Joint s47 enquiry and criminal investigation"
    told = next(d for d in shown["deadlines"] if d["kind"] == "nspcc-informed")
    assert told["title"] == "Tell the NSPCC the outcome" and told["due_at"] == "2026-11-30T17:00:00+00:00"
    assert [i["kind"] for i in north.json("due", "--kind", "nspcc-informed")] == ["nspcc-informed"]
    north.run("record", ref, "nspcc-told", "--at", "2026-11-30T09:00")
    assert "nspcc-informed" not in {d["kind"] for d in north.json("show", ref)["deadlines"]}
    refused = north.run("record", ref, "nspcc-toldd", expect=2)
    assert "nspcc-told" in refused.stderr
    north.run("check")


def test_its_own_checklist_and_the_minutes(north, tmp_path):
    ref = _open(north, "--category", "urgent")
    questions = north.json("checklist", "--questions", "--procedure", "northshire")
    assert [q["id"] for q in questions][:3] == ["quorate", "nspcc-involved", "immediate-safety"]
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"nspcc-involved": True, "immediate-safety": "Stays with grandparents"}))
    north.run("checklist", ref, "--answers", str(answers))
    assert north.json("show", ref)["checklist"]["answers"]["immediate-safety"] == "Stays with grandparents"
    minutes = " ".join(north.run("export", ref, "--format", "md").stdout.split())
    for wanted in (
        "Northshire 4.1: immediately where urgent action is required",
        "Urgent action required",
        "Stays with grandparents",
        "Is the NSPCC involved with the family?",
    ):
        assert wanted in minutes, wanted


def test_a_first_edition_profile_means_the_same():
    """Every key of the first edition loads as before: the shipped profiles are first edition."""
    shipped = Path(__file__).parent.parent / "strategy_cli" / "procedures"
    for path in shipped.glob("*.toml"):
        profile = load_profile(path.read_text(encoding="utf-8"), path.name, _shipped_checklist)
        assert profile.closes is None and not profile.followups and not profile.quorum_categories


def _shipped_checklist(name: str) -> tuple[str, str]:
    path = Path(__file__).parent.parent / "strategy_cli" / "procedures" / "checklists" / f"{name}.toml"
    return path.read_text(encoding="utf-8"), path.name


@pytest.mark.parametrize(
    "change, named",
    [
        (('closes = "17:00"', 'closes = "5pm"'), "calendar.closes"),
        (("maximum = { working_days = 3 }", "maximum = { working_day = 3 }"), "did you mean 'working_days'"),
        (('from = "decision"', 'from = "lunch"'), "deadlines[2].from"),
        (('expected_when = ["urgent"]', 'expected_when = ["urgnt"]'), "did you mean 'urgent'"),
        (('urgent = ["social-care", "police"]', 'urgentt = ["social-care"]'), "quoracy.categories.urgentt"),
        (('kind = "nspcc-informed"\ncategories', 'kind = "nspcc-inform"\ncategories'), "deadlines[2].kind"),
        (('label = "NSPCC"', 'lable = "NSPCC"'), "did you mean 'label'"),
    ],
)
def test_second_edition_mistakes_are_named(change, named):
    text = (FIXTURES / "northshire.toml").read_text(encoding="utf-8")
    assert change[0] in text
    agenda = (FIXTURES / "checklists" / "northshire-agenda.toml").read_text(encoding="utf-8")
    with pytest.raises(ProfileError) as error:
        load_profile(text.replace(*change, 1), "northshire.toml", lambda name: (agenda, name))
    assert named in str(error.value)


def test_the_shipped_profiles_say_only_what_their_own_documents_say():
    """Hampshire's rules and checklist hints carry no West Midlands wording; the West Midlands
    LADO rule does not imply 1.8 mentions the LADO."""
    from strategy_cli import settings

    hampshire = settings.profile("hampshire")
    assert not [r.rule for r in hampshire.deadlines if "West Midlands" in r.rule or "practicable" in r.rule]
    assert not [q.id for q in hampshire.questions if "West Midlands" in (q.help or "")]
    lado = settings.profile("west-midlands").rules_for("lado")[0].rule
    assert "does not mention the LADO" in lado and "national guidance" in lado
