"""The rules of the procedures as pure functions: deadlines, quoracy, outcomes, warnings.

Every function takes the record (``Discussion``) and the profile and returns plain values,
so ``show``, ``due``, ``export`` and the calendar file all compute "what is due" the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from .calendar import (
    BankHolidays,
    add_months,
    after_hours,
    after_working_days,
    local,
    same_day,
)
from .model import COUNTS_AS, Attendee, Deadline, Discussion, FamilyMember, kind_order
from .procedures import DEFAULT_START

if TYPE_CHECKING:
    from .procedures import DeadlineRule, Profile, Timescale

# Bump when a change to these rules (or to model.COUNTS_AS) changes what is computed for the
# same record and profile: it is part of every profile's fingerprint, so the deadlines and
# quoracy stored under the old rules are recomputed on the next read.
RULES_VERSION = 6


# What a disagreement's item says when the profile has no rule of kind "disagreement" (and so
# no timescale): working together's way, without a date the procedure does not give.
DISAGREEMENT_WORDING = (
    "Unresolved differences of opinion go to senior managers in the agencies, "
    "then the local escalation policy"
)

# Which recorded event clears each kind of deadline.
CLEARED_BY = {
    "child-seen": "child-seen",
    "icpc": "icpc-held",
    "lado": "lado-informed",
    "review": "review-held",
    "record-circulated": "record-circulated",
    "referrer-informed": "referrer-informed",
}

# The agency whose attendance at the discussion clears a built-in kind: a LADO who took part
# has been informed. A profile's own follow-up names its agency in [[followups]] ``agency``.
INFORMED_BY_ATTENDING = {"lado": "lado"}

DUE_SOON = timedelta(hours=24)


def due_by(
    timescale: Timescale, start: datetime, bank_holidays: BankHolidays, closes: time | None = None
) -> datetime | None:
    """When a timescale that started at ``start`` runs out (``None``: as soon as practicable).
    ``closes``: the profile's end of the working day, for rules that run to the end of a day."""
    if timescale.hours is not None:
        return after_hours(start, timescale.hours)
    if timescale.working_days is not None:
        return after_working_days(start, timescale.working_days, bank_holidays, closes)
    if timescale.same_day:
        return same_day(start, closes)
    return None


@dataclass(frozen=True)
class Due:
    """What one rule gives: the target, the maximum (if the rule has one), and the rule."""

    at: datetime | None
    maximum: datetime | None
    rule: DeadlineRule


def earliest(
    rules: list[tuple[DeadlineRule, datetime | None]],
    bank_holidays: BankHolidays,
    closes: time | None = None,
) -> Due | None:
    """The earliest due time over several rules (each with the instant its clock started,
    ``None``: not started yet), with the rule that gives it.

    A dated rule always beats an undated one; between equal times the first rule wins. The
    maximum is the earliest time by which any rule makes it overdue (a rule without a maximum
    is overdue at its target), so a stricter rule that also applies is never hidden behind
    another rule's maximum; none is kept where that is the target itself.
    """
    best: Due | None = None
    overdue_after: datetime | None = None
    for rule, start in rules:
        due = None if start is None else due_by(rule.timescale, start, bank_holidays, closes)
        if best is None or (due is not None and (best.at is None or due < best.at)):
            best = Due(due, None, rule)
        if due is not None:
            limit = due
            if rule.maximum is not None and start is not None:
                limit = max(due, due_by(rule.maximum, start, bank_holidays, closes) or due)
            overdue_after = limit if overdue_after is None else min(overdue_after, limit)
    if best is not None and best.at is not None and overdue_after is not None and overdue_after > best.at:
        best = Due(best.at, overdue_after, best.rule)
    return best


