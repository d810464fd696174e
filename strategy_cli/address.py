"""Where a database is: a file's path, or a team's PostgreSQL server named by a URL.

A module of its own below the store (it imports nothing of the package): settings.py decides
which database a command uses from ``--db``, ``$STRATEGY_DB`` or config.toml without loading
a store, and the store and the commands name it alike.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

SCHEMES = ("postgresql://", "postgres://")


def is_url(text: str) -> bool:
    """Whether ``--db`` (or ``$STRATEGY_DB``, or ``database`` in config.toml) names a server."""
    return text.lower().startswith(SCHEMES)


# Query keys that carry a secret (libpq decodes a key before reading it: pass%77ord is one).
SECRET_KEYS = {"password", "sslpassword"}


def normalized(url: str) -> str:
    """The URL with its scheme in lower case: libpq reads only ``postgresql://`` and
    ``postgres://``, and would take ``POSTGRES://...`` for settings and quote it back whole."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.lower()}{sep}{rest}"


def redacted(url: str) -> str:
    """The URL as it may be shown: without a password in its user part or its query. One that
    cannot be read is not shown at all (it may hold a password in a place not recognised)."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
    except ValueError:
        return f"{url.partition('://')[0]}://(a URL that cannot be read)"
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}@{host}"
    query = "&".join(
        f"{key}=***" if unquote(key).lower() in SECRET_KEYS else f"{key}={value}" if sep else key
        for key, sep, value in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrubbed(text: str, url: str) -> str:
    """A message (the driver's) with the URL's password taken out wherever it appears."""
    secrets = []
    try:
        parts = urlsplit(url)
        if parts.password:
            secrets += [parts.password, unquote(parts.password)]
        for key, _, value in (item.partition("=") for item in parts.query.split("&") if item):
            if unquote(key).lower() in SECRET_KEYS and value:
                secrets += [value, unquote(value)]
    except ValueError:
        return "the URL cannot be read"
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


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
