"""What the family is told must not carry what is withheld from them.

The decision records what is withheld (``withhold``) and what the family is told (``share``,
and the actions marked for the family). A manager under pressure may paste the one into the
other; the family version is refused while a field it shows holds the withheld text, or its
distinctive words, until someone says they have checked (``export --i-have-checked``).
"""

from __future__ import annotations

import re

from .model import Discussion

# Words too common to tell one text from another.
_COMMON = frozenset(
    "that this with from have will they them their there where when which what about would could "
    "should been were into also only more some than then very just over such after before other "
    "family child children parent parents carer carers social worker police health".split()
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def distinctive_words(text: str) -> set[str]:
    """The words that make a text recognisable: four letters or more and not common, or any
    word with a digit in it (a house number, a date, a postcode)."""
    words = {w.casefold() for w in _WORD.findall(text)}
    return {w for w in words if (len(w) >= 4 and w not in _COMMON) or any(c.isdigit() for c in w)}


def carries(withheld: str, shown: str) -> bool:
    """Whether ``shown`` holds the withheld text: all of it, or two or more of its distinctive
    words (its only one, when it has one)."""
    if not withheld.strip() or not shown.strip():
        return False
    if " ".join(withheld.casefold().split()) in " ".join(shown.casefold().split()):
        return True
    secret = distinctive_words(withheld)
    found = secret & distinctive_words(shown)
    return len(found) >= min(2, len(secret)) and bool(found)


def family_fields_carrying_withheld(discussion: Discussion) -> list[str]:
    """The fields of the family version that hold the withheld text, named for the manager."""
    decision = discussion.decision
    if decision is None or not decision.withhold:
        return []
    fields = []
    if decision.share and carries(decision.withhold, decision.share):
        fields.append("what the family is told (--share)")
    for action in discussion.actions:
        if action.for_family and carries(decision.withhold, f"{action.task} {action.owner or ''}"):
            fields.append(f"action {action.number} (marked for the family)")
    return fields
