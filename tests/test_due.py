"""``strategy due``: order, window, statuses, filters, plain output, and the calendar file."""

import json
import os
import stat
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar
from rich.cells import cell_len
from support import AVA

from strategy_cli.present.document import relative
from strategy_cli.present.terminal import wrap_cells, wrap_names


def board(cli, *args):
    return cli.json("due", "--as-of", "2026-11-23T18:00", *args)


def setup_three(cli):
    late = cli.new(*AVA, "--procedure", "west-midlands", "--concern-at", "2026-11-23T10:00")
    soon = cli.new(*AVA, "--procedure", "hampshire", "--concern-at", "2026-11-23T10:00")
    cli.run(
        "action",
        "add",
        late,
        "--task",
        "Request GP records",
        "--owner",
        "Hana Health",
        "--agency",
        "health",
        "--due",
        "2026-11-23T12:00",
    )
    cli.run("action", "add", soon, "--task", "Call school", "--owner", "Eli Educator", "--due", "2026-12-20")
    return late, soon


def test_overdue_first_then_by_time_then_undated(cli):
    setup_three(cli)
    items = board(cli)
    statuses = [i["status"] for i in items]
    assert statuses[0] == "overdue"
    dated = [datetime.fromisoformat(i["due_at"]) for i in items if i["due_at"]]
    assert dated == sorted(dated)
    first_undated = next(n for n, i in enumerate(items) if i["due_at"] is None)
    assert all(i["due_at"] is None for i in items[first_undated:])
    assert {"reference", "kind", "title", "due_at", "status", "rule", "children"} <= set(items[0])
    assert items[0]["children"] == ["Ava Example"]


def test_the_window_hides_later_items_but_never_overdue_or_undated(cli):
    setup_three(cli)
    wide = board(cli, "--within", "30d")
    assert any(i["kind"] == "action" and i["status"] == "upcoming" for i in wide)
    narrow = board(cli, "--within", "36h")
    assert not any(i["kind"] == "action" and i["status"] == "upcoming" for i in narrow)
    assert any(i["status"] == "overdue" for i in narrow)
    assert any(i["status"] == "undated" for i in narrow)


def test_filters(cli):
    late, soon = setup_three(cli)
    assert {i["reference"] for i in board(cli, "--procedure", "hampshire")} == {soon}
    assert {i["kind"] for i in board(cli, "--kind", "action", "--within", "60d")} == {"action"}
    owned = board(cli, "--owner", "hana", "--within", "60d")
    assert [(i["reference"], i["kind"]) for i in owned] == [(late, "action")]
    assert "tea" in cli.run("due", "--kind", "tea", expect=2).output
    assert "fortnight" in cli.run("due", "--within", "fortnight", expect=2).output


def test_closed_discussions_leave_the_board(cli):
    late, soon = setup_three(cli)
    cli.run("close", late, "--reason", "Transferred", "--force")
    assert late not in {i["reference"] for i in board(cli)}


