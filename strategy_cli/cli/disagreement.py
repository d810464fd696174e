"""Disagreement and escalation: add, escalate, resolve (each calls one use case)."""

from typing import Annotated

import typer

from ..casework import disagreements
from ..domain.model import Disagreement
from . import common, summary
from .discussion import JsonOption, Ref, _done

Number = Annotated[int, typer.Argument(help="The disagreement's number within the discussion.")]


def add(
    reference: Ref,
    agency: Annotated[
        str,
        typer.Option(
            "--agency", help="The agency that disagrees (an agency id of the discussion's procedure)."
        ),
    ],
    about: Annotated[
        str, typer.Option("--about", help="What is disagreed about (@FILE reads it from a file).")
    ],
    position: Annotated[
        str | None, typer.Option("--position", help="That agency's view, in its words (@FILE too).")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When it was raised, e.g. today 10:15 (default now).")
    ] = None,
    as_json: JsonOption = False,
):
    """Record a disagreement between agencies about the outcome. Prints its number."""
    store = common.open_store()
    found = common.agency(agency, known=common.agencies_of(store, reference))
    assert found is not None  # the option is required
    disagreement = Disagreement(
        number=0,
        agency=found,
        about=common.text_or_file(about, "--about", required=True),
        position=common.text_or_file(position, "--position"),
        raised_at=common.happened(at, "--at", "the time it was raised"),
    )
    case = common.casework(store)
    number = disagreements.add_disagreement(case, reference, disagreement)
    if as_json:
        common.print_json({"number": number})
        return
    print(number)
    common.say(f"Disagreement {number} on {reference}: {disagreement.about} ({found}).")


def escalate(
    reference: Ref,
    number: Number,
    to: Annotated[
        str, typer.Option("--to", help="Who it is taken to, e.g. senior managers, or the escalation policy.")
    ],
    at: Annotated[
        str | None, typer.Option("--at", help="When it was escalated, e.g. today 16:00 (default now).")
    ] = None,
    as_json: JsonOption = False,
):
    """Disagreement N is taken to senior managers (or the escalation policy); it stays on the board."""
    to = common.text_or_file(to, "--to", required=True)
    when = common.happened(at, "--at", f"the time disagreement {number} was escalated")
    case = common.casework()
    if disagreements.escalate(case, reference, number, to, when):
        common.warn(
            f"disagreement {number} was escalated before; now escalated to {to} (the earlier step is in the log)"
        )
    _done(case.store, reference, as_json, f"Disagreement {number} escalated to {to}.")


def resolve(
    reference: Ref,
    number: Number,
    outcome: Annotated[
        str, typer.Option("--outcome", help="What was agreed, and by whom (@FILE reads it from a file).")
    ],
    at: Annotated[
        str | None, typer.Option("--at", help="When it was resolved, e.g. today 17:30 (default now).")
    ] = None,
    as_json: JsonOption = False,
):
    """Disagreement N is resolved: it leaves the board."""
    outcome = common.text_or_file(outcome, "--outcome", required=True)
    when = common.happened(at, "--at", f"the time disagreement {number} was resolved")
    case = common.casework()
    disagreements.resolve(case, reference, number, outcome, when)
    _done(case.store, reference, as_json, f"Disagreement {number} resolved.")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=summary("disagreement"), no_args_is_help=True)
    group.command("add")(add)
    group.command("escalate")(escalate)
    group.command("resolve")(resolve)
    app.add_typer(group, name="disagreement")
