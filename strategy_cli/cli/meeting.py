"""The meeting record: attend, held, decide, record, and actions (each calls one use case)."""

from typing import Annotated

import typer

from ..casework import attendance, discussion, followups
from ..casework.decision import amend_decision
from ..domain.decision import DecisionPatch, DecisionRefused
from ..domain.model import AGENCIES, EVENTS, FORMATS, Action
from ..errors import UsageProblem
from . import common, summary
from .discussion import JsonOption, Ref, _done


def _agencies(reference: str, agency: str | None):
    """The agencies an ``--agency`` is checked against: the built-in ones, and where the value
    is not one of them, those of the discussion's profile (a partnership's own agency)."""
    from ..domain.ids import find_id

    if agency is None or find_id(agency, AGENCIES) is not None:
        return AGENCIES
    return common.agencies_of(common.open_store(), reference)


def attend(
    reference: Ref,
    name: Annotated[str, typer.Option("--name", help="The attendee's name (@FILE reads it from a file).")],
    agency: Annotated[
        str | None,
        typer.Option("--agency", help=f"Agency id: {', '.join(AGENCIES)}, or the procedure's own."),
    ] = None,
    role: Annotated[str | None, typer.Option("--role", help="Role or job title.")] = None,
    present: Annotated[
        bool, typer.Option("--present", help="Took part (the default for a new entry).")
    ] = False,
    apologies: Annotated[bool, typer.Option("--apologies", help="Invited, did not attend.")] = False,
    information_only: Annotated[
        bool,
        typer.Option(
            "--information-only", help="Sent information, did not take part (not counted for quoracy)."
        ),
    ] = False,
    family_contact: Annotated[
        bool | None,
        typer.Option(
            "--family-contact/--not-family-contact",
            help="The family's contact: the family version names them (name, role, agency).",
        ),
    ] = None,
    shared: Annotated[
        str | None,
        typer.Option(
            "--shared",
            help="What this agency shared at the discussion (@FILE reads it from a file); "
            "professional minutes only, never the family's.",
        ),
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Take this person out (audited).")] = False,
    as_json: JsonOption = False,
):
    """Record who took part and what they shared; the same name again corrects the entry.

    --remove takes the entry out (audited). What an agency shared is in the professional
    minutes, never in the family's."""
    name = common.text_or_file(name, "--name", required=True)
    chosen = [
        flag
        for flag, given in (
            ("--present", present),
            ("--apologies", apologies),
            ("--information-only", information_only),
        )
        if given
    ]
    if len(chosen) > 1:
        raise UsageProblem(f"{' and '.join(chosen)} cannot both be given")
    if remove and shared is not None:
        raise UsageProblem("--remove takes the person out: --shared goes with recording them")
    case = common.casework()
    if remove:
        attendance.remove_attendee(case, reference, name)
        message = f"Removed {name} from {reference}."
    else:
        given: dict[str, str | bool | None] = (
            {"agency": common.agency(agency, known=_agencies(reference, agency))}
            if agency is not None
            else {}
        )
        if role is not None:  # an empty role clears it
            given["role"] = common.text(role, "--role")
        if chosen:
            given["attendance"] = chosen[0].removeprefix("--")
        if family_contact is not None:
            given["family_contact"] = family_contact
        if shared is not None:  # an empty text clears it
            given["shared"] = common.text_or_file(shared, "--shared")
        what, attendee = attendance.record_attendance(case, reference, name, given)
        verb = {"added": "Recorded", "corrected": "Corrected", "unchanged": "Already recorded:"}[what]
        contact = ", the family's contact" if attendee.family_contact else ""
        message = f"{verb} {attendee.name} ({attendee.agency}, {attendee.attendance}{contact})."
    _done(case.store, reference, as_json, message)


def held(
    reference: Ref,
    at: Annotated[
        str | None, typer.Option("--at", help="When it took place, e.g. today 14:30 (default now).")
    ] = None,
    format_: Annotated[
        str | None, typer.Option("--format", help="face-to-face, virtual or telephone.")
    ] = None,
    chair: Annotated[str | None, typer.Option("--chair", help="Who chaired it.")] = None,
    as_json: JsonOption = False,
):
    """The discussion took place: clears its deadline and starts the clocks that follow."""
    if format_ is not None:
        format_ = common.known_id(format_, FORMATS, "a format", "--format")
    when = common.happened(at, "--at", "the meeting time")
    given: dict[str, str | None] = {"held_format": format_} if format_ is not None else {}
    if chair is not None:  # an empty chair clears it
        given["chair"] = common.text_or_file(chair, "--chair")
    case = common.casework()
    when = discussion.hold(case, reference, when, given)
    _done(case.store, reference, as_json, f"{reference} held {when:%a %d %b %Y %H:%M}.")


def decide(
    reference: Ref,
    s47: Annotated[
        bool | None, typer.Option("--s47/--no-s47", help="Section 47 enquiries: yes or no.")
    ] = None,
    police: Annotated[
        bool | None, typer.Option("--police/--no-police", help="Police investigation: yes or no.")
    ] = None,
    rationale: Annotated[
        str | None, typer.Option("--rationale", help="Why (required with the decision).")
    ] = None,
    share: Annotated[str | None, typer.Option("--share", help="What the family is told.")] = None,
    withhold: Annotated[
        str | None, typer.Option("--withhold", help="What is withheld from the family.")
    ] = None,
    withhold_rationale: Annotated[
        str | None,
        typer.Option("--withhold-rationale", help="Why it is withheld (required with --withhold)."),
    ] = None,
    no_withhold: Annotated[
        bool, typer.Option("--no-withhold", help="Nothing is withheld (clears a withholding).")
    ] = False,
    further_by: Annotated[
        str | None,
        typer.Option("--further-by", help="A further discussion is needed by this date, e.g. 31/12/2026."),
    ] = None,
    no_further: Annotated[
        bool, typer.Option("--no-further", help="No further discussion is needed (clears --further-by).")
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="When the decision was made, e.g. today 10:15 (default: now, when the outcome is made or changed).",
        ),
    ] = None,
    as_json: JsonOption = False,
):
    """Record the decision; deciding again amends it (both stay in the trail)."""
    patch = DecisionPatch(
        s47=s47,
        police_investigation=police,
        rationale=common.text_or_file(rationale, "--rationale"),
        share=common.text_or_file(share, "--share"),
        withholding=False if no_withhold else None,
        withhold=common.text_or_file(withhold, "--withhold"),
        withhold_rationale=common.text_or_file(withhold_rationale, "--withhold-rationale"),
        further_discussion=False if no_further else None,
        further_by=common.instant(further_by, "--further-by", date_means="end"),
        decided_at=common.happened(at, "--at", "the decision time"),
    )
    case = common.casework()
    try:
        decision = amend_decision(case, reference, patch)
    except DecisionRefused as error:
        option = {"rationale": "--rationale", "withhold_rationale": "--withhold-rationale"}[error.needs]
        error.args = (f"{error}: give {option} (nothing was saved)",)
        raise
    profile = case.store.profile_of(case.store.discussion(reference))
    label = profile.outcome_label(decision.s47, decision.police_investigation)
    _done(case.store, reference, as_json, f"Decision recorded: {label or 'outcome not decided yet'}.")


