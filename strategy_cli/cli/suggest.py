"""What shell completion offers for a value: references and action numbers from the database,
ids from the domain and the procedure profiles.

A completion runs on every Tab press, so each suggestion is quick and quiet: the database is
opened read-only (never created, migrated or waited on for long) and anything that goes wrong
(no database, a locked or foreign file, a broken profile) means no suggestions, never a message
in the middle of the user's command line. Attached to the options by name in ``shell.py``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

Suggestion = tuple[str, str]  # a value and a few words about it


def references(ctx, _param, incomplete: str) -> list:
    """The references that start with what was typed: the open ones first, then the newest
    closed ones, at most ``MOST`` (type more to narrow them: a shell would list them all)."""
    typed = re.sub(r"([!%_])", r"!\1", incomplete)  # LIKE's wildcards, as themselves
    rows = _query(
        ctx,
        "SELECT reference, status FROM discussion WHERE reference LIKE ? ESCAPE '!' "
        "ORDER BY status = 'closed', id DESC LIMIT ?",
        f"{typed}%",
        MOST,
    )
    return _items(((reference, status) for reference, status in rows), incomplete)


MOST = 500


def _numbered(ctx, incomplete: str, sql: str, settled: str) -> list:
    """The numbers of the discussion named before (actions, disagreements), each marked open or
    ``settled``; ``sql`` selects (number, when settled) for the reference, in order."""
    reference = ctx.params.get("reference")
    if not reference:
        return []
    rows = _query(ctx, sql, reference)
    return _items(((str(number), settled if done else "open") for number, done in rows), incomplete)


def actions(ctx, _param, incomplete: str) -> list:
    """The action numbers of the discussion named before (``action done REF N``); one taken back
    (``action remove``) is no longer the record's, so it is not offered."""
    return _numbered(
        ctx,
        incomplete,
        "SELECT number, done_at FROM action JOIN discussion ON discussion.id = action.discussion_id "
        "WHERE reference = ? AND action.removed_at IS NULL ORDER BY number",
        "done",
    )


def disagreements(ctx, _param, incomplete: str) -> list:
    """The disagreement numbers of the discussion named before (``disagreement resolve REF N``)."""
    return _numbered(
        ctx,
        incomplete,
        "SELECT number, resolved_at FROM disagreement JOIN discussion "
        "ON discussion.id = disagreement.discussion_id WHERE reference = ? ORDER BY number",
        "resolved",
    )


def agencies(_ctx, _param, incomplete: str) -> list:
    from ..domain.model import AGENCIES

    known = dict(AGENCIES)
    for profile in _profiles():
        known.update(profile.agencies)
    return _items(known.items(), incomplete)


def categories(_ctx, _param, incomplete: str) -> list:
    from ..domain.model import CATEGORIES

    known = dict(CATEGORIES)
    for profile in _profiles():
        known.update(profile.categories)
    return _items(known.items(), incomplete)


def procedures(_ctx, _param, incomplete: str) -> list:
    from .. import settings

    return _items(((name, "") for name in sorted(settings.profile_sources())), incomplete)


def kinds(_ctx, _param, incomplete: str) -> list:
    from ..domain.model import DEADLINE_KINDS

    return _items(((kind, "") for kind in DEADLINE_KINDS), incomplete)


def events(_ctx, _param, incomplete: str) -> list:
    from ..domain.model import EVENTS

    return _items(((event, "") for event in EVENTS), incomplete)


def meeting_formats(_ctx, _param, incomplete: str) -> list:
    from ..domain.model import FORMATS

    return _items(((name, "") for name in FORMATS), incomplete)


def export_formats(_ctx, _param, incomplete: str) -> list:
    from .export import FORMATS

    return _items(((name, "") for name in FORMATS), incomplete)


def audiences(_ctx, _param, incomplete: str) -> list:
    from .export import AUDIENCES

    return _items(((name, "") for name in AUDIENCES), incomplete)


def relationships(_ctx, _param, incomplete: str) -> list:
    from ..domain.model import RELATIONSHIPS

    return _items(RELATIONSHIPS.items(), incomplete)


def shells(_ctx, _param, incomplete: str) -> list:
    from .helptext import SHELLS

    return _items(((name, "") for name in SHELLS), incomplete)


# By option name or argument name; "COMMAND name" for one command only (as cli/helptext.py).
COMPLETERS: dict[str, Callable[[Any, Any, str], list]] = {
    "reference": references,
    "--follows": references,
    "number": actions,
    "disagreement escalate number": disagreements,
    "disagreement resolve number": disagreements,
    "--agency": agencies,
    "--category": categories,
    "--procedure": procedures,
    "--from": procedures,
    "procedures show profile_id": procedures,
    "procedures adopt profile_id": procedures,
    "--kind": kinds,
    "event": events,
    "held --format": meeting_formats,
    "export --format": export_formats,
    "export --audience": audiences,
    "shell": shells,
    "--relationship": relationships,
}


def quietly(completer: Callable[[Any, Any, str], list]) -> Callable[[Any, Any, str], list]:
    """The completer, failing silently to no suggestions."""

    def suggest(ctx, param, incomplete: str) -> list:
        try:
            return completer(ctx, param, incomplete)
        except Exception:  # noqa: BLE001 - a Tab press must never print an error
            return []

    return suggest


def _items(suggestions: Iterable[Suggestion], incomplete: str) -> list:
    """Click's completion items for the suggestions that start with what was typed (in any case:
    ``sd-2026`` finds ``SD-2026-0001``)."""
    from typer._click.shell_completion import CompletionItem

    typed = incomplete.casefold()
    return [
        CompletionItem(value, help=about or None)
        for value, about in suggestions
        if value.casefold().startswith(typed)
    ]


def _profiles() -> list:
    """Every profile that loads (a broken one is left out, as `procedures` lists it)."""
    from .. import settings

    return [loaded for _id, _origin, loaded in settings.profile_report() if not isinstance(loaded, str)]


def _query(ctx, sql: str, *parameters) -> list[tuple]:
    """Rows from the database the command line names (``--db``, else ``$STRATEGY_DB``, else
    the default), opened read-only: a file that is not there stays not there."""
    path = _database(ctx)
    if not isinstance(path, Path) or not path.is_file():
        return []  # a team database is not asked at every Tab: psycopg alone takes longer than a Tab should
    from ..store.schema import read_only_uri

    conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=0.2)
    try:
        conn.execute("PRAGMA query_only = ON")
        return conn.execute(sql, parameters).fetchall()
    finally:
        conn.close()


def _database(ctx):
    from .. import settings

    given = ctx.find_root().params.get("db")
    return settings.database_path(str(given) if given else None)
