"""The tests again, with every database on PostgreSQL (issue 18).

    python tests/on_postgres.py [PYTEST ARGS...]

Starts a throwaway PostgreSQL (tests/pg_cluster.py; ``$STRATEGY_TEST_POSTGRES`` names a server
to use instead), makes an empty database on it, and runs pytest over ``../shared/acceptance``,
the acceptance-next files taken on (``build/acceptance-next``, laid out by
tests/acceptance_next.py) and the project's tests named in ``MODULES``, with
``$STRATEGY_TEST_DB`` set: every database file a test names becomes a schema of its own on the
server, so the same tests, unchanged, prove the same behaviour there.

Left out, each with why: the tests about a database *file* itself (its permissions, its
header, SQLite's locks, a file tampered with by hand), which have no meaning on a server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# The project's test modules that run again on PostgreSQL: the record kept through every kind
# of change, end to end (attendance and quoracy, held, decisions, actions, follow-ups, the
# family, disagreements, sightings, circulation). Chosen to keep CI under its time limit: the
# other modules test pure functions, the help, a terminal's view of the same reads, or the
# file itself, and tests/test_postgres.py compares every read command's output on both
# databases directly.
MODULES = [
    "test_cli_record.py",
    "test_disagreements.py",
    "test_family.py",
    "test_minutes_circulated.py",
    "test_seen_and_shared.py",
    # The walk through the key questions in a real terminal (pexpect): Ctrl-C, then carried on.
    "test_checklist.py::test_real_terminal_walk_interrupt_and_resume",
]

# Tests that are about a SQLite file and cannot mean anything on a server: each deselected here,
# by name, with why. (The acceptance-next tamper tests open the file with sqlite3 and skip when
# there is none; they are deselected so no test is skipped on this pass.)
ABOUT_THE_FILE = {
    # Spoils the SQLite file by hand with sqlite3 (and skips where there is no such file), to see
    # `check` find it; tests/test_postgres.py spoils a team database on the server instead.
    "build/acceptance-next/test_one_owner.py::test_check_sees_derived_data": "edits the SQLite file by hand",
    # The project's own, each reading or writing the file itself (sqlite3.connect, Store(path)),
    # or about the file: where it is made, its folders' permissions, the demo's own file, a
    # schema-6 file migrated.
    "tests/test_disagreements.py::test_a_schema_6_database_migrates_and_takes_disagreements": "a schema-6 file",
    "tests/test_family.py::test_the_migration_adds_the_household_and_the_family_table": "a schema-6 file",
    "tests/test_seen_and_shared.py::test_a_schema_6_database_takes_sightings_and_what_was_shared": "a schema-6 file",
}


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE))
    from pg_cluster import MISSING, Cluster, new_database, server_programs

    given = os.environ.get("STRATEGY_TEST_POSTGRES")
    cluster = None
    if not given:
        if server_programs() is None:
            print(f"on_postgres: {MISSING}", file=sys.stderr)
            return 0 if os.environ.get("STRATEGY_SKIP_POSTGRES") == "1" and not os.environ.get("CI") else 1
        cluster = Cluster()
        given = cluster.url
    try:
        _, url = new_database(given, "strategy_pass")
        env = {**os.environ, "STRATEGY_TEST_DB": url, "STRATEGY_TEST_POSTGRES": given}
        if cluster is not None:
            env["STRATEGY_TEST_POSTGRES_LOG"] = str(cluster.log)
        acceptance = ROOT.parent / "shared" / "acceptance"
        # In the main run's order (tests/ first): each conftest.py then finds its own.
        paths = [*(f"tests/{module}" for module in MODULES), str(acceptance), "build/acceptance-next"]
        deselect = [arg for test in ABOUT_THE_FILE for arg in ("--deselect", test)]
        command = [
            sys.executable,
            "-m",
            "pytest",
            *paths,
            *deselect,
            "-k",
            "not test_checklist_answers_file",
            "-p",
            "no:cacheprovider",
            # On every core: each test has a schema of its own, so they never meet.
            "-n",
            "auto",
            *argv,
        ]
        print(f"on_postgres: every database on {urlsplit(url).netloc}{urlsplit(url).path}", flush=True)
        return subprocess.run(command, cwd=ROOT, env=env).returncode
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
