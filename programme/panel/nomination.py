"""Nominations to the regional panel: the form, who may nominate, and what a nomination sets off.

The rules come from the programme's "Support for validating and challenging self-assessment
conclusions": a DCS nomination is enough (no interview or qualification); a nomination may be
restricted to areas of expertise or left open; it covers universal moderation, small packages of
improvement support, or both; the colleague must have agreed; a panel member may decline.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from programme import audit
from programme.errors import NotAllowed, NotFound
from programme.forms import Checked, Choice, Field, Form, FormFor, Kind, check, form_for
from programme.held_codes import Purpose, hold
from programme.people.profile import Profile, acting_authorities
from programme.people.roles import Role, authority_scope
from programme.submit_once import submit_once
from programme.unit_of_work import unit_of_work
from storage.outbox import enqueue
from storage.panel import Nomination
from storage.people import Authority, Person, RoleAssignment

log = logging.getLogger(__name__)

OPEN = "open"
AREAS = (
    Choice("send", "SEND"),
    Choice("fostering", "Fostering"),
    Choice("adoption", "Adoption and special guardianship"),
    Choice("safeguarding", "Safeguarding"),
    Choice("children_in_care", "Children in care"),
    Choice("education", "Education and children missing education"),
    Choice("quality_assurance", "Quality assurance"),
    Choice("performance_data", "Performance data and benchmarking"),
    Choice("workforce", "Workforce"),
    Choice("leadership", "Leadership"),
    Choice(OPEN, "Open: any area, at the DCS's discretion"),
)
COVERS = (
    Choice("universal", "Universal moderation (usually 2-4 days)"),
    Choice("small_packages", "Small packages of improvement support (up to 39 days)"),
    Choice("both", "Both"),
)


class NominationStatus(StrEnum):
    NOMINATED = "nominated"  # the invitation to the panel is open
    JOINED = "joined"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


ACTIVE_STATUSES = (NominationStatus.NOMINATED, NominationStatus.JOINED)  # on the panel, or on their way


def nomination_form(authorities: list[tuple[str, str]]) -> Form:
    """The form for someone who may nominate for these authorities (code, name)."""
    return Form(
        name="nomination",
        title="Nominate a colleague to the regional panel",
        intro=(
            "A DCS nomination is enough to join the panel: no interview or qualification is needed. "
            "Panel members may decline any invitation."
        ),
        submit_label="Nominate",
        fields=(
            Field("authority", "Authority", Kind.CHOICE, choices=tuple(Choice(c, n) for c, n in authorities)),
            Field("nominee_name", "Colleague's full name", max_length=120),
            Field("nominee_email", "Colleague's work email", Kind.EMAIL),
            Field("job_title", "Job title", max_length=120),
            Field("service_area", "Service area", max_length=120, help="For example: Children's social care"),
            Field("covers", "The nomination covers", Kind.CHOICE, choices=COVERS),
            Field(
                "areas",
                "Areas of expertise",
                Kind.MULTI_CHOICE,
                choices=AREAS,
                help="One or more; or 'Open' to leave it to the panel's judgement.",
            ),
            Field("agreed", "My colleague has agreed to be nominated", Kind.CONFIRM),
        ),
    )


NOT_A_NOMINATOR = (
    "Only a DCS or their delegate can nominate colleagues to the regional panel, for their own "
    "authority; programme coordinators can nominate for any authority."
)


def nomination_form_for(session: Session, profile: Profile) -> FormFor:
    return form_for(nomination_form, acting_authorities(session, profile), NOT_A_NOMINATOR)


@dataclass(frozen=True)
class Outcome:
    done: bool
    message: str
    checked: Checked | None = None
    nomination_id: int | None = None
    already_on_panel: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def as_result(self) -> dict[str, Any]:
        return {"done": self.done, "message": self.message, "nomination_id": self.nomination_id, "already_on_panel": self.already_on_panel}


def replayed(result: dict[str, Any]) -> Outcome:
    return Outcome(result["done"], result["message"], nomination_id=result.get("nomination_id"),
                   already_on_panel=result.get("already_on_panel", False))


@unit_of_work
def submit_nomination(
    session: Session,
    profile: Profile,
    token: str,
    submitted: Mapping[str, Any],
    now: datetime,
    *,
    authorities: list[tuple[str, str]] | None = None,
    channel: str = "",
) -> Outcome:
    """Store one nomination for this form token, however often it arrives, and tell the people concerned."""

    def act() -> tuple[Outcome, bool]:
        outcome = _nominate(session, profile, token, submitted, now, authorities, channel)
        return outcome, not outcome.errors  # a form to correct is not kept: the corrected one is acted on

    return submit_once(session, token, "nomination", profile.person_id, act, replayed)


def _nominate(session: Session, profile: Profile, token: str, submitted: Mapping[str, Any], now: datetime,
              authorities: list[tuple[str, str]] | None, channel: str) -> Outcome:
    authorities = authorities if authorities is not None else acting_authorities(session, profile)
    if not authorities:
        raise NotAllowed(NOT_A_NOMINATOR)
    form = nomination_form(authorities)
    checked = check(form, submitted)
    errors = dict(checked.errors)
    areas = checked.values.get("areas") or []
    if OPEN in areas and len(areas) > 1:
        errors["areas"] = "Choose 'Open' on its own, or only the areas that apply."
    if errors:
        return Outcome(False, "Please correct the details below.", checked=checked, errors=errors)
    values = checked.values
    authority = session.scalar(select(Authority).where(Authority.code == values["authority"]))
    assert authority is not None  # the form offers the codes of existing authorities only
    if (elsewhere := _named_elsewhere(session, values["nominee_email"], authority)) is not None:
        errors = {"nominee_email": (
            f"The programme calendar names this colleague for {elsewhere}, not {authority.name}: an authority nominates its own "
            f"staff. {elsewhere}'s DCS can nominate them, or ask the programme coordinators if the calendar is out of date.")}
        return Outcome(False, "Please correct the details below.", checked=checked, errors=errors)
    nominee = _person(session, values["nominee_email"], values["nominee_name"])
    if _on_panel(session, nominee.id):
        return Outcome(
            False,
            f"{nominee.name} is already on the regional panel (or nominated). "
            "To change their areas of expertise, use `my nominations`.",
            already_on_panel=True,
        )
    nomination = Nomination(
        authority_id=authority.id,
        nominee_person_id=nominee.id,
        job_title=values["job_title"],
        service_area=values["service_area"],
        covers=values["covers"],
        areas=areas,
        nominated_by_person_id=profile.person_id,
        on_behalf=not profile.holds_for(authority.code, Role.DCS, Role.DELEGATE),
        form_token=token,
        status=NominationStatus.NOMINATED,
    )
    session.add(nomination)
    session.flush()
    _tell(session, nomination, nominee, authority, profile, form, now)
    audit.record(session, person_id=profile.person_id, channel=channel, action="nomination.submit",
                 subject=audit.subject_of({"id": nomination.id, "authority": authority.code}), authority_code=authority.code)
    log.info("nomination %s stored for authority %s by person %s", nomination.id, authority.id, profile.person_id)
    return Outcome(True, f"{nominee.name} is nominated to the regional panel for {authority.name}.", nomination_id=nomination.id)


def _named_elsewhere(session: Session, email: str, authority: Authority) -> str | None:
    """The authority the calendar names this person for, if it names them for others and not for `authority`."""
    scopes = set(session.scalars(
        select(RoleAssignment.scope).join(Person, Person.id == RoleAssignment.person_id)
        .where(Person.email == email, RoleAssignment.active.is_(True), RoleAssignment.scope.like("authority:%"))
    ))
    codes = {scope.removeprefix("authority:") for scope in scopes}
    if not codes or authority.code in codes:
        return None
    names = sorted(session.scalars(select(Authority.name).where(Authority.code.in_(codes))))
    return " and ".join(names) or None


def _person(session: Session, email: str, name: str) -> Person:
    person = session.scalar(select(Person).where(Person.email == email))
    if person is None:
        person = Person(email=email, name=name)
        session.add(person)
        session.flush()
    return person


def _on_panel(session: Session, person_id: int) -> bool:
    member = select(RoleAssignment.id).where(
        RoleAssignment.person_id == person_id,
        RoleAssignment.role == Role.PANEL_MEMBER.value,
        RoleAssignment.active.is_(True),
    )
    nominated = select(Nomination.id).where(Nomination.nominee_person_id == person_id, Nomination.status.in_(ACTIVE_STATUSES))
    return bool(session.scalar(select(or_(member.exists(), nominated.exists()))))


def _tell(session: Session, nomination: Nomination, nominee: Person, authority: Authority, profile: Profile, form: Form, now: datetime) -> None:
    covers = form.field("covers").choice_title(nomination.covers)
    areas = ", ".join(form.field("areas").choice_title(a) for a in nomination.areas)
    details = {
        "nominee_name": nominee.name,
        "authority_name": authority.name,
        "nominated_by_name": profile.name,
        "job_title": nomination.job_title,
        "service_area": nomination.service_area,
        "covers": covers,
        "areas": areas,
    }
    coordinators = session.scalars(
        select(RoleAssignment.person_id)
        .where(RoleAssignment.role == Role.COORDINATOR.value, RoleAssignment.active.is_(True))
        .distinct()
    ).all()
    for person_id in coordinators:
        enqueue(session, key=f"nomination/{nomination.id}/coordinator/{person_id}", kind="nomination_received",
                payload=details, due_at=now, recipient_person_id=person_id)
    answer = hold(session, address=nominee.email, purpose=Purpose.PANEL_INVITATION, record={"nomination": nomination.id}, now=now)
    enqueue(session, key=f"nomination/{nomination.id}/nominee", kind="panel_invitation",
            payload={**details, "reference_code": answer}, due_at=now, recipient_person_id=nominee.id, channel="email")
    enqueue(session, key=f"nomination/{nomination.id}/nominator", kind="nomination_confirmation",
            payload=details, due_at=now, recipient_person_id=profile.person_id)


NO_INVITATION = "I can't find an invitation to the panel for you. If you replied by email, keep the reference in the subject line."


@unit_of_work
def answer_invitation(session: Session, person: Person, *, accept: bool, nomination_id: int | None, now: datetime,
                      channel: str = "") -> str:
    """The nominee joins the panel or declines. By email the invitation's code must come back from
    the nominee's own address (it names the nomination); in Teams the person is known, and their one
    open invitation is meant."""
    query = select(Nomination).where(Nomination.nominee_person_id == person.id)
    if nomination_id is not None:
        query = query.where(Nomination.id == nomination_id)
    invitations = session.scalars(query.order_by(Nomination.id.desc())).all()
    open_ones = [n for n in invitations if n.status == NominationStatus.NOMINATED]
    if not invitations:
        raise NotFound(NO_INVITATION)
    if not open_ones:
        latest = invitations[0]
        if latest.status == NominationStatus.WITHDRAWN:
            return "This nomination has been withdrawn, so there is nothing to answer."
        return f"You have already answered this invitation: you {latest.status} the panel."
    if len(open_ones) > 1 and nomination_id is None:
        raise NotFound("You have more than one open invitation: reply to the invitation email itself, keeping its reference.")
    nomination = open_ones[0]
    authority = session.get(Authority, nomination.authority_id)
    assert authority is not None  # a nomination's authority_id is a foreign key
    nomination.status = NominationStatus.JOINED if accept else NominationStatus.DECLINED
    if accept:
        _join_panel(session, person, authority)
    enqueue(session, key=f"nomination/{nomination.id}/answer", kind="nomination_answer",
            payload={"nominee_name": person.name, "authority_name": authority.name, "answer": nomination.status.value},
            due_at=now, recipient_person_id=nomination.nominated_by_person_id)
    audit.record(session, person_id=person.id, channel=channel, action="nomination.answer",
                 subject=audit.subject_of({"id": nomination.id, "to": nomination.status}), authority_code=authority.code)
    log.info("nomination %s answered: %s", nomination.id, nomination.status)
    if accept:
        return "Thank you: you have joined the regional panel. You may decline any invitation to a piece of work."
    return "Thank you for letting us know: you have declined the nomination. Nothing more will be asked of you."


def _join_panel(session: Session, person: Person, authority: Authority) -> None:
    scope = authority_scope(authority.code)
    role = session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.person_id == person.id, RoleAssignment.role == Role.PANEL_MEMBER.value, RoleAssignment.scope == scope
        )
    )
    if role is None:
        session.add(RoleAssignment(person_id=person.id, role=Role.PANEL_MEMBER.value, scope=scope, authority_id=authority.id, source="assistant"))
    else:
        role.active = True
