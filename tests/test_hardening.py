"""The attacks of issue 17 as regression tests: the tool touches only its own files, reads
bounded input, keeps the withheld text out of the family version, runs user templates in a
sandbox, and anchors its audit trail."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import sys
from contextlib import closing
from pathlib import Path

import pytest
from support import AVA

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and devices are POSIX")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- Files ----------------------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("target", ["/dev/null", "folder"])
def test_db_must_be_a_regular_file(proc, tmp_path, target):
    path = tmp_path / "folder" if target == "folder" else Path(target)
    path.mkdir(exist_ok=True) if target == "folder" else None
    before = _mode(path)
    done = proc.run("--db", str(path), "list", expect=1)
    assert "not a regular file" in done.stderr
    assert _mode(path) == before and not Path(f"{path}-journal").exists()


@posix_only
def test_an_existing_database_is_never_chmodded_but_its_exposure_is_named(proc):
    proc.new()
    proc.db.chmod(0o644)
    done = proc.run("list")
    assert _mode(proc.db) == 0o644
    assert "chmod 600" in done.stderr and str(proc.db) in done.stderr


@posix_only
def test_a_read_only_database_is_read_never_written(proc):
    ref = proc.new()
    proc.db.chmod(0o400)
    before = proc.db.read_bytes()
    assert proc.json("show", ref)["reference"] == ref
    proc.run("due")
    refused = proc.run("attend", ref, "--name", "Pat Police", "--agency", "police", expect=1)
    assert "read-only" in refused.stderr and "nothing was written" in refused.stderr
    assert _mode(proc.db) == 0o400 and proc.db.read_bytes() == before


@posix_only
def test_check_never_changes_the_file_it_checks(proc, tmp_path):
    proc.new()
    backup = tmp_path / "backup.db"
    proc.run("backup", str(backup))
    backup.chmod(0o400)
    before = backup.read_bytes()
    proc.run("--db", str(backup), "check")
    assert _mode(backup) == 0o400 and backup.read_bytes() == before
    with closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    missing = proc.run("--db", str(tmp_path / "nothere.db"), "check", expect=1)
    assert "no database" in missing.stderr and not (tmp_path / "nothere.db").exists()


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_no_output_overwrites_the_database_or_its_files(proc, tmp_path, suffix):
    ref = proc.new()
    target = Path(f"{proc.db}{suffix}")
    for args in (
        ["export", ref, "--output", str(target), "--force"],
        ["due", "--ics", str(target), "--force"],
        ["backup", str(target), "--force"],
    ):
        done = proc.run(*args, expect=1)
        assert "the database" in done.stderr, args
    assert proc.json("show", ref)["reference"] == ref
    proc.run("check")


# --- Bounded input --------------------------------------------------------------------------


@posix_only
def test_text_from_a_device_or_a_huge_file_is_refused_at_once(proc, tmp_path):
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"x" * (1024 * 1024 + 1))
    for source in ("/dev/zero", str(huge)):
        # Wide enough that the message, naming a long temporary path, is never folded mid-phrase.
        done = proc.run(
            "new",
            "--no-input",
            "--child",
            f"@{source}",
            "--dob",
            "2015-03-02",
            expect=2,
            env={"COLUMNS": "400"},
        )
        assert "--child" in done.stderr and ("regular file" in done.stderr or "1 MiB" in done.stderr)
    ref = proc.new()
    done = proc.run("checklist", ref, "--answers", "/dev/zero", expect=2)
    assert "regular file" in done.stderr


def test_a_deeply_nested_answers_file_is_a_usage_error(proc, tmp_path):
    ref = proc.new()
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    done = proc.run("checklist", ref, "--answers", str(deep), expect=2)
    assert "nested" in done.stderr and "unexpected" not in done.stderr.lower()


def test_bytes_that_are_not_utf8_in_an_argument_are_named(proc):
    if sys.platform == "win32":
        pytest.skip("Windows arguments are UTF-16: there are no undecodable bytes")
    import subprocess

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "strategy_cli",
            "new",
            "--no-input",
            b"--child=Ava \xff",
            "--dob",
            "2015-03-02",
        ],
        env={**os.environ, **proc.env},
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2 and b"--child" in done.stderr and b"UTF-8" in done.stderr
    assert b"unexpected" not in done.stderr.lower()


# --- The family version and templates -------------------------------------------------------


def _withheld(cli, share: str, task: str | None = None) -> str:
    ref = cli.new()
    cli.run(
        "decide", ref, "--s47", "--no-police", "--rationale", "Bruising",
        "--share", share, "--withhold", "The new address of the mother at 12 Elm Road",
        "--withhold-rationale", "Risk from the father",
    )  # fmt: skip
    if task:
        cli.run(
            "action",
            "add",
            ref,
            "--task",
            task,
            "--owner",
            "Sam Social",
            "--due",
            "2026-11-30",
            "--for-family",
        )
    return ref


def test_the_family_version_refuses_withheld_words_until_checked(cli):
    ref = _withheld(cli, "A social worker will visit you at 12 Elm Road on Monday")
    refused = cli.run("export", ref, "--audience", "family", expect=1)
    assert "--share" in refused.output and "--i-have-checked" in refused.output
    shown = cli.run("export", ref, "--audience", "family", "--i-have-checked").stdout
    assert "12 Elm Road" in shown  # the manager checked: it is what they decided to share
    ref = _withheld(cli, "A social worker will visit on Monday", task="Write to the mother at Elm Road 12")
    refused = cli.run("export", ref, "--audience", "family", expect=1)
    assert "action 1" in refused.output
    clean = _withheld(cli, "A social worker will visit on Monday", task="Agree a safety plan")
    family = cli.run("export", clean, "--audience", "family").stdout
    assert "Elm Road" not in family and "Risk from the father" not in family


def test_a_user_template_runs_in_the_sandbox(cli, tmp_path):
    folder = tmp_path / "config" / "strategy" / "templates"
    folder.mkdir(parents=True)
    (folder / "family.md.j2").write_text("{{ cycler.__init__.__globals__.os.popen('id').read() }}\n")
    ref = cli.new()
    done = cli.run("export", ref, "--audience", "family", expect=1)
    assert "may not" in done.output and "uid=" not in done.output


# --- The trail's anchor ---------------------------------------------------------------------


def test_check_expect_finds_a_truncated_or_rewritten_trail(proc):
    ref = proc.new()
    proc.run("attend", ref, "--name", "Pat Police", "--agency", "police")
    head = proc.json("check")["head"]
    proc.run("attend", ref, "--name", "Hana Health", "--agency", "health")
    assert "extends the head" in proc.run("check", "--expect", head).stdout  # grown: fine
    with closing(sqlite3.connect(proc.db)) as conn, conn:
        conn.execute("DELETE FROM attendee WHERE name IN ('Pat Police', 'Hana Health')")
        conn.execute("DELETE FROM audit WHERE action = 'attend'")
    assert proc.json("check")["ok"] is True  # the truncated chain is self-consistent...
    done = proc.run("check", "--expect", head, expect=1)  # ...but no longer holds the head
    assert "deleted" in done.stdout
    bad = proc.run("check", "--expect", "nonsense", expect=1)
    assert "not a chain head" in bad.stdout


def test_backup_prints_the_head_of_its_copy(proc, tmp_path):
    proc.new()
    done = proc.run("backup", str(tmp_path / "copy.db"))
    head = proc.json("check")["head"]
    assert f"Chain head: {head}" in done.stderr + done.stdout
    assert json.loads(proc.run("--db", str(tmp_path / "copy.db"), "check", "--json").stdout)["head"] == head
    assert AVA  # the same fictional child as every test


def test_restore_puts_the_backup_back_through_the_backup_api(proc, tmp_path):
    """No file is deleted: a reader holding the database open meanwhile is no problem, and the
    database as it was is kept beside it."""
    ref = proc.new()
    backup = tmp_path / "backup.db"
    proc.run("backup", str(backup))
    head = proc.json("check")["head"]
    proc.run("attend", ref, "--name", "Pat Police", "--agency", "police")
    with closing(sqlite3.connect(proc.db)) as reader:
        reader.execute("SELECT COUNT(*) FROM discussion").fetchone()
        refused = proc.run("restore", str(backup), expect=2)
        assert "--yes" in refused.stderr
        wrong = proc.run("restore", str(backup), "--yes", "--expect", "9:" + "0" * 64, expect=1)
        assert "nothing was restored" in wrong.stderr
        done = proc.run("restore", str(backup), "--yes", "--expect", head)
    assert proc.json("show", ref)["attendees"] == []
    assert proc.json("check")["head"] == head
    kept = [p for p in proc.db.parent.iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1 and str(kept[0]) in done.stderr
    assert (
        json.loads(proc.run("--db", str(kept[0]), "show", ref, "--json").stdout)["attendees"][0]["name"]
        == "Pat Police"
    )


# --- One very large discussion --------------------------------------------------------------


def test_a_huge_discussion_is_shown_whole_and_the_board_names_three_children(proc, tmp_path):
    """5,000 children and 10,000 actions used to take 22-315 s and up to 14.5 GB (measured in
    benchmarks/RESULTS.md, not here); what a person sees must stay whole and readable."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from big_discussion import build

    ref = build(proc.db, children=300, attendees=250, actions=400)
    proc.env["STRATEGY_NOW"] = "2026-11-20T13:00"
    shown = proc.run("show", ref).stdout
    assert "Children (300)" in shown and "Attendees (250)" in shown and "Actions (400)" in shown
    assert "Child Example 00299" in shown and "Task number 399" in shown  # every row, none cut
    board = proc.run("due", env={"COLUMNS": "120"}).stdout
    assert "+297 more" in board and "Child Example 00003" not in board
    listed = proc.run("list", env={"COLUMNS": "120"}).stdout
    assert "+297 more" in listed
    html = proc.run("export", ref, "--format", "html").stdout
    assert "Task number 399" in html and "Child Example 00299" in html


