"""Days given by nominating authority, the enquiries export, and both from the command line."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from bot.cli import main
from programme.calendar.importer import import_calendar, load_calendar_file
from programme.moderation.days_report import days_by_authority, days_detail_rows, days_report_rows, days_report_text
from programme.moderation.export import export_enquiry_rows
from programme.errors import NotFound
from programme.people.identity import find_person
from storage.calendar import Cycle
from storage.database import Database
from storage.moderation import Assignment, Enquiry
from storage.people import Authority, Person
from tests.support.assistant import EXAMPLE

RECEIVED = datetime(2022, 10, 3, 9, 30, tzinfo=timezone.utc)
COORDINATOR = "robin.ashcombe@hampshire.example"


def _id(session, model, **where) -> int:
    return session.scalar(select(model.id).filter_by(**where))


def _enquiry(session, cycle, authority, token, **fields) -> Enquiry:
    dcs = {"wokingham": "harriet.quillfeather", "medway": "colin.brackwater", "surrey": "priya.castellane"}[authority]
    values = dict(
        cycle_id=_id(session, Cycle, name=cycle),
        authority_id=_id(session, Authority, code=authority),
        support="universal",
        conclusion="Children in care have a stable placement and a consistent social worker.",
        work=["case_files", "indicators"],
        expertise=["children_in_care"],
        estimated_days=3,
        report_needed_by=date(2022, 12, 9),
        contact_name=dcs.replace(".", " ").title(),
        contact_email=f"{dcs}@{authority}.example",
        stage="in_progress",
        submitted_by_person_id=find_person(session, email=f"{dcs}@{authority}.example").id,
        form_token=token,
        created_at=RECEIVED,
    )
    enquiry = Enquiry(**{**values, **fields})
    session.add(enquiry)
    session.flush()
    return enquiry


def _assign(session, enquiry, email, authority, status, code, *, agreed, worked=None) -> None:
    session.add(Assignment(
        enquiry_id=enquiry.id, person_id=find_person(session, email=email).id,
        authority_id=_id(session, Authority, code=authority), status=status,
        invited_by_person_id=find_person(session, email=COORDINATOR).id, days_agreed=agreed, days_worked=worked,
        invitation_code=code,
    ))


def _programme(database: Database) -> None:
    """The example cycle with three enquiries and their practitioners, and one enquiry in the next cycle."""
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False)
    with database.session() as session:
        session.add(Person(name="Ola Penrose", email="ola.penrose@hampshire.example"))
        session.add(Cycle(name="2023-24", starts_on=date(2023, 4, 1), ends_on=date(2024, 3, 31)))
        session.flush()
        wokingham = _enquiry(
            session, "2022-23", "wokingham", "e-1", expertise=["send", "fostering"], agreed_days=3,
            agreed_scope="Twenty case files", report_due=date(2022, 12, 9), report_delivered_on=date(2022, 12, 2),
            stage="report_delivered",
        )
        _assign(session, wokingham, "tom.radleigh@oxfordshire.example", "oxfordshire", "declined", "A0001", agreed=3)
        _assign(session, wokingham, "nina.oseiwood@kent.example", "kent", "completed", "A0002", agreed=3, worked=2.5)
        medway = _enquiry(
            session, "2022-23", "medway", "e-2", support="small_package", estimated_days=12.5,
            conclusion="-10% re-referrals within a year", on_behalf=True,
            submitted_by_person_id=find_person(session, email="jo.carverley@seslip.example").id,
        )
        _assign(session, medway, "tom.radleigh@oxfordshire.example", "oxfordshire", "accepted", "A0003", agreed=4)
        _assign(session, medway, "ola.penrose@hampshire.example", "hampshire", "completed", "A0004", agreed=2, worked=2)
        surrey = _enquiry(session, "2022-23", "surrey", "e-3")
        _assign(session, surrey, "nina.oseiwood@kent.example", "kent", "completed", "A0005", agreed=2, worked=3)
        _enquiry(session, "2022-23", "wokingham", "e-4", stage="received")  # nobody invited yet
        later = _enquiry(session, "2023-24", "medway", "e-5")
        _assign(session, later, "nina.oseiwood@kent.example", "kent", "completed", "A0006", agreed=4, worked=4)
        session.commit()


@pytest.fixture
def programme(database):
    _programme(database)
    return database


def test_days_by_nominating_authority(programme):
    with programme.session() as session:
        report = days_by_authority(session, "2022-23")
    assert report.cycle_name == "2022-23"
    # Tom's declined invitation and Nina's work in the next cycle do not count; Tom's accepted
    # work has no days worked yet.
    assert [(r.authority_name, r.assignments, r.days_agreed, r.days_worked) for r in report.rows] == [
        ("Hampshire", 1, 2, 2),
        ("Kent", 2, 5, 5.5),
        ("Oxfordshire", 1, 4, 0),
    ]
    assert [round(r.share, 3) for r in report.rows] == [26.667, 73.333, 0]
    total = report.total
    assert (total.authority_name, total.assignments, total.days_agreed, total.days_worked, total.share) == ("Total", 4, 11, 7.5, 100)
    assert (report.total_agreed, report.total_worked) == (11, 7.5)


def test_report_rows_for_a_spreadsheet(programme):
    with programme.session() as session:
        header, rows = days_report_rows(days_by_authority(session, "2022-23"))
    assert header == ["Nominating authority", "Assignments", "Days agreed", "Days worked", "Share of days worked (%)"]
    assert rows == [
        ["Hampshire", "1", "2", "2", "26.7"],
        ["Kent", "2", "5", "5.5", "73.3"],
        ["Oxfordshire", "1", "4", "0", "0.0"],
        ["Total", "4", "11", "7.5", "100.0"],
    ]


def test_the_detail_behind_the_report(programme):
    with programme.session() as session:
        header, rows = days_detail_rows(session, "2022-23")
    assert header[:5] == ["Enquiry", "Enquiring authority", "Practitioner", "Nominating authority", "Status"]
    assert [row[1:] for row in rows] == [
        ["Wokingham", "Nina Oseiwood", "Kent", "completed", "3", "2.5"],
        ["Medway", "Tom Radleigh", "Oxfordshire", "accepted", "4", ""],
        ["Medway", "Ola Penrose", "Hampshire", "completed", "2", "2"],
        ["Surrey", "Nina Oseiwood", "Kent", "completed", "2", "3"],
    ]


def test_a_cycle_without_days_worked_has_no_shares_yet(programme):
    with programme.session() as session:
        report = days_by_authority(session, " 2023-24 ")
        assert [(r.authority_name, r.days_worked, r.share) for r in report.rows] == [("Kent", 4, 100)]
        nina = session.scalar(select(Assignment).where(Assignment.invitation_code == "A0006"))
        nina.days_worked = None
        session.commit()
        report = days_by_authority(session, "2023-24")
    assert report.rows[0].share == 0 and report.total.share == 0
    assert (report.total_agreed, report.total_worked) == (4, 0)
    assert days_report_rows(report)[1][-1] == ["Total", "1", "4", "0", "0.0"]
    assert "No days worked are recorded yet" in days_report_text(report)


def test_an_unknown_cycle_names_the_known_ones(programme):
    with programme.session() as session:
        with pytest.raises(NotFound, match=r"no cycle '2019-20'\. The cycles are: 2022-23, 2023-24\."):
            days_by_authority(session, "2019-20")
        with pytest.raises(NotFound, match="2022-23, 2023-24"):
            days_detail_rows(session, "2021-22")


def test_no_cycle_imported_yet(database):
    with database.session() as session:
        with pytest.raises(NotFound, match="no cycle has been imported yet"):
            days_by_authority(session, "2022-23")


def test_the_enquiries_export(programme):
    with programme.session() as session:
        header, rows = export_enquiry_rows(session)
    assert len(header) == 21 and header[0] == "Enquiry" and header[-1] == "Received (UTC)"
    assert len(rows) == 5 and all(len(row) == len(header) for row in rows)
    assert dict(zip(header, rows[0])) == {
        "Enquiry": rows[0][0],
        "Cycle": "2022-23",
        "Authority": "Wokingham",
        "Support": "Universal moderation",
        "Conclusion": "Children in care have a stable placement and a consistent social worker.",
        "Kinds of work": "Case file review; Performance indicator validation",
        "Expertise": "SEND; Fostering",
        "Estimated days": "3",
        "Report needed by": "2022-12-09",
        "Reason for the report date": "",
        "Contact name": "Harriet Quillfeather",
        "Contact email": "harriet.quillfeather@wokingham.example",
        "Stage": "Report delivered",
        "Submitted by": "Harriet Quillfeather",
        "On behalf": "no",
        "Agreed days": "3",
        "Agreed scope": "Twenty case files",
        "Report due": "2022-12-09",
        "Report delivered on": "2022-12-02",
        "Practitioners": "Tom Radleigh (declined); Nina Oseiwood (completed)",
        "Received (UTC)": "2022-10-03 09:30",
    }
    medway = dict(zip(header, rows[1]))
    assert medway["Conclusion"] == "'-10% re-referrals within a year"  # a spreadsheet would run it as a formula
    assert medway["Support"] == "Small package of improvement support" and medway["Estimated days"] == "12.5"
    assert (medway["Submitted by"], medway["On behalf"], medway["Agreed days"], medway["Report due"]) == ("Jo Carverley", "yes", "", "")
    assert dict(zip(header, rows[3]))["Practitioners"] == "" and dict(zip(header, rows[3]))["Stage"] == "Received"
    assert dict(zip(header, rows[4]))["Cycle"] == "2023-24"


# From the command line.


@pytest.fixture
def cli_database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    database = Database(url)
    database.upgrade()
    _programme(database)
    database.dispose()
    return url


def test_report_days_as_a_table(cli_database, capsys):
    assert main(["report", "days", "--cycle", "2022-23"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Days given to moderation in cycle 2022-23")
    assert lines[2].split() == ["Nominating", "authority", "Assignments", "Days", "agreed", "Days", "worked", "Share", "of", "days", "worked", "(%)"]
    assert lines[4].split() == ["Hampshire", "1", "2", "2", "26.7"]
    assert lines[5].split() == ["Kent", "2", "5", "5.5", "73.3"]
    assert lines[-1].split() == ["Total", "4", "11", "7.5", "100.0"]


def test_report_days_as_csv(cli_database, tmp_path, capsys):
    assert main(["report", "days", "--cycle", "2022-23", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][0] == "Nominating authority" and rows[-1] == ["Total", "4", "11", "7.5", "100.0"]
    output = tmp_path / "out" / "days.csv"
    assert main(["report", "days", "--cycle", "2022-23", "--format", "csv", "--output", str(output)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote the days report for cycle 2022-23 to {output}"
    assert list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"))))[1] == ["Hampshire", "1", "2", "2", "26.7"]


def test_report_days_for_an_unknown_cycle(cli_database, capsys):
    assert main(["report", "days", "--cycle", "2019-20"]) == 1
    captured = capsys.readouterr()
    assert "There is no cycle '2019-20'. The cycles are: 2022-23, 2023-24." in captured.err
    assert captured.out == ""


def test_export_enquiries(cli_database, tmp_path, capsys):
    assert main(["export", "enquiries"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["Enquiry", "Cycle", "Authority"] and len(rows) == 6
    output = tmp_path / "enquiries.csv"
    assert main(["export", "enquiries", "--output", str(output)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote 5 enquiries to {output}"
    assert output.read_text(encoding="utf-8-sig").splitlines()[0].startswith("Enquiry,Cycle,Authority,Support")
    assert main(["export", "panel"]) == 0  # the panel export is unchanged
    assert capsys.readouterr().out.splitlines()[0].startswith("Nomination,Nominee")
