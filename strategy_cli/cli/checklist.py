"""``strategy checklist``: walk the key questions, saving each answer the moment it is given."""

import json
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .. import settings
from ..domain import checklist as rules
from ..domain.checklist import AnswerError
from ..domain.model import Discussion
from ..errors import StrategyError, UsageProblem
from . import common

if TYPE_CHECKING:
    from ..domain.procedures import Profile, Question


def questions_json(profile: "Profile") -> list[dict]:
    """The questions in the order they are asked (cli.md's ``--questions`` shape)."""
    return [
        {
            "id": q.id,
            "section": q.section,
            "text": q.text,
            "type": q.type,
            "choices": list(q.choices) if q.type == "choice" else None,
            "follows": q.follows,
            "when": q.when,
            "help": q.help,
            "decision": q.decision,
        }
        for q in profile.questions
    ]


def checklist(
    reference: Annotated[
        str | None, typer.Argument(help="The discussion (not needed with --questions).")
    ] = None,
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="Answer from a JSON or TOML file of question id to answer."),
    ] = None,
    review: Annotated[
        bool, typer.Option("--review", help="Walk every question again, current answers as defaults.")
    ] = False,
    section: Annotated[str | None, typer.Option("--section", help="Only this section (by id).")] = None,
    questions: Annotated[
        bool, typer.Option("--questions", help="List the questions of a procedure instead.")
    ] = False,
    procedure: Annotated[
        str | None, typer.Option("--procedure", help="The procedure, with --questions.")
    ] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never prompt, even in a terminal: --answers is then needed.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
):
    """Walk the key questions, resuming at the first unanswered one."""
    if questions:
        profile = settings.profile(common.procedure_id(procedure))
        _list_questions(profile, as_json)
        return
    if reference is None:
        raise UsageProblem("give the discussion's reference (or --questions --procedure ID)")
    store = common.open_store()
    discussion = store.discussion(reference)
    common.require_open(discussion)
    profile = settings.profile(discussion.procedure)
    if section is not None and section not in {s.id for s in profile.sections}:
        known = ", ".join(s.id for s in profile.sections)
        raise typer.BadParameter(f"{section!r} is not a section (known: {known})", param_hint="--section")
    if answers is not None:
        _from_file(store, discussion, profile, answers)
    elif not common.can_prompt(no_input):
        raise UsageProblem(
            "the checklist asks its questions in a terminal; without one (or with --no-input), give --answers FILE "
            "(JSON or TOML: question id to answer)"
        )
    else:
        _walk(store, discussion, profile, review, section)
    _summary(store, discussion.reference, profile, as_json)


def _list_questions(profile: "Profile", as_json: bool) -> None:
    if as_json:
        common.print_json(questions_json(profile))
        return
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    titles = {s.id: s.title for s in profile.sections}
    current = None
    for number, q in enumerate(profile.questions, 1):
        if q.section != current:
            current = q.section
            console.print(f"\n[bold]{escape(titles[q.section])}[/] [dim]({q.section})[/]")
        indent = "    " if q.follows else ""
        trigger = f" [dim](if {q.follows} = {q.when})[/]" if q.follows else ""
        console.print(f"{indent}{number:>2}. {escape(q.text)} [dim]{q.id}, {q.type}[/]{trigger}")


