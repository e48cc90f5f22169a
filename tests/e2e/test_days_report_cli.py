"""The days report and the enquiries export from the command line."""

from __future__ import annotations

import csv
import io

import pytest

from service.cli import main
from storage.database import Database
from tests.support.moderation_days import _programme


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
