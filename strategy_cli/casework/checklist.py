"""Answer checklist questions: the one change the answers file and the walk both make.

Each question has one home for its answer. A decision question amends the decision (through
``amend_decision``'s rules, the same as ``decide``); a record question (attendance, the
children's circumstances) is answered by the record and an answer that contradicts it is
refused; every other question keeps its answer in the checklist.
"""

from __future__ import annotations

from typing import Any

from ..domain import decision as decision_rules
from ..domain import facts
from ..domain.decision import DecisionPatch, DecisionRefused
from ..domain.procedures import Profile
from ..errors import StrategyError
from . import Casework


class ContradictsRecord(StrategyError):
    """An answer the record says otherwise about; the message names both."""


def answer_questions(case: Casework, reference: str, profile: Profile, answers: dict[str, object]) -> None:
    """Save checked answers (``domain.checklist.read_answer`` forms) in one transaction, or none.

    A decision rule broken by the answers together (a changed outcome without a new rationale,
    say) is refused naming the question that would satisfy it.
    """
    questions = profile.question_index
    with case.change(reference) as (writer, discussion):
        patch: dict[str, Any] = {}
        plain: dict[str, object] = {}
        for question_id, value in answers.items():
            question = questions[question_id]
            if question.decision:
                patch[question.decision] = value
            elif question.record:
                try:
                    if not facts.check(question.record, question_id, value, discussion, profile):
                        plain[question_id] = value
                except facts.Contradiction as error:
                    raise ContradictsRecord(f"{error} (nothing was saved)") from None
            else:
                plain[question_id] = value
        writer.answers(discussion.reference, plain)
        if patch:
            try:
                decision = decision_rules.amend(discussion.decision, DecisionPatch(**patch), case.clock())
            except DecisionRefused as error:
                asked = question_for(profile, error.needs)
                option = "--" + error.needs.replace("_", "-")
                hint = (
                    f"answer {asked.id} too"
                    if asked
                    else f"record it with `strategy decide {discussion.reference} {option} TEXT`"
                )
                error.args = (f"{error}: {hint} (nothing was saved)",)
                raise
            if decision != discussion.decision:
                writer.decide(discussion.reference, decision, "decide.checklist")


def question_for(profile: Profile, decision_field: str):
    """The question that answers a field of the decision (None if the profile has none)."""
    return next((q for q in profile.questions if q.decision == decision_field), None)
