"""Time whole ``strategy`` processes at 1,000 and 100,000 discussions, against two floors.

    python benchmarks/run.py [--runs 20] [--sizes 1000,100000] [--no-hyperfine]

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


def environment(db: Path, config: Path) -> dict[str, str]:
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
    """The section benchmarks/check.py wrote into the file, if any (kept across a rewrite)."""
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    begin, end = "<!-- check:begin -->", "<!-- check:end -->"
    if begin not in text or end not in text:
        return ""
    return "\n\n" + text[text.index(begin) : text.index(end) + len(end)] + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time strategy's commands as whole processes.")
    parser.add_argument(
        "--runs", type=int, default=20, help="Timed runs per command (at least 10; 20 steadies the medians)."
    )
    parser.add_argument("--sizes", default="1000,100000", help="Database sizes, comma-separated.")
    parser.add_argument("--no-hyperfine", action="store_true", help="Use the built-in loop even if found.")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md", help="Where to write the report.")
    args = parser.parse_args(argv)
    runs = max(args.runs, 10)
    sizes = [int(size) for size in args.sizes.split(",")]
    if not Path(STRATEGY).exists():
        raise SystemExit(f"no strategy console script next to {PYTHON}: pip install -e . first")
    use_hyperfine = not args.no_hyperfine and shutil.which("hyperfine") is not None
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
        CHOICES,
    ]
    kept = _check_section(args.output)  # benchmarks/check.py's figures, measured on their own
    args.output.write_text("\n".join(report) + kept, encoding="utf-8")
    print(f"\nWrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
