"""Output is UTF-8 whatever the console's code page (issue 16).

On Windows a redirected or piped stdout is cp1252: a child called Łucja, an Arabic name, or
the minutes' own "↳" used to end the command in "unexpected UnicodeEncodeError". Here the
code page is forced with ``PYTHONIOENCODING=cp1252`` and every command that prints user text
runs as a real process; what it prints must be UTF-8 and hold the name as typed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support import NOW, InProcess, Subprocess

LUCJA = "Łucja Nowak"
MARYAM = "مريم أحمد"  # right-to-left: the record may show it isolated, never lose it
BOTH = (LUCJA, MARYAM)
FOLDER = "Łucja's cases"  # a Windows user folder need not be ASCII either


def cp1252(proc: Subprocess, *args: str, env: dict | None = None) -> tuple[str, str]:
    """Run ``strategy`` with a cp1252 stdout and stderr (both redirected); their bytes decoded
    strictly as UTF-8."""
    done = subprocess.run(
        [sys.executable, "-m", "strategy_cli", *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **proc.env, **(env or {}), "PYTHONIOENCODING": "cp1252"},
        timeout=60,
    )
    stdout, stderr = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    assert done.returncode == 0, f"strategy {' '.join(args)} exited {done.returncode}\n{stdout}\n{stderr}"
    assert "Traceback" not in stdout + stderr
    return stdout, stderr


@pytest.fixture
def desk(tmp_path):
    """A discussion about Łucja and Maryam, with a Polish attendee and action, in a folder
    whose name is not ASCII."""
    cli, proc = InProcess(tmp_path), Subprocess(tmp_path)
    for runner in (cli, proc):
        runner.db = tmp_path / FOLDER / "test.db"
        runner.env["STRATEGY_DB"] = str(runner.db)
    ref = cli.new(
        *("--child", LUCJA, "--dob", "2015-03-02", "--child", MARYAM, "--dob", "2017-06-01"),
        *("--procedure", "hampshire", "--summary", f"{LUCJA} told her teacher"),
    )
    cli.run("attend", ref, "--name", "Zofia Łukasiewicz", "--agency", "police", "--role", "Sierżant")
    cli.run(
        "action",
        "add",
        ref,
        "--task",
        f"Visit {LUCJA}",
        "--owner",
        "Ewa Żak",
        "--agency",
        "education",
        "--due",
        "2026-11-30",
    )
    cli.run("procedures", "new", "ynys-mon", "--from", "hampshire", "--name", "Ynys Môn – Łódź")
    return proc, ref, tmp_path


# (the command, with REF and DIR to fill in; what its output must hold)
COMMANDS = [
    (["list"], BOTH),
    (["list", "--all", "--json"], BOTH),
    (["show", "REF"], BOTH),
    (["show", "REF", "--json"], BOTH),
    (["due"], BOTH),
    (["due", "--json"], BOTH),
    (["due", "--ics", "DIR/Łucja.ics"], ("Łucja.ics",)),
    (["export", "REF"], BOTH),
    (["export", "REF", "--format", "html"], BOTH),
    (["export", "REF", "--audience", "family"], (LUCJA,)),
    (["export", "REF", "--output", "DIR/Łucja minutes.md"], ("Łucja minutes.md",)),
    (["log", "REF"], (LUCJA, "Zofia Łukasiewicz")),
    (["child", "add", "REF", "--name", "Żaneta Nowak", "--dob", "2019-01-01"], ("Żaneta Nowak",)),
    (["child", "edit", "REF", LUCJA, "--interpreter", "Polish"], (LUCJA,)),
    (
        ["attend", "REF", "--name", "Zofia Łukasiewicz", "--agency", "police", "--role", "Komisarz"],
        ("Łukasiewicz",),
    ),
    (["attend", "REF", "--name", "Jan Łęcki", "--agency", "health"], ("Jan Łęcki",)),
    (["held", "REF", "--chair", "Łucja Kowalska"], ("held",)),
    (["decide", "REF", "--s47", "--no-police", "--rationale", f"{LUCJA} said so"], ("Decision recorded",)),
    (
        [
            "action",
            "add",
            "REF",
            "--task",
            "Ring Łucja's school",
            "--owner",
            "Ewa Żak",
            "--agency",
            "education",
            "--due",
            "2026-12-01",
        ],
        ("2",),
    ),
    (["action", "edit", "REF", "1", "--owner", "Ewa Żak-Nowak"], ("Action 1",)),
    (["action", "done", "REF", "1"], ("Action 1",)),
    (["record", "REF", "referrer-informed"], ("referrer-informed",)),
    (["edit", "REF", "--summary", f"{LUCJA} and {MARYAM}"], ("Corrected",)),
    (["close", "REF", "--reason", f"{LUCJA} moved away", "--force"], ("Closed",)),
    (["checklist", "REF", "--answers", "DIR/answers.json"], ("Saved",)),
    (["procedures"], ("Ynys Môn – Łódź",)),
    (["procedures", "show", "ynys-mon"], ("Ynys Môn – Łódź",)),
    (["procedures", "check", "CONFIG/ynys-mon.toml"], ("Ynys Môn – Łódź",)),
    (["check"], ("The database is whole",)),
    (["backup", "DIR/Łucja backup.db"], ("Łucja backup.db",)),
    (["paths"], (FOLDER,)),
]


def _id(command: list[str]) -> str:
    """A test id of the command's name and options (no names: pytest would escape them)."""
    return " ".join(word for word in command if word.isascii() and word.replace("-", "").isalpha())


