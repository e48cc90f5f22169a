"""Recording asks, offers and plenary suggestions; changing and withdrawing them; who may do what.

An authority's DCS, delegates and participants record its items; the facilitator of its group
may record them on its behalf on the day; coordinators may for any authority. Several items may
arrive in one submission: they are saved together or not at all. Items belong to the cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme import audit
from programme.dates import long_date
from programme.errors import Invalid, NotAllowed, NotFound
from programme.forms import FormFor, check, form_for
from programme.people.profile import Profile, current_cycle, group_of
from programme.people.roles import Role
from programme.submit_once import submit_once
from programme.support.form import ASK, KIND_NOUNS, OFFER, ItemStatus, edit_form, item_form
from programme.unit_of_work import unit_of_work
from programme.validation import record_id
from storage.calendar import Cycle, Group, GroupMember
from storage.people import Authority, RoleAssignment
from storage.support import SupportItem

if TYPE_CHECKING:
    from programme.support.matching import Suggested

log = logging.getLogger(__name__)
OWN_ROLES = (Role.DCS, Role.DELEGATE, Role.PARTICIPANT)
MAX_ITEMS = 10
NOT_ALLOWED = (
    "Only the DCS, a delegate or a participant of an authority can record its asks and offers "
    "(or the facilitator of its group, on the day, or a coordinator)."
)


def facilitated_authorities(session: Session, profile: Profile, today: date) -> list[str]:
    """The authorities of the groups this person facilitates in the current cycle."""
    cycle = current_cycle(session, today)
    if cycle is None or not profile.has(Role.FACILITATOR):
        return []
    return list(session.scalars(
        select(Authority.code)
        .join(GroupMember, GroupMember.authority_id == Authority.id)
        .join(Group, Group.id == GroupMember.group_id)
        .join(RoleAssignment, RoleAssignment.group_id == Group.id)
        .where(
            RoleAssignment.person_id == profile.person_id, RoleAssignment.role == Role.FACILITATOR.value,
            RoleAssignment.active.is_(True), Group.cycle_id == cycle.id, Group.active.is_(True), GroupMember.active.is_(True),
        )
        .distinct()
    ))


def recording_authorities(session: Session, profile: Profile, today: date) -> list[tuple[str, str]]:
    """The authorities this person may record items for: their own, their groups' (facilitators), any (coordinators)."""
    query = select(Authority.code, Authority.name).where(Authority.active.is_(True)).order_by(Authority.name)
    if not profile.is_coordinator:
        codes = set(profile.authorities_as(*OWN_ROLES)) | set(facilitated_authorities(session, profile, today))
        query = query.where(Authority.code.in_(sorted(codes)))
    return [(code, name) for code, name in session.execute(query)]


def item_form_for(session: Session, profile: Profile, kind: str, today: date) -> FormFor:
    return form_for(lambda authorities: item_form(kind, authorities), recording_authorities(session, profile, today), NOT_ALLOWED,
                    {"contact_name": profile.name, "contact_email": profile.email})


@dataclass(frozen=True)
class Outcome:
    done: bool
    message: str
    item_ids: tuple[int, ...] = ()
    errors: tuple[dict[str, str], ...] = ()  # one per item, empty where the item was fine
    raw: tuple[dict[str, str], ...] = ()

    @property
    def first_errors(self) -> dict[str, str]:
        return self.errors[0] if self.errors else {}

    def as_result(self) -> dict[str, Any]:
        return {"done": self.done, "message": self.message, "item_ids": list(self.item_ids)}


@unit_of_work
def submit_items(
    session: Session, profile: Profile, token: str, kind: str, items: Sequence[Mapping[str, Any]], now: datetime, today: date, *, channel: str = ""
) -> Outcome:
    """Save these items together, once for this token however often it arrives; or none, with every problem."""

    def act() -> tuple[Outcome, bool]:
        outcome = _save(session, profile, token, kind, items, today, channel)
        return outcome, outcome.done

    return submit_once(session, token, f"support_{kind}", profile.person_id, act, replayed)


