"""Time whole ``strategy`` processes at 1,000 and 100,000 discussions, against two floors.

    python benchmarks/run.py [--runs 20] [--sizes 1000,100000] [--no-hyperfine]
                             [--postgres postgresql://USER@HOST/postgres [--fresh-postgres]
                              [--postgres-only]]

Builds the databases with ``make_db.py`` when they are missing (``benchmarks/1k.db``,
``benchmarks/100k.db``, 300 open discussions each; git ignores them), then times each command
as a whole process, start-up included: with ``hyperfine`` when it is on PATH, else with its
own loop (``--runs`` runs after one warm-up, median reported). Peak memory is each process's
maximum resident set size, read with ``resource.getrusage(RUSAGE_CHILDREN)`` in a small
Python parent that runs the command once (so nothing beyond Python is needed).

Writing commands run against a copy of each database (made once per run), so the files the
reads use never change. Every process gets ``STRATEGY_NOW`` fixed to the instant the data
was built around, and an empty config folder, so runs are comparable from day to day.

Prints a Markdown table and writes it, with the machine and the targets met or missed, to
``benchmarks/RESULTS.md``.

``--postgres URL`` (a server whose databases the login may create) also times the reads on
PostgreSQL beside SQLite: for each size it makes the database ``bench_<size>`` on that server
once, filled from the SQLite file with ``strategy --db FILE copy --to URL`` (timed; skipped
when the database already holds the file's discussions, ``--fresh-postgres`` drops and copies
again), then times each read on both databases in turn, run by run (SQLite, PostgreSQL, then
PostgreSQL, SQLite...), so both meet the same load. It also checks, with ``python -X
importtime``, that a command on a SQLite file never imports psycopg. Its section of
RESULTS.md is kept as it was when a run leaves ``--postgres`` out; ``--postgres-only``
rewrites that section alone and leaves the SQLite table as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
STRATEGY = str(Path(sys.executable).parent / "strategy")
NOW = "2026-11-20T12:00:00+00:00"  # make_db.NOW: the instant the data is built around
OPEN = 300
NAMES = {1000: "1k", 100_000: "100k"}


def label(size: int) -> str:
    return NAMES.get(size, f"{size}")


def database(size: int) -> Path:
    path = HERE / f"{label(size)}.db"
    if not path.exists():
        print(f"Building {path.name} ({size:,} discussions)...", file=sys.stderr)
        subprocess.run(
            [
                PYTHON,
                str(HERE / "make_db.py"),
                "--discussions",
                str(size),
                "--db",
                str(path),
                "--open",
                str(OPEN),
            ],
            check=True,
        )
    return path


def build_info(size: int) -> dict | None:
    """What ``make_db.py`` recorded about building the file (time, size), if it did."""
    path = HERE / f"{label(size)}.db-build.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def open_reference(path: Path) -> str:
    """The most recent open discussion that has been held and decided (a full record)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    row = conn.execute(
        "SELECT d.reference FROM discussion AS d JOIN decision AS x ON x.discussion_id = d.id "
        "WHERE d.status = 'open' ORDER BY d.id DESC LIMIT 1"
    ).fetchone()
    conn.close()
    return row[0]


