"""The foundation end to end: new/list/show, where the procedure and database come from,
errors, privacy of the file, procedures, demo and version."""

import os
import stat
import sys

import pytest
from support import AVA

from strategy_cli import __version__, settings


@pytest.fixture(autouse=True)
def fresh_settings_caches():
    """Settings cache the config file and profiles per process; tests change them."""
    settings.user_config.cache_clear()
    settings.clear_profile_caches()
    yield
    settings.user_config.cache_clear()
    settings.clear_profile_caches()


def test_new_prints_when_and_why(proc):
    out = proc.run(
        "new", "--no-input", *AVA, "--procedure", "hampshire", "--concern-at", "2026-11-23T10:00"
    ).stdout
    assert "SD-2026-0001" in out
    assert "Tue 24 Nov 2026 10:00" in out
    assert "24 hours of the initial referral" in " ".join(out.split())


def test_new_json_shape(cli):
    shown = cli.json(
        "new",
        "--no-input",
        *AVA,
        "--child",
        "Noah Example",
        "--dob",
        "edd:2027-01-10",
        "--procedure",
        "west-midlands",
        "--category",
        "standard",
        "--category",
        "serious-harm",
        "--referrer",
        "Greenfield Primary",
        "--summary",
        "Bruise",
    )
    assert shown["reference"] == "SD-2026-0001"
    assert shown["categories"] == ["standard", "serious-harm"]
    assert [c["name"] for c in shown["children"]] == ["Ava Example", "Noah Example"]
    assert shown["children"][1]["edd"] == "2027-01-10"
    assert shown["status"] == "open" and shown["decision"] is None
    # Only the record's own questions are answered yet: by the record (no attendee, no child in
    # hospital), never by a second copy.
    assert shown["checklist"]["answers"] == {"core-agencies-present": False, "in-hospital": False}
    assert shown["checklist"]["answered"] == 2 and shown["checklist"]["total"] > 30
    assert shown["concern_at"] == "2026-11-23T09:00:00+00:00"  # default: now


def test_each_child_needs_its_dob(cli):
    result = cli.run(
        "new",
        "--no-input",
        "--child",
        "A",
        "--child",
        "B",
        "--dob",
        "2015-01-01",
        "--procedure",
        "hampshire",
        expect=2,
    )
    assert "--dob" in result.output


def test_procedure_from_environment_then_config(cli, tmp_path):
    assert "--procedure" in cli.run("new", "--no-input", *AVA, expect=2).output
    shown = cli.json("new", "--no-input", *AVA, env={"STRATEGY_PROCEDURE": "west-midlands"})
    assert shown["procedure"] == "west-midlands"
    config = tmp_path / "config" / "strategy"
    config.mkdir(parents=True)
    (config / "config.toml").write_text('procedure = "hampshire"\n')
    settings.user_config.cache_clear()
    assert cli.json("new", "--no-input", *AVA)["procedure"] == "hampshire"


def test_unknown_procedure_and_category_are_usage_errors(cli):
    assert "narnia" in cli.run("new", "--no-input", *AVA, "--procedure", "narnia", expect=2).output
    assert (
        "bad-thing"
        in cli.run(
            "new", "--no-input", *AVA, "--procedure", "hampshire", "--category", "bad-thing", expect=2
        ).output
    )


def test_the_hour_that_does_not_exist_is_refused(cli):
    result = cli.run(
        "new", "--no-input", *AVA, "--procedure", "hampshire", "--concern-at", "2026-03-29T01:30", expect=2
    )
    assert "2026-03-29T01:30" in result.output


def test_list_and_show(proc):
    ref = proc.new()
    listed = proc.json("list")
    assert listed[0]["reference"] == ref and listed[0]["quorate"] is False
    assert listed[0]["children"][0]["name"] == "Ava Example"
    human = proc.run("show", ref).stdout
    assert ref in human and "Not quorate: missing" in human and "Ava Example" in human


