"""Proving the record is whole: ``strategy check`` and ``strategy backup``.

Audit entries are hash-chained: each holds SHA-256 over its content and the previous entry's
hash, so an entry edited, removed or inserted behind the tool's back breaks the chain at that
entry, and ``check`` names it.
"""

from __future__ import annotations

import json
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
    checks.append(schema_objects(conn))
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


def schema_objects(conn: sqlite3.Connection) -> dict:
    """Every table, index and trigger is the one the migrations make: a dropped index (the
    board's ``discussion_open``), an added trigger or a changed table is named."""
    expected = _objects(_expected_schema())
    found = _objects(conn)
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    changed = sorted(name for name in set(expected) & set(found) if expected[name] != found[name])
    faults = [f"{kind} {name} is missing" for kind, name in missing]
    faults += [f"{kind} {name} is not one strategy made" for kind, name in extra]
    faults += [f"{kind} {name} differs from the one strategy made" for kind, name in changed]
    if faults:
        return _check("schema objects", False, "; ".join(faults))
    return _check("schema objects", True, f"{len(found)} tables, indexes and triggers as expected")


def _expected_schema() -> sqlite3.Connection:
    memory = sqlite3.connect(":memory:")
    for _, script in MIGRATIONS:
        for statement in script.split(";"):
            if statement.strip():
                memory.execute(statement)
    return memory


