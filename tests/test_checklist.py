"""``strategy checklist``: the questions, answers from a file, the walk (scripted in-process,
and for real in a terminal with pexpect), Ctrl-C keeping every answer, and resuming."""

import json
import os
import sys

import pytest
from support import Scripted

from strategy_cli import prompts
from strategy_cli.cli import common

# A new discussion's checklist: only the questions the record answers (nobody attended yet, no
# child in hospital), read from the record itself.
FROM_THE_RECORD = {"core-agencies-present": False, "in-hospital": False}


def test_questions_json_lists_follow_ups_with_their_trigger(cli):
    questions = cli.json("checklist", "--questions", "--procedure", "hampshire")
    by_id = {q["id"]: q for q in questions}
    assert by_id["interpreter-language"]["follows"] == "interpreter-needed"
    assert by_id["interpreter-language"]["when"] is True
    assert by_id["core-agencies-missing-plan"]["when"] is False
    assert by_id["who-is-concerned"]["follows"] is None
    # a follow-up is listed after the question that triggers it
    order = [q["id"] for q in questions]
    assert order.index("interpreter-language") > order.index("interpreter-needed")


def test_questions_need_a_known_procedure(cli):
    assert "nowhere" in cli.run("checklist", "--questions", "--procedure", "nowhere", expect=2).output


def test_answers_file_json_and_toml_feed_the_decision(cli, tmp_path):
    ref = cli.new()
    path = tmp_path / "answers.toml"
    path.write_text(
        's47 = "yes"\n"police-investigation" = false\n"decision-rationale" = "Bruising unexplained"\n'
        '"information-withheld" = true\n"withheld-what" = "The referrer\'s identity"\n'
        '"withheld-rationale" = "Risk to the referrer"\n"other-children" = true\n'
    )
    cli.run("checklist", ref, "--answers", str(path))
    shown = cli.json("show", ref)
    decision = shown["decision"]
    assert decision["s47"] is True and decision["police_investigation"] is False
    assert decision["outcome"] == "Outcome 2: s47 without police investigation"
    assert decision["withhold"] == "The referrer's identity"
    assert shown["checklist"]["answered"] == 7 + len(FROM_THE_RECORD)
    # deciding afterwards shows through the checklist: the two never disagree
    cli.run("decide", ref, "--police", "--rationale", "Police now investigating")
    answers = cli.json("show", ref)["checklist"]["answers"]
    assert answers["police-investigation"] is True
    assert answers["decision-rationale"] == "Police now investigating"
    summary = cli.json("checklist", ref, "--answers", str(path))
    assert "other-children-needs" in summary["missing_follow_ups"]


@pytest.mark.parametrize(
    "answers, named",
    [
        ({"other-children": True, "no-such-question": "x"}, "no-such-question"),
        ({"other-children": "perhaps"}, "other-children"),
        ({"who-is-concerned": 42}, "who-is-concerned"),
        ({"information-withheld": True}, "withheld-rationale"),
    ],
)
def test_a_bad_answers_file_names_the_entry_and_writes_nothing(cli, tmp_path, answers, named):
    ref = cli.new()
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"who-is-concerned": "School", **answers}))
    result = cli.run("checklist", ref, "--answers", str(path), expect=None)
    assert result.exit_code in (1, 2)
    assert named in result.output
    assert cli.json("show", ref)["checklist"]["answers"] == FROM_THE_RECORD


def test_an_unreadable_answers_file_is_a_usage_error(cli, tmp_path):
    ref = cli.new()
    path = tmp_path / "answers.json"
    path.write_text("{not json")
    assert "answers.json" in cli.run("checklist", ref, "--answers", str(path), expect=2).output


def test_without_a_terminal_it_names_answers_and_never_hangs(proc):
    ref = proc.new()
    done = proc.run("checklist", ref, expect=2)
    assert "--answers" in done.stderr


