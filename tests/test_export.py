"""``strategy export``: the minutes a team manager files, and the version a family may see.

Every test runs the real CLI (``python -m strategy_cli``) in a subprocess against a temporary
database, with a fixed clock (``STRATEGY_NOW``), a fixed user and empty config and data folders,
so no one's own settings or template overrides change what the tests see.

- golden files (tests/golden/) of both formats for both audiences; ``UPDATE_GOLDEN=1``
  rewrites them after a deliberate change (then read the diff);
- nothing a user typed becomes markup or a link, in HTML (parsed) or Markdown (rendered
  with markdown-it, and checked for GitHub's bare-link forms);
- the family version holds nothing outside its allow-list;
- ``--output`` (private, no overwrite or symlink surprises) and ``--circulated``;
- the HTML printed by headless Chromium: A4, the protective marking on every page. This one
  needs ``chromium`` and ``pdftotext`` (Debian: ``apt-get install chromium poppler-utils``;
  CI installs them) and fails without them rather than skipping, unless
  ``STRATEGY_SKIP_BROWSER=1`` says so on purpose.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
NOW = "2026-11-23T09:00"


@dataclass
class Cli:
    home: Path
    now: str = "2026-11-23T09:00"
    user: str = "Test Manager"
    extra_env: dict = field(default_factory=dict)

    def env(self, now: str | None = None, user: str | None = None) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STRATEGY_")}
        env.update(
            {
                "STRATEGY_DB": str(self.home / "strategy.db"),
                "STRATEGY_NOW": now or self.now,
                "STRATEGY_USER": user or self.user,
                "HOME": str(self.home),
                "XDG_CONFIG_HOME": str(self.home / "config"),
                "XDG_DATA_HOME": str(self.home / "data"),
                "NO_COLOR": "1",
                "COLUMNS": "120",
                "PYTHONIOENCODING": "utf-8",
            }
        )
        env.update(self.extra_env)
        return env

    def run(
        self,
        *args: str,
        expect: int = 0,
        now: str | None = None,
        user: str | None = None,
        env: dict | None = None,
        cwd: Path | None = None,
    ):
        done = subprocess.run(
            [sys.executable, "-m", "strategy_cli", *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env={**self.env(now, user), **(env or {})},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        assert done.returncode == expect, (
            f"strategy {' '.join(args)} exited {done.returncode}, expected {expect}\n"
            f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
        )
        return done

    def json(self, *args: str, **kwargs):
        return json.loads(self.run(*args, "--json", **kwargs).stdout)

    def export(self, reference: str, fmt: str = "md", audience: str = "professional", **kwargs) -> str:
        return self.run("export", reference, "--format", fmt, "--audience", audience, **kwargs).stdout


def answers_file(path: Path, answers: dict) -> str:
    path.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    return str(path)


# What the agencies shared at the full discussion (the professional minutes' "Information
# shared, by agency"; never the family's).
SHARED = {
    "social-care": "Known to the service: two contacts in 2025 (neighbour concerns), no further action.",
    "health": "GP: Ava's immunisations are up to date.\nSchool nurse: no earlier injuries seen.",
    "education": "Attendance 91%; Ava disclosed to her teacher on Thursday morning.",
}


def build_full_discussion(cli: Cli, tmp: Path) -> str:
    """A fictional West Midlands discussion with every part of the minutes filled in.

    Opened in the morning, held at 14:00, written up that afternoon, circulated the next
    morning, then corrected and added to: so the minutes have amendments to show.
    """
    day1 = "2026-11-19T"
    opened = cli.json(
        "new",
        "--no-input",
        "--procedure",
        "west-midlands",
        "--child",
        "Ava Example",
        "--dob",
        "2015-03-02",
        "--child",
        "Noah Example",
        "--dob",
        "2019-07-14",
        "--concern-at",
        day1 + "09:30",
        "--category",
        "serious-harm",
        "--referrer",
        "Ms J Teacher, Example Primary School",
        "--summary",
        "Ava told her teacher that her stepfather hit her with a belt; she has marks on her arm.\n"
        "Noah (7) lives in the same household.",
        now=day1 + "10:00",
    )
    ref = opened["reference"]
    at = day1 + "10:05"
    cli.run("child", "edit", ref, "Noah Example", "--interpreter", "Polish", now=at)
    for name, agency, role, flag in [
        ("Sam Social", "social-care", "Duty team manager", None),
        ("Hana Health", "health", "Named nurse for safeguarding", None),
        ("DS Robin Police", "police", "Detective sergeant, child abuse investigation team", None),
        ("Mrs Edna Ed", "education", "Designated safeguarding lead", "--information-only"),
        ("Dr Pat Paeds", "paediatrician", "Consultant paediatrician", "--apologies"),
    ]:
        args = ["attend", ref, "--name", name, "--agency", agency, "--role", role]
        if agency in SHARED:
            args += ["--shared", SHARED[agency]]
        cli.run(*args, *([flag] if flag else []), now=at)
    cli.run(
        "held",
        ref,
        "--at",
        day1 + "14:00",
        "--format",
        "virtual",
        "--chair",
        "Sam Social",
        now=day1 + "15:00",
    )
    answers = {
        "core-agencies-present": True,
        "who-is-concerned": "The school: Ava's disclosure and visible marks.",
        "impact-on-child": "Physical harm; Ava is frightened to go home.",
        "other-children": True,
        "other-children-needs": "Noah (7) is in the same household and must be considered.",
        "cp-medical": True,
        "interpreter-needed": True,
        "interpreter-language": "Polish, for the mother.",
    }
    cli.run("checklist", ref, "--answers", answers_file(tmp / "answers.json", answers), now=day1 + "15:00")
    cli.run(
        "decide",
        ref,
        "--s47",
        "--police",
        "--rationale",
        "A disclosure of physical abuse with visible injury: joint enquiries are needed.",
        "--share",
        "A social worker and a police officer will visit to talk with you and the children.",
        "--withhold",
        "The police plan to interview the stepfather under caution.",
        "--withhold-rationale",
        "Telling the family before the interview may jeopardise the police investigation.",
        "--further-by",
        "2026-12-03",
        "--at",
        day1 + "14:40",
        now=day1 + "15:00",
    )
    for task, owner, agency, due, family in [
        ("Child protection medical for Ava", "Dr Pat Paeds", "paediatrician", day1 + "18:00", False),
        ("Joint visit to see Ava and Noah at home", "Sam Social", "social-care", "2026-11-20T11:00", True),
        ("Check police records for the household", "DS Robin Police", "police", "2026-11-20", False),
    ]:
        cli.run(
            "action",
            "add",
            ref,
            "--task",
            task,
            "--owner",
            owner,
            "--agency",
            agency,
            "--due",
            due,
            *(["--for-family"] if family else []),
            now=day1 + "15:10",
        )
    cli.run("action", "done", ref, "1", "--at", day1 + "17:30", now=day1 + "17:45")
    cli.run(
        "record", ref, "child-seen", "--child", "Ava Example", "--by", "Sam Social", "--alone",
        "--at", day1 + "17:00", now=day1 + "17:45",
    )  # fmt: skip
    cli.run(
        "record", ref, "child-seen", "--child", "Noah Example", "--by", "Sam Social", "--not-alone",
        "--at", day1 + "17:20", now=day1 + "17:45",
    )  # fmt: skip
    cli.run("record", ref, "record-circulated", "--at", "2026-11-20T09:00", now="2026-11-20T09:00")
    # Corrections after the record went out, and an addition: the minutes list them.
    cli.run(
        "attend",
        ref,
        "--name",
        "Hana Health",
        "--agency",
        "health",
        "--role",
        "Designated nurse for safeguarding",
        now="2026-11-20T10:00",
        user="Sam Social",
    )
    cli.run(
        "checklist",
        ref,
        "--answers",
        answers_file(tmp / "more.json", {"family-awareness": "The mother knows of the disclosure."}),
        now="2026-11-20T10:05",
        user="Sam Social",
    )
    return ref


# --- A discussion where every field a user can type is hostile and tagged -----------------


# Fields that hold one line (a name, a role, the chair, an owner, a language): their payload
# keeps the Markdown structure on one line, since a line break is refused there.
ONE_LINE = re.compile(r"^(C\d|C3GONE|NAME\d|ROLE\d|CHAIR|FOWNER|POWNER|LANG|USER|SEENBY)")


def payload(tag: str) -> str:
    """Markup, links and Markdown structure, each of which must stay visible text."""
    text = (
        f"ZQX{tag} <img src=x onerror=alert('{tag}')> [x{tag}](http://evil.example/{tag})"
        f" javascript:alert('{tag}') **b{tag}** www.evil{tag}.example e{tag}@evil.example"
        f"\n# h{tag}\n- li{tag}\n1. ol{tag} &lt;i&gt;"
    )
    return text.replace("\n", " ") if ONE_LINE.match(tag) else text


def visible_pieces(tag: str) -> list[str]:
    """What a reader must see, literally, wherever the payload is shown."""
    return [
        f"<img src=x onerror=alert('{tag}')>",
        f"[x{tag}](http://evil.example/{tag})",
        f"javascript:alert('{tag}')",
        f"**b{tag}**",
        f"# h{tag}",
        f"- li{tag}",
        f"1. ol{tag} &lt;i&gt;",
    ]


# domain.md's allow-list: the header (the chair's name is in it), the children, what the
# decision says to share, the actions marked for the family.
FAMILY_ALLOWED = {"C1", "C2", "SHARE", "FTASK", "FOWNER", "CHAIR"}


def build_hostile_discussion(cli: Cli, tmp: Path) -> tuple[str, set[str]]:
    """Every free-text field filled with ``payload(TAG)``; returns the reference and the tags."""
    tags = set()

    def p(tag: str) -> str:
        tags.add(tag)
        return payload(tag)

    day = "2026-11-19T"
    ref = cli.json(
        "new",
        "--no-input",
        "--procedure",
        "hampshire",
        "--child",
        p("C1"),
        "--dob",
        "2014-01-10",
        "--concern-at",
        day + "09:00",
        "--referrer",
        p("REFERRER"),
        "--summary",
        p("SUMMARY"),
        now=day + "09:10",
    )["reference"]
    cli.run("child", "add", ref, "--name", p("C2"), "--dob", "2016-05-05", "--interpreter", p("LANG"))
    cli.run("child", "add", ref, "--name", p("C3GONE"), "--dob", "2017-06-06")  # removed below
    for n, agency, flag in [
        (1, "social-care", None),
        (2, "health", None),
        (3, "police", None),
        (4, "education", "--information-only"),
    ]:
        args = ["attend", ref, "--name", p(f"NAME{n}"), "--agency", agency, "--role", p(f"ROLE{n}")]
        args += ["--shared", p(f"SHARED{n}")]  # what each agency shared: professional only
        cli.run(*args, *([flag] if flag else []), now=day + "09:20")
    cli.run(
        "held", ref, "--at", day + "11:00", "--format", "telephone", "--chair", p("CHAIR"), now=day + "12:00"
    )
    questions = cli.json("checklist", "--questions", "--procedure", "hampshire")
    decision_questions = {
        "s47",
        "police-investigation",
        "share-with-family",
        "information-withheld",
        "withheld-what",
        "withheld-rationale",
        "decision-rationale",
    }  # answered by `decide` below
    answers = {}
    for q in questions:
        if q["id"] in decision_questions or q["record"]:  # the record answers those
            continue
        if q["type"] == "yes-no":
            answers[q["id"]] = True
        elif q["type"] == "choice":
            answers[q["id"]] = q["choices"][0]
        else:
            answers[q["id"]] = p("Q-" + q["id"])
    cli.run("checklist", ref, "--answers", answers_file(tmp / "hostile.json", answers), now=day + "12:00")
    cli.run(
        "decide",
        ref,
        "--s47",
        "--police",
        "--rationale",
        p("RATIONALE"),
        "--share",
        p("SHARE"),
        "--withhold",
        p("WITHHOLD"),
        "--withhold-rationale",
        p("WHY"),
        now=day + "12:05",
    )
    for task, owner, family in [("FTASK", "FOWNER", True), ("PTASK", "POWNER", False)]:
        cli.run(
            "action",
            "add",
            ref,
            "--task",
            p(task),
            "--owner",
            p(owner),
            "--agency",
            "social-care",
            "--due",
            "2026-11-20",
            *(["--for-family"] if family else []),
            now=day + "12:10",
        )
    # A correction after the meeting, by a user whose name is hostile too: the old and the new
    # role and the user all reach the professional minutes' amendments (never the family's).
    cli.run(
        "attend",
        ref,
        "--name",
        payload("NAME1"),
        "--agency",
        "social-care",
        "--role",
        p("ROLE1NEW"),
        now="2026-11-20T10:00",
        user=p("USER"),
    )
    # A child entered by mistake and a follow-up recorded by mistake, taken back with reasons.
    cli.run("child", "remove", ref, payload("C3GONE"), "--reason", p("WHYGONE"), now="2026-11-20T10:10")
    cli.run(
        "record", ref, "child-seen", "--child", p("C2"), "--by", p("SEENBY"), "--alone", now=day + "15:00"
    )
    cli.run(
        "record", ref, "child-seen", "--child", p("C1"), "--at", "2026-11-20T09:00", now="2026-11-20T10:15"
    )
    cli.run(
        "record", ref, "child-seen", "--child", p("C1"), "--withdraw", "--reason", p("WHYBACK"),
        now="2026-11-20T10:20",
    )  # fmt: skip
    cli.run("close", ref, "--force", "--reason", p("CLOSE"), now="2026-11-21T10:00")
    return ref, tags


class Tags(HTMLParser):
    """Every element, attribute and piece of text in an HTML document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []  # what a reader sees: not the style sheet
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.extend(attrs)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if not self._in_style:
            self.text.append(data)