def _objects(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """(type, name) to its SQL with whitespace evened out; sqlite-utils' own table left out."""
    return {
        (kind, name): " ".join((sql or "").split())
        for kind, name, table, sql in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
        if table != "_sqlite_migrations"
    }


class _Faults:
    """The faults one check found: the count, and the first few named."""

    SHOWN = 5

    def __init__(self, name: str):
        self.name, self.count = name, 0
        self.named: list[str] = []

    def add(self, fault: str) -> None:
        self.count += 1
        if len(self.named) < self.SHOWN:
            self.named.append(fault)

    def result(self, ok_detail: str) -> dict:
        if not self.count:
            return _check(self.name, True, ok_detail)
        more = f" (and {self.count - len(self.named)} more)" if self.count > len(self.named) else ""
        return _check(self.name, False, "; ".join(self.named) + more)


def records(store, now, progress=None) -> list[dict]:
    """Go through every discussion once and check what only a full pass can see.

    * values: every stored value can be read (a hand edit such as ``concern_at = 'yesterday'``
      is named, never a crash);
    * references: ``SD-YYYY-NNNN`` is its year and sequence, the year it was opened;
    * derived facts: the deadlines, the due time and the quoracy stored for speed are what the
      rules compute from the record now (a record whose profile has changed since is
      recomputed on its next read, so it is counted, not faulted);
    * records: replaying its audit trail gives the record the tables hold.

    ``progress(done, total)`` is called after each chunk (for a long check on a terminal).
    """
    from . import settings
    from .domain.calendar import local
    from .replay import ReplayError

    values, references, derived, trails = (
        _Faults("values"),
        _Faults("references"),
        _Faults("derived facts"),
        _Faults("records"),
    )
    total = store.conn.execute("SELECT COUNT(*) FROM discussion").fetchone()[0]
    profiles: dict[str, tuple] = {}
    calendars: dict[tuple, object] = {}
    stale = done = judged = 0
    for span, chunk in _chunks(store):
        deadlines = _grouped(store, "SELECT * FROM deadline WHERE discussion_id BETWEEN ? AND ?", span)
        trail = _grouped(store, "SELECT * FROM audit WHERE discussion_id BETWEEN ? AND ? ORDER BY id", span)
        for row, discussion in chunk:
            done += 1
            reference = row["reference"]
            if isinstance(discussion, Exception):
                values.add(str(discussion))
                continue
            if (
                reference != f"SD-{row['year']}-{row['seq']:04d}"
                or row["year"] != local(discussion.opened_at).year
            ):
                references.add(
                    f"{reference} is not SD-{row['year']}-{row['seq']:04d} of the year it was opened"
                )
            procedure = discussion.procedure
            if procedure not in profiles:
                try:
                    profiles[procedure] = (
                        settings.profile(procedure),
                        settings.profile_fingerprint(procedure),
                    )
                except Exception as error:  # a user's profile since removed or broken
                    profiles[procedure] = (None, str(error))
            profile, fingerprint = profiles[procedure]
            if profile is None:
                derived.add(f"{reference}: its procedure {procedure!r} cannot be loaded ({fingerprint})")
                continue
            if row["rules_fingerprint"] != fingerprint:
                stale += 1
            else:
                key = (profile.calendar_country, profile.calendar_subdivision)
                if key not in calendars:
                    calendars[key] = settings.bank_holidays(*key)
                calendar = calendars[key]
                judged += 1
                _compare_derived(derived, row, discussion, profile, calendar, deadlines.get(row["id"], []))
            try:
                _compare_trail(trails, row, discussion, profile, trail.get(row["id"], []), now)
            except ReplayError as error:
                trails.add(f"{reference}: its audit trail does not replay ({error})")
            except (KeyError, TypeError, ValueError, AttributeError) as error:  # an entry edited by hand
                trails.add(f"{reference}: its audit trail does not replay ({type(error).__name__}: {error})")
        if progress:
            progress(done, total)
    return [
        values.result(f"{total} discussions read"),
        references.result("every reference is its year and sequence"),
        derived.result(
            f"deadlines, due times and quoracy recomputed for {judged} discussions"
            + (f" ({stale} under a changed profile, recomputed when next read)" if stale else "")
        ),
        trails.result(f"{total} discussions match their audit trails"),
    ]


def _chunks(store):
    """The discussions a chunk at a time, with the span of ids each covers."""
    chunk, low = [], None
    for row, discussion in store.every_discussion():
        bucket = row["id"] // 2000
        if low is not None and bucket != low and chunk:
            yield (low * 2000, low * 2000 + 1999), chunk
            chunk = []
        low = bucket
        chunk.append((row, discussion))
    if chunk:
        yield (low * 2000, low * 2000 + 1999), chunk


def _grouped(store, query: str, span) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for r in store.conn.execute(query, span):
        grouped.setdefault(r["discussion_id"], []).append(r)
    return grouped


def _compare_derived(faults: _Faults, row, discussion, profile, calendar, stored_rows) -> None:
    from .domain import rules
    from .domain.calendar import stored

    reference = row["reference"]
    due = rules.discussion_due(discussion, profile, calendar)
    if row["discussion_due"] != stored(due):
        faults.add(
            f"{reference}: discussion_due is {row['discussion_due']!r}, the rules give {stored(due)!r}"
        )
    quorate = rules.settled_quoracy(discussion, profile, due)
    held = None if row["quorate"] is None else bool(row["quorate"])
    if held != quorate:
        faults.add(f"{reference}: quorate is stored as {held}, the record gives {quorate}")
    expected = {
        (d.key, d.kind, d.title, stored(d.due_at), d.rule)
        for d in rules.deadlines(discussion, profile, calendar)
    }
    found = {(r["key"], r["kind"], r["title"], r["due_at"], r["rule"]) for r in stored_rows}
    for key, _kind, title, due_at, _ in sorted(expected - found, key=str):
        faults.add(f"{reference}: the deadline {key} ({title}, due {due_at}) is missing or changed")
    for key, _kind, title, due_at, _ in sorted(found - expected, key=str):
        if not any(e[0] == key for e in expected):
            faults.add(
                f"{reference}: a deadline {key} ({title}, due {due_at}) is stored that the rules do not give"
            )


def _compare_trail(faults: _Faults, row, discussion, profile, entries, now) -> None:
    from . import views
    from .replay import as_shown, from_show, replay

    derived = [q.id for q in profile.questions if q.record]
    questions = {q.id: q.decision for q in profile.questions if q.decision}
    shown = from_show(views.discussion_json(discussion, profile, [], None, now), derived)
    trail = [
        {"id": e["id"], "at": e["at"], "action": e["action"], "detail": json.loads(e["detail"])}
        for e in entries
    ]
    replayed = as_shown(replay(trail), questions, derived)
    if replayed != shown:
        fields = [key for key in shown if replayed.get(key) != shown[key]]
        faults.add(
            f"{row['reference']}: {', '.join(fields)} differ from what its audit trail recorded "
            "(changed behind the tool's back?)"
        )


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
