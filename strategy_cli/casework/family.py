"""The family and significant adults of a discussion: add one, correct one (a patch), take
out one entered by mistake. The same shape as the children's (casework/children.py)."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from ..domain.model import FamilyMember, as_recorded_household
from ..domain.text import same_name
from ..errors import UsageProblem
from . import Casework, person_named, refuse_a_second

MEMBER_FIELDS = {f.name for f in fields(FamilyMember)}


def add_member(case: Casework, reference: str, member: FamilyMember) -> None:
    with case.change(reference) as (writer, discussion):
        refuse_a_second(
            discussion.family,
            member.name,
            discussion.reference,
            "family member",
            "; correct their details with `strategy family edit`",
        )
        member = replace(member, household=as_recorded_household(discussion, member.household))
        writer.add_family_member(discussion.reference, member)


def correct_member(
    case: Casework, reference: str, name: str, changes: dict[str, Any]
) -> tuple[str, FamilyMember]:
    """Correct the family member of that name with only the ``changes`` given (a date of birth
    set to None is cleared). Returns ``corrected``, or ``unchanged`` when the record already
    said so (nothing is written)."""
    if not changes:
        raise UsageProblem("nothing to correct: give at least one option to change")
    unknown = set(changes) - MEMBER_FIELDS
    if unknown:
        raise ValueError(f"not a family member's field: {', '.join(sorted(unknown))}")
    with case.change(reference) as (writer, discussion):
        current = person_named(discussion.family, name, discussion.reference, "family member")
        corrected = replace(current, **changes)
        corrected.household = as_recorded_household(discussion, corrected.household)
        if not same_name(corrected.name, current.name):
            refuse_a_second(discussion.family, corrected.name, discussion.reference, "family member")
        if corrected == current:
            return "unchanged", current
        writer.edit_family_member(discussion.reference, current.name, corrected)
    return "corrected", corrected


def remove_member(case: Casework, reference: str, name: str, reason: str) -> str:
    """Take out a family member entered by mistake (the reason goes in the trail); returns the
    name as recorded."""
    with case.change(reference) as (writer, discussion):
        recorded = person_named(discussion.family, name, discussion.reference, "family member").name
        writer.remove_family_member(discussion.reference, recorded, reason)
    return recorded
