"""Changing one thing in the calendar without a file: a group's date, format or venue; an authority's DCS.

The same rules as the import: reminders re-plan from the new date at the next planning round (a
reminder already sent is not sent again), and the group's people are told of a new date or venue.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme import audit
from programme.calendar.group_notices import tell_group_changed
from programme.calendar.import_report import day
from programme.calendar.spec import FORMAT_LABELS
from programme.errors import Invalid, NotAllowed, NotFound
from programme.forms import Choice, Field, Form, Kind, check
from programme.people.profile import Profile, current_cycle
from programme.people.roles import Role, authority_scope, group_scope
from programme.unit_of_work import unit_of_work
from programme.validation import normalise_email
from storage.calendar import Cycle, Group
from storage.people import Authority, Person, RoleAssignment

log = logging.getLogger(__name__)

GROUP_FORM = Form(
    name="group_change",
    title="Change the group's day",
    intro="The group's people are told of a new date or venue, and the reminders move with the date.",
    submit_label="Save the change",
    fields=(
        Field("date", "Challenge date", Kind.DATE),
        Field("format", "Format", Kind.CHOICE, choices=tuple(Choice(k, v) for k, v in FORMAT_LABELS.items())),
        Field("location", "Venue", required=False, max_length=200, help="For example: Brighton"),
    ),
)
DCS_FORM = Form(
    name="dcs_change",
    title="A new DCS",
    intro="The new DCS takes over the authority's role; the previous DCS no longer acts for it.",
    submit_label="Save the new DCS",
    fields=(Field("name", "Full name", max_length=120), Field("email", "Work email", Kind.EMAIL)),
)
FACILITATOR_FORM = Form(
    name="facilitator_change",
    title="A new facilitator",
    intro="They facilitate the group's day and record its notes.",
    submit_label="Save the new facilitator",
    fields=DCS_FORM.fields,
)


def require_coordinator(profile: Profile) -> None:
    """The calendar is the coordinators' to change: asked before a form to change it is shown, and again when it is saved."""
    if not profile.is_coordinator:
        raise NotAllowed("Only the programme coordinators change the calendar.")


def group_to_change(session: Session, profile: Profile, key: object, today: date) -> Group:
    require_coordinator(profile)
    return find_group(session, key, today)


def find_group(session: Session, key: object, today: date) -> Group:
    cycle = current_cycle(session, today)
    group = session.scalar(select(Group).where(Group.cycle_id == cycle.id, Group.key == str(key or "").strip())) if cycle else None
    if group is None:
        raise NotFound(f"There is no group '{str(key)[:20]}' in the current cycle; the groups are listed by `notes` and `status`.")
    return group


@unit_of_work
def change_group(session: Session, profile: Profile, key: object, submitted: Mapping[str, Any], now: datetime, today: date, *, channel: str = "") -> str:
    require_coordinator(profile)
    group = find_group(session, key, today)
    checked = check(GROUP_FORM, submitted)
    if not checked.ok:
        raise Invalid(checked.errors)
    new_date, new_format, new_location = checked.values["date"], checked.values["format"], checked.values.get("location") or ""
    cycle = session.get(Cycle, group.cycle_id)
    assert cycle is not None  # a group's cycle_id is a foreign key
    if new_date != group.challenge_date and new_date < today:
        raise Invalid({"date": f"{day(new_date)} has passed: choose a date from today on."})
    if not cycle.starts_on <= new_date <= cycle.ends_on:
        raise Invalid({"date": f"Cycle {cycle.name} runs from {day(cycle.starts_on)} to {day(cycle.ends_on)}: choose a date within it."})
    told = []
    if new_date != group.challenge_date:
        told.append(f"The challenge day moved from {day(group.challenge_date)} to {day(new_date)}.")
    if new_format != group.format or new_location != (group.location or ""):
        told.append(f"It is now {FORMAT_LABELS[new_format]}" + (f", {new_location}." if new_location else "."))
    if not told:
        return f"No change: {group.name} is already on {day(group.challenge_date)}, {FORMAT_LABELS.get(group.format, group.format)}."
    group.challenge_date, group.format, group.location, group.updated_at = new_date, new_format, new_location, now
    session.flush()
    count = tell_group_changed(session, group, told, now)
    audit.record(session, person_id=profile.person_id, channel=channel, action="group.save",
                 subject=audit.subject_of({"group": group.key, "format": new_format}))
    log.info("group %s changed by person %s; %s people told", group.id, profile.person_id, count)
    return f"{group.name} is changed: {' '.join(told)} Its {count} people have been told; the reminders follow the new date."


