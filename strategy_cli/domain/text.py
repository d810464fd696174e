"""What text the record accepts, in one place: every name and free text a user gives passes here.

The record is read by people (on a terminal, in printed minutes, in court), so text is kept as
given but in one canonical form (Unicode NFC: "Zoë" typed two ways is one name), and refused
where it could deceive or break what shows it:

- a NUL or another control character (an escape sequence drives the terminal it is shown on);
- bidirectional controls (U+202A-U+202E, U+2066-U+2069), which make text read other than it is;
- a lone surrogate: bytes that were not UTF-8 (the shell passes them through as such);
- in a one-line field (a name, a role, who is acting), a line break or carriage return;
- a name with no visible character (only spaces, zero-width or filler characters).

A leading byte-order mark (from a file saved by Notepad) is dropped. Names are compared as a
person reads them: case- and normalisation-insensitively (``same_name``).
"""

from __future__ import annotations

import unicodedata

MAX_TEXT = 100_000
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# How one a record holds from before it was refused is shown (a ``str.translate`` table): as
# U+FFFD, so text on a terminal or in the minutes never reads other than it is.
BIDI_SHOWN = {ord(c): "\ufffd" for c in BIDI_CONTROLS}
# Characters that draw nothing although Unicode calls them letters or symbols.
FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
BOM = "\ufeff"


class TextError(ValueError):
    """Text the record does not accept; the message names the field and says why."""


def clean(value: str, what: str, one_line: bool = False) -> str:
    """The text in the record's form (NFC, no leading BOM), or a ``TextError`` naming ``what``."""
    if any("\ud800" <= c <= "\udfff" for c in value):
        raise TextError(f"{what}: the text is not valid UTF-8 (bytes another encoding wrote?)")
    value = unicodedata.normalize("NFC", value.removeprefix(BOM))
    if "\x00" in value:
        raise TextError(f"{what}: the text contains a NUL character")
    bidi = next((c for c in value if c in BIDI_CONTROLS), None)
    if bidi is not None:
        raise TextError(
            f"{what}: the text contains a bidirectional control (U+{ord(bidi):04X}), which makes it read "
            "other than it is"
        )
    if one_line and ("\n" in value or "\r" in value or "\u2028" in value or "\u2029" in value):
        raise TextError(f"{what}: a line break does not belong in it (one line only)")
    control = next((c for c in value if _is_control(c)), None)
    if control is not None:
        raise TextError(f"{what}: the text contains a control character ({control!r})")
    if len(value) > MAX_TEXT:
        raise TextError(f"{what}: the text is {len(value):,} characters (at most {MAX_TEXT:,})")
    return value


def clean_name(value: str, what: str) -> str:
    """A person's name (or a role, or who is acting): one line, with something visible in it."""
    value = clean(value, what, one_line=True).translate(INVISIBLE_IN_NAMES)
    if value and not any(_visible(c) for c in value):
        raise TextError(f"{what}: {value!r} has no visible character")
    return value


def same_name(a: str, b: str) -> bool:
    """Whether two names are the same as a person reads them ("zoe example" is "Zoe Example",
    and "Zoë" typed with a combining accent is "Zoë")."""
    return name_key(a) == name_key(b)


def name_key(name: str) -> str:
    """A name as a person reads it: compatibility forms, case and invisible format characters
    (but the joiners some scripts and emoji need) do not make another name."""
    folded = unicodedata.normalize("NFKD", name).casefold()
    kept = "".join(c for c in folded if unicodedata.category(c) != "Cf" or c in JOINERS)
    return " ".join(unicodedata.normalize("NFC", kept).split())


# Zero-width joiner and non-joiner: part of how Indic scripts, Persian and emoji are written.
JOINERS = frozenset("\u200c\u200d")
# Invisible characters that are never part of a name as written: dropped from names.
INVISIBLE_IN_NAMES = str.maketrans(dict.fromkeys("\u200b\u2060\ufeff\u180e\u00ad"))


def _is_control(character: str) -> bool:
    code = ord(character)
    return (code < 0x20 and character not in "\t\n\r") or 0x7F <= code <= 0x9F


def _visible(character: str) -> bool:
    if character in FILLERS:
        return False
    return unicodedata.category(character) not in {"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cn", "Co"}
