"""An authority's team: the delegates and participants a DCS (or a coordinator) adds and removes."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme import audit
from programme.errors import Invalid, NotAllowed, NotFound
from programme.people.permissions import can_manage_team
from programme.people.profile import Profile
from programme.people.roles import TEAM_ROLES, Role, authority_scope
from programme.unit_of_work import unit_of_work
from programme.validation import email_problem
from storage.outbox import enqueue
from storage.people import Authority, Person, RoleAssignment

log = logging.getLogger(__name__)
NAME_LIMIT = 120


@dataclass(frozen=True)
class TeamMember:
    person_id: int
    name: str
    email: str
    role: Role


@dataclass(frozen=True)
class Team:
    authority_code: str
    authority_name: str
    members: tuple[TeamMember, ...]


@dataclass(frozen=True)
class TeamChange:
    done: bool
    message: str
    team: Team


def _authority(session: Session, code: str) -> Authority:
    code = str(code).strip().lower()[:64]  # codes are lower case: `KENT` and ` kent ` are Kent
    authority = session.scalar(select(Authority).where(Authority.code == code, Authority.active.is_(True)))
    if authority is None:
        raise NotFound(f"There is no authority '{code}' in the programme. Check the code in `status`.")
    return authority


def _check(profile: Profile, authority: Authority) -> None:
    if not can_manage_team(profile, authority.code):
        raise NotAllowed(
            f"Only the DCS of {authority.name} or a programme coordinator can change its team."
        )


def _parse_role(value: str) -> Role:
    for role in TEAM_ROLES:
        if value.strip().lower() in (role.value, role.label.lower()):
            return role
    raise Invalid({"role": "Choose the role: delegate or participant."})


@dataclass(frozen=True)
class Asked:
    """Which authority's team a `team ...` command is about, and the rest of what it says."""

    authority_code: str | None  # None: say which (the hint says how)
    rest: list[str]
    hint: str = ""


def which_team(profile: Profile, words: list[str]) -> Asked:
    """The authority named first in the words, else the one authority this person is DCS of."""
    if words and re.fullmatch(r"[a-z0-9-]+", words[0].lower()) and words[0].lower() not in ("add", "remove"):
        return Asked(words[0].lower(), words[1:])
    led = profile.authorities_as(Role.DCS)
    if len(led) == 1:
        return Asked(led[0], words)
    hint = (
        "Name the authority: " + ", ".join(f"`team {code}`" for code in led)
        if led
        else "Name the authority by its code, for example `team kent`."
        if profile.is_coordinator
        else "Only a DCS or a programme coordinator can change an authority's team."
    )
    return Asked(None, words, hint)


def load_team(session: Session, profile: Profile, authority_code: str) -> Team:
    authority = _authority(session, authority_code)
    _check(profile, authority)
    return _team(session, authority)


def _team(session: Session, authority: Authority) -> Team:
    rows = session.execute(
        select(RoleAssignment, Person)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(
            RoleAssignment.authority_id == authority.id,
            RoleAssignment.role.in_([r.value for r in TEAM_ROLES]),
            RoleAssignment.active.is_(True),
            Person.active.is_(True),
        )
        .order_by(RoleAssignment.role, Person.name)
    ).all()
    return Team(
        authority_code=authority.code,
        authority_name=authority.name,
        members=tuple(
            TeamMember(person_id=p.id, name=p.name, email=p.email, role=Role(a.role)) for a, p in rows
        ),
    )


def check_new_member(*, role: str, name: str, email: str) -> tuple[Role, str, str]:
    """The role, name and email cleaned, or every problem with them at once."""
    problems: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        problems["name"] = "Enter the person's full name."
    elif len(name) > NAME_LIMIT:
        problems["name"] = f"Shorten the name to {NAME_LIMIT} characters or fewer."
    email = (email or "").strip().lower()
    if problem := email_problem(email):
        problems["email"] = problem
    chosen = None
    try:
        chosen = _parse_role(role or "")
    except Invalid as error:
        problems.update(error.fields)
    if problems:
        raise Invalid(problems)
    assert chosen is not None  # _parse_role raised otherwise, and so did we
    return chosen, name, email


