"""Days given by nominating authority and the enquiries export. (Both from the command line:
tests/e2e/test_days_report_cli.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from programme.errors import NotFound
from programme.moderation.days_report import days_by_authority, days_detail_rows, days_report_rows, days_report_text
from programme.moderation.export import export_enquiry_rows
from storage.calendar import Cycle
from storage.moderation import Assignment, Enquiry
from tests.support.moderation_days import _programme


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
        nina = session.scalar(select(Assignment).join(Enquiry, Enquiry.id == Assignment.enquiry_id)
                              .join(Cycle, Cycle.id == Enquiry.cycle_id).where(Cycle.name == "2023-24"))  # her one assignment then
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
    with database.session() as session, pytest.raises(NotFound, match="no cycle has been imported yet"):
        days_by_authority(session, "2022-23")


def test_the_enquiries_export(programme):
    with programme.session() as session:
        header, rows = export_enquiry_rows(session)
    assert len(header) == 21 and header[0] == "Enquiry" and header[-1] == "Received (UTC)"
    assert len(rows) == 5 and all(len(row) == len(header) for row in rows)
    assert dict(zip(header, rows[0], strict=False)) == {
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
    medway = dict(zip(header, rows[1], strict=False))
    assert medway["Conclusion"] == "'-10% re-referrals within a year"  # a spreadsheet would run it as a formula
    assert medway["Support"] == "Small package of improvement support" and medway["Estimated days"] == "12.5"
    assert (medway["Submitted by"], medway["On behalf"], medway["Agreed days"], medway["Report due"]) == ("Jo Carverley", "yes", "", "")
    assert dict(zip(header, rows[3], strict=False))["Practitioners"] == "" and dict(zip(header, rows[3], strict=False))["Stage"] == "Received"
    assert dict(zip(header, rows[4], strict=False))["Cycle"] == "2023-24"
