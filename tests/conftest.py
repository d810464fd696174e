"""Fixtures: each test gets the CLI against its own database (see support.py)."""

import pytest
from support import InProcess, Subprocess


@pytest.fixture
def cli(tmp_path):
    return InProcess(tmp_path)


@pytest.fixture
def proc(tmp_path):
    return Subprocess(tmp_path)


@pytest.fixture(scope="session")
def postgres_base():
    """A PostgreSQL server's URL for the team-database tests: ``$STRATEGY_TEST_POSTGRES`` (or
    ``$STRATEGY_TEST_DB``), else a throwaway cluster started for this run (tests/pg_cluster.py).
    Missing PostgreSQL fails these tests, as a missing Chromium fails the printing ones, unless
    ``STRATEGY_SKIP_POSTGRES=1`` leaves them out on purpose."""
    import os

    given = os.environ.get("STRATEGY_TEST_POSTGRES") or os.environ.get("STRATEGY_TEST_DB")
    if given:
        yield given
        return
    if os.environ.get("STRATEGY_SKIP_POSTGRES") == "1" and not os.environ.get("CI"):
        pytest.skip("STRATEGY_SKIP_POSTGRES=1: the PostgreSQL tests are left out on purpose")
    from pg_cluster import Cluster

    try:
        cluster = Cluster()
    except RuntimeError as error:
        pytest.fail(str(error))
    os.environ["STRATEGY_TEST_POSTGRES_LOG"] = str(cluster.log)
    yield cluster.url
    cluster.stop()
