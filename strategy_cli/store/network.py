"""Whether a database file lives on a network file system, where SQLite is not safe.

SQLite's write-ahead log keeps its index in shared memory (the ``-shm`` file, mapped by every
process using the database), which works only when every one of those processes runs on the
same computer; and network file systems' locks are not reliable (SQLite's own "How To Corrupt
An SQLite Database File", section 2.1). Two managers opening one file on a share can corrupt
it or lose each other's records without an error. So a database on NFS, SMB/CIFS, a UNC path
or a mapped network drive is refused unless the user says otherwise.

The decisions are pure functions over a mount table or a drive type, tested with fakes; only
``network_file_system`` asks the operating system.

Not detected: macOS (``os.statvfs`` has no file system type, and ``statfs`` would need a
platform-specific ``ctypes`` structure that cannot be tested here), and local virtual-machine
shares (``9p``, ``virtiofs``, ``vboxsf``: one computer, where SQLite fails loudly if at all).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

# Linux file system types (as /proc/self/mountinfo names them) that reach another computer.
NETWORK_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "coda",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "beegfs",
        "orangefs",
        "pvfs2",
        "gfs2",
        "ocfs2",
        "davfs",
    }
)
# FUSE file systems (``fuse.NAME``) that do the same.
NETWORK_FUSE = frozenset(
    {
        "sshfs",
        "glusterfs",
        "ceph-fuse",
        "cephfs",
        "s3fs",
        "gcsfuse",
        "rclone",
        "davfs2",
        "smbnetfs",
        "juicefs",
    }
)

_OCTAL = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    """A mount point as the kernel writes it: space, tab, newline and backslash as ``\\ooo``."""
    return _OCTAL.sub(lambda match: chr(int(match.group(1), 8)), field)


def mount_table(mountinfo: str) -> list[tuple[str, str]]:
    """(mount point, file system type) of each line of ``/proc/self/mountinfo``, in order.

    A line is ``ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER``;
    the optional fields vary in number, so the type is the field after the lone ``-``."""
    mounts = []
    for line in mountinfo.splitlines():
        fields = line.split(" ")
        if len(fields) < 7 or "-" not in fields[6:]:
            continue
        separator = fields.index("-", 6)
        if separator + 1 < len(fields):
            mounts.append((_unescape(fields[4]), fields[separator + 1]))
    return mounts


def is_network_type(fs_type: str) -> bool:
    kind = fs_type.lower()
    if kind.startswith("fuse."):
        return kind.removeprefix("fuse.") in NETWORK_FUSE
    return kind in NETWORK_TYPES


def mounted_type(path: str, mounts: Iterable[tuple[str, str]]) -> str | None:
    """The file system type of the mount that holds ``path`` (absolute, symlinks resolved): the
    longest mount point that is ``path`` or one of its folders; of several mounted at the same
    point, the last (it hides the others)."""
    best, found = -1, None
    for point, fs_type in mounts:
        inside = point == "/" or path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= best:
            best, found = len(point), fs_type
    return found


DRIVE_REMOTE = 4  # GetDriveTypeW's answer for a mapped network drive


def windows_network(path: str, drive_type: Callable[[str], int]) -> str | None:
    """What makes a Windows path a network location: a UNC path (``\\\\server\\share\\...``,
    also as ``\\\\?\\UNC\\...``) or a drive that ``drive_type`` (GetDriveTypeW) says is remote.
    ``\\\\?\\C:\\`` and ``\\\\.\\`` (device) paths are local."""
    text = path.replace("/", "\\")
    if text.upper().startswith("\\\\?\\UNC\\"):
        return "a UNC path (a network share)"
    if text.startswith("\\\\?\\") or text.startswith("\\\\.\\"):
        text = text[4:]
    elif text.startswith("\\\\"):
        return "a UNC path (a network share)"
    if len(text) >= 2 and text[1] == ":" and text[0].isalpha():
        if drive_type(f"{text[0].upper()}:\\") == DRIVE_REMOTE:
            return f"the network drive {text[0].upper()}:"
    return None


def _drive_type(root: str) -> int:
    import ctypes

    return ctypes.windll.kernel32.GetDriveTypeW(root)  # type: ignore[attr-defined]


def _resolved(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):  # a symlink loop, a folder we may not read: judge as given
        return str(path.absolute())


def network_file_system(path: Path) -> str | None:
    """What network file system holds ``path`` (e.g. "nfs4", "a UNC path (a network share)"),
    or None for a local disk or where the system does not say."""
    where = _resolved(path)
    if sys.platform == "win32":
        try:
            return windows_network(where, _drive_type)
        except (OSError, AttributeError, ValueError):
            return windows_network(where, lambda root: 0)  # no drive type: UNC paths still count
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as table:
                fs_type = mounted_type(where, mount_table(table.read()))
        except OSError:  # no /proc (a locked-down container): nothing known
            return None
        return fs_type if fs_type is not None and is_network_type(fs_type) else None
    return None  # macOS and the BSDs: see the module's docstring


def network_refusal(path: Path) -> str | None:
    """The message refusing a database on a network file system, or None when it is local."""
    found = network_file_system(path)
    if found is None:
        return None
    what = found if found.startswith(("a ", "the ")) else f"a network file system ({found})"
    return (
        f"{path} is on {what}. SQLite's write-ahead log needs every process using the database "
        "on one computer, so on a share the record could be corrupted or lost without a word. "
        "Keep the database on this computer's own disk; a team sharing one record needs the team "
        "database (PostgreSQL, planned separately). `strategy --allow-network-db COMMAND ...` "
        "(or STRATEGY_ALLOW_NETWORK_DB=1) opens it anyway"
    )
