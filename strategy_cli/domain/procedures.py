"""Procedure profiles: a local partnership's rules as data, validated into typed objects.

A profile is a TOML file (see ``strategy_cli/procedures/``). Loading checks every field and
names the file and the field at fault, so a partnership can add its own profile without code.
This module only parses text it is given: finding the files is the shell's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Literal, NoReturn, TypedDict, cast, overload

from .model import AGENCIES, CATEGORIES, COUNTS_AS, DEADLINE_KINDS, EVENTS, TITLES

QUESTION_TYPES = ("yes-no", "text", "choice")
# When a rule applies, by the decision: always, or once the decision says so. "none" is the
# outcome with neither s47 enquiries nor a police investigation.
CONDITIONS = ("always", "s47", "police", "s47-or-police", "joint", "none")
CIRCUMSTANCES = (
    "looked-after",
    "hospital-services",
    "in-hospital",
    "medical",
    "near-adult",
    "allegation-against-staff",
)
# What starts a clock. The tool records one instant for "the referral received or the concern
# identified" (--concern-at), so "referral" and "concern" start at the same moment.
CLOCK_STARTS = ("concern", "referral", "decision-to-hold", "held", "decision")
# Each built-in kind's clock, where the profile does not say.
DEFAULT_START = {
    "discussion": "concern",
    "lado": "concern",
    "child-seen": "held",
    "icpc": "held",
    "record-circulated": "held",
    "referrer-informed": "decision-to-hold",
}
DECISION_FIELDS = (
    "s47",
    "police_investigation",
    "rationale",
    "share",
    "withholding",
    "withhold",
    "withhold_rationale",
    "further_discussion",
)
# Facts the record holds that a question may be answered by (see facts.py), and the type of
# question each answers.
RECORD_FACTS = {
    "core-agencies-present": "yes-no",
    "in-hospital": "yes-no",
    "interpreter-needed": "yes-no",
}
OUTCOME_KEYS = ("none", "s47", "police", "joint")
TIMESCALE_KEYS = ("hours", "immediately", "working_days", "same_day", "undated", "date_set")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

# The keys each table of a profile may hold (docs/procedures.md describes every one). Anything
# else is an error naming the key and the nearest valid one: a typo is never silently ignored.
KEYS = {
    "": (
        "format",
        "id",
        "name",
        "source",
        "version",
        "address",
        "checklist",
        "calendar",
        "quoracy",
        "expected",
        "outcomes",
        "categories",
        "agencies",
        "followups",
        "deadlines",
        "sections",
        "questions",
    ),
    "calendar": ("country", "subdivision", "closes"),
    "quoracy": ("always", "rule", "when", "categories"),
    "deadlines": (
        "kind",
        "rule",
        "section",
        "address",
        "categories",
        "circumstances",
        "when",
        "from",
        *TIMESCALE_KEYS,
        "maximum",
    ),
    "maximum": ("hours", "working_days", "same_day"),
    "categories": ("id", "label", "wording"),
    "agencies": ("id", "label", "counts_as", "expected_when"),
    "followups": ("kind", "title", "event", "agency"),
    "sections": ("id", "title"),
    "questions": (
        "id",
        "section",
        "text",
        "type",
        "choices",
        "help",
        "follows",
        "when",
        "decision",
        "source",
        "record",
    ),
}


class ProfileError(ValueError):
    """A profile that does not validate; the message names the file and the field."""


@dataclass(frozen=True)
class Timescale:
    """How long a deadline allows: elapsed ``hours`` (0: immediately), ``working_days``, the
    ``same_day``, ``undated`` (as soon as practicable) or a ``date_set`` by the discussion."""

    hours: int | None = None
    working_days: int | None = None
    same_day: bool = False
    undated: bool = False
    date_set: bool = False

    def describe(self) -> str:
        if self.hours == 0:
            return "immediately"
        if self.hours is not None:
            return f"{self.hours} hour{'s' if self.hours != 1 else ''}"
        if self.working_days is not None:
            return f"{self.working_days} working day{'s' if self.working_days != 1 else ''}"
        if self.same_day:
            return "same day"
        if self.date_set:
            return "the date set"
        return "as soon as practicable"


class _Count(TypedDict, total=False):
    """The ``Timescale`` fields that hold a number (for type checking only)."""

    hours: int
    working_days: int


@dataclass(frozen=True)
class DeadlineRule:
    kind: str
    timescale: Timescale
    rule: str
    categories: tuple[str, ...] = ()
    when: str = "always"
    # A target with a maximum: due at the target, "past target" until the maximum, overdue after.
    maximum: Timescale | None = None
    # What starts the clock (None: the kind's usual start, DEFAULT_START).
    start: str | None = None
    # Applies only where one of these circumstances holds (empty: whatever the circumstances).
    circumstances: tuple[str, ...] = ()
    # Where in the source document the rule is written.
    section: str | None = None
    address: str | None = None

    def describe(self) -> str:
        """The timescale as a person says it: "1 working day (at most 3 working days)"."""
        told = self.timescale.describe()
        return f"{told} (at most {self.maximum.describe()})" if self.maximum else told


@dataclass(frozen=True)
class FollowUp:
    """A follow-up a profile defines beyond the built-in kinds: what to do, and the event
    (``strategy record REF EVENT``) that says it is done."""

    kind: str
    title: str
    event: str
    # An agency whose attendance at the discussion clears it too (it has been informed).
    agency: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    text: str
    type: str
    choices: tuple[str, ...] = ()
    help: str | None = None
    follows: str | None = None
    when: object = None
    decision: str | None = None
    source: str | None = None
    # A fact the record itself holds (see domain/facts.py): answered from the record, never
    # kept as a second copy.
    record: str | None = None


@dataclass(frozen=True)
class Section:
    id: str
    title: str


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    source: str
    calendar_country: str
    calendar_subdivision: str | None
    quorum: tuple[str, ...]
    quorum_when: dict[str, tuple[str, ...]]
    expected: dict[str, tuple[str, ...]]
    outcomes: dict[str, str]
    deadlines: tuple[DeadlineRule, ...]
    sections: tuple[Section, ...] = ()
    questions: tuple[Question, ...] = ()
    quoracy_rule: str = ""
    origin: str = ""
    question_index: dict[str, Question] = field(default_factory=dict, compare=False)
    # Second edition (docs/procedures.md); each defaults to what a first-edition profile means.
    categories: dict[str, str] = field(default_factory=lambda: dict(CATEGORIES))
    category_wording: dict[str, str] = field(default_factory=dict)
    agencies: dict[str, str] = field(default_factory=lambda: dict(AGENCIES))
    counts_as: dict[str, str] = field(default_factory=lambda: dict(COUNTS_AS))
    quorum_categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    closes: time | None = None
    followups: dict[str, FollowUp] = field(default_factory=dict)
    version: str | None = None
    address: str | None = None

    def rules_for(self, kind: str) -> list[DeadlineRule]:
        return [rule for rule in self.deadlines if rule.kind == kind]

    def outcome_label(self, s47: bool | None, police: bool | None) -> str | None:
        """The profile's own words for the decision; ``None`` until both halves are decided."""
        if s47 is None or police is None:
            return None
        return self.outcomes[outcome_key(s47, police)]

    def title(self, kind: str) -> str:
        """What a deadline of this kind asks, in the profile's words where it defines the kind."""

        followup = self.followups.get(kind)
        return followup.title if followup else TITLES[kind]

    @property
    def events(self) -> dict[str, str]:
        """Every event `strategy record` can record under this profile, and the kind it clears."""
        return {**EVENTS, **{f.event: f.kind for f in self.followups.values()}}


