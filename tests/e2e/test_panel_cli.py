"""The panel export from the command line."""

from __future__ import annotations

import csv

import pytest

from programme.calendar.importer import import_calendar, load_calendar_file
from service.cli import main
from storage.database import Database
from tests.support.calendars import AS_RECORD, EXAMPLE
from tests.support.panel import _nominate_three


@pytest.fixture
def cli_database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    database = Database(url)
    database.upgrade()
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    with database.session() as session:
        _nominate_three(session)
    database.dispose()
    return url


def test_cli_exports_the_panel_as_csv(cli_database, tmp_path, capsys):
    output = tmp_path / "exports" / "panel.csv"
    assert main(["export", "panel", "--format", "csv", "--output", str(output)]) == 0
    assert "Wrote 3 panel nominations" in capsys.readouterr().out
    with output.open(encoding="utf-8-sig", newline="") as file:
        header, *rows = list(csv.reader(file))
    assert header[:2] == ["Nomination", "Nominee"] and header[-1] == "Nominated (UTC)"
    assert sorted(row[1] for row in rows) == ["Kit Example", "Lee Example", "Sam Example"]
    assert all(len(row) == len(header) for row in rows)


def test_cli_export_to_standard_output_and_only_as_csv(cli_database, capsys):
    assert main(["export", "panel"]) == 0
    header, *rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert header[1] == "Nominee" and len(rows) == 3
    with pytest.raises(SystemExit) as stopped:
        main(["export", "panel", "--format", "xlsx"])
    assert stopped.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
