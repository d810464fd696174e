"""``printing.py``: finding a browser on each platform (a fake environment, so Windows and
macOS are tested here too), and printing with it (fake browsers for failures and the
timeout, the real Chromium for the offline promise).

The real-browser test needs ``chromium`` (Debian: ``apt-get install chromium``; CI installs it)
and fails without it, unless ``STRATEGY_SKIP_BROWSER=1`` says so on purpose.
"""

from __future__ import annotations

import http.server
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategy_cli import printing
from strategy_cli.printing import BrowserMissing, PrintFailed, Surroundings, find_browser

# --- Finding the browser --------------------------------------------------------------------


def around(
    platform: str = "linux",
    variables: dict | None = None,
    on_path: dict | None = None,
    files: set[str] | frozenset[str] = frozenset(),
) -> Surroundings:
    """A computer that has ``on_path`` (command -> path) on PATH and ``files`` on disk."""
    commands = on_path or {}
    return Surroundings(variables or {}, platform, commands.get, lambda path: path in files)


def test_strategy_browser_names_a_path_or_a_command_and_wins_over_path():
    chrome = "/opt/google/chrome/chrome"
    everywhere = {"chromium": "/usr/bin/chromium", "my-edge": "/usr/local/bin/my-edge"}
    assert (
        find_browser(around(variables={"STRATEGY_BROWSER": chrome}, on_path=everywhere, files={chrome}))
        == chrome
    )
    assert find_browser(around(variables={"STRATEGY_BROWSER": "my-edge"}, on_path=everywhere)) == (
        "/usr/local/bin/my-edge"
    )
    # As Windows users paste a path: quoted, with backslashes and spaces.
    edge = r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"
    assert find_browser(around("win32", variables={"STRATEGY_BROWSER": f' "{edge}" '}, files={edge})) == edge


@pytest.mark.parametrize(
    "named, problem",
    [("/nowhere/chrome", "no such file"), ("no-such-browser", "on PATH"), (r"D:\Apps\chrome.exe", "file")],
)
def test_strategy_browser_that_is_not_there_is_said_and_never_replaced(named, problem):
    """The user chose that browser: a typo is an error naming it as typed (a Windows path
    without doubled backslashes), never another browser."""
    with pytest.raises(BrowserMissing) as refused:
        find_browser(around(variables={"STRATEGY_BROWSER": named}, on_path={"chromium": "/usr/bin/chromium"}))
    message = str(refused.value)
    assert named in message and problem in message and "STRATEGY_BROWSER" in message
    assert "Chromium, Google Chrome or Microsoft Edge" in message


def test_path_is_searched_in_order():
    on_path = {"google-chrome-stable": "/usr/bin/google-chrome-stable", "msedge": "/usr/bin/msedge"}
    assert find_browser(around(on_path=on_path)) == "/usr/bin/google-chrome-stable"
    on_path["chromium-browser"] = "/usr/bin/chromium-browser"
    assert find_browser(around(on_path=on_path)) == "/usr/bin/chromium-browser"
    assert find_browser(around(variables={"STRATEGY_BROWSER": ""}, on_path=on_path)) == (
        "/usr/bin/chromium-browser"
    ), "an empty STRATEGY_BROWSER is not set"


def test_nothing_found_names_what_to_install_and_strategy_browser():
    for platform in ("linux", "win32", "darwin"):
        with pytest.raises(BrowserMissing) as missing:
            find_browser(around(platform, variables={"HOME": "/Users/sam"}))
        message = str(missing.value)
        for words in ("Chromium", "Google Chrome", "Microsoft Edge", "STRATEGY_BROWSER", "install"):
            assert words in message, (platform, words)
        assert missing.value.exit_code == 1


WINDOWS = {
    "ProgramFiles": r"C:\Program Files",
    "ProgramFiles(x86)": r"C:\Program Files (x86)",
    "LOCALAPPDATA": r"C:\Users\sam\AppData\Local",
}
EDGE = r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"
CHROME = r"C:\Program Files\Google\Chrome\Application\chrome.exe"
CHROME_PER_USER = r"C:\Users\sam\AppData\Local\Google\Chrome\Application\chrome.exe"


