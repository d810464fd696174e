"""An interrupted `new` on the whole team's board: the referral is real even before anyone
has finished typing it in, and its clock runs from the concern time already given.

Read only: nothing here writes. The kept answers are the prompts' own (prompts.py), checked
as they were given; anything that no longer reads (a profile since removed, a category it no
longer has) leaves the item undated or on the profile's usual category rather than failing
the board."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..domain import rules
from ..domain.model import Child, Deadline, Discussion
from ..errors import StrategyError

if TYPE_CHECKING:
    from ..store import Store

KIND = "unfinished-new"


@dataclass(frozen=True)
class Unfinished:
    """One user's interrupted `new`, as the board shows it."""

    by: str
    started_at: datetime
    procedure: str | None
    children: list[str]
    deadline: Deadline


def unfinished_on_board(store: Store, default_procedure: str | None) -> list[Unfinished]:
    """Every user's interrupted `new` whose concern time is known, with the clock it runs on:
    the procedure chosen at the prompts, else ``default_procedure`` (the reader's)."""
    found = []
    for by, started_at, answers in store.unfinished_news():
        concern = _instant(answers.get("concern_at"))
        if concern is None:
            continue
        procedure = answers.get("procedure") or default_procedure
        children = [str(name) for name in answers.get("children") or []]
        deadline = _deadline(store, procedure, concern, started_at, answers)
        found.append(Unfinished(by, started_at, procedure, children, deadline))
    return found


def _deadline(store: Store, procedure: str | None, concern: datetime, started: datetime, answers: dict):
    """When the discussion must be held had it been opened with these answers (undated when no
    procedure is chosen or its profile cannot be read)."""
    from .. import settings

    title = "Hold the strategy discussion (not opened yet)"
    if procedure is None:
        return Deadline(KIND, title, None, "No procedure chosen yet: its clock is not known", KIND)
    try:
        profile = settings.profile(settings.procedure_named(procedure))
    except StrategyError:
        return Deadline(KIND, title, None, f"The procedure {procedure!r} cannot be read", KIND)
    categories = [c for c in answers.get("categories") or [] if c in profile.categories]
    usual = "standard" if "standard" in profile.categories else next(iter(profile.categories))
    discussion = Discussion(
        reference="",
        procedure=profile.id,
        categories=categories or [usual],
        concern_at=concern,
        opened_at=started,
        children=_children(answers),
    )
    calendar = store.read_bank_holidays(profile.calendar_country, profile.calendar_subdivision)
    for deadline in rules.deadlines(discussion, profile, calendar):
        if deadline.kind == "discussion":
            return Deadline(KIND, title, deadline.due_at, deadline.rule, KIND, deadline.maximum_at)
    return Deadline(KIND, title, None, "The procedure sets no time for this discussion", KIND)


def _children(answers: dict) -> list[Child]:
    """The children as answered so far, with their circumstances (a date that no longer reads
    leaves the child undated: only their name is shown)."""
    children = []
    flags = answers.get("circumstances") or []
    for index, (name, born) in enumerate(
        zip(answers.get("children") or [], answers.get("dobs") or [], strict=False)
    ):
        child = Child(name=str(name))
        unborn = str(born).lower().startswith("edd:")
        day = _day(str(born)[4:] if unborn else str(born))
        if unborn:
            child.edd = day
        else:
            child.dob = day
        if index < len(flags):
            child.looked_after = bool(flags[index].get("looked_after"))
            child.in_hospital = child.hospital_services = bool(flags[index].get("in_hospital"))
            child.medical = bool(flags[index].get("medical"))
        children.append(child)
    return children


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _instant(text) -> datetime | None:
    try:
        found = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return found if found is not None and found.tzinfo is not None else None
