"""The asks and offers export and the matches export from the command line."""

from __future__ import annotations

import csv
import io

import pytest

from service.cli import main
from storage.database import Database
from tests.support.asks_and_offers import _programme


@pytest.fixture
def cli_database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    database = Database(url)
    database.upgrade()
    items = _programme(database)
    database.dispose()
    return items


def test_export_asks_offers_and_matches(cli_database, tmp_path, capsys):
    items = cli_database
    assert main(["export", "asks-offers"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["Item", "Cycle", "Authority"] and len(rows) == len(items) + 1
    output = tmp_path / "out" / "asks-offers.csv"
    assert main(["export", "asks-offers", "--format", "csv", "--output", str(output)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote {len(items)} asks, offers and suggestions to {output}"
    assert output.read_text(encoding="utf-8-sig").startswith("Item,Cycle,Authority,Kind,Theme")
    output = tmp_path / "matches.csv"
    assert main(["export", "matches", "--output", str(output)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote 1 matches to {output}"
    assert list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"))))[1][3] == "Wokingham"