def first_child(path: Path, reference: str) -> str:
    """The first child of a discussion: each child is seen one at a time (`record --child`)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    row = conn.execute(
        "SELECT c.name FROM child AS c JOIN discussion AS d ON d.id = c.discussion_id "
        "WHERE d.reference = ? ORDER BY c.position LIMIT 1",
        (reference,),
    ).fetchone()
    conn.close()
    return row[0]


def environment(db: Path | str, config: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        STRATEGY_DB=str(db),
        STRATEGY_NOW=NOW,
        STRATEGY_USER="bench.runner",
        XDG_CONFIG_HOME=str(config),
        COLUMNS="100",
        PYTHONDONTWRITEBYTECODE="",
    )
    env.pop("STRATEGY_PROCEDURE", None)
    return env


def time_hyperfine(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        subprocess.run(
            [
                "hyperfine",
                "-N",
                "--warmup",
                "1",
                "--runs",
                str(runs),
                "--output",
                "pipe",
                "--style",
                "none",
                "--export-json",
                report.name,
                shlex.join(argv),
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        result = json.loads(Path(report.name).read_text())["results"][0]
    if any(code != 0 for code in result.get("exit_codes", [])):
        raise SystemExit(f"{shlex.join(argv)} failed under hyperfine")
    return [t * 1000 for t in result["times"]]


def time_loop(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for index in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True)
        elapsed = (time.perf_counter() - started) * 1000
        if done.returncode != 0:
            raise SystemExit(f"{shlex.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
        if index:  # the first run warms the file cache
            times.append(elapsed)
    return times


PEAK = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(peak / (2**20 if sys.platform == 'darwin' else 2**10))\n"
)


def peak_mib(argv: list[str], env: dict[str, str], tries: int = 3) -> float:
    """The largest resident set of the command, over a few runs, in MiB."""
    peaks = []
    for _ in range(tries):
        done = subprocess.run(
            [PYTHON, "-c", PEAK, *argv], env=env, capture_output=True, text=True, check=True
        )
        peaks.append(float(done.stdout.strip()))
    return max(peaks)


def commands(size: int, db: Path, copy: Path) -> list[tuple[str, list[str], Path]]:
    """(name, argv, database) of every measured command at one size."""
    ref = open_reference(db)
    write_ref = open_reference(copy)
    return [
        ("floor: python -c pass", [PYTHON, "-c", "pass"], db),
        ("floor: argparse+sqlite3 (floor.py)", [PYTHON, str(HERE / "floor.py")], db),
        ("strategy --help", [STRATEGY, "--help"], db),
        ("strategy due --json", [STRATEGY, "due", "--json"], db),
        ("strategy due (table)", [STRATEGY, "due"], db),
        ("strategy show REF --json", [STRATEGY, "show", ref, "--json"], db),
        ("strategy list --json", [STRATEGY, "list", "--json"], db),
        ("strategy list (table)", [STRATEGY, "list"], db),
        ("strategy export REF --format html", [STRATEGY, "export", ref, "--format", "html"], db),
        (
            "strategy new --no-input",
            [
                STRATEGY,
                "new",
                "--no-input",
                "--child",
                "Bench Child Example",
                "--dob",
                "2015-01-01",
                "--procedure",
                "hampshire",
            ],
            copy,
        ),
        (
            "strategy attend",
            [STRATEGY, "attend", write_ref, "--name", "Bench Attendee Example", "--agency", "health"],
            copy,
        ),
        (
            "strategy decide",
            [STRATEGY, "decide", write_ref, "--s47", "--police", "--rationale", "Benchmark (fictional)."],
            copy,
        ),
        (
            "strategy record",
            [STRATEGY, "record", write_ref, "child-seen", "--child", first_child(copy, write_ref)],
            copy,
        ),
    ]


# --- PostgreSQL beside SQLite --------------------------------------------------------------

READS = (
    "strategy due --json",
    "strategy due (table)",
    "strategy show REF --json",
    "strategy list --json",
    "strategy list (table)",
    "strategy export REF --format html",
)
PG_TARGET = 1.5  # reads on PostgreSQL at 100k within 1.5x of SQLite
CONNECT_FLOOR = "floor: connect + SELECT 1"
SQLITE_CONNECT = "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('SELECT 1').fetchone()"
PG_CONNECT = "import psycopg, sys; psycopg.connect(sys.argv[1]).execute('SELECT 1').fetchone()"


def server_url(base: str, database: str) -> str:
    """``base`` (any database on the server) with its database swapped for ``database``."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def shown(url: str) -> str:
    """The URL without a password, for the report."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def server_facts(base: str) -> dict[str, str]:
    """The server's version and the settings that decide what its figures mean."""
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        return {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("server_version", "fsync", "synchronous_commit", "shared_buffers")
        }