def test_windows_install_folders():
    """Edge comes with every Windows 10 and 11, in Program Files (x86); Chrome is preferred
    when installed, for the machine or (without administrator rights) for the user alone."""
    assert find_browser(around("win32", WINDOWS, files={EDGE})) == EDGE
    assert find_browser(around("win32", WINDOWS, files={EDGE, CHROME})) == CHROME
    assert find_browser(around("win32", WINDOWS, files={EDGE, CHROME_PER_USER})) == CHROME_PER_USER
    # The variables as Windows spells them or upper-cased, or missing: the usual folders.
    upper = {name.upper(): value for name, value in WINDOWS.items()}
    assert find_browser(around("win32", upper, files={CHROME_PER_USER})) == CHROME_PER_USER
    assert find_browser(around("win32", {}, files={EDGE})) == EDGE
    # On PATH first, as everywhere.
    assert find_browser(around("win32", WINDOWS, {"msedge": r"D:\edge\msedge.exe"}, {CHROME})) == (
        r"D:\edge\msedge.exe"
    )


def test_macos_applications_folders():
    mine = "/Users/sam/Applications/Chromium.app/Contents/MacOS/Chromium"
    everyone = "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"
    home = {"HOME": "/Users/sam"}
    assert find_browser(around("darwin", home, files={mine})) == mine
    assert find_browser(around("darwin", home, files={mine, everyone})) == everyone
    assert printing.install_paths(home, "linux") == [], "on Linux browsers are on PATH"


@given(
    platform=st.sampled_from(["linux", "win32", "darwin"]),
    commands=st.sets(st.sampled_from(printing.COMMANDS)),
    installed=st.sets(st.sampled_from(sorted(set(printing.install_paths(WINDOWS, "win32")) | {EDGE}))),
)
def test_found_is_always_something_there(platform, commands, installed):
    """Whatever is installed: the browser found is one that is there, and none is found only
    when nothing is."""
    on_path = {name: f"/bin/{name}" for name in commands}
    try:
        found = find_browser(around(platform, WINDOWS, on_path, installed))
    except BrowserMissing:
        assert not commands and not (installed and platform == "win32")
    else:
        assert found in on_path.values() or (platform == "win32" and found in installed)


# --- Printing ---------------------------------------------------------------------------------


def test_the_command_prints_headless_offline_into_the_folder(tmp_path):
    command = printing.browser_command("chromium", tmp_path / "m.html", tmp_path / "m.pdf", tmp_path / "p")
    for flag in (
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-pdf-header-footer",
        f"--user-data-dir={tmp_path / 'p'}",
        f"--print-to-pdf={tmp_path / 'm.pdf'}",
    ):
        assert flag in command
    assert command[0] == "chromium" and command[-1] == (tmp_path / "m.html").as_uri()


@pytest.mark.parametrize("root", [True, False])
def test_the_sandbox_is_switched_off_for_root_only(tmp_path, monkeypatch, root):
    """Chromium will not start as root with its sandbox; everyone else keeps it."""
    monkeypatch.setattr(printing, "_as_root", lambda: root)
    command = printing.browser_command("chromium", tmp_path / "m.html", tmp_path / "m.pdf", tmp_path / "p")
    assert ("--no-sandbox" in command) is root


posix_only = pytest.mark.skipif(os.name != "posix", reason="the fake browsers are POSIX scripts")


def fake_browser(folder: Path, body: str) -> str:
    """A program that takes the browser's arguments: ``pdf`` is the --print-to-pdf path,
    ``page`` the file printed, ``seen`` a file beside this script."""
    script = folder / "fake-browser"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys, pathlib, time, subprocess\n"
        "args = sys.argv[1:]\n"
        "pdf = pathlib.Path([a for a in args if a.startswith('--print-to-pdf=')][0].split('=', 1)[1])\n"
        "page = pathlib.Path(args[-1].removeprefix('file://'))\n"
        f"seen = pathlib.Path({str(folder / 'seen')!r})\n" + body,
        encoding="utf-8",
    )
    script.chmod(0o755)
    return str(script)


