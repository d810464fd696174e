"""``strategy checklist``: walk the key questions, saving each answer the moment it is given."""

import json
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .. import settings
from ..casework.checklist import ContradictsRecord, answer_questions, question_for
from ..domain import checklist as rules
from ..domain import decision as decision_rules
from ..domain.checklist import AnswerError
from ..domain.decision import DecisionRefused
from ..domain.model import Decision, Discussion
from ..errors import UsageProblem
from . import common

if TYPE_CHECKING:
    from ..domain.procedures import Profile


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
            "record": q.record,
        }
        for q in profile.questions
    ]


def checklist(
    reference: Annotated[
        str | None,
        typer.Argument(help="The discussion (not needed with --questions).", callback=common.reference),
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
    profile = store.profile_of(discussion)
    if section is not None:
        section = common.known_id(section, [s.id for s in profile.sections], "a section", "--section")
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
    """An answers file: at most 1 MiB of JSON or TOML, nested no deeper than answers are."""
    text = common.read_text_file(path, "--answers")
    try:
        if path.suffix.lower() == ".toml":
            found = tomllib.loads(text)
        else:
            found = json.loads(text)
    except RecursionError:
        found = None
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise typer.BadParameter(
            f"{str(path)!r} is not valid {path.suffix[1:] or 'JSON'}: {error}", param_hint="--answers"
        ) from None
    if found is None or _depth(found) > MAX_NESTING:
        raise typer.BadParameter(
            f"{str(path)!r} is nested more than {MAX_NESTING} levels deep: answers are one level",
            param_hint="--answers",
        )
    return found


# Answers are one table of values; a file nested deeper than this is not an answers file.
MAX_NESTING = 8


def _depth(value, limit: int = MAX_NESTING + 1) -> int:
    """How deeply lists and tables nest (counted no further than ``limit``)."""
    if limit <= 0 or not isinstance(value, (dict, list)):
        return 0
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(item, limit - 1) for item in items), default=0)


def _from_file(store, discussion: Discussion, profile: "Profile", path: Path) -> None:
    """Every answer in the file, checked first, then saved in one transaction (or none)."""
    try:
        checked = rules.validate_answers(profile, _read_file(path))
    except AnswerError as error:
        raise UsageProblem(f"{path}: {error}; nothing was saved") from None
    answer_questions(common.casework(store), discussion.reference, profile, checked)
    common.say(f"Saved {len(checked)} answer{'s' if len(checked) != 1 else ''} to {discussion.reference}.")


def _walk(store, discussion: Discussion, profile: "Profile", review: bool, section: str | None) -> None:
    """Ask question by question; each answer is its own transaction, so Ctrl-C loses nothing.

    The record's questions (attendance, the children's circumstances) are not asked: the
    record answers them. An answer that a decision rule cannot take alone (an outcome without
    its rationale, information withheld without why) brings the question that completes it at
    once, and the two are saved together.
    """
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
            if rules.answered_by_record(question, discussion, profile):
                continue
            given = rules.answers(discussion, profile)
            if not rules.triggered(question, given) or (question.id in given and not review):
                continue
            asked = [
                q
                for q in rules.to_ask(profile, given, section)
                if not rules.answered_by_record(q, discussion, profile)
            ]
            position = asked.index(question) + 1
            if question.section != shown_section:
                shown_section = question.section
                console.print(f"\n[bold underline]{escape(titles[question.section])}[/]")
            console.print(
                f"[dim]{position} of {len(asked)}[/]"
                + (f"  [dim]{escape(question.help)}[/]" if question.help else "")
            )
            shown = given.get(question.id)
            answer = prompts.ask_question(question, shown)
            if answer is prompts.SKIP or _kept(question, answer, shown):
                continue  # kept as it was shown: a change someone made meanwhile is not undone
            saved += _save(store, discussion, profile, {question.id: answer}, console)
    except KeyboardInterrupt:
        console.print(
            f"\nStopped. {saved} answer{'s' if saved != 1 else ''} saved this time; every answer given is kept."
            f"\nResume with: strategy checklist {discussion.reference}"
        )
        raise typer.Exit(130) from None


