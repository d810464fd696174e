"""The team database (issue 18): the same commands on a PostgreSQL server.

The pure parts (URLs, the SQL both databases read) are tested here without a server. The rest
runs against a real PostgreSQL (the ``postgres_base`` fixture: a throwaway cluster, or the
server ``$STRATEGY_TEST_POSTGRES`` names), each test on a database of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from pg_cluster import admin, drop_database, new_database
from support import AVA, NOW, InProcess

from strategy_cli.address import for_tests, is_url, redacted
from strategy_cli.store import SCHEMA_VERSION
from strategy_cli.store.postgres import ddl, translated

# --- Without a server ---------------------------------------------------------------------


def test_a_url_names_a_server_and_a_path_a_file():
    assert is_url("postgresql://duty@db.example/strategy")
    assert is_url("POSTGRES://duty@db.example/strategy")
    assert not is_url("strategy.db")
    assert not is_url("C:\\Users\\me\\strategy.db")
    assert not is_url("postgresql.db")


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://duty:s3cret@db.example:5432/strategy", "postgresql://duty@db.example:5432/strategy"),
        ("postgresql://duty@db.example/strategy", "postgresql://duty@db.example/strategy"),
        (
            "postgresql://db.example/strategy?user=duty&password=s3cret&sslmode=require",
            "postgresql://db.example/strategy?user=duty&password=***&sslmode=require",
        ),
    ],
)
def test_a_password_is_never_shown(url, shown):
    assert redacted(url) == shown
    assert "s3cret" not in redacted(url)
    assert "s3cret" not in str(for_tests("/tmp/x.db", url))  # a test's schema is shown by its path


def test_queries_go_to_the_server_with_placeholders_only():
    assert translated("SELECT * FROM discussion WHERE reference = ?") == (
        "SELECT * FROM discussion WHERE reference = %s"
    )
    assert translated("SELECT id FROM discussion INDEXED BY discussion_open WHERE status = 'open'") == (
        "SELECT id FROM discussion WHERE status = 'open'"
    )
    # A literal % is the server's, not a placeholder.
    assert translated("SELECT '100%' WHERE a = ?") == "SELECT '100%%' WHERE a = %s"


def test_the_schema_reads_the_same_on_the_server():
    """One schema: the migrations' own text, with ``by`` quoted and text compared as SQLite does."""
    script = "CREATE TABLE unfinished_new (by TEXT PRIMARY KEY, started_at TEXT NOT NULL)"
    assert ddl(script) == (
        'CREATE TABLE unfinished_new ("by" TEXT COLLATE "C" PRIMARY KEY, started_at TEXT COLLATE "C" NOT NULL)'
    )


def test_psycopg_is_not_imported_for_a_file(tmp_path):
    cli = InProcess(tmp_path)
    cli.new()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "strategy_cli", "due", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **cli.env},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "sqlite3" in imported
    assert not {name for name in imported if name.startswith("psycopg")}


# --- On a server ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(postgres_base):
    import psycopg

    return psycopg, postgres_base


def _admin(server, sql: str, database: str = "postgres") -> None:
    admin(server[1], sql, database)


@pytest.fixture
def team(server, tmp_path):
    """A new, empty team database on the server, and the CLI pointed at it."""
    name, url = new_database(server[1], "strategy")
    cli = InProcess(tmp_path)
    cli.url = url
    cli.name = name
    cli.env["STRATEGY_DB"] = cli.url
    cli.env.pop("STRATEGY_TEST_DB", None)
    yield cli
    drop_database(server[1], name)


