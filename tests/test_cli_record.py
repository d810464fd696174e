"""The meeting record end to end: attendance and quoracy, held, decide, follow-ups, actions,
corrections, close and reopen, and the audit trail."""

from support import AVA


def kinds(document):
    return {item["kind"] for item in document["deadlines"]}


def test_attendance_kinds_and_quoracy(cli):
    ref = cli.new()
    cli.run("attend", ref, "--name", "Sam Social", "--agency", "social-care")
    cli.run("attend", ref, "--name", "Hana Health", "--agency", "health", "--apologies")
    cli.run("attend", ref, "--name", "Pat Police", "--agency", "police", "--information-only")
    shown = cli.json("show", ref)
    assert shown["quorate"] is False
    assert shown["missing_agencies"] == ["health", "police"]
    attendance = {a["name"]: (a["attendance"], a["present"]) for a in shown["attendees"]}
    assert attendance["Hana Health"] == ("apologies", False)
    assert attendance["Pat Police"] == ("information-only", False)
    human = cli.run("show", ref).stdout
    assert "Not quorate: missing Health, Police" in human


def test_attending_again_corrects_and_remove_takes_out_both_audited(cli):
    ref = cli.new()
    cli.run("attend", ref, "--name", "Pat Police", "--agency", "health")
    cli.run("attend", ref, "--name", "Pat Police", "--agency", "police", "--role", "DS")
    shown = cli.json("show", ref)
    assert [(a["name"], a["agency"], a["role"]) for a in shown["attendees"]] == [
        ("Pat Police", "police", "DS")
    ]
    cli.run("attend", ref, "--name", "Pat Police", "--remove")
    assert cli.json("show", ref)["attendees"] == []
    actions = [entry["action"] for entry in cli.json("log", ref)]
    assert actions[-3:] == ["attend", "attend.correct", "attend.remove"]
    old = cli.json("log", ref)[-2]["detail"]["old"]
    assert old["agency"] == "health"


def test_unknown_agency_is_a_usage_error_naming_it(cli):
    ref = cli.new()
    result = cli.run("attend", ref, "--name", "X", "--agency", "army", expect=2)
    assert "army" in result.output
    assert cli.json("show", ref)["attendees"] == []


def test_looked_after_child_in_hampshire_needs_fostering(cli):
    ref = cli.new()
    cli.run("child", "add", ref, "--name", "Isla Fictional", "--dob", "2011-01-20", "--looked-after")
    for name, agency in (("S", "social-care"), ("H", "health"), ("P", "police")):
        cli.run("attend", ref, "--name", name, "--agency", agency)
    shown = cli.json("show", ref)
    assert shown["quorate"] is False and shown["missing_agencies"] == ["fostering"]
    cli.run("attend", ref, "--name", "F", "--agency", "fostering")
    assert cli.json("show", ref)["quorate"] is True


def test_west_midlands_expected_agencies_from_the_children(cli):
    ref = cli.new(*AVA, "--procedure", "west-midlands", "--concern-at", "2026-11-23T10:00")
    cli.run("child", "add", ref, "--name", "Leo Sample", "--dob", "2012-01-01", "--in-hospital", "--medical")
    cli.run("child", "add", ref, "--name", "Zoe Sample", "--dob", "2009-01-01")
    shown = cli.json("show", ref)
    assert shown["missing_agencies"] == [
        "adult-social-care",
        "consultant",
        "health",
        "paediatrician",
        "police",
        "social-care",
        "ward-nurse",
    ]
    cli.run("child", "edit", ref, "Zoe Sample", "--no-adult-care-needs")
    assert "adult-social-care" not in cli.json("show", ref)["missing_agencies"]


def test_held_clears_the_discussion_deadline(cli):
    ref = cli.new()
    assert "discussion" in kinds(cli.json("show", ref))
    shown = cli.json("held", ref, "--at", "2026-11-23T15:00", "--format", "virtual", "--chair", "Sam Social")
    assert "discussion" not in kinds(shown)
    assert shown["held_at"] == "2026-11-23T15:00:00+00:00" and shown["format"] == "virtual"
    assert "record-circulated" in kinds(shown)