def discussions_in(url: str) -> int | None:
    """How many discussions the database holds (None: it does not exist or has no schema)."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            if conn.execute("SELECT to_regclass('discussion')").fetchone()[0] is None:
                return None
            return conn.execute("SELECT COUNT(*) FROM discussion").fetchone()[0]
    except psycopg.OperationalError:
        return None


def make_server_database(base: str, name: str, fresh: bool) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(base, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(
                sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name))
            )


COPY = (
    "import json, resource, subprocess, sys, time\n"
    "started = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "seconds = time.perf_counter() - started\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(json.dumps({'rc': done.returncode, 'seconds': seconds, 'stdout': done.stdout,\n"
    "    'stderr': done.stderr[-2000:], 'peak_mib': peak / (2**20 if sys.platform == 'darwin' else 2**10)}))\n"
)


def copy_info_path(size: int) -> Path:
    return HERE / f"{label(size)}.db-pgcopy.json"


def server_database(base: str, size: int, db: Path, config: Path, fresh: bool) -> tuple[str, dict | None]:
    """The URL of ``bench_<size>``, filled from ``db`` with ``strategy copy --to`` unless it
    already holds the file's discussions; and what the copy measured (now or last time)."""
    name = f"bench_{label(size)}"
    url = server_url(base, name)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    wanted = conn.execute("SELECT COUNT(*) FROM discussion").fetchone()[0]
    conn.close()
    held = None if fresh else discussions_in(url)
    if held == wanted:
        try:
            return url, json.loads(copy_info_path(size).read_text())
        except (OSError, ValueError):
            return url, None
    if held:
        raise SystemExit(
            f"{shown(url)} holds {held:,} discussions, not the {wanted:,} of {db.name}: "
            "drop it or run with --fresh-postgres"
        )
    make_server_database(base, name, fresh)
    print(f"Copying {db.name} into {shown(url)}...", file=sys.stderr)
    argv = [STRATEGY, "--db", str(db), "copy", "--to", url, "--json"]
    done = json.loads(
        subprocess.run(
            [PYTHON, "-c", COPY, *argv],
            env=environment(db, config),
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    )
    if done["rc"] != 0:
        raise SystemExit(f"strategy copy failed ({done['rc']}): {done['stderr']}")
    report = json.loads(done["stdout"])
    info = {
        "seconds": done["seconds"],
        "peak_mib": done["peak_mib"],
        "discussions": report["copied"]["discussion"],
        "rows": sum(report["copied"].values()),
        "audit": report["copied"]["audit"],
        "checks": report["checks"],
        "copied_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    copy_info_path(size).write_text(json.dumps(info, indent=2))
    return url, info


def run_once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def side_by_side(
    lite: tuple[list[str], dict[str, str]], server: tuple[list[str], dict[str, str]], runs: int
) -> tuple[list[float], list[float]]:
    """Both commands ``runs`` times after a warm-up each, taking turns (which goes first
    alternates), so that both meet the same load; their times in ms."""
    run_once(*lite), run_once(*server)
    times: tuple[list[float], list[float]] = ([], [])
    for index in range(runs):
        order = (0, 1) if index % 2 == 0 else (1, 0)
        for which in order:
            times[which].append(run_once(*(lite, server)[which]))
    return times


def run_postgres(
    sizes: list[int], runs: int, base: str, fresh: bool
) -> tuple[list[dict], dict[str, dict | None]]:
    results, copies = [], {}
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder, "config")
        config.mkdir()
        for size in sizes:
            db = database(size)
            url, copies[label(size)] = server_database(base, size, db, config, fresh)
            lite_env, server_env = environment(db, config), environment(url, config)
            for env in (lite_env, server_env):  # a pending migration or stale deadlines: untimed
                subprocess.run([STRATEGY, "due", "--json"], env=env, stdout=subprocess.DEVNULL, check=True)
            floor = (
                ([PYTHON, "-c", SQLITE_CONNECT, str(db)], lite_env),
                ([PYTHON, "-c", PG_CONNECT, url], server_env),
            )
            reads = [(name, argv) for name, argv, _ in commands(size, db, db) if name in READS]
            measured = [(CONNECT_FLOOR, *floor)] + [
                (name, (argv, lite_env), (argv, server_env)) for name, argv in reads
            ]
            for name, lite, server in measured:
                lite_times, server_times = side_by_side(lite, server, runs)
                results.append(
                    {
                        "command": name,
                        "size": label(size),
                        "sqlite_ms": statistics.median(lite_times),
                        "sqlite_min_ms": min(lite_times),
                        "postgres_ms": statistics.median(server_times),
                        "postgres_min_ms": min(server_times),
                        "postgres_peak_mib": peak_mib(*server),
                        "runs": runs,
                    }
                )
                r = results[-1]
                print(
                    f"{label(size):>5} {name:40} SQLite {r['sqlite_ms']:8.1f} ms  PostgreSQL "
                    f"{r['postgres_ms']:8.1f} ms  ({r['postgres_ms'] / r['sqlite_ms']:.2f}x)",
                    file=sys.stderr,
                )
    return results, copies


def postgres_table(results: list[dict]) -> str:
    lines = [
        "| command | size | SQLite median ms | PostgreSQL median ms | ratio | PostgreSQL peak MiB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| `{r['command']}` | {r['size']} | {r['sqlite_ms']:.0f} | {r['postgres_ms']:.0f} | "
            f"{r['postgres_ms'] / r['sqlite_ms']:.2f} | {r['postgres_peak_mib']:.1f} |"
        )
    return "\n".join(lines)


def postgres_target(results: list[dict]) -> tuple[bool | None, str]:
    """Whether every read at 100k is within 1.5x of SQLite's median in the same run."""
    big = [r for r in results if r["size"] == "100k" and r["command"] in READS]
    if not big:
        return None, "- **not measured**: reads on PostgreSQL at 100k within 1.5x of SQLite (needs 100k)"
    ratios = [(r["postgres_ms"] / r["sqlite_ms"], r) for r in big]
    worst, worst_row = max(ratios, key=lambda pair: pair[0])
    ok = worst <= PG_TARGET
    over = [r for ratio, r in ratios if ratio > PG_TARGET]
    figures = "; ".join(
        f"`{r['command'][9:]}` {r['postgres_ms']:.0f} ms against {r['sqlite_ms']:.0f} ms "
        f"({r['postgres_ms'] / r['sqlite_ms']:.2f}x)"
        for _, r in ratios
    )
    verdict = "met" if ok else "**missed**"
    summary = (
        f"worst `{worst_row['command'][9:]}` at {worst:.2f}x"
        if ok
        else f"{len(over)} of {len(big)} reads over, worst `{worst_row['command'][9:]}` at {worst:.2f}x"
    )
    return ok, (
        f"- {verdict}: reads on PostgreSQL at 100k within {PG_TARGET}x of SQLite (medians side by side): "
        f"{summary}. {figures}"
    )


IMPORT_LINE = "import time:"


def imported(stderr: str) -> dict[str, int]:
    """Cumulative microseconds of each module ``-X importtime`` lists, by name."""
    found = {}
    for line in stderr.splitlines():
        if not line.startswith(IMPORT_LINE):
            continue
        fields = line[len(IMPORT_LINE) :].split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue
        found[fields[2].strip()] = int(fields[1])
    return found


def psycopg_modules(found: dict[str, int]) -> list[str]:
    return [name for name in found if name.split(".")[0] in ("psycopg", "psycopg_binary", "psycopg_c")]


def import_check(db: Path, url: str | None, tries: int = 5) -> dict:
    """Whether ``due --json`` on the SQLite file imports psycopg (it must not), whether it does
    on the server (it must), and what importing psycopg alone costs (median of ``tries``)."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder, "config")
        config.mkdir()
        argv = [PYTHON, "-X", "importtime", "-m", "strategy_cli", "due", "--json"]
        lite = subprocess.run(argv, env=environment(db, config), capture_output=True, text=True, check=True)
        server = None
        if url:
            server = subprocess.run(
                argv, env=environment(url, config), capture_output=True, text=True, check=True
            )
    on_file = psycopg_modules(imported(lite.stderr))
    on_server = psycopg_modules(imported(server.stderr)) if server else None
    alone = []
    for _ in range(tries + 1):  # the first compiles the bytecode if it is missing
        done = subprocess.run(
            [PYTHON, "-X", "importtime", "-c", "import psycopg"], capture_output=True, text=True
        )
        if done.returncode != 0:
            return {"file": on_file, "server": on_server, "alone_us": None}
        alone.append(imported(done.stderr).get("psycopg", 0))
    return {
        "file": on_file,
        "server": on_server,
        "server_us": imported(server.stderr).get("psycopg") if server else None,
        "alone_us": statistics.median(alone[1:]),
        "alone_min_us": min(alone[1:]),
    }


def import_lines(check: dict) -> list[str]:
    lines = []
    ok = not check["file"]
    lines.append(
        f"- {'met' if ok else '**missed**'}: psycopg is imported only for a PostgreSQL URL: "
        "`python -X importtime -m strategy_cli --db <SQLite file> due --json` imports "
        + ("no psycopg module" if ok else f"{', '.join(check['file'][:5])}")
        + (
            f"; on the server it imports {len(check['server'])} psycopg modules"
            + (f" (psycopg {check['server_us'] / 1000:.0f} ms cumulative)" if check.get("server_us") else "")
            if check["server"]
            else ""
        )
        + "."
    )
    if check["alone_us"] is not None:
        lines.append(
            f'- For scale: `python -X importtime -c "import psycopg"`: psycopg {check["alone_us"] / 1000:.0f} ms '
            f"cumulative (median of 5, min {check['alone_min_us'] / 1000:.0f} ms), paid by every command "
            "on the server and by none on a file."
        )
    return lines


# Why PostgreSQL's reads miss: the fixed cost is filled in from the run; the query counts and
# plans were measured on 2026-12-06 by wrapping the store's ``postgres.Connection.execute``
# (strategy_cli/store/postgres.py) in one process, on bench_100k, and with EXPLAIN ANALYZE.
WHY_PG = (
    "**A fixed cost per process.** Every command on the server imports psycopg first: "
    "{server_import} ms inside `strategy` (`-X importtime`; {alone_import} ms in a bare Python, "
    "where nothing has imported `typing`, `enum`, `re` and the like before it), paid by no "
    "command on a file. Most of it is psycopg's own start-up: `psycopg.pq` loads "
    "`psycopg_binary`, whose `version` module imports `importlib.metadata` (and with it `email`), "
    "`psycopg.errors` builds its exception classes, and `asyncio` comes in for the async "
    "connection. Then the connection: TCP and authentication (5-10 ms here) and two setup "
    "round trips in `store/postgres.py` (who the login is and whether the schema is there, in "
    "one query; the schema's version); the encoding comes with the connection and the lock "
    "timeout is set as it starts. `{floor}` measures this alone: {pg_floor} ms against SQLite's {lite_floor} ms, "
    "{extra} ms more per process, while 1.5x of a SQLite read of about {lite_read} ms allows "
    "{allowed} ms more: with psycopg imported on every run, no read can meet the target, however "
    "few queries it makes (`list --json`: 10 queries, {list_ratio}).\n\n"
    "**Round trips and one plan, on top, and what was done about them.** A query through the "
    "store's `Connection` costs about 0.1-0.25 ms on this server against 0.03 ms on SQLite. The "
    "first measurement found `due` (the table) making 1,879 queries at 100k (`_held_not_quorate` "
    "in strategy_cli/cli/due.py loaded each of the 183 held, not quorate discussions on the board "
    "with `Store._load`, 10 queries each): it now reads them together "
    "(`Store.discussions_named`, about a dozen queries). It found `Store.recorded_ahead` (two "
    "`EXISTS` joined by `OR`) planned by PostgreSQL as scans of the whole `event` (307,524 rows) "
    "and `child` (249,883 rows) tables, 65-90 ms at 100k where SQLite took 1.7 ms: it is now a "
    "`UNION` of the two (1.2 ms on the server, 0.5 ms on SQLite). And five setup round trips "
    "are now two. Left as they are: `show --json` makes 22 queries (the discussion's row read 4 "
    "times) and `export --format html` 34 (6 times, and the whole record loaded twice), each "
    "a few milliseconds on the server."
)


def why_postgres(results: list[dict], check: dict) -> str:
    """``WHY_PG`` with this run's figures."""

    def get(command: str) -> dict:
        return next(r for r in results if r["command"] == command and r["size"] == "100k")

    floor, listing = get(CONNECT_FLOOR), get("strategy list --json")
    lite_read = statistics.median(get(name)["sqlite_ms"] for name in READS)
    return WHY_PG.format(
        server_import=f"{check['server_us'] / 1000:.0f}" if check.get("server_us") else "?",
        alone_import=f"{check['alone_us'] / 1000:.0f}" if check.get("alone_us") else "?",
        floor=CONNECT_FLOOR,
        pg_floor=f"{floor['postgres_ms']:.0f}",
        lite_floor=f"{floor['sqlite_ms']:.0f}",
        extra=f"{floor['postgres_ms'] - floor['sqlite_ms']:.0f}",
        lite_read=f"{lite_read:.0f}",
        allowed=f"{(PG_TARGET - 1) * lite_read:.0f}",
        list_ratio=f"{listing['postgres_ms']:.0f} ms against {listing['sqlite_ms']:.0f} ms, "
        f"{listing['postgres_ms'] / listing['sqlite_ms']:.2f}x",
    )


PG_BEGIN, PG_END = "<!-- postgres:begin -->", "<!-- postgres:end -->"


def postgres_section(
    results: list[dict], copies: dict, check: dict, facts: dict, base: str, runs: int
) -> str:
    ok, target = postgres_target(results)
    copy_lines = []
    for size, info in copies.items():
        if info is None:
            copy_lines.append(
                f"- `strategy copy --to` of {size}.db: not recorded (the database was already there)."
            )
            continue
        copy_lines.append(
            f"- `strategy --db {size}.db copy --to postgresql://.../bench_{size}`: {info['seconds']:.1f} s, "
            f"{info['peak_mib']:.0f} MiB peak ({info['discussions']:,} discussions, {info['rows']:,} rows, "
            f"{info['audit']:,} audit entries; the whole command, the full check of both ends included; "
            f"{info['copied_at']}, load average {info['load_average'][0]:.1f} at the end)"
            if info.get("load_average")
            else f"- copy of {size}.db: {info['seconds']:.1f} s"
        )
    lines = [
        PG_BEGIN,
        "## PostgreSQL beside SQLite",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Server: PostgreSQL {facts['server_version']} on this machine over TCP (`{shown(base)}`), "
        f"fsync={facts['fsync']}, synchronous_commit={facts['synchronous_commit']}, "
        f"shared_buffers={facts['shared_buffers']}"
        + (
            " (a throwaway server: fsync off favours PostgreSQL on writes, not on the reads timed here)."
            if facts["fsync"] == "off"
            else "."
        ),
        f"Timing: own loop, the SQLite and the PostgreSQL run of each command taking turns, median of "
        f"{runs} runs each after a warm-up (so the `SQLite` column is from the same minutes as the "
        "`PostgreSQL` one, and may differ from the table above); peak memory as above. The databases "
        "hold the same rows: `bench_<size>` is `strategy copy --to` of the file. "
        f"`{CONNECT_FLOOR}`: Python importing the driver and opening the database, nothing else.",
        "Reproduce: `python benchmarks/run.py --postgres postgresql://USER@HOST/postgres` (the login "
        "may create databases; `--fresh-postgres` copies again).",
        "",
        postgres_table(results),
        "",
        "### Targets",
        "",
        target,
        *import_lines(check),
        *copy_lines,
        "",
    ]
    if ok is False and WHY_PG:
        lines += ["### Why", "", why_postgres(results, check), ""]
    lines.append(PG_END)
    return "\n".join(lines)


def _postgres_section(results: Path) -> str:
    """The section an earlier ``--postgres`` run wrote, kept when this run has none."""
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    if PG_BEGIN not in text or PG_END not in text:
        return ""
    return text[text.index(PG_BEGIN) : text.index(PG_END) + len(PG_END)]


def machine() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or "unknown"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{os.cpu_count()} CPUs (nproc), {model}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; load average at the "
        f"end {load}"
    )


