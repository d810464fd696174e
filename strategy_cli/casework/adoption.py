"""Moving open discussions to a profile as its file reads now (`strategy procedures adopt`).

A discussion is judged under the profile version it was opened under, so editing a profile
changes nothing already recorded. When a partnership's procedure really changes, the open
discussions move on purpose: first shown (what would change for each), then applied with a
reason, each move one audited correction. Closed discussions never move.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain import rules
from ..domain.calendar import local
from ..domain.model import Discussion
from ..errors import UsageProblem
from . import Casework


@dataclass
class Move:
    """What moving one open discussion to the new version changes, in words."""

    reference: str
    changes: list[str] = field(default_factory=list)


def adopt(case: Casework, procedure: str, apply: bool, reason: str | None) -> tuple[str, list[Move]]:
    """The version the profile file holds now, and each open discussion of ``procedure`` not
    yet on it with what would change; with ``apply``, move them all (one transaction)."""
    from .. import settings

    if apply and not reason:
        raise UsageProblem("--apply needs --reason: say why the open discussions move to the edited profile")
    if reason and not apply:
        raise UsageProblem("--reason goes with --apply")
    version, _body = settings.current_version(procedure)
    new_profile = settings.profile(procedure)
    if not apply:
        with case.store.snapshot():
            return version, _moves(case, procedure, version, new_profile)
    with case.store.writing(case.by, case.clock()) as writer:
        moves = _moves(case, procedure, version, new_profile)  # read inside the write transaction
        if moves:
            writer.pin(procedure)
            for move in moves:
                writer.update_discussion(
                    move.reference, "procedure.adopt", {"procedure_version": version}, note=reason
                )
    return version, moves


def _moves(case: Casework, procedure: str, version: str, new_profile) -> list[Move]:
    return [
        Move(
            discussion.reference,
            _differences(case, discussion, case.store.profile_of(discussion), new_profile),
        )
        for discussion in _open_on_other_versions(case, procedure, version)
    ]


def _open_on_other_versions(case: Casework, procedure: str, version: str) -> list[Discussion]:
    rows = case.store.conn.execute(
        "SELECT reference FROM discussion INDEXED BY discussion_open WHERE status = 'open' "
        "AND procedure = ? AND (procedure_version IS NULL OR procedure_version <> ?) ORDER BY id",
        (procedure, version),
    ).fetchall()
    return [case.store.discussion(row[0]) for row in rows]


def _differences(case: Casework, discussion: Discussion, old, new) -> list[str]:
    """Deadlines and quoracy under the old version and the new, where they differ."""
    calendar = case.store.read_bank_holidays(new.calendar_country, new.calendar_subdivision)
    old_calendar = case.store.read_bank_holidays(old.calendar_country, old.calendar_subdivision)
    before = {d.key: d for d in rules.deadlines(discussion, old, old_calendar)}
    after = {d.key: d for d in rules.deadlines(discussion, new, calendar)}
    changes = []
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key), after.get(key)
        if was is None and now is not None:
            changes.append(f"{now.title}: newly due {_when(now.due_at)} ({now.rule})")
        elif now is None and was is not None:
            changes.append(f"{was.title}: no longer due (was {_when(was.due_at)})")
        elif was is not None and now is not None:
            if (was.due_at, was.maximum_at) != (now.due_at, now.maximum_at):
                changes.append(f"{now.title}: due {_when(was.due_at)} -> {_when(now.due_at)}")
            if was.rule != now.rule:
                changes.append(f"{now.title}: rule {was.rule!r} -> {now.rule!r}")
    today = local(case.clock()).date()
    day_before = rules.quoracy_day(discussion, rules.discussion_due(discussion, old, old_calendar), today)
    day_after = rules.quoracy_day(discussion, rules.discussion_due(discussion, new, calendar), today)
    missing_before = rules.missing_agencies(discussion, old, day_before)
    missing_after = rules.missing_agencies(discussion, new, day_after)
    if missing_before != missing_after:
        changes.append(
            f"expected but not present: {', '.join(missing_before) or 'none'} -> {', '.join(missing_after) or 'none'}"
        )
    return changes


def _when(instant) -> str:
    return "as soon as practicable" if instant is None else f"{local(instant):%a %d %b %Y %H:%M}"
