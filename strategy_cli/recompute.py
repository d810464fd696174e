"""The full pass of ``strategy check``: every discussion recomputed and compared, the whole
audit chain rehashed, spread over the machine's processors.

What only a pass over every record can see:

* values: every stored value can be read (a hand edit such as ``concern_at = 'yesterday'`` is
  named, never a crash);
* references: ``SD-YYYY-NNNN`` is its year and sequence, the year it was opened;
* derived facts: the deadlines, the due time and the quoracy stored for speed are what the
  rules compute from the record now (a record whose profile has changed since is recomputed on
  its next read, so it is counted, not faulted);
* records: replaying its audit trail gives the record the tables hold;
* the audit chain: each entry's hash is over its content and the entry before it.

A large database is cut into spans of discussion ids and ranges of audit entries, each checked
by a worker process with its own read transaction. Each span is consistent in itself (a
record and its trail are read in one transaction), so a command writing meanwhile cannot make a
fault appear; it may only leave its newest discussion out. Workers are started fresh
("spawn"): a forked child that closed the parent's SQLite connection would drop its locks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from .address import Server
from .integrity import ChainPart, chain_range, joined
from .store import Store

# Below these sizes one process is quicker than starting others.
SPAN = 5_000  # discussions a worker checks at a time
RANGE = 250_000  # audit entries a worker rehashes at a time
PARALLEL_FROM = 10_000  # discussions


@dataclass
class Faults:
    """The faults one check found: how many, and the first few named."""

    name: str
    count: int = 0
    named: list[str] = field(default_factory=list)

    SHOWN = 5

    def add(self, fault: str) -> None:
        self.count += 1
        if len(self.named) < self.SHOWN:
            self.named.append(fault)

    def merge(self, other: Faults) -> None:
        self.count += other.count
        self.named = (self.named + other.named)[: self.SHOWN]

    def result(self, ok_detail: str) -> dict:
        if not self.count:
            return {"name": self.name, "ok": True, "detail": ok_detail}
        more = f" (and {self.count - len(self.named)} more)" if self.count > len(self.named) else ""
        return {"name": self.name, "ok": False, "detail": "; ".join(self.named) + more}


@dataclass
class Tally:
    """What a span of discussions found."""

    values: Faults = field(default_factory=lambda: Faults("values"))
    references: Faults = field(default_factory=lambda: Faults("references"))
    derived: Faults = field(default_factory=lambda: Faults("derived facts"))
    records: Faults = field(default_factory=lambda: Faults("records"))
    read: int = 0
    judged: int = 0
    stale: int = 0

    def merge(self, other: Tally) -> None:
        for name in ("values", "references", "derived", "records"):
            getattr(self, name).merge(getattr(other, name))
        self.read += other.read
        self.judged += other.judged
        self.stale += other.stale

    def results(self) -> list[dict]:
        return [
            self.values.result(f"{self.read} discussions read"),
            self.references.result("every reference is its year and sequence"),
            self.derived.result(
                f"deadlines, due times and quoracy recomputed for {self.judged} discussions"
                + (
                    f" ({self.stale} under a changed profile, recomputed when next read)"
                    if self.stale
                    else ""
                )
            ),
            self.records.result(f"{self.read - self.values.count} discussions match their audit trails"),
        ]


Progress = Callable[[int, int], None]


def check(store: Store, quick: bool, progress: Progress | None = None) -> dict:
    """``strategy check``'s report: the database as a whole, the audit chain, the records."""
    from .integrity import verify

    def whole() -> list[dict]:
        return [*verify(store.conn, chain=False, quick=quick)["checks"], procedure_versions(store)]

    checks = full_pass(store, quick, progress, whole)
    failed = next((c for c in checks if not c["ok"]), None)
    return {
        "ok": failed is None,
        "checks": checks,
        "fault": failed and f"{failed['name']}: {failed['detail']}",
    }


def procedure_versions(store: Store) -> dict:
    """Every stored profile version still reads and hashes to its key: the rules each record
    is judged under cannot have been edited in the database."""
    from .errors import StrategyError
    from .store import load_pinned

    faults = Faults("procedure versions")
    rows = store.procedure_versions()
    for row in rows:
        try:
            load_pinned(row["procedure"], row["hash"], row["body"])
        except StrategyError as error:
            faults.add(str(error))
    unpinned = store.conn.execute(
        "SELECT COUNT(*) FROM discussion WHERE procedure_version IS NULL"
    ).fetchone()[0]
    detail = f"{len(rows)} stored, each as it was pinned"
    if unpinned:
        detail += f"; {unpinned} discussions are not pinned (their profile file could not be read when versions began)"
    return faults.result(detail)


