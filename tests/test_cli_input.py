"""What a manager might mistype, and what a terminal must never be sent: each gets a short
message naming the value, exit 1 or 2, and nothing written; warnings go to stderr."""

import json
import os
import sqlite3
import sys

import pytest
from support import AVA


def rows(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]


def test_warnings_go_to_stderr_and_leave_stdout_to_the_record(proc):
    done = proc.run(
        "new", "--no-input", "--child", "Baby Example", "--dob", "edd:2020-01-01", "--procedure", "hampshire"
    )
    assert "expected date of delivery" in done.stderr and "Warning" not in done.stdout
    shown = proc.run(
        "new",
        "--no-input",
        "--child",
        "Ava Example",
        "--dob",
        "2030-01-01",
        "--procedure",
        "hampshire",
        "--json",
    )
    assert json.loads(shown.stdout)["reference"]  # stdout is the JSON document alone
    assert "date of birth 2030-01-01 is in the future" in shown.stderr


@pytest.mark.parametrize("value", ["Evil\x1b[31mRED", "Bell\x07", "C1\x9bcontrol"])
def test_control_characters_are_refused_naming_the_option_once(cli, value):
    message = cli.run(
        "new", "--no-input", "--child", value, "--dob", "2015-01-01", "--procedure", "hampshire", expect=2
    ).output
    assert "control character" in message and message.count("--child") == 1
    assert not cli.db.exists() or rows(cli.db) == 0


def test_tabs_and_line_breaks_are_text(cli):
    ref = cli.new()
    shown = cli.json("decide", ref, "--s47", "--police", "--rationale", "Line one\n\tLine two")
    assert shown["decision"]["rationale"] == "Line one\n\tLine two"


@pytest.mark.parametrize(
    "args, named",
    [
        (
            ["new", "--no-input", "--child", "A", "--dob", "9999-12-31", "--procedure", "hampshire"],
            "9999-12-31",
        ),
        (
            ["new", "--no-input", *AVA, "--procedure", "hampshire", "--concern-at", "9999-12-31T23:59"],
            "9999-12-31T23:59",
        ),
        (
            ["new", "--no-input", *AVA, "--procedure", "hampshire", "--concern-at", "0001-01-01T00:00"],
            "0001-01-01T00:00",
        ),
        (["due", "--as-of", "9999-01-01"], "9999-01-01"),
        (["due", "--within", "99999999999999d"], "99999999999999d"),
        (["due", "--procedure", "hampshir"], "hampshir"),
    ],
)
def test_values_out_of_range_are_usage_errors_naming_them(cli, args, named):
    message = cli.run(*args, expect=2).output
    assert named in message and "unexpected" not in message.lower()


def test_a_child_is_not_entered_twice(cli):
    ref = cli.new(*AVA, "--procedure", "hampshire")
    assert (
        "already has a child named 'Ava Example'"
        in cli.run("child", "add", ref, "--name", "Ava Example", "--dob", "2015-03-02", expect=1).output
    )
    cli.run("child", "add", ref, "--name", "Noah Example", "--dob", "2018-01-01")
    assert (
        "already has"
        in cli.run("child", "edit", ref, "Noah Example", "--name", "Ava Example", expect=1).output
    )
    assert (
        "not both"
        in cli.run(
            "child", "edit", ref, "Noah Example", "--dob", "2018-01-02", "--edd", "2027-01-01", expect=2
        ).output
    )
    twice = ["--child", "Mia Example", "--dob", "2016-01-01", "--child", "Mia Example", "--dob", "2016-01-01"]
    assert "twice" in cli.run("new", "--no-input", *twice, "--procedure", "hampshire", expect=2).output
    assert [c["name"] for c in cli.json("show", ref)["children"]] == ["Ava Example", "Noah Example"]


def test_checklist_no_input_needs_an_answers_file(cli):
    ref = cli.new()
    assert "--answers" in cli.run("checklist", ref, "--no-input", expect=2).output


def test_an_answers_file_that_changes_the_outcome_needs_a_new_rationale(cli, tmp_path):
    ref = cli.new()
    cli.run("decide", ref, "--s47", "--police", "--rationale", "Joint enquiry needed")
    before = rows(cli.db)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"s47": False, "police-investigation": False}))
    assert "rationale" in cli.run("checklist", ref, "--answers", str(path), expect=2).output
    assert rows(cli.db) == before  # nothing saved
    path.write_text(
        json.dumps({"s47": False, "police-investigation": False, "decision-rationale": "Single agency"})
    )
    cli.run("checklist", ref, "--answers", str(path))
    decision = cli.json("show", ref)["decision"]
    assert decision["s47"] is False and decision["rationale"] == "Single agency"