def applies(rule: DeadlineRule, discussion: Discussion, on_day: date | None = None) -> bool:
    """Whether a profile rule applies to this discussion: its categories, its circumstances
    and its condition on the decision."""
    if rule.categories and not set(rule.categories) & set(discussion.categories):
        return False
    if rule.circumstances and not set(rule.circumstances) & circumstances(
        discussion, on_day or local(discussion.concern_at).date()
    ):
        return False
    decision = discussion.decision
    s47 = bool(decision and decision.s47)
    police = bool(decision and decision.police_investigation)
    if rule.when == "s47":
        return s47
    if rule.when == "police":
        return police
    if rule.when == "s47-or-police":
        return s47 or police
    if rule.when == "joint":
        return s47 and police
    if rule.when == "none":
        return decision is not None and decision.s47 is False and decision.police_investigation is False
    return True


def clock_start(rule: DeadlineRule, discussion: Discussion) -> datetime | None:
    """The instant a rule's clock starts (``None``: that has not happened yet)."""
    start = rule.start or DEFAULT_START.get(rule.kind) or ("concern" if rule.when == "always" else "held")
    if start in ("concern", "referral"):
        return discussion.concern_at
    if start == "decision-to-hold":
        return discussion.opened_at
    if start == "held":
        return discussion.held_at
    return discussion.decision.decided_at if discussion.decision else None


def cleared_by(kind: str, profile: Profile) -> str | None:
    """The recorded event that clears a kind of deadline under this profile."""
    followup = profile.followups.get(kind)
    return followup.event if followup else CLEARED_BY.get(kind)


def happened(event: str | None, discussion: Discussion) -> bool:
    """Whether the record shows a follow-up event happened. The child is seen when every child
    of the discussion has been (a record from before schema 11 may hold one ``child-seen``
    event for them all, which still counts)."""
    if event is None:
        return False
    if event in discussion.events:
        return True
    if event == "child-seen":
        return bool(discussion.children) and all(child.seen for child in discussion.children)
    return False


def informing_agency(kind: str, profile: Profile) -> str | None:
    """The agency whose attendance clears a kind of deadline (it has been informed), if any."""
    followup = profile.followups.get(kind)
    return followup.agency if followup else INFORMED_BY_ATTENDING.get(kind)


def attended_for(kind: str, discussion: Discussion, profile: Profile) -> Attendee | None:
    """The attendee whose taking part in the discussion clears this kind of deadline: one of
    its agency recorded as present (the evidence the minutes name); None when there is none."""
    agency = informing_agency(kind, profile)
    if agency is None:
        return None
    return next(
        (a for a in discussion.attendees if a.attendance == "present" and a.agency == agency),
        None,
    )


def cleared(kind: str, discussion: Discussion, profile: Profile) -> bool:
    """Whether what happened clears a kind of deadline: its event, or its agency took part."""
    return (
        happened(cleared_by(kind, profile), discussion) or attended_for(kind, discussion, profile) is not None
    )


def cleared_by_attendance(discussion: Discussion, profile: Profile) -> list[tuple[str, Attendee]]:
    """The follow-ups that apply to this discussion and that an agency's taking part cleared
    (no event was recorded for them), each with the attendee who is the evidence."""
    found = []
    for kind in dict.fromkeys([*INFORMED_BY_ATTENDING, *profile.followups]):
        if happened(cleared_by(kind, profile), discussion):
            continue
        if not any(applies(rule, discussion) for rule in profile.rules_for(kind)):
            continue
        attendee = attended_for(kind, discussion, profile)
        if attendee is not None:
            found.append((kind, attendee))
    return found


def attendance_evidence(attendee: Attendee, labels: dict[str, str]) -> str:
    """How a follow-up was cleared by taking part, as `show` and the minutes say it:
    "cleared: Lee Lado (LADO) attended"."""
    return f"cleared: {attendee.name} ({labels.get(attendee.agency, attendee.agency)}) attended"


