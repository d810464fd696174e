"""Opening and reading a discussion: new, list, show, child add/edit, close, reopen, log."""

from typing import Annotated, Any

import typer

from .. import settings
from ..casework import children as kids
from ..casework import discussion as opening
from ..domain.calendar import iso
from ..domain.model import CATEGORIES, HOUSEHOLD, Child, Discussion
from ..domain.text import same_name
from ..errors import UsageProblem
from ..present import document as views
from ..present import feedback
from . import common, summary

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
CsvOption = Annotated[
    bool, typer.Option("--csv", help="Print CSV (RFC 4180, UTF-8): the --json columns, for a spreadsheet.")
]
Ref = Annotated[
    str,
    typer.Argument(help="The discussion's reference, e.g. SD-2026-0001.", callback=common.reference),
]


def show_view(store, reference: str) -> views.Shown:
    """One discussion as shown now (its deadlines refreshed first if its profile changed)."""
    from ..domain import rules

    store.refresh_stale(common.user(), settings.now(), reference)
    with store.snapshot():
        discussion = store.discussion(reference)
        pending = store.pending(discussion.reference)
        due = store.discussion_due(discussion.reference)
    profile = store.profile_of(discussion)
    late_after = None
    if any(rule.maximum for rule in profile.rules_for("discussion")):  # a target with a maximum
        calendar = store.read_bank_holidays(profile.calendar_country, profile.calendar_subdivision)
        late_after = rules.discussion_late_after(discussion, profile, calendar)
    return views.shown(discussion, profile, pending, due, settings.now(), late_after)


def show_document(store, reference: str) -> dict:
    """The JSON view of one discussion (cli.md), as of now."""
    return views.discussion_json(show_view(store, reference))


