"""The three cases of issue 15, recorded in full from `new` to `close` as a duty manager would,
through real subprocesses, and their printed minutes read back with ``pdftotext``.

(a) an allegation against a foster carer under Hampshire (the LADO attends, a looked-after child);
(b) a 7-week-old in hospital with an unexplained fracture and a 17-year-old mother under
    West Midlands (the paediatrician, consultant and ward nurse attend; the mother is near 18);
(c) a disclosure of penetrative sexual abuse where police and social care disagreed (the
    disagreement is raised, escalated and resolved before the discussion closes).

Each professional PDF must hold what the seeds' "what to record" lists ask (each item quoted
in a comment beside its check); each family PDF the family's own things, and never what is
withheld, the disagreement, the other professionals or the child's case-system ID.

Every name here is fictional and meant to look it. The PDFs need ``chromium`` and
``pdftotext`` (Debian: ``apt-get install chromium poppler-utils``; CI installs them); without
them the tests fail, unless ``STRATEGY_SKIP_BROWSER=1`` skips them on purpose.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import Subprocess

# --- How a case is recorded -------------------------------------------------------------------


@dataclass
class Case:
    """One discussion recorded end to end: its reference and the text of its final PDFs."""

    ref: str
    professional: str
    family: str
    log: str


class Manager(Subprocess):
    """The CLI as a real process, whose clock a test moves on as the day goes by."""

    def at(self, now: str) -> Manager:
        self.env["STRATEGY_NOW"] = now
        return self


def require_pdf_tools() -> None:
    if os.environ.get("STRATEGY_SKIP_BROWSER") == "1":
        pytest.skip("STRATEGY_SKIP_BROWSER=1")
    from strategy_cli.printing import BrowserMissing, find_browser

    missing = [name for name in ("pdftotext",) if not shutil.which(name)]
    try:
        find_browser()
    except BrowserMissing:
        missing.insert(0, "chromium")
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed: apt-get install chromium poppler-utils")


def pdf_text(pdf: Path) -> str:
    """The printed pages as text, with runs of spaces and line breaks made single spaces, so
    a phrase wrapped across a table cell's lines is still found."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", text)


def shared_by(agency: str) -> str:
    """What an agency brought to the discussion (each seed's core: information shared)."""
    return f"Records held by {agency}: SHARED-BY-{agency.upper()}"


def meet(cli: Manager, ref: str, at: str, people: list[tuple[str, str, str]]) -> None:
    """The discussion takes place: who took part (name, agency, role) and what each agency
    shared, the chair marked as the family's contact, and the meeting held at ``at``."""
    for name, agency, role in people:
        cli.run(
            "attend", ref, "--name", name, "--agency", agency, "--role", role, "--shared", shared_by(agency)
        )
    cli.run("attend", ref, "--name", "Sam Socialworker", "--agency", "social-care", "--family-contact")
    cli.run("held", ref, "--at", at, "--format", "virtual", "--chair", "Sam Socialworker")


def record_child_seen(cli: Manager, ref: str, *, child: str, by: str, alone: bool, at: str) -> None:
    """The child was seen: which child, by whom, whether alone and when (each child is seen)."""
    alone_flag = "--alone" if alone else "--not-alone"
    cli.run("record", ref, "child-seen", "--child", child, "--by", by, alone_flag, "--at", at)


def write_answers(folder: Path, answers: dict[str, str | bool]) -> Path:
    """A checklist answers file (TOML), as a manager prepares one after the call."""

    def toml(value: str | bool) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    path = folder / "answers.toml"
    path.write_text("".join(f"{key} = {toml(value)}\n" for key, value in answers.items()), encoding="utf-8")
    return path


def finish(cli: Manager, folder: Path, ref: str, reason: str) -> Case:
    """Circulate, close, and print the final record both ways, as it is filed."""
    cli.run("export", ref, "--format", "pdf", "--output", str(folder / "circulated.pdf"), "--circulated")
    cli.run("close", ref, "--reason", reason)
    professional = folder / "minutes.pdf"
    family = folder / "family.pdf"
    cli.run("export", ref, "--format", "pdf", "--output", str(professional))
    cli.run("export", ref, "--format", "pdf", "--audience", "family", "--output", str(family))
    return Case(ref, pdf_text(professional), pdf_text(family), cli.run("log", ref).stdout)


