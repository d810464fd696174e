"""One discussion as it is shown (``Shown``: typed values, the rules' verdicts computed once),
and the JSON contract (cli.md) that ``show --json``, ``new --json`` and ``due --json`` print.

The minutes, the feedback after a change and the checklist's summary read the ``Shown`` value
itself; the JSON document is one rendering of it, so none of them can disagree about what is
due or who is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..domain import checklist, rules
from ..domain.calendar import age_on, iso, local
from ..domain.model import Deadline, Discussion

if TYPE_CHECKING:
    from ..domain.procedures import Profile


@dataclass(frozen=True)
class Shown:
    """One discussion as shown at a moment: the record as the store read it, its pending
    deadlines and due time as stored, and what the rules make of it, each computed once."""

    discussion: Discussion
    profile: Profile
    pending: tuple[Deadline, ...]
    due: datetime | None  # when the discussion itself had to be held
    as_of: datetime
    on_day: date  # the day quoracy is judged on
    quorate: bool
    missing_agencies: tuple[str, ...]
    answers: dict[str, object]  # the checklist's answers, from wherever each has its home
    warnings: tuple[str, ...]
    # When holding it became late: the maximum, where its rule has one beyond the target.
    late_after: datetime | None = None
    # Who is missing: the minimum, and the others expected (one wording, rules.Quoracy).
    quoracy: rules.Quoracy | None = None

    @property
    def quoracy_words(self) -> tuple[str, str]:
        """The verdict and who else is expected, as every surface words them."""
        found = self.quoracy or rules.Quoracy(self.quorate, self.missing_agencies, ())
        return found.words(self.profile.agencies)

    @property
    def children(self) -> list[str]:
        return [child.name for child in self.discussion.children]


def shown(
    discussion: Discussion,
    profile: Profile,
    pending: list[Deadline],
    due: datetime | None,
    as_of: datetime,
    late_after: datetime | None = None,
) -> Shown:
    """``late_after``: when holding the discussion became late, where its rule has a maximum
    beyond the target ``due``."""
    on_day = rules.quoracy_day(discussion, due, local(as_of).date())
    quoracy = rules.quoracy(discussion, profile, on_day)
    return Shown(
        discussion=discussion,
        profile=profile,
        pending=tuple(pending),
        due=due,
        as_of=as_of,
        on_day=on_day,
        quorate=quoracy.quorate,
        missing_agencies=tuple(rules.missing_agencies(discussion, profile, on_day)),
        answers=checklist.answers(discussion, profile),
        warnings=tuple(rules.warnings(discussion, pending, late_after or due)),
        late_after=late_after or due,
        quoracy=quoracy,
    )


def deadline_item(reference: str | None, deadline: Deadline, children: list[str], as_of: datetime) -> dict:
    """One item of ``due --json`` (and of ``show --json``'s ``deadlines``)."""
    return {
        "reference": reference,
        "kind": deadline.kind,
        "title": deadline.title,
        "due_at": iso(deadline.due_at),
        "status": rules.status(deadline.due_at, as_of, deadline.maximum_at),
        "rule": deadline.rule,
        "children": children,
        "key": deadline.key,
        "maximum_at": iso(deadline.maximum_at),
    }


def circumstances(child: dict) -> list[str]:
    """A child's recorded circumstances, in words (the interpreter's language is user text)."""
    found = []
    if child["looked_after"]:
        found.append("Looked after")
    if child["in_hospital"]:
        found.append("In hospital (in-patient)")
    elif child["hospital_services"]:
        found.append("Receiving hospital or child development services")
    if child["medical"]:
        found.append("Medical implications")
    if child["communication_needs"]:
        found.append("Disability or communication needs")
    if child["no_adult_care_needs"]:
        found.append("Not likely to have adult care and support needs")
    return found


YOUNG_PERSON = "Young person near 18: their own needs and adult social care to be considered"


def family_notes(member: dict) -> list[str]:
    """What the minutes and ``show`` say about a family member beyond name and relationship."""
    found = []
    if member["care_needs"]:
        found.append("Has care and support needs")
    if member["young_person"]:
        found.append(YOUNG_PERSON)
    return found


def child_json(child, on_day) -> dict:
    return {
        "name": child.name,
        "dob": child.dob.isoformat() if child.dob else None,
        "edd": child.edd.isoformat() if child.edd else None,
        "age": age_on(child.dob, on_day) if child.dob else None,
        "looked_after": child.looked_after,
        "in_hospital": child.in_hospital,
        "hospital_services": child.hospital_services or child.in_hospital,
        "medical": child.medical,
        "communication_needs": child.communication_needs,
        "interpreter": child.interpreter,
        "no_adult_care_needs": child.no_adult_care_needs,
        "case_id": child.case_id,
        "nhs_number": child.nhs_number,  # ten digits, as the case systems take it
        "household": child.household,
        "seen": sighting_json(child.seen),
    }


def family_json(member, on_day) -> dict:
    """A family member or significant adult; ``young_person``: the near-18 rule reaches them
    (a parent under 18 is a young person in her own right)."""
    return {
        "name": member.name,
        "relationship": member.relationship,
        "dob": member.dob.isoformat() if member.dob else None,
        "age": age_on(member.dob, on_day) if member.dob else None,
        "care_needs": member.care_needs,
        "household": member.household,
        "young_person": rules.young_person(member, on_day),
    }


def sighting_json(seen) -> dict | None:
    """When a child was seen, by whom, and whether alone (None: not recorded); null: not seen."""
    if seen is None:
        return None
    return {"by": seen.by, "alone": seen.alone, "at": iso(seen.at)}


def decision_json(discussion: Discussion, profile: Profile) -> dict | None:
    decision = discussion.decision
    if decision is None:
        return None
    return {
        "s47": decision.s47,
        "police_investigation": decision.police_investigation,
        "outcome": profile.outcome_label(decision.s47, decision.police_investigation),
        "rationale": decision.rationale,
        "share": decision.share,
        "withholding": decision.withholding,
        "withhold": decision.withhold,
        "withhold_rationale": decision.withhold_rationale,
        "further_discussion": decision.further_discussion,
        "further_by": iso(decision.further_by),
        "decided_at": iso(decision.decided_at),
    }


def attendee_json(attendee) -> dict:
    return {
        "name": attendee.name,
        "agency": attendee.agency,
        "role": attendee.role,
        "present": attendee.attendance == "present",
        "attendance": attendee.attendance,
        "family_contact": attendee.family_contact,
        "shared": attendee.shared,
    }


def action_json(action) -> dict:
    return {
        "id": action.number,
        "task": action.task,
        "owner": action.owner,
        "agency": action.agency,
        "due_at": iso(action.due_at),
        "done_at": iso(action.done_at),
        "for_family": action.for_family,
    }


def disagreement_json(item) -> dict:
    return {
        "number": item.number,
        "agency": item.agency,
        "about": item.about,
        "position": item.position,
        "raised_at": iso(item.raised_at),
        "escalated_to": item.escalated_to,
        "escalated_at": iso(item.escalated_at),
        "outcome": item.outcome,
        "resolved_at": iso(item.resolved_at),
    }


def discussion_json(view: Shown) -> dict:
    """Everything about one discussion, keyed as cli.md says (and a little more)."""
    discussion = view.discussion
    children = view.children  # one list, shared by every deadline item (10,000 items, 5,000 names)
    return {
        "reference": discussion.reference,
        "procedure": discussion.procedure,
        "categories": discussion.categories,
        "concern_at": iso(discussion.concern_at),
        "opened_at": iso(discussion.opened_at),
        "status": discussion.status,
        "closed_reason": discussion.closed_reason,
        "summary": discussion.summary,
        "referrer": discussion.referrer,
        "follows": discussion.follows,
        "follows_by": iso(discussion.follows_by),
        "held_at": iso(discussion.held_at),
        "format": discussion.held_format,
        "chair": discussion.chair,
        "discussion_due": iso(view.due),
        "children": [child_json(child, view.on_day) for child in discussion.children],
        "family": [family_json(member, view.on_day) for member in discussion.family],
        "attendees": [attendee_json(a) for a in discussion.attendees],
        "quorate": view.quorate,
        "missing_agencies": list(view.missing_agencies),
        "decision": decision_json(discussion, view.profile),
        "actions": [action_json(action) for action in discussion.actions],
        "disagreements": [disagreement_json(item) for item in discussion.disagreements],
        "events": {event: iso(at) for event, at in sorted(discussion.events.items())},
        "checklist": {
            "answered": len(view.answers),
            "total": len(view.profile.questions),
            "answers": view.answers,
        },
        "deadlines": [deadline_item(discussion.reference, d, children, view.as_of) for d in view.pending],
        "warnings": list(view.warnings),
    }


def relative(due_at: str | None, as_of: datetime) -> str:
    """``in 3 h``, ``in 2 days``, ``5 h overdue``, ``2 days overdue``: for a person's eye."""
    if due_at is None:
        return "as soon as practicable"
    seconds = (datetime.fromisoformat(due_at) - as_of).total_seconds()
    amount = abs(seconds)
    if amount < 3600:
        text = f"{max(1, round(amount / 60))} min"
    elif amount < 48 * 3600:
        text = f"{round(amount / 3600)} h"
    else:
        days = round(amount / 86400)
        text = f"{days} days"
    return f"{text} overdue" if seconds < 0 else f"in {text}"


def past_target(item: dict, as_of: datetime) -> str:
    """``past target, 9 h to maximum``: a target passed, the maximum not yet (not overdue)."""
    left = relative(item["maximum_at"], as_of).removeprefix("in ")
    return f"past target, {left} to maximum"


def describe_change(detail: dict) -> str:
    """An audit entry's change in a line or two: field: old -> new, and why when a reason was given."""
    change = _change(detail)
    if detail.get("pending"):  # a close forced past what was still pending
        change += f"; closed with pending: {'; '.join(detail['pending'])}"
    return f"{change} (why: {detail['note']!r})" if detail.get("note") else change


def _change(detail: dict) -> str:
    old, new = detail.get("old"), detail.get("new")
    prefix = ""
    if "question" in detail:
        prefix = f"{detail['question']}: "
    if "event" in detail:
        prefix = f"{detail['event']}: "
    if "answers" in detail:
        return "; ".join(f"{q}: {c['old']!r} -> {c['new']!r}" for q, c in detail["answers"].items())
    if isinstance(old, dict) and isinstance(new, dict):
        changed = [f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in new if old.get(k) != new.get(k)]
        return prefix + ("; ".join(changed) or "(no change)")
    if isinstance(new, dict):
        return prefix + "; ".join(f"{k}: {v!r}" for k, v in new.items() if v not in (None, False, []))
    if isinstance(old, dict):
        return (
            prefix + "removed " + "; ".join(f"{k}: {v!r}" for k, v in old.items() if v not in (None, False))
        )
    return prefix + f"{old!r} -> {new!r}"
