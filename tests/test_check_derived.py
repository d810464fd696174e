"""`strategy check` sees what only follows from the record (issue 13): each hand edit below
leaves the audit chain intact, and check names it instead of calling the database whole (or
crashing)."""

import sqlite3

import pytest
from support import AVA


def _tamper(db, *statements):
    with sqlite3.connect(db) as conn:
        for statement in statements:
            assert conn.execute(statement).rowcount != 0 or statement.lstrip().upper().startswith(
                ("CREATE", "DROP")
            )
    conn.close()


@pytest.mark.parametrize(
    "statements, named",
    [
        (
            ["UPDATE deadline SET due_at = '2027-01-01T00:00:00+00:00' WHERE kind = 'discussion'"],
            "deadline discussion",
        ),
        (["DELETE FROM deadline WHERE kind = 'referrer-informed'"], "referrer-informed"),
        (["UPDATE discussion SET discussion_due = '2027-01-01T00:00:00+00:00'"], "discussion_due"),
        (["UPDATE discussion SET quorate = 1"], "quorate"),
        (["UPDATE discussion SET seq = 7"], "is not SD-2026-0007"),
        (["UPDATE discussion SET concern_at = 'yesterday'"], "concern_at holds 'yesterday'"),
        (["UPDATE discussion SET categories = '{bad'"], "categories holds '{bad'"),
        (["UPDATE child SET dob = 'soon'"], "a row of child cannot be read"),
        (["DROP INDEX discussion_open"], "index discussion_open is missing"),
        (
            ["CREATE TRIGGER quiet AFTER INSERT ON audit BEGIN SELECT 1; END"],
            "trigger quiet is not one strategy made",
        ),
    ],
    ids=[
        "moved-due",
        "deleted-deadline",
        "discussion-due",
        "quorate",
        "seq",
        "concern_at",
        "categories",
        "child-dob",
        "index",
        "trigger",
    ],
)
def test_check_names_a_derived_fact_or_value_changed_by_hand(cli, statements, named):
    ref = cli.new(*AVA, "--procedure", "west-midlands")
    cli.run("check")
    _tamper(cli.db, *statements)
    result = cli.run("check", expect=1)
    assert named in result.output, result.output
    assert "unexpected" not in result.output.lower()
    assert ref in result.output or "index" in named or "trigger" in named


def test_check_json_lists_every_pass_and_quick_takes_the_open_ones(cli):
    cli.new(*AVA, "--procedure", "hampshire")
    closed = cli.new(*AVA, "--procedure", "hampshire")
    cli.run("close", closed, "--reason", "Entered twice", "--force")
    names = [c["name"] for c in cli.json("check")["checks"]]
    assert names == [
        "integrity",
        "foreign keys",
        "schema",
        "schema objects",
        "procedure versions",
        "audit trail",
        "values",
        "references",
        "derived facts",
        "records",
    ]
    quick = {c["name"]: c["detail"] for c in cli.json("check", "--quick")["checks"]}
    assert list(quick) == [name for name in names if name != "foreign keys"]  # a full-check scan
    assert quick["integrity"] == "ok (quick)"
    assert quick["values"] == "1 discussions read"  # the open one: what the board shows


def test_a_record_under_a_changed_profile_is_counted_not_faulted(cli):
    """Stored deadlines under an older profile are recomputed on the next read by design."""
    cli.new(*AVA, "--procedure", "hampshire")
    _tamper(cli.db, "UPDATE discussion SET rules_fingerprint = 'older'")
    result = cli.run("check")
    assert "under a changed profile" in result.output


def test_the_parallel_pass_finds_what_one_process_finds(cli, monkeypatch):
    """A large database is checked by worker processes over spans of discussions and ranges
    of audit entries; joined up, their findings are the single process's, faults included."""
    from strategy_cli import recompute
    from strategy_cli.store import Store

    refs = [cli.new(*AVA, "--procedure", "west-midlands") for _ in range(5)]
    for ref in refs:
        cli.run("attend", ref, "--name", "Sam Social", "--agency", "social-care")
    _tamper(cli.db, "UPDATE attendee SET role = 'tampered' WHERE discussion_id = 4")
    _tamper(cli.db, "UPDATE audit SET by = 'someone-else' WHERE id = 7")
    monkeypatch.setattr(recompute, "SPAN", 2)
    monkeypatch.setattr(recompute, "RANGE", 3)
    store = Store(cli.db)
    try:
        with store.snapshot():
            monkeypatch.setattr(recompute, "PARALLEL_FROM", 10**9)
            alone = recompute.full_pass(store, quick=False)
            monkeypatch.setattr(recompute, "PARALLEL_FROM", 1)
            monkeypatch.setattr(recompute.os, "cpu_count", lambda: 2)
            together = recompute.full_pass(store, quick=False)
    finally:
        store.close()
    assert together == alone
    checks = {c["name"]: c for c in together}
    assert "audit entry 7 " in checks["audit trail"]["detail"]
    assert refs[3] in checks["records"]["detail"] and "attendees" in checks["records"]["detail"]
    assert checks["values"]["detail"] == "5 discussions read"


