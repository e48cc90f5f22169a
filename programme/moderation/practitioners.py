"""Which panel members to suggest for an enquiry, and why.

Independence is absolute: nobody from the enquiring authority, or holding any role in it, is ever
suggested or invited. Among the rest, members from outside the enquiring authority's group come
first (a group's authorities challenge each other on the day), then those whose areas of expertise
match, then those who have given fewer days this cycle, so that the work is shared.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from programme.errors import NotFound
from programme.moderation.form import SMALL_PACKAGE, UNIVERSAL
from programme.moderation.stages import DAYS_COUNTED
from programme.panel.nomination import ACTIVE_STATUSES, AREAS, OPEN, NominationStatus
from programme.people.roles import Role
from programme.validation import record_id
from storage.calendar import Group, GroupMember
from storage.moderation import Assignment, Enquiry
from storage.panel import Nomination
from storage.people import Authority, Person, RoleAssignment

AREA_TITLES = {c.value: c.title for c in AREAS}
COVERS_FOR_SUPPORT = {UNIVERSAL: ("universal", "both"), SMALL_PACKAGE: ("small_packages", "both")}
# An assignment's days count towards a cycle once accepted: days worked when recorded, else days agreed.
# Holding any of these for an authority ties a person to it.
TYING_ROLES = (Role.DCS, Role.DELEGATE, Role.PARTICIPANT, Role.PANEL_MEMBER)
EXACT, OPEN_FIT = "exact", "open"


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str
    email: str
    authority_id: int  # the nominating authority
    authority_name: str
    covers: str  # universal | small_packages | both
    areas: tuple[str, ...]  # area codes, or ("open",)
    group_id: int | None  # the nominating authority's group in the enquiry's cycle
    days_this_cycle: float
    holds_role_in: frozenset[int] = frozenset()  # authorities the person holds a role in, or was nominated by


@dataclass(frozen=True)
class Need:
    authority_id: int  # the enquiring authority
    group_id: int | None
    support: str  # universal | small_package
    expertise: tuple[str, ...] = ()
    excluded: frozenset[int] = frozenset()  # people already invited to (or who declined) this enquiry


@dataclass(frozen=True)
class Suggestion:
    candidate: Candidate
    fit: str  # exact | open
    same_group: bool
    reason: str
    matched: tuple[str, ...] = ()  # the needed area codes the candidate covers


def rank(candidates: list[Candidate], need: Need) -> list[Suggestion]:
    """The candidates who may and can do this work, best first."""
    if need.support not in COVERS_FOR_SUPPORT:
        raise ValueError(f"unknown kind of support {need.support!r}")
    covers = COVERS_FOR_SUPPORT[need.support]
    suggestions = []
    for candidate in candidates:
        if not is_independent(candidate, need.authority_id):
            continue
        if candidate.person_id in need.excluded or candidate.covers not in covers:
            continue
        matched = tuple(code for code in need.expertise if code != OPEN and code in candidate.areas)
        if matched:
            fit = EXACT
        elif OPEN in candidate.areas or not need.expertise:
            fit = OPEN_FIT
        else:
            continue
        same_group = need.group_id is not None and candidate.group_id == need.group_id
        suggestions.append(Suggestion(candidate, fit, same_group, _reason(candidate, need, fit, matched, same_group), matched))
    return sorted(
        suggestions,
        key=lambda s: (
            s.same_group,
            s.fit != EXACT,
            -len(s.matched),
            s.candidate.days_this_cycle,
            s.candidate.name.casefold(),
            s.candidate.person_id,
        ),
    )


def is_independent(candidate: Candidate, authority_id: int) -> bool:
    return candidate.authority_id != authority_id and authority_id not in candidate.holds_role_in


def _reason(candidate: Candidate, need: Need, fit: str, matched: tuple[str, ...], same_group: bool) -> str:
    if fit == EXACT:
        expertise = "Covers " + _and([AREA_TITLES.get(code, code) for code in matched])
    elif need.expertise:
        expertise = "Open to any area"
    else:
        expertise = "No particular expertise asked for"
    # The card already names the enquiring authority; named here too it would read as the practitioner's own.
    if need.group_id is None:
        group = "the enquiring authority has no group this cycle"
    elif same_group:
        group = f"{candidate.authority_name} is in the enquiring authority's group"
    else:
        group = f"{candidate.authority_name} is not in the enquiring authority's group"
    days = candidate.days_this_cycle
    return f"{expertise}; {group}; {days:g} day{'' if days == 1 else 's'} given this cycle."


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def suggest_practitioners(session: Session, enquiry_id: object, *, limit: int = 10) -> list[Suggestion]:
    enquiry = session.get(Enquiry, number) if (number := record_id(enquiry_id)) is not None else None
    if enquiry is None:
        raise NotFound(f"There is no enquiry {str(enquiry_id)[:20]}.")
    groups = _groups(session, enquiry.cycle_id)
    excluded = session.scalars(select(Assignment.person_id).where(Assignment.enquiry_id == enquiry.id)).all()
    need = Need(
        authority_id=enquiry.authority_id,
        group_id=groups.get(enquiry.authority_id),
        support=enquiry.support,
        expertise=tuple(enquiry.expertise or ()),
        excluded=frozenset(excluded),
    )
    return rank(panel_candidates(session, enquiry.cycle_id, groups=groups), need)[:limit]


def panel_candidates(session: Session, cycle_id: int | None, *, groups: dict[int, int] | None = None) -> list[Candidate]:
    """Everyone on the panel, once each: those who joined by nomination, and those the calendar lists."""
    members: dict[int, tuple[Person, Authority, str, tuple[str, ...]]] = {}
    joined = session.execute(
        select(Nomination, Person, Authority)
        .join(Person, Person.id == Nomination.nominee_person_id)
        .join(Authority, Authority.id == Nomination.authority_id)
        .where(Nomination.status == NominationStatus.JOINED, Person.active.is_(True))
        .order_by(Nomination.id.desc())
    )
    for nomination, person, authority in joined:
        members.setdefault(person.id, (person, authority, nomination.covers, tuple(nomination.areas or ())))
    listed = session.execute(
        select(Person, Authority)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .join(Authority, Authority.id == RoleAssignment.authority_id)
        .where(RoleAssignment.role == Role.PANEL_MEMBER.value, RoleAssignment.active.is_(True), Person.active.is_(True))
        .order_by(RoleAssignment.id)
    )
    for person, authority in listed:
        # The calendar says nothing of what they cover: any work, any area.
        members.setdefault(person.id, (person, authority, "both", (OPEN,)))
    groups = _groups(session, cycle_id) if groups is None else groups
    days = _days_by_person(session, cycle_id)
    ties = _ties(session, list(members))
    return [
        Candidate(
            person_id=person.id,
            name=person.name,
            email=person.email,
            authority_id=authority.id,
            authority_name=authority.name,
            covers=covers,
            areas=areas,
            group_id=groups.get(authority.id),
            days_this_cycle=days.get(person.id, 0.0),
            holds_role_in=frozenset(ties.get(person.id, {})),
        )
        for person, authority, covers, areas in members.values()
    ]


def independence_problem(session: Session, enquiry: Enquiry, person_id: int) -> str | None:
    """Why this person may not work on this enquiry, or None if they may."""
    person = session.get(Person, person_id)
    authority = session.get(Authority, enquiry.authority_id)
    ties = _ties(session, [person_id]).get(person_id, {})
    if enquiry.authority_id not in ties:
        return None
    assert person is not None and authority is not None  # tied to an authority, so a person; an enquiry's authority_id is a foreign key
    return (
        f"{person.name} cannot work on enquiry {enquiry.id}: they {ties[enquiry.authority_id]} {authority.name}, "
        "the enquiring authority. Moderation must be independent, so choose a practitioner from another authority."
    )


def days_this_cycle(session: Session, person_id: int, cycle_id: int | None) -> float:
    return _days_by_person(session, cycle_id, person_id).get(person_id, 0.0)


def _days_by_person(session: Session, cycle_id: int | None, person_id: int | None = None) -> dict[int, float]:
    days = func.sum(func.coalesce(Assignment.days_worked, Assignment.days_agreed))
    query = (
        select(Assignment.person_id, days)
        .join(Enquiry, Enquiry.id == Assignment.enquiry_id)
        .where(Assignment.status.in_(DAYS_COUNTED), _in_cycle(cycle_id))
        .group_by(Assignment.person_id)
    )
    if person_id is not None:
        query = query.where(Assignment.person_id == person_id)
    return {person: float(total or 0) for person, total in session.execute(query)}


def _in_cycle(cycle_id: int | None) -> ColumnElement[bool]:
    return Enquiry.cycle_id.is_(None) if cycle_id is None else Enquiry.cycle_id == cycle_id


def _groups(session: Session, cycle_id: int | None) -> dict[int, int]:
    """Each authority's group in the cycle."""
    if cycle_id is None:
        return {}
    rows = session.execute(
        select(GroupMember.authority_id, Group.id)
        .join(Group, Group.id == GroupMember.group_id)
        .where(Group.cycle_id == cycle_id, Group.active.is_(True), GroupMember.active.is_(True))
        .order_by(Group.key)
    )
    groups: dict[int, int] = {}
    for authority_id, group_id in rows:
        groups.setdefault(authority_id, group_id)
    return groups


