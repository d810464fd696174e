"""What the minutes contain (domain.md), as template contexts: the professional record, and
the family version built from an allow-list.

The family context is assembled from scratch out of the few things that may be shared (the
header, the children, what the decision says to share, actions marked for the family). It
never starts from the professional record and deletes things, so nothing withheld can slip
through in another field.

Every value a user typed reaches the templates as plain text; the templates make it inert
(autoescape in HTML, the ``md`` filter in Markdown).
"""

from __future__ import annotations

from datetime import datetime

from ..domain import rules
from ..domain.calendar import age_in_words, iso
from ..domain.identifiers import shown_nhs_number
from ..domain.model import AGENCIES, CATEGORIES, RELATIONSHIPS, chosen_household, households, in_household
from ..domain.procedures import Profile
from .document import (
    Shown,
    circumstances,
    discussion_json,
    family_notes,
)

MARKING = "OFFICIAL-SENSITIVE"

FORMAT_LABELS = {"face-to-face": "Face to face", "virtual": "Virtual (video)", "telephone": "Telephone"}

ATTENDANCE_LABELS = {
    "present": "Present",
    "apologies": "Apologies (invited, did not attend)",
    "information-only": "Information only (sent information, did not take part; not counted for quoracy)",
}

EVENT_LABELS = {
    "child-seen": "Child seen",
    "icpc-held": "Initial child protection conference held",
    "lado-informed": "LADO and police Public Protection Unit informed",
    "record-circulated": "Record circulated to invitees",
    "referrer-informed": "Referrer told what is happening",
    "review-held": "Further strategy discussion held",
}

STATUS_LABELS = {
    "overdue": "Overdue",
    "past-target": "Past target (within the maximum)",
    "due-soon": "Due within 24 hours",
    "upcoming": "Upcoming",
    "undated": "",
}

# Audit actions that correct something already recorded (domain.md, "Corrections").
CORRECTIONS = {
    "held.correct": "Meeting details corrected",
    "child.edit": "Child corrected",
    "child.remove": "Child removed (entered by mistake)",
    "family.edit": "Family member corrected",
    "family.remove": "Family member removed (entered by mistake)",
    "attend.correct": "Attendee corrected",
    "attend.remove": "Attendee removed",
    "decide.amend": "Decision amended",
    "decide.checklist": "Decision amended (checklist)",
    "decide": "Decision amended",
    "answer": "Checklist answer changed",
    "action.edit": "Action corrected",
    "action.remove": "Action removed (entered by mistake)",
    "record": "Follow-up date corrected",
    "record.withdraw": "Follow-up withdrawn (recorded by mistake)",
    "child.seen": "Child seen: corrected",
    "child.seen.withdraw": "Child seen: withdrawn (recorded by mistake)",
    "edit": "Opening details corrected",
}

# Additions that change what the minutes say, when made after the record was circulated.
ADDITIONS = {
    "child.add": "Child added",
    "family.add": "Family member added",
    "attend": "Attendee added",
    "child.seen": "Child seen",
    "action.add": "Action added",
    "answer": "Checklist question answered",
    "decide": "Decision recorded",
    "decide.amend": "Decision amended",
    "decide.checklist": "Decision recorded (checklist)",
}

FIELD_LABELS = {
    "held_at": "held at",
    "held_format": "format",
    "chair": "chair",
    "dob": "date of birth",
    "edd": "expected date of delivery",
    "looked_after": "looked after",
    "in_hospital": "in hospital",
    "hospital_services": "hospital or child development services",
    "medical": "medical implications",
    "communication_needs": "disability or communication needs",
    "no_adult_care_needs": "not likely to have adult care and support needs",
    "police_investigation": "police investigation",
    "s47": "section 47 enquiries",
    "share": "the family is told",
    "withholding": "information withheld",
    "withhold": "what is withheld",
    "withhold_rationale": "why it is withheld",
    "further_by": "further discussion by",
    "due_at": "due",
    "for_family": "for the family",
    "concern_at": "concern identified",
    "summary": "reason for the discussion",
    "case_id": "case ID",
    "nhs_number": "NHS number",
    "care_needs": "care and support needs",
    "shared": "information shared",
    "by": "seen by",
    "alone": "seen alone",
}

