"""What the tests share: the CLI run in-process (CliRunner) or as a real subprocess, each
against its own database, with a fixed clock and user, and private config and data folders.

A module of its own (not conftest.py): ../shared/acceptance has a conftest.py too, and the
two would shadow each other under one pytest run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from strategy_cli.cli import app

NOW = "2026-11-23T09:00"
AVA = ["--child", "Ava Example", "--dob", "2015-03-02"]


class InProcess:
    """``strategy`` through Typer's CliRunner: fast, and tracebacks surface in the test."""

    def __init__(self, tmp_path: Path):
        self.db = tmp_path / "test.db"
        self.env = {
            "STRATEGY_DB": str(self.db),
            "STRATEGY_USER": "tester",
            "STRATEGY_NOW": NOW,
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "COLUMNS": "120",
        }
        self.runner = CliRunner()

    def run(self, *args, expect=0, input=None, env=None):
        merged = {**self.env, **(env or {})}
        _console_for(merged.get("COLUMNS"))
        result = self.runner.invoke(app, list(args), env=merged, input=input)
        if expect is not None:
            assert result.exit_code == expect, (
                f"strategy {' '.join(args)} exited {result.exit_code}, expected {expect}\n"
                f"output: {result.output}\nexception: {result.exception!r}"
            )
        return result

    def json(self, *args, **kwargs):
        return json.loads(self.run(*args, "--json", **kwargs).stdout)

    def new(self, *args):
        return self.json("new", "--no-input", *(args or (*AVA, "--procedure", "hampshire")))["reference"]


def _console_for(columns: str | None) -> None:
    """A fresh terminal console as wide as this run's COLUMNS. rich reads COLUMNS once, when the
    console is made (at import, in a real process, with the process's environment): in one test
    process the width would otherwise be whatever the first test to import it had, so a test's
    output would depend on which tests ran before it (as it does under pytest-xdist)."""
    import sys

    terminal = sys.modules.get("strategy_cli.present.terminal")
    if terminal is None:
        return
    from rich.console import Console

    terminal.console = Console(highlight=False, width=int(columns) if columns and columns.isdigit() else None)


class Subprocess(InProcess):
    """``strategy`` as a real process, as a user runs it."""

    def run(self, *args, expect=0, input="", env=None):
        done = subprocess.run(
            [sys.executable, "-m", "strategy_cli", *args],
            input=input,
            capture_output=True,
            text=True,
            env={**os.environ, **self.env, **(env or {})},
            timeout=60,
        )
        if expect is not None:
            assert done.returncode == expect, (
                f"strategy {' '.join(args)} exited {done.returncode}, expected {expect}\n"
                f"stdout: {done.stdout}\nstderr: {done.stderr}"
            )
        return done


class Scripted:
    """Answers prompts from a list; raises KeyboardInterrupt when the script says so."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.asked = []

    def _next(self, message):
        self.asked.append(message)
        reply = self.replies.pop(0)
        if reply is KeyboardInterrupt:
            raise KeyboardInterrupt
        return reply

    def text(self, message, default=None, instruction=None):
        return self._next(message)

    def select(self, message, choices, default=None):
        return self._next(message)

    def checkbox(self, message, choices, checked):
        return self._next(message)

    def yes_no(self, message, skip=False, current=None):
        """Answered as a choice of yes, no (and skip), so a script's select answers it."""
        from strategy_cli.prompts import SKIP_LABEL

        return self.select(message, ["yes", "no", *([SKIP_LABEL] if skip else [])], current)


# A profile with only what a profile must hold (a fictional partnership, one deadline rule).
MINIMAL_PROFILE = """
id = "testshire"
name = "Testshire"
source = "A fictional partnership"
[quoracy]
always = ["social-care", "health", "police"]
[outcomes]
none = "1"
s47 = "2"
police = "2b"
joint = "3"
[[deadlines]]
kind = "discussion"
hours = 24
rule = "Within a day"
"""
