"""Ids as people type them: ``LADO``, ``Police`` and ``West Midlands`` mean ``lado``, ``police``
and ``west-midlands``; a near miss is answered with the id it was probably meant to be.

One matcher for every id a user gives (agencies, categories, procedures, follow-up events,
kinds of deadline, sections, meeting formats, checklist questions and choices), so they all
forgive the same slips and refuse in the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SPACES = re.compile(r"[\s_-]+")


class UnknownId(ValueError):
    """An id that is none of the known ones; the message names it, the likely one and the rest."""


def folded(text: str) -> str:
    """The form two spellings of one id share: case folded, spaces and underscores as hyphens
    (a run of them as one)."""
    return _SPACES.sub("-", text.strip()).casefold()


def find_id(value: str, known: Iterable[str]) -> str | None:
    """The known id ``value`` spells, exactly or but for case and spacing; None if none."""
    ids = list(known)
    if value in ids:
        return value
    wanted = folded(value)
    return next((each for each in ids if folded(each) == wanted), None)


def match_id(value: str, known: Iterable[str], what: str, listed: bool = True) -> str:
    """The known id ``value`` spells, or ``UnknownId``: ``'polise' is not an agency id; did you
    mean 'police'? (known: ...)``. ``what`` names the kind of id, with its article; ``listed``:
    whether the refusal lists every known id (not for a checklist's forty questions)."""
    ids = list(known)
    found = find_id(value, ids)
    if found is None:
        raise UnknownId(unknown_id(value, ids, what, listed))
    return found


def unknown_id(value: str, known: Iterable[str], what: str, listed: bool = True) -> str:
    """The refusal of an id none of ``known`` is: the nearest one, when one is near, then all."""
    import difflib

    ids = list(known)
    by_fold = {folded(each): each for each in ids}
    near = difflib.get_close_matches(folded(value), list(by_fold), n=1, cutoff=0.6)
    hint = f"; did you mean {by_fold[near[0]]!r}?" if near else ""
    return f"{value!r} is not {what}{hint}" + (f" (known: {', '.join(ids)})" if listed else "")