def _login(server, team, role: str, *groups: str) -> str:
    """A login role for a person, in the given groups; its URL for the team database."""
    login = f"{role}_{uuid.uuid4().hex[:6]}"
    _admin(server, f"CREATE ROLE {login} LOGIN" + (f" IN ROLE {', '.join(groups)}" if groups else ""))
    parts = urlsplit(team.url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{login}@{host}", parts.path, parts.query, ""))


def _story(cli) -> str:
    """One discussion taken through what a duty manager records in a day (the day's end: the
    times recorded are past)."""
    reference = cli.new(*AVA, "--procedure", "hampshire", "--summary", "Bruise seen at school")
    later = {"STRATEGY_NOW": "2026-11-23T18:00"}
    for name, agency in (("Sam Social", "social-care"), ("Hana Health", "health"), ("Pat Police", "police")):
        cli.run("attend", reference, "--name", name, "--agency", agency, env=later)
    cli.run(
        "held",
        reference,
        "--at",
        "2026-11-23T11:00",
        "--format",
        "virtual",
        "--chair",
        "Sam Social",
        env=later,
    )
    cli.run(
        "decide",
        reference,
        "--s47",
        "--no-police",
        "--rationale",
        "Injury unexplained",
        "--share",
        "Told together",
        "--no-withhold",
        "--no-further",
        env=later,
    )
    cli.run(
        "action",
        "add",
        reference,
        "--task",
        "Visit the family",
        "--owner",
        "Sam Social",
        "--due",
        "2026-11-24T17:00",
        env=later,
    )
    cli.run("record", reference, "referrer-informed", "--at", "2026-11-23T12:00", env=later)
    return reference


def test_the_same_commands_give_the_same_answers_on_both(team, tmp_path):
    """Every command behaves identically: the same JSON, board, minutes and trail."""
    on_file = InProcess(tmp_path / "file")
    on_file.env["STRATEGY_DB"] = str(tmp_path / "file.db")
    on_file.env.pop("STRATEGY_TEST_DB", None)
    reference = _story(on_file)
    assert _story(team) == reference
    for args in (
        ["show", reference, "--json"],
        ["due", "--json"],
        ["list", "--all", "--json"],
        ["log", reference, "--json"],
        ["export", reference, "--format", "md"],
        ["export", reference, "--format", "html"],
        ["export", reference, "--audience", "family", "--format", "md"],
        ["check", "--json"],
    ):
        assert team.run(*args).stdout == on_file.run(*args).stdout, args


def test_a_read_command_never_sets_up_an_empty_server_database(team):
    result = team.run("due", expect=1)
    assert "no database at postgresql://" in result.stderr
    assert "`strategy new` creates one" in result.stderr
    assert team.json("migrate")["migrated_from"] == 0  # it was still empty: due made nothing


def test_migrate_sets_up_the_schema_and_the_roles(team, server):
    report = team.json("migrate", "--create-roles")
    assert (report["migrated_from"], report["schema"]) == (0, SCHEMA_VERSION)
    assert set(report["roles_created"]) == {
        "strategy_manager",
        "strategy_viewer",
        "strategy_named_users",
    } or (
        report["roles_created"] == []  # made by an earlier test on this server: roles are the server's
    )
    assert team.json("migrate")["migrated_from"] == report["schema"]
    # Run again: the roles stay, nothing is made twice.
    assert team.json("migrate", "--create-roles")["roles_created"] == []


def test_a_viewer_reads_and_a_write_is_refused_in_one_line(team, server):
    team.json("migrate", "--create-roles")
    reference = team.new()
    viewer = _login(server, team, "viewer", "strategy_viewer")
    shown = team.json("show", reference, env={"STRATEGY_DB": viewer})
    assert shown["reference"] == reference
    refused = team.run(
        "attend",
        reference,
        "--name",
        "Pat Police",
        "--agency",
        "police",
        env={"STRATEGY_DB": viewer},
        expect=1,
    )
    assert refused.stderr.count("\n") == 1
    assert "read-only for you" in refused.stderr and "nothing was written" in refused.stderr
    assert team.json("show", reference)["attendees"] == []


def test_the_trail_records_the_login_not_a_name_typed(team, server):
    team.json("migrate", "--create-roles")
    manager = _login(server, team, "manager", "strategy_manager")
    login = urlsplit(manager).netloc.partition("@")[0]
    reference = team.json(
        "new",
        "--no-input",
        *AVA,
        "--procedure",
        "hampshire",
        env={"STRATEGY_DB": manager, "STRATEGY_USER": "someone else"},
    )["reference"]
    trail = team.json("log", reference, env={"STRATEGY_DB": manager})
    assert {entry["by"] for entry in trail} == {login}
    refused = team.run("--by", "someone else", "due", env={"STRATEGY_DB": manager}, expect=2)
    assert login in refused.stderr and "strategy_named_users" in refused.stderr
    # A shared duty-desk login IT has let name its user records the name given.
    desk = _login(server, team, "desk", "strategy_manager", "strategy_named_users")
    team.run(
        "attend",
        reference,
        "--name",
        "Pat Police",
        "--agency",
        "police",
        env={"STRATEGY_DB": desk, "STRATEGY_USER": "Dana Duty"},
    )
    assert team.json("log", reference)[-1]["by"] == "Dana Duty"


def test_a_manager_can_only_append_to_the_audit_trail(team, server):
    import psycopg

    team.json("migrate", "--create-roles")
    manager = _login(server, team, "manager", "strategy_manager")
    team.new()
    with psycopg.connect(manager, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE audit SET detail = '{}'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit")
    assert team.json("check")["ok"]


def test_copy_moves_the_demo_onto_the_server_and_back(team, tmp_path):
    demo = tmp_path / "demo.db"
    team.run("--db", str(demo), "demo")
    moved = team.json("--db", str(demo), "copy", "--to", team.url)
    assert moved["checks"] == {"from": True, "to": True, "same_head": True}
    assert moved["copied"]["discussion"] == 6 and moved["copied"]["audit"] > 0
    back = tmp_path / "back.db"
    returned = team.json("copy", "--to", str(back))
    assert returned["head"] == moved["head"]
    import sqlite3

    for table in (
        "discussion",
        "child",
        "attendee",
        "decision",
        "answer",
        "action",
        "event",
        "deadline",
        "audit",
    ):
        rows = [
            sqlite3.connect(path).execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for path in (demo, back)
        ]
        assert rows[0] == rows[1], table
    # The board reads the same on the server as in the file it came from.
    assert team.run("due", "--json").stdout == team.run("--db", str(demo), "due", "--json").stdout


def test_copy_goes_only_into_an_empty_database(team, tmp_path):
    team.new()
    source = tmp_path / "other.db"
    other = InProcess(tmp_path / "o")
    other.env["STRATEGY_DB"] = str(source)
    other.new()
    refused = team.run("--db", str(source), "copy", "--to", team.url, expect=1)
    assert "already holds records" in refused.stderr
    assert len(team.json("list", "--all")) == 1
    same = team.run("copy", "--to", team.url, expect=2)
    assert "names the database being copied" in same.stderr


def test_a_password_in_the_url_is_never_printed(team):
    parts = urlsplit(team.url)
    user, _, host = parts.netloc.rpartition("@")
    wrong = urlunsplit((parts.scheme, f"nobody_here:Hunter2pass@{host}", parts.path, parts.query, ""))
    result = team.run("--db", wrong, "due", expect=1)
    assert "cannot connect" in result.stderr
    assert "Hunter2pass" not in result.stderr + result.stdout


def test_sslmode_in_the_url_is_honoured(team):
    """The test server has no SSL: asking for it must fail, not quietly connect in clear."""
    result = team.run(
        "--db", team.url + ("&" if "?" in team.url else "?") + "sslmode=require", "due", expect=1
    )
    assert "cannot connect" in result.stderr and "SSL" in result.stderr


def test_names_never_reach_the_statement_text(team, server):
    """Values travel as parameters: a server logging every statement never logs a child's name
    (with the parameters' values left out of its log, as README's "For a team" asks of IT)."""
    _admin(server, f"ALTER DATABASE {team.name} SET log_statement = 'all'")
    _admin(server, f"ALTER DATABASE {team.name} SET log_parameter_max_length = 0")
    log = Path(os.environ.get("STRATEGY_TEST_POSTGRES_LOG", "/nonexistent"))
    if not log.exists():  # a server named by $STRATEGY_TEST_POSTGRES, whose log is elsewhere
        pytest.skip("the server's log is not readable here: set STRATEGY_TEST_POSTGRES_LOG to its path")
    before = log.stat().st_size
    reference = team.new("--child", "Zebedee Uniquename", "--dob", "2015-03-02", "--procedure", "hampshire")
    team.run("attend", reference, "--name", "Quentin Rarename", "--agency", "police")
    written = log.read_bytes()[before:].decode("utf-8", "replace")
    assert "INSERT INTO child" in written  # the statements are logged...
    assert "Zebedee" not in written and "Quentin" not in written  # ...never the values


def test_nothing_half_written_when_a_change_fails_on_the_server(team, server):
    """One transaction per command: a write that fails midway leaves nothing behind."""
    reference = team.new()
    _admin(
        server,
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
        team.name,
    )
    _admin(
        server,
        "CREATE TRIGGER no_deadlines BEFORE INSERT ON deadline FOR EACH ROW EXECUTE FUNCTION refuse()",
        team.name,
    )
    before = team.json("log", reference)
    result = team.run("attend", reference, "--name", "Pat Police", "--agency", "police", expect=1)
    assert "nothing was saved" in result.stderr and "Traceback" not in result.stderr
    assert team.json("log", reference) == before
    assert team.json("show", reference)["attendees"] == []


@pytest.mark.parametrize("when", [NOW])
def test_references_stay_gap_free_with_writers_on_many_connections(team, when):
    """Twelve `new`s at once, as twelve processes: twelve references, one to twelve, and a
    whole chain (the 50-writer load test in test_robust_concurrency.py goes further)."""
    team.json("migrate")
    env = {**os.environ, **team.env, "STRATEGY_NOW": when}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "strategy_cli",
                "new",
                "--no-input",
                "--child",
                f"Child {n} Example",
                "--dob",
                "2015-03-02",
                "--procedure",
                "hampshire",
                "--json",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(12)
    ]
    references = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        references.append(json.loads(out)["reference"])
    assert sorted(references) == [f"SD-2026-{n:04d}" for n in range(1, 13)]
    assert team.json("check")["ok"]


def test_without_psycopg_a_team_database_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if `strategy-cli[postgres]` were not installed
    cli = InProcess(tmp_path)
    result = cli.run("--db", "postgresql://duty@db.example/strategy", "due", expect=1)
    assert 'pip install "strategy-cli[postgres]"' in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "spoil, named",
    [
        ("DELETE FROM deadline WHERE kind = 'discussion'", "derived facts"),
        ("UPDATE discussion SET quorate = CASE WHEN quorate = 1 THEN 0 ELSE 1 END", "derived facts"),
        ("UPDATE audit SET detail = replace(detail, 'Ava', 'Eve')", "audit trail"),
        ("DROP INDEX discussion_open", "schema objects"),
        (
            "ALTER TABLE child DROP CONSTRAINT child_discussion_id_fkey; UPDATE child SET discussion_id = 999",
            "foreign keys",
        ),
    ],
)
def test_check_finds_a_team_database_spoiled_behind_its_back(team, server, spoil, named):
    team.new()
    assert team.json("check")["ok"]
    for statement in spoil.split("; "):
        _admin(server, statement, team.name)
    report = json.loads(team.run("check", "--json", expect=1).stdout)
    assert not report["ok"]
    assert report["fault"].startswith(named), report["fault"]


