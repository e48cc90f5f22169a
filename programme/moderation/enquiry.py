"""Moderation enquiries: sending one, who may see it, and moving it through its stages.

An enquiry goes to the moderation coordinators and, by email, to the moderation team's shared
mailbox. Every stage change is recorded (who, when, from which channel, why) and tells the
enquirer; the notices the other coordinators received in Teams are updated in place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from programme import audit
from programme.errors import Invalid, NotAllowed
from programme.forms import Checked, FormFor, check, form_for
from programme.moderation.form import assess, enquiry_form
from programme.moderation.stages import OPEN_ASSIGNMENT, AssignmentStatus, Move, Mover, Stage, check_move, missing_for
from programme.moderation.views import build_view, is_enquirer, load_for
from programme.people.profile import Profile, acting_authorities, current_cycle
from programme.people.roles import Role
from programme.submit_once import submit_once
from programme.unit_of_work import unit_of_work
from storage.calendar import Group, GroupMember
from storage.moderation import Assignment, Enquiry, EnquiryEvent
from storage.outbox import OutboxMessage, enqueue
from storage.people import Authority, Person, RoleAssignment

log = logging.getLogger(__name__)



NOT_AN_ENQUIRER = (
    "Only a DCS or their delegate can ask for moderation, for their own authority "
    "(or a coordinator, on an authority's behalf)."
)


def enquiry_form_for(session: Session, profile: Profile) -> FormFor:
    return form_for(enquiry_form, acting_authorities(session, profile), NOT_AN_ENQUIRER,
                    {"contact_name": profile.name, "contact_email": profile.email})


@dataclass(frozen=True)
class Outcome:
    done: bool
    message: str
    checked: Checked | None = None
    errors: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    enquiry_id: int | None = None

    def as_result(self) -> dict[str, Any]:
        return {"done": self.done, "message": self.message, "warnings": list(self.warnings), "enquiry_id": self.enquiry_id}


@unit_of_work
def submit_enquiry(
    session: Session,
    profile: Profile,
    token: str,
    submitted: Mapping[str, Any],
    now: datetime,
    today: date,
    *,
    mailbox: str = "",
    channel: str = "",
    authorities: list[tuple[str, str]] | None = None,
) -> Outcome:
    """Store one enquiry for this form token, however often it arrives, and tell the people concerned."""

    def act() -> tuple[Outcome, bool]:
        outcome = _enquire(session, profile, token, submitted, now, today, mailbox, channel, authorities)
        return outcome, outcome.done

    return submit_once(session, token, "enquiry", profile.person_id, act, replayed)


def replayed(result: dict[str, Any]) -> Outcome:
    return Outcome(result["done"], result["message"], warnings=tuple(result.get("warnings", ())), enquiry_id=result.get("enquiry_id"))


def _enquire(session: Session, profile: Profile, token: str, submitted: Mapping[str, Any], now: datetime, today: date, mailbox: str,
             channel: str, authorities: list[tuple[str, str]] | None) -> Outcome:
    authorities = authorities if authorities is not None else acting_authorities(session, profile)
    if not authorities:
        raise NotAllowed(NOT_AN_ENQUIRER)
    form = enquiry_form(authorities)
    checked = check(form, submitted)
    errors = dict(checked.errors)
    values = checked.values
    authority = cycle = challenge = None
    if "authority" in values:
        authority = session.scalar(select(Authority).where(Authority.code == values["authority"]))
        assert authority is not None  # the form offers the codes of existing authorities only
        cycle = current_cycle(session, today)
        challenge = challenge_date(session, cycle.id if cycle else None, authority.id)
    warnings: tuple[str, ...] = ()
    if {"support", "days", "report_by"} <= values.keys():
        assessment = assess(values["support"], values["days"], values["report_by"], values.get("report_reason") or "", challenge, today)
        errors = {**assessment.errors, **errors}
        warnings = assessment.warnings
    if errors:
        return Outcome(False, "Please correct the details below.", checked=checked, errors=errors)
    assert authority is not None  # no errors: "authority" was in the values, and looked up above
    enquiry = Enquiry(
        cycle_id=cycle.id if cycle else None,
        authority_id=authority.id,
        support=values["support"],
        conclusion=values["conclusion"],
        work=values["work"],
        expertise=values["expertise"],
        estimated_days=float(values["days"]),
        report_needed_by=values["report_by"],
        report_date_reason=values.get("report_reason") or "",
        contact_name=values["contact_name"],
        contact_email=values["contact_email"],
        stage=Stage.RECEIVED.value,
        submitted_by_person_id=profile.person_id,
        on_behalf=not profile.holds_for(authority.code, Role.DCS, Role.DELEGATE),
        form_token=token,
    )
    session.add(enquiry)
    session.flush()
    session.add(EnquiryEvent(enquiry_id=enquiry.id, to_stage=Stage.RECEIVED.value, person_id=profile.person_id, channel=channel, at=now))
    _tell_received(session, enquiry, authority, profile, warnings, mailbox, now)
    audit.record(session, person_id=profile.person_id, channel=channel, action="enquiry.submit",
                 subject=audit.subject_of({"id": enquiry.id, "authority": authority.code}), authority_code=authority.code)
    log.info("enquiry %s stored for authority %s by person %s", enquiry.id, authority.id, profile.person_id)
    message = f"Your enquiry for {authority.name} (number {enquiry.id}) has gone to the moderation team."
    return Outcome(True, message, warnings=warnings, enquiry_id=enquiry.id)


def challenge_date(session: Session, cycle_id: int | None, authority_id: int) -> date | None:
    if cycle_id is None:
        return None
    return session.scalar(
        select(Group.challenge_date)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(Group.cycle_id == cycle_id, Group.active.is_(True), GroupMember.authority_id == authority_id, GroupMember.active.is_(True))
    )


def moderation_coordinators(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(RoleAssignment.person_id)
            .join(Person, Person.id == RoleAssignment.person_id)
            .where(RoleAssignment.role == Role.MODERATION_COORDINATOR.value, RoleAssignment.active.is_(True), Person.active.is_(True))
            .distinct()
            .order_by(RoleAssignment.person_id)
        )
    )


# -- moving stages -----------------------------------------------------------------------------


def move(
    session: Session,
    profile: Profile | None,
    enquiry: Enquiry,
    target: Stage,
    *,
    expected: Stage,
    now: datetime,
    channel: str = "",
    reason: str = "",
    system: bool = False,
    changes: dict[str, Any] | None = None,
    actor_id: int | None = None,
) -> bool:
    """Move the enquiry from `expected` to `target` in the caller's transaction, recording who and
    telling the enquirer. False if someone else moved it first: nothing is written then.
    `actor_id` names the person behind a system move (the panel member who accepted, say)."""
    authority = session.get(Authority, enquiry.authority_id)
    assert authority is not None  # an enquiry's authority_id is a foreign key
    mover = Mover(
        coordinator=bool(profile and profile.is_coordinator),
        enquirer=bool(profile and is_enquirer(profile, authority.code)),
        system=system,
    )
    kind = check_move(expected, target, mover, reason)
    if kind == Move.SAME:
        return False
    given = changes or {}
    if (missing := missing_for(target, lambda name: given.get(name) not in (None, "") or getattr(enquiry, name) not in (None, ""))) is not None:
        raise Invalid({"stage": missing})
    moved = cast(CursorResult[Any], session.execute(  # an UPDATE's result is a CursorResult, which has the rowcount
        update(Enquiry)
        .where(Enquiry.id == enquiry.id, Enquiry.stage == expected.value)
        .values(stage=target.value, updated_at=now, **(changes or {}))
    )).rowcount
    if not moved:
        return False
    session.refresh(enquiry)
    event = EnquiryEvent(
        enquiry_id=enquiry.id, from_stage=expected.value, to_stage=target.value,
        person_id=profile.person_id if profile else actor_id, channel=channel, reason=reason.strip(), at=now,
    )
    session.add(event)
    session.flush()
    _tell_moved(session, enquiry, authority, event, profile, now)
    log.info("enquiry %s moved %s -> %s (event %s)", enquiry.id, expected.value, target.value, event.id)
    return True


@unit_of_work
def change_stage(
    session: Session, profile: Profile, enquiry_id: object, target: Stage, *, expected: Stage | None, now: datetime,
    channel: str = "", reason: str = "", changes: dict[str, Any] | None = None, also: Callable[[Enquiry], object] | None = None,
    action: str = "enquiry.stage",
) -> str:
    """A person's stage change from a card or a command. `expected` is the stage the card showed:
    a repeated click finds the enquiry already moved and changes nothing. `action` names the change
    in the audit trail (the package agreed, the report delivered, ...)."""
    enquiry, authority = load_for(session, profile, enquiry_id)
    current = Stage(enquiry.stage)
    if current == target:
        return f"Enquiry {enquiry.id} is already at '{target.label}'."
    if expected is not None and current != expected:
        return f"Enquiry {enquiry.id} has moved on to '{current.label}' since that card was sent: here it is as it stands."
    if target == Stage.WITHDRAWN and not profile.is_coordinator and not is_enquirer(profile, authority.code):
        raise NotAllowed("Only the DCS or a delegate of the enquiring authority can withdraw its enquiry.")
    if not move(session, profile, enquiry, target, expected=current, now=now, channel=channel, reason=reason, changes=changes):
        return f"Enquiry {enquiry.id} was changed by someone else at the same moment: here it is as it stands."
    if target == Stage.WITHDRAWN:
        _cancel_open_assignments(session, enquiry, now)
    if also is not None:
        also(enquiry)  # what goes with the move, in the same transaction
    audit.record(session, person_id=profile.person_id, channel=channel, action=action,
                 subject=audit.subject_of({"id": enquiry.id, "to": target.value, "from": current.value}), authority_code=authority.code)
    return f"Enquiry {enquiry.id} is now at '{target.label}'."


def _cancel_open_assignments(session: Session, enquiry: Enquiry, now: datetime) -> None:
    for assignment in session.scalars(
        select(Assignment).where(Assignment.enquiry_id == enquiry.id, Assignment.status.in_(OPEN_ASSIGNMENT))
    ):
        assignment.status, assignment.reason, assignment.updated_at = AssignmentStatus.HANDED_BACK, "The enquiry was withdrawn.", now
        authority = session.get(Authority, enquiry.authority_id)
        assert authority is not None  # an enquiry's authority_id is a foreign key
        enqueue(session, key=f"assignment/{assignment.id}/withdrawn", kind="assignment_cancelled",
                payload={"authority_name": authority.name, "enquiry_id": enquiry.id},
                due_at=now, recipient_person_id=assignment.person_id)


# -- notices -----------------------------------------------------------------------------------


def notice_payload(session: Session, enquiry: Enquiry, authority: Authority) -> dict[str, Any]:
    """What coordinators' notices show: the enquiry as it stands."""
    v = build_view(session, enquiry, authority, None)
    last = v.history[-1]
    return {
        "enquiry_id": v.id,
        "authority_name": v.authority_name,
        "support": v.support_title,
        "conclusion": v.conclusion,
        "work": ", ".join(v.work),
        "expertise": ", ".join(v.expertise) or "Not stated",
        "estimated_days": f"{v.estimated_days:g}",
        "report_needed_by": v.report_needed_by.isoformat(),
        "report_reason": v.report_reason,
        "contact": f"{v.contact_name} ({v.contact_email})",
        "warnings": [],
        "submitted_by": v.submitted_by,
        "stage": v.stage.label,
        "last_change_by": last.by + (f": {last.reason}" if last.reason else ""),
        "last_change_at": last.at.isoformat(),  # shown in the programme's time zone by the renderer
    }


