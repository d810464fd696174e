"""The line or two a writing command prints: what it did, and whether the discussion is
quorate. Printed with Typer's own ``secho`` (colour at a terminal, plain when piped) rather
than rich, whose import costs about 50 ms: these commands run dozens of times a day."""

import typer

from ..domain.calendar import local
from ..domain.model import AGENCIES


def quoracy(document: dict) -> tuple[str, str]:
    """``("NOT QUORATE", " - missing: Health, Police")`` or ``("Quorate", "")``."""
    head = "Quorate" if document["quorate"] else "NOT QUORATE"
    missing = document["missing_agencies"]
    rest = " - missing: " + ", ".join(AGENCIES.get(a, a) for a in missing) if missing else ""
    return head, rest


def _quoracy_line(document: dict) -> None:
    head, rest = quoracy(document)
    colour = "green" if document["quorate"] else "red"
    typer.secho(head, fg=colour, bold=True, nl=not rest)
    if rest:
        typer.secho(rest, fg=colour if not document["quorate"] else "yellow")


def warnings(document: dict) -> None:
    """The discussion's standing warnings, on stderr (cli.md), so stdout stays the record or
    the JSON document (which holds them too)."""
    for warning in document["warnings"]:
        typer.secho(f"Warning: {warning}", fg="yellow", err=True)


def opened(document: dict) -> None:
    """After ``new``: the reference, and when the discussion must be held and why."""
    children = ", ".join(c["name"] for c in document["children"]) or "(no child recorded)"
    typer.echo(f"Opened {document['reference']} ({document['procedure']}) for {children}.")
    for item in document["deadlines"]:
        if item["kind"] == "discussion" and item["due_at"]:
            from datetime import datetime

            due = local(datetime.fromisoformat(item["due_at"]))
            typer.secho(f"Hold the strategy discussion by {due:%a %d %b %Y %H:%M}.", bold=True)
            typer.secho(f"Why: {item['rule']}", dim=True)
    warnings(document)


def after_change(message: str, document: dict) -> None:
    """After any other write: what was done, quoracy, and any warning."""
    typer.echo(message)
    _quoracy_line(document)
    warnings(document)
