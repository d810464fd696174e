"""Build a synthetic, obviously fictional database of strategy discussions for the benchmarks.

    python benchmarks/make_db.py --discussions 100000 --db benchmarks/100k.db [--open 300] [--seed 1]

The file is created by the project's own storage layer (``strategy_cli.store.Store``: the
real schema, migrations and indexes), and its rows are those the ``Writer`` writes (audit hash
chain and stored deadlines included): ``--plain`` makes every write through ``Writer`` itself,
and the default fast path writes the very same rows (``--check`` proves it on a small build). It is one transaction and deterministic
for a seed: the same arguments give the same rows (and the same audit hashes).

Ten years of discussions (January 2016 to ``NOW``): the ``--open`` most recent ones (spread
over the 60 days before ``NOW``, whatever ``--discussions`` is, so a 1k and a 100k database
have boards of the same shape) are open with pending deadlines; all the others are held,
decided, followed up and closed. Per discussion: 1 to 4 children, 4 to 8 attendees, about 20
checklist answers (real question ids of the procedure's profile), 2 to 6 actions, a decision,
and the audit trail the ``Writer`` writes (one entry per call: the checklist is answered with
one ``Writer.answers`` call, as one ``strategy checklist REF --answers FILE`` would).

Names are invented and say so: "Ava Example-123", "Test Child 4567".

Speed: ``bulk_load`` builds chunks of discussions in worker processes (one per CPU, ``--jobs``)
with ``BulkWriter``, which produces the rows the ``Writer`` would write from memory, while the
parent chains the audit hashes and inserts, in order (100,000 in about 47 s on 2 CPUs, against
about 240 s before). ``--plain`` uses the ``Writer`` untouched, to compare; ``--check`` builds
a small database both ways and compares every table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from json.encoder import encode_basestring
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from strategy_cli import settings  # noqa: E402
from strategy_cli.domain import rules  # noqa: E402
from strategy_cli.domain.calendar import BankHolidays, local, stored  # noqa: E402
from strategy_cli.domain.identifiers import nhs_check_digit  # noqa: E402
from strategy_cli.domain.model import Action, Attendee, Child, Decision, Discussion  # noqa: E402
from strategy_cli.store import GENESIS, Store, Writer, _plain, answers_entry, opening  # noqa: E402

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


def identifiers(rng: random.Random) -> dict[str, str | None]:
    """Most children with a case-system ID, many with an NHS number: a valid one from the
    999 range, which the NHS keeps for testing and never issues to a person."""
    case_id = f"LCS-{rng.randrange(10**7):07d}" if rng.random() < 0.8 else None
    nhs_number = None
    if rng.random() < 0.7:
        check = None
        while check is None:  # one first nine digits in eleven has no valid check digit
            first_nine = f"999{rng.randrange(10**6):06d}"
            check = nhs_check_digit(first_nine)
        nhs_number = f"{first_nine}{check}"
    return {"case_id": case_id, "nhs_number": nhs_number}


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(FAMILY)}-{rng.randrange(1000)}"


class BulkWriter:
    """The ``Writer``'s writes for new discussions, prepared in memory without a database.

    ``Writer``'s methods each read the database before they write (the discussion's row by
    reference, the last audit hash, whether the answer, attendee or event already exists, the
    next action number or child position) and refresh every touched discussion's deadlines
    at commit by reloading it with seven queries. For discussions it opens itself, inside a
    load nothing else writes to, all of that is known: this class keeps it in memory and
    produces the rows each table would end up holding, the discussion's final row (with
    its stored deadline, from the same ``rules.deadlines``, ``rules.discussion_due`` and
    profiles as ``Writer.refresh_deadlines``) and the audit entries *without* their hashes.

    Without the hash chain, a chunk of discussions needs nothing from the chunks before it
    but the first discussion id and each year's last reference number, so chunks can be
    prepared in worker processes while the parent chains the entries (``chain``) and
    inserts (``build``). The rows are byte for byte the plain ``Writer``'s (``make_db.py
    --check`` builds a small database both ways, through the worker pool with small
    chunks, and compares every table).

    It only handles what a load of new discussions does: a write it cannot answer from
    memory (a second answer to a question, an attendee's name again, a discussion it did
    not open, a follow-up discussion) raises ``NotImplementedError`` rather than guess.
    """

    def __init__(self, by: str, first_id: int, seq: dict[int, int], holidays: dict[tuple, str]):
        self.by = by
        self.at = START
        self._next_id = first_id
        self._seq = dict(seq)
        self._holidays = holidays  # (calendar, year) -> stored days: those already in the file
        self._new_holidays: dict[tuple, str] = {}
        self._calendars: dict[tuple, BankHolidays] = {}
        self._ids: dict[str, int] = {}
        self._built: dict[int, Discussion] = {}
        self._rows: dict[int, dict] = {}
        self._known: dict[int, dict[str, set]] = {}
        self.tables: dict[str, list[tuple]] = {table: [] for table in INSERTS if table != "audit"}
        self.audit_entries: list[tuple] = []  # (discussion_id, at, by, action, detail)
        self._at: tuple[datetime, str] | None = None
        self._pinned: set[str] = set()

    def _stored_at(self) -> str:
        if self._at is None or self._at[0] is not self.at:
            self._at = (self.at, stored(self.at))
        return self._at[1]

    def _mine(self, reference: str) -> int:
        discussion_id = self._ids.get(reference)
        if discussion_id is None:
            raise NotImplementedError(f"{reference} was not opened by this BulkWriter")
        return discussion_id

    def _first(self, discussion_id: int, what: str, key) -> None:
        """Note ``key`` as written; a second write of it would need the old value."""
        seen = self._known[discussion_id][what]
        if key in seen:
            raise NotImplementedError(f"a second {what} {key!r}: use the plain Writer")
        seen.add(key)

    def audit(self, discussion_id: int, action: str, detail: dict) -> None:
        self.audit_entries.append((discussion_id, self._stored_at(), self.by, action, ENCODE(detail)))

    # Discussions --------------------------------------------------------------------------

    def pin(self, procedure: str) -> str:
        """``Writer.pin``: the profile's version, its row written once."""
        version, body = settings.current_version(procedure)
        if version not in self._pinned:
            self._pinned.add(version)
            self.tables["procedure_version"].append((version, procedure, body, self._stored_at()))
        return version

    def open_discussion(self, discussion: Discussion) -> str:
        if discussion.follows:
            raise NotImplementedError("a follow-up discussion: use the plain Writer")
        discussion.procedure_version = self.pin(discussion.procedure)
        year = local(discussion.opened_at).year
        seq = self._seq[year] = self._seq.get(year, 0) + 1
        reference = f"SD-{year}-{seq:04d}"
        discussion_id = self._next_id
        self._next_id += 1
        discussion.reference = reference
        self._ids[reference] = discussion_id
        # The final row is written by ``finish``: the columns ``update_discussion`` sets so far.
        self._rows[discussion_id] = {
            "year": year,
            "seq": seq,
            "status": "open",
            **dict.fromkeys(DISCUSSION_COLUMNS[1:]),
            "summary": discussion.summary,
        }
        self._known[discussion_id] = {what: set() for what in KNOWN}
        self._built[discussion_id] = discussion
        self.audit(discussion_id, "open", opening(reference, discussion))
        for child in discussion.children:
            self.add_child(reference, child)
        return reference

    def update_discussion(self, reference, action, changes, note=None):
        discussion_id = self._mine(reference)
        row = self._rows[discussion_id]
        if any(column not in DISCUSSION_COLUMNS for column in changes):
            raise NotImplementedError(f"updating {sorted(changes)}: use the plain Writer")
        old = {column: row[column] for column in changes}
        new = {column: _plain(value) for column, value in changes.items()}
        row.update(new)
        detail = {"old": old, "new": new}
        if note:
            detail["note"] = note
        self.audit(discussion_id, action, detail)

    # The rest: each the Writer's own write, minus the read --------------------------------

    def add_child(self, reference, child):
        discussion_id = self._mine(reference)
        known = self._known[discussion_id]["child"]
        position = len(known) + 1
        known.add(position)
        row = fast_snapshot(child, CHILD_COLUMNS)
        columns = {k: v for k, v in row.items() if k != "seen"}  # a new child is not seen yet
        self.tables["child"].append((discussion_id, position, *columns.values(), None, None, None))
        self.audit(discussion_id, "child.add", {"new": row})

    def attend(self, reference, attendee):
        discussion_id = self._mine(reference)
        self._first(discussion_id, "attendee", attendee.name.lower())
        row = fast_snapshot(attendee, ATTENDEE_COLUMNS)
        self.tables["attendee"].append((discussion_id, *row.values()))
        self.audit(discussion_id, "attend", {"new": row})
        return "added"

    def decide(self, reference, decision, action="decide"):
        discussion_id = self._mine(reference)
        self._first(discussion_id, "decision", True)
        row = fast_snapshot(decision, DECISION_COLUMNS)
        self.tables["decision"].append((discussion_id, *row.values()))
        self.audit(discussion_id, action, {"old": None, "new": row})

    def answer(self, reference, question_id, value):
        self.answers(reference, {question_id: value})

    def answers(self, reference, given):
        """``Writer.answers`` for first answers: every one a change from nothing, one entry."""
        discussion_id = self._mine(reference)
        known = self._known[discussion_id]["answer"]
        if not known.isdisjoint(given):
            raise NotImplementedError("a question answered again: use the plain Writer")
        known.update(given)
        at = self._stored_at()
        add = self.tables["answer"].append
        changes = {}
        for question_id, value in given.items():
            add((discussion_id, question_id, json.dumps(value, ensure_ascii=False), at, self.by))
            changes[question_id] = {"old": None, "new": value}
        if changes:
            self.audit(discussion_id, *answers_entry(changes))

    def add_action(self, reference, action):
        discussion_id = self._mine(reference)
        known = self._known[discussion_id]["action"]
        action.number = len(known) + 1
        known.add(action.number)
        row = fast_snapshot(action, ACTION_COLUMNS)
        self.tables["action"].append((discussion_id, *row.values()))
        self.audit(discussion_id, "action.add", {"new": row})
        return action.number

    def record_event(self, reference, event, at):
        discussion_id = self._mine(reference)
        self._first(discussion_id, "event", event)
        self.tables["event"].append((discussion_id, event, stored(at)))
        self.audit(discussion_id, "record", {"event": event, "old": None, "new": stored(at)})

    # Deadlines and the discussion rows ------------------------------------------------------

    def _calendar(self, country: str, subdivision: str | None) -> BankHolidays:
        """``Writer.bank_holidays``: the days stored in the file, else computed (and noted)."""
        key = (country, subdivision)
        if key not in self._calendars:
            calendar = f"{country}-{subdivision or ''}"

            def load_year(year: int):
                days = self._holidays.get((calendar, year))
                if days is None:
                    computed = sorted(settings.bank_holidays(country, subdivision).load_year(year))
                    days = json.dumps([day.isoformat() for day in computed])
                    self._new_holidays[(calendar, year)] = days
                    self._holidays[(calendar, year)] = days
                return [date.fromisoformat(day) for day in json.loads(days)]

            self._calendars[key] = BankHolidays(load_year)
        return self._calendars[key]

    def finish(self) -> None:
        """``Writer.refresh_deadlines`` for every discussion opened, and their final rows."""
        for discussion_id, discussion in self._built.items():
            profile = settings.profile(discussion.procedure)  # the version it was pinned to
            calendar = self._calendar(profile.calendar_country, profile.calendar_subdivision)
            due = rules.discussion_due(discussion, profile, calendar)
            for d in rules.deadlines(discussion, profile, calendar):
                self.tables["deadline"].append(
                    (discussion_id, d.key, d.kind, d.title, stored(d.due_at), d.rule, stored(d.maximum_at))
                )
            row = self._rows[discussion_id]
            self.tables["discussion"].append(
                (
                    discussion_id,
                    discussion.reference,
                    row["year"],
                    row["seq"],
                    discussion.procedure,
                    json.dumps(discussion.categories),
                    stored(discussion.concern_at),
                    stored(discussion.opened_at),
                    *(row[column] for column in DISCUSSION_COLUMNS),
                    discussion.referrer,
                    None,  # follows_id
                    stored(due),
                    settings.rules_fingerprint(discussion.procedure_version),
                    rules.settled_quoracy(discussion, profile, due),
                    discussion.procedure_version,
                )
            )
        self.tables["bank_holidays"] = [(*key, days) for key, days in sorted(self._new_holidays.items())]
        self._built.clear()

    def __getstate__(self) -> dict:
        """A worker sends back only what ``bulk_load`` writes."""
        return {"tables": self.tables, "audit_entries": self.audit_entries}


