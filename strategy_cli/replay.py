"""Rebuilding a discussion from its audit trail alone.

Every change to a discussion is one audit entry whose ``detail`` holds the new values (and the
old ones it replaced), so replaying the entries in order must give the record the tables hold.
``replay`` does that as a pure function: no SQLite, no clock, no profile. The tests replay
``strategy log REF --json`` and compare it with ``strategy show REF --json``; a mismatch means
a write that was not audited, or audited wrongly.

``replay`` is strict by default: an entry whose ``old`` value is not what the replay holds at
that point (the trail contradicts itself) raises ``ReplayError`` naming the entry.

Instants are returned in the store's form (UTC ISO 8601, seconds): ``2026-11-20T09:30:00+00:00``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from .domain.procedures import DECISION_FIELDS

# Columns of the discussion itself that ``update_discussion`` entries may set.
DISCUSSION_COLUMNS = (
    "held_at",
    "held_format",
    "chair",
    "status",
    "closed_reason",
    "summary",
    "referrer",
    "concern_at",
    "categories",
    "procedure",
    "procedure_version",
)
DISCUSSION_ACTIONS = {"held", "held.correct", "close", "reopen", "edit", "procedure.adopt"}
DECISION_ACTIONS = {"decide", "decide.amend", "decide.checklist"}
INSTANT_FIELDS = {
    "held_at",
    "concern_at",
    "opened_at",
    "further_by",
    "decided_at",
    "due_at",
    "agreed_at",
    "done_at",
    "raised_at",
    "escalated_at",
    "resolved_at",
}
DISAGREEMENT_ACTIONS = {"disagreement.escalate", "disagreement.resolve"}


class ReplayError(ValueError):
    """The trail cannot be replayed: an unknown action, or an entry that contradicts the one before."""


def instant(value) -> str | None:
    """Any instant (aware ``datetime`` or ISO text with an offset) in the store's UTC form."""
    if value is None:
        return None
    if isinstance(value, str):
        if _STORE_FORM.fullmatch(value):
            return value  # already the store's form (most of a trail): nothing to convert
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC).isoformat(timespec="seconds")


# The store's form of an instant: UTC to the second, as ``calendar.stored`` writes it.
_STORE_FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


def _instants(row: Mapping | None) -> dict | None:
    if row is None:
        return None
    return {k: instant(v) if k in INSTANT_FIELDS else v for k, v in row.items()}


def replay(entries: Iterable[Mapping], strict: bool = True) -> dict:
    """The record of one discussion after its audit entries (oldest first).

    ``entries`` are those of ``strategy log REF --json`` (or ``Store.trail``): each a mapping
    with ``id``, ``at``, ``action`` and ``detail``.
    """
    state: dict | None = None
    for entry in entries:
        action, detail = entry["action"], entry["detail"]
        where = f"audit entry {entry.get('id')} ({action})"
        if action == "open":
            if state is not None:
                raise ReplayError(f"{where}: the discussion is opened twice")
            state = _opened(detail["new"], entry["at"])
            continue
        if state is None:
            raise ReplayError(f"{where} comes before the discussion is opened")
        _apply(state, action, detail, where, strict)
    if state is None:
        raise ReplayError("no entries: the trail does not open a discussion")
    state["actions"].sort(key=lambda a: a["number"])
    state["disagreements"].sort(key=lambda a: a["number"])
    return state


def _opened(new: Mapping, at) -> dict:
    return {
        "reference": new["reference"],
        "procedure": new["procedure"],
        "categories": list(new["categories"]),
        "concern_at": instant(new["concern_at"]),
        # open_discussion writes opened_at and the entry's time from the same instant.
        "opened_at": instant(new.get("opened_at", at)),
        "summary": new.get("summary"),
        "referrer": new.get("referrer"),
        "follows": new.get("follows"),
        "follows_by": instant(new.get("follows_by")),
        # The profile version it was opened under (None: opened before versions were kept, and
        # pinned when the database was migrated, outside the trail).
        "procedure_version": new.get("procedure_version"),
        "status": "open",
        "closed_reason": None,
        "held_at": None,
        "held_format": None,
        "chair": None,
        "children": [],
        "family": [],
        "attendees": [],
        "decision": None,
        "actions": [],
        "disagreements": [],
        "answers": {},
        "events": {},
    }


def _expect(strict: bool, held, old, where: str) -> None:
    if strict and held != old:
        raise ReplayError(f"{where}: its old value {old!r} is not the value the trail holds ({held!r})")


