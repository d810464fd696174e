"""Disagreement and escalation (issue 15, item 1) and closing with what is pending (item 9).

West Midlands 1.8: unresolved differences of opinion about the outcome go to senior managers in
the agencies, then the local escalation policy. A disagreement is added, escalated and resolved,
each one audited change; until resolved it is on the board and blocks `close`; the professional
minutes have a section for it and the family version never does.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import AVA, MINIMAL_PROFILE

from strategy_cli import settings as app_settings
from strategy_cli.domain import rules
from strategy_cli.domain.calendar import LONDON, BankHolidays
from strategy_cli.domain.model import Child, Disagreement, Discussion
from strategy_cli.domain.procedures import ProfileError, load_profile
from strategy_cli.replay import replay
from strategy_cli.store.schema import MIGRATIONS

ENGLAND = BankHolidays(lambda year: holidays.country_holidays("GB", subdiv="ENG", years=year).keys())
WEST_MIDLANDS_TOML = Path(__file__).parent.parent / "strategy_cli" / "procedures" / "west-midlands.toml"
ABOUT = "Whether to interview the child today"
POSITION = "Police: interview now, before the evidence is lost"


def _west_midlands(cli) -> str:
    return cli.new(*AVA, "--procedure", "west-midlands")


def _disagreements(cli, ref: str) -> list[dict]:
    return cli.json("show", ref)["disagreements"]


def _board(cli, ref: str) -> list[dict]:
    return [
        i
        for i in cli.json("due", "--within", "365d")
        if i["reference"] == ref and i["kind"] == "disagreement"
    ]


# --- The commands, end to end -----------------------------------------------------------------


def test_add_escalate_resolve_end_to_end(cli):
    ref = _west_midlands(cli)
    added = cli.run(
        "disagreement", "add", ref, "--agency", "Police", "--about", ABOUT, "--position", POSITION
    )
    assert added.stdout.strip() == "1"  # its number, alone on stdout (like `action add`)
    second = cli.json("disagreement", "add", ref, "--agency", "health", "--about", "Whether to discharge")
    assert second == {"number": 2}

    first = _disagreements(cli, ref)[0]
    assert first == {
        "number": 1,
        "agency": "police",
        "about": ABOUT,
        "position": POSITION,
        "raised_at": "2026-11-23T09:00:00+00:00",
        "escalated_to": None,
        "escalated_at": None,
        "outcome": None,
        "resolved_at": None,
    }
    items = _board(cli, ref)
    assert [i["key"] for i in items] == ["disagreement-1", "disagreement-2"]
    assert items[0]["title"] == f"Disagreement 1 (Police): {ABOUT}"
    assert items[0]["due_at"] is None and items[0]["status"] == "undated"  # 1.8 gives no timescale
    assert "senior managers" in items[0]["rule"] and "escalation policy" in items[0]["rule"]
    assert set(items[0]) >= {"reference", "kind", "title", "due_at", "status", "rule", "children"}

    cli.run("disagreement", "escalate", ref, "1", "--to", "Senior managers", "--at", "2026-11-23T09:00")
    escalated = _disagreements(cli, ref)[0]
    assert escalated["escalated_to"] == "Senior managers"
    assert escalated["escalated_at"] == "2026-11-23T09:00:00+00:00"
    items = _board(cli, ref)
    assert items[0]["title"].endswith(", escalated to Senior managers")  # still on the board

    again = cli.run("disagreement", "escalate", ref, "1", "--to", "The escalation policy")
    assert "escalated before" in again.stderr
    assert _disagreements(cli, ref)[0]["escalated_to"] == "The escalation policy"

    cli.run("disagreement", "resolve", ref, "1", "--outcome", "Joint visit agreed by both managers")
    resolved = _disagreements(cli, ref)[0]
    assert resolved["outcome"] == "Joint visit agreed by both managers"
    assert resolved["resolved_at"] == "2026-11-23T09:00:00+00:00"
    assert [i["key"] for i in _board(cli, ref)] == ["disagreement-2"]

    actions = [e["action"] for e in cli.json("log", ref)]
    assert actions.count("disagreement.add") == 2
    assert actions.count("disagreement.escalate") == 2
    assert actions.count("disagreement.resolve") == 1
    _check_clean(cli)


def test_show_lists_them_on_the_terminal(cli):
    ref = _west_midlands(cli)
    cli.run("disagreement", "add", ref, "--agency", "police", "--about", "Interview [bold]now[/]")
    shown = cli.run("show", ref).stdout
    assert "Disagreements and escalation" in shown
    assert "Interview [bold]now[/]" in shown  # user text is inert, never rich markup


def test_mistakes_are_clear_errors_and_write_nothing(cli):
    ref = _west_midlands(cli)
    entries = len(cli.json("log", ref))
    unknown = cli.run("disagreement", "add", ref, "--agency", "polise", "--about", "x", expect=2)
    assert "polise" in unknown.output and "police" in unknown.output
    assert (
        "--about"
        in cli.run("disagreement", "add", ref, "--agency", "police", "--about", " ", expect=2).output
    )
    assert (
        "no disagreement 3" in cli.run("disagreement", "resolve", ref, "3", "--outcome", "x", expect=1).output
    )
    assert "no disagreement 3" in cli.run("disagreement", "escalate", ref, "3", "--to", "x", expect=1).output
    assert "--to" in cli.run("disagreement", "escalate", ref, "1", expect=2).output
    assert len(cli.json("log", ref)) == entries

    cli.run("disagreement", "add", ref, "--agency", "police", "--about", ABOUT, "--at", "2026-11-23T08:00")
    early = cli.run(
        "disagreement", "resolve", ref, "1", "--outcome", "x", "--at", "2026-11-22T08:00", expect=2
    )
    assert "raised" in early.output
    cli.run("disagreement", "resolve", ref, "1", "--outcome", "Agreed")
    twice = cli.run("disagreement", "resolve", ref, "1", "--outcome", "Again", expect=1)
    assert "already resolved" in twice.output
    late = cli.run("disagreement", "escalate", ref, "1", "--to", "Senior managers", expect=1)
    assert "already resolved" in late.output and "nothing to escalate" in late.output
    assert _disagreements(cli, ref)[0]["outcome"] == "Agreed"

    cli.run("close", ref, "--reason", "Transferred", "--force")
    closed = cli.run("disagreement", "add", ref, "--agency", "police", "--about", "x", expect=1)
    assert "closed" in closed.output
    assert (
        "no discussion"
        in cli.run(
            "disagreement", "add", "SD-2026-0099", "--agency", "police", "--about", "x", expect=1
        ).output
    )


def test_a_profile_own_agency_is_accepted(proc, tmp_path):
    """The agency is checked against the discussion's profile: its own agencies too."""
    text = WEST_MIDLANDS_TOML.read_text(encoding="utf-8").replace('id = "west-midlands"', 'id = "localshire"')
    text += '\n[[agencies]]\nid = "ambulance"\nlabel = "Ambulance service"\n'
    _install(tmp_path, "localshire", text)
    ref = proc.new(*AVA, "--procedure", "localshire")
    proc.run("disagreement", "add", ref, "--agency", "ambulance", "--about", "Whether to convey")
    assert _disagreements(proc, ref)[0]["agency"] == "ambulance"
    assert _board(proc, ref)[0]["title"].startswith("Disagreement 1 (Ambulance service)")


