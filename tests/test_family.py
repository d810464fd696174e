"""The family and significant adults, and households: `family add/edit/remove`, `child
--household`, the near-18 rule reaching a young parent, `show`, the minutes, and the family
version addressed to one household that never names another's children."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import NOW

from strategy_cli.domain import rules
from strategy_cli.domain.calendar import add_months
from strategy_cli.domain.model import (
    Child,
    Discussion,
    FamilyMember,
    HouseholdError,
    chosen_household,
    households,
)
from strategy_cli.replay import as_shown, from_show, replay

TODAY = date.fromisoformat(NOW[:10])
BABY = ["--child", "Baby Example", "--dob", "2026-10-05"]


def new_case(cli, procedure="west-midlands"):
    return cli.new(*BABY, "--category", "serious-harm", "--procedure", procedure)


def dob_turning_18_in(months: int) -> str:
    """A date of birth whose 18th birthday is ``months`` months (and a day) after today."""
    return (add_months(TODAY, months - 18 * 12) + timedelta(days=1)).isoformat()


def replays(cli, ref) -> None:
    """The audit trail alone rebuilds what `show --json` shows (family included)."""
    from fixtures.robust_support import decision_questions, record_questions

    shown = cli.json("show", ref)
    derived = record_questions(shown["procedure"])
    state = replay(cli.json("log", ref))
    assert as_shown(state, decision_questions(shown["procedure"]), derived) == from_show(shown, derived)


# --- family add / edit / remove ---------------------------------------------------------------


def test_family_add_lists_the_member_in_show_json(cli):
    ref = new_case(cli)
    shown = cli.json(
        "family", "add", ref, "--name", "Mia Example", "--relationship", "MOTHER", "--dob", "01/03/2001"
    )
    assert [
        {k: m[k] for k in ("name", "relationship", "dob", "care_needs", "household")} for m in shown["family"]
    ] == [
        {
            "name": "Mia Example",
            "relationship": "mother",
            "dob": "2001-03-01",
            "care_needs": False,
            "household": "1",
        }
    ]
    assert shown["children"][0]["household"] == "1"
    text = cli.run("show", ref).stdout
    assert "Family and significant adults" in text and "Mia Example" in text and "Mother" in text


def test_family_edit_changes_only_what_was_given(cli):
    ref = new_case(cli)
    cli.run("family", "add", ref, "--name", "Leo Example", "--relationship", "father", "--dob", "2000-01-01")
    shown = cli.json("family", "edit", ref, "leo example", "--care-needs")
    assert shown["family"][0] | {"age": None} == {
        "name": "Leo Example",
        "relationship": "father",
        "dob": "2000-01-01",
        "age": None,
        "care_needs": True,
        "household": "1",
        "young_person": False,
    }
    shown = cli.json(
        "family", "edit", ref, "Leo Example", "--name", "Leon Example", "--relationship", "carer"
    )
    assert (shown["family"][0]["name"], shown["family"][0]["relationship"]) == ("Leon Example", "carer")
    assert shown["family"][0]["care_needs"] is True and shown["family"][0]["dob"] == "2000-01-01"
    cleared = cli.json("family", "edit", ref, "Leon Example", "--dob", "")
    assert cleared["family"][0]["dob"] is None
    again = cli.run("family", "edit", ref, "Leon Example", "--care-needs")
    assert "nothing changed" in again.stdout
    replays(cli, ref)


def test_family_remove_needs_a_reason_and_keeps_it_in_the_trail(cli):
    ref = new_case(cli)
    cli.run("family", "add", ref, "--name", "Leo Example", "--relationship", "father")
    missing = cli.run("family", "remove", ref, "Leo Example", expect=2)
    assert "--reason" in missing.output
    shown = cli.json("family", "remove", ref, "LEO example", "--reason", "Entered on the wrong discussion")
    assert shown["family"] == []
    removal = [e for e in cli.json("log", ref) if e["action"] == "family.remove"]
    assert removal[0]["detail"]["note"] == "Entered on the wrong discussion"
    assert removal[0]["detail"]["old"]["name"] == "Leo Example"
    replays(cli, ref)


@pytest.mark.parametrize(
    ("args", "expect", "said"),
    [
        (["--name", "Mia", "--relationship", "aunt"], 2, "'aunt'"),
        (["--name", "", "--relationship", "mother"], 2, "--name"),
        (["--name", "Mia", "--relationship", "mother", "--dob", "31/02/2001"], 2, "--dob"),
        (["--name", "Mia", "--relationship", "mother", "--household", " "], 2, "--household"),
    ],
)
def test_bad_family_input_is_named_without_a_traceback(cli, args, expect, said):
    ref = new_case(cli)
    result = cli.run("family", "add", ref, *args, expect=expect)
    assert said in result.output
    assert "Traceback" not in result.output


def test_the_same_name_twice_or_an_unknown_one_is_refused(cli):
    ref = new_case(cli)
    cli.run("family", "add", ref, "--name", "Mia Example", "--relationship", "mother")
    twice = cli.run("family", "add", ref, "--name", "mia example", "--relationship", "other", expect=1)
    assert "already has a family member named" in twice.output
    unknown = cli.run("family", "edit", ref, "Nobody", "--care-needs", expect=1)
    assert "no family member named 'Nobody'" in unknown.output
    nothing = cli.run("family", "edit", ref, "Mia Example", expect=2)
    assert "nothing to correct" in nothing.output
    assert len(cli.json("show", ref)["family"]) == 1


def test_check_is_clean_after_add_edit_and_remove(cli):
    ref = new_case(cli)
    cli.run("family", "add", ref, "--name", "Mia Example", "--relationship", "mother", "--dob", "2009-03-01")
    cli.run("family", "add", ref, "--name", "Leo Other", "--relationship", "father", "--household", "B")
    cli.run("child", "add", ref, "--name", "Zed Other", "--dob", "2018-01-01", "--household", "b")
    cli.run("family", "edit", ref, "Mia Example", "--care-needs", "--household", "1")
    cli.run("child", "edit", ref, "Baby Example", "--household", "B")
    cli.run("child", "edit", ref, "Baby Example", "--household", "1")
    cli.run("family", "remove", ref, "Leo Other", "--reason", "wrong case")
    check = cli.run("check")
    assert "records: 1 discussions match their audit trails" in check.stdout
    replays(cli, ref)


def test_a_follow_up_keeps_the_family(cli):
    ref = new_case(cli)
    cli.run(
        "family", "add", ref, "--name", "Mia Example", "--relationship", "mother", "--household", "Flat 2"
    )
    later = cli.json("new", "--no-input", "--follows", ref)
    assert [(m["name"], m["household"]) for m in later["family"]] == [("Mia Example", "Flat 2")]
    replays(cli, later["reference"])
    cli.run("check")


# --- households ----------------------------------------------------------------------------


def test_a_household_label_is_matched_as_recorded(cli):
    """``flat 2`` is the ``Flat 2`` already recorded, not a second household."""
    ref = new_case(cli)
    cli.run("child", "add", ref, "--name", "Zed Other", "--dob", "2018-01-01", "--household", "Flat 2")
    shown = cli.json(
        "family", "add", ref, "--name", "Leo Other", "--relationship", "father", "--household", "flat  2"
    )
    assert shown["family"][0]["household"] == "Flat 2"
    assert [c["household"] for c in shown["children"]] == ["1", "Flat 2"]


def two_households(cli):
    ref = new_case(cli)
    cli.run("family", "add", ref, "--name", "Mia Example", "--relationship", "mother")
    cli.run("family", "add", ref, "--name", "Gran Example", "--relationship", "other")
    cli.run("child", "add", ref, "--name", "Zed Other", "--dob", "2018-01-01", "--household", "B")
    cli.run("family", "add", ref, "--name", "Leo Other", "--relationship", "father", "--household", "B")
    cli.run(
        "decide",
        ref,
        "--s47",
        "--no-police",
        "--rationale",
        "Injury unexplained",
        "--share",
        "We will visit.",
    )
    return ref


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_family_version_for_one_household_names_none_of_the_other(cli, fmt):
    ref = two_households(cli)
    text = cli.run("export", ref, "--audience", "family", "--household", "1", "--format", fmt).stdout
    assert "Baby Example" in text and "Mia Example" in text and "Gran Example" in text
    assert "Zed Other" not in text and "Leo Other" not in text
    other = cli.run("export", ref, "--audience", "family", "--household", "b", "--format", fmt).stdout
    assert "Zed Other" in other and "Leo Other" in other
    assert "Baby Example" not in other and "Mia Example" not in other
    to = "| To | Mia Example, Gran Example |" if fmt == "md" else "<th>To</th>"
    assert to in text


def test_several_households_need_one_named(cli):
    ref = two_households(cli)
    unsaid = cli.run("export", ref, "--audience", "family", expect=2)
    assert "2 households (1, B)" in unsaid.output and "--household" in unsaid.output
    wrong = cli.run("export", ref, "--audience", "family", "--household", "C", expect=2)
    assert "no household 'C'" in wrong.output and "1, B" in wrong.output
    professional = cli.run("export", ref, "--household", "B", expect=2)
    assert "--household" in professional.output


def test_one_household_needs_no_household_option(cli):
    ref = new_case(cli)
    cli.run("family", "add", ref, "--name", "Mia Example", "--relationship", "mother")
    text = cli.run("export", ref, "--audience", "family").stdout
    assert "| To | Mia Example |" in text and "Baby Example" in text
    assert "Household" not in cli.run("export", ref, "--audience", "family", "--format", "html").stdout


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_professional_minutes_list_the_family_and_households(cli, fmt):
    ref = two_households(cli)
    cli.run("family", "edit", ref, "Mia Example", "--dob", dob_turning_18_in(3), "--care-needs")
    text = cli.run("export", ref, "--format", fmt).stdout
    assert "Family and significant adults" in text
    for name in ("Mia Example", "Gran Example", "Leo Other", "Zed Other", "Baby Example"):
        assert name in text
    assert "Mother" in text and "Other significant adult" in text
    assert "Has care and support needs" in text and "Young person near 18" in text
    assert "household B" in text.replace("Household", "household").replace(
        '<span class="user-text">', ""
    ).replace("</span>", "")


# --- the near-18 rule reaches a young parent -------------------------------------------------


def test_a_mother_near_18_calls_for_adult_social_care(cli):
    ref = new_case(cli)
    assert "adult-social-care" not in cli.json("show", ref)["missing_agencies"]
    shown = cli.json(
        "family",
        "add",
        ref,
        "--name",
        "Mia Example",
        "--relationship",
        "mother",
        "--dob",
        dob_turning_18_in(2),
    )
    assert "adult-social-care" in shown["missing_agencies"]
    assert shown["family"][0]["young_person"] is True
    assert "Adult social care" in cli.run("show", ref).stdout
    shown = cli.json("family", "edit", ref, "Mia Example", "--dob", dob_turning_18_in(-1))  # an adult now
    assert "adult-social-care" not in shown["missing_agencies"]


def _discussion(*family: FamilyMember, children=(Child("Baby", dob=date(2026, 10, 5)),)) -> Discussion:
    return Discussion(
        reference="SD-2026-0001",
        procedure="west-midlands",
        categories=["standard"],
        concern_at=None,  # type: ignore[arg-type]  # the rules below never read it
        opened_at=None,  # type: ignore[arg-type]
        children=list(children),
        family=list(family),
    )


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2026, 11, 23)), st.booleans())
def test_the_near_18_rule_is_the_same_for_a_family_member_as_for_a_child(dob, care_needs):
    """Whatever the date of birth, a family member is near adulthood exactly when a child born
    that day would be (care needs of their own or not)."""
    member = FamilyMember("Mia", "mother", dob=dob, care_needs=care_needs)
    as_child = "near-adult" in rules.circumstances(_discussion(children=(Child("Mia", dob=dob),)), TODAY)
    assert rules.young_person(member, TODAY) == as_child
    assert ("near-adult" in rules.circumstances(_discussion(member), TODAY)) == as_child


def test_a_family_member_without_a_date_of_birth_is_not_a_young_person():
    assert not rules.young_person(FamilyMember("Leo", "father"), TODAY)
    assert "near-adult" not in rules.circumstances(_discussion(FamilyMember("Leo", "father")), TODAY)


@given(st.lists(st.sampled_from(["1", "B", "b", "Flat 2", "flat  2"]), min_size=1, max_size=6))
def test_households_are_listed_once_each_and_chosen_only_when_unambiguous(labels):
    discussion = _discussion(
        *(FamilyMember(f"P{i}", "other", household=label) for i, label in enumerate(labels)), children=()
    )
    found = households(discussion)
    assert len(found) == len({" ".join(label.casefold().split()) for label in labels})
    if len(found) == 1:
        assert chosen_household(discussion, None) == found[0]
    else:
        with pytest.raises(HouseholdError, match="--household"):
            chosen_household(discussion, None)
    for label in labels:
        assert chosen_household(discussion, label.upper()) in found
    with pytest.raises(HouseholdError, match="no household"):
        chosen_household(discussion, "Elsewhere")


# --- the database -----------------------------------------------------------------------------


def test_the_migration_adds_the_household_and_the_family_table(cli):
    new_case(cli)
    with closing(sqlite3.connect(cli.db)) as conn:
        columns = {r[1]: r for r in conn.execute("PRAGMA table_info(child)")}
        assert columns["household"][3] == 1 and columns["household"][4] == "'1'"  # NOT NULL DEFAULT '1'
        family = {r[1] for r in conn.execute("PRAGMA table_info(family_member)")}
        assert family >= {
            "discussion_id",
            "position",
            "name",
            "relationship",
            "dob",
            "care_needs",
            "household",
        }


def test_as_a_user_runs_it_several_households_without_one_named_is_a_clear_error(proc):
    """A real process: the message names the households, no traceback, exit code 2."""
    ref = proc.new()
    assert (
        proc.run(
            "family", "add", ref, "--name", "Leo Other", "--relationship", "Father", "--household", "B"
        ).returncode
        == 0
    )
    done = proc.run("export", ref, "--audience", "family", expect=2)
    assert "(1, B)" in done.stderr and "Traceback" not in done.stderr
    assert "Leo Other" in proc.run("export", ref, "--audience", "family", "--household", "B").stdout
