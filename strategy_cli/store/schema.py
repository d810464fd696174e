"""The database file itself: the schema and its migrations, and opening a connection (private
file, WAL, busy timeout, foreign keys; a newer release's file refused before anything touches it)."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StrategyError

if TYPE_CHECKING:
    from ..address import Server

BUSY_TIMEOUT_MS = 10_000
GENESIS = "0" * 64


class NewerDatabase(StrategyError):
    pass


class MissingDatabase(StrategyError):
    """No database file where one was to be read: only the commands that create one create it."""

    def __init__(self, path: Path | Server):
        super().__init__(f"no database at {path}")
        self.path = path


# --- Schema and migrations ---------------------------------------------------------------

SCHEMA_1 = """
CREATE TABLE discussion (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    procedure TEXT NOT NULL,
    categories TEXT NOT NULL,
    concern_at TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    summary TEXT,
    referrer TEXT,
    follows_id INTEGER REFERENCES discussion(id),
    held_at TEXT,
    held_format TEXT,
    chair TEXT,
    closed_reason TEXT,
    discussion_due TEXT,
    UNIQUE (year, seq)
);
CREATE INDEX discussion_open ON discussion(id) WHERE status = 'open';
CREATE INDEX discussion_follows ON discussion(follows_id) WHERE follows_id IS NOT NULL;
CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    discussion_id INTEGER NOT NULL REFERENCES discussion(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    dob TEXT,
    edd TEXT,
    looked_after INTEGER NOT NULL DEFAULT 0,
    in_hospital INTEGER NOT NULL DEFAULT 0,
    hospital_services INTEGER NOT NULL DEFAULT 0,
    medical INTEGER NOT NULL DEFAULT 0,
    communication_needs INTEGER NOT NULL DEFAULT 0,
    interpreter TEXT,
    no_adult_care_needs INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX child_discussion ON child(discussion_id, position);
CREATE TABLE attendee (
    id INTEGER PRIMARY KEY,
    discussion_id INTEGER NOT NULL REFERENCES discussion(id),
    name TEXT NOT NULL,
    agency TEXT NOT NULL,
    role TEXT,
    attendance TEXT NOT NULL
);
CREATE INDEX attendee_discussion ON attendee(discussion_id);
CREATE TABLE decision (
    discussion_id INTEGER PRIMARY KEY REFERENCES discussion(id),
    s47 INTEGER,
    police_investigation INTEGER,
    rationale TEXT,
    share TEXT,
    withholding INTEGER,
    withhold TEXT,
    withhold_rationale TEXT,
    further_by TEXT,
    decided_at TEXT
);
CREATE TABLE answer (
    discussion_id INTEGER NOT NULL REFERENCES discussion(id),
    question_id TEXT NOT NULL,
    value TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    PRIMARY KEY (discussion_id, question_id)
);
CREATE TABLE action (
    discussion_id INTEGER NOT NULL REFERENCES discussion(id),
    number INTEGER NOT NULL,
    task TEXT NOT NULL,
    owner TEXT,
    agency TEXT,
    due_at TEXT,
    agreed_at TEXT,
    done_at TEXT,
    for_family INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (discussion_id, number)
);
CREATE TABLE event (
    discussion_id INTEGER NOT NULL REFERENCES discussion(id),
    event TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (discussion_id, event)
);
CREATE TABLE deadline (
    discussion_id INTEGER NOT NULL REFERENCES discussion(id),
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    due_at TEXT,
    rule TEXT NOT NULL,
    PRIMARY KEY (discussion_id, key)
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    discussion_id INTEGER REFERENCES discussion(id),
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_discussion ON audit(discussion_id, id);
CREATE TABLE bank_holidays (
    calendar TEXT NOT NULL,
    year INTEGER NOT NULL,
    days TEXT NOT NULL,
    PRIMARY KEY (calendar, year)
);
"""

# Each entry is one migration, applied in order in its own transaction; never edit one that
# has been released, add a new one. PRAGMA user_version holds how many have been applied.
MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial", SCHEMA_1),
    # Which version of its procedure profile a discussion's stored deadlines were computed
    # with, so a changed profile (a user's edit, a new release) recomputes them.
    ("0002_rules_fingerprint", "ALTER TABLE discussion ADD COLUMN rules_fingerprint TEXT"),
    # "Is a further strategy discussion required?" is part of the decision, so the checklist
    # and `decide --further-by` can never disagree.
    (
        "0003_further_discussion",
        "ALTER TABLE decision ADD COLUMN further_discussion INTEGER;"
        "UPDATE decision SET further_discussion = 1 WHERE further_by IS NOT NULL",
    ),
    # Whether a discussion is quorate, stored with its deadlines (NULL: judged when read), so
    # `list` need not load every open record and its profile. Open discussions are marked
    # stale, so their next read computes it.
    (
        "0004_stored_quorate",
        "ALTER TABLE discussion ADD COLUMN quorate INTEGER;"
        "UPDATE discussion SET rules_fingerprint = NULL WHERE status = 'open'",
    ),
    # What `new` was told before Ctrl-C interrupted its questions, one per user, so the next
    # `strategy new` carries on from there (cli.md: Ctrl-C keeps every answer already given).
    # Not part of any record: no audit entry; it goes when the discussion is opened.
    (
        "0005_unfinished_new",
        "CREATE TABLE unfinished_new (by TEXT PRIMARY KEY, started_at TEXT NOT NULL, answers TEXT NOT NULL)",
    ),
    # A follow-up's own fact: the further-discussion time the earlier decision had set when it
    # was opened (NULL: none was set, or opened before schema 6). It is due by then at the
    # latest, and the earlier discussion's review is met by a follow-up held for that time.
    ("0006_follows_by", "ALTER TABLE discussion ADD COLUMN follows_by TEXT"),
    # Rules pinned to each record: every version of a profile a discussion was judged under,
    # stored once by the hash of its content, and the discussion pointing at it, so editing a
    # profile file changes nothing already recorded (`procedures adopt` moves open ones on
    # purpose). Existing discussions are pinned to their profile as it is now, which is what
    # they were last judged under. A deadline with a maximum keeps it beside its target.
    (
        "0007_procedure_versions",
        "CREATE TABLE procedure_version (hash TEXT PRIMARY KEY, procedure TEXT NOT NULL, "
        "body TEXT NOT NULL, stored_at TEXT NOT NULL);"
        "ALTER TABLE discussion ADD COLUMN procedure_version TEXT REFERENCES procedure_version(hash);"
        "ALTER TABLE deadline ADD COLUMN maximum_at TEXT",
    ),
    # A child's identifiers in other systems, so the minutes can be filed against the right
    # person: the case-management system's ID and the NHS number (ten digits). NULL: none
    # recorded, as every child recorded before schema 8.
    (
        "0008_child_identifiers",
        "ALTER TABLE child ADD COLUMN case_id TEXT;ALTER TABLE child ADD COLUMN nhs_number TEXT",
    ),
    # Disagreements between agencies about the outcome (West Midlands 1.8: unresolved ones go
    # to senior managers, then the escalation policy), numbered within their discussion like
    # actions. A discussion recorded before schema 9 has none.
    (
        "0009_disagreements",
        "CREATE TABLE disagreement (discussion_id INTEGER NOT NULL REFERENCES discussion(id), "
        "number INTEGER NOT NULL, agency TEXT NOT NULL, about TEXT NOT NULL, position TEXT, "
        "raised_at TEXT, escalated_to TEXT, escalated_at TEXT, outcome TEXT, resolved_at TEXT, "
        "PRIMARY KEY (discussion_id, number))",
    ),
    # An action taken back (`action remove`: entered by mistake) keeps its row, so its number is
    # never given to another action, but leaves the record: the board, `close` and the minutes
    # no longer count it. NULL: standing, as every action recorded before schema 10.
    ("0010_action_removal", "ALTER TABLE action ADD COLUMN removed_at TEXT"),
    # The family and significant adults (people, not children of the discussion), and the
    # household each child and family member lives in: a discussion can cover several, and
    # the family version goes to one. Every child recorded before lives in household "1".
    (
        "0011_family",
        "ALTER TABLE child ADD COLUMN household TEXT NOT NULL DEFAULT '1';"
        "CREATE TABLE family_member (id INTEGER PRIMARY KEY, "
        "discussion_id INTEGER NOT NULL REFERENCES discussion(id), position INTEGER NOT NULL, "
        "name TEXT NOT NULL, relationship TEXT NOT NULL, dob TEXT, "
        "care_needs INTEGER NOT NULL DEFAULT 0, household TEXT NOT NULL DEFAULT '1');"
        "CREATE INDEX family_member_discussion ON family_member(discussion_id, position)",
    ),
    # The attendee the family version names as the family's contact (`attend --family-contact`).
    # 0: not marked, as every attendee recorded before it.
    (
        "0012_family_contact",
        "ALTER TABLE attendee ADD COLUMN family_contact INTEGER NOT NULL DEFAULT 0",
    ),
    # Each child seen (by whom, whether alone, when: the child-seen deadline clears when every
    # child is), and what each agency shared at the discussion. NULL: not seen, nothing
    # recorded, as everything before schema 13 (a record's old `record child-seen` event stays
    # in `event` and still clears the deadline).
    (
        "0013_seen_and_shared",
        "ALTER TABLE child ADD COLUMN seen_by TEXT;ALTER TABLE child ADD COLUMN seen_alone INTEGER;"
        "ALTER TABLE child ADD COLUMN seen_at TEXT;ALTER TABLE attendee ADD COLUMN shared TEXT",
    ),
]
SCHEMA_VERSION = len(MIGRATIONS)


def _pin_existing(conn) -> None:
    """Pin every discussion to the profile version it was last judged under (0007).

    Before schema 7 each discussion's stored deadlines carried a fingerprint of the profile
    text (and checklist) they were computed from. That names the version: the profile file as
    it reads now, or a built-in profile as an earlier release shipped it. Deadlines computed
    under this release's rules keep standing; others are recomputed under the version on their
    next read. A discussion whose fingerprint names no known text is pinned to the file as it
    reads now (it was stale, and would have been recomputed from it). A profile that cannot be
    read at all leaves its discussions unpinned: judged by the file until it can be."""
    from .. import settings
    from ..domain.rules import RULES_VERSION

    groups = conn.execute(
        "SELECT procedure, rules_fingerprint FROM discussion GROUP BY procedure, rules_fingerprint"
    ).fetchall()
    versions: dict[str, list] = {}
    for procedure, old in groups:
        if procedure not in versions:
            versions[procedure] = settings.judged_versions(procedure)
        known = versions[procedure]
        match = next((v for v in known if old in v.fingerprints), None)
        chosen = match or (known[0] if known else None)
        if chosen is None:
            continue
        conn.execute(
            "INSERT OR IGNORE INTO procedure_version (hash, procedure, body, stored_at) "
            "VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))",
            (chosen.version, procedure, chosen.body),
        )
        current = match is not None and match.fingerprints[old] == RULES_VERSION
        conn.execute(
            "UPDATE discussion SET procedure_version = ?, rules_fingerprint = ? "
            "WHERE procedure = ? AND rules_fingerprint IS ?",
            (chosen.version, settings.rules_fingerprint(chosen.version) if current else None, procedure, old),
        )


# Work a migration does beyond its SQL, in the same transaction.
AFTER = {"0007_procedure_versions": _pin_existing}


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations with sqlite-utils, one ``BEGIN IMMEDIATE`` transaction each."""
    import sqlite_utils

    migrations = sqlite_utils.Migrations("strategy")
    for name, script in MIGRATIONS:

        def step(db, script=script, name=name):
            for statement in script.split(";"):
                if statement.strip():
                    db.execute(statement)
            if name in AFTER:
                AFTER[name](db.conn)

        migrations(name=name)(step)
    db = sqlite_utils.Database(conn)
    names = [name for name, _ in MIGRATIONS]
    for index, name in enumerate(names):
        conn.execute("BEGIN IMMEDIATE")
        try:
            pending = {m.name for m in migrations.pending(db)}
            if name in pending:
                migrations.apply(db, stop_before=names[index + 1 :])
            conn.execute(f"PRAGMA user_version = {index + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


# --- Opening the file ------------------------------------------------------------------


def _private_file(path: Path) -> None:
    """Create the database file (and a missing folder) readable by its owner only.

    Done before SQLite opens it, so the file is never world-readable even for an instant;
    SQLite gives its ``-wal`` and ``-shm`` files the database file's permissions. On Windows
    the mode bits are not the privacy: the user profile folder's ACL is. A file that is already
    there is never chmodded: the tool changes only what it created (see ``exposure``).
    """
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    for folder in reversed(missing):  # each folder we create is private, not only the last
        folder.mkdir(mode=0o700, exist_ok=True)  # exist_ok: another command may race us
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # another command created it a moment ago
        return
    os.close(fd)


def check_database_path(path: Path) -> bool:
    """Whether a database file is there (False: absent); anything but a regular file is
    refused, so `--db /dev/null` or a folder is never opened, let alone written."""
    if not (path.exists() or path.is_symlink()):
        return False
    if not path.is_file():
        raise StrategyError(
            f"{path} is not a regular file: --db names the database file (or where to create one)"
        )
    return True


# SQLite's header field for "which application's file is this" (PRAGMA application_id), set
# only on the demo's databases. Not the schema: no migration, and PRAGMA user_version (the
# migrations' counter) is untouched. A backup or a copy of the file keeps it.
DEMO_APPLICATION_ID = 0x53444D4F  # "SDMO"
# Set by `new` on the file it opens a real discussion in: from then on `demo` refuses it, even
# at the demo's own path or carrying the demo's mark before (a copy of demo.db put to use).
RECORDS_APPLICATION_ID = 0x53445243  # "SDRC"


def _header(path: Path, field: str) -> int:
    """A field of the file's header (``user_version``, ``application_id``), read without writing."""
    conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        return conn.execute(f"PRAGMA {field}").fetchone()[0]
    finally:
        conn.close()


def file_schema_version(path: Path) -> int | None:
    """The schema a database file holds, read without writing (None: no file there)."""
    if not check_database_path(path):
        return None
    try:
        return _header(path, "user_version")
    except sqlite3.DatabaseError as error:
        raise StrategyError(f"cannot open the database {path}: {_reason(error)}") from None


def application_id(path: Path) -> int | None:
    """The file's application mark (read without writing; None: SQLite cannot read it)."""
    try:
        return _header(path, "application_id")
    except sqlite3.Error:
        return None


def is_demo_database(path: Path) -> bool:
    """Whether the file at ``path`` was made by ``strategy demo`` and never used for real."""
    return application_id(path) == DEMO_APPLICATION_ID


def writable(path: Path) -> bool:
    """Whether the user may write the database: its owner-write bit is set and the system
    agrees (a 0400 backup stays read-only, even for an administrator)."""
    import stat

    return bool(path.stat().st_mode & stat.S_IWUSR) and os.access(path, os.W_OK)


def exposure(path: Path) -> str | None:
    """A warning when an existing database can be read by others than its owner (POSIX)."""
    if os.name != "posix":
        return None
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        return (
            f"{path} can be read by others than you (mode {mode:04o}); it holds special category "
            f"data: run `chmod 600 {path}`"
        )
    return None


def read_only_uri(path: Path, mode: str = "ro") -> str:
    """SQLite's URI for opening ``path`` read-only (``mode`` "rw": writable, never created). Not ``Path.as_uri()``: that resolves a
    mapped Windows drive to ``file://server/share/...``, whose authority SQLite refuses; a UNC
    path is given as ``file:////server/share/...``, which it accepts."""
    from urllib.parse import quote

    text = path.absolute().as_posix()
    if text.startswith("//"):  # \\server\share\... on Windows
        text = "//" + text
    elif len(text) > 1 and text[1] == ":":  # C:/...
        text = "/" + text
    return f"file:{quote(text, safe='/:')}?mode={mode}"


def connect(path: Path, read_only: bool = False, create: bool = True) -> sqlite3.Connection:
    """Open (creating and migrating when needed) and return a connection in autocommit mode.

    ``read_only`` (or a file the user cannot write): opened with SQLite's ``mode=ro``, never
    created, migrated or switched to another journal mode, so reading it changes nothing.
    Without ``create`` a missing file is ``MissingDatabase``, and the file is opened with
    ``mode=rw`` so that SQLite itself never creates it (not even if it vanishes meanwhile).
    """
    exists = check_database_path(path)
    if not exists and (read_only or not create):
        raise MissingDatabase(path)
    read_only = read_only or (exists and not writable(path))
    try:
        if read_only or not create:
            conn = sqlite3.connect(
                read_only_uri(path, "ro" if read_only else "rw"),
                uri=True,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
            )
        else:
            _private_file(path)
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # The version first: a newer release's file is refused before anything (switching it
        # to WAL included) touches it.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            conn.close()
            raise NewerDatabase(
                f"{path} was made by a newer version of strategy (schema {version}, this version "
                f"knows {SCHEMA_VERSION}); upgrade strategy to use it"
            )
        if read_only:
            conn.execute("PRAGMA query_only = ON")
            mode = "wal"  # never switched: reading changes nothing
        else:
            mode = _write_ahead_logging(conn)
            conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as error:
        raise StrategyError(f"cannot open the database {path}: {_reason(error)}") from None
    except OSError as error:
        raise StrategyError(f"cannot open the database {path}: {error.strerror}") from None
    if mode.lower() != "wal":
        raise StrategyError(f"cannot use write-ahead logging on {path} (journal mode {mode})")
    if version < SCHEMA_VERSION:
        if read_only:
            conn.close()
            raise StrategyError(
                f"{path} was made by an earlier version (schema {version}; this version reads schema "
                f"{SCHEMA_VERSION}) and is opened without writing (check never writes; or the file "
                "is read-only): any other command on a writable copy upgrades it"
            )
        try:
            _migrate(conn)
        except sqlite3.DatabaseError as error:
            raise StrategyError(f"cannot migrate the database {path}: {_reason(error)}") from None
    return conn


def _write_ahead_logging(conn: sqlite3.Connection) -> str:
    """Switch a new file to WAL, retrying while other commands switch it at the same moment.

    The switch needs an exclusive lock, and when two connections both hold a shared lock and
    want it, SQLite refuses one at once ("database is locked") without waiting on the busy
    timeout, to avoid a deadlock. It happens only while a brand-new file is first opened by
    several commands together; once the file is in WAL the mode is kept and this is one read.
    """
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() == "wal":
        return mode
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))  # apart, so the next try does not collide


def _is_busy(error: sqlite3.Error) -> bool:
    text = str(error)
    return "locked" in text or "busy" in text


def _reason(error: sqlite3.Error) -> str:
    """SQLite's own words, which never contain a field value."""
    text = str(error)
    if _is_busy(error):
        return "another strategy command held the database for too long; try again"
    if "full" in text:
        return "the disk is full"
    if "disk I/O error" in text:
        return "disk I/O error (is the disk full, or the folder not writable?)"
    return text