def agree(
    cli: Manager, ref: str, task: str, *, owner: str, agency: str, due: str, for_family: bool = False
) -> None:
    """An action agreed: what, who, by when (and whether the family version shows it)."""
    cli.run(
        "action",
        "add",
        ref,
        "--task",
        task,
        "--owner",
        owner,
        "--agency",
        agency,
        "--due",
        due,
        *(["--for-family"] if for_family else []),
    )


def opened(cli: Manager, *args: str) -> str:
    return cli.json("new", "--no-input", *args)["reference"]


# --- (a) An allegation against a foster carer, Hampshire ------------------------------------


@pytest.fixture(scope="module")
def foster(tmp_path_factory) -> Case:
    require_pdf_tools()
    folder = tmp_path_factory.mktemp("foster")
    cli = Manager(folder).at("2026-11-23T10:00")
    ref = opened(
        cli,
        *("--procedure", "hampshire", "--child", "Toby Fakechild", "--dob", "10/05/2016"),
        *("--category", "allegation-against-staff", "--concern-at", "today 08:40"),
        *("--referrer", "Class teacher, Nowhere Primary (fictional)"),
        "--summary",
        "Toby told his teacher his foster carer hit him with a slipper; bruise to the thigh",
    )
    cli.run("child", "edit", ref, "Toby Fakechild", "--looked-after", "--case-id", "LCS-FAKE-7001")
    cli.run(
        "family", "add", ref, "--name", "Mona Fakechild", "--relationship", "mother", "--dob", "01/02/1990"
    )
    cli.at("2026-11-23T15:00")
    meet(
        cli,
        ref,
        "today 13:00",
        [
            ("Sam Socialworker", "social-care", "Team manager, children in care (chair)"),
            ("Pat Policeofficer", "police", "Detective constable, Public Protection Unit"),
            ("Hana Healthvisitor", "health", "Designated nurse for looked-after children"),
            ("Lee Ladofficer", "lado", "Local Authority Designated Officer"),
            ("Fay Fosteringteam", "fostering", "Supervising social worker"),
        ],
    )
    cli.run(
        "checklist",
        ref,
        "--no-input",
        "--answers",
        write_answers(
            folder,
            {
                "who-is-concerned": "His class teacher: Toby says his foster carer hit him; a bruise on the thigh",
                "impact-on-child": "Physical harm and fear at home; placement stability at risk",
                "other-children": True,
                "other-children-needs": "Two other fostered children in the placement to be seen today",
                "s47": True,
                "s47-plan": "Social worker and LADO to coordinate; foster carer not to be told the detail",
                "cp-medical": True,
                "police-investigation": True,
                "investigation-conduct": "Police to interview the foster carer after Toby's ABE interview",
                "order-of-actions": "Move Toby first, then ABE interview, then the carer",
                "child-seen-alone": "Toby to be seen alone at school today by Sam Socialworker",
                "interpreter-needed": False,
                "share-with-family": "Toby is safe and staying with another foster family while we look into what he said",
                "information-withheld": True,
                "withheld-what": "The foster carer is to be interviewed by police",
                "withheld-rationale": "Telling the family now could reach the carer and jeopardise the police investigation",
                "decision-rationale": "Injury and a clear account against a carer: joint enquiry with the LADO",
            },
        ),
    )
    cli.run(
        "decide",
        ref,
        "--s47",
        "--police",
        "--at",
        "today 13:40",
        "--rationale",
        "Injury and a clear account against a carer: joint enquiry with the LADO",
        "--share",
        "Toby is safe and staying with another foster family while we look into what he said",
    )
    agree(
        cli,
        ref,
        "Move Toby to an emergency placement",
        owner="Fay Fosteringteam",
        agency="fostering",
        due="today 18:00",
        for_family=True,
    )
    agree(
        cli,
        ref,
        "Convene the allegations management meeting",
        owner="Lee Ladofficer",
        agency="lado",
        due="27/11/2026",
    )
    cli.run("record", ref, "lado-informed", "--at", "today 13:00")
    cli.run("record", ref, "referrer-informed", "--at", "today 14:00")
    record_child_seen(cli, ref, child="Toby Fakechild", by="Sam Socialworker", alone=True, at="today 14:30")
    cli.at("2026-11-27T16:00")
    cli.run("action", "done", ref, "1", "--at", "23/11/2026 17:30")
    cli.run("action", "done", ref, "2", "--at", "today 11:00")
    cli.at("2026-12-11T16:00")
    cli.run("record", ref, "icpc-held", "--at", "today 10:00")
    return finish(cli, folder, ref, "Conference held; LADO process continues")