def fast_snapshot(item, names: tuple[str, ...]) -> dict:
    """``store.snapshot`` with the dataclass's field names looked up once, not per call."""
    return {name: _plain(getattr(item, name)) for name in names}


# One encoder for every audit detail: ``json.dumps(detail, sort_keys=True, ensure_ascii=False)``
# (what ``Writer.audit`` writes) builds this same encoder anew on each call.
ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


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
# The child table keeps a sighting (``seen``) in three columns (schema 11).
CHILD_TABLE_COLUMNS = (*(c for c in CHILD_COLUMNS if c != "seen"), "seen_by", "seen_alone", "seen_at")
DECISION_COLUMNS = _columns(Decision)
ATTENDEE_COLUMNS = _columns(Attendee)
ACTION_COLUMNS = _columns(Action)
KNOWN = ("child", "attendee", "answer", "event", "action", "decision")
DISCUSSION_COLUMNS = ("status", "held_at", "held_format", "chair", "closed_reason", "summary")


def _insert(table: str, columns: tuple[str, ...], verb: str = "INSERT") -> str:
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


INSERTS = {  # in the order ``build`` inserts them: what a discussion points at first, for the foreign keys
    "procedure_version": _insert(
        "procedure_version", ("hash", "procedure", "body", "stored_at"), "INSERT OR IGNORE"
    ),
    "discussion": _insert(
        "discussion",
        (
            "id",
            "reference",
            "year",
            "seq",
            "procedure",
            "categories",
            "concern_at",
            "opened_at",
            *DISCUSSION_COLUMNS,
            "referrer",
            "follows_id",
            "discussion_due",
            "rules_fingerprint",
            "quorate",
            "procedure_version",
        ),
    ),
    "audit": _insert("audit", ("discussion_id", "at", "by", "action", "detail", "prev_hash", "hash")),
    "child": _insert("child", ("discussion_id", "position", *CHILD_TABLE_COLUMNS)),
    "attendee": _insert("attendee", ("discussion_id", *ATTENDEE_COLUMNS)),
    "decision": _insert("decision", ("discussion_id", *DECISION_COLUMNS), "INSERT OR REPLACE"),
    "answer": _insert(
        "answer", ("discussion_id", "question_id", "value", "answered_at", "answered_by"), "INSERT OR REPLACE"
    ),
    "action": _insert("action", ("discussion_id", *ACTION_COLUMNS), "INSERT OR REPLACE"),
    "event": _insert("event", ("discussion_id", "event", "at"), "INSERT OR REPLACE"),
    "deadline": _insert(
        "deadline", ("discussion_id", "key", "kind", "title", "due_at", "rule", "maximum_at")
    ),
    "bank_holidays": _insert("bank_holidays", ("calendar", "year", "days"), "INSERT OR REPLACE"),
}


