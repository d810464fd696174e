"""A child's case-system ID and NHS number: the check digit (pure, with hypothesis), `child add`
and `child edit` end to end, the audit trail that `check` replays, and where they show: `show`,
`show --json` and the professional minutes, never the family version, the calendar or `due`."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from strategy_cli.domain.identifiers import (
    MAX_CASE_ID,
    IdentifierError,
    case_id,
    nhs_check_digit,
    nhs_number,
    shown_nhs_number,
)
from strategy_cli.domain.text import BIDI_CONTROLS, clean_name

VALID = "9434765919"  # the NHS's own example
OTHER = "4010232137"
SHOWN = "943 476 5919"


# --- The check digit ---------------------------------------------------------------------------

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def _valid(first_nine: str) -> str | None:
    check = nhs_check_digit(first_nine)
    return None if check is None else first_nine + str(check)


valid_numbers = nine_digits.map(_valid).filter(lambda n: n is not None and len(set(n)) > 1)  # not 0000000000


def test_known_numbers():
    assert nhs_number(VALID) == VALID
    assert nhs_number(OTHER) == OTHER
    assert nhs_check_digit("943476591") == 9
    assert nhs_check_digit("000000000") == 0  # 11 becomes 0
    assert shown_nhs_number(VALID) == SHOWN


@given(nine_digits)
@example("943476591")
@example("000000001")  # a sum that leaves 1: its check digit would be 10
def test_the_check_digit_is_modulus_11(first_nine):
    """Weights 10 down to 2; 11 minus the remainder; 11 is 0 and 10 means no such number."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    expected = (11 - total % 11) % 11
    found = nhs_check_digit(first_nine)
    if expected == 10:
        assert found is None
        for last in "0123456789":  # no tenth digit makes it a number
            with pytest.raises(IdentifierError, match="check digit does not match"):
                nhs_number(first_nine + last)
    else:
        assert found == expected
        number = first_nine + str(found)
        if len(set(number)) == 1:  # 0000000000: the check passes, but it is a placeholder
            with pytest.raises(IdentifierError, match="placeholder"):
                nhs_number(number)
        else:
            assert nhs_number(number) == number


@pytest.mark.parametrize("placeholder", ["0000000000", "000 000 0000", "9999999999"])
def test_one_digit_repeated_is_a_placeholder_not_an_nhs_number(placeholder):
    with pytest.raises(IdentifierError, match="placeholder"):
        nhs_number(placeholder)


@given(valid_numbers, st.lists(st.sampled_from([" ", "-", "  "]), min_size=11, max_size=11))
def test_spaces_and_hyphens_are_allowed_anywhere_and_dropped(number, separators):
    typed = "".join(sep + digit for sep, digit in zip(separators, number + " ", strict=False))
    assert nhs_number(typed) == number
    assert nhs_number(shown_nhs_number(number)) == number
    assert re.fullmatch(r"\d{3} \d{3} \d{4}", shown_nhs_number(number))


@given(valid_numbers, st.integers(0, 9), st.integers(1, 9))
def test_one_digit_mistyped_never_passes(number, position, change):
    digits = list(number)
    digits[position] = str((int(digits[position]) + change) % 10)
    wrong = "".join(digits)
    with pytest.raises(IdentifierError) as raised:
        nhs_number(wrong)
    assert repr(wrong) in str(raised.value) and "check digit does not match" in str(raised.value)


@given(valid_numbers, st.integers(0, 8))
def test_two_neighbours_swapped_never_pass(number, position):
    digits = list(number)
    digits[position], digits[position + 1] = digits[position + 1], digits[position]
    swapped = "".join(digits)
    if swapped != number:
        with pytest.raises(IdentifierError, match="check digit does not match"):
            nhs_number(swapped)


@given(st.text(max_size=14))
def test_anything_else_is_refused_by_name_or_is_a_valid_number(text):
    try:
        found = nhs_number(text)
    except IdentifierError as error:
        assert repr(text) in str(error)
    else:
        assert re.fullmatch(r"\d{10}", found) and nhs_check_digit(found[:9]) == int(found[9])


@pytest.mark.parametrize(
    "typed, why",
    [
        ("943476591", "9 digits, not ten"),
        ("94347659190", "11 digits, not ten"),
        ("943 476 591X", "ten digits"),
        ("٩٤٣٤٧٦٥٩١٩", "ten digits"),  # Arabic-Indic digits: not what the case systems take
        ("943.476.5919", "ten digits"),
    ],
)
def test_not_ten_digits(typed, why):
    with pytest.raises(IdentifierError, match=why):
        nhs_number(typed)


