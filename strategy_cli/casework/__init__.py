"""The use cases: every change to a record, one function each, no Typer.

Each takes a ``Casework`` (the store, who is acting and the clock) and runs read, validate,
merge, write and recompute inside ONE ``BEGIN IMMEDIATE`` transaction (``Casework.change``), so
two managers changing the same record at once both keep their change: the second reads what
the first committed. A correction is a patch: only what was given changes.

The commands in ``cli/`` parse options, call one of these, and print; the interactive
checklist and ``decide`` call the same ``amend_decision``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

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