def new(
    child: Annotated[
        list[str] | None,
        typer.Option("--child", help="A child's name (repeatable; @FILE reads it from a file)."),
    ] = None,
    dob: Annotated[
        list[str] | None,
        typer.Option(
            "--dob",
            help="Each child's date of birth, e.g. 02/03/2015, in the order of --child (edd:DATE for an unborn child).",
        ),
    ] = None,
    concern_at: Annotated[
        str | None,
        typer.Option(
            "--concern-at",
            help="When the concern was identified or the referral received, e.g. 30/11/2026 15:00 "
            "or today 9am (default now).",
        ),
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            help=f"Category of concern (repeatable): {', '.join(CATEGORIES)}, or the procedure's own.",
        ),
    ] = None,
    procedure: Annotated[
        str | None, typer.Option("--procedure", help="Procedure profile (hampshire, west-midlands, ...).")
    ] = None,
    referrer: Annotated[str | None, typer.Option("--referrer", help="Who made the referral.")] = None,
    summary: Annotated[
        str | None,
        typer.Option(
            "--summary", help="The reason for the discussion, as the minutes show it (@FILE reads a file)."
        ),
    ] = None,
    follows: Annotated[
        str | None, typer.Option("--follows", help="The earlier discussion this one follows up.")
    ] = None,
    again: Annotated[
        bool,
        typer.Option(
            "--again", help="With --follows: open another follow-up for the date already followed up."
        ),
    ] = False,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never prompt; a missing value is an error.")
    ] = False,
    as_json: JsonOption = False,
):
    """Open a strategy discussion and say when it must be held, and why."""
    if again and not follows:
        raise UsageProblem("--again goes with --follows")
    common.GLOBALS.reference = follows  # named if there is no database to find it in
    needs_children = not child and not follows
    needs_procedure = settings.chosen_procedure(procedure) is None and not follows
    store, carried_on = None, False
    kept: tuple[dict, dict] | None = None  # what the questions were told and answered, for Ctrl-C
    if common.can_prompt(no_input) and (needs_children or needs_procedure):
        concern_at, category = _check_before_asking(
            child, dob, concern_at, category, procedure, {"--summary": summary, "--referrer": referrer}
        )
        store = common.open_store(create=not follows)
        chosen = settings.chosen_procedure(procedure)
        given = {
            "children": child,
            "dobs": dob if child else None,
            "children_done": True if child or follows else None,
            "procedure": settings.procedure_named(chosen) if chosen else None,
            "concern_at": concern_at,
            "categories": category,
            "summary": summary,
            "referrer": referrer,
        }
        given = {k: v for k, v in given.items() if v}
        asked, carried_on = _ask_in_terminal(store, given)
        kept = (asked, given)
        child, dob, procedure = asked.get("children"), asked.get("dobs"), asked["procedure"]
        category, summary, referrer = asked["categories"], asked["summary"], asked["referrer"]
        concern_at = asked["concern_at"]
    if not child and not follows:
        raise UsageProblem("at least one --child (with its --dob) is needed")
    children = _children(child or [], dob or [])
    if kept is not None:
        _with_circumstances(children, kept[0].get("circumstances") or [])
    for each in children:
        _check_child_dates(each)
    # Every value is checked before the database is opened, so a bad one never leaves an empty
    # database behind (a mistyped --db would then say "Nothing due" instead of "no database").
    concern = common.instant(concern_at, "--concern-at")
    summary_text = common.text_or_file(summary, "--summary")
    referrer_text = common.text_or_file(referrer, "--referrer")
    if not follows:
        profile_id = common.procedure_id(procedure)
        categories = _categories_of(profile_id, category)
    store = store or common.open_store(create=not follows)
    if not follows:
        try:
            _check_not_open_already(store, children, common.can_prompt(no_input))
        except KeyboardInterrupt:
            if kept is not None:
                _keep_unfinished(store, *kept)
            else:
                common.say("Interrupted: no discussion was opened.")
            raise typer.Exit(130) from None
    # A later discussion keeps the same children and, unless told otherwise, the same
    # procedure; the use case reads the earlier one again inside its transaction.
    earlier = store.discussion(follows) if follows else None
    if earlier is not None:
        profile_id = common.procedure_id(procedure or earlier.procedure)
        categories = _categories_of(profile_id, category)
    case = common.casework(store)
    now = case.clock()
    concern = concern or now
    discussion = Discussion(
        reference="",
        procedure=profile_id,
        categories=categories,
        concern_at=concern,
        opened_at=now,
        summary=summary_text,
        referrer=referrer_text,
        follows=earlier.reference if earlier else None,
        children=children,
    )
    if concern > now:
        common.warn(f"the concern time {concern:%Y-%m-%d %H:%M} is in the future")
    reference = opening.open_discussion(case, discussion, again=again, forget_unfinished=carried_on)
    store.mark_records()  # real records now: `demo` will never start this file afresh
    view = show_view(store, reference)
    if as_json:
        common.print_json(views.discussion_json(view))
        feedback.warnings(view)
        return
    feedback.opened(view)


def _categories_of(profile_id: str, category: list[str] | None) -> list[str]:
    """The categories named, as ids of the profile (its default when none is named)."""
    known = settings.profile(profile_id).categories
    return common.categories(category or [common.default_category(known)], known)


def _with_circumstances(children: list[Child], answered: list[dict]) -> None:
    """Each child's circumstances as answered at the prompts (in the children's order)."""
    for child, flags in zip(children, answered, strict=False):
        child.looked_after = bool(flags.get("looked_after"))
        child.in_hospital = bool(flags.get("in_hospital"))
        child.hospital_services = child.in_hospital
        child.medical = bool(flags.get("medical"))
        child.interpreter = common.text(flags.get("interpreter"), "--interpreter")


def _check_not_open_already(store, children: list[Child], ask: bool) -> None:
    """A discussion already open for one of these children is named, with the follow-up that
    would keep one record; in a terminal the manager chooses (no default), else it is a warning."""
    found = opening.open_for_same_children(store, children)
    if not found:
        return
    for reference, name in found:
        common.warn(
            f"{reference} is already open for {name} (same name and date of birth); to follow it up "
            f"instead: strategy new --follows {reference}"
        )
    if not ask:
        return
    from .. import prompts

    picked = prompts.PROMPTER.yes_no("Open a new discussion all the same?")  # Ctrl-C: the caller's
    if picked != "yes":
        common.say(f"No discussion opened; `strategy new --follows {found[0][0]}` opens the follow-up.")
        raise typer.Exit(1)