def parse_html(document: str) -> Tags:
    parser = Tags()
    parser.feed(document)
    parser.close()
    return parser


OUR_HTML_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "section", "footer",
    "div", "p", "h1", "h2", "h3", "span", "table", "thead", "tbody", "tr", "th", "td", "ul", "li",
    "br", "code", "strong",
}  # fmt: skip
MARKDOWN_TAGS = {
    "p", "h1", "h2", "h3", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "strong", "em",
    "code", "hr", "br",
}  # fmt: skip


def render_markdown(text: str) -> str:
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML on (its default), plus GitHub's tables and strikethrough.
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)


# --- Fixtures: each discussion is built once per module (the CLI runs for real) ----------


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    home = tmp_path_factory.mktemp("full")
    cli = Cli(home, now=NOW)
    ref = build_full_discussion(cli, home)
    outputs = {
        (fmt, audience): cli.export(ref, fmt, audience)
        for fmt in ("md", "html")
        for audience in ("professional", "family")
    }
    return cli, ref, outputs


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    home = tmp_path_factory.mktemp("hostile")
    cli = Cli(home, now=NOW)
    ref, tags = build_hostile_discussion(cli, home)
    # Every payload shares words (img, onerror, javascript...): the family version holds words
    # of what is withheld, which is refused until someone says they have checked.
    refused = cli.run("export", ref, "--audience", "family", expect=1)
    assert "--i-have-checked" in refused.stderr
    outputs = {
        (fmt, audience): cli.run(
            "export", ref, "--format", fmt, "--audience", audience, "--i-have-checked"
        ).stdout
        for fmt in ("md", "html")
        for audience in ("professional", "family")
    }
    return ref, tags, outputs