def outcome_key(s47: bool, police: bool) -> str:
    return {(False, False): "none", (True, False): "s47", (False, True): "police"}.get((s47, police), "joint")


def parse_toml(text: str, origin: str) -> dict:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{origin}: not valid TOML ({error})") from None


def resolve(text: str, origin: str, read_checklist: Callable[[str], tuple[str, str]] | None = None) -> dict:
    """A profile's data with its named checklist folded in: everything that decides what the
    tool computes, in one value (what a discussion is pinned to)."""
    data = parse_toml(text, origin)
    name = data.get("checklist")
    if name is None:
        return data
    if "questions" in data or "sections" in data or read_checklist is None:
        raise ProfileError(
            f"{origin}: checklist: give either 'checklist' or 'sections' and 'questions', not both"
        )
    if not isinstance(name, str) or not _ID.match(name):
        raise ProfileError(f"{origin}: checklist: {name!r} is not a checklist name")
    try:
        checklist_text, checklist_origin = read_checklist(name)
    except ProfileError as error:
        raise ProfileError(f"{origin}: checklist: {error}") from None
    included = parse_toml(checklist_text, checklist_origin)
    unknown = set(included) - {"sections", "questions"}
    if unknown:
        key = sorted(unknown)[0]
        raise ProfileError(
            f"{checklist_origin}: {key}: unknown key{_nearest(key, ('sections', 'questions'))}"
        )
    resolved = {k: v for k, v in data.items() if k != "checklist"}
    resolved["sections"] = included.get("sections", [])
    resolved["questions"] = included.get("questions", [])
    reader = _Reader(included, checklist_origin)  # its mistakes are named against its own file
    reader.checklist()
    return resolved