# --- (b) A 7-week-old with an unexplained fracture, a 17-year-old mother, West Midlands -------


@pytest.fixture(scope="module")
def fracture(tmp_path_factory) -> Case:
    require_pdf_tools()
    folder = tmp_path_factory.mktemp("fracture")
    cli = Manager(folder).at("2026-11-23T10:00")
    ref = opened(
        cli,
        *("--procedure", "west-midlands", "--child", "Baby Fakename", "--dob", "05/10/2026"),
        *("--category", "serious-harm", "--concern-at", "today 08:15"),
        *("--referrer", "Ward sister, Example General Hospital (fictional)"),
        "--summary",
        "Unexplained spiral fracture of the left femur found on X-ray; no account given",
    )
    cli.run("child", "edit", ref, "Baby Fakename", "--in-hospital", "--medical", "--case-id", "LCS-FAKE-7002")
    # 17 years and 7 months old on the day: the near-18 rule applies to the mother herself.
    cli.run("family", "add", ref, "--name", "Mia Fakename", "--relationship", "mother", "--dob", "15/04/2009")
    cli.at("2026-11-23T13:00")
    meet(
        cli,
        ref,
        "today 11:00",
        [
            ("Sam Socialworker", "social-care", "Duty team manager (chair)"),
            ("Pat Policeofficer", "police", "Detective sergeant, child abuse investigation"),
            ("Hana Healthvisitor", "health", "Named nurse for safeguarding"),
            ("Dr Paz Paediatrician", "paediatrician", "Consultant paediatrician"),
            ("Dr Cal Consultant", "consultant", "Responsible consultant, orthopaedics"),
            ("Wren Wardnurse", "ward-nurse", "Senior ward nurse"),
            ("Ada Adultcare", "adult-social-care", "Team manager, adult social care"),
        ],
    )
    cli.run(
        "checklist",
        ref,
        "--no-input",
        "--answers",
        write_answers(
            folder,
            {
                "who-is-concerned": "Ward staff and the radiologist: a spiral fracture in a non-mobile baby",
                "impact-on-child": "Severe pain and injury; a baby cannot protect herself",
                "other-children": False,
                "s47": True,
                "s47-plan": "Joint visit with police; skeletal survey and bloods today",
                "legal-action": False,
                "cp-medical": True,
                "in-hospital": True,
                "safe-discharge": "No discharge until the skeletal survey is reported and a safety plan agreed",
                "police-investigation": True,
                "investigation-conduct": "Police to interview the mother and her partner separately",
                "order-of-actions": "Medical first, then police interviews, then the assessment",
                "child-seen-alone": "Baby seen on the ward by Sam Socialworker today; too young to be seen alone",
                "race-and-ethnicity": "Mother is White British; no cultural needs identified",
                "interpreter-needed": False,
                "share-with-family": "An enquiry has started because of the injury; baby stays in hospital for tests",
                "information-withheld": True,
                "withheld-what": "The partner is to be interviewed under caution",
                "withheld-rationale": "Telling the family could jeopardise the police investigation",
                "decision-rationale": "Unexplained fracture in a non-mobile baby: joint enquiry",
            },
        ),
    )
    cli.run(
        "decide",
        ref,
        "--s47",
        "--police",
        "--at",
        "today 11:45",
        "--rationale",
        "Unexplained fracture in a non-mobile baby: joint enquiry",
        "--share",
        "An enquiry has started because of the injury; baby stays in hospital for tests",
    )
    agree(
        cli,
        ref,
        "Skeletal survey and bloods",
        owner="Dr Paz Paediatrician",
        agency="paediatrician",
        due="today 18:00",
    )
    agree(
        cli,
        ref,
        "Visit Mia on the ward with a young people's worker",
        owner="Sam Socialworker",
        agency="social-care",
        due="tomorrow 17:00",
        for_family=True,
    )
    cli.run("record", ref, "referrer-informed", "--at", "today 12:30")
    record_child_seen(cli, ref, child="Baby Fakename", by="Sam Socialworker", alone=False, at="today 12:00")
    cli.at("2026-11-24T18:00")
    cli.run("action", "done", ref, "1", "--at", "23/11/2026 16:30")
    cli.run("action", "done", ref, "2", "--at", "today 15:00")
    cli.at("2026-12-11T16:00")
    cli.run("record", ref, "icpc-held", "--at", "today 10:00")
    return finish(cli, folder, ref, "Conference held; child protection plan in place")