def _find(items: list[dict], key: str, value, where: str) -> int:
    for index, item in enumerate(items):
        if item[key] == value:
            return index
    raise ReplayError(f"{where}: no {key} {value!r} to change")


def _apply(state: dict, action: str, detail: Mapping, where: str, strict: bool) -> None:
    # The old and new values are whatever the action wrote: a row, a list, an instant, None.
    old: Any = detail.get("old")
    new: Any = detail.get("new")
    if action == "child.add":
        state["children"].append(_child(new))
    elif action == "child.edit":
        # The store corrects the first child (by position) with that name.
        index = _find(state["children"], "name", old["name"], where)
        _expect(strict, state["children"][index], _child(old), where)
        state["children"][index] = _child(new)
    elif action == "child.remove":
        index = _find(state["children"], "name", old["name"], where)
        _expect(strict, state["children"][index], _child(old), where)
        del state["children"][index]
    elif action == "family.add":
        state["family"].append(dict(new))
    elif action in ("family.edit", "family.remove"):
        index = _find(state["family"], "name", old["name"], where)
        _expect(strict, state["family"][index], dict(old), where)
        if action == "family.remove":
            del state["family"][index]
        else:
            state["family"][index] = dict(new)
    elif action in ("child.seen", "child.seen.withdraw"):
        index = _find(state["children"], "name", detail["child"], where)
        child = state["children"][index]
        _expect(strict, child["seen"], _sighting(old), where)
        child["seen"] = _sighting(new)
    elif action == "attend":
        state["attendees"].append(_attendee(new))
    elif action in ("attend.correct", "attend.remove"):
        index = _find(state["attendees"], "name", old["name"], where)
        _expect(strict, state["attendees"][index], _attendee(old), where)
        if action == "attend.remove":
            del state["attendees"][index]
        else:
            state["attendees"][index] = _attendee(new)
    elif action in DISCUSSION_ACTIONS:
        for column, value in new.items():
            if column not in DISCUSSION_COLUMNS:
                raise ReplayError(f"{where}: {column!r} is not a column replay knows")
            stored = instant(value) if column in INSTANT_FIELDS else value
            previous = instant(old.get(column)) if column in INSTANT_FIELDS else old.get(column)
            if not (column == "procedure_version" and state[column] is None):  # pinned outside the trail
                _expect(strict, state[column], previous, where)
            state[column] = stored
    elif action in DECISION_ACTIONS:
        _expect(strict, state["decision"], _decision(old), where)
        state["decision"] = _decision(new)
    elif action == "answer":
        _expect(strict, state["answers"].get(detail["question"]), old, where)
        state["answers"][detail["question"]] = copy.deepcopy(new)
    elif action == "answers":  # several answers given by one command (an answers file)
        for question_id, change in detail["answers"].items():
            _expect(strict, state["answers"].get(question_id), change["old"], where)
            state["answers"][question_id] = copy.deepcopy(change["new"])
    elif action == "action.add":
        if any(a["number"] == new["number"] for a in state["actions"]):
            raise ReplayError(f"{where}: action {new['number']} is added twice")
        state["actions"].append(_instants(dict(new)))
    elif action in ("action.done", "action.edit"):
        index = _find(state["actions"], "number", old["number"], where)
        _expect(strict, state["actions"][index], _instants(dict(old)), where)
        state["actions"][index] = _instants(dict(new))
    elif action == "disagreement.add":
        if any(a["number"] == new["number"] for a in state["disagreements"]):
            raise ReplayError(f"{where}: disagreement {new['number']} is added twice")
        state["disagreements"].append(_instants(dict(new)))
    elif action in DISAGREEMENT_ACTIONS:
        index = _find(state["disagreements"], "number", old["number"], where)
        _expect(strict, state["disagreements"][index], _instants(dict(old)), where)
        state["disagreements"][index] = _instants(dict(new))
    elif action == "action.remove":
        index = _find(state["actions"], "number", old["number"], where)
        _expect(strict, state["actions"][index], _instants(dict(old)), where)
        del state["actions"][index]
    elif action == "record":
        _expect(strict, state["events"].get(detail["event"]), instant(old), where)
        state["events"][detail["event"]] = instant(new)
    elif action == "record.withdraw":
        _expect(strict, state["events"].get(detail["event"]), instant(old), where)
        del state["events"][detail["event"]]
    else:
        raise ReplayError(f"{where}: replay does not know this action")


