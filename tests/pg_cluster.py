"""A throwaway PostgreSQL server for the tests (issue 18): a cluster of its own in a temporary
folder, listening on 127.0.0.1 at a free port, trusting local connections, gone when stopped.

Used by tests/conftest.py (the PostgreSQL tests of the main run) and tests/on_postgres.py (the
whole pass against PostgreSQL). ``$STRATEGY_TEST_POSTGRES`` names a server to use instead.
PostgreSQL's ``initdb`` refuses to run as root: as root the cluster belongs to the
``postgres`` user (which Debian's package makes).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SUPERUSER = "strategy_test"
MISSING = (
    "PostgreSQL is not installed (its initdb is not found): `apt-get install postgresql` "
    "(CI does), or set STRATEGY_TEST_POSTGRES to a server's URL, or STRATEGY_SKIP_POSTGRES=1 "
    "to leave the PostgreSQL tests out on purpose"
)


def server_programs() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda f: int(Path(f).parent.name))
    return Path(folders[-1]) if folders else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """One running server; ``url`` names its ``postgres`` database (the tests make their own)."""

    def __init__(self) -> None:
        programs = server_programs()
        if programs is None:
            raise RuntimeError(MISSING)
        self.programs = programs
        self.folder = Path(tempfile.mkdtemp(prefix="strategy-pg-"))
        self.owner = None
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            self.owner = "postgres"
            shutil.chown(self.folder, user="postgres")
        self.port = _free_port()
        self.log = self.folder / "server.log"
        data = self.folder / "data"
        self._run("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C")
        settings = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' "
            "-c max_connections=200 -c fsync=off -c synchronous_commit=off"
        )
        self._run("pg_ctl", "-D", str(data), "-l", str(self.log), "-w", "-o", settings, "start")
        self.url = f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.programs / program), *args]
        if self.owner:
            command = ["runuser", "-u", self.owner, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr.strip()[-1000:]}")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def with_database(url: str, name: str) -> str:
    """The server's URL naming another of its databases."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def admin(base: str, sql: str, database: str = "postgres") -> None:
    """One statement as the server's superuser (the tests' own login), outside any transaction."""
    import psycopg

    with psycopg.connect(with_database(base, database), autocommit=True) as conn:
        conn.execute(sql)


def new_database(base: str, prefix: str) -> tuple[str, str]:
    """An empty UTF-8 database of its own on the server: its name and its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin(base, f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")
    return name, with_database(base, name)


def drop_database(base: str, name: str) -> None:
    admin(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