def _before_the_day(session: Session, cycle: Cycle | None, code: str, today: date) -> dict[str, str] | None:
    """Asks, offers and suggestions come from the challenge day (the session's reflection and the
    plenary): an authority's are recorded from its group's day on. None when they may be."""
    authority = session.scalar(select(Authority).where(Authority.code == code))
    group = group_of(session, cycle, authority.id) if cycle is not None and authority is not None else None
    if group is None or group.challenge_date <= today:
        return None
    return {"authority": (
        f"{authority.name if authority else code}'s asks, offers and suggestions come from its challenge day: {group.name} "
        f"meets on {long_date(group.challenge_date)}, so they can be recorded from then.")}


def replayed(result: dict[str, Any]) -> Outcome:
    return Outcome(result["done"], result["message"], tuple(result.get("item_ids", ())))


def _save(session: Session, profile: Profile, token: str, kind: str, items: Sequence[Mapping[str, Any]], today: date, channel: str) -> Outcome:
    authorities = recording_authorities(session, profile, today)
    if not authorities:
        raise NotAllowed(NOT_ALLOWED)
    if not items:
        raise Invalid({"items": "There is nothing to save: fill in the form."})
    if len(items) > MAX_ITEMS:
        raise Invalid({"items": f"Send at most {MAX_ITEMS} items at once (there are {len(items)})."})
    form = item_form(kind, authorities)
    checked = [check(form, item) for item in items]
    if any(not c.ok for c in checked):
        return Outcome(False, "Nothing was saved: please correct the details below.",
                       errors=tuple(c.errors for c in checked), raw=tuple(c.raw for c in checked))
    cycle = current_cycle(session, today)
    early = [_before_the_day(session, cycle, c.values["authority"], today) for c in checked]
    if any(early):
        return Outcome(False, "Nothing was saved: " + next(e for e in early if e)["authority"],
                       errors=tuple(e or {} for e in early), raw=tuple(c.raw for c in checked))
    own = set(profile.authorities_as(*OWN_ROLES))
    saved = []
    for number, c in enumerate(checked, start=1):
        values = c.values
        authority = session.scalar(select(Authority).where(Authority.code == values["authority"]))
        assert authority is not None  # the form offers the codes of existing authorities only
        item = SupportItem(
            cycle_id=cycle.id if cycle else None, authority_id=authority.id, kind=values.get("suggestion_kind") or kind,
            theme=values["theme"], title=values["title"], description=values["description"], route=values["route"],
            contact_name=values["contact_name"], contact_email=values["contact_email"],
            submitted_by_person_id=profile.person_id, on_behalf=authority.code not in own, form_token=f"{token}#{number}",
        )
        session.add(item)
        saved.append((item, authority))
    session.flush()
    for item, authority in saved:
        _audit(session, profile, channel, "support.submit", item, authority)
    names = sorted({a.name for _, a in saved})
    nouns = sorted({KIND_NOUNS[i.kind] for i, _ in saved})
    count = len(saved)
    message = f"Saved {count} {' and '.join(nouns)}{'s' if count > 1 and len(nouns) == 1 else ''} for {', '.join(names)}."
    outcome = Outcome(True, message, tuple(i.id for i, _ in saved))
    log.info("support items %s saved by person %s", list(outcome.item_ids), profile.person_id)
    return outcome


def _audit(session: Session, profile: Profile, channel: str, action: str, item: SupportItem, authority: Authority) -> None:
    audit.record(session, person_id=profile.person_id, channel=channel, action=action,
                 subject=audit.subject_of({"id": item.id, "kind": item.kind}), authority_code=authority.code)


def may_change(session: Session, profile: Profile, item: SupportItem, authority: Authority, today: date) -> bool:
    return (
        profile.is_coordinator
        or profile.holds_for(authority.code, *OWN_ROLES)
        or authority.code in facilitated_authorities(session, profile, today)
    )


def may_see(session: Session, profile: Profile, item: SupportItem, authority: Authority, today: date) -> bool:
    """Offers are for everyone registered (without the contact); asks and suggestions are the authority's."""
    return item.kind == OFFER or may_change(session, profile, item, authority, today) or item.submitted_by_person_id == profile.person_id