@pytest.fixture
def small(tmp_path):
    cli = Cli(tmp_path, now=NOW)
    ref = cli.json(
        "new", "--no-input", "--procedure", "hampshire", "--child", "Ava Example", "--dob", "2015-03-02"
    )["reference"]
    return cli, ref


# --- Golden files ---------------------------------------------------------------------------

GOLDEN_NAMES = {
    ("md", "professional"): "minutes.md",
    ("html", "professional"): "minutes.html",
    ("md", "family"): "family.md",
    ("html", "family"): "family.html",
}


@pytest.mark.parametrize("key", list(GOLDEN_NAMES), ids=lambda key: GOLDEN_NAMES[key])
def test_golden(full, key):
    """The whole document, byte for byte. After a deliberate change: UPDATE_GOLDEN=1 pytest."""
    _, _, outputs = full
    path = GOLDEN / GOLDEN_NAMES[key]
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(outputs[key], encoding="utf-8", newline="\n")
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert outputs[key] == path.read_text(encoding="utf-8"), (
        f"{path.name} differs from what export now writes; if the change is meant, "
        "rerun with UPDATE_GOLDEN=1 and review the diff"
    )


def test_professional_minutes_hold_what_domain_md_lists(full):
    _, ref, outputs = full
    for fmt in ("md", "html"):
        text = outputs[(fmt, "professional")]
        if fmt == "html":
            text = "".join(parse_html(text).text)
        for expected in [
            "OFFICIAL-SENSITIVE",
            ref,
            "Thursday 19 November 2026, 14:00",  # date and time
            "Virtual (video)",  # format
            "Sam Social",  # chair
            "West Midlands",  # profile
            "Ava Example",
            "Noah Example",
            "Interpreter needed: Polish",
            "Quorate",
            "Information only (sent information, did not take part; not counted for quoracy)",
            "Apologies",
            "stepfather hit her with a belt",  # reason
            "Ms J Teacher",  # referrer
            "Which language (and for whom",  # a follow-up question, with its answer
            "Polish, for the mother.",
            "Joint s47 enquiry and criminal investigation",  # outcome label
            "joint enquiries are needed",  # rationale
            "A social worker and a police officer will visit",  # shared
            "interview the stepfather under caution",  # withheld
            "may jeopardise the police investigation",  # and why
            "Check police records for the household",  # an action
            "Hold the initial child protection conference",  # deadlines that follow
            "Hold the further strategy discussion",
            "Child seen",
            "Designated safeguarding lead",  # distribution
            "Attendee corrected",  # amendments after the meeting
            "Named nurse for safeguarding",
            "after the record was circulated",
        ]:
            assert expected in text, f"{fmt}: {expected!r} missing"
        assert text.count("OFFICIAL-SENSITIVE") >= 2


