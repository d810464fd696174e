"""What follows the meeting: follow-ups recorded (or withdrawn) and actions agreed, done or corrected."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..domain.model import EVENTS, Action, Child, Deadline, Discussion, Sighting
from ..domain.text import same_name
from ..errors import StrategyError, UsageProblem
from . import Casework


def record_event(case: Casework, reference: str, event: str, at: datetime) -> list[str]:
    """A follow-up happened; returns warnings (already recorded, nothing was pending)."""
    warnings = []
    with case.change(reference) as (writer, discussion):
        if event in discussion.events:
            warnings.append(
                f"{event} was already recorded; this corrects its time (the old one is kept in the log)"
            )
        else:
            kind = writer.store.profile_of(discussion).events.get(event, EVENTS.get(event))
            if not any(d.kind == kind for d in writer.store.pending(discussion.reference)):
                warnings.append(f"{discussion.reference} had no pending {kind} deadline; recorded anyway")
        writer.record_event(discussion.reference, event, at)
    return warnings


def withdraw_event(case: Casework, reference: str, event: str, reason: str | None) -> None:
    with case.change(reference) as (writer, discussion):
        writer.withdraw_event(discussion.reference, event, reason)


def seen_child(discussion: Discussion, name: str | None) -> Child | None:
    """The child a ``record child-seen`` is about: the one named, or the only one. Several
    children and no name is a usage error naming them (each must be seen); None: the
    discussion records no child, so the sighting is the whole discussion's (its event)."""
    children = discussion.children
    if name is not None:
        found = next((c for c in children if same_name(c.name, name)), None)
        if found is None:
            known = ", ".join(c.name for c in children) or "none recorded"
            raise StrategyError(f"{discussion.reference} has no child named {name!r} (children: {known})")
        return found
    if len(children) > 1:
        raise UsageProblem(
            f"{discussion.reference} has {len(children)} children; say which was seen with --child "
            f"({', '.join(c.name for c in children)})"
        )
    return children[0] if children else None


def record_sighting(
    case: Casework, reference: str, name: str | None, seen: Sighting
) -> tuple[str, list[str]]:
    """A child was seen (by whom, alone or not, when); returns whom it recorded and warnings
    (a sighting already recorded is corrected). The child-seen deadline clears when every child
    of the discussion is seen. Seeing a child is always worth recording, so a profile without a
    child-seen deadline records it without a warning."""
    with case.change(reference) as (writer, discussion):
        child = seen_child(discussion, name)
        if child is None:  # no child recorded: the old whole-discussion event
            writer.record_event(discussion.reference, "child-seen", seen.at)
            return "the child", []
        warnings = []
        if child.seen is not None:
            warnings.append(
                f"{child.name} was already recorded as seen; this corrects it (the old one is kept in the log)"
            )
        writer.see_child(discussion.reference, child.name, seen)
    return child.name, warnings


def withdraw_sighting(case: Casework, reference: str, name: str | None, reason: str | None) -> str:
    """Take back a sighting recorded by mistake (that child's; or a record's whole-discussion
    ``child-seen`` event from before sightings were kept); returns whose it was."""
    with case.change(reference) as (writer, discussion):
        if name is None and "child-seen" in discussion.events:
            writer.withdraw_event(discussion.reference, "child-seen", reason)
            return "child-seen"
        child = seen_child(discussion, name)
        if child is None or child.seen is None:
            whom = f" for {child.name}" if child is not None else ""
            raise StrategyError(f"{discussion.reference} has no child-seen recorded{whom} to withdraw")
        writer.see_child(discussion.reference, child.name, None, reason)
    return child.name


def add_action(case: Casework, reference: str, action: Action, again: bool = False) -> int:
    """Agree an action; the same open action again (a second run of one command, a colleague
    entering it too) is refused unless ``again`` says it is meant."""
    with case.change(reference) as (writer, discussion):
        twin = next((a for a in discussion.actions if same_action(a, action)), None)
        if twin is not None and not again:
            raise StrategyError(
                f"action {twin.number} of {discussion.reference} is already this one, still open "
                f"({twin.task}, {twin.owner}); give --again to agree it a second time"
            )
        return writer.add_action(discussion.reference, action)


def same_action(standing: Action, new: Action) -> bool:
    """Whether an open action is the one about to be agreed: the same task for the same owner
    by the same time, as a person reads the words (case and spacing aside)."""
    return (
        standing.done_at is None
        and standing.due_at == new.due_at
        and same_name(standing.task, new.task)
        and same_name(standing.owner or "", new.owner or "")
    )


def remove_action(case: Casework, reference: str, number: int, reason: str) -> None:
    """Take back an action entered by mistake (audited, in the minutes' amendments)."""
    with case.change(reference) as (writer, discussion):
        writer.remove_action(discussion.reference, number, reason)


def action_done(case: Casework, reference: str, number: int, at: datetime) -> bool:
    """Action N is done; returns whether it already was (this corrects when)."""
    with case.change(reference) as (writer, discussion):
        action = writer.action(discussion.reference, number)
        writer.change_action(discussion.reference, replace(action, done_at=at), "action.done")
    return action.done_at is not None


def correct_action(case: Casework, reference: str, number: int, changes: dict, not_done: bool) -> None:
    """Correct an action with only what was given; ``not_done`` takes back a mistaken 'done'."""
    if not changes and not not_done:
        raise UsageProblem("nothing to correct: give --task, --owner, --agency, --due or --not-done")
    with case.change(reference) as (writer, discussion):
        action = writer.action(discussion.reference, number)
        if not_done:
            if action.done_at is None:
                raise StrategyError(f"action {number} of {discussion.reference} is not marked done")
            changes = {**changes, "done_at": None}
        writer.change_action(discussion.reference, replace(action, **changes), "action.edit")


def not_happened_yet(store, now: datetime) -> list[tuple[str, list[str], Deadline, datetime]]:
    """The deadlines a follow-up recorded for a later time has cleared in the record but not
    yet in fact: each (reference, children, deadline, the time recorded). The board shows them
    as pending until that time comes (the stored deadlines follow the record, as `check` does)."""
    from ..domain import rules

    found = []
    for reference in store.recorded_ahead(now):
        discussion = store.discussion(reference)
        profile = store.profile_of(discussion)
        calendar = store.read_bank_holidays(profile.calendar_country, profile.calendar_subdivision)
        standing = {d.key for d in rules.deadlines(discussion, profile, calendar)}
        seen_ahead = [c.seen.at for c in discussion.children if c.seen is not None and c.seen.at > now]
        latest = max([at for at in discussion.events.values() if at > now] + seen_ahead)
        children = [child.name for child in discussion.children]
        for deadline in rules.deadlines(rules.as_of(discussion, now), profile, calendar):
            if deadline.key in standing:
                continue
            event = rules.cleared_by(deadline.kind, profile)
            when = discussion.events.get(event) if event else None
            if when is None and deadline.kind == "review":
                when = discussion.events.get("review-held")
            if when is None and deadline.kind == "child-seen" and seen_ahead:  # the last child seen
                when = max(seen_ahead)
            found.append((reference, children, deadline, when or latest))
    return found
