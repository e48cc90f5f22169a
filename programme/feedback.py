from __future__ import annotations

from sqlalchemy.orm import Session

from programme.errors import Invalid
from programme.unit_of_work import unit_of_work
from storage.feedback import Feedback

FEEDBACK_LIMIT = 2000


@unit_of_work
def record_feedback(session: Session, person_id: int | None, channel_id: str, text: str) -> int:
    text = (text or "").strip()
    if not text:
        raise Invalid({"feedback": "Write your feedback after the word feedback, for example: feedback The reminders came at a good time."})
    if len(text) > FEEDBACK_LIMIT:
        raise Invalid({"feedback": f"Keep feedback to {FEEDBACK_LIMIT} characters; send it in parts if you need to."})
    row = Feedback(person_id=person_id, channel_id=channel_id, text=text)
    session.add(row)
    session.flush()
    return row.id