# --- (c) A disclosure of penetrative sexual abuse; police and social care disagreed ---------


@pytest.fixture(scope="module")
def disclosure(tmp_path_factory) -> Case:
    require_pdf_tools()
    folder = tmp_path_factory.mktemp("disclosure")
    cli = Manager(folder).at("2026-11-23T10:00")
    ref = opened(
        cli,
        *("--procedure", "west-midlands", "--child", "Jess Fakeperson", "--dob", "12/08/2012"),
        *("--category", "sexual-abuse-forensic", "--concern-at", "today 09:10"),
        *("--referrer", "School designated safeguarding lead (fictional)"),
        "--summary",
        "Jess disclosed to a teacher that her mother's partner raped her last night",
    )
    cli.run("child", "edit", ref, "Jess Fakeperson", "--case-id", "LCS-FAKE-7003")
    cli.run(
        "family", "add", ref, "--name", "Rae Fakeperson", "--relationship", "mother", "--dob", "03/03/1985"
    )
    cli.at("2026-11-23T13:00")
    meet(
        cli,
        ref,
        "today 11:00",
        [
            ("Sam Socialworker", "social-care", "Duty team manager (chair)"),
            ("Pat Policeofficer", "police", "Detective sergeant, rape and serious sexual offences"),
            ("Hana Healthvisitor", "health", "Named nurse for safeguarding"),
            ("Dr Paz Paediatrician", "paediatrician", "Paediatrician, sexual assault referral centre"),
            ("Ed Educator", "education", "Designated safeguarding lead"),
        ],
    )
    cli.run(
        "checklist",
        ref,
        "--no-input",
        "--answers",
        write_answers(
            folder,
            {
                "who-is-concerned": "The school: Jess disclosed penetrative abuse by her mother's partner",
                "other-children": True,
                "other-children-needs": "A younger half-brother at home to be seen with Jess",
                "s47": True,
                "s47-plan": "Joint enquiry: ABE interview, then the assessment",
                "cp-medical": True,
                "forensic-evidence": True,
                "police-investigation": True,
                "investigation-conduct": "Forensic medical at the SARC today; the partner arrested after it",
                "order-of-actions": "Forensic medical first, then the ABE interview, then the arrest",
                "child-seen-alone": "Jess to be seen alone at school today by Sam Socialworker",
                "child-voice": "Jess's own words from the ABE interview; her wish to stay at home noted",
                "interpreter-needed": False,
                "legal-action": False,
                "share-with-family": "Jess is safe and will stay with her aunt tonight while we make enquiries",
                "information-withheld": True,
                "withheld-what": "The partner is to be arrested after the forensic medical",
                "withheld-rationale": "Telling the mother before the arrest could lose the forensic evidence",
                "decision-rationale": "A disclosure of rape: joint enquiry, forensic evidence within the window",
            },
        ),
    )
    cli.run(
        "decide",
        ref,
        "--s47",
        "--police",
        "--at",
        "today 11:40",
        "--rationale",
        "A disclosure of rape: joint enquiry, forensic evidence within the window",
        "--share",
        "Jess is safe and will stay with her aunt tonight while we make enquiries",
    )
    number = cli.run(
        "disagreement",
        "add",
        ref,
        "--agency",
        "police",
        "--about",
        "Whether the mother is told before the partner's arrest",
        "--position",
        "Tell the mother nothing until the arrest; social care wants her told today",
        "--at",
        "today 11:50",
    ).stdout.strip()
    assert number == "1", number
    cli.run(
        "disagreement",
        "escalate",
        ref,
        "1",
        "--to",
        "Senior managers, police and social care",
        "--at",
        "today 12:30",
    )
    agree(
        cli,
        ref,
        "Forensic medical at the SARC",
        owner="Dr Paz Paediatrician",
        agency="paediatrician",
        due="today 17:00",
    )
    agree(
        cli,
        ref,
        "Take Jess to her aunt's and explain what happens next",
        owner="Sam Socialworker",
        agency="social-care",
        due="today 19:00",
        for_family=True,
    )
    cli.run("record", ref, "referrer-informed", "--at", "today 12:45")
    record_child_seen(cli, ref, child="Jess Fakeperson", by="Sam Socialworker", alone=True, at="today 12:15")
    refused = cli.run("close", ref, "--reason", "Too early", expect=None)
    assert refused.returncode != 0 and "disagreement" in refused.stderr.lower(), refused.stderr
    cli.at("2026-11-23T20:00")
    cli.run(
        "disagreement",
        "resolve",
        ref,
        "1",
        "--outcome",
        "Managers agreed: the mother is told after the arrest, by 18:00",
        "--at",
        "today 15:00",
    )
    cli.run("action", "done", ref, "1", "--at", "today 16:45")
    cli.run("action", "done", ref, "2", "--at", "today 18:30")
    cli.at("2026-12-11T16:00")
    cli.run("record", ref, "icpc-held", "--at", "today 10:00")
    return finish(cli, folder, ref, "Conference held; police investigation continues")


