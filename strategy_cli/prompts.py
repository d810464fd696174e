"""The only module that imports questionary: every prompt the tool shows goes through here.

questionary's ``ask()`` swallows Ctrl-C and returns ``None``; ``unsafe_ask()`` raises
``KeyboardInterrupt``, which callers need in order to keep what was given and exit 130.
Tests replace ``PROMPTER`` with a scripted object of the same three methods.
"""

from __future__ import annotations

import sys
from datetime import UTC

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


PROMPTER = Questionary()

SKIP_LABEL = "(skip for now)"


def ask_question(question, current=None):
    """One checklist question; returns the answer, or ``SKIP``. The current answer is the default."""
    message = question.text
    if question.type == "yes-no":
        default = None if current is None else ("yes" if current else "no")
        picked = PROMPTER.select(message, ["yes", "no", SKIP_LABEL], default=default)
        return SKIP if picked == SKIP_LABEL else picked == "yes"
    if question.type == "choice":
        picked = PROMPTER.select(message, [*question.choices, SKIP_LABEL], default=current)
        return SKIP if picked == SKIP_LABEL else picked
    answer = PROMPTER.text(message, default=current, instruction="(Enter on an empty line to skip)")
    return SKIP if not answer or not answer.strip() else answer


def ask_new_discussion(known: dict, procedures: list[str], categories: list[str]) -> dict:
    """Ask, in a terminal, for whatever ``strategy new`` was not given on the command line."""
    from .domain.calendar import TimeInputError, parse_date

    found = dict(known)
    if not found["children"] and not found.get("follows"):
        names, dobs = [], []
        while True:
            name = PROMPTER.text("Child's name" + (" (Enter when there are no more)" if names else ""))
            if not name.strip():
                if names:
                    break
                continue
            names.append(name.strip())
            while True:
                born = PROMPTER.text(f"{name.strip()}: date of birth (YYYY-MM-DD; edd:YYYY-MM-DD if unborn)")
                try:
                    parse_date(born.strip().removeprefix("edd:"))
                    dobs.append(born.strip())
                    break
                except TimeInputError as error:
                    print(error, file=sys.stderr)
        found["children"], found["dobs"] = names, dobs
    if found["procedure"] is None:
        found["procedure"] = PROMPTER.select("Procedure", procedures)
    if found["concern_at"] is None:
        found["concern_at"] = _ask_instant(
            "When was the concern identified or the referral received? (YYYY-MM-DD HH:MM; Enter for now)"
        )
    if not found["categories"]:
        found["categories"] = PROMPTER.checkbox("Category of concern", categories, ["standard"]) or [
            "standard"
        ]
    if found["summary"] is None:
        found["summary"] = PROMPTER.text("Reason for the discussion (as the minutes will show it)") or None
    if found["referrer"] is None:
        found["referrer"] = PROMPTER.text("Referrer (Enter to leave blank)") or None
    return found


def _ask_instant(message: str) -> str | None:
    """A date-time typed at a prompt, asked again until it can be read; empty means now."""
    from datetime import datetime

    from .domain.calendar import TimeInputError, parse_instant

    while True:
        typed = PROMPTER.text(message).strip()
        if not typed:
            return None
        try:
            parse_instant(typed, now=datetime.now(UTC))
            return typed
        except TimeInputError as error:
            print(error, file=sys.stderr)
