"""Which database file a command uses, and when it refuses one (issue 16).

* Only `new`, `demo` and `restore` create a database: any other command given a missing file
  (a mistyped --db, a fresh machine) says so in one line and creates nothing.
* `demo` writes only into its own file, never among real records.
* A database on a network file system is refused unless --allow-network-db.
* `strategy paths` says where everything is.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import AVA, InProcess

from strategy_cli.store import MissingDatabase, Store
from strategy_cli.store.network import (
    is_network_type,
    mount_table,
    mounted_type,
    network_refusal,
    windows_network,
)
from strategy_cli.store.schema import DEMO_APPLICATION_ID, is_demo_database

# --- A missing database ------------------------------------------------------------------------

# Every command that opens the database but must not create it, with REF for a reference.
READERS = [
    ["due"],
    ["due", "--json"],
    ["list"],
    ["list", "--json"],
    ["check"],
    ["backup", "BACKUP"],
    ["procedures", "adopt", "hampshire"],
    ["procedures", "adopt", "hampshire", "--apply", "--reason", "r"],
    ["show", "REF"],
    ["show", "REF", "--json"],
    ["log", "REF"],
    ["export", "REF"],
    ["checklist", "REF", "--no-input"],
    ["child", "add", "REF", "--name", "Ben Example", "--dob", "2016-01-01"],
    ["attend", "REF", "--name", "Pat Police", "--agency", "police"],
    ["held", "REF"],
    ["decide", "REF", "--s47"],
    ["action", "add", "REF", "--task", "t", "--owner", "o", "--agency", "police", "--due", "2026-12-01"],
    ["record", "REF", "child-seen"],
    ["edit", "REF", "--summary", "s"],
    ["close", "REF", "--reason", "r"],
    ["reopen", "REF"],
    ["new", "--no-input", "--follows", "REF"],
]


@pytest.mark.parametrize("command", READERS, ids=[" ".join(c[:2]) for c in READERS])
def test_a_missing_database_is_named_and_never_created(cli, tmp_path, command):
    target = tmp_path / "typo" / "nothere.db"
    args = [a.replace("REF", "SD-2026-0001").replace("BACKUP", str(tmp_path / "b.db")) for a in command]
    result = cli.run("--db", str(target), *args, expect=1)
    message = result.stderr.strip()
    assert message.count("\n") == 0, message
    assert f"no database at {target}" in message and "`strategy new` creates one" in message
    assert ("no discussion SD-2026-0001" in message) == ("REF" in command)
    assert not (tmp_path / "typo").exists() and not (tmp_path / "b.db").exists()
    assert not cli.db.exists()  # nor the database $STRATEGY_DB names


def test_a_relative_path_is_named_in_full(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli.run("--db", "typo/nothere.db", "due", expect=1)
    assert str(tmp_path / "typo" / "nothere.db") in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_message_says_where_the_path_came_from(cli, tmp_path):
    named = cli.run("due", expect=1)
    assert f"no database at {cli.db} (named by $STRATEGY_DB)" in named.stderr
    fresh = cli.run("due", expect=1, env={"STRATEGY_DB": ""})
    default = tmp_path / "data" / "strategy" / "strategy.db"
    assert f"no database at {default} (the default; --db or $STRATEGY_DB names another)" in fresh.stderr
    assert not (tmp_path / "data").exists()  # a fresh machine stays fresh


def test_the_commands_that_create_a_database_still_do(cli, tmp_path):
    ref = cli.new()
    assert cli.db.exists()
    cli.run("backup", str(tmp_path / "copy.db"))
    moved = tmp_path / "new machine" / "strategy.db"
    cli.run("--db", str(moved), "restore", str(tmp_path / "copy.db"), "--yes")
    assert cli.json("--db", str(moved), "show", ref)["reference"] == ref


def test_one_line_on_stderr_from_a_real_process(proc, tmp_path):
    done = proc.run("--db", str(tmp_path / "nothere.db"), "due", expect=1)
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: no database at ")
    assert list(tmp_path.iterdir()) == []


def test_the_store_opens_a_missing_file_only_to_create_it(tmp_path):
    target = tmp_path / "folder" / "x.db"
    for read_only in (False, True):
        with pytest.raises(MissingDatabase):
            Store(target, read_only=read_only, create=False)
    assert not (tmp_path / "folder").exists()
    Store(target).close()  # create is the store's default: tests and make_db build files
    Store(target, create=False).close()
    assert target.exists()


# --- demo ----------------------------------------------------------------------------------


def discussions(cli: InProcess, db: Path) -> list[str]:
    return [d["reference"] for d in cli.json("--db", str(db), "list", "--all")]


def test_demo_refuses_a_real_database_and_leaves_it_as_it_was(cli, tmp_path):
    cli.new()
    head = cli.json("check")["head"]  # the audit trail's head: any write would move it
    result = cli.run("--db", str(cli.db), "demo", expect=1)
    assert f"{cli.db} is not a demo database" in result.stderr
    assert str(tmp_path / "data" / "strategy" / "demo.db") in result.stderr  # where demo goes
    for keep in ("--keep", "--fresh"):
        cli.run("--db", str(cli.db), "demo", keep, expect=1)
    assert cli.json("check")["head"] == head
    assert len(discussions(cli, cli.db)) == 1 and not is_demo_database(cli.db)


def test_demo_refuses_a_file_that_is_not_a_database(cli, tmp_path):
    other = tmp_path / "notes.db"
    other.write_text("the minutes of something else\n" * 100)
    cli.run("--db", str(other), "demo", expect=1)
    assert other.read_text() == "the minutes of something else\n" * 100


def test_demo_fills_a_new_or_empty_file_and_marks_it_its_own(cli, tmp_path):
    new, empty = tmp_path / "training.db", tmp_path / "empty.db"
    empty.touch()
    for target in (new, empty):
        cli.run("--db", str(target), "demo")
        assert is_demo_database(target)
        assert len(discussions(cli, target)) == 6
    cli.run("--db", str(new), "demo")  # its own again: afresh by default
    assert len(discussions(cli, new)) == 6
    cli.run("--db", str(new), "demo", "--keep")
    assert len(discussions(cli, new)) == 12
    assert not cli.db.exists()  # $STRATEGY_DB is never the demo's


def test_a_backup_of_a_demo_database_is_still_the_demos(cli, tmp_path):
    demo = tmp_path / "training.db"
    cli.run("--db", str(demo), "demo")
    cli.run("--db", str(demo), "backup", str(tmp_path / "copy.db"))
    assert is_demo_database(tmp_path / "copy.db")
    cli.run("--db", str(tmp_path / "copy.db"), "demo")


def test_the_default_demo_database_is_always_the_demos(cli, tmp_path):
    """A demo.db an earlier version made (unmarked) in the data folder is still the demo's."""
    own = tmp_path / "data" / "strategy" / "demo.db"
    own.parent.mkdir(parents=True)
    Store(own).close()
    cli.run("demo", "--keep", env={"STRATEGY_DB": ""})
    assert is_demo_database(own) and len(discussions(cli, own)) == 6


