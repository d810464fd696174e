"""Looking after the tool and its data: procedures, demo, check, backup."""

import sys
from pathlib import Path
from typing import Annotated, TypedDict

import typer

from .. import settings
from ..domain.procedures import Profile
from ..errors import StrategyError, UsageProblem
from . import common, summary


class _RuleRow(TypedDict):
    """One deadline rule as ``procedures show`` lists it."""

    kind: str
    categories: list[str]
    circumstances: list[str]
    when: str
    starts: str
    timescale: str
    maximum: str | None
    rule: str
    section: str | None
    address: str | None


procedures_app = typer.Typer(help=summary("procedures"), invoke_without_command=True)


@procedures_app.callback()
def procedures(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
):
    """List the procedure profiles (built in, and any in your config folder); a broken one is
    listed with what is wrong, and never hides the others."""
    if ctx.invoked_subcommand is not None:
        return
    report = settings.profile_report()
    if as_json:
        common.print_json(
            [
                {"id": pid, "origin": origin, "error": loaded}
                if isinstance(loaded, str)
                else {
                    "id": loaded.id,
                    "name": loaded.name,
                    "source": loaded.source,
                    "origin": origin,
                    "questions": len(loaded.questions),
                }
                for pid, origin, loaded in report
            ]
        )
        return
    from rich.markup import escape

    from ..present.terminal import console

    for pid, origin, loaded in report:
        if isinstance(loaded, str):
            console.print(f"[bold red]{pid}[/]  BROKEN: {escape(loaded)}")
        else:
            console.print(
                f"[bold]{loaded.id}[/]  {escape(loaded.name)}: {escape(loaded.source)} "
                f"[dim]({escape(origin)}, {len(loaded.questions)} questions)[/]"
            )
    broken = [pid for pid, _origin, loaded in report if isinstance(loaded, str)]
    if broken:
        common.warn(
            f"{len(broken)} profile{'s' if len(broken) != 1 else ''} cannot be used until fixed: {', '.join(broken)}"
        )


def _rules(profile: Profile) -> list[_RuleRow]:
    from ..domain.procedures import DEFAULT_START

    return [
        {
            "kind": r.kind,
            "categories": list(r.categories),
            "circumstances": list(r.circumstances),
            "when": r.when,
            "starts": r.start or DEFAULT_START.get(r.kind, "the date set"),
            "timescale": r.timescale.describe(),
            "maximum": r.maximum.describe() if r.maximum else None,
            "rule": r.rule,
            "section": r.section,
            "address": r.address,
        }
        for r in profile.deadlines
    ]


def _profile_json(profile: Profile) -> dict:
    return {
        "id": profile.id,
        "name": profile.name,
        "source": profile.source,
        "version": profile.version,
        "address": profile.address,
        "calendar": {
            "country": profile.calendar_country,
            "subdivision": profile.calendar_subdivision,
            "closes": profile.closes.strftime("%H:%M") if profile.closes else None,
        },
        "categories": profile.categories,
        "agencies": profile.agencies,
        "counts_as": profile.counts_as,
        "quorum": list(profile.quorum),
        "quorum_when": {k: list(v) for k, v in profile.quorum_when.items()},
        "quorum_categories": {k: list(v) for k, v in profile.quorum_categories.items()},
        "expected": {k: list(v) for k, v in profile.expected.items()},
        "outcomes": profile.outcomes,
        "followups": {k: {"title": f.title, "event": f.event} for k, f in profile.followups.items()},
        "deadlines": _rules(profile),
        "questions": len(profile.questions),
    }


