"""Time ``strategy COMMAND --help`` for every command, against a limit (200 ms by default).

    python benchmarks/help.py [--runs 10] [--limit 200] [--strategy "python -m strategy_cli"]

Each help runs as a whole process, start-up included, ``--runs`` times after one warm-up (which
also writes the bytecode caches, as an installed package has them), the helps taking turns; the
median is what counts,
with the fastest run and the median CPU time (user + system, from ``getrusage``) beside it, since
on a shared machine other load lengthens the wall clock but hardly the CPU time. Standard library
only. Exits 1 when any median is over the limit.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

try:
    import resource
except ImportError:  # Windows: no CPU times, the wall clock only
    resource = None  # type: ignore[assignment]

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from strategy_cli.cli import COMMANDS  # noqa: E402 - the table alone: no Typer, nothing heavy


def default_strategy() -> list[str]:
    """The console script beside this Python, else the module."""
    script = Path(sys.executable).parent / ("strategy.exe" if os.name == "nt" else "strategy")
    return [str(script)] if script.exists() else [sys.executable, "-m", "strategy_cli"]


def cpu_seconds() -> float:
    """User and system time of the finished child processes so far."""
    if resource is None:
        return 0.0
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_once(strategy: list[str], args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """One ``--help`` as a whole process: its wall and CPU time in milliseconds."""
    cpu = cpu_seconds()
    start = time.perf_counter()
    done = subprocess.run([*strategy, *args, "--help"], env=env, capture_output=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"strategy {' '.join(args)} --help failed: {done.stderr.decode(errors='replace')}")
    return wall * 1000, (cpu_seconds() - cpu) * 1000


def time_helps(strategy: list[str], helps: list[list[str]], runs: int, env: dict[str, str]) -> list[tuple]:
    """Median and fastest wall time and median CPU time of each help, in milliseconds. The
    helps take turns, a round at a time, so a burst of other load falls on all of them alike."""
    for args in helps:  # the warm-up: bytecode caches written, files in the page cache
        run_once(strategy, args, env)
    walls: list[list[float]] = [[] for _ in helps]
    cpus: list[list[float]] = [[] for _ in helps]
    for _ in range(runs):
        for index, args in enumerate(helps):
            wall, cpu = run_once(strategy, args, env)
            walls[index].append(wall)
            cpus[index].append(cpu)
    return [
        (statistics.median(wall), min(wall), statistics.median(cpu))
        for wall, cpu in zip(walls, cpus, strict=True)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--limit", type=float, default=200.0, help="milliseconds, for every median")
    parser.add_argument("--strategy", help="how to run strategy (default: the console script)")
    options = parser.parse_args()
    strategy = shlex.split(options.strategy) if options.strategy else default_strategy()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "", "COLUMNS": "100"}
    env.pop("_STRATEGY_COMPLETE", None)

    print(
        f"`{' '.join(strategy)} COMMAND --help`, {options.runs} runs each after a warm-up; limit {options.limit:.0f} ms."
    )
    try:
        print(
            f"Load average: {', '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs."
        )
    except OSError:
        pass
    print()
    print("| help | median ms | min ms | CPU ms |")
    print("|---|---:|---:|---:|")
    helps = [[], *([command] for command in COMMANDS)]
    over = []
    for args, (median, fastest, cpu) in zip(
        helps, time_helps(strategy, helps, options.runs, env), strict=True
    ):
        name = f"strategy {' '.join(args)} --help".replace("  ", " ")
        print(f"| `{name}` | {median:.0f} | {fastest:.0f} | {cpu:.0f} |")
        if median > options.limit:
            over.append(f"{name}: {median:.0f} ms")
    print()
    if over:
        print(f"Over {options.limit:.0f} ms: " + "; ".join(over))
        return 1
    print(f"Every median within {options.limit:.0f} ms.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