def load_item(session: Session, profile: Profile, item_id: object, today: date, *, to_change: bool = False) -> tuple[SupportItem, Authority]:
    number = record_id(item_id)
    item = session.get(SupportItem, number) if number is not None else None
    authority = session.get(Authority, item.authority_id) if item else None
    if item is None or authority is None or not may_see(session, profile, item, authority, today):
        raise NotFound(f"I can't find item {str(item_id)[:20]} among the ones you can see. Use `my asks` to list your authority's.")
    if to_change and not may_change(session, profile, item, authority, today):
        raise NotAllowed(f"Only {authority.name}'s DCS, delegates and participants (or a coordinator) can change its {KIND_NOUNS[item.kind]}s.")
    return item, authority


@unit_of_work
def update_item(session: Session, profile: Profile, item_id: object, submitted: Mapping[str, Any], now: datetime, today: date, *,
                channel: str = "") -> str:
    item, authority = load_item(session, profile, item_id, today, to_change=True)
    if item.status != ItemStatus.ACTIVE:
        raise NotAllowed(f"This {KIND_NOUNS[item.kind]} was withdrawn, so it can no longer be changed.")
    checked = check(edit_form(item.kind), submitted)
    if not checked.ok:
        raise Invalid(checked.errors)
    if all(getattr(item, name) == value for name, value in checked.values.items()):
        return f"No change: '{item.title}' already reads so."  # a no-op is not audited
    for name, value in checked.values.items():
        setattr(item, name, value)
    item.updated_at = now
    _audit(session, profile, channel, "support.update", item, authority)
    log.info("support item %s changed by person %s", item.id, profile.person_id)
    return f"'{item.title}' is updated."


@unit_of_work
def withdraw_item(session: Session, profile: Profile, item_id: object, now: datetime, today: date, *, channel: str = "") -> str:
    item, authority = load_item(session, profile, item_id, today, to_change=True)
    if item.status == ItemStatus.WITHDRAWN:
        return f"'{item.title}' was already withdrawn."
    item.status, item.updated_at = ItemStatus.WITHDRAWN, now
    _audit(session, profile, channel, "support.withdraw", item, authority)
    log.info("support item %s withdrawn by person %s", item.id, profile.person_id)
    return f"'{item.title}' is withdrawn: it no longer appears in the directory or in suggestions."


@dataclass(frozen=True)
class ItemView:
    id: int
    kind: str
    theme: str
    title: str
    description: str
    route: str
    authority_code: str
    authority_name: str
    status: str
    contact: str | None  # None where the viewer may not see it
    recorded_at: datetime
    suggestions: tuple[Suggested, ...] = field(default=())  # for asks seen by their authority or coordinators

    @property
    def is_active(self) -> bool:
        return self.status == ItemStatus.ACTIVE


def item_view(item: SupportItem, authority: Authority, *, with_contact: bool, suggestions: tuple[Suggested, ...] = ()) -> ItemView:
    return ItemView(
        id=item.id, kind=item.kind, theme=item.theme, title=item.title, description=item.description, route=item.route,
        authority_code=authority.code, authority_name=authority.name, status=item.status,
        contact=f"{item.contact_name} ({item.contact_email})" if with_contact else None, recorded_at=item.created_at,
        suggestions=suggestions,
    )


def own_items(session: Session, profile: Profile, today: date, *, kinds: tuple[str, ...] | None = None) -> list[ItemView]:
    """The items of the authorities this person records for (all authorities' for coordinators), newest first."""
    from programme.support.matching import suggestions_for_ask  # matching reads items: imported when needed

    codes = [code for code, _ in recording_authorities(session, profile, today)]
    query = (
        select(SupportItem, Authority).join(Authority, Authority.id == SupportItem.authority_id)
        .where(Authority.code.in_(codes)).order_by(SupportItem.id.desc())
    )
    if kinds:
        query = query.where(SupportItem.kind.in_(kinds))
    views = []
    for item, authority in session.execute(query):
        suggestions = tuple(suggestions_for_ask(session, item.id)) if item.kind == ASK and item.status == ItemStatus.ACTIVE else ()
        views.append(item_view(item, authority, with_contact=True, suggestions=suggestions))
    return views
