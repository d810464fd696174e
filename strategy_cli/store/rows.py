"""Rows and values: a record read from its rows (a value it cannot read named, never a crash),
values in the form the audit trail and the columns keep, and the audit entry's hash."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import fields, is_dataclass
from datetime import date, datetime

from ..domain.calendar import parse_stored, stored
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
)
from ..errors import StrategyError

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
        case_id=row["case_id"],
        nhs_number=row["nhs_number"],
        household=row["household"],
        seen=_sighting(row),
    )


def _family_member(row: sqlite3.Row) -> FamilyMember:
    return FamilyMember(
        name=row["name"],
        relationship=row["relationship"],
        dob=_day(row["dob"]),
        care_needs=bool(row["care_needs"]),
        household=row["household"],
    )


def _sighting(row: sqlite3.Row) -> Sighting | None:
    """A child's sighting from its columns (None: not seen)."""
    if row["seen_at"] is None:
        return None
    return Sighting(by=row["seen_by"], at=_instant(row["seen_at"]), alone=_bool(row["seen_alone"]))


def _attendee(row: sqlite3.Row) -> Attendee:
    return Attendee(
        row["name"], row["agency"], row["role"], row["attendance"], bool(row["family_contact"]), row["shared"]
    )


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


def _disagreement(row: sqlite3.Row) -> Disagreement:
    return Disagreement(
        number=row["number"],
        agency=row["agency"],
        about=row["about"],
        position=row["position"],
        raised_at=parse_stored(row["raised_at"]),
        escalated_to=row["escalated_to"],
        escalated_at=parse_stored(row["escalated_at"]),
        outcome=row["outcome"],
        resolved_at=parse_stored(row["resolved_at"]),
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
    "family_member": "position",
    "attendee": "id",
    "decision": "discussion_id",
    "action": "number",
    "disagreement": "number",
    "answer": "question_id",
    "event": "event",
}
_EARLIER = "SELECT d.id, d.reference FROM discussion AS d "


def _assemble(row: sqlite3.Row, parts: dict[str, list], earlier, held_follow_ups: list) -> Discussion:
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
        family=each("family_member", _family_member),
        attendees=each("attendee", _attendee),
        decision=decisions[0] if decisions else None,
        actions=[
            a for r, a in zip(parts["action"], each("action", _action), strict=True) if not r["removed_at"]
        ],
        disagreements=each("disagreement", _disagreement),
        answers=dict(each("answer", lambda r: (r["question_id"], json.loads(r["value"])))),
        held_at=column("held_at", parse_stored),
        held_format=row["held_format"],
        chair=row["chair"],
        events=dict(each("event", lambda r: (r["event"], _instant(r["at"])))),
        held_follow_ups=tuple(
            _read(reference, "discussion", "follows_by (of a follow-up)", text, parse_stored)
            for text in held_follow_ups
        ),
        closed_reason=row["closed_reason"],
        procedure_version=row["procedure_version"],
        follows_by=column("follows_by", parse_stored),
    )


def _deadline(reference: str, row: sqlite3.Row, kinds=DEADLINE_KINDS) -> Deadline:
    """A stored deadline; a kind or a time the tool did not write is named, not a crash.
    ``kinds``: every kind the tool may have written (the built-in ones and the profiles')."""
    if row["kind"] not in kinds:
        raise StoredValueError(
            f"{reference}: deadline.kind holds {row['kind']!r}, which is not a kind of deadline; "
            "it was changed behind the tool's back"
        )
    due_at = _read(reference, "deadline", "due_at", row["due_at"], parse_stored)
    maximum_at = _read(reference, "deadline", "maximum_at", row["maximum_at"], parse_stored)
    return Deadline(row["kind"], row["title"], due_at, row["rule"], row["key"], maximum_at)


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
    if is_dataclass(value) and not isinstance(value, type):
        return snapshot(value)  # a child's sighting
    return value


def snapshot(item) -> dict | None:
    """A dataclass as a JSON-safe dict, for the audit trail's old and new values."""
    if item is None:
        return None
    return {f.name: _plain(getattr(item, f.name)) for f in fields(item)}


def opening(reference: str, discussion: Discussion) -> dict:
    """The audit detail of opening a discussion: everything a replay needs to start from."""
    new = {
        "reference": reference,
        "procedure": discussion.procedure,
        "categories": discussion.categories,
        "concern_at": stored(discussion.concern_at),
        "opened_at": stored(discussion.opened_at),
        "summary": discussion.summary,
        "referrer": discussion.referrer,
        "follows": discussion.follows,
    }
    if discussion.procedure_version is not None:
        new["procedure_version"] = discussion.procedure_version
    if discussion.follows_by is not None:  # a follow-up opened for the time a decision set
        new["follows_by"] = stored(discussion.follows_by)
    return {"new": new}


def answers_entry(changes: dict[str, dict]) -> tuple[str, dict]:
    """The audit entry (action, detail) of answers given by one command: ``answer`` for one,
    ``answers`` for several; ``changes`` maps each question to its old and new value."""
    if len(changes) == 1:
        ((question_id, change),) = changes.items()
        return "answer", {"question": question_id, **change}
    return "answers", {"answers": changes}


def _child_row(child: Child | FamilyMember) -> dict:
    """A child's (or a family member's) columns, as the audit trail writes them too; a child's
    sighting is three (seen_by, seen_alone, seen_at)."""
    row = {f.name: _plain(getattr(child, f.name)) for f in fields(child) if f.name != "seen"}
    if isinstance(child, Child):
        row.update(sighting_columns(child.seen))
    return row


def sighting_columns(seen: Sighting | None) -> dict:
    return {
        "seen_by": None if seen is None else seen.by,
        "seen_alone": None if seen is None or seen.alone is None else int(seen.alone),
        "seen_at": None if seen is None else stored(seen.at),
    }


def entry_hash(prev: str, discussion_id: int | None, at: str, by: str, action: str, detail: str) -> str:
    """SHA-256 over the entry's content and the previous entry's hash (a tamper-evident chain)."""
    content = json.dumps([prev, discussion_id, at, by, action, detail], ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
