"""What follows the meeting: follow-ups recorded (or withdrawn) and actions agreed, done or corrected."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..domain.model import EVENTS, Action, Deadline
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
        latest = max(at for at in discussion.events.values() if at > now)
        children = [child.name for child in discussion.children]
        for deadline in rules.deadlines(rules.as_of(discussion, now), profile, calendar):
            if deadline.key in standing:
                continue
            event = rules.cleared_by(deadline.kind, profile)
            when = discussion.events.get(event) if event else None
            if when is None and deadline.kind == "review":
                when = discussion.events.get("review-held")
            found.append((reference, children, deadline, when or latest))
    return found
