"""Killing a writing command at any moment never leaves half a change (POSIX).

Each worker runs real ``python -m strategy_cli`` processes against its own database and sends
SIGKILL (or SIGINT, SIGTERM) at a random moment. Every command carries a unique marker in its
free text. After every signal:

* ``strategy check``'s verification passes (integrity, foreign keys, schema, audit chain), and
  a real ``strategy check`` process exits 0 at the end of each worker;
* a command that reported success (exit 0) is there whole: its audit entries (all of them)
  and the rows they describe, since every discussion's audit trail replays to exactly the
  record ``show --json`` prints;
* a command that did not report success is there whole or not at all, and stays that way.

Half of the runs load a ``sitecustomize`` that makes every SQL statement sleep a little, so
kills land inside the write transaction often rather than by luck; BEGIN and COMMIT are
reported on stderr, and the test asserts that some kills did land mid-transaction.
"""

from __future__ import annotations

import json
import os
import random
import re
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from robust_support import PY, assert_whole, scaled, subprocess_env, write_sitecustomize  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="signals and fork timing are POSIX-only"),
]

WORKERS = 4
KINDS = ("new", "attend", "action", "decide", "child", "held", "checklist", "action-edit")
# Text questions answered in one checklist file: all saved in one transaction, or none, with
# one audit entry for the command.
CHECKLIST_TEXT = ("who-is-concerned", "impact-on-child", "impact-if-nothing-changes", "reduce-risk")


@dataclass
class Run:
    marker: str
    kind: str
    expected: int  # audit entries carrying the marker when the command is there whole
    outcome: str = ""  # "ok" (exit 0) or "signalled"
    seen: int | None = None  # audit entries found after the signal (fixed once seen)
    stage: str = "before-begin"


@dataclass
class Tally:
    kills: int = 0
    acknowledged: int = 0
    committed_anyway: int = 0
    mid_transaction: int = 0
    at_commit: int = 0
    exit_codes: dict = field(default_factory=dict)
    timing: dict = field(default_factory=dict)
    tracebacks: list = field(default_factory=list)
    startup_tracebacks: int = 0
    interrupted_but_saved: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _args(
    kind: str, marker: str, ref: str, folder: Path, actions: list[int], rng: random.Random
) -> tuple[list[str], int]:
    """The command line for one run, and how many audit entries carry its marker when whole."""
    if kind == "new":
        return [
            "new",
            "--no-input",
            "--child",
            f"Child {marker}",
            "--dob",
            "2015-01-01",
            "--child",
            f"Sibling {marker}",
            "--dob",
            "2017-05-05",
            "--summary",
            f"Summary {marker}",
            "--referrer",
            f"Referrer {marker}",
            "--json",
        ], 3  # open, child.add x2
    if kind == "attend":
        return ["attend", ref, "--name", f"Att {marker}", "--agency", "police", "--role", f"Role {marker}"], 1
    if kind == "action":
        return [
            "action",
            "add",
            ref,
            "--task",
            f"Task {marker}",
            "--owner",
            f"Owner {marker}",
            "--agency",
            "health",
            "--due",
            "2026-11-27",
            "--json",
        ], 1
    if kind == "decide":
        return [
            "decide",
            ref,
            "--s47",
            "--police",
            "--rationale",
            f"Why {marker}",
            "--share",
            f"Told {marker}",
        ], 1
    if kind == "child":
        return ["child", "add", ref, "--name", f"Kid {marker}", "--dob", "2016-02-02", "--looked-after"], 1
    if kind == "held":
        return [
            "held",
            ref,
            "--at",
            "2026-11-20T11:00",
            "--format",
            "virtual",
            "--chair",
            f"Chair {marker}",
        ], 1
    if kind == "checklist":
        path = folder / f"answers-{marker}.json"
        path.write_text(json.dumps({q: f"Answer {marker}" for q in CHECKLIST_TEXT} | {"s47": True}))
        return ["checklist", ref, "--answers", str(path)], 1
    if kind == "action-edit":
        number = str(rng.choice(actions))
        return ["action", "edit", ref, number, "--task", f"Edited {marker}", "--owner", f"New {marker}"], 1
    raise AssertionError(kind)


def _audit_count(conn: sqlite3.Connection, marker: str) -> int:
    """Entries whose new values bring the marker in (not those that merely carry it forward)."""
    return conn.execute(
        "SELECT COUNT(*) FROM audit WHERE (instr(COALESCE(json_extract(detail, '$.new'), ''), :m) > 0 "
        "AND instr(COALESCE(json_extract(detail, '$.old'), ''), :m) = 0) "
        # an answers file's one entry: {"answers": {question: {"old": ..., "new": ...}}}
        "OR EXISTS (SELECT 1 FROM json_each(detail, '$.answers') AS a "
        "WHERE instr(COALESCE(json_extract(a.value, '$.new'), ''), :m) > 0 "
        "AND instr(COALESCE(json_extract(a.value, '$.old'), ''), :m) = 0)",
        {"m": marker},
    ).fetchone()[0]