def deadlines(discussion: Discussion, profile: Profile, bank_holidays: BankHolidays) -> list[Deadline]:
    """Every deadline still pending for the discussion, each with its rule in the profile's words.

    Dated ones come first by due time, then undated ones, in the order of ``DEADLINE_KINDS``
    (a profile's own kinds after the built-in ones).
    """
    found: list[Deadline] = []
    held = discussion.held_at

    def timed(kind: str) -> None:
        chosen = [r for r in profile.rules_for(kind) if applies(r, discussion)]
        if not chosen or cleared(kind, discussion, profile):
            return
        best = earliest([(r, clock_start(r, discussion)) for r in chosen], bank_holidays, profile.closes)
        assert best is not None  # earliest returns None only for no rules, and chosen is not empty
        found.append(Deadline(kind, profile.title(kind), best.at, best.rule.rule, kind, best.maximum))

    if held is None:
        due_discussion = _due_discussion(discussion, profile, bank_holidays)
        if due_discussion is not None:
            found.append(
                Deadline(
                    "discussion",
                    profile.title("discussion"),
                    due_discussion.at,
                    due_discussion.wording,
                    "discussion",
                    due_discussion.maximum,
                )
            )
    timed("lado")
    if discussion.decision is not None:
        timed("child-seen")
        timed("icpc")
        _review(discussion, profile, found)
    if held is not None:
        timed("record-circulated")
    timed("referrer-informed")
    for kind in profile.followups:
        timed(kind)
    _actions(discussion, profile, found)
    _disagreements(discussion, profile, bank_holidays, found)
    return sorted(found, key=board_order)


def as_of(discussion: Discussion, now: datetime) -> Discussion:
    """The discussion as it stands at ``now``: a follow-up (or a child's sighting) recorded for
    a time still to come has not happened yet, so it clears nothing until then."""
    return replace(
        discussion,
        events={event: at for event, at in discussion.events.items() if at <= now},
        children=[
            replace(child, seen=None) if child.seen is not None and child.seen.at > now else child
            for child in discussion.children
        ],
    )


def met_deadlines(discussion: Discussion, profile: Profile, bank_holidays: BankHolidays) -> list[Deadline]:
    """The dated deadlines the record shows were met: the discussion once held, each follow-up
    whose event is recorded (or whose further discussion was held), each action done, each
    disagreement escalated or resolved within its timescale.

    Each is found by asking what would be pending had none of those things been done, so it
    comes with the key and due time it had while pending (the calendar file cancels it by
    them). A deadline that left for another reason (a decision changed) is not among them.
    """
    found: list[Deadline] = []
    if discussion.held_at is not None:
        due = _due_discussion(discussion, profile, bank_holidays)
        if due is not None and due.at is not None:
            found.append(
                Deadline(
                    "discussion", profile.title("discussion"), due.at, due.wording, "discussion", due.maximum
                )
            )
    undone = replace(
        discussion,
        events={},
        children=[replace(child, seen=None) for child in discussion.children],
        attendees=[],  # what an agency's attendance cleared (deadlines depend on nothing else of it)
        held_follow_ups=(),
        actions=[replace(action, done_at=None) for action in discussion.actions],
        disagreements=[
            replace(item, escalated_to=None, escalated_at=None, resolved_at=None)
            for item in discussion.disagreements
        ],
    )
    pending = {deadline.key for deadline in deadlines(discussion, profile, bank_holidays)}
    found.extend(
        deadline
        for deadline in deadlines(undone, profile, bank_holidays)
        if deadline.due_at is not None and deadline.key not in pending
    )
    return sorted(found, key=board_order)


@dataclass(frozen=True)
class DiscussionDue:
    """When the discussion itself must be held, the maximum where the rule has one, and why."""

    at: datetime | None
    maximum: datetime | None
    wording: str


def _due_discussion(
    discussion: Discussion, profile: Profile, bank_holidays: BankHolidays
) -> DiscussionDue | None:
    """When the discussion itself must be held, and the rule that says so (or None).

    The procedure's clock runs from the concern; a follow-up is also due by the time the
    earlier decision set when it was opened (domain.md, review: "the date set"). Each deadline
    is the earliest that any rule gives, so a serious-harm follow-up is due the same day even
    when the earlier decision allowed longer.
    """
    chosen = [r for r in profile.rules_for("discussion") if applies(r, discussion)]
    best = earliest([(r, clock_start(r, discussion)) for r in chosen], bank_holidays, profile.closes)
    due, maximum, wording = (best.at, best.maximum, best.rule.rule) if best else (None, None, None)
    set_by = discussion.follows_by
    if discussion.follows is not None and set_by is not None:
        if due is None or set_by < due:
            wording = (
                f"The further strategy discussion the decision of {discussion.follows} called for, "
                "by the time that decision set"
            )
            due, maximum = set_by, None
        elif maximum is not None and set_by < maximum:
            maximum = set_by
    return DiscussionDue(due, maximum, wording) if wording is not None else None


