"""What is kept, and for how long: the retention job, run daily by the programme's clock.

Once a notification is done with (sent, cancelled or missed) for `days` days (RETENTION_DAYS, 90 by
default), its body goes: the outbox row keeps its key, kind, recipient, status and moments, which
is what stops it ever going twice, and loses its payload (the names, the text it carried). A held
code goes `days` days after it expired or was used, and the record of a handled activity (a hash,
kept so a retried activity changes nothing) after a week, long after any retry. Each run is an
entry in the audit trail (`retention`, with what it removed), so coordinators see it in `audit`.
Audit entries themselves hold ids and codes, never content (programme/audit.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, delete, func, or_, update
from sqlalchemy.orm import Session

from programme import audit
from programme.unit_of_work import unit_of_work
from storage.base import rows_affected
from storage.handled_activities import HandledActivity
from storage.held_codes import HeldCode
from storage.outbox import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
DEFAULT_DAYS = 90
ACTIVITIES_KEPT = timedelta(days=7)  # Bot Framework retries within minutes; a week is far beyond
DONE = (OutboxStatus.SENT, OutboxStatus.CANCELLED, OutboxStatus.MISSED)
CHANNEL = "clock"


@dataclass(frozen=True)
class RetentionRun:
    bodies: int  # outbox payloads emptied
    codes: int  # held codes deleted
    activities: int  # handled-activity records deleted

    def __str__(self) -> str:
        return f"bodies={self.bodies} codes={self.codes} activities={self.activities}"


@unit_of_work
def apply_retention(session: Session, now: datetime, days: int = DEFAULT_DAYS) -> RetentionRun:
    """Remove what has been kept long enough, in one transaction with its audit entry."""
    if days < 1:
        raise ValueError("keep things at least a day")
    before = now - timedelta(days=days)
    has_body = func.length(cast(OutboxMessage.payload, String)) > len("{}")  # JSON has no equality on PostgreSQL
    bodies = rows_affected(session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status.in_([s.value for s in DONE]), OutboxMessage.updated_at < before, has_body)
        # updated_at stays: it says when the row was done with (the digest's "missed since" reads it)
        .values(payload={}, updated_at=OutboxMessage.updated_at)
        .execution_options(synchronize_session=False)
    ))
    codes = rows_affected(session.execute(
        delete(HeldCode).where(or_(HeldCode.expires_at < before, HeldCode.used_at < before)).execution_options(synchronize_session=False)
    ))
    activities = rows_affected(session.execute(
        delete(HandledActivity).where(HandledActivity.handled_at < now - ACTIVITIES_KEPT).execution_options(synchronize_session=False)
    ))
    run = RetentionRun(bodies, codes, activities)
    audit.record(session, person_id=None, channel=CHANNEL, action="retention", subject=f"days={days} {run}", at=now)
    log.info("retention after %s days: %s", days, run)
    return run