def _check_before_asking(
    children: list[str] | None,
    dobs: list[str] | None,
    concern_at: str | None,
    category: list[str] | None,
    procedure: str | None,
    texts: dict[str, str | None],
) -> tuple[str | None, list[str] | None]:
    """Options given alongside the questions are checked first: a bad one is named before any
    question, not after every answer (nor kept in an unfinished `new` that could never open).

    Returns the concern time as an instant (ISO), so "now" or "today" mean the moment the
    command was run even when an interrupted `new` is carried on hours later, and the
    categories as the ids they name.
    """
    if procedure is not None:
        known = settings.profile(common.procedure_id(procedure)).categories
        category = common.categories(category or [], known) or None
    elif category:  # the procedure is asked later: a category no profile knows is named now
        known = dict(CATEGORIES)
        for _id, _origin, loaded in settings.profile_report():
            if not isinstance(loaded, str):
                known.update(loaded.categories)
        category = common.categories(category, known)
    if children:
        _children(children, dobs or [])
    for option, value in texts.items():
        common.text_or_file(value, option)
    instant = common.instant(concern_at, "--concern-at")
    return None if instant is None else instant.isoformat(), category


def _ask_in_terminal(store, given: dict) -> tuple[dict, bool]:
    """Ask for what `new` was not told; returns the answers and whether an unfinished `new`
    was carried on. Ctrl-C keeps every answer given (cli.md) for the next `new` to carry on."""
    from .. import prompts

    found, carried_on = dict(given), False
    try:
        unfinished = common.unfinished_new(store)
        if unfinished is not None:
            started, about, answers = unfinished
            if prompts.carry_on_unfinished(started, about):
                found, carried_on = {**answers, **given}, True
            else:
                with store.writing(common.user(), settings.now()) as writer:
                    writer.drop_unfinished_new()
        prompts.ask_new_discussion(
            found,
            sorted(settings.profile_sources()),
            lambda chosen: list(settings.profile(chosen).categories),
            settings.now,
        )
    except KeyboardInterrupt:
        _keep_unfinished(store, found, given)
        raise typer.Exit(130) from None
    return found, carried_on


def _keep_unfinished(store, found: dict, given: dict) -> None:
    """Save what an interrupted `new` was told, and say how to carry on."""
    if not any(value not in (None, [], "") and given.get(key) != value for key, value in found.items()):
        common.say("Interrupted: no discussion was opened, and nothing had been answered yet.")
        return
    with store.writing(common.user(), settings.now()) as writer:
        writer.keep_unfinished_new(found)
    common.say(
        "Interrupted: no discussion was opened yet, but every answer given is kept."
        "\nRun `strategy new` to carry on from where you stopped."
    )


def _children(names: list[str], dobs: list[str]) -> list[Child]:
    if len(dobs) != len(names):
        raise UsageProblem(
            f"each --child needs its --dob, in order (got {len(names)} --child and {len(dobs)} --dob)"
        )
    children: list[Child] = []
    for name, born in zip(names, dobs, strict=True):
        name = common.text_or_file(name, "--child", required=True)
        if any(same_name(name, child.name) for child in children):
            raise UsageProblem(f"the --child {name!r} is given twice")
        if born.lower().startswith("edd:"):
            children.append(Child(name=name, edd=common.day(born[4:], "--dob")))
        else:
            children.append(Child(name=name, dob=common.day(born, "--dob")))
    return children


def list_(
    all_: Annotated[bool, typer.Option("--all", help="Closed discussions too.")] = False,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
):
    """The open discussions (with --all, closed ones too)."""
    common.one_format(as_json, as_csv)
    store = common.open_store(reading=True)
    now = settings.now()
    items = []
    with store.snapshot():
        for row in store.discussions(include_closed=all_):
            quorate = common.quorate(store, row, now)
            items.append(
                {
                    "reference": row["reference"],
                    "procedure": row["procedure"],
                    "status": row["status"],
                    "concern_at": iso(row["concern_at"]),
                    "categories": row["categories"],
                    "held_at": iso(row["held_at"]),
                    "children": row["children"],  # name, dob and edd, as `show` gives them
                    "quorate": quorate,
                }
            )
    if as_json:
        common.print_json(items)
        return
    if as_csv:
        from ..present.csv_table import LIST_COLUMNS

        common.print_csv(items, LIST_COLUMNS)
        return
    from ..present import terminal as output

    output.discussion_list(items)
    common.remind_unfinished_new(store)


