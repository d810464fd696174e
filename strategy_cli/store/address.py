"""Where a database is: a file's path, or a team's PostgreSQL server named by a URL.

Kept apart from the store (it imports nothing of it): settings.py decides which database a
command uses from ``--db``, ``$STRATEGY_DB`` or config.toml without loading a store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("postgresql://", "postgres://")


def is_url(text: str) -> bool:
    """Whether ``--db`` (or ``$STRATEGY_DB``, or ``database`` in config.toml) names a server."""
    return text.lower().startswith(SCHEMES)


def redacted(url: str) -> str:
    """The URL as it may be shown: without a password in its user part or its query."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}@{host}"
    query = "&".join(
        f"{key}=***" if key.lower() == "password" else f"{key}={value}" if sep else key
        for key, sep, value in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@dataclass(frozen=True)
class Server:
    """A database on a PostgreSQL server. ``schema``: the schema to work in (the database's
    default search path when None). ``shown``: what messages call it (the URL without its
    password, unless the test suites mapped a file path to this server: then the path)."""

    url: str
    schema: str | None = None
    shown: str | None = None

    def __str__(self) -> str:
        return self.shown or redacted(self.url)


def for_tests(path_text: str, url: str) -> Server:
    """Where ``STRATEGY_TEST_DB`` puts the database a test names by path: a schema of its own
    on that server, named after the path, so the suites run unchanged against PostgreSQL."""
    digest = hashlib.sha256(path_text.encode()).hexdigest()[:24]
    return Server(url=url, schema=f"t_{digest}", shown=path_text)