def _ties(session: Session, person_ids: list[int]) -> dict[int, dict[int, str]]:
    """For each person, the authorities they are tied to and how, in words: "hold the role 'Participant' for"."""
    ties: dict[int, dict[int, str]] = {}
    if not person_ids:
        return ties
    # A nomination, even one not yet answered, says where someone works.
    nominations = session.execute(
        select(Nomination.nominee_person_id, Nomination.authority_id)
        .where(Nomination.nominee_person_id.in_(person_ids), Nomination.status.in_(ACTIVE_STATUSES))
        .order_by(Nomination.id)
    )
    for person_id, authority_id in nominations:
        ties.setdefault(person_id, {}).setdefault(authority_id, "were nominated to the panel by")
    roles = session.execute(
        select(RoleAssignment.person_id, RoleAssignment.authority_id, RoleAssignment.role)
        .where(
            RoleAssignment.person_id.in_(person_ids),
            RoleAssignment.role.in_([r.value for r in TYING_ROLES]),
            RoleAssignment.active.is_(True),
            RoleAssignment.authority_id.is_not(None),
        )
        .order_by(RoleAssignment.id)
    )
    for person_id, held_for, role in roles:
        assert held_for is not None  # asked for roles held for an authority only
        ties.setdefault(person_id, {}).setdefault(held_for, f"hold the role '{Role(role).label}' for")
    return ties