def run(sizes: list[int], runs: int, use_hyperfine: bool) -> tuple[list[dict], str]:
    timer = time_hyperfine if use_hyperfine else time_loop
    results = []
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder, "config")
        config.mkdir()
        for size in sizes:
            db = database(size)
            copy = Path(folder, f"write-{label(size)}.db")
            shutil.copyfile(db, copy)
            for target in (db, copy):  # a pending migration or stale deadlines: once, untimed
                subprocess.run(
                    [STRATEGY, "due", "--json"],
                    env=environment(target, config),
                    stdout=subprocess.DEVNULL,
                    check=True,
                )
            for name, argv, target in commands(size, db, copy):
                env = environment(target, config)
                if name == "strategy --help" and size != sizes[0]:
                    continue  # opens no database: measured once
                times = timer(argv, env, runs)
                results.append(
                    {
                        "command": name,
                        "size": "-" if name == "strategy --help" else label(size),
                        "median_ms": statistics.median(times),
                        "min_ms": min(times),
                        "peak_mib": peak_mib(argv, env),
                        "runs": len(times),
                    }
                )
                print(f"{label(size):>5} {name:40} {results[-1]['median_ms']:8.1f} ms", file=sys.stderr)
    return results, ("hyperfine " + hyperfine_version()) if use_hyperfine else f"own loop, {runs} runs"