def answer_checklist(
    writer: Writer, rng: random.Random, reference: str, discussion: Discussion, questions
) -> None:
    """The answers as a duty manager gives them: one ``strategy checklist REF --answers FILE``,
    so one ``Writer.answers`` call and one audit entry for them all."""
    given = {}
    for question in questions:
        given[question.id] = rng.random() < 0.5 if question.type == "yes-no" else rng.choice(PHRASES)
    writer.answers(reference, given)
    discussion.answers.update(given)


def build_one(writer: Writer | BulkWriter, slot: Slot) -> None:
    """One discussion and everything recorded about it, each write at its own time.

    Its random choices come from its own generator, seeded by the slot, so any process can
    build any discussion and get the same one.
    """
    rng = random.Random(slot.seed)
    ids = random.Random(-slot.seed)  # its own stream: the rest of the data is as it was before
    concern_at, opened_at, is_open, procedure = slot.concern_at, slot.opened_at, slot.is_open, slot.procedure
    questions = QUESTIONS[procedure]
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
                **identifiers(ids),
            )
        )
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
        answer_checklist(writer, rng, reference, discussion, answered)
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
    answer_checklist(writer, rng, reference, discussion, answered)

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


@dataclass(frozen=True)
class Slot:
    """What the schedule fixes about one discussion before it is built."""

    concern_at: datetime
    opened_at: datetime
    is_open: bool
    procedure: str
    seed: int


