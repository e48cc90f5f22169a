"""Shared fixtures: a migrated database on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL
(tests/support/databases.py makes them); the same with the example calendar imported."""

from __future__ import annotations

import pytest

from programme.calendar.importer import import_calendar, load_calendar_file
from storage.database import Database
from tests.support.calendars import AS_RECORD, EXAMPLE
from tests.support.databases import POSTGRES_URL, _empty, _fresh_postgres


@pytest.fixture(scope="session")
def postgres_database():
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    database = _fresh_postgres()
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path) -> Database:
    """A migrated, empty database: a new SQLite file, or the shared PostgreSQL test database emptied."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'test.sqlite3'}")
        database.upgrade()
        yield database
        database.dispose()
        return
    database = request.getfixturevalue("postgres_database")
    _empty(database)
    yield database
    _empty(database)


@pytest.fixture
def sqlite_database(tmp_path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def database_with_cycle(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    return database
