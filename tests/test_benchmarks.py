"""The benchmark database builder stays honest: its fast path writes exactly what the store's
own ``Writer`` writes (so the figures in benchmarks/RESULTS.md are about the real schema)."""

import subprocess
import sys
from pathlib import Path

MAKE_DB = Path(__file__).parent.parent / "benchmarks" / "make_db.py"


def test_make_db_fast_path_writes_what_the_writer_writes():
    done = subprocess.run(
        [sys.executable, str(MAKE_DB), "--check"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DIFFERENT" not in done.stdout
    assert done.stdout.count("same") >= 2 * 8, done.stdout  # every table, both ways of building
