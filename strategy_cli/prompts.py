"""The only module that imports questionary: every prompt the tool shows goes through here.

questionary's ``ask()`` swallows Ctrl-C and returns ``None``; ``unsafe_ask()`` raises
``KeyboardInterrupt``, which callers need in order to keep what was given and exit 130.
Tests replace ``PROMPTER`` with a scripted object of the same four methods.

A yes/no question has no default answer: a stray Enter must never answer "yes" (nor "no")
for a manager, so it is typed (``y`` or ``n``) and a bare Enter is refused where it is asked.
"""

from __future__ import annotations

import sys

SKIP = object()  # the user chose to leave a question for later


class Questionary:
    """Asks in a real terminal. Each method raises ``KeyboardInterrupt`` on Ctrl-C."""

    def text(self, message: str, default: str | None = None, instruction: str | None = None) -> str:
        import questionary

        return questionary.text(message, default=default or "", instruction=instruction).unsafe_ask()

    def select(self, message: str, choices: list[str], default: str | None = None) -> str:
        import questionary

        return questionary.select(message, choices=choices, default=default).unsafe_ask()

    def checkbox(self, message: str, choices: list[str], checked: list[str]) -> list[str]:
        import questionary

        items = [questionary.Choice(c, checked=c in checked) for c in choices]
        return questionary.checkbox(message, choices=items).unsafe_ask()

    def yes_no(self, message: str, skip: bool = False, current: str | None = None) -> str:
        """``yes``, ``no`` or (with ``skip``) ``SKIP_LABEL``, typed; Enter alone answers
        nothing. ``current``, an answer already given, is shown typed in, to keep or change."""
        import questionary

        def answers(typed: str) -> bool | str:  # True, or what to type instead
            return read_yes_no(typed, skip) is not None or yes_no_instruction(skip, refused=True)

        typed = questionary.text(
            message, default=current or "", instruction=yes_no_instruction(skip), validate=answers
        ).unsafe_ask()
        return read_yes_no(typed, skip) or ""


PROMPTER = Questionary()

SKIP_LABEL = "(skip for now)"

_YES_NO = {"y": "yes", "yes": "yes", "n": "no", "no": "no"}
_SKIP = {"s", "skip"}


def read_yes_no(typed: str, skip: bool = False) -> str | None:
    """What a typed answer to a yes/no question means (``yes``, ``no``, ``SKIP_LABEL``), or
    None when it is not an answer: nothing typed, or anything else."""
    word = typed.strip().lower()
    if skip and word in _SKIP:
        return SKIP_LABEL
    return _YES_NO.get(word)


def yes_no_instruction(skip: bool, refused: bool = False) -> str:
    """What to type, shown beside the question, and again when Enter alone is pressed."""
    if refused:
        return "Type y for yes or n for no" + (", or s to skip for now" if skip else "") + ", then Enter"
    return "(y/n, s to skip)" if skip else "(y/n)"


def ask_question(question, current=None):
    """One checklist question; returns the answer, or ``SKIP``. The current answer is the default."""
    message = question.text
    if question.type == "yes-no":
        shown = None if current is None else ("yes" if current else "no")
        picked = PROMPTER.yes_no(message, skip=True, current=shown)
        return SKIP if picked == SKIP_LABEL else picked == "yes"
    if question.type == "choice":
        picked = PROMPTER.select(message, [*question.choices, SKIP_LABEL], default=current)
        return SKIP if picked == SKIP_LABEL else picked
    answer = PROMPTER.text(message, default=current, instruction="(Enter on an empty line to skip)")
    return SKIP if not answer or not answer.strip() else answer


def carry_on_unfinished(started: str, about: str) -> bool:
    """Whether to carry on with a `new` that Ctrl-C interrupted (else it is forgotten)."""
    picked = PROMPTER.yes_no(
        f"Carry on with the discussion you began at {started} ({about})? No starts afresh and forgets it."
    )
    return picked == "yes"


def ask_new_discussion(found: dict, procedures: list[str], categories_of, now) -> None:
    """Ask, in a terminal, for whatever ``strategy new`` has not been told.

    ``found`` holds what is known (a key is there once answered) and is filled answer by
    answer, so when Ctrl-C interrupts it holds every answer given. ``now()`` is the moment
    "Enter for now" means: taken when the answer is given, not when the discussion is opened.
    ``categories_of(procedure)``: the categories that procedure's profile defines.
    """
    if "children_done" not in found:
        _ask_children(found, now)
    if "procedure" not in found:
        found["procedure"] = PROMPTER.select("Procedure", procedures)
    if "concern_at" not in found:
        found["concern_at"] = _ask_instant(
            "When was the concern identified or the referral received? "
            "(e.g. 30/11/2026 15:00 or today 9am; Enter for now)",
            now,
        ) or now().isoformat(timespec="seconds")
    if "categories" not in found:
        categories = categories_of(found["procedure"])
        usual = ["standard"] if "standard" in categories else categories[:1]
        found["categories"] = PROMPTER.checkbox("Category of concern", categories, usual) or usual
    _ask_circumstances(found, categories_of(found["procedure"]))
    if "summary" not in found:
        found["summary"] = _ask_text("Reason for the discussion (as the minutes will show it)")
    if "referrer" not in found:
        found["referrer"] = _ask_text("Referrer (Enter to leave blank)")