def test_database_from_option_env_and_private(tmp_path, proc):
    target = tmp_path / "private" / "folder" / "cases.db"
    proc.run("--db", str(target), "new", "--no-input", *AVA, "--procedure", "hampshire")
    assert target.exists()
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
        for suffix in ("-wal", "-shm"):
            sidecar = target.with_name(target.name + suffix)
            if sidecar.exists():
                assert stat.S_IMODE(sidecar.stat().st_mode) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="umask is POSIX")
def test_database_private_whatever_the_umask(tmp_path):
    import subprocess

    target = tmp_path / "loose.db"
    code = (
        "import os, sys; os.umask(0); from strategy_cli.cli import run; "
        f"sys.argv=['strategy','--db',{str(target)!r},'new','--no-input','--child','A','--dob','2015-01-01','--procedure','hampshire']; run()"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        env={**os.environ, "STRATEGY_NOW": "2026-11-23T09:00"},
    )
    for path in (target, target.with_name("loose.db-wal"), target.with_name("loose.db-shm")):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_version(cli):
    assert __version__ in cli.run("--version").output


def test_procedures_list_and_show(cli):
    listed = cli.json("procedures")
    assert {p["id"] for p in listed} >= {"hampshire", "west-midlands"}
    shown = cli.json("procedures", "show", "west-midlands")
    assert any(r["kind"] == "discussion" and r["timescale"] == "3 working days" for r in shown["deadlines"])
    assert shown["outcomes"]["joint"] == "Joint s47 enquiry and criminal investigation"
    human = cli.run("procedures", "show", "hampshire").output
    assert "24 hours" in human
    assert "narnia" in cli.run("procedures", "show", "narnia", expect=2).output


def test_a_broken_user_profile_is_named(cli, tmp_path):
    folder = tmp_path / "config" / "strategy" / "procedures"
    folder.mkdir(parents=True)
    (folder / "broken.toml").write_text(
        'id = "broken"\nname = "B"\nsource = "S"\n[quoracy]\nalways = ["army"]\n'
    )
    result = cli.run("procedures", "show", "broken", expect=1)
    assert "broken.toml" in result.output and "quoracy.always" in result.output


def test_demo_uses_its_own_database(proc, tmp_path):
    out = proc.run("demo", env={"STRATEGY_DB": ""})
    assert "OVERDUE" in out.stdout or "overdue" in out.stdout
    demo_db = tmp_path / "data" / "strategy" / "demo.db"
    assert demo_db.exists()
    assert not (tmp_path / "data" / "strategy" / "strategy.db").exists()
    listed = proc.json("--db", str(demo_db), "list", "--all")
    assert len(listed) >= 5 and any(d["status"] == "closed" for d in listed)


def test_an_unexpected_error_is_one_line_without_values_and_debug_shows_more(cli, monkeypatch):
    from strategy_cli.present import document as views

    def broken(*args, **kwargs):
        raise RuntimeError("secret child name Ava Example")

    ref = cli.new()
    monkeypatch.setattr(views, "discussion_json", broken)
    result = cli.run("show", ref, "--json", expect=1)
    assert "RuntimeError" in result.output and "Ava Example" not in result.output
    assert "Traceback" not in result.output
    debug = cli.run("--debug", "show", ref, "--json", expect=1)
    assert "Traceback" in debug.output


def test_free_text_from_a_file_keeps_names_out_of_history(cli, tmp_path):
    names = tmp_path / "child.txt"
    names.write_text("Ava Example\n")
    shown = cli.json(
        "new", "--no-input", "--child", f"@{names}", "--dob", "2015-03-02", "--procedure", "hampshire"
    )
    assert shown["children"][0]["name"] == "Ava Example"
    assert (
        "nothere"
        in cli.run(
            "new",
            "--no-input",
            "--child",
            "@nothere.txt",
            "--dob",
            "2015-03-02",
            "--procedure",
            "hampshire",
            expect=2,
        ).output
    )