# A child's fields that later schemas added, and the value a child recorded before had.
CHILD_SINCE = {"case_id": None, "nhs_number": None, "household": "1", "seen": None}  # schemas 8, 11, 13
ATTENDEE_SINCE = {"family_contact": False, "shared": None}  # schemas 12 and 13


def _child(row: Mapping) -> dict:
    """A child snapshot; one written before schema 8 has no identifiers (migration 0008 added
    them empty), one written before schema 11 lives in household "1" (as 0011 set it), and
    none before schema 13 has a sighting."""
    child = _instants(row)
    assert child is not None  # _instants returns None only for None
    child = {**CHILD_SINCE, **child}
    child["seen"] = _sighting(child["seen"])
    return child


def _sighting(row: Mapping | None) -> dict | None:
    """A sighting (by, at, alone) with its instant in the store's form; None: not seen."""
    return None if row is None else {"by": row["by"], "alone": row.get("alone"), "at": instant(row["at"])}


def _attendee(row: Mapping) -> dict:
    """An attendee snapshot; one written before schema 12 is not the family's contact, and
    before schema 13 shared nothing."""
    return {**ATTENDEE_SINCE, **row}


def _decision(row: Mapping | None) -> dict | None:
    """A decision snapshot; one written before schema 3 gets ``further_discussion`` as
    migration 0003 set it (true where a further-by date was given)."""
    if row is None:
        return None
    decision = _instants(dict(row))
    assert decision is not None  # _instants returns None only for None, and row is not None
    if "further_discussion" not in decision:
        decision["further_discussion"] = True if decision.get("further_by") is not None else None
    return decision


# --- Comparing with ``show --json`` ------------------------------------------------------------


def as_shown(
    state: Mapping,
    decision_questions: Mapping[str, str] | None = None,
    record_questions: Iterable[str] = (),
    question_ids: Iterable[str] | None = None,
) -> dict:
    """The replayed record as ``show --json`` presents its record fields (see ``from_show``).

    ``decision_questions`` maps the checklist's decision question ids to the decision field
    each reads (``show`` lists those answers from the decision itself). ``record_questions``
    are answered by the record (attendance, the children): derived, so left out on both sides.
    ``question_ids``: the questions of the discussion's procedure now (an answer to a question
    the procedure no longer asks is kept in the table and the trail, but not shown).
    """
    known = None if question_ids is None else set(question_ids)
    answers = {
        k: v
        for k, v in state["answers"].items()
        if k not in set(record_questions) and (known is None or k in known)
    }
    decision = state["decision"]
    for question_id, field in (decision_questions or {}).items():
        value = decision.get(field) if decision else None
        if value is None:
            answers.pop(question_id, None)
        else:
            answers[question_id] = value
    return {
        **{k: state[k] for k in _PLAIN},
        "children": [
            {**c, "hospital_services": bool(c["hospital_services"] or c["in_hospital"])}
            for c in state["children"]
        ],
        "family": [dict(m) for m in state.get("family", [])],
        "attendees": [dict(a) for a in state["attendees"]],
        "decision": None if decision is None else dict(decision),
        "actions": [
            {
                "id": a["number"],
                "task": a["task"],
                "owner": a["owner"],
                "agency": a["agency"],
                "due_at": a["due_at"],
                "done_at": a["done_at"],
                "for_family": a["for_family"],
            }
            for a in state["actions"]
        ],
        "disagreements": [_disagreement_shown(d) for d in state["disagreements"]],
        "answers": answers,
        "events": dict(state["events"]),
    }


def _disagreement_shown(row: Mapping) -> dict:
    """A disagreement as ``show --json`` lists it (the same keys as its snapshot)."""
    return {key: row.get(key) for key in DISAGREEMENT_KEYS}


DISAGREEMENT_KEYS = (
    "number",
    "agency",
    "about",
    "position",
    "raised_at",
    "escalated_to",
    "escalated_at",
    "outcome",
    "resolved_at",
)

_PLAIN = (
    "reference",
    "procedure",
    "categories",
    "concern_at",
    "opened_at",
    "summary",
    "referrer",
    "follows",
    "status",
    "closed_reason",
    "held_at",
    "held_format",
    "chair",
    "follows_by",
)


