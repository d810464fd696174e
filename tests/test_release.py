"""What a release promises beyond the commands: a bad value is a usage error with any
dependency version we allow (the floors CI installs, see .ci/floors), the package says what it
is (version, licence, changelog), the JSON contract travels with it, and the README reads
outside the repository (it is the package's long description)."""

import re
import tomllib
from pathlib import Path

import pytest

from strategy_cli import __version__

ROOT = Path(__file__).resolve().parent.parent
SHARED_CONTRACT = ROOT.parent / "shared" / "docs" / "cli.md"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["held", "{ref}", "--format", "zoom"], "zoom"),
        (["action", "done", "{ref}", "two"], "two"),
        (["due", "--within", "soon"], "soon"),
        (["export", "{ref}", "--format", "docx"], "docx"),
    ],
)
def test_a_bad_option_value_is_a_usage_error_never_a_traceback(proc, args, named):
    """Typer's and Click's own usage errors pass through the shell's error handling: with a
    Typer that lacks what the handler names (0.26-0.27 had no TyperException) every one of them
    became a traceback."""
    ref = proc.new()
    done = proc.run(*(a.format(ref=ref) for a in args), expect=2)
    assert named in done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr.lower()


def test_the_calendar_file_never_gives_a_utc_time_a_time_zone(cli, tmp_path):
    """RFC 5545: a time ending in Z is UTC and takes no TZID. icalendar 4.x wrote
    ``DTSTART;TZID=UTC;VALUE=DATE-TIME:...Z`` (the reason for its floor of 5.0)."""
    cli.new()
    path = tmp_path / "due.ics"
    cli.run("due", "--ics", str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("DTSTART") for line in lines)
    assert not [line for line in lines if "TZID=" in line.split(":", 1)[0] and line.endswith("Z")]


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_licence_is_shipped_and_declared_once():
    project = pyproject()["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    # PEP 639: a licence expression and a licence classifier together are an error.
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]


def changelog_releases() -> list[tuple[str, str | None]]:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)


def test_the_changelog_has_unreleased_then_dated_releases_newest_first():
    releases = changelog_releases()
    assert releases[0] == ("Unreleased", "")
    versions = [tuple(int(part) for part in version.split(".")) for version, _ in releases[1:]]
    dates = [date for _, date in releases[1:]]
    assert all(dates) and versions == sorted(versions, reverse=True) and dates == sorted(dates, reverse=True)
    assert __version__ in [version for version, _ in releases]


def section(markdown: str, heading: str) -> str:
    """The text under a level-2 heading, up to the next one."""
    return markdown.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0].strip()


@pytest.mark.skipif(not SHARED_CONTRACT.exists(), reason="../shared is not beside this checkout")
def test_the_json_contract_shipped_in_docs_is_the_shared_one():
    """docs/json.md carries cli.md's "JSON shapes" word for word, so a package user reads the
    contract the acceptance tests hold us to."""
    shipped = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    contract = SHARED_CONTRACT.read_text(encoding="utf-8")
    assert section(shipped, "JSON shapes") == section(contract, "JSON shapes")


def test_the_readme_links_nothing_that_breaks_outside_the_repository():
    """The README is the package's long description: a relative link goes nowhere there, so
    files are named as paths, and every path it names is in the source distribution."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)]+)\)", readme)
    assert all(re.match(r"https?://", link) for link in links), links
    shipped = pyproject()["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    for path in set(re.findall(r"`((?:docs|benchmarks)/[\w./-]+|CHANGELOG\.md|LICENSE)`", readme)):
        assert (ROOT / path).exists(), path
        assert any(path == s or path.startswith(f"{s}/") for s in shipped), path