def test_json_written_a_member_at_a_time_is_json_dumps_text():
    from hypothesis import given
    from hypothesis import strategies as st

    from strategy_cli.cli.common import _write_json

    values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
        max_leaves=12,
    )

    @given(values)
    def same(value):
        parts: list[str] = []
        _write_json(value, parts.append, depth=2)
        assert "".join(parts) == json.dumps(value, ensure_ascii=False)

    same()


def test_a_bidi_control_held_from_before_never_reaches_the_terminal_or_the_minutes(proc):
    ref = proc.new()
    with closing(sqlite3.connect(proc.db)) as conn, conn:  # as an older release let it in
        conn.execute("UPDATE discussion SET summary = 'Bruise \u202eesirub' WHERE reference = ?", (ref,))
        conn.execute("UPDATE child SET name = 'Ava \u202eelpmaxE'")
    for args in (
        ["show", ref],
        ["export", ref, "--format", "html"],
        ["export", ref, "--format", "md"],
        ["due"],
    ):
        shown = proc.run(*args, env={"COLUMNS": "120"}).stdout
        assert "\u202e" not in shown and "\ufffd" in shown, args


def test_review_findings_of_the_hardening(proc, tmp_path):
    """A symlinked --db still protects its real -wal; restore refuses the database itself; a
    head in capitals is the same head; a reference with bad bytes is a usage error."""
    real = tmp_path / "real.db"
    link = tmp_path / "link.db"
    proc.env["STRATEGY_DB"] = str(real)
    ref = proc.new()
    link.symlink_to(real)
    proc.env["STRATEGY_DB"] = str(link)
    for suffix in ("-wal", "-shm"):
        done = proc.run("export", ref, "--output", f"{real}{suffix}", "--force", expect=1)
        assert "the database" in done.stderr
    refused = proc.run("restore", str(real), "--yes", expect=1)
    assert "the database itself" in refused.stderr
    head = proc.json("check")["head"]
    assert "extends the head" in proc.run("check", "--expect", head.upper()).stdout
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "strategy_cli", "show", b"SD-\xff"],
        env={**os.environ, **proc.env},
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2 and b"REF" in done.stderr and b"unexpected" not in done.stderr.lower()