def test_held_again_corrects_the_chair_and_keeps_the_time(cli):
    """Running `held` again to fix a misspelt chair must not move the meeting to now."""
    ref = cli.new()
    cli.run("held", ref, "--at", "2026-11-23T15:00", "--chair", "Jon Smiht")
    shown = cli.json("held", ref, "--chair", "Jon Smith", env={"STRATEGY_NOW": "2026-11-25T16:00:00+00:00"})
    assert shown["held_at"] == "2026-11-23T15:00:00+00:00" and shown["chair"] == "Jon Smith"
    assert not any("after its deadline" in w for w in shown["warnings"])
    moved = cli.json("held", ref, "--at", "2026-11-23T16:00")
    assert moved["held_at"] == "2026-11-23T16:00:00+00:00" and moved["chair"] == "Jon Smith"


def test_a_review_is_due_when_the_decision_set_it(cli):
    """One time for the further discussion everywhere: the decision, the review deadline and
    the follow-up discussion (a date alone is the end of that day)."""
    ref = cli.new()
    cli.run("decide", ref, "--s47", "--police", "--rationale", "r", "--further-by", "2026-12-01T12:00")
    shown = cli.json("show", ref)
    review = next(d for d in shown["deadlines"] if d["kind"] == "review")
    assert review["due_at"] == shown["decision"]["further_by"] == "2026-12-01T12:00:00+00:00"
    cli.run("decide", ref, "--further-by", "2026-12-02")
    review = next(d for d in cli.json("show", ref)["deadlines"] if d["kind"] == "review")
    assert review["due_at"] == "2026-12-02T23:59:59+00:00"


def test_held_format_must_be_known(cli):
    ref = cli.new()
    assert "zoom" in cli.run("held", ref, "--format", "zoom", expect=2).output


def test_an_outcome_needs_a_rationale_and_decide_is_a_patch(cli):
    """decide and the checklist share one rule: an outcome (s47 and police both answered)
    needs its rationale; half a decision may be recorded, as the checklist records it."""
    ref = cli.new()
    assert "--rationale" in cli.run("decide", ref, "--s47", "--police", expect=2).output
    assert cli.json("show", ref)["decision"] is None
    cli.run("decide", ref, "--s47", "--rationale", "r")
    half = cli.json("show", ref)["decision"]
    assert (half["s47"], half["police_investigation"], half["outcome"]) == (True, None, None)
    assert "--rationale" not in cli.run("decide", ref, "--police").output
    assert cli.json("show", ref)["decision"]["police_investigation"] is True


def test_withholding_without_a_rationale_is_refused_and_nothing_is_written(cli):
    ref = cli.new()
    before = len(cli.json("log", ref))
    result = cli.run(
        "decide", ref, "--s47", "--no-police", "--rationale", "r", "--withhold", "Police plans", expect=1
    )
    assert "rationale" in result.output
    assert cli.json("show", ref)["decision"] is None
    assert len(cli.json("log", ref)) == before


def test_a_later_decision_amends_the_earlier_and_both_stay_in_the_trail(cli):
    ref = cli.new(*AVA, "--procedure", "west-midlands")
    cli.run("decide", ref, "--no-s47", "--no-police", "--rationale", "Early help")
    assert cli.json("show", ref)["decision"]["outcome"].startswith("No s47")
    # changing the outcome without a new rationale is refused
    cli.run("decide", ref, "--s47", expect=2)
    cli.run("decide", ref, "--s47", "--rationale", "New information from school")
    decision = cli.json("show", ref)["decision"]
    assert decision["outcome"] == "s47 enquiry (single agency)"
    assert decision["police_investigation"] is False
    trail = [e for e in cli.json("log", ref) if e["action"].startswith("decide")]
    assert [e["action"] for e in trail] == ["decide", "decide.amend"]
    assert trail[1]["detail"]["old"]["rationale"] == "Early help"
    assert trail[1]["by"] == "tester"


def test_withholding_with_rationale_and_further_discussion(cli):
    ref = cli.new()
    shown = cli.json(
        "decide",
        ref,
        "--s47",
        "--police",
        "--rationale",
        "Injury",
        "--share",
        "A social worker will visit",
        "--withhold",
        "Police plans",
        "--withhold-rationale",
        "Would jeopardise the investigation",
        "--further-by",
        "2026-12-01",
    )
    decision = shown["decision"]
    assert decision["withholding"] is True and decision["withhold"] == "Police plans"
    review = [i for i in shown["deadlines"] if i["kind"] == "review"][0]
    assert review["due_at"] == "2026-12-01T23:59:59+00:00"
    assert {"child-seen", "icpc"} <= kinds(shown)  # pending, undated until held
    assert all(i["due_at"] is None for i in shown["deadlines"] if i["kind"] in {"icpc", "child-seen"})
    cli.run("decide", ref, "--no-withhold")
    assert cli.json("show", ref)["decision"]["withhold"] is None


