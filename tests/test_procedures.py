"""Procedure profiles load, validate with errors that name the file and field, and hold the
key questions; the checklist rules over answers."""

import pytest
from support import MINIMAL_PROFILE as MINIMAL

from strategy_cli import settings
from strategy_cli.domain import checklist
from strategy_cli.domain.model import Decision, Discussion
from strategy_cli.domain.procedures import DECISION_FIELDS, ProfileError, load_profile


def test_builtin_profiles_load_with_the_key_questions():
    for profile_id in ("hampshire", "west-midlands"):
        profile = settings.profile(profile_id)
        assert len(profile.questions) >= 30
        ids = [q.id for q in profile.questions]
        assert len(ids) == len(set(ids))
        assert {q.decision for q in profile.questions if q.decision} == set(DECISION_FIELDS)
        # the West Midlands points are folded in
        for wanted in (
            "safe-discharge",
            "race-and-ethnicity",
            "interpreter-language",
            "other-children-needs",
            "legal-action",
        ):
            assert wanted in ids


def test_a_minimal_profile_loads():
    profile = load_profile(MINIMAL, "testshire.toml")
    assert profile.id == "testshire" and profile.questions == ()


@pytest.mark.parametrize(
    "change, field",
    [
        (("hours = 24", "hours = -1"), "deadlines[0].hours"),
        (("hours = 24", "working_day = 1"), "deadlines[0].working_day"),
        (("hours = 24", "hours = 24\nmaximum = true"), "deadlines[0].maximum"),
        (("[quoracy]", "maximum_days = 3\n[quoracy]"), "maximum_days"),
        (("hours = 24", "hours = 24\nsame_day = true"), "deadlines[0]"),
        (('kind = "discussion"', 'kind = "tea"'), "deadlines[0].kind"),
        (
            ('always = ["social-care", "health", "police"]', 'always = ["social-care", "army"]'),
            "quoracy.always",
        ),
        (('joint = "3"', ""), "outcomes.joint"),
        (('id = "testshire"', 'id = "Test Shire"'), "id"),
        (("[[deadlines]]", '[[deadlines]]\ncategories = ["nonsense"]'), "deadlines[0].categories"),
    ],
)
def test_a_bad_profile_names_the_file_and_the_field(change, field):
    text = MINIMAL.replace(*change)
    with pytest.raises(ProfileError) as error:
        load_profile(text, "testshire.toml")
    assert str(error.value).startswith(f"testshire.toml: {field}")


def test_bad_questions_are_named():
    text = (
        MINIMAL
        + """
[[sections]]
id = "s"
title = "S"
[[questions]]
id = "q1"
section = "s"
type = "yes-no"
text = "Q1?"
[[questions]]
id = "q2"
section = "s"
type = "text"
text = "Why?"
follows = "q1"
when = "maybe"
"""
    )
    with pytest.raises(ProfileError, match=r"testshire.toml: questions.q2.when"):
        load_profile(text, "testshire.toml")
    with pytest.raises(ProfileError, match=r"questions.q2.follows"):
        load_profile(text.replace('follows = "q1"', 'follows = "q9"'), "testshire.toml")


def test_invalid_toml_names_the_file():
    with pytest.raises(ProfileError, match="broken.toml: not valid TOML"):
        load_profile("id = ", "broken.toml")


def test_a_user_profile_from_the_config_folder(tmp_path, monkeypatch):
    folder = tmp_path / "procedures"
    folder.mkdir()
    (folder / "testshire.toml").write_text(MINIMAL)
    monkeypatch.setattr(settings, "config_dir", lambda: tmp_path)
    settings.clear_profile_caches()
    try:
        assert settings.profile("testshire").name == "Testshire"
        assert "hampshire" in settings.profile_sources()
    finally:
        settings.clear_profile_caches()


# --- Checklist rules ---------------------------------------------------------------------

PROFILE = settings.profile("hampshire")


def q(question_id):
    return PROFILE.question_index[question_id]


@pytest.mark.parametrize("given, expected", [(True, True), ("yes", True), ("No", False), (False, False)])
def test_yes_no_answers(given, expected):
    assert checklist.read_answer(q("other-children"), given) is expected


@pytest.mark.parametrize("bad", ["perhaps", 3, None])
def test_bad_yes_no_answers_name_the_question(bad):
    with pytest.raises(checklist.AnswerError, match="other-children"):
        checklist.read_answer(q("other-children"), bad)


def test_text_answers_are_kept_exactly_but_nul_and_huge_pastes_are_refused():
    text = "  Line one\nZoe\u0308 <b>x</b>  "
    assert checklist.read_answer(q("who-is-concerned"), text) == text.replace("e\u0308", "\u00eb")
    with pytest.raises(checklist.AnswerError, match="bidirectional"):
        checklist.read_answer(q("who-is-concerned"), "\u202eright-to-left")
    with pytest.raises(checklist.AnswerError, match="NUL"):
        checklist.read_answer(q("who-is-concerned"), "a\x00b")
    with pytest.raises(checklist.AnswerError, match="at most"):
        checklist.read_answer(q("who-is-concerned"), "x" * 100_001)


def test_follow_ups_are_triggered_by_their_answer():
    follow = q("interpreter-language")
    assert not checklist.triggered(follow, {})
    assert not checklist.triggered(follow, {"interpreter-needed": False})
    assert checklist.triggered(follow, {"interpreter-needed": True})


def test_summary_lists_unanswered_and_missing_follow_ups():
    given = {"interpreter-needed": True, "information-withheld": True}
    summary = checklist.summarise(PROFILE, given)
    missing = {x.id for x in summary.missing_follow_ups}
    assert {"interpreter-language", "withheld-what", "withheld-rationale"} <= missing
    assert summary.total == len(PROFILE.questions)
    assert "who-is-concerned" in {x.id for x in summary.unanswered}


def test_decision_questions_read_and_write_the_decision():
    d = Discussion("SD-2026-0001", "hampshire", ["standard"], None, None)
    d.decision = Decision(s47=True, police_investigation=False, rationale="Because.")
    given = checklist.answers(d, PROFILE)
    assert given["s47"] is True and given["police-investigation"] is False
    assert given["decision-rationale"] == "Because."
    assert q("police-investigation").decision == "police_investigation"


def test_an_answers_file_is_checked_whole():
    with pytest.raises(checklist.AnswerError, match="'no-such-question'"):
        checklist.validate_answers(PROFILE, {"other-children": True, "no-such-question": "x"})
    assert checklist.validate_answers(PROFILE, {"other-children": "yes"}) == {"other-children": True}