def _read_file(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise typer.BadParameter(f"cannot read {str(path)!r}: {error}", param_hint="--answers") from None
    try:
        if path.suffix.lower() == ".toml":
            return tomllib.loads(text)
        return json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise typer.BadParameter(
            f"{str(path)!r} is not valid {path.suffix[1:] or 'JSON'}: {error}", param_hint="--answers"
        ) from None


def _from_file(store, discussion: Discussion, profile: "Profile", path: Path) -> None:
    """Every answer in the file, checked first, then saved in one transaction (or none)."""
    try:
        checked = rules.validate_answers(profile, _read_file(path))
    except AnswerError as error:
        raise UsageProblem(f"{path}: {error}; nothing was saved") from None
    decision = discussion.decision
    decision_changed = False
    now = settings.now()
    plain = {}
    with store.writing(common.user(), now) as writer:
        for question_id, value in checked.items():
            question = profile.question_index[question_id]
            if question.decision:
                decision = rules.with_answer(decision, question, value)
                decision_changed = True
            else:
                plain[question_id] = value
        writer.answers(discussion.reference, plain)
        if decision_changed:
            _check_withholding(decision)
            _check_new_rationale(discussion.decision, decision, profile, checked)
            if decision.decided_at is None:
                decision.decided_at = now
            writer.decide(discussion.reference, decision, "decide.checklist")
    common.say(f"Saved {len(checked)} answer{'s' if len(checked) != 1 else ''} to {discussion.reference}.")


def _check_new_rationale(before, after, profile: "Profile", checked: dict) -> None:
    """As with `decide`: a changed outcome needs its own rationale, not the old one's."""
    if not rules.changes_outcome(before, after):
        return
    if not any(profile.question_index[q].decision == "rationale" for q in checked):
        raise UsageProblem(
            "the answers change the outcome (s47 or police-investigation) but give no new "
            "rationale: answer the rationale question too (nothing was saved)"
        )


def _check_withholding(decision) -> None:
    if decision.withholding and not decision.withhold_rationale:
        raise StrategyError(
            "information-withheld is yes but withheld-rationale is not given: the rationale must "
            "be recorded (nothing was saved)"
        )


def _walk(store, discussion: Discussion, profile: "Profile", review: bool, section: str | None) -> None:
    """Ask question by question; each answer is its own transaction, so Ctrl-C loses nothing."""
    from rich.console import Console
    from rich.markup import escape

    from .. import prompts

    console = Console(highlight=False)
    titles = {s.id: s.title for s in profile.sections}
    saved = 0
    shown_section = None
    try:
        for question in profile.questions:
            if section is not None and question.section != section:
                continue
            discussion = store.discussion(discussion.reference)
            given = rules.answers(discussion, profile)
            if not rules.triggered(question, given) or (question.id in given and not review):
                continue
            asked = rules.to_ask(profile, given, section)
            position = asked.index(question) + 1
            if question.section != shown_section:
                shown_section = question.section
                console.print(f"\n[bold underline]{escape(titles[question.section])}[/]")
            console.print(
                f"[dim]{position} of {len(asked)}[/]"
                + (f"  [dim]{escape(question.help)}[/]" if question.help else "")
            )
            answer = prompts.ask_question(question, given.get(question.id))
            if answer is prompts.SKIP:
                continue
            if _save(store, discussion, question, answer):
                saved += 1
                saved += _rationale_if_outcome_changed(store, discussion, profile, console)
    except KeyboardInterrupt:
        console.print(
            f"\nStopped. {saved} answer{'s' if saved != 1 else ''} saved this time; every answer given is kept."
            f"\nResume with: strategy checklist {discussion.reference}"
        )
        raise typer.Exit(130) from None


def _rationale_if_outcome_changed(store, before: Discussion, profile: "Profile", console) -> int:
    """After an answer that changed a settled outcome, ask at once why (1 if it was given).

    ``_save`` has already set the old rationale aside (it stays in the audit trail); until a
    new one is given the decision shows as having no rationale.
    """
    from rich.markup import escape

    from .. import prompts

    after = store.discussion(before.reference)
    if before.decision is None or after.decision is None or after.decision.rationale is not None:
        return 0
    if not rules.changes_outcome(before.decision, after.decision) or before.decision.rationale is None:
        return 0
    old = profile.outcome_label(before.decision.s47, before.decision.police_investigation)
    new = profile.outcome_label(after.decision.s47, after.decision.police_investigation)
    console.print(
        f"[bold yellow]The outcome is now {escape(new)} (it was {escape(old)}).[/] The rationale "
        "given for the earlier outcome is kept in the audit trail; give the reason for this one."
    )
    question = next((q for q in profile.questions if q.decision == "rationale"), None)
    if question is None:  # a user's profile may leave the question out
        common.warn(
            f"this procedure's checklist has no rationale question: record it with `strategy decide {before.reference} --rationale TEXT`"
        )
        return 0
    answer = prompts.ask_question(question, None)
    if answer is prompts.SKIP:
        common.warn("the decision has no rationale until one is given")
        return 0
    return int(_save(store, after, question, answer))


def _save(store, discussion: Discussion, question: "Question", answer) -> bool:
    """Save one answer in its own transaction; a bad one is reported and not saved.

    An answer that changes a settled outcome sets the old rationale aside in the same
    transaction: it was the reason for the other outcome.
    """
    try:
        value = rules.read_answer(question, answer)
    except AnswerError as error:
        common.warn(str(error))
        return False
    now = settings.now()
    with store.writing(common.user(), now) as writer:
        if question.decision:
            decision = rules.with_answer(discussion.decision, question, value)
            if rules.changes_outcome(discussion.decision, decision):
                decision.rationale = None
            if decision.decided_at is None:
                decision.decided_at = now
            writer.decide(discussion.reference, decision, "decide.checklist")
        else:
            writer.answer(discussion.reference, question.id, value)
    return True


def _summary(store, reference: str, profile: "Profile", as_json: bool) -> None:
    """What is left: unanswered questions, required follow-ups, quoracy gaps, the outcome."""
    from .discussion import show_document

    document = show_document(store, reference)
    discussion = store.discussion(reference)
    given = rules.answers(discussion, profile)
    summary = rules.summarise(profile, given)
    decision = document["decision"]
    if as_json:
        common.print_json(
            {
                "reference": reference,
                "answered": summary.answered,
                "total": summary.total,
                "unanswered": [q.id for q in summary.unanswered],
                "missing_follow_ups": [q.id for q in summary.missing_follow_ups],
                "quorate": document["quorate"],
                "missing_agencies": document["missing_agencies"],
                "outcome": decision["outcome"] if decision else None,
            }
        )
        return
    from . import output

    console = output.console
    console.print(f"\n[bold]Checklist for {reference}[/]: {summary.answered} of {summary.total} answered.")
    if summary.unanswered:
        console.print(
            f"Unanswered ({len(summary.unanswered)}): " + ", ".join(q.id for q in summary.unanswered),
            style="yellow",
        )
    if summary.missing_follow_ups:
        console.print(
            "Follow-ups your answers make required: " + ", ".join(q.id for q in summary.missing_follow_ups),
            style="bold yellow",
        )
    console.print(output.quoracy_line(document))
    outcome = decision["outcome"] if decision else None
    console.print(
        f"Outcome the answers imply: [bold]{outcome or 'not decided yet (s47 and police questions)'}[/]"
    )
    if summary.unanswered or summary.missing_follow_ups:
        console.print(f"Continue with: strategy checklist {reference}")


def register(app: typer.Typer) -> None:
    app.command("checklist")(checklist)
