"""Where things live and who is working: paths, config.toml, profiles on disk, the clock.

Paths come from ``platformdirs`` (so a council's Windows laptop gets its AppData folders) and
are overridden by ``--db`` / ``STRATEGY_DB``. Nothing here imports a heavy library at module
level: every command pays for this module.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .domain.calendar import BankHolidays, TimeInputError, local, parse_instant
from .errors import StrategyError, UsageProblem

if TYPE_CHECKING:  # loading a profile parses TOML: only the commands that need one pay for it
    from .domain.procedures import Profile

PACKAGE = Path(__file__).resolve().parent

APP = "strategy"


def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


if TYPE_CHECKING:
    from .address import Server


def database_path(option: str | None) -> Path | Server:
    """``--db``, else ``$STRATEGY_DB``, else ``database`` in config.toml, else ``strategy.db``
    in the user data folder: a file, or (a ``postgresql://`` URL) a team's server database.

    ``$STRATEGY_TEST_DB`` (a URL) is for the test suites: a file path then names a schema of
    its own on that server, so every test runs unchanged against PostgreSQL."""
    from .address import Server, for_tests, is_url, normalized

    chosen = database_choice(option)
    if chosen and is_url(chosen):
        return Server(normalized(chosen))
    path = Path(chosen).expanduser() if chosen else data_dir() / "strategy.db"
    test_server = os.environ.get("STRATEGY_TEST_DB")
    if test_server and is_url(test_server):
        return for_tests(str(path.absolute()), test_server)
    return path


def database_choice(option: str | None) -> str | None:
    """What names the database: ``--db``, ``$STRATEGY_DB``, config.toml's ``database`` (None: the default)."""
    chosen = option or os.environ.get("STRATEGY_DB")
    if chosen:
        return chosen
    configured = user_config().get("database")
    return configured if isinstance(configured, str) and configured else None


def demo_database_path() -> Path:
    """The demo's own file: never the user's real database."""
    return data_dir() / "demo.db"


def who(option: str | None) -> str:
    """Who the audit trail records: ``--by``, ``$STRATEGY_USER``, else the OS login."""
    if option:
        return option
    if os.environ.get("STRATEGY_USER"):
        return os.environ["STRATEGY_USER"]
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers, some Windows services)
        return "unknown"


def now() -> datetime:
    """The current instant; ``$STRATEGY_NOW`` fixes it for training, demos and tests."""
    fixed = os.environ.get("STRATEGY_NOW")
    if fixed:
        try:
            return parse_instant(fixed, now=datetime.now(UTC)).instant
        except TimeInputError as error:
            raise UsageProblem(f"STRATEGY_NOW: {error}") from None
    return local(datetime.now(UTC))


@lru_cache(maxsize=1)
def user_config() -> dict:
    import tomllib

    path = config_dir() / "config.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise StrategyError(f"{path}: not valid TOML ({error})") from None


def chosen_procedure(option: str | None) -> str | None:
    """``--procedure``, else ``$STRATEGY_PROCEDURE``, else ``procedure`` in config.toml."""
    return option or os.environ.get("STRATEGY_PROCEDURE") or user_config().get("procedure")


# --- Procedure profiles ---------------------------------------------------------------------


def _builtin_files() -> dict[str, tuple[str | None, str]]:
    folder = PACKAGE / "procedures"
    return {
        path.stem: (_read_profile_text(path), f"procedures/{path.name}")
        for path in sorted(folder.glob("*.toml"))
    }


def _user_files() -> dict[str, tuple[str | None, str]]:
    folder = config_dir() / "procedures"
    if not folder.is_dir():
        return {}
    return {path.stem: (_read_profile_text(path), str(path)) for path in sorted(folder.glob("*.toml"))}


# Why a profile file could not be read, by its path: it is listed as broken, never a crash.
_UNREADABLE: dict[str, str] = {}