def record(
    reference: Ref,
    event: Annotated[str, typer.Argument(help=f"What happened: {', '.join(EVENTS)}.")],
    at: Annotated[
        str | None, typer.Option("--at", help="When it happened, e.g. yesterday 4pm (default now).")
    ] = None,
    child: Annotated[
        str | None,
        typer.Option("--child", help="child-seen: which child was seen (needed when there are several)."),
    ] = None,
    seen_by: Annotated[
        str | None, typer.Option("--by", help="child-seen: who saw the child (@FILE reads it from a file).")
    ] = None,
    alone: Annotated[
        bool | None,
        typer.Option("--alone/--not-alone", help="child-seen: whether the child was seen alone."),
    ] = None,
    withdraw: Annotated[
        bool,
        typer.Option("--withdraw", help="It was recorded by mistake: take it back (its deadline returns)."),
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it is withdrawn, for the audit trail.")
    ] = None,
    as_json: JsonOption = False,
):
    """A follow-up happened: clears its deadline (each child seen, one at a time)."""
    event = _event(reference, event)
    if withdraw and at is not None:
        raise UsageProblem("--withdraw takes a follow-up back; --at corrects its time: give one of them")
    if reason is not None and not withdraw:
        raise UsageProblem("--reason goes with --withdraw")
    about_sighting = [
        option
        for option, given in (("--child", child), ("--by", seen_by), ("--alone/--not-alone", alone))
        if given is not None
    ]
    if about_sighting and event != "child-seen":
        raise UsageProblem(f"{' and '.join(about_sighting)} go with child-seen, not {event}")
    if withdraw and (seen_by is not None or alone is not None):
        raise UsageProblem(
            "--withdraw takes a sighting back: --by and --alone/--not-alone go with recording one"
        )
    when = common.happened(at, "--at", f"the time of {event}")
    name = common.text_or_file(child, "--child")
    case = common.casework()
    if event == "child-seen":
        _child_seen(case, reference, name, seen_by, alone, when, withdraw, reason, as_json)
        return
    if withdraw:
        followups.withdraw_event(case, reference, event, common.text_or_file(reason, "--reason"))
        _done(case.store, reference, as_json, f"Withdrew {event} on {reference}.")
        return
    for warning in followups.record_event(case, reference, event, when or case.clock()):
        common.warn(warning)
    _done(case.store, reference, as_json, f"Recorded {event} on {reference}.")


