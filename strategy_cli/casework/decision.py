"""Amend the decision: the one path ``decide``, an answers file and the checklist walk share."""

from __future__ import annotations

from ..domain import decision as rules
from ..domain.decision import DecisionPatch
from ..domain.model import Decision
from . import Casework


def amend_decision(case: Casework, reference: str, patch: DecisionPatch, action: str = "decide") -> Decision:
    """Merge ``patch`` into the decision as it stands now, check every rule, and save it.

    ``action`` says which path made the change in the audit trail (``decide``, which becomes
    ``decide.amend`` for a later one, or ``decide.checklist``).
    """
    with case.change(reference) as (writer, discussion):
        decision = rules.amend(discussion.decision, patch, case.clock())
        if action == "decide" and discussion.decision is not None:
            action = "decide.amend"
        writer.decide(discussion.reference, decision, action)
    return decision
