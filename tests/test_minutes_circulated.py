"""Minutes a manager would circulate (issue 15, item 12), end to end through the real CLI:

- the program's internal warnings are said on stderr, and only the chair's copy
  (``export --with-warnings``) carries them;
- unanswered checklist questions are one compact list, not a row each;
- the protective marking once at each edge of every printed page (the PDF, read back);
- a baby's age in weeks ("7 weeks"), an unborn child by the due date;
- the family version names the family's contact (``attend --family-contact`` or
  ``export --contact``) and nothing else about any attendee;
- the board names each action's owner.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from support import AVA

LATE = "The discussion was held after its deadline."


def opened(cli, *children: str) -> str:
    return cli.json("new", "--no-input", "--procedure", "west-midlands", *(children or AVA))["reference"]


def team(cli, ref: str) -> None:
    for name, agency, role, *flags in [
        ("Sam Social", "social-care", "Social worker", "--family-contact"),
        ("Hana Health", "health", "Named nurse"),
        ("DS Robin Police", "police", "Detective sergeant"),
    ]:
        cli.run("attend", ref, "--name", name, "--agency", agency, "--role", role, *flags)


# --- Warnings: on the screen, and in the chair's copy only ---------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_warnings_are_said_on_stderr_not_circulated(proc, fmt):
    ref = opened(proc, *AVA, "--concern-at", "2026-11-02T09:00")
    proc.run("held", ref, "--at", "2026-11-23T08:00")  # weeks late: the program warns
    done = proc.run("export", ref, "--format", fmt)
    assert LATE in done.stderr and "--with-warnings" in done.stderr
    assert LATE not in done.stdout and "Warnings" not in done.stdout
    chair = proc.run("export", ref, "--format", fmt, "--with-warnings")
    assert LATE in chair.stdout and "Warnings" in chair.stdout
    assert LATE in chair.stderr


def test_with_warnings_is_refused_for_the_family_version(cli):
    ref = opened(cli)
    done = cli.run("export", ref, "--audience", "family", "--with-warnings", expect=2)
    assert "--with-warnings" in done.output


# --- Unanswered questions: one compact list --------------------------------------------------------


def test_unanswered_questions_are_one_list(cli, tmp_path):
    ref = opened(cli)
    listed = cli.json("checklist", "--questions", "--procedure", "west-midlands")
    first = next(q for q in listed if q["type"] == "text" and not q["follows"] and not q["record"])
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({first["id"]: "It was discussed."}), encoding="utf-8")
    cli.run("checklist", ref, "--answers", str(answers))
    md = cli.run("export", ref).stdout
    assert md.count("Not answered") == 1, "one list, not a row each"
    line = next(line for line in md.splitlines() if line.startswith("**Not answered:**"))
    assert line.count("; ") >= 5 and first["text"] not in line
    assert first["text"] in md and "It was discussed." in md
    html = cli.run("export", ref, "--format", "html").stdout
    assert html.count("Not answered") == 1
    assert re.search(r'<p class="unanswered"><span class="label">Not answered:</span> [^<]+; ', html)


# --- Ages --------------------------------------------------------------------------------------------


def test_a_baby_is_seven_weeks_old_in_show_and_the_minutes(cli):
    ref = opened(cli, "--child", "Baby Example", "--dob", "2026-10-05")
    cli.run("child", "add", ref, "--name", "Unborn Example", "--edd", "2027-01-04")
    cli.run("held", ref, "--at", "2026-11-23T08:00")
    shown = cli.run("show", ref).stdout
    assert "7 weeks" in shown
    md = cli.run("export", ref).stdout
    assert "| Baby Example | 05 Oct 2026 | 7 weeks |" in md
    assert "| Unborn Example | Unborn, expected 04 Jan 2027 | Unborn |" in md
    family = cli.run("export", ref, "--audience", "family").stdout
    assert "Baby Example, aged 7 weeks" in family
    assert "Unborn Example, unborn (due 4 Jan 2027)" in family
    assert cli.json("show", ref)["children"][0]["age"] == 0, "show --json keeps whole years"


# --- The family's contact ----------------------------------------------------------------------------

OTHERS = ["Hana Health", "Named nurse", "DS Robin Police", "Detective sergeant"]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_family_version_names_its_contact_and_no_other_attendee(cli, fmt):
    ref = opened(cli)
    team(cli, ref)
    family = cli.run("export", ref, "--audience", "family", "--format", fmt).stdout
    assert "Your contact" in family
    assert "Sam Social, Social worker, Children" in family  # the agency's label: Children's...
    for other in OTHERS:
        assert other not in family, f"{other!r} reached the family version"
    given = cli.run(
        "export", ref, "--audience", "family", "--format", fmt, "--contact", "Jo Duty, duty worker, MASH"
    ).stdout
    assert "Jo Duty, duty worker, MASH" in given and "Sam Social" not in given


def test_family_contact_is_stored_audited_replayed_and_can_be_unmarked(cli):
    ref = opened(cli)
    team(cli, ref)
    attendees = {a["name"]: a for a in cli.json("show", ref)["attendees"]}
    assert attendees["Sam Social"]["family_contact"] is True
    assert attendees["Hana Health"]["family_contact"] is False
    assert "family contact" in cli.run("show", ref).stdout
    cli.run("attend", ref, "--name", "Sam Social", "--not-family-contact")
    assert "Your contact" not in cli.run("export", ref, "--audience", "family").stdout
    trail = cli.run("log", ref).stdout
    assert "attend.correct" in trail and "family_contact" in trail
    checked = cli.run("check").stdout  # exit 0: the record matches its replayed trail
    assert "match their audit trails" in checked or "matches its audit trail" in checked


def test_contact_is_only_for_the_family_version_and_not_empty(cli):
    ref = opened(cli)
    assert "--contact" in cli.run("export", ref, "--contact", "Jo Duty", expect=2).output
    assert "--contact" in cli.run("export", ref, "--audience", "family", "--contact", " ", expect=2).output


def test_the_professional_minutes_are_unchanged_by_the_contact(cli):
    ref = opened(cli)
    team(cli, ref)
    assert "Your contact" not in cli.run("export", ref).stdout


# --- The board names each action's owner --------------------------------------------------------


def test_the_board_shows_each_actions_owner(proc):
    ref = opened(proc)
    proc.run(
        "action", "add", ref, "--task", "Visit the home", "--owner", "Sam Social", "--due", "2026-11-24T10:00"
    )
    proc.run(
        "action",
        "add",
        ref,
        "--task",
        "Ask the school",
        "--owner",
        "Mrs Edna Ed",
        "--due",
        "2026-11-24T12:00",
    )
    items = json.loads(proc.run("due", "--json").stdout)
    actions = {i["title"]: i for i in items if i["kind"] == "action"}
    assert actions["Action 1: Visit the home"]["owner"] == "Sam Social"
    assert actions["Action 2: Ask the school"]["owner"] == "Mrs Edna Ed"
    contract = {"reference", "kind", "title", "due_at", "status", "rule", "children"}
    for item in items:
        assert contract <= set(item), "every key of cli.md stays"
        assert ("owner" in item) == (item["kind"] == "action")
    board = proc.run("due").stdout
    assert "owner: Sam Social" in board and "owner: Mrs Edna Ed" in board
    narrow = proc.run("due", env={"COLUMNS": "60"}).stdout
    assert "owner: Sam Social" in narrow
    rows = proc.run("due", "--csv").stdout.splitlines()
    assert rows[0].endswith(',"owner"') and any(row.endswith(',"Sam Social"') for row in rows)
    assert [i["title"] for i in json.loads(proc.run("due", "--json", "--owner", "sam").stdout)] == [
        "Action 1: Visit the home"
    ]


# --- The marking once at each edge of every printed page --------------------------------------------


def test_the_pdf_marks_every_page_once_at_the_top_and_once_at_the_bottom(proc, tmp_path):
    from strategy_cli.printing import BrowserMissing, find_browser

    try:
        find_browser()
    except BrowserMissing:
        pytest.fail("chromium not installed: apt-get install chromium poppler-utils")
    assert shutil.which("pdftotext"), "apt-get install poppler-utils"
    ref = opened(proc)
    team(proc, ref)
    proc.run("edit", ref, "--summary", "A long account of what happened. " * 400)  # several pages
    for audience in ("professional", "family"):
        pdf = tmp_path / f"{audience}.pdf"
        proc.run("export", ref, "--format", "pdf", "--audience", audience, "--output", str(pdf))
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
        if audience == "professional":
            assert pages >= 2
        for number in range(1, pages + 1):
            text = subprocess.run(
                ["pdftotext", "-layout", "-f", str(number), "-l", str(number), str(pdf), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            lines = [line for line in text.splitlines() if line.strip()]
            assert text.count("OFFICIAL-SENSITIVE") == 2, (
                f"{audience} page {number}: {text.count('OFFICIAL-SENSITIVE')}"
            )
            assert "OFFICIAL-SENSITIVE" in lines[0] and "OFFICIAL-SENSITIVE" in lines[-1]


def test_markdown_keeps_one_marking_at_the_top_and_one_at_the_bottom(cli):
    ref = opened(cli)
    for audience in ("professional", "family"):
        lines = [line for line in cli.run("export", ref, "--audience", audience).stdout.splitlines() if line]
        assert lines[0] == lines[-1] == "**OFFICIAL-SENSITIVE**"
        assert sum("OFFICIAL-SENSITIVE" in line for line in lines) == 2
