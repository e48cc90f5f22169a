"""Feedback: what anyone tells the programme coordinators, recorded, sent on to each of them, and
listed and exported for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from programme.errors import Invalid, NotAllowed
from programme.people.profile import Profile
from programme.people.roles import Role
from programme.unit_of_work import unit_of_work
from storage.feedback import Feedback
from storage.outbox import enqueue
from storage.people import Person, RoleAssignment

FEEDBACK_LIMIT = 2000
UNKNOWN_SENDER = "Someone not in the calendar"
CHANNELS = {"msteams": "Teams", "email": "email", "emulator": "the Playground", "webchat": "web chat"}


@unit_of_work
def record_feedback(session: Session, person_id: int | None, channel_id: str, text: str, now: datetime | None = None) -> int:
    """The feedback kept, and each programme coordinator told of it (in Teams or by email), in one transaction."""
    text = (text or "").strip()
    if not text:
        raise Invalid({"feedback": "Write your feedback after the word feedback, for example: feedback The reminders came at a good time."})
    if len(text) > FEEDBACK_LIMIT:
        raise Invalid({"feedback": f"Keep feedback to {FEEDBACK_LIMIT} characters; send it in parts if you need to."})
    row = Feedback(person_id=person_id, channel_id=channel_id, text=text)
    session.add(row)
    session.flush()
    sender = session.get(Person, person_id) if person_id is not None else None
    payload = {"feedback_id": row.id, "text": text, "from_name": sender.name if sender else UNKNOWN_SENDER,
               "channel": CHANNELS.get(channel_id, channel_id)}
    coordinators = session.scalars(select(RoleAssignment.person_id).where(
        RoleAssignment.role == Role.COORDINATOR.value, RoleAssignment.active.is_(True)).distinct())
    for coordinator in coordinators:
        enqueue(session, key=f"feedback/{row.id}/coordinator/{coordinator}", kind="feedback_received", payload=payload,
                due_at=now or row.created_at, recipient_person_id=coordinator)
    return row.id


@dataclass(frozen=True)
class FeedbackView:
    id: int
    at: datetime
    from_name: str
    channel: str
    text: str


def list_feedback(session: Session, profile: Profile) -> list[FeedbackView]:
    """Every piece of feedback, newest first: for the programme coordinators."""
    if not profile.is_coordinator:
        raise NotAllowed("Only the programme coordinators read the feedback. To send some, write `feedback` and your words.")
    rows = session.execute(select(Feedback, Person.name).outerjoin(Person, Person.id == Feedback.person_id)
                           .order_by(Feedback.created_at.desc(), Feedback.id.desc())).all()
    return [FeedbackView(f.id, f.created_at, name or UNKNOWN_SENDER, CHANNELS.get(f.channel_id, f.channel_id), f.text)
            for f, name in rows]


def export_feedback_rows(session: Session) -> tuple[list[str], list[list[str]]]:
    header = ["Feedback", "Received (UTC)", "From", "Channel", "Text"]
    rows = session.execute(select(Feedback, Person.name).outerjoin(Person, Person.id == Feedback.person_id).order_by(Feedback.id)).all()
    return header, [[str(f.id), f"{f.created_at:%Y-%m-%d %H:%M}", name or "", CHANNELS.get(f.channel_id, f.channel_id), f.text]
                    for f, name in rows]