def _read_profile_text(path: Path) -> str | None:
    """A profile's text (a byte-order mark, as Notepad writes, is dropped); None when it
    cannot be read, the reason kept for `strategy procedures` to show."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        _UNREADABLE[str(path)] = "not UTF-8 text (save it as UTF-8)"
    except OSError as error:
        _UNREADABLE[str(path)] = error.strerror or str(error)
    return None


def read_checklist(name: str) -> tuple[str, str]:
    """A checklist a profile names: the user's (beside their profiles) before the built-in one."""
    from .domain.procedures import ProfileError

    user = config_dir() / "procedures" / "checklists" / f"{name}.toml"
    entry = _checklist_path(name)
    if not entry.is_file():
        raise ProfileError(f"checklist {name!r} not found (looked in {user.parent} and the built-in ones)")
    text = _read_profile_text(entry)
    if text is None:
        raise ProfileError(f"{entry}: {_UNREADABLE.get(str(entry), 'cannot be read')}")
    return text, str(entry) if entry == user else f"procedures/checklists/{name}.toml"


def _checklist_path(name: str) -> Path:
    """Where the checklist a profile names is: the user's, else the built-in one (which may
    not exist either)."""
    user = config_dir() / "procedures" / "checklists" / f"{name}.toml"
    return user if user.is_file() else PACKAGE / "procedures" / "checklists" / f"{name}.toml"


def _checklist_name(text: str) -> str | None:
    """The checklist a profile's text names (``checklist = "NAME"``), read without parsing TOML."""
    import re

    named = re.search(r'^checklist\s*=\s*"([a-z0-9-]+)"', text, re.MULTILINE)
    return named.group(1) if named else None


@lru_cache(maxsize=1)
def profile_sources() -> dict[str, tuple[str | None, str]]:
    """Every profile's TOML by file name: built-in ones, then the user's (which may add more)."""
    return {**_builtin_files(), **_user_files()}


@cache
def profile_fingerprint(profile_id: str) -> str:
    """The first form of a profile's fingerprint (its text, its checklist's, the rules'
    version), for a discussion not pinned to a version: its stored deadlines are stale when
    its profile file changes. Cheap: no TOML parsing."""
    from .domain.rules import RULES_VERSION

    text = profile_sources().get(profile_id, (None, ""))[0]
    if text is None:
        return "unknown"
    name = _checklist_name(text)
    found = _checklist_path(name) if name else None
    checklist = found.read_bytes() if found is not None and found.is_file() else None
    return first_form_fingerprint(text, checklist, RULES_VERSION)


def first_form_fingerprint(text: str, checklist: bytes | None, rules_version: int) -> str:
    """How releases before schema 7 fingerprinted the profile a discussion was judged under."""
    import hashlib

    digest = hashlib.sha256(f"rules {rules_version}\n{text}".encode())
    if checklist is not None:
        digest.update(checklist)
    return digest.hexdigest()[:16]


def rules_fingerprint(version: str) -> str:
    """What the stored deadlines of a discussion pinned to ``version`` were computed with: that
    version and the rules' own; only a new release of the rules makes them stale."""
    from .domain.rules import RULES_VERSION

    return f"{RULES_VERSION}:{version[:16]}"


def _unknown(profile_id: str) -> UsageProblem:
    from .domain.ids import unknown_id

    return UsageProblem(unknown_id(profile_id, sorted(profile_sources()), "a procedure"))


def procedure_named(typed: str) -> str:
    """The id of the profile a user named (``West-Midlands``, ``west midlands``: west-midlands),
    without reading any profile; an unknown one is a usage error with the likely one."""
    from .domain.ids import find_id

    found = find_id(typed, profile_sources())
    if found is None:
        raise _unknown(typed)
    return found


@cache
def _current(profile_id: str) -> tuple[Profile, str, str]:
    """A profile file as it reads now: validated, with its version hash and the stored body."""
    from .domain.procedures import ProfileError, canonical, fingerprint, load_resolved, resolve

    sources = profile_sources()
    if profile_id not in sources:
        raise _unknown(profile_id)
    text, origin = sources[profile_id]
    if text is None:
        raise StrategyError(f"{origin}: {_UNREADABLE.get(origin, 'cannot be read')}")
    try:
        data = resolve(text, origin, read_checklist)
        loaded = load_resolved(data, origin)
    except ProfileError as error:
        raise StrategyError(str(error)) from None
    if loaded.id != profile_id:
        raise StrategyError(f"{origin}: id: {loaded.id!r} does not match the file name {profile_id!r}")
    return loaded, fingerprint(data), canonical(data)