def _describe(profile: Profile) -> None:
    """A profile's rules as the tool understands them, in words."""
    from rich.markup import escape
    from rich.table import Table

    from ..domain.model import AGENCIES, CATEGORIES
    from ..present.terminal import console

    def agencies(ids) -> str:
        return ", ".join(profile.agencies.get(a, a) for a in ids)

    console.print(f"[bold]{escape(profile.name)}[/] ({profile.id}): {escape(profile.source)}")
    if profile.version or profile.address:
        console.print(escape(" ".join(filter(None, [profile.version, profile.address]))))
    closes = f"; a day's deadline falls due at {profile.closes:%H:%M}" if profile.closes else ""
    console.print(f"Bank holidays: {profile.calendar_country} {profile.calendar_subdivision or ''}{closes}")
    if profile.categories != CATEGORIES:
        console.print("Categories: " + "; ".join(f"{k} ({escape(v)})" for k, v in profile.categories.items()))
    own = {k: v for k, v in profile.agencies.items() if k not in AGENCIES}
    if own:
        console.print("Own agencies: " + "; ".join(f"{k} ({escape(v)})" for k, v in own.items()))
    console.print(
        f"Quorate with: {agencies(profile.quorum)}"
        + "".join(f"; in category {k}, instead: {agencies(v)}" for k, v in profile.quorum_categories.items())
        + "".join(f"; with a {k} child also {agencies(v)}" for k, v in profile.quorum_when.items())
    )
    for key, expected in profile.expected.items():
        console.print(f"Also expected where {key}: {agencies(expected)}")
    for kind, followup in profile.followups.items():
        console.print(
            f"Own follow-up {kind}: {escape(followup.title)} (cleared by `record REF {followup.event}`)"
        )
    table = Table(title="Deadlines", title_justify="left")
    for column in ("Kind", "Applies to", "Clock starts", "Timescale", "Rule"):
        table.add_column(column)
    for r in _rules(profile):
        applies = ", ".join(r["categories"]) or "any category"
        if r["circumstances"]:
            applies += f" where {' or '.join(r['circumstances'])}"
        if r["when"] != "always":
            applies += f" when {r['when']}"
        timescale = r["timescale"] + (f", at most {r['maximum']}" if r["maximum"] else "")
        source = " ".join(filter(None, [r["section"], r["address"]]))
        table.add_row(
            r["kind"], applies, r["starts"], timescale, escape(r["rule"] + (f" [{source}]" if source else ""))
        )
    console.print(table)
    outcomes = Table(title="Outcome labels", title_justify="left")
    outcomes.add_column("Decision")
    outcomes.add_column("Label")
    for key, label in profile.outcomes.items():
        outcomes.add_row(key, escape(label))
    console.print(outcomes)
    console.print(f"Checklist: {len(profile.sections)} sections, {len(profile.questions)} questions.")


