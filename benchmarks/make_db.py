"""Build a synthetic, obviously fictional database of strategy discussions for the benchmarks.

    python benchmarks/make_db.py --discussions 100000 --db benchmarks/100k.db [--open 300] [--seed 1]

Everything goes through the project's own storage layer (``strategy_cli.store``: ``Store``,
``Writer``), so the file has the real schema, indexes, audit hash chain and stored deadlines,
exactly as the commands would have written them. It is one transaction and deterministic
for a seed: the same arguments give the same rows (and the same audit hashes).

Ten years of discussions (January 2016 to ``NOW``): the ``--open`` most recent ones (spread
over the 60 days before ``NOW``, whatever ``--discussions`` is, so a 1k and a 100k database
have boards of the same shape) are open with pending deadlines; all the others are held,
decided, followed up and closed. Per discussion: 1 to 4 children, 4 to 8 attendees, about 20
checklist answers (real question ids of the procedure's profile), 2 to 6 actions, a decision,
and the audit trail the ``Writer`` writes (one entry per call).

Names are invented and say so: "Ava Example-123", "Test Child 4567".

Speed: the ``Writer``'s per-call bookkeeping that a bulk load can skip without changing a
single byte of the result is skipped by ``BulkWriter`` below (see its docstring); ``--plain``
uses the ``Writer`` untouched, to compare (about twice as slow).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from strategy_cli import settings  # noqa: E402
from strategy_cli.domain import rules  # noqa: E402
from strategy_cli.domain.calendar import local, stored  # noqa: E402
from strategy_cli.domain.model import Action, Attendee, Child, Decision, Discussion  # noqa: E402
from strategy_cli.store import GENESIS, Store, Writer, _plain, opening, snapshot  # noqa: E402

# The fixed instant the data is built around: the benchmarks run with STRATEGY_NOW set to it.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START = datetime(2016, 1, 4, 9, 0, tzinfo=UTC)
OPEN_SPAN = timedelta(days=60)
H = timedelta(hours=1)
D = timedelta(days=1)

PROCEDURES = ("hampshire", "hampshire", "hampshire", "west-midlands")
FIRST = ("Ava", "Noah", "Mia", "Leo", "Isla", "Oscar", "Ivy", "Theo", "Freya", "Arlo", "Lily", "Finn")
FAMILY = ("Example", "Sample", "Placeholder", "Fictional", "Specimen", "Dummy", "Testcase")
STAFF = (
    ("social-care", "Team manager"),
    ("health", "School nurse"),
    ("police", "Detective sergeant"),
    ("education", "Designated safeguarding lead"),
    ("paediatrician", "Consultant paediatrician"),
    ("health", "Health visitor"),
    ("adult-mental-health", "Care coordinator"),
    ("domestic-abuse", "IDVA"),
    ("lado", "LADO"),
    ("youth-justice", "Case manager"),
)
TASKS = (
    "Request GP and health visitor records",
    "Joint visit to see the child at home",
    "Arrange the initial child protection conference",
    "Check police records for the household",
    "Speak to the school about attendance",
    "Arrange a child protection medical",
    "Share the outcome with the referrer",
    "Complete the single assessment",
)
PHRASES = (
    "Fictional text for benchmarking only.",
    "The school reported a concern; the details here are invented.",
    "Agencies agreed to share information today.",
    "No further information at this time.",
    "Discussed with the family's allocated worker (fictional).",
)


def child_name(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"Test Child {rng.randrange(10_000):04d}"
    return f"{rng.choice(FIRST)} {rng.choice(FAMILY)}-{rng.randrange(1000)}"


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(FAMILY)}-{rng.randrange(1000)}"


class BulkWriter(Writer):
    """The ``Writer``, with what a single-writer bulk load can know kept in memory.

    ``Writer``'s methods each read the database before they write (the discussion's row by
    reference, the last audit hash, whether the answer, attendee or event already exists, the
    next action number or child position) and refresh every touched discussion's deadlines
    at commit by reloading it with seven queries. Inside one ``BEGIN IMMEDIATE`` transaction
    nothing else writes, so for the discussions this writer opened all of that is known:
    this class answers those reads from memory, buffers the inserts and sends them with
    ``executemany`` every ``FLUSH_EVERY`` discussions, and computes the deadlines with the same
    domain functions (``rules.deadlines``, ``rules.discussion_due``, the same profiles and the
    bank holidays stored in the file) from the ``Discussion`` objects it was given.

    The rows, the audit details and the hash chain are byte for byte those of the plain
    ``Writer`` (``make_db.py --check`` builds a small database both ways and compares every
    table). Anything outside what it knows (a second answer to the same question, an
    attendee's name again, a discussion it did not open) flushes and falls back to
    ``Writer``'s own method.
    """

    FLUSH_EVERY = 500

    def __init__(self, store: Store, by: str, at: datetime):
        super().__init__(store, by, at)
        conn = self.conn
        last = conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        self._last_hash = last[0] if last else GENESIS
        self._next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM discussion").fetchone()[0]
        self._seq: dict[int, int] = {}
        self._ids: dict[str, int] = {}
        self._built: dict[int, Discussion] = {}
        self._rows: dict[int, dict] = {}  # the discussion columns update_discussion audits
        self._known: dict[int, dict[str, set]] = {}
        self._buffer: dict[str, list[tuple]] = {sql: [] for sql in INSERTS.values()}
        self._at: tuple[datetime, str] | None = None
        self._opened = 0
        self._answers: dict[tuple, tuple[str, str]] = {}

    # Memory --------------------------------------------------------------------------------

    def _stored_at(self) -> str:
        if self._at is None or self._at[0] is not self.at:
            self._at = (self.at, stored(self.at))
        return self._at[1]

    def _add(self, table: str, row: tuple) -> None:
        self._buffer[INSERTS[table]].append(row)

    def flush(self) -> None:
        for sql, rows in self._buffer.items():
            if rows:
                self.conn.executemany(sql, rows)
                rows.clear()

    def _mine(self, reference: str) -> int | None:
        return self._ids.get(reference)

    def _seen(self, discussion_id: int, what: str, key) -> bool:
        """Whether ``key`` was already written (and note it if not)."""
        seen = self._known[discussion_id][what]
        if key in seen:
            return True
        seen.add(key)
        return False

    # The audit trail ---------------------------------------------------------------------

    def audit(self, discussion_id, action, detail, body=None):
        prev = self._last_hash
        at = self._stored_at()
        if body is None:
            body = json.dumps(detail, sort_keys=True, ensure_ascii=False)
        digest = fast_entry_hash(prev, discussion_id, at, self.by, action, body)
        self._add("audit", (discussion_id, at, self.by, action, body, prev, digest))
        self._last_hash = digest
        if discussion_id is not None:
            self._touched.add(discussion_id)

    def _fallback(self):
        """Before a ``Writer`` method reads the database: write what is buffered first."""
        self.flush()
        return super()

    # Discussions --------------------------------------------------------------------------

    def open_discussion(self, discussion: Discussion) -> str:
        if discussion.follows:
            reference = self._fallback().open_discussion(discussion)
            self._next_id += 1
            self._seq.pop(local(discussion.opened_at).year, None)
            return reference
        year = local(discussion.opened_at).year
        if year not in self._seq:
            self._seq[year] = self.conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM discussion WHERE year = ?", (year,)
            ).fetchone()[0]
        self._seq[year] += 1
        seq = self._seq[year]
        reference = f"SD-{year}-{seq:04d}"
        discussion_id = self._next_id
        self._next_id += 1
        self.conn.execute(
            "INSERT INTO discussion (id, reference, year, seq, procedure, categories, concern_at, "
            "opened_at, summary, referrer, follows_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                None,
            ),
        )
        discussion.reference = reference
        self._ids[reference] = discussion_id
        self._rows[discussion_id] = dict.fromkeys(DISCUSSION_COLUMNS)
        self._rows[discussion_id]["status"] = "open"
        self._known[discussion_id] = {what: set() for what in KNOWN}
        self.audit(discussion_id, "open", opening(reference, discussion))
        for child in discussion.children:
            self.add_child(reference, child)
        self._built[discussion_id] = discussion
        self._opened += 1
        if self._opened % self.FLUSH_EVERY == 0:
            self.flush()
        return reference

    def update_discussion(self, reference, action, changes, note=None):
        discussion_id = self._mine(reference)
        row = self._rows.get(discussion_id)
        if row is None or any(column not in row for column in changes):
            return self._fallback().update_discussion(reference, action, changes, note)
        old = {column: row[column] for column in changes}
        new = {column: _plain(value) for column, value in changes.items()}
        assignments = ", ".join(f"{column} = ?" for column in new)
        self.conn.execute(f"UPDATE discussion SET {assignments} WHERE id = ?", (*new.values(), discussion_id))
        row.update(new)
        detail = {"old": old, "new": new}
        if note:
            detail["note"] = note
        self.audit(discussion_id, action, detail)

    # The rest: each the Writer's own write, minus the read --------------------------------

    def add_child(self, reference, child):
        discussion_id = self._mine(reference)
        if discussion_id is None:
            return self._fallback().add_child(reference, child)
        known = self._known[discussion_id]["child"]
        position = len(known) + 1
        known.add(position)
        row = {name: _plain(getattr(child, name)) for name in CHILD_COLUMNS}
        self._add("child", (discussion_id, position, *row.values()))
        self.audit(discussion_id, "child.add", {"new": snapshot(child)})

    def attend(self, reference, attendee):
        discussion_id = self._mine(reference)
        if discussion_id is None or attendee.name.lower() in self._known[discussion_id]["attendee"]:
            return self._fallback().attend(reference, attendee)
        self._known[discussion_id]["attendee"].add(attendee.name.lower())
        self._add(
            "attendee", (discussion_id, attendee.name, attendee.agency, attendee.role, attendee.attendance)
        )
        self.audit(discussion_id, "attend", {"new": snapshot(attendee)})
        return "added"

    def decide(self, reference, decision, action="decide"):
        discussion_id = self._mine(reference)
        if discussion_id is None or self._seen(discussion_id, "decision", True):
            return self._fallback().decide(reference, decision, action)
        row = {name: _plain(getattr(decision, name)) for name in DECISION_COLUMNS}
        self._add("decision", (discussion_id, *row.values()))
        self.audit(discussion_id, action, {"old": None, "new": snapshot(decision)})

    def answer(self, reference, question_id, value):
        discussion_id = self._mine(reference)
        if discussion_id is None or self._seen(discussion_id, "answer", question_id):
            return self._fallback().answer(reference, question_id, value)
        # A first answer's audit detail depends on the question and the value only: the
        # generator's values come from a few phrases, so each text is encoded once.
        key = (question_id, type(value), value)
        encoded = self._answers.get(key)
        if encoded is None:
            detail = {"question": question_id, "old": None, "new": value}
            encoded = (
                json.dumps(value, ensure_ascii=False),
                json.dumps(detail, sort_keys=True, ensure_ascii=False),
            )
            self._answers[key] = encoded
        self._add("answer", (discussion_id, question_id, encoded[0], self._stored_at(), self.by))
        self.audit(discussion_id, "answer", None, encoded[1])

    def add_action(self, reference, action):
        discussion_id = self._mine(reference)
        if discussion_id is None:
            return self._fallback().add_action(reference, action)
        known = self._known[discussion_id]["action"]
        action.number = len(known) + 1
        known.add(action.number)
        row = {name: _plain(getattr(action, name)) for name in ACTION_COLUMNS}
        self._add("action", (discussion_id, *row.values()))
        self.audit(discussion_id, "action.add", {"new": snapshot(action)})
        return action.number

    def record_event(self, reference, event, at):
        discussion_id = self._mine(reference)
        if discussion_id is None or self._seen(discussion_id, "event", event):
            return self._fallback().record_event(reference, event, at)
        self._add("event", (discussion_id, event, stored(at)))
        self.audit(discussion_id, "record", {"event": event, "old": None, "new": stored(at)})

    # Deadlines ----------------------------------------------------------------------------

    def refresh_deadlines(self) -> None:
        self.flush()
        others = self._touched - self._built.keys()
        # Newer schemas also store which version of the profile the deadlines came from.
        columns = {row[1] for row in self.conn.execute("PRAGMA table_info(discussion)")}
        fingerprint = getattr(settings, "profile_fingerprint", None)
        if "rules_fingerprint" not in columns:
            fingerprint = None
        calendars = {}
        rows = []
        dues = []
        for discussion_id, discussion in self._built.items():
            profile = settings.profile(discussion.procedure)
            key = (profile.calendar_country, profile.calendar_subdivision)
            if key not in calendars:
                calendars[key] = self.bank_holidays(*key)
            calendar = calendars[key]
            for d in rules.deadlines(discussion, profile, calendar):
                rows.append((discussion_id, d.key, d.kind, d.title, stored(d.due_at), d.rule))
            due = stored(rules.discussion_due(discussion, profile, calendar))
            if fingerprint is None:
                dues.append((due, discussion_id))
            else:
                dues.append((due, fingerprint(discussion.procedure), discussion_id))
        self.conn.executemany(INSERTS["deadline"], rows)
        if fingerprint is None:
            self.conn.executemany("UPDATE discussion SET discussion_due = ? WHERE id = ?", dues)
        else:
            self.conn.executemany(
                "UPDATE discussion SET discussion_due = ?, rules_fingerprint = ? WHERE id = ?", dues
            )
        if others:
            self._touched = others
            super().refresh_deadlines()


def fast_entry_hash(prev: str, discussion_id: int | None, at: str, by: str, action: str, detail: str) -> str:
    """``store.entry_hash``, its JSON array written by hand: the same bytes in a fifth of the time.

    ``json.dumps([...], ensure_ascii=False)`` of strings and an int is each string through
    ``encode_basestring`` joined by ", " (``make_db.py --check`` compares the chains).
    """
    number = "null" if discussion_id is None else str(int(discussion_id))
    content = (
        f"[{encode_basestring(prev)}, {number}, {encode_basestring(at)}, {encode_basestring(by)}, "
        f"{encode_basestring(action)}, {encode_basestring(detail)}]"
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _columns(kind) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


CHILD_COLUMNS = _columns(Child)
DECISION_COLUMNS = _columns(Decision)
ACTION_COLUMNS = _columns(Action)
KNOWN = ("child", "attendee", "answer", "event", "action", "decision")
DISCUSSION_COLUMNS = ("status", "held_at", "held_format", "chair", "closed_reason", "summary")


def _insert(table: str, columns: tuple[str, ...], verb: str = "INSERT") -> str:
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


INSERTS = {
    "audit": _insert("audit", ("discussion_id", "at", "by", "action", "detail", "prev_hash", "hash")),
    "child": _insert("child", ("discussion_id", "position", *CHILD_COLUMNS)),
    "attendee": _insert("attendee", ("discussion_id", "name", "agency", "role", "attendance")),
    "decision": _insert("decision", ("discussion_id", *DECISION_COLUMNS), "INSERT OR REPLACE"),
    "answer": _insert(
        "answer", ("discussion_id", "question_id", "value", "answered_at", "answered_by"), "INSERT OR REPLACE"
    ),
    "action": _insert("action", ("discussion_id", *ACTION_COLUMNS), "INSERT OR REPLACE"),
    "event": _insert("event", ("discussion_id", "event", "at"), "INSERT OR REPLACE"),
    "deadline": _insert("deadline", ("discussion_id", "key", "kind", "title", "due_at", "rule")),
}


def build_one(
    writer: Writer, rng: random.Random, concern_at: datetime, is_open: bool, procedure: str, questions
) -> None:
    """One discussion and everything recorded about it, each write at its own time."""
    categories = ["standard"]
    roll = rng.random()
    if roll < 0.08:
        categories = ["allegation-against-staff"]
    elif roll < 0.2:
        categories = ["serious-harm"]
    children = []
    for _ in range(rng.randint(1, 4)):
        born = concern_at.date() - timedelta(days=rng.randrange(200, 17 * 365))
        children.append(
            Child(
                child_name(rng),
                dob=born,
                looked_after=rng.random() < 0.1,
                medical=rng.random() < 0.1,
                interpreter="Polish" if rng.random() < 0.03 else None,
            )
        )
    opened_at = concern_at + timedelta(minutes=rng.randrange(10, 180))
    discussion = Discussion(
        reference="",
        procedure=procedure,
        categories=categories,
        concern_at=concern_at,
        opened_at=opened_at,
        summary=f"{rng.choice(PHRASES)} (synthetic record {rng.randrange(10**6)})",
        referrer=f"Fictional School {rng.randrange(500)}",
        children=children,
    )
    writer.at = opened_at
    reference = writer.open_discussion(discussion)

    # Open ones: one in five not yet held (no decision, actions or answers beyond a few).
    held = not is_open or rng.random() < 0.8
    writer.at = opened_at + timedelta(minutes=30)
    names = set()
    for agency, role in rng.sample(STAFF, rng.randint(4, 8)):
        attendance = "present" if rng.random() < 0.85 else rng.choice(("apologies", "information-only"))
        name = person(rng)
        while name.lower() in names:  # the same name again would correct the first entry
            name = person(rng)
        names.add(name.lower())
        attendee = Attendee(name, agency, role, attendance)
        writer.attend(reference, attendee)
        discussion.attendees.append(attendee)

    answered = rng.sample(questions, rng.randint(18, 22) if held else rng.randint(2, 6))
    if not held:
        writer.at = opened_at + H
        for question in answered:
            value = rng.random() < 0.5 if question.type == "yes-no" else rng.choice(PHRASES)
            writer.answer(reference, question.id, value)
            discussion.answers[question.id] = value
        return

    held_at = concern_at + timedelta(hours=rng.randrange(2, 60))
    writer.at = held_at
    changes = {"held_at": held_at, "held_format": rng.choice(("face-to-face", "virtual", "telephone"))}
    changes["chair"] = person(rng)
    writer.update_discussion(reference, "held", changes)
    discussion.held_at, discussion.held_format, discussion.chair = (
        held_at,
        changes["held_format"],
        changes["chair"],
    )

    writer.at = held_at + H
    for question in answered:
        value = rng.random() < 0.5 if question.type == "yes-no" else rng.choice(PHRASES)
        writer.answer(reference, question.id, value)
        discussion.answers[question.id] = value

    s47 = rng.random() < 0.45
    further = rng.random() < 0.1
    withholding = rng.random() < 0.1
    decision = Decision(
        s47=s47,
        police_investigation=s47 and rng.random() < 0.5,
        rationale=rng.choice(PHRASES),
        share="That agencies are working together (fictional).",
        withholding=withholding,
        withhold="Police enquiries (fictional)." if withholding else None,
        withhold_rationale="It may prejudice an investigation (fictional)." if withholding else None,
        further_by=held_at + 14 * D if further else None,
        decided_at=held_at + H,
    )
    writer.at = held_at + 2 * H
    writer.decide(reference, decision)
    discussion.decision = decision

    for _ in range(rng.randint(2, 6)):
        agency, _role = rng.choice(STAFF)
        due_at = held_at + timedelta(days=rng.randrange(1, 30))
        done_at = None
        if not is_open or rng.random() < 0.3:
            done_at = min(due_at, NOW) - timedelta(hours=rng.randrange(0, 24))
        action = Action(
            0, rng.choice(TASKS), person(rng), agency, due_at, held_at, done_at, rng.random() < 0.3
        )
        writer.add_action(reference, action)
        discussion.actions.append(action)

    events = []
    if not is_open or rng.random() < 0.5:
        events.append(("referrer-informed", held_at + 3 * H))
    if not is_open or rng.random() < 0.3:
        events.append(("record-circulated", held_at + D))
    if s47 and (not is_open or rng.random() < 0.5):
        events.append(("child-seen", held_at + 6 * H))
    if not is_open:
        if s47:
            events.append(("icpc-held", held_at + 12 * D))
        if "allegation-against-staff" in categories:
            events.append(("lado-informed", held_at + 2 * H))
        if further:
            events.append(("review-held", held_at + 13 * D))
    for event, at in events:
        writer.at = at
        writer.record_event(reference, event, at)
        discussion.events[event] = at

    if not is_open:
        writer.at = held_at + 40 * D
        writer.update_discussion(
            reference, "close", {"status": "closed", "closed_reason": "Synthetic: closed."}
        )
        discussion.status = "closed"


def concern_times(count: int, open_count: int, rng: random.Random) -> list[datetime]:
    """Closed ones spread from 2016 to 60 days ago, open ones over the last 60 days."""
    open_count = min(open_count, count)
    closed = count - open_count
    times = []
    closed_span = (NOW - OPEN_SPAN - 45 * D) - START
    for i in range(closed):
        times.append(START + closed_span * (i / max(closed, 1)) + timedelta(minutes=rng.randrange(0, 600)))
    open_start = NOW - OPEN_SPAN
    for i in range(open_count):
        times.append(
            open_start + OPEN_SPAN * (i / max(open_count, 1)) + timedelta(minutes=rng.randrange(0, 60))
        )
    return times


@contextmanager
def writing(store: Store, by: str, at: datetime, kind: type[Writer]) -> Iterator[Writer]:
    """``Store.writing`` (one ``BEGIN IMMEDIATE`` transaction, deadlines refreshed at commit),
    with the ``Writer`` class chosen by the caller."""
    store.conn.execute("BEGIN IMMEDIATE")
    writer = kind(store, by, at)
    try:
        yield writer
        writer.refresh_deadlines()
        store.conn.execute("COMMIT")
    except BaseException:
        store.conn.execute("ROLLBACK")
        raise


def build(
    path: Path, count: int, open_count: int, seed: int, plain: bool = False, journal: bool = False
) -> None:
    rng = random.Random(seed)
    store = Store(path)
    conn = store.conn
    # A bulk load writes far more pages than the default 2 MiB cache holds before it commits.
    conn.execute("PRAGMA cache_size = -262144")
    if not journal:
        # A new file that is deleted if the build fails needs no journal: the write-ahead log
        # would write every page twice (the log, then the checkpoint). Back to WAL at the end,
        # as every command's connection expects (and would set) it.
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
    questions = {
        procedure: [q for q in settings.profile(procedure).questions if not q.decision]
        for procedure in set(PROCEDURES)
    }
    times = concern_times(count, open_count, rng)
    first_open = count - min(open_count, count)
    with writing(store, "bench.builder", START, Writer if plain else BulkWriter) as writer:
        for index, concern_at in enumerate(times):
            procedure = rng.choice(PROCEDURES)
            build_one(writer, rng, concern_at, index >= first_open, procedure, questions[procedure])
    if journal:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA journal_mode = WAL")
    store.close()


def tables(path: Path) -> dict[str, str]:
    """A digest of every table's rows (but sqlite-utils' own, which holds the time it ran)."""
    conn = sqlite3.connect(path)
    digests = {}
    names = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' "
        "ORDER BY name"
    )
    for (table,) in names.fetchall():
        digest = hashlib.sha256()
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3"):
            digest.update(repr(tuple(row)).encode())
        digests[table] = digest.hexdigest()
    conn.close()
    return digests


def check(count: int = 400, open_count: int = 120, seed: int = 7) -> bool:
    """Build a small database with the plain ``Writer`` and with ``BulkWriter``; compare."""
    with tempfile.TemporaryDirectory() as folder:
        plain, bulk = Path(folder, "plain.db"), Path(folder, "bulk.db")
        build(plain, count, open_count, seed, plain=True)
        build(bulk, count, open_count, seed)
        expected, got = tables(plain), tables(bulk)
    for table in expected:
        same = expected[table] == got.get(table)
        print(f"{table:15} {'same' if same else 'DIFFERENT'}")
    return expected == got


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--discussions", type=int, default=1000, help="How many discussions.")
    parser.add_argument("--db", type=Path, help="The database file to create.")
    parser.add_argument("--open", type=int, default=300, help="How many of the most recent are open.")
    parser.add_argument("--seed", type=int, default=1, help="Random seed (same seed, same database).")
    parser.add_argument("--plain", action="store_true", help="Use the store's Writer unchanged (slower).")
    parser.add_argument("--force", action="store_true", help="Replace an existing file.")
    parser.add_argument(
        "--check",
        action="store_true",
        help="Only check that BulkWriter writes exactly what the plain Writer writes (small build).",
    )
    args = parser.parse_args(argv)
    if args.check:
        return 0 if check() else 1
    if args.db is None:
        parser.error("--db is required")
    if args.db.exists():
        if not args.force:
            parser.error(f"{args.db} exists (give --force to replace it)")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    build(args.db, args.discussions, args.open, args.seed, plain=args.plain)
    elapsed = time.perf_counter() - started
    size = args.db.stat().st_size
    print(
        f"{args.db}: {args.discussions:,} discussions ({min(args.open, args.discussions):,} open) "
        f"in {elapsed:.1f} s, {size / 2**20:.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
