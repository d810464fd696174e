"""The team database: the same store on a PostgreSQL server, through psycopg 3.

A duty team shares one board, so its record lives on the council's PostgreSQL server rather
than in a file on a shared drive (which SQLite's write-ahead log cannot share between
computers). The store's queries are written once, in SQL both databases read; this module
gives them a connection that takes them as they are, and owns what differs:

* psycopg is imported here only, and only when a ``postgresql://`` URL is used: importing it
  costs more than a whole SQLite read (benchmarks/RESULTS.md).
* Values always travel as parameters (``?`` becomes psycopg's ``%s``, sent separately by the
  extended protocol), so the server's statement log never holds a name or a note.
* Every text column is ``COLLATE "C"``: text sorts and compares byte by byte, as in SQLite,
  whatever the collation the database was created with, so lists come out in the same order.
* A change begins by taking the schema's write lock (a transaction-level advisory lock, held
  until it commits or rolls back; readers never wait for it). Every change appends to the one
  hash chain, so changes are totally ordered anyway; taking the lock first makes each change
  read what it merges, keeps the reference sequence and the chain gap-free, and means no
  change is ever refused and retried: the server's ``BEGIN IMMEDIATE``. Its wait is bounded
  by ``lock_timeout``, as SQLite's by the busy timeout.
* Server errors arrive as ``sqlite3.DatabaseError`` (``ServerError``) carrying only the
  server's primary message (never its DETAIL, which can quote a value), so the store's one
  error path reports both databases' failures alike.
* The schema version lives in ``strategy_migrations`` (SQLite's is ``PRAGMA user_version``)
  and the demo/records mark in ``strategy_mark`` (SQLite's ``PRAGMA application_id``).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache

from ..address import Server, scrubbed
from ..errors import StrategyError

# One number for the migrations' advisory lock: many commands may meet an empty database at once.
MIGRATION_LOCK = 0x53544D47  # "STMG"
LOCK_TIMEOUT = "10s"  # as SQLite's busy timeout: a change waits this long for another's lock
# The roles `strategy migrate --create-roles` makes (NOLOGIN: IT grants them to people's logins).
MANAGER_ROLE = "strategy_manager"
VIEWER_ROLE = "strategy_viewer"
# A login in this role (a shared duty-desk login, say) may name its user with --by or
# $STRATEGY_USER; for any other login the audit trail records the login itself.
NAMED_USERS_ROLE = "strategy_named_users"


class ServerError(sqlite3.DatabaseError):
    """A PostgreSQL error, as the store's error handling expects a database error to come."""


class Row(tuple):
    """A row read by column name or position, as ``sqlite3.Row`` is."""

    _index: dict[str, int]

    def __new__(cls, values, index: dict[str, int]):
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor):
    index = {column.name: i for i, column in enumerate(cursor.description or [])}
    return lambda values: Row(values, index)


@lru_cache(maxsize=512)
def translated(sql: str) -> str:
    """A store query as psycopg takes it: ``%s`` placeholders, and SQLite's ``INDEXED BY`` (a
    planner hint PostgreSQL does without) left out. The store writes no ``?`` but placeholders."""
    sql = re.sub(r"\s+INDEXED BY \w+", "", sql)
    return sql.replace("%", "%%").replace("?", "%s")


def _value(value):
    # SQLite stores a bool as 1 or 0; the schema's INTEGER columns on the server want the same.
    return int(value) if isinstance(value, bool) else value


def _reason(error) -> str:
    """The server's primary message: never its DETAIL or the statement, which can hold values."""
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    if primary:
        return primary
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


