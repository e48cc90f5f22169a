"""The one store of codes that make an email reply act: bound to an address, a purpose and a record,
until they expire or, for a held change, once; and the codes sent before it keep working."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from programme import held_codes
from programme.held_codes import Purpose
from storage.bot_state import BotStateRecord
from storage.held_codes import HeldCode

NOW = datetime(2022, 9, 1, 10, tzinfo=UTC)
SAM = "sam.example@council.example"


def test_a_code_acts_only_for_its_address_its_purpose_and_its_time(database):
    with database.session() as session:
        code = held_codes.hold(session, address="Sam.Example@Council.example", purpose=Purpose.NOTE, record={"note": 7}, now=NOW)
    assert code.startswith("G-") and len(code) == 10 and not set(code[2:]) & set("01IO")
    with database.session() as session:
        found = held_codes.find(session, code.lower(), SAM, NOW)  # typed in lower case: still the code
        assert found is not None and found.purpose == Purpose.NOTE and found.record == {"note": 7}
        assert held_codes.find(session, code, "someone.else@council.example", NOW) is None
        assert held_codes.find(session, code, SAM, NOW, purposes=[Purpose.ASSIGNMENT]) is None
        assert held_codes.find(session, code, SAM, NOW + timedelta(days=366)) is None  # expired
        assert held_codes.find(session, "G-UNKNOWN9", SAM, NOW) is None
        assert held_codes.find_in(session, ["RE: the note", f"> Subject: the note [{code}]"], SAM, NOW) == found


def test_a_held_change_is_confirmed_once(database):
    with database.session() as session:
        code = held_codes.hold(session, address=SAM, purpose=Purpose.CONFIRM, record={"action": "team.add", "params": {}}, now=NOW)
    assert len(code) == 6  # typed back: `confirm CODE`
    with database.session() as first, database.session() as second:
        one = held_codes.find(first, code, SAM, NOW)
        two = held_codes.find(second, code, SAM, NOW)
        assert one is not None and two is not None
        assert held_codes.use(first, one, NOW) is True
        assert held_codes.use(second, two, NOW) is False  # the second reply, or a second process, changes nothing
    with database.session() as session:
        assert held_codes.find(session, code, SAM, NOW) is None
        assert held_codes.find(session, code, SAM, NOW - timedelta(days=1) + timedelta(days=3)) is None


def test_what_a_reference_is_for_goes_by_its_first_letter():
    assert held_codes.shaped_for(["RE: invitation [A-7QK2M9XA]"]) == Purpose.ASSIGNMENT
    assert held_codes.shaped_for(["RE: [EXTERNAL] invitation [P1A2B3C4D]"]) == Purpose.PANEL_INVITATION  # sent before codes moved
    assert held_codes.shaped_for(["RE: [EXTERNAL] hello"]) is None


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_at_0008(request, tmp_path):
    """An empty database at revision 0008, before the store: a new SQLite file, or the PostgreSQL test database."""
    from storage.database import Database
    from storage.models import Base

    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'legacy.sqlite3'}")
    else:
        database = request.getfixturevalue("postgres_database")

    def reset() -> None:
        with database.engine.begin() as connection:
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))

    reset()
    database.upgrade("0008")
    yield database
    if request.param == "sqlite":
        database.dispose()
    else:  # the shared PostgreSQL database goes back as the other tests expect it: migrated and empty
        reset()
        database.upgrade()


def test_the_codes_sent_before_the_store_keep_working(database_at_0008):
    """A database at revision 0008, with every kind of code already sent, upgraded to the store."""
    database = database_at_0008
    moment = "2022-09-01 10:00:00"
    with database.engine.begin() as connection:
        def insert(table: str, **values) -> int:
            columns = ", ".join(values)
            return connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + k for k in values)}) RETURNING id"),
                                      values).scalar_one()
        stamps = {"created_at": moment, "updated_at": moment}
        kent = insert("authorities", code="kent", name="Kent", active=True, **stamps)
        grace = insert("people", email="grace.albury@kent.example", name="Grace Albury", active=True, **stamps)
        nina = insert("people", email="nina.oseiwood@kent.example", name="Nina Oseiwood", active=True, **stamps)
        insert("role_assignments", person_id=grace, role="dcs", scope="authority:kent", authority_id=kent, source="calendar", active=True, **stamps)
        cycle = insert("cycles", name="2022-23", starts_on="2022-04-01", ends_on="2023-03-31", settings="{}", active=True, **stamps)
        group = insert("groups", cycle_id=cycle, key="1", name="Triad 1", kind="triad", challenge_date="2023-01-16", format="virtual",
                       location="", active=True, **stamps)
        nomination = insert("nominations", authority_id=kent, nominee_person_id=nina, job_title="Head of QA", service_area="Social care",
                            covers="both", areas="[]", nominated_by_person_id=grace, on_behalf=False, status="nominated",
                            form_token="t-1", invitation_code="P1A2B3C4D", **stamps)
        enquiry = insert("enquiries", cycle_id=cycle, authority_id=kent, support="universal", conclusion="x", work="[]", expertise="[]",
                         estimated_days=3, report_needed_by="2022-12-01", report_date_reason="", contact_name="Grace", contact_email="g@kent.example",
                         stage="practitioner_invited", submitted_by_person_id=grace, on_behalf=False, form_token="e-1", **stamps)
        assignment = insert("assignments", enquiry_id=enquiry, person_id=nina, authority_id=kent, status="invited", invited_by_person_id=grace,
                            times_offered="", member_availability="", days_agreed=3, reason="", invitation_code="A0B1C2D3E", **stamps)
        note = insert("note_agreements", cycle_id=cycle, group_id=group, authority_id=kent, link="https://n.example", version=1,
                      sent_on="2023-01-20", status="sent", amendments="", code="G0000CAFE", **stamps)
        later = (NOW + timedelta(days=10)).isoformat()
        for key, document in {
            "email-card/C-7QK2M9XA": {"address": "grace.albury@kent.example", "actions": [{"title": "Withdraw", "verb": "enquiry.withdraw",
                                      "data": {"id": enquiry}}], "inputs": [], "expires": later},
            "pending-confirmation/7QK2M9": {"address": "grace.albury@kent.example", "action": "team.add", "params": {"authority": "kent"},
                                            "expires": later},
            "email-form/N-7QK2M9XB": {"address": "grace.albury@kent.example", "form": "nomination"},
            "calendar-preview/7QK2M9XC": {"text": "cycle: {}", "source": "c.yaml", "report": "abc", "by": grace, "expires": later},
        }.items():
            connection.execute(text("INSERT INTO bot_state (key, document, e_tag, updated_at) VALUES (:k, :d, 'e', :u)"),
                               {"k": key, "d": json.dumps(document), "u": moment})

    database.upgrade()
    with database.session() as session:
        held = {row.code: row for row in session.scalars(select(HeldCode))}
        assert session.scalars(select(BotStateRecord.key)).all() == []  # moved, not copied
        columns = {c["name"] for c in database.engine.dialect.get_columns(session.connection(), "nominations")}
        assert "invitation_code" not in columns
    assert (held["P1A2B3C4D"].address, held["P1A2B3C4D"].purpose, held["P1A2B3C4D"].record) == (
        "nina.oseiwood@kent.example", "panel-invitation", {"nomination": nomination})
    assert (held["A0B1C2D3E"].address, held["A0B1C2D3E"].record) == ("nina.oseiwood@kent.example", {"assignment": assignment})
    assert (held["G0000CAFE"].address, held["G0000CAFE"].record) == ("grace.albury@kent.example", {"note": note})  # its DCS
    assert held["C-7QK2M9XA"].record["actions"][0]["verb"] == "enquiry.withdraw"
    assert held["7QK2M9"].purpose == "confirm" and held["7QK2M9"].single_use
    form = held["N-7QK2M9XB"]
    assert form.purpose == "card" and form.record["actions"][0] == {"title": "Nominate", "verb": "nomination.submit",
                                                                   "data": {"token": "email-N-7QK2M9XB"}}
    assert [i["id"] for i in form.record["inputs"]][:3] == ["authority", "nominee_name", "nominee_email"]
    assert held["7QK2M9XC"].address == "grace.albury@kent.example" and held["7QK2M9XC"].purpose == "calendar-preview"
    with database.session() as session:
        assert held_codes.find_in(session, ["RE: nominated [P1A2B3C4D]"], "Nina.Oseiwood@kent.example", NOW) is not None
