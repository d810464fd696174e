"""The only package that talks to a database: the Store (reads) and its Writer (one typed method
per change, each with its audit entry), over ``schema.py`` (the schema, its migrations, opening
the file) and ``rows.py`` (rows to values and back).

Its public functions speak the domain (open a discussion, save an answer, the board as of a
time), never SQL. The same functions run on a team's PostgreSQL server: their SQL is written
in what both databases read (upserts, explicit ids, ``"by"`` quoted), and ``postgres.py``
gives them a connection that takes it as it is (see there for what differs).

Choices, each measured or forced by a failure mode (see benchmarks/RESULTS.md):

* sqlite-utils' ``Migrations`` creates and migrates the schema, but it is imported only when
  a migration is pending: importing ``sqlite_utils`` costs about 100 ms, more than the whole
  budget of a ``--json`` read. Commands run on the plain ``sqlite3`` connection, whose
  version is read with ``PRAGMA user_version``.
* Every writing command is one transaction begun with ``BEGIN IMMEDIATE``: a deferred
  ``BEGIN`` (what ``db.atomic()`` issues) that later wants to write fails with "database is
  locked" under a second writer instead of waiting on the busy timeout.
* WAL, ``synchronous=FULL`` (a saved answer survives power loss), ``busy_timeout`` 10 s and
  ``foreign_keys=ON`` on every connection.
* The deadlines of a discussion are computed by the domain whenever it is written and stored
  in ``deadline``, so the board reads them without the ``holidays`` package or the rules.
  Closed discussions cost the board nothing: it starts from a partial index of open ones.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain import rules
from ..domain.calendar import BankHolidays, local, parse_stored, stored
from ..domain.model import (
    DEADLINE_KINDS,
    Action,
    Attendee,
    Child,
    Deadline,
    Decision,
    Disagreement,
    Discussion,
    FamilyMember,
    Sighting,
    canonical_reference,
)
from ..domain.text import same_name
from ..errors import StrategyError

if TYPE_CHECKING:
    from ..domain.procedures import Profile
from ..address import Server
from .postgres import Database, Session
from .rows import (
    _EARLIER,
    _PARTS,
    StoredValueError,
    _action,
    _assemble,
    _attendee,
    _categories,
    _child,
    _child_row,
    _deadline,
    _decision,
    _disagreement,
    _family_member,
    _from_column,
    _instant,
    _plain,
    _read,
    _to_column,
    answers_entry,
    entry_hash,
    opening,
    sighting_columns,
    snapshot,
)
from .schema import (
    BUSY_TIMEOUT_MS,
    GENESIS,
    MIGRATIONS,
    SCHEMA_VERSION,
    MissingDatabase,
    NewerDatabase,
    _reason,
    connect,
)

__all__ = [
    "BUSY_TIMEOUT_MS",
    "GENESIS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "MissingDatabase",
    "NewerDatabase",
    "Store",
    "StoredValueError",
    "Writer",
    "answers_entry",
    "connect",
    "entry_hash",
    "opening",
    "snapshot",
]

# --- Pinned profiles ---------------------------------------------------------------------------

# The profile versions read in this process, by hash: a version never changes once stored.
_PINNED: dict[str, Profile] = {}


def load_pinned(procedure: str, version: str, body: str) -> Profile:
    """A stored profile version, validated as a profile file is; a body that does not hash to
    its key, or does not load, was changed behind the tool's back."""
    from ..domain.procedures import ProfileError, fingerprint, load_resolved

    where = f"{procedure} (version {version[:12]} stored in the database)"
    try:
        data = json.loads(body)
        if fingerprint(data) != version:
            raise ProfileError(f"{where}: its text does not match its hash")
        return load_resolved(data, where)
    except (ValueError, TypeError) as error:  # ProfileError is a ValueError
        raise StrategyError(f"{error}; it was changed behind the tool's back") from None


# The tables of the people of a discussion, and what a message calls one.
PEOPLE = {"child": "child", "family_member": "family member"}


class _Kinds:
    """``kind in store.deadline_kinds``: the built-in kinds at no cost; any other looked up
    once in the follow-ups the stored profile versions define."""

    def __init__(self, store: Store):
        self.store = store

    def __contains__(self, kind: object) -> bool:
        if kind in DEADLINE_KINDS:
            return True
        if self.store._own_kinds is None:
            found: set[str] = set()
            for (body,) in self.store.conn.execute("SELECT body FROM procedure_version"):
                try:
                    found.update(f["kind"] for f in json.loads(body).get("followups", []))
                except (ValueError, TypeError, KeyError, AttributeError):
                    continue  # a body that does not read is `check`'s to name
            self.store._own_kinds = found
        return kind in self.store._own_kinds


def _judgeable(row: sqlite3.Row, reference: str | None) -> bool:
    """Whether an unpinned discussion's profile file loads now. One that does not keeps its
    stored deadlines on the board (the others are never held up by it); asked for by
    reference, it is judged anyway, so the command names the broken profile."""
    if row["procedure_version"] is not None or reference is not None:
        return True
    from .. import settings

    try:
        settings.profile(row["procedure"])
    except StrategyError:
        return False
    return True


def expected_fingerprint(row: sqlite3.Row | dict) -> str:
    """The fingerprint a discussion's stored deadlines carry when they are up to date."""
    from .. import settings

    version = row["procedure_version"]
    if version is None:
        return settings.profile_fingerprint(row["procedure"])
    return settings.rules_fingerprint(version)


# --- The store ---------------------------------------------------------------------------------


