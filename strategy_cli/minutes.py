"""What the minutes contain (domain.md), as template contexts: the professional record, and
the family version built from an allow-list.

The family context is assembled from scratch out of the few things that may be shared (the
header, the children, what the decision says to share, actions marked for the family). It
never starts from the professional record and deletes things, so nothing withheld can slip
through in another field.
"""

from __future__ import annotations

from datetime import datetime

from .domain.calendar import iso
from .domain.model import AGENCIES, CATEGORIES
from .domain.procedures import Profile
from .views import describe_change

MARKING = "OFFICIAL-SENSITIVE"


def _answer_text(question, value) -> str | None:
    if value is None:
        return None
    if question.type == "yes-no":
        return "Yes" if value else "No"
    return str(value)


def checklist_sections(profile: Profile, answers: dict) -> list[dict]:
    """Section by section: every top-level question, and follow-ups triggered or answered."""
    from .domain.checklist import triggered

    sections = []
    for section in profile.sections:
        rows = []
        for question in profile.questions:
            if question.section != section.id:
                continue
            if question.follows and not (triggered(question, answers) or question.id in answers):
                continue
            rows.append(
                {
                    "id": question.id,
                    "text": question.text,
                    "answer": _answer_text(question, answers.get(question.id)),
                    "follow_up": question.follows is not None,
                }
            )
        if rows:
            sections.append({"id": section.id, "title": section.title, "questions": rows})
    return sections


def quoracy_statement(document: dict) -> str:
    missing = [AGENCIES.get(a, a) for a in document["missing_agencies"]]
    if document["quorate"]:
        if missing:
            return "Quorate. Also expected but not present: " + ", ".join(missing) + "."
        return "Quorate: every agency required and expected took part."
    return "NOT QUORATE. Missing: " + ", ".join(missing) + "."


def attendees_by_agency(document: dict) -> list[dict]:
    groups: dict[str, list[dict]] = {}
    for person in document["attendees"]:
        groups.setdefault(person["agency"], []).append(person)
    return [
        {"agency": AGENCIES.get(agency, agency), "id": agency, "people": people}
        for agency, people in sorted(groups.items(), key=lambda item: AGENCIES.get(item[0], item[0]))
    ]


def amendments(document: dict, trail: list[dict]) -> list[dict]:
    """Changes recorded after the meeting was held (from the audit trail)."""
    held = document["held_at"]
    if held is None:
        return []
    held_at = datetime.fromisoformat(held)
    found = []
    for entry in trail:
        if entry["at"] <= held_at or entry["action"] == "held":
            continue
        found.append(
            {
                "at": iso(entry["at"]),
                "by": entry["by"],
                "action": entry["action"],
                "change": describe_change(entry["detail"]),
            }
        )
    return found


def professional(document: dict, profile: Profile, trail: list[dict], generated_at: datetime) -> dict:
    decision = document["decision"]
    return {
        "audience": "professional",
        "marking": MARKING,
        "d": document,
        "profile": {"id": profile.id, "name": profile.name, "source": profile.source},
        "categories": [CATEGORIES.get(c, c) for c in document["categories"]],
        "quoracy": quoracy_statement(document),
        "groups": attendees_by_agency(document),
        "information_only": [p for p in document["attendees"] if p["attendance"] == "information-only"],
        "checklist": checklist_sections(profile, document["checklist"]["answers"]),
        "decision": decision,
        "actions": document["actions"],
        "deadlines": document["deadlines"],
        "distribution": document["attendees"],
        "amendments": amendments(document, trail),
        "warnings": document["warnings"],
        "generated_at": iso(generated_at),
    }


def family(document: dict, profile: Profile, generated_at: datetime) -> dict:
    """Only what may be shared with the family: an allow-list, field by field."""
    decision = document["decision"] or {}
    return {
        "audience": "family",
        "marking": MARKING,
        "reference": document["reference"],
        "held_at": document["held_at"],
        "profile_name": profile.name,
        "children": [{"name": c["name"], "age": c["age"]} for c in document["children"]],
        "share": decision.get("share"),
        "actions": [
            {"task": a["task"], "owner": a["owner"], "due_at": a["due_at"], "done_at": a["done_at"]}
            for a in document["actions"]
            if a["for_family"]
        ],
        "generated_at": iso(generated_at),
    }