def discussion_due(discussion: Discussion, profile: Profile, bank_holidays: BankHolidays):
    """When the discussion itself had to be held (kept after it is held, to judge lateness)."""
    found = _due_discussion(discussion, profile, bank_holidays)
    return found.at if found else None


def discussion_late_after(discussion: Discussion, profile: Profile, bank_holidays: BankHolidays):
    """After when holding the discussion is late: its maximum where the rule has one."""
    found = _due_discussion(discussion, profile, bank_holidays)
    if found is None:
        return None
    return found.maximum or found.at


def _review(discussion: Discussion, profile: Profile, found: list[Deadline]) -> None:
    decision = discussion.decision
    assert decision is not None  # deadlines() calls this only when there is a decision
    rules = profile.rules_for("review")
    if not rules or not (decision.further_discussion or decision.further_by):
        return
    if "review-held" in discussion.events or _followed_up(discussion.held_follow_ups, decision.further_by):
        return
    # The time set (a date alone is already the end of that day): the follow-up discussion is
    # due then too, so the board, `show` and the minutes give one time.
    found.append(Deadline("review", profile.title("review"), decision.further_by, rules[0].rule, "review"))


def _followed_up(held: tuple[datetime | None, ...], further_by: datetime | None) -> bool:
    """Whether a follow-up held meets the further discussion the decision calls for: one opened
    for this time (or, where no time was set, any)."""
    return any(further_by is None or opened_for is None or opened_for == further_by for opened_for in held)


def _actions(discussion: Discussion, profile: Profile, found: list[Deadline]) -> None:
    rules = profile.rules_for("action")
    wording = rules[0].rule if rules else "The date agreed for the action"
    for action in discussion.actions:
        if action.done_at is None:
            title = f"Action {action.number}: {action.task}"
            found.append(Deadline("action", title, action.due_at, wording, f"action-{action.number}"))


def _disagreements(
    discussion: Discussion, profile: Profile, bank_holidays: BankHolidays, found: list[Deadline]
) -> None:
    """Each disagreement not yet resolved is an item of its own. It is dated only where the
    profile gives a timescale (a rule of kind "disagreement", its clock starting when the
    disagreement was raised), and only until it is escalated: the timescale is for taking it to
    senior managers, after which it stays on the board, undated, as escalated to them."""
    chosen = [r for r in profile.rules_for("disagreement") if applies(r, discussion)]
    for item in discussion.disagreements:
        if item.resolved_at is not None:
            continue
        label = profile.agencies.get(item.agency, item.agency)
        title = f"Disagreement {item.number} ({label}): {item.about}"
        wording = chosen[0].rule if chosen else DISAGREEMENT_WORDING
        due = maximum = None
        if item.escalated_to is not None:
            title += f", escalated to {item.escalated_to}"
        elif chosen:
            best = earliest([(r, item.raised_at) for r in chosen], bank_holidays, profile.closes)
            assert best is not None  # chosen is not empty
            due, maximum, wording = best.at, best.maximum, best.rule.rule
        found.append(Deadline("disagreement", title, due, wording, f"disagreement-{item.number}", maximum))


def board_order(deadline: Deadline):
    if deadline.due_at is None:
        return (1, "", kind_order(deadline.kind), deadline.key)
    return (0, deadline.due_at.timestamp(), kind_order(deadline.kind), deadline.key)


def status(due_at: datetime | None, as_of: datetime, maximum_at: datetime | None = None) -> str:
    """``overdue`` before the as-of time, ``due-soon`` within 24 hours, else ``upcoming``. A
    target with a maximum is ``past-target`` between the two, and overdue only after the
    maximum."""
    if due_at is None:
        return "undated"
    if maximum_at is not None and due_at < as_of <= maximum_at:
        return "past-target"
    if due_at < as_of:
        return "overdue"
    if due_at <= as_of + DUE_SOON:
        return "due-soon"
    return "upcoming"


