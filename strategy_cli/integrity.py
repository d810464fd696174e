"""Proving the record is whole: ``strategy check`` and ``strategy backup``.

Audit entries are hash-chained: each holds SHA-256 over its content and the previous entry's
hash, so an entry edited, removed or inserted behind the tool's back breaks the chain at that
entry, and ``check`` names it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .errors import StrategyError
from .files import check_target, private
from .store import GENESIS, MIGRATIONS, SCHEMA_VERSION, entry_hash
from .store.postgres import Database
from .store.schema import RECORDS_APPLICATION_ID


def _check(name: str, ok: bool, detail: str) -> dict:
    return {"name": name, "ok": ok, "detail": detail}


# The tables a quick check looks at page by page: all but the two largest (the audit trail and
# the checklist answers), which only the full check reads whole.
QUICK_TABLES = (
    "discussion",
    "deadline",
    "child",
    "family_member",
    "attendee",
    "decision",
    "action",
    "disagreement",
    "event",
)


def verify(conn: Database, chain: bool = True, quick: bool = False) -> dict:
    """Every check of the database as a whole, in order; ``fault`` names the first that
    failed. ``chain``: rehash the audit trail here (``check`` does it in recompute.py).
    ``quick``: SQLite's quick check of the tables the board reads, no foreign-key scan."""
    if on_server(conn):
        return _report(server_checks(conn), conn, chain)
    checks = []
    if quick:
        rows = [row[0] for table in QUICK_TABLES for row in conn.execute(f"PRAGMA quick_check({table})")]
        rows = [row for row in rows if row != "ok"] or ["ok"]
        checks.append(
            _check("integrity", rows == ["ok"], "ok (quick)" if rows == ["ok"] else "; ".join(rows[:3]))
        )
        return _report(checks, conn, chain)
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    checks.append(_check("integrity", rows == ["ok"], "ok" if rows == ["ok"] else "; ".join(rows[:3])))
    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    checks.append(
        _check(
            "foreign keys",
            not broken,
            "ok"
            if not broken
            else f"{len(broken)} rows point nowhere (first: table {broken[0][0]}, row {broken[0][1]})",
        )
    )
    return _report(checks, conn, chain)


def _report(checks: list[dict], conn: Database, chain: bool) -> dict:
    checks.append(_schema(conn))
    checks.append(schema_objects(conn))
    if chain:
        checks.append(chain_check(conn))
    fault = next((f"{c['name']}: {c['detail']}" for c in checks if not c["ok"]), None)
    return {"ok": fault is None, "checks": checks, "fault": fault}


def on_server(conn) -> bool:
    """Whether ``conn`` is a team database's, on PostgreSQL (store/postgres.py)."""
    from .store.postgres import Connection

    return isinstance(conn, Connection)


def server_checks(conn) -> list[dict]:
    """What SQLite's integrity and foreign-key checks find, on a server: the server keeps its
    own pages, and every reference between the tables is followed here (a constraint can be
    dropped, or its triggers disabled, behind the tool's back)."""
    checks = [_check("integrity", True, "ok")]  # the server's own: its pages are never ours to read
    broken = []
    for table, column, parent, key in _references():
        count = conn.execute(
            f"SELECT COUNT(*) FROM {table} AS c WHERE c.{column} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {parent} AS p WHERE p.{key} = c.{column})"
        ).fetchone()[0]
        if count:
            broken.append(f"{count} rows of {table} point nowhere ({column})")
    checks.append(_check("foreign keys", not broken, "ok" if not broken else "; ".join(broken)))
    return checks


def _references() -> list[tuple[str, str, str, str]]:
    """Every (table, column, parent table, parent column) the migrations declare."""
    memory = _expected_schema()
    found = []
    for (table,) in memory.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        for row in memory.execute(f"PRAGMA foreign_key_list({table})"):
            found.append((table, row[3], row[2], row[4] or "id"))
    return found


def _schema(conn: Database) -> dict:
    if on_server(conn):
        from .store.postgres import applied_migrations, schema_version

        version = schema_version(conn) or 0
        applied = applied_migrations(conn)
    else:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        applied = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'strategy' ORDER BY id"
            )
        ]
    expected = [name for name, _ in MIGRATIONS]
    if version != SCHEMA_VERSION or applied != expected:
        return _check(
            "schema",
            False,
            f"version {version} with migrations {applied}; expected {SCHEMA_VERSION} with {expected}",
        )
    return _check("schema", True, f"version {version}")