def hyperfine_version() -> str:
    done = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True)
    return done.stdout.strip().split()[-1]


def table(results: list[dict]) -> str:
    floors = {r["size"]: r["median_ms"] for r in results if r["command"].startswith("floor: argparse")}
    lines = [
        "| command | size | median ms | min ms | × floor | peak MiB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        floor = floors.get(r["size"]) or floors.get("100k") or next(iter(floors.values()))
        lines.append(
            f"| `{r['command']}` | {r['size']} | {r['median_ms']:.0f} | {r['min_ms']:.0f} | "
            f"{r['median_ms'] / floor:.2f} | {r['peak_mib']:.1f} |"
        )
    return "\n".join(lines)


def targets(results: list[dict]) -> list[tuple[str, bool, str]]:
    """Each target as (key for ``WHY``, met, the line with the measured figure)."""

    def get(command: str, size: str) -> dict:
        return next(r for r in results if r["command"] == command and r["size"] == size)

    lines = []

    def verdict(key: str, ok: bool, text: str) -> None:
        lines.append((key, ok, f"- {'met' if ok else '**missed**'}: {text}"))

    big = "100k"
    floor = get("floor: argparse+sqlite3 (floor.py)", big)["median_ms"]
    help_ms = get("strategy --help", "-")["median_ms"]
    verdict("help", help_ms <= 200, f"`strategy --help` ≤ 200 ms: {help_ms:.0f} ms")
    for command in ("strategy due --json", "strategy show REF --json", "strategy list --json"):
        ms, least = get(command, big)["median_ms"], get(command, big)["min_ms"]
        ok = ms <= 150 and ms <= 3 * floor
        noisy = (
            f" (min {least:.0f} ms meets it: other load)" if not ok and least <= min(150, 3 * floor) else ""
        )
        verdict(
            "json",
            ok,
            f"`{command[9:]}` at 100k ≤ 150 ms and ≤ 3× the floor ({floor:.0f} ms): "
            f"{ms:.0f} ms ({ms / floor:.2f}×){noisy}",
        )
    small_due = get("strategy due (table)", "1k")["median_ms"]
    big_due = get("strategy due (table)", big)["median_ms"]
    verdict(
        "scale",
        big_due <= 1.2 * small_due,
        f"`due` at 100k within 1.2× of `due` at 1k: {big_due:.0f} ms against {small_due:.0f} ms "
        f"({big_due / small_due:.2f}×)",
    )
    for command in ("strategy new --no-input", "strategy attend", "strategy decide", "strategy record"):
        ms, least = get(command, big)["median_ms"], get(command, big)["min_ms"]
        noisy = f" (min {least:.0f} ms: the median was pushed up by other load)" if ms > 250 >= least else ""
        verdict("write", ms <= 250, f"`{command[9:]}` at 100k ≤ 250 ms: {ms:.0f} ms{noisy}")
    ms, least = (
        get("strategy export REF --format html", big)["median_ms"],
        get("strategy export REF --format html", big)["min_ms"],
    )
    noisy = f" (min {least:.0f} ms: the median was pushed up by other load)" if ms > 300 >= least else ""
    verdict("export", ms <= 300, f"`export REF --format html` at 100k ≤ 300 ms: {ms:.0f} ms{noisy}")
    mib = get("strategy due (table)", big)["peak_mib"]
    json_mib = get("strategy due --json", big)["peak_mib"]
    verdict(
        "memory",
        mib <= 60,
        f"peak memory of `due` at 100k ≤ 60 MiB: {mib:.1f} MiB (`due --json`: {json_mib:.1f} MiB)",
    )
    built = build_info(100_000)
    if built is None:
        lines.append(
            ("build", False, "- **not measured**: `make_db.py` 100k build ≤ 90 s (no 100k.db-build.json)")
        )
    else:
        verdict(
            "build",
            built["seconds"] <= 90,
            f"`make_db.py --discussions 100000` ≤ 90 s on {built['cpus']} CPUs: {built['seconds']:.1f} s "
            f"({built['jobs']} worker processes, load average {built['load_average'][0]:.1f} at the end, "
            f"{built['built_at']}); file {built['bytes'] / 2**20:,.0f} MiB ({built['bytes']:,} bytes)",
        )
    return lines


# Why a target is missed: facts measured on this machine, shown under the targets missed.
WHY = {
    "help": (
        "The top-level `--help` is printed from the command table with a few rich renderables, "
        "without Typer (Typer's rich help imports `rich.markdown` and `markdown_it`, about 80 ms, "
        "and converts every command); what is left is Python's start-up and `rich.console`. "
        "A miss here is a slow or busy machine: compare `python -c pass` in the same run."
    ),
    "json": (
        "Importing Typer 0.28 alone costs 40-60 ms here, a large part of a 150 ms budget that the "
        "floor (argparse and sqlite3) does not pay. The CLI now builds only the invoked command's "
        "module and avoids string annotations (Typer would resolve them with `get_type_hints`, "
        "importing every annotated type): that took `due --json` at 100k from about 400 ms to about "
        "185 ms; the rest is Typer and Click's start-up, which only leaving Typer would remove. "
        "The reads stay within 3× of the floor; against 150 ms, the machine matters: on this "
        "2-core machine the same floor has measured from 55 ms (quiet) to over 90 ms (busy), and "
        "`due --json` from 131 ms to over 200 ms with it."
    ),
    "scale": (
        "`due` reads the open discussions through the partial index, so its work should not grow "
        "with closed ones; a miss here is noise (compare the min column) or a query that scans."
    ),
    "write": (
        "A writing command pays the same Typer import as a read (40-60 ms for typer 0.28 here), "
        "plus its transaction: `BEGIN IMMEDIATE`, the audit entry chained to the last one, and "
        "recomputing the touched discussion's stored deadlines (profile and bank holidays read "
        "from the database). They sit close to the line, so other load decides it: across three "
        "runs on 2026-11-23 the miss moved from `record` (283 ms, min 170 ms) to `attend` (282 ms) "
        "while the other writes measured 170-250 ms."
    ),
    "export": (
        "`export --format html` imports Jinja2 and renders the record's template, on top of the "
        "Typer start-up (40-60 ms for typer 0.28 here) and the discussion's read."
    ),
    "memory": "Peak memory is mostly the interpreter, Typer, Click and rich, not the data read.",
    "build": (
        "`make_db.py` prepares chunks of discussions in one worker process per CPU while the "
        "parent chains the audit hashes and inserts; with fewer CPUs, or a loaded machine, the "
        "workers cannot keep up."
    ),
}

CHOICES = """\
## Choices

- **typer below 0.29.** Importing typer 0.28 costs 40-60 ms here; 0.29 depends on pydantic,
  which would add about 120 ms more to every command, more than the whole budget of a read.
- **sqlite-utils only for migrations.** Its `Migrations` creates and migrates the schema, but
  importing `sqlite_utils` costs about 100 ms, so it is imported only when a migration is
  pending; commands run on the plain `sqlite3` connection (`PRAGMA user_version` says whether a
  migration is due).
- **Stored deadlines.** Every writing command recomputes the touched discussion's deadlines and
  stores them (`deadline` rows, `discussion.discussion_due`, with the profile's fingerprint so
  a changed profile refreshes them once): `due` reads rows instead of loading every open
  discussion and running the rules over it.
- **Stored quoracy.** Whether a discussion is quorate is stored with its deadlines (once it no
  longer depends on today's date), so `list` reads one row per discussion instead of loading
  every open record and parsing its procedure profile (at 100k: about 320 ms before, within
  the floor's 3× after).
- **Bank holidays cached in the database.** Importing and building the `holidays` calendar costs
  more than a whole command; the dates of each year are computed once and stored in
  `bank_holidays`, after which they are one small row away.
- **A partial index of open discussions** (`discussion_open ON discussion(id) WHERE status =
  'open'`): the board and `due` read only the open discussions, however many closed ones the
  file holds, which is why `due` at 100k costs what it costs at 1k.
"""


def _check_section(results: Path) -> str:
    """The section benchmarks/check.py wrote into the file, if any, and the sections written
    after it by hand (one-off measurements of past issues): kept across a rewrite."""
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    begin, end = "<!-- check:begin -->", "<!-- check:end -->"
    if begin not in text or end not in text:
        return ""
    return "\n" + text[text.index(begin) :].rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time strategy's commands as whole processes.")
    parser.add_argument(
        "--runs", type=int, default=20, help="Timed runs per command (at least 10; 20 steadies the medians)."
    )
    parser.add_argument("--sizes", default="1000,100000", help="Database sizes, comma-separated.")
    parser.add_argument("--no-hyperfine", action="store_true", help="Use the built-in loop even if found.")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md", help="Where to write the report.")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="Also time the reads on this PostgreSQL server beside SQLite (postgresql://USER@HOST/postgres: "
        "the login may create the databases bench_<size>).",
    )
    parser.add_argument(
        "--fresh-postgres",
        action="store_true",
        help="Drop the server's bench_<size> databases and copy again.",
    )
    parser.add_argument(
        "--postgres-only", action="store_true", help="Only the PostgreSQL comparison (keep the SQLite table)."
    )
    args = parser.parse_args(argv)
    runs = max(args.runs, 10)
    sizes = [int(size) for size in args.sizes.split(",")]
    if not Path(STRATEGY).exists():
        raise SystemExit(f"no strategy console script next to {PYTHON}: pip install -e . first")
    use_hyperfine = not args.no_hyperfine and shutil.which("hyperfine") is not None
    if args.postgres_only and not args.postgres:
        parser.error("--postgres-only needs --postgres URL")
    pg_section = _postgres_section(args.output)
    if args.postgres:
        facts = server_facts(args.postgres)
        pg_results, copies = run_postgres(sizes, runs, args.postgres, args.fresh_postgres)
        check = import_check(database(sizes[-1]), server_url(args.postgres, f"bench_{label(sizes[-1])}"))
        pg_section = postgres_section(pg_results, copies, check, facts, args.postgres, runs)
        print(postgres_table(pg_results))
        print(postgres_target(pg_results)[1])
        print("\n".join(import_lines(check)))
    if args.postgres_only:
        text = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if PG_BEGIN in text and PG_END in text:
            text = text[: text.index(PG_BEGIN)] + pg_section + text[text.index(PG_END) + len(PG_END) :]
        else:
            marker = "## Choices"
            at = text.index(marker) if marker in text else len(text)
            text = text[:at] + pg_section + "\n\n" + text[at:]
        args.output.write_text(text, encoding="utf-8")
        print(f"\nWrote {args.output}", file=sys.stderr)
        return 0
    results, method = run(sizes, runs, use_hyperfine)
    body = table(results)
    print(body)
    verdicts, why = ["(needs 1k and 100k)"], []
    if {"1k", "100k"} <= {r["size"] for r in results}:
        checked = targets(results)
        verdicts = [line for _, _, line in checked]
        missed = list(dict.fromkeys(key for key, ok, _ in checked if not ok))
        if missed:
            why = ["## Why the misses", ""]
            for key in missed:
                why += [WHY[key], ""]
    built = build_info(100_000)
    build_line = (
        f"Building 100k.db (`make_db.py`): {built['seconds']:.1f} s, {built['bytes'] / 2**20:,.0f} MiB."
        if built
        else "Building 100k.db: not recorded."
    )
    report = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Timing: {method}, median of {runs} runs after a warm-up; peak memory: the largest "
        "resident set of three runs (`getrusage(RUSAGE_CHILDREN)`). `× floor`: the median over "
        "`floor.py` (argparse, sqlite3 and json reading the same open deadlines) at the same size.",
        f"Databases: `make_db.py`, 1,000 and 100,000 discussions over ten years, {OPEN} open; "
        f"`STRATEGY_NOW={NOW}`. Writing commands run on a copy (it grows by one discussion per `new`).",
        build_line,
        "Reproduce: `python benchmarks/run.py` (hyperfine optional). With a load average above the "
        "number of CPUs, medians are noisy (the two floors at different sizes do the same work): "
        "compare the min column too.",
        "",
        body,
        "",
        "## Targets",
        "",
        *verdicts,
        "",
        *why,
        *([pg_section, ""] if pg_section else []),
        CHOICES,
    ]
    kept = _check_section(args.output)  # benchmarks/check.py's figures, measured on their own
    args.output.write_text("\n".join(report) + kept, encoding="utf-8")
    print(f"\nWrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