def _ours(traceback: str) -> bool:
    """A traceback through our code. Ctrl-C while the interpreter is still loading the package
    itself (runpy compiling strategy_cli/__init__.py or __main__.py) is Python's own, before
    any code of ours can catch it."""
    frames = re.findall(r'File "([^"]+)"', traceback)
    return any("strategy_cli" in f and not f.endswith(("__init__.py", "__main__.py")) for f in frames)


def _read_until(process: subprocess.Popen, text: bytes, timeout: float) -> bytes:
    """Read the process's stderr until ``text`` appears (or it ends); returns what was read."""
    seen = b""
    fd = process.stderr.fileno()
    end = time.monotonic() + timeout
    while text not in seen and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
    return seen


def _check_runs(db: Path, runs: list[Run]) -> None:
    with closing(sqlite3.connect(db)) as conn:
        for run in runs:
            count = _audit_count(conn, run.marker)
            if run.outcome == "ok":
                assert count == run.expected, f"{run.kind} {run.marker} reported success; {count} entries"
            else:
                assert count in (0, run.expected), f"{run.kind} {run.marker} half there: {count} entries"
            if run.kind == "checklist" and count:  # its one entry holds every answer of the file
                answers = conn.execute(
                    "SELECT COUNT(*) FROM audit, json_each(audit.detail, '$.answers') AS a "
                    "WHERE instr(json_extract(a.value, '$.new'), ?) > 0",
                    (run.marker,),
                ).fetchone()[0]
                assert answers == len(CHECKLIST_TEXT), f"checklist {run.marker}: {answers} answers"
            if run.seen is not None:
                assert count == run.seen, f"{run.kind} {run.marker} changed from {run.seen} to {count}"
            run.seen = count
        # Rows carrying a marker with no audit entry carrying it: a write that escaped the trail.
        for table, column in (
            ("attendee", "name"),
            ("action", "task"),
            ("child", "name"),
            ("discussion", "summary"),
        ):
            for (text,) in conn.execute(f"SELECT {column} FROM {table}"):
                marker = text.rsplit(" ", 1)[-1] if text else ""
                if marker.startswith("M"):
                    assert _audit_count(conn, marker) > 0, f"{table} row {text!r} without its audit entry"