# --- A timescale from the profile -------------------------------------------------------------


def _install(tmp_path: Path, name: str, text: str) -> None:
    folder = tmp_path / "config" / "strategy" / "procedures"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.toml").write_text(text, encoding="utf-8")


def _with_timescale(text: str) -> str:
    """West Midlands with "escalate within one working day" in place of 1.8's words."""
    start = text.index('[[deadlines]]\nkind = "disagreement"')
    return text[:start] + (
        '[[deadlines]]\nkind = "disagreement"\nworking_days = 1\n'
        'rule = "Localshire: escalate an unresolved disagreement within one working day"\n'
    )


def test_a_profile_timescale_dates_the_item_until_it_is_escalated(proc, tmp_path):
    cli = proc
    cli.env["STRATEGY_NOW"] = "2026-11-27T12:00"
    text = WEST_MIDLANDS_TOML.read_text(encoding="utf-8").replace('id = "west-midlands"', 'id = "localshire"')
    _install(tmp_path, "localshire", _with_timescale(text))
    ref = cli.new(*AVA, "--procedure", "localshire")
    cli.run("disagreement", "add", ref, "--agency", "police", "--about", ABOUT, "--at", "2026-11-27T10:00")
    (item,) = _board(cli, ref)
    assert item["due_at"] == "2026-11-30T23:59:59+00:00"  # Friday: one working day is Monday
    assert item["rule"].startswith("Localshire: escalate")
    plain = tmp_path / "duty.ics"  # without --with-names: what it is about stays out
    cli.run("due", "--ics", str(plain))
    text = plain.read_text(encoding="utf-8")
    assert f"{ref}: disagreement 1 to resolve" in text and "interview" not in text.lower()
    blocked = cli.run("close", ref, "--reason", "x", expect=1)
    assert "Disagreement 1" in blocked.stderr
    cli.run("disagreement", "escalate", ref, "1", "--to", "Senior managers")
    (item,) = _board(cli, ref)
    assert item["due_at"] is None and "escalated to Senior managers" in item["title"]
    _check_clean(cli)


