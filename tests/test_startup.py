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
from strategy_cli.cli import COMMANDS
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
    """``strategy --help`` is printed from the command table with the standard library: no
    Typer, and not rich (whose console alone costs about 60 ms)."""
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
    unwanted = loaded & {"typer", "click", "markdown_it", "rich"}
    assert not unwanted, sorted(unwanted)


# Runs ``strategy`` as the console script does (run(), with its lazy building), then reports
# the exit code and every module imported.
RUN_PROBE = """
import json, sys
sys.argv = ['strategy', *sys.argv[1:]]
from strategy_cli.cli import run
code = 0
try:
    run()
except SystemExit as exit:
    code = exit.code or 0
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""


def run_probe(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, set[str]]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("STRATEGY_", "_STRATEGY"))}
    full.update(env or {})
    done = subprocess.run(
        [sys.executable, "-c", RUN_PROBE, *args], env=full, capture_output=True, text=True, timeout=60
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("PROBE ")]
    assert lines, f"the probe did not finish: {done.stderr[-2000:]}"
    report = json.loads(lines[-1][len("PROBE ") :])
    assert report["code"] == 0, done.stderr[-2000:]
    return done, set(report["modules"])


# One command of each module of cli/ (COMMANDS): its help builds that module and nothing heavy.
@pytest.mark.parametrize(
    "command", ["new", "attend", "checklist", "due", "export", "procedures", "completion"]
)
def test_a_commands_help_imports_no_rich(command):
    """``COMMAND --help`` is Click's plain help: not Typer's rich one, whose ``rich.markdown``
    and panels cost more than the rest of the help together (benchmarks/help.py)."""
    done, loaded = run_probe(command, "--help")
    assert "Examples:" in done.stdout
    heavy = {name.split(".")[0] for name in loaded} & {"rich", "markdown_it", *HEAVY}
    assert not heavy, f"`strategy {command} --help` imported {sorted(heavy)}"


# The modules that hold commands, but `completion`'s, which answers every completion request.
COMMAND_MODULES = {f"strategy_cli.cli.{module}" for module, _ in COMMANDS.values()} - {
    "strategy_cli.cli.completion"
}


def completion_modules(line: str, database: Path) -> set[str]:
    words = line.split() + ([""] if line.endswith(" ") else [])
    env = {
        "_STRATEGY_COMPLETE": "complete_bash",
        "COMP_WORDS": " ".join(words),
        "COMP_CWORD": str(len(words) - 1),
        "STRATEGY_DB": str(database),
    }
    done, loaded = run_probe(env=env)
    assert done.stdout.strip(), "nothing was offered"
    return {name for name in loaded if name.startswith("strategy_cli.cli.")}


def test_completing_a_command_name_imports_no_command_module(database):
    path, _ = database
    loaded = completion_modules("strategy sh", path)
    assert not loaded & COMMAND_MODULES, sorted(loaded)


def test_completing_a_commands_values_builds_only_its_module(database):
    path, _ = database
    loaded = completion_modules("strategy attend ", path)  # references, from the database
    assert "strategy_cli.cli.meeting" in loaded
    # meeting.py imports discussion.py (the views it prints); nothing else is built.
    others = COMMAND_MODULES - {"strategy_cli.cli.meeting", "strategy_cli.cli.discussion"}
    assert not loaded & others, sorted(loaded & others)