@pytest.mark.parametrize("command, shown", COMMANDS, ids=[_id(c[0]) for c in COMMANDS])
def test_every_command_prints_user_text_as_utf8_on_a_cp1252_stream(desk, command, shown):
    proc, ref, tmp_path = desk
    folder = tmp_path / FOLDER
    (folder / "answers.json").write_text(
        json.dumps({"who-is-concerned": f"{LUCJA}'s teacher"}, ensure_ascii=False), encoding="utf-8"
    )
    config = tmp_path / "config" / "strategy" / "procedures"
    args = [a.replace("REF", ref).replace("DIR", str(folder)).replace("CONFIG", str(config)) for a in command]
    stdout, stderr = cp1252(proc, *args)
    for text in shown:
        assert text in stdout + stderr, f"{text!r} not in the output of {args}:\n{stdout}\n{stderr}"
    if "--json" in args:
        json.loads(stdout)


def test_new_prints_the_names_as_utf8(tmp_path):
    proc = Subprocess(tmp_path)
    stdout, stderr = cp1252(
        proc, "new", "--no-input", "--procedure", "hampshire", "--child", LUCJA, "--dob", "2015-03-02",
        "--child", MARYAM, "--dob", "2017-06-01",
    )  # fmt: skip
    assert LUCJA in stdout + stderr and MARYAM in stdout + stderr


def test_export_of_ascii_records_is_utf8_too(tmp_path):
    """The Markdown minutes mark a follow-up question with "↳", which cp1252 lacks: even a
    record typed in ASCII failed to export to a redirected stdout. (Only answered questions
    have a row, so a follow-up is answered here.)"""
    proc = Subprocess(tmp_path)
    ref = InProcess(tmp_path).new()
    answers = tmp_path / "answers.json"
    answers.write_text('{"other-children-needs": "None known."}', encoding="ascii")
    InProcess(tmp_path).run("checklist", ref, "--answers", str(answers))
    stdout, _ = cp1252(proc, "export", ref)
    assert "Ava Example" in stdout and "↳" in stdout


def test_the_demo_and_the_overview_print_as_utf8(tmp_path):
    proc = Subprocess(tmp_path)
    data = tmp_path / "Łódź data"
    _, stderr = cp1252(proc, "demo", env={"XDG_DATA_HOME": str(data), "STRATEGY_DB": ""})
    assert "Łódź data" in stderr
    stdout, _ = cp1252(proc, "--help")
    assert "Commands" in stdout


def test_a_redirected_stream_gets_unicode_tables(tmp_path):
    """rich reads the stream's encoding when it prints: UTF-8 after the start-up, so it draws
    its rules with box characters rather than falling back to ASCII."""
    proc = Subprocess(tmp_path)
    ref = InProcess(tmp_path).new()
    stdout, _ = cp1252(proc, "list")
    assert ref in stdout and "─" in stdout


pexpect = pytest.importorskip("pexpect") if os.name == "posix" else None


@pytest.mark.skipif(os.name != "posix", reason="pexpect drives a POSIX pseudo-terminal")
def test_a_terminal_that_cannot_show_utf8_gets_question_marks_not_an_error(tmp_path):
    """A terminal keeps its own encoding (UTF-8 bytes would be garbage on it): what it cannot
    show is "?", and rich draws ASCII rules."""
    proc = Subprocess(tmp_path)
    InProcess(tmp_path).new("--child", LUCJA, "--dob", "2015-03-02", "--procedure", "hampshire")
    env = {**os.environ, **proc.env, "PYTHONIOENCODING": "cp1252", "TERM": "xterm", "STRATEGY_NOW": NOW}
    child = pexpect.spawn(sys.executable, ["-m", "strategy_cli", "list"], env=env, timeout=30)
    child.expect(pexpect.EOF)
    child.close()
    shown = child.before.decode("cp1252")
    assert child.exitstatus == 0, shown
    assert "?ucja Nowak" in shown and "─" not in shown


def test_utf8_output_leaves_a_utf8_stream_alone(monkeypatch):
    import io

    from strategy_cli.cli import utf8_output

    already = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    legacy = io.TextIOWrapper(io.BytesIO(), encoding="cp1252", errors="backslashreplace")
    monkeypatch.setattr(sys, "stdout", already)
    monkeypatch.setattr(sys, "stderr", legacy)
    utf8_output()
    assert (already.encoding, already.errors) == ("utf-8", "strict")
    assert (legacy.encoding, legacy.errors) == ("utf-8", "backslashreplace")  # its errors kept
    legacy.write(LUCJA)
    legacy.flush()
    assert legacy.buffer.getvalue().decode("utf-8") == LUCJA
