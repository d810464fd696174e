"""Hostile text in every free-text field: kept exactly, shown back exactly, escaped in HTML.

Whatever a user pastes (any unicode, right-to-left overrides, control characters, Markdown,
HTML, rich markup, ``javascript:`` links, 100 kB) is either stored and shown back exactly by
``show --json`` (and escaped in ``export --format html``, and printable by the human views),
or refused with a clean error: exit 1 or 2, one message, never a traceback. A NUL and text past
100,000 characters are refused by design (domain/checklist.py ``check_text``); blank text
means "not given".
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from robust_support import PY, InProcess, clean_failure, scaled, subprocess_env  # noqa: E402

MAX_TEXT = 100_000
COUNTS = {"examples": 0, "stored": 0, "refused": 0}

PAYLOADS = [
    "<script>alert(1)</script>",
    "<xss-probe onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "javascript:alert(document.cookie)",
    "<img src=x onerror=alert(1)>",
    "**bold** _it_ `code`\n# Heading\n---\n| a | b |\n> quote",
    "{{ 7 * 7 }} {% if true %}x{% endif %}",
    "[/]",
    "[bold red]markup[/bold red] [link=https://example.org]x[/link]",
    "\x1b[31mred\x1b[0m\x07",
    "Robert'); DROP TABLE child;--",
    "\u202eevil\u202c \u200f\u200e \u2066iso\u2069",
    "\ufeffBOM \u200b\u200d zero-width",
    "a\rb\r\nc\n\n",
    "\t tab \x0b\x0c",
    "\\",
    "trailing backslash \\",
    "é\u0301 combining Z\u0351\u0300\u0364",
    "𝕏 🙂 👩\u200d👩\u200d👧",
    "&amp; &lt;p&gt; &#x3C;",
    "\x00NUL",
    "x" * MAX_TEXT,
    "x" * (MAX_TEXT + 1),
    "é" * 60_000,
    "<b>" * 25_000,
    "   ",
    "",
    "@",
    "@/nonexistent/file",
    "-",
    "--json",
]

HOSTILE = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=40),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn"]), max_size=20),
    st.tuples(st.sampled_from(PAYLOADS), st.text(max_size=10), st.sampled_from(PAYLOADS)).map("".join),
)

# field -> how to set it, and where show --json shows it.
FIELDS = [
    "child",
    "child-add",
    "summary",
    "referrer",
    "attendee-name",
    "attendee-role",
    "rationale",
    "share",
    "withhold",
    "withhold-rationale",
    "task",
    "owner",
    "chair",
    "close-reason",
    "interpreter",
]


def _has_control(value: str) -> bool:
    """A control character other than tab and line breaks: it could drive the terminal."""
    return any((ord(c) < 0x20 and c not in "\t\n\r") or 0x7F <= ord(c) <= 0x9F for c in value)


# Fields that hold one line with something visible in it: a name, a role, an owner, a language.
NAME_FIELDS = {"child", "child-add", "attendee-name", "attendee-role", "owner", "chair", "interpreter"}
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
DRAWS_NOTHING = {"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cn", "Co"}


def stored_form(value: str, field: str = "summary") -> str:
    """How the record keeps text: Unicode NFC, without a leading byte-order mark; a name also
    without the invisible characters never written in one (zero-width space, word joiner, a
    BOM, the Mongolian vowel separator, a soft hyphen)."""
    kept = unicodedata.normalize("NFC", value.removeprefix("\ufeff"))
    if field in NAME_FIELDS:
        kept = kept.translate(dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u180e\u00ad")))
    return kept


def _expected(value: str, field: str = "summary"):
    """What must happen to ``value``: "refuse", "blank" (None or refused), "file" or "exact"."""
    kept = stored_form(value, field)
    if "\x00" in kept or len(kept) > MAX_TEXT or _has_control(kept) or BIDI & set(kept):
        return "refuse"
    if any("\ud800" <= c <= "\udfff" for c in kept):
        return "refuse"
    if value.startswith("@") and len(value) > 1:
        return "file"
    if not kept.strip():
        return "blank"
    if field in NAME_FIELDS:
        if any(c in kept for c in "\r\n\u2028\u2029"):
            return "refuse"
        fillers = "\u115f\u1160\u3164\uffa0\u2800"
        if not any(unicodedata.category(c) not in DRAWS_NOTHING and c not in fillers for c in kept):
            return "refuse"
    return "exact"


class Hostile:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="strategy-hostile-"))
        self.cli = InProcess(self.folder / "h.db")
        self.ref = self.new("Ava Example")

    def new(self, child: str) -> str:
        return self.cli.json("new", "--no-input", f"--child={child}", "--dob=2015-03-02")["reference"]

    def attempt(self, field: str, value: str):
        """Run the command that sets ``field``; returns (result, reference, read-back function)."""
        cli, ref = self.cli, self.ref
        if field in ("child", "summary", "referrer"):
            option = {"child": "--child", "summary": "--summary", "referrer": "--referrer"}[field]
            args = ["new", "--no-input", "--json", f"{option}={value}", "--dob=2015-03-02"]
            if field != "child":
                args.append("--child=Ava Example")
            result = cli(*args)
            ref = json.loads(result.stdout)["reference"] if result.exit_code == 0 else None
            key = {"child": None, "summary": "summary", "referrer": "referrer"}[field]
            return result, ref, (lambda d: d["children"][0]["name"]) if key is None else (lambda d: d[key])
        if field in ("child-add", "interpreter"):
            ref = self.new("Ava Example")  # a fresh discussion: a child's name is not entered twice
            name = value if field == "child-add" else "Ben Test"
            args = ["child", "add", ref, f"--name={name}", "--dob=2016-01-01"]
            if field == "interpreter":
                args.append(f"--interpreter={value}")
            key = "name" if field == "child-add" else "interpreter"
            return cli(*args), ref, lambda d: d["children"][-1][key]
        if field in ("attendee-name", "attendee-role"):
            name = value if field == "attendee-name" else "Cal Role"
            role = value if field == "attendee-role" else "DS"
            result = cli("attend", ref, f"--name={name}", "--agency=police", f"--role={role}")
            key = "name" if field == "attendee-name" else "role"

            def read(d, name=name):
                found = [
                    a
                    for a in d["attendees"]
                    if a["name"].casefold() == stored_form(name, "attendee-name").casefold()
                ]
                return found[-1][key] if found else "(no attendee)"

            return result, ref, read
        if field in ("rationale", "share", "withhold", "withhold-rationale"):
            ref = self.new("Dee Example")
            given = {
                "rationale": "because",
                "share": None,
                "withhold": "the address",
                "withhold-rationale": "risk",
            }
            given[field] = value
            args = ["decide", ref, "--s47", "--no-police"] + [
                f"--{k}={v}" for k, v in given.items() if v is not None
            ]
            return cli(*args), ref, lambda d: d["decision"][field.replace("-", "_")]
        if field in ("task", "owner"):
            task = value if field == "task" else "visit"
            owner = value if field == "owner" else "Sam Owner"
            result = cli(
                "action", "add", ref, f"--task={task}", f"--owner={owner}", "--due=2026-11-27", "--json"
            )
            number = json.loads(result.stdout)["id"] if result.exit_code == 0 else None
            return result, ref, lambda d: next(a for a in d["actions"] if a["id"] == number)[field]
        if field == "chair":
            return cli("held", ref, "--at=2026-11-20T11:00", f"--chair={value}"), ref, lambda d: d["chair"]
        if field == "close-reason":
            ref = self.new("Eve Example")
            return cli("close", ref, f"--reason={value}", "--force"), ref, lambda d: d["closed_reason"]
        raise AssertionError(field)


@pytest.fixture(scope="module")
def hostile():
    return Hostile()


JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _assert_html_safe(html: str) -> None:
    assert "<xss-probe" not in html.lower()
    assert "<script>alert" not in html.lower()
    assert "onerror=alert" not in html.lower().replace('"', "").replace("'", "") or "&lt;img" in html
    assert not JAVASCRIPT_URL.search(html), JAVASCRIPT_URL.search(html)


@settings(
    max_examples=scaled(100),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.large_base_example,
    ],
)
@given(field=st.sampled_from(FIELDS), value=HOSTILE, view=st.sampled_from(["show", "log"]))
def test_free_text_is_kept_exactly_or_refused_cleanly(hostile, field, value, view):
    COUNTS["examples"] += 1
    result, ref, read = hostile.attempt(field, value)
    expected = _expected(value, field)
    if result.exit_code != 0:
        clean_failure(result)
        COUNTS["refused"] += 1
        assert expected in ("refuse", "blank", "file"), (
            f"{field}={value[:80]!r} refused: {result.output[-300:]}"
        )
        return
    assert expected != "refuse", f"{field}: {value[:80]!r} was accepted"
    COUNTS["stored"] += 1
    document = hostile.cli.json("show", ref)
    shown = read(document)
    if expected == "exact":
        assert shown == stored_form(value, field), f"{field}: stored {shown[:80]!r}, given {value[:80]!r}"
    elif expected == "blank":
        assert shown is None
    # Every human view prints it without choking (rich markup in a name, say).
    human = hostile.cli(view, *([ref] if view in ("show", "log") else []))
    assert human.exit_code == 0, human.output[-500:]
    html = hostile.cli("export", ref, "--format", "html")
    assert html.exit_code == 0, html.output[-500:]
    _assert_html_safe(html.stdout)
    if expected == "exact" and value.strip() and field in ("child", "summary", "task", "rationale"):
        # An HTML payload is in the document as text, never as markup.
        if "<" in value and len(value) < 1000:
            assert value not in html.stdout, f"{field}: {value!r} is in the HTML unescaped"


def test_every_field_takes_the_known_payloads(hostile):
    """Each payload in each field, deterministically (hypothesis samples; this covers all)."""
    for index, field in enumerate(FIELDS):
        values = ["<xss-probe> [x](javascript:alert(1)) evil [/] Zoe\u0308"]
        if index % 4 == 0:
            values.append("x" * MAX_TEXT)
        for value in values:
            result, ref, read = hostile.attempt(field, value)
            assert result.exit_code == 0, f"{field}={value[:30]!r}: {result.output[-300:]}"
            document = hostile.cli.json("show", ref)
            assert read(document) == stored_form(value, field), field
            html = hostile.cli("export", ref, "--format", "html")
            assert html.exit_code == 0, html.output[-300:]
            _assert_html_safe(html.stdout)
        for value in ("bad\x00nul", "x" * (MAX_TEXT + 1), "right\u202eto left", "bad \udcff byte"):
            result, _, _ = hostile.attempt(field, value)
            clean_failure(result)
    for view in (["show", hostile.ref], ["log", hostile.ref], ["list", "--all"], ["due"]):
        result = hostile.cli(*view)
        assert result.exit_code == 0, (view, result.output[-500:])


SUBPROCESS_PAYLOADS = [
    "evil\u200f <xss-probe> [/] [bold]x **md** [x](javascript:alert(1)) {{ 7 * 7 }}\ttab é\u0301 🙂",
    "x" * MAX_TEXT,
]


@pytest.mark.parametrize("value", SUBPROCESS_PAYLOADS, ids=["mixed", "100k"])
def test_hostile_text_through_a_real_process(tmp_path, value):
    env = subprocess_env(tmp_path / "p.db")

    def run(*args):
        return subprocess.run([*PY, *args], env=env, capture_output=True, timeout=60)

    done = run("new", "--no-input", "--child", value, "--dob", "2015-03-02", "--summary", value, "--json")
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    ref = json.loads(done.stdout)["reference"]
    assert run("attend", ref, "--name", value, "--agency", "police", "--role", value).returncode == 0
    assert run("action", "add", ref, "--task", value, "--owner", value, "--due", "2026-11-27").returncode == 0
    document = json.loads(run("show", ref, "--json").stdout)
    value = stored_form(value)
    assert document["children"][0]["name"] == value
    assert document["summary"] == value
    assert document["attendees"][0]["name"] == value
    assert document["actions"][0]["task"] == value
    views = [["show", ref], ["export", ref, "--format", "html"]]
    if len(value) < 1000:
        views += [["log", ref], ["list"], ["due"]]
    for args in views:
        shown = run(*args)
        assert shown.returncode == 0, (args, shown.stderr.decode(errors="replace"))
        assert b"Traceback" not in shown.stderr
    _assert_html_safe(run("export", ref, "--format", "html").stdout.decode())
    for refused in ("x" * (MAX_TEXT + 1), "\x1b[31mred\x07", "\u202eevil", "two\nlines", "\u200b\u3164"):
        done = run("attend", ref, "--name", refused, "--agency", "police")
        assert done.returncode == 2
        assert b"Traceback" not in done.stderr
    assert subprocess.run([*PY, "check"], env=env, capture_output=True).returncode == 0


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print(f"\nhostile inputs: {COUNTS}")
