"""Moving every record from one database to another: a team moving its SQLite file onto the
server (`strategy copy --to postgresql://...`), and a server's records backed up to a file.

Rows are copied as stored, table by table in the order their references need, ids included,
so the audit chain (which hashes each entry's discussion id) reads the same at both ends and
``check`` proves it there. The target is written in one transaction under its write lock: a
copy that fails leaves it as empty as it was.
"""

from __future__ import annotations

from ..errors import StrategyError

# Every table of the schema, parents before the tables that point at them.
TABLES = (
    "procedure_version",
    "discussion",
    "child",
    "family_member",
    "attendee",
    "decision",
    "answer",
    "action",
    "disagreement",
    "event",
    "deadline",
    "audit",
    "bank_holidays",
    "unfinished_new",
)
BATCH = 5000


def _columns(conn, table: str) -> list[str]:
    cursor = conn.execute(f"SELECT * FROM {table} LIMIT 0")
    return [column[0] if isinstance(column, tuple) else column.name for column in cursor.description]


def holds_records(store) -> bool:
    """Whether a database holds anything a copy would overwrite or mix with."""
    return any(
        store.conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None
        for table in ("discussion", "audit", "unfinished_new")
    )


def copy_records(source, target, by: str, at) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``target`` (both ``Store``s, the same
    schema version); returns the rows copied per table. The source is read in one snapshot."""
    if holds_records(target):
        raise StrategyError(
            f"{target.path} already holds records: a copy goes only into an empty database, "
            "never mixed with another team's"
        )
    counts: dict[str, int] = {}
    with source.snapshot(), target.writing(by, at) as writer:
        writer.skip_refresh = True  # the rows come with their deadlines, as computed at the source
        for table in TABLES:
            columns = _columns(source.conn, table)
            quoted = ", ".join(f'"{name}"' for name in columns)
            order = "id" if "id" in columns else ", ".join(f'"{name}"' for name in columns[:2])
            counts[table] = 0
            for rows in _batches(source, f"SELECT {quoted} FROM {table} ORDER BY {order}"):
                _insert(target, table, columns, rows)
                counts[table] += len(rows)
        mark = source.application_id()
        from .schema import RECORDS_APPLICATION_ID

        target._set_application_id(mark or RECORDS_APPLICATION_ID)
    return counts


def _batches(source, query: str):
    """The rows of ``query`` a batch at a time, never the whole table in memory (on a server, a
    plain query's result arrives whole: a named cursor there sends it in pages)."""
    if source.on_server:
        from .postgres import server_batches

        yield from server_batches(source.conn, query, BATCH)
        return
    cursor = source.conn.execute(query)
    while rows := cursor.fetchmany(BATCH):
        yield [tuple(row) for row in rows]


def _insert(target, table: str, columns: list[str], rows: list[tuple]) -> None:
    if target.on_server:
        from .postgres import bulk_insert

        bulk_insert(target.conn, table, columns, rows)
        return
    marks = ", ".join("?" * len(columns))
    quoted = ", ".join(f'"{name}"' for name in columns)
    target.conn.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)