def test_list_gives_each_child_as_show_does(cli):
    cli.new(*AVA, "--procedure", "hampshire")
    assert cli.json("list")[0]["children"] == [{"name": "Ava Example", "dob": "2015-03-02", "edd": None}]


# A child neither looked after, in hospital nor with medical needs, and no interpreter.
NOTHING_SPECIAL = ["no", "no", "no", ""]


def _scripted(monkeypatch, replies):
    from support import Scripted

    from strategy_cli import prompts
    from strategy_cli.cli import common

    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    script = Scripted(replies)
    monkeypatch.setattr(prompts, "PROMPTER", script)
    return script


def test_ctrl_c_while_new_asks_keeps_the_answers_and_new_carries_on(cli, monkeypatch):
    """cli.md: Ctrl-C at a prompt keeps every answer already given and says how to resume."""
    _scripted(monkeypatch, ["Ava Example", "2015-03-02", "Ben Example", KeyboardInterrupt])
    result = cli.run("new", expect=130)
    assert "every answer given is kept" in result.output and "strategy new" in result.output
    assert cli.json("list") == []  # nothing opened: no half-written record
    for board in (["due"], ["list"]):  # and the first look of the day says it is waiting
        reminder = cli.run(*board).stderr
        assert "Not opened yet: the discussion you began at Mon 23 Nov 2026 09:00" in reminder
        assert "(Ava Example, Ben Example)" in reminder and "strategy new" in reminder
    assert "Not opened yet" not in cli.run("list", env={"STRATEGY_USER": "someone else"}).stderr
    # Carrying on asks Ben's date of birth first (he was named, his date not yet given).
    script = _scripted(
        monkeypatch,
        ["yes", "2017-08-09", "", "hampshire", "2026-11-23 08:30", ["standard"], "no", *NOTHING_SPECIAL * 2]
        + ["Bruise", ""],
    )
    opened = cli.json("new")
    assert script.asked[0].startswith("Carry on with the discussion you began at Mon 23 Nov 2026 09:00")
    assert "Ava Example, Ben Example" in script.asked[0]
    assert script.asked[1].startswith("Ben Example: date of birth")
    assert [(c["name"], c["dob"]) for c in opened["children"]] == [
        ("Ava Example", "2015-03-02"),
        ("Ben Example", "2017-08-09"),
    ]
    assert opened["concern_at"] == "2026-11-23T08:30:00+00:00" and opened["summary"] == "Bruise"
    # Opening it forgets the unfinished one: the next `new` starts at the first question.
    script = _scripted(monkeypatch, [KeyboardInterrupt])
    cli.run("new", expect=130)
    assert script.asked == ["Child's name"]
    assert "Not opened yet" not in cli.run("due").stderr


def test_ctrl_c_later_keeps_the_options_and_the_moment_enter_meant_now(cli, monkeypatch):
    # The children on the command line, the procedure chosen, Enter for now (09:00), Ctrl-C.
    _scripted(monkeypatch, ["west-midlands", "", KeyboardInterrupt])
    cli.run("new", *AVA, expect=130)
    later = {"STRATEGY_NOW": "2026-11-23T09:40"}
    _scripted(monkeypatch, ["yes", ["serious-harm"], "no", *NOTHING_SPECIAL, "", ""])
    opened = cli.json("new", env=later)
    assert opened["procedure"] == "west-midlands" and opened["children"][0]["name"] == "Ava Example"
    assert opened["concern_at"] == "2026-11-23T09:00:00+00:00"  # not 09:40
    assert opened["categories"] == ["serious-harm"]


def test_starting_afresh_forgets_the_unfinished_one_and_each_user_has_their_own(cli, monkeypatch):
    _scripted(monkeypatch, ["Ava Example", KeyboardInterrupt])
    cli.run("new", expect=130)
    other = {"STRATEGY_USER": "another manager"}
    script = _scripted(monkeypatch, [KeyboardInterrupt])
    cli.run("new", env=other, expect=130)
    assert script.asked == ["Child's name"]  # not offered someone else's
    script = _scripted(monkeypatch, ["no", KeyboardInterrupt])
    cli.run("new", expect=130)
    assert script.asked[1] == "Child's name"
    script = _scripted(monkeypatch, [KeyboardInterrupt])
    result = cli.run("new", expect=130)
    assert script.asked == ["Child's name"] and "nothing had been answered yet" in result.output
    assert cli.json("list") == []
    assert "The database is whole" in cli.run("check").output


