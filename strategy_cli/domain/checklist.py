"""The key questions: reading answers, which follow-ups an answer makes required, what is left.

The decision questions (those with a ``decision`` field in the profile) read and write the
decision itself, so answering them in the checklist and running ``strategy decide`` are the
same thing and can never disagree; the record's questions (a ``record`` field) are answered by
the record (see ``facts.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Discussion

if TYPE_CHECKING:
    from .procedures import Profile, Question

YES = {"yes", "y", "true"}
NO = {"no", "n", "false"}


class AnswerError(ValueError):
    """An answer that does not fit its question; the message names the question and value."""


def read_answer(question: Question, value: object) -> object:
    """The answer in its stored form (``bool`` for yes-no, ``str`` otherwise), or an error."""
    if question.type == "yes-no":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in YES | NO:
            return value.strip().lower() in YES
        raise AnswerError(f"{question.id}: {value!r} is not yes or no")
    if not isinstance(value, str):
        raise AnswerError(f"{question.id}: {value!r} is not text")
    if question.type == "choice":
        from .ids import find_id

        chosen = find_id(value, question.choices)  # "Virtual" is the choice "virtual"
        if chosen is None:
            raise AnswerError(
                f"{question.id}: {value!r} is not one of the choices ({', '.join(question.choices)})"
            )
        return chosen
    text = check_text(value, question.id)
    if not text.strip():
        raise AnswerError(f"{question.id}: an empty answer is not an answer")
    return text


def check_text(value: str, what: str) -> str:
    """Free text as users give it, in the record's form (see ``domain/text.py``: NFC, no BOM; a
    NUL, a control character, a bidirectional control or a paste past 100 kB refused). Tabs and
    line breaks are text."""
    from .text import TextError, clean

    try:
        return clean(value, what)
    except TextError as error:
        raise AnswerError(str(error)) from None


def answers(discussion: Discussion, profile: Profile) -> dict[str, object]:
    """Every answer given: the decision questions read from the decision itself, the record's
    questions (attendance, the children's circumstances) from the record, never a copy."""
    from . import facts

    given = {qid: value for qid, value in discussion.answers.items() if qid in profile.question_index}
    decision = discussion.decision
    for question in profile.questions:
        if question.decision:
            value = getattr(decision, question.decision) if decision is not None else None
        elif question.record:
            value = facts.value(question.record, discussion, profile)
            if value is None:  # the record has nothing to say: the checklist's answer stands
                continue
        else:
            continue
        if value is not None:
            given[question.id] = value
        else:
            given.pop(question.id, None)
    return given


def answered_by_record(question: Question, discussion: Discussion, profile: Profile) -> bool:
    """Whether the record holds this question's answer (then it is never asked)."""
    from . import facts

    return question.record is not None and facts.value(question.record, discussion, profile) is not None


def triggered(question: Question, given: dict[str, object]) -> bool:
    """Whether a question is to be asked: top-level ones always, follow-ups by their answer."""
    if question.follows is None:
        return True
    if question.follows not in given:
        return False
    return question.when is None or given[question.follows] == question.when


def to_ask(profile: Profile, given: dict[str, object], section: str | None = None) -> list[Question]:
    """The questions in the order they are asked, follow-ups only when triggered."""
    return [q for q in profile.questions if (section is None or q.section == section) and triggered(q, given)]


@dataclass(frozen=True)
class Summary:
    unanswered: list[Question]
    missing_follow_ups: list[Question]
    answered: int
    total: int


def summarise(profile: Profile, given: dict[str, object]) -> Summary:
    """What is left: top-level questions unanswered, and follow-ups an answer made required."""
    unanswered = [q for q in profile.questions if q.follows is None and q.id not in given]
    missing = [
        q for q in profile.questions if q.follows is not None and triggered(q, given) and q.id not in given
    ]
    return Summary(unanswered, missing, len(given), len(profile.questions))


def validate_answers(profile: Profile, raw: dict) -> dict[str, object]:
    """Check a whole answers file before anything is written; the first bad entry is named."""
    if not isinstance(raw, dict):
        raise AnswerError("the answers file must hold an object of question id to answer")
    from .ids import UnknownId, match_id

    result = {}
    for typed, value in raw.items():
        try:
            question_id = match_id(
                str(typed), profile.question_index, f"a question of the {profile.id} checklist", listed=False
            )
        except UnknownId as error:
            raise AnswerError(str(error)) from None
        result[question_id] = read_answer(profile.question_index[question_id], value)
    return result
