"""The floor for ``strategy due --json``: argparse, sqlite3 and json, nothing else.

    python benchmarks/floor.py --db benchmarks/100k.db [--as-of 2026-11-20T12:00:00+00:00]

Reads the same rows the board reads (open discussions joined with their stored deadlines,
plus the children's names), keeps what is overdue, due within seven days or undated, and
prints them as one JSON document in the order ``due`` uses. Whatever ``strategy due --json``
costs beyond this is the price of the tool itself (Python start-up is in both).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from datetime import UTC, datetime, timedelta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the open deadlines as JSON (the benchmark floor).")
    parser.add_argument("--db", default=os.environ.get("STRATEGY_DB"), help="The database file.")
    parser.add_argument("--as-of", default=os.environ.get("STRATEGY_NOW"), help="ISO 8601 (default now).")
    args = parser.parse_args(argv)
    if not args.db:
        parser.error("--db (or STRATEGY_DB) is required")
    now = datetime.fromisoformat(args.as_of) if args.as_of else datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    as_of = now.astimezone(UTC).isoformat(timespec="seconds")
    soon = (now + timedelta(hours=24)).astimezone(UTC).isoformat(timespec="seconds")
    horizon = (now + timedelta(days=7)).astimezone(UTC).isoformat(timespec="seconds")

    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT d.id, d.reference, x.kind, x.key, x.title, x.due_at, x.rule "
        "FROM discussion AS d INDEXED BY discussion_open "
        "JOIN deadline AS x ON x.discussion_id = d.id WHERE d.status = 'open'"
    ).fetchall()
    ids = sorted({row[0] for row in rows})
    names: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for discussion_id, name in conn.execute(
            f"SELECT discussion_id, name FROM child WHERE discussion_id IN ({','.join('?' * len(chunk))}) "
            "ORDER BY discussion_id, position",
            chunk,
        ):
            names.setdefault(discussion_id, []).append(name)

    items = []
    for discussion_id, reference, kind, key, title, due_at, rule in rows:
        if due_at is not None and due_at > horizon:
            continue
        if due_at is None:
            status = "undated"
        elif due_at < as_of:
            status = "overdue"
        elif due_at <= soon:
            status = "due-soon"
        else:
            status = "upcoming"
        items.append(
            {
                "reference": reference,
                "kind": kind,
                "title": title,
                "due_at": due_at,
                "status": status,
                "rule": rule,
                "children": names.get(discussion_id, []),
                "key": key,
            }
        )
    items.sort(
        key=lambda item: (item["due_at"] is None, item["due_at"] or "", item["reference"], item["key"])
    )
    sys.stdout.write(json.dumps(items, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
