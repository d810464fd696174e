"""Text in one canonical form, refused where it could deceive (issue 17): NFC names are one
name, bidirectional controls and invisible names are refused, one-line fields take no line
break, a BOM from @FILE is dropped, names are looked up as a person reads them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import AVA

from strategy_cli.domain.text import TextError, clean, clean_name, same_name

NFD_ZOE = "Zoe\u0308 Example"  # e + combining diaeresis
NFC_ZOE = "Zo\u00eb Example"


def test_one_name_however_it_was_typed(cli):
    ref = cli.new("--child", NFD_ZOE, "--dob", "2015-03-02", "--procedure", "hampshire")
    assert cli.json("show", ref)["children"][0]["name"] == NFC_ZOE
    refused = cli.run("child", "add", ref, "--name", NFC_ZOE.upper(), "--dob", "2016-01-01", expect=1)
    assert "already has a child" in refused.output
    cli.run("child", "edit", ref, "zoe\u0308 example", "--looked-after")
    assert cli.json("show", ref)["children"][0]["looked_after"] is True
    cli.run("attend", ref, "--name", "Sam Social", "--agency", "social-care")
    cli.run("attend", ref, "--name", "SAM SOCIAL", "--role", "Team manager")
    attendees = cli.json("show", ref)["attendees"]
    assert len(attendees) == 1 and attendees[0]["role"] == "Team manager"


@pytest.mark.parametrize(
    "option, value, named",
    [
        ("--child", "\u200b\u3164", "no visible character"),
        ("--child", "Ava\nExample", "line break"),
        ("--summary", "right\u202eto left", "bidirectional"),
        ("--referrer", "bad \udcff byte", "not valid UTF-8"),
    ],
)
def test_deceptive_text_is_refused_naming_the_option(cli, option, value, named):
    args = [*AVA, "--procedure", "hampshire"]
    if option == "--child":
        args = ["--child", value, "--dob", "2015-03-02", "--procedure", "hampshire"]
    else:
        args += [option, value]
    refused = cli.run("new", "--no-input", *args, expect=2)
    assert option in refused.output and named in refused.output


def test_a_line_break_in_who_is_acting_is_refused(cli):
    refused = cli.run("--by", "Sam\rSocial", "list", expect=2)
    assert "--by" in refused.output and "line break" in refused.output


def test_a_bom_from_a_file_is_not_part_of_the_name(cli, tmp_path):
    path = tmp_path / "name.txt"
    path.write_bytes("\ufeffAva Example\n".encode())
    ref = cli.new("--child", f"@{path}", "--dob", "2015-03-02", "--procedure", "hampshire")
    assert cli.json("show", ref)["children"][0]["name"] == "Ava Example"


@given(st.text(max_size=30))
def test_clean_text_is_stable_and_never_holds_what_it_refuses(value):
    try:
        kept = clean(value, "text")
    except TextError:
        return
    assert clean(kept, "text") == kept  # already in the record's form
    assert not any(c in kept for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\x00")


@given(st.text(max_size=20))
def test_a_name_is_the_same_as_itself_in_any_case(value):
    try:
        name = clean_name(value, "--name")
    except TextError:
        return
    assert same_name(name, name.upper()) and same_name(name, name.lower())
