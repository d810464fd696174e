"""What the family is told must not carry what is withheld from them.

The decision records what is withheld (``withhold``) and what the family is told (``share``,
and the actions marked for the family). A manager under pressure may paste the one into the
other; the family version is refused while a field it shows holds the withheld text, or its
distinctive words, until someone says they have checked (``export --i-have-checked``).
"""

from __future__ import annotations

import re
import unicodedata

from .model import Discussion

# Words too common to tell one text from another.
_COMMON = frozenset(
    "that this with from have will they them their there where when which what about would could "
    "should been were into also only more some than then very just over such after before other "
    "family child children parent parents carer carers social worker police health mum dad mother "
    "father partner lives live living home house address close near nearby school new she her him "
    "his hers stays staying visit visits week weeks today tomorrow monday tuesday wednesday "
    "thursday friday saturday sunday the and for but not you your our mr mrs ms miss".split()
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _folded(text: str) -> str:
    """Case and accents set aside: "Kovács" is "kovacs"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def distinctive_words(text: str) -> set[str]:
    """The words that make a text recognisable (folded): four letters or more and not common,
    or any word with a digit in it (a house number, a date, a postcode)."""
    words = {_folded(w) for w in _WORD.findall(text)}
    return {w for w in words if (len(w) >= 4 and w not in _COMMON) or any(c.isdigit() for c in w)}


def proper_names(text: str) -> set[str]:
    """Capitalised words that are not common ones and do not start a sentence, folded: a
    surname, a street, a town. One of them alone tells the family what is withheld."""
    found = set()
    for match in _WORD.finditer(text):
        word = match.group(0)
        before = text[: match.start()].rstrip()
        starts_sentence = not before or before[-1] in ".!?:;\n"
        if word[:1].isupper() and len(word) >= 3 and not starts_sentence and _folded(word) not in _COMMON:
            found.add(_folded(word))
    return found


def carries(withheld: str, shown: str) -> bool:
    """Whether ``shown`` holds the withheld text: all of it, one of its proper names, or two or
    more of its distinctive words (its only one, when it has one). Case and accents aside."""
    if not withheld.strip() or not shown.strip():
        return False
    if " ".join(_folded(withheld).split()) in " ".join(_folded(shown).split()):
        return True
    shown_words = {_folded(w) for w in _WORD.findall(shown)}
    if proper_names(withheld) & shown_words:
        return True
    secret = distinctive_words(withheld)
    found = secret & distinctive_words(shown)
    return bool(found) and len(found) >= min(2, len(secret))


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