def schedule(count: int, open_count: int, seed: int) -> list[Slot]:
    """Every discussion's times, procedure and own seed, in the order they are opened.

    The opening times are fixed here, not while building, so that each year's reference
    numbers (``SD-YYYY-NNNN``, in order of opening) are known before any chunk is built.
    """
    rng = random.Random(seed)
    times = concern_times(count, open_count, rng)
    first_open = count - min(open_count, count)
    slots = []
    for index, concern_at in enumerate(times):
        procedure = rng.choice(PROCEDURES)
        opened_at = concern_at + timedelta(minutes=rng.randrange(10, 180))
        slots.append(Slot(concern_at, opened_at, index >= first_open, procedure, rng.getrandbits(64)))
    return slots


QUESTIONS = {
    procedure: [q for q in settings.profile(procedure).questions if not q.decision]
    for procedure in set(PROCEDURES)
}
BY = "bench.builder"


@contextmanager
def writing(store: Store, by: str, at: datetime) -> Iterator[Writer]:
    """``Store.writing`` (one ``BEGIN IMMEDIATE`` transaction, deadlines refreshed at commit)."""
    store.conn.execute("BEGIN IMMEDIATE")
    writer = Writer(store, by, at)
    try:
        yield writer
        writer.refresh_deadlines()
        store.conn.execute("COMMIT")
    except BaseException:
        store.conn.execute("ROLLBACK")
        raise


