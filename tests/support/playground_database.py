"""Read-only looks at the running assistant's SQLite database during a Playground test (the
database tests/support/playground.py's stack writes): people, the notices due to them, an enquiry.
Tests add their own looks in a subclass."""

from __future__ import annotations


class Database:
    """Read-only looks at the assistant's SQLite database while it runs."""

    def __init__(self, url: str):
        from sqlalchemy import create_engine

        self.engine = create_engine(url, connect_args={"timeout": 10})

    def close(self) -> None:
        self.engine.dispose()

    def person_id(self, email: str) -> int:
        from sqlalchemy import select

        from storage.people import Person

        with self.engine.connect() as connection:
            found = connection.execute(select(Person.id).where(Person.email == email)).scalar_one_or_none()
        assert found is not None, f"{email} is not in the assistant's database: has the demo calendar changed?"
        return found

    def notices_due(self, person_id: int) -> int:
        """Notices for this person that the dispatcher has still to send now."""
        from sqlalchemy import and_, func, or_, select

        from storage.base import utcnow
        from storage.outbox import OutboxMessage

        now = utcnow()
        due = and_(  # what notify/dispatcher.py claims, and what it is sending
            OutboxMessage.status == "pending",
            OutboxMessage.due_at <= now,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        with self.engine.connect() as connection:
            return connection.execute(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.recipient_person_id == person_id, or_(due, OutboxMessage.status == "sending")
                )
            ).scalar_one()

    def notices(self, person_id: int) -> list[dict]:
        from sqlalchemy import select

        from storage.outbox import OutboxMessage

        with self.engine.connect() as connection:
            rows = connection.execute(
                select(OutboxMessage.kind, OutboxMessage.status, OutboxMessage.delivered_channel, OutboxMessage.last_error)
                .where(OutboxMessage.recipient_person_id == person_id)
                .order_by(OutboxMessage.id)
            ).mappings()
            return [dict(row) for row in rows]

    def enquiry(self, enquiry_id: int) -> dict:
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from storage.moderation import Assignment, Enquiry, EnquiryEvent
        from storage.people import Authority

        with Session(self.engine) as session:
            enquiry = session.get(Enquiry, enquiry_id)
            assert enquiry is not None, f"there is no enquiry {enquiry_id} in the assistant's database"
            events = session.scalars(select(EnquiryEvent).where(EnquiryEvent.enquiry_id == enquiry_id).order_by(EnquiryEvent.id))
            assignments = session.scalars(select(Assignment).where(Assignment.enquiry_id == enquiry_id).order_by(Assignment.id))
            return {
                "authority": session.get(Authority, enquiry.authority_id).code,
                "stage": enquiry.stage,
                "support": enquiry.support,
                "conclusion": enquiry.conclusion,
                "work": list(enquiry.work),
                "expertise": list(enquiry.expertise),
                "estimated_days": enquiry.estimated_days,
                "agreed_days": enquiry.agreed_days,
                "agreed_scope": enquiry.agreed_scope,
                "report_needed_by": enquiry.report_needed_by,
                "report_due": enquiry.report_due,
                "submitted_by": enquiry.submitted_by_person_id,
                "events": [(e.to_stage, e.person_id, e.channel, e.reason) for e in events],
                "assignments": [
                    {"person_id": a.person_id, "status": a.status, "days_agreed": a.days_agreed,
                     "times_offered": a.times_offered, "discussed": a.discussed_at is not None}
                    for a in assignments
                ],
            }


def the_day_has_come(url: str, group_key: str) -> None:
    """Move a group's challenge day of the demo cycle to today (the one write here): the demo's days
    all lie ahead, and notes and asks open on the day. As a coordinator's `group` change would, but
    without the notices of a change, which the tests do not look for."""
    from datetime import date

    from sqlalchemy import create_engine, update

    from storage.calendar import Group

    engine = create_engine(url, connect_args={"timeout": 10})
    try:
        with engine.begin() as connection:
            moved = connection.execute(update(Group).where(Group.key == group_key).values(challenge_date=date.today())).rowcount
        assert moved == 1, f"the demo calendar has no group {group_key!r}"
    finally:
        engine.dispose()


def plan_now(url: str) -> None:
    """One round of the programme's clock against the running assistant's database (its own clock is
    off in these tests): what is due now goes to the outbox, and its dispatcher sends it."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from programme.reminders.planning import run_planning
    from storage.database import Database

    database = Database(url)
    try:
        with database.session() as session:
            run_planning(session, datetime.now(UTC), ZoneInfo("Europe/London"))
    finally:
        database.dispose()