def show(reference: Ref, as_json: JsonOption = False):
    """Everything about one discussion: children, attendees and quoracy, decision, what is due."""
    store = common.open_store()  # show_view refreshes this discussion's deadlines if stale
    view = show_view(store, reference)
    if as_json:
        common.print_json(views.discussion_json(view))
        return
    from ..present import terminal as output

    output.discussion(view)


# --- Children ------------------------------------------------------------------------------

Flag = bool | None


CASE_ID_HELP = "The child's ID in the case-management system (LCS, Mosaic, Eclipse)."
NHS_HELP = "The child's NHS number, ten digits (943 476 5919); its check digit is verified."


def _case_id(value: str | None) -> str | None:
    """The case-system ID given, in the record's form (None: not given, or empty)."""
    from ..domain.identifiers import IdentifierError, case_id

    if value is None:
        return None
    try:
        return case_id(value)
    except IdentifierError as error:
        raise typer.BadParameter(str(error), param_hint="--case-id") from None


def _nhs_number(value: str | None) -> str | None:
    """The NHS number given, as ten digits once its check digit is verified (None: not given,
    or empty)."""
    from ..domain.identifiers import IdentifierError, nhs_number

    if value is None or not value.strip():
        return None
    try:
        return nhs_number(value)
    except IdentifierError as error:
        raise typer.BadParameter(str(error), param_hint="--nhs-number") from None


def child_add(
    reference: Ref,
    name: Annotated[str, typer.Option("--name", help="The child's name (@FILE reads it from a file).")],
    dob: Annotated[str | None, typer.Option("--dob", help="Date of birth, e.g. 02/03/2015.")] = None,
    edd: Annotated[
        str | None,
        typer.Option("--edd", help="Expected date of delivery of an unborn child, e.g. 30/11/2026."),
    ] = None,
    looked_after: Annotated[bool, typer.Option("--looked-after", help="The child is looked after.")] = False,
    in_hospital: Annotated[
        bool, typer.Option("--in-hospital", help="An in-patient (implies --hospital-services).")
    ] = False,
    hospital_services: Annotated[
        bool,
        typer.Option(
            "--hospital-services", help="Receiving services from a hospital or child development team."
        ),
    ] = False,
    medical: Annotated[
        bool,
        typer.Option(
            "--medical",
            help="Significant medical implications, or a paediatric examination has taken or may take place.",
        ),
    ] = False,
    communication_needs: Annotated[
        bool, typer.Option("--communication-needs", help="Disability or communication needs.")
    ] = False,
    interpreter: Annotated[
        str | None, typer.Option("--interpreter", help="Preferred language: an interpreter is needed.")
    ] = None,
    no_adult_care_needs: Annotated[
        bool,
        typer.Option(
            "--no-adult-care-needs", help="Near 18, not likely to meet the adult care and support definition."
        ),
    ] = False,
    case_id: Annotated[str | None, typer.Option("--case-id", help=CASE_ID_HELP)] = None,
    nhs_number: Annotated[str | None, typer.Option("--nhs-number", help=NHS_HELP)] = None,
    household: Annotated[
        str | None,
        typer.Option("--household", help="The household the child lives in, a short label (default 1)."),
    ] = None,
    as_json: JsonOption = False,
):
    """Add another child to a discussion."""
    if (dob is None) == (edd is None):
        raise UsageProblem("give the child's --dob, or --edd for an unborn child (one of them)")
    child = Child(
        name=common.text_or_file(name, "--name", required=True),
        dob=common.day(dob, "--dob"),
        edd=common.day(edd, "--edd"),
        looked_after=looked_after,
        in_hospital=in_hospital,
        hospital_services=hospital_services or in_hospital,
        medical=medical,
        communication_needs=communication_needs,
        interpreter=common.text(interpreter, "--interpreter"),
        no_adult_care_needs=no_adult_care_needs,
        case_id=_case_id(case_id),
        nhs_number=_nhs_number(nhs_number),
        household=common.text(household, "--household") or HOUSEHOLD,
    )
    _check_child_dates(child)
    case = common.casework()
    kids.add_child(case, reference, child)
    _done(case.store, reference, as_json, f"Added {child.name} to {reference}.")