@dataclass
class ChainPart:
    """What rehashing a range of audit entries found: its ends, to join the ranges up."""

    first_id: int | None = None
    first_prev: str | None = None
    last_hash: str | None = None
    count: int = 0
    fault: tuple[int, str] | None = None  # the first entry that does not fit, and why


def chain_head(conn: Database) -> str:
    """The chain's head, ``COUNT:HASH`` (how many entries, and the newest one's hash). Kept
    outside the database (a backup log, a ticket), it anchors the trail: ``check --expect``
    then finds entries deleted from its end, or the whole chain rewritten and rehashed."""
    count, digest = conn.execute(
        "SELECT COUNT(*), (SELECT hash FROM audit ORDER BY id DESC LIMIT 1) FROM audit"
    ).fetchone()
    return f"{count}:{digest or GENESIS}"


def expect_head(conn: Database, head: str) -> dict:
    """Whether the chain still holds the head recorded earlier: its entry number COUNT (in
    order) has that hash. Entries may have been added since; none before it changed."""
    count_text, _, digest = head.strip().lower().partition(":")
    if not count_text.isdigit() or len(digest) != 64:
        return {"name": "anchor", "ok": False, "detail": f"{head!r} is not a chain head (COUNT:HASH)"}
    count = int(count_text)
    total = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    if count > total:
        return {
            "name": "anchor",
            "ok": False,
            "detail": f"the trail has {total} entries, fewer than the {count} of the head expected "
            "(entries were deleted from its end)",
        }
    found = GENESIS
    if count:
        found = conn.execute("SELECT hash FROM audit ORDER BY id LIMIT 1 OFFSET ?", (count - 1,)).fetchone()[
            0
        ]
    if found != digest:
        return {
            "name": "anchor",
            "ok": False,
            "detail": f"entry {count} does not have the hash of the head expected (the trail was rewritten)",
        }
    return {
        "name": "anchor",
        "ok": True,
        "detail": f"the trail extends the head expected ({count} entries then, {total} now)",
    }


def chain_check(conn: Database) -> dict:
    """The whole chain rehashed in this process (``backup`` checks its copy so)."""
    top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0]
    return joined([chain_range(conn, 0, top)])


def chain_range(conn: Database, low: int, high: int, tail: bool = False) -> ChainPart:
    """Rehash the entries with ids from ``low`` to ``high``: each against the previous hash it
    holds, and each holding the hash of the entry before it (``tail``: the range is the end
    of the chain, so its first entry's link is taken as given)."""
    part = ChainPart()
    prev = None
    for entry_id, discussion_id, at, by, action, detail, prev_hash, digest in conn.execute(
        'SELECT id, discussion_id, at, "by", action, detail, prev_hash, hash FROM audit '
        "WHERE id BETWEEN ? AND ? ORDER BY id",
        (low, high),
    ):
        if part.first_id is None:
            part.first_id, part.first_prev = entry_id, prev_hash
        elif prev_hash != prev and part.fault is None:
            part.fault = (entry_id, _named(conn, entry_id, _REMOVED))
        if entry_hash(prev_hash, discussion_id, at, by, action, detail) != digest and part.fault is None:
            part.fault = (entry_id, _named(conn, entry_id, "was changed after it was written"))
        prev = digest
        part.count += 1
    part.last_hash = prev
    if tail:
        part.first_prev = None  # not known to be the chain's start: nothing to join it to
    return part


_REMOVED = "does not follow the entry before it: an entry was removed or inserted"


def _named(conn: Database, entry_id: int, why: str) -> str:
    """An entry as a reader finds it: its discussion, what it recorded and when."""
    reference, action, at = conn.execute(
        "SELECT d.reference, a.action, a.at FROM audit AS a LEFT JOIN discussion AS d "
        "ON d.id = a.discussion_id WHERE a.id = ?",
        (entry_id,),
    ).fetchone()
    return f"audit entry {entry_id} ({reference or 'no discussion'}, {action} at {at}) {why}"