def test_a_real_database_is_not_marked(cli):
    cli.new()
    conn = sqlite3.connect(cli.db)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] != DEMO_APPLICATION_ID
    finally:
        conn.close()
    assert not is_demo_database(cli.db)


def test_a_demo_database_put_to_real_use_is_never_started_afresh(cli, tmp_path):
    """A copy of the demo's file (or the demo's own) in which `new` opened a real discussion
    is real from then on: demo refuses it, --fresh or --keep, and leaves it as it was."""
    for demo in (tmp_path / "training.db", tmp_path / "data" / "strategy" / "demo.db"):
        named = ["--db", str(demo)] if demo.name == "training.db" else []
        cli.run(*named, "demo", env={"STRATEGY_DB": ""})
        real = cli.json("--db", str(demo), "new", "--no-input", *AVA, "--procedure", "hampshire")["reference"]
        for keep in ("--fresh", "--keep"):
            result = cli.run(*named, "demo", keep, expect=1, env={"STRATEGY_DB": ""})
            assert (
                f"{demo} is not a demo database: it holds discussions opened with `strategy new`"
                in result.stderr
            )
        assert real in discussions(cli, demo)
        assert len(discussions(cli, demo)) == 7


def test_a_real_backup_restored_into_the_demos_file_makes_it_real(cli, tmp_path):
    cli.new()
    backup = tmp_path / "real-backup.db"
    cli.run("backup", str(backup))
    with sqlite3.connect(backup) as conn:  # as a backup made before files were marked
        conn.execute("PRAGMA application_id = 0")
    demo = tmp_path / "training.db"
    cli.run("--db", str(demo), "demo")
    cli.run("--db", str(demo), "restore", str(backup), "--yes")
    assert not is_demo_database(demo)
    cli.run("--db", str(demo), "demo", expect=1)
    assert len(discussions(cli, demo)) == 1