def recorded(
    discussion,
    question_ids: Iterable[str],
    decision_questions: Mapping[str, str],
    record_questions: Iterable[str] = (),
) -> dict:
    """The record fields of a ``Discussion`` (as the store reads it) in ``as_shown``'s form,
    straight from the typed values: what ``check`` compares a replay with, without building
    the whole ``show`` document (``from_show`` is the same from the JSON a user sees)."""
    known, derived = set(question_ids), set(record_questions)
    decision = discussion.decision
    answers = {k: v for k, v in discussion.answers.items() if k in known and k not in derived}
    for question_id, field in decision_questions.items():
        value = getattr(decision, field) if decision is not None else None
        if value is None:
            answers.pop(question_id, None)
        else:
            answers[question_id] = value
    return {
        **{k: getattr(discussion, k) for k in _PLAIN if k not in _INSTANT_PLAIN},
        **{k: instant(getattr(discussion, k)) for k in _INSTANT_PLAIN},
        "categories": list(discussion.categories),
        "children": [
            {
                "name": c.name,
                "dob": c.dob.isoformat() if c.dob else None,
                "edd": c.edd.isoformat() if c.edd else None,
                "looked_after": c.looked_after,
                "in_hospital": c.in_hospital,
                "hospital_services": c.hospital_services or c.in_hospital,
                "medical": c.medical,
                "communication_needs": c.communication_needs,
                "interpreter": c.interpreter,
                "no_adult_care_needs": c.no_adult_care_needs,
                "case_id": c.case_id,
                "nhs_number": c.nhs_number,
                "household": c.household,
                "seen": None
                if c.seen is None
                else {"by": c.seen.by, "alone": c.seen.alone, "at": instant(c.seen.at)},
            }
            for c in discussion.children
        ],
        "family": [
            {
                "name": m.name,
                "relationship": m.relationship,
                "dob": m.dob.isoformat() if m.dob else None,
                "care_needs": m.care_needs,
                "household": m.household,
            }
            for m in discussion.family
        ],
        "attendees": [
            {
                "name": a.name,
                "agency": a.agency,
                "role": a.role,
                "attendance": a.attendance,
                "family_contact": a.family_contact,
                "shared": a.shared,
            }
            for a in discussion.attendees
        ],
        "decision": None
        if decision is None
        else {
            **{k: getattr(decision, k) for k in DECISION_FIELDS},
            "further_by": instant(decision.further_by),
            "decided_at": instant(decision.decided_at),
        },
        "actions": [
            {
                "id": a.number,
                "task": a.task,
                "owner": a.owner,
                "agency": a.agency,
                "due_at": instant(a.due_at),
                "done_at": instant(a.done_at),
                "for_family": a.for_family,
            }
            for a in discussion.actions
        ],
        "disagreements": [_disagreement_shown(_instants(asdict(d)) or {}) for d in discussion.disagreements],
        "answers": answers,
        "events": {event: instant(at) for event, at in discussion.events.items()},
    }


_INSTANT_PLAIN = ("concern_at", "opened_at", "held_at", "follows_by")


def from_show(document: Mapping, record_questions: Iterable[str] = ()) -> dict:
    """The record fields of ``show --json``, without what is derived (deadlines, quoracy, age,
    the answers of ``record_questions``)."""
    decision = document["decision"]
    return {
        "reference": document["reference"],
        "procedure": document["procedure"],
        "categories": list(document["categories"]),
        "concern_at": instant(document["concern_at"]),
        "opened_at": instant(document["opened_at"]),
        "summary": document["summary"],
        "referrer": document["referrer"],
        "follows": document["follows"],
        "follows_by": instant(document.get("follows_by")),
        "status": document["status"],
        "closed_reason": document["closed_reason"],
        "held_at": instant(document["held_at"]),
        "held_format": document["format"],
        "chair": document["chair"],
        "children": [
            {**{k: v for k, v in c.items() if k != "age"}, "seen": _sighting(c.get("seen"))}
            for c in document["children"]
        ],
        "family": [
            {k: v for k, v in m.items() if k not in ("age", "young_person")} for m in document["family"]
        ],
        "attendees": [{k: v for k, v in a.items() if k != "present"} for a in document["attendees"]],
        "decision": None
        if decision is None
        else _instants({k: v for k, v in decision.items() if k != "outcome"}),
        "actions": [_instants(a) for a in document["actions"]],
        "disagreements": [_disagreement_shown(_instants(d) or {}) for d in document.get("disagreements", [])],
        "answers": {
            k: v for k, v in document["checklist"]["answers"].items() if k not in set(record_questions)
        },
        "events": {k: instant(v) for k, v in document["events"].items()},
    }
