"""The meeting record: attend, held, decide, record, and actions."""

from dataclasses import replace
from typing import Annotated

import typer

from .. import settings
from ..domain.model import AGENCIES, EVENTS, FORMATS, Action, Attendee, Decision
from ..errors import StrategyError, UsageProblem
from . import common, summary
from .discussion import JsonOption, Ref, _done


def attend(
    reference: Ref,
    name: Annotated[str, typer.Option("--name", help="The attendee's name (@FILE reads it from a file).")],
    agency: Annotated[str | None, typer.Option("--agency", help=f"Agency id: {', '.join(AGENCIES)}.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="Role or job title.")] = None,
    apologies: Annotated[bool, typer.Option("--apologies", help="Invited, did not attend.")] = False,
    information_only: Annotated[
        bool,
        typer.Option(
            "--information-only", help="Sent information, did not take part (not counted for quoracy)."
        ),
    ] = False,
    remove: Annotated[bool, typer.Option("--remove", help="Take this person out (audited).")] = False,
    as_json: JsonOption = False,
):
    """Record who took part; the same name again corrects the entry, --remove takes it out."""
    name = common.text_or_file(name, "--name", required=True)
    if apologies and information_only:
        raise UsageProblem("--apologies and --information-only cannot both be given")
    store = common.open_store()
    discussion = store.discussion(reference)
    common.require_open(discussion)
    with store.writing(common.user(), settings.now()) as writer:
        if remove:
            writer.remove_attendee(discussion.reference, name)
            message = f"Removed {name} from {discussion.reference}."
        else:
            if agency is None:
                raise UsageProblem("--agency is needed (e.g. social-care, health, police)")
            attendance = "apologies" if apologies else "information-only" if information_only else "present"
            attendee = Attendee(name, common.agency(agency), common.text(role, "--role"), attendance)
            what = writer.attend(discussion.reference, attendee)
            message = f"{'Corrected' if what == 'corrected' else 'Recorded'} {name} ({agency}, {attendance})."
    _done(store, discussion.reference, as_json, message)


def held(
    reference: Ref,
    at: Annotated[str | None, typer.Option("--at", help="When it took place (default now).")] = None,
    format_: Annotated[
        str | None, typer.Option("--format", help="face-to-face, virtual or telephone.")
    ] = None,
    chair: Annotated[str | None, typer.Option("--chair", help="Who chaired it.")] = None,
    as_json: JsonOption = False,
):
    """The discussion took place: clears its deadline and starts the clocks that follow."""
    if format_ is not None and format_ not in FORMATS:
        raise typer.BadParameter(f"{format_!r} is not one of {', '.join(FORMATS)}", param_hint="--format")
    now = settings.now()
    store = common.open_store()
    discussion = store.discussion(reference)
    common.require_open(discussion)
    # Held again to correct the chair or the format: the time stays unless --at says otherwise.
    when = common.instant(at, "--at") or discussion.held_at or now
    changes = {"held_at": when}
    if format_ is not None:
        changes["held_format"] = format_
    if chair is not None:
        changes["chair"] = common.text_or_file(chair, "--chair")
    action = "held" if discussion.held_at is None else "held.correct"
    with store.writing(common.user(), now) as writer:
        writer.update_discussion(discussion.reference, action, changes)
    _done(store, discussion.reference, as_json, f"{discussion.reference} held {when:%a %d %b %Y %H:%M}.")


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
        str | None, typer.Option("--further-by", help="A further discussion is needed by this date.")
    ] = None,
    no_further: Annotated[
        bool, typer.Option("--no-further", help="No further discussion is needed (clears --further-by).")
    ] = False,
    at: Annotated[str | None, typer.Option("--at", help="When the decision was made (default now).")] = None,
    as_json: JsonOption = False,
):
    """Record the decision; deciding again amends it (both stay in the trail)."""
    now = settings.now()
    store = common.open_store()
    discussion = store.discussion(reference)
    common.require_open(discussion)
    decision = _decision(
        discussion.decision,
        s47=s47,
        police_investigation=police,
        rationale=common.text_or_file(rationale, "--rationale"),
        share=common.text_or_file(share, "--share"),
        withhold=common.text_or_file(withhold, "--withhold"),
        withhold_rationale=common.text_or_file(withhold_rationale, "--withhold-rationale"),
        no_withhold=no_withhold,
        further_by=common.instant(further_by, "--further-by", date_means="end"),
        no_further=no_further,
        decided_at=common.instant(at, "--at") or now,
    )
    action = "decide" if discussion.decision is None else "decide.amend"
    with store.writing(common.user(), now) as writer:
        writer.decide(discussion.reference, decision, action)
    label = settings.profile(discussion.procedure).outcome_label(decision.s47, decision.police_investigation)
    _done(store, discussion.reference, as_json, f"Decision recorded: {label}.")