@pytest.mark.parametrize(
    "bad",
    [["--procedure", "nope"], ["--concern-at", "31/02/2026"], ["--category", "nothing-like-it"]],
    ids=["procedure", "concern-at", "category"],
)
def test_new_with_a_bad_value_creates_no_database(cli, tmp_path, bad):
    target = tmp_path / "typo" / "x.db"
    cli.run(
        "--db",
        str(target),
        "new",
        "--no-input",
        "--child",
        "Ava Example",
        "--dob",
        "02/03/2015",
        *bad,
        expect=2,
    )
    assert not target.exists() and not target.parent.exists()


# --- A database on a network file system -------------------------------------------------------

MOUNTINFO = r"""22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 27 0:50 / /home/sam/Shared\040Drive rw,relatime shared:5 master:2 - cifs //fs01/social\040care rw,vers=3.1.1
41 27 0:51 / /mnt/team rw,relatime - nfs4 fs02:/export/team rw
42 41 0:52 / /mnt/team/local rw,relatime - tmpfs tmpfs rw
43 27 0:53 / /mnt/laptop rw,relatime - fuse.sshfs sam@laptop:/ rw
44 27 0:54 / /mnt/team2 rw,relatime - ext4 /dev/sdb1 rw
"""


def test_the_mount_table_is_read_with_its_escapes_and_optional_fields():
    mounts = mount_table(MOUNTINFO)
    assert ("/home/sam/Shared Drive", "cifs") in mounts
    assert ("/mnt/team", "nfs4") in mounts and ("/", "ext4") in mounts
    assert mount_table("garbage\n\n1 2 3\n") == []


@pytest.mark.parametrize(
    "path, fs_type",
    [
        ("/home/sam/Shared Drive/strategy.db", "cifs"),
        ("/home/sam/Shared Drive", "cifs"),
        ("/home/sam/strategy.db", "ext4"),
        ("/mnt/team/cases/strategy.db", "nfs4"),
        ("/mnt/team/local/strategy.db", "tmpfs"),  # a local mount inside the share
        ("/mnt/team2/strategy.db", "ext4"),  # /mnt/team is not a folder of /mnt/team2
        ("/mnt/laptop/strategy.db", "fuse.sshfs"),
    ],
)
def test_the_longest_mount_point_holding_the_path_decides(path, fs_type):
    assert mounted_type(path, mount_table(MOUNTINFO)) == fs_type


def test_a_later_mount_at_the_same_point_hides_the_earlier():
    mounts = [("/", "ext4"), ("/srv", "ext4"), ("/srv", "nfs")]
    assert mounted_type("/srv/strategy.db", mounts) == "nfs"


@given(
    folders=st.lists(st.text(alphabet="abc", min_size=1, max_size=3), min_size=1, max_size=4),
    others=st.lists(
        st.tuples(st.text(alphabet="abc/", min_size=1, max_size=8), st.sampled_from(["ext4", "nfs4"])),
        max_size=6,
    ),
)
def test_a_share_mounted_on_the_database_folder_always_wins(folders, others):
    folder = "/" + "/".join(folders)
    mounts = [("/", "ext4"), *(("/" + point.strip("/"), kind) for point, kind in others)]
    assert mounted_type(folder + "/strategy.db", [*mounts, (folder, "cifs")]) == "cifs"


@pytest.mark.parametrize(
    "fs_type, network",
    [
        ("nfs", True),
        ("nfs4", True),
        ("cifs", True),
        ("smb3", True),
        ("smbfs", True),
        ("afs", True),
        ("fuse.sshfs", True),
        ("ext4", False),
        ("btrfs", False),
        ("tmpfs", False),
        ("9p", False),
        ("fuse.portal", False),
        ("overlay", False),
    ],
)
def test_which_file_systems_are_network_ones(fs_type, network):
    assert is_network_type(fs_type) is network


def remote_drive(letter: str):
    return lambda root: 4 if root == f"{letter}:\\" else 3  # DRIVE_REMOTE, else DRIVE_FIXED


