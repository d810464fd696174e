"""The record of a strategy discussion, as plain values the rules compute over."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .text import name_key, same_name

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
    "disagreement",
)

# What each kind of deadline asks, as the board and the minutes title it (a profile's own
# follow-ups carry their own titles).
TITLES = {
    "discussion": "Hold the strategy discussion",
    "child-seen": "See the child",
    "icpc": "Hold the initial child protection conference",
    "lado": "Inform the LADO and the police Public Protection Unit",
    "review": "Hold the further strategy discussion",
    "record-circulated": "Circulate the record to all invitees",
    "referrer-informed": "Tell the referrer what is happening",
    "disagreement": "Resolve the disagreement",
}


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
    # Which household of the discussion the child lives in: a short label ("1" when there is
    # one). The family version of the minutes goes to one household and names only its own.
    household: str = "1"
    seen: Sighting | None = None  # None: not seen yet (schema 11)


# How a family member or significant adult stands to the children (`family add --relationship`).
RELATIONSHIPS = {
    "mother": "Mother",
    "father": "Father",
    "carer": "Carer",
    "sibling": "Sibling",
    "other": "Other significant adult",
}

HOUSEHOLD = "1"  # the label of the one household a discussion has unless told otherwise


@dataclass
class FamilyMember:
    """A parent, carer, sibling or other significant adult: a person, not a child of the
    discussion (no deadlines, quoracy or checklist of their own), though a parent under 18 is
    a young person in her own right (rules.circumstances)."""

    name: str
    relationship: str
    dob: date | None = None
    care_needs: bool = False  # has care and support needs of their own
    household: str = HOUSEHOLD


@dataclass
class Attendee:
    name: str
    agency: str
    role: str | None = None
    attendance: str = "present"
    # The family's contact: the family version names them ("Your contact: ...").
    family_contact: bool = False
    # What this agency brought to the discussion (schema 13): professional minutes only.
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
class Disagreement:
    """A difference of opinion between agencies about the discussion's outcome, as it stands:
    raised, perhaps escalated (to senior managers, then the escalation policy), perhaps resolved."""

    number: int
    agency: str
    about: str
    position: str | None = None
    raised_at: datetime | None = None
    escalated_to: str | None = None
    escalated_at: datetime | None = None
    outcome: str | None = None
    resolved_at: datetime | None = None


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
    family: list[FamilyMember] = field(default_factory=list)
    attendees: list[Attendee] = field(default_factory=list)
    decision: Decision | None = None
    actions: list[Action] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
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


def households(discussion: Discussion) -> list[str]:
    """The households of a discussion, each once, in the order they were first recorded
    (children first): ``["1"]`` for the usual single household."""
    found: dict[str, str] = {}
    labels = [c.household for c in discussion.children] + [m.household for m in discussion.family]
    for label in labels:
        found.setdefault(name_key(label), label)
    return list(found.values()) or [HOUSEHOLD]


def in_household(person: Child | FamilyMember, household: str) -> bool:
    """Whether a child or family member lives in that household (labels are read as names
    are: ``flat 2`` is ``Flat 2``)."""
    return same_name(person.household, household)


def as_recorded_household(discussion: Discussion, household: str) -> str:
    """A household label as the discussion already spells it (``flat 2`` is the ``Flat 2``
    recorded), or as given when it is a new one."""
    return next((h for h in households(discussion) if same_name(h, household)), household)


class HouseholdError(ValueError):
    """The household the family version is for cannot be told: not given among several, or
    not one of the discussion's."""


def chosen_household(discussion: Discussion, given: str | None) -> str:
    """The household the family version goes to: the one given (as recorded), or the only one.
    Among several, not giving one is an error naming them all, never a guess: the family
    version of one household never names another's children."""
    known = households(discussion)
    if given is None:
        if len(known) > 1:
            raise HouseholdError(
                f"{discussion.reference} covers {len(known)} households ({', '.join(known)}): "
                "say which one the family version is for with --household"
            )
        return known[0]
    found = next((h for h in known if same_name(h, given)), None)
    if found is None:
        raise HouseholdError(
            f"{discussion.reference} has no household {given!r}; its households: {', '.join(known)}"
        )
    return found
