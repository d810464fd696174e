"""The team database: `strategy migrate` (IT sets the server up) and `strategy copy` (a team
moves its records from a file onto the server, or takes a copy back)."""

import sqlite3
from typing import Annotated

import typer

from .. import settings
from ..errors import StrategyError, UsageProblem
from . import common


def migrate(
    create_roles: Annotated[
        bool,
        typer.Option(
            "--create-roles",
            help="On a team database: also make the roles strategy_manager (reads and writes), "
            "strategy_viewer (reads) and strategy_named_users (may name its user), and grant them.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
):
    """Bring the database's schema up to this version (for IT: on a team database, with its roles).

    Every command does this on first use; an IT officer runs it on its own, with the login that
    is to own the tables, to set up a team database before anyone uses it. Never changes a record."""
    from ..address import Server
    from ..store import SCHEMA_VERSION, Store
    from ..store.postgres import create_roles as make_roles

    target = common.database_path()
    if create_roles and not isinstance(target, Server):
        raise UsageProblem("--create-roles is for a team database: --db postgresql://USER@HOST/DB")
    common.refuse_network_file(target)
    before = _schema_version(target)
    store = Store(target, create=isinstance(target, Server))
    if store.read_only:
        raise StrategyError(f"{target} is read-only for you: its schema is the owner's to migrate")
    made = []
    if create_roles and not isinstance(store.conn, sqlite3.Connection):
        try:
            made = make_roles(store.conn)
        except sqlite3.DatabaseError as error:
            raise StrategyError(
                f"cannot create the roles on {target}: {error} (it takes the schema's owner, with CREATEROLE)"
            ) from None
    report = {
        "database": str(target),
        "schema": SCHEMA_VERSION,
        "migrated_from": before,
        "roles_created": made,
        "roles": ["strategy_manager", "strategy_viewer", "strategy_named_users"] if create_roles else [],
    }
    if as_json:
        common.print_json(report)
        return
    if before == SCHEMA_VERSION:
        common.say(f"{target}: schema {SCHEMA_VERSION}, this version's; nothing to migrate.")
    else:
        common.say(f"{target}: migrated from schema {before} to {SCHEMA_VERSION}.")
    if create_roles:
        common.say(
            "Roles strategy_manager, strategy_viewer and strategy_named_users "
            + (f"made ({', '.join(made)} new)" if made else "were already there")
            + " and granted this schema's tables. Give a manager's login one: "
            "GRANT strategy_manager TO <login>;"
        )


def _schema_version(target) -> int:
    """The schema a database holds before this command (0: none yet)."""
    from ..address import Server

    if isinstance(target, Server):
        from ..store.postgres import connect_raw, schema_version

        conn = connect_raw(target)
        try:
            return schema_version(conn) or 0
        finally:
            conn.close()
    from ..store.schema import file_schema_version

    version = file_schema_version(target)
    if version is None:
        raise StrategyError(common.missing_database(target))
    return version


def copy(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The empty database to copy into: postgresql://USER@HOST/DB, or a file not there yet.",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
):
    """Copy every record and the audit trail into an empty database, checked at both ends.

    Both must be whole and end in the same chain head; the database copied from is only read.
    To move a team onto its server: strategy copy --to postgresql://USER@HOST/DB."""
    from ..integrity import chain_head
    from ..recompute import check
    from ..store import Store
    from ..store.copying import copy_records, holds_records

    if not to.strip():
        raise UsageProblem("--to is empty: name the database to copy into")
    target_place = settings.database_path(to)
    if str(target_place) == str(common.database_path()):
        raise UsageProblem(f"--to names the database being copied ({target_place}): name another")
    source = common.open_store()
    common.refuse_network_file(target_place)
    # One moment of the source: checked, its head read and copied, whatever others write meanwhile.
    with source.snapshot():
        before = check(source, quick=False)
        source_head = chain_head(source.conn)
        if not before["ok"]:
            raise StrategyError(f"{source.path} fails its check ({before['fault']}): nothing was copied")
        target = Store(target_place, create=True)
        if target.read_only:
            raise StrategyError(f"{target.path} is read-only for you: nothing was copied")
        if holds_records(target):
            raise StrategyError(
                f"{target.path} already holds records: a copy goes only into an empty database, never "
                "mixed with other records"
            )
        counts = copy_records(source, target, common.user(), settings.now())
    with target.snapshot():
        after = check(target, quick=False)
        target_head = chain_head(target.conn)
    report = {
        "from": str(source.path),
        "to": str(target.path),
        "copied": counts,
        "head": target_head,
        "checks": {"from": before["ok"], "to": after["ok"], "same_head": source_head == target_head},
        "fault": after["fault"]
        or (None if source_head == target_head else f"chain heads differ: {source_head} and {target_head}"),
    }
    ok = report["fault"] is None
    if as_json:
        common.print_json(report)
    elif ok:
        common.say(
            f"Copied {counts['discussion']} discussions and {counts['audit']} audit entries from "
            f"{source.path} to {target.path}. Both check whole; chain head: {target_head}"
        )
    if not ok:
        if not as_json:
            common.warn(f"the copy in {target.path} does not check: {report['fault']}")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate)
    app.command("copy")(copy)