@posix_only
def test_prints_in_a_private_folder_removed_afterwards(tmp_path):
    browser = fake_browser(
        tmp_path,
        "seen.write_text(f'{oct(page.parent.stat().st_mode & 0o777)} {page.parent} {page.read_text()}')\n"
        "pdf.write_bytes(b'%PDF-1.7 fake')\n",
    )
    assert printing.print_pdf("<p>Ava Example</p>", browser) == b"%PDF-1.7 fake"
    mode, folder, page = (tmp_path / "seen").read_text().split(" ", 2)
    assert mode == "0o700" and page == "<p>Ava Example</p>"
    assert not Path(folder).exists(), "the temporary folder (the minutes in HTML) is removed"


@posix_only
@pytest.mark.parametrize(
    "body, words",
    [
        (
            "print('Trace/breakpoint trap: cannot open display', file=sys.stderr)\nsys.exit(133)\n",
            "exit code 133",
        ),
        ("pdf.write_bytes(b'<html>not a pdf')\n", "exit code 0"),
        ("", "exit code 0"),  # says it printed, wrote nothing
    ],
)
def test_a_browser_that_does_not_print_is_a_clear_error(tmp_path, body, words):
    browser = fake_browser(tmp_path, body)
    with pytest.raises(PrintFailed) as failed:
        printing.print_pdf("<p>x</p>", browser)
    message = str(failed.value)
    assert browser in message and words in message and "STRATEGY_BROWSER" in message
    if "display" in body:
        assert "cannot open display" in message, "the browser's last words say why"
    assert "snap" not in message
    assert "snap browser cannot read" in printing._snap_note("/snap/bin/chromium")


@posix_only
def test_a_browser_that_hangs_is_ended_with_what_it_started(tmp_path):
    """A timeout ends the browser and its helper processes (a renderer, here a sleeper),
    and the command says what happened instead of waiting for ever."""
    browser = fake_browser(
        tmp_path,
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "seen.write_text(str(child.pid))\n"
        "time.sleep(60)\n",
    )
    started = time.monotonic()
    with pytest.raises(PrintFailed) as failed:
        printing.print_pdf("<p>x</p>", browser, timeout=3)
    assert time.monotonic() - started < 30
    assert "within 3 seconds" in str(failed.value)
    helper = int((tmp_path / "seen").read_text())
    for _ in range(50):  # the kill is delivered at once; the process table may lag a moment
        try:
            os.kill(helper, 0)
        except ProcessLookupError:
            break
        if _zombie(helper):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the browser's helper process {helper} is still running")


def _zombie(pid: int) -> bool:
    """Killed but not yet reaped (its parent, the fake browser, died first: init reaps it)."""
    status = Path(f"/proc/{pid}/stat")
    try:
        return status.read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def real_browser() -> str:
    if os.environ.get("STRATEGY_SKIP_BROWSER") == "1":
        pytest.skip("STRATEGY_SKIP_BROWSER=1")
    try:
        return find_browser()
    except BrowserMissing as missing:
        pytest.fail(f"{missing} (or STRATEGY_SKIP_BROWSER=1 to skip this test on purpose)")


class Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        Recorder.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_print_never_reaches_the_network(tmp_path):
    """Even a page (a user's own template, say) that asks for pictures and style sheets from
    a server, with no Content-Security-Policy to stop it: the browser fetches nothing."""
    browser = real_browser()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        address = f"http://127.0.0.1:{server.server_address[1]}"
        page = (
            f'<!DOCTYPE html><html><head><link rel="stylesheet" href="{address}/style.css">'
            f'<style>@import url("{address}/more.css");</style></head>'
            f'<body><p>Ava Example</p><img src="{address}/logo.png"><img src="http://localhost:{server.server_address[1]}/x.png">'
            "</body></html>"
        )
        pdf = printing.print_pdf(page, browser)
    finally:
        server.shutdown()
        server.server_close()
    assert pdf.startswith(b"%PDF-")
    assert Recorder.requests == [], f"the browser fetched {Recorder.requests}"


def test_the_real_browser_leaves_nothing_behind(tmp_path, monkeypatch):
    """Its profile, the HTML and the PDF are in the one temporary folder, and that is gone."""
    browser = real_browser()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    pdf = printing.print_pdf("<!DOCTYPE html><p>Ava Example</p>", browser)
    assert pdf.startswith(b"%PDF-") and list(tmp_path.iterdir()) == []