def test_new_asks_in_a_terminal_for_what_it_was_not_given(cli, monkeypatch):
    from support import Scripted

    from strategy_cli import prompts
    from strategy_cli.cli import common

    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    script = Scripted(
        [
            "Ava Example",
            "31/02/2015",
            "2015-03-02",
            "",
            "west-midlands",
            "2026-11-23 10:00",
            ["serious-harm"],
            "no",  # not an allegation against staff
            "no",  # looked after
            "yes",  # in hospital
            "no",  # medical needs
            "Polish",  # an interpreter
            "Bruise",
            "",
        ]
    )
    monkeypatch.setattr(prompts, "PROMPTER", script)
    shown = cli.json("new")
    assert shown["children"][0] == {**shown["children"][0], "name": "Ava Example", "dob": "2015-03-02"}
    assert shown["procedure"] == "west-midlands" and shown["categories"] == ["serious-harm"]
    assert shown["concern_at"] == "2026-11-23T10:00:00+00:00"
    assert shown["deadlines"][0]["due_at"] == "2026-11-23T23:59:59+00:00"
    assert shown["summary"] == "Bruise" and shown["referrer"] is None
    ava = shown["children"][0]
    assert ava["in_hospital"] and ava["hospital_services"] and ava["interpreter"] == "Polish"
    assert not ava["looked_after"] and not ava["medical"]
    assert script.replies == []


def _testshire(tmp_path):
    from importlib import resources

    folder = tmp_path / "config" / "strategy" / "procedures"
    folder.mkdir(parents=True)
    builtin = (resources.files("strategy_cli") / "procedures" / "hampshire.toml").read_text()
    profile = folder / "testshire.toml"
    profile.write_text(builtin.replace('id = "hampshire"', 'id = "testshire"'))
    return profile


def test_an_edited_profile_changes_nothing_recorded_until_adopted(proc, tmp_path):
    """Each discussion keeps the profile version it was opened under; `adopt --apply` moves
    the open ones (audited), never the closed ones."""
    profile = _testshire(tmp_path)
    opened = ["new", "--no-input", *AVA, "--procedure", "testshire", "--concern-at", "2026-11-23T10:00"]
    ref = proc.json(*opened)["reference"]
    closed = proc.json(*opened)["reference"]
    proc.run("close", closed, "--reason", "Entered twice", "--force")
    profile.write_text(profile.read_text().replace("hours = 24\nrule", "hours = 48\nrule", 1))
    assert [i["due_at"] for i in proc.json("due") if i["kind"] == "discussion"] == [
        "2026-11-24T10:00:00+00:00"
    ]
    assert proc.json("show", ref)["discussion_due"] == "2026-11-24T10:00:00+00:00"
    dry = proc.json("procedures", "adopt", "testshire", "--json")
    assert [d["reference"] for d in dry["discussions"]] == [ref] and not dry["applied"]
    assert any(
        "Tue 24 Nov 2026 10:00 -> Wed 25 Nov 2026 10:00" in c for c in dry["discussions"][0]["changes"]
    )
    assert proc.json("show", ref)["discussion_due"] == "2026-11-24T10:00:00+00:00"
    refused = proc.run("procedures", "adopt", "testshire", "--apply", expect=2)
    assert "--reason" in refused.stderr
    proc.run("procedures", "adopt", "testshire", "--apply", "--reason", "Procedure revised")
    assert proc.json("show", ref)["discussion_due"] == "2026-11-25T10:00:00+00:00"
    assert proc.json("show", closed)["discussion_due"] == "2026-11-24T10:00:00+00:00"
    trail = proc.json("log", ref)
    assert trail[-1]["action"] == "procedure.adopt" and trail[-1]["detail"]["note"] == "Procedure revised"
    assert proc.json("procedures", "adopt", "testshire", "--json")["discussions"] == []
    proc.run("check")


