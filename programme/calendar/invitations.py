"""Calendar invitations: the dates that matter, in each person's own calendar, kept up to date.

For each person of a group of an active cycle (its authorities' DCSs, delegates and participants,
and its facilitator): the challenge day, with the running order's hours, its format and its venue or
Teams link; and for a DCS or delegate, their authority's self-assessment deadline and its moderation
window (all-day events). Each event has a stable UID per event and person. The invitation goes by
email (notify/ics.py makes it an iCalendar REQUEST that Outlook and Gmail add); when what it says
changes (a moved date, a new venue), an update with the same UID and a higher SEQUENCE; when the
person leaves the group or the group's day is cancelled, a CANCEL. Events already past are not sent.

Each version is an outbox row keyed `invite/{uid}/{sequence}/{fingerprint}` (or `.../cancel`): the
planner, run again or by a second process, writes the same key and so nothing twice; a change is a
new sequence. The keys outlive the retention of bodies (programme/retention.py), so the sequence and
the last version sent are always known.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme.calendar.spec import FORMAT_LABELS
from programme.calendar.timetable import Presenter, running_order
from programme.reminders.plan import GroupFacts, PersonRef, ProgrammeFacts
from storage.outbox import OutboxMessage, enqueue

KIND = "calendar_invitation"
PREFIX = "invite/"
CANCEL = "cancel"


@dataclass(frozen=True)
class Event:
    uid: str
    person: PersonRef
    summary: str
    description: str
    location: str
    on: date  # the first day
    until: date  # the last day (all-day events), or `on`
    starts: time | None  # None: all day
    ends: time | None

    def details(self) -> dict[str, Any]:
        return {"uid": self.uid, "summary": self.summary, "description": self.description, "location": self.location,
                "on": self.on.isoformat(), "until": self.until.isoformat(),
                "starts": self.starts.strftime("%H:%M") if self.starts else "", "ends": self.ends.strftime("%H:%M") if self.ends else ""}

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.details(), sort_keys=True).encode()).hexdigest()[:12]


def events(facts: ProgrammeFacts) -> list[Event]:
    """Every event every person of the cycle's groups should have in their calendar."""
    found: list[Event] = []
    for group in facts.groups:
        day = _challenge_day(group, facts)
        for person in dict.fromkeys([p for a in group.authorities for p in (*a.leads, *a.participants)] + list(group.facilitators)):
            found.append(Event(f"challenge-day-{facts.cycle}-{group.key}-{person.id}", person, *day))
        opens, closes = facts.settings.moderation_window(group.challenge_date)
        for authority in group.authorities:
            for person in dict.fromkeys(authority.leads):
                found.append(Event(
                    f"self-assessment-{facts.cycle}-{authority.code}-{person.id}", person,
                    f"Self-assessment due: {authority.name}",
                    f"{authority.name}'s self-assessment, signed off by the DCS, is due for dissemination to {group.name} before "
                    f"its challenge day.", "", group.deadline, group.deadline, None, None))
                found.append(Event(
                    f"moderation-window-{facts.cycle}-{authority.code}-{person.id}", person,
                    f"Moderation window: {authority.name}",
                    f"The time to seek independent moderation of a key conclusion of {authority.name}'s self-assessment, before "
                    f"{group.name}'s challenge day. Send `enquiry` to the Peer Challenge Assistant.", "", opens, closes, None, None))
    return found


def _challenge_day(group: GroupFacts, facts: ProgrammeFacts) -> tuple[str, str, str, date, date, time, time]:
    slots = running_order(group.kind, [Presenter(a.name, a.lead_reviewer or "another member") for a in group.authorities],
                          facts.settings.day_starts_at)
    pairs = "; ".join(f"{a.lead_reviewer} is Lead Reviewer for {a.name}" for a in group.authorities if a.lead_reviewer)
    how = FORMAT_LABELS.get(group.format, group.format)
    description = (f"{group.name}'s peer challenge day ({how}). Who reviews whom: {pairs}. The briefing, with the running order and "
                   "the self-assessments, comes the working day before.")
    return (f"Peer challenge day: {group.name}", description, group.location or how.capitalize(), group.challenge_date,
            group.challenge_date, slots[0].starts, slots[-1].ends)