def full_pass(
    store: Store, quick: bool, progress: Progress | None = None, first: Callable[[], list[dict]] = list
) -> list[dict]:
    """The chain and the records, checked whole (or, ``quick``, what the board depends on:
    the newest audit entries and every open discussion), after the checks ``first`` makes
    (run while the workers work, when there are any)."""
    conn = store.conn
    top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0]
    if quick:
        before = first()
        chain = [chain_range(conn, max(top - 999, 0), top, tail=True)]
        tally = Tally()
        for low, high in _open_spans(store):
            tally.merge(discussions(store, low, high))
        return [*before, joined(chain), *tally.results()]
    total = conn.execute("SELECT COUNT(*) FROM discussion").fetchone()[0]
    last_discussion = conn.execute("SELECT COALESCE(MAX(id), 0) FROM discussion").fetchone()[0]
    spans = [(low, min(low + SPAN - 1, last_discussion)) for low in range(0, last_discussion + 1, SPAN)]
    ranges = [(low, min(low + RANGE - 1, top)) for low in range(0, top + 1, RANGE)]
    workers = os.cpu_count() or 1
    if total < PARALLEL_FROM or workers < 2:
        before = first()
        chain = [chain_range(conn, low, high) for low, high in ranges]
        tally = Tally()
        for low, high in spans:
            tally.merge(discussions(store, low, high))
            if progress:
                progress(tally.read, total)
        return [*before, joined(chain), *tally.results()]
    return _in_parallel(store.path, spans, ranges, total, workers, progress, first)


def _in_parallel(
    path: Path | Server,
    spans: list[tuple[int, int]],
    ranges: list[tuple[int, int]],
    total: int,
    workers: int,
    progress: Progress | None,
    first: Callable[[], list[dict]],
) -> list[dict]:
    chain: dict[int, ChainPart] = {}
    tally = Tally()
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        jobs: dict[Any, tuple[str, int]] = {}
        for low, high in ranges:
            jobs[pool.submit(_chain_worker, path, low, high)] = ("chain", low)
        for low, high in spans:
            jobs[pool.submit(_discussions_worker, path, low, high)] = ("records", low)
        before = first()  # here, while the workers start and work
        for done in as_completed(jobs):
            kind, low = jobs[done]
            if kind == "chain":
                chain[low] = done.result()
            else:
                tally.merge(done.result())
                if progress:
                    progress(tally.read, total)
    return [*before, joined([chain[low] for low in sorted(chain)]), *tally.results()]


def _chain_worker(path: Path | Server, low: int, high: int) -> ChainPart:
    store = Store(path, read_only=True)
    try:
        with store.snapshot():
            return chain_range(store.conn, low, high)
    finally:
        store.close()


def _discussions_worker(path: Path | Server, low: int, high: int) -> Tally:
    store = Store(path, read_only=True)
    try:
        with store.snapshot():
            return discussions(store, low, high)
    finally:
        store.close()


# --- The discussions ---------------------------------------------------------------------------


def _open_spans(store: Store) -> list[tuple[int, int]]:
    """Each open discussion's id as a span of one (the board's records)."""
    return [
        (row[0], row[0])
        for row in store.conn.execute(
            "SELECT id FROM discussion INDEXED BY discussion_open WHERE status = 'open'"
        )
    ]


