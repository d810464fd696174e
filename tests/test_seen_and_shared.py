"""Issue 15: each child seen (by whom, alone or not, when), what each agency shared, follow-ups
cleared by an agency's taking part, and quoracy worded one way on every surface.

End to end through the CLI (in-process, and real processes where the board's layout matters),
with `check` clean after each story: every new fact is in the audit trail and replays."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import AVA

from strategy_cli.domain.model import AGENCIES
from strategy_cli.domain.rules import Quoracy

TWO = [*AVA, "--child", "Ben Example", "--dob", "2018-01-01"]
FIXTURES = Path(__file__).parent / "fixtures"


def kinds(shown: dict) -> set[str]:
    return {item["kind"] for item in shown["deadlines"]}


def decided(cli, *children: str) -> str:
    """A Hampshire discussion held and decided (s47), so the children must be seen."""
    ref = cli.new(*(children or AVA), "--procedure", "hampshire", "--concern-at", "2026-11-23T08:00")
    cli.run("held", ref, "--at", "2026-11-23T08:30")
    cli.run("decide", ref, "--s47", "--no-police", "--rationale", "Injury unexplained")
    return ref


def clean(cli) -> None:
    out = cli.run("check").stdout
    assert "records: " in out and "match their audit trails" in out and "The database is whole." in out


# --- 3. Seeing the child ----------------------------------------------------------------------


def test_each_child_must_be_seen_before_the_deadline_clears(cli):
    ref = decided(cli, *TWO)
    assert "child-seen" in kinds(cli.json("show", ref))
    unnamed = cli.run("record", ref, "child-seen", expect=2).output
    assert "--child" in unnamed and "Ava Example" in unnamed and "Ben Example" in unnamed
    cli.run(
        "record", ref, "child-seen", "--child", "Ava Example", "--by", "Sam Social", "--alone",
        "--at", "2026-11-23T11:00",
    )  # fmt: skip
    shown = cli.json("show", ref)
    assert "child-seen" in kinds(shown), "one child of two seen does not clear it"
    seen = {c["name"]: c["seen"] for c in shown["children"]}
    assert seen == {
        "Ava Example": {"by": "Sam Social", "alone": True, "at": "2026-11-23T11:00:00+00:00"},
        "Ben Example": None,
    }
    said = cli.run(
        "record", ref, "child-seen", "--child", "ben example", "--not-alone", "--at", "today 12:00"
    )
    assert "Recorded Ben Example seen, not alone" in said.output
    shown = cli.json("show", ref)
    assert "child-seen" not in kinds(shown)
    assert shown["children"][1]["seen"] == {"by": None, "alone": False, "at": "2026-11-23T12:00:00+00:00"}
    human = cli.run("show", ref).stdout
    assert "by Sam Social, alone" in human and "not alone" in human
    clean(cli)


def test_withdrawing_one_childs_sighting_brings_the_deadline_back(cli):
    ref = decided(cli, *TWO)
    for name in ("Ava Example", "Ben Example"):
        cli.run(
            "record", ref, "child-seen", "--child", name, "--by", "Sam Social", "--at", "2026-11-23T11:00"
        )
    assert "child-seen" not in kinds(cli.json("show", ref))
    cli.run(
        "record", ref, "child-seen", "--child", "Ben Example", "--withdraw", "--reason", "it was a cousin"
    )
    shown = cli.json("show", ref)
    assert "child-seen" in kinds(shown)
    assert shown["children"][0]["seen"] is not None and shown["children"][1]["seen"] is None
    entry = cli.json("log", ref)[-1]
    assert entry["action"] == "child.seen.withdraw" and entry["detail"]["child"] == "Ben Example"
    assert entry["detail"]["note"] == "it was a cousin"
    again = cli.run("record", ref, "child-seen", "--child", "Ben Example", "--withdraw", expect=1).output
    assert "no child-seen recorded for Ben Example" in again
    assert "--child" in cli.run("record", ref, "child-seen", "--withdraw", expect=2).output  # which child?
    clean(cli)


def test_seeing_a_child_again_corrects_it_and_the_minutes_show_each_sighting(cli):
    ref = decided(cli)
    cli.run("record", ref, "child-seen", "--by", "Sam Social", "--at", "2026-11-23T11:00")  # the only child
    corrected = cli.run(
        "record", ref, "child-seen", "--by", "Sam Social", "--alone", "--at", "2026-11-23T11:30"
    )
    assert "already recorded as seen" in corrected.output
    entry = cli.json("log", ref)[-1]
    assert entry["action"] == "child.seen" and entry["detail"]["old"]["at"] == "2026-11-23T11:00:00+00:00"
    for fmt in ("md", "html"):
        minutes = cli.run("export", ref, "--format", fmt).stdout
        assert "Mon 23 Nov 2026, 11:30" in minutes and "by Sam Social, alone" in minutes
    family = cli.run("export", ref, "--audience", "family").stdout
    assert "Sam Social" not in family
    clean(cli)


def test_a_sighting_names_only_a_child_of_the_discussion_and_goes_only_with_child_seen(cli):
    ref = decided(cli, *TWO)
    unknown = cli.run("record", ref, "child-seen", "--child", "Cara", expect=1).output
    assert "'Cara'" in unknown and "Ava Example, Ben Example" in unknown
    wrong = cli.run("record", ref, "icpc-held", "--child", "Ava Example", expect=2).output
    assert "--child go with child-seen" in wrong
    assert (
        "--withdraw"
        in cli.run(
            "record", ref, "child-seen", "--child", "Ava Example", "--withdraw", "--by", "X", expect=2
        ).output
    )


@pytest.fixture
def north(proc, tmp_path):
    """The partnership profile of docs/procedures.md (it has no child-seen deadline), in the
    user's procedures folder: real processes, which read the folder as a user's would."""
    folder = tmp_path / "config" / "strategy" / "procedures"
    (folder / "checklists").mkdir(parents=True)
    shutil.copy(FIXTURES / "profiles" / "northshire.toml", folder / "northshire.toml")
    shutil.copy(FIXTURES / "profiles" / "checklists" / "northshire-agenda.toml", folder / "checklists")
    return proc


def test_a_profile_without_a_child_seen_deadline_records_a_sighting_without_a_warning(north):
    ref = north.new(*AVA, "--procedure", "northshire", "--concern-at", "2026-11-23T08:00")
    done = north.run("record", ref, "child-seen", "--by", "Sam Social", "--at", "2026-11-23T08:45")
    assert "Warning" not in done.stderr and "no pending" not in done.stderr
    assert north.json("show", ref)["children"][0]["seen"]["by"] == "Sam Social"
    clean(north)


# --- 4. What each agency shared ----------------------------------------------------------------


def test_what_each_agency_shared_is_in_the_professional_minutes_and_never_the_familys(cli, tmp_path):
    ref = decided(cli)
    notes = tmp_path / "gp.txt"
    notes.write_text("GP: two missed immunisations.\nHealth visitor: no concerns.\n", encoding="utf-8")
    cli.run(
        "attend", ref, "--name", "Sam Social", "--agency", "social-care", "--shared", "Two previous referrals"
    )
    cli.run(
        "attend",
        ref,
        "--name",
        "Hana Health",
        "--agency",
        "health",
        "--information-only",
        "--shared",
        f"@{notes}",
    )
    cli.run("attend", ref, "--name", "Pat Police", "--agency", "police")
    shown = cli.json("show", ref)
    shared = {a["name"]: a["shared"] for a in shown["attendees"]}
    assert shared == {
        "Sam Social": "Two previous referrals",
        "Hana Health": "GP: two missed immunisations.\nHealth visitor: no concerns.",
        "Pat Police": None,
    }
    assert "Two previous referrals" in cli.run("show", ref).stdout
    for fmt in ("md", "html"):
        minutes = cli.run("export", ref, "--format", fmt).stdout
        assert "Information shared, by agency" in minutes
        assert "Two previous referrals" in minutes and "two missed immunisations" in minutes
        family = cli.run("export", ref, "--format", fmt, "--audience", "family").stdout
        assert "Information shared" not in family
        assert "Two previous referrals" not in family and "immunisations" not in family
    cli.run("attend", ref, "--name", "Sam Social", "--shared", "")  # an empty text clears it
    assert cli.json("show", ref)["attendees"][0]["shared"] is None
    entry = cli.json("log", ref)[-1]
    assert (
        entry["action"] == "attend.correct" and entry["detail"]["old"]["shared"] == "Two previous referrals"
    )
    assert (
        "--shared"
        in cli.run("attend", ref, "--name", "Pat Police", "--remove", "--shared", "x", expect=2).output
    )
    clean(cli)


def test_html_minutes_keep_what_was_shared_as_text(cli):
    ref = cli.new()
    cli.run("attend", ref, "--name", "Pat Police", "--agency", "police", "--shared", "<script>x</script>")
    html = cli.run("export", ref, "--format", "html").stdout
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html


# --- 6. Follow-ups cleared by what happened ----------------------------------------------------


def test_a_lado_who_attended_has_been_informed(cli):
    ref = cli.new(
        *AVA,
        "--procedure",
        "hampshire",
        "--category",
        "allegation-against-staff",
        "--concern-at",
        "2026-11-23T08:00",
    )
    assert "lado" in kinds(cli.json("show", ref))
    cli.run("attend", ref, "--name", "Lee Lado", "--agency", "lado", "--apologies")
    assert "lado" in kinds(cli.json("show", ref)), "a LADO who sent apologies has not been told"
    cli.run("attend", ref, "--name", "Lee Lado", "--present")
    cli.run("held", ref, "--at", "2026-11-23T09:00")
    assert "lado" not in kinds(cli.json("show", ref))
    evidence = "cleared: Lee Lado (LADO) attended"
    assert evidence in " ".join(cli.run("show", ref).stdout.split())
    for fmt in ("md", "html"):
        assert evidence in cli.run("export", ref, "--format", fmt).stdout
    assert evidence not in cli.run("export", ref, "--audience", "family").stdout
    cli.run("attend", ref, "--name", "Lee Lado", "--remove")
    assert "lado" in kinds(cli.json("show", ref))
    clean(cli)


def test_a_profiles_own_follow_up_names_the_agency_whose_attendance_clears_it(north, tmp_path):
    profile = tmp_path / "config" / "strategy" / "procedures" / "northshire.toml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text.replace('event = "nspcc-told"\n', 'event = "nspcc-told"\nagency = "nspcc"\n', 1))
    ref = north.new(
        *AVA, "--procedure", "northshire", "--category", "urgent", "--concern-at", "2026-11-27T10:00"
    )
    north.run("held", ref, "--at", "2026-11-27T11:00")
    north.run("decide", ref, "--s47", "--police", "--rationale", "Disclosure", "--at", "2026-11-27T12:00")
    assert "nspcc-informed" in kinds(north.json("show", ref))
    north.run("attend", ref, "--name", "Nia Nspcc", "--agency", "nspcc")
    assert "nspcc-informed" not in kinds(north.json("show", ref))
    assert (
        "Tell the NSPCC the outcome (cleared: Nia Nspcc (NSPCC) attended)" in north.run("export", ref).stdout
    )
    clean(north)


@pytest.mark.parametrize("agency, named", [('"nspc"', "did you mean 'nspcc'"), ("3", "must be an agency id")])
def test_a_follow_ups_agency_is_checked_by_the_strict_loader(agency, named):
    from strategy_cli.domain.procedures import ProfileError, load_profile

    text = (FIXTURES / "profiles" / "northshire.toml").read_text(encoding="utf-8")
    text = text.replace('event = "nspcc-told"\n', f'event = "nspcc-told"\nagency = {agency}\n', 1)
    agenda = (FIXTURES / "profiles" / "checklists" / "northshire-agenda.toml").read_text(encoding="utf-8")
    with pytest.raises(ProfileError) as error:
        load_profile(text, "northshire.toml", lambda name: (agenda, name))
    assert "followups[0].agency" in str(error.value) and named in str(error.value)


def test_an_export_written_with_circulated_clears_the_record_circulated_item(cli, tmp_path):
    ref = decided(cli)
    assert "record-circulated" in kinds(cli.json("show", ref))
    cli.run("export", ref, "--format", "md", "--output", str(tmp_path / "m.md"), "--circulated")
    shown = cli.json("show", ref)
    assert "record-circulated" not in kinds(shown) and "record-circulated" in shown["events"]
    clean(cli)


# --- 10. Quoracy in one voice ------------------------------------------------------------------


def test_show_the_line_after_attend_the_board_and_the_minutes_word_quoracy_the_same(proc):
    """Police missing (the minimum) and the LADO expected (an allegation against staff): one
    sentence on every surface, the minimum never run together with who else was expected."""
    ref = proc.new(
        *AVA,
        "--procedure",
        "hampshire",
        "--category",
        "allegation-against-staff",
        "--concern-at",
        "2026-11-23T08:00",
    )
    proc.run("attend", ref, "--name", "Sam Social", "--agency", "social-care")
    after = proc.run("attend", ref, "--name", "Hana Health", "--agency", "health").stdout
    sentence = "Not quorate: missing Police; also expected: LADO"
    assert sentence in after
    proc.run("held", ref, "--at", "2026-11-23T08:30")
    assert sentence in proc.run("show", ref, env={"COLUMNS": "200"}).stdout
    board = proc.run("due", "--as-of", "2026-11-23T09:00", env={"COLUMNS": "60"}).stdout
    assert sentence in " ".join(board.split())
    for fmt in ("md", "html"):
        assert f"{sentence}." in proc.run("export", ref, "--format", fmt).stdout
    proc.run("attend", ref, "--name", "Pat Police", "--agency", "police")
    quorate = "Quorate; also expected: LADO"
    assert quorate in proc.run("show", ref, env={"COLUMNS": "200"}).stdout
    assert f"{quorate}." in proc.run("export", ref).stdout
    proc.run("attend", ref, "--name", "Lee Lado", "--agency", "lado")
    assert "Quorate: every agency expected took part." in proc.run("export", ref).stdout


agency_ids = st.sets(st.sampled_from(sorted(AGENCIES)), max_size=5).map(lambda s: tuple(sorted(s)))


@given(missing=agency_ids, also=agency_ids)
def test_the_minimum_is_never_run_together_with_who_else_was_expected(missing, also):
    also = tuple(a for a in also if a not in missing)
    head, rest = Quoracy(not missing, missing, also).words(AGENCIES)
    assert head.startswith("Not quorate" if missing else "Quorate")
    assert "also expected" not in head and "missing" not in rest
    for agency in missing:
        assert AGENCIES[agency] in head
    assert rest == ("also expected: " + ", ".join(AGENCIES[a] for a in also) if also else "")


# --- Migration ---------------------------------------------------------------------------------


def test_a_schema_6_database_takes_sightings_and_what_was_shared(tmp_path):
    """Migration 0011 adds the sighting and the shared text, empty; records from the schema-6
    release (audit entries without them) then take both, and `check` stays clean."""
    import json
    import os
    import sys

    db = tmp_path / "schema6.db"
    shutil.copy(FIXTURES / "schema6" / "schema6.db", db)
    procedures = tmp_path / "config" / "strategy" / "procedures"
    procedures.mkdir(parents=True)
    shutil.copy(FIXTURES / "schema6" / "localshire.toml", procedures / "localshire.toml")
    env = {
        **os.environ,
        "STRATEGY_DB": str(db),
        "STRATEGY_USER": "tester",
        "STRATEGY_NOW": "2026-11-27T12:00",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }

    def run(*args):
        done = subprocess.run(
            [sys.executable, "-m", "strategy_cli", *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout

    run("list", "--all")  # upgrades it
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM child WHERE seen_at IS NOT NULL").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM attendee WHERE shared IS NOT NULL").fetchone()[0] == 0
    shown = json.loads(run("show", "SD-2026-0001", "--json"))
    assert "child-seen" in kinds(shown)
    child = shown["children"][0]["name"]
    run(
        "record",
        "SD-2026-0001",
        "child-seen",
        "--child",
        child,
        "--by",
        "Sam Social",
        "--at",
        "2026-11-27T11:00",
    )
    run("attend", "SD-2026-0001", "--name", "Sam Social", "--shared", "Known to the service")
    shown = json.loads(run("show", "SD-2026-0001", "--json"))
    assert "child-seen" not in kinds(shown)
    assert shown["attendees"][0]["shared"] == "Known to the service"
    at = datetime.fromisoformat(shown["children"][0]["seen"]["at"]).astimezone(UTC)
    assert at == datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    assert "The database is whole." in run("check")
