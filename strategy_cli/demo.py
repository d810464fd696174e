"""Fictional discussions in varied states, for ``strategy demo``, training and screenshots.

Every name here is obviously invented. Times are relative to ``now`` so the board always has
something overdue, something due soon and something upcoming.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .domain.model import Action, Attendee, Child, Decision, Discussion, Sighting

H = timedelta(hours=1)
D = timedelta(days=1)


def _open(
    writer, now, procedure, concern_at, children, categories=("standard",), summary=None, referrer=None
):
    discussion = Discussion(
        reference="",
        procedure=procedure,
        categories=list(categories),
        concern_at=concern_at,
        opened_at=min(now, concern_at + H),
        summary=summary,
        referrer=referrer,
        children=children,
    )
    return writer.open_discussion(discussion)


def _attend(writer, reference, *people):
    """Each person as (name, agency, role, attendance[, "family contact"])."""
    for name, agency, role, attendance, *contact in people:
        writer.attend(reference, Attendee(name, agency, role, attendance, family_contact=bool(contact)))


def fill(store, now: datetime, by: str) -> list[str]:
    """Add the demo discussions in one transaction; returns their references."""
    references = []
    with store.writing(by, now) as writer:
        ref = _open(
            writer,
            now,
            "hampshire",
            now - 20 * H,
            [Child("Ava Example", date(2015, 3, 2)), Child("Noah Example", date(2019, 7, 14))],
            summary="School reported a bruise to Ava's cheek; Ava says she 'fell'. Noah is her brother.",
            referrer="Greenfield Primary (fictional)",
        )
        _attend(
            writer,
            ref,
            ("Sam Social", "social-care", "Team manager", "present"),
            ("Hana Health", "health", "School nurse", "present"),
            ("Eli Educator", "education", "Designated safeguarding lead", "information-only"),
        )
        references.append(ref)

        ref = _open(
            writer,
            now,
            "hampshire",
            now - 3 * D,
            [Child("Mia Placeholder", date(2012, 11, 5))],
            categories=("serious-harm",),
            summary="Mia attended A&E with a fractured wrist; the explanation does not fit the injury.",
            referrer="Fictional General Hospital",
        )
        _attend(
            writer,
            ref,
            ("Sam Social", "social-care", "Team manager", "present", "family contact"),
            ("Dr Pat Paeds", "paediatrician", "Consultant paediatrician", "present"),
            ("DS Robin Police", "police", "Detective sergeant", "present"),
        )
        writer.update_discussion(
            ref, "held", {"held_at": now - 3 * D + 5 * H, "held_format": "virtual", "chair": "Sam Social"}
        )
        writer.decide(
            ref,
            Decision(
                s47=True,
                police_investigation=True,
                rationale="Unexplained fracture in a child of 14; joint enquiries needed.",
                share="That a section 47 enquiry has begun and a social worker will visit.",
                withholding=True,
                withhold="The police intend to interview the mother's partner.",
                withhold_rationale="Telling the family may jeopardise the police investigation.",
                decided_at=now - 3 * D + 6 * H,
            ),
        )
        writer.see_child(ref, "Mia Placeholder", Sighting(by="Sam Social", at=now - 2 * D, alone=True))
        writer.add_action(
            ref,
            Action(
                0, "Request GP and health visitor records", "Hana Health", "health", now - 1 * D, now - 3 * D
            ),
        )
        writer.add_action(
            ref,
            Action(
                0,
                "Joint visit to see Mia at home",
                "Sam Social",
                "social-care",
                now + 2 * H,
                now - 3 * D,
                for_family=True,
            ),
        )
        writer.add_action(
            ref,
            Action(
                0,
                "Arrange the initial child protection conference",
                "Sam Social",
                "social-care",
                now + 5 * D,
                now - 3 * D,
            ),
        )
        for question_id, answer in (
            ("core-agencies-present", True),
            ("who-is-concerned", "The hospital: a fracture whose explanation does not fit."),
            ("other-children", False),
            ("cp-medical", True),
        ):
            writer.answer(ref, question_id, answer)
        references.append(ref)

        ref = _open(
            writer,
            now,
            "west-midlands",
            now - 2 * D,
            [Child("Isla Fictional", date(2011, 1, 20), looked_after=True)],
            categories=("allegation-against-staff",),
            summary="Isla told her teacher that a member of staff at her residential home hit her.",
            referrer="Fictional Academy",
        )
        _attend(writer, ref, ("Sam Social", "social-care", "Team manager", "present"))
        references.append(ref)

        ref = _open(
            writer,
            now,
            "west-midlands",
            now - 2 * H,
            [
                Child(
                    "Leo Sample",
                    date(2008, 9, 30),
                    hospital_services=True,
                    in_hospital=True,
                    interpreter="Polish",
                )
            ],
            summary="Leo, an in-patient, disclosed neglect at home to a ward nurse.",
        )
        references.append(ref)

        ref = _open(
            writer,
            now,
            "west-midlands",
            now - 1 * H,
            [Child("Baby Specimen", edd=(now + 60 * D).date())],
            summary="Pre-birth concern: domestic abuse reported during pregnancy.",
        )
        references.append(ref)

        ref = _open(
            writer,
            now,
            "hampshire",
            now - 40 * D,
            [Child("Oscar Dummy", date(2016, 4, 1))],
            summary="Concern about home conditions; threshold for s47 not met.",
        )
        _attend(
            writer,
            ref,
            ("Sam Social", "social-care", "Team manager", "present"),
            ("Hana Health", "health", "Health visitor", "present"),
            ("DS Robin Police", "police", "Detective sergeant", "present"),
        )
        writer.update_discussion(
            ref, "held", {"held_at": now - 40 * D + 6 * H, "held_format": "telephone", "chair": "Sam Social"}
        )
        writer.decide(
            ref,
            Decision(
                s47=False,
                police_investigation=False,
                rationale="Needs met through early help.",
                decided_at=now - 40 * D + 7 * H,
            ),
        )
        writer.record_event(ref, "record-circulated", now - 39 * D)
        writer.record_event(ref, "referrer-informed", now - 39 * D)
        writer.update_discussion(
            ref, "close", {"status": "closed", "closed_reason": "Early help assessment agreed."}
        )
        references.append(ref)
    return references
