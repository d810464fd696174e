"""Who took part: record an attendee, correct the entry (a patch), take it out."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain.model import Attendee
from ..errors import UsageProblem
from . import Casework


def record_attendance(
    case: Casework, reference: str, name: str, given: dict[str, Any]
) -> tuple[str, Attendee]:
    """Record a new attendee, or correct the entry of that name with only what was ``given``
    (``agency``, ``role``, ``attendance``, ``family_contact``, ``shared``: what the agency
    shared; a role or a shared text given as None is cleared).

    A new attendee needs an agency and is present unless told otherwise. Returns what was done
    (``added``, ``corrected`` or ``unchanged``) and the entry as it stands.
    """
    with case.change(reference) as (writer, discussion):
        current = writer.attendee(discussion.reference, name)
        if current is None:
            if given.get("agency") is None:
                raise UsageProblem("--agency is needed (e.g. social-care, health, police)")
            attendee = Attendee(name, **{"attendance": "present", **given})
        else:
            attendee = replace(current, name=name, **given)
            if attendee == current:
                return "unchanged", attendee
        writer.attend(discussion.reference, attendee)
    return ("added" if current is None else "corrected"), attendee


def remove_attendee(case: Casework, reference: str, name: str) -> None:
    with case.change(reference) as (writer, discussion):
        writer.remove_attendee(discussion.reference, name)