def load_profile(
    text: str, origin: str, read_checklist: Callable[[str], tuple[str, str]] | None = None
) -> Profile:
    """Parse and validate one profile; ``origin`` (a file name) appears in every error.

    A profile either lists its ``sections`` and ``questions`` itself or names a shared
    checklist (``checklist = "key-questions"``), which ``read_checklist`` returns as
    ``(text, origin)``.
    """
    return load_resolved(resolve(text, origin, read_checklist), origin)


def load_resolved(data: dict, origin: str) -> Profile:
    """Validate a profile's data (``resolve``'s value, or a pinned version's)."""
    return _Reader(data, origin).profile()


def fingerprint(data: dict) -> str:
    """The content hash a version of a profile is stored and pinned under."""
    import hashlib

    return hashlib.sha256(canonical(data).encode()).hexdigest()


def canonical(data: dict) -> str:
    """One text for one meaning: keys sorted, no spaces, so equal profiles hash equal."""
    import json

    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _nearest(key: str, valid) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (valid keys: {', '.join(valid)})"


class _Reader:
    """Reads a parsed profile field by field, naming ``file: field`` in every complaint."""

    def __init__(self, data: dict, origin: str):
        self.data = data
        self.origin = origin
        self.categories: dict[str, str] = dict(CATEGORIES)
        self.agencies: dict[str, str] = dict(AGENCIES)

    def fail(self, where: str, problem: str) -> NoReturn:
        raise ProfileError(f"{self.origin}: {where}: {problem}")

    def table(self, value, where: str, schema: str) -> dict:
        """A table whose keys are all known (``KEYS[schema]``)."""
        if not isinstance(value, dict):
            self.fail(where or "profile", "must be a table")
        for key in value:
            if key not in KEYS[schema]:
                self.fail(f"{where}.{key}" if where else key, f"unknown key{_nearest(key, KEYS[schema])}")
        return value

    def tables(self, value, where: str, schema: str) -> list[dict]:
        if not isinstance(value, list):
            self.fail(where, f"must be an array of tables ([[{where}]])")
        return [self.table(item, f"{where}[{index}]", schema) for index, item in enumerate(value)]

    @overload
    def text(self, table: Mapping, key: str, where: str, required: Literal[True] = ...) -> str: ...
    @overload
    def text(self, table: Mapping, key: str, where: str, required: bool) -> str | None: ...

    def text(self, table: Mapping, key: str, where: str, required: bool = True) -> str | None:
        value = table.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{where}.{key}" if where else key, "must be a non-empty string")
        return value

    def ident(self, table: Mapping, key: str, where: str) -> str:
        value = self.text(table, key, where)
        if not _ID.match(value):
            self.fail(
                f"{where}.{key}" if where else key,
                f"{value!r} must be lower-case letters, digits and hyphens",
            )
        return value

    def ids(self, value, where: str, allowed) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(where, "must be a list of strings")
        for item in value:
            if item not in allowed:
                self.fail(where, f"unknown id {item!r}{_nearest(item, list(allowed))}")
        return tuple(value)

    def profile(self) -> Profile:
        data = self.table(self.data, "", "")
        edition = data.get("format", 1)
        if type(edition) is not int or edition not in (1, 2):
            self.fail("format", f"{edition!r} is not a format this version reads (1 or 2)")
        profile_id = self.ident(data, "id", "")
        calendar = self.table(
            data.get("calendar", {"country": "GB", "subdivision": "ENG"}), "calendar", "calendar"
        )
        self.read_categories()
        counts_as = self.read_agencies()
        quoracy = self.table(data.get("quoracy"), "quoracy", "quoracy") if "quoracy" in data else None
        if quoracy is None or "always" not in quoracy:
            self.fail("quoracy", "must be a table with 'always'")
        quorum = self.ids(quoracy.get("always"), "quoracy.always", self.agencies)
        quorum_when = self.agencies_by(quoracy.get("when", {}), "quoracy.when", CIRCUMSTANCES, "circumstance")
        quorum_categories = self.agencies_by(
            quoracy.get("categories", {}), "quoracy.categories", self.categories, "category"
        )
        expected = self.expected()
        sections, questions = self.checklist()
        followups = self.followups()
        return Profile(
            id=profile_id,
            name=self.text(data, "name", ""),
            source=self.text(data, "source", ""),
            calendar_country=self.text(calendar, "country", "calendar"),
            calendar_subdivision=self.text(calendar, "subdivision", "calendar", False),
            quorum=quorum,
            quorum_when=quorum_when,
            expected=expected,
            outcomes=self.outcomes(),
            deadlines=self.deadline_rules(followups),
            sections=sections,
            questions=questions,
            quoracy_rule=self.text(quoracy, "rule", "quoracy", False) or "",
            origin=self.origin,
            question_index={q.id: q for q in questions},
            categories=self.categories,
            category_wording=self.category_wording,
            agencies=self.agencies,
            counts_as={k: v for k, v in counts_as.items() if v},
            quorum_categories=quorum_categories,
            closes=self.closing_time(calendar),
            followups=followups,
            version=self.text(data, "version", "", False),
            address=self.text(data, "address", "", False),
        )

    def read_categories(self) -> None:
        """A profile's own categories replace the built-in ones (the first edition's)."""
        self.category_wording: dict[str, str] = {}
        if "categories" not in self.data:
            return
        found: dict[str, str] = {}
        for index, table in enumerate(self.tables(self.data["categories"], "categories", "categories")):
            where = f"categories[{index}]"
            category = self.ident(table, "id", where)
            if category in found:
                self.fail(f"{where}.id", f"{category!r} is defined twice")
            found[category] = self.text(table, "label", where)
            wording = self.text(table, "wording", where, False)
            if wording:
                self.category_wording[category] = wording
        if not found:
            self.fail("categories", "must define at least one category")
        self.categories = found

    def read_agencies(self) -> dict[str, str | None]:
        """A profile's own agencies join the built-in ones; each may fill a quoracy role
        (``counts_as``) and be expected in some circumstances or categories."""
        counts_as: dict[str, str | None] = dict(COUNTS_AS)
        self.expected_when: dict[str, list[str]] = {}
        for index, table in enumerate(self.tables(self.data.get("agencies", []), "agencies", "agencies")):
            where = f"agencies[{index}]"
            agency = self.ident(table, "id", where)
            if agency in self.agencies and agency not in AGENCIES:
                self.fail(f"{where}.id", f"{agency!r} is defined twice")
            self.agencies[agency] = (
                self.text(table, "label", where, agency not in AGENCIES) or AGENCIES[agency]
            )
            role = table.get("counts_as")
            if role is not None:
                counts_as[agency] = self.ids([role], f"{where}.counts_as", self.agencies)[0]
            for when in self.ids(
                table.get("expected_when", []), f"{where}.expected_when", (*CIRCUMSTANCES, *self.categories)
            ):
                self.expected_when.setdefault(when, []).append(agency)
        return counts_as

    def expected(self) -> dict[str, tuple[str, ...]]:
        """``[expected]`` and each agency's ``expected_when``, merged by circumstance or category."""
        keys = (*CIRCUMSTANCES, *self.categories)
        result = self.agencies_by(self.data.get("expected", {}), "expected", keys, "circumstance or category")
        for key, agencies in self.expected_when.items():
            result[key] = tuple(dict.fromkeys((*result.get(key, ()), *agencies)))
        return result

    def agencies_by(self, table, where: str, keys, what: str) -> dict[str, tuple[str, ...]]:
        """A table of agency lists keyed by a circumstance or a category (``keys``; ``what``
        names the kind of key in a complaint)."""
        if not isinstance(table, dict):
            self.fail(where, "must be a table")
        result = {}
        for key, value in table.items():
            if key not in keys:
                self.fail(f"{where}.{key}", f"unknown {what}{_nearest(key, list(keys))}")
            result[key] = self.ids(value, f"{where}.{key}", self.agencies)
        return result

    def closing_time(self, calendar: dict) -> time | None:
        closes = calendar.get("closes")
        if closes is None:
            return None
        match = _CLOCK.match(closes) if isinstance(closes, str) else None
        if not match:
            self.fail("calendar.closes", f'{closes!r} must be a time of day written HH:MM, e.g. "17:00"')
        return time(int(match.group(1)), int(match.group(2)))

    def outcomes(self) -> dict[str, str]:
        table = self.data.get("outcomes")
        if not isinstance(table, dict):
            self.fail("outcomes", f"must be a table with {', '.join(OUTCOME_KEYS)}")
        for key in table:
            if key not in OUTCOME_KEYS:
                self.fail(f"outcomes.{key}", f"unknown outcome{_nearest(key, OUTCOME_KEYS)}")
        return {key: self.text(table, key, "outcomes") for key in OUTCOME_KEYS}

    def followups(self) -> dict[str, FollowUp]:
        found: dict[str, FollowUp] = {}
        events = set(EVENTS)
        for index, table in enumerate(self.tables(self.data.get("followups", []), "followups", "followups")):
            where = f"followups[{index}]"
            kind = self.ident(table, "kind", where)
            if kind in DEADLINE_KINDS or kind in found or kind.startswith(("action-", "disagreement-")):
                self.fail(
                    f"{where}.kind",
                    f"{kind!r} is already a kind of deadline (or an action's or a disagreement's key)",
                )
            event = self.ident(table, "event", where)
            if event in events:
                self.fail(f"{where}.event", f"{event!r} is already an event")
            events.add(event)
            agency = table.get("agency")
            if agency is not None:
                if not isinstance(agency, str):
                    self.fail(f"{where}.agency", "must be an agency id (a string)")
                agency = self.ids([agency], f"{where}.agency", self.agencies)[0]
            found[kind] = FollowUp(kind, self.text(table, "title", where), event, agency)
        return found

    def deadline_rules(self, followups: dict[str, FollowUp]) -> tuple[DeadlineRule, ...]:
        if "deadlines" not in self.data or not self.data["deadlines"]:
            self.fail("deadlines", "must be a non-empty array of tables ([[deadlines]])")
        kinds = (*DEADLINE_KINDS, *followups)
        result = []
        for index, table in enumerate(self.tables(self.data["deadlines"], "deadlines", "deadlines")):
            where = f"deadlines[{index}]"
            kind = self.text(table, "kind", where)
            if kind not in kinds:
                self.fail(f"{where}.kind", f"unknown kind {kind!r}{_nearest(kind, kinds)}")
            when = table.get("when", "always")
            if when not in CONDITIONS:
                self.fail(f"{where}.when", f"{when!r} is not one of {', '.join(CONDITIONS)}")
            start = table.get("from")
            if start is not None and start not in CLOCK_STARTS:
                self.fail(f"{where}.from", f"{start!r} is not one of {', '.join(CLOCK_STARTS)}")
            if kind == "discussion" and start in ("held", "decision"):
                self.fail(f"{where}.from", "the discussion's own clock cannot start once it is held")
            if kind == "disagreement" and start is not None:
                self.fail(f"{where}.from", "a disagreement's clock starts when it is raised")
            if kind == "disagreement" and "date_set" in table:
                self.fail(f"{where}.date_set", "a disagreement has no date set: give a timescale, or undated")
            if kind not in DEFAULT_START and kind in DEADLINE_KINDS and start is not None:
                self.fail(f"{where}.from", f"a {kind} deadline runs to the date set, with no clock to start")
            timescale = self.timescale(table, where, TIMESCALE_KEYS)
            maximum = None
            if "maximum" in table:
                maximum = self.timescale(
                    self.table(table["maximum"], f"{where}.maximum", "maximum"),
                    f"{where}.maximum",
                    KEYS["maximum"],
                )
                if timescale.undated or timescale.date_set:
                    self.fail(
                        f"{where}.maximum",
                        "only a timed target (hours, working days, same day) has a maximum",
                    )
                if not _longer(maximum, timescale):
                    self.fail(
                        f"{where}.maximum",
                        f"{maximum.describe()} is not longer than the target ({timescale.describe()})",
                    )
            result.append(
                DeadlineRule(
                    kind=kind,
                    timescale=timescale,
                    rule=self.text(table, "rule", where),
                    categories=self.ids(table.get("categories", []), f"{where}.categories", self.categories),
                    when=when,
                    maximum=maximum,
                    start=start,
                    circumstances=self.ids(
                        table.get("circumstances", []), f"{where}.circumstances", CIRCUMSTANCES
                    ),
                    section=self.text(table, "section", where, False),
                    address=self.text(table, "address", where, False),
                )
            )
        if not any(rule.kind == "discussion" for rule in result):
            self.fail("deadlines", "needs at least one rule of kind 'discussion'")
        for kind in followups:
            if not any(rule.kind == kind for rule in result):
                self.fail("followups", f"{kind!r} has no [[deadlines]] rule saying when it is due")
        return tuple(result)

    def timescale(self, table: dict, where: str, allowed: tuple[str, ...]) -> Timescale:
        given = [k for k in allowed if k in table]
        if len(given) != 1:
            self.fail(where, f"needs exactly one of {', '.join(allowed)}")
        key = given[0]
        value = table[key]
        if key == "immediately":
            if value is not True:
                self.fail(f"{where}.{key}", "must be true")
            return Timescale(hours=0)
        if key in ("hours", "working_days"):
            least = 0 if key == "hours" else 1
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                self.fail(f"{where}.{key}", f"must be a whole number of at least {least}, not {value!r}")
            return Timescale(**cast(_Count, {key: value}))
        if value is not True:
            self.fail(f"{where}.{key}", "must be true")
        return Timescale(**{key: True})

    def checklist(self) -> tuple[tuple[Section, ...], tuple[Question, ...]]:
        sections_data = self.tables(self.data.get("sections", []), "sections", "sections")
        questions_data = self.tables(self.data.get("questions", []), "questions", "questions")
        sections = []
        for index, table in enumerate(sections_data):
            where = f"sections[{index}]"
            section_id = self.text(table, "id", where)
            sections.append(Section(section_id, self.text(table, "title", where)))
        section_ids = {s.id for s in sections}
        questions: list[Question] = []
        seen: dict[str, Question] = {}
        for index, table in enumerate(questions_data):
            question = self.question(table, f"questions[{index}]", section_ids, seen)
            seen[question.id] = question
            questions.append(question)
        return tuple(sections), tuple(questions)

    def question(self, table: dict, where: str, section_ids: set, seen: dict) -> Question:
        question_id = self.text(table, "id", where)
        where = f"questions.{question_id}"
        if not _ID.match(question_id):
            self.fail(where, "id must be lower-case letters, digits and hyphens")
        if question_id in seen:
            self.fail(where, "id is used twice")
        section = self.text(table, "section", where)
        if section not in section_ids:
            self.fail(f"{where}.section", f"unknown section {section!r}")
        kind = self.text(table, "type", where)
        if kind not in QUESTION_TYPES:
            self.fail(f"{where}.type", f"{kind!r} is not one of {', '.join(QUESTION_TYPES)}")
        raw_choices = table.get("choices", [])
        if not isinstance(raw_choices, list) or not all(isinstance(c, str) for c in raw_choices):
            self.fail(f"{where}.choices", "must be a list of strings")
        choices = tuple(raw_choices)
        if kind == "choice" and len(choices) < 2:
            self.fail(f"{where}.choices", "a choice question needs at least two string choices")
        follows = table.get("follows")
        when = table.get("when")
        for key in ("follows", "decision", "record"):
            if table.get(key) is not None and not isinstance(table[key], str):
                self.fail(f"{where}.{key}", "must be a string")
        if follows is not None:
            parent = seen.get(follows)
            if parent is None:
                self.fail(f"{where}.follows", f"{follows!r} is not a question asked before it")
            if when is not None and not _answer_fits(parent, when):
                self.fail(f"{where}.when", f"{when!r} is not an answer {follows!r} can have")
        elif when is not None:
            self.fail(f"{where}.when", "only a follow-up (with 'follows') can have 'when'")
        decision = table.get("decision")
        if decision is not None and decision not in DECISION_FIELDS:
            self.fail(f"{where}.decision", f"{decision!r} is not one of {', '.join(DECISION_FIELDS)}")
        record = table.get("record")
        if record is not None:
            if record not in RECORD_FACTS:
                self.fail(f"{where}.record", f"{record!r} is not one of {', '.join(RECORD_FACTS)}")
            if RECORD_FACTS[record] != kind:
                self.fail(
                    f"{where}.record", f"{record!r} answers a {RECORD_FACTS[record]} question, not {kind}"
                )
            if decision is not None:
                self.fail(
                    f"{where}.record", "a question is answered by the decision or by the record, not both"
                )
        return Question(
            id=question_id,
            section=section,
            text=self.text(table, "text", where),
            type=kind,
            choices=choices,
            help=self.text(table, "help", where, False),
            follows=follows,
            when=when,
            decision=decision,
            source=self.text(table, "source", where, False),
            record=record,
        )