def test_plain_table_when_not_a_terminal(proc):
    proc.new()
    out = proc.run("due", "--as-of", "2026-11-23T18:00", env={"COLUMNS": "80"}).stdout
    assert "\x1b[" not in out  # no colour codes when piped
    assert "Hold the strategy discussion" in out.replace("\n", " ") or "Hold the" in out
    assert "items:" in out and "overdue" in out
    assert max(len(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize("columns", [40, 71])
def test_a_narrow_terminal_still_shows_what_is_due(proc, columns):
    """Below 72 columns the table would squeeze "what is due" out of sight: each item becomes
    a short block that says it in full, with its reference, status, date and children."""
    late, soon = setup_three(proc)  # a real process: rich reads COLUMNS once, when it starts
    items = board(proc, "--within", "60d")
    out = proc.run("due", "--within", "60d", env={"COLUMNS": str(columns)}).stdout
    flat = " ".join(out.split())
    for item in items:
        assert item["title"] in flat, item["title"]
        assert item["reference"] in flat
    assert "Ava Example" in flat and "no date" in flat
    assert max(len(line.rstrip()) for line in out.splitlines()) <= columns


def test_explain_shows_the_rule(cli):
    cli.new()
    out = cli.run("due", "--explain", "--as-of", "2026-11-23T18:00").stdout
    assert "24 hours of the initial referral" in " ".join(out.split())


def test_relative_times():
    now = datetime.fromisoformat("2026-11-23T18:00:00+00:00")
    assert relative("2026-11-23T21:00:00+00:00", now) == "in 3 h"
    assert relative("2026-11-21T18:00:00+00:00", now) == "2 days overdue"
    assert relative("2026-11-23T18:20:00+00:00", now) == "in 20 min"


def test_calendar_file_imports_cleanly_with_stable_uids_and_no_names(cli, tmp_path):
    setup_three(cli)
    path = tmp_path / "due.ics"
    cli.run("due", "--as-of", "2026-11-23T18:00", "--within", "60d", "--ics", str(path))
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    calendar = Calendar.from_ical(path.read_bytes())
    events = list(calendar.walk("VEVENT"))
    dated = [i for i in board(cli, "--within", "60d") if i["due_at"]]
    assert len(events) == len(dated)
    text = path.read_text()
    assert "Ava Example" not in text and "Request GP records" not in text
    for event in events:
        assert str(event["SUMMARY"]).startswith("SD-")
        assert event.walk("VALARM")
    uids = sorted(str(e["UID"]) for e in events)
    assert len(set(uids)) == len(uids)
    # writing it again gives the same UIDs (an import updates, not duplicates)
    cli.run("due", "--as-of", "2026-11-24T08:00", "--within", "60d", "--ics", str(path), "--force")
    again = sorted(str(e["UID"]) for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT"))
    assert set(again) <= set(uids)
    # refuses to overwrite without --force
    assert "--force" in cli.run("due", "--ics", str(path), expect=1).output


def test_calendar_file_with_names(cli, tmp_path):
    setup_three(cli)
    path = tmp_path / "named.ics"
    cli.run("due", "--as-of", "2026-11-23T18:00", "--ics", str(path), "--with-names")
    assert "Ava Example" in path.read_text()


def test_undated_follow_ups_of_a_discussion_share_one_row(cli):
    ref = cli.new()
    cli.run("held", ref, "--at", "2026-11-23T08:00")  # leaves two undated follow-ups
    kinds = {i["kind"] for i in board(cli)}
    assert kinds == {"record-circulated", "referrer-informed"}
    plain = cli.run("due", "--as-of", "2026-11-23T18:00").stdout
    assert plain.count(ref) == 1
    assert "Circulate the record" in plain and "Tell the referrer" in plain
    assert cli.run("due", "--explain", "--as-of", "2026-11-23T18:00").stdout.count(ref) == 2


# --- The board's own table layout -------------------------------------------------------------

WORDS = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"], exclude_characters="\n\r\t"),
    max_size=60,
)


@given(text=WORDS, width=st.integers(2, 40))  # a wide character takes 2 cells
def test_wrapped_lines_fit_their_cells_and_keep_every_word(text, width):
    lines = wrap_cells(text, width)
    assert all(cell_len(line) <= width for line in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())


@given(names=st.lists(WORDS.filter(str.strip), min_size=1, max_size=4), width=st.integers(4, 40))
def test_names_wrap_whole_where_they_fit(names, width):
    lines = wrap_names(names, width)
    assert all(cell_len(line) <= width for line in lines)
    flat = " ".join(lines)
    for name in names:
        if cell_len(name) + 1 <= width:  # fits whole (with its comma): shown exactly, unbroken
            assert name in flat


@pytest.mark.parametrize("columns", [72, 80, 120])
def test_the_board_lines_up_in_terminal_cells_with_wide_names(proc, columns):
    """Names in a wide script take two cells a character: the columns still line up and no
    line is wider than the terminal."""
    ref = proc.new("--child", "测试 Example", "--dob", "2015-03-02", "--procedure", "hampshire")
    proc.run("child", "add", ref, "--name", "Ava Example-Placeholder-Hyphenated-Name", "--dob", "2016-01-01")
    proc.run("action", "add", ref, "--task", "Ask the GP " * 8, "--owner", "Hana", "--due", "2026-11-24")
    out = proc.run("due", "--as-of", "2026-11-23T18:00", env={"COLUMNS": str(columns)}).stdout
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= columns
    rows = [line for line in lines if line.startswith((ref, " "))]
    assert rows and all(line == line.rstrip() for line in rows)  # no padding after the last cell
    header = next(line for line in lines if line.startswith("Reference"))
    starts = [header.index(title) for title in ("Children", "What is due", "Due ", "Status")]
    for line in lines:
        if line.startswith(ref):  # each cell starts where its heading does, counted in cells
            for start in starts[1:]:
                prefix = line[: _char_index(line, start)]
                assert cell_len(prefix) == start and prefix.endswith("  "), (line, start)
    assert "测试 Example," in out and "Ask the GP" in out


def _char_index(line: str, cells: int) -> int:
    """The index of the character at a cell offset (wide characters take two cells)."""
    for index in range(len(line) + 1):
        if cell_len(line[:index]) >= cells:
            return index
    return len(line)


@pytest.mark.parametrize("columns", [60, 100])
def test_the_board_says_not_quorate_for_a_discussion_held_without_the_core_agencies(proc, columns):
    """domain.md: "not quorate" everywhere the discussion is shown. A discussion not yet held is
    not marked (nobody has attended yet, so every row would say it)."""
    thin = proc.new()
    proc.run("attend", thin, "--name", "Sam Social", "--agency", "social-care")
    proc.run("held", thin, "--at", "2026-11-23T08:00")
    full = proc.new()
    for name, agency in (("S", "social-care"), ("H", "health"), ("P", "police")):
        proc.run("attend", full, "--name", name, "--agency", agency)
    proc.run("held", full, "--at", "2026-11-23T08:00")
    unheld = proc.new()
    out = proc.run("due", "--as-of", "2026-11-23T18:00", env={"COLUMNS": str(columns)}).stdout
    lines = out.splitlines()
    marked = {
        ref
        for ref in (thin, full, unheld)
        for i, line in enumerate(lines)
        if line.startswith(ref) and "not quorate: missing" in " ".join(lines[i : i + 2]).lower()
    }
    assert marked == {thin}
    assert all("quorate" not in json.dumps(item) for item in board(proc))  # the JSON is as cli.md says


def test_the_board_is_coloured_in_a_terminal_and_never_passes_control_codes_through(proc):
    """Colour by meaning where the terminal takes it; a control sequence that reached the
    database behind the tool's back (the tool refuses them) is stripped, never sent raw."""
    import sqlite3

    late, _ = setup_three(proc)
    with sqlite3.connect(proc.db) as conn:
        conn.execute("UPDATE child SET name = ? WHERE name = 'Ava Example'", ("Ava\x1b]0;pwned\x07 Example",))
    coloured = proc.run(
        "due", "--as-of", "2026-11-23T18:00", env={"FORCE_COLOR": "1", "COLUMNS": "100"}
    ).stdout
    assert "\x1b[1;31m" in coloured and "OVERDUE" in coloured  # bold red: overdue
    assert "\x1b]" not in coloured and "\x07" not in coloured and "Ava ]0;pwned  Example" in coloured
    plain = proc.run("due", "--as-of", "2026-11-23T18:00", env={"COLUMNS": "100"}).stdout
    assert "\x1b" not in plain and "OVERDUE" in plain


@pytest.mark.parametrize("command", [["show"], ["due", "--as-of", "2026-11-23T18:00"]])
@pytest.mark.parametrize("columns", ["60", "100"])
def test_a_tampered_record_never_sends_an_escape_sequence(proc, command, columns):
    """`show` and the narrow board print through rich, which leaves ESC in: the tool makes every
    control character a space first (tabs and line breaks stay text)."""
    import sqlite3

    ref = proc.new("--child", "Ava Example", "--dob", "2015-03-02", "--procedure", "hampshire")
    proc.run("action", "add", ref, "--task", "Visit", "--owner", "Sam", "--due", "2026-11-25")
    with sqlite3.connect(proc.db) as conn:
        conn.execute("UPDATE child SET name = ?", ("Ava\x1b[2J Example",))
        conn.execute("UPDATE discussion SET summary = ?", ("Line one\nline\x1b]0;x\x07 two",))
        conn.execute("UPDATE action SET task = ?", ("Visit\x9b31m now",))
    args = [command[0], *([ref] if command[0] == "show" else []), *command[1:]]
    out = proc.run(*args, env={"FORCE_COLOR": "1", "COLUMNS": columns}).stdout
    assert "\x1b[2J" not in out and "\x1b]" not in out and "\x07" not in out and "\x9b" not in out
    assert "Ava" in out and "Example" in out