def joined(parts: list[ChainPart]) -> dict:
    """The ranges joined end to end: the first entry starts from the genesis hash and each
    range starts from the hash the one before it ended with."""
    faults: list[tuple[int, str]] = [p.fault for p in parts if p.fault]
    before: str | None = GENESIS
    for part in parts:
        if part.first_id is None:
            continue
        if part.first_prev is not None and part.first_prev != before:
            faults.append((part.first_id, f"audit entry {part.first_id} {_REMOVED}"))
        before = part.last_hash
    count = sum(p.count for p in parts)
    if faults:
        return {"name": "audit trail", "ok": False, "detail": min(faults)[1]}
    whole = "" if all(p.first_prev is not None for p in parts if p.first_id) else " (the newest)"
    return {"name": "audit trail", "ok": True, "detail": f"{count} entries{whole}, chain intact"}


def schema_objects(conn: Database) -> dict:
    """Every table, index and trigger is the one the migrations make: a dropped index (the
    board's ``discussion_open``), an added trigger or a changed table is named."""
    made = _objects(_expected_schema())
    if isinstance(conn, sqlite3.Connection):
        expected, found = made, _objects(conn)
    else:
        expected, found = _server_objects(_expected_schema(), conn)
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    changed = sorted(name for name in set(expected) & set(found) if expected[name] != found[name])
    faults = [f"{kind} {name} is missing" for kind, name in missing]
    faults += [f"{kind} {name} is not one strategy made" for kind, name in extra]
    faults += [f"{kind} {name} differs from the one strategy made" for kind, name in changed]
    if faults:
        return _check("schema objects", False, "; ".join(faults))
    # Counted as SQLite counts them (its unique constraints' own indexes too), so the report
    # reads the same on both databases.
    return _check("schema objects", True, f"{len(made)} tables, indexes and triggers as expected")


def _expected_schema() -> sqlite3.Connection:
    memory = sqlite3.connect(":memory:")
    for _, script in MIGRATIONS:
        for statement in script.split(";"):
            if statement.strip():
                memory.execute(statement)
    return memory


