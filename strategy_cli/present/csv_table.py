"""A list of JSON items as CSV (``list --csv``, ``due --csv``), for a spreadsheet or a
case-management system's import.

* RFC 4180: a header row, commas, CRLF at the end of every record, every field in double
  quotes (a quote inside doubled). Quoting every field is what OWASP advises against formula
  injection, and costs a spreadsheet nothing: the quotes are CSV's, not the value's.
* UTF-8 without a byte-order mark: what RFC 4180 readers, Python's ``csv``, ``cut`` and the
  case systems' importers expect (with a BOM the first header reads "\\ufeffreference"). Excel
  opens such a file correctly through Data > From Text/CSV; double-clicking it may show
  accented names garbled, as Excel then guesses the Windows code page.
* The same columns as the ``--json`` items, flattened: a list (categories, children) is one
  cell with its entries joined by "; "; each field of a list of objects (a child's name, date
  of birth, expected date of delivery) is a column of its own, joined the same way and in
  the same order. ``null`` is an empty cell, ``true``/``false`` are written as in JSON.
* Formula injection: a spreadsheet takes a cell that begins with ``=``, ``+``, ``-`` or ``@``
  (and, in some, a tab or a carriage return) as a formula, which can run a command or leak
  the sheet. Any such cell is written with a single quote ``'`` before it, which the
  spreadsheet shows and does not run. None of our columns holds a number, so no negative
  number is ever changed by this; dates and times begin with a digit.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
JOIN = "; "


class TextSink(Protocol):
    """Where CSV text goes: a text file opened with ``newline=""``, or anything that writes."""

    def write(self, text: str, /) -> object: ...


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, the JSON member it comes from, and (for a list of objects)
    the field of each object it joins."""

    header: str
    key: str
    field: str | None = None

    def value(self, item: dict[str, Any]) -> str:
        found = item.get(self.key)
        if self.field is not None:
            found = [entry.get(self.field) if isinstance(entry, dict) else entry for entry in found or []]
        return defused(text(found))


def text(value: object) -> str:
    """A JSON value as one cell's text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return JOIN.join(text(entry) for entry in value)
    return str(value)


def defused(cell: str) -> str:
    """The cell as a spreadsheet will show but never run: a formula's first character gets a
    single quote before it."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def write_csv(items: Iterable[dict[str, Any]], columns: list[Column], out: TextSink) -> None:
    """The header and one record per item, streamed to ``out`` (opened with ``newline=""``, or
    anything with a ``write``: the CRLFs are the writer's and must not be translated)."""
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([column.header for column in columns])
    for item in items:
        writer.writerow([column.value(item) for column in columns])


LIST_COLUMNS = [
    Column("reference", "reference"),
    Column("procedure", "procedure"),
    Column("status", "status"),
    Column("concern_at", "concern_at"),
    Column("categories", "categories"),
    Column("held_at", "held_at"),
    Column("children", "children", "name"),
    Column("children_dob", "children", "dob"),
    Column("children_edd", "children", "edd"),
    Column("quorate", "quorate"),
]

DUE_COLUMNS = [
    Column("reference", "reference"),
    Column("kind", "kind"),
    Column("title", "title"),
    Column("due_at", "due_at"),
    Column("status", "status"),
    Column("rule", "rule"),
    Column("children", "children"),
    Column("key", "key"),
    Column("maximum_at", "maximum_at"),
    Column("owner", "owner"),
]