# What about a child decides who must attend (domain/rules.py circumstances): asked of each
# born child as `child add` would be told it, so quoracy is right from the first moment.
CHILD_QUESTIONS = (
    ("looked_after", "{name}: is the child looked after?"),
    ("in_hospital", "{name}: is the child in hospital (an in-patient)?"),
    (
        "medical",
        "{name}: significant medical needs, or a paediatric examination has taken or may take place?",
    ),
)
ALLEGATION = "allegation-against-staff"


def _ask_circumstances(found: dict, categories: list[str]) -> None:
    """The circumstances that decide who must attend: an allegation against staff (where the
    procedure has that category and it was not ticked), then each child's flags and language.
    Each answer goes into ``found`` as it is given, so Ctrl-C keeps it; no yes/no has a default."""
    if ALLEGATION in categories and ALLEGATION not in found["categories"] and "allegation" not in found:
        picked = PROMPTER.yes_no("Is this an allegation against staff, volunteers or foster carers?")
        found["allegation"] = picked == "yes"
        if found["allegation"]:
            found["categories"] = [*found["categories"], ALLEGATION]
    flags = found.setdefault("circumstances", [])
    for index, (name, born) in enumerate(
        zip(found.get("children") or [], found.get("dobs") or [], strict=False)
    ):
        if index == len(flags):
            flags.append({})
        asked = flags[index]
        if born.lower().startswith("edd:"):
            continue  # an unborn child is in no hospital bed or placement of their own
        for key, question in CHILD_QUESTIONS:
            if key not in asked:
                asked[key] = PROMPTER.yes_no(question.format(name=name)) == "yes"
        if "interpreter" not in asked:
            asked["interpreter"] = _ask_text(f"{name}: language, if an interpreter is needed (Enter if none)")


def _ask_children(found: dict, now) -> None:
    """Each child's name, then their date of birth, until Enter on an empty name."""
    names = found.setdefault("children", [])
    dobs = found.setdefault("dobs", [])
    if names:
        print(f"Children so far: {', '.join(names)}", file=sys.stderr)
    while True:
        if len(dobs) < len(names):  # a name given, its date of birth not yet
            dobs.append(_ask_dob(names[len(dobs)], now))
            continue
        name = _ask_text("Child's name" + (" (Enter when there are no more)" if names else ""))
        if name is None:
            if names:
                break
            continue
        if name.strip() in names:
            print(f"{name.strip()!r} is already named; give each child once", file=sys.stderr)
            continue
        names.append(name.strip())
    found["children_done"] = True


def _ask_text(message: str) -> str | None:
    """Free text, asked again while it holds what the options refuse (a control character
    would drive the terminal it is shown on); empty means none."""
    from .domain.checklist import AnswerError, check_text

    while True:
        typed = PROMPTER.text(message)
        try:
            check_text(typed, "that")
        except AnswerError as error:
            print(str(error).replace("that: ", "", 1), file=sys.stderr)
            continue
        return typed if typed.strip() else None


def _ask_dob(name: str, now) -> str:
    """A date of birth (or ``edd:`` and an expected date of delivery), asked again until it
    can be read; kept as ISO, so "today" means the day it was answered."""
    from .domain.calendar import TimeInputError, parse_date

    while True:
        born = PROMPTER.text(f"{name}: date of birth (e.g. 30/11/2015; edd:30/11/2026 if unborn)").strip()
        unborn = born.lower().startswith("edd:")
        try:
            day = parse_date(born[4:] if unborn else born, today=now().date())
        except TimeInputError as error:
            print(error, file=sys.stderr)
            continue
        return ("edd:" if unborn else "") + day.isoformat()


def _ask_instant(message: str, now) -> str | None:
    """A date-time typed at a prompt, asked again until it can be read; empty means now. Kept
    as an ISO instant, so "today 9am" means the day it was answered even when an interrupted
    `new` is carried on later."""
    from .domain.calendar import TimeInputError, parse_instant

    while True:
        typed = PROMPTER.text(message).strip()
        if not typed:
            return None
        try:
            read = parse_instant(typed, now=now())
        except TimeInputError as error:
            print(error, file=sys.stderr)
            continue
        if read.warning:
            print(f"Warning: {read.warning}", file=sys.stderr)
        return read.instant.isoformat(timespec="seconds")