def _decision(current: Decision | None, *, no_withhold: bool, no_further: bool, **given) -> Decision:
    """The decision after this command, or an error (and nothing written) if a rule is broken."""
    if given["withhold"] is not None and no_withhold:
        raise UsageProblem("--withhold and --no-withhold cannot both be given")
    if given["further_by"] is not None and no_further:
        raise UsageProblem("--further-by and --no-further cannot both be given")
    changed = {k: v for k, v in given.items() if v is not None and k != "decided_at"}
    if given["further_by"] is not None:
        changed["further_discussion"] = True
    if no_further:
        changed.update(further_discussion=False, further_by=None)
    if not changed and not no_withhold:
        raise UsageProblem("nothing to decide: give --s47/--no-s47, --police/--no-police, --rationale, ...")
    decision = replace(current or Decision(), **changed, decided_at=given["decided_at"])
    if given["withhold"] is not None:
        decision.withholding = True
    if no_withhold:
        decision.withholding, decision.withhold, decision.withhold_rationale = False, None, None
    if decision.s47 is None or decision.police_investigation is None:
        raise UsageProblem("the decision needs both --s47/--no-s47 and --police/--no-police")
    outcome_changed = current is not None and (
        (current.s47, current.police_investigation) != (decision.s47, decision.police_investigation)
    )
    if decision.rationale is None or (outcome_changed and given["rationale"] is None):
        raise UsageProblem("--rationale is required: record why this decision was made")
    if decision.withholding and not decision.withhold_rationale:
        raise StrategyError(
            "information is withheld from the family without a rationale: give --withhold-rationale "
            "(nothing was saved)"
        )
    return decision


def record(
    reference: Ref,
    event: Annotated[str, typer.Argument(help=f"What happened: {', '.join(EVENTS)}.")],
    at: Annotated[str | None, typer.Option("--at", help="When it happened (default now).")] = None,
    withdraw: Annotated[
        bool,
        typer.Option("--withdraw", help="It was recorded by mistake: take it back (its deadline returns)."),
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it is withdrawn, for the audit trail.")
    ] = None,
    as_json: JsonOption = False,
):
    """A follow-up happened: clears its deadline."""
    if event not in EVENTS:
        raise typer.BadParameter(f"{event!r} is not one of {', '.join(EVENTS)}", param_hint="EVENT")
    if withdraw and at is not None:
        raise UsageProblem("--withdraw takes a follow-up back; --at corrects its time: give one of them")
    if reason is not None and not withdraw:
        raise UsageProblem("--reason goes with --withdraw")
    now = settings.now()
    when = common.instant(at, "--at") or now
    store = common.open_store()
    discussion = store.discussion(reference)
    common.require_open(discussion)
    if withdraw:
        with store.writing(common.user(), now) as writer:
            writer.withdraw_event(discussion.reference, event, common.text_or_file(reason, "--reason"))
        _done(store, discussion.reference, as_json, f"Withdrew {event} on {discussion.reference}.")
        return
    if event in discussion.events:
        common.warn(f"{event} was already recorded; this corrects its time (the old one is kept in the log)")
    if (
        not any(d.kind == EVENTS[event] for d in store.pending(discussion.reference))
        and event not in discussion.events
    ):
        common.warn(f"{discussion.reference} had no pending {EVENTS[event]} deadline; recorded anyway")
    with store.writing(common.user(), now) as writer:
        writer.record_event(discussion.reference, event, when)
    _done(store, discussion.reference, as_json, f"Recorded {event} on {discussion.reference}.")


