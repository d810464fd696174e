"""Looking after the tool and its data: procedures, demo, check, backup."""

import sys
from pathlib import Path
from typing import Annotated, TypedDict

import typer

from .. import settings
from ..errors import StrategyError
from . import common, summary


class _RuleRow(TypedDict):
    """One deadline rule as ``procedures show`` lists it."""

    kind: str
    categories: list[str]
    when: str
    timescale: str
    rule: str


procedures_app = typer.Typer(help=summary("procedures"), invoke_without_command=True)


@procedures_app.callback()
def procedures(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
):
    """List the procedure profiles (built in, and any in your config folder)."""
    if ctx.invoked_subcommand is not None:
        return
    profiles = settings.all_profiles()
    if as_json:
        common.print_json(
            [
                {
                    "id": p.id,
                    "name": p.name,
                    "source": p.source,
                    "origin": p.origin,
                    "questions": len(p.questions),
                }
                for p in profiles
            ]
        )
        return
    from ..present.terminal import console

    for p in profiles:
        console.print(
            f"[bold]{p.id}[/]  {p.name}: {p.source} [dim]({p.origin}, {len(p.questions)} questions)[/]"
        )


@procedures_app.command("show")
def procedures_show(
    profile_id: Annotated[str, typer.Argument(metavar="ID", help="The profile's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
):
    """One profile: its deadline rules in its own words, quoracy, outcome labels."""
    profile = settings.profile(profile_id)
    rules: list[_RuleRow] = [
        {
            "kind": r.kind,
            "categories": list(r.categories),
            "when": r.when,
            "timescale": r.timescale.describe(),
            "rule": r.rule,
        }
        for r in profile.deadlines
    ]
    if as_json:
        common.print_json(
            {
                "id": profile.id,
                "name": profile.name,
                "source": profile.source,
                "calendar": {
                    "country": profile.calendar_country,
                    "subdivision": profile.calendar_subdivision,
                },
                "quorum": list(profile.quorum),
                "quorum_when": {k: list(v) for k, v in profile.quorum_when.items()},
                "expected": {k: list(v) for k, v in profile.expected.items()},
                "outcomes": profile.outcomes,
                "deadlines": rules,
                "questions": len(profile.questions),
            }
        )
        return
    from rich.markup import escape
    from rich.table import Table

    from ..present.terminal import console

    console.print(f"[bold]{profile.name}[/] ({profile.id}): {escape(profile.source)}")
    console.print(
        f"Quorate with: {', '.join(profile.quorum)}"
        + "".join(f"; with a {k} child also {', '.join(v)}" for k, v in profile.quorum_when.items())
    )
    if profile.expected:
        console.print(
            "Also expected: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in profile.expected.items())
        )
    table = Table(title="Deadlines", title_justify="left")
    for column in ("Kind", "Applies to", "Timescale", "Rule"):
        table.add_column(column)
    for r in rules:
        applies = ", ".join(r["categories"]) or "any category"
        if r["when"] != "always":
            applies += f" when {r['when']}"
        table.add_row(r["kind"], applies, r["timescale"], escape(r["rule"]))
    console.print(table)
    outcomes = Table(title="Outcome labels", title_justify="left")
    outcomes.add_column("Decision")
    outcomes.add_column("Label")
    for key, label in profile.outcomes.items():
        outcomes.add_row(key, escape(label))
    console.print(outcomes)


def demo(
    fresh: Annotated[
        bool, typer.Option("--fresh/--keep", help="Start the demo database afresh (default).")
    ] = True,
):
    """Fill a demo database with fictional discussions in varied states, and show what is due."""
    from ..demo import fill
    from .due import board_items, duration, print_board

    if common.GLOBALS.db is not None:
        path = common.GLOBALS.db
    else:
        path = settings.demo_database_path()
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    common.GLOBALS.db = path
    store = common.open_store()
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
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
):
    """Verify the database: its integrity, the audit hash chain, and every record against its trail."""
    from ..recompute import check as check_everything

    store = common.open_store()
    show_progress = sys.stderr.isatty() and not quick
    with store.snapshot():
        report = check_everything(store, quick, _progress if show_progress else None)
    if show_progress:
        print(file=sys.stderr)
    if as_json:
        common.print_json(report)
    else:
        for item in report["checks"]:
            mark = "ok  " if item["ok"] else "FAIL"
            print(f"{mark} {item['name']}: {item['detail']}")
        print("The database is whole." if report["ok"] else f"Fault: {report['fault']}")
    if not report["ok"]:
        raise typer.Exit(1)


def _progress(done: int, total: int) -> None:
    print(f"\rchecked {done:,} of {total:,} discussions", end="", file=sys.stderr, flush=True)


def backup(
    path: Annotated[Path, typer.Argument(help="Where to write the copy.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
):
    """A consistent copy of the database, safe while others write, private to you."""
    from ..integrity import backup_to

    store = common.open_store()
    if path.resolve() == store.path.resolve():
        raise StrategyError("the backup cannot be the database itself")
    count = backup_to(store.conn, path, force)
    common.say(f"Backed up {count} discussions to {path} (checked: integrity ok).")


def register(app: typer.Typer) -> None:
    app.add_typer(procedures_app, name="procedures")
    app.command("demo")(demo)
    app.command("check")(check)
    app.command("backup")(backup)
