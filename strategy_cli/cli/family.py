"""``strategy family add/edit/remove``: the family and significant adults of a discussion,
the way ``child add/edit/remove`` record the children."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .. import settings
from ..casework import family as kin
from ..domain.model import HOUSEHOLD, RELATIONSHIPS, FamilyMember
from . import common, summary
from .discussion import Flag, JsonOption, Ref, _done

RELATIONSHIP_HELP = "How they stand to the children: " + ", ".join(RELATIONSHIPS) + "."
HOUSEHOLD_HELP = (
    "The household they live in, a short label (default 1): a discussion can cover several, "
    "and the family version goes to one."
)


def relationship(value: str) -> str:
    """A relationship id, matched as ids are (``Mother`` is ``mother``)."""
    return common.known_id(value, RELATIONSHIPS, "a relationship", "--relationship")


def _dob(value: str | None) -> Any:
    """A date of birth; one in the future is warned about, not refused."""
    born = common.day(value, "--dob")
    if born is not None and born > settings.now().date():
        common.warn(f"the date of birth {born} is in the future")
    return born


def family_add(
    reference: Ref,
    name: Annotated[str, typer.Option("--name", help="Their name (@FILE reads it from a file).")],
    relationship_: Annotated[str, typer.Option("--relationship", help=RELATIONSHIP_HELP)],
    dob: Annotated[str | None, typer.Option("--dob", help="Date of birth, e.g. 02/03/2009.")] = None,
    care_needs: Annotated[
        bool, typer.Option("--care-needs", help="They have care and support needs of their own.")
    ] = False,
    household: Annotated[str | None, typer.Option("--household", help=HOUSEHOLD_HELP)] = None,
    as_json: JsonOption = False,
):
    """Add a parent, carer, sibling or other significant adult to a discussion."""
    member = FamilyMember(
        name=common.text_or_file(name, "--name", required=True),
        relationship=relationship(relationship_),
        dob=_dob(dob),
        care_needs=care_needs,
        household=common.text(household, "--household") or HOUSEHOLD,
    )
    case = common.casework()
    kin.add_member(case, reference, member)
    _done(case.store, reference, as_json, f"Added {member.name} ({member.relationship}) to {reference}.")


def family_edit(
    reference: Ref,
    name: Annotated[str, typer.Argument(help="Their name as recorded.")],
    new_name: Annotated[str | None, typer.Option("--name", help="The corrected name.")] = None,
    relationship_: Annotated[str | None, typer.Option("--relationship", help=RELATIONSHIP_HELP)] = None,
    dob: Annotated[
        str | None, typer.Option("--dob", help="Date of birth, e.g. 02/03/2009; an empty value clears it.")
    ] = None,
    care_needs: Annotated[Flag, typer.Option("--care-needs/--no-care-needs")] = None,
    household: Annotated[str | None, typer.Option("--household", help=HOUSEHOLD_HELP)] = None,
    as_json: JsonOption = False,
):
    """Correct a family member's details (only what is given); the old values stay in the audit trail."""
    changes: dict[str, Any] = {}
    if new_name is not None:
        changes["name"] = common.text_or_file(new_name, "--name", required=True)
    if relationship_ is not None:
        changes["relationship"] = relationship(relationship_)
    if dob is not None:
        changes["dob"] = _dob(dob) if dob.strip() else None
    if care_needs is not None:
        changes["care_needs"] = care_needs
    if household is not None:
        changes["household"] = common.text(household, "--household", required=True)
    case = common.casework()
    what, member = kin.correct_member(case, reference, name, changes)
    message = (
        f"Corrected {member.name} on {reference}."
        if what == "corrected"
        else f"Already recorded: {member.name} on {reference} (nothing changed)."
    )
    _done(case.store, reference, as_json, message)


def family_remove(
    reference: Ref,
    name: Annotated[str, typer.Argument(help="Their name as recorded.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why, for the audit trail (e.g. entered on the wrong discussion).")
    ],
    as_json: JsonOption = False,
):
    """Take out a family member entered by mistake; every detail recorded stays in the audit trail."""
    case = common.casework()
    removed = kin.remove_member(case, reference, name, common.text_or_file(reason, "--reason", required=True))
    _done(case.store, reference, as_json, f"Removed {removed} from {reference}.")


def register(app: typer.Typer) -> None:
    family = typer.Typer(help=summary("family"), no_args_is_help=True)
    family.command("add")(family_add)
    family.command("edit")(family_edit)
    family.command("remove")(family_remove)
    app.add_typer(family, name="family")
