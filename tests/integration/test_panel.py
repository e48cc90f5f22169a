"""The panel after nomination: who sees it, filters, withdrawing, changing areas, the export. (The
export from the command line: tests/e2e/test_panel_cli.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from programme.calendar.importer import import_calendar, load_calendar_file
from programme.errors import Invalid, NotAllowed, NotFound
from programme.panel.nomination import answer_invitation
from programme.panel.register import export_panel_rows, list_panel, my_nominations, update_areas, withdraw_nomination
from programme.people.identity import find_person
from programme.people.roles import Role
from storage.outbox import OutboxMessage
from storage.panel import Nomination
from storage.people import RoleAssignment
from tests.support.assistant import EXAMPLE
from tests.support.calendars import AS_RECORD
from tests.support.panel import (
    COORDINATOR,
    KENT_DCS,
    KENT_DELEGATE,
    NOW,
    OTHER_COORDINATOR,
    WOKINGHAM_DCS,
    WOKINGHAM_DELEGATE,
    _form,
    _nominate,
    _nominate_three,
    _profile,
)

LATER = datetime(2022, 10, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def calendar(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    return database


@pytest.fixture
def panel(calendar):
    with calendar.session() as session:
        ids = _nominate_three(session)
    return calendar, ids


def _names(entries) -> list[str]:
    return [e.nominee_name for e in entries]


def test_a_coordinator_sees_the_whole_panel_with_titles(panel):
    database, ids = panel
    with database.session() as session:
        entries = list_panel(session, _profile(session, COORDINATOR))
        assert _names(entries) == ["Kit Example", "Lee Example", "Sam Example"]  # by authority: Kent, Medway, Wokingham
        sam = entries[-1]
        assert sam.nomination_id == ids["sam"] and sam.nominee_email == "sam.example@wokingham.example"
        assert (sam.job_title, sam.service_area, sam.authority_name, sam.status) == (
            "Head of Quality Assurance", "Children's social care", "Wokingham", "nominated")
        assert sam.covers == "Both" and sam.areas == ("SEND", "Fostering")
        assert sam.nominated_by == "Harriet Quillfeather" and not sam.on_behalf and sam.nominated_at.tzinfo
        lee = entries[1]
        assert lee.nominated_by == "Jo Carverley" and lee.on_behalf
        assert lee.covers == "Small packages of improvement support (up to 39 days)"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"area": "send"}, ["Kit Example", "Sam Example"]),  # Kit is open to any area
        ({"area": "Safeguarding"}, ["Kit Example", "Lee Example"]),
        ({"area": "open"}, ["Kit Example"]),
        ({"covers": "universal"}, ["Kit Example", "Sam Example"]),  # Sam covers both
        ({"covers": "small_packages"}, ["Lee Example", "Sam Example"]),
        ({"covers": "both"}, ["Sam Example"]),
        ({"authority": "kent"}, ["Kit Example"]),
        ({"authority": "Wokingham", "covers": "small_packages", "area": "fostering"}, ["Sam Example"]),
        ({"authority": "medway", "area": "send"}, []),
        ({"area": "", "covers": None}, ["Kit Example", "Lee Example", "Sam Example"]),
    ],
)
def test_filters(panel, filters, expected):
    database, _ = panel
    with database.session() as session:
        assert _names(list_panel(session, _profile(session, COORDINATOR), **filters)) == expected


def test_unknown_filter_values_list_the_valid_ones(panel):
    database, _ = panel
    with database.session() as session:
        coordinator = _profile(session, COORDINATOR)
        with pytest.raises(Invalid) as refused:
            list_panel(session, coordinator, area="knitting", covers="sometimes", authority="atlantis")
        fields = refused.value.fields
        assert set(fields) == {"area", "covers", "authority"}
        assert "'knitting'" in fields["area"] and "send" in fields["area"] and "open" in fields["area"]
        assert "universal, small_packages, both" in fields["covers"]
        assert "kent" in fields["authority"] and "wokingham" in fields["authority"]


def test_only_coordinators_list_the_panel(panel):
    database, _ = panel
    with database.session() as session:
        for email in (WOKINGHAM_DCS, KENT_DELEGATE, "maya.okafield@east-sussex.example"):
            with pytest.raises(NotAllowed, match="my nominations"):
                list_panel(session, _profile(session, email))


def test_withdrawn_and_declined_nominations_leave_the_panel(panel):
    database, ids = panel
    with database.session() as session:
        session.get(Nomination, ids["lee"]).status = "declined"
        session.commit()
        withdraw_nomination(session, _profile(session, KENT_DCS), ids["kit"], LATER)
        assert _names(list_panel(session, _profile(session, COORDINATOR))) == ["Sam Example"]
        _, rows = export_panel_rows(session)
        assert [row[1] for row in rows] == ["Sam Example"]


def test_my_nominations(panel):
    database, ids = panel
    with database.session() as session:
        def mine(email):
            return _names(my_nominations(session, _profile(session, email)))

        assert mine(WOKINGHAM_DCS) == ["Sam Example"]  # made it
        assert mine(WOKINGHAM_DELEGATE) == ["Sam Example"]  # delegate of the authority
        assert mine(KENT_DCS) == ["Kit Example"]  # made by the Kent delegate
        assert mine(COORDINATOR) == ["Lee Example"]  # a coordinator: those they made
        assert mine(OTHER_COORDINATOR) == []
        assert mine("maya.okafield@east-sussex.example") == []
        withdraw_nomination(session, _profile(session, WOKINGHAM_DCS), ids["sam"], LATER)
        assert [e.status for e in my_nominations(session, _profile(session, WOKINGHAM_DCS))] == ["withdrawn"]


def test_withdraw_permissions_and_idempotence(panel):
    database, ids = panel
    with database.session() as session:
        with pytest.raises(NotAllowed, match="Wokingham"):
            withdraw_nomination(session, _profile(session, KENT_DELEGATE), ids["sam"], LATER)
        with pytest.raises(NotAllowed):
            withdraw_nomination(session, _profile(session, "maya.okafield@east-sussex.example"), ids["kit"], LATER)
        with pytest.raises(NotFound, match="no nomination 9999"):
            withdraw_nomination(session, _profile(session, COORDINATOR), 9999, LATER)
        with pytest.raises(NotFound):
            withdraw_nomination(session, _profile(session, COORDINATOR), "twelve", LATER)
        assert session.get(Nomination, ids["sam"]).status == "nominated"

        delegate = _profile(session, WOKINGHAM_DELEGATE)
        assert "is withdrawn" in withdraw_nomination(session, delegate, ids["sam"], LATER)
        assert "already withdrawn" in withdraw_nomination(session, delegate, ids["sam"], LATER)
        nomination = session.get(Nomination, ids["sam"])
        assert nomination.status == "withdrawn" and nomination.updated_at == LATER

        assert "is withdrawn" in withdraw_nomination(session, _profile(session, OTHER_COORDINATOR), ids["kit"], LATER)
        assert "is withdrawn" in withdraw_nomination(session, _profile(session, COORDINATOR), ids["lee"], LATER)


def test_withdrawing_cancels_notices_not_yet_sent(panel):
    database, ids = panel
    with database.session() as session:
        sent = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"nomination/{ids['sam']}/nominee"))
        sent.status = "sent"
        session.commit()
        withdraw_nomination(session, _profile(session, WOKINGHAM_DCS), ids["sam"], LATER)
        statuses = dict(session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status)).all())
        assert statuses[f"nomination/{ids['sam']}/nominee"] == "sent"
        assert statuses[f"nomination/{ids['sam']}/nominator"] == "cancelled"
        assert {s for k, s in statuses.items() if k.startswith(f"nomination/{ids['kit']}/")} == {"pending"}


def test_a_withdrawn_person_can_be_nominated_again(panel):
    database, ids = panel
    with database.session() as session:
        withdraw_nomination(session, _profile(session, WOKINGHAM_DCS), ids["sam"], LATER)
        again = _nominate(session, WOKINGHAM_DCS, "t-sam-2", _form("wokingham", "sam.example@wokingham.example", "Sam Example", "universal", "open"))
        assert again != ids["sam"]


def test_withdrawing_someone_who_joined_takes_them_off_the_panel(panel):
    database, ids = panel
    with database.session() as session:
        sam = find_person(session, email="sam.example@wokingham.example")
        answer_invitation(session, sam, accept=True, nomination_id=None, now=NOW)
        assert [e.status for e in list_panel(session, _profile(session, COORDINATOR), authority="wokingham")] == ["joined"]
        assert _profile(session, "sam.example@wokingham.example").has(Role.PANEL_MEMBER)
        withdraw_nomination(session, _profile(session, COORDINATOR), ids["sam"], LATER)
        assert not _profile(session, "sam.example@wokingham.example").has(Role.PANEL_MEMBER)
        assert session.scalar(select(RoleAssignment.active).where(RoleAssignment.person_id == sam.id)) is False
        _nominate(session, WOKINGHAM_DCS, "t-sam-2", _form("wokingham", "sam.example@wokingham.example", "Sam Example", "universal", "open"))


@pytest.mark.parametrize(
    ("areas", "covers", "bad"),
    [
        ("open, send", "both", {"areas"}),
        ("knitting", "both", {"areas"}),
        ("", "both", {"areas"}),
        ("send", "sometimes", {"covers"}),
        ("open, knitting", "", {"areas", "covers"}),
    ],
)
def test_update_areas_refuses_bad_values_and_changes_nothing(panel, areas, covers, bad):
    database, ids = panel
    with database.session() as session:
        with pytest.raises(Invalid) as refused:
            update_areas(session, _profile(session, WOKINGHAM_DCS), ids["sam"], areas, covers, LATER)
        assert set(refused.value.fields) == bad and all(refused.value.fields.values())
    with database.session() as session:
        nomination = session.get(Nomination, ids["sam"])
        assert (nomination.areas, nomination.covers) == (["send", "fostering"], "both")


def test_update_areas(panel):
    database, ids = panel
    with database.session() as session:
        message = update_areas(session, _profile(session, WOKINGHAM_DELEGATE), ids["sam"], "Adoption and special guardianship; leadership", "universal", LATER)
        assert "now covers Universal moderation" in message and "Adoption and special guardianship, Leadership" in message
    with database.session() as session:
        nomination = session.get(Nomination, ids["sam"])
        assert (nomination.areas, nomination.covers, nomination.updated_at) == (["adoption", "leadership"], "universal", LATER)
        coordinator = _profile(session, COORDINATOR)
        assert "now covers" in update_areas(session, coordinator, ids["sam"], "open", None, LATER)  # None keeps covers
        assert "No change" in update_areas(session, coordinator, ids["sam"], None, "universal", LATER)
        assert session.get(Nomination, ids["sam"]).areas == ["open"]


def test_update_areas_permissions(panel):
    database, ids = panel
    with database.session() as session:
        with pytest.raises(NotAllowed):
            update_areas(session, _profile(session, KENT_DELEGATE), ids["sam"], "send", "both", LATER)
        with pytest.raises(NotFound):
            update_areas(session, _profile(session, COORDINATOR), 9999, "send", "both", LATER)
        withdraw_nomination(session, _profile(session, KENT_DCS), ids["kit"], LATER)
        with pytest.raises(NotAllowed, match="withdrawn"):
            update_areas(session, _profile(session, KENT_DCS), ids["kit"], "send", "both", LATER)


def test_export_rows(panel):
    database, ids = panel
    with database.session() as session:
        _nominate(session, KENT_DCS, "t-formula", _form("kent", "max.example@kent.example", "Max Example", "both", "open", job_title="=HYPERLINK(\"x\")"))
        header, rows = export_panel_rows(session)
    assert header[:3] == ["Nomination", "Nominee", "Email"] and len(header) == 12
    assert all(len(row) == len(header) and all(isinstance(v, str) for v in row) for row in rows)
    by_name = {row[1]: dict(zip(header, row, strict=False)) for row in rows}
    assert set(by_name) == {"Sam Example", "Kit Example", "Lee Example", "Max Example"}
    sam = by_name["Sam Example"]
    assert sam["Nomination"] == str(ids["sam"]) and sam["Authority"] == "Wokingham" and sam["Covers"] == "Both"
    assert sam["Areas of expertise"] == "SEND; Fostering" and sam["Nominated by"] == "Harriet Quillfeather"
    assert sam["On behalf"] == "no" and by_name["Lee Example"]["On behalf"] == "yes"
    assert by_name["Max Example"]["Job title"] == "'=HYPERLINK(\"x\")"  # a spreadsheet shows it, does not run it
