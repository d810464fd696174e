"""Any sequence of commands leaves a record its own audit trail can rebuild.

A hypothesis state machine runs the writing commands (new, child add/edit/remove, attend and
--remove, held, decide, action add/done/edit/remove, disagreement add/escalate/resolve, record and
--withdraw, close/reopen, checklist --answers) in
any order, in-process through CliRunner. After every step: no command ended in a traceback,
replaying ``strategy log REF --json`` (strategy_cli/replay.py) gives exactly the record
``strategy show REF --json`` prints, and ``strategy check`` passes.
"""

from __future__ import annotations

import collections
import json
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))

from robust_support import PROCEDURE, InProcess, clean_failure, decision_questions, record_questions, scaled  # noqa: E402

from strategy_cli.replay import ReplayError, as_shown, from_show, replay  # noqa: E402

pytestmark = pytest.mark.slow  # a stress suite: CI runs it at its reduced size (robust_support.scaled)

REFUSALS = collections.Counter()
STEPS_RUN = {"steps": 0, "commands": 0, "refused": 0}

# A small pool, so that names repeat: corrections, case-only differences (SQLite's NOCASE folds
# ASCII only), and non-ASCII look-alikes.
NAMES = ["Ava Example", "ava example", "Ben Test", "Élodie Sample", "ÉLODIE SAMPLE", "Zoë Ng", "O'Neil [x]"]
TEXT = st.sampled_from(
    ["plain", "", "  ", "<b>bold</b>", "[/]", "line\nbreak", "ﬁ ‮rtl", "a" * 300, "emoji 🙂", "@"]
)
INSTANTS = st.sampled_from(
    ["2026-11-18T10:00", "2026-11-20 09:30", "2026-11-21T14:15+01:00", "2026-10-25T01:30", "2027-03-28T01:30"]
)
# A child's identifiers: set, corrected, cleared, and refused (a wrong check digit, one NHS
# number given to two children).
IDENTIFIERS = [
    "--case-id=LCS-1",
    "--case-id= MOS 2 ",
    "--case-id=",
    "--nhs-number=943 476 5919",
    "--nhs-number=401-023-2137",
    "--nhs-number=9434765918",
    "--nhs-number=",
]
DAYS = st.sampled_from(["2015-03-02", "2026-11-20", "2008-11-21", "2010-01-31"])
AGENCIES = st.sampled_from(["social-care", "health", "police", "education", "fostering", "paediatrician"])
EVENTS = st.sampled_from(
    ["child-seen", "icpc-held", "lado-informed", "record-circulated", "referrer-informed", "review-held"]
)


def _questions():
    from strategy_cli import settings as app_settings

    return app_settings.profile(PROCEDURE).questions


def answers_strategy():
    questions = _questions()

    def value_for(q):
        if q.type == "yes-no":
            return st.sampled_from([True, False, "yes", "no", "Y"])
        if q.type == "choice":
            return st.sampled_from(list(q.choices))
        return st.sampled_from(["noted", "a <i>note</i>", "ok\ttab", "second answer"])

    return st.lists(
        st.sampled_from(questions).flatmap(lambda q: value_for(q).map(lambda v: (q.id, v))),
        min_size=1,
        max_size=6,
    ).map(dict)


class RecordMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="strategy-stateful-"))
        self.cli = InProcess(self.folder / "s.db")
        self.refs: list[str] = []
        self.touched: str | None = None
        self.files = 0
        self.shown: dict[str, dict] = {}  # the last show --json of each discussion

    # Running a command: success, or a clean refusal; never a traceback.
    def run(self, ref: str | None, *args: str) -> bool:
        result = self.cli(*args)
        STEPS_RUN["commands"] += 1
        if result.exit_code != 0:
            STEPS_RUN["refused"] += 1
            clean_failure(result)
            REFUSALS[" ".join(args[:2]) + ": " + result.output.strip().splitlines()[-1][:60]] += 1
        if ref is not None:
            self.touched = ref
        return result.exit_code == 0

    @initialize(name=st.sampled_from(NAMES), dob=DAYS)
    def first(self, name, dob):
        self.new_discussion(children=[(name, dob)], summary="first", referrer="", concern=NOW_INSTANT)

    @rule(
        children=st.lists(st.tuples(st.sampled_from(NAMES), DAYS), min_size=1, max_size=3),
        summary=TEXT,
        referrer=TEXT,
        concern=INSTANTS,
    )
    def new_discussion(self, children, summary, referrer, concern):
        args = ["new", "--no-input", "--json", f"--summary={summary}", f"--referrer={referrer}"]
        args.append(f"--concern-at={concern}")
        for name, dob in children:
            args += [f"--child={name}", f"--dob={dob}"]
        result = self.cli(*args)
        STEPS_RUN["commands"] += 1
        if result.exit_code == 0:
            ref = json.loads(result.stdout)["reference"]
            self.refs.append(ref)
            self.touched = ref
        else:
            clean_failure(result)

    def ref(self, data) -> str:
        # Mostly an open discussion (a closed one refuses most commands), sometimes any.
        open_ = [r for r in self.refs if self.shown.get(r, {}).get("status", "open") == "open"]
        if open_ and data.draw(st.integers(0, 3)):
            return data.draw(st.sampled_from(open_))
        return data.draw(st.sampled_from(self.refs))

    def known(self, data, ref: str, key: str, pool: list):
        """Mostly a name (or number) the discussion has, sometimes one from the pool."""
        document = self.shown.get(ref, {})
        field = {"actions": "id", "disagreements": "number"}.get(key, "name")
        have = [item[field] for item in document.get(key, [])]
        if have and data.draw(st.integers(0, 3)):
            return data.draw(st.sampled_from(have))
        return data.draw(st.sampled_from(pool))

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        name=st.sampled_from(NAMES),
        dob=DAYS,
        flags=st.sets(
            st.sampled_from(
                [
                    "--looked-after",
                    "--in-hospital",
                    "--hospital-services",
                    "--medical",
                    "--no-adult-care-needs",
                ]
            )
        ),
        interpreter=st.sampled_from([None, "Polish", "  "]),
        identifiers=st.sets(st.sampled_from(IDENTIFIERS), max_size=2),
    )
    def child_add(self, data, name, dob, flags, interpreter, identifiers):
        ref = self.ref(data)
        args = ["child", "add", ref, f"--name={name}", f"--dob={dob}", *sorted(flags), *sorted(identifiers)]
        if interpreter is not None:
            args.append(f"--interpreter={interpreter}")
        self.run(ref, *args)

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        new_name=st.sampled_from([None, *NAMES]),
        changes=st.sets(
            st.sampled_from(
                [
                    "--looked-after",
                    "--not-looked-after",
                    "--in-hospital",
                    "--not-in-hospital",
                    "--no-hospital-services",
                    "--medical",
                    "--not-medical",
                    "--interpreter=Urdu",
                    "--interpreter=",
                    "--edd=2027-01-01",
                    "--dob=2012-12-12",
                    *IDENTIFIERS,
                ]
            ),
            max_size=3,
        ),
    )
    def child_edit(self, data, new_name, changes):
        ref = self.ref(data)
        name = self.known(data, ref, "children", NAMES)
        args = ["child", "edit", ref, name, *sorted(changes)]
        if new_name is not None:
            args.append(f"--name={new_name}")
        self.run(ref, *args)

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        name=st.sampled_from(NAMES),
        agency=AGENCIES,
        role=TEXT,
        attendance=st.sampled_from([[], ["--apologies"], ["--information-only"]]),
        shared=st.sampled_from(
            [[], ["--shared="], ["--shared=Known to police: no"], ["--shared=a <i>note</i>\nand more"]]
        ),
    )
    def attend(self, data, name, agency, role, attendance, shared):
        ref = self.ref(data)
        self.run(
            ref, "attend", ref, f"--name={name}", f"--agency={agency}", f"--role={role}", *attendance, *shared
        )

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        by=st.sampled_from([[], ["--by=Sam Social"], ["--by=[/]"]]),
        alone=st.sampled_from([[], ["--alone"], ["--not-alone"]]),
        at=INSTANTS,
        withdraw=st.booleans(),
    )
    def child_seen(self, data, by, alone, at, withdraw):
        """A child seen (or the sighting taken back), one child at a time."""
        ref = self.ref(data)
        name = self.known(data, ref, "children", NAMES)
        if withdraw:
            self.run(ref, "record", ref, "child-seen", f"--child={name}", "--withdraw")
        else:
            self.run(ref, "record", ref, "child-seen", f"--child={name}", *by, *alone, f"--at={at}")

    @precondition(lambda self: self.refs)
    @rule(data=st.data(), reason=st.sampled_from([None, "entered twice", "[/]"]))
    def child_remove(self, data, reason):
        ref = self.ref(data)
        name = self.known(data, ref, "children", NAMES)
        self.run(ref, "child", "remove", ref, name, *([f"--reason={reason}"] if reason is not None else []))

    @precondition(lambda self: any(d["attendees"] for d in self.shown.values()))
    @rule(data=st.data())
    def attend_remove(self, data):
        ref = data.draw(st.sampled_from([r for r, d in self.shown.items() if d["attendees"]]))
        name = self.known(data, ref, "attendees", NAMES)
        self.run(ref, "attend", ref, f"--name={name}", "--remove")

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        at=INSTANTS,
        format_=st.sampled_from([None, "virtual", "telephone"]),
        chair=st.sampled_from([None, "Dee Chair", "", "<i>chair</i>"]),
    )
    def held(self, data, at, format_, chair):
        ref = self.ref(data)
        args = ["held", ref, f"--at={at}"]
        if format_:
            args.append(f"--format={format_}")
        if chair is not None:
            args.append(f"--chair={chair}")
        self.run(ref, *args)

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        s47=st.sampled_from([[], ["--s47"], ["--no-s47"]]),
        police=st.sampled_from([[], ["--police"], ["--no-police"]]),
        rationale=st.sampled_from([None, "because", "<script>x</script>"]),
        share=st.sampled_from([None, "told", ""]),
        withhold=st.sampled_from([[], ["--withhold=the address"], ["--no-withhold"]]),
        withhold_rationale=st.sampled_from([None, "risk to the child"]),
        further_by=st.sampled_from([None, "2026-12-01"]),
        no_further=st.sampled_from([[], [], ["--no-further"]]),
    )
    def decide(
        self, data, s47, police, rationale, share, withhold, withhold_rationale, further_by, no_further
    ):
        ref = self.ref(data)
        args = ["decide", ref, *s47, *police, *withhold, *no_further]
        for option, value in (
            ("--rationale", rationale),
            ("--share", share),
            ("--withhold-rationale", withhold_rationale),
            ("--further-by", further_by),
        ):
            if value is not None:
                args.append(f"{option}={value}")
        self.run(ref, *args)

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        task=st.sampled_from(["call GP", "<a href='javascript:x'>", "visit"]),
        owner=st.sampled_from(["Sam Owner", "ann"]),
        agency=st.sampled_from([None, "police", "health"]),
        due=st.sampled_from(["2026-11-27", "2026-11-21T12:00"]),
        family=st.booleans(),
    )
    def action_add(self, data, task, owner, agency, due, family):
        ref = self.ref(data)
        args = ["action", "add", ref, f"--task={task}", f"--owner={owner}", f"--due={due}"]
        if agency:
            args.append(f"--agency={agency}")
        if family:
            args.append("--for-family")
        self.run(ref, *args)

    @precondition(lambda self: self.refs)
    @rule(data=st.data(), at=INSTANTS)
    def action_done(self, data, at):
        ref = self.ref(data)
        number = self.known(data, ref, "actions", [1, 2, 9])
        self.run(ref, "action", "done", ref, str(number), f"--at={at}")

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        changes=st.sets(
            st.sampled_from(
                [
                    "--task=edited",
                    "--owner=New Owner",
                    "--agency=education",
                    "--due=2026-12-24",
                    "--not-for-family",
                    "--for-family",
                    "--not-done",
                ]
            ),
            min_size=1,
            max_size=3,
        ),
    )
    def action_edit(self, data, changes):
        ref = self.ref(data)
        number = self.known(data, ref, "actions", [1, 2, 9])
        self.run(ref, "action", "edit", ref, str(number), *sorted(changes))

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        agency=st.sampled_from(["police", "health", "nope"]),
        position=st.sampled_from([None, "Interview now", "[/]"]),
        at=st.one_of(st.none(), INSTANTS),
    )
    def disagreement_add(self, data, agency, position, at):
        ref = self.ref(data)
        args = ["disagreement", "add", ref, f"--agency={agency}", "--about=Whether to interview"]
        args += [f"--position={position}"] if position is not None else []
        args += [f"--at={at}"] if at else []
        self.run(ref, *args)

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        step=st.sampled_from(["escalate", "resolve"]),
        at=st.one_of(st.none(), INSTANTS),
    )
    def disagreement_step(self, data, step, at):
        ref = self.ref(data)
        number = self.known(data, ref, "disagreements", [1, 2, 9])
        told = "--to=Senior managers" if step == "escalate" else "--outcome=Agreed"
        self.run(ref, "disagreement", step, ref, str(number), told, *([f"--at={at}"] if at else []))

    @precondition(lambda self: self.refs)
    @rule(data=st.data(), reason=st.sampled_from(["entered twice", "", "[/]"]))
    def action_remove(self, data, reason):
        ref = self.ref(data)
        number = self.known(data, ref, "actions", [1, 2, 9])
        self.run(ref, "action", "remove", ref, str(number), f"--reason={reason}")

    @precondition(lambda self: self.refs)
    @rule(data=st.data(), event=EVENTS, at=INSTANTS)
    def record(self, data, event, at):
        ref = self.ref(data)
        self.run(ref, "record", ref, event, f"--at={at}")

    @precondition(lambda self: self.refs)
    @rule(data=st.data(), event=EVENTS, reason=st.sampled_from([None, "wrong child"]))
    def record_withdraw(self, data, event, reason):
        ref = self.ref(data)
        extra = [f"--reason={reason}"] if reason is not None else []
        self.run(ref, "record", ref, event, "--withdraw", *extra)

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        reason=st.sampled_from(["no further action", "", "[/]"]),
        force=st.sampled_from([True, True, False]),
    )
    def close(self, data, reason, force):
        ref = self.ref(data)
        self.run(ref, "close", ref, f"--reason={reason}", *(["--force"] if force else []))

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        concern=st.one_of(st.none(), INSTANTS),
        categories=st.lists(
            st.sampled_from(["standard", "serious-harm", "allegation-against-staff"]), max_size=2
        ),
        procedure=st.sampled_from([None, "hampshire", "west-midlands"]),
        summary=st.one_of(st.none(), TEXT),
    )
    def edit(self, data, concern, categories, procedure, summary):
        ref = self.ref(data)
        args = [f"--concern-at={concern}"] if concern else []
        args += [f"--category={c}" for c in categories]
        args += [f"--procedure={procedure}"] if procedure else []
        args += [f"--summary={summary}"] if summary is not None else []
        self.run(ref, "edit", ref, *args)

    @precondition(lambda self: any(d["status"] == "closed" for d in self.shown.values()))
    @rule(data=st.data(), reason=st.sampled_from([None, "new information"]))
    def reopen(self, data, reason):
        ref = data.draw(st.sampled_from([r for r, d in self.shown.items() if d["status"] == "closed"]))
        self.run(ref, "reopen", ref, *([f"--reason={reason}"] if reason else []))

    @precondition(lambda self: self.refs)
    @rule(data=st.data(), answers=answers_strategy(), toml=st.booleans())
    def checklist(self, data, answers, toml):
        ref = self.ref(data)
        self.files += 1
        if toml:  # JSON's strings and booleans are TOML's too
            path = self.folder / f"answers{self.files}.toml"
            path.write_text("".join(f"{json.dumps(k)} = {json.dumps(v)}\n" for k, v in answers.items()))
        else:
            path = self.folder / f"answers{self.files}.json"
            path.write_text(json.dumps(answers), encoding="utf-8")
        self.run(ref, "checklist", ref, f"--answers={path}")

    @invariant()
    def trail_replays_to_record(self):
        STEPS_RUN["steps"] += 1
        if self.touched is None:
            return
        ref = self.touched
        log = self.cli.json("log", ref)
        shown = self.cli.json("show", ref)
        self.shown[ref] = shown
        try:
            replayed = as_shown(replay(log), decision_questions(PROCEDURE), record_questions(PROCEDURE))
        except ReplayError as error:
            raise AssertionError(f"{ref}: {error}\n{json.dumps(log, indent=1, ensure_ascii=False)}") from None
        assert replayed == from_show(shown, record_questions(PROCEDURE))
        assert all(a["present"] == (a["attendance"] == "present") for a in shown["attendees"])
        listed = {d["reference"]: d for d in self.cli.json("list", "--all")}
        assert listed[ref]["quorate"] == shown["quorate"]  # stored by the write, judged by show
        if STEPS_RUN["steps"] % 4 == 0:
            self.check()

    def check(self):
        result = self.cli("check")
        assert result.exit_code == 0, result.output

    def teardown(self):
        try:
            self.check()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


NOW_INSTANT = "2026-11-20T09:30"

RecordMachine.TestCase.settings = settings(
    max_examples=scaled(15),
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    print(f"\nstateful: {STEPS_RUN}")
    for reason, count in REFUSALS.most_common(8):
        print(f"  refused {count}x: {reason}")


TestRecordMachine = RecordMachine.TestCase