def test_record_clears_follow_ups(cli):
    ref = cli.new(*AVA, "--procedure", "hampshire", "--category", "allegation-against-staff")
    cli.run("held", ref, "--at", "2026-11-23T15:00")
    cli.run("decide", ref, "--s47", "--police", "--rationale", "r", "--further-by", "2026-12-02")
    pending = kinds(cli.json("show", ref))
    assert {"lado", "child-seen", "icpc", "review", "record-circulated", "referrer-informed"} <= pending
    for event in (
        "lado-informed",
        "child-seen",
        "icpc-held",
        "review-held",
        "record-circulated",
        "referrer-informed",
    ):
        cli.run("record", ref, event, "--at", "2026-11-24T10:00")
    assert kinds(cli.json("show", ref)) == set()
    assert "tea-held" in cli.run("record", ref, "tea-held", expect=2).output


def test_a_held_follow_up_discussion_clears_the_review(cli):
    first = cli.new()
    cli.run("decide", first, "--no-s47", "--no-police", "--rationale", "r", "--further-by", "2026-12-02")
    second_shown = cli.json("new", "--no-input", "--procedure", "hampshire", "--follows", first)
    assert [c["name"] for c in second_shown["children"]] == ["Ava Example"]  # keeps the children
    second = second_shown["reference"]
    assert "review" in kinds(cli.json("show", first))
    cli.run("held", second, "--at", "2026-11-30T10:00")
    assert "review" not in kinds(cli.json("show", first))
    assert cli.json("show", second)["follows"] == first


def test_a_follow_up_keeps_the_children_and_the_procedure(cli):
    first = cli.new(*AVA, "--procedure", "west-midlands")
    later = cli.json(
        "new", "--no-input", "--follows", first.lower(), "--child", "Noah Example", "--dob", "2019-05-05"
    )
    assert [c["name"] for c in later["children"]] == ["Ava Example", "Noah Example"]
    assert later["procedure"] == "west-midlands" and later["follows"] == first
    again = cli.json(
        "new", "--no-input", "--follows", first, "--again", "--child", "Ava Example", "--dob", "2015-03-02"
    )
    assert [c["name"] for c in again["children"]] == ["Ava Example"]  # named again: not twice


def test_a_follow_up_naming_a_child_with_another_date_of_birth_is_refused_not_dropped(cli):
    first = cli.new(*AVA, "--procedure", "west-midlands")
    refused = cli.run(
        "new", "--no-input", "--follows", first, "--child", "Ava Example", "--dob", "03/03/2015", expect=1
    )
    assert "recorded on SD-2026-0001 with date of birth 02/03/2015, not 03/03/2015" in refused.output
    assert f'strategy child edit {first} "Ava Example" --dob DATE' in refused.output
    assert [d["reference"] for d in cli.json("list")] == [first]  # nothing opened
    cli.run("child", "edit", first, "Ava Example", "--dob", "03/03/2015")
    later = cli.json("new", "--no-input", "--follows", first, "--child", "Ava Example", "--dob", "03/03/2015")
    assert [c["dob"] for c in later["children"]] == ["2015-03-03"]


def test_actions_are_numbered_done_and_corrected(cli):
    ref = cli.new()
    first = cli.json(
        "action",
        "add",
        ref,
        "--task",
        "GP records",
        "--owner",
        "Hana",
        "--agency",
        "health",
        "--due",
        "2026-11-25",
    )
    second = cli.json("action", "add", ref, "--task", "Visit", "--owner", "Sam", "--due", "2026-11-24T12:00")
    assert (first["id"], second["id"]) == (1, 2)
    shown = cli.json("show", ref)
    assert shown["actions"][0]["due_at"] == "2026-11-25T23:59:59+00:00"
    cli.run("action", "edit", ref, "1", "--due", "2026-11-26", "--owner", "Hana Health")
    assert cli.json("show", ref)["actions"][0]["owner"] == "Hana Health"
    cli.run("action", "done", ref, "2", "--at", "2026-11-24T11:00")
    keys = {i["key"] for i in cli.json("show", ref)["deadlines"]}
    assert "action-1" in keys and "action-2" not in keys
    assert "no action 9" in cli.run("action", "done", ref, "9", expect=1).output
    assert "--owner" in cli.run("action", "add", ref, "--task", "x", "--due", "2026-11-25", expect=2).output


