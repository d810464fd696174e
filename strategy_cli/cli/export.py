"""``strategy export``: the minutes as Markdown, print-ready HTML or PDF, professional or family.

The PDF is the HTML printed by an installed browser (``printing.py``); it always goes to a
file, by default ``REF-minutes.pdf`` (``REF-family.pdf``) in the current folder."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from .. import settings
from ..errors import StrategyError, UsageProblem
from . import common
from .discussion import Ref, show_view

FORMATS = ("md", "html", "pdf")
AUDIENCES = ("professional", "family")


def minutes_text(
    store,
    reference: str,
    fmt: str,
    audience: str,
    with_warnings: bool = False,
    contact: str | None = None,
    household: str | None = None,
) -> str:
    """The rendered minutes of one discussion (``fmt`` md or html); the family version is for
    one ``household`` (needed when the discussion covers several).

    The program's internal warnings are said on stderr, for the person exporting; only the
    chair's copy (``with_warnings``) carries them, because the circulated minutes are read by
    other agencies and the family, who cannot act on them."""
    from ..present import minutes, render

    view = show_view(store, reference)
    now = settings.now()
    if audience == "family":
        context = minutes.family(view, now, contact, household)
        template = f"family.{fmt}.j2"
    else:
        context = minutes.professional(view, store.trail(reference), now, with_warnings)
        template = f"minutes.{fmt}.j2"
    for warning in view.warnings:
        common.warn(
            f"{warning}{'' if with_warnings else ' (not in the minutes: --with-warnings puts it in)'}"
        )
    return render.render(template, context)


def pdf_name(reference: str, audience: str) -> str:
    """The PDF's default file name: the reference, and which version it is."""
    return f"{reference}-{'family' if audience == 'family' else 'minutes'}.pdf"


def export(
    reference: Ref,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="md, html (one complete, self-contained document) or pdf (the HTML printed by "
            "Chromium, Chrome or Edge; $STRATEGY_BROWSER names one).",
        ),
    ] = "md",
    audience: Annotated[
        str, typer.Option("--audience", help="professional, or family (only what may be shared).")
    ] = "professional",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Write to this file (private), not stdout. A pdf always goes to a file: "
            "REF-minutes.pdf (family: REF-family.pdf) here unless given.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --output file.")] = False,
    circulated: Annotated[
        bool, typer.Option("--circulated", help="Also record that the record was sent to all invitees.")
    ] = False,
    household: Annotated[
        str | None,
        typer.Option(
            "--household",
            help="The household the family version is for (needed when the discussion covers several).",
        ),
    ] = None,
    with_warnings: Annotated[
        bool,
        typer.Option(
            "--with-warnings",
            help="Put the program's internal warnings in the minutes (the chair's copy); "
            "otherwise they are only said here.",
        ),
    ] = False,
    contact: Annotated[
        str | None,
        typer.Option(
            "--contact",
            help="The family version's contact, as the family should read it (e.g. 'Sam Social, "
            "social worker, Children's Services'), instead of the attendee marked --family-contact.",
        ),
    ] = None,
    checked: Annotated[
        bool,
        typer.Option(
            "--i-have-checked",
            help="The family version although a field it shows holds words of what is withheld.",
        ),
    ] = False,
):
    """The minutes of a discussion."""
    fmt = common.known_id(fmt, FORMATS, "a format", "--format")
    audience = common.known_id(audience, AUDIENCES, "an audience", "--audience")
    if circulated and audience == "family":
        raise typer.BadParameter(
            "records that the professional record went to the invitees; not with --audience family",
            param_hint="--circulated",
        )
    if household is not None and audience != "family":
        raise typer.BadParameter(
            "chooses whose family version: only with --audience family", param_hint="--household"
        )
    household = common.text(household, "--household")
    if contact is not None and audience != "family":
        raise typer.BadParameter(
            "names the family's contact; only with --audience family", param_hint="--contact"
        )
    if contact is not None and not contact.strip():
        raise typer.BadParameter("is empty: give the contact's name, role and agency", param_hint="--contact")
    if with_warnings and audience == "family":
        raise typer.BadParameter(
            "the family version never carries the program's warnings", param_hint="--with-warnings"
        )
    store = common.open_store()  # show_view refreshes this discussion's deadlines if stale
    discussion = store.discussion(reference)
    if audience == "family":
        from ..domain.model import HouseholdError, chosen_household

        try:
            household = chosen_household(discussion, household)  # said before anything is printed
        except HouseholdError as error:
            raise UsageProblem(str(error)) from None
    if circulated:
        common.require_open(discussion)  # before anything is written, not after
    if audience == "family" and not checked:
        from ..domain.disclosure import family_fields_carrying_withheld

        leaking = family_fields_carrying_withheld(discussion)
        if leaking:
            raise StrategyError(
                f"the family version would show what is withheld from the family: {'; '.join(leaking)} "
                "holds words of it. Correct it (strategy decide / action edit), or give --i-have-checked"
            )
    browser = None
    if fmt == "pdf":
        from ..printing import find_browser

        browser = find_browser()  # said at once, before anything is rendered or printed
        output = output or Path(pdf_name(discussion.reference, audience))  # never stdout
    if output is not None:
        from ..files import check_target

        check_target(output, force, store.file)  # before seconds of printing, not after
    text = minutes_text(
        store,
        discussion.reference,
        "html" if fmt == "pdf" else fmt,
        audience,
        with_warnings,
        contact,
        household,
    )
    if output is None:
        sys.stdout.write(text)
    else:
        from ..files import write_private

        content: str | bytes = text
        if browser is not None:
            from ..printing import print_pdf

            content = print_pdf(text, browser)
        write_private(output, content, force=force, database=store.file)
        common.say(f"Wrote the {audience} minutes of {discussion.reference} to {output}.")
    if circulated:
        from ..casework import followups

        case = common.casework(store)
        for warning in followups.record_event(case, discussion.reference, "record-circulated", case.clock()):
            common.warn(warning)
        common.say(f"Recorded record-circulated on {discussion.reference}.")


def register(app: typer.Typer) -> None:
    app.command("export")(export)