class Connection:
    """A psycopg connection that takes the store's queries as an ``sqlite3`` connection does:
    ``execute`` returns a cursor of ``Row``; ``BEGIN``/``COMMIT``/``ROLLBACK`` are the store's
    to issue (the connection is in autocommit mode between them)."""

    def __init__(self, raw):
        self.raw = raw
        # The advisory lock a change takes (write_lock), keyed by the schema in use.
        self.write_key: int | None = None

    def execute(self, sql: str, params=()):
        import psycopg

        cursor = self.raw.cursor(row_factory=_row_factory)
        try:
            # Always a list, even empty: psycopg then reads the query's %% as the % it stands for.
            cursor.execute(translated(sql), [_value(v) for v in params])
        except psycopg.Error as error:
            raise _server_error(error) from None
        return cursor

    def executemany(self, sql: str, rows) -> None:
        import psycopg

        rows = [[_value(v) for v in row] for row in rows]
        if not rows:
            return
        try:
            with self.raw.cursor() as cursor:
                cursor.executemany(translated(sql), rows)
        except psycopg.Error as error:
            raise _server_error(error) from None

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


# What the store's queries run on: a SQLite file's connection, or a server's.
Database = sqlite3.Connection | Connection


def _server_error(error) -> ServerError:
    import psycopg.errors as errors

    if isinstance(error, errors.LockNotAvailable | errors.QueryCanceled):
        return ServerError("database is locked")  # the store's words for "try again"
    if isinstance(error, errors.InsufficientPrivilege):
        return ServerError(f"{_reason(error)} (ask IT for the {MANAGER_ROLE} role)")
    return ServerError(_reason(error))


def server_batches(conn: Connection, query: str, size: int):
    """The rows of ``query`` (no values) in batches, through a server-side cursor: the server
    keeps the result and sends ``size`` rows at a time. Inside the caller's transaction."""
    import psycopg

    try:
        with conn.raw.cursor(name="strategy_batches") as cursor:
            cursor.execute(translated(query).replace("%%", "%"))
            while rows := cursor.fetchmany(size):
                yield [tuple(row) for row in rows]
    except psycopg.Error as error:
        raise _server_error(error) from None