def test_not_quorate_is_said(small):
    cli, ref = small
    cli.run("attend", ref, "--name", "Sam Social", "--agency", "social-care")
    cli.run("attend", ref, "--name", "Nurse", "--agency", "health", "--information-only")
    for fmt in ("md", "html"):
        text = cli.export(ref, fmt)
        assert "Not quorate: missing Health, Police" in text
        assert "not counted for quoracy" in text


# --- Nothing typed becomes markup or a link -------------------------------------------------


def test_html_escapes_every_user_field(hostile):
    ref, tags, outputs = hostile
    for audience in ("professional", "family"):
        document = outputs[("html", audience)]
        parsed = parse_html(document)
        assert parsed.tags <= OUR_HTML_TAGS, parsed.tags - OUR_HTML_TAGS
        for name, value in parsed.attributes:
            assert name in {
                "lang",
                "charset",
                "name",
                "content",
                "http-equiv",
                "class",
                "style",
                "colspan",
            }, name
            assert "javascript" not in (value or "") and "evil" not in (value or "")
        text = "".join(parsed.text)
        shown = tags if audience == "professional" else FAMILY_ALLOWED
        for tag in shown:
            for piece in visible_pieces(tag):
                assert piece in text, f"{audience} html: {piece!r} not shown as text"
        assert "<img" not in document and "<a " not in document and "<script" not in document.lower()