# Fields an amendment does not list: bookkeeping that changes with every write.
QUIET_FIELDS = {"decided_at", "agreed_at", "number"}


def agency_label(agency: str | None, labels: dict[str, str] = AGENCIES) -> str:
    """An agency in words: the profile's label where it defines the agency (``labels``)."""
    return labels.get(agency, agency) if agency else ""


def _answer_text(question, value) -> str | None:
    if value is None:
        return None
    if question.type == "yes-no":
        return "Yes" if value else "No"
    return str(value)


def checklist_sections(profile: Profile, answers: dict) -> tuple[list[dict], list[str]]:
    """Section by section, the questions answered (follow-ups included); then every question
    that should have been and was not (top-level ones, and follow-ups triggered), in order.

    The unanswered ones are one compact list, not a row each: a page of "Not answered" rows
    buries what was said, and a reader needs only to see which questions were left open."""
    from ..domain.checklist import triggered

    sections, unanswered = [], []
    for section in profile.sections:
        rows = []
        for question in profile.questions:
            if question.section != section.id:
                continue
            if question.follows and not (triggered(question, answers) or question.id in answers):
                continue
            answer = _answer_text(question, answers.get(question.id))
            if answer is None:
                unanswered.append(question.text)
                continue
            rows.append(
                {
                    "id": question.id,
                    "text": question.text,
                    "answer": answer,
                    "follow_up": question.follows is not None,
                }
            )
        if rows:
            sections.append({"id": section.id, "title": section.title, "questions": rows})
    return sections, unanswered


def quoracy_statement(view: Shown) -> str:
    """The verdict and who else was expected, in the words `show` and the board use."""
    head, rest = view.quoracy_words
    information_only = [a for a in view.discussion.attendees if a.attendance == "information-only"]
    note = ""
    if information_only:
        note = (
            " Information-only contributors sent information but did not take part, and are not"
            " counted for quoracy."
        )
    return (f"{head}; {rest}" if rest else head) + "." + note


def attendees_by_agency(attendees: list[dict], labels: dict[str, str] = AGENCIES) -> list[dict]:
    groups: dict[str, list[dict]] = {}
    for person in attendees:
        groups.setdefault(person["agency"], []).append(person)
    return [
        {"agency": agency_label(agency, labels), "id": agency, "people": people}
        for agency, people in sorted(groups.items(), key=lambda item: agency_label(item[0], labels))
    ]


def _value(field: str, value) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    if field in ("at", "further_by") or field.endswith("_at"):
        try:
            from .render import when

            return when(value)
        except (TypeError, ValueError):
            return str(value)
    if field == "agency":
        return agency_label(value)
    if field == "nhs_number":
        return shown_nhs_number(str(value))
    return str(value)


def _changes(old, new, corrections_only: bool, field: str = "") -> list[dict]:
    """Field by field: what changed from what to what (user text stays plain text)."""
    if isinstance(old, dict) or isinstance(new, dict):
        old, new = old or {}, new or {}
        rows = []
        for field in dict.fromkeys([*old, *new]):
            if field in QUIET_FIELDS or old.get(field) == new.get(field):
                continue
            if corrections_only and old.get(field) is None:
                continue  # filled in, not corrected
            label = FIELD_LABELS.get(field, field.replace("_", " "))
            rows.append(
                {"field": label, "old": _value(field, old.get(field)), "new": _value(field, new.get(field))}
            )
        return rows
    if old == new or (corrections_only and old is None):
        return []
    return [{"field": "", "old": _value(field, old), "new": _value(field, new)}]


def _subject(entry: dict, questions: dict) -> str:
    detail = entry["detail"]
    if "question" in detail:
        return questions.get(detail["question"], detail["question"])
    if "event" in detail:
        return EVENT_LABELS.get(detail["event"], detail["event"]).split(" (")[0]
    if "child" in detail:  # a child's sighting
        return detail["child"]
    for side in ("new", "old"):
        value = detail.get(side)
        if isinstance(value, dict):
            if "task" in value:
                return f"Action {value.get('number', '')}: {value['task']}".replace(" :", ":")
            if "name" in value:
                return value["name"]
    return ""