@pytest.mark.parametrize(
    "path, found",
    [
        (r"\\fs01\social care\strategy.db", "a UNC path (a network share)"),
        ("//fs01/social care/strategy.db", "a UNC path (a network share)"),
        (r"\\?\UNC\fs01\share\strategy.db", "a UNC path (a network share)"),
        (r"S:\Duty\strategy.db", "the network drive S:"),
        (r"s:\Duty\strategy.db", "the network drive S:"),
        (r"\\?\S:\Duty\strategy.db", "the network drive S:"),
        (r"C:\Users\sam\AppData\Local\strategy\strategy.db", None),
        (r"\\?\C:\Users\sam\strategy.db", None),
        (r"\\.\C:\strategy.db", None),
    ],
)
def test_windows_unc_paths_and_mapped_drives_are_network(path, found):
    assert windows_network(path, remote_drive("S")) == found


def test_a_database_on_a_share_is_refused_with_why_and_what_instead(cli, monkeypatch):
    from strategy_cli.store import network

    cli.new()
    monkeypatch.setattr(network, "network_file_system", lambda path: "nfs4")
    result = cli.run("due", expect=1)
    message = result.stderr
    assert f"{cli.db} is on a network file system (nfs4)" in message
    assert "one computer" in message and "corrupted or lost" in message
    assert "PostgreSQL" in message and "`strategy --allow-network-db COMMAND ...`" in message
    assert "STRATEGY_ALLOW_NETWORK_DB=1" in message
    assert message.strip().count("\n") == 0
    cli.run("--allow-network-db", "due")
    cli.run("due", env={"STRATEGY_ALLOW_NETWORK_DB": "1"})
    cli.run("due", expect=1, env={"STRATEGY_ALLOW_NETWORK_DB": "0"})
    # `new` would create it there: refused before anything is made
    monkeypatch.setattr(network, "network_file_system", lambda path: "a UNC path (a network share)")
    elsewhere = cli.db.parent / "share" / "x.db"
    result = cli.run("--db", str(elsewhere), "new", "--no-input", *AVA, "--procedure", "hampshire", expect=1)
    assert "is on a UNC path (a network share)" in result.stderr
    assert not elsewhere.parent.exists()


def test_a_local_folder_is_not_a_share(tmp_path):
    assert network_refusal(tmp_path / "strategy.db") is None


def test_the_option_keeps_the_overview_and_the_lazy_start():
    from strategy_cli.cli import invoked_command, wants_overview

    assert wants_overview(["--allow-network-db", "--help"]) is True
    assert wants_overview(["--allow-network-db"]) is False
    assert invoked_command(["--allow-network-db", "--db", "x.db", "due"]) == "due"


# --- strategy paths ----------------------------------------------------------------------------


def test_paths_says_where_everything_is_and_creates_nothing(cli, tmp_path):
    report = cli.json("paths")
    config = tmp_path / "config" / "strategy"
    assert report["database"] == {
        "path": str(cli.db),
        "exists": False,
        "source": "$STRATEGY_DB",
        "network_file_system": None,
    }
    assert report["demo_database"]["path"] == str(tmp_path / "data" / "strategy" / "demo.db")
    assert report["config_file"] == {"path": str(config / "config.toml"), "exists": False}
    assert report["profiles"] == {"path": str(config / "procedures"), "exists": False}
    assert report["templates"] == {"path": str(config / "templates"), "exists": False}
    for built_in in ("built_in_profiles", "built_in_templates"):
        assert report[built_in]["exists"] is True
        assert any(Path(report[built_in]["path"]).glob("*.*"))
    assert list(tmp_path.iterdir()) == []


def test_paths_follows_the_options_and_the_files(cli, tmp_path):
    cli.new()
    (tmp_path / "config" / "strategy" / "templates").mkdir(parents=True)
    assert cli.json("paths")["database"]["exists"] is True
    assert cli.json("paths")["templates"]["exists"] is True
    other = tmp_path / "other.db"
    assert cli.json("--db", str(other), "paths")["database"]["source"] == "--db"
    default = cli.json("paths", env={"STRATEGY_DB": ""})["database"]
    assert (default["path"], default["source"]) == (
        str(tmp_path / "data" / "strategy" / "strategy.db"),
        "default",
    )
    shown = cli.run("paths").stdout
    assert f"Database ($STRATEGY_DB)  {cli.db}\n" in shown
    assert "Your profiles" in shown and "(not there yet)" in shown


def test_paths_json_is_one_document(proc):
    json.loads(proc.run("paths", "--json").stdout)