def _child_seen(case, reference, name, seen_by, alone, when, withdraw, reason, as_json) -> None:
    """``record REF child-seen``: one child's sighting recorded, corrected or taken back."""
    from ..domain.model import Sighting

    if withdraw:
        whose = followups.withdraw_sighting(case, reference, name, common.text_or_file(reason, "--reason"))
        shown = "child-seen" if whose == "child-seen" else f"child-seen ({whose})"
        _done(case.store, reference, as_json, f"Withdrew {shown} on {reference}.")
        return
    sighting = Sighting(by=common.text_or_file(seen_by, "--by"), at=when or case.clock(), alone=alone)
    whom, warnings = followups.record_sighting(case, reference, name, sighting)
    for warning in warnings:
        common.warn(warning)
    how = {True: ", alone", False: ", not alone", None: ""}[alone]
    by = f" by {sighting.by}" if sighting.by else ""
    _done(case.store, reference, as_json, f"Recorded {whom} seen{by}{how} on {reference}.")


def _event(reference: str, typed: str) -> str:
    """The follow-up event a user named (``LADO-informed`` is ``lado-informed``); a profile may
    define its own follow-ups and the events that clear them, read only for one not built in."""
    from ..domain.ids import find_id

    found = find_id(typed, EVENTS)
    if found is not None:
        return found
    store = common.open_store()
    known = store.profile_of(store.discussion(reference)).events
    return common.known_id(typed, known, "a follow-up event", "EVENT")


# --- Actions ---------------------------------------------------------------------------------

Task = Annotated[str | None, typer.Option("--task", help="What is to be done.")]
Owner = Annotated[str | None, typer.Option("--owner", help="Who will do it.")]
AgencyOpt = Annotated[str | None, typer.Option("--agency", help="The owner's agency id.")]
Due = Annotated[
    str | None,
    typer.Option(
        "--due", help="By when: a date (the end of that day) or a time, e.g. 30/11/2026 or tomorrow 5pm."
    ),
]
Number = Annotated[int, typer.Argument(help="The action's number within the discussion.")]


