"""What people type, read as they mean it (issue 16): dates the English way in every option and
prompt (docs/dates.md), ids in any case with "did you mean" for a near miss, and yes/no
prompts that a stray Enter never answers."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import AVA, Scripted

from strategy_cli import prompts
from strategy_cli.cli import common
from strategy_cli.domain.ids import UnknownId, find_id, match_id
from strategy_cli.domain.model import AGENCIES

# --- Dates and times, end to end (the clock is fixed at Mon 23 Nov 2026 09:00) ----------------


def _new(cli, *args):
    return cli.json("new", "--no-input", *AVA, "--procedure", "hampshire", *args)


@pytest.mark.parametrize(
    "typed, concern_at",
    [
        ("20/11/2026 15:00", "2026-11-20T15:00:00+00:00"),
        ("20/11/26 3.30pm", "2026-11-20T15:30:00+00:00"),
        ("today 9am", "2026-11-23T09:00:00+00:00"),
        ("Yesterday 4:15 PM", "2026-11-22T16:15:00+00:00"),
        ("2026-11-20T09:30", "2026-11-20T09:30:00+00:00"),
    ],
)
def test_concern_at_as_people_type_it(cli, typed, concern_at):
    assert _new(cli, "--concern-at", typed)["concern_at"] == concern_at


def test_a_later_concern_time_is_still_taken_with_its_warning(proc):
    done = proc.run("new", "--no-input", *AVA, "--procedure", "hampshire", "--concern-at", "30/11/2026 15:00")
    assert "Opened SD-2026-0001" in done.stdout and "in the future" in done.stderr
    assert proc.json("show", "SD-2026-0001")["concern_at"] == "2026-11-30T15:00:00+00:00"


def test_dates_of_birth_and_delivery_day_first(cli):
    shown = cli.json("new", "--no-input", "--procedure", "hampshire", "--child", "Ava", "--dob", "02/03/2015")
    ref = shown["reference"]
    assert shown["children"][0]["dob"] == "2015-03-02"
    cli.run("child", "add", ref, "--name", "Ben", "--dob", "9/8/17")
    cli.run("child", "add", ref, "--name", "Baby", "--edd", "24.12.2026")
    children = {c["name"]: c for c in cli.json("show", ref)["children"]}
    assert children["Ben"]["dob"] == "2017-08-09" and children["Baby"]["edd"] == "2026-12-24"
    cli.run("child", "edit", ref, "Ben", "--dob", "10/08/2017")
    assert {c["name"]: c["dob"] for c in cli.json("show", ref)["children"]}["Ben"] == "2017-08-10"


def test_deadlines_typed_the_english_way(cli):
    ref = _new(cli)["reference"]
    cli.run("decide", ref, "--s47", "--police", "--rationale", "r", "--further-by", "31/12/2026")
    assert cli.json("show", ref)["decision"]["further_by"] == "2026-12-31T23:59:59+00:00"
    cli.run("action", "add", ref, "--task", "Visit", "--owner", "Sam", "--due", "tomorrow 5pm")
    cli.run("action", "add", ref, "--task", "GP", "--owner", "Hana", "--due", "25/11/26")
    due = [a["due_at"] for a in cli.json("show", ref)["actions"]]
    assert due == ["2026-11-24T17:00:00+00:00", "2026-11-25T23:59:59+00:00"]
    cli.run("held", ref, "--at", "today 8.45am")
    cli.run("record", ref, "child-seen", "--at", "today 10:30")
    assert cli.json("due", "--as-of", "tomorrow 9am", "--within", "1d") is not None


@pytest.mark.parametrize(
    "option, typed, says",
    [
        ("--further-by", "11/30/2026", "there is no month 30 (dates are day/month/year)"),
        ("--further-by", "31/02/2027", "February 2027 has 28 days"),
        ("--further-by", "next week", "e.g. 30/11/2026, 30/11/26 15:00"),  # the forms it takes
        ("--at", "today 9", "which time is 9?"),
    ],
)
def test_a_date_that_cannot_be_read_names_itself_the_option_and_the_forms(cli, option, typed, says):
    ref = _new(cli)["reference"]
    args = ["--rationale", "r", "--s47", "--police"]
    result = cli.run("decide", ref, *args, option, typed, expect=2)
    output = " ".join(result.output.split())  # the usage box wraps long lines
    assert option in output and repr(typed) in output and says in output
    assert "YYYY" not in output
    assert cli.json("show", ref)["decision"] is None  # nothing written


def test_a_bad_date_of_birth_shows_the_date_forms(cli):
    result = cli.run(
        "new", "--no-input", "--procedure", "hampshire", "--child", "A", "--dob", "3/30/2015", expect=2
    )
    assert "there is no month 30" in " ".join(result.output.split())


def test_the_new_prompts_read_dates_the_english_way_and_keep_them_as_instants(cli, monkeypatch):
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    script = Scripted(
        [
            "Ava Example",
            "31/02/2015",
            "2/3/15",
            "",
            "hampshire",
            "11/30/2026",
            "today 8.30am",
            ["standard"],
            "no",
            "no",
            "no",
            "no",
            "",
            "Bruise",
            "",
        ]
    )
    monkeypatch.setattr(prompts, "PROMPTER", script)
    result = cli.run("new", "--json")
    shown = json.loads(result.stdout)
    assert shown["children"][0]["dob"] == "2015-03-02"
    assert shown["concern_at"] == "2026-11-23T08:30:00+00:00"
    assert "February 2015 has 28 days" in result.stderr and "there is no month 30" in result.stderr
    assert "30/11/2026 15:00" in next(m for m in script.asked if m.startswith("When was the concern"))
    assert script.replies == []


def test_today_typed_at_a_prompt_means_the_day_it_was_typed_when_carried_on_later(cli, monkeypatch):
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    monkeypatch.setattr(prompts, "PROMPTER", Scripted(["hampshire", "today 9am", KeyboardInterrupt]))
    cli.run("new", *AVA, expect=130)
    monkeypatch.setattr(
        prompts, "PROMPTER", Scripted(["yes", ["standard"], "no", "no", "no", "no", "", "", ""])
    )
    shown = cli.json("new", env={"STRATEGY_NOW": "2026-11-24T10:00"})
    assert shown["concern_at"] == "2026-11-23T09:00:00+00:00"  # Monday's 9am, not Tuesday's


# --- Ids in any case, with "did you mean" --------------------------------------------------


def test_agencies_in_any_case(cli):
    ref = _new(cli)["reference"]
    cli.run("attend", ref, "--name", "Lee", "--agency", "LADO")
    cli.run("attend", ref, "--name", "Pat", "--agency", "Police")
    cli.run("attend", ref, "--name", "Sam", "--agency", "Social Care")
    cli.run(
        "action", "add", ref, "--task", "GP", "--owner", "Hana", "--agency", "HEALTH", "--due", "30/11/2026"
    )
    shown = cli.json("show", ref)
    assert {a["name"]: a["agency"] for a in shown["attendees"]} == {
        "Lee": "lado",
        "Pat": "police",
        "Sam": "social-care",
    }
    assert shown["actions"][0]["agency"] == "health"


def test_a_near_miss_says_which_id_it_probably_meant(cli):
    ref = _new(cli)["reference"]
    output = " ".join(cli.run("attend", ref, "--name", "Lee", "--agency", "polise", expect=2).output.split())
    assert "'polise' is not an agency id; did you mean 'police'?" in output
    assert "social-care" in output  # and lists the known ones
    output = " ".join(cli.run("attend", ref, "--name", "Lee", "--agency", "army", expect=2).output.split())
    assert "did you mean" not in output and "'army' is not an agency id" in output


def test_procedures_and_categories_in_any_case(cli):
    shown = cli.json("new", "--no-input", *AVA, "--procedure", "West-Midlands", "--category", "Serious-Harm")
    assert (shown["procedure"], shown["categories"]) == ("west-midlands", ["serious-harm"])
    ref = shown["reference"]
    cli.run("edit", ref, "--category", "STANDARD", "--category", "standard")
    assert cli.json("show", ref)["categories"] == ["standard"]
    assert "nothing to correct" in cli.run("edit", ref, "--category", "Standard", expect=2).output
    assert cli.json("new", "--no-input", *AVA, "--procedure", "west midlands")["procedure"] == "west-midlands"
    output = " ".join(
        cli.run("new", "--no-input", *AVA, "--procedure", "west-midland", expect=2).output.split()
    )
    assert "did you mean 'west-midlands'?" in output
    output = " ".join(
        cli.run(
            "new", "--no-input", *AVA, "--procedure", "hampshire", "--category", "serius-harm", expect=2
        ).output.split()
    )
    assert "did you mean 'serious-harm'?" in output
    output = " ".join(cli.run("edit", ref, "--category", "standrd", expect=2).output.split())
    assert "did you mean 'standard'?" in output


def test_events_kinds_sections_formats_and_procedure_filters_in_any_case(cli, tmp_path):
    ref = _new(cli, "--category", "allegation-against-staff")["reference"]
    cli.run("held", ref, "--format", "Virtual", "--at", "2026-11-23T08:00")
    assert cli.json("show", ref)["format"] == "virtual"
    assert {i["kind"] for i in cli.json("due", "--kind", "LADO")} == {"lado"}
    assert cli.json("due", "--procedure", "Hampshire")
    cli.run("record", ref, "LADO-Informed")
    assert "lado" not in {d["kind"] for d in cli.json("show", ref)["deadlines"]}
    assert "did you mean 'child-seen'?" in " ".join(
        cli.run("record", ref, "child-sen", expect=2).output.split()
    )
    assert "did you mean 'icpc'?" in " ".join(cli.run("due", "--kind", "icp", expect=2).output.split())
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"Other-Children": "No"}))
    cli.run("checklist", ref, "--answers", str(answers))
    assert cli.json("show", ref)["checklist"]["answers"]["other-children"] is False
    answers.write_text(json.dumps({"other-childern": "no"}))
    assert (
        "did you mean 'other-children'?"
        in cli.run("checklist", ref, "--answers", str(answers), expect=2).output
    )
    assert cli.json("procedures", "show", "HAMPSHIRE")["id"] == "hampshire"


# --- The one matcher, for any id ------------------------------------------------------------

ids = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True)


@given(known=st.lists(ids, min_size=1, max_size=8, unique=True), data=st.data())
def test_any_casing_or_spacing_of_a_known_id_is_that_id(known, data):
    wanted = data.draw(st.sampled_from(known))
    typed = "".join(
        data.draw(st.sampled_from([c, c.upper()] + ([" ", "_"] if c == "-" else []))) for c in wanted
    )
    assert find_id(typed, known) == wanted
    assert match_id(wanted, known, "an id") == wanted  # the exact id first


@given(value=st.text(max_size=20), known=st.lists(ids, min_size=1, max_size=8, unique=True))
def test_an_unknown_id_is_refused_naming_it_and_the_known_ones(value, known):
    if find_id(value, known) is not None:
        return
    with pytest.raises(UnknownId) as error:
        match_id(value, known, "an agency id")
    message = str(error.value)
    assert message.startswith(f"{value!r} is not an agency id") and all(k in message for k in known)


def test_did_you_mean_names_the_nearest_agency():
    with pytest.raises(UnknownId, match="did you mean 'paediatrician'"):
        match_id("pediatrician", AGENCIES, "an agency id")


# --- Yes/no prompts have no default ---------------------------------------------------------


@pytest.mark.parametrize(
    "typed, skip, meant",
    [
        ("y", False, "yes"),
        (" YES ", False, "yes"),
        ("n", False, "no"),
        ("No", True, "no"),
        ("s", True, prompts.SKIP_LABEL),
        ("", True, None),  # Enter alone answers nothing
        ("", False, None),
        ("s", False, None),  # no skipping where skipping is not offered
        ("yeah", False, None),
    ],
)
def test_what_a_typed_yes_no_answer_means(typed, skip, meant):
    assert prompts.read_yes_no(typed, skip) == meant


def test_a_yes_no_question_asks_with_no_default_and_keeps_the_current_answer_shown(monkeypatch):
    """The real prompt: a typed answer validated so that a bare Enter is refused in place."""
    import questionary

    asked = {}

    class Answered:
        def __init__(self, typed):
            self.typed = typed

        def unsafe_ask(self):
            return self.typed

    def text(message, default="", instruction=None, validate=None):
        asked.update(message=message, default=default, instruction=instruction, validate=validate)
        return Answered("N")

    monkeypatch.setattr(questionary, "text", text)
    assert prompts.Questionary().yes_no("Legal action?", skip=True, current="yes") == "no"
    assert asked["default"] == "yes" and asked["instruction"] == "(y/n, s to skip)"
    assert asked["validate"]("") == "Type y for yes or n for no, or s to skip for now, then Enter"
    assert asked["validate"]("y") is True
    prompts.Questionary().yes_no("Carry on?")
    assert asked["default"] == "" and asked["validate"]("") == "Type y for yes or n for no, then Enter"