def _worker(
    index: int, root: Path, kills: int, signals: tuple[int, ...], tally: Tally, slow_dir: Path
) -> None:
    rng = random.Random(index * 7919 + kills)
    folder = root / f"w{index}"
    folder.mkdir()
    db = folder / "crash.db"
    env = subprocess_env(db)
    slow_env = {
        **env,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(slow_dir), env.get("PYTHONPATH")])),
        "STRATEGY_TEST_SQL_DELAY": "0.004",
    }
    first = subprocess.run(
        [*PY, "new", "--no-input", "--child", "Ava Example", "--dob", "2015-03-02", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert first.returncode == 0, first.stderr
    ref = json.loads(first.stdout)["reference"]
    runs: list[Run] = []
    actions: list[int] = []
    done = 0
    serial = 0
    while done < kills:
        serial += 1
        kind = KINDS[serial % len(KINDS)] if serial <= len(KINDS) else rng.choice(KINDS)
        if kind == "action-edit" and not actions:
            kind = "action"
        marker = f"M{index}x{serial:05d}Z"
        args, expected = _args(kind, marker, ref, folder, actions, rng)
        slow = rng.random() < 0.5
        run = Run(marker, kind, expected)
        runs.append(run)
        typical = tally.timing.get(kind)
        slow = typical is not None and rng.random() < 0.5
        started = time.monotonic()
        process = subprocess.Popen(
            [*PY, *args],
            env=slow_env if slow else env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        signalled = None
        early = b""
        if typical is not None:  # the first run of each kind (over all workers) measures it
            if slow:  # aim: wait for BEGIN, then signal within the transaction (or just after)
                early = _read_until(process, b"TRACE BEGIN", 20)
                time.sleep(rng.uniform(0, 0.05))
            else:  # anywhere in the process's life: start-up, parsing, the write, the output
                time.sleep(rng.uniform(0.05, 0.9) * typical)
            if process.poll() is None:
                signalled = rng.choice(signals)
                process.send_signal(signalled)
        out, rest = process.communicate(timeout=60)
        if typical is None:
            with tally.lock:
                tally.timing.setdefault(kind, time.monotonic() - started)
        err_text = (early + rest).decode(errors="replace")
        code = process.returncode
        if signalled is None and code != 0:
            raise AssertionError(f"{args} exited {code} without a signal: {err_text}")
        if "TRACE BEGIN" in err_text:
            run.stage = "at-commit" if "TRACE COMMIT" in err_text else "mid-transaction"
        with tally.lock:
            tally.exit_codes[code] = tally.exit_codes.get(code, 0) + 1
            if "Traceback" in err_text:
                if _ours(err_text):
                    tally.tracebacks.append((signalled, err_text[-3000:]))
                else:
                    tally.startup_tracebacks += 1
        if code == 0:
            run.outcome = "ok"
            if kind == "action":
                actions.append(json.loads(out)["id"])
            with tally.lock:
                tally.acknowledged += 1
        else:
            run.outcome = "signalled"
            done += 1
            with tally.lock:
                tally.kills += 1
                tally.mid_transaction += run.stage == "mid-transaction"
                tally.at_commit += run.stage == "at-commit"
        _check_runs(db, runs)
        if code != 0:
            with tally.lock:
                tally.committed_anyway += run.seen == run.expected
                # Ctrl-C after COMMIT: exit 130, and the change is saved (whole).
                tally.interrupted_but_saved += code == 130 and run.seen == run.expected
            if kind == "action" and run.seen == run.expected:
                with closing(sqlite3.connect(db)) as conn:
                    actions.append(
                        conn.execute(
                            "SELECT number FROM action WHERE task = ?", (f"Task {marker}",)
                        ).fetchone()[0]
                    )
        assert_whole(db)
    final = subprocess.run([*PY, "check"], env=env, capture_output=True, text=True, timeout=60)
    assert final.returncode == 0, final.stdout + final.stderr


def _crash(tmp_path: Path, kills: int, signals: tuple[int, ...]) -> Tally:
    tally = Tally()
    slow_dir = write_sitecustomize(tmp_path / "slow-sql")
    errors: list[BaseException] = []
    per_worker = -(-kills // WORKERS)

    def target(index):
        try:
            _worker(index, tmp_path, per_worker, signals, tally, slow_dir)
        except BaseException as error:  # reported in the main thread
            errors.append(error)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    print(
        f"\n{kills} target, {tally.kills} signalled ({tally.mid_transaction} inside the write transaction, "
        f"{tally.at_commit} at or after COMMIT, {tally.committed_anyway} committed before dying), "
        f"{tally.acknowledged} acknowledged; exit codes {tally.exit_codes}; "
        f"{tally.startup_tracebacks} tracebacks from the interpreter's own start-up; "
        f"{tally.interrupted_but_saved} exited 130 with the change saved"
    )
    return tally


def test_sigkill_at_random_moments_never_leaves_half_a_change(tmp_path):
    tally = _crash(tmp_path, scaled(200), (signal.SIGKILL,))
    assert tally.kills >= scaled(200)
    assert tally.mid_transaction > 0, "no kill landed inside a write transaction: the test proves nothing"
    assert not tally.tracebacks


def test_sigint_and_sigterm_roll_back_or_complete(tmp_path):
    tally = _crash(tmp_path, scaled(40), (signal.SIGINT, signal.SIGTERM))
    assert tally.kills >= scaled(40)
    assert tally.mid_transaction > 0
    # SIGTERM kills without cleanup (-15); SIGINT is Ctrl-C: the shell's one line and 130.
    assert set(tally.exit_codes) <= {0, 130, -signal.SIGTERM, -signal.SIGINT, 1}, tally.exit_codes
    assert not tally.tracebacks, tally.tracebacks[0]


def test_kill_while_the_first_command_creates_the_database(tmp_path):
    """A kill during the very first open (file creation, WAL, the migration) leaves a file the
    next command opens, migrates and uses."""
    rng = random.Random(5)
    outcomes = {}
    slow_dir = write_sitecustomize(tmp_path / "slow-sql")
    for index in range(scaled(10)):
        folder = tmp_path / f"fresh{index}"
        folder.mkdir()
        db = folder / "fresh.db"
        env = subprocess_env(db)
        aimed = index % 2 == 0  # half aimed at the migration's transaction, half anywhere
        if aimed:
            env = {**env, "PYTHONPATH": str(slow_dir), "STRATEGY_TEST_SQL_DELAY": "0.004"}
        process = subprocess.Popen(
            [*PY, "new", "--no-input", "--child", "Ava Example", "--dob", "2015-03-02"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if aimed:
            _read_until(process, b"TRACE BEGIN", 20)
            time.sleep(rng.uniform(0, 0.03))
        else:
            time.sleep(rng.uniform(0.02, 0.3))
        process.kill()
        process.communicate()
        env = subprocess_env(db)
        outcomes[process.returncode] = outcomes.get(process.returncode, 0) + 1
        again = subprocess.run(
            [*PY, "new", "--no-input", "--child", "Ben Test", "--dob", "2014-04-04"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert again.returncode == 0, again.stderr
        assert assert_whole(db) in (1, 2)
        if os.name == "posix":
            assert (os.stat(db).st_mode & 0o777) == 0o600
    print(f"\nfresh-database kills: exit codes {outcomes}")