def _objects(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """(type, name) to its SQL with whitespace evened out; sqlite-utils' own table and the
    statistics SQLite keeps after an ``ANALYZE`` (``sqlite_stat1`` ...) left out."""
    return {
        (kind, name): " ".join((sql or "").split())
        for kind, name, table, sql in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
        if table != "_sqlite_migrations" and not table.startswith("sqlite_stat")
    }


def _server_objects(memory: sqlite3.Connection, conn) -> tuple[dict, dict]:
    """The tables (with their columns), indexes and triggers the migrations make, and those
    the server holds in the schema in use: compared by name and column, since the server
    keeps no SQL text to compare (a primary key's or unique constraint's index is its table's)."""
    expected: dict[tuple[str, str], str] = {}
    for kind, name in memory.execute(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    ):
        columns = ""
        if kind == "table":
            columns = ",".join(row[1] for row in memory.execute(f"PRAGMA table_info({name})"))
        expected[(kind, name)] = columns
    found: dict[tuple[str, str], str] = {}
    schema = conn.execute("SELECT current_schema()").fetchone()[0]
    for (name,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = ?", (schema,)):
        if name in ("strategy_migrations", "strategy_mark"):
            continue
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            (schema, name),
        )
        found[("table", name)] = ",".join(row[0] for row in columns)
    for (name,) in conn.execute(
        "SELECT i.indexname FROM pg_indexes AS i WHERE i.schemaname = ? AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname AND c.connamespace = "
        "(SELECT oid FROM pg_namespace WHERE nspname = ?))",
        (schema, schema),
    ):
        found[("index", name)] = ""
    for (name,) in conn.execute(
        "SELECT t.tgname FROM pg_trigger AS t JOIN pg_class AS r ON r.oid = t.tgrelid "
        "JOIN pg_namespace AS n ON n.oid = r.relnamespace WHERE n.nspname = ? AND NOT t.tgisinternal",
        (schema,),
    ):
        found[("trigger", name)] = ""
    return expected, found


def _private_copy(source: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    """A new file at ``path`` (never an existing one), private to the user, holding what
    ``source`` has committed (SQLite's online backup API); returned open."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    private(path)
    copy = sqlite3.connect(path)
    try:
        source.backup(copy)
    except BaseException:
        copy.close()
        raise
    return copy


def backup_to(
    conn: sqlite3.Connection, path: Path, force: bool, database: Path | None = None
) -> tuple[int, str]:
    """Copy with SQLite's online backup API (consistent while others write), then check it;
    returns the copy's discussions and its chain head."""
    return _checked_copy(path, force, database, lambda temporary: _private_copy(conn, temporary))


def _checked_copy(path: Path, force: bool, database: Path | None, fill) -> tuple[int, str]:
    """A copy written beside ``path`` (``fill`` makes it there and returns it open), checked,
    then put in place: nothing is written to ``path`` unless the copy is whole. Returns the
    copy's discussions and its chain head."""
    check_target(path, force, database)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.unlink(missing_ok=True)
    try:
        target = fill(temporary)
        try:
            target.execute("PRAGMA journal_mode = DELETE")  # one file, nothing beside it
            report = verify(target)
            count = target.execute("SELECT COUNT(*) FROM discussion").fetchone()[0]
            head = chain_head(target)
        finally:
            target.close()
        if not report["ok"]:
            raise StrategyError(
                f"the copy failed its check ({report['fault']}); nothing was written to {path}"
            )
        os.replace(temporary, path)
    except BaseException:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)
        raise
    return count, head


def staged_copy(source: Path, staged: Path) -> sqlite3.Connection:
    """A private copy of a backup to work on (the backup itself is only read), open."""
    from .store.schema import read_only_uri

    reading = sqlite3.connect(read_only_uri(source), uri=True)
    try:
        return _private_copy(reading, staged)
    finally:
        reading.close()


def restore_into(store, staged: Path, kept: Path) -> int:
    """Replace every record of the live database with the staged backup's, in ONE write
    transaction: a command committing meanwhile waits, then lands on the restored records,
    never lost between the copy kept and the restore. The database as it was is copied to
    ``kept`` while that transaction holds the write lock, so nothing can commit in between."""
    conn = store.conn
    conn.execute("ATTACH DATABASE ? AS src", (str(staged),))
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM src.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        mine = {
            row[0]
            for row in conn.execute(
                "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        if set(tables) != mine:
            raise StrategyError("the backup's tables are not this database's, even after upgrading it")
        # Every row is replaced, parents and children alike: the references are checked once,
        # on the whole, before committing (SQLite's deferred count loses track of a table
        # emptied and refilled in one transaction).
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("BEGIN IMMEDIATE")
        try:
            reading = sqlite3.connect(
                store.path
            )  # what is committed: nothing else can commit while we hold the lock
            try:
                _private_copy(reading, kept).close()
            finally:
                reading.close()
            for table in tables:
                conn.execute(f'DELETE FROM main."{table}"')
                conn.execute(f'INSERT INTO main."{table}" SELECT * FROM src."{table}"')
            if conn.execute("SELECT 1 FROM src.sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
                conn.execute("DELETE FROM main.sqlite_sequence")
                conn.execute("INSERT INTO main.sqlite_sequence SELECT * FROM src.sqlite_sequence")
            if conn.execute("PRAGMA main.foreign_key_check").fetchone() is not None:
                raise StrategyError("the backup's rows point at rows it does not hold; nothing was restored")
            # The file's mark follows its records: a demo's backup stays a demo, anything else
            # restored (an unmarked backup made before marks too) is real, so `demo` will
            # never start it afresh, even in the demo's own file.
            mark = conn.execute("PRAGMA src.application_id").fetchone()[0] or RECORDS_APPLICATION_ID
            conn.execute(f"PRAGMA main.application_id = {int(mark)}")
            count = conn.execute("SELECT COUNT(*) FROM main.discussion").fetchone()[0]
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            kept.unlink(missing_ok=True)
            raise
    finally:
        conn.execute("DETACH DATABASE src")
        conn.execute("PRAGMA foreign_keys = ON")
    return count


def backup_to_file(source, path, force: bool, by: str, at) -> tuple[int, str]:
    """A server's records copied into a new private SQLite file at ``path`` and checked there,
    as ``backup`` makes a file's copy; returns its discussions and its chain head."""
    from .store import Store
    from .store.copying import copy_records

    def fill(temporary: Path) -> sqlite3.Connection:
        target = Store(temporary, create=True)
        try:
            copy_records(source, target, by, at)
        except BaseException:
            target.close()
            raise
        assert isinstance(target.conn, sqlite3.Connection)  # a file's, never a server's
        return target.conn

    return _checked_copy(Path(path), force, None, fill)