def test_the_walk_saves_each_answer_and_ctrl_c_keeps_them(cli, monkeypatch):
    ref = cli.new()
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    # Who attended is never asked: the record says nobody yet, so the first question is how the
    # missing agencies' information will be obtained.
    script = Scripted(["Sam and Hana only; police to be called back", "The school", KeyboardInterrupt])
    monkeypatch.setattr(prompts, "PROMPTER", script)
    result = cli.run("checklist", ref, expect=130)
    assert f"strategy checklist {ref}" in result.output
    assert script.asked[0] == "Who is missing, and how will their information and agreement be obtained?"
    answers = cli.json("show", ref)["checklist"]["answers"]
    assert answers == {
        **FROM_THE_RECORD,
        "core-agencies-missing-plan": "Sam and Hana only; police to be called back",
        "who-is-concerned": "The school",
    }
    # resuming starts at the first unanswered question
    script = Scripted([KeyboardInterrupt])
    monkeypatch.setattr(prompts, "PROMPTER", script)
    cli.run("checklist", ref, expect=130)
    assert script.asked == ["What is the impact of the concern on the child or children?"]


def test_skipping_leaves_a_question_for_next_time_and_review_walks_all(cli, monkeypatch):
    ref = cli.new()
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    monkeypatch.setattr(prompts, "PROMPTER", Scripted(["", "", KeyboardInterrupt]))
    cli.run("checklist", ref, expect=130)
    assert cli.json("show", ref)["checklist"]["answers"] == FROM_THE_RECORD
    monkeypatch.setattr(prompts, "PROMPTER", Scripted(["Police to be called back", KeyboardInterrupt]))
    cli.run("checklist", ref, "--section", "compliance", expect=None)
    assert cli.json("show", ref)["checklist"]["answered"] == 1 + len(FROM_THE_RECORD)
    script = Scripted([KeyboardInterrupt])
    monkeypatch.setattr(prompts, "PROMPTER", script)
    cli.run("checklist", ref, "--review", expect=130)
    assert script.asked == ["Who is missing, and how will their information and agreement be obtained?"]


def test_the_whole_walk_ends_with_a_summary(cli, monkeypatch):
    ref = cli.new()
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)

    class AnswerEverything(Scripted):
        def select(self, message, choices, default=None):
            self.asked.append(message)
            return "yes" if "yes" in choices else choices[0]

        def text(self, message, default=None, instruction=None):
            self.asked.append(message)
            return "Discussed."

    script = AnswerEverything([])
    monkeypatch.setattr(prompts, "PROMPTER", script)
    result = cli.run("checklist", ref)
    shown = cli.json("show", ref)
    # Every question asked once (a rationale the outcome needed was asked at once, not again),
    # and the record's own answered by the record.
    assert shown["checklist"]["answered"] == len(script.asked) + len(FROM_THE_RECORD)
    assert len(set(script.asked)) == len(script.asked)
    assert "Outcome 3: joint s47 and police enquiries" in result.output
    assert "Not quorate: missing" in result.output


class ByQuestion(Scripted):
    """Answers by question id's text: the s47 question "no", the rationale from ``rationale``,
    every other question skipped; Ctrl-C once the rationale question has been asked."""

    def __init__(self, rationale):
        super().__init__([])
        self.rationale = rationale

    def select(self, message, choices, default=None):
        self.asked.append(message)
        return "no" if message.startswith("Is the threshold for significant harm met") else prompts.SKIP_LABEL

    def text(self, message, default=None, instruction=None):
        self.asked.append(message)
        if message.startswith("What is the rationale for the decision"):
            if self.rationale is KeyboardInterrupt:
                raise KeyboardInterrupt
            return self.rationale
        return ""