# --- Who must be there ------------------------------------------------------------------


def present_agencies(discussion: Discussion, counts_as: dict[str, str] = COUNTS_AS) -> set[str]:
    """Agencies that took part; a consultant, paediatrician or ward nurse is health too (and a
    profile's own agency fills the quoracy role it names)."""
    present = set()
    for attendee in discussion.attendees:
        if attendee.attendance == "present":
            present.add(attendee.agency)
            if attendee.agency in counts_as:
                present.add(counts_as[attendee.agency])
    return present


def circumstances(discussion: Discussion, on_day: date) -> set[str]:
    """What about these children (the union over them) calls for other agencies."""
    found = set()
    if "allegation-against-staff" in discussion.categories:
        found.add("allegation-against-staff")
    for child in discussion.children:
        if child.looked_after:
            found.add("looked-after")
        if child.hospital_services or child.in_hospital:
            found.add("hospital-services")
        if child.in_hospital:
            found.add("in-hospital")
        if child.medical:
            found.add("medical")
        if child.dob and not child.no_adult_care_needs and near_adulthood(child.dob, on_day):
            found.add("near-adult")
    if any(young_person(member, on_day) for member in discussion.family):
        found.add("near-adult")  # a parent under 18 is a young person in her own right
    return found


def young_person(member: FamilyMember, on_day: date) -> bool:
    """A family member the near-18 rule reaches as it reaches a child: less than six months
    before their 18th birthday on ``on_day`` (a 17-year-old mother's own needs, and adult social
    care, must be considered)."""
    return member.dob is not None and near_adulthood(member.dob, on_day)


def near_adulthood(dob: date, on_day: date) -> bool:
    """Less than six months before the 18th birthday (and not yet 18) on ``on_day``."""
    eighteenth = add_months(dob, 18 * 12)
    return add_months(eighteenth, -6) < on_day < eighteenth


def core_quorum(discussion: Discussion, profile: Profile) -> set[str]:
    """The minimum for the discussion's categories: where the profile gives a category its own
    (e.g. social care and police when urgent), those; else the profile's ``always``."""
    own = [profile.quorum_categories[c] for c in discussion.categories if c in profile.quorum_categories]
    return set().union(*own) if own else set(profile.quorum)


def quorum(discussion: Discussion, profile: Profile, on_day: date) -> set[str]:
    """The agencies without which the discussion is not quorate."""
    required = core_quorum(discussion, profile)
    for circumstance in circumstances(discussion, on_day):
        required |= set(profile.quorum_when.get(circumstance, ()))
    return required


def expected_agencies(discussion: Discussion, profile: Profile, on_day: date) -> set[str]:
    """Quorum plus every agency the children's circumstances call for under this profile."""
    expected = quorum(discussion, profile, on_day)
    for circumstance in circumstances(discussion, on_day) | set(discussion.categories):
        expected |= set(profile.expected.get(circumstance, ()))
    return expected


@dataclass(frozen=True)
class Quoracy:
    """Who is missing, in two parts that are never run together: the minimum (without which
    the discussion is not quorate) and the others its circumstances call for."""

    quorate: bool
    missing: tuple[str, ...]  # the minimum, not present
    also_expected: tuple[str, ...]  # expected beyond the minimum, not present

    def words(self, labels: dict[str, str]) -> tuple[str, str]:
        """The verdict and the rest, in the one wording every surface uses (show, the line
        after a change, the board, the minutes): ``("Not quorate: missing Police",
        "also expected: LADO, Paediatrician")``; ``labels``: the profile's words for agencies."""

        def named(agencies: tuple[str, ...]) -> str:
            return ", ".join(labels.get(a, a) for a in agencies)

        if not self.quorate:
            head = f"Not quorate: missing {named(self.missing)}" if self.missing else "Not quorate"
        elif self.also_expected:
            head = "Quorate"
        else:
            head = "Quorate: every agency expected took part"
        rest = f"also expected: {named(self.also_expected)}" if self.also_expected else ""
        return head, rest

    def sentence(self, labels: dict[str, str]) -> str:
        """The verdict and the rest on one line: "Not quorate: missing Police; also expected: LADO"."""
        head, rest = self.words(labels)
        return f"{head}; {rest}" if rest else head


