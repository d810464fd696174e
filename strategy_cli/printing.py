"""Printing the HTML minutes to PDF with a browser the user already has (Chromium, Chrome, Edge).

The PDF is the HTML minutes as Chromium prints them: the same ``@page`` layout, with the
protective marking, reference and "Page N of M" in the page margins. We drive an installed
browser rather than ship a PDF library: every council laptop has Edge, the print is exactly
what a person gets from the browser's own Print, and no rendering engine comes with the wheel.

Finding the browser is pure (``find_browser`` reads a ``Surroundings``: the environment
variables, the platform, ``which`` and ``is_file``), so each platform's search can be tested
anywhere with a fake one. Printing runs the browser headless, offline, in a private temporary
folder that is removed afterwards.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import StrategyError

BROWSER_VARIABLE = "STRATEGY_BROWSER"
WHAT_TO_INSTALL = "Chromium, Google Chrome or Microsoft Edge"

# Looked for on PATH, in this order (Linux package names first; "chrome" and "msedge" are the
# Windows programs' names, for someone who put their folder on PATH).
COMMANDS = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "microsoft-edge-stable",
    "msedge",
)

# Long enough for a slow laptop's first start of the browser; a print takes about a second here.
PRINT_SECONDS = 120


class BrowserMissing(StrategyError):
    """No browser to print with, or ``STRATEGY_BROWSER`` names one that is not there (exit 1)."""


class PrintFailed(StrategyError):
    """The browser ran but gave no PDF: it failed, crashed or took too long (exit 1)."""


@dataclass(frozen=True)
class Surroundings:
    """What finding a browser looks at; ``here()`` is this computer, tests make their own."""

    variables: Mapping[str, str]
    platform: str  # as sys.platform: "linux", "win32", "darwin"
    which: Callable[[str], str | None]
    is_file: Callable[[str], bool]

    @classmethod
    def here(cls) -> Surroundings:
        return cls(os.environ, sys.platform, shutil.which, os.path.isfile)


def find_browser(surroundings: Surroundings | None = None) -> str:
    """The program to print with: ``STRATEGY_BROWSER`` when set (a path or a command on PATH),
    else the first of ``COMMANDS`` on PATH, else the first installed in the usual folders of
    Windows and macOS, where browsers are not on PATH. Raises ``BrowserMissing`` saying what
    to install."""
    around = surroundings or Surroundings.here()
    named = around.variables.get(BROWSER_VARIABLE, "").strip().strip('"').strip()
    if named:
        return _named_browser(named, around)
    for command in COMMANDS:
        found = around.which(command)
        if found:
            return found
    for path in install_paths(around.variables, around.platform):
        if around.is_file(path):
            return path
    raise BrowserMissing(
        f"printing a PDF needs {WHAT_TO_INSTALL}, and none was found (on PATH or in the usual "
        f"install folders): install one, or set {BROWSER_VARIABLE} to the browser's program. "
        "--format html gives the same minutes to print from any browser"
    )


def _named_browser(named: str, around: Surroundings) -> str:
    """``STRATEGY_BROWSER``'s program: a path must be a file, a bare name must be on PATH.
    Never a silent fall back to another browser: the user chose this one."""
    if "/" in named or "\\" in named:
        path = os.path.expanduser(named)
        if around.is_file(path):
            return path
        problem = "there is no such file"
    else:
        found = around.which(named)
        if found:
            return found
        problem = "no program of that name is on PATH"
    raise BrowserMissing(
        f'{BROWSER_VARIABLE} is "{named}", but {problem}: set it to the program of {WHAT_TO_INSTALL} '
        "(a full path, or a command on PATH), or unset it to look in the usual places"
    )


def install_paths(variables: Mapping[str, str], platform: str) -> list[str]:
    """Where Chrome, Edge and Chromium install themselves when they are not on PATH: Windows'
    Program Files folders and the per-user LOCALAPPDATA, and macOS's Applications folders.
    Elsewhere (Linux) browsers are on PATH, so there is nothing more to look at."""
    if platform == "win32":
        return _windows_paths({name.upper(): value for name, value in variables.items()})
    if platform == "darwin":
        return _macos_paths(variables.get("HOME"))
    return []


def _windows_paths(variables: Mapping[str, str]) -> list[str]:
    program_files = variables.get("PROGRAMFILES") or r"C:\Program Files"
    program_files_x86 = variables.get("PROGRAMFILES(X86)") or r"C:\Program Files (x86)"
    per_user = variables.get("LOCALAPPDATA")
    chrome = ntpath.join("Google", "Chrome", "Application", "chrome.exe")
    edge = ntpath.join("Microsoft", "Edge", "Application", "msedge.exe")
    chromium = ntpath.join("Chromium", "Application", "chrome.exe")
    found = [ntpath.join(program_files, chrome), ntpath.join(program_files_x86, chrome)]
    if per_user:
        found.append(ntpath.join(per_user, chrome))
    found += [ntpath.join(program_files_x86, edge), ntpath.join(program_files, edge)]
    if per_user:
        found += [ntpath.join(per_user, edge), ntpath.join(per_user, chromium)]
    return found


def _macos_paths(home: str | None) -> list[str]:
    apps = [
        "Google Chrome.app/Contents/MacOS/Google Chrome",
        "Chromium.app/Contents/MacOS/Chromium",
        "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    ]
    folders = ["/Applications"] + ([posixpath.join(home, "Applications")] if home else [])
    return [posixpath.join(folder, app) for folder in folders for app in apps]


# --- Printing --------------------------------------------------------------------------------


def _as_root() -> bool:
    """Whether this process runs as root (never on Windows, which has no such user id)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def browser_command(browser: str, source: Path, pdf: Path, profile: Path) -> list[str]:
    """The browser, headless, printing ``source`` to ``pdf`` without its own header and footer
    (the page marks come from the minutes' ``@page`` rules).

    Works as root (``--no-sandbox``, there only: Chromium will not start as root with its
    sandbox, and everyone else keeps it) and offline: no first-run, sync, update or background
    traffic, a fresh profile, and every web request sent to a closed local port (loopback
    included), so the print never reaches the network whatever a template asks for. The
    minutes' own HTML loads nothing anyway (inline CSS, system fonts, a CSP of ``'none'``)."""
    return [
        browser,
        "--headless",
        *(["--no-sandbox"] if _as_root() else []),
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",
        "--print-to-pdf-no-header",  # the same, as older releases spell it
        f"--print-to-pdf={pdf}",
        source.as_uri(),
    ]