def test_markdown_escapes_every_user_field(hostile):
    ref, tags, outputs = hostile
    for audience in ("professional", "family"):
        source = outputs[("md", audience)]
        # GitHub turns these into links even without brackets; they must be broken up.
        assert not re.search(r"[A-Za-z]://", source), "a bare URL would become a link"
        assert "www.evil" not in source and not re.search(r"(?<!\\)@", source)
        rendered = render_markdown(source)
        parsed = parse_html(rendered)
        assert parsed.tags <= MARKDOWN_TAGS, parsed.tags - MARKDOWN_TAGS
        assert not parsed.attributes or all(name == "style" for name, _ in parsed.attributes)
        text = "".join(parsed.text)
        shown = tags if audience == "professional" else FAMILY_ALLOWED
        for tag in shown:
            for piece in visible_pieces(tag):
                assert piece in text, f"{audience} md: {piece!r} not shown as text"
        # The payload's '# h..' line is text, never a heading of the document.
        headings = re.findall(r"<h[1-6]>(.*?)</h[1-6]>", rendered)
        assert not [h for h in headings if "ZQX" in h or re.search(r"\bh[A-Z]", h)]


def test_markdown_filter_keeps_text_and_breaks_links():
    from strategy_cli.present.render import markdown_cell, markdown_text

    for value in ["javascript:alert(1)", "[x](http://evil)", "<img src=x onerror=alert(1)>", "A&E (5) x = 1"]:
        html = render_markdown(markdown_text(value))
        assert "<a" not in html and "<img" not in html
        assert parse_html(html).text and value in "".join(parse_html(html).text)
    assert markdown_text("A&E (5)") == "A&E (5)"  # ordinary text stays readable
    assert markdown_text("one\n\n    two") == "one  \ntwo"  # no code block, no paragraph break
    assert "\n" not in markdown_cell("a|b\nc") and "\\|" in markdown_cell("a|b\nc")


# --- The family version: an allow-list ------------------------------------------------------


def test_family_version_holds_only_the_allow_list(hostile):
    ref, tags, outputs = hostile
    assert FAMILY_ALLOWED < tags
    for fmt in ("md", "html"):
        professional = outputs[(fmt, "professional")]
        family = outputs[(fmt, "family")]
        # The professional record shows every tag (else this test would prove nothing) ...
        assert {t for t in tags if f"ZQX{t} " in professional or f"ZQX{t}<" in professional} == tags
        # ... and the family version none but the allowed ones.
        found = {t for t in tags if f"ZQX{t} " in family}
        assert found == FAMILY_ALLOWED, (
            f"{fmt}: unexpected {found - FAMILY_ALLOWED}, missing {FAMILY_ALLOWED - found}"
        )
        assert "family version" in family.lower()[:1500], "the family version must say so at the top"
        lowered = ("".join(parse_html(family).text) if fmt == "html" else family).lower()
        for never in [
            "joint s47",
            "outcome",
            "rationale",
            "withheld",
            "withhold",
            "quorate",
        ]:
            assert never not in lowered, f"{fmt}: family version mentions {never!r}"
        for header in ("telephone", "chair", "date and time", "procedure"):  # domain.md's header
            assert header in lowered, f"{fmt}: the family version's header lacks {header!r}"
        assert "OFFICIAL-SENSITIVE" in family