def test_close_refuses_pending_dated_deadlines_then_reopen(cli):
    ref = cli.new()
    result = cli.run("close", ref, "--reason", "No further action", expect=1)
    assert "Hold the strategy discussion" in result.output
    assert cli.json("show", ref)["status"] == "open"
    cli.run("close", ref, "--reason", "Transferred to another authority", "--force")
    assert cli.json("show", ref)["status"] == "closed"
    assert ref not in [d["reference"] for d in cli.json("list")]
    assert ref in [d["reference"] for d in cli.json("list", "--all")]
    assert ref not in {i["reference"] for i in cli.json("due")}
    assert "closed" in cli.run("attend", ref, "--name", "X", "--agency", "police", expect=1).output
    cli.run("reopen", ref, "--reason", "New referral")
    assert cli.json("show", ref)["status"] == "open"
    actions = [e["action"] for e in cli.json("log", ref)]
    assert actions[-2:] == ["close", "reopen"]


def test_child_edit_keeps_the_old_value_in_the_trail(cli):
    ref = cli.new()
    cli.run("child", "edit", ref, "Ava Example", "--name", "Ava Exampel", "--dob", "2015-03-03")
    cli.run("child", "edit", ref, "Ava Exampel", "--name", "Ava Example")
    entries = [e for e in cli.json("log", ref) if e["action"] == "child.edit"]
    assert entries[0]["detail"]["old"]["dob"] == "2015-03-02"
    assert entries[0]["detail"]["new"]["dob"] == "2015-03-03"
    assert "no child named" in cli.run("child", "edit", ref, "Nobody", "--medical", expect=1).output


def test_child_add_needs_dob_or_edd(cli):
    ref = cli.new()
    assert "--edd" in cli.run("child", "add", ref, "--name", "Baby", expect=2).output
    shown = cli.json("child", "add", ref, "--name", "Baby Specimen", "--edd", "2027-02-01")
    assert shown["children"][1]["edd"] == "2027-02-01" and shown["children"][1]["dob"] is None


def test_log_shows_who_and_when(cli):
    ref = cli.new()
    cli.run("--by", "Team Manager A", "attend", ref, "--name", "S", "--agency", "social-care")
    entries = cli.json("log", ref)
    assert entries[0]["by"] == "tester" and entries[-1]["by"] == "Team Manager A"
    assert entries[0]["at"] == "2026-11-23T09:00:00+00:00"
    human = cli.run("log", ref).stdout
    assert "Team Manager A" in human and "attend" in human


def test_show_warns_about_what_an_inspector_would_question(cli):
    ref = cli.new()
    cli.run("decide", ref, "--s47", "--no-police", "--rationale", "r", "--at", "2026-11-23T10:00")
    cli.run("held", ref, "--at", "2026-11-25T10:00")
    warnings = " ".join(cli.json("show", ref)["warnings"])
    assert "held after its deadline" in warnings
    assert "before the discussion was held" in warnings and "held --at" in warnings


def test_reference_accepts_lower_case_and_unknown_is_named(cli):
    ref = cli.new()
    assert cli.json("show", ref.lower())["reference"] == ref
    assert "SD-2026-0999" in cli.run("show", "SD-2026-0999", expect=1).output


def test_further_discussion_is_one_field_for_decide_and_the_checklist(cli, tmp_path):
    ref = cli.new()
    cli.run("decide", ref, "--no-s47", "--no-police", "--rationale", "r", "--further-by", "2026-12-02")
    shown = cli.json("show", ref)
    assert shown["checklist"]["answers"]["further-discussion"] is True
    assert shown["decision"]["further_discussion"] is True
    answers = tmp_path / "a.json"
    answers.write_text('{"further-discussion": false}')
    cli.run("checklist", ref, "--answers", str(answers))
    shown = cli.json("show", ref)
    assert shown["decision"]["further_by"] is None and "review" not in kinds(shown)
    answers.write_text('{"further-discussion": true}')
    cli.run("checklist", ref, "--answers", str(answers))
    review = [i for i in cli.json("show", ref)["deadlines"] if i["kind"] == "review"]
    assert review and review[0]["due_at"] is None  # needed, but no date set yet: still on the board
    cli.run("decide", ref, "--no-further")
    assert "review" not in kinds(cli.json("show", ref))


