"""The example cycle with three enquiries, their practitioners and the days they agreed and
worked, and one enquiry in the next cycle: what the days report and the enquiries export are
tested on, on the test databases and from the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from programme.calendar.importer import import_calendar, load_calendar_file
from programme.people.identity import find_person
from storage.calendar import Cycle
from storage.database import Database
from storage.moderation import Assignment, Enquiry
from storage.people import Authority, Person
from tests.support.calendars import AS_RECORD, EXAMPLE

RECEIVED = datetime(2022, 10, 3, 9, 30, tzinfo=UTC)
COORDINATOR = "robin.ashcombe@hampshire.example"


def _id(session, model, **where) -> int:
    return session.scalar(select(model.id).filter_by(**where))


def _enquiry(session, cycle, authority, token, **fields) -> Enquiry:
    dcs = {"wokingham": "harriet.quillfeather", "medway": "colin.brackwater", "surrey": "priya.castellane"}[authority]
    values = {
        "cycle_id": _id(session, Cycle, name=cycle),
        "authority_id": _id(session, Authority, code=authority),
        "support": "universal",
        "conclusion": "Children in care have a stable placement and a consistent social worker.",
        "work": ["case_files", "indicators"],
        "expertise": ["children_in_care"],
        "estimated_days": 3,
        "report_needed_by": date(2022, 12, 9),
        "contact_name": dcs.replace(".", " ").title(),
        "contact_email": f"{dcs}@{authority}.example",
        "stage": "in_progress",
        "submitted_by_person_id": find_person(session, email=f"{dcs}@{authority}.example").id,
        "form_token": token,
        "created_at": RECEIVED,
    }
    enquiry = Enquiry(**{**values, **fields})
    session.add(enquiry)
    session.flush()
    return enquiry


def _assign(session, enquiry, email, authority, status, *, agreed, worked=None) -> None:
    session.add(Assignment(
        enquiry_id=enquiry.id, person_id=find_person(session, email=email).id,
        authority_id=_id(session, Authority, code=authority), status=status,
        invited_by_person_id=find_person(session, email=COORDINATOR).id, days_agreed=agreed, days_worked=worked,
    ))


def _programme(database: Database) -> None:
    """The example cycle with three enquiries and their practitioners, and one enquiry in the next cycle."""
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    with database.session() as session:
        session.add(Person(name="Ola Penrose", email="ola.penrose@hampshire.example"))
        session.add(Cycle(name="2023-24", starts_on=date(2023, 4, 1), ends_on=date(2024, 3, 31)))
        session.flush()
        wokingham = _enquiry(
            session, "2022-23", "wokingham", "e-1", expertise=["send", "fostering"], agreed_days=3,
            agreed_scope="Twenty case files", report_due=date(2022, 12, 9), report_delivered_on=date(2022, 12, 2),
            stage="report_delivered",
        )
        _assign(session, wokingham, "tom.radleigh@oxfordshire.example", "oxfordshire", "declined", agreed=3)
        _assign(session, wokingham, "nina.oseiwood@kent.example", "kent", "completed", agreed=3, worked=2.5)
        medway = _enquiry(
            session, "2022-23", "medway", "e-2", support="small_package", estimated_days=12.5,
            conclusion="-10% re-referrals within a year", on_behalf=True,
            submitted_by_person_id=find_person(session, email="jo.carverley@seslip.example").id,
        )
        _assign(session, medway, "tom.radleigh@oxfordshire.example", "oxfordshire", "accepted", agreed=4)
        _assign(session, medway, "ola.penrose@hampshire.example", "hampshire", "completed", agreed=2, worked=2)
        surrey = _enquiry(session, "2022-23", "surrey", "e-3")
        _assign(session, surrey, "nina.oseiwood@kent.example", "kent", "completed", agreed=2, worked=3)
        _enquiry(session, "2022-23", "wokingham", "e-4", stage="received")  # nobody invited yet
        later = _enquiry(session, "2023-24", "medway", "e-5")
        _assign(session, later, "nina.oseiwood@kent.example", "kent", "completed", agreed=4, worked=4)
        session.commit()