def test_family_version_of_the_full_discussion(full):
    _, ref, outputs = full
    for fmt in ("md", "html"):
        family = outputs[(fmt, "family")]
        assert "A social worker and a police officer will visit" in family
        assert "Joint visit to see Ava and Noah at home" in family
        for never in ["stepfather", "under caution", "belt", "Check police records", "Hana Health", "Polish"]:
            assert never not in family, f"{fmt}: {never!r} in the family version"


# --- --output and --circulated --------------------------------------------------------------


def test_output_is_private_and_never_overwrites_by_surprise(small, tmp_path):
    cli, ref = small
    out = tmp_path / "minutes.html"
    done = cli.run("export", ref, "--format", "html", "--output", str(out))
    assert done.stdout == "" and str(out) in done.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    # An existing file is refused (exit 1, naming it) and left as it was ...
    out.write_text("keep me", encoding="utf-8")
    out.chmod(0o644)
    refused = cli.run("export", ref, "--output", str(out), expect=1)
    assert str(out) in refused.stderr and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert out.read_text(encoding="utf-8") == "keep me"
    # ... unless --force, and the replacement is private again.
    cli.run("export", ref, "--output", str(out), "--force")
    assert "OFFICIAL-SENSITIVE" in out.read_text(encoding="utf-8")
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    # No stray temporary files are left beside it.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".minutes")) == []


@pytest.mark.skipif(os.name != "posix", reason="symbolic links need privileges on Windows")
def test_output_never_writes_through_a_symlink(small, tmp_path):
    cli, ref = small
    target = tmp_path / "elsewhere.txt"
    target.write_text("not yours", encoding="utf-8")
    link = tmp_path / "minutes.md"
    link.symlink_to(target)
    for extra in ([], ["--force"]):
        done = cli.run("export", ref, "--output", str(link), *extra, expect=1)
        assert "symbolic link" in done.stderr
        assert link.is_symlink() and target.read_text(encoding="utf-8") == "not yours"
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "does-not-exist.md")
    cli.run("export", ref, "--output", str(dangling), "--force", expect=1)
    assert not (tmp_path / "does-not-exist.md").exists()


def test_output_into_a_missing_folder_is_a_clear_error(small, tmp_path):
    cli, ref = small
    done = cli.run("export", ref, "--output", str(tmp_path / "nowhere" / "m.md"), expect=1)
    assert "nowhere" in done.stderr and "Traceback" not in done.stderr


def test_circulated_is_recorded_only_when_asked(small, tmp_path):
    cli, ref = small
    cli.run("held", ref, "--at", "2026-11-23T08:00")

    def circulated() -> bool:
        return "record-circulated" in cli.json("show", ref)["events"]

    def pending_kinds() -> list[str]:
        return [d["kind"] for d in cli.json("show", ref)["deadlines"]]

    cli.run("export", ref)
    cli.run("export", ref, "--format", "html", "--output", str(tmp_path / "a.html"))
    assert not circulated() and "record-circulated" in pending_kinds()
    cli.run("export", ref, "--output", str(tmp_path / "b.md"), "--circulated", now="2026-11-23T10:00")
    assert cli.json("show", ref)["events"]["record-circulated"] == "2026-11-23T10:00:00+00:00"
    assert "record-circulated" not in pending_kinds()
    assert "record-circulated" in cli.run("log", ref).stdout


def test_circulated_refused_for_the_family_version_and_for_a_closed_discussion(small, tmp_path):
    cli, ref = small
    cli.run("export", ref, "--audience", "family", "--circulated", expect=2)
    cli.run("close", ref, "--force", "--reason", "No further action")
    out = tmp_path / "m.md"
    cli.run("export", ref, "--output", str(out), "--circulated", expect=1)
    assert not out.exists(), "nothing is written when the command is refused"
    assert "record-circulated" not in cli.json("show", ref)["events"]


def test_bad_format_and_audience_are_usage_errors(small):
    cli, ref = small
    assert "docx" in cli.run("export", ref, "--format", "docx", expect=2).stderr
    assert "parents" in cli.run("export", ref, "--audience", "parents", expect=2).stderr
    assert "SD-2026-9999" in cli.run("export", "SD-2026-9999", expect=1).stderr
    assert "did you mean 'family'" in cli.run("export", ref, "--audience", "famly", expect=2).stderr


def test_format_and_audience_are_read_in_any_case(small):
    cli, ref = small
    assert cli.run("export", ref, "--format", "MD", "--audience", "Family").stdout.startswith(
        cli.run("export", ref, "--audience", "family").stdout[:40]
    )


# --- Printed by a real browser --------------------------------------------------------------