def plan_invitations(session: Session, facts: ProgrammeFacts, now: datetime, organizer: str = "") -> int:
    """Write what is new since the last version sent of each event: invitations, updates, cancellations.
    Returns how many rows were written; run again with nothing changed, it writes none."""
    today = now.astimezone(facts.zone).date()
    latest: dict[str, tuple[int, str, dict[str, Any]]] = {}  # uid -> its last version: sequence, fingerprint or "cancel", payload
    for key, payload in session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.payload).where(
            OutboxMessage.idempotency_key.like(f"{PREFIX}%-{facts.cycle}-%"), OutboxMessage.kind == KIND)):
        _, uid, number, fingerprint = key.split("/", 3)
        if uid not in latest or int(number) > latest[uid][0]:
            latest[uid] = (int(number), fingerprint, dict(payload or {}))
    written = 0
    planned = {e.uid: e for e in events(facts)}
    for uid, event in planned.items():
        last = latest.get(uid)
        if event.until < today or not event.person.email or (last is not None and last[1] == event.fingerprint):
            continue  # past, no address, or already sent as it stands
        sequence = last[0] + 1 if last is not None else 0
        written += enqueue(session, key=f"{PREFIX}{uid}/{sequence}/{event.fingerprint}", kind=KIND, due_at=now, channel="email",
                           recipient_person_id=event.person.id, payload={
                               "method": "REQUEST", "sequence": sequence, "person_name": event.person.name,
                               "attendee": event.person.email, "organizer": organizer, "update": last is not None, **event.details()})
    for uid, (number, fingerprint, payload) in latest.items():
        if uid in planned or fingerprint == CANCEL:
            continue  # still wanted, or already cancelled
        if payload.get("until") and date.fromisoformat(str(payload["until"])) < today:
            continue  # over already: nothing to take out of anyone's calendar
        details: dict[str, Any] = {k: payload[k] for k in ("summary", "description", "location", "on", "until", "starts", "ends", "attendee", "person_name")
                   if k in payload}
        written += enqueue(session, key=f"{PREFIX}{uid}/{number + 1}/{CANCEL}", kind=KIND, due_at=now, channel="email",
                           recipient_person_id=int(uid.rsplit("-", 1)[1]), payload={
                               "summary": "A peer challenge date", "description": "", "location": "", "on": "", "until": "",
                               "starts": "", "ends": "", "attendee": "", "person_name": "", **details,
                               "method": "CANCEL", "sequence": number + 1, "uid": uid, "organizer": organizer, "update": True})
    return written


def events_of(session: Session, person_id: int, now: datetime, zone: Any) -> list[dict[str, Any]]:
    """A person's coming dates in every active cycle, as their invitations have them (with the same
    UIDs and the latest SEQUENCE sent), for a calendar file they download: `calendar`, or `status`."""
    from programme.reminders.facts import load_facts
    from storage.calendar import Cycle

    today = now.astimezone(zone).date()
    found = []
    for cycle in session.scalars(select(Cycle).where(Cycle.active.is_(True)).order_by(Cycle.starts_on)):
        for event in events(load_facts(session, cycle, zone)):
            if event.person.id == person_id and event.until >= today:
                sequences = [int(k.split("/")[2]) for k in session.scalars(select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.idempotency_key.startswith(f"{PREFIX}{event.uid}/", autoescape=True)))]
                found.append({**event.details(), "sequence": max(sequences, default=0), "person_name": event.person.name,
                              "attendee": event.person.email})
    return sorted(found, key=lambda e: (e["on"], e["uid"]))