def test_list_judges_quoracy_under_the_pinned_profile(proc, tmp_path):
    """Quoracy is stored with the deadlines and judged under the discussion's own version: an
    edited profile changes neither `list` nor `show` until the open discussion adopts it."""
    profile = _testshire(tmp_path)
    ref = proc.json("new", "--no-input", *AVA, "--procedure", "testshire")["reference"]
    for name, agency in (("Sam Social", "social-care"), ("Hana Health", "health"), ("Pat Police", "police")):
        proc.run("attend", ref, "--name", name, "--agency", agency)
    assert proc.json("list", "--all")[0]["quorate"] is True
    always = 'always = ["social-care", "health", "police"]'
    profile.write_text(
        profile.read_text().replace(always, always.replace('"police"', '"police", "education"'))
    )
    assert proc.json("list", "--all")[0]["quorate"] is True
    assert proc.json("show", ref)["quorate"] is True
    proc.run("procedures", "adopt", "testshire", "--apply", "--reason", "Education joins the quorum")
    assert proc.json("list", "--all")[0]["quorate"] is False
    assert proc.json("show", ref)["quorate"] is False


def test_a_run_builds_only_the_module_of_its_command():
    from strategy_cli.cli import COMMANDS, invoked_command
    from strategy_cli.cli.shell import build

    assert invoked_command(["--db", "x.db", "--by", "Sam", "due", "--json"]) == "due"
    assert invoked_command(["--debug", "child", "add"]) == "child"
    assert invoked_command(["--help"]) is None
    names = {c.name for c in build("due").registered_commands}
    assert names == {"due"}
    every = build()
    registered = {c.name for c in every.registered_commands} | {g.name for g in every.registered_groups}
    assert registered == set(COMMANDS)


@pytest.mark.parametrize(
    "arguments, overview",
    [
        ([], True),
        (["--help"], True),
        (["-h"], True),
        (["--db", "x.db", "--by", "Sam", "--debug", "--help"], True),
        (["--help", "due"], True),  # Typer's --help is eager: the whole app's help
        (["due", "--help"], False),  # the command's own help
        (["--version", "--help"], False),  # Typer prints the version first
        (["--db", "--help"], False),  # --db is missing its value: Typer says so
        (["--bogus", "--help"], False),  # Typer refuses the unknown option
        (["--db=x.db", "--help"], False),  # a form we do not parse: Typer does
        (["--db", "x.db"], False),  # no command: Typer's "Missing command"
    ],
)
def test_which_runs_get_the_overview(arguments, overview):
    from strategy_cli.cli import wants_overview

    assert wants_overview(arguments) is overview


def test_the_overview_lists_every_command_with_its_own_summary(proc):
    """``strategy --help`` is printed without Typer: it must say what Typer's help would."""
    import typer.main

    from strategy_cli.cli import COMMANDS, GLOBAL_OPTIONS, app

    root = typer.main.get_command(app)
    for name, command in root.commands.items():
        assert command.get_short_help_str(limit=200) == COMMANDS[name][1], name
    assert {option for p in root.params for option in p.opts} | {"-h, --help"} == set(GLOBAL_OPTIONS)
    shown = proc.run("--help", env={"COLUMNS": "200"}).stdout
    for name, (_, summary) in COMMANDS.items():
        assert f" {name} " in shown and summary in shown, name
    assert proc.run("--db", "x.db", "--help", env={"COLUMNS": "200"}).stdout == shown
    assert proc.run("-h", env={"COLUMNS": "200"}).stdout == shown
    assert "--within" in proc.run("due", "-h").stdout  # every command takes -h too
    bare = proc.run(expect=2, env={"COLUMNS": "200"})
    assert bare.stdout == shown


