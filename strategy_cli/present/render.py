"""The Jinja environment for the minutes: autoescaped HTML, escaped Markdown, user overrides.

Templates are looked for in the user's folder first (``templates/`` in the config folder,
to override one by name), then inside the installed package (the wheel ships the top-level
``templates/`` as ``strategy_cli/templates``), then in a source checkout.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from .. import settings
from ..domain.calendar import local
from ..domain.text import BIDI_SHOWN

# Characters that start or end Markdown syntax anywhere in a line (CommonMark and GitHub's
# extensions: emphasis, links, images, raw HTML, code, tables, strikethrough, maths). With '['
# and ']' escaped no link or image can form, so '(' ')' and '!' stay as typed; '&' is escaped
# only where it would start an entity. CommonMark shows a backslash-escaped punctuation
# character as the character itself.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~$])|&(?=#?\w+;)")
# What GitHub's renderer turns into a link without any brackets: scheme://..., www.... and
# e-mail addresses. Escaping the ':' '.' or '@' breaks the pattern and still shows the text.
_BARE_LINK = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|(?<=\bwww)(\.)|(@)")
# At the start of a line: a heading, a list item ("-", "+", "1." or "1)") or a heading underline.
_LINE_START = re.compile(r"^(\d+)([.)])|^([-=+#])")


def user_template_folder() -> Path:
    """Where a user's own templates go: one there overrides the built-in one of its name."""
    return settings.config_dir() / "templates"


def builtin_template_folder() -> Path:
    """The templates shipped with the tool: inside the installed package, else the checkout's."""
    package = Path(__file__).resolve().parent.parent  # strategy_cli/
    inside = package / "templates"
    return inside if inside.is_dir() else package.parent / "templates"


def template_folders() -> list[Path]:
    candidates = [user_template_folder(), builtin_template_folder()]
    return [folder for folder in candidates if folder.is_dir()]


def _inert_lines(value) -> list[str]:
    """User text as Markdown-inert lines: escaped, no indentation, no blank lines.

    Indentation would make a code block and a blank line would end the list item or table
    row the text sits in, so both go; the words and their order stay exactly as typed.
    """
    if value is None:
        return []
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        line = _MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), line)
        line = _BARE_LINK.sub(lambda m: "\\" + m.group(0), line)
        line = _LINE_START.sub(
            lambda m: m.group(1) + "\\" + m.group(2) if m.group(1) else "\\" + m.group(3), line
        )
        lines.append(line)
    return lines


def markdown_text(value) -> str:
    """User text made inert in Markdown: no emphasis, link, image, HTML, heading or list.

    Line breaks become Markdown hard breaks, so a pasted paragraph keeps its lines.
    """
    return "  \n".join(_inert_lines(value))


def markdown_cell(value) -> str:
    """User text made inert inside a Markdown table cell: one line, breaks as ``<br>``."""
    return "<br>".join(_inert_lines(value))


def when(value, pattern: str = "%a %d %b %Y %H:%M") -> str:
    """An ISO instant (or datetime) as UK local time for a reader."""
    if value is None:
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return local(instant).strftime(pattern)


def day(value, pattern: str = "%d %b %Y") -> str:
    """An ISO date (a date of birth, an expected date of delivery) for a reader."""
    if value is None:
        return ""
    return (date.fromisoformat(value) if isinstance(value, str) else value).strftime(pattern)


def _shown(value):
    """Every value a template prints: a bidirectional control (held from before it was refused
    at input) shows as U+FFFD, so the minutes never read other than the record."""
    return value.translate(BIDI_SHOWN) if isinstance(value, str) else value


def environment():
    """Templates run in Jinja's sandbox: a user's template (in the config folder) can show the
    context it is given and nothing else: no attribute of Python's internals, no module, no file."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader([str(folder) for folder in template_folders()]),
        autoescape=lambda name: name is not None and ".html" in name,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.finalize = _shown
    env.filters["md"] = markdown_text
    env.filters["mdcell"] = markdown_cell
    env.filters["when"] = when
    env.filters["day"] = day
    return env


def render(template: str, context: dict) -> str:
    from jinja2.exceptions import SecurityError

    try:
        return environment().get_template(template).render(**context)
    except SecurityError as error:
        from ..errors import StrategyError

        raise StrategyError(f"the template {template} tried what a template may not ({error})") from None
