"""Issue 15, items 5, 7 and 8: duplicates and mistakes (a second discussion for the same
child, the same action twice, an action taken back), the deadline said when `new` opens late
or the concern time moves, and times dated ahead of now named on stderr."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import AVA, Scripted

from strategy_cli import prompts
from strategy_cli.cli import common
from strategy_cli.domain.calendar import FUTURE_GRACE, future_warning, how_far

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


# No allegation against staff; the child neither looked after, in hospital nor with medical
# needs; no interpreter.
NOT_AN_ALLEGATION = ["no", "no", "no", "no", ""]


def add_visit(cli, ref, *extra, expect=0, task="Home visit", owner="Sam Social"):
    return cli.run(
        "action", "add", ref, "--task", task, "--owner", owner, "--due", "2026-11-25", *extra, expect=expect
    )


# --- 5. Duplicates and mistakes ------------------------------------------------------------


def test_new_warns_when_the_same_child_already_has_an_open_discussion(cli):
    first = cli.new()
    result = cli.run(
        "new", "--no-input", "--child", "ava  EXAMPLE", "--dob", "02/03/2015", "--procedure", "hampshire"
    )
    assert f"{first} is already open for Ava Example" in result.stderr
    assert f"strategy new --follows {first}" in result.stderr
    assert len(cli.json("list")) == 2  # warned, not refused: two children may share a name


def test_new_does_not_warn_for_another_date_of_birth_a_closed_discussion_or_a_follow_up(cli):
    first = cli.new()
    other = cli.run(
        "new", "--no-input", "--child", "Ava Example", "--dob", "2016-03-02", "--procedure", "hampshire"
    )
    assert "already open" not in other.stderr
    assert "already open" not in cli.run("new", "--no-input", "--follows", first).stderr
    for each in cli.json("list"):
        cli.run("close", each["reference"], "--reason", "Test", "--force")
    assert "already open" not in cli.run("new", "--no-input", *AVA, "--procedure", "hampshire").stderr


@pytest.mark.parametrize(("reply", "code", "opened"), [("yes", 0, 2), ("no", 1, 1)])
def test_in_a_terminal_new_asks_before_opening_a_second_discussion(cli, monkeypatch, reply, code, opened):
    first = cli.new()
    script = Scripted([reply])
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    monkeypatch.setattr(prompts, "PROMPTER", script)
    result = cli.run(
        "new", *AVA, "--procedure", "hampshire", "--summary", "x", "--referrer", "y", expect=code
    )
    assert script.asked == ["Open a new discussion all the same?"]
    assert len(cli.json("list")) == opened
    if reply == "no":
        assert f"--follows {first}" in result.stderr


def test_ctrl_c_at_the_duplicate_question_keeps_the_answers_given(cli, monkeypatch):
    cli.new()
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    # children, dob, end of children, procedure, concern time, categories, circumstances,
    # reason, referrer, then Ctrl-C at the question about the discussion already open
    script = Scripted(
        ["Ava Example", "02/03/2015", "", "hampshire", "", ["standard"], *NOT_AN_ALLEGATION, "Bruise", ""]
        + [KeyboardInterrupt]
    )
    monkeypatch.setattr(prompts, "PROMPTER", script)
    result = cli.run("new", expect=130)
    assert script.asked[-1] == "Open a new discussion all the same?"
    assert "every answer given is kept" in result.stderr
    assert len(cli.json("list")) == 1
    script = Scripted(["yes", "yes"])  # carry on; open it all the same
    monkeypatch.setattr(prompts, "PROMPTER", script)
    opened = cli.json("new")
    assert opened["summary"] == "Bruise" and len(cli.json("list")) == 2


def test_the_same_open_action_is_refused_unless_again(cli):
    ref = cli.new()
    add_visit(cli, ref)
    refused = add_visit(cli, ref, expect=1, task="home  visit", owner="sam social")
    assert "action 1" in refused.output and "--again" in refused.output
    assert len(cli.json("show", ref)["actions"]) == 1
    add_visit(cli, ref, "--again")
    add_visit(cli, ref, task="Home visit with the school nurse")  # another task is another action
    assert [a["id"] for a in cli.json("show", ref)["actions"]] == [1, 2, 3]
    cli.run("action", "done", ref, "1")
    cli.run("action", "done", ref, "2")
    add_visit(cli, ref)  # a done action is not an open one: agreeing it again is new work


def test_an_action_entered_by_mistake_is_removed_audited_and_no_longer_blocks_close(cli, tmp_path):
    ref = cli.new()
    cli.run("held", ref, "--at", "2026-11-23T08:30")
    for event in ("record-circulated", "referrer-informed"):
        cli.run("record", ref, event)
    add_visit(cli, ref)
    cli.run("action", "add", ref, "--task", "GP records", "--owner", "Hana", "--due", "2026-11-24")
    assert "action-2" in {i["key"] for i in cli.json("due")}
    cli.run("action", "done", ref, "1")
    cli.run("action", "remove", ref, "2", "--reason", "entered on the wrong discussion")
    shown = cli.json("show", ref)
    assert [a["id"] for a in shown["actions"]] == [1]
    assert "action-2" not in {i["key"] for i in cli.json("due")}
    entry = cli.json("log", ref)[-1]
    assert entry["action"] == "action.remove"
    assert entry["detail"]["old"]["task"] == "GP records"
    assert entry["detail"]["note"] == "entered on the wrong discussion"
    assert "was removed" in cli.run("action", "done", ref, "2", expect=1).output
    assert "was removed" in cli.run("action", "remove", ref, "2", "--reason", "again", expect=1).output
    assert "--reason" in cli.run("action", "remove", ref, "1", expect=2).output
    # Its number is never given to another action.
    assert (
        cli.json("action", "add", ref, "--task", "Strategy review", "--owner", "Kim", "--due", "2026-11-26")[
            "id"
        ]
        == 3
    )
    out = tmp_path / "minutes.html"
    cli.run("export", ref, "--format", "html", "--output", str(out))
    html = out.read_text(encoding="utf-8")
    assert "Action removed (entered by mistake)" in html and "entered on the wrong discussion" in html
    assert "records: 1 discussions match" in cli.run("check").stdout
    cli.run("action", "done", ref, "3")
    cli.run("close", ref, "--reason", "No further action")  # the removed action holds nothing up
    assert "records: 1 discussions match" in cli.run("check").stdout


def test_action_remove_and_check_in_a_real_process(proc):
    ref = proc.new()
    proc.run("action", "add", ref, "--task", "Visit", "--owner", "Sam", "--due", "2026-11-25")
    proc.run("action", "remove", ref, "1", "--reason", "entered twice")
    assert "records: 1 discussions match" in proc.run("check").stdout
    assert proc.json("show", ref)["actions"] == []


# --- 7. Asked when it matters ----------------------------------------------------------------


def test_interactive_new_asks_the_circumstances_so_quoracy_is_right_at_once(cli, monkeypatch):
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    replies = [
        "Ava Example",
        "02/03/2015",
        "Baby Example",
        "edd:2027-01-10",
        "",
        "hampshire",
        "",
        ["standard"],
    ]
    replies += ["yes"]  # an allegation against a foster carer
    replies += ["yes", "no", "yes", "Polish"]  # Ava: looked after, not in hospital, medical, Polish
    replies += ["Marks on her arm", ""]  # the unborn baby is asked nothing
    script = Scripted(replies)
    monkeypatch.setattr(prompts, "PROMPTER", script)
    opened = cli.json("new")
    assert script.replies == []
    assert not any(m.startswith("Baby Example:") for m in script.asked if "date of birth" not in m)
    assert "allegation-against-staff" in opened["categories"]
    ava = opened["children"][0]
    assert (
        ava["looked_after"] and ava["medical"] and not ava["in_hospital"] and ava["interpreter"] == "Polish"
    )
    # Hampshire: a looked-after child needs fostering, an allegation against staff the LADO.
    assert {"fostering", "lado"} <= set(opened["missing_agencies"])
    assert "records: 1 discussions match" in cli.run("check").stdout


def test_ctrl_c_among_the_circumstances_keeps_those_answered(cli, monkeypatch):
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    first = ["Ava Example", "02/03/2015", "", "hampshire", "", ["standard"], "no", "yes", KeyboardInterrupt]
    monkeypatch.setattr(prompts, "PROMPTER", Scripted(first))
    cli.run("new", expect=130)
    script = Scripted(["yes", "yes", "no", "", "Bruise", ""])  # carry on: in hospital, medical, language
    monkeypatch.setattr(prompts, "PROMPTER", script)
    opened = cli.json("new")
    assert script.asked[1] == "Ava Example: is the child in hospital (an in-patient)?"  # not asked again
    ava = opened["children"][0]
    assert ava["looked_after"] and ava["in_hospital"] and ava["hospital_services"] and not ava["medical"]


def test_new_with_no_input_asks_nothing_and_records_no_circumstance(cli):
    opened = cli.json("new", "--no-input", *AVA, "--procedure", "hampshire")
    assert not opened["children"][0]["looked_after"]


@pytest.mark.skipif(os.name != "posix", reason="pexpect drives a POSIX pseudo-terminal")
def test_real_terminal_new_asks_the_circumstances_with_no_default(proc):
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, **proc.env, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "100"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "strategy_cli", "new", "--child", "Ava Example", "--dob", "02/03/2015", "--concern-at", "now"],
        env=env,
        encoding="utf-8",
        timeout=20,
    )
    child.expect("Procedure")
    child.send("\r")  # hampshire, the first
    child.expect("Category of concern")
    child.send("\r")
    child.expect("allegation against staff, volunteers or foster carers")
    child.sendline("n")
    child.expect("Ava Example: is the child looked after")
    child.send("\r")  # Enter alone answers nothing
    child.expect("Type y for yes or n for no")
    child.sendline("y")
    child.expect("in hospital")
    child.sendline("y")
    child.expect("medical needs")
    child.sendline("n")
    child.expect("interpreter")
    child.sendline("")
    child.expect("Reason for the discussion")
    child.sendline("Found injured in placement")
    child.expect("Referrer")
    child.sendline("")
    child.expect("Opened SD-2026-0001")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = proc.json("show", "SD-2026-0001")
    ava = shown["children"][0]
    assert ava["looked_after"] and ava["in_hospital"] and not ava["medical"] and ava["interpreter"] is None
    assert "fostering" in shown["missing_agencies"]


# --- 7. The deadline said when it matters ----------------------------------------------------


def test_new_says_when_the_discussion_is_already_overdue(cli):
    late = cli.run("new", "--no-input", *AVA, "--procedure", "hampshire", "--concern-at", "2026-11-20T09:00")
    assert "Already overdue: the deadline passed" in late.stdout
    assert "h ago" in late.stdout or "days ago" in late.stdout
    on_time = cli.run(
        "new", "--no-input", "--child", "Noah Example", "--dob", "2019-01-01", "--procedure", "hampshire"
    )
    assert "overdue" not in on_time.stdout


def test_edit_concern_at_prints_the_new_deadline(cli):
    ref = cli.new()
    before = cli.json("show", ref)["discussion_due"]
    result = cli.run("edit", ref, "--concern-at", "2026-11-21T09:00")
    assert "Hold the strategy discussion by" in result.stdout
    assert cli.json("show", ref)["discussion_due"] != before
    assert "Hold the strategy" not in cli.run("edit", ref, "--summary", "Another reason").stdout


# --- 8. Times that look wrong are named --------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("held", "{ref}", "--at", "2027-11-23T09:00"), "in 365 days: is the year right?"),
        (("decide", "{ref}", "--s47", "--police", "--rationale", "r", "--at", "2026-11-23T12:00"), "in 3 h"),
        (
            ("record", "{ref}", "referrer-informed", "--at", "2026-12-23T09:00"),
            "in 30 days: is the month right?",
        ),
        (("record", "{ref}", "referrer-informed", "--at", "2026-11-24T09:00"), "is the date right?"),
        (
            (
                "disagreement",
                "add",
                "{ref}",
                "--agency",
                "police",
                "--about",
                "a",
                "--at",
                "2026-11-23T11:00",
            ),
            "the time it was raised Mon 23 Nov 2026 11:00 is in the future, in 2 h",
        ),
    ],
)
def test_a_time_ahead_of_now_is_warned_with_how_far(cli, args, said):
    ref = cli.new()
    result = cli.run(*(a.format(ref=ref) for a in args))
    assert "Warning:" in result.stderr and "is in the future" in result.stderr and said in result.stderr


def test_now_and_a_few_minutes_ahead_are_not_warned(proc):
    ref = proc.new()
    assert "future" not in proc.run("held", ref, "--at", "2026-11-23T09:04").stderr
    assert "future" not in proc.run("record", ref, "referrer-informed").stderr
    assert "in 1 days" not in proc.run("held", ref, "--at", "tomorrow 9am").stderr  # said as "24 h"
    assert "in 24 h: is the date right?" in proc.run("held", ref, "--at", "tomorrow 9am").stderr


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4000)))
def test_future_warning_only_beyond_the_grace_and_always_says_how_far(ahead):
    warning = future_warning(NOW + ahead, NOW, "the time")
    if ahead <= FUTURE_GRACE:
        assert warning is None
    else:
        assert warning is not None and f"in {how_far(ahead)}:" in warning and warning.endswith("?")


# --- 11. An interrupted `new` is visible to the whole team ---------------------------------------


def interrupt_new(cli, monkeypatch, replies, *args, user="tester"):
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    monkeypatch.setattr(prompts, "PROMPTER", Scripted([*replies, KeyboardInterrupt]))
    cli.run("new", *args, expect=130, env={"STRATEGY_USER": user})


def test_an_interrupted_new_is_on_every_users_board_with_its_clock(cli, monkeypatch):
    # Sam began one: Ava, West Midlands, serious harm, concern at 08:00; Ctrl-C at the reason.
    replies = [
        "Ava Example",
        "02/03/2015",
        "",
        "west-midlands",
        "today 8am",
        ["serious-harm"],
        *NOT_AN_ALLEGATION,
    ]
    interrupt_new(cli, monkeypatch, replies, user="Sam Manager")
    monkeypatch.setattr(common, "interactive_terminal", lambda: False)
    board = cli.json("due", env={"STRATEGY_USER": "Kim Colleague"})
    (item,) = [i for i in board if i["kind"] == "unfinished-new"]
    assert item["reference"] is None and item["by"] == "Sam Manager"
    assert item["children"] == ["Ava Example"] and item["procedure"] == "west-midlands"
    assert item["due_at"] == "2026-11-23T23:59:59+00:00"  # West Midlands serious harm: the same day
    assert item["status"] == "due-soon" and "Not opened yet: begun by Sam Manager" in item["title"]
    shown = cli.run("due", env={"STRATEGY_USER": "Kim Colleague", "COLUMNS": "120"}).stdout
    assert "NOT OPENED" in shown and "Sam Manager" in shown
    assert "unfinished-new" in cli.run("due", "--csv").stdout
    assert not [i for i in cli.json("due", "--kind", "action") if i["kind"] == "unfinished-new"]
    assert not [i for i in cli.json("due", "--procedure", "hampshire") if i["kind"] == "unfinished-new"]
    # Opening it takes it off the board.
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    monkeypatch.setattr(prompts, "PROMPTER", Scripted(["yes", "Bruise", ""]))
    cli.json("new", env={"STRATEGY_USER": "Sam Manager"})
    monkeypatch.setattr(common, "interactive_terminal", lambda: False)
    kinds = [i["kind"] for i in cli.json("due")]
    assert "unfinished-new" not in kinds and "discussion" in kinds


def test_an_interrupted_new_without_its_concern_time_is_not_on_the_board(cli, monkeypatch):
    interrupt_new(cli, monkeypatch, ["Ava Example", "02/03/2015", "", "hampshire"])
    monkeypatch.setattr(common, "interactive_terminal", lambda: False)
    assert cli.json("due") == []


def test_an_interrupted_new_uses_the_default_procedure_when_none_was_chosen(cli, monkeypatch):
    interrupt_new(cli, monkeypatch, ["Ava Example", "02/03/2015", ""], "--concern-at", "2026-11-21T09:00")
    monkeypatch.setattr(common, "interactive_terminal", lambda: False)
    (undated,) = cli.json("due")
    assert undated["due_at"] is None and undated["status"] == "undated"
    (dated,) = cli.json("due", env={"STRATEGY_PROCEDURE": "hampshire"})
    assert dated["due_at"] is not None and dated["status"] == "overdue"


def test_a_follow_up_recorded_for_later_clears_its_deadline_only_when_its_time_comes(cli):
    ref = cli.new()
    cli.run("held", ref, "--at", "2026-11-23T08:30")
    cli.run("decide", ref, "--s47", "--no-police", "--rationale", "Injury unexplained")
    assert "child-seen" in {i["kind"] for i in cli.json("due") if i["reference"] == ref}
    warned = cli.run("record", ref, "child-seen", "--at", "2026-11-24T10:00")
    assert "in 25 h: is the date right?" in warned.stderr
    (seen,) = [i for i in cli.json("due") if i["kind"] == "child-seen"]
    assert "recorded for Tue 24 Nov 2026 10:00, still to come" in seen["title"]
    assert not [i for i in cli.json("due", "--kind", "action") if i["kind"] == "child-seen"]
    later = {"STRATEGY_NOW": "2026-11-24T10:30"}
    assert "child-seen" not in {i["kind"] for i in cli.json("due", env=later)}
    assert "child-seen" not in {d["kind"] for d in cli.json("show", ref)["deadlines"]}  # the record says seen
    assert "records: 1 discussions match" in cli.run("check").stdout
