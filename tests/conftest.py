"""Shared fixtures: a migrated database on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL
(tests/support/databases.py makes them); the same with the example calendar imported; and the SDK
that hosts the app (BOT_HOST), both for every test of a module that starts the app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from programme.calendar.importer import import_calendar, load_calendar_file
from storage.database import Database
from tests.support.calendars import AS_RECORD, EXAMPLE
from tests.support.databases import POSTGRES_URL, _empty, _fresh_postgres
from tests.support.hosts import HOSTS

# The modules whose tests start the app, or talk to Teams through a host: each of their tests runs on
# both hosts. Any other module runs once (on the default host, where a host is involved at all).
HOST_MODULES = {
    "tests/integration/test_teams_sender.py",
    "tests/integration/test_delivery.py",
}
HOST_FOLDERS = ("tests/e2e/", "tests/playground/")
ONE_HOST_MODULES = {"tests/e2e/test_days_report_cli.py", "tests/e2e/test_matching_cli.py", "tests/e2e/test_panel_cli.py"}


def _on_both_hosts(path: str) -> bool:
    return path not in ONE_HOST_MODULES and (path in HOST_MODULES or path.startswith(HOST_FOLDERS))


def pytest_generate_tests(metafunc):
    path = metafunc.definition.nodeid.split("::")[0]
    if "bot_host" in metafunc.fixturenames and _on_both_hosts(path):
        metafunc.parametrize("bot_host", HOSTS, indirect=True, scope="function")


@pytest.fixture(autouse=True)
def bot_host(request, monkeypatch) -> str:
    """The host of this test's app: BOT_HOST for it and for every process it starts."""
    host = getattr(request, "param", "botbuilder")
    monkeypatch.setenv("BOT_HOST", host)
    return host


@pytest.fixture(scope="session")
def postgres_database():
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    database = _fresh_postgres()
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory) -> Path:
    """An SQLite database with every migration applied, once per session: each test gets a copy
    (migrating a new file for every test took longer than most tests)."""
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    template = Database(f"sqlite:///{path}")
    template.upgrade()
    template.dispose()
    return path


def _migrated_copy(request, tmp_path: Path) -> Database:
    target = tmp_path / "test.sqlite3"
    shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), target)
    return Database(f"sqlite:///{target}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path) -> Database:
    """A migrated, empty database: a new SQLite file, or the shared PostgreSQL test database emptied."""
    if request.param == "sqlite":
        database = _migrated_copy(request, tmp_path)
        yield database
        database.dispose()
        return
    database = request.getfixturevalue("postgres_database")
    _empty(database)
    yield database
    _empty(database)


@pytest.fixture
def sqlite_database(request, tmp_path) -> Database:
    database = _migrated_copy(request, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def database_with_cycle(database):
    import_calendar(database.sessions, load_calendar_file(EXAMPLE), dry_run=False, **AS_RECORD)
    return database
