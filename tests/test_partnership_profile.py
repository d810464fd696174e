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


def _northshire(change=None):
    text = (FIXTURES / "northshire.toml").read_text(encoding="utf-8")
    if change:
        assert change[0] in text
        text = text.replace(*change, 1)
    agenda = (FIXTURES / "checklists" / "northshire-agenda.toml").read_text(encoding="utf-8")
    return text, agenda


@pytest.mark.parametrize(
    "change, named",
    [
        (("maximum = { working_days = 3 }", "maximum = { working_days = 1 }"), "not longer than the target"),
        (('kind = "nspcc-informed"\ntitle', 'kind = "action-1"\ntitle'), "followups[0].kind"),
        (("format = 2", "format = 2.0"), "format"),
    ],
)
def test_a_profile_that_would_mislead_a_command_is_refused(change, named):
    text, agenda = _northshire(change)
    if change[0].startswith('kind = "nspcc-informed"'):
        text = text.replace('kind = "nspcc-informed"\ncategories', 'kind = "action-1"\ncategories')
    with pytest.raises(ProfileError) as error:
        load_profile(text, "northshire.toml", lambda name: (agenda, name))
    assert named in str(error.value)


@pytest.mark.parametrize("line", ["choices = 5", 'follows = ["x"]', 'record = ["x"]'])
def test_a_wrong_type_in_a_checklist_file_is_named_against_that_file(line):
    text, agenda = _northshire()
    agenda = agenda.replace('text = "Why?"', f'text = "Why?"\n{line}')
    with pytest.raises(ProfileError) as error:
        load_profile(text, "northshire.toml", lambda name: (agenda, "northshire-agenda.toml"))
    assert str(error.value).startswith("northshire-agenda.toml: questions.rationale.")


def test_the_earliest_overdue_time_of_every_rule_bounds_the_maximum():
    """A stricter rule that also applies is never hidden behind another rule's maximum."""
    from datetime import datetime

    from strategy_cli.domain import rules
    from strategy_cli.domain.calendar import LONDON, BankHolidays
    from strategy_cli.domain.model import Child, Discussion

    text, agenda = _northshire()
    text += (
        '\n[[deadlines]]\nkind = "discussion"\ncircumstances = ["looked-after"]\nworking_days = 2\n'
        'rule = "Northshire 4.4: a looked-after child within two working days"\n'
    )
    profile = load_profile(text, "northshire.toml", lambda name: (agenda, name))
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=LONDON)
    child = Child("Ava Example", looked_after=True)
    discussion = Discussion("SD-2026-0001", "northshire", ["standard"], friday, friday, children=[child])
    none = BankHolidays(lambda year: [])
    (due,) = [d for d in rules.deadlines(discussion, profile, none) if d.kind == "discussion"]
    assert (due.due_at.day, due.maximum_at.day) == (30, 1)  # Mon 17:00 target, overdue Tue 17:00
    child.looked_after = False
    (due,) = [d for d in rules.deadlines(discussion, profile, none) if d.kind == "discussion"]
    assert (due.due_at.day, due.maximum_at.day) == (30, 2)


def test_a_same_day_clock_started_after_closing_runs_to_the_end_of_that_day():
    from datetime import datetime, time

    from strategy_cli.domain.calendar import LONDON, same_day

    late = datetime(2026, 11, 27, 18, 30, tzinfo=LONDON)
    assert same_day(late, time(17, 0)) == datetime(2026, 11, 27, 23, 59, 59, tzinfo=LONDON)
    early = datetime(2026, 11, 27, 9, 30, tzinfo=LONDON)
    assert same_day(early, time(17, 0)) == datetime(2026, 11, 27, 17, 0, tzinfo=LONDON)


def test_held_within_the_maximum_is_not_called_late_in_the_minutes(north):
    ref = _open(north)
    north.run("held", ref, "--at", "2026-12-02T11:00")
    minutes = " ".join(north.run("export", ref, "--format", "md").stdout.split())
    assert "held past the target, within the maximum" in minutes and "after the timescale" not in minutes
    assert "(at most Wed 02 Dec 2026, 17:00)" in minutes
    late = _open(north)
    north.run("held", late, "--at", "2026-12-03T11:00")
    minutes = " ".join(north.run("export", late, "--format", "md").stdout.split())
    assert "after the maximum" in minutes


def test_an_unknown_calendar_is_named_not_a_traceback(north, tmp_path):
    text, _agenda = _northshire(('subdivision = "ENG"', 'subdivision = "ZZZ"'))
    path = tmp_path / "config" / "strategy" / "procedures" / "northshire.toml"
    path.write_text(text)
    for args in (
        ("procedures", "check", str(path)),
        ("new", "--no-input", *AVA, "--procedure", "northshire"),
    ):
        done = north.run(*args, expect=1)
        assert "'ZZZ'" in done.stderr and "unexpected" not in done.stderr.lower(), done.stderr


def test_a_profile_file_with_a_bom_loads_and_one_not_in_utf8_is_listed_broken(north, tmp_path):
    folder = tmp_path / "config" / "strategy" / "procedures"
    path = folder / "northshire.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    (folder / "latin.toml").write_bytes('id = "latin"\nname = "Caf\xe9"\n'.encode("latin-1"))
    listed = north.run("procedures")
    assert "northshire" in listed.stdout and "latin" in listed.stdout and "UTF-8" in listed.stdout
    ref = _open(north)
    assert north.json("show", ref)["procedure"] == "northshire"
    assert north.run("due", "--json").returncode == 0


def test_moving_to_a_procedure_without_the_discussions_category_is_refused(north):
    ref = _open(north, "--category", "urgent")
    refused = north.run("edit", ref, "--procedure", "hampshire", expect=2)
    assert "urgent" in refused.stderr and "--category" in refused.stderr
    north.run("edit", ref, "--procedure", "hampshire", "--category", "standard")
    assert north.json("show", ref)["procedure"] == "hampshire"
    north.run("check")


def test_check_names_a_discussion_pinned_to_another_procedures_version(north):
    import sqlite3
    from contextlib import closing

    ref = _open(north)
    north.new(*AVA, "--procedure", "hampshire")
    with closing(sqlite3.connect(north.db)) as conn, conn:
        conn.execute(
            "UPDATE discussion SET procedure_version = (SELECT hash FROM procedure_version "
            "WHERE procedure = 'hampshire'), rules_fingerprint = NULL WHERE reference = ?",
            (ref,),
        )
    done = north.run("check", expect=1)
    assert ref in done.stdout and "pinned to a version of 'hampshire'" in done.stdout


def test_edit_checks_a_category_against_the_discussions_own_profile(north):
    ref = _open(north)
    north.run("edit", ref, "--category", "urgent")  # northshire's own category
    assert north.json("show", ref)["categories"] == ["urgent"]
    refused = north.run("edit", ref, "--category", "serious-harm", expect=2)
    assert "'serious-harm'" in refused.stderr and "northshire" in refused.stderr
    assert north.json("show", ref)["categories"] == ["urgent"]