@procedures_app.command("show")
def procedures_show(
    profile_id: Annotated[str, typer.Argument(metavar="ID", help="The profile's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
):
    """One profile as its file reads now: its deadline rules in its own words, quoracy, outcome labels."""
    profile = settings.profile(settings.procedure_named(profile_id))
    if as_json:
        common.print_json(_profile_json(profile))
        return
    _describe(profile)


@procedures_app.command("check")
def procedures_check(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="The profile file to check.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
):
    """Validate a profile file before putting it in use, and print its rules as the tool understands them.

    A checklist it names is looked for in a ``checklists`` folder beside the file, then where
    the tool looks when the profile is in use."""
    from ..domain.procedures import ProfileError, load_profile

    text = common.read_text_file(path, "FILE")

    def read_checklist(name: str) -> tuple[str, str]:
        beside = path.parent / "checklists" / f"{name}.toml"  # a checklist still being written
        if beside.is_file():
            return common.read_text_file(beside, "checklist"), str(beside)
        return settings.read_checklist(name)

    try:
        profile = load_profile(text, str(path), read_checklist)
    except ProfileError as error:
        raise StrategyError(str(error)) from None
    settings.bank_holidays(profile.calendar_country, profile.calendar_subdivision).load_year(
        settings.now().year
    )  # a calendar the holidays package does not know is named here, not at the first `new`
    if as_json:
        common.print_json(_profile_json(profile))
        return
    _describe(profile)
    common.say(f"{path}: a valid profile ({profile.id}).")
    if path.stem != profile.id:
        common.warn(f"to use it, save it as {settings.config_dir() / 'procedures' / (profile.id + '.toml')}")


@procedures_app.command("new")
def procedures_new(
    profile_id: Annotated[str, typer.Argument(metavar="ID", help="The new profile's id, e.g. localshire.")],
    start_from: Annotated[
        str, typer.Option("--from", help="The profile to start from (its rules are copied, to be rewritten).")
    ] = "hampshire",
    name: Annotated[str | None, typer.Option("--name", help="The partnership's name.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="Where to write it (default: your procedures folder).")
    ] = None,
):
    """Write a starting profile file for a partnership, copied from another to be rewritten."""
    import re

    from ..domain.procedures import ProfileError, load_profile

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", profile_id):
        raise typer.BadParameter(
            f"{profile_id!r} must be lower-case letters, digits and hyphens", param_hint="ID"
        )
    sources = settings.profile_sources()
    start_from = common.known_id(start_from, sorted(sources), "a procedure", "--from")
    if profile_id in sources and output is None:
        raise StrategyError(f"a profile {profile_id!r} already exists ({sources[profile_id][1]})")
    target = output or settings.config_dir() / "procedures" / f"{profile_id}.toml"
    if target.exists():
        raise StrategyError(f"{target} already exists; choose another --output or remove it first")
    title = name or profile_id.replace("-", " ").title()
    text = sources[start_from][0]
    if text is None:
        raise StrategyError(f"{sources[start_from][1]} cannot be read, so it cannot be copied")
    text = re.sub(r'(?m)^id\s*=\s*".*"', f'id = "{profile_id}"', text, count=1)
    text = re.sub(r'(?m)^name\s*=\s*".*"', f"name = {_toml_string(title)}", text, count=1)
    header = (
        f"# {title}: started from the {start_from} profile. Rewrite every rule in your own procedure's words,\n"
        "# with its section and address; check it with `strategy procedures check FILE`.\n"
        "# Every key is described in docs/procedures.md.\n"
    )
    try:
        load_profile(header + text, str(target), settings.read_checklist)
    except ProfileError as error:  # the source profile itself is broken
        raise StrategyError(f"{start_from} cannot be copied: {error}") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as written:
        written.write(header + text)
    common.say(f"Wrote {target} (from {start_from}). Edit it, then: strategy procedures check {target}")


def _toml_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


@procedures_app.command("adopt")
def procedures_adopt(
    profile_id: Annotated[str, typer.Argument(metavar="ID", help="The profile whose file was edited.")],
    apply: Annotated[
        bool,
        typer.Option("--apply", help="Move the open discussions (without it: only show what would change)."),
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why they move, for the audit trail.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
):
    """Show which open discussions an edited profile would change; with --apply, move them to it."""
    from ..casework.adoption import adopt

    profile_id = settings.procedure_named(profile_id)
    settings.profile(profile_id)  # an unknown or broken profile is named before anything else
    case = common.casework()
    version, moves = adopt(
        case, profile_id, apply, common.text_or_file(reason, "--reason") if reason else None
    )
    if as_json:
        common.print_json(
            {
                "procedure": profile_id,
                "version": version,
                "applied": apply,
                "discussions": [{"reference": m.reference, "changes": m.changes} for m in moves],
            }
        )
        return
    if not moves:
        common.say(f"Every open {profile_id} discussion already uses {profile_id} as its file reads now.")
        return
    for move in moves:
        print(f"{move.reference}:")
        for change in move.changes or ["nothing shown changes (the profile's other wording does)"]:
            print(f"  {change}")
    count = f"{len(moves)} open discussion{'s' if len(moves) != 1 else ''}"
    if apply:
        common.say(f"Moved {count} to {profile_id} version {version[:12]}; closed ones keep theirs.")
    else:
        common.say(
            f"{count} would move to {profile_id} as its file reads now (version {version[:12]}). "
            f"To move them: strategy procedures adopt {profile_id} --apply --reason TEXT"
        )


def demo(
    fresh: Annotated[
        bool,
        typer.Option("--fresh/--keep", help="Start the demo database afresh (default), or add to it."),
    ] = True,
):
    """Fill a demo database with fictional discussions in varied states, and show what is due.

    Only ever its own file: the default demo.db, a path where nothing is yet (or an empty
    file), or a file an earlier demo made (marked in its header). Any other is refused, so
    `--db real.db demo` never puts fictional children among real ones."""
    from ..address import is_url
    from ..demo import fill
    from ..store import Store
    from ..store.schema import RECORDS_APPLICATION_ID, application_id, check_database_path, is_demo_database
    from .due import board_items, duration, print_board

    own = settings.demo_database_path()
    given = common.GLOBALS.db
    if given is not None and is_url(given):
        raise StrategyError(
            "demo writes only a file of its own, never into a team database: run `strategy demo` "
            f"without --db (it uses {own})"
        )
    path = Path(given).expanduser() if given is not None else own
    if check_database_path(path) and path.stat().st_size > 0:
        if application_id(path) == RECORDS_APPLICATION_ID:
            instead = "Name a file that does not exist yet (--db NEW.db)"
            if not _same_file(path, own):
                instead = f"Run `strategy demo` without --db (it uses {own}), or name a new file"
            raise StrategyError(
                f"{path} is not a demo database: it holds discussions opened with `strategy new`, "
                f"and demo never writes fictional children into real records, nor starts them afresh. {instead}"
            )
        if not _same_file(path, own) and not is_demo_database(path):
            raise StrategyError(
                f"{path} is not a demo database (not made by `strategy demo`): demo never writes "
                f"fictional children into it. Run `strategy demo` without --db (it uses {own}), "
                "or name a file that does not exist yet"
            )
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    common.GLOBALS.db = str(path)
    common.refuse_network_file(path)
    store = Store(path, create=True)  # always a file: never the team database $STRATEGY_TEST_DB maps to
    store.mark_demo()
    references = fill(store, settings.now(), common.user())
    common.say(f"Demo database: {path} ({len(references)} fictional discussions).")
    common.say(f"Try: strategy --db {path} show {references[0]}")
    now = settings.now()
    print_board(store, board_items(store, now, duration("7d")), now, "7d", explain=False)


def check(
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="Skip the pass over every discussion (derived facts, references, trails)."
        ),
    ] = False,
    expect: Annotated[
        str | None,
        typer.Option(
            "--expect",
            metavar="HEAD",
            help="A chain head printed earlier (COUNT:HASH): fail unless the trail still extends it.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
):
    """Verify the database: its integrity, the audit hash chain, and every record against its trail.
    Never writes to it. Prints the chain head: keep it outside the database and give it to
    --expect later, to find entries deleted from the end or a rewritten trail."""
    from ..integrity import chain_head, expect_head
    from ..recompute import check as check_everything

    store = common.open_store(read_only=True)  # checking never changes the file it checks
    show_progress = sys.stderr.isatty() and not quick
    with store.snapshot():
        report = check_everything(store, quick, _progress if show_progress else None)
        report["head"] = chain_head(store.conn)
        if expect is not None:
            anchor = expect_head(store.conn, expect)
            report["checks"].append(anchor)
            if not anchor["ok"] and report["ok"]:
                report["ok"], report["fault"] = False, f"anchor: {anchor['detail']}"
    if show_progress:
        print(file=sys.stderr)
    if as_json:
        common.print_json(report)
    else:
        for item in report["checks"]:
            mark = "ok  " if item["ok"] else "FAIL"
            print(f"{mark} {item['name']}: {item['detail']}")
        print(f"Chain head: {report['head']}")
        print("The database is whole." if report["ok"] else f"Fault: {report['fault']}")
    if not report["ok"]:
        raise typer.Exit(1)


def paths(as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False):
    """Where the database, the config, the profiles and the templates in use are.

    Creates nothing: a path not there yet says so (the database is made by `new`, the folders
    by you or `procedures new`)."""
    from ..present.render import builtin_template_folder, user_template_folder
    from ..store.network import network_file_system

    database, source = common.database_path(), common.database_source()
    config = settings.config_dir()
    found = {
        "database": database,
        "demo_database": settings.demo_database_path(),
        "config_file": config / "config.toml",
        "profiles": config / "procedures",
        "checklists": config / "procedures" / "checklists",
        "templates": user_template_folder(),
        "built_in_profiles": settings.PACKAGE / "procedures",
        "built_in_templates": builtin_template_folder(),
    }
    report: dict[str, dict] = {
        name: {"path": str(path.absolute()), "exists": path.exists()}
        for name, path in found.items()
        if isinstance(path, Path)
    }
    if isinstance(database, Path):
        report["database"].update(source=source, network_file_system=network_file_system(database))
    else:  # a team database: its URL without a password, and whether it holds strategy's schema
        report = {
            "database": {
                "path": str(database),
                "exists": _on_server(database),
                "source": source,
                "network_file_system": None,
            },
            **report,
        }
    if as_json:
        common.print_json(report)
        return
    labels = {
        "database": f"Database ({source})",
        "demo_database": "Demo database",
        "config_file": "Config file",
        "profiles": "Your profiles",
        "checklists": "Your checklists",
        "templates": "Your templates",
        "built_in_profiles": "Built-in profiles",
        "built_in_templates": "Built-in templates",
    }
    width = max(map(len, labels.values()))
    for name, entry in report.items():
        state = (
            ""
            if entry["exists"]
            else "  (cannot be reached)"
            if entry["exists"] is None
            else "  (not there yet)"
        )
        print(f"{labels[name]:<{width}}  {entry['path']}{state}")
    if report["database"]["network_file_system"]:
        common.warn(f"the database is on {report['database']['network_file_system']}: see --allow-network-db")


def _on_server(server) -> bool | None:
    """Whether a team database holds strategy's schema (None: the server cannot be reached)."""
    from ..store.postgres import connect_raw, schema_version

    try:
        conn = connect_raw(server)
    except StrategyError:
        return None
    try:
        return schema_version(conn) is not None
    finally:
        conn.close()


def _progress(done: int, total: int) -> None:
    print(f"\rchecked {done:,} of {total:,} discussions", end="", file=sys.stderr, flush=True)


def backup(
    path: Annotated[Path, typer.Argument(help="Where to write the copy.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
):
    """A consistent copy of the database, safe while others write, private to you."""
    from ..integrity import backup_to

    store = common.open_store()
    if store.on_server:
        from ..integrity import backup_to_file

        count, head = backup_to_file(store, path, force, common.user(), settings.now())
    else:
        count, head = backup_to(store.conn, path, force, store.path)
    common.say(f"Backed up {count} discussions to {path} (checked: integrity ok). Chain head: {head}")


def restore(
    path: Annotated[Path, typer.Argument(help="The backup to put back (made by `strategy backup`).")],
    expect: Annotated[
        str | None,
        typer.Option(
            "--expect", metavar="HEAD", help="The chain head the backup printed: refuse unless it holds it."
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Replace the database's contents (required).")] = False,
):
    """Put a backup back in place of the database, keeping the database as it was beside it.

    Never by deleting files (a -wal file holds committed writes): the backup is copied aside,
    upgraded to this version's schema and checked, then its records replace the database's in
    one write transaction, with the database as it was copied beside it under the same lock."""
    import tempfile

    from ..integrity import chain_head, expect_head, restore_into, staged_copy, verify
    from ..store import Store
    from ..store.schema import check_database_path

    if not yes:
        raise UsageProblem("restore replaces every record in the database with the backup's: give --yes")
    if not check_database_path(path):
        raise StrategyError(f"no backup at {path}")
    store = common.open_store(create=True)  # a backup may be restored on a new machine
    if store.on_server:
        raise StrategyError(
            f"{store.path} is a team database: restore never replaces a whole team's records. "
            "Its own backups are the server's (pg_dump); to start it from a file, `strategy copy "
            "--to` an empty database"
        )
    if store.read_only:
        raise StrategyError(f"{store.path} is read-only for you: nothing was restored")
    if _same_file(path, store.path):
        raise StrategyError(f"{path} is the database itself: nothing to restore")
    with tempfile.TemporaryDirectory(dir=store.path.parent, prefix=".strategy-restore-") as folder:
        staged = staged_copy(path, Path(folder) / "restore.db")
        try:
            anchor = expect_head(staged, expect) if expect is not None else None
        finally:
            staged.close()
        if anchor is not None and not anchor["ok"]:
            raise StrategyError(f"the backup {path}: {anchor['detail']}; nothing was restored")
        upgraded = Store(Path(folder) / "restore.db")  # a backup from an earlier version is upgraded here
        report = verify(upgraded.conn)
        upgraded.close()
        if not report["ok"]:
            raise StrategyError(
                f"the backup {path} fails its check ({report['fault']}); nothing was restored"
            )
        kept = _kept_name(store.path)
        count = restore_into(store, Path(folder) / "restore.db", kept)
    common.say(
        f"Restored {count} discussions from {path} into {store.path}. Chain head: {chain_head(store.conn)}. "
        f"The database as it was is kept in {kept}."
    )


def _same_file(a: Path, b: Path) -> bool:
    import os

    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def _kept_name(database: Path) -> Path:
    """Where the database as it was goes: beside it, stamped with the time, never over a file."""
    stamp = settings.now().strftime("%Y%m%dT%H%M%S")
    kept = database.with_name(f"{database.stem}.before-restore-{stamp}.db")
    number = 2
    while kept.exists():
        kept = database.with_name(f"{database.stem}.before-restore-{stamp}-{number}.db")
        number += 1
    return kept


def register(app: typer.Typer) -> None:
    app.add_typer(procedures_app, name="procedures")
    app.command("demo")(demo)
    app.command("check")(check)
    app.command("paths")(paths)
    app.command("backup")(backup)
    app.command("restore")(restore)
