"""A child's identifiers in other systems: the case-management system's ID (Liquidlogic LCS,
Mosaic, Eclipse) and the NHS number. They let the minutes be filed against the right person;
a wrong one files them against someone else, so the NHS number is checked by its check digit
(a typo in one digit, or two digits swapped, never passes).

Pure functions: the CLI turns an ``IdentifierError`` into a usage error naming the option.
"""

from __future__ import annotations

from .text import TextError, clean_name

# A case-system ID is a short code (digits, letters, a dash); 64 characters is far more than
# any of them uses, and stops a paste of a whole note going into the minutes' header.
MAX_CASE_ID = 64
DIGITS = "0123456789"  # ASCII only: str.isdigit() also takes "٣" and "³"
SEPARATORS = " -"


class IdentifierError(ValueError):
    """An identifier the record does not accept; the message names the value and says why."""


def nhs_check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit of an NHS number's first nine digits, or None when no NHS
    number begins with them (the check digit would be 10).

    Each digit is weighted 10 down to 2; the check digit is 11 minus the remainder of the sum
    by 11, and 11 becomes 0 (NHS Data Dictionary, "NHS Number")."""
    if len(first_nine) != 9 or any(c not in DIGITS for c in first_nine):
        raise ValueError(f"nine digits expected, not {first_nine!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        return None
    return 0 if check == 11 else check


def nhs_number(text: str) -> str:
    """An NHS number as typed (``943 476 5919``, ``943-476-5919``, ``9434765919``) in the
    record's form, ten digits; an ``IdentifierError`` naming it when it is not ten digits or its
    check digit does not match."""
    digits = "".join(c for c in text.strip() if c not in SEPARATORS)
    if any(c not in DIGITS for c in digits):
        raise IdentifierError(f"{text!r} is not an NHS number: it is ten digits (spaces or hyphens allowed)")
    if len(digits) != 10:
        raise IdentifierError(f"{text!r} is not an NHS number: it has {len(digits)} digits, not ten")
    if len(set(digits)) == 1:  # 0000000000 and 9999999999 pass the check: placeholders, no one's
        raise IdentifierError(f"{text!r} is not an NHS number: one digit repeated is a placeholder")
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        raise IdentifierError(
            f"{text!r} is not a valid NHS number: the check digit does not match (a digit mistyped "
            "or two swapped?)"
        )
    return digits


def shown_nhs_number(digits: str) -> str:
    """An NHS number as people read and write it: ``943 476 5919`` (3-3-4)."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


def case_id(text: str, what: str = "case ID") -> str | None:
    """A case-management system's ID in the record's form: one line, cleaned like a name,
    without the spaces around it, at most ``MAX_CASE_ID`` characters; None when empty (no ID).
    An ``IdentifierError`` names what is wrong."""
    try:
        value = clean_name(text.strip(), what).strip()
    except TextError as error:
        raise IdentifierError(str(error).removeprefix(f"{what}: ")) from None
    if not value:
        return None
    if len(value) > MAX_CASE_ID:
        raise IdentifierError(
            f"{value[:20]!r}... is {len(value)} characters: a case ID is at most {MAX_CASE_ID}"
        )
    return value
