"""The line or two a writing command prints: what it did, and whether the discussion is
quorate. Printed with Typer's own ``secho`` (colour at a terminal, plain when piped) rather
than rich, whose import costs about 50 ms: these commands run dozens of times a day."""

import typer

from ..domain.calendar import how_far, local
from .document import Shown


def _quoracy_line(view: Shown) -> None:
    """The verdict and who else is expected, in the words of ``rules.Quoracy`` (as `show`, the
    board and the minutes word them)."""
    head, rest = view.quoracy_words
    colour = "green" if view.quorate else "red"
    typer.secho(head, fg=colour, bold=True, nl=not rest)
    if rest:
        typer.secho(f"; {rest}", fg="yellow")


def warnings(view: Shown) -> None:
    """The discussion's standing warnings, on stderr (cli.md), so stdout stays the record or
    the JSON document (which holds them too)."""
    for warning in view.warnings:
        typer.secho(f"Warning: {warning}", fg="yellow", err=True)


def opened(view: Shown) -> None:
    """After ``new``: the reference, and when the discussion must be held and why."""
    discussion = view.discussion
    children = ", ".join(view.children) or "(no child recorded)"
    typer.echo(f"Opened {discussion.reference} ({discussion.procedure}) for {children}.")
    _discussion_deadline(view)
    warnings(view)


def _discussion_deadline(view: Shown) -> None:
    """When the discussion must be held and why; said plainly when that time has passed (a
    referral entered late), so nobody reads an overdue deadline as one still to meet."""
    for deadline in view.pending:
        if deadline.kind == "discussion" and deadline.due_at:
            at_most = (
                f" (at most {local(deadline.maximum_at):%a %d %b %Y %H:%M})" if deadline.maximum_at else ""
            )
            typer.secho(
                f"Hold the strategy discussion by {local(deadline.due_at):%a %d %b %Y %H:%M}{at_most}.",
                bold=True,
            )
            if deadline.due_at < view.as_of:
                typer.secho(
                    f"Already overdue: the deadline passed {how_far(view.as_of - deadline.due_at)} ago.",
                    fg="red",
                    bold=True,
                )
            typer.secho(f"Why: {deadline.rule}", dim=True)


def after_change(message: str, view: Shown) -> None:
    """After any other write: what was done, quoracy, and any warning."""
    typer.echo(message)
    _quoracy_line(view)
    warnings(view)


def after_new_concern_time(message: str, view: Shown) -> None:
    """After the concern time is corrected: the discussion's deadline moves with it, so the
    new one is said (or that it is met already, when the discussion was held)."""
    typer.echo(message)
    if view.discussion.held_at is None:
        _discussion_deadline(view)
    _quoracy_line(view)
    warnings(view)
