"""Changes behind the tool's back are found; files are private; symlinks are never written through."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from robust_support import PY, InProcess, assert_whole, subprocess_env  # noqa: E402

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and umask are POSIX-only")


@pytest.fixture
def filled(tmp_path):
    db = tmp_path / "t.db"
    cli = InProcess(db)
    ref = cli.json("new", "--no-input", "--child=Ava Example", "--dob=2015-03-02")["reference"]
    cli.ok("attend", ref, "--name=Dee Social", "--agency=social-care", "--role=SW")
    cli.ok("attend", ref, "--name=Fay Police", "--agency=police")
    cli.ok("decide", ref, "--s47", "--police", "--rationale=Injury")
    cli.ok("action", "add", ref, "--task=Visit", "--owner=Dee Social", "--due=2026-11-27")
    assert cli("check").exit_code == 0
    return db, cli, ref


def _tamper(db: Path, sql: str, *params) -> None:
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(sql, params)
        conn.commit()


def _check_names(cli, entry_id: int, words: str) -> None:
    result = cli("check")
    assert result.exit_code == 1, result.output
    assert f"audit entry {entry_id} " in result.output, result.output
    assert words in result.output, result.output


@pytest.mark.parametrize(
    ("column", "value"),
    [("by", "someone-else"), ("at", "2026-11-19T09:30:00+00:00"), ("action", "attend.remove")],
)
def test_an_edited_audit_row_is_named(filled, column, value):
    db, cli, _ = filled
    _tamper(db, f"UPDATE audit SET {column} = ? WHERE id = 3", value)
    _check_names(cli, 3, "was changed after it was written")


def test_an_edited_detail_is_named(filled):
    db, cli, _ = filled
    _tamper(db, "UPDATE audit SET detail = replace(detail, 'Dee Social', 'Dee Sociable') WHERE id = 3")
    _check_names(cli, 3, "was changed after it was written")


def test_a_rehashed_entry_still_breaks_the_chain_at_the_next(filled):
    """Recomputing the edited entry's own hash is not enough: the next entry names it."""
    from strategy_cli.store import entry_hash

    db, cli, _ = filled
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute(
            "SELECT prev_hash, discussion_id, at, by, action, detail FROM audit WHERE id = 3"
        ).fetchone()
        detail = row[5].replace("Dee Social", "Dee Sociable")
        conn.execute(
            "UPDATE audit SET detail = ?, hash = ? WHERE id = 3", (detail, entry_hash(*row[:5], detail))
        )
        conn.commit()
    _check_names(cli, 4, "does not follow the entry before it")


def test_a_removed_entry_is_named(filled):
    db, cli, _ = filled
    _tamper(db, "DELETE FROM audit WHERE id = 3")
    _check_names(cli, 4, "does not follow")


def test_an_edited_record_row_does_not_replay(filled):
    """The hash chain covers the trail; a record table edited behind the tool's back is found
    by replaying the trail (strategy_cli/replay.py), which `check` does for every discussion
    and `check --quick` for the open ones (what the board shows)."""
    db, cli, ref = filled
    _tamper(db, "UPDATE attendee SET name = 'Dee Sociable' WHERE name = 'Dee Social'")
    quick = cli("check", "--quick")
    assert quick.exit_code == 1 and "audit trail: " in quick.output and "chain intact" in quick.output
    assert "attendees" in quick.output
    result = cli("check")
    assert result.exit_code == 1
    assert ref in result.output and "attendees" in result.output
    with pytest.raises(AssertionError, match="attendees"):
        assert_whole(db)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE decision SET s47 = 1 - s47",
        "UPDATE action SET due_at = '2027-01-01T00:00:00+00:00'",
        "UPDATE discussion SET status = 'closed'",
        "DELETE FROM attendee WHERE name = 'Fay Police'",
    ],
)
def test_check_names_a_record_changed_behind_its_trail(filled, sql):
    db, cli, ref = filled
    _tamper(db, sql)
    result = cli("check")
    assert result.exit_code == 1 and ref in result.output, result.output


@posix_only
def test_database_wal_and_shm_are_private_even_with_umask_000(tmp_path):
    db = tmp_path / "new-folder" / "private.db"
    probe = (
        "import os, sys, json\n"
        "from pathlib import Path\n"
        "os.umask(0)\n"
        "from strategy_cli.cli import app\n"
        "try:\n"
        "    app(['new', '--no-input', '--child', 'Ava Example', '--dob', '2015-03-02'])\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "from strategy_cli.store import Store\n"
        "store = Store(Path(sys.argv[1]))\n"
        "store.conn.execute('BEGIN IMMEDIATE')\n"
        "store.conn.execute(\"UPDATE discussion SET summary = 'x'\")\n"
        "modes = {s: oct(os.stat(sys.argv[1] + s).st_mode & 0o777) for s in ('', '-wal', '-shm')}\n"
        "modes['folder'] = oct(os.stat(Path(sys.argv[1]).parent).st_mode & 0o777)\n"
        "store.conn.execute('ROLLBACK')\n"
        "print(json.dumps(modes))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(db)],
        env=subprocess_env(db),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    modes = json.loads(done.stdout.strip().splitlines()[-1])
    assert modes == {"": "0o600", "-wal": "0o600", "-shm": "0o600", "folder": "0o700"}


@posix_only
def test_backup_is_private_whole_and_refuses_symlinks(filled, tmp_path):
    db, cli, ref = filled
    env = subprocess_env(db)
    target = tmp_path / "copy.db"
    done = subprocess.run(
        [*PY, "backup", str(target)], env=env, capture_output=True, preexec_fn=lambda: os.umask(0)
    )
    assert done.returncode == 0, done.stderr
    assert (os.stat(target).st_mode & 0o777) == 0o600
    assert subprocess.run([*PY, "--db", str(target), "check"], env=env, capture_output=True).returncode == 0
    assert assert_whole(target) == 1
    # A symlink at the target: to an existing file, and dangling; with and without --force.
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for pointing_at in (victim, tmp_path / "nowhere.db"):
        link = tmp_path / f"link-{pointing_at.name}"
        link.symlink_to(pointing_at)
        for force in ([], ["--force"]):
            refused = subprocess.run(
                [*PY, "backup", str(link), *force], env=env, capture_output=True, text=True
            )
            assert refused.returncode == 1, refused.stderr
            assert "symbolic link" in refused.stderr and "Traceback" not in refused.stderr
            assert victim.read_text() == "precious"
            assert not (tmp_path / "nowhere.db").exists()
            assert link.is_symlink()


@posix_only
def test_export_output_refuses_symlinks(filled, tmp_path):
    db, cli, ref = filled
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for pointing_at in (victim, tmp_path / "nowhere.html"):
        link = tmp_path / f"link-{pointing_at.name}"
        link.symlink_to(pointing_at)
        for force in ([], ["--force"]):
            result = cli("export", ref, "--format", "html", "--output", str(link), *force)
            # Refused; or, with --force, at most the link itself replaced: never written through.
            assert result.exit_code == 1 or force, result.output
            if result.exit_code:
                assert "symbolic link" in result.output
            assert victim.read_text() == "precious"
            assert not (tmp_path / "nowhere.html").exists()
    written = tmp_path / "minutes.html"
    old = os.umask(0)
    try:
        assert cli("export", ref, "--format", "html", "--output", str(written)).exit_code == 0
    finally:
        os.umask(old)
    assert (os.stat(written).st_mode & 0o777) == 0o600