def test_edit_corrects_what_new_recorded_and_the_deadlines_follow(cli):
    ref = cli.new(*AVA, "--procedure", "hampshire", "--concern-at", "2026-11-23T10:00")
    shown = cli.json(
        "edit",
        ref,
        "--concern-at",
        "2026-11-22T09:00",
        "--category",
        "serious-harm",
        "--procedure",
        "west-midlands",
        "--summary",
        "Bruise reported by school",
    )
    assert shown["concern_at"] == "2026-11-22T09:00:00+00:00" and shown["categories"] == ["serious-harm"]
    assert shown["procedure"] == "west-midlands" and shown["summary"] == "Bruise reported by school"
    assert shown["discussion_due"] == "2026-11-22T23:59:59+00:00"  # the same day, under west-midlands
    entry = cli.json("log", ref)[-1]
    assert entry["action"] == "edit" and entry["detail"]["old"]["procedure"] == "hampshire"
    assert cli.run("check").exit_code == 0  # the trail replays to the corrected record
    assert "nothing to correct" in cli.run("edit", ref, "--procedure", "west-midlands", expect=2).output
    cli.run("close", ref, "--reason", "Test", "--force")
    assert "closed" in cli.run("edit", ref, "--summary", "x", expect=1).output


def test_a_child_entered_by_mistake_is_removed_with_a_trace(cli):
    ref = cli.new()
    cli.run("child", "add", ref, "--name", "Ava Exmaple", "--dob", "2015-03-02", "--looked-after")
    assert "fostering" in cli.json("show", ref)["missing_agencies"]
    cli.run("child", "remove", ref, "Ava Exmaple", "--reason", "entered twice, misspelt")
    shown = cli.json("show", ref)
    assert [c["name"] for c in shown["children"]] == ["Ava Example"]
    assert "fostering" not in shown["missing_agencies"]  # the record follows at once
    entry = cli.json("log", ref)[-1]
    assert entry["action"] == "child.remove" and entry["detail"]["new"] is None
    assert entry["detail"]["old"]["looked_after"] is True
    assert entry["detail"]["note"] == "entered twice, misspelt"
    assert "no child named 'Nobody'" in cli.run("child", "remove", ref, "Nobody", expect=1).output
    only = cli.run("child", "remove", ref, "Ava Example", expect=1).output
    assert "only child" in only
    assert len(cli.json("show", ref)["children"]) == 1
    assert "records: 1 discussions match" in cli.run("check").stdout


def test_a_follow_up_recorded_by_mistake_is_withdrawn_and_its_deadline_returns(cli):
    ref = cli.new()
    cli.run("held", ref, "--at", "2026-11-23T10:00")
    cli.run("decide", ref, "--s47", "--no-police", "--rationale", "Injury unexplained")
    assert "child-seen" in kinds(cli.json("show", ref))
    cli.run("record", ref, "child-seen", "--at", "2026-11-23T12:00")
    assert "child-seen" not in kinds(cli.json("show", ref))
    cli.run("record", ref, "child-seen", "--withdraw", "--reason", "it was the sibling who was seen")
    shown = cli.json("show", ref)
    assert "child-seen" in kinds(shown)
    entry = cli.json("log", ref)[-1]  # the only child's sighting taken back
    assert entry["action"] == "child.seen.withdraw" and entry["detail"]["child"] == "Ava Example"
    assert (entry["detail"]["old"]["at"], entry["detail"]["new"]) == ("2026-11-23T12:00:00+00:00", None)
    assert entry["detail"]["note"] == "it was the sibling who was seen"
    again = cli.run("record", ref, "child-seen", "--withdraw", expect=1).output
    assert "no child-seen recorded" in again
    both = cli.run("record", ref, "child-seen", "--withdraw", "--at", "2026-11-23T12:00", expect=2)
    assert "--withdraw" in both.output
    assert (
        "--reason goes with --withdraw"
        in cli.run("record", ref, "referrer-informed", "--reason", "x", expect=2).output
    )
    assert "records: 1 discussions match" in cli.run("check").stdout


def test_an_action_marked_done_by_mistake_is_undone(cli):
    ref = cli.new()
    cli.run("action", "add", ref, "--task", "Visit", "--owner", "Sam", "--due", "2026-11-25")
    refused = cli.run("action", "edit", ref, "1", "--not-done", expect=1).output
    assert "not marked done" in refused
    cli.run("action", "done", ref, "1")
    assert "action-1" not in {i["key"] for i in cli.json("show", ref)["deadlines"]}
    cli.run("action", "edit", ref, "1", "--not-done")
    shown = cli.json("show", ref)
    assert shown["actions"][0]["done_at"] is None
    assert "action-1" in {i["key"] for i in shown["deadlines"]}
    entry = cli.json("log", ref)[-1]
    assert entry["action"] == "action.edit" and entry["detail"]["new"]["done_at"] is None
    assert "records: 1 discussions match" in cli.run("check").stdout