# --- Actions ---------------------------------------------------------------------------------

Task = Annotated[str | None, typer.Option("--task", help="What is to be done.")]
Owner = Annotated[str | None, typer.Option("--owner", help="Who will do it.")]
AgencyOpt = Annotated[str | None, typer.Option("--agency", help="The owner's agency id.")]
Due = Annotated[str | None, typer.Option("--due", help="By when: a date (end of that day) or a date-time.")]
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
    as_json: JsonOption = False,
):
    """Agree an action: what, who, by when. Prints its number."""
    now = settings.now()
    action = Action(
        number=0,
        task=common.text_or_file(task, "--task", required=True),
        owner=common.text_or_file(owner, "--owner"),
        agency=common.agency(agency),
        due_at=common.instant(due, "--due", date_means="end"),
        agreed_at=now,
        for_family=for_family,
    )
    if action.owner is None:
        raise UsageProblem("--owner is needed: every action has someone who will do it")
    if action.due_at is None:
        raise UsageProblem("--due is needed: every action has a date")
    store = common.open_store()
    discussion = store.discussion(reference)
    common.require_open(discussion)
    with store.writing(common.user(), now) as writer:
        number = writer.add_action(discussion.reference, action)
    if as_json:
        common.print_json({"id": number})
        return
    print(number)
    common.say(f"Action {number} on {discussion.reference}: {action.task} ({action.owner}).")


def action_done(
    reference: Ref,
    number: Number,
    at: Annotated[str | None, typer.Option("--at", help="When it was done (default now).")] = None,
    as_json: JsonOption = False,
):
    """Action N is done: clears its deadline."""
    now = settings.now()
    when = common.instant(at, "--at") or now
    store = common.open_store()
    discussion = store.discussion(reference)
    common.require_open(discussion)
    with store.writing(common.user(), now) as writer:
        action = writer.action(discussion.reference, number)
        if action.done_at is not None:
            common.warn(f"action {number} was already done; this corrects when")
        writer.change_action(discussion.reference, replace(action, done_at=when), "action.done")
    _done(store, discussion.reference, as_json, f"Action {number} done.")


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
        "agency": common.agency(agency),
        "due_at": common.instant(due, "--due", date_means="end"),
        "for_family": for_family,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes and not not_done:
        raise UsageProblem("nothing to correct: give --task, --owner, --agency, --due or --not-done")
    store = common.open_store()
    discussion = store.discussion(reference)
    common.require_open(discussion)
    with store.writing(common.user(), settings.now()) as writer:
        action = writer.action(discussion.reference, number)
        if not_done:
            if action.done_at is None:
                raise StrategyError(f"action {number} of {discussion.reference} is not marked done")
            changes["done_at"] = None
        writer.change_action(discussion.reference, replace(action, **changes), "action.edit")
    _done(store, discussion.reference, as_json, f"Action {number} corrected.")


def register(app: typer.Typer) -> None:
    app.command("attend")(attend)
    app.command("held")(held)
    app.command("decide")(decide)
    app.command("record")(record)
    actions = typer.Typer(help=summary("action"), no_args_is_help=True)
    actions.command("add")(action_add)
    actions.command("done")(action_done)
    actions.command("edit")(action_edit)
    app.add_typer(actions, name="action")