def test_a_case_id_is_one_clean_line():
    assert case_id("  LCS-12345 ") == "LCS-12345"
    assert case_id("   ") is None
    assert case_id("A" * MAX_CASE_ID) == "A" * MAX_CASE_ID
    for bad, why in [
        ("A" * (MAX_CASE_ID + 1), f"at most {MAX_CASE_ID}"),
        ("12\n34", "line break"),
        ("12\u202e34", "bidirectional"),
        ("12\x1b[31m", "control character"),
    ]:
        with pytest.raises(IdentifierError, match=why):
            case_id(bad)


@given(st.text(max_size=80))
def test_any_case_id_is_refused_by_reason_or_kept_as_one_clean_line(text):
    try:
        found = case_id(text)
    except IdentifierError as error:
        assert str(error)
        return
    if found is None:
        assert not text.strip() or not clean_name(text.strip(), "x").strip()
        return
    assert found == found.strip() and 0 < len(found) <= MAX_CASE_ID
    assert found == clean_name(found, "x")  # already in the record's form: a line, nothing hidden
    assert not BIDI_CONTROLS & set(found) and not {"\n", "\r", "\u2028", "\u2029"} & set(found)


# --- child add and child edit ------------------------------------------------------------------


def _children(cli, ref) -> dict[str, dict]:
    return {c["name"]: c for c in cli.json("show", ref)["children"]}


def _check_clean(cli) -> None:
    done = cli.run("check")
    assert "match their audit trails" in done.stdout and "The database is whole." in done.stdout


def test_add_edit_and_clear_keep_the_record_and_its_trail_agreeing(cli):
    ref = cli.new()
    ava = _children(cli, ref)["Ava Example"]
    assert ava["case_id"] is None and ava["nhs_number"] is None  # there, and null when absent

    cli.run(
        "child", "add", ref, "--name", "Noah Example", "--dob", "2019-07-14",
        "--case-id", " LCS-0042 ", "--nhs-number", SHOWN,
    )  # fmt: skip
    noah = _children(cli, ref)["Noah Example"]
    assert (noah["case_id"], noah["nhs_number"]) == ("LCS-0042", VALID)

    # A correction changes only what it gives.
    cli.run("child", "edit", ref, "noah example", "--nhs-number", "401-023-2137")
    noah = _children(cli, ref)["Noah Example"]
    assert (noah["case_id"], noah["nhs_number"]) == ("LCS-0042", OTHER)
    cli.run("child", "edit", ref, "Noah Example", "--case-id", "MOS 9")
    assert _children(cli, ref)["Noah Example"]["nhs_number"] == OTHER
    cli.run("child", "edit", ref, "Ava Example", "--medical")
    assert _children(cli, ref)["Ava Example"]["nhs_number"] is None
    _check_clean(cli)

    # An empty value clears one, and only that one.
    cli.run("child", "edit", ref, "Noah Example", "--case-id", "")
    noah = _children(cli, ref)["Noah Example"]
    assert (noah["case_id"], noah["nhs_number"]) == (None, OTHER)
    cli.run("child", "edit", ref, "Noah Example", "--nhs-number", " ")
    assert _children(cli, ref)["Noah Example"]["nhs_number"] is None
    again = cli.run("child", "edit", ref, "Noah Example", "--nhs-number", "")
    assert "nothing changed" in again.stdout
    _check_clean(cli)

    trail = cli.json("log", ref)
    edits = [e["detail"] for e in trail if e["action"] == "child.edit"]
    assert edits[0]["old"]["nhs_number"] == VALID and edits[0]["new"]["nhs_number"] == OTHER
    assert edits[0]["new"]["case_id"] == "LCS-0042"
    added = next(
        e["detail"]["new"]
        for e in trail
        if e["action"] == "child.add" and e["detail"]["new"]["name"] == "Noah Example"
    )
    assert (added["case_id"], added["nhs_number"]) == ("LCS-0042", VALID)


def test_a_bad_nhs_number_is_named_and_nothing_is_written(cli):
    ref = cli.new()
    before = len(cli.json("log", ref))
    for args in (
        [
            "child",
            "add",
            ref,
            "--name",
            "Noah Example",
            "--dob",
            "2019-07-14",
            "--nhs-number",
            "943 476 5918",
        ],
        ["child", "edit", ref, "Ava Example", "--nhs-number", "943 476 5918"],
    ):
        done = cli.run(*args, expect=2)
        assert "'943 476 5918'" in done.output and "check digit does not match" in done.output
    done = cli.run("child", "edit", ref, "Ava Example", "--nhs-number", "12345", expect=2)
    assert "'12345'" in done.output and "5 digits" in done.output
    done = cli.run("child", "edit", ref, "Ava Example", "--case-id", "x" * 65, expect=2)
    assert "--case-id" in done.output
    assert len(cli.json("log", ref)) == before
    assert [c["name"] for c in cli.json("show", ref)["children"]] == ["Ava Example"]


