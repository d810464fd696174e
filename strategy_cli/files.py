"""Writing files a user asked for (minutes, calendars, backups): private, and never by surprise.

A file is written to a temporary name beside its target, made private (0600 on POSIX), then
moved into place, so a reader never sees half a file and a symlink at the target is never
followed. An existing file (or a symlink) is refused unless ``force``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import StrategyError


def check_target(path: Path, force: bool, database: Path | None = None) -> None:
    """Refuse to write where a surprise would do harm: the database itself or one of its own
    files (``database``, ``--force`` or not), a symbolic link, a folder, an existing file
    without ``force``."""
    if database is not None and _is_database_file(path, database):
        raise StrategyError(f"{path} is the database (or one of its files); refusing to write over it")
    if path.is_symlink():
        raise StrategyError(f"{path} is a symbolic link; refusing to write through it")
    if path.exists() and not force:
        raise StrategyError(f"{path} already exists; give --force to replace it")
    if path.exists() and path.is_dir():
        raise StrategyError(f"{path} is a folder")
    if not path.parent.is_dir():
        raise StrategyError(f"the folder {path.parent} does not exist")


def _is_database_file(path: Path, database: Path) -> bool:
    """Whether ``path`` is the database or its ``-wal``, ``-shm`` or ``-journal`` file, by name
    or (a hard link, another spelling) by identity."""
    own = []
    for base in dict.fromkeys(
        [database, database.expanduser().resolve()]
    ):  # SQLite names its files after the target of a link
        own += [base, *(base.with_name(base.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]
    target = path.expanduser().resolve()
    for candidate in own:
        if target == candidate.expanduser().resolve():
            return True
        try:
            if path.exists() and candidate.exists() and os.path.samefile(path, candidate):
                return True
        except OSError:
            continue
    return False


def write_private(
    path: Path, content: str | bytes, force: bool = False, database: Path | None = None
) -> None:
    """Write ``content`` to ``path`` readable by its owner only; refuse surprises (see above)."""
    check_target(path, force, database)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        private(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def private(path: Path) -> None:
    """Owner read and write only. On Windows chmod cannot express this; the profile's ACL does."""
    if os.name == "posix":
        os.chmod(path, 0o600)
