"""The Jinja environment for the minutes: autoescaped HTML, escaped Markdown, user overrides.

Templates are looked for in the user's folder first (``templates/`` in the config folder,
to override one by name), then inside the installed package (the wheel ships the top-level
``templates/`` as ``strategy_cli/templates``), then in a source checkout.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from . import settings
from .domain.calendar import local

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&])")


def template_folders() -> list[Path]:
    here = Path(__file__).resolve().parent
    candidates = [settings.config_dir() / "templates", here / "templates", here.parent / "templates"]
    return [folder for folder in candidates if folder.is_dir()]


def markdown_text(value) -> str:
    """User text made inert in Markdown: no emphasis, link, image, HTML or table cell escapes.

    Line breaks become Markdown hard breaks so a pasted paragraph keeps its shape.
    """
    if value is None:
        return ""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))
    text = re.sub(r"^(\s*)(\d+)\.", r"\1\2\\.", text, flags=re.MULTILINE)
    text = re.sub(r"^(\s*)-", r"\1\\-", text, flags=re.MULTILINE)
    return text.replace("\r\n", "\n").replace("\n", "  \n")


def when(value, pattern: str = "%a %d %b %Y %H:%M") -> str:
    """An ISO instant (or datetime) as UK local time for a reader."""
    if value is None:
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return local(instant).strftime(pattern)


def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader([str(folder) for folder in template_folders()]),
        autoescape=lambda name: name is not None and ".html" in name,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_text
    env.filters["when"] = when
    return env


def render(template: str, context: dict) -> str:
    return environment().get_template(template).render(**context)