def prepare(job: tuple[list[Slot], int, dict[int, int], dict[tuple, str]]) -> BulkWriter:
    """One chunk of discussions, in a worker: the rows and the audit entries, unchained."""
    slots, first_id, seq, holidays = job
    writer = BulkWriter(BY, first_id, seq, holidays)
    for slot in slots:
        build_one(writer, slot)
    writer.finish()
    return writer


def chunks(conn: sqlite3.Connection, slots: list[Slot], size: int) -> list[tuple]:
    """The jobs for ``prepare``: each chunk with its first id and each year's last number.

    A list, not a generator: the pool takes jobs from another thread, and the connection
    belongs to this one."""
    next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM discussion").fetchone()[0]
    seq = dict(conn.execute("SELECT year, MAX(seq) FROM discussion GROUP BY year").fetchall())
    holidays = {(c, y): days for c, y, days in conn.execute("SELECT calendar, year, days FROM bank_holidays")}
    jobs = []
    for start in range(0, len(slots), size):
        part = slots[start : start + size]
        jobs.append((part, next_id + start, dict(seq), holidays))
        for slot in part:
            year = local(slot.opened_at).year
            seq[year] = seq.get(year, 0) + 1
    return jobs


def chain(conn: sqlite3.Connection, entries: list[tuple], prev: str) -> str:
    """Hash the entries in order, each over the one before (``Writer.audit``), and insert them."""
    rows = []
    for discussion_id, at, by, action, detail in entries:
        digest = fast_entry_hash(prev, discussion_id, at, by, action, detail)
        rows.append((discussion_id, at, by, action, detail, prev, digest))
        prev = digest
    conn.executemany(INSERTS["audit"], rows)
    return prev


