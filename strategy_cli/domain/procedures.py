"""Procedure profiles: a local partnership's rules as data, validated into typed objects.

A profile is a TOML file (see ``strategy_cli/procedures/``). Loading checks every field and
names the file and the field at fault, so a partnership can add its own profile without code.
This module only parses text it is given: finding the files is the shell's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, NoReturn, TypedDict, cast, overload

from .model import AGENCIES, CATEGORIES, DEADLINE_KINDS

QUESTION_TYPES = ("yes-no", "text", "choice")
CONDITIONS = ("always", "s47", "s47-or-police")
CIRCUMSTANCES = (
    "looked-after",
    "hospital-services",
    "in-hospital",
    "medical",
    "near-adult",
    "allegation-against-staff",
)
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
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ProfileError(ValueError):
    """A profile that does not validate; the message names the file and the field."""


@dataclass(frozen=True)
class Timescale:
    """How long a deadline allows: elapsed ``hours``, ``working_days``, the ``same_day``,
    ``undated`` (as soon as practicable) or a ``date_set`` by the discussion itself."""

    hours: int | None = None
    working_days: int | None = None
    same_day: bool = False
    undated: bool = False
    date_set: bool = False

    def describe(self) -> str:
        if self.hours is not None:
            return f"{self.hours} hours"
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

    def rules_for(self, kind: str) -> list[DeadlineRule]:
        return [rule for rule in self.deadlines if rule.kind == kind]

    def outcome_label(self, s47: bool | None, police: bool | None) -> str | None:
        """The profile's own words for the decision; ``None`` until both halves are decided."""
        if s47 is None or police is None:
            return None
        key = {(False, False): "none", (True, False): "s47", (False, True): "police"}.get(
            (s47, police), "joint"
        )
        return self.outcomes[key]


def parse_toml(text: str, origin: str) -> dict:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{origin}: not valid TOML ({error})") from None


def load_profile(
    text: str, origin: str, read_checklist: Callable[[str], tuple[str, str]] | None = None
) -> Profile:
    """Parse and validate one profile; ``origin`` (a file name) appears in every error.

    A profile either lists its ``sections`` and ``questions`` itself or names a shared
    checklist (``checklist = "key-questions"``), which ``read_checklist`` returns as
    ``(text, origin)``: the two built-in profiles share the key questions that way.
    """
    data = parse_toml(text, origin)
    name = data.get("checklist")
    if name is not None:
        if "questions" in data or read_checklist is None:
            raise ProfileError(f"{origin}: checklist: give either 'checklist' or 'questions', not both")
        if not isinstance(name, str) or not _ID.match(name):
            raise ProfileError(f"{origin}: checklist: {name!r} is not a checklist name")
        checklist_text, checklist_origin = read_checklist(name)
        included = parse_toml(checklist_text, checklist_origin)
        data = {**data, "sections": included.get("sections", []), "questions": included.get("questions", [])}
        origin = f"{origin} (checklist {checklist_origin})"
    return _Reader(data, origin).profile()


