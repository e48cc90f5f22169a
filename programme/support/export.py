"""Asks, offers, plenary suggestions and confirmed matches as rows of text: `peer-challenge export asks-offers|matches`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from programme.panel.register import _cell
from programme.support.form import KIND_TITLES, ROUTE_TITLES, THEME_TITLES
from storage.calendar import Cycle
from storage.people import Authority, Person
from storage.support import SupportItem, SupportMatch

ITEMS_HEADER = (
    "Item", "Cycle", "Authority", "Kind", "Theme", "Title", "Description", "How it could be taken forward",
    "Contact name", "Contact email", "Status", "Submitted by", "On behalf", "Recorded (UTC)", "Matched with",
)
MATCHES_HEADER = (
    "Match", "Ask", "Ask title", "Ask authority", "Offer", "Offer title", "Offer authority", "Confirmed by",
    "Confirmed (UTC)", "Reason",
)


def export_asks_offers_rows(session: Session) -> tuple[list[str], list[list[str]]]:
    """Every item, withdrawn ones too; "Matched with" names the items (ids) each is confirmed as matched with."""
    submitter = aliased(Person)
    items = session.execute(
        select(SupportItem, Cycle.name, Authority.name, submitter.name)
        .join(Authority, Authority.id == SupportItem.authority_id)
        .join(submitter, submitter.id == SupportItem.submitted_by_person_id)
        .outerjoin(Cycle, Cycle.id == SupportItem.cycle_id)
        .order_by(SupportItem.id)
    ).all()
    matched = _matched_with(session)
    rows = [
        [
            str(item.id), cycle or "", authority, KIND_TITLES.get(item.kind, item.kind),
            THEME_TITLES.get(item.theme, item.theme), item.title, item.description, ROUTE_TITLES.get(item.route, item.route),
            item.contact_name, item.contact_email, item.status, submitted_by, "yes" if item.on_behalf else "no",
            _moment(item.created_at), "; ".join(str(other) for other in matched.get(item.id, [])),
        ]
        for item, cycle, authority, submitted_by in items
    ]
    return list(ITEMS_HEADER), [[_cell(value) for value in row] for row in rows]


def export_matches_rows(session: Session) -> tuple[list[str], list[list[str]]]:
    ask, offer = aliased(SupportItem), aliased(SupportItem)
    ask_authority, offer_authority = aliased(Authority), aliased(Authority)
    matches = session.execute(
        select(SupportMatch, ask, ask_authority.name, offer, offer_authority.name, Person.name)
        .join(ask, ask.id == SupportMatch.ask_id)
        .join(ask_authority, ask_authority.id == ask.authority_id)
        .join(offer, offer.id == SupportMatch.offer_id)
        .join(offer_authority, offer_authority.id == offer.authority_id)
        .join(Person, Person.id == SupportMatch.confirmed_by_person_id)
        .order_by(SupportMatch.id)
    ).all()
    rows = [
        [
            str(match.id), str(a.id), a.title, a_authority, str(o.id), o.title, o_authority, confirmed_by,
            _moment(match.created_at), match.reason,
        ]
        for match, a, a_authority, o, o_authority, confirmed_by in matches
    ]
    return list(MATCHES_HEADER), [[_cell(value) for value in row] for row in rows]


def _matched_with(session: Session) -> dict[int, list[int]]:
    """For each ask its matched offers, for each offer its matched asks, in the order they were confirmed."""
    found: dict[int, list[int]] = {}
    for ask_id, offer_id in session.execute(select(SupportMatch.ask_id, SupportMatch.offer_id).order_by(SupportMatch.id)):
        found.setdefault(ask_id, []).append(offer_id)
        found.setdefault(offer_id, []).append(ask_id)
    return found


def _moment(value: datetime) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M}"
