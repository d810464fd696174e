"""Time ``strategy check`` and ``strategy check --quick`` on the 100,000-discussion database.

    python benchmarks/check.py [--runs 3] [--quick-runs 10]

Uses ``benchmarks/100k.db`` (built by ``run.py`` or ``make_db.py`` when missing), times each
command as a whole process with its own loop (one warm-up, then the runs; median reported),
and writes the result into ``benchmarks/RESULTS.md`` between the markers ``run.py`` keeps when
it rewrites the file. The full check reads every discussion and rehashes the whole audit trail
(about two million entries at 100k): it takes its time, so three runs are the default.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import HERE, NOW, STRATEGY, database, machine  # noqa: E402

BEGIN, END = "<!-- check:begin -->", "<!-- check:end -->"
FULL_TARGET, QUICK_TARGET = 30.0, 3.0  # seconds at 100k (issue 13)


def timed(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)  # warm-up (and a verdict)
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
        seconds.append(time.perf_counter() - start)
    return seconds


def section(full: list[float], quick: list[float]) -> str:
    def verdict(name: str, found: list[float], target: float) -> str:
        median = statistics.median(found)
        mark = "met" if median <= target else "**missed**"
        return f"- {mark}: `strategy {name}` at 100k ≤ {target:.0f} s: {median:.1f} s (min {min(found):.1f} s, {len(found)} runs)"

    return "\n".join(
        [
            BEGIN,
            "## `strategy check` at 100k",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}. Reproduce: `python benchmarks/check.py`.",
            "",
            verdict("check", full, FULL_TARGET),
            verdict("check --quick", quick, QUICK_TARGET),
            "",
            "The full check reads every discussion (its values, reference, derived facts and the replay of",
            "its audit trail) and rehashes the whole chain, in worker processes over spans of ids, one per",
            "CPU. `--quick` runs SQLite's quick check of the tables the board reads, the schema, the newest",
            "1,000 audit entries and every open discussion.",
            END,
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Timed runs of the full check.")
    parser.add_argument("--quick-runs", type=int, default=10, help="Timed runs of check --quick.")
    args = parser.parse_args(argv)
    db = database(100_000)
    env = {**os.environ, "STRATEGY_DB": str(db), "STRATEGY_NOW": NOW, "STRATEGY_USER": "bench"}
    quick = timed([STRATEGY, "check", "--quick"], env, args.quick_runs)
    full = timed([STRATEGY, "check"], env, args.runs)
    text = section(full, quick)
    print(text)
    results = HERE / "RESULTS.md"
    existing = results.read_text(encoding="utf-8") if results.exists() else ""
    if BEGIN in existing:
        existing = existing[: existing.index(BEGIN)] + existing[existing.index(END) + len(END) :].lstrip("\n")
    results.write_text(existing.rstrip("\n") + "\n\n" + text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