@pytest.mark.skipif(os.name != "posix", reason="pexpect drives a POSIX pseudo-terminal")
def test_real_terminal_new_interrupted_then_carried_on(proc):
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, **proc.env, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "100"}

    def spawn():
        return pexpect.spawn(
            sys.executable, ["-m", "strategy_cli", "new"], env=env, encoding="utf-8", timeout=20
        )

    child = spawn()
    child.expect("Child's name")
    child.sendline("Ava Example")
    child.expect("Ava Example: date of birth")
    child.sendline("2015-03-02")
    child.expect("Enter when there are no more")
    child.sendline("")
    child.expect("Procedure")
    child.send("\x03")  # Ctrl-C
    child.expect("every answer given is kept")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert proc.json("list") == []

    child = spawn()
    child.expect("Carry on with the discussion you began at .* \\(Ava Example\\)")
    child.send("\r")  # Enter alone does not answer: there is no default
    child.expect("Type y for yes or n for no")
    child.sendline("y")
    child.expect("Procedure")  # the children are not asked again
    child.send("\r")  # hampshire, the first
    child.expect("When was the concern identified")
    child.sendline("2026-11-23 08:00")
    child.expect("Category of concern")
    child.send("\r")  # standard, already ticked
    child.expect("allegation against staff")
    child.sendline("n")
    for question in ("looked after", "in hospital", "medical needs"):
        child.expect(question)
        child.sendline("n")
    child.expect("interpreter")
    child.sendline("")
    child.expect("Reason for the discussion")
    child.sendline("Bruise seen at school")
    child.expect("Referrer")
    child.sendline("")
    child.expect("Opened SD-2026-0001 \\(hampshire\\) for Ava Example")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = proc.json("show", "SD-2026-0001")
    assert shown["summary"] == "Bruise seen at school" and shown["children"][0]["dob"] == "2015-03-02"


def test_a_bad_option_given_with_the_questions_is_named_before_any_question(cli, monkeypatch):
    script = _scripted(monkeypatch, [KeyboardInterrupt])
    result = cli.run("new", "--concern-at", "yesterday-ish", expect=2)
    assert "yesterday-ish" in result.output and script.asked == []
    result = cli.run("new", "--category", "serius-harm", expect=2)
    assert "serius-harm" in result.output and script.asked == []


@pytest.mark.parametrize("value", ["\x1f", "\x1c\x1d", " \x1e "])
def test_control_characters_python_counts_as_blank_are_refused_not_dropped(cli, value):
    """str.strip() removes \\x1c-\\x1f, so a check after the blank test let them through as
    "no summary" while the same characters inside text were refused (found by hypothesis)."""
    result = cli.run("new", "--no-input", *AVA, "--procedure", "hampshire", "--summary", value, expect=2)
    assert "control character" in result.output
    assert not cli.db.exists()  # refused before a database was made for it


def test_new_checks_each_answer_as_it_is_given(cli, monkeypatch):
    """A name given twice or holding a control character is asked again at once, not refused
    after every other answer (review finding)."""
    script = _scripted(
        monkeypatch,
        ["Ava Example", "2015-03-02", "Ava Example", "\x1b[31mRed", "", "hampshire", "", ["standard"]]
        + ["no", *NOTHING_SPECIAL, "Reason \x1b]0;x\x07", "Bruise", ""],
    )
    result = cli.run("new", "--json")
    opened = json.loads(result.stdout)
    assert [c["name"] for c in opened["children"]] == ["Ava Example"]
    assert opened["summary"] == "Bruise"
    assert "already named" in result.stderr and "control character" in result.stderr
    assert "\x1b" not in result.stderr  # the refused text is shown escaped, never raw
    assert len(script.asked) == 16


def test_options_given_with_the_questions_are_all_checked_first(cli, monkeypatch):
    script = _scripted(monkeypatch, [KeyboardInterrupt])
    result = cli.run("new", "--child", "A Example", "--child", "B Example", "--dob", "2015-01-01", expect=2)
    assert "each --child needs its --dob" in result.output and script.asked == []
    result = cli.run("new", "--summary", "bad\x1bsummary", expect=2)
    assert "--summary" in result.output and script.asked == []


def test_concern_at_now_means_when_new_was_run_even_when_carried_on_later(cli, monkeypatch):
    _scripted(monkeypatch, ["Ava Example", "2015-03-02", "", KeyboardInterrupt])
    cli.run("new", "--concern-at", "now", "--procedure", "hampshire", expect=130)  # 09:00
    _scripted(monkeypatch, ["yes", ["standard"], "no", *NOTHING_SPECIAL, "", ""])
    opened = cli.json("new", env={"STRATEGY_NOW": "2026-11-23T15:00"})
    assert opened["concern_at"] == "2026-11-23T09:00:00+00:00"
    assert opened["discussion_due"] == "2026-11-24T09:00:00+00:00"


def test_an_audit_name_with_control_characters_is_refused(cli):
    result = cli.run("--by", "M\x1b]0;x\x1b\\", "list", expect=2)
    assert "--by" in result.output and "control character" in result.output
