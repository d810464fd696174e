"""Proving the record is whole: ``strategy check`` and ``strategy backup``.

Audit entries are hash-chained: each holds SHA-256 over its content and the previous entry's
hash, so an entry edited, removed or inserted behind the tool's back breaks the chain at that
entry, and ``check`` names it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .errors import StrategyError
from .files import check_target, private
from .store import GENESIS, MIGRATIONS, SCHEMA_VERSION, entry_hash


def _check(name: str, ok: bool, detail: str) -> dict:
    return {"name": name, "ok": ok, "detail": detail}


def verify(conn: sqlite3.Connection) -> dict:
    """Every check, in order; ``fault`` names the first that failed."""
    checks = []
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
    checks.append(_schema(conn))
    checks.append(audit_chain(conn))
    fault = next((f"{c['name']}: {c['detail']}" for c in checks if not c["ok"]), None)
    return {"ok": fault is None, "checks": checks, "fault": fault}


def _schema(conn: sqlite3.Connection) -> dict:
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


def audit_chain(conn: sqlite3.Connection) -> dict:
    """Recompute the chain from the first entry; the first entry that does not fit is named."""
    prev = GENESIS
    count = 0
    cursor = conn.execute(
        "SELECT a.id, a.discussion_id, a.at, a.by, a.action, a.detail, a.prev_hash, a.hash, d.reference "
        "FROM audit AS a LEFT JOIN discussion AS d ON d.id = a.discussion_id ORDER BY a.id"
    )
    for row in cursor:
        where = f"audit entry {row[0]} ({row[8] or 'no discussion'}, {row[4]} at {row[2]})"
        if row[6] != prev:
            return _check(
                "audit trail",
                False,
                f"{where} does not follow the entry before it: an entry was removed or inserted",
            )
        if entry_hash(prev, row[1], row[2], row[3], row[4], row[5]) != row[7]:
            return _check("audit trail", False, f"{where} was changed after it was written")
        prev = row[7]
        count += 1
    return _check("audit trail", True, f"{count} entries, chain intact")


def records_match_trail(store, now) -> dict:
    """Replay each discussion's audit trail and compare it with the record the tables hold.

    The hash chain proves the trail was not edited; this proves the record was not edited
    around it (a row changed behind the tool's back would no longer be what the trail says).
    """
    from . import settings, views
    from .domain.calendar import iso
    from .replay import ReplayError, as_shown, from_show, replay

    count = 0
    for row in store.discussions(include_closed=True):
        reference = row["reference"]
        discussion = store.discussion(reference)
        profile = settings.profile(discussion.procedure)
        shown = from_show(views.discussion_json(discussion, profile, [], None, now))
        entries = [{**entry, "at": iso(entry["at"])} for entry in store.trail(reference)]
        questions = {q.id: q.decision for q in profile.questions if q.decision}
        try:
            replayed = as_shown(replay(entries), questions)
        except ReplayError as error:
            return _check("records", False, f"{reference}: its audit trail does not replay ({error})")
        if replayed != shown:
            fields = [key for key in shown if replayed.get(key) != shown[key]]
            return _check(
                "records",
                False,
                f"{reference}: {', '.join(fields)} differ from what its audit trail recorded "
                "(changed behind the tool's back?)",
            )
        count += 1
    return _check("records", True, f"{count} discussions match their audit trails")


def backup_to(conn: sqlite3.Connection, path: Path, force: bool) -> int:
    """Copy with SQLite's online backup API (consistent while others write), then check it."""
    check_target(path, force)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)
    private(temporary)
    try:
        target = sqlite3.connect(temporary)
        try:
            conn.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")
            report = verify(target)
            count = target.execute("SELECT COUNT(*) FROM discussion").fetchone()[0]
        finally:
            target.close()
        if not report["ok"]:
            raise StrategyError(
                f"the copy failed its check ({report['fault']}); nothing was written to {path}"
            )
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count