def test_the_built_in_west_midlands_gives_no_timescale_and_quotes_1_8():
    profile = app_settings.profile("west-midlands")
    (rule,) = profile.rules_for("disagreement")
    assert rule.timescale.undated
    assert "commensurate with the need to safeguard the child" in rule.rule
    seed = next((Path(__file__).parent.parent.parent / "shared" / "seeds").glob("001_*.txt"), None)
    if seed is not None:  # the seed says no fixed timescale: the profile must not invent one
        assert "commensurate with the need to safeguard the child" in seed.read_text(encoding="utf-8")
    assert app_settings.profile("hampshire").rules_for("disagreement") == []


MINIMAL = (
    MINIMAL_PROFILE
    + """[[sections]]
id = "s"
title = "S"
[[questions]]
id = "q"
section = "s"
text = "Q?"
type = "yes-no"
"""
)


@pytest.mark.parametrize(
    "rule, complaint",
    [
        ('from = "held"\nworking_days = 1', "clock starts when it is raised"),
        ("date_set = true", "no date set"),
    ],
)
def test_a_disagreement_rule_that_cannot_work_is_refused(rule, complaint):
    text = MINIMAL + f'[[deadlines]]\nkind = "disagreement"\n{rule}\nrule = "x"\n'
    with pytest.raises(ProfileError, match=complaint):
        load_profile(text, "testshire.toml")


def test_a_follow_up_cannot_take_a_disagreement_key():
    text = MINIMAL + '[[followups]]\nkind = "disagreement-1"\ntitle = "x"\nevent = "x-done"\n'
    with pytest.raises(ProfileError, match="already a kind"):
        load_profile(text, "testshire.toml")


# --- The rule, as a pure function -------------------------------------------------------------


def _discussion(disagreements: list[Disagreement]) -> Discussion:
    concern = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
    return Discussion(
        reference="SD-2026-0001",
        procedure="west-midlands",
        categories=["standard"],
        concern_at=concern,
        opened_at=concern,
        children=[Child("Ava Example", date(2015, 3, 2))],
        disagreements=disagreements,
    )


STEPS = st.sampled_from(["open", "escalated", "resolved", "escalated and resolved"])