def action_add(
    reference: Ref,
    task: Task = None,
    owner: Owner = None,
    agency: AgencyOpt = None,
    due: Due = None,
    for_family: Annotated[
        bool, typer.Option("--for-family", help="Shown in the family version of the minutes.")
    ] = False,
    again: Annotated[
        bool,
        typer.Option("--again", help="Agree it even though the same open action (task, owner, due) exists."),
    ] = False,
    as_json: JsonOption = False,
):
    """Agree an action: what, who, by when. Prints its number."""
    case = common.casework()
    action = Action(
        number=0,
        task=common.text_or_file(task, "--task", required=True),
        owner=common.text_or_file(owner, "--owner"),
        agency=common.agency(agency, known=_agencies(reference, agency)),
        due_at=common.instant(due, "--due", date_means="end"),
        agreed_at=case.clock(),
        for_family=for_family,
    )
    if action.owner is None:
        raise UsageProblem("--owner is needed: every action has someone who will do it")
    if action.due_at is None:
        raise UsageProblem("--due is needed: every action has a date")
    number = followups.add_action(case, reference, action, again)
    if as_json:
        common.print_json({"id": number})
        return
    print(number)
    common.say(f"Action {number} on {reference}: {action.task} ({action.owner}).")


def action_done(
    reference: Ref,
    number: Number,
    at: Annotated[
        str | None, typer.Option("--at", help="When it was done, e.g. today 11:00 (default now).")
    ] = None,
    as_json: JsonOption = False,
):
    """Action N is done: clears its deadline."""
    when = common.happened(at, "--at", f"the time action {number} was done")
    case = common.casework()
    if followups.action_done(case, reference, number, when or case.clock()):
        common.warn(f"action {number} was already done; this corrects when")
    _done(case.store, reference, as_json, f"Action {number} done.")


def action_edit(
    reference: Ref,
    number: Number,
    task: Task = None,
    owner: Owner = None,
    agency: AgencyOpt = None,
    due: Due = None,
    for_family: Annotated[bool | None, typer.Option("--for-family/--not-for-family")] = None,
    not_done: Annotated[
        bool, typer.Option("--not-done", help="It was marked done by mistake: its deadline returns.")
    ] = False,
    as_json: JsonOption = False,
):
    """Correct an action; the old values stay in the audit trail."""
    changes = {
        "task": common.text_or_file(task, "--task"),
        "owner": common.text_or_file(owner, "--owner"),
        "agency": common.agency(agency, known=_agencies(reference, agency)),
        "due_at": common.instant(due, "--due", date_means="end"),
        "for_family": for_family,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    case = common.casework()
    followups.correct_action(case, reference, number, changes, not_done)
    _done(case.store, reference, as_json, f"Action {number} corrected.")


def action_remove(
    reference: Ref,
    number: Number,
    reason: Annotated[
        str, typer.Option("--reason", help="Why it is taken back, e.g. entered twice (required; @FILE).")
    ],
    as_json: JsonOption = False,
):
    """Take back an action entered by mistake: off the board, no longer holding up `close`;
    the audit trail and the minutes' amendments keep it."""
    why = common.text_or_file(reason, "--reason", required=True)
    case = common.casework()
    followups.remove_action(case, reference, number, why)
    _done(case.store, reference, as_json, f"Action {number} removed.")


def register(app: typer.Typer) -> None:
    app.command("attend")(attend)
    app.command("held")(held)
    app.command("decide")(decide)
    app.command("record")(record)
    actions = typer.Typer(help=summary("action"), no_args_is_help=True)
    actions.command("add")(action_add)
    actions.command("done")(action_done)
    actions.command("edit")(action_edit)
    actions.command("remove")(action_remove)
    app.add_typer(actions, name="action")