def _tell_received(session: Session, enquiry: Enquiry, authority: Authority, profile: Profile, warnings: Iterable[str], mailbox: str,
                   now: datetime) -> None:
    payload = {**notice_payload(session, enquiry, authority), "warnings": list(warnings)}
    for person_id in moderation_coordinators(session):
        enqueue(session, key=f"enquiry/{enquiry.id}/coordinator/{person_id}", kind="enquiry_received",
                payload=payload, due_at=now, recipient_person_id=person_id)
    if mailbox:
        enqueue(session, key=f"enquiry/{enquiry.id}/mailbox", kind="enquiry_received", payload=payload,
                due_at=now, recipient_address=mailbox, channel="email")
    enqueue(session, key=f"enquiry/{enquiry.id}/enquirer", kind="enquiry_confirmation", payload=payload,
            due_at=now, recipient_person_id=profile.person_id)
    if enquiry.on_behalf:
        # Made for the authority by someone else (a coordinator): its DCS hears of it, and from whom.
        dcs = session.scalars(select(RoleAssignment.person_id).where(
            RoleAssignment.role == Role.DCS.value, RoleAssignment.scope == f"authority:{authority.code}", RoleAssignment.active.is_(True),
        ).distinct())
        for person_id in dcs:
            if person_id != profile.person_id:
                enqueue(session, key=f"enquiry/{enquiry.id}/dcs/{person_id}", kind="enquiry_confirmation",
                        payload={**payload, "on_behalf_by": profile.name}, due_at=now, recipient_person_id=person_id)


def _tell_moved(session: Session, enquiry: Enquiry, authority: Authority, event: EnquiryEvent, profile: Profile | None, now: datetime) -> None:
    payload = notice_payload(session, enquiry, authority)
    enqueue(session, key=f"enquiry/{enquiry.id}/event/{event.id}/enquirer", kind="enquiry_stage",
            payload={**payload, "reason": event.reason, "agreed_days": _days(enquiry.agreed_days),
                     "agreed_scope": enquiry.agreed_scope or "", "report_due": enquiry.report_due.isoformat() if enquiry.report_due else ""},
            due_at=now, recipient_person_id=enquiry.submitted_by_person_id)
    # The notices other coordinators received in Teams show the new stage: updated in place.
    originals = session.scalars(
        select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.like(f"enquiry/{enquiry.id}/coordinator/%"))
    ).all()
    for key in originals:
        person_id = int(key.rsplit("/", 1)[1])
        if profile is not None and person_id == profile.person_id:
            continue  # the acting coordinator's card is refreshed by their own action
        enqueue(session, key=f"enquiry/{enquiry.id}/event/{event.id}/update/{person_id}", kind="enquiry_received",
                payload={**payload, "replaces": key}, due_at=now, recipient_person_id=person_id, channel="teams")


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