# --- What the professional minutes must hold ------------------------------------------------


def assert_holds(text: str, *phrases: str) -> None:
    missing = [phrase for phrase in phrases if phrase not in text]
    assert not missing, f"not in the minutes: {missing}"


def assert_common_record(
    case: Case, outcome: str, children: list[str], actions: list[tuple[str, str]]
) -> None:
    """What both seeds ask of every discussion's record."""
    text = case.professional
    assert_holds(text, case.ref, "OFFICIAL-SENSITIVE", *children)
    # Hampshire, compliance: "Are representatives from police, social care and health in
    # attendance?" (and the record says who took part, by agency)
    assert_holds(text, "Quorate", "Police", "Children's social care", "Health")
    # Hampshire, social care's role: "Record agreed decisions in accordance with local
    # recording procedures."; West Midlands: "decide whether, or how, section 47 enquiries
    # should be pursued"
    assert_holds(text, outcome, "Section 47 enquiries", "Rationale")
    # Hampshire: "Agree what further action is required, and who will do what, by when";
    # West Midlands: "who will carry out what actions, by when and for what purpose"
    for task, owner in actions:
        assert_holds(text, task, owner)
    # Hampshire: "The rationale must be recorded if information related to the strategy
    # discussion is not shared with parents and carers."; West Midlands: "determine what
    # information from the strategy meeting/discussion will be shared with the family"
    assert_holds(text, "The family is told", "Withheld from the family", "Why it is withheld")
    # Hampshire checklist: "When will the child be seen alone and by whom"; West Midlands:
    # "agree whether and when the social worker will see the child alone"
    assert_holds(text, "seen alone", "Child seen", "by Sam Socialworker")
    # Hampshire and West Midlands: the discussion is where agencies share information; the
    # record says what each shared (never the family's version)
    assert_holds(text, "Information shared, by agency", "SHARED-BY-POLICE", "SHARED-BY-HEALTH")
    assert "SHARED-BY-" not in case.family
    # West Midlands: "Local authority children's social care should inform the referrer about
    # what is happening as soon as possible."
    assert_holds(text, "Referrer told what is happening")
    # West Midlands: "an initial child protection conference within 15 working days of the
    # strategy discussion that decided to initiate section 47 enquiries"
    assert_holds(text, "Initial child protection conference held")
    # West Midlands: "The chair should ensure that a copy of the record is made available to all
    # those invited as soon as practicable."
    assert_holds(text, "Distribution", "Record circulated")
    assert_holds(text, "Closed")
    # The family's own people are in the professional record.
    assert_holds(text, "Family and significant adults")


def assert_family_version(case: Case, *, shows: list[str], never: list[str]) -> None:
    text = case.family
    assert_holds(text, "Family version", "Your contact: Sam Socialworker", *shows)
    leaked = [phrase for phrase in never if phrase in text]
    assert not leaked, f"the family version shows {leaked}"
    # No other professional, the reason, the checklist, the outcome or the program's warnings.
    for other in ("Pat Policeofficer", "Hana Healthvisitor", "Rationale", "Key questions", "Warning"):
        assert other not in text, other


