"""``list --csv`` and ``due --csv``: RFC 4180, the --json columns, and no formula a spreadsheet
would run."""

import csv
import io
import os
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from strategy_cli.present.csv_table import DUE_COLUMNS, FORMULA_START, LIST_COLUMNS, Column, write_csv

ONE = [Column("value", "value")]


def written(items, columns=ONE) -> str:
    out = io.StringIO(newline="")
    write_csv(items, columns, out)
    return out.getvalue()


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def undo(cell: str, original: str) -> str:
    """The cell's value without the single quote put before a formula's first character."""
    return cell[1:] if original.startswith(FORMULA_START) else cell


@settings(max_examples=500, deadline=None)
@given(values=st.lists(st.text(), min_size=1, max_size=5))
def test_any_text_survives_a_round_trip_and_never_starts_a_formula(values):
    rows = read(written([{"value": value} for value in values]))
    assert rows[0] == ["value"]
    cells = [row[0] for row in rows[1:]]
    assert [undo(cell, value) for cell, value in zip(cells, values, strict=True)] == values
    for cell in cells:
        assert not cell.startswith(FORMULA_START)


@settings(max_examples=200, deadline=None)
@given(names=st.lists(st.text(min_size=1).filter(lambda n: "; " not in n), max_size=4))
def test_a_list_is_one_cell_its_entries_joined(names):
    columns = [Column("children", "children", "name"), Column("first", "first")]
    item = {"children": [{"name": name} for name in names], "first": names[:1]}
    row = read(written([item], columns))[1]
    joined = "; ".join(names)
    assert undo(row[0], joined).split("; ") == (names or [""])
    assert undo(row[1], names[0] if names else "") == (names[0] if names else "")


def test_rfc_4180_header_crlf_and_every_field_quoted():
    text = written([{"value": 'say "hi"\nthen go'}, {"value": None}, {"value": True}])
    assert text == '"value"\r\n"say ""hi""\nthen go"\r\n""\r\n"true"\r\n'


def test_each_formula_start_is_defused_and_quoted():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        value = f'{start}HYPERLINK("http://x")'
        line = written([{"value": value}]).split("\r\n")[1] if start != "\r" else None
        cell = read(written([{"value": value}]))[1][0]
        assert cell == "'" + value
        if line is not None:
            assert line.startswith("\"'")
    assert read(written([{"value": "Ava = safe"}]))[1][0] == "Ava = safe"  # only the first character


def test_no_table_is_still_a_header(cli):
    from strategy_cli.store import Store

    Store(cli.db).close()  # an empty database: only `new` makes one from the command line
    out = csv_out(cli, "list")
    assert out == '"' + '","'.join(c.header for c in LIST_COLUMNS) + '"\r\n'


def columns_cover(item: dict, columns: list[Column]) -> None:
    """Every member of a --json item (and every field of its lists of objects) has a column."""
    for key, value in item.items():
        if value and isinstance(value, list) and isinstance(value[0], dict):
            for field in value[0]:
                assert any(c.key == key and c.field == field for c in columns), f"{key}.{field}"
        else:
            assert any(c.key == key for c in columns), key


def csv_out(cli, *args) -> str:
    """What the command wrote, CRLFs as written (CliRunner's ``stdout`` folds them to LF)."""
    return cli.run(*args, "--csv").stdout_bytes.decode("utf-8")


def by_header(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_list_csv_has_the_json_columns(cli):
    twins = (
        "--child",
        "Ava Example",
        "--dob",
        "2015-03-02",
        "--child",
        "Ben Example",
        "--dob",
        "edd:2027-01-10",
    )
    ref = cli.new(*twins, "--procedure", "hampshire")
    item = next(i for i in cli.json("list") if i["reference"] == ref)
    columns_cover(item, LIST_COLUMNS)
    row = by_header(csv_out(cli, "list"))[0]
    assert row["reference"] == ref and row["concern_at"] == item["concern_at"]
    assert row["children"] == "Ava Example; Ben Example"
    assert row["children_dob"] == "2015-03-02; " and row["children_edd"] == "; 2027-01-10"
    assert row["quorate"] == "false" and row["held_at"] == ""


def test_due_csv_has_the_json_columns_in_the_boards_order(cli):
    ref = cli.new()
    cli.run("action", "add", ref, "--task", "=cmd|' /C calc'!A0", "--owner", "Sam", "--due", "2026-11-24")
    items = cli.json("due")
    for item in items:
        columns_cover(item, DUE_COLUMNS)
    rows = by_header(csv_out(cli, "due"))
    assert [(r["reference"], r["key"], r["due_at"]) for r in rows] == [
        (i["reference"], i["key"], i["due_at"] or "") for i in items
    ]
    assert rows[0]["children"] == "Ava Example"


def test_a_cell_starting_a_formula_is_defused_end_to_end(cli, tmp_path):
    name = tmp_path / "name.txt"  # --child @FILE: the name as a file holds it
    name.write_text("=HYPERLINK(Ava)", encoding="utf-8")
    cli.new("--child", f"@{name}", "--dob", "2015-03-02", "--procedure", "hampshire")
    assert by_header(csv_out(cli, "list"))[0]["children"] == "'=HYPERLINK(Ava)"
    assert {row["children"] for row in by_header(csv_out(cli, "due"))} == {"'=HYPERLINK(Ava)"}


def test_csv_and_json_together_is_a_usage_error(cli):
    for command in ("list", "due"):
        result = cli.run(command, "--csv", "--json", expect=2)
        assert "--csv" in result.output and result.stdout.count('"reference"') == 0


def test_utf8_without_a_bom_whatever_the_console(proc):
    """A real process whose stdout is cp1252 (a Windows console redirected): the bytes are
    still UTF-8, with CRLFs and no byte-order mark."""
    proc.new("--child", "Łucja Nowak", "--dob", "2015-03-02", "--procedure", "hampshire")
    done = subprocess.run(
        [sys.executable, "-m", "strategy_cli", "list", "--csv"],
        capture_output=True,
        env={**os.environ, **proc.env, "PYTHONIOENCODING": "cp1252"},
        timeout=60,
        check=True,
    )
    assert done.stdout.startswith(b'"reference"')
    assert "Łucja Nowak".encode() in done.stdout
    assert done.stdout.count(b"\r\n") == 2 and b"\n" not in done.stdout.replace(b"\r\n", b"")