def test_check_judges_with_the_calendar_the_writes_used(cli, monkeypatch):
    """A newer `holidays` package may know another bank holiday; the deadlines were computed
    with the dates cached in the database, and check recomputes with those (no false alarm).
    An unreadable cached year is computed again, not a crash."""
    from strategy_cli import settings
    from strategy_cli.domain.calendar import BankHolidays

    cli.new(*AVA, "--procedure", "west-midlands")
    real = settings.bank_holidays

    def newer(country, subdivision):
        def load_year(year):
            return [*real(country, subdivision).load_year(year), __import__("datetime").date(year, 11, 25)]

        return BankHolidays(load_year)

    monkeypatch.setattr(settings, "bank_holidays", newer)
    assert "The database is whole." in cli.run("check").output
    monkeypatch.setattr(settings, "bank_holidays", real)
    _tamper(cli.db, "UPDATE bank_holidays SET days = 'bad'")
    ref = cli.new(*AVA, "--procedure", "west-midlands")
    cli.run("attend", ref, "--name", "Sam Social", "--agency", "social-care")


def test_an_amendment_after_circulation_is_listed_whichever_path_made_it(cli):
    for path in ("decide", "checklist"):
        ref = cli.new(*AVA, "--procedure", "hampshire")
        cli.run("held", ref, "--at", "2026-11-23T08:00")
        cli.run("decide", ref, "--s47", "--no-police", "--rationale", "R")
        cli.run("record", ref, "record-circulated")
        if path == "decide":
            cli.run("decide", ref, "--share", "A social worker will visit")
        else:
            answers = cli.db.parent / "answers.json"
            answers.write_text('{"share-with-family": "A social worker will visit"}')
            cli.run("checklist", ref, "--answers", str(answers))
        minutes = cli.run("export", ref, "--format", "md").output
        assert "after the record was circulated" in minutes, path


@pytest.mark.parametrize(
    "statement, named",
    [
        ("UPDATE deadline SET due_at = 'zzz'", "deadline.due_at holds 'zzz'"),
        ("UPDATE deadline SET kind = 'bogus'", "deadline.kind holds 'bogus'"),
        ("UPDATE discussion SET discussion_due = 'nope'", "discussion.discussion_due holds 'nope'"),
        ("UPDATE audit SET detail = '{bad' WHERE action = 'open'", "audit.detail"),
    ],
    ids=["due_at", "kind", "discussion_due", "audit-detail"],
)
def test_reading_commands_name_a_hand_edited_value(cli, statement, named):
    """show, due, export and log name the value they cannot read, never 'unexpected'."""
    ref = cli.new(*AVA, "--procedure", "west-midlands")
    _tamper(cli.db, statement)
    views = [("show", ref), ("due", "--json"), ("export", ref), ("log", ref)]
    outputs = [cli.run(*view, expect=None) for view in views]
    assert any(named in result.output for result in outputs), [r.output for r in outputs]
    for result in outputs:
        assert "unexpected" not in result.output.lower(), result.output


def test_statistics_from_analyze_are_not_a_foreign_object(cli):
    cli.new(*AVA, "--procedure", "hampshire")
    _tamper(cli.db, "ANALYZE")
    assert "The database is whole." in cli.run("check").output


def test_an_answer_the_new_procedure_does_not_ask_is_no_false_alarm(cli, tmp_path, monkeypatch):
    """Moved to a procedure whose checklist lacks an answered question: the answer stays in
    the table and the trail, the record no longer shows it, and check is content."""
    import dataclasses

    from strategy_cli import settings

    ref = cli.new(*AVA, "--procedure", "hampshire")
    answers = tmp_path / "answers.json"
    answers.write_text('{"safety-plan": "Stay with grandparents"}')
    cli.run("checklist", ref, "--answers", str(answers))
    real = settings.profile

    def without_safety_plan(profile_id):
        profile = real(profile_id)
        if profile_id != "west-midlands":
            return profile
        kept = tuple(q for q in profile.questions if q.id != "safety-plan")
        return dataclasses.replace(profile, questions=kept, question_index={q.id: q for q in kept})

    monkeypatch.setattr(settings, "profile", without_safety_plan)
    cli.run("edit", ref, "--procedure", "west-midlands")
    assert "The database is whole." in cli.run("check").output