def _browser() -> str:
    """The browser `export --format pdf` would use (strategy_cli/printing.py finds it)."""
    from strategy_cli.printing import BrowserMissing, find_browser

    if os.environ.get("STRATEGY_SKIP_BROWSER") == "1":
        pytest.skip("STRATEGY_SKIP_BROWSER=1")
    missing = [name for name in ("pdftotext", "pdfinfo") if not shutil.which(name)]
    try:
        found = find_browser()
    except BrowserMissing:
        missing.insert(0, "chromium")
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not installed: apt-get install chromium poppler-utils "
            "(or STRATEGY_SKIP_BROWSER=1 to skip this test on purpose)"
        )
    return found


def print_to_pdf(html: str, folder: Path, name: str) -> Path:
    """Print an HTML document to PDF as `export --format pdf` does."""
    from strategy_cli.printing import print_pdf

    pdf = folder / f"{name}.pdf"
    pdf.write_bytes(print_pdf(html, _browser()))
    return pdf


def pdf_pages(pdf: Path) -> tuple[int, str, list[str]]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    size = re.search(r"^Page size:\s+(.*)$", info, re.MULTILINE).group(1)
    texts = [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, pages + 1)
    ]
    return pages, size, texts


@pytest.mark.parametrize("audience", ["professional", "family"])
def test_printed_html_is_a4_and_marked_on_every_page(full, tmp_path, audience):
    _, ref, outputs = full
    pdf = print_to_pdf(outputs[("html", audience)], tmp_path, audience)
    pages, size, texts = pdf_pages(pdf)
    assert "A4" in size, size
    assert pages >= 1
    if audience == "professional":
        assert pages >= 2, "the full minutes run over several pages: the marking test needs them"
    for number, text in enumerate(texts, start=1):
        # The protective marking at the top and the bottom of every page, and where it is.
        assert text.count("OFFICIAL-SENSITIVE") == 2, f"page {number} of {pages}: marked once at each edge?"
        assert f"Page {number} of {pages}" in text and ref in text
        assert text.strip(), f"page {number} is blank"
    everything = "\n".join(texts)
    assert "Ava Example" in everything and "Noah Example" in everything
    if audience == "family":
        assert "Family version" in texts[0]
        assert "stepfather" not in everything
    else:
        assert "Joint s47 enquiry and criminal investigation" in everything
        assert "Designated nurse for safeguarding" in everything


WITHHELD_FROM_THE_FULL_FAMILY = ["stepfather", "under caution", "belt", "Check police records", "Hana Health"]


@pytest.mark.parametrize("audience", ["professional", "family"])
def test_pdf_is_the_printed_minutes_written_here(full, tmp_path, audience):
    """`--format pdf` without --output: REF-minutes.pdf (REF-family.pdf) in the current
    folder, private, nothing on stdout; A4 with the marking, reference and page on every page."""
    cli, ref, _ = full
    _browser()
    args = ["export", ref, "--format", "pdf", "--audience", audience]
    done = cli.run(*args, cwd=tmp_path)
    pdf = tmp_path / f"{ref}-{'family' if audience == 'family' else 'minutes'}.pdf"
    assert done.stdout == "" and pdf.name in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [pdf.name], "no temporary file is left"
    if os.name == "posix":
        assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    pages, size, texts = pdf_pages(pdf)
    assert "A4" in size and pages >= (2 if audience == "professional" else 1)
    for number, text in enumerate(texts, start=1):
        assert text.count("OFFICIAL-SENSITIVE") == 2, f"page {number} of {pages}: marked once at each edge?"
        assert f"Page {number} of {pages}" in text and ref in text
    everything = "\n".join(texts)
    assert "Ava Example" in everything and "Noah Example" in everything
    if audience == "family":
        assert "Family version" in texts[0]
        for never in WITHHELD_FROM_THE_FULL_FAMILY:
            assert never not in everything, f"{never!r} in the family PDF"
    else:
        assert "under caution" in everything and "Hana Health" in everything
    # Never over an existing file by surprise.
    before = pdf.read_bytes()
    refused = cli.run(*args, cwd=tmp_path, expect=1)
    assert pdf.name in refused.stderr and "--force" in refused.stderr and pdf.read_bytes() == before