def _kept(question, answer, shown) -> bool:
    """Whether the answer is the one shown as the default: nothing to change. The record may
    have moved on while the prompt was open (another manager ran `decide`); writing the shown
    value back would undo their change."""
    if shown is None:
        return False
    try:
        return rules.read_answer(question, answer) == shown
    except AnswerError:
        return False


def _save(store, discussion: Discussion, profile: "Profile", given: dict, console) -> int:
    """Save answers in one transaction; returns how many (0 when refused, with the reason).

    When a decision rule needs another answer with this one, that question is asked at once
    and both are saved together; without it nothing is saved, and the walk goes on.
    """

    from .. import prompts

    try:
        checked = {qid: rules.read_answer(profile.question_index[qid], value) for qid, value in given.items()}
    except AnswerError as error:
        common.warn(str(error))
        return 0
    try:
        answer_questions(common.casework(store), discussion.reference, profile, checked)
        return len(checked)
    except ContradictsRecord as error:
        common.warn(str(error))
        return 0
    except DecisionRefused as refused:
        needed = question_for(profile, refused.needs)
        if needed is None or needed.id in given:
            common.warn(str(refused))
            return 0
        _explain(discussion, profile, checked, refused.needs, console)
        answer = prompts.ask_question(needed, None)
        if answer is prompts.SKIP:
            common.warn(f"not saved: {str(refused).split(':')[0]}; the decision stays as it was")
            return 0
        return _save(store, discussion, profile, {**given, needed.id: answer}, console)


def _explain(discussion: Discussion, profile: "Profile", checked: dict, needs: str, console) -> None:
    """Say why another question comes at once: an outcome made or changed needs its reason,
    information withheld from the family needs why."""
    from rich.markup import escape

    if needs == "withhold_rationale":
        console.print("[bold]Information withheld from the family needs its rationale:[/] give it now.")
        return
    before = discussion.decision
    fields: dict[str, Any] = {}
    for qid, value in checked.items():
        field = profile.question_index[qid].decision
        if field:
            fields[field] = value
    after = replace(before or Decision(), **fields)
    if not decision_rules.settled(after):
        return
    new = profile.outcome_label(after.s47, after.police_investigation) or ""
    if before is not None and decision_rules.changes_outcome(before, after):
        old = profile.outcome_label(before.s47, before.police_investigation) or ""
        console.print(
            f"[bold yellow]The outcome is now {escape(new)} (it was {escape(old)}).[/] It needs its "
            "own rationale (the earlier one stays in the audit trail); skip it and the outcome stays "
            "as it was."
        )
        return
    console.print(f"[bold]The outcome is {escape(new)}.[/] Give the reason for it.")


def _summary(store, reference: str, profile: "Profile", as_json: bool) -> None:
    """What is left: unanswered questions, required follow-ups, quoracy gaps, the outcome."""
    from .discussion import show_view

    view = show_view(store, reference)
    summary = rules.summarise(profile, view.answers)
    decision = view.discussion.decision
    outcome = profile.outcome_label(decision.s47, decision.police_investigation) if decision else None
    if as_json:
        common.print_json(
            {
                "reference": view.discussion.reference,
                "answered": summary.answered,
                "total": summary.total,
                "unanswered": [q.id for q in summary.unanswered],
                "missing_follow_ups": [q.id for q in summary.missing_follow_ups],
                "quorate": view.quorate,
                "missing_agencies": list(view.missing_agencies),
                "outcome": outcome,
            }
        )
        return
    from ..present import terminal as output

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
    console.print(output.quoracy_line(view))
    console.print(
        f"Outcome the answers imply: [bold]{outcome or 'not decided yet (s47 and police questions)'}[/]"
    )
    if summary.unanswered or summary.missing_follow_ups:
        console.print(f"Continue with: strategy checklist {reference}")


def register(app: typer.Typer) -> None:
    app.command("checklist")(checklist)