def test_allegation_against_a_foster_carer_hampshire(foster):
    text = foster.professional
    assert_common_record(
        foster,
        "Outcome 3: joint s47 and police enquiries",
        ["Toby Fakechild"],
        [
            ("Move Toby to an emergency placement", "Fay Fosteringteam"),
            ("allegations management meeting", "Lee Ladofficer"),
        ],
    )
    assert_holds(text, "Looked after")
    # Hampshire profile: "for an allegation against staff, volunteers or foster carers the LADO
    # ... should be informed"; the LADO attended and is recorded as informed.
    assert_holds(text, "Lee Ladofficer", "LADO", "Fay Fosteringteam")
    # Hampshire checklist: "Are there any other children that need to be considered?"
    assert_holds(text, "Two other fostered children in the placement")
    # Hampshire, police's role: "Discuss the basis for any criminal investigation ... including
    # the timing and methods of evidence gathering"; checklist: "What is the order of actions if
    # section 47 enquiries and a criminal investigation are to take place simultaneously?"
    assert_holds(text, "interview the foster carer after Toby's ABE interview", "Move Toby first")
    # Hampshire checklist: "Does the child need a Child Protection Medical"; "Will an
    # interpreter be required"
    assert_holds(text, "Child Protection Medical", "interpreter")
    assert_holds(text, "LCS-FAKE-7001", "Mona Fakechild")
    assert_family_version(
        foster,
        shows=[
            "Mona Fakechild",
            "Toby Fakechild",
            "staying with another foster family",
            "Move Toby to an emergency placement",
        ],
        never=[
            "interviewed by police",
            "jeopardise",
            "LCS-FAKE-7001",
            "allegations management meeting",
            "slipper",
        ],
    )


def test_a_baby_with_an_unexplained_fracture_and_a_mother_of_17_west_midlands(fracture):
    text = fracture.professional
    assert_common_record(
        fracture,
        "Joint s47 enquiry and criminal investigation",
        ["Baby Fakename"],
        [
            ("Skeletal survey and bloods", "Dr Paz Paediatrician"),
            ("Visit Mia on the ward", "Sam Socialworker"),
        ],
    )
    # A baby's age as a practitioner says it.
    assert_holds(text, "7 weeks", "In hospital")
    # West Midlands: "Where issues have significant medical implications ... a paediatrician
    # should always be included. If the child is receiving services from a hospital ... the
    # responsible medical consultant and, in the case of in-patient treatment, a senior ward nurse."
    assert_holds(text, "Paediatrician", "Dr Paz Paediatrician", "Dr Cal Consultant", "Wren Wardnurse")
    # West Midlands: "If the child is in hospital, decisions should also be made about how to
    # secure the safe discharge of the child"
    assert_holds(text, "No discharge until the skeletal survey is reported")
    # West Midlands: "the relevant team manager from adult social care if the concern relates to
    # a young person who is less than 6 months from their 18th birthday": the mother is one.
    assert_holds(text, "Mia Fakename", "Young person near 18", "Adult social care", "Ada Adultcare")
    # West Midlands: "agree the conduct and timing of any criminal investigation"
    assert_holds(text, "interview the mother and her partner separately")
    # West Midlands: "consider how the race and ethnicity of the child and family should be
    # taken into account and establish whether an interpreter will be required"
    assert_holds(text, "no cultural needs identified", "interpreter")
    # West Midlands: "determine if legal action is required"
    assert_holds(text, "Is legal action required?")
    assert_family_version(
        fracture,
        shows=[
            "Mia Fakename",
            "Baby Fakename",
            "7 weeks",
            "baby stays in hospital for tests",
            "Visit Mia on the ward",
        ],
        never=["under caution", "jeopardise", "LCS-FAKE-7002", "Skeletal survey", "spiral fracture"],
    )