def print_pdf(html: str, browser: str, timeout: float = PRINT_SECONDS) -> bytes:
    """The PDF of an HTML document, printed by ``browser``. Raises ``PrintFailed`` naming the
    browser when it fails, crashes or takes longer than ``timeout`` seconds.

    Everything the browser needs (the HTML, its profile, the PDF) sits in a private temporary
    folder (0700: the minutes are OFFICIAL-SENSITIVE), removed afterwards; the caller writes
    the PDF where the user asked."""
    with tempfile.TemporaryDirectory(prefix="strategy-print-", ignore_cleanup_errors=True) as folder:
        work = Path(folder)
        source, pdf, log = work / "minutes.html", work / "minutes.pdf", work / "browser.log"
        source.write_text(html, encoding="utf-8")
        command = browser_command(browser, source, pdf, work / "profile")
        returncode = _run(command, work, log, timeout)
        data = pdf.read_bytes() if pdf.is_file() else b""
        if returncode != 0 or not data.startswith(b"%PDF-"):
            raise PrintFailed(
                f"{browser} did not print the minutes (exit code {returncode}){_last_words(log)}; "
                f"{_snap_note(browser)}check that it is {WHAT_TO_INSTALL} and starts, or set "
                f"{BROWSER_VARIABLE} to another"
            )
        return data


def _snap_note(browser: str) -> str:
    """Ubuntu's Chromium is a snap, which sees its own /tmp, not the folder we print in."""
    if browser.startswith("/snap/"):
        return "a snap browser cannot read the temporary folder (install a .deb Chrome or Chromium); "
    return ""


def _run(command: list[str], work: Path, log: Path, timeout: float) -> int:
    """Run the browser in its own process group, its output to ``log`` (not a pipe, which a
    helper process it leaves behind would hold open); on a timeout or Ctrl-C, end the browser
    and every process it started, then report."""
    env = dict(os.environ)
    if sys.platform.startswith("linux"):
        # What Chromium leaves under ~ (crash report settings, dconf, .pki) goes with the folder.
        env.update(HOME=str(work), XDG_CONFIG_HOME=str(work / "config"), XDG_CACHE_HOME=str(work / "cache"))
    posix = os.name == "posix"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=posix,
        )
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _end(process)
            raise PrintFailed(
                f"{command[0]} did not finish printing the minutes within {timeout:g} seconds; "
                f"try again, or set {BROWSER_VARIABLE} to another browser"
            ) from None
        except BaseException:
            _end(process)
            raise


def _end(process: subprocess.Popen) -> None:
    """End the browser and the processes it started (renderer, GPU, crash handler)."""
    if os.name == "posix":
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    else:
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True, check=False)
    process.kill()
    process.wait()


def _last_words(log: Path) -> str:
    """The browser's last line of output, which usually says why it failed ("" if none)."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    said = [line.strip() for line in lines if line.strip()]
    return f": {said[-1][:300]}" if said else ""