def _one_change_each(trail: list[dict]):
    """The trail with an answers file's one entry read as one answer each."""
    for entry in trail:
        if entry["action"] == "answers":
            for question_id, change in entry["detail"]["answers"].items():
                yield {**entry, "action": "answer", "detail": {"question": question_id, **change}}
        else:
            yield entry


def amendments(view: Shown, trail: list[dict]) -> list[dict]:
    """What changed after the meeting, from the audit trail.

    Writing the record up after the meeting is not amending it: an entry counts when it
    corrects something already recorded (an old value replaced or removed) after the meeting
    was held, or when it adds to the record after the record was circulated (those who got it
    have not seen the addition). Progress (an action done, a follow-up recorded for the first
    time) is shown elsewhere, not here.

    "After the meeting" is after it took place and after it was recorded as held: a flag set
    while the case was opened, before `held` was run with an earlier --at, was known at the
    meeting and is not an amendment.
    """
    held_at = view.discussion.held_at
    recorded_held = next((e["id"] for e in trail if e["action"] == "held"), None)
    if held_at is None or recorded_held is None:
        return []
    questions = {q.id: q.text for q in view.profile.questions}
    circulation = _circulation(trail)
    found = []
    for entry in _one_change_each(trail):
        action, detail = entry["action"], entry["detail"]
        if action == "record" and detail.get("event") == "record-circulated" and detail.get("old") is None:
            continue  # circulating the record is progress, not an amendment
        if entry["at"] <= held_at or entry["id"] <= recorded_held:
            continue
        circulated_before = circulation is not None and entry["id"] > circulation
        rows: list[dict] = []
        what = None
        if action in ("attend.remove", "child.remove", "action.remove", "family.remove"):
            rows, what = [{"field": "", "old": None, "new": None}], CORRECTIONS[action]
        elif action in CORRECTIONS:
            rows, what = (
                _changes(
                    detail.get("old"),
                    detail.get("new"),
                    corrections_only=True,
                    field="at" if "event" in detail else "",
                ),
                CORRECTIONS[action],
            )
        if not rows and circulated_before and action in ADDITIONS:
            rows = _changes(
                detail.get("old"),
                detail.get("new"),
                corrections_only=False,
                field="at" if "event" in detail else "",
            )
            what = ADDITIONS[action] + " after the record was circulated"
        if not rows:
            continue
        subject = _subject(entry, questions)
        if action in (
            "child.remove",
            "record.withdraw",
            "action.remove",
            "family.remove",
            "child.seen.withdraw",
        ) and detail.get("note"):
            subject = f"{subject} (why: {detail['note']})"
        found.append(
            {
                "at": iso(entry["at"]),
                "by": entry["by"],
                "what": what,
                "subject": subject,
                "changes": rows,
            }
        )
    return found


def _circulation(trail: list[dict]) -> int | None:
    """The audit entry that recorded the record's circulation, unless it was withdrawn since
    (then the record was not circulated, and nothing is "added after" it)."""
    found = None
    for entry in trail:
        if entry["detail"].get("event") != "record-circulated":
            continue
        if entry["action"] == "record" and found is None:
            found = entry["id"]
        elif entry["action"] == "record.withdraw":
            found = None
    return found


def follow_ups_done(view: Shown) -> list[dict]:
    """What is already done: each follow-up recorded, and each one an agency's taking part
    cleared, with how (``how``: "cleared: Lee Lado (LADO) attended"; its time the meeting's)."""
    discussion, profile = view.discussion, view.profile
    done = [
        {"what": EVENT_LABELS.get(event, event), "at": iso(at), "how": None}
        for event, at in sorted(discussion.events.items(), key=lambda item: item[1])
    ]
    sightings = [child.seen for child in discussion.children]
    if "child-seen" not in discussion.events and sightings and all(sightings):
        last = max(seen.at for seen in sightings if seen is not None)
        done.append({"what": "Child seen (every child)", "at": iso(last), "how": None})
        done.sort(key=lambda item: item["at"] or "")
    for kind, attendee in rules.cleared_by_attendance(discussion, profile):
        done.append(
            {
                "what": profile.title(kind),
                "at": iso(discussion.held_at),
                "how": rules.attendance_evidence(attendee, profile.agencies),
            }
        )
    return done