@pytest.mark.skipif(os.name != "posix", reason="the stand-in browser is a POSIX script")
def test_pdf_target_is_checked_before_printing_and_force_replaces_it(small, tmp_path):
    cli, ref = small
    cli.run("held", ref, "--at", "2026-11-23T08:00")
    desk = tmp_path / "desk"
    desk.mkdir()
    # A stand-in browser that notes it was started: an existing file is refused before it is.
    started = tmp_path / "browser-started"
    stand_in = tmp_path / "stand-in-browser"
    stand_in.write_text(f"#!/bin/sh\ntouch {started}\nexit 1\n", encoding="utf-8")
    stand_in.chmod(0o755)
    existing = desk / f"{ref}-minutes.pdf"
    existing.write_text("keep me", encoding="utf-8")
    refused = cli.run(
        "export", ref, "--format", "pdf", env={"STRATEGY_BROWSER": str(stand_in)}, cwd=desk, expect=1
    )
    assert "--force" in refused.stderr and not started.exists() and existing.read_text() == "keep me"
    # A browser that fails is said, naming it; nothing is written and nothing recorded.
    failed = cli.run(
        "export", ref, "--format", "pdf", "--output", str(desk / "other.pdf"), "--circulated",
        env={"STRATEGY_BROWSER": str(stand_in)}, expect=1,
    )  # fmt: skip
    assert str(stand_in) in failed.stderr and "Traceback" not in failed.stderr
    assert started.exists() and not (desk / "other.pdf").exists()
    assert "record-circulated" not in cli.json("show", ref)["events"]
    # --force replaces it (private again), and --circulated is recorded with a PDF as with HTML.
    _browser()
    existing.chmod(0o644)
    cli.run("export", ref, "--format", "pdf", "--force", "--circulated", cwd=desk)
    assert existing.read_bytes().startswith(b"%PDF-") and stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert "record-circulated" in cli.json("show", ref)["events"]
    assert sorted(p.name for p in desk.iterdir()) == [existing.name]


def test_pdf_without_a_browser_says_what_to_install(small, tmp_path):
    cli, ref = small
    missing = tmp_path / "no-such-folder" / "chrome"
    done = cli.run(
        "export", ref, "--format", "pdf", env={"STRATEGY_BROWSER": str(missing)}, cwd=tmp_path, expect=1
    )
    assert str(missing) in done.stderr and "Chromium, Google Chrome or Microsoft Edge" in done.stderr
    assert "Traceback" not in done.stderr
    if sys.platform.startswith("linux"):  # elsewhere the usual install folders may hold one
        done = cli.run("export", ref, "--format", "pdf", env={"PATH": ""}, cwd=tmp_path, expect=1)
        for words in ("Chromium", "Google Chrome", "Microsoft Edge", "install", "STRATEGY_BROWSER"):
            assert words in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.pdf"))


def test_family_pdf_is_refused_while_it_would_show_what_is_withheld(small, tmp_path):
    cli, ref = small
    cli.run(
        "decide", ref, "--s47",
        "--withhold", "The stepfather lives at 12 Orchard Road.",
        "--withhold-rationale", "It may place the children at risk.",
        "--share", "We will visit the stepfather at Orchard Road.",
    )  # fmt: skip
    done = cli.run("export", ref, "--format", "pdf", "--audience", "family", cwd=tmp_path, expect=1)
    assert "--i-have-checked" in done.stderr and not list(tmp_path.glob("*.pdf"))


def test_our_html_loads_nothing(full):
    """Printed offline and opened anywhere: no element fetches anything, the style sheet
    imports nothing, and the Content-Security-Policy forbids loading anything."""
    _, _, outputs = full
    for audience in ("professional", "family"):
        document = outputs[("html", audience)]
        tags = parse_html(document)
        assert not {"img", "link", "script", "iframe", "object", "embed", "a"} & tags.tags
        assert not [name for name, _ in tags.attributes if name in {"src", "href", "srcset", "action"}]
        assert "url(" not in document and "@import" not in document and "@font-face" not in document
        assert "content=\"default-src 'none'; style-src 'unsafe-inline'\"" in document


def test_a_withdrawn_circulation_is_not_circulated(small):
    """`record record-circulated --withdraw` (it was not sent after all): later additions are
    not "added after the record was circulated", and the circulation is pending again."""
    cli, ref = small
    cli.run("held", ref, "--at", "2026-11-23T08:00", now="2026-11-23T08:30")
    cli.run("record", ref, "record-circulated", "--at", "2026-11-23T09:00", now="2026-11-23T09:00")
    cli.run(
        "action",
        "add",
        ref,
        "--task",
        "Visit",
        "--owner",
        "Sam",
        "--due",
        "2026-11-25",
        now="2026-11-23T09:10",
    )
    assert "after the record was circulated" in cli.run("export", ref, now="2026-11-23T09:20").stdout
    cli.run("record", ref, "record-circulated", "--withdraw", now="2026-11-23T09:30")
    minutes = cli.run("export", ref, now="2026-11-23T09:40").stdout
    assert "after the record was circulated" not in minutes
    assert "Follow-up withdrawn (recorded by mistake)" in minutes
