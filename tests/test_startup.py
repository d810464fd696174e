"""Start-up is a feature: the JSON reads must not import the heavy libraries.

Not timed (timings belong to benchmarks/run.py): each test runs a command in a fresh Python
process against a small temporary database and looks at ``sys.modules`` when it ends. If one
fails, ``python -X importtime -m strategy_cli due --json`` shows who imports the library.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from strategy_cli import demo
from strategy_cli.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HEAVY = ("questionary", "jinja2", "pydantic", "sqlite_utils", "rich")

# Runs the CLI in-process, then reports the exit code and the top-level modules imported.
PROBE = """
import json, sys
from strategy_cli.cli import app
code = 0
try:
    app(args=sys.argv[1:], prog_name="strategy")
except SystemExit as exit:
    code = exit.code or 0
modules = sorted({name.split(".")[0] for name in sys.modules})
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "modules": modules}) + "\\n")
"""


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("startup") / "strategy.db"
    store = Store(path)
    try:
        references = demo.fill(store, NOW, "test.user")
    finally:
        store.close()
    return path, references[1]  # held, decided, with actions: a full record


def imported(database: Path, *args: str) -> set[str]:
    env = dict(os.environ)
    env.update(STRATEGY_DB=str(database), STRATEGY_NOW=NOW.isoformat(), STRATEGY_USER="test.user")
    env.pop("STRATEGY_PROCEDURE", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=60
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("PROBE ")]
    assert lines, f"the probe did not finish: {done.stderr[-2000:]}"
    report = json.loads(lines[-1][len("PROBE ") :])
    assert report["code"] == 0, done.stderr[-2000:]
    assert done.stdout.strip(), "the command printed nothing"
    json.loads(done.stdout)  # and what it printed is one JSON document
    return set(report["modules"])


@pytest.mark.parametrize("command", ["due", "show", "list"])
def test_json_reads_do_not_import_heavy_libraries(database, command):
    path, reference = database
    args = {"due": ("due",), "show": ("show", reference), "list": ("list",)}[command] + ("--json",)
    loaded = imported(path, *args)
    assert not loaded & set(HEAVY), (
        f"`strategy {' '.join(args)}` imported {sorted(loaded & set(HEAVY))}; "
        "find out why with: python -X importtime -m strategy_cli " + " ".join(args)
    )


def test_the_overview_does_not_build_typer():
    """``strategy --help`` is printed from the command table: no Typer, and not Typer's rich
    help with its ``rich.markdown`` (which alone costs about 80 ms)."""
    probe = (
        "import json, sys\n"
        "sys.argv = ['strategy', '--help']\n"
        "from strategy_cli.cli import run\n"
        "try:\n"
        "    run()\n"
        "except SystemExit as exit:\n"
        "    code = exit.code or 0\n"
        "sys.stderr.write('\\nPROBE ' + json.dumps({'code': code, 'modules': sorted(sys.modules)}) + '\\n')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    report = json.loads(done.stderr.strip().splitlines()[-1][len("PROBE ") :])
    assert report["code"] == 0
    assert "Commands" in done.stdout and "checklist" in done.stdout
    loaded = {name.split(".")[0] for name in report["modules"]}
    assert not loaded & {"typer", "click", "markdown_it"}, sorted(loaded & {"typer", "click", "markdown_it"})