def sighting_words(seen: dict | None) -> str | None:
    """How a child was seen, after when: "by Sam Social, alone" (None: not seen)."""
    if seen is None:
        return None
    parts = [f"by {seen['by']}"] if seen["by"] else []
    if seen["alone"] is not None:
        parts.append("alone" if seen["alone"] else "not alone")
    return ", ".join(parts)


def timeliness(view: Shown) -> str | None:
    """Whether the discussion was held within its timescale (for the header): by the target,
    past the target but within the maximum, or late (after the maximum, where there is one)."""
    due, held = view.due, view.discussion.held_at
    if due is None or held is None:
        return None
    if held <= due:
        return "held within the timescale"
    limit = view.late_after or due
    if held <= limit:
        return "held past the target, within the maximum"
    hours = (held - limit).total_seconds() / 3600
    amount = f"{round(hours)} hours" if hours < 48 else f"{round(hours / 24)} days"
    return f"held {amount} after the {'maximum' if limit != due else 'timescale'}"


def maximum_due(view: Shown) -> str | None:
    """The maximum beyond the target when the discussion's rule has one (for the header)."""
    late_after = view.late_after
    return iso(late_after) if late_after is not None and late_after != view.due else None


def professional(view: Shown, trail: list[dict], generated_at: datetime, with_warnings: bool = False) -> dict:
    """The professional record's template context, from the typed view. ``d`` is the JSON
    document (``show --json``) as well, for templates (a user's own included) that read it.

    The program's warnings are for the chair (``with_warnings``), not the circulated copy."""
    discussion, profile = view.discussion, view.profile
    checklist, unanswered = checklist_sections(profile, view.answers)
    document = discussion_json(view)  # its items are the template's rows, with labels added
    attendees = [
        {
            **person,
            "agency_label": agency_label(person["agency"], profile.agencies),
            "attendance_label": ATTENDANCE_LABELS.get(person["attendance"], person["attendance"]),
        }
        for person in document["attendees"]
    ]
    deadlines = [
        {**item, "status_label": STATUS_LABELS.get(item["status"], item["status"])}
        for item in document["deadlines"]
    ]
    return {
        "audience": "professional",
        "marking": MARKING,
        "reference": discussion.reference,
        "d": document,
        "profile": {"id": profile.id, "name": profile.name, "source": profile.source},
        "format_label": FORMAT_LABELS.get(discussion.held_format or "", discussion.held_format),
        "categories": [profile.categories.get(c, CATEGORIES.get(c, c)) for c in discussion.categories],
        "timeliness": timeliness(view),
        "maximum_due": maximum_due(view),
        "children": [
            {
                **c,
                "circumstances": circumstances(c),
                "age": age_in_words(typed.dob, typed.edd, view.on_day),
                "seen_how": sighting_words(c["seen"]),
            }
            for c, typed in zip(document["children"], discussion.children, strict=True)
        ],
        "family": [
            {
                **m,
                "relationship_label": RELATIONSHIPS.get(m["relationship"], m["relationship"]),
                "notes": family_notes(m),
                "age": age_in_words(typed.dob, None, view.on_day) if typed.dob else None,  # "17 years"
            }
            for m, typed in zip(document["family"], discussion.family, strict=True)
        ],
        "several_households": len(households(discussion)) > 1,
        "identifiers": identifiers(document["children"]),
        "quoracy": quoracy_statement(view),
        "groups": attendees_by_agency(attendees, profile.agencies),
        # What each agency shared: the professional record's only (family() never reads it).
        "shared": attendees_by_agency([p for p in attendees if p["shared"]], profile.agencies),
        "information_only": [p for p in attendees if p["attendance"] == "information-only"],
        "checklist": checklist,
        "unanswered": unanswered,
        "answered": len(view.answers),
        "total": len(profile.questions),
        "decision": document["decision"],
        "actions": [
            {**a, "agency_label": agency_label(a["agency"], profile.agencies)} for a in document["actions"]
        ],
        "disagreements": [
            {**item, "agency_label": agency_label(item["agency"], profile.agencies)}
            for item in document["disagreements"]
        ],
        "closed_pending": closed_pending(discussion.status, trail),
        "deadlines": deadlines,
        "follow_ups": follow_ups_done(view),
        "distribution": attendees,
        "circulated_at": iso(discussion.events.get("record-circulated")),
        "amendments": amendments(view, trail),
        "warnings": list(view.warnings) if with_warnings else [],
        "generated_at": iso(generated_at),
    }