def test_invisible_characters_make_no_second_child(cli):
    ref = cli.new()
    for name in ("Ava Example\u200b", "Ava\ufeff Example", "\u00adAva Example"):
        refused = cli.run("child", "add", ref, "--name", name, "--dob", "2016-01-01", expect=1)
        assert "already has a child" in refused.output, name


def test_withheld_words_are_found_whatever_their_accents(cli):
    ref = cli.new()
    cli.run(
        "decide", ref, "--s47", "--no-police", "--rationale", "R",
        "--withhold", "Mum's new partner Márk Kovács lives at 14 Élm Close", "--withhold-rationale", "Risk",
        "--share", "We will talk to Mr Kovacs first",
    )  # fmt: skip
    assert "--share" in cli.run("export", ref, "--audience", "family", expect=1).output
    cli.run("decide", ref, "--share", "A social worker will visit you on Monday at 14:00")
    cli.run("export", ref, "--audience", "family")


def test_restore_takes_a_backup_made_by_an_earlier_version(proc, tmp_path):
    """The schema-1 fixture is upgraded on a copy, checked, then restored; the backup is untouched."""
    import shutil

    proc.new()
    old = tmp_path / "old.db"
    shutil.copy(Path(__file__).parent / "fixtures" / "schema1.db", old)
    before = old.read_bytes()
    proc.run("restore", str(old), "--yes")
    assert old.read_bytes() == before
    assert {d["reference"] for d in proc.json("list", "--all")} == {f"SD-2026-000{n}" for n in range(1, 5)}
    proc.run("check")


def test_a_write_during_a_restore_is_in_the_kept_copy_or_the_restored_database(proc, tmp_path):
    """The copy kept and the restore happen under one write lock: every acknowledged write
    lands in exactly one of them, never between."""
    import subprocess

    ref = proc.new()
    backup = tmp_path / "backup.db"
    proc.run("backup", str(backup))
    env = {**os.environ, **proc.env}
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "strategy_cli",
                "attend",
                ref,
                "--name",
                f"Writer {n}",
                "--agency",
                "police",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n in range(8)
    ]
    proc.run("restore", str(backup), "--yes")
    acknowledged = {f"Writer {n}" for n, w in enumerate(writers) if w.wait(timeout=60) == 0}
    (kept,) = [p for p in proc.db.parent.iterdir() if ".before-restore-" in p.name]
    live = {a["name"] for a in proc.json("show", ref)["attendees"]}
    before = {
        a["name"] for a in json.loads(proc.run("--db", str(kept), "show", ref, "--json").stdout)["attendees"]
    }
    assert acknowledged <= live | before, acknowledged - live - before
    assert not live & before
    proc.run("check")


def test_the_first_word_of_a_sentence_is_not_taken_for_a_name():
    from strategy_cli.domain.disclosure import carries

    withheld = "The police plan to interview the stepfather under caution."
    assert not carries(withheld, "A social worker and a police officer will visit you and the children.")
    assert carries(withheld, "We will tell you when the police interview the stepfather under caution")
    assert carries("The new address is 4 Oak Lane, Leeds.", "Your new home in Leeds")
