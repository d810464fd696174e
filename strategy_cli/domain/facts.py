"""Checklist questions the record itself answers: who attended, the children's circumstances.

The record has one home for each of these facts (the attendees, the children's flags). The
checklist reads them from there, so the minutes can never say "NOT QUORATE" beside "the core
agencies attended: yes"; an answer that contradicts the record is refused, naming both and the
command that changes the record.

An interpreter may be needed for a parent or carer, whom the record does not hold: a child
recorded with an interpreter makes the answer yes, and otherwise the checklist's own answer
stands (``value`` is None: the record has nothing to say).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Discussion
from .rules import core_quorum, present_agencies

if TYPE_CHECKING:
    from .procedures import Profile


class Contradiction(ValueError):
    """An answer that is not what the record holds; the message names both."""


def value(fact: str, discussion: Discussion, profile: Profile) -> object:
    """What the record says (``None``: nothing to say, and the checklist's answer stands)."""
    if fact == "core-agencies-present":
        return core_quorum(discussion, profile) <= present_agencies(discussion, profile.counts_as)
    if fact == "in-hospital":
        return any(child.in_hospital for child in discussion.children)
    if fact == "interpreter-needed":
        return True if any(child.interpreter for child in discussion.children) else None
    raise KeyError(fact)


def check(fact: str, question_id: str, answer: object, discussion: Discussion, profile: Profile) -> bool:
    """Whether the record answers it: True when the answer agrees with the record (nothing to
    keep), False when the record has nothing to say (the answer is kept); an answer that
    contradicts the record is refused, saying how to change the record."""
    held = value(fact, discussion, profile)
    if held is None:
        return False
    if answer == held:
        return True
    raise Contradiction(
        f"{question_id}: the answer {_said(answer)} contradicts the record, which says "
        f"{_said(held)} ({_why(fact, discussion, profile)}); {_how(fact, discussion)}"
    )


def _said(answer: object) -> str:
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    return "nothing" if answer is None else repr(answer)


def _why(fact: str, discussion: Discussion, profile: Profile) -> str:
    if fact == "core-agencies-present":
        missing = sorted(core_quorum(discussion, profile) - present_agencies(discussion, profile.counts_as))
        if not missing:
            return "all of them are recorded as present"
        return "not recorded as present: " + ", ".join(profile.agencies.get(a, a) for a in missing)
    if fact == "in-hospital":
        flagged = [c.name for c in discussion.children if c.in_hospital]
        return "in hospital: " + ", ".join(flagged) if flagged else "no child is recorded as in hospital"
    needed = [c.name for c in discussion.children if c.interpreter]
    return (
        "an interpreter for " + ", ".join(needed)
        if needed
        else "no child is recorded as needing an interpreter"
    )


def _how(fact: str, discussion: Discussion) -> str:
    reference = discussion.reference
    if fact == "core-agencies-present":
        return f"record who took part with `strategy attend {reference}`"
    if fact == "in-hospital":
        return (
            f"correct the child with `strategy child edit {reference} NAME --in-hospital/--not-in-hospital`"
        )
    return f"correct the child with `strategy child edit {reference} NAME --interpreter LANGUAGE`"
