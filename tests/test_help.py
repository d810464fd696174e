"""Help a new user can act on (an example on every command, placeholders that say what goes
there, the environment variables), and shell completion for bash, zsh, fish and PowerShell.

Help is checked through Typer's CliRunner; completion as a shell drives it: a real ``strategy``
process with the protocol's environment variables set, as the scripts set them.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer.main

from strategy_cli import demo
from strategy_cli.cli import COMMANDS, ENVIRONMENT, app, helptext
from strategy_cli.store import Store

PACKAGE = Path(__file__).resolve().parent.parent / "strategy_cli"


def every_command() -> list[tuple[str, object]]:
    """Every command and subcommand as Click builds it, by its path (``child add``)."""
    found = []

    def walk(command, path):
        for name, sub in getattr(command, "commands", {}).items():
            found.append((f"{path} {name}".strip(), sub))
            walk(sub, f"{path} {name}".strip())

    walk(typer.main.get_command(app), "")
    return found


COMMAND_PATHS = [path for path, _ in every_command()]


def test_every_command_and_subcommand_is_reached():
    assert set(COMMANDS) <= set(COMMAND_PATHS)
    assert {"child add", "child edit", "child remove", "action add", "action done", "action edit"} <= set(
        COMMAND_PATHS
    )
    assert {"procedures show", "procedures check", "procedures new", "procedures adopt"} <= set(COMMAND_PATHS)
    assert set(helptext.EXAMPLES) <= set(COMMAND_PATHS), "an example for a command that is not there"


def test_every_completer_and_variable_is_attached_to_a_parameter():
    """A "COMMAND --option" key with a typo would complete nothing, silently."""
    from strategy_cli.cli import suggest

    names = set()
    for path, command in every_command():
        for param in command.params:
            name = param.name if param.param_type_name == "argument" else param.opts[0]
            names |= {name, f"{path} {name}"}
    for table in (suggest.COMPLETERS, helptext.OPTION_ENVIRONMENT, helptext.COMMAND_ENVIRONMENT):
        assert set(table) - set(COMMAND_PATHS) <= names, sorted(set(table) - set(COMMAND_PATHS) - names)


@pytest.mark.parametrize("path", COMMAND_PATHS)
def test_every_command_shows_an_example(cli, path):
    command = dict(every_command())[path]
    examples = helptext.examples(path, list(getattr(command, "commands", {})))
    assert examples, f"`strategy {path}` has no example in cli/helptext.py"
    shown = cli.run(*path.split(), "--help").stdout
    assert "Examples:" in shown
    for example in examples:
        assert f"  {example}\n" in shown, f"`strategy {path} --help` does not show {example!r}"


@pytest.mark.parametrize("example", sorted({e for lines in helptext.EXAMPLES.values() for e in lines}))
def test_every_example_is_a_command_line_the_cli_parses(example):
    """Each example names a real command with options it has and the arguments it needs (the
    values themselves are checked when the command runs)."""
    words = shlex.split(example)
    assert words[0] == "strategy"
    root = typer.main.get_command(app)
    ctx = root.make_context("strategy", words[1:])
    path = []
    args = [*ctx._protected_args, *ctx.args]
    while args and hasattr(ctx.command, "commands"):
        name, command, args = ctx.command.resolve_command(ctx, args)
        path.append(name)
        ctx = command.make_context(name, args, parent=ctx)  # a UsageError fails the test
        args = [*ctx._protected_args, *ctx.args]
    assert not args, f"{example!r} leaves {args} unparsed"
    assert " ".join(path) in helptext.EXAMPLES or " ".join(path) in COMMANDS


# --- Placeholders ---------------------------------------------------------------------------

WORDS = {"REF", "WHEN", "DATE", "NAME", "TEXT", "ID", "FILE", "N", "KIND", "EVENT", "FORMAT"}
WORDS |= {"AUDIENCE", "DURATION", "LANGUAGE", "HEAD", "SHELL", "NUMBER", "DATABASE"}


def test_every_value_has_a_placeholder_chosen_for_it():
    """Each option that takes a value, and each argument, has its word in the table (a new one
    must choose: the fallback by type would say TEXT where a better word may exist)."""
    root = typer.main.get_command(app)
    unnamed = []
    for path, command in [("", root), *every_command()]:
        for param in command.params:
            if getattr(param, "is_flag", False):
                continue
            name = param.name if param.param_type_name == "argument" else param.opts[0]
            if helptext.lookup(helptext.PLACEHOLDERS, path, name) is None and param.metavar is None:
                unnamed.append(f"{path} {name}")
            assert param.metavar in WORDS, (path, name, param.metavar)
    assert not unnamed, f"add these to PLACEHOLDERS in cli/helptext.py: {unnamed}"


@pytest.mark.parametrize("path", COMMAND_PATHS)
def test_no_help_shows_click_or_typer_placeholders(cli, path):
    shown = cli.run(*path.split(), "--help").stdout
    assert not re.search(r"<\w+>", shown), shown  # <str>, <path>, <int>
    assert not re.search(r"\{\w+\}", shown), shown  # Typer's {reference} in the usage line
    assert not re.search(r"--[\w-]+ TEXT\b", shown) or path in TEXT_OPTIONS, shown


# The commands whose options hold free text (a summary, a reason, a rationale, a task, a role).
TEXT_OPTIONS = {
    "new",
    "edit",
    "attend",
    "decide",
    "record",
    "close",
    "reopen",
    "child remove",
    "action remove",
}
TEXT_OPTIONS |= {"action add", "action edit", "procedures adopt"}
TEXT_OPTIONS |= {"disagreement add", "disagreement escalate", "disagreement resolve"}
TEXT_OPTIONS |= {"family remove"}
TEXT_OPTIONS |= {"export"}  # export --contact


@pytest.mark.parametrize(
    "args, expected",
    [
        (["show"], "Usage: strategy show [OPTIONS] REF\n"),
        (["child", "edit"], "Usage: strategy child edit [OPTIONS] REF NAME\n"),
        (["action", "done"], "Usage: strategy action done [OPTIONS] REF N\n"),
        (["record"], "Usage: strategy record [OPTIONS] REF EVENT\n"),
        (["new"], "--concern-at WHEN"),
        (["new"], "--dob DATE"),
        (["new"], "--child NAME"),
        (["new"], "--follows REF"),
        (["decide"], "--further-by WHEN"),
        (["attend"], "--agency ID"),
        (["due"], "--kind KIND"),
        (["due"], "--within DURATION"),
        (["export"], "--output FILE"),
        (["backup"], "Usage: strategy backup [OPTIONS] FILE\n"),
        (["child"], "Usage: strategy child [OPTIONS] COMMAND [ARGS]...\n"),
    ],
)
def test_placeholders_say_what_goes_there(cli, args, expected):
    assert expected in cli.run(*args, "--help").stdout


# --- The environment ------------------------------------------------------------------------


def test_every_environment_variable_the_code_reads_is_documented():
    read = set()
    for source in PACKAGE.rglob("*.py"):
        read |= set(re.findall(r"\bSTRATEGY_[A-Z_]+\b", source.read_text(encoding="utf-8")))
    assert read, "the search found nothing: the test is broken"
    assert read <= set(ENVIRONMENT), (
        f"not in ENVIRONMENT (cli/__init__.py): {sorted(read - set(ENVIRONMENT))}"
    )


def test_the_overview_lists_the_environment(proc):
    shown = proc.run("--help", env={"COLUMNS": "120"}).stdout
    assert "Environment:" in shown
    for name, text in ENVIRONMENT.items():
        assert f"  {name}" in shown and " ".join(text.split()[:4]) in shown, name


def test_a_command_names_the_variables_it_reads(cli):
    shown = cli.run("new", "--help").stdout
    assert "[env var: STRATEGY_PROCEDURE]" in " ".join(shown.split())  # on --procedure itself
    assert "Environment:\n  STRATEGY_PROCEDURE" in shown
    assert "STRATEGY_BROWSER" in cli.run("export", "--help").stdout
    for path in COMMAND_PATHS:  # and every command says where the rest are
        assert "environment variables: strategy --help" in cli.run(*path.split(), "-h").stdout, path


def test_a_help_is_plain_text_readable_without_a_terminal(cli):
    shown = cli.run("new", "--help").stdout
    assert not set("╭│╰─") & set(shown)  # no panels
    assert max(len(line) for line in shown.splitlines() if not line.startswith("  strategy ")) <= 80


# --- Completion scripts ---------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_completion_prints_a_script_for_each_shell(cli, shell):
    script = cli.run("completion", shell).stdout
    protocol = '$Env:_STRATEGY_COMPLETE = "complete_powershell"' if shell == "powershell" else ""
    assert (protocol or f"_STRATEGY_COMPLETE=complete_{shell}") in script
    checks = {
        "bash": "complete -o default -F _strategy_completion strategy",
        "zsh": "compdef _strategy_completion strategy",
        "fish": "complete --command strategy",
        "powershell": "Register-ArgumentCompleter -Native -CommandName strategy",
    }
    assert checks[shell] in script
    assert "Set-PSReadLineKeyHandler" not in script  # the user's Tab key is left alone
    if shutil.which(shell if shell != "powershell" else "pwsh"):
        check = {
            "bash": ["bash", "-n"],
            "zsh": ["zsh", "-n"],
            "fish": ["fish", "--no-execute"],
            "powershell": [
                "pwsh",
                "-NoProfile",
                "-Command",
                "[ScriptBlock]::Create((Get-Content -Raw $args[0])) | Out-Null",
            ],
        }[shell]
        path = Path(cli.db).parent / f"completion.{shell}"
        path.write_text(script)
        done = subprocess.run([*check, str(path)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr


def test_completion_of_pwsh_is_powershell_and_other_shells_are_refused(cli):
    assert cli.run("completion", "pwsh").stdout == cli.run("completion", "powershell").stdout
    refused = cli.run("completion", "tcsh", expect=2)
    assert "'tcsh' is not one of bash, zsh, fish, powershell" in refused.output


def test_completion_help_says_how_to_install_it(cli):
    shown = cli.run("completion", "--help").stdout
    assert 'eval "$(strategy completion bash)"' in shown
    assert "~/.config/fish/completions/strategy.fish" in shown
    assert "Invoke-Expression" in shown and "compinit" in shown


# --- Completion results, through the protocol a shell uses ---------------------------------

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("completion") / "strategy.db"
    store = Store(path)
    try:
        demo.fill(store, NOW, "test.user")
    finally:
        store.close()
    return path


def complete(line: str, shell: str = "bash", db: Path | None = None, env: dict | None = None):
    """What ``shell`` is offered for ``line`` (the cursor at its end), as its script asks."""
    protocol = {"_STRATEGY_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        words = shlex.split(line) + ([""] if line.endswith(" ") else [])
        protocol.update(COMP_WORDS=" ".join(words), COMP_CWORD=str(len(words) - 1))
    else:
        protocol["_TYPER_COMPLETE_ARGS"] = line
        protocol["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
        if shell == "powershell":
            protocol["_TYPER_COMPLETE_WORD_TO_COMPLETE"] = "" if line.endswith(" ") else line.split()[-1]
    full = {k: v for k, v in os.environ.items() if not k.startswith(("STRATEGY_", "_STRATEGY"))}
    full.update(protocol, STRATEGY_NOW=NOW.isoformat(), **(env or {}))
    if db is not None:
        full["STRATEGY_DB"] = str(db)
    done = subprocess.run(
        [sys.executable, "-m", "strategy_cli"], env=full, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
    return done.stdout


def test_completes_a_command_name():
    assert complete("strategy sh").split() == ["show"]
    assert {"new", "due", "completion", "procedures"} <= set(complete("strategy ").split())


def test_completes_a_subcommand_and_an_option():
    assert complete("strategy child ").split() == ["add", "edit", "remove"]
    assert complete("strategy attend SD-2026-0001 --ag").split() == ["--agency"]
    assert "--within" in complete("strategy due --").split()


def test_completes_references_from_the_database(database):
    offered = complete("strategy show ", db=database).split()
    assert {"SD-2026-0001", "SD-2026-0006"} <= set(offered)
    assert complete("strategy show SD-2026-00%", db=database).split() == []  # a wildcard is itself
    assert complete("strategy show sd-2026-0001", db=database).split() == ["SD-2026-0001"]
    assert "SD-2026-0001" in complete("strategy new --follows SD", db=database)
    with_db_option = complete(f"strategy --db {shlex.quote(str(database))} show SD-2026-000")
    assert "SD-2026-0001" in with_db_option.split()


def test_completes_action_numbers_of_the_discussion_named(database):
    reference = demo_reference_with_actions(database)
    assert complete(f"strategy action done {reference} ", db=database).split()[0] == "1"


def test_an_action_taken_back_is_not_offered(database, tmp_path):
    import shutil
    import sqlite3

    copy = tmp_path / "copy.db"
    shutil.copy(database, copy)
    reference = demo_reference_with_actions(copy)
    with sqlite3.connect(copy) as conn:  # as `action remove` leaves it: the row kept, marked
        conn.execute(
            "UPDATE action SET removed_at = '2026-11-23T09:00:00+00:00' WHERE number = 1 AND discussion_id = "
            "(SELECT id FROM discussion WHERE reference = ?)",
            (reference,),
        )
    offered = complete(f"strategy action done {reference} ", db=copy).split()
    assert "1" not in offered and offered  # the others still are


def demo_reference_with_actions(database: Path) -> str:
    import sqlite3

    conn = sqlite3.connect(database)
    try:
        return conn.execute(
            "SELECT reference FROM discussion JOIN action ON action.discussion_id = discussion.id LIMIT 1"
        ).fetchone()[0]
    finally:
        conn.close()


def test_completes_ids_from_the_domain_and_the_profiles(tmp_path):
    assert complete("strategy attend SD-2026-0001 --agency po").split() == ["police"]
    assert complete("strategy attend SD-2026-0001 --agency LA").split() == ["lado"]
    assert "serious-harm" in complete("strategy new --category se").split()
    assert complete("strategy new --procedure hamp").split() == ["hampshire"]
    assert complete("strategy record SD-2026-0001 child").split() == ["child-seen"]
    assert complete("strategy due --kind ic").split() == ["icpc"]
    assert complete("strategy held SD-2026-0001 --format vi").split() == ["virtual"]
    assert complete("strategy export SD-2026-0001 --audience f").split() == ["family"]
    assert complete("strategy completion po").split() == ["powershell"]


def test_completion_of_a_profiles_own_ids(tmp_path):
    """A partnership's own profile (in the user's procedures folder) is completed too."""
    folder = tmp_path / "config" / "strategy" / "procedures"
    folder.mkdir(parents=True)
    source = (PACKAGE / "procedures" / "hampshire.toml").read_text(encoding="utf-8")
    (folder / "localshire.toml").write_text(source, encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    assert complete("strategy new --procedure loc", env=env).split() == ["localshire"]


def test_a_missing_or_foreign_database_means_no_suggestions_and_no_file(tmp_path):
    missing = tmp_path / "typo" / "nothere.db"
    assert complete("strategy show ", db=missing).split() == []
    assert not missing.exists() and not missing.parent.exists()
    garbage = tmp_path / "notes.db"
    garbage.write_bytes(b"not a database at all" * 100)
    assert complete("strategy show ", db=garbage).split() == []
    assert garbage.read_bytes() == b"not a database at all" * 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


@pytest.mark.parametrize(
    "shell, expected",
    [
        ("zsh", '"SD-2026-0001":"open"'),
        ("fish", "SD-2026-0001\topen"),
        ("powershell", "SD-2026-0001:::open"),
    ],
)
def test_each_shells_protocol_completes_references(database, shell, expected):
    assert expected in complete("strategy show SD-2026-000", shell=shell, db=database)
    assert "police" in complete("strategy attend SD-2026-0001 --agency po", shell=shell)


STRATEGY = Path(sys.executable).parent / "strategy"


@pytest.mark.skipif(
    not STRATEGY.exists() or not shutil.which("bash"), reason="needs bash and the console script"
)
def test_bash_completes_through_its_script(cli, database, tmp_path):
    """The script as bash sources it, its function called as bash calls it on a Tab press."""
    script = tmp_path / "strategy.bash"
    script.write_text(cli.run("completion", "bash").stdout)
    line = (
        f"source {shlex.quote(str(script))}; "
        "COMP_WORDS=(strategy show SD-2026-000); COMP_CWORD=2; _strategy_completion strategy; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    env = {
        **os.environ,
        "PATH": f"{STRATEGY.parent}{os.pathsep}{os.environ['PATH']}",
        "STRATEGY_DB": str(database),
    }
    done = subprocess.run(["bash", "--norc", "-c", line], env=env, capture_output=True, text=True, timeout=60)
    assert "SD-2026-0001" in done.stdout.split(), done.stdout + done.stderr


@pytest.mark.skipif(
    not STRATEGY.exists() or not shutil.which("fish"), reason="needs fish and the console script"
)
def test_fish_completes_through_its_script(cli, database, tmp_path):
    script = tmp_path / "strategy.fish"
    script.write_text(cli.run("completion", "fish").stdout)
    line = f"source {shlex.quote(str(script))}; complete -C 'strategy attend SD-2026-0001 --agency po'"
    env = {
        **os.environ,
        "PATH": f"{STRATEGY.parent}{os.pathsep}{os.environ['PATH']}",
        "STRATEGY_DB": str(database),
    }
    done = subprocess.run(
        ["fish", "--no-config", "-c", line], env=env, capture_output=True, text=True, timeout=60
    )
    assert "police\tPolice" in done.stdout.splitlines(), done.stdout + done.stderr


@pytest.mark.parametrize(
    "stray", [{}, {"COMP_WORDS": "strategy sh", "COMP_CWORD": "x"}], ids=["no words", "bad index"]
)
def test_a_completion_variable_exported_by_mistake_offers_nothing_and_no_traceback(stray):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRATEGY_", "_STRATEGY", "COMP_"))}
    done = subprocess.run(
        [sys.executable, "-m", "strategy_cli"],
        env={**env, "_STRATEGY_COMPLETE": "complete_bash", **stray},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr, done.stderr


def test_clicks_own_instructions_work_too(database):
    """``eval "$(_STRATEGY_COMPLETE=bash_source strategy)"``, as Click's documentation has it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRATEGY_", "_STRATEGY"))}
    for shell in ("bash", "zsh", "fish", "powershell"):
        done = subprocess.run(
            [sys.executable, "-m", "strategy_cli"],
            env={**env, "_STRATEGY_COMPLETE": f"{shell}_source"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0 and "_STRATEGY_COMPLETE" in done.stdout, done.stderr
    words = {"COMP_WORDS": "strategy show SD-2026-000", "COMP_CWORD": "2"}
    assert "SD-2026-0001" in complete(
        "strategy show SD-2026-000", db=database, env={"_STRATEGY_COMPLETE": "bash_complete", **words}
    )