def discussions(store: Store, low: int, high: int) -> Tally:
    """Check every discussion with an id from ``low`` to ``high``."""
    from .domain.calendar import local
    from .replay import ReplayError
    from .store import expected_fingerprint

    tally = Tally()
    homes: dict[str, tuple[dict[str, str | None], list[str]]] = {}
    profiles: dict[str, tuple] = {}
    calendars: dict[tuple, Any] = {}
    deadlines = _grouped(store, "SELECT * FROM deadline WHERE discussion_id BETWEEN ? AND ?", (low, high))
    trail = _grouped(
        store, "SELECT * FROM audit WHERE discussion_id BETWEEN ? AND ? ORDER BY id", (low, high)
    )
    for row, discussion in store.every_discussion(low, high):
        tally.read += 1
        reference = row["reference"]
        if isinstance(discussion, Exception):
            tally.values.add(str(discussion))
            continue
        if (
            reference != f"SD-{row['year']}-{row['seq']:04d}"
            or row["year"] != local(discussion.opened_at).year
        ):
            tally.references.add(
                f"{reference} is not SD-{row['year']}-{row['seq']:04d} of the year it was opened"
            )
        procedure = discussion.procedure_version or discussion.procedure
        if procedure not in profiles:
            try:  # the version it is pinned to (an unpinned one: its profile file)
                profiles[procedure] = (store.profile_of(discussion), expected_fingerprint(row))
            except Exception as error:  # a pinned version tampered with; an unpinned file removed or broken
                profiles[procedure] = (None, str(error))
        profile, fingerprint = profiles[procedure]
        if profile is not None and procedure not in homes:  # once per procedure, not per record
            homes[procedure] = (
                {q.id: q.decision for q in profile.questions if q.decision},
                [q.id for q in profile.questions if q.record],
            )
        if profile is not None and profile.id != discussion.procedure:
            tally.records.add(
                f"{reference}: it is pinned to a version of {profile.id!r}, not of its procedure "
                f"{discussion.procedure!r} (changed behind the tool's back?)"
            )
        if profile is None:
            tally.derived.add(
                f"{reference}: its procedure {discussion.procedure!r} cannot be loaded ({fingerprint})"
            )
            continue
        if row["rules_fingerprint"] != fingerprint:
            tally.stale += 1
        else:
            key = (profile.calendar_country, profile.calendar_subdivision)
            if key not in calendars:
                calendars[key] = store.read_bank_holidays(*key)  # the calendar the writes used
            tally.judged += 1
            _compare_derived(
                tally.derived, row, discussion, profile, calendars[key], deadlines.get(row["id"], [])
            )
        try:
            _compare_trail(
                tally.records, row, discussion, profile, trail.get(row["id"], []), *homes[procedure]
            )
        except ReplayError as error:
            tally.records.add(f"{reference}: its audit trail does not replay ({error})")
        except (KeyError, TypeError, ValueError, AttributeError) as error:  # an entry edited by hand
            tally.records.add(
                f"{reference}: its audit trail does not replay ({type(error).__name__}: {error})"
            )
    return tally


def _grouped(store: Store, query: str, span: tuple[int, int]) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for r in store.conn.execute(query, span):
        grouped.setdefault(r["discussion_id"], []).append(r)
    return grouped


def _compare_derived(faults: Faults, row, discussion, profile, calendar, stored_rows) -> None:
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
        (d.key, d.kind, d.title, stored(d.due_at), d.rule, stored(d.maximum_at))
        for d in rules.deadlines(discussion, profile, calendar)
    }
    found = {(r["key"], r["kind"], r["title"], r["due_at"], r["rule"], r["maximum_at"]) for r in stored_rows}
    for key, _kind, title, due_at, *_ in sorted(expected - found, key=str):
        faults.add(f"{reference}: the deadline {key} ({title}, due {due_at}) is missing or changed")
    for key, _kind, title, due_at, *_ in sorted(found - expected, key=str):
        if not any(e[0] == key for e in expected):
            faults.add(
                f"{reference}: a deadline {key} ({title}, due {due_at}) is stored that the rules do not give"
            )


def _compare_trail(faults: Faults, row, discussion, profile, entries, questions, derived) -> None:
    """``questions``: the decision questions and the field each reads; ``derived``: the
    questions the record answers."""
    from .replay import as_shown, recorded, replay

    record = recorded(discussion, profile.question_index, questions, derived)
    trail = [
        {"id": e["id"], "at": e["at"], "action": e["action"], "detail": json.loads(e["detail"])}
        for e in entries
    ]
    state = replay(trail)
    pinned = state.get("procedure_version")
    if pinned is not None and pinned != discussion.procedure_version:
        faults.add(
            f"{row['reference']}: it is pinned to a procedure version its audit trail never recorded "
            "(changed behind the tool's back?)"
        )
    replayed = as_shown(state, questions, derived, profile.question_index)
    if replayed != record:
        fields = [key for key in record if replayed.get(key) != record[key]]
        faults.add(
            f"{row['reference']}: {', '.join(fields)} differ from what its audit trail recorded "
            "(changed behind the tool's back?)"
        )
