"""Several processes writing at once: every acknowledged write is there exactly once, and none
fails because another holds the lock (BEGIN IMMEDIATE and a 10 s busy timeout)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from robust_support import PY, STRESS, assert_whole, subprocess_env  # noqa: E402

pytestmark = pytest.mark.slow  # a stress suite: CI runs it at its reduced size (robust_support.scaled)

FIXTURES = Path(__file__).parent / "fixtures"
SECONDS = 5 * STRESS

# One writer process: the CLI called in-process in a loop (so each process writes many times a
# second and really contends for the lock), one JSON line per command.
WORKER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from robust_support import InProcess

    name, db, mode, ref, seconds = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
    cli = InProcess(db)
    out = open(sys.argv[6], "w", encoding="utf-8")
    end = time.monotonic() + seconds
    serial = 0
    while time.monotonic() < end:
        serial += 1
        marker = f"{name}x{serial:05d}Z"
        if mode == "read":
            for args in (["show", ref, "--json"], ["check"], ["due", "--json"], ["backup", str(db.parent / f"b-{marker}.db")]):
                r = cli(*args)
                out.write(json.dumps({"kind": args[0], "marker": marker, "exit": r.exit_code, "output": r.output[-300:]}) + "\\n")
            continue
        if mode == "new" or serial % 3 == 0 and mode == "mixed":
            r = cli("new", "--no-input", f"--child=Child {marker}", "--dob=2015-01-01", f"--summary=S {marker}", "--json")
            kind = "new"
            if r.exit_code == 0 and mode == "new":
                ref = json.loads(r.stdout)["reference"]
        elif serial % 2:
            r = cli("attend", ref, f"--name=Att {marker}", "--agency=health")
            kind = "attend"
        else:
            r = cli("action", "add", ref, f"--task=Task {marker}", "--owner=Olu", "--due=2026-11-27", "--json")
            kind = "action"
        out.write(json.dumps({"kind": kind, "marker": marker, "exit": r.exit_code, "output": r.output[-300:]}) + "\\n")
        out.flush()
    out.close()
    """
)


def _start(folder: Path, db: Path, name: str, mode: str, ref: str) -> tuple[subprocess.Popen, Path]:
    results = folder / f"{name}.jsonl"
    env = subprocess_env(db, PYTHONPATH=os.pathsep.join([str(FIXTURES), os.environ.get("PYTHONPATH", "")]))
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER, name, str(db), mode, ref, str(SECONDS), str(results)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    return process, results


def test_concurrent_writers_lose_nothing_and_never_see_locked(tmp_path):
    db = tmp_path / "shared.db"
    env = subprocess_env(db)
    refs = []
    for child in ("Ava Example", "Ben Test", "Cal Sample"):
        done = subprocess.run(
            [*PY, "new", "--no-input", "--child", child, "--dob", "2015-03-02", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        refs.append(json.loads(done.stdout)["reference"])
    plan = [
        ("A1", "mixed", refs[0]),  # two writers on one discussion
        ("A2", "mixed", refs[0]),
        ("B1", "attend", refs[1]),  # one each on two others
        ("C1", "attend", refs[2]),
        ("N1", "new", refs[0]),  # two opening discussions: competing for the next reference
        ("N2", "new", refs[0]),
        ("R1", "read", refs[0]),  # a reader: show, check, due and backup while all that happens
    ]
    started = [(name, *_start(tmp_path, db, name, mode, ref)) for name, mode, ref in plan]
    rows = []
    for name, process, results in started:
        _, err = process.communicate(timeout=SECONDS + 120)
        assert process.returncode == 0, f"worker {name}: {err.decode(errors='replace')[-2000:]}"
        rows += [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    failed = [r for r in rows if r["exit"] != 0]
    assert not failed, failed[:3]
    assert not [r for r in rows if "locked" in r["output"] or "held the database" in r["output"]]
    writes = [r for r in rows if r["kind"] in ("new", "attend", "action")]
    with closing(sqlite3.connect(db)) as conn:
        for row in writes:
            marker = row["marker"]
            entries = conn.execute(
                "SELECT COUNT(*) FROM audit WHERE instr(detail, ?) > 0", (f"{marker}",)
            ).fetchone()[0]
            expected = {"new": 2, "attend": 1, "action": 1}[row["kind"]]  # new: open + child.add
            assert entries == expected, (row, entries)
            table, column = {
                "new": ("discussion", "summary"),
                "attend": ("attendee", "name"),
                "action": ("action", "task"),
            }[row["kind"]]
            found = conn.execute(
                f"SELECT COUNT(*) FROM {table} WHERE instr({column}, ?) > 0", (marker,)
            ).fetchone()[0]
            assert found == 1, (row, found)
        seqs = [r[0] for r in conn.execute("SELECT seq FROM discussion ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1)), "references are not consecutive and unique"
        numbers = conn.execute(
            "SELECT discussion_id, COUNT(*), MAX(number) FROM action GROUP BY discussion_id"
        ).fetchall()
        assert all(count == top for _, count, top in numbers), "action numbers skipped or repeated"
    assert assert_whole(db) == len(seqs)
    for backup in tmp_path.glob("b-*.db"):
        assert (os.stat(backup).st_mode & 0o777) == 0o600
    counts = Counter(r["kind"] for r in rows)
    print(
        f"\nconcurrency: {len(plan)} processes for {SECONDS}s, {len(writes)} acknowledged writes, {dict(counts)}"
    )
    assert len(writes) >= 20


def test_many_processes_create_the_same_new_database_at_once(tmp_path):
    """The first open creates the folder and the file, turns on WAL and migrates: six (times
    STRATEGY_STRESS) at once all succeed."""
    count = 6 * STRESS
    db = tmp_path / "fresh" / "nested" / "new.db"
    env = subprocess_env(db)
    processes = [
        subprocess.Popen(
            [*PY, "new", "--no-input", "--child", f"Child {i}", "--dob", "2015-01-01", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(count)
    ]
    references = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode(errors="replace")
        references.append(json.loads(out)["reference"])
    assert len(set(references)) == count
    assert assert_whole(db) == count
    assert (os.stat(db).st_mode & 0o777) == 0o600


def _open_when_released(path: str, barrier, results) -> None:
    """One command's first open, started at the same instant as the others'."""
    from strategy_cli import store

    barrier.wait()
    try:
        store.connect(Path(path)).close()
        results.put("ok")
    except Exception as error:  # reported to the test, which names it
        results.put(repr(error))


def test_a_brand_new_file_opened_by_many_at_once_never_reports_locked(tmp_path):
    """Switching a new file to WAL needs an exclusive lock, and SQLite refuses a second
    connection at once (no busy wait) when two try together. Processes released by a barrier
    hit that window in about one round in four; every open must still succeed."""
    import multiprocessing

    context = multiprocessing.get_context()
    for round_ in range(12):
        path = tmp_path / f"round-{round_}" / "new.db"
        barrier, results = context.Barrier(8), context.Queue()
        processes = [
            context.Process(target=_open_when_released, args=(str(path), barrier, results)) for _ in range(8)
        ]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=60)
        assert outcomes == ["ok"] * 8, (round_, outcomes)
        assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