@settings(max_examples=50, deadline=None)
@given(st.lists(STEPS, max_size=6))
def test_the_board_holds_exactly_the_unresolved_ones(steps):
    raised = datetime(2026, 11, 23, 11, 0, tzinfo=LONDON)
    items = []
    for number, step in enumerate(steps, 1):
        item = Disagreement(number, "police", f"about {number}", raised_at=raised)
        if "escalated" in step:
            item = replace(item, escalated_to="Senior managers", escalated_at=raised + timedelta(hours=1))
        if "resolved" in step:
            item = replace(item, outcome="Agreed", resolved_at=raised + timedelta(hours=2))
        items.append(item)
    for profile in (app_settings.profile("west-midlands"), app_settings.profile("hampshire")):
        found = [d for d in rules.deadlines(_discussion(items), profile, ENGLAND) if d.kind == "disagreement"]
        unresolved = [n for n, step in enumerate(steps, 1) if "resolved" not in step]
        assert [d.key for d in found] == [f"disagreement-{n}" for n in unresolved]
        assert all(d.due_at is None for d in found)  # neither built-in profile gives a timescale
        for d, n in zip(found, unresolved, strict=True):
            assert ("escalated to Senior managers" in d.title) == ("escalated" in steps[n - 1])


# --- The minutes: the professional record has them, the family version never ----------------


def test_professional_minutes_have_the_section_and_the_family_version_never(cli, tmp_path):
    ref = _west_midlands(cli)
    cli.run("held", ref, "--at", "2026-11-23T08:00", "--chair", "Sam Social")
    cli.run(
        "decide",
        ref,
        "--s47",
        "--no-police",
        "--rationale",
        "Injury not explained",
        "--share",
        "We will visit",
    )
    cli.run("disagreement", "add", ref, "--agency", "police", "--about", ABOUT, "--position", "<b>Now</b>")
    cli.run("disagreement", "escalate", ref, "1", "--to", "Detective Inspector and Team Manager")
    for fmt in ("md", "html"):
        professional = tmp_path / f"minutes.{fmt}"
        family = tmp_path / f"family.{fmt}"
        cli.run("export", ref, "--format", fmt, "--output", str(professional))
        cli.run("export", ref, "--format", fmt, "--audience", "family", "--output", str(family))
        shown = professional.read_text(encoding="utf-8")
        assert "Disagreements and escalation" in shown
        assert ABOUT in shown and "Detective Inspector and Team Manager" in shown and "Unresolved" in shown
        if fmt == "html":
            assert "<b>Now</b>" not in shown and "&lt;b&gt;Now&lt;/b&gt;" in shown  # autoescaped
        told = family.read_text(encoding="utf-8")
        for secret in ("Disagreement", "disagreement", ABOUT, "Now", "Detective Inspector", "escalat"):
            assert secret not in told, (fmt, secret)


# --- Closing ---------------------------------------------------------------------------------


def test_close_refuses_while_a_disagreement_is_open_or_the_record_is_not_circulated(cli, tmp_path):
    ref = _west_midlands(cli)
    cli.run("held", ref, "--at", "2026-11-23T08:00")
    cli.run("record", ref, "referrer-informed")
    cli.run("disagreement", "add", ref, "--agency", "police", "--about", ABOUT)
    refused = cli.run("close", ref, "--reason", "No further action", expect=1)
    assert f"Disagreement 1 (Police): {ABOUT}" in refused.output
    assert "Circulate the record to all invitees" in refused.output  # each thing pending named
    assert cli.json("show", ref)["status"] == "open"

    cli.run("disagreement", "resolve", ref, "1", "--outcome", "Agreed")
    refused = cli.run("close", ref, "--reason", "No further action", expect=1)
    assert "Circulate the record" in refused.output and "Disagreement" not in refused.output
    cli.run("record", ref, "record-circulated")
    cli.run("close", ref, "--reason", "No further action")  # nothing pending: closes
    close = [e for e in cli.json("log", ref) if e["action"] == "close"][-1]
    assert "pending" not in close["detail"]
    cli.run("export", ref, "--format", "md", "--output", str(tmp_path / "m.md"))
    assert "Closed with pending" not in (tmp_path / "m.md").read_text(encoding="utf-8")


