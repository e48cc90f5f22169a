"""The directory of support, and brokered matches between asks and offers.

Everyone registered sees current offers by theme, without their contacts. Coordinators also see
asks, suggested matches and confirmed matches. A match is confirmed by a coordinator: then, and
only then, the offering authority hears of the ask, and both DCSs are told, with each other's contact.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from programme import audit
from programme.errors import Invalid, NotAllowed, NotFound
from programme.people.profile import Profile, current_cycle
from programme.people.roles import Role
from programme.support.form import ASK, OFFER, THEME_TITLES, THEMES, ItemStatus
from programme.support.items import ItemView, item_view
from programme.support.matching import Item, Suggested, all_suggestions, suggest_offers
from programme.unit_of_work import unit_of_work
from programme.validation import record_id
from storage.base import insert_unless_present
from storage.outbox import enqueue
from storage.people import Authority, Person, RoleAssignment
from storage.support import SupportItem, SupportMatch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MatchView:
    id: int
    ask: ItemView
    offer: ItemView
    confirmed_by: str
    confirmed_at: datetime


@dataclass(frozen=True)
class Directory:
    cycle: str
    theme: str | None
    offers: tuple[ItemView, ...]
    asks: tuple[ItemView, ...] = ()  # coordinators only
    suggestions: tuple[Suggested, ...] = ()  # coordinators only
    matches: tuple[MatchView, ...] = ()  # coordinators only
    for_coordinator: bool = False

    def by_theme(self, views: Iterable[ItemView]) -> list[tuple[str, list[ItemView]]]:
        order = {c.value: n for n, c in enumerate(THEMES)}
        grouped: dict[str, list[ItemView]] = {}
        for view in sorted(views, key=lambda v: (order.get(v.theme, 99), v.title.casefold())):
            grouped.setdefault(THEME_TITLES.get(view.theme, view.theme), []).append(view)
        return list(grouped.items())


def parse_theme(raw: str | None) -> str | None:
    if not raw or not raw.strip():
        return None
    wanted = " ".join(raw.split()).lower()
    for choice in THEMES:
        if wanted in (choice.value, choice.title.lower()):
            return choice.value
    raise Invalid({"theme": f"There is no theme '{raw.strip()[:40]}'; the themes are: {', '.join(c.value for c in THEMES)}."})


def directory(session: Session, profile: Profile, today: date, *, theme: str | None = None) -> Directory:
    cycle = current_cycle(session, today)
    cycle_id = cycle.id if cycle else None
    rows: Sequence[tuple[SupportItem, Authority]] = session.execute(  # rows, or the plain tuples filtered from them below
        select(SupportItem, Authority).join(Authority, Authority.id == SupportItem.authority_id)
        .where(SupportItem.status == ItemStatus.ACTIVE, SupportItem.cycle_id == cycle_id if cycle_id else SupportItem.cycle_id.is_(None))
        .order_by(SupportItem.id)
    ).all()
    if theme:
        rows = [(i, a) for i, a in rows if i.theme == theme]
    coordinator = profile.is_coordinator
    offers = tuple(item_view(i, a, with_contact=coordinator or profile.holds_for(a.code, Role.DCS, Role.DELEGATE, Role.PARTICIPANT))
                   for i, a in rows if i.kind == OFFER)
    if not coordinator:
        return Directory(cycle.name if cycle else "", theme, offers)
    asks = tuple(item_view(i, a, with_contact=True) for i, a in rows if i.kind == ASK)
    ask_ids = {a.id for a in asks}
    suggestions = tuple(s for s in all_suggestions(session, cycle_id) if s.ask.id in ask_ids)
    return Directory(cycle.name if cycle else "", theme, offers, asks, suggestions, tuple(matches(session, cycle_id)), True)


def matches(session: Session, cycle_id: int | None) -> list[MatchView]:
    ask, offer = aliased(SupportItem), aliased(SupportItem)
    ask_authority, offer_authority = aliased(Authority), aliased(Authority)
    rows = session.execute(
        select(SupportMatch, ask, ask_authority, offer, offer_authority, Person.name)
        .join(ask, ask.id == SupportMatch.ask_id).join(ask_authority, ask_authority.id == ask.authority_id)
        .join(offer, offer.id == SupportMatch.offer_id).join(offer_authority, offer_authority.id == offer.authority_id)
        .join(Person, Person.id == SupportMatch.confirmed_by_person_id)
        .where(ask.cycle_id == cycle_id if cycle_id else ask.cycle_id.is_(None))
        .order_by(SupportMatch.id.desc())
    )
    return [
        MatchView(m.id, item_view(a, aa, with_contact=True), item_view(o, oa, with_contact=True), name, m.created_at)
        for m, a, aa, o, oa, name in rows
    ]


@unit_of_work
def confirm_match(session: Session, profile: Profile, ask_id: object, offer_id: object, now: datetime, *, channel: str = "") -> str:
    """A coordinator confirms that this offer can help with this ask: recorded once, both DCSs told."""
    if not profile.is_coordinator:
        raise NotAllowed("Only the programme coordinators confirm matches between asks and offers.")
    ask, ask_authority = _item(session, ask_id, ASK)
    offer, offer_authority = _item(session, offer_id, OFFER)
    if ask.authority_id == offer.authority_id:
        raise NotAllowed("An authority's ask cannot be matched with its own offer.")
    existing = session.scalar(select(SupportMatch).where(SupportMatch.ask_id == ask.id, SupportMatch.offer_id == offer.id))
    if existing is not None:
        return f"'{ask.title}' and '{offer.title}' are already matched."
    if ask.status != ItemStatus.ACTIVE or offer.status != ItemStatus.ACTIVE:
        raise NotAllowed("One of these was withdrawn, so they cannot be matched.")
    suggested = suggest_offers(_as_item(ask, ask_authority), [_as_item(offer, offer_authority)])
    reason = suggested[0].reason if suggested else "Confirmed by a coordinator."
    match_id = insert_unless_present(session, SupportMatch.__table__, {
        "ask_id": ask.id, "offer_id": offer.id, "confirmed_by_person_id": profile.person_id, "reason": reason, "channel": channel,
        "created_at": now,
    }, ("ask_id", "offer_id"))
    if match_id is None:  # confirmed at the same moment by another coordinator
        return f"'{ask.title}' and '{offer.title}' are already matched."
    match = session.get(SupportMatch, match_id)
    assert match is not None  # inserted just now, in this transaction
    _tell(session, match, ask, ask_authority, offer, offer_authority, now)
    audit.record(session, person_id=profile.person_id, channel=channel, action="support.match",
                 subject=audit.subject_of({"ask": ask.id, "offer": offer.id}), authority_code=ask_authority.code)
    log.info("match %s confirmed: ask %s with offer %s by person %s", match.id, ask.id, offer.id, profile.person_id)
    return (f"Matched: {ask_authority.name}'s ask '{ask.title}' with {offer_authority.name}'s offer '{offer.title}'. "
            "Both DCSs have been told, with each other's contact.")


def _item(session: Session, item_id: object, kind: str) -> tuple[SupportItem, Authority]:
    number = record_id(item_id)
    item = session.get(SupportItem, number) if number is not None else None
    if item is None or item.kind != kind:
        raise NotFound(f"There is no {kind} {str(item_id)[:20]}.")
    authority = session.get(Authority, item.authority_id)
    assert authority is not None  # an item's authority_id is a foreign key
    return item, authority


def _as_item(item: SupportItem, authority: Authority) -> Item:
    return Item(item.id, item.authority_id, authority.name, item.kind, item.theme, item.title, item.description)


def _dcs_of(session: Session, authority_id: int) -> list[int]:
    return list(session.scalars(
        select(RoleAssignment.person_id).where(
            RoleAssignment.authority_id == authority_id, RoleAssignment.role == Role.DCS.value, RoleAssignment.active.is_(True)
        ).distinct()
    ))


def _tell(session: Session, match: SupportMatch, ask: SupportItem, ask_authority: Authority, offer: SupportItem, offer_authority: Authority,
          now: datetime) -> None:
    common = {
        "ask_title": ask.title, "ask_authority": ask_authority.name, "ask_description": ask.description,
        "offer_title": offer.title, "offer_authority": offer_authority.name, "offer_description": offer.description,
        "theme": THEME_TITLES.get(ask.theme, ask.theme), "reason": match.reason,
    }
    for side, authority, other_contact, other_authority in (
        ("asking", ask_authority, f"{offer.contact_name} ({offer.contact_email})", offer_authority.name),
        ("offering", offer_authority, f"{ask.contact_name} ({ask.contact_email})", ask_authority.name),
    ):
        for person_id in _dcs_of(session, authority.id):
            enqueue(session, key=f"match/{match.id}/{side}/{person_id}", kind="match_confirmed",
                    payload={**common, "side": side, "other_contact": other_contact, "other_authority": other_authority},
                    due_at=now, recipient_person_id=person_id)