@pytest.mark.parametrize("rationale", ["Police lead; no s47 now", "", KeyboardInterrupt])
def test_a_walk_that_changes_the_outcome_asks_for_its_rationale_at_once(cli, monkeypatch, rationale):
    """The old rationale was the reason for the other outcome, so a changed outcome needs its
    own, as `decide` requires: it is asked for at once and saved with the change, or (skipped,
    interrupted) the outcome stays as it was."""
    ref = cli.new()
    cli.run("decide", ref, "--s47", "--police", "--rationale", "Joint: injury and disclosure")
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    script = ByQuestion(rationale)
    monkeypatch.setattr(prompts, "PROMPTER", script)
    result = cli.run("checklist", ref, "--section", "action", "--review", expect=None)
    assert result.exit_code == (130 if rationale is KeyboardInterrupt else 0), result.output
    s47_at = next(i for i, m in enumerate(script.asked) if m.startswith("Is the threshold"))
    assert script.asked[s47_at + 1].startswith("What is the rationale for the decision")
    assert "The outcome is now Outcome 2" in result.output and "it was Outcome 3" in result.output
    decision = cli.json("show", ref)["decision"]
    trail = [e for e in cli.json("log", ref) if e["action"] == "decide.checklist"]
    if rationale and isinstance(rationale, str):
        assert (decision["s47"], decision["police_investigation"]) == (False, True)
        assert decision["rationale"] == rationale
        assert trail[0]["detail"]["old"]["rationale"] == "Joint: injury and disclosure"
        assert trail[0]["detail"]["new"]["rationale"] == rationale
    else:
        assert (decision["s47"], decision["police_investigation"]) == (True, True)
        assert decision["rationale"] == "Joint: injury and disclosure"
        assert trail == []
    if rationale == "":
        assert "not saved" in result.output


# --- In a real terminal --------------------------------------------------------------------

pexpect = pytest.importorskip("pexpect") if os.name == "posix" else None


@pytest.mark.skipif(os.name != "posix", reason="pexpect drives a POSIX pseudo-terminal")
def test_real_terminal_walk_interrupt_and_resume(proc):
    ref = proc.new()
    env = {
        **os.environ,
        **proc.env,
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "TERM": "xterm",
        "COLUMNS": "100",
        "LINES": "40",
    }

    def spawn():
        return pexpect.spawn(
            sys.executable, ["-m", "strategy_cli", "checklist", ref], env=env, encoding="utf-8", timeout=20
        )

    child = spawn()
    child.expect("Compliance with Working Together 2023")
    child.expect("1 of")
    child.expect("Who is missing")  # nobody has attended yet: the record says so, it is not asked
    child.sendline("Police to be called back")
    child.expect("Who is concerned")
    child.sendline("The school nurse")
    child.expect("What is the impact of the concern")
    child.send("\x03")  # Ctrl-C
    child.expect("Resume with: strategy checklist")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    answers = proc.json("show", ref)["checklist"]["answers"]
    assert answers == {
        **FROM_THE_RECORD,
        "core-agencies-missing-plan": "Police to be called back",
        "who-is-concerned": "The school nurse",
    }

    child = spawn()
    child.expect("What is the impact of the concern")
    child.send("\x03")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert proc.json("show", ref)["checklist"]["answered"] == 2 + len(FROM_THE_RECORD)