def test_one_nhs_number_is_one_child(cli):
    ref = cli.new()
    cli.run("child", "edit", ref, "Ava Example", "--nhs-number", VALID)
    done = cli.run(
        "child", "add", ref, "--name", "Noah Example", "--dob", "2019-07-14", "--nhs-number", SHOWN, expect=1
    )
    assert "943 476 5919" in done.output and "Ava Example" in done.output
    cli.run("child", "add", ref, "--name", "Noah Example", "--dob", "2019-07-14", "--nhs-number", OTHER)
    done = cli.run("child", "edit", ref, "Noah Example", "--nhs-number", VALID, expect=1)
    assert "already recorded for 'Ava Example'" in done.output
    cli.run("child", "edit", ref, "Ava Example", "--nhs-number", VALID)  # its own: unchanged, fine


def test_show_in_the_terminal(cli):
    ref = cli.new()
    plain = cli.run("show", ref).stdout
    assert "Identifiers" not in plain  # no column when no child has one
    cli.run("child", "edit", ref, "Ava Example", "--case-id", "LCS-0042", "--nhs-number", VALID)
    shown = cli.run("show", ref).stdout
    assert "LCS-0042" in shown and "943 476 5919" in shown


def test_help_names_the_options(cli):
    assert "--nhs-number" in cli.run("child", "add", "--help").stdout
    edit = cli.run("child", "edit", "--help").stdout
    assert "--case-id" in edit and "--nhs-number" in edit


# --- Where they are never shown ----------------------------------------------------------------

SECRETS = ("LCS-0042", VALID, SHOWN, "943-476-5919", "NHS")


def _with_identifiers(cli) -> str:
    ref = cli.new()
    cli.run("child", "edit", ref, "Ava Example", "--case-id", "LCS-0042", "--nhs-number", SHOWN)
    cli.run(
        "action", "add", ref, "--task", "Visit the family", "--owner", "Sam Social", "--agency", "social-care",
        "--due", "2026-11-25T12:00", "--for-family",
    )  # fmt: skip
    return ref


def test_the_professional_minutes_carry_them_and_the_family_version_never(cli):
    ref = _with_identifiers(cli)
    for fmt in ("md", "html"):
        professional = cli.run("export", ref, "--format", fmt).stdout
        header = professional.split("Children")[0]  # in the header, before the first section
        assert "Case ID and NHS number" in header and "LCS-0042" in header and SHOWN in header
        family = cli.run("export", ref, "--format", fmt, "--audience", "family").stdout
        assert "Ava Example" in family
        for secret in SECRETS:
            assert secret not in family, (fmt, secret)


def test_the_minutes_show_a_corrected_nhs_number_as_an_amendment(cli):
    ref = _with_identifiers(cli)
    cli.run("held", ref, "--at", "2026-11-23T08:00", "--format", "virtual", "--chair", "Sam Social")
    cli.run(
        "child", "edit", ref, "Ava Example", "--nhs-number", OTHER, env={"STRATEGY_NOW": "2026-11-24T09:00"}
    )
    minutes = cli.run("export", ref, "--format", "md").stdout
    assert "NHS number: 943 476 5919 → 401 023 2137" in minutes


def test_never_in_the_calendar_nor_due(cli, tmp_path):
    _with_identifiers(cli)
    ics = tmp_path / "due.ics"
    cli.run("due", "--ics", str(ics), "--with-names")
    calendar = ics.read_text(encoding="utf-8")
    assert "Ava Example" in calendar.replace("\r\n ", "")  # names were asked for...
    outputs = [calendar, cli.run("due").stdout, cli.run("due", "--json").stdout]
    for text in outputs:
        unfolded = text.replace("\r\n ", "")
        for secret in (*SECRETS[:3], "case_id", "nhs_number"):
            assert secret not in unfolded, secret  # ...never the identifiers


# --- As a user runs it -------------------------------------------------------------------------


def test_end_to_end_in_a_real_process(proc):
    ref = proc.new()
    proc.run(
        "child", "add", ref, "--name", "Łucja Example", "--dob", "2019-07-14",
        "--case-id", "EC/2026/77", "--nhs-number", "943-476-5919",
    )  # fmt: skip
    child = json.loads(proc.run("show", ref, "--json").stdout)["children"][1]
    assert (child["name"], child["case_id"], child["nhs_number"]) == ("Łucja Example", "EC/2026/77", VALID)
    bad = proc.run("child", "edit", ref, "Łucja Example", "--nhs-number", "9434765910", expect=2)
    assert "'9434765910'" in bad.stderr and "check digit does not match" in bad.stderr
    assert "Traceback" not in bad.stderr
    check = proc.run("check")
    assert "The database is whole." in check.stdout
