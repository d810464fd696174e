"""The use cases: every change to a record, one function each, no Typer.

Each takes a ``Casework`` (the store, who is acting and the clock) and runs read, validate,
merge, write and recompute inside ONE ``BEGIN IMMEDIATE`` transaction (``Casework.change``), so
two managers changing the same record at once both keep their change: the second reads what
the first committed. A correction is a patch: only what was given changes.

The commands in ``cli/`` parse options, call one of these, and print; the interactive
checklist and ``decide`` call the same ``amend_decision``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from ..domain.text import same_name
from ..errors import StrategyError

if TYPE_CHECKING:
    from ..domain.model import Discussion
    from ..store import Store, Writer


@dataclass
class Casework:
    """Where a change is made (the store), by whom (the audit trail's ``by``) and when."""

    store: Store
    by: str
    clock: Callable[[], datetime]

    @contextmanager
    def change(self, reference: str, *, closed_too: bool = False) -> Iterator[tuple[Writer, Discussion]]:
        """One write transaction on one discussion, read inside it (never before).

        A closed discussion is refused unless ``closed_too`` (reopening it, say).
        """
        with self.store.writing(self.by, self.clock()) as writer:
            discussion = writer.discussion(reference)
            if discussion.status != "open" and not closed_too:
                raise StrategyError(f"{discussion.reference} is closed; reopen it first (strategy reopen)")
            yield writer, discussion


class _Named(Protocol):
    name: str


Person = TypeVar("Person", bound=_Named)


def person_named(people: Iterable[Person], name: str, reference: str, what: str) -> Person:
    """The child or family member of that name, as a person reads it (any case or Unicode form);
    none is an error naming it (``what``: "child", "family member")."""
    found = next((person for person in people if same_name(person.name, name)), None)
    if found is None:
        raise StrategyError(f"{reference} has no {what} named {name!r}")
    return found


def refuse_a_second(people: Iterable[_Named], name: str, reference: str, what: str, then: str = "") -> None:
    """A second child (or family member) of the same name is one person entered twice."""
    if any(same_name(person.name, name) for person in people):
        raise StrategyError(f"{reference} already has a {what} named {name!r}{then}")