def test_circulation_blocks_only_where_the_profile_asks_for_it(proc, tmp_path):
    """A profile without a record-circulated rule has no such item: a held discussion with
    nothing else pending closes without circulation."""
    text = WEST_MIDLANDS_TOML.read_text(encoding="utf-8").replace('id = "west-midlands"', 'id = "localshire"')
    start = text.index('[[deadlines]]\nkind = "record-circulated"')
    end = text.index("[[deadlines]]", start + 1)
    _install(tmp_path, "localshire", text[:start] + text[end:])
    ref = proc.new(*AVA, "--procedure", "localshire")
    proc.run("held", ref, "--at", "2026-11-23T08:00")
    proc.run("record", ref, "referrer-informed")
    assert proc.json("show", ref)["deadlines"] == []
    proc.run("close", ref, "--reason", "No further action")
    assert proc.json("show", ref)["status"] == "closed"


def test_close_force_records_what_was_pending_in_the_trail_and_the_minutes(cli, tmp_path):
    ref = _west_midlands(cli)
    cli.run("held", ref, "--at", "2026-11-23T08:00")
    cli.run("disagreement", "add", ref, "--agency", "police", "--about", ABOUT)
    forced = cli.run("close", ref, "--reason", "Transferred to another authority", "--force")
    assert "closed with pending" in forced.stderr
    close = [e for e in cli.json("log", ref) if e["action"] == "close"][-1]
    pending = close["detail"]["pending"]
    assert any(p.startswith(f"Disagreement 1 (Police): {ABOUT}") for p in pending)
    assert any(p.startswith("Circulate the record") for p in pending)
    assert "pending" in cli.run("log", ref).stdout
    for fmt in ("md", "html"):
        out = tmp_path / f"minutes.{fmt}"
        cli.run("export", ref, "--format", fmt, "--output", str(out))
        shown = out.read_text(encoding="utf-8")
        assert "Closed with pending" in shown and ABOUT in shown
        family = tmp_path / f"family.{fmt}"
        cli.run("export", ref, "--format", fmt, "--audience", "family", "--output", str(family))
        assert "pending" not in family.read_text(encoding="utf-8").lower()
    # Reopened, it is no longer "closed with pending"; closed again, the latest close counts.
    cli.run("reopen", ref, "--reason", "New information")
    cli.run("export", ref, "--format", "md", "--output", str(tmp_path / "again.md"))
    assert "Closed with pending" not in (tmp_path / "again.md").read_text(encoding="utf-8")
    assert cli.json("due", "--within", "365d")  # back on the board
    _check_clean(cli)


# --- The trail replays; the migration works ----------------------------------------------------


def _check_clean(cli) -> None:
    result = cli.run("check")
    assert "The database is whole" in result.stdout


def test_the_trail_replays_to_what_show_prints(cli):
    ref = _west_midlands(cli)
    cli.run("disagreement", "add", ref, "--agency", "police", "--about", ABOUT, "--position", POSITION)
    cli.run("disagreement", "add", ref, "--agency", "health", "--about", "Discharge")
    cli.run("disagreement", "escalate", ref, "2", "--to", "Senior managers", "--at", "today 10:00")
    cli.run("disagreement", "resolve", ref, "2", "--outcome", "Agreed", "--at", "today 11:00")
    state = replay(cli.json("log", ref))
    shown = cli.json("show", ref)["disagreements"]
    assert state["disagreements"] == shown
    _check_clean(cli)


def test_a_schema_6_database_migrates_and_takes_disagreements(proc, tmp_path):
    schema6 = Path(__file__).parent / "fixtures" / "schema6"
    shutil.copy(schema6 / "schema6.db", proc.db)
    procedures = tmp_path / "config" / "strategy" / "procedures"
    procedures.mkdir(parents=True)
    shutil.copy(schema6 / "localshire.toml", procedures / "localshire.toml")
    refs = list(json.loads((schema6 / "shown.json").read_text(encoding="utf-8")))
    open_ref = next(r for r in refs if proc.json("show", r)["status"] == "open")
    assert proc.json("show", open_ref)["disagreements"] == []
    proc.run("disagreement", "add", open_ref, "--agency", "police", "--about", ABOUT)
    assert proc.json("show", open_ref)["disagreements"][0]["about"] == ABOUT
    with closing(sqlite3.connect(proc.db)) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY name")]
    assert "0009_disagreements" in names and names[-1] == MIGRATIONS[-1][0]
    assert "The database is whole" in proc.run("check").stdout
