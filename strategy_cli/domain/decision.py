"""The decision: every rule about amending it, in one place.

``strategy decide``, an answers file and the interactive checklist all change the decision
through ``amend``: a patch (only what was given changes) checked against the decision as it
stands inside the writing transaction. Whatever path a manager takes, the same change is
accepted or refused for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from ..errors import StrategyError, UsageProblem
from .model import Decision


class DecisionRefused(StrategyError):
    """A rule of the decision would be broken; ``needs`` names the field that must be given."""

    def __init__(self, message: str, needs: str):
        super().__init__(message)
        self.needs = needs
        # A missing rationale is a value the command needs (usage); what is withheld without
        # one breaks the rule on sharing with the family.
        self.exit_code = 2 if needs == "rationale" else 1


class ConflictingChange(UsageProblem):
    """The patch sets and clears the same thing at once."""


@dataclass(frozen=True)
class DecisionPatch:
    """What one command changes in the decision; ``None`` leaves a field as it is.

    ``withholding=False`` clears what is withheld and why; ``further_discussion=False``
    clears the date a further discussion was needed by. ``decided_at`` is the time given
    (``decide --at``); without it the time moves only when the outcome is made or changed.
    """

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

    def given(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


def settled(decision: Decision | None) -> bool:
    """Whether the outcome is known: both s47 and the police investigation are answered."""
    return decision is not None and None not in (decision.s47, decision.police_investigation)


def outcome(decision: Decision | None) -> tuple[bool, bool] | None:
    if decision is None or not settled(decision):
        return None
    return (bool(decision.s47), bool(decision.police_investigation))


def changes_outcome(before: Decision | None, after: Decision) -> bool:
    """Whether a settled outcome is now a different one: its rationale was the reason for the
    old outcome, so the new one needs its own."""
    return outcome(before) is not None and outcome(before) != outcome(after)


def amend(current: Decision | None, patch: DecisionPatch, now: datetime) -> Decision:
    """The decision after ``patch``, or an error naming the rule broken (nothing is written).

    The rules: an outcome (s47 and police both answered) has a rationale; an outcome that
    changes has a new one, given with the change; what is withheld from the family has its
    rationale. The decision time is the one given, else the moment the outcome was first made
    or last changed: filling in what the family is told does not move it.
    """
    given = patch.given()
    if not given or (current is None and set(given) == {"decided_at"}):
        raise UsageProblem("nothing to decide: give --s47/--no-s47, --police/--no-police, --rationale, ...")
    if patch.withholding is False and (patch.withhold or patch.withhold_rationale):
        raise ConflictingChange(
            "what is withheld is given and cleared at once (--withhold and --no-withhold)"
        )
    if patch.further_discussion is False and patch.further_by is not None:
        raise ConflictingChange(
            "a further discussion is given a date and cleared at once (--further-by and --no-further)"
        )
    changed: dict[str, Any] = {k: v for k, v in given.items() if k != "decided_at"}
    if patch.withhold is not None:
        changed["withholding"] = True
    if patch.withholding is False:
        changed.update(withhold=None, withhold_rationale=None)
    if patch.further_by is not None:
        changed["further_discussion"] = True
    if patch.further_discussion is False:
        changed["further_by"] = None
    decision = replace(current or Decision(), **changed)
    outcome_moved = settled(decision) and outcome(current) != outcome(decision)
    if changes_outcome(current, decision) and (
        patch.rationale is None or current is None or patch.rationale == current.rationale
    ):
        raise DecisionRefused(
            f"the outcome changes ({_label(current)} to {_label(decision)}) without a new rationale: "
            "the one recorded was the reason for the old outcome",
            needs="rationale",
        )
    if settled(decision) and decision.rationale is None:
        raise DecisionRefused("a rationale is required: record why this decision was made", needs="rationale")
    if decision.withholding and not decision.withhold_rationale:
        raise DecisionRefused(
            "information is withheld from the family without a rationale", needs="withhold_rationale"
        )
    if patch.decided_at is not None:
        decision.decided_at = patch.decided_at
    elif decision.decided_at is None or outcome_moved:
        decision.decided_at = now
    return decision


def _label(decision: Decision | None) -> str:
    found = outcome(decision)
    if found is None:
        return "undecided"
    s47, police = found
    return f"s47 {'yes' if s47 else 'no'}, police investigation {'yes' if police else 'no'}"