@pytest.mark.skipif(os.name != "posix", reason="a shell pipeline into head")
def test_a_closed_pipe_ends_quietly(proc):
    """``strategy due --help | head``: the reader goes away before the last write; that is no
    error worth a message (it was "unexpected BrokenPipeError" before)."""
    import shlex
    import subprocess

    strategy = f"{shlex.quote(sys.executable)} -m strategy_cli"
    for _ in range(5):  # "due --help" printed the error in 14 of 15 runs before the fix
        done = subprocess.run(
            f"{strategy} due --help | head -20 >/dev/null",
            shell=True,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **proc.env, "COLUMNS": "80"},
            timeout=60,
        )
        assert done.stderr == "", done.stderr


def test_unknown_command_is_a_usage_error(proc):
    assert "frobnicate" in proc.run("frobnicate", expect=2).stderr


@pytest.mark.skipif(os.name != "posix", reason="folder modes are POSIX")
def test_every_folder_created_for_the_database_is_private(tmp_path):
    import subprocess

    target = tmp_path / "a" / "b" / "cases.db"
    code = (
        "import os, sys; os.umask(0); from strategy_cli.cli import run; "
        f"sys.argv=['strategy','--db',{str(target)!r},'new','--no-input'] + {AVA!r}; run()"
    )
    env = {**os.environ, "STRATEGY_PROCEDURE": "hampshire", "STRATEGY_USER": "tester"}
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env)
    for folder in (tmp_path / "a", tmp_path / "a" / "b"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


@pytest.mark.parametrize("columns", [50, 80, 120])
def test_list_fits_the_terminal_and_always_says_whether_quorate(proc, columns):
    """Six columns need about 80 cells; narrower, each discussion is a short block, so the
    quoracy column is never cropped away."""
    from rich.cells import cell_len

    first = proc.new("--child", "测试 Example", "--dob", "2015-03-02", "--procedure", "west-midlands")
    second = proc.new()
    for name, agency in (("S", "social-care"), ("H", "health"), ("P", "police")):
        proc.run("attend", second, "--name", name, "--agency", agency)
    out = proc.run("list", env={"COLUMNS": str(columns)}).stdout
    lines = out.splitlines()
    assert max(cell_len(line.rstrip()) for line in lines) <= columns
    flat = " ".join(out.split())
    assert first in flat and second in flat and "测试 Example" in flat
    if columns >= 80:
        row = {line.split()[0]: line for line in lines if line.startswith("SD-")}
        assert row[first].rstrip().endswith("no") and row[second].rstrip().endswith("yes")
    else:
        assert f"{first} west-midlands NOT QUORATE" in flat and f"{second} hampshire quorate" in flat


def test_log_reads_at_any_width(proc):
    """An entry a block: when, who and what on one line, the change wrapped beneath it."""
    from rich.cells import cell_len

    ref = proc.new()
    proc.run("--by", "Team Manager A", "attend", ref, "--name", "Sam Social", "--agency", "social-care")
    for columns in (40, 100):
        out = proc.run("log", ref, env={"COLUMNS": str(columns)}).stdout
        assert max(cell_len(line) for line in out.splitlines()) <= columns
        assert f"Audit trail of {ref} (3 entries)" in out
        flat = " ".join(out.split())
        assert "Team Manager A attend" in flat and "name: 'Sam Social'" in flat


def test_log_never_crops_the_action_behind_a_long_name(proc):
    ref = proc.new()
    long_name = "Very Long Team Manager Name " * 3
    proc.run("--by", long_name, "child", "add", ref, "--name", "Ben Example", "--dob", "2016-01-01")
    out = proc.run("log", ref, env={"COLUMNS": "40"}).stdout
    assert "child.add" in out and "Very Long Team Manager" in out


def test_show_in_a_narrow_terminal_folds_words_instead_of_cutting_them(proc):
    ref = proc.new()
    proc.run("attend", ref, "--name", "Dr Pat Paeds", "--agency", "paediatrician", "--role", "Consultant")
    out = proc.run("show", ref, env={"COLUMNS": "50"}).stdout
    assert "…" not in out
    assert "Paediatri" in out and "cian" in out and "Consultant" in out
