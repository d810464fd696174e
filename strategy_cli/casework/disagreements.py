"""Disagreements between agencies about the outcome, and their escalation.

West Midlands 1.8: unresolved differences of opinion are resolved by senior managers in the
agencies, and where that is not possible by the local escalation policy. A dissent is a fact
of the record in its own right, not a struck-through rationale: it is raised by an agency,
taken to someone (escalated) and settled (resolved), each step one audited change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..domain.model import Disagreement
from ..errors import StrategyError, UsageProblem
from . import Casework


def add_disagreement(case: Casework, reference: str, disagreement: Disagreement) -> int:
    """Record a disagreement (raised now unless its time is given); returns its number. The
    agency must be one the discussion's profile knows."""
    with case.change(reference) as (writer, discussion):
        agencies = writer.store.profile_of(discussion).agencies
        if disagreement.agency not in agencies:
            raise UsageProblem(
                f"--agency: {disagreement.agency!r} is not an agency of {discussion.procedure}"
            )
        if disagreement.raised_at is None:
            disagreement = replace(disagreement, raised_at=case.clock())
        return writer.add_disagreement(discussion.reference, disagreement)


def escalate(case: Casework, reference: str, number: int, to: str, at: datetime | None) -> bool:
    """Disagreement N is taken to ``to`` (senior managers, the escalation policy); returns
    whether it had been escalated before (this escalates it further, the earlier step kept in
    the trail). A resolved one is not escalated."""
    with case.change(reference) as (writer, discussion):
        found = writer.disagreement(discussion.reference, number)
        if found.resolved_at is not None:
            raise StrategyError(
                f"disagreement {number} of {discussion.reference} is already resolved ({found.outcome}); "
                "nothing to escalate"
            )
        when = at or case.clock()
        _not_before_raised(found, when, "escalated")
        writer.change_disagreement(
            discussion.reference, replace(found, escalated_to=to, escalated_at=when), "disagreement.escalate"
        )
    return found.escalated_to is not None


def resolve(case: Casework, reference: str, number: int, outcome: str, at: datetime | None) -> None:
    """Disagreement N is settled, with what was agreed; resolving twice is refused."""
    with case.change(reference) as (writer, discussion):
        found = writer.disagreement(discussion.reference, number)
        if found.resolved_at is not None:
            raise StrategyError(
                f"disagreement {number} of {discussion.reference} is already resolved ({found.outcome})"
            )
        when = at or case.clock()
        _not_before_raised(found, when, "resolved")
        writer.change_disagreement(
            discussion.reference, replace(found, outcome=outcome, resolved_at=when), "disagreement.resolve"
        )


def _not_before_raised(found: Disagreement, when: datetime, what: str) -> None:
    """A step cannot come before the disagreement it settles was raised: a mistyped --at."""
    if found.raised_at is not None and when < found.raised_at:
        raise UsageProblem(
            f"--at: disagreement {found.number} was raised {found.raised_at:%a %d %b %Y %H:%M}; "
            f"it cannot have been {what} before that ({when:%a %d %b %Y %H:%M})"
        )
