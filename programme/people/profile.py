"""A person's place in the programme: roles, authority, group, Lead Reviewer pairs and coming dates."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme.calendar.cycle_settings import CycleSettings
from programme.people.roles import AUTHORITY_ROLES, Role
from storage.calendar import Cycle, Group, GroupMember
from storage.people import Authority, Person, RoleAssignment

FORMAT_LABELS = {"face_to_face": "Face to face", "virtual": "Virtual"}


@dataclass(frozen=True)
class HeldRole:
    role: Role
    authority_code: str | None = None
    authority_name: str | None = None
    group_name: str | None = None

    @property
    def label(self) -> str:
        where = self.authority_name or self.group_name
        return f"{self.role.label}, {where}" if where else self.role.label


@dataclass(frozen=True)
class Pairing:
    authority: str
    reviews: str | None


@dataclass(frozen=True)
class KeyDate:
    on: date
    what: str


@dataclass(frozen=True)
class GroupView:
    cycle: str
    name: str
    kind: str
    challenge_date: date
    format: str
    location: str
    pairings: tuple[Pairing, ...]
    self_assessment_deadline: date

    @property
    def format_label(self) -> str:
        label = FORMAT_LABELS.get(self.format, self.format)
        return f"{label}, {self.location}" if self.location else label


@dataclass(frozen=True)
class AuthorityView:
    code: str
    name: str
    group: GroupView | None
    key_dates: tuple[KeyDate, ...] = ()


@dataclass(frozen=True)
class Profile:
    person_id: int
    name: str
    email: str
    roles: tuple[HeldRole, ...]
    authorities: tuple[AuthorityView, ...] = ()
    facilitated_groups: tuple[GroupView, ...] = field(default=())

    def has(self, *roles: Role) -> bool:
        return any(held.role in roles for held in self.roles)

    def holds_for(self, authority_code: str, *roles: Role) -> bool:
        return any(h.role in roles and h.authority_code == authority_code for h in self.roles)

    @property
    def is_coordinator(self) -> bool:
        return self.has(Role.COORDINATOR, Role.MODERATION_COORDINATOR)

    @property
    def leads_an_authority(self) -> bool:
        return self.has(Role.DCS, Role.DELEGATE)

    def authorities_as(self, *roles: Role) -> list[str]:
        return sorted({h.authority_code for h in self.roles if h.role in roles and h.authority_code})

    # What the person can do in the programme, for the help and welcome cards: the rules themselves
    # are checked again, per record, by each service.

    @property
    def may_nominate_and_enquire(self) -> bool:
        """Nominate to the panel, ask for moderation, follow the self-assessment and the notes."""
        return self.leads_an_authority or self.is_coordinator

    @property
    def records_for_an_authority(self) -> bool:
        """Records asks, offers and suggestions for their own authority (or their group's, facilitators)."""
        return self.has(Role.DCS, Role.DELEGATE, Role.PARTICIPANT, Role.FACILITATOR)

    @property
    def may_record_asks_and_offers(self) -> bool:
        return self.records_for_an_authority or self.is_coordinator

    @property
    def is_panel_member(self) -> bool:
        return self.has(Role.PANEL_MEMBER)

    @property
    def is_dcs(self) -> bool:
        """Keeps an authority's team (its delegates and participants)."""
        return bool(self.authorities_as(Role.DCS))

    @property
    def led_authorities(self) -> list[str]:
        """The authorities this person is DCS or delegate of."""
        return self.authorities_as(Role.DCS, Role.DELEGATE)


def acting_authorities(session: Session, profile: Profile) -> list[tuple[str, str]]:
    """(code, name) of the authorities this person acts for: their own as DCS or delegate; any, for coordinators."""
    query = select(Authority.code, Authority.name).where(Authority.active.is_(True)).order_by(Authority.name)
    if not profile.is_coordinator:
        query = query.where(Authority.code.in_(profile.led_authorities))
    return [(code, name) for code, name in session.execute(query)]


def current_cycle(session: Session, today: date) -> Cycle | None:
    """The active cycle that contains today, else the next one to start, else the latest."""
    cycles = session.scalars(select(Cycle).where(Cycle.active.is_(True)).order_by(Cycle.starts_on)).all()
    for cycle in cycles:
        if cycle.starts_on <= today <= cycle.ends_on:
            return cycle
    upcoming = [c for c in cycles if c.starts_on > today]
    if upcoming:
        return upcoming[0]
    return cycles[-1] if cycles else None


def load_profile(session: Session, person: Person, today: date, *, detail: bool = True) -> Profile:
    """Who the person is in the programme. Without `detail`, only their roles: enough for
    permission checks and help, and cheap enough for every turn."""
    cycle = current_cycle(session, today)
    held = _held_roles(session, person, cycle)
    profile = Profile(person_id=person.id, name=person.name, email=person.email, roles=tuple(held))
    if not detail or cycle is None:
        return profile
    authority_codes = sorted({h.authority_code for h in held if h.authority_code and h.role in AUTHORITY_ROLES})
    facilitated = session.scalars(
        select(Group)
        .join(RoleAssignment, RoleAssignment.group_id == Group.id)
        .where(
            RoleAssignment.person_id == person.id,
            RoleAssignment.role == Role.FACILITATOR.value,
            RoleAssignment.active.is_(True),
            Group.cycle_id == cycle.id,
            Group.active.is_(True),
        )
        .order_by(Group.key)
    ).all()
    return replace(
        profile,
        authorities=tuple(_authority_view(session, cycle, code, held, today) for code in authority_codes),
        facilitated_groups=tuple(_group_view(cycle, group) for group in facilitated),
    )


def _held_roles(session: Session, person: Person, cycle: Cycle | None) -> list[HeldRole]:
    rows = session.execute(
        select(RoleAssignment.role, Authority.code, Authority.name, Authority.active, Group.name, Group.cycle_id, Group.active)
        .outerjoin(Authority, Authority.id == RoleAssignment.authority_id)
        .outerjoin(Group, Group.id == RoleAssignment.group_id)
        .where(RoleAssignment.person_id == person.id, RoleAssignment.active.is_(True))
        .order_by(RoleAssignment.role, RoleAssignment.scope)
    ).all()
    held: list[HeldRole] = []
    for role_name, code, name, authority_active, group_name, group_cycle, group_active in rows:
        try:
            role = Role(role_name)
        except ValueError:
            continue
        if role in AUTHORITY_ROLES and not (code and authority_active):
            continue
        in_cycle = bool(group_name and group_active and cycle is not None and group_cycle == cycle.id)
        if role == Role.FACILITATOR and not in_cycle:
            continue
        held.append(
            HeldRole(
                role=role,
                authority_code=code,
                authority_name=name,
                group_name=group_name if in_cycle else None,
            )
        )
    return held


def _authority_view(
    session: Session, cycle: Cycle | None, code: str, held: list[HeldRole], today: date
) -> AuthorityView:
    authority = session.scalar(select(Authority).where(Authority.code == code))
    assert authority is not None  # the code of an authority a role is held for
    group = group_of(session, cycle, authority.id) if cycle else None
    view = _group_view(cycle, group) if cycle and group else None  # a group only with a cycle: said again for the type checker
    roles = {h.role for h in held if h.authority_code == code}
    dates = _key_dates(cycle, view, roles, today) if cycle and view else ()
    return AuthorityView(code=code, name=authority.name, group=view, key_dates=dates)


def group_of(session: Session, cycle: Cycle, authority_id: int) -> Group | None:
    """The authority's group in the cycle, if it is in one (the one lookup of it)."""
    return session.scalar(
        select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(
            Group.cycle_id == cycle.id,
            Group.active.is_(True),
            GroupMember.authority_id == authority_id,
            GroupMember.active.is_(True),
        )
    )


def _group_view(cycle: Cycle, group: Group) -> GroupView:
    members = [m for m in group.members if m.active]
    deadline = CycleSettings.from_mapping(cycle.settings).dissemination_deadline(
        group.challenge_date, group.dissemination_deadline
    )
    return GroupView(
        cycle=cycle.name,
        name=group.name,
        kind=group.kind,
        challenge_date=group.challenge_date,
        format=group.format,
        location=group.location or "",
        pairings=tuple(
            Pairing(authority=m.authority.name, reviews=m.reviews.name if m.reviews else None) for m in members
        ),
        self_assessment_deadline=deadline,
    )


def _key_dates(cycle: Cycle, group: GroupView, roles: set[Role], today: date) -> tuple[KeyDate, ...]:
    opens, closes = CycleSettings.from_mapping(cycle.settings).moderation_window(group.challenge_date)
    dates = []
    if roles & {Role.DCS, Role.DELEGATE}:
        dates += [
            KeyDate(opens, "Moderation window opens: the time to seek moderation"),
            KeyDate(closes, "Moderation window closes"),
        ]
    if roles & {Role.DCS, Role.DELEGATE, Role.PARTICIPANT}:
        dates.append(KeyDate(group.self_assessment_deadline, "Self-assessment due for dissemination to the group"))
        dates.append(KeyDate(group.challenge_date, f"Challenge day: {group.name}"))
    return tuple(sorted((d for d in dates if d.on >= today), key=lambda d: d.on))
