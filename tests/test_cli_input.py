"""What a manager might mistype, and what a terminal must never be sent: each gets a short
message naming the value, exit 1 or 2, and nothing written; warnings go to stderr."""

import json
import sqlite3

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


def test_ctrl_c_while_new_asks_says_nothing_was_opened(cli, monkeypatch):
    from support import Scripted

    from strategy_cli import prompts
    from strategy_cli.cli import common

    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    monkeypatch.setattr(prompts, "PROMPTER", Scripted(["Ava Example", KeyboardInterrupt]))
    result = cli.run("new", expect=130)
    assert "no discussion was opened" in result.output and "strategy log" not in result.output
    assert cli.json("list") == []
