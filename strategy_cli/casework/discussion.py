"""A discussion as a whole: open it (or a follow-up), correct what `new` recorded, hold,
close and reopen it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.calendar import stored
from ..domain.model import Discussion
from ..domain.text import name_key
from ..errors import StrategyError, UsageProblem
from . import Casework


def open_discussion(
    case: Casework, discussion: Discussion, again: bool = False, forget_unfinished: bool = False
) -> str:
    """Open a discussion and return its reference.

    A follow-up (``discussion.follows``) keeps the earlier one's children (any new one named
    is added) and its family, and records the further-discussion time the earlier decision sets now: it is due
    by then at the latest. A second follow-up for that time is refused unless ``again``:
    opening the same meeting twice is a mistake a retry under pressure makes.
    ``forget_unfinished``: this carries on an interrupted `new`, whose kept answers go in the
    same transaction.
    """
    with case.store.writing(case.by, case.clock()) as writer:
        if discussion.follows:
            earlier = writer.discussion(discussion.follows)
            _check_same_children(earlier, discussion.children)
            named = {name_key(c.name) for c in earlier.children}
            discussion.follows = earlier.reference
            discussion.children = earlier.children + [
                c for c in discussion.children if name_key(c.name) not in named
            ]
            discussion.family = list(earlier.family)
            further_by = earlier.decision.further_by if earlier.decision else None
            discussion.follows_by = further_by
            already = writer.follow_ups(earlier.reference)
            same_date = [ref for ref, opened_for in already if opened_for == stored(further_by)]
            if same_date and not again:
                when = f"the date its decision set ({further_by:%a %d %b %Y %H:%M})" if further_by else "it"
                raise StrategyError(
                    f"{same_date[0]} already follows {earlier.reference} for {when}; "
                    "give --again to open another follow-up"
                )
        reference = writer.open_discussion(discussion)
        if forget_unfinished:
            writer.drop_unfinished_new()
    return reference


def _check_same_children(earlier: Discussion, given: list) -> None:
    """A child of the earlier discussion named again with another date of birth (or expected
    date) is a contradiction, not a new fact: the follow-up keeps the earlier record's child,
    so the date given would silently go. It is refused, naming both dates and the fix."""
    recorded = {name_key(c.name): c for c in earlier.children}
    for child in given:
        known = recorded.get(name_key(child.name))
        if known is None or (child.dob is None and child.edd is None):
            continue
        if (child.dob, child.edd) != (known.dob, known.edd):
            was = known.dob or known.edd
            said = child.dob or child.edd
            recorded_as = (
                f"with {'date of birth' if known.dob else 'expected date'} {was:%d/%m/%Y}"
                if was
                else "without a date of birth"
            )
            raise StrategyError(
                f"{known.name} is recorded on {earlier.reference} {recorded_as}, not {said:%d/%m/%Y}: "
                f"a follow-up keeps the earlier record's child. Leave out --dob for {known.name}, "
                f'or correct it first: strategy child edit {earlier.reference} "{known.name}" --dob DATE'
            )


def open_for_same_children(store, children: list) -> list[tuple[str, str]]:
    """The open discussions already about one of these children (the same name as a person
    reads it, and the same date of birth or expected date of delivery): each (reference,
    child's name). A second record of one concern splits what is known about a child; the
    manager is told, and offered the follow-up, before opening another."""
    wanted = {
        (name_key(c.name), (c.dob or c.edd).isoformat() if (c.dob or c.edd) else None): c.name
        for c in children
    }
    found = []
    for row in store.discussions():
        for child in row["children"]:
            key = (name_key(child["name"]), child["dob"] or child["edd"])
            if key in wanted:
                found.append((row["reference"], child["name"]))
                break
    return found


def correct_opening(case: Casework, reference: str, given: dict[str, Any]) -> list[str]:
    """Correct the concern time, categories, procedure, reason or referrer with what was given
    and differs from the record; returns the fields corrected (none: nothing to correct). The
    categories are checked, inside the transaction, against the profile the discussion will be
    judged under; one moved to another procedure is pinned to that profile as its file reads now."""
    with case.change(reference) as (writer, discussion):
        changes = {k: v for k, v in given.items() if v is not None and v != getattr(discussion, k)}
        if "categories" in changes or "procedure" in changes:
            _check_categories(writer, discussion, changes)
        if "procedure" in changes:
            changes["procedure_version"] = writer.pin(changes["procedure"])
        if changes:
            writer.update_discussion(discussion.reference, "edit", changes)
    return [field for field in changes if field != "procedure_version"]


def _check_categories(writer, discussion: Discussion, changes: dict[str, Any]) -> None:
    """The categories the discussion will have are its profile's (the new procedure's, when it
    moves), each as the id it names (``Serious-Harm`` is ``serious-harm``); an unknown one is a
    usage error naming it, the likely one and the known ones."""
    from .. import settings
    from ..domain.ids import UnknownId, match_id

    profile = (
        settings.profile(changes["procedure"])
        if "procedure" in changes
        else writer.store.profile_of(discussion)
    )
    try:
        named = [
            match_id(c, profile.categories, f"a category of {profile.id}")
            for c in changes.get("categories", discussion.categories)
        ]
    except UnknownId as error:
        hint = "" if "categories" in changes else "; give --category too"
        raise UsageProblem(f"--category: {error}{hint}") from None
    if "categories" in changes:
        changes["categories"] = list(dict.fromkeys(named))
        if changes["categories"] == discussion.categories:
            del changes["categories"]


def hold(case: Casework, reference: str, at: datetime | None, given: dict[str, Any]) -> datetime:
    """The discussion took place. Held again (to correct the chair or the format), the time
    stays unless a new one is given; ``given`` holds the format and chair given (a chair given
    as None is cleared)."""
    with case.change(reference) as (writer, discussion):
        when = at or discussion.held_at or case.clock()
        changes: dict[str, Any] = {"held_at": when, **given}
        if discussion.held_at is not None and all(
            getattr(discussion, field) == value for field, value in changes.items()
        ):
            return when  # already recorded so: nothing to correct, nothing written
        action = "held" if discussion.held_at is None else "held.correct"
        writer.update_discussion(discussion.reference, action, changes)
    return when


# Undated items that still keep a discussion open: the record not yet circulated (only where
# the profile asks for it: the item exists then), and a disagreement not yet resolved.
BLOCKS_CLOSING = ("record-circulated", "disagreement")


def close(case: Casework, reference: str, reason: str, force: bool) -> list[str]:
    """Take a discussion off the board; refused while anything is pending that closing would
    lose (a dated deadline, the record not circulated, a disagreement open), unless forced.
    Forced, what was pending goes in the audit entry (and so in the minutes); returns it."""
    with case.change(reference, closed_too=True) as (writer, discussion):
        if discussion.status == "closed":
            raise StrategyError(f"{discussion.reference} is already closed")
        pending = [
            d
            for d in writer.store.pending(discussion.reference)
            if d.due_at is not None or d.kind in BLOCKS_CLOSING
        ]
        listed = [pending_item(d) for d in pending]
        if pending and not force:
            raise StrategyError(
                f"{discussion.reference} still has pending: {'; '.join(listed)}. "
                "Record them, or close with --force"
            )
        writer.update_discussion(
            discussion.reference,
            "close",
            {"status": "closed", "closed_reason": reason},
            extra={"pending": listed} if listed else None,
        )
    return listed


def pending_item(deadline) -> str:
    """One thing still pending, as the refusal, the trail and the minutes name it."""
    when = f", due {deadline.due_at:%a %d %b %Y %H:%M}" if deadline.due_at is not None else ""
    return f"{deadline.title} ({deadline.kind}{when})"


def reopen(case: Casework, reference: str, reason: str | None) -> None:
    with case.change(reference, closed_too=True) as (writer, discussion):
        if discussion.status == "open":
            raise StrategyError(f"{discussion.reference} is not closed")
        writer.update_discussion(
            discussion.reference, "reopen", {"status": "open", "closed_reason": None}, note=reason
        )