@pytest.mark.skipif(os.name != "posix", reason="pexpect drives a POSIX pseudo-terminal")
def test_real_terminal_a_bare_enter_does_not_answer_a_yes_no_question(proc):
    """A yes/no question has no default: Enter alone is refused where it is asked (a stray
    Enter used to answer "yes"); y or n answers it."""
    ref = proc.new()
    env = {**os.environ, **proc.env, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "100"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "strategy_cli", "checklist", ref, "--section", "risks"],
        env=env,
        encoding="utf-8",
        timeout=20,
    )
    for _text_question in range(3):  # who is concerned, the impact, the impact if nothing changes
        child.expect("1 of|2 of|3 of")
        child.sendline("")  # an empty text answer skips it
    child.expect("Are there any other children")
    child.expect("\\(y/n, s to skip\\)")
    child.send("\r")
    child.expect("Type y for yes or n for no, or s to skip for now")
    assert child.isalive()  # still asking
    assert "other-children" not in proc.json("show", ref)["checklist"]["answers"]
    child.send("n\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert proc.json("show", ref)["checklist"]["answers"]["other-children"] is False


def test_a_profile_without_a_rationale_question_points_to_decide(cli, monkeypatch):
    """A user's profile may leave the rationale question out: the outcome cannot change without
    its reason, and the manager is told how to record both, never a traceback (review finding)."""
    import dataclasses

    from strategy_cli.store import Store

    ref = cli.new()
    cli.run("decide", ref, "--s47", "--police", "--rationale", "Joint: injury and disclosure")
    real = Store.profile_of

    def without_rationale(store, discussion):
        profile = real(store, discussion)
        return dataclasses.replace(
            profile, questions=[q for q in profile.questions if q.decision != "rationale"]
        )

    monkeypatch.setattr(Store, "profile_of", without_rationale)
    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    monkeypatch.setattr(prompts, "PROMPTER", ByQuestion("unused"))
    result = cli.run("checklist", ref, "--section", "action", "--review")
    assert f"strategy decide {ref} --rationale" in result.output
    assert cli.json("show", ref)["decision"]["s47"] is True


def test_a_prompt_left_open_does_not_undo_a_decision_made_meanwhile(cli, monkeypatch):
    """The walk shows what the family is told; while the prompt is open a colleague runs
    decide --share; Enter keeps the answer shown, which must not write the stale text back."""
    from strategy_cli import settings
    from strategy_cli.casework import Casework
    from strategy_cli.casework.decision import amend_decision
    from strategy_cli.domain.decision import DecisionPatch
    from strategy_cli.store import Store

    ref = cli.new()
    cli.run("decide", ref, "--s47", "--police", "--rationale", "Joint", "--share", "The outcome only")

    class Meanwhile(Scripted):
        def select(self, message, choices, default=None):
            self.asked.append(message)
            return prompts.SKIP_LABEL

        def text(self, message, default=None, instruction=None):
            self.asked.append(message)
            if message.startswith("What information from the strategy discussion will be shared"):
                colleague = Store(cli.db)
                patch = DecisionPatch(share="The outcome and the plan")
                amend_decision(Casework(colleague, "colleague", settings.now), ref, patch)
                colleague.close()
                return default  # Enter: the answer shown before the colleague's change
            return ""

    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    monkeypatch.setattr(prompts, "PROMPTER", Meanwhile([]))
    cli.run("checklist", ref, "--section", "awareness", "--review")
    assert cli.json("show", ref)["decision"]["share"] == "The outcome and the plan"
    assert [e["by"] for e in cli.json("log", ref) if e["action"].startswith("decide")][-1] == "colleague"


def test_withholding_in_the_walk_asks_why_at_once_and_saves_both(cli, monkeypatch):
    """`information-withheld: yes` cannot stand without its rationale (the rule decide keeps
    too): the walk asks why at once, saves both together, then asks what is withheld."""
    ref = cli.new()

    class Withholds(Scripted):
        def select(self, message, choices, default=None):
            self.asked.append(message)
            return "yes" if message.startswith("Is any information to be withheld") else prompts.SKIP_LABEL

        def text(self, message, default=None, instruction=None):
            self.asked.append(message)
            if message.startswith("Why is it withheld?"):
                return "It would alert the alleged abuser"
            if message.startswith("What is withheld from the parents"):
                return "The police interview plan"
            return ""

    monkeypatch.setattr(common, "interactive_terminal", lambda: True)
    script = Withholds([])
    monkeypatch.setattr(prompts, "PROMPTER", script)
    result = cli.run("checklist", ref, "--section", "awareness")
    asked = [m.split("?")[0] for m in script.asked]
    withheld_at = asked.index(
        "Is any information to be withheld from the parents or carers, because sharing it may place the child at risk of harm or jeopardise a police investigation"
    )
    assert asked[withheld_at + 1] == "Why is it withheld"
    assert "needs its rationale" in result.output
    decision = cli.json("show", ref)["decision"]
    assert (decision["withholding"], decision["withhold_rationale"]) == (
        True,
        "It would alert the alleged abuser",
    )
    assert decision["withhold"] == "The police interview plan"