def test_a_literal_percent_reaches_the_server_as_written(server):
    """``%`` is psycopg's placeholder mark: the store's queries escape it, with or without values."""
    from strategy_cli.store.postgres import Connection

    psycopg, base = server
    conn = Connection(psycopg.connect(base, autocommit=True))
    try:
        assert conn.execute("SELECT '100%' AS x").fetchone()["x"] == "100%"
        assert conn.execute("SELECT '50%' || ? AS y", ("!",)).fetchone()["y"] == "50%!"
    finally:
        conn.close()


@pytest.mark.parametrize(
    "url",
    [
        "POSTGRES://duty:s3cretpw@127.0.0.1:1/strategy",  # libpq reads only a lower-case scheme
        "postgresql://duty:s3cr%zzetpw@127.0.0.1:1/strategy",  # a % not percent-encoded
        "postgresql://duty:s3cretpw@[::1/strategy",  # a URL that cannot be read at all
        "postgresql://127.0.0.1:1/strategy?user=duty&pass%77ord=s3cretpw",
        "postgresql://127.0.0.1:1/strategy?user=duty&sslpassword=s3cretpw",
    ],
)
def test_a_password_is_never_printed_however_the_url_is_written(tmp_path, url):
    cli = InProcess(tmp_path)
    for args in (["--db", url, "due"], ["--db", url, "paths"], ["copy", "--to", url]):
        result = cli.run(*args, expect=None)
        assert "s3cr" not in result.output, (args, result.output)
        assert "Traceback" not in result.output and "unexpected" not in result.output, result.output


def test_copy_names_its_own_database_without_the_password(tmp_path):
    cli = InProcess(tmp_path)
    url = "postgresql://duty:s3cretpw@127.0.0.1:1/strategy"
    result = cli.run("--db", url, "copy", "--to", url, expect=2)
    assert "names the database being copied" in result.output and "s3cr" not in result.output