@unit_of_work
def add_team_member(
    session: Session, profile: Profile, authority_code: str, *, role: str, name: str, email: str, now: datetime, channel: str = ""
) -> TeamChange:
    """Add a delegate or participant. Adding someone who is already there changes nothing."""
    authority = _authority(session, authority_code)
    _check(profile, authority)
    chosen, name, email = check_new_member(role=role, name=name, email=email)

    person = session.scalar(select(Person).where(Person.email == email))
    if person is None:
        person = Person(email=email, name=name)
        session.add(person)
        session.flush()
    elif not person.active:
        person.active = True
    scope = authority_scope(authority.code)
    assignment = session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.person_id == person.id,
            RoleAssignment.role == chosen.value,
            RoleAssignment.scope == scope,
        )
    )
    if assignment is not None and assignment.active:
        return TeamChange(False, f"{person.name} is already a {chosen.noun} for {authority.name}.", _team(session, authority))
    if assignment is None:
        session.add(
            RoleAssignment(
                person_id=person.id, role=chosen.value, scope=scope, authority_id=authority.id, source="assistant"
            )
        )
    else:
        assignment.active = True
        assignment.source = "assistant"
    _tell(session, "team_member_added", person, chosen, authority, profile, now)
    _audit(session, profile, channel, "team.add", person.id, authority)
    log.info("team change: person %s added as %s to authority %s by person %s", person.id, chosen.value, authority.id, profile.person_id)
    return TeamChange(True, f"{person.name} is now a {chosen.noun} for {authority.name}.", _team(session, authority))


@unit_of_work
def remove_team_member(
    session: Session, profile: Profile, authority_code: str, *, role: str, person_id: int, now: datetime, channel: str = ""
) -> TeamChange:
    authority = _authority(session, authority_code)
    _check(profile, authority)
    chosen = _parse_role(role or "")
    assignment = session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.person_id == person_id,
            RoleAssignment.role == chosen.value,
            RoleAssignment.scope == authority_scope(authority.code),
        )
    )
    if assignment is None or not assignment.active:
        return TeamChange(False, f"That person is not a {chosen.noun} for {authority.name} any more.", _team(session, authority))
    assignment.active = False
    assignment.source = "assistant"
    person = session.get(Person, person_id)
    assert person is not None  # a role assignment's person_id is a foreign key
    name = person.name
    _tell(session, "team_member_removed", person, chosen, authority, profile, now)
    _audit(session, profile, channel, "team.remove", person_id, authority)
    log.info("team change: person %s removed as %s from authority %s by person %s", person_id, chosen.value, authority.id, profile.person_id)
    return TeamChange(True, f"{name} is no longer a {chosen.noun} for {authority.name}.", _team(session, authority))


def _audit(session: Session, profile: Profile, channel: str, action: str, person_id: int, authority: Authority) -> None:
    audit.record(session, person_id=profile.person_id, channel=channel, action=action,
                 subject=audit.subject_of({"authority": authority.code, "person": person_id}), authority_code=authority.code)


def _tell(
    session: Session, kind: str, person: Person, role: Role, authority: Authority, actor: Profile, now: datetime
) -> None:
    """Tell the person, in the same transaction as the change. Each change is its own event (a
    repeated request changes nothing and so tells nobody twice)."""
    enqueue(
        session,
        key=f"{kind}/{authority.code}/{role.value}/{person.id}/{uuid.uuid4().hex}",
        kind=kind,
        payload={
            "person_name": person.name,
            "role_label": role.noun,
            "authority_name": authority.name,
            "added_by_name": actor.name,
        },
        due_at=now,
        recipient_person_id=person.id,
    )


def find_member_by_email(team: Team, email: str) -> TeamMember | None:
    email = email.strip().lower()
    return next((m for m in team.members if m.email == email), None)
