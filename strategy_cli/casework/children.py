"""The children of a discussion: add one, correct one (a patch), take out one entered by mistake."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from ..domain.identifiers import shown_nhs_number
from ..domain.model import Child, as_recorded_household
from ..domain.text import same_name
from ..errors import StrategyError, UsageProblem
from . import Casework, person_named, refuse_a_second

CHILD_FIELDS = {f.name for f in fields(Child)}


def add_child(case: Casework, reference: str, child: Child) -> None:
    with case.change(reference) as (writer, discussion):
        refuse_a_second(
            discussion.children,
            child.name,
            discussion.reference,
            "child",
            "; correct their details with `strategy child edit`",
        )
        _nhs_number_unique(discussion, child)
        child = replace(child, household=as_recorded_household(discussion, child.household))
        writer.add_child(discussion.reference, child)


def _nhs_number_unique(discussion, child: Child, current: Child | None = None) -> None:
    """An NHS number belongs to one person: the same one on two children of a discussion is a
    copy-and-paste slip (twins entered one after the other), refused before it reaches the
    minutes."""
    if child.nhs_number is None:
        return
    other = next(
        (c for c in discussion.children if c is not current and c.nhs_number == child.nhs_number), None
    )
    if other is not None:
        raise StrategyError(
            f"{discussion.reference}: the NHS number {shown_nhs_number(child.nhs_number)} is already "
            f"recorded for {other.name!r}; an NHS number belongs to one child"
        )


def correct_child(case: Casework, reference: str, name: str, changes: dict[str, Any]) -> tuple[str, Child]:
    """Correct the child of that name with only the ``changes`` given (a field set to None is
    cleared: the interpreter, say). A date of birth replaces an expected date of delivery and
    the other way round; an in-patient receives hospital services. Returns what was done
    (``corrected``, or ``unchanged`` when the record already said so: nothing is written)."""
    if not changes:
        raise UsageProblem("nothing to correct: give at least one option to change")
    unknown = set(changes) - CHILD_FIELDS
    if unknown:
        raise ValueError(f"not a child's field: {', '.join(sorted(unknown))}")
    if changes.get("dob") is not None and changes.get("edd") is not None:
        raise UsageProblem("give --dob or --edd, not both: a child is born or not yet")
    if changes.get("in_hospital") and changes.get("hospital_services") is False:
        raise UsageProblem(
            "--in-hospital and --no-hospital-services contradict: an in-patient receives hospital services"
        )
    with case.change(reference) as (writer, discussion):
        current = person_named(discussion.children, name, discussion.reference, "child")
        corrected = replace(current, **changes)
        corrected.household = as_recorded_household(discussion, corrected.household)
        if changes.get("dob") is not None:
            corrected.edd = None
        if changes.get("edd") is not None:
            corrected.dob = None
        if changes.get("in_hospital"):
            corrected.hospital_services = True
        if not same_name(corrected.name, current.name):
            refuse_a_second(discussion.children, corrected.name, discussion.reference, "child")
        _nhs_number_unique(discussion, corrected, current)
        if corrected == current:
            return "unchanged", current  # already so (another manager may have made the same correction)
        writer.edit_child(discussion.reference, current.name, corrected)
    return "corrected", corrected


def remove_child(case: Casework, reference: str, name: str, reason: str | None = None) -> None:
    with case.change(reference) as (writer, discussion):
        name = person_named(discussion.children, name, discussion.reference, "child").name
        if len(discussion.children) == 1:
            raise StrategyError(
                f"{name!r} is the only child of {discussion.reference}: a discussion is about at least "
                "one child (correct their details with `strategy child edit`, or close the discussion)"
            )
        writer.remove_child(discussion.reference, name, reason)
