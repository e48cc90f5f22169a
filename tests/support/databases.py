"""The test databases: a migrated SQLite file, or the PostgreSQL database named by
TEST_DATABASE_URL, dropped and migrated afresh once a session and emptied around each test.
The fixtures that use these are in tests/conftest.py."""

from __future__ import annotations

import os

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


def _empty(database: Database) -> None:
    with database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
