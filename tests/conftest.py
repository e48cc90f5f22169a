"""Shared fixtures: a migrated database on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from storage.database import Database
from storage.models import Base

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def _normalise(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _fresh_postgres() -> Database:
    database = Database(_normalise(POSTGRES_URL))
    with database.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    database.upgrade()
    return database


@pytest.fixture(scope="session")
def postgres_database():
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    database = _fresh_postgres()
    yield database
    database.dispose()


def _empty(database: Database) -> None:
    with database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


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