def test_a_disclosure_where_police_and_social_care_disagreed_west_midlands(disclosure):
    text = disclosure.professional
    assert_common_record(
        disclosure,
        "Joint s47 enquiry and criminal investigation",
        ["Jess Fakeperson"],
        [
            ("Forensic medical at the SARC", "Dr Paz Paediatrician"),
            ("Take Jess to her aunt's", "Sam Socialworker"),
        ],
    )
    assert_holds(text, "Penetrative sexual abuse, forensic evidence to be secured")
    # Hampshire checklist: "Do timescales allow for collection of forensic evidence?"
    assert_holds(
        text, "Do timescales allow for collection of forensic evidence?", "Forensic medical at the SARC today"
    )
    # West Midlands: "consider the needs of other children who may be affected (for example,
    # siblings ...)"
    assert_holds(text, "A younger half-brother at home")
    # Hampshire checklist: "How will the child's voice be ascertained?"
    assert_holds(text, "her wish to stay at home noted")
    # West Midlands: "Should there be unresolved differences of opinion ... these should be
    # resolved by senior managers in the respective agencies ... Where this is not possible the
    # relevant local escalation policy should be used."
    assert_holds(
        text,
        "Disagreements and escalation",
        "Whether the mother is told before the partner's arrest",
        "Tell the mother nothing until the arrest",
        "Senior managers, police and social care",
        "Managers agreed: the mother is told after the arrest",
    )
    assert "Unresolved" not in text
    assert "disagreement" in disclosure.log.lower()
    assert_family_version(
        disclosure,
        shows=["Rae Fakeperson", "Jess Fakeperson", "stay with her aunt tonight", "Take Jess to her aunt's"],
        never=[
            "arrested",
            "arrest",
            "forensic",
            "Disagreement",
            "escalat",
            "Senior managers",
            "LCS-FAKE-7003",
            "raped",
        ],
    )


# --- docs/walkthrough.md stays true ----------------------------------------------------------

WALKTHROUGH = Path(__file__).resolve().parent.parent / "docs" / "walkthrough.md"


@dataclass
class Step:
    """One `$ command` of the walkthrough and the lines the page shows it printing."""

    command: list[str]
    shown: list[str]


def walkthrough() -> tuple[list[Step], str]:
    """The walkthrough's commands in order (from its ```console blocks), and the answers file
    (its ```toml block)."""
    page = WALKTHROUGH.read_text(encoding="utf-8")
    steps: list[Step] = []
    for block in re.findall(r"```console\n(.*?)```", page, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append(Step(shlex.split(line[2:]), []))
            elif line.strip() and line.strip() != "...":
                steps[-1].shown.append(line.strip())
    answers = re.search(r"```toml\n(.*?)```", page, re.S)
    assert answers, "the walkthrough's answers.toml block"
    return steps, answers.group(1)


def test_the_walkthrough_runs_and_prints_what_it_says(tmp_path):
    """Every command of docs/walkthrough.md, run in order in an empty folder with the page's
    own `export`s, prints each line the page shows (stdout and stderr together, as a terminal
    shows them); only a command the page shows failing ("Error:") may fail."""
    require_pdf_tools()
    steps, answers = walkthrough()
    assert len(steps) > 20 and any(step.command[:2] == ["strategy", "close"] for step in steps)
    (tmp_path / "answers.toml").write_text(answers, encoding="utf-8")
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "COLUMNS": "100",
    }
    for name in ("STRATEGY_DB", "STRATEGY_USER", "STRATEGY_NOW", "STRATEGY_PROCEDURE"):
        env.pop(name, None)
    for step in steps:
        if step.command[0] == "export":
            env.update(assignment.split("=", 1) for assignment in step.command[1:])
            continue
        assert step.command[0] == "strategy", step.command
        done = subprocess.run(
            [sys.executable, "-m", "strategy_cli", *step.command[1:]],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )
        said = "\n".join(line.rstrip() for line in (done.stdout + "\n" + done.stderr).splitlines())
        failing = any(line.startswith("Error:") for line in step.shown)
        assert (done.returncode != 0) == failing, f"$ {shlex.join(step.command)}\n{said}"
        missing = [line for line in step.shown if line not in said]
        assert not missing, f"$ {shlex.join(step.command)}\nthe page shows {missing}\nit printed:\n{said}"
    assert (tmp_path / "SD-2026-0001-minutes.pdf").exists() and (
        tmp_path / "SD-2026-0001-family.pdf"
    ).exists()
