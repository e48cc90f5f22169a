"""The regional panel after nomination: who is on it, filtered; withdrawing a nomination; changing
what it covers; and the operators' export.

Coordinators see the whole panel. A DCS or delegate sees their authority's nominations, and
anyone the nominations they made. The same people, and coordinators, may withdraw a nomination
or change its areas of expertise, with the nomination form's own rules for those two fields.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session, aliased

from programme import audit
from programme.errors import Invalid, NotAllowed, NotFound
from programme.forms import Form, check
from programme.panel.nomination import ACTIVE_STATUSES, AREAS, COVERS, OPEN, NominationStatus, nomination_form
from programme.people.profile import Profile
from programme.people.roles import Role, authority_scope
from programme.unit_of_work import unit_of_work
from programme.validation import record_id
from storage.outbox import OutboxMessage, OutboxStatus
from storage.panel import Nomination
from storage.people import Authority, Person, RoleAssignment

log = logging.getLogger(__name__)

AREA_TITLES = {c.value: c.title for c in AREAS}
COVERS_TITLES = {c.value: c.title for c in COVERS}
# Someone nominated for both kinds of work is found by a search for either.
COVERS_MATCHING = {"universal": ("universal", "both"), "small_packages": ("small_packages", "both"), "both": ("both",)}
OPEN_ALONE = "Choose 'Open' on its own, or only the areas that apply."
EXPORT_HEADER = (
    "Nomination", "Nominee", "Email", "Job title", "Service area", "Authority", "Covers",
    "Areas of expertise", "Status", "Nominated by", "On behalf", "Nominated (UTC)",
)


@dataclass(frozen=True)
class PanelEntry:
    nomination_id: int
    nominee_name: str
    nominee_email: str
    job_title: str
    service_area: str
    authority_code: str
    authority_name: str
    covers_code: str
    area_codes: tuple[str, ...]
    status: str
    nominated_by: str
    on_behalf: bool  # a coordinator nominated for the authority
    nominated_at: datetime

    @property
    def covers(self) -> str:
        return COVERS_TITLES.get(self.covers_code, self.covers_code)

    @property
    def areas(self) -> tuple[str, ...]:
        return tuple(AREA_TITLES.get(code, code) for code in self.area_codes)

    @property
    def is_active(self) -> bool:
        """On the panel or on the way: what may still be withdrawn or changed."""
        return self.status in ACTIVE_STATUSES

    def offers_area(self, code: str) -> bool:
        return OPEN in self.area_codes or code in self.area_codes


def list_panel(
    session: Session, profile: Profile, *, area: str | None = None, covers: str | None = None, authority: str | None = None
) -> list[PanelEntry]:
    """Everyone nominated and not withdrawn or declined, for coordinators; filters take a code or a title."""
    if not profile.is_coordinator:
        raise NotAllowed(
            "Only programme coordinators can see the whole panel. "
            "To see the nominations you made, or your authority's, use `my nominations`."
        )
    authorities = [(code, name) for code, name in session.execute(select(Authority.code, Authority.name).order_by(Authority.code))]
    errors: dict[str, str] = {}
    area_code = _pick(errors, "area", area, [(c.value, c.title) for c in AREAS])
    covers_code = _pick(errors, "covers", covers, [(c.value, c.title) for c in COVERS])
    authority_code = _pick(errors, "authority", authority, authorities)
    if errors:
        raise Invalid(errors)
    conditions: list[ColumnElement[bool]] = [Nomination.status.in_(ACTIVE_STATUSES)]
    if covers_code:
        conditions.append(Nomination.covers.in_(COVERS_MATCHING[covers_code]))
    if authority_code:
        conditions.append(Authority.code == authority_code)
    entries = _entries(session, *conditions)
    # Areas are a JSON list and a panel is a few hundred people at most: filter here rather than
    # with each database's own JSON operators.
    return [e for e in entries if e.offers_area(area_code)] if area_code else entries


def my_nominations(session: Session, profile: Profile) -> list[PanelEntry]:
    """The nominations this person made, and those for the authorities they are DCS or delegate of
    (coordinators: only those they made). Withdrawn and declined ones too, with their status."""
    made = Nomination.nominated_by_person_id == profile.person_id
    codes = [] if profile.is_coordinator else profile.authorities_as(Role.DCS, Role.DELEGATE)
    return _entries(session, or_(made, Authority.code.in_(codes)) if codes else made)


@unit_of_work
def withdraw_nomination(session: Session, profile: Profile, nomination_id: int, now: datetime, *, channel: str = "") -> str:
    nomination, authority, nominee = _to_change(session, profile, nomination_id, "withdraw")
    if nomination.status == NominationStatus.WITHDRAWN:
        return f"{nominee.name}'s nomination for {authority.name} is already withdrawn."
    if nomination.status == NominationStatus.DECLINED:
        return f"{nominee.name} declined the nomination for {authority.name}; there is nothing to withdraw."
    if nomination.status == NominationStatus.JOINED:
        from programme.moderation.assignment import hand_back_open  # the panel is below assignments in the imports

        # Work the member had under way goes back to the coordinators to reassign: never dropped.
        hand_back_open(session, nominee.id, "The nomination was withdrawn.", now, channel)
        _leave_panel(session, nominee, authority, now)
    nomination.status = NominationStatus.WITHDRAWN
    nomination.updated_at = now
    # Notices about the nomination that have not gone yet no longer apply.
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key.like(f"nomination/{nomination.id}/%"), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, updated_at=now)
    )
    _audit(session, profile, channel, "nomination.withdraw", nomination, authority)
    log.info("nomination %s withdrawn by person %s", nomination.id, profile.person_id)
    return f"{nominee.name}'s nomination to the regional panel for {authority.name} is withdrawn."


@unit_of_work
def update_areas(
    session: Session, profile: Profile, nomination_id: int, areas_raw: object, covers_raw: object, now: datetime, *, channel: str = ""
) -> str:
    """Change what a nomination covers. `None` for either keeps it as it is; bad input raises
    Invalid with every problem beside its field, and changes nothing."""
    nomination, authority, nominee = _to_change(session, profile, nomination_id, "change")
    if nomination.status not in ACTIVE_STATUSES:
        raise NotAllowed(
            f"{nominee.name}'s nomination for {authority.name} is {nomination.status}, so it can no longer be changed."
        )
    checked = check(
        areas_form(),
        {
            "areas": nomination.areas if areas_raw is None else areas_raw,
            "covers": nomination.covers if covers_raw is None else covers_raw,
        },
    )
    errors = dict(checked.errors)
    areas = checked.values.get("areas") or []
    if OPEN in areas and len(areas) > 1:
        errors["areas"] = OPEN_ALONE
    if errors:
        raise Invalid(errors)
    covers = checked.values["covers"]
    summary = f"{COVERS_TITLES[covers]}; areas of expertise: {', '.join(AREA_TITLES[a] for a in areas)}."
    if areas == list(nomination.areas) and covers == nomination.covers:
        return f"No change: {nominee.name}'s nomination for {authority.name} already covers {summary}"
    nomination.areas, nomination.covers, nomination.updated_at = areas, covers, now
    _audit(session, profile, channel, "nomination.update", nomination, authority)
    log.info("nomination %s areas changed by person %s", nomination.id, profile.person_id)
    return f"{nominee.name}'s nomination for {authority.name} now covers {summary}"


def export_panel_rows(session: Session) -> tuple[list[str], list[list[str]]]:
    """The panel (as `list_panel` shows it, unfiltered) as a header and rows of text, for operators."""
    rows = [
        [
            str(e.nomination_id), e.nominee_name, e.nominee_email, e.job_title, e.service_area, e.authority_name,
            e.covers, "; ".join(e.areas), e.status, e.nominated_by, "yes" if e.on_behalf else "no",
            f"{e.nominated_at:%Y-%m-%d %H:%M}",
        ]
        for e in _entries(session, Nomination.status.in_(ACTIVE_STATUSES))
    ]
    return list(EXPORT_HEADER), [[_cell(value) for value in row] for row in rows]


def _entries(session: Session, *conditions: ColumnElement[bool]) -> list[PanelEntry]:
    nominee, nominator = aliased(Person), aliased(Person)
    rows = session.execute(
        select(Nomination, Authority.code, Authority.name, nominee.name, nominee.email, nominator.name)
        .join(Authority, Authority.id == Nomination.authority_id)
        .join(nominee, nominee.id == Nomination.nominee_person_id)
        .join(nominator, nominator.id == Nomination.nominated_by_person_id)
        .where(*conditions)
        .order_by(Authority.name, nominee.name, Nomination.id)
    )
    return [
        PanelEntry(
            nomination_id=n.id,
            nominee_name=nominee_name,
            nominee_email=nominee_email,
            job_title=n.job_title,
            service_area=n.service_area,
            authority_code=code,
            authority_name=name,
            covers_code=n.covers,
            area_codes=tuple(n.areas or ()),
            status=n.status,
            nominated_by=nominator_name,
            on_behalf=n.on_behalf,
            nominated_at=n.created_at,
        )
        for n, code, name, nominee_name, nominee_email, nominator_name in rows
    ]


def _pick(errors: dict[str, str], name: str, raw: str | None, choices: list[tuple[str, str]]) -> str | None:
    """The code a filter value names (by code or title, in any case); an unknown one goes in `errors`."""
    if raw is None or not raw.strip():
        return None
    wanted = " ".join(raw.split()).lower()
    for code, title in choices:
        if wanted in (code.lower(), title.lower()):
            return code
    errors[name] = f"There is no {name} '{raw.strip()[:40]}'; use one of: {', '.join(code for code, _ in choices)}."
    return None


def _audit(session: Session, profile: Profile, channel: str, action: str, nomination: Nomination, authority: Authority) -> None:
    audit.record(session, person_id=profile.person_id, channel=channel, action=action,
                 subject=audit.subject_of({"id": nomination.id}), authority_code=authority.code)


def _to_change(session: Session, profile: Profile, nomination_id: object, doing: str) -> tuple[Nomination, Authority, Person]:
    number = record_id(nomination_id)
    nomination = session.get(Nomination, number) if number is not None else None
    if nomination is None:
        raise NotFound(f"There is no nomination {str(nomination_id)[:20]}. Use `my nominations` to see the ones you can change.")
    authority = session.get(Authority, nomination.authority_id)
    assert authority is not None  # a nomination's authority_id is a foreign key, as is its nominee_person_id
    allowed = (
        profile.is_coordinator
        or nomination.nominated_by_person_id == profile.person_id
        or profile.holds_for(authority.code, Role.DCS, Role.DELEGATE)
    )
    if not allowed:
        raise NotAllowed(
            f"Only the person who made nomination {nomination.id}, the DCS or a delegate of {authority.name}, "
            f"or a programme coordinator can {doing} it."
        )
    nominee = session.get(Person, nomination.nominee_person_id)
    assert nominee is not None
    return nomination, authority, nominee


def _leave_panel(session: Session, nominee: Person, authority: Authority, now: datetime) -> None:
    """End the panel membership that joining gave; one the calendar lists stays the calendar's to change."""
    session.execute(
        update(RoleAssignment)
        .where(
            RoleAssignment.person_id == nominee.id,
            RoleAssignment.role == Role.PANEL_MEMBER.value,
            RoleAssignment.scope == authority_scope(authority.code),
            RoleAssignment.source == "assistant",
        )
        .values(active=False, updated_at=now)
    )


def areas_form() -> Form:
    """The nomination form's own `covers` and `areas` fields, so the rules cannot drift apart."""
    nomination = nomination_form([])
    return Form(
        name="nomination_areas",
        title="Change what a nomination covers",
        intro="",
        fields=(nomination.field("covers"), nomination.field("areas")),
        submit_label="Save",
    )


def _cell(value: str) -> str:
    """Text a spreadsheet would run as a formula is kept as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