def profile(profile_id: str) -> Profile:
    """One profile as its file reads now (what a new discussion is opened under); an unknown
    id is a usage error that lists the known ones."""
    return _current(profile_id)[0]


def current_version(profile_id: str) -> tuple[str, str]:
    """The version hash of a profile as its file reads now, and the body stored under it."""
    _loaded, version, body = _current(profile_id)
    return version, body


@dataclass(frozen=True)
class JudgedVersion:
    """A version of a profile a discussion recorded before schema 7 may have been judged
    under: its hash and stored body, and the first-form fingerprints (by rules version) that
    name it."""

    version: str
    body: str
    fingerprints: dict[str, int]


def judged_versions(profile_id: str) -> list[JudgedVersion]:
    """The versions of a profile a discussion recorded before schema 7 may have been judged
    under: the file as it reads now, then each earlier release's built-in text
    (``procedures/earlier.json``, taken from the repository's history). Keys the first
    edition ignored are dropped, as it dropped them; a text that still does not load is left
    out."""
    import json as _json

    from .domain.procedures import ProfileError, canonical, fingerprint, load_resolved, resolve, strip_unknown
    from .domain.rules import RULES_VERSION

    candidates: list[tuple[str, str | None, str]] = []
    text, origin = profile_sources().get(profile_id, (None, ""))
    if text is not None:
        try:
            checklist = _named_checklist(text)
        except ProfileError:
            checklist = None
        candidates.append((text, checklist, origin))
    earlier = _json.loads((PACKAGE / "procedures" / "earlier.json").read_text(encoding="utf-8"))
    candidates += [
        (e["text"], e["checklist"], f"{profile_id} ({e['release']})")
        for e in earlier
        if e["procedure"] == profile_id
    ]
    found: list[JudgedVersion] = []
    for text, checklist, where in candidates:
        try:
            data = resolve(text, where, _given_checklist(checklist, where))
            data, _dropped = strip_unknown(data)
            load_resolved(data, where)
        except ProfileError:
            continue
        raw = checklist.encode() if checklist is not None else None
        prints = {first_form_fingerprint(text, raw, rules): rules for rules in range(1, RULES_VERSION + 1)}
        found.append(JudgedVersion(fingerprint(data), canonical(data), prints))
    return found


def _given_checklist(text: str | None, where: str) -> Callable[[str], tuple[str, str]]:
    """A checklist reader that returns the text given (an earlier release's), or the usual one."""
    if text is None:
        return read_checklist
    return lambda _name: (text, where)


def _named_checklist(text: str) -> str | None:
    """The text of the checklist a profile names (None: it names none)."""
    name = _checklist_name(text)
    return read_checklist(name)[0] if name else None


def clear_profile_caches() -> None:
    """Forget what was read from the profile files (tests that write profiles call this)."""
    profile_sources.cache_clear()
    _current.cache_clear()
    profile_fingerprint.cache_clear()


def all_profiles() -> list[Profile]:
    return [profile(profile_id) for profile_id in sorted(profile_sources())]


def profile_report() -> list[tuple[str, str, Profile | str]]:
    """Every profile file: its id, where it is, and the profile or why it cannot be loaded.
    One broken file never hides the others."""
    found: list[tuple[str, str, Profile | str]] = []
    for profile_id, (_text, origin) in sorted(profile_sources().items()):
        try:
            found.append((profile_id, origin, profile(profile_id)))
        except StrategyError as error:
            found.append((profile_id, origin, str(error)))
    return found


@cache
def bank_holidays(country: str, subdivision: str | None) -> BankHolidays:
    """One calendar per process (building one imports much of the ``holidays`` package)."""

    def load_year(year: int):
        import holidays

        try:
            return holidays.country_holidays(country, subdiv=subdivision, years=year).keys()
        except (NotImplementedError, KeyError, ValueError):
            raise StrategyError(
                f"no bank holiday calendar for country {country!r}, subdivision {subdivision!r} "
                '(the procedure profile\'s [calendar]; e.g. country = "GB", subdivision = "ENG")'
            ) from None

    return BankHolidays(load_year)


def holidays_for(loaded: Profile) -> BankHolidays:
    return bank_holidays(loaded.calendar_country, loaded.calendar_subdivision)
