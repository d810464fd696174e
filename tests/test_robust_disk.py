"""A full disk: a clean one-line error and exit 1, nothing half-written, the database still whole.

Two ways: SQLite's ``max_page_count`` set just above the file's size on every connection the
CLI opens (in-process, the store's ``connect`` wrapped), swept so the limit is hit at every
point of a write (the row, its overflow pages, the audit entry, the deadlines); and, where the
test runs as root on Linux, a real tiny tmpfs filled to the last byte.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from robust_support import PY, InProcess, assert_whole, clean_failure, subprocess_env  # noqa: E402

import strategy_cli.store as store_module  # noqa: E402

pytestmark = pytest.mark.slow  # a stress suite: CI runs it at its reduced size (robust_support.scaled)


def _one_line_error(output: str, real_disk: bool = False) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    # A disk with no byte left can fail before the write: SQLite cannot even create the -shm
    # file, and says "disk I/O error".
    said = "full" in lines[0] or (real_disk and "disk I/O error" in lines[0])
    assert lines[0].startswith("Error: ") and said, lines[0]
    assert lines[0].count("nothing was saved") <= 1, lines[0]
    assert "Traceback" not in output


def _marker_count(db: Path, marker: str) -> tuple[int, int]:
    with closing(sqlite3.connect(db)) as conn:
        rows = sum(
            conn.execute(f"SELECT COUNT(*) FROM {t} WHERE instr({c}, ?) > 0", (marker,)).fetchone()[0]
            for t, c in (
                ("attendee", "name"),
                ("action", "task"),
                ("discussion", "summary"),
                ("child", "name"),
            )
        )
        entries = conn.execute("SELECT COUNT(*) FROM audit WHERE instr(detail, ?) > 0", (marker,)).fetchone()[
            0
        ]
    return rows, entries


def test_max_page_count_hit_at_every_point_of_a_write(tmp_path, monkeypatch):
    db = tmp_path / "full.db"
    cli = InProcess(db)
    ref = cli.json("new", "--no-input", "--child=Ava Example", "--dob=2015-03-02")["reference"]
    real_connect = store_module.connect
    headroom = {"pages": 0}

    def connect_with_a_small_disk(path, read_only=False, create=True):
        conn = real_connect(path, read_only, create)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + headroom['pages']}")
        return conn

    monkeypatch.setattr(store_module, "connect", connect_with_a_small_disk)
    outcomes = {"refused": 0, "saved": 0}
    commands = [
        lambda m: (
            "attend",
            ref,
            f"--name=Att {m} " + "x" * 30_000,
            "--agency=police",
            "--role=" + "r" * 20_000,
        ),
        lambda m: (
            "action",
            "add",
            ref,
            f"--task=Task {m} " + "t" * 40_000,
            "--owner=Olu",
            "--due=2026-11-27",
        ),
        lambda m: (
            "new",
            "--no-input",
            f"--child=Child {m}",
            "--dob=2015-01-01",
            f"--summary=S {m} " + "s" * 60_000,
        ),
    ]
    serial = 0
    for pages in range(0, 80, 3):
        for make in commands:
            serial += 1
            marker = f"M{serial:04d}Z"
            headroom["pages"] = pages
            result = cli(*make(marker))
            headroom["pages"] = 10_000
            rows, entries = _marker_count(db, marker)
            if result.exit_code == 0:
                outcomes["saved"] += 1
                whole = (2, 2) if make is commands[2] else (1, 1)  # new: discussion + child, open + child.add
                assert (rows, entries) == whole, (pages, marker, rows, entries)
            else:
                outcomes["refused"] += 1
                clean_failure(result)
                assert result.exit_code == 1
                _one_line_error(result.output)
                assert (rows, entries) == (0, 0), (
                    f"half-written at {pages} pages: {rows} rows, {entries} entries"
                )
            check = cli("check")
            assert check.exit_code == 0, check.output
    monkeypatch.setattr(store_module, "connect", real_connect)
    assert outcomes["refused"] >= 10 and outcomes["saved"] >= 3, outcomes
    assert_whole(db)
    assert cli("attend", ref, "--name=After The Storm", "--agency=health").exit_code == 0
    print(f"\nmax_page_count sweep: {outcomes}")


def _can_mount_tmpfs() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="a real full disk needs root to mount a small tmpfs")
def test_a_real_full_disk(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        db = mount / "strategy.db"
        env = subprocess_env(db, XDG_CONFIG_HOME=str(tmp_path / "config"))

        def run(*args):
            return subprocess.run([*PY, *args], env=env, capture_output=True, text=True, timeout=60)

        opened = run("new", "--no-input", "--child", "Ava Example", "--dob", "2015-03-02")
        assert opened.returncode == 0, opened.stderr
        ref = "SD-2026-0001"
        # Fill what is left, then write: the WAL cannot grow.
        filler = mount / "filler"
        with open(filler, "wb") as handle:
            try:
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
            except OSError:
                pass
        refused = []
        for index in range(3):
            done = run("attend", ref, "--name", f"Att M{index}Z " + "x" * 50_000, "--agency", "police")
            if done.returncode != 0:
                refused.append(f"M{index}Z")
                assert done.returncode == 1, done.stderr
                _one_line_error(done.stderr, real_disk=True)
        assert refused
        # Reading on a disk with no byte left: it works, or it says so in one clean line.
        shown = run("show", ref, "--json")
        assert shown.returncode in (0, 1) and "Traceback" not in shown.stderr, shown.stderr
        if shown.returncode:
            assert shown.stderr.startswith("Error: ") and len(shown.stderr.strip().splitlines()) == 1
        filler.unlink()
        for marker in refused:
            assert _marker_count(db, marker) == (0, 0)
        check = run("check")
        assert check.returncode == 0, check.stdout + check.stderr
        assert run("attend", ref, "--name", "After The Storm", "--agency", "health").returncode == 0
        assert_whole(db)
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)
