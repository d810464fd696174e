"""Old databases open with every record kept; a newer one is refused and left untouched.

tests/fixtures/schema1.db was made by the first release (schema 1, commit f80889b) with
tests/fixtures/make_schema1.py: fictional discussions covering every kind of write.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from robust_support import PY, assert_whole, subprocess_env  # noqa: E402

from strategy_cli.store import SCHEMA_VERSION  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "schema1.db"
RECORD_TABLES = ("discussion", "child", "attendee", "decision", "answer", "action", "event", "audit")


def _rows(db: Path) -> dict[str, set[tuple]]:
    """Every row of every record table, on the columns schema 1 had."""
    with closing(sqlite3.connect(FIXTURE)) as original, closing(sqlite3.connect(db)) as conn:
        tables = {}
        for table in RECORD_TABLES:
            columns = [r[1] for r in original.execute(f"PRAGMA table_info({table})")]
            if table == "discussion":  # derived, recomputed when the rules change
                columns.remove("discussion_due")
            listed = ", ".join(columns)
            tables[table] = set(conn.execute(f"SELECT {listed} FROM {table}").fetchall())
        return tables


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_fixture_is_schema_1():
    with closing(sqlite3.connect(f"file:{FIXTURE}?mode=ro", uri=True)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM discussion").fetchone()[0] == 4
        assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] >= 30


def test_a_schema_1_database_opens_with_every_record_kept(tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(FIXTURE, db)
    before = _rows(db)
    env = subprocess_env(db)
    refused = subprocess.run([*PY, "check"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "upgrade" in refused.stderr  # check never writes, so never upgrades
    upgraded = subprocess.run([*PY, "list", "--all"], env=env, capture_output=True, text=True, timeout=60)
    assert upgraded.returncode == 0, upgraded.stderr
    check = subprocess.run([*PY, "check"], env=env, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert _rows(db) == before
    # Every discussion shows, and its trail (written by the old release) replays to it.
    listed = subprocess.run([*PY, "list", "--all", "--json"], env=env, capture_output=True, text=True)
    quorate = {d["reference"]: d["quorate"] for d in json.loads(listed.stdout)}
    for ref in ("SD-2026-0001", "SD-2026-0002", "SD-2026-0003", "SD-2026-0004"):
        shown = subprocess.run([*PY, "show", ref, "--json"], env=env, capture_output=True, text=True)
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["reference"] == ref
        assert quorate[ref] == json.loads(shown.stdout)["quorate"], ref
    assert assert_whole(db) == 4
    # ...and it takes new writes.
    more = subprocess.run(
        [*PY, "attend", "SD-2026-0001", "--name", "New Person", "--agency", "lado"],
        env=env,
        capture_output=True,
    )
    assert more.returncode == 0, more.stderr
    assert assert_whole(db) == 4


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path, journal):
    db = tmp_path / "newer.db"
    shutil.copy(FIXTURE, db)
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.execute(f"PRAGMA journal_mode = {journal}")
    digest = _digest(db)
    env = subprocess_env(db)
    for args in (
        ["check"],
        ["show", "SD-2026-0001", "--json"],
        ["attend", "SD-2026-0001", "--name", "X", "--agency", "police"],
    ):
        done = subprocess.run([*PY, *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "newer version" in lines[0], done.stderr
        assert "Traceback" not in done.stderr
        assert done.stdout == ""
    assert _digest(db) == digest, "the newer database was modified"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("newer.db")) == ["newer.db"]


def _unpin(db: Path) -> None:
    """Take a database back to schema 6 (before procedure versions) with SQLite alone."""
    with closing(sqlite3.connect(db)) as conn:
        conn.executescript(
            "ALTER TABLE discussion DROP COLUMN procedure_version;"
            "DROP TABLE procedure_version;"
            "ALTER TABLE deadline DROP COLUMN maximum_at;"
            "ALTER TABLE child DROP COLUMN case_id;"
            "ALTER TABLE child DROP COLUMN nhs_number;"
            "DROP TABLE disagreement;"
            "ALTER TABLE action DROP COLUMN removed_at;"
            "ALTER TABLE child DROP COLUMN household;"
            "DROP TABLE family_member;"
            "ALTER TABLE attendee DROP COLUMN family_contact;"
            "ALTER TABLE child DROP COLUMN seen_by;"
            "ALTER TABLE child DROP COLUMN seen_alone;"
            "ALTER TABLE child DROP COLUMN seen_at;"
            "ALTER TABLE attendee DROP COLUMN shared;"
            "DELETE FROM _sqlite_migrations WHERE name IN ('0007_procedure_versions', "
            "'0008_child_identifiers', '0009_disagreements', '0010_action_removal', '0011_family', "
            "'0012_family_contact', '0013_seen_and_shared');"
            "PRAGMA user_version = 6;"
        )


def test_a_schema_6_database_is_pinned_and_shows_the_same(tmp_path):
    """The migration pins every discussion to its profile as it reads now; nothing a user sees
    changes, the records still replay, and an edited profile no longer moves them."""
    db = tmp_path / "six.db"
    env = subprocess_env(db, STRATEGY_NOW="2026-11-30T12:00")
    run = lambda *args: subprocess.run([*PY, *args], env=env, capture_output=True, text=True, timeout=60)  # noqa: E731
    for procedure in ("hampshire", "west-midlands"):
        done = run(
            "new",
            "--no-input",
            "--child",
            "Ava Example",
            "--dob",
            "2015-03-02",
            "--procedure",
            procedure,
            "--concern-at",
            "2026-11-30T09:10",
        )
        assert done.returncode == 0, done.stderr
    run("decide", "SD-2026-0002", "--s47", "--police", "--rationale", "Joint")
    before = {ref: json.loads(run("show", ref, "--json").stdout) for ref in ("SD-2026-0001", "SD-2026-0002")}
    _unpin(db)
    assert run("list", "--all").returncode == 0  # upgrades it (check never writes)
    assert run("check").returncode == 0
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        pinned = conn.execute(
            "SELECT COUNT(*) FROM discussion WHERE procedure_version IS NOT NULL"
        ).fetchone()
        assert pinned[0] == 2
        assert conn.execute("SELECT COUNT(*) FROM procedure_version").fetchone()[0] == 2
    after = {ref: json.loads(run("show", ref, "--json").stdout) for ref in before}
    assert after == before
    assert assert_whole(db) == 2


SCHEMA6 = Path(__file__).parent / "fixtures" / "schema6"


CHILD_IDENTIFIERS = ("case_id", "nhs_number")  # schema 8
CHILD_SINCE = (*CHILD_IDENTIFIERS, "household", "seen")  # schemas 8, 11 and 13


def _without_new_keys(shown: dict) -> dict:
    """`show --json` as the schema-6 release printed it: without what later releases added
    (a child recorded then has no identifiers and no sighting: they are there, and null; it
    lives in the one household, "1", and there is no family recorded; no attendee is the
    family's contact, and none shared anything)."""
    assert all(child[key] is None for child in shown["children"] for key in (*CHILD_IDENTIFIERS, "seen"))
    assert shown.pop("disagreements") == []  # schema 9: none recorded before it
    assert all(child["household"] == "1" for child in shown["children"])
    assert shown.pop("family") == []
    assert all(person["family_contact"] is False for person in shown["attendees"])  # schema 12
    assert all(attendee["shared"] is None for attendee in shown["attendees"])  # schema 13
    return {
        **shown,
        "attendees": [
            {k: v for k, v in a.items() if k not in ("family_contact", "shared")} for a in shown["attendees"]
        ],
        "deadlines": [{k: v for k, v in d.items() if k != "maximum_at"} for d in shown["deadlines"]],
        "children": [{k: v for k, v in c.items() if k not in CHILD_SINCE} for c in shown["children"]],
    }


def _schema6_copy(tmp_path: Path):
    """A copy of the database the schema-6 release made, with the user's profile it was judged
    under in place, and a way to run the tool on it as a user would (at the fixture's time)."""
    db = tmp_path / "schema6.db"
    shutil.copy(SCHEMA6 / "schema6.db", db)
    procedures = tmp_path / "config" / "strategy" / "procedures"
    procedures.mkdir(parents=True)
    shutil.copy(SCHEMA6 / "localshire.toml", procedures / "localshire.toml")
    env = subprocess_env(db, STRATEGY_NOW="2026-11-27T12:00", XDG_CONFIG_HOME=str(tmp_path / "config"))

    def run(*args):
        return subprocess.run([*PY, *args], env=env, capture_output=True, text=True, timeout=60)

    return db, run


def test_a_database_made_by_the_schema_6_release_shows_exactly_what_it_showed(tmp_path):
    """Made by the release before procedure versions (tests/fixtures/make_schema6.py): each
    discussion is pinned to the version it was last judged under (Hampshire as that release
    shipped it, a user's first-edition profile with a key it ignored), and `show` prints what
    it printed then, closed discussions too; editing the user's profile then moves nothing."""
    db, run = _schema6_copy(tmp_path)
    expected = json.loads((SCHEMA6 / "shown.json").read_text(encoding="utf-8"))
    for ref, before in expected.items():
        done = run("show", ref, "--json")
        assert done.returncode == 0, done.stderr
        assert _without_new_keys(json.loads(done.stdout)) == before, ref
    assert run("check").returncode == 0
    with closing(sqlite3.connect(db)) as conn:
        assert (
            conn.execute("SELECT COUNT(*) FROM discussion WHERE procedure_version IS NULL").fetchone()[0] == 0
        )
        stale = conn.execute("SELECT COUNT(*) FROM discussion WHERE rules_fingerprint IS NULL").fetchone()[0]
        assert stale == 0, "deadlines judged under the same text and rules were thrown away"
    listed = run("procedures")
    assert "localshire" in listed.stdout and "description" in listed.stdout  # strict now: named
    profile = tmp_path / "config" / "strategy" / "procedures" / "localshire.toml"  # the user's
    profile.write_text(profile.read_text().replace("hours = 24\n", "hours = 48\n", 1))
    assert (
        _without_new_keys(json.loads(run("show", "SD-2026-0003", "--json").stdout))
        == expected["SD-2026-0003"]
    )
    board = run("due", "--json")
    assert board.returncode == 0, board.stderr


def test_an_old_database_gets_the_child_identifiers_and_takes_them(tmp_path):
    """Migration 0008 adds the case-system ID and the NHS number to every child, empty; a child
    recorded by the schema-6 release (whose audit entry has no identifiers) then takes them,
    and `check` finds every record (the closed one untouched) matching its trail."""
    db, run = _schema6_copy(tmp_path)
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 6
        rows_before = conn.execute("SELECT * FROM child ORDER BY id").fetchall()
    assert run("list", "--all").returncode == 0  # upgrades it
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 8
        columns = {r[1]: r for r in conn.execute("PRAGMA table_info(child)")}
        assert columns["case_id"][2] == "TEXT" and columns["case_id"][3] == 0  # nullable
        assert columns["nhs_number"][2] == "TEXT" and columns["nhs_number"][3] == 0
        rows = conn.execute("SELECT * FROM child ORDER BY id").fetchall()
        assert [row[: len(rows_before[0])] for row in rows] == rows_before  # every value kept
        assert all(row[len(rows_before[0]) : len(rows_before[0]) + 2] == (None, None) for row in rows)
    for ref in ("SD-2026-0001", "SD-2026-0003"):
        done = run("child", "edit", ref, "Ava Example", "--case-id", "LCS-77", "--nhs-number", "943 476 5919")
        assert done.returncode == 0, done.stderr
        child = json.loads(run("show", ref, "--json").stdout)["children"][0]
        assert (child["case_id"], child["nhs_number"]) == ("LCS-77", "9434765919")
    check = run("check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "records: 3 discussions match their audit trails" in check.stdout


def test_migration_0010_keeps_every_action_standing_and_removal_works_on_an_old_record(tmp_path):
    """Migration 0010 gives each action an empty removed_at: every action recorded before it
    stands, and one of them can then be taken back with its old trail still replaying."""
    db = tmp_path / "old.db"
    shutil.copy(FIXTURE, db)
    env = subprocess_env(db)
    run = lambda *args: subprocess.run([*PY, *args], env=env, capture_output=True, text=True, timeout=60)  # noqa: E731
    shown = json.loads(run("show", "SD-2026-0001", "--json").stdout)  # upgrades it
    assert [a["id"] for a in shown["actions"]] == [1, 2]
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM action WHERE removed_at IS NOT NULL").fetchone()[0] == 0
    removed = run("action", "remove", "SD-2026-0001", "2", "--reason", "entered twice")
    assert removed.returncode == 0, removed.stderr
    assert [a["id"] for a in json.loads(run("show", "SD-2026-0001", "--json").stdout)["actions"]] == [1]
    check = run("check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_an_old_attendee_becomes_the_familys_contact_and_the_record_still_replays(tmp_path):
    """Migration 0012 adds attendee.family_contact (0 for everyone recorded before); an attendee
    recorded by the schema-6 release (whose audit entry has no such key) is then marked, and
    `check` finds the record matching its trail."""
    db, run = _schema6_copy(tmp_path)
    shown = json.loads(run("show", "SD-2026-0001", "--json").stdout)
    name = shown["attendees"][0]["name"]
    assert all(a["family_contact"] is False for a in shown["attendees"])
    done = run("attend", "SD-2026-0001", "--name", name, "--family-contact")
    assert done.returncode == 0, done.stderr
    checked = run("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    family = run("export", "SD-2026-0001", "--audience", "family", "--i-have-checked")
    assert f"Your contact: {name}" in family.stdout
