"""The only module that talks to SQLite: schema, migrations, transactions, the audit trail.

Its public functions speak the domain (open a discussion, save an answer, the board as of a
time), never SQL. A second store (a shared PostgreSQL server, say) would sit behind the same
functions.

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

import hashlib
import json
import os
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from datetime import UTC, date, datetime
from pathlib import Path

from .domain import rules
from .domain.calendar import BankHolidays, local, parse_stored, stored
from .domain.model import Action, Attendee, Child, Deadline, Decision, Discussion
from .errors import StrategyError

BUSY_TIMEOUT_MS = 10_000
GENESIS = "0" * 64


class NewerDatabase(StrategyError):
    pass


# --- Schema and migrations ---------------------------------------------------------------

SCHEMA_1 = """
CREATE TABLE discussion (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    procedure TEXT NOT NULL,
    categories TEXT NOT NULL,
    concern_at TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    summary TEXT,
    referrer TEXT,
    follows_id INTEGER REFERENCES discussion(id),
    held_at TEXT,
    held_format TEXT,
    chair TEXT,
    closed_reason TEXT,
    discussion_due TEXT,
    UNIQUE (year, seq)
);
CREATE INDEX discussion_open ON discussion(id) WHERE status = 'open';
CREATE INDEX discussion_follows ON discussion(follows_id) WHERE follows_id IS NOT NULL;
CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    discussion_id INTEGER NOT NULL REFERENCES discussion(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    dob TEXT,
    edd TEXT,
    looked_after INTEGER NOT NULL DEFAULT 0,
    in_hospital INTEGER NOT NULL DEFAULT 0,
    hospital_services INTEGER NOT NULL DEFAULT 0,
    medical INTEGER NOT NULL DEFAULT 0,
    communication_needs INTEGER NOT NULL DEFAULT 0,
    interpreter TEXT,
    no_adult_care_needs INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX child_discussion ON child(discussion_id, position);
CREATE TABLE attendee (
    id INTEGER PRIMARY KEY,
    discussion_id INTEGER NOT NULL REFERENCES discussion(id),
    name TEXT NOT NULL,
    agency TEXT NOT NULL,
    role TEXT,
    attendance TEXT NOT NULL
);
CREATE INDEX attendee_discussion ON attendee(discussion_id);
CREATE TABLE decision (
    discussion_id INTEGER PRIMARY KEY REFERENCES discussion(id),
    s47 INTEGER,
    police_investigation INTEGER,
    rationale TEXT,
    share TEXT,
    withholding INTEGER,
    withhold TEXT,
    withhold_rationale TEXT,
    further_by TEXT,
    decided_at TEXT
);
CREATE TABLE answer (
    discussion_id INTEGER NOT NULL REFERENCES discussion(id),
    question_id TEXT NOT NULL,
    value TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    PRIMARY KEY (discussion_id, question_id)
);
CREATE TABLE action (
    discussion_id INTEGER NOT NULL REFERENCES discussion(id),
    number INTEGER NOT NULL,
    task TEXT NOT NULL,
    owner TEXT,
    agency TEXT,
    due_at TEXT,
    agreed_at TEXT,
    done_at TEXT,
    for_family INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (discussion_id, number)
);
CREATE TABLE event (
    discussion_id INTEGER NOT NULL REFERENCES discussion(id),
    event TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (discussion_id, event)
);
CREATE TABLE deadline (
    discussion_id INTEGER NOT NULL REFERENCES discussion(id),
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    due_at TEXT,
    rule TEXT NOT NULL,
    PRIMARY KEY (discussion_id, key)
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    discussion_id INTEGER REFERENCES discussion(id),
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_discussion ON audit(discussion_id, id);
CREATE TABLE bank_holidays (
    calendar TEXT NOT NULL,
    year INTEGER NOT NULL,
    days TEXT NOT NULL,
    PRIMARY KEY (calendar, year)
);
"""

# Each entry is one migration, applied in order in its own transaction; never edit one that
# has been released, add a new one. PRAGMA user_version holds how many have been applied.
MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial", SCHEMA_1),
    # Which version of its procedure profile a discussion's stored deadlines were computed
    # with, so a changed profile (a user's edit, a new release) recomputes them.
    ("0002_rules_fingerprint", "ALTER TABLE discussion ADD COLUMN rules_fingerprint TEXT"),
    # "Is a further strategy discussion required?" is part of the decision, so the checklist
    # and `decide --further-by` can never disagree.
    (
        "0003_further_discussion",
        "ALTER TABLE decision ADD COLUMN further_discussion INTEGER;"
        "UPDATE decision SET further_discussion = 1 WHERE further_by IS NOT NULL",
    ),
    # Whether a discussion is quorate, stored with its deadlines (NULL: judged when read), so
    # `list` need not load every open record and its profile. Open discussions are marked
    # stale, so their next read computes it.
    (
        "0004_stored_quorate",
        "ALTER TABLE discussion ADD COLUMN quorate INTEGER;"
        "UPDATE discussion SET rules_fingerprint = NULL WHERE status = 'open'",
    ),
    # What `new` was told before Ctrl-C interrupted its questions, one per user, so the next
    # `strategy new` carries on from there (cli.md: Ctrl-C keeps every answer already given).
    # Not part of any record: no audit entry; it goes when the discussion is opened.
    (
        "0005_unfinished_new",
        "CREATE TABLE unfinished_new (by TEXT PRIMARY KEY, started_at TEXT NOT NULL, answers TEXT NOT NULL)",
    ),
]
SCHEMA_VERSION = len(MIGRATIONS)


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations with sqlite-utils, one ``BEGIN IMMEDIATE`` transaction each."""
    import sqlite_utils

    migrations = sqlite_utils.Migrations("strategy")
    for name, script in MIGRATIONS:

        def step(db, script=script):
            for statement in script.split(";"):
                if statement.strip():
                    db.execute(statement)

        migrations(name=name)(step)
    db = sqlite_utils.Database(conn)
    names = [name for name, _ in MIGRATIONS]
    for index, name in enumerate(names):
        conn.execute("BEGIN IMMEDIATE")
        try:
            pending = {m.name for m in migrations.pending(db)}
            if name in pending:
                migrations.apply(db, stop_before=names[index + 1 :])
            conn.execute(f"PRAGMA user_version = {index + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


# --- Opening the file ------------------------------------------------------------------


def _private_file(path: Path) -> None:
    """Create the database file (and a missing folder) readable by its owner only.

    Done before SQLite opens it, so the file is never world-readable even for an instant;
    SQLite gives its ``-wal`` and ``-shm`` files the database file's permissions. On Windows
    ``chmod`` only sets read-only, so privacy there rests on the user profile folder's ACL.
    """
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    for folder in reversed(missing):  # each folder we create is private, not only the last
        folder.mkdir(mode=0o700, exist_ok=True)  # exist_ok: another command may race us
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    if os.name == "posix":
        os.chmod(path, 0o600)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating and migrating when needed) and return a connection in autocommit mode."""
    try:
        _private_file(path)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # The version first: a newer release's file is refused before anything (switching it
        # to WAL included) touches it.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            conn.close()
            raise NewerDatabase(
                f"{path} was made by a newer version of strategy (schema {version}, this version "
                f"knows {SCHEMA_VERSION}); upgrade strategy to use it"
            )
        mode = _write_ahead_logging(conn)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as error:
        raise StrategyError(f"cannot open the database {path}: {_reason(error)}") from None
    except OSError as error:
        raise StrategyError(f"cannot open the database {path}: {error.strerror}") from None
    if mode.lower() != "wal":
        raise StrategyError(f"cannot use write-ahead logging on {path} (journal mode {mode})")
    if version < SCHEMA_VERSION:
        try:
            _migrate(conn)
        except sqlite3.DatabaseError as error:
            raise StrategyError(f"cannot migrate the database {path}: {_reason(error)}") from None
    return conn


def _write_ahead_logging(conn: sqlite3.Connection) -> str:
    """Switch a new file to WAL, retrying while other commands switch it at the same moment.

    The switch needs an exclusive lock, and when two connections both hold a shared lock and
    want it, SQLite refuses one at once ("database is locked") without waiting on the busy
    timeout, to avoid a deadlock. It happens only while a brand-new file is first opened by
    several commands together; once the file is in WAL the mode is kept and this is one read.
    """
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() == "wal":
        return mode
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))  # apart, so the next try does not collide


def _is_busy(error: sqlite3.Error) -> bool:
    text = str(error)
    return "locked" in text or "busy" in text


def _reason(error: sqlite3.Error) -> str:
    """SQLite's own words, which never contain a field value."""
    text = str(error)
    if _is_busy(error):
        return "another strategy command held the database for too long; try again"
    if "full" in text:
        return "the disk is full"
    if "disk I/O error" in text:
        return "disk I/O error (is the disk full, or the folder not writable?)"
    return text


# --- Converting rows to the domain -----------------------------------------------------------


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _child(row: sqlite3.Row) -> Child:
    return Child(
        name=row["name"],
        dob=_day(row["dob"]),
        edd=_day(row["edd"]),
        looked_after=bool(row["looked_after"]),
        in_hospital=bool(row["in_hospital"]),
        hospital_services=bool(row["hospital_services"]),
        medical=bool(row["medical"]),
        communication_needs=bool(row["communication_needs"]),
        interpreter=row["interpreter"],
        no_adult_care_needs=bool(row["no_adult_care_needs"]),
    )


def _attendee(row: sqlite3.Row) -> Attendee:
    return Attendee(row["name"], row["agency"], row["role"], row["attendance"])


def _bool(value) -> bool | None:
    return None if value is None else bool(value)


def _decision(row: sqlite3.Row | None) -> Decision | None:
    if row is None:
        return None
    return Decision(
        s47=_bool(row["s47"]),
        police_investigation=_bool(row["police_investigation"]),
        rationale=row["rationale"],
        share=row["share"],
        withholding=_bool(row["withholding"]),
        withhold=row["withhold"],
        withhold_rationale=row["withhold_rationale"],
        further_discussion=_bool(row["further_discussion"]),
        further_by=parse_stored(row["further_by"]),
        decided_at=parse_stored(row["decided_at"]),
    )


def _action(row: sqlite3.Row) -> Action:
    return Action(
        number=row["number"],
        task=row["task"],
        owner=row["owner"],
        agency=row["agency"],
        due_at=parse_stored(row["due_at"]),
        agreed_at=parse_stored(row["agreed_at"]),
        done_at=parse_stored(row["done_at"]),
        for_family=bool(row["for_family"]),
    )


class StoredValueError(StrategyError):
    """A value in the database that the tool did not write and cannot read (a hand edit)."""


def _read(reference: str, table: str, column: str, value, parse):
    """``parse(value)``, or an error naming the record, the column and the value."""
    try:
        return parse(value)
    except (ValueError, TypeError, OverflowError, AttributeError) as error:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise StoredValueError(
            f"{reference}: {table}.{column} holds {shown}, which cannot be read ({type(error).__name__}); "
            "it was changed behind the tool's back"
        ) from None


# What makes up a discussion's record besides its own row, and the order each is read in.
_PARTS = {
    "child": "position",
    "attendee": "id",
    "decision": "discussion_id",
    "action": "number",
    "answer": "question_id",
    "event": "event",
}
_EARLIER = (
    "SELECT d.id, d.reference, x.further_by FROM discussion AS d "
    "LEFT JOIN decision AS x ON x.discussion_id = d.id "
)


def _assemble(row: sqlite3.Row, parts: dict[str, list], earlier, followed_by_held: bool) -> Discussion:
    """One discussion from its row and the rows of its parts (each table's, in order)."""
    reference = row["reference"]

    def column(name: str, parse):
        return _read(reference, "discussion", name, row[name], parse)

    def each(table: str, convert):
        try:
            return [convert(r) for r in parts[table]]
        except (ValueError, TypeError, OverflowError, AttributeError) as error:
            raise StoredValueError(
                f"{reference}: a row of {table} cannot be read ({type(error).__name__}: {error}); "
                "it was changed behind the tool's back"
            ) from None

    decisions = each("decision", _decision)
    return Discussion(
        reference=reference,
        procedure=row["procedure"],
        categories=column("categories", _categories),
        concern_at=column("concern_at", _instant),
        opened_at=column("opened_at", _instant),
        status=row["status"],
        summary=row["summary"],
        referrer=row["referrer"],
        follows=None if earlier is None else earlier["reference"],
        children=each("child", _child),
        attendees=each("attendee", _attendee),
        decision=decisions[0] if decisions else None,
        actions=each("action", _action),
        answers=dict(each("answer", lambda r: (r["question_id"], json.loads(r["value"])))),
        held_at=column("held_at", parse_stored),
        held_format=row["held_format"],
        chair=row["chair"],
        events=dict(each("event", lambda r: (r["event"], _instant(r["at"])))),
        followed_by_held=followed_by_held,
        closed_reason=row["closed_reason"],
        further_set=None
        if earlier is None
        else _read(reference, "decision", "further_by", earlier["further_by"], parse_stored),
    )


def _instant(text: str) -> datetime:
    """A stored instant that must be there."""
    found = parse_stored(text)
    if found is None:
        raise TypeError("no value")
    return found


def _categories(text: str) -> list[str]:
    found = json.loads(text)
    if not isinstance(found, list) or not all(isinstance(c, str) for c in found):
        raise ValueError("not a list of category ids")
    return found


def _from_column(column: str, value):
    """A discussion column as the audit trail writes it (categories are stored as JSON text)."""
    return json.loads(value) if column == "categories" and value is not None else value


def _to_column(column: str, value):
    """The other way: an audit-trail value as the discussion column stores it."""
    return json.dumps(value) if column == "categories" else value


def _plain(value):
    """A domain value as the audit trail writes it (JSON-safe, instants in UTC)."""
    if isinstance(value, datetime):
        return stored(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def snapshot(item) -> dict | None:
    """A dataclass as a JSON-safe dict, for the audit trail's old and new values."""
    if item is None:
        return None
    return {f.name: _plain(getattr(item, f.name)) for f in fields(item)}


# --- The store ---------------------------------------------------------------------------------


class Store:
    """One open database. Reads go straight to SQLite; writes go through ``writing()``."""

    def __init__(self, path: Path):
        self.path = path
        self.conn = connect(path)

    def close(self) -> None:
        self.conn.close()

    # Reading ---------------------------------------------------------------------------

    def _discussion_row(self, reference: str) -> sqlite3.Row:
        row = self.conn.execute(
            "SELECT * FROM discussion WHERE reference = ?", (reference.strip().upper(),)
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
        followed_by_held = (
            conn.execute(
                "SELECT 1 FROM discussion WHERE follows_id = ? AND held_at IS NOT NULL LIMIT 1", key
            ).fetchone()
            is not None
        )
        return _assemble(row, parts, earlier, followed_by_held)

    def every_discussion(
        self, low: int = 0, high: int | None = None, chunk: int = 2000
    ) -> Iterator[tuple[sqlite3.Row, Discussion | StoredValueError]]:
        """Every discussion with an id from ``low`` to ``high`` (all of them by default; closed
        ones too) with its record, read a chunk of ids at a time in a few queries: what
        ``check`` goes through. A record holding a value that cannot be read comes as the
        error naming it, not as a crash."""
        conn = self.conn
        followed_by_held = {
            r[0]
            for r in conn.execute(
                "SELECT follows_id FROM discussion WHERE follows_id IS NOT NULL AND held_at IS NOT NULL"
            )
        }
        top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM discussion").fetchone()[0]
        top = top if high is None else min(top, high)
        for start in range(low, top + 1, chunk):
            span = (start, min(start + chunk - 1, top))
            rows = conn.execute(
                "SELECT * FROM discussion WHERE id BETWEEN ? AND ? ORDER BY id", span
            ).fetchall()
            parts: dict[str, dict[int, list]] = {}
            for table, order in _PARTS.items():
                grouped: dict[int, list] = {}
                for r in conn.execute(
                    f"SELECT * FROM {table} WHERE discussion_id BETWEEN ? AND ? ORDER BY discussion_id, {order}",
                    span,
                ):
                    grouped.setdefault(r["discussion_id"], []).append(r)
                parts[table] = grouped
            follows_ids = sorted({r["follows_id"] for r in rows if r["follows_id"] is not None})
            earlier = {}
            for first in range(0, len(follows_ids), 500):
                ids = follows_ids[first : first + 500]
                for r in conn.execute(_EARLIER + f"WHERE d.id IN ({','.join('?' * len(ids))})", ids):
                    earlier[r["id"]] = r
            for row in rows:
                mine = {table: grouped.get(row["id"], []) for table, grouped in parts.items()}
                try:
                    yield (
                        row,
                        _assemble(row, mine, earlier.get(row["follows_id"]), row["id"] in followed_by_held),
                    )
                except StoredValueError as fault:
                    yield row, fault

    def discussion_due(self, reference: str) -> datetime | None:
        """When the discussion had to be held, as computed when it was last written."""
        return parse_stored(self._discussion_row(reference)["discussion_due"])

    def pending(self, reference: str) -> list[Deadline]:
        """The discussion's pending deadlines, as stored when it was last written."""
        row = self._discussion_row(reference)
        return _order(
            Deadline(r["kind"], r["title"], parse_stored(r["due_at"]), r["rule"], r["key"])
            for r in self.conn.execute("SELECT * FROM deadline WHERE discussion_id = ?", (row["id"],))
        )

    def discussions(self, include_closed: bool = False) -> list[dict]:
        """The list view: one summary per discussion, open ones unless asked for all."""
        where = "" if include_closed else "WHERE status = 'open'"
        rows = self.conn.execute(
            f"SELECT id, reference, procedure, status, concern_at, categories, held_at, "
            f"discussion_due, quorate, rules_fingerprint FROM discussion {where} ORDER BY id"
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
        """Every pending deadline of every open discussion, with its reference and children.

        Starts from the partial index of open discussions, so ten years of closed ones cost
        nothing.
        """
        with self.snapshot():
            rows = self.conn.execute(
                "SELECT d.id, d.reference, d.procedure, x.kind, x.key, x.title, x.due_at, x.rule "
                "FROM discussion AS d INDEXED BY discussion_open "
                "JOIN deadline AS x ON x.discussion_id = d.id WHERE d.status = 'open'"
            ).fetchall()
            names = self._children_names(sorted({row["id"] for row in rows}))
        return [
            {
                "reference": row["reference"],
                "procedure": row["procedure"],
                "deadline": Deadline(
                    row["kind"], row["title"], parse_stored(row["due_at"]), row["rule"], row["key"]
                ),
                "children": names.get(row["id"], []),
            }
            for row in rows
        ]

    def trail(self, reference: str) -> list[dict]:
        """The audit trail of one discussion, oldest first."""
        row = self._discussion_row(reference)
        return [
            {
                "id": r["id"],
                "at": parse_stored(r["at"]),
                "by": r["by"],
                "action": r["action"],
                "detail": json.loads(r["detail"]),
            }
            for r in self.conn.execute(
                "SELECT * FROM audit WHERE discussion_id = ? ORDER BY id", (row["id"],)
            )
        ]

    def refresh_stale(self, fingerprint, by: str, at: datetime, reference: str | None = None) -> int:
        """Recompute the stored deadlines of open discussions (or of the one ``reference``,
        open or closed) whose profile has changed since they were computed.

        ``fingerprint(procedure)`` is the current profile's fingerprint. Normally nothing is
        stale and this costs one small query over the open discussions.
        """
        if reference is not None:
            rows = [self._discussion_row(reference)]
        else:
            rows = self.conn.execute(
                "SELECT id, procedure, rules_fingerprint FROM discussion INDEXED BY discussion_open "
                "WHERE status = 'open'"
            ).fetchall()
        stale = [row["id"] for row in rows if row["rules_fingerprint"] != fingerprint(row["procedure"])]
        if stale:
            with self.writing(by, at) as writer:
                writer._touched.update(stale)
        return len(stale)

    def unfinished_new(self, by: str) -> tuple[datetime, dict] | None:
        """When ``by`` began a `new` that was interrupted, and the answers given (or None)."""
        row = self.conn.execute(
            "SELECT started_at, answers FROM unfinished_new WHERE by = ?", (by,)
        ).fetchone()
        return None if row is None else (_instant(row[0]), json.loads(row[1]))

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that see one moment of the database, whatever other commands commit meanwhile
        (a WAL read transaction); nothing is written."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self._rollback()

    # Writing ---------------------------------------------------------------------------

    @contextmanager
    def writing(self, by: str, at: datetime) -> Iterator[Writer]:
        """One command's writes: all of them, or (on any error, Ctrl-C included) none."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise StrategyError(f"nothing was saved: {_reason(error)}") from None
        writer = Writer(self, by, at)
        try:
            yield writer
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

    # The audit trail -------------------------------------------------------------------

    def audit(self, discussion_id: int | None, action: str, detail: dict) -> None:
        """Append one entry, chained to the previous one by SHA-256 (see ``entry_hash``)."""
        last = self.conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        prev = last[0] if last else GENESIS
        at = self.at.astimezone(UTC).isoformat(timespec="seconds")  # stored(), never None here
        body = json.dumps(detail, sort_keys=True, ensure_ascii=False)
        digest = entry_hash(prev, discussion_id, at, self.by, action, body)
        self.conn.execute(
            "INSERT INTO audit (discussion_id, at, by, action, detail, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (discussion_id, at, self.by, action, body, prev, digest),
        )
        if discussion_id is not None:
            self._touched.add(discussion_id)

    # Discussions -----------------------------------------------------------------------

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
        cursor = self.conn.execute(
            "INSERT INTO discussion (reference, year, seq, procedure, categories, concern_at, "
            "opened_at, summary, referrer, follows_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
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
            ),
        )
        discussion_id = cursor.lastrowid
        discussion.reference = reference
        self.audit(discussion_id, "open", opening(reference, discussion))
        for child in discussion.children:
            self.add_child(reference, child)
        return reference

    def follow_ups(self, reference: str) -> list[tuple[str, str | None]]:
        """The discussions that follow this one: each reference and when it was due (as stored)."""
        return [
            (row[0], row[1])
            for row in self.conn.execute(
                "SELECT reference, discussion_due FROM discussion WHERE follows_id = ? ORDER BY id",
                (self._id(reference),),
            )
        ]

    def update_discussion(self, reference: str, action: str, changes: dict, note: str | None = None) -> None:
        """Set columns of the discussion itself (held, status, summary), old values audited."""
        row = self.store._discussion_row(reference)
        old = {column: _from_column(column, row[column]) for column in changes}
        new = {column: _plain(value) for column, value in changes.items()}
        assignments = ", ".join(f"{column} = ?" for column in new)
        values = [_to_column(column, value) for column, value in new.items()]
        self.conn.execute(f"UPDATE discussion SET {assignments} WHERE id = ?", (*values, row["id"]))
        detail: dict[str, object] = {"old": old, "new": new}
        if note:
            detail["note"] = note
        self.audit(row["id"], action, detail)

    def keep_unfinished_new(self, answers: dict) -> None:
        """Keep what an interrupted `new` was told, replacing any earlier unfinished one."""
        self.conn.execute(
            "INSERT OR REPLACE INTO unfinished_new (by, started_at, answers) VALUES (?, ?, ?)",
            (self.by, stored(self.at), json.dumps(answers, ensure_ascii=False)),
        )

    def drop_unfinished_new(self) -> None:
        self.conn.execute("DELETE FROM unfinished_new WHERE by = ?", (self.by,))

    # Children --------------------------------------------------------------------------

    def add_child(self, reference: str, child: Child) -> None:
        discussion_id = self._id(reference)
        position = self.conn.execute(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM child WHERE discussion_id = ?", (discussion_id,)
        ).fetchone()[0]
        row = _child_row(child)
        self.conn.execute(
            f"INSERT INTO child (discussion_id, position, {', '.join(row)}) "
            f"VALUES (?, ?, {', '.join('?' * len(row))})",
            (discussion_id, position, *row.values()),
        )
        self.audit(discussion_id, "child.add", {"new": snapshot(child)})

    def _child_named(self, discussion_id: int, reference: str, name: str) -> sqlite3.Row:
        """The first child (by position) with that name; none is an error naming it."""
        found = self.conn.execute(
            "SELECT * FROM child WHERE discussion_id = ? AND name = ? ORDER BY position",
            (discussion_id, name),
        ).fetchone()
        if found is None:
            raise StrategyError(f"{reference} has no child named {name!r}")
        return found

    def edit_child(self, reference: str, name: str, child: Child) -> None:
        discussion_id = self._id(reference)
        found = self._child_named(discussion_id, reference, name)
        old = _child(found)
        row = _child_row(child)
        self.conn.execute(
            f"UPDATE child SET {', '.join(f'{c} = ?' for c in row)} WHERE id = ?",
            (*row.values(), found["id"]),
        )
        self.audit(discussion_id, "child.edit", {"old": snapshot(old), "new": snapshot(child)})

    def remove_child(self, reference: str, name: str, reason: str | None = None) -> None:
        """Take out a child entered by mistake; the trail keeps every detail that was recorded."""
        discussion_id = self._id(reference)
        found = self._child_named(discussion_id, reference, name)
        self.conn.execute("DELETE FROM child WHERE id = ?", (found["id"],))
        detail: dict[str, object] = {"old": snapshot(_child(found)), "new": None}
        if reason:
            detail["note"] = reason
        self.audit(discussion_id, "child.remove", detail)

    # Attendees ---------------------------------------------------------------------------

    def _attendee_named(self, discussion_id: int, name: str) -> sqlite3.Row | None:
        """The attendee of that name, whatever its case (one entry a person)."""
        return self.conn.execute(
            "SELECT * FROM attendee WHERE discussion_id = ? AND name = ? COLLATE NOCASE",
            (discussion_id, name),
        ).fetchone()

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
                "INSERT INTO attendee (discussion_id, name, agency, role, attendance) VALUES (?, ?, ?, ?, ?)",
                (discussion_id, attendee.name, attendee.agency, attendee.role, attendee.attendance),
            )
            self.audit(discussion_id, "attend", {"new": snapshot(attendee)})
            return "added"
        old = _attendee(found)
        self.conn.execute(
            "UPDATE attendee SET name = ?, agency = ?, role = ?, attendance = ? WHERE id = ?",
            (attendee.name, attendee.agency, attendee.role, attendee.attendance, found["id"]),
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
        self.conn.execute(
            f"INSERT OR REPLACE INTO decision (discussion_id, {', '.join(row)}) "
            f"VALUES (?, {', '.join('?' * len(row))})",
            (discussion_id, *row.values()),
        )
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
            self.conn.execute(
                "INSERT OR REPLACE INTO answer (discussion_id, question_id, value, answered_at, answered_by) "
                "VALUES (?, ?, ?, ?, ?)",
                (discussion_id, question_id, json.dumps(value, ensure_ascii=False), stored(self.at), self.by),
            )
            changes[question_id] = {"old": old, "new": value}
        if len(changes) == 1:
            ((question_id, change),) = changes.items()
            self.audit(discussion_id, "answer", {"question": question_id, **change})
        elif changes:
            self.audit(discussion_id, "answers", {"answers": changes})
        return len(changes)

    # Actions ---------------------------------------------------------------------------------

    def add_action(self, reference: str, action: Action) -> int:
        discussion_id = self._id(reference)
        number = self.conn.execute(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM action WHERE discussion_id = ?", (discussion_id,)
        ).fetchone()[0]
        action.number = number
        self._write_action(discussion_id, action)
        self.audit(discussion_id, "action.add", {"new": snapshot(action)})
        return number

    def action(self, reference: str, number: int) -> Action:
        discussion_id = self._id(reference)
        row = self.conn.execute(
            "SELECT * FROM action WHERE discussion_id = ? AND number = ?", (discussion_id, number)
        ).fetchone()
        if row is None:
            raise StrategyError(f"{reference} has no action {number}")
        return _action(row)

    def change_action(self, reference: str, action: Action, what: str) -> None:
        discussion_id = self._id(reference)
        old = self.action(reference, action.number)
        self._write_action(discussion_id, action)
        self.audit(discussion_id, what, {"old": snapshot(old), "new": snapshot(action)})

    def _write_action(self, discussion_id: int, action: Action) -> None:
        row = {name: _plain(value) for name, value in asdict(action).items()}
        self.conn.execute(
            f"INSERT OR REPLACE INTO action (discussion_id, {', '.join(row)}) "
            f"VALUES (?, {', '.join('?' * len(row))})",
            (discussion_id, *row.values()),
        )

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
        self.conn.execute(
            "INSERT OR REPLACE INTO event (discussion_id, event, at) VALUES (?, ?, ?)",
            (discussion_id, event, stored(at)),
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

        A discussion held also clears the review deadline of the one it follows, and a
        follow-up is due when the earlier decision says, so both neighbours are recomputed too.
        """
        from . import settings

        touched = set(self._touched)
        for discussion_id in list(touched):
            follows = self.conn.execute(
                "SELECT follows_id FROM discussion WHERE id = ?", (discussion_id,)
            ).fetchone()
            if follows and follows[0] is not None:
                touched.add(follows[0])
            touched.update(
                row[0]
                for row in self.conn.execute(
                    "SELECT id FROM discussion WHERE follows_id = ?", (discussion_id,)
                )
            )
        for discussion_id in sorted(touched):
            row = self.conn.execute("SELECT * FROM discussion WHERE id = ?", (discussion_id,)).fetchone()
            discussion = self.store._load(row)
            profile = settings.profile(discussion.procedure)
            calendar = self.bank_holidays(profile.calendar_country, profile.calendar_subdivision)
            pending = rules.deadlines(discussion, profile, calendar)
            due = rules.discussion_due(discussion, profile, calendar)
            quorate = rules.settled_quoracy(discussion, profile, due)
            self.conn.execute("DELETE FROM deadline WHERE discussion_id = ?", (discussion_id,))
            self.conn.executemany(
                "INSERT INTO deadline (discussion_id, key, kind, title, due_at, rule) VALUES (?, ?, ?, ?, ?, ?)",
                [(discussion_id, d.key, d.kind, d.title, stored(d.due_at), d.rule) for d in pending],
            )
            self.conn.execute(
                "UPDATE discussion SET discussion_due = ?, rules_fingerprint = ?, quorate = ? WHERE id = ?",
                (stored(due), settings.profile_fingerprint(discussion.procedure), quorate, discussion_id),
            )

    def bank_holidays(self, country: str, subdivision: str | None) -> BankHolidays:
        """Bank holidays read from the database, computed (and saved) once per year needed.

        Importing and building the ``holidays`` calendar costs more than a whole command;
        after the first command of a year, the dates are one small row away.
        """
        calendar = f"{country}-{subdivision or ''}"

        def load_year(year: int):
            row = self.conn.execute(
                "SELECT days FROM bank_holidays WHERE calendar = ? AND year = ?", (calendar, year)
            ).fetchone()
            if row is not None:
                return [date.fromisoformat(day) for day in json.loads(row[0])]
            from . import settings

            days = sorted(settings.bank_holidays(country, subdivision).load_year(year))
            self.conn.execute(
                "INSERT OR REPLACE INTO bank_holidays (calendar, year, days) VALUES (?, ?, ?)",
                (calendar, year, json.dumps([day.isoformat() for day in days])),
            )
            return days

        return BankHolidays(load_year)


def opening(reference: str, discussion: Discussion) -> dict:
    """The audit detail of opening a discussion: everything a replay needs to start from."""
    return {
        "new": {
            "reference": reference,
            "procedure": discussion.procedure,
            "categories": discussion.categories,
            "concern_at": stored(discussion.concern_at),
            "opened_at": stored(discussion.opened_at),
            "summary": discussion.summary,
            "referrer": discussion.referrer,
            "follows": discussion.follows,
        }
    }


def _child_row(child: Child) -> dict:
    return {name: _plain(value) for name, value in asdict(child).items()}


def entry_hash(prev: str, discussion_id: int | None, at: str, by: str, action: str, detail: str) -> str:
    """SHA-256 over the entry's content and the previous entry's hash (a tamper-evident chain)."""
    content = json.dumps([prev, discussion_id, at, by, action, detail], ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