class _Reader:
    """Reads a parsed profile field by field, naming ``file: field`` in every complaint."""

    def __init__(self, data: dict, origin: str):
        self.data = data
        self.origin = origin

    def fail(self, where: str, problem: str) -> NoReturn:
        raise ProfileError(f"{self.origin}: {where}: {problem}")

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

    def ids(self, value, where: str, allowed) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(where, "must be a list of strings")
        for item in value:
            if item not in allowed:
                self.fail(where, f"unknown id {item!r} (known: {', '.join(allowed)})")
        return tuple(value)

    def profile(self) -> Profile:
        data = self.data
        profile_id = self.text(data, "id", "")
        if not _ID.match(profile_id):
            self.fail("id", f"{profile_id!r} must be lower-case letters, digits and hyphens")
        calendar = data.get("calendar", {"country": "GB", "subdivision": "ENG"})
        if not isinstance(calendar, dict):
            self.fail("calendar", "must be a table")
        quoracy = data.get("quoracy")
        if not isinstance(quoracy, dict):
            self.fail("quoracy", "must be a table with 'always'")
        quorum = self.ids(quoracy.get("always"), "quoracy.always", AGENCIES)
        quorum_when = self.circumstance_table(quoracy.get("when", {}), "quoracy.when")
        expected = self.circumstance_table(data.get("expected", {}), "expected")
        sections, questions = self.checklist()
        profile = Profile(
            id=profile_id,
            name=self.text(data, "name", ""),
            source=self.text(data, "source", ""),
            calendar_country=self.text(calendar, "country", "calendar"),
            calendar_subdivision=self.text(calendar, "subdivision", "calendar", False),
            quorum=quorum,
            quorum_when=quorum_when,
            expected=expected,
            outcomes=self.outcomes(),
            deadlines=self.deadline_rules(),
            sections=sections,
            questions=questions,
            quoracy_rule=self.text(quoracy, "rule", "quoracy", False) or "",
            origin=self.origin,
            question_index={q.id: q for q in questions},
        )
        return profile

    def circumstance_table(self, table, where: str) -> dict[str, tuple[str, ...]]:
        if not isinstance(table, dict):
            self.fail(where, "must be a table")
        result = {}
        for key, value in table.items():
            if key not in CIRCUMSTANCES:
                self.fail(f"{where}.{key}", f"unknown circumstance (known: {', '.join(CIRCUMSTANCES)})")
            result[key] = self.ids(value, f"{where}.{key}", AGENCIES)
        return result

    def outcomes(self) -> dict[str, str]:
        table = self.data.get("outcomes")
        if not isinstance(table, dict):
            self.fail("outcomes", f"must be a table with {', '.join(OUTCOME_KEYS)}")
        return {key: self.text(table, key, "outcomes") for key in OUTCOME_KEYS}

    def deadline_rules(self) -> tuple[DeadlineRule, ...]:
        rules = self.data.get("deadlines")
        if not isinstance(rules, list) or not rules:
            self.fail("deadlines", "must be a non-empty array of tables ([[deadlines]])")
        result = []
        for index, table in enumerate(rules):
            where = f"deadlines[{index}]"
            kind = self.text(table, "kind", where)
            if kind not in DEADLINE_KINDS:
                self.fail(f"{where}.kind", f"unknown kind {kind!r}")
            when = table.get("when", "always")
            if when not in CONDITIONS:
                self.fail(f"{where}.when", f"{when!r} is not one of {', '.join(CONDITIONS)}")
            categories = self.ids(table.get("categories", []), f"{where}.categories", CATEGORIES)
            result.append(
                DeadlineRule(
                    kind=kind,
                    timescale=self.timescale(table, where),
                    rule=self.text(table, "rule", where),
                    categories=categories,
                    when=when,
                )
            )
        if not any(rule.kind == "discussion" for rule in result):
            self.fail("deadlines", "needs at least one rule of kind 'discussion'")
        return tuple(result)

    def timescale(self, table: dict, where: str) -> Timescale:
        given = [k for k in ("hours", "working_days", "same_day", "undated", "date_set") if k in table]
        if len(given) != 1:
            self.fail(where, "needs exactly one of hours, working_days, same_day, undated, date_set")
        key = given[0]
        value = table[key]
        if key in ("hours", "working_days"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                self.fail(f"{where}.{key}", f"must be a whole number of at least 1, not {value!r}")
            return Timescale(**cast(_Count, {key: value}))
        if value is not True:
            self.fail(f"{where}.{key}", "must be true")
        return Timescale(**{key: True})

    def checklist(self) -> tuple[tuple[Section, ...], tuple[Question, ...]]:
        sections_data = self.data.get("sections", [])
        questions_data = self.data.get("questions", [])
        if not isinstance(sections_data, list) or not isinstance(questions_data, list):
            self.fail("sections", "sections and questions must be arrays of tables")
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
        choices = tuple(table.get("choices", ()))
        if kind == "choice" and (len(choices) < 2 or not all(isinstance(c, str) for c in choices)):
            self.fail(f"{where}.choices", "a choice question needs at least two string choices")
        follows = table.get("follows")
        when = table.get("when")
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


def _answer_fits(question: Question, answer: object) -> bool:
    if question.type == "yes-no":
        return isinstance(answer, bool)
    if question.type == "choice":
        return answer in question.choices
    return isinstance(answer, str)