def closed_pending(status: str, trail: list[dict]) -> list[str]:
    """What was still pending when the discussion was last closed with ``--force`` (none: it
    is open, or was closed with nothing pending), from the close's audit entry."""
    if status != "closed":
        return []
    last = next((entry for entry in reversed(trail) if entry["action"] == "close"), None)
    return list(last["detail"].get("pending", [])) if last else []


def identifiers(children: list[dict]) -> list[dict]:
    """The header's line for each child with a case-system ID or an NHS number (shown
    ``943 476 5919``), for filing the minutes in the case system. The professional record's
    only: the family version never reads them."""
    return [
        {
            "name": c["name"],
            "case_id": c["case_id"],
            "nhs_number": shown_nhs_number(c["nhs_number"]) if c["nhs_number"] else None,
        }
        for c in children
        if c["case_id"] or c["nhs_number"]
    ]


def family_contact(view: Shown, contact: str | None = None) -> str | None:
    """Who the family should contact: ``contact`` as given for this export, or the attendees
    marked as the family's contact, each as "name, role, agency". Nothing else about any
    attendee reaches the family version."""
    if contact is not None:
        return contact.strip()
    marked = [
        ", ".join(part for part in (a.name, a.role, agency_label(a.agency, view.profile.agencies)) if part)
        for a in view.discussion.attendees
        if a.family_contact
    ]
    return "; ".join(marked) or None


def family(
    view: Shown, generated_at: datetime, contact: str | None = None, household: str | None = None
) -> dict:
    """Only what may be shared with the family: an allow-list, field by field.

    domain.md's allow-list: the header (reference, date and time, format, chair, profile and
    marking), the children, what the decision says to share, the actions marked for the family.
    The reason, the checklist, the rationale, what is withheld and the police's plans are
    never read here, so they cannot reach the family version; of the attendees, only the
    family's contact (name, role, agency) is.

    It is addressed to one household (``household``: needed when there are several; a
    ``HouseholdError`` names them) and names only that household's children and family.
    """
    discussion = view.discussion
    decision = discussion.decision
    household = chosen_household(discussion, household)
    return {
        "audience": "family",
        "marking": MARKING,
        "reference": discussion.reference,
        "held_at": iso(discussion.held_at),
        "format_label": FORMAT_LABELS.get(discussion.held_format or "", discussion.held_format),
        "chair": discussion.chair,
        "profile_name": view.profile.name,
        "to": [m.name for m in discussion.family if in_household(m, household)],
        "contact": family_contact(view, contact),
        "children": [
            {
                "name": c.name,
                "age": age_in_words(c.dob, c.edd, view.on_day),
                "unborn": (c.dob is None and c.edd is not None)
                or (c.dob is not None and c.dob > view.on_day),
            }
            for c in discussion.children
            if in_household(c, household)
        ],
        "share": decision.share if decision else None,
        "actions": [
            {
                "task": a.task,
                "owner": a.owner,
                "agency_label": agency_label(a.agency, view.profile.agencies),
                "due_at": iso(a.due_at),
                "done_at": iso(a.done_at),
            }
            for a in discussion.actions
            if a.for_family
        ],
        "generated_at": iso(generated_at),
    }