def _check_child_dates(child: Child) -> None:
    today = settings.now().date()
    if child.dob and child.dob > today:
        common.warn(f"the date of birth {child.dob} is in the future (use --edd for an unborn child)")
    if child.edd and child.edd < today:
        common.warn(f"the expected date of delivery {child.edd} is in the past")


def child_edit(
    reference: Ref,
    name: Annotated[str, typer.Argument(help="The child's name as recorded.")],
    new_name: Annotated[str | None, typer.Option("--name", help="The corrected name.")] = None,
    dob: Annotated[str | None, typer.Option("--dob", help="Date of birth, e.g. 02/03/2015.")] = None,
    edd: Annotated[
        str | None, typer.Option("--edd", help="Expected date of delivery, e.g. 30/11/2026.")
    ] = None,
    looked_after: Annotated[Flag, typer.Option("--looked-after/--not-looked-after")] = None,
    in_hospital: Annotated[Flag, typer.Option("--in-hospital/--not-in-hospital")] = None,
    hospital_services: Annotated[Flag, typer.Option("--hospital-services/--no-hospital-services")] = None,
    medical: Annotated[Flag, typer.Option("--medical/--not-medical")] = None,
    communication_needs: Annotated[
        Flag, typer.Option("--communication-needs/--no-communication-needs")
    ] = None,
    interpreter: Annotated[
        str | None, typer.Option("--interpreter", help="Language; an empty value clears it.")
    ] = None,
    no_adult_care_needs: Annotated[Flag, typer.Option("--no-adult-care-needs/--adult-care-needs")] = None,
    case_id: Annotated[
        str | None, typer.Option("--case-id", help=CASE_ID_HELP + " An empty value clears it.")
    ] = None,
    nhs_number: Annotated[
        str | None, typer.Option("--nhs-number", help=NHS_HELP + " An empty value clears it.")
    ] = None,
    household: Annotated[
        str | None,
        typer.Option("--household", help="The household the child lives in, a short label (default 1)."),
    ] = None,
    as_json: JsonOption = False,
):
    """Correct a child's details; the old values stay in the audit trail."""
    if dob is not None and edd is not None:
        raise UsageProblem("give --dob or --edd, not both: a child is born or not yet")
    changes: dict[str, Any] = {
        "name": common.text_or_file(new_name, "--name", required=True) if new_name is not None else None,
        "dob": common.day(dob, "--dob"),
        "edd": common.day(edd, "--edd"),
        "looked_after": looked_after,
        "in_hospital": in_hospital,
        "hospital_services": hospital_services,
        "medical": medical,
        "communication_needs": communication_needs,
        "no_adult_care_needs": no_adult_care_needs,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if interpreter is not None:  # an empty value clears it
        changes["interpreter"] = common.text(interpreter, "--interpreter")
    if case_id is not None:  # so does an empty case ID or NHS number
        changes["case_id"] = _case_id(case_id)
    if nhs_number is not None:
        changes["nhs_number"] = _nhs_number(nhs_number)
    if household is not None:
        changes["household"] = common.text(household, "--household", required=True)
    born, expected = common.day(dob, "--dob"), common.day(edd, "--edd")
    if born or expected:
        _check_child_dates(Child(name=name, dob=born, edd=expected))
    case = common.casework()
    what, child = kids.correct_child(case, reference, name, changes)
    message = (
        f"Corrected {child.name} on {reference}."
        if what == "corrected"
        else (f"Already recorded: {child.name} on {reference} (nothing changed).")
    )
    _done(case.store, reference, as_json, message)


def child_remove(
    reference: Ref,
    name: Annotated[str, typer.Argument(help="The child's name as recorded.")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why, for the audit trail (e.g. entered twice).")
    ] = None,
    as_json: JsonOption = False,
):
    """Take out a child entered by mistake; every detail recorded stays in the audit trail."""
    case = common.casework()
    kids.remove_child(case, reference, name, common.text_or_file(reason, "--reason"))
    _done(case.store, reference, as_json, f"Removed {name} from {reference}.")


def edit(
    reference: Ref,
    concern_at: Annotated[
        str | None,
        typer.Option("--concern-at", help="When the concern was identified, e.g. 30/11/2026 15:00."),
    ] = None,
    category: Annotated[
        list[str] | None, typer.Option("--category", help="Every category, repeated (replaces them all).")
    ] = None,
    procedure: Annotated[str | None, typer.Option("--procedure", help="The local procedure.")] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="The reason for the discussion.")] = None,
    referrer: Annotated[str | None, typer.Option("--referrer", help="Who referred.")] = None,
    as_json: JsonOption = False,
):
    """Correct what `new` recorded; the old values stay in the audit trail."""
    given = {
        "concern_at": common.instant(concern_at, "--concern-at"),
        "categories": list(dict.fromkeys(category)) if category else None,  # checked by the use case
        "procedure": common.procedure_id(procedure) if procedure else None,
        "summary": common.text_or_file(summary, "--summary"),
        "referrer": common.text_or_file(referrer, "--referrer"),
    }
    case = common.casework()
    changed = opening.correct_opening(case, reference, given)
    if not changed:
        raise UsageProblem("nothing to correct: give an option whose value differs from the record")
    corrected = ", ".join(EDITED[column] for column in changed)
    message = f"Corrected the {corrected} of {reference}."
    if "concern_at" not in changed or as_json:
        _done(case.store, reference, as_json, message)
        return
    feedback.after_new_concern_time(message, show_view(case.store, reference))