def _longer(maximum: Timescale, target: Timescale) -> bool:
    """Whether a maximum can lie beyond its target. Counted in the same unit it must be more;
    hours against days depend on the clock and are judged when the deadline is computed (the
    later of the two counts)."""
    if maximum.hours is not None and target.hours is not None:
        return maximum.hours > target.hours
    if maximum.working_days is not None and target.working_days is not None:
        return maximum.working_days > target.working_days
    if maximum.same_day:
        return target.hours is not None  # the same day is no later than any number of working days
    return True


def strip_unknown(data: dict) -> tuple[dict, list[str]]:
    """A first-edition profile as the first edition read it: keys it never knew dropped (it
    ignored them), with their paths. Used only to pin discussions recorded before checking was
    strict, so that they keep meaning what they meant."""
    dropped: list[str] = []

    def keep(table, schema: str, where: str):
        if not isinstance(table, dict):
            return table
        kept = {}
        for key, value in table.items():
            if key in KEYS[schema]:
                kept[key] = value
            else:
                dropped.append(f"{where}.{key}" if where else key)
        return kept

    result = keep(data, "", "")
    for key in ("calendar", "quoracy"):
        if key in result:
            result[key] = keep(result[key], key, key)
    for key in ("deadlines", "categories", "agencies", "followups", "sections", "questions"):
        if isinstance(result.get(key), list):
            result[key] = [keep(item, key, f"{key}[{i}]") for i, item in enumerate(result[key])]
    return result, dropped


def _answer_fits(question: Question, answer: object) -> bool:
    if question.type == "yes-no":
        return isinstance(answer, bool)
    if question.type == "choice":
        return answer in question.choices
    return isinstance(answer, str)