class Store:
    """One open database. Reads go straight to SQLite; writes go through ``writing()``."""

    def __init__(self, path: Path | Server, read_only: bool = False, create: bool = True):
        """``create``: a missing file is made (and its folder), an empty server database given
        the schema; without it, ``MissingDatabase``. ``path``: a file, or a ``Server``."""
        self.path = path
        self._own_kinds: set[str] | None = None
        # What the user should know about the database (shown by the command), e.g. a file
        # wider than 0600.
        self.notes: list[str] = []
        # On a server: who the server says this login is, and whether it may name its user.
        self.session: Session | None = None
        self.conn: Database
        if isinstance(path, Server):
            from .postgres import connect as connect_server

            self.conn, self.session = connect_server(path, read_only, create)
            self.read_only = not self.session.can_write
            return
        from .schema import check_database_path, exposure, writable

        existed = check_database_path(path)
        self.read_only = read_only or (existed and not writable(path))
        self.conn = connect(path, self.read_only, create)
        self.notes = [note for note in [exposure(path) if existed else None] if note]

    @property
    def file(self) -> Path | None:
        """The database file (None on a server): what an output file must never overwrite."""
        return None if isinstance(self.path, Server) else self.path

    @property
    def on_server(self) -> bool:
        """Whether the database is a team's, on a PostgreSQL server (else a file of SQLite)."""
        return self.session is not None

    def close(self) -> None:
        self.conn.close()

    def mark_demo(self) -> None:
        """Mark the file as the demo's own, so ``demo`` may fill it again (and no other)."""
        from .schema import DEMO_APPLICATION_ID

        self._set_application_id(DEMO_APPLICATION_ID)

    def application_id(self) -> int:
        """The database's mark: the demo's, real records', or 0 (none yet)."""
        if self.on_server:
            from .postgres import application_id

            return application_id(self.conn)
        return self.conn.execute("PRAGMA application_id").fetchone()[0]

    def _set_application_id(self, mark: int) -> None:
        if self.on_server:
            from .postgres import set_application_id

            set_application_id(self.conn, mark)
        else:
            self.conn.execute(f"PRAGMA application_id = {int(mark)}")

    def mark_records(self) -> None:
        """Mark the file as holding real records (``new`` wrote one), so ``demo`` never starts
        it afresh: not a copy of a demo database a manager went on to use, nor the demo's own
        file. Read first: the header is written only the first time."""
        from .schema import RECORDS_APPLICATION_ID

        if self.application_id() != RECORDS_APPLICATION_ID:
            self._set_application_id(RECORDS_APPLICATION_ID)

    # Reading ---------------------------------------------------------------------------

    def _discussion_row(self, reference: str) -> sqlite3.Row:
        row = self.conn.execute(
            "SELECT * FROM discussion WHERE reference = ?", (canonical_reference(reference),)
        ).fetchone()
        if row is None:
            raise StrategyError(f"no discussion {reference!r} in {self.path}")
        return row

    def discussion(self, reference: str) -> Discussion:
        """The whole record of one discussion; an unknown reference is an error naming it."""
        return self._load(self._discussion_row(reference))

    def _load(self, row: sqlite3.Row) -> Discussion:
        conn = self.conn
        key = (row["id"],)
        earlier = None
        if row["follows_id"] is not None:
            earlier = conn.execute(_EARLIER + "WHERE d.id = ?", (row["follows_id"],)).fetchone()
        parts = {
            table: conn.execute(
                f"SELECT * FROM {table} WHERE discussion_id = ? ORDER BY {order}", key
            ).fetchall()
            for table, order in _PARTS.items()
        }
        held_follow_ups = [
            r[0]
            for r in conn.execute(
                "SELECT follows_by FROM discussion WHERE follows_id = ? AND held_at IS NOT NULL ORDER BY id",
                key,
            )
        ]
        return _assemble(row, parts, earlier, held_follow_ups)

    def every_discussion(
        self, low: int = 0, high: int | None = None, chunk: int = 2000
    ) -> Iterator[tuple[sqlite3.Row, Discussion | StoredValueError]]:
        """Every discussion with an id from ``low`` to ``high`` (all of them by default; closed
        ones too) with its record, read a chunk of ids at a time in a few queries: what
        ``check`` goes through. A record holding a value that cannot be read comes as the
        error naming it, not as a crash."""
        conn = self.conn
        held_follow_ups: dict[int, list] = {}
        for r in conn.execute(
            "SELECT follows_id, follows_by FROM discussion "
            "WHERE follows_id IS NOT NULL AND held_at IS NOT NULL ORDER BY id"
        ):
            held_follow_ups.setdefault(r[0], []).append(r[1])
        top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM discussion").fetchone()[0]
        top = top if high is None else min(top, high)
        for start in range(low, top + 1, chunk):
            span = (start, min(start + chunk - 1, top))
            rows = conn.execute(
                "SELECT * FROM discussion WHERE id BETWEEN ? AND ? ORDER BY id", span
            ).fetchall()
            parts = self._parts_of("BETWEEN ? AND ?", span)
            earlier = self._earlier_of(rows)
            for row in rows:
                mine = {table: grouped.get(row["id"], []) for table, grouped in parts.items()}
                try:
                    yield (
                        row,
                        _assemble(
                            row, mine, earlier.get(row["follows_id"]), held_follow_ups.get(row["id"], [])
                        ),
                    )
                except StoredValueError as fault:
                    yield row, fault

    def _parts_of(self, which: str, params) -> dict[str, dict[int, list]]:
        """The rows of every part of the discussions whose id is ``which`` (``BETWEEN ? AND ?``,
        ``IN (...)``), per table, grouped by discussion, in order."""
        parts: dict[str, dict[int, list]] = {}
        for table, order in _PARTS.items():
            grouped: dict[int, list] = {}
            for r in self.conn.execute(
                f"SELECT * FROM {table} WHERE discussion_id {which} ORDER BY discussion_id, {order}", params
            ):
                grouped.setdefault(r["discussion_id"], []).append(r)
            parts[table] = grouped
        return parts

    def _earlier_of(self, rows) -> dict[int, sqlite3.Row]:
        """The discussions these follow, by id (read 500 at a time)."""
        follows = sorted({r["follows_id"] for r in rows if r["follows_id"] is not None})
        earlier = {}
        for first in range(0, len(follows), 500):
            ids = follows[first : first + 500]
            for r in self.conn.execute(_EARLIER + f"WHERE d.id IN ({','.join('?' * len(ids))})", ids):
                earlier[r["id"]] = r
        return earlier

    def discussions_named(self, references: list[str]) -> dict[str, Discussion]:
        """Several whole records at once, by reference, read in a few queries a chunk rather than
        a few queries each (the board marks every discussion held without quoracy: on a server
        every query is a round trip)."""
        found: dict[str, Discussion] = {}
        wanted = [canonical_reference(reference) for reference in references]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.conn.execute(
                f"SELECT * FROM discussion WHERE reference IN ({','.join('?' * len(chunk))}) ORDER BY id",
                chunk,
            ).fetchall()
            ids = [row["id"] for row in rows]
            if not ids:
                continue
            marks = ",".join("?" * len(ids))
            parts = self._parts_of(f"IN ({marks})", ids)
            held_follow_ups: dict[int, list] = {}
            for r in self.conn.execute(
                f"SELECT follows_id, follows_by FROM discussion WHERE follows_id IN ({marks}) "
                "AND held_at IS NOT NULL ORDER BY id",
                ids,
            ):
                held_follow_ups.setdefault(r[0], []).append(r[1])
            earlier = self._earlier_of(rows)
            for row in rows:
                mine = {table: grouped.get(row["id"], []) for table, grouped in parts.items()}
                found[row["reference"]] = _assemble(
                    row, mine, earlier.get(row["follows_id"]), held_follow_ups.get(row["id"], [])
                )
        return found

    def discussion_due(self, reference: str) -> datetime | None:
        """When the discussion had to be held, as computed when it was last written."""
        row = self._discussion_row(reference)
        return _read(row["reference"], "discussion", "discussion_due", row["discussion_due"], parse_stored)

    def pending(self, reference: str) -> list[Deadline]:
        """The discussion's pending deadlines, as stored when it was last written."""
        row = self._discussion_row(reference)
        return _order(
            _deadline(row["reference"], r, self.deadline_kinds)
            for r in self.conn.execute("SELECT * FROM deadline WHERE discussion_id = ?", (row["id"],))
        )

    def discussions(self, include_closed: bool = False) -> list[dict]:
        """The list view: one summary per discussion, open ones unless asked for all."""
        where = "" if include_closed else "WHERE status = 'open'"
        rows = self.conn.execute(
            f"SELECT id, reference, procedure, status, concern_at, categories, held_at, "
            f"discussion_due, quorate, rules_fingerprint, procedure_version FROM discussion {where} ORDER BY id"
        ).fetchall()
        children = self._children_of([row["id"] for row in rows])
        return [
            {
                "id": row["id"],
                "reference": row["reference"],
                "procedure": row["procedure"],
                "status": row["status"],
                "concern_at": _read(
                    row["reference"], "discussion", "concern_at", row["concern_at"], _instant
                ),
                "categories": _read(
                    row["reference"], "discussion", "categories", row["categories"], _categories
                ),
                "held_at": _read(row["reference"], "discussion", "held_at", row["held_at"], parse_stored),
                "discussion_due": _read(
                    row["reference"], "discussion", "discussion_due", row["discussion_due"], parse_stored
                ),
                "quorate": None if row["quorate"] is None else bool(row["quorate"]),
                "rules_fingerprint": row["rules_fingerprint"],
                "procedure_version": row["procedure_version"],
                "children": children.get(row["id"], []),
            }
            for row in rows
        ]

    def _children_names(self, ids: list[int]) -> dict[int, list[str]]:
        return {key: [child["name"] for child in found] for key, found in self._children_of(ids).items()}

    def _children_of(self, ids: list[int]) -> dict[int, list[dict]]:
        """Each discussion's children (name, date of birth, expected date of delivery), in
        order, read in chunks of 500 ids (SQLite's limit on parameters is not much higher)."""
        children: dict[int, list[dict]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT discussion_id, name, dob, edd FROM child WHERE discussion_id IN ({marks}) "
                "ORDER BY discussion_id, position",
                chunk,
            ):
                children.setdefault(row[0], []).append({"name": row[1], "dob": row[2], "edd": row[3]})
        return children

    def board(self) -> list[dict]:
        """Every pending deadline of every open discussion, with its reference and children,
        and an action's owner (``None`` for any other deadline, or an action nobody owns).

        Starts from the partial index of open discussions, so ten years of closed ones cost
        nothing.
        """
        with self.snapshot():
            rows = self.conn.execute(
                "SELECT d.id, d.reference, d.procedure, x.kind, x.key, x.title, x.due_at, x.rule, x.maximum_at, "
                # An action's deadline is keyed action-N: its owner by the action's primary key.
                "CASE WHEN x.kind = 'action' THEN (SELECT a.owner FROM action AS a WHERE "
                "a.discussion_id = d.id AND a.number = CAST(substr(x.key, 8) AS INTEGER)) END AS owner "
                "FROM discussion AS d INDEXED BY discussion_open "
                "JOIN deadline AS x ON x.discussion_id = d.id WHERE d.status = 'open'"
            ).fetchall()
            names = self._children_names(sorted({row["id"] for row in rows}))
        return [
            {
                "reference": row["reference"],
                "procedure": row["procedure"],
                "deadline": _deadline(row["reference"], row, self.deadline_kinds),
                "children": names.get(row["id"], []),
                "owner": row["owner"],
            }
            for row in rows
        ]

    def recorded_ahead(self, now: datetime) -> list[str]:
        """The open discussions with a follow-up recorded for a time still to come (a visit
        booked for tomorrow, entered today): their deadlines stand until then."""
        # Two EXISTS joined by UNION, not OR: PostgreSQL plans an OR of the two as full scans of
        # event and child (65-90 ms at 100,000 discussions, growing with the years); this way
        # each is one index probe per open discussion on both databases (about 1 ms).
        rows = self.conn.execute(
            "SELECT d.id, d.reference FROM discussion AS d WHERE d.status = 'open' AND "
            "EXISTS (SELECT 1 FROM event AS e WHERE e.discussion_id = d.id AND e.at > ?) UNION "
            "SELECT d.id, d.reference FROM discussion AS d WHERE d.status = 'open' AND "
            "EXISTS (SELECT 1 FROM child AS c WHERE c.discussion_id = d.id AND c.seen_at > ?) ORDER BY 1",
            (stored(now), stored(now)),
        ).fetchall()
        return [row[1] for row in rows]

    def closed_since(self, since: datetime) -> list[str]:
        """The discussions closed at or after ``since`` and still closed, oldest first.

        Read from the newest audit entries back to ``since`` (entries are appended in time
        order), so ten years of trail cost only the entries of the last weeks."""
        since_text = stored(since)
        closed: list[int] = []
        below = None
        # A page at a time: a server sends a query's whole result at once, so reading back to
        # `since` must not ask for ten years of trail.
        while True:
            page = self.conn.execute(
                "SELECT id, discussion_id, action, at FROM audit "
                + ("" if below is None else "WHERE id < ? ")
                + "ORDER BY id DESC LIMIT 500",
                () if below is None else (below,),
            ).fetchall()
            for _, discussion_id, action, at in page:
                if at < since_text:
                    break
                if action == "close" and discussion_id not in closed:
                    closed.append(discussion_id)
            else:
                if len(page) == 500:
                    below = page[-1][0]
                    continue
            break
        references = []
        for discussion_id in reversed(closed):
            row = self.conn.execute(
                "SELECT reference FROM discussion WHERE id = ? AND status = 'closed'", (discussion_id,)
            ).fetchone()
            if row is not None:
                references.append(row[0])
        return references

    def revisions(self, reference: str) -> tuple[int, datetime | None]:
        """How many times the discussion has been changed (its audit entries) and when last:
        a number that only grows, whatever the change, so a calendar can tell a newer copy
        of one of its deadlines from an older one."""
        row = self._discussion_row(reference)
        count, last = self.conn.execute(
            "SELECT COUNT(*), MAX(at) FROM audit WHERE discussion_id = ?", (row["id"],)
        ).fetchone()
        return count, None if last is None else _instant(last)

    def trail(self, reference: str) -> list[dict]:
        """The audit trail of one discussion, oldest first."""
        row = self._discussion_row(reference)
        return [
            {
                "id": r["id"],
                "at": _read(row["reference"], "audit", f"at (entry {r['id']})", r["at"], _instant),
                "by": r["by"],
                "action": r["action"],
                "detail": _read(
                    row["reference"], "audit", f"detail (entry {r['id']})", r["detail"], json.loads
                ),
            }
            for r in self.conn.execute(
                "SELECT * FROM audit WHERE discussion_id = ? ORDER BY id", (row["id"],)
            )
        ]

    def refresh_stale(self, by: str, at: datetime, reference: str | None = None) -> int:
        """Recompute the stored deadlines of open discussions (or of the one ``reference``,
        open or closed) that were computed under older rules than this release's.

        A discussion is judged under its pinned profile version, so only a new release of the
        rules (or an unpinned discussion's profile file changing) makes it stale. Normally
        nothing is stale and this costs one small query over the open discussions.
        """
        if self.read_only:
            return 0  # shown as last stored: a read-only database is never written
        if reference is not None:
            rows = [self._discussion_row(reference)]
        else:
            rows = self.conn.execute(
                "SELECT id, procedure, procedure_version, rules_fingerprint FROM discussion "
                "INDEXED BY discussion_open WHERE status = 'open'"
            ).fetchall()
        stale = [
            row["id"]
            for row in rows
            if row["rules_fingerprint"] != expected_fingerprint(row) and _judgeable(row, reference)
        ]
        if stale:
            with self.writing(by, at) as writer:
                writer._touched.update(stale)
        return len(stale)

    @property
    def deadline_kinds(self) -> _Kinds:
        """Every kind of deadline the tool may have stored: the built-in ones, and those the
        stored profile versions define (read only when a stored kind is not a built-in one)."""
        return _Kinds(self)

    def profile_of(self, discussion: Discussion) -> Profile:
        """The profile a discussion is judged under: the version it is pinned to."""
        if discussion.procedure_version is None:
            from .. import settings

            return settings.profile(discussion.procedure)
        return self.pinned_profile(discussion.procedure_version)

    def pinned_profile(self, version: str) -> Profile:
        """One stored version of a profile (read and validated once per process)."""
        if version not in _PINNED:
            row = self.conn.execute(
                "SELECT procedure, body FROM procedure_version WHERE hash = ?", (version,)
            ).fetchone()
            if row is None:
                raise StrategyError(
                    f"the procedure version {version[:12]} a discussion is pinned to is not in the "
                    "database; it was changed behind the tool's back (run `strategy check`)"
                )
            _PINNED[version] = load_pinned(row["procedure"], version, row["body"])
        return _PINNED[version]

    def procedure_versions(self) -> list[sqlite3.Row]:
        """Every stored profile version: hash, procedure, body, stored_at."""
        return self.conn.execute("SELECT * FROM procedure_version ORDER BY procedure, stored_at").fetchall()

    def unfinished_new(self, by: str) -> tuple[datetime, dict] | None:
        """When ``by`` began a `new` that was interrupted, and the answers given (or None)."""
        row = self.conn.execute(
            'SELECT started_at, answers FROM unfinished_new WHERE "by" = ?', (by,)
        ).fetchone()
        return None if row is None else (_instant(row[0]), json.loads(row[1]))

    def unfinished_news(self) -> list[tuple[str, datetime, dict]]:
        """Every user's interrupted `new` (who, when it began, the answers), oldest first; one
        whose kept answers no longer read is left out (it is only a reminder)."""
        found = []
        for by, started_at, answers in self.conn.execute(
            'SELECT "by", started_at, answers FROM unfinished_new ORDER BY started_at, "by"'
        ):
            try:
                kept = json.loads(answers)
                found.append((by, _instant(started_at), kept if isinstance(kept, dict) else {}))
            except (ValueError, TypeError):
                continue
        return found

    def cached_bank_holidays(self, calendar: str, year: int) -> list[date] | None:
        """A year's bank holidays as the writes computed them (None: not cached yet, or the row
        cannot be read, and the ``holidays`` package is asked again)."""
        row = self.conn.execute(
            "SELECT days FROM bank_holidays WHERE calendar = ? AND year = ?", (calendar, year)
        ).fetchone()
        if row is None:
            return None
        try:
            return [date.fromisoformat(day) for day in json.loads(row[0])]
        except (ValueError, TypeError):
            return None

    def read_bank_holidays(self, country: str, subdivision: str | None) -> BankHolidays:
        """The calendar the writes use, without writing: the cached years, else the package."""
        calendar = f"{country}-{subdivision or ''}"

        def load_year(year: int):
            cached = self.cached_bank_holidays(calendar, year)
            if cached is not None:
                return cached
            from .. import settings

            return sorted(settings.bank_holidays(country, subdivision).load_year(year))

        return BankHolidays(load_year)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that see one moment of the database, whatever other commands commit meanwhile
        (a WAL read transaction); nothing is written."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if self.on_server else "BEGIN")
        try:
            yield
        finally:
            self._rollback()

    # Writing ---------------------------------------------------------------------------

    @contextmanager
    def writing(self, by: str, at: datetime) -> Iterator[Writer]:
        """One command's writes: all of them, or (on any error, Ctrl-C included) none."""
        if self.read_only:
            raise StrategyError(
                f"{self.path} is read-only for you: nothing was written (work on a writable copy, "
                "or ask for write access)"
            )
        try:
            if self.on_server:
                from .postgres import write_lock

                # READ COMMITTED whatever the server's default: after waiting for the lock, each
                # statement sees what the change before it committed.
                self.conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                write_lock(self.conn)
            else:
                self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            self._rollback()
            raise StrategyError(f"nothing was saved: {_reason(error)}") from None
        except BaseException:  # Ctrl-C while waiting: the connection is left usable (unfinished new)
            self._rollback()
            raise
        writer = Writer(self, by, at)
        try:
            yield writer
            if not writer.skip_refresh:
                writer.refresh_deadlines()
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            self._rollback()
            raise StrategyError(f"nothing was saved: {_reason(error)}") from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