def bulk_load(conn: sqlite3.Connection, slots: list[Slot], jobs: int, chunk: int) -> None:
    """Prepare chunks in ``jobs`` worker processes; chain and insert them here, in order.

    Building a discussion's rows (the random choices, the domain objects, the JSON, the
    deadlines) is most of the work and needs nothing from the other discussions; the hash
    chain and SQLite need one writer. So the workers prepare chunks while this process
    inserts the chunk before, and ``imap`` hands them back in order: the file is the same
    for any ``jobs`` and ``chunk``.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        last = conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        prev = last[0] if last else GENESIS
        work = chunks(conn, slots, chunk)
        if jobs > 1:
            pool = multiprocessing.get_context("fork").Pool(jobs)
            prepared = pool.imap(prepare, work)
        else:
            pool, prepared = None, map(prepare, work)
        try:
            for writer in prepared:
                for table, rows in writer.tables.items():
                    if table == "answer":  # the audit rows before the biggest table
                        prev = chain(conn, writer.audit_entries, prev)
                    conn.executemany(INSERTS[table], rows)
        finally:
            if pool is not None:
                pool.terminate()
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def build(
    path: Path,
    count: int,
    open_count: int,
    seed: int,
    plain: bool = False,
    jobs: int = 0,
    chunk: int = 1000,
    journal: bool = False,
) -> None:
    """Create ``path`` with ``count`` discussions: with the plain ``Writer``, or ``bulk_load``."""
    slots = schedule(count, open_count, seed)
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
    if plain:
        with writing(store, BY, START) as writer:
            for slot in slots:
                build_one(writer, slot)
    else:
        bulk_load(conn, slots, jobs or os.cpu_count() or 1, chunk)
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
    """Build a small database with the plain ``Writer``, then with ``bulk_load`` twice (in
    this process, and through two workers in chunks of 37, so that chunks end mid-year and
    mid-schedule); compare every table."""
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder, "plain.db")
        build(plain, count, open_count, seed, plain=True)
        expected = tables(plain)
        for jobs, chunk in ((1, 1000), (2, 37)):
            bulk = Path(folder, f"bulk-{jobs}.db")
            build(bulk, count, open_count, seed, jobs=jobs, chunk=chunk)
            got = tables(bulk)
            print(f"bulk_load with {jobs} job(s), chunks of {chunk}:")
            for table in expected:
                same = expected[table] == got.get(table)
                print(f"  {table:15} {'same' if same else 'DIFFERENT'}")
            ok = ok and expected == got
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--discussions", type=int, default=1000, help="How many discussions.")
    parser.add_argument("--db", type=Path, help="The database file to create.")
    parser.add_argument("--open", type=int, default=300, help="How many of the most recent are open.")
    parser.add_argument("--seed", type=int, default=1, help="Random seed (same seed, same database).")
    parser.add_argument("--plain", action="store_true", help="Use the store's Writer unchanged (slower).")
    parser.add_argument("--force", action="store_true", help="Replace an existing file.")
    parser.add_argument(
        "--jobs", type=int, default=0, help="Worker processes preparing chunks (default: one per CPU)."
    )
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
        for suffix in ("", "-wal", "-shm", "-build.json"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    build(args.db, args.discussions, args.open, args.seed, plain=args.plain, jobs=args.jobs)
    elapsed = time.perf_counter() - started
    size = args.db.stat().st_size
    print(
        f"{args.db}: {args.discussions:,} discussions ({min(args.open, args.discussions):,} open) "
        f"in {elapsed:.1f} s, {size / 2**20:.1f} MiB"
    )
    # For run.py's report: how long this file took to build, and how big it is.
    Path(f"{args.db}-build.json").write_text(
        json.dumps(
            {
                "discussions": args.discussions,
                "open": min(args.open, args.discussions),
                "seed": args.seed,
                "seconds": round(elapsed, 1),
                "bytes": size,
                "cpus": os.cpu_count(),
                "jobs": args.jobs or os.cpu_count(),
                "plain": args.plain,
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "built_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            }
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