@unit_of_work
def replace_dcs(session: Session, profile: Profile, authority_code: object, submitted: Mapping[str, Any], now: datetime, *, channel: str = "") -> str:
    require_coordinator(profile)
    authority = session.scalar(select(Authority).where(Authority.code == str(authority_code or "").strip().lower()))
    if authority is None:
        raise NotFound(f"There is no authority '{str(authority_code)[:40]}'.")
    person = _replace(session, submitted, Role.DCS, authority_scope(authority.code), now, authority_id=authority.id)
    if person is not None:
        audit.record(session, person_id=profile.person_id, channel=channel, action="dcs.save",
                     subject=audit.subject_of({"authority": authority.code, "person": person.id}), authority_code=authority.code)
    log.info("authority %s: DCS replaced by person %s (by person %s)", authority.id, person.id if person else None, profile.person_id)
    return f"{_name(submitted)} is now the DCS of {authority.name}." if person else f"{_name(submitted)} is already the DCS of {authority.name}."


@unit_of_work
def replace_facilitator(session: Session, profile: Profile, group_key: object, submitted: Mapping[str, Any], now: datetime, today: date, *,
                        channel: str = "") -> str:
    require_coordinator(profile)
    group = find_group(session, group_key, today)
    cycle_name = session.scalar(select(Cycle.name).where(Cycle.id == group.cycle_id))
    assert cycle_name is not None  # a group's cycle_id is a foreign key
    person = _replace(session, submitted, Role.FACILITATOR, group_scope(cycle_name, group.key), now, group_id=group.id)
    if person is not None:
        audit.record(session, person_id=profile.person_id, channel=channel, action="facilitator.save",
                     subject=audit.subject_of({"group": group.key, "person": person.id}))
    log.info("group %s: facilitator replaced (by person %s)", group.id, profile.person_id)
    return f"{_name(submitted)} now facilitates {group.name}." if person else f"{_name(submitted)} already facilitates {group.name}."


def _name(submitted: Mapping[str, Any]) -> str:
    return " ".join(str(submitted.get("name") or "").split())[:120]


def _replace(session: Session, submitted: Mapping[str, Any], role: Role, scope: str, now: datetime, **where: int) -> Person | None:
    """The person named takes the role held for `scope`; whoever held it no longer does. None: no change."""
    checked = check(DCS_FORM, submitted)
    if not checked.ok:
        raise Invalid(checked.errors)
    email, name = normalise_email(checked.values["email"]), checked.values["name"]
    person = session.scalar(select(Person).where(Person.email == email))
    current = session.scalars(select(RoleAssignment).where(
        RoleAssignment.role == role.value, RoleAssignment.scope == scope, RoleAssignment.active.is_(True))).all()
    if person is not None and person.active and [r.person_id for r in current] == [person.id]:
        return None  # already theirs: nothing changes
    if person is None:
        person = Person(email=email, name=name)
        session.add(person)
        session.flush()
    person.active = True
    for held in current:
        held.active, held.source, held.updated_at = False, "assistant", now
    existing = session.scalar(select(RoleAssignment).where(
        RoleAssignment.person_id == person.id, RoleAssignment.role == role.value, RoleAssignment.scope == scope))
    if existing is None:
        session.add(RoleAssignment(person_id=person.id, role=role.value, scope=scope, source="assistant", **where))
    else:
        existing.active, existing.source = True, "assistant"
    return person
