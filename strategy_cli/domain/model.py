"""The record of a strategy discussion, as plain values the rules compute over."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

CATEGORIES = {
    "standard": "Reasonable cause to suspect significant harm",
    "serious-harm": "Serious risk of harm (e.g. serious physical injury or serious neglect)",
    "sexual-abuse-forensic": "Penetrative sexual abuse, forensic evidence to be secured",
    "immediate-action": "Immediate action required by either agency",
    "organised-abuse": "Organised abuse",
    "allegation-against-staff": "Allegation against staff, volunteers or foster carers",
}

AGENCIES = {
    "social-care": "Children's social care",
    "health": "Health",
    "police": "Police",
    "education": "Education (school or nursery)",
    "lado": "LADO",
    "adult-social-care": "Adult social care",
    "paediatrician": "Paediatrician",
    "consultant": "Responsible medical consultant",
    "ward-nurse": "Senior ward nurse",
    "fostering": "Residential or fostering service",
    "referrer": "Referrer",
    "youth-justice": "Youth justice",
    "adult-mental-health": "Adult mental health",
    "substance-misuse": "Substance misuse",
    "domestic-abuse": "Domestic abuse specialist",
    "british-transport-police": "British Transport Police",
    "other": "Other",
}

# Clinicians who are health practitioners for quoracy (cli.md: "these three count as health").
COUNTS_AS = {"paediatrician": "health", "consultant": "health", "ward-nurse": "health"}

ATTENDANCE = ("present", "apologies", "information-only")
FORMATS = ("face-to-face", "virtual", "telephone")

# What `strategy record REF EVENT` can record, and the deadline each one clears.
EVENTS = {
    "child-seen": "child-seen",
    "icpc-held": "icpc",
    "lado-informed": "lado",
    "record-circulated": "record-circulated",
    "referrer-informed": "referrer-informed",
    "review-held": "review",
}

DEADLINE_KINDS = (
    "discussion",
    "child-seen",
    "icpc",
    "lado",
    "review",
    "action",
    "record-circulated",
    "referrer-informed",
)


def kind_order(kind: str) -> int:
    """Where a kind of deadline sorts among equals: the built-in order, a profile's own after."""
    return DEADLINE_KINDS.index(kind) if kind in DEADLINE_KINDS else len(DEADLINE_KINDS)


def canonical_reference(text: str) -> str:
    """A reference as the record holds it (``sd-2026-0001 `` is ``SD-2026-0001``)."""
    return text.strip().upper()


@dataclass(frozen=True)
class Sighting:
    """A child seen: by whom, when, and whether alone (None: not recorded). Each child of a
    discussion must be seen; the child-seen deadline clears when all of them are."""

    by: str | None  # None: not recorded
    at: datetime
    alone: bool | None = None


@dataclass
class Child:
    name: str
    dob: date | None = None
    edd: date | None = None
    looked_after: bool = False
    in_hospital: bool = False
    hospital_services: bool = False
    medical: bool = False
    communication_needs: bool = False
    interpreter: str | None = None
    no_adult_care_needs: bool = False
    # Identifiers in other systems (domain/identifiers.py): never in the family's version.
    case_id: str | None = None  # the case-management system's ID
    nhs_number: str | None = None  # ten digits, its check digit verified
    seen: Sighting | None = None  # None: not seen yet (schema 11)


@dataclass
class Attendee:
    name: str
    agency: str
    role: str | None = None
    attendance: str = "present"
    # What this agency brought to the discussion (schema 11): professional minutes only.
    shared: str | None = None


@dataclass
class Decision:
    """The discussion's one decision; ``None`` fields have not been decided yet."""

    s47: bool | None = None
    police_investigation: bool | None = None
    rationale: str | None = None
    share: str | None = None
    withholding: bool | None = None
    withhold: str | None = None
    withhold_rationale: str | None = None
    further_discussion: bool | None = None
    further_by: datetime | None = None
    decided_at: datetime | None = None


@dataclass
class Action:
    number: int
    task: str
    owner: str | None = None
    agency: str | None = None
    due_at: datetime | None = None
    agreed_at: datetime | None = None
    done_at: datetime | None = None
    for_family: bool = False


@dataclass
class Discussion:
    reference: str
    procedure: str
    categories: list[str]
    concern_at: datetime
    opened_at: datetime
    status: str = "open"
    summary: str | None = None
    referrer: str | None = None
    follows: str | None = None
    children: list[Child] = field(default_factory=list)
    attendees: list[Attendee] = field(default_factory=list)
    decision: Decision | None = None
    actions: list[Action] = field(default_factory=list)
    answers: dict[str, object] = field(default_factory=dict)
    held_at: datetime | None = None
    held_format: str | None = None
    chair: str | None = None
    events: dict[str, datetime] = field(default_factory=dict)
    # The follow-ups of this discussion already held: the further-discussion time each was
    # opened for (None: none was set).
    held_follow_ups: tuple[datetime | None, ...] = ()
    closed_reason: str | None = None
    # For a follow-up: the further-discussion time the earlier decision had set when it was
    # opened (a fact of this record, written once).
    follows_by: datetime | None = None
    # The exact version of its procedure profile the discussion is judged under (the content
    # hash of the version stored in the database; None: opened before versions were kept and
    # its profile could not be read then, so the profile file as it is now).
    procedure_version: str | None = None


@dataclass(frozen=True)
class Deadline:
    """One thing that must happen, by when (``None``: as soon as practicable), and why."""

    kind: str
    title: str
    due_at: datetime | None
    rule: str
    key: str
    # A target with a maximum (a profile's ``maximum``): past the target it is "past target",
    # and overdue only after this.
    maximum_at: datetime | None = None
