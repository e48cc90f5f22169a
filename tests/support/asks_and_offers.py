"""Asks and offers of the directory of support, as they might be recorded after a challenge day: as
items for the matching rules, and recorded on the example cycle in a database with a few that must
not be suggested and one confirmed match (`_programme`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from programme.calendar.importer import import_calendar, load_calendar_file
from programme.people.identity import find_person
from programme.support.matching import Item
from storage.calendar import Cycle
from storage.database import Database
from storage.people import Authority
from storage.support import SupportItem, SupportMatch
from tests.support.calendars import AS_RECORD, EXAMPLE

# Fictional asks and offers in the handbook's themes, as they might be recorded after a challenge day.
WOKINGHAM, KENT, SURREY, READING, OXFORDSHIRE, MEDWAY, BRIGHTON = range(1, 8)
NAMES = {1: "Wokingham", 2: "Kent", 3: "Surrey", 4: "Reading", 5: "Oxfordshire", 6: "Medway", 7: "Brighton and Hove"}


def _ask(id, authority, theme, title, description) -> Item:
    return Item(id, authority, NAMES[authority], "ask", theme, title, description)


def _offer(id, authority, theme, title, description, kind="offer") -> Item:
    return Item(id, authority, NAMES[authority], kind, theme, title, description)


ADULTHOOD = _ask(
    1, WOKINGHAM, "send", "Preparing for adulthood",
    "Young people with SEND meet a cliff edge at 18. We would like a joint transitions protocol with adult social care, "
    "with planning that starts at 14.",
)
FOSTER_CARERS = _ask(
    2, WOKINGHAM, "fostering", "Recruiting foster carers",
    "Enquiries from prospective foster carers have fallen for two years; we need carers for teenagers and sibling groups.",
)
ANNEX_A = _ask(
    3, WOKINGHAM, "performance_data", "Annex A data quality",
    "Our Annex A list and the case management system disagree. We want to check data quality before inspection "
    "and benchmark timeliness with statistical neighbours.",
)
EDGE_OF_CARE = _ask(
    4, MEDWAY, "children_in_care", "Edge of care",
    "Too many adolescents come into care in crisis; we want an edge of care offer and a reunification pathway home.",
)
TRANSITIONS = _offer(
    11, KENT, "send", "Transitions to adult services",
    "Our 14-25 preparing for adulthood team plans transitions with adult social care from Year 9 for young people with SEND.",
)
CAMPAIGN = _offer(
    12, SURREY, "fostering", "Foster carer recruitment campaign",
    "A campaign with local radio and foster carer ambassadors doubled enquiries from prospective carers, including carers for teenagers.",
)
SCORECARD = _offer(
    13, READING, "performance_data", "Performance data and benchmarking",
    "A monthly scorecard benchmarks timeliness against statistical neighbours, with a data quality check of the "
    "Annex A list before each return.",
)
OWN_TRANSITIONS = _offer(
    14, WOKINGHAM, "send", "Preparing for adulthood transitions",
    "A joint transitions panel with adult social care for young people with SEND from 14.",
)
ACADEMY = _offer(
    15, OXFORDSHIRE, "workforce", "Social work academy",
    "Newly qualified social workers join a cohort with protected caseloads, a practice educator and a rotation through teams.",
)
CONFERENCES = _offer(
    16, BRIGHTON, "safeguarding", "Family group conferences",
    "Family group conferences before proceedings, and a reunification programme for adolescents returning home.",
)
OFFERS = [TRANSITIONS, CAMPAIGN, SCORECARD, OWN_TRANSITIONS, ACADEMY, CONFERENCES]

RECORDED = datetime(2023, 1, 24, 15, 45, tzinfo=UTC)
DCS = {
    "wokingham": "harriet.quillfeather", "kent": "grace.albury", "surrey": "priya.castellane",
    "reading": "farida.okonbury", "medway": "colin.brackwater", "brighton-and-hove": "leona.daverill",
}
COORDINATOR = "robin.ashcombe@hampshire.example"


def _add(session, authority: str, item: Item, *, cycle: str | None = "2022-23", status: str = "active", **fields) -> int:
    email = f"{DCS[authority]}@{authority}.example"
    values = {
        "cycle_id": session.scalar(select(Cycle.id).where(Cycle.name == cycle)) if cycle else None,
        "authority_id": session.scalar(select(Authority.id).where(Authority.code == authority)),
        "kind": item.kind, "theme": item.theme, "title": item.title, "description": item.description, "route": "bilateral",
        "contact_name": DCS[authority].replace(".", " ").title(), "contact_email": email, "status": status,
        "submitted_by_person_id": find_person(session, email=email).id, "on_behalf": False,
        "form_token": f"{authority}-{item.id}-{cycle}-{status}", "created_at": RECORDED,
    }
    row = SupportItem(**{**values, **fields})
    session.add(row)
    session.flush()
    return row.id


def _programme(database: Database) -> dict[str, int]:
    """Asks and offers of the example cycle, a few that must not be suggested, and one confirmed match."""
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    with database.session() as session:
        session.add(Cycle(name="2023-24", starts_on=datetime(2023, 4, 1).date(), ends_on=datetime(2024, 3, 31).date()))
        session.flush()
        ids = {
            "adulthood": _add(session, "wokingham", ADULTHOOD),
            "foster_carers": _add(session, "wokingham", FOSTER_CARERS),
            "annex_a": _add(session, "wokingham", ANNEX_A, status="withdrawn"),
            "transitions": _add(
                session, "kent", TRANSITIONS, route="multilateral",
                description="- 14-25 preparing for adulthood team; transitions planned with adult social care.",
            ),
            "campaign": _add(session, "surrey", CAMPAIGN),
            "scorecard": _add(session, "reading", SCORECARD),
            "own": _add(session, "wokingham", OWN_TRANSITIONS),
            "withdrawn": _add(session, "surrey", TRANSITIONS, status="withdrawn"),
            "next_cycle": _add(session, "reading", TRANSITIONS, cycle="2023-24"),
            "priority": _add(
                session, "kent", _offer(40, KENT, "send", "Preparing for adulthood", "Regional transitions protocol.", kind="priority"),
                route="regional_project", on_behalf=True,
                submitted_by_person_id=find_person(session, email=COORDINATOR).id,
            ),
            "edge_of_care": _add(session, "medway", EDGE_OF_CARE, cycle=None),
            "conferences": _add(session, "brighton-and-hove", CONFERENCES, cycle=None),
        }
        session.add(SupportMatch(
            ask_id=ids["foster_carers"], offer_id=ids["campaign"], confirmed_by_person_id=find_person(session, email=COORDINATOR).id,
            reason="Same theme (Fostering); both mention foster, carer, recruitment and enquiries, among others.",
            channel="teams", created_at=datetime(2023, 2, 1, 10, 5, tzinfo=UTC),
        ))
        session.commit()
    return ids