def _order(deadlines) -> list[Deadline]:
    return sorted(deadlines, key=rules.board_order)


class Writer:
    """The writes of one command, inside its transaction, each with its audit entry."""

    def __init__(self, store: Store, by: str, at: datetime):
        self.store = store
        self.conn = store.conn
        self.by = by
        self.at = at
        self._touched: set[int] = set()
        # A copy brings its rows with their deadlines, as its source computed them.
        self.skip_refresh = False

    # The audit trail -------------------------------------------------------------------

    def audit(self, discussion_id: int | None, action: str, detail: dict) -> None:
        """Append one entry, chained to the previous one by SHA-256 (see ``entry_hash``)."""
        last = self.conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        prev = last[0] if last else GENESIS
        at = self.at.astimezone(UTC).isoformat(timespec="seconds")  # stored(), never None here
        body = json.dumps(detail, sort_keys=True, ensure_ascii=False)
        digest = entry_hash(prev, discussion_id, at, self.by, action, body)
        self.conn.execute(
            'INSERT INTO audit (id, discussion_id, at, "by", action, detail, prev_hash, hash) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (self._next_id("audit"), discussion_id, at, self.by, action, body, prev, digest),
        )
        if discussion_id is not None:
            self._touched.add(discussion_id)

    def _next_id(self, table: str) -> int:
        """The id a new row of ``table`` gets: one more than the last, as SQLite would give it
        (the write lock held, no other change can take it meanwhile; a server's sequence would
        leave gaps where a change rolled back)."""
        return self.conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0]

    # Discussions -----------------------------------------------------------------------

    def _upsert(self, table: str, key: list[str], row: dict) -> None:
        """Write a row whole, replacing the one with the same ``key`` (an upsert both SQLite
        and PostgreSQL read; every other column is taken from ``row``)."""
        columns = ", ".join(f'"{name}"' for name in row)
        updates = ", ".join(f'"{name}" = excluded."{name}"' for name in row if name not in key)
        self.conn.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(row))}) "
            f"ON CONFLICT ({', '.join(chr(34) + k + chr(34) for k in key)}) DO UPDATE SET {updates}",
            tuple(row.values()),
        )

    def _id(self, reference: str) -> int:
        return self.store._discussion_row(reference)["id"]

    def discussion(self, reference: str) -> Discussion:
        """The record as it stands inside this transaction: what a change merges into."""
        return self.store.discussion(reference)

    def open_discussion(self, discussion: Discussion) -> str:
        """Give the discussion the next ``SD-YYYY-NNNN`` reference of its year and save it."""
        year = local(discussion.opened_at).year
        seq = (
            self.conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM discussion WHERE year = ?", (year,)
            ).fetchone()[0]
            + 1
        )
        reference = f"SD-{year}-{seq:04d}"
        follows_id = self._id(discussion.follows) if discussion.follows else None
        discussion.procedure_version = self.pin(discussion.procedure)
        discussion_id = self._next_id("discussion")
        self.conn.execute(
            "INSERT INTO discussion (id, reference, year, seq, procedure, categories, concern_at, "
            "opened_at, summary, referrer, follows_id, follows_by, procedure_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                discussion_id,
                reference,
                year,
                seq,
                discussion.procedure,
                json.dumps(discussion.categories),
                stored(discussion.concern_at),
                stored(discussion.opened_at),
                discussion.summary,
                discussion.referrer,
                follows_id,
                stored(discussion.follows_by),
                discussion.procedure_version,
            ),
        )
        discussion.reference = reference
        self.audit(discussion_id, "open", opening(reference, discussion))
        for child in discussion.children:
            self.add_child(reference, child)
        for member in discussion.family:
            self.add_family_member(reference, member)
        return reference

    def pin(self, procedure: str) -> str:
        """The version hash of a profile as its file reads now, stored (once) in the database."""
        from .. import settings

        version, body = settings.current_version(procedure)
        self.conn.execute(
            "INSERT INTO procedure_version (hash, procedure, body, stored_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (hash) DO NOTHING",
            (version, procedure, body, stored(self.at)),
        )
        self.store._own_kinds = None  # a new version may define kinds of its own
        return version

    def follow_ups(self, reference: str) -> list[tuple[str, str | None]]:
        """The discussions that follow this one: each reference and the further-discussion time
        it was opened for (as stored)."""
        return [
            (row[0], row[1])
            for row in self.conn.execute(
                "SELECT reference, follows_by FROM discussion WHERE follows_id = ? ORDER BY id",
                (self._id(reference),),
            )
        ]

    def update_discussion(
        self, reference: str, action: str, changes: dict, note: str | None = None, extra: dict | None = None
    ) -> None:
        """Set columns of the discussion itself (held, status, summary), old values audited.
        ``extra``: more the audit entry keeps beside them (what was pending when it was closed)."""
        row = self.store._discussion_row(reference)
        old = {column: _from_column(column, row[column]) for column in changes}
        new = {column: _plain(value) for column, value in changes.items()}
        assignments = ", ".join(f"{column} = ?" for column in new)
        values = [_to_column(column, value) for column, value in new.items()]
        self.conn.execute(f"UPDATE discussion SET {assignments} WHERE id = ?", (*values, row["id"]))
        detail: dict[str, object] = {"old": old, "new": new}
        if note:
            detail["note"] = note
        detail.update(extra or {})
        self.audit(row["id"], action, detail)

    def keep_unfinished_new(self, answers: dict) -> None:
        """Keep what an interrupted `new` was told, replacing any earlier unfinished one."""
        self._upsert(
            "unfinished_new",
            ["by"],
            {
                "by": self.by,
                "started_at": stored(self.at),
                "answers": json.dumps(answers, ensure_ascii=False),
            },
        )

    def drop_unfinished_new(self) -> None:
        self.conn.execute('DELETE FROM unfinished_new WHERE "by" = ?', (self.by,))

    # Children --------------------------------------------------------------------------

    # A child and a family member are both people of the discussion, kept in order of entry and
    # found by their name as a person reads it: one way to add, find and correct either.

    def _add_person(self, table: str, discussion_id: int, person: Child | FamilyMember) -> None:
        position = self.conn.execute(
            f"SELECT COALESCE(MAX(position), 0) + 1 FROM {table} WHERE discussion_id = ?", (discussion_id,)
        ).fetchone()[0]
        row = _child_row(person)
        self.conn.execute(
            f"INSERT INTO {table} (id, discussion_id, position, {', '.join(row)}) "
            f"VALUES (?, ?, ?, {', '.join('?' * len(row))})",
            (self._next_id(table), discussion_id, position, *row.values()),
        )

    def _person_named(self, table: str, discussion_id: int, reference: str, name: str) -> sqlite3.Row:
        """The first person of ``table`` (by position) with that name, as a person reads it
        (whatever its case or Unicode form); none is an error naming it."""
        rows = self.conn.execute(
            f"SELECT * FROM {table} WHERE discussion_id = ? ORDER BY position", (discussion_id,)
        ).fetchall()
        found = next((row for row in rows if same_name(row["name"], name)), None)
        if found is None:
            raise StrategyError(f"{reference} has no {PEOPLE[table]} named {name!r}")
        return found

    def _correct_person(self, table: str, found: sqlite3.Row, person: Child | FamilyMember) -> None:
        row = _child_row(person)
        self.conn.execute(
            f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in row)} WHERE id = ?",
            (*row.values(), found["id"]),
        )

    def add_child(self, reference: str, child: Child) -> None:
        discussion_id = self._id(reference)
        self._add_person("child", discussion_id, child)
        self.audit(discussion_id, "child.add", {"new": snapshot(child)})

    def _child_named(self, discussion_id: int, reference: str, name: str) -> sqlite3.Row:
        return self._person_named("child", discussion_id, reference, name)

    def edit_child(self, reference: str, name: str, child: Child) -> None:
        discussion_id = self._id(reference)
        found = self._child_named(discussion_id, reference, name)
        self._correct_person("child", found, child)
        self.audit(discussion_id, "child.edit", {"old": snapshot(_child(found)), "new": snapshot(child)})

    def remove_child(self, reference: str, name: str, reason: str | None = None) -> None:
        """Take out a child entered by mistake; the trail keeps every detail that was recorded."""
        discussion_id = self._id(reference)
        found = self._child_named(discussion_id, reference, name)
        self.conn.execute("DELETE FROM child WHERE id = ?", (found["id"],))
        detail: dict[str, object] = {"old": snapshot(_child(found)), "new": None}
        if reason:
            detail["note"] = reason
        self.audit(discussion_id, "child.remove", detail)

    # The family and significant adults --------------------------------------------------

    def add_family_member(self, reference: str, member: FamilyMember) -> None:
        discussion_id = self._id(reference)
        self._add_person("family_member", discussion_id, member)
        self.audit(discussion_id, "family.add", {"new": snapshot(member)})

    def edit_family_member(self, reference: str, name: str, member: FamilyMember) -> None:
        discussion_id = self._id(reference)
        found = self._person_named("family_member", discussion_id, reference, name)
        self._correct_person("family_member", found, member)
        old = snapshot(_family_member(found))
        self.audit(discussion_id, "family.edit", {"old": old, "new": snapshot(member)})

    def remove_family_member(self, reference: str, name: str, reason: str) -> None:
        """Take out a family member entered by mistake; the trail keeps what was recorded."""
        discussion_id = self._id(reference)
        found = self._person_named("family_member", discussion_id, reference, name)
        self.conn.execute("DELETE FROM family_member WHERE id = ?", (found["id"],))
        old = snapshot(_family_member(found))
        self.audit(discussion_id, "family.remove", {"old": old, "new": None, "note": reason})

    def see_child(self, reference: str, name: str, seen: Sighting | None, reason: str | None = None) -> None:
        """Record (or correct) when a child was seen, by whom and whether alone; None takes a
        sighting recorded by mistake back (``child.seen.withdraw``, with its reason)."""
        discussion_id = self._id(reference)
        found = self._child_named(discussion_id, reference, name)
        old = _child(found).seen
        columns = sighting_columns(seen)
        self.conn.execute(
            f"UPDATE child SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
            (*columns.values(), found["id"]),
        )
        detail: dict[str, object] = {"child": found["name"], "old": snapshot(old), "new": snapshot(seen)}
        if reason:
            detail["note"] = reason
        self.audit(discussion_id, "child.seen" if seen is not None else "child.seen.withdraw", detail)

    # Attendees ---------------------------------------------------------------------------

    def _attendee_named(self, discussion_id: int, name: str) -> sqlite3.Row | None:
        """The attendee of that name, whatever its case or Unicode form (one entry a person)."""
        rows = self.conn.execute(
            "SELECT * FROM attendee WHERE discussion_id = ? ORDER BY id", (discussion_id,)
        ).fetchall()
        return next((row for row in rows if same_name(row["name"], name)), None)

    def attendee(self, reference: str, name: str) -> Attendee | None:
        """The entry of that name (whatever its case), or None."""
        found = self._attendee_named(self._id(reference), name)
        return None if found is None else _attendee(found)

    def attend(self, reference: str, attendee: Attendee) -> str:
        """Record an attendee; the same name again corrects that entry. Returns what it did."""
        discussion_id = self._id(reference)
        found = self._attendee_named(discussion_id, attendee.name)
        if found is None:
            self.conn.execute(
                "INSERT INTO attendee (id, discussion_id, name, agency, role, attendance, family_contact, "
                "shared) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self._next_id("attendee"),
                    discussion_id,
                    attendee.name,
                    attendee.agency,
                    attendee.role,
                    attendee.attendance,
                    int(attendee.family_contact),
                    attendee.shared,
                ),
            )
            self.audit(discussion_id, "attend", {"new": snapshot(attendee)})
            return "added"
        old = _attendee(found)
        self.conn.execute(
            "UPDATE attendee SET name = ?, agency = ?, role = ?, attendance = ?, family_contact = ?, "
            "shared = ? WHERE id = ?",
            (
                attendee.name,
                attendee.agency,
                attendee.role,
                attendee.attendance,
                int(attendee.family_contact),
                attendee.shared,
                found["id"],
            ),
        )
        self.audit(discussion_id, "attend.correct", {"old": snapshot(old), "new": snapshot(attendee)})
        return "corrected"

    def remove_attendee(self, reference: str, name: str) -> None:
        discussion_id = self._id(reference)
        found = self._attendee_named(discussion_id, name)
        if found is None:
            raise StrategyError(f"{reference} has no attendee named {name!r}")
        self.conn.execute("DELETE FROM attendee WHERE id = ?", (found["id"],))
        old = _attendee(found)
        self.audit(discussion_id, "attend.remove", {"old": snapshot(old), "new": None})

    # The decision and the checklist --------------------------------------------------------

    def decide(self, reference: str, decision: Decision, action: str = "decide") -> None:
        """Save the decision whole; a later one amends the earlier, which stays in the trail."""
        discussion_id = self._id(reference)
        old = _decision(
            self.conn.execute("SELECT * FROM decision WHERE discussion_id = ?", (discussion_id,)).fetchone()
        )
        row = {name: _plain(value) for name, value in asdict(decision).items()}
        self._upsert("decision", ["discussion_id"], {"discussion_id": discussion_id, **row})
        self.audit(discussion_id, action, {"old": snapshot(old), "new": snapshot(decision)})

    def answer(self, reference: str, question_id: str, value: object) -> None:
        """Save one checklist answer (not a decision question: those go through ``decide``)."""
        self.answers(reference, {question_id: value})

    def answers(self, reference: str, given: dict[str, object]) -> int:
        """Save the checklist answers one command gives, with one audit entry for them all;
        returns how many changed. An answer that is already the one recorded is not written again.
        """
        discussion_id = self._id(reference)
        changes = {}
        for question_id, value in given.items():
            found = self.conn.execute(
                "SELECT value FROM answer WHERE discussion_id = ? AND question_id = ?",
                (discussion_id, question_id),
            ).fetchone()
            old = None if found is None else json.loads(found[0])
            if found is not None and old == value:
                continue
            self._upsert(
                "answer",
                ["discussion_id", "question_id"],
                {
                    "discussion_id": discussion_id,
                    "question_id": question_id,
                    "value": json.dumps(value, ensure_ascii=False),
                    "answered_at": stored(self.at),
                    "answered_by": self.by,
                },
            )
            changes[question_id] = {"old": old, "new": value}
        if changes:
            self.audit(discussion_id, *answers_entry(changes))
        return len(changes)

    # Actions ---------------------------------------------------------------------------------

    # Actions and disagreements are numbered within their discussion (1, 2, ...), a number never
    # given twice, and saved whole: one way to number and write either.

    def _next_number(self, table: str, discussion_id: int) -> int:
        return self.conn.execute(
            f"SELECT COALESCE(MAX(number), 0) + 1 FROM {table} WHERE discussion_id = ?", (discussion_id,)
        ).fetchone()[0]

    def _write_numbered(self, table: str, discussion_id: int, item: Action | Disagreement) -> None:
        row = {name: _plain(value) for name, value in asdict(item).items()}
        self._upsert(table, ["discussion_id", "number"], {"discussion_id": discussion_id, **row})

    def add_action(self, reference: str, action: Action) -> int:
        discussion_id = self._id(reference)
        number = action.number = self._next_number("action", discussion_id)
        self._write_numbered("action", discussion_id, action)
        self.audit(discussion_id, "action.add", {"new": snapshot(action)})
        return number

    def action(self, reference: str, number: int) -> Action:
        discussion_id = self._id(reference)
        row = self.conn.execute(
            "SELECT * FROM action WHERE discussion_id = ? AND number = ?", (discussion_id, number)
        ).fetchone()
        if row is None:
            raise StrategyError(f"{reference} has no action {number}")
        if row["removed_at"]:
            raise StrategyError(f"action {number} of {reference} was removed (entered by mistake)")
        return _action(row)

    def remove_action(self, reference: str, number: int, reason: str) -> None:
        """Take back an action entered by mistake: its row stays (its number is never reused)
        but leaves the record; the trail keeps what it said and why it went."""
        discussion_id = self._id(reference)
        old = self.action(reference, number)
        self.conn.execute(
            "UPDATE action SET removed_at = ? WHERE discussion_id = ? AND number = ?",
            (stored(self.at), discussion_id, number),
        )
        self.audit(discussion_id, "action.remove", {"old": snapshot(old), "new": None, "note": reason})

    def change_action(self, reference: str, action: Action, what: str) -> None:
        discussion_id = self._id(reference)
        old = self.action(reference, action.number)
        self._write_numbered("action", discussion_id, action)
        self.audit(discussion_id, what, {"old": snapshot(old), "new": snapshot(action)})

    # Disagreements ---------------------------------------------------------------------------

    def add_disagreement(self, reference: str, disagreement: Disagreement) -> int:
        """Record a disagreement under the next number of its discussion; returns the number."""
        discussion_id = self._id(reference)
        number = disagreement.number = self._next_number("disagreement", discussion_id)
        self._write_numbered("disagreement", discussion_id, disagreement)
        self.audit(discussion_id, "disagreement.add", {"new": snapshot(disagreement)})
        return number

    def disagreement(self, reference: str, number: int) -> Disagreement:
        row = self.conn.execute(
            "SELECT * FROM disagreement WHERE discussion_id = ? AND number = ?", (self._id(reference), number)
        ).fetchone()
        if row is None:
            raise StrategyError(f"{reference} has no disagreement {number}")
        return _disagreement(row)

    def change_disagreement(self, reference: str, disagreement: Disagreement, what: str) -> None:
        """Save a disagreement escalated or resolved (``what``), the old values audited."""
        discussion_id = self._id(reference)
        old = self.disagreement(reference, disagreement.number)
        self._write_numbered("disagreement", discussion_id, disagreement)
        self.audit(discussion_id, what, {"old": snapshot(old), "new": snapshot(disagreement)})

    # Follow-ups ------------------------------------------------------------------------------

    def _event_at(self, discussion_id: int, event: str) -> str | None:
        """When a follow-up was recorded (the stored text), or None."""
        found = self.conn.execute(
            "SELECT at FROM event WHERE discussion_id = ? AND event = ?", (discussion_id, event)
        ).fetchone()
        return None if found is None else found[0]

    def record_event(self, reference: str, event: str, at: datetime) -> None:
        discussion_id = self._id(reference)
        old = self._event_at(discussion_id, event)
        self._upsert(
            "event",
            ["discussion_id", "event"],
            {"discussion_id": discussion_id, "event": event, "at": stored(at)},
        )
        self.audit(discussion_id, "record", {"event": event, "old": old, "new": stored(at)})

    def withdraw_event(self, reference: str, event: str, reason: str | None = None) -> None:
        """Take back a follow-up recorded by mistake: its deadline is pending again."""
        discussion_id = self._id(reference)
        old = self._event_at(discussion_id, event)
        if old is None:
            raise StrategyError(f"{reference} has no {event} recorded to withdraw")
        self.conn.execute("DELETE FROM event WHERE discussion_id = ? AND event = ?", (discussion_id, event))
        detail = {"event": event, "old": old, "new": None}
        if reason:
            detail["note"] = reason
        self.audit(discussion_id, "record.withdraw", detail)

    # Deadlines -------------------------------------------------------------------------------

    def refresh_deadlines(self) -> None:
        """Recompute and store the deadlines of every discussion this command touched.

        A discussion held also clears the review deadline of the one it follows, so that one
        is recomputed too.
        """

        touched = set(self._touched)
        for discussion_id in list(touched):
            follows = self.conn.execute(
                "SELECT follows_id FROM discussion WHERE id = ?", (discussion_id,)
            ).fetchone()
            if follows and follows[0] is not None:
                touched.add(follows[0])
        for discussion_id in sorted(touched):
            row = self.conn.execute("SELECT * FROM discussion WHERE id = ?", (discussion_id,)).fetchone()
            discussion = self.store._load(row)
            profile = self.store.profile_of(discussion)
            calendar = self.bank_holidays(profile.calendar_country, profile.calendar_subdivision)
            pending = rules.deadlines(discussion, profile, calendar)
            due = rules.discussion_due(discussion, profile, calendar)
            quorate = rules.settled_quoracy(discussion, profile, due)
            self.conn.execute("DELETE FROM deadline WHERE discussion_id = ?", (discussion_id,))
            self.conn.executemany(
                "INSERT INTO deadline (discussion_id, key, kind, title, due_at, rule, maximum_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (discussion_id, d.key, d.kind, d.title, stored(d.due_at), d.rule, stored(d.maximum_at))
                    for d in pending
                ],
            )
            self.conn.execute(
                "UPDATE discussion SET discussion_due = ?, rules_fingerprint = ?, quorate = ? WHERE id = ?",
                (stored(due), expected_fingerprint(row), quorate, discussion_id),
            )

    def bank_holidays(self, country: str, subdivision: str | None) -> BankHolidays:
        """Bank holidays read from the database, computed (and saved) once per year needed.

        Importing and building the ``holidays`` calendar costs more than a whole command;
        after the first command of a year, the dates are one small row away.
        """
        calendar = f"{country}-{subdivision or ''}"

        def load_year(year: int):
            cached = self.store.cached_bank_holidays(calendar, year)
            if cached is not None:
                return cached
            from .. import settings

            days = sorted(settings.bank_holidays(country, subdivision).load_year(year))
            self._upsert(
                "bank_holidays",
                ["calendar", "year"],
                {"calendar": calendar, "year": year, "days": json.dumps([day.isoformat() for day in days])},
            )
            return days

        return BankHolidays(load_year)