def bulk_insert(conn: Connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    """Add many rows at once with COPY (a copy of a ten-year file is millions of rows)."""
    import psycopg
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    try:
        with conn.raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([_value(v) for v in row])
    except psycopg.Error as error:
        raise _server_error(error) from None


# --- The schema on the server ------------------------------------------------------------


def ddl(script: str) -> str:
    """A migration's SQLite DDL as PostgreSQL takes it: ``by`` (a reserved word there) quoted,
    and every text column compared byte by byte, as SQLite compares it."""
    script = re.sub(r"\bby TEXT\b", '"by" TEXT', script)
    return re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', script)


BOOKKEEPING = (
    'CREATE TABLE IF NOT EXISTS strategy_migrations (id INTEGER PRIMARY KEY, name TEXT COLLATE "C" '
    'NOT NULL UNIQUE, applied_at TEXT COLLATE "C" NOT NULL)',
    # One row (id 1): the demo's mark, or real records'.
    "CREATE TABLE IF NOT EXISTS strategy_mark (id INTEGER PRIMARY KEY CHECK (id = 1), application_id INTEGER NOT NULL)",
)


def schema_version(conn: Database) -> int | None:
    """How many migrations the database has (None: it holds no strategy schema yet)."""
    if conn.execute("SELECT to_regclass('strategy_migrations')").fetchone()[0] is None:
        return None
    return conn.execute("SELECT COUNT(*) FROM strategy_migrations").fetchone()[0]


def applied_migrations(conn: Database) -> list[str]:
    return [row[0] for row in conn.execute("SELECT name FROM strategy_migrations ORDER BY id")]


def migrate(conn: Connection) -> list[str]:
    """Apply the pending migrations, each in its own transaction, under an advisory lock so
    that commands meeting an empty database together apply each once. Returns their names."""
    from .schema import AFTER, MIGRATIONS

    applied: list[str] = []
    conn.execute("SELECT pg_advisory_lock(?)", (MIGRATION_LOCK,))
    try:
        for statement in BOOKKEEPING:
            conn.execute(statement)
        done = set(applied_migrations(conn))
        for index, (name, script) in enumerate(MIGRATIONS):
            if name in done:
                continue
            conn.execute("BEGIN")
            try:
                for statement in ddl(script).split(";"):
                    if statement.strip():
                        conn.execute(statement)
                if name in AFTER:
                    AFTER[name](conn)
                conn.execute(
                    "INSERT INTO strategy_migrations (id, name, applied_at) VALUES (?, ?, ?)",
                    (index + 1, name, _now_text()),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            applied.append(name)
        if applied:
            grant(conn)  # a table a migration added is the team's roles' as the others are
    finally:
        conn.execute("SELECT pg_advisory_unlock(?)", (MIGRATION_LOCK,))
    return applied


def _now_text() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


def write_lock(conn: Database) -> None:
    """Wait for (at most ``lock_timeout``), then hold until the transaction ends, the right to
    change this schema's records. Keyed by the schema, so two teams' schemas in one database
    never wait for each other."""
    if isinstance(conn, sqlite3.Connection):
        raise TypeError("a file's writes are serialised by BEGIN IMMEDIATE")
    if conn.write_key is None:
        schema = conn.execute("SELECT current_schema()").fetchone()[0] or ""
        conn.write_key = int.from_bytes(
            hashlib.sha256(f"strategy {schema}".encode()).digest()[:8], "big", signed=True
        )
    conn.execute("SELECT pg_advisory_xact_lock(?)", (conn.write_key,))


def application_id(conn: Database) -> int:
    row = conn.execute("SELECT application_id FROM strategy_mark").fetchone()
    return 0 if row is None else row[0]


def set_application_id(conn: Database, mark: int) -> None:
    conn.execute(
        "INSERT INTO strategy_mark (id, application_id) VALUES (1, ?) "
        "ON CONFLICT (id) DO UPDATE SET application_id = excluded.application_id",
        (mark,),
    )


# --- Connecting --------------------------------------------------------------------------


@dataclass
class Session:
    """What the server says about this connection."""

    user: str  # current_user: who the audit trail records
    named_users: bool  # whether this login may name its user (--by, $STRATEGY_USER)
    can_write: bool  # INSERT on the audit trail: a strategy_manager (or the owner)


def connect(server: Server, read_only: bool = False, create: bool = True) -> tuple[Connection, Session]:
    """Open (migrating when needed) a connection in autocommit mode, and who it is.

    ``read_only``, or a login without write access (a strategy_viewer): every transaction is
    read-only, and nothing is migrated. Without ``create`` a database holding no strategy
    schema is ``MissingDatabase``, as a missing file is."""
    from .schema import SCHEMA_VERSION, MissingDatabase, NewerDatabase

    conn = connect_raw(server, create, read_only)
    try:
        session, has_schema = _session(conn)
        version = schema_version(conn) if has_schema else None
        if version is None and not create:
            raise MissingDatabase(server)
        viewer = version is not None and not session.can_write
        if viewer and not read_only:
            conn.execute("SET default_transaction_read_only = on")
        read_only = read_only or viewer
        if version is not None and version > SCHEMA_VERSION:
            raise NewerDatabase(
                f"{server} was made by a newer version of strategy (schema {version}, this version "
                f"knows {SCHEMA_VERSION}); upgrade strategy to use it"
            )
        if (version or 0) < SCHEMA_VERSION:
            if read_only:
                raise StrategyError(
                    f"{server} holds schema {version or 0}; this version reads schema {SCHEMA_VERSION} "
                    "and opens it without writing: `strategy migrate` (by its owner) upgrades it"
                )
            try:
                migrate(conn)
            except sqlite3.DatabaseError as error:
                raise StrategyError(f"cannot migrate the database {server}: {error}") from None
            session, _ = _session(conn)
    except BaseException:
        conn.close()
        raise
    session.can_write = session.can_write and not read_only
    return conn, session


def connect_raw(server: Server, create: bool = False, read_only: bool = False) -> Connection:
    """A connection as the server gives it: nothing read, created or migrated (but the schema
    a test maps a file path to, when ``create``). psycopg's own sources of a password work:
    ``PGPASSWORD``, ``~/.pgpass``, ``PGSERVICE``; and ``sslmode`` in the URL is honoured."""
    try:
        import psycopg
    except ImportError:
        raise StrategyError(
            f"{server} is a team database, and talking to PostgreSQL needs psycopg: "
            'pip install "strategy-cli[postgres]"'
        ) from None

    # Set as the connection starts (no round trip of their own): a failed statement's values
    # never go to the server's log with it (the server's default, made sure of); a change waits
    # at most LOCK_TIMEOUT for another's write lock; ``read_only`` transactions cannot write.
    settings = ["-c log_parameter_max_length_on_error=0", f"-c lock_timeout={LOCK_TIMEOUT}"]
    if read_only:
        settings.append("-c default_transaction_read_only=on")
    if server.schema:
        settings.append(f"-c search_path={server.schema}")
    options: dict = {"application_name": "strategy", "autocommit": True, "options": " ".join(settings)}
    try:
        raw = psycopg.connect(server.url, **options)
    except psycopg.ProgrammingError:  # libpq could not read the URL: its words would quote it
        raise StrategyError(
            f"cannot read the database URL {server}: check its spelling, and percent-encode a "
            "password's special characters (%40 for @, %25 for %)"
        ) from None
    except (psycopg.Error, ValueError) as error:
        reason = scrubbed(_reason(error), server.url)
        raise StrategyError(f"cannot connect to the database {server}: {reason}") from None
    conn = Connection(raw)
    try:
        if (raw.info.parameter_status("server_encoding") or "").upper() not in ("UTF8", "UTF-8"):
            raise StrategyError(f"{server} is not a UTF-8 database: create it with ENCODING 'UTF8'")
        if server.schema:
            _schema_for_tests(conn, server.schema, create)
    except BaseException:
        conn.close()
        raise
    return conn


def _schema_for_tests(conn: Connection, schema: str, create: bool) -> None:
    exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = ?", (schema,)).fetchone()
    if exists is None and create:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")


def _session(conn: Connection) -> tuple[Session, bool]:
    """Who the server says this login is, what it may do, and whether the schema is there: one
    round trip (a command's start-up is paid dozens of times a day)."""
    row = conn.execute(
        "SELECT current_user, "
        "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR EXISTS ("
        "SELECT 1 FROM pg_roles WHERE rolname = ? AND pg_has_role(current_user, oid, 'MEMBER')), "
        "CASE WHEN to_regclass('audit') IS NULL THEN NULL "
        "ELSE has_table_privilege(current_user, to_regclass('audit'), 'INSERT') END, "
        "to_regclass('strategy_migrations') IS NOT NULL",
        (NAMED_USERS_ROLE,),
    ).fetchone()
    return Session(user=row[0], named_users=bool(row[1]), can_write=row[2] is not False), bool(row[3])


# --- Roles ------------------------------------------------------------------------------


def create_roles(conn: Connection) -> list[str]:
    """Make the team's roles (once) and grant them what they may do on this schema's tables:
    a manager reads and writes, but only appends to the audit trail; a viewer only reads.
    Returns the roles made now. Done by the schema's owner, inside one transaction."""
    made = []
    conn.execute("BEGIN")
    try:
        for role in (MANAGER_ROLE, VIEWER_ROLE, NAMED_USERS_ROLE):
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (role,)).fetchone() is None:
                conn.execute(f"CREATE ROLE {role} NOLOGIN")
                made.append(role)
        grant(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return made


def grant(conn: Connection) -> None:
    """Give the team's roles what they may do on every table of the schema in use (again after
    a migration adds one, when the roles are there)."""
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (MANAGER_ROLE,)).fetchone() is None:
        return
    schema = conn.execute("SELECT current_schema()").fetchone()[0]
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = ? ORDER BY tablename", (schema,)
        )
    ]
    quoted = '"' + schema.replace('"', '""') + '"'
    conn.execute(f"GRANT USAGE ON SCHEMA {quoted} TO {MANAGER_ROLE}, {VIEWER_ROLE}")
    for table in tables:
        conn.execute(f"GRANT SELECT ON {quoted}.{table} TO {MANAGER_ROLE}, {VIEWER_ROLE}")
        if table == "audit":
            conn.execute(f"GRANT INSERT ON {quoted}.audit TO {MANAGER_ROLE}")
        elif table != "strategy_migrations":
            conn.execute(f"GRANT INSERT, UPDATE, DELETE ON {quoted}.{table} TO {MANAGER_ROLE}")