def quoracy(discussion: Discussion, profile: Profile, on_day: date) -> Quoracy:
    present = present_agencies(discussion, profile.counts_as)
    required = quorum(discussion, profile, on_day)
    expected = expected_agencies(discussion, profile, on_day)
    return Quoracy(
        quorate=required <= present,
        missing=tuple(sorted(required - present)),
        also_expected=tuple(sorted(expected - required - present)),
    )


def is_quorate(discussion: Discussion, profile: Profile, on_day: date) -> bool:
    return quorum(discussion, profile, on_day) <= present_agencies(discussion, profile.counts_as)


def missing_agencies(discussion: Discussion, profile: Profile, on_day: date) -> list[str]:
    """Expected agencies not recorded as present, sorted (the JSON contract's order)."""
    return sorted(
        expected_agencies(discussion, profile, on_day) - present_agencies(discussion, profile.counts_as)
    )


def quoracy_day(discussion: Discussion, discussion_due: datetime | None, today: date) -> date:
    """The day quoracy is judged on: the day it was held, else the day it falls due, else today."""
    if discussion.held_at is not None:
        return local(discussion.held_at).date()
    if discussion_due is not None:
        return local(discussion_due).date()
    return today


def settled_quoracy(discussion: Discussion, profile: Profile, discussion_due: datetime | None) -> bool | None:
    """Whether the discussion is quorate, once that no longer depends on today's date (it was
    held, or its deadline is known); None while it does. Stored with the deadlines, so that
    `list` need not load every open record and its profile."""
    if discussion.held_at is None and discussion_due is None:
        return None
    return is_quorate(discussion, profile, quoracy_day(discussion, discussion_due, date.min))


# --- Warnings -------------------------------------------------------------------------


def warnings(discussion: Discussion, pending: list[Deadline], discussion_due: datetime | None) -> list[str]:
    """Things a manager or an inspector would question, in plain words."""
    found = []
    held = discussion.held_at
    if held is not None and held < discussion.concern_at:
        found.append("The discussion is recorded as held before the concern was identified.")
    if held is not None and discussion_due is not None and held > discussion_due:
        found.append("The discussion was held after its deadline.")
    decision = discussion.decision
    if decision is not None and decision.withholding and not decision.withhold_rationale:
        found.append("Information is withheld from the family but no rationale is recorded.")
    if decision is not None and decision.decided_at and held and decision.decided_at < held:
        found.append(
            f"The decision is dated {local(decision.decided_at):%a %d %b %H:%M}, before the discussion "
            f"was held ({local(held):%a %d %b %H:%M}): check the times given to decide --at and held --at."
        )
    if decision is not None and decision.rationale is None and decision.s47 is not None:
        found.append("The decision has no recorded rationale.")
    if decision is not None and decision.further_by and decision.further_by < discussion.concern_at:
        found.append("The further discussion is due before the concern was identified.")
    if decision is not None and decision.further_discussion and decision.further_by is None:
        found.append("A further discussion is needed but no date is set for it (decide --further-by).")
    icpc = next((d.due_at for d in pending if d.kind == "icpc" and d.due_at), None)
    for action in discussion.actions:
        if icpc and action.due_at and action.done_at is None and action.due_at > icpc:
            found.append(f"Action {action.number} is due after the initial child protection conference.")
        if not action.owner:
            found.append(f"Action {action.number} has no owner.")
        if action.due_at and action.agreed_at and action.due_at < action.agreed_at:
            found.append(f"Action {action.number} is due before it was agreed.")
    for child in discussion.children:
        if child.edd and child.edd < local(discussion.concern_at).date():
            found.append(f"{child.name}: the expected date of delivery is before the concern.")
        if child.in_hospital and not discussion.answers.get("safe-discharge"):
            found.append(f"{child.name} is in hospital: a safe-discharge decision is needed (checklist).")
    return found
