"""Fixtures: each test gets the CLI against its own database (see support.py)."""

import pytest
from support import InProcess, Subprocess


@pytest.fixture
def cli(tmp_path):
    return InProcess(tmp_path)


@pytest.fixture
def proc(tmp_path):
    return Subprocess(tmp_path)