EDITED = {
    "concern_at": "concern time",
    "categories": "categories",
    "procedure": "procedure",
    "summary": "reason",
    "referrer": "referrer",
}


def _done(store, reference: str, as_json: bool, message: str) -> None:
    """After a write: the whole discussion as JSON, or one line and the quoracy state."""
    view = show_view(store, reference)
    if as_json:
        common.print_json(views.discussion_json(view))
        feedback.warnings(view)
        return
    feedback.after_change(message, view)


# --- Closing -------------------------------------------------------------------------------


def close(
    reference: Ref,
    reason: Annotated[str, typer.Option("--reason", help="Why the case leaves the board (required).")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Close even with dated deadlines, the record's circulation or a disagreement pending "
            "(what was pending goes in the trail and the minutes).",
        ),
    ] = False,
    as_json: JsonOption = False,
):
    """Take a discussion off the board, with a reason."""
    reason = common.text_or_file(reason, "--reason", required=True)
    case = common.casework()
    pending = opening.close(case, reference, reason, force)
    if pending:
        common.warn(f"closed with pending: {'; '.join(pending)}")
    _done(case.store, reference, as_json, f"Closed {reference}.")


def reopen(
    reference: Ref,
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is reopened.")] = None,
    as_json: JsonOption = False,
):
    """Put a closed discussion back on the board."""
    case = common.casework()
    opening.reopen(case, reference, common.text_or_file(reason, "--reason"))
    _done(case.store, reference, as_json, f"Reopened {reference}.")


def log(reference: Ref, as_json: JsonOption = False):
    """The audit trail of one discussion: every change, who made it and when."""
    store = common.open_store()
    entries = store.trail(reference)
    if as_json:
        common.print_json([{**e, "at": iso(e["at"])} for e in entries])
        return
    from ..present import terminal as output

    output.trail(store.discussion(reference).reference, entries)


def register(app: typer.Typer) -> None:
    app.command("new")(new)
    app.command("list")(list_)
    app.command("show")(show)
    children = typer.Typer(help=summary("child"), no_args_is_help=True)
    children.command("add")(child_add)
    children.command("edit")(child_edit)
    children.command("remove")(child_remove)
    app.add_typer(children, name="child")
    app.command("edit")(edit)
    app.command("close")(close)
    app.command("reopen")(reopen)
    app.command("log")(log)
