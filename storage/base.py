from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, FromClause, MetaData, Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


Clock = Callable[[], datetime]  # what time it is, as an aware UTC moment


def utcnow() -> datetime:
    """The one system clock. The composition root gives it (or a test's fixed clock) to every part
    that asks what time it is; here it is also the database's default for timestamps."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, always in UTC and always aware, on every database (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("store aware datetimes only")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, onupdate=utcnow
    )


_INSERTS: dict[tuple[str, str, tuple[str, ...]], Any] = {}


def rows_affected(result: object) -> int:
    """How many rows an UPDATE or DELETE matched (its result's rowcount, which SQLAlchemy types loosely)."""
    return int(getattr(result, "rowcount", 0) or 0)


def insert_unless_present(session: Session, table: FromClause, values: dict[str, Any], unique: tuple[str, ...]) -> Any | None:
    """Insert a row in the caller's transaction unless one with the same `unique` columns is there:
    the new row's primary key, or None if there was one already. A concurrent insert of the same
    values (another process, not yet committed) is waited for, then skipped: `INSERT ... ON CONFLICT
    DO NOTHING` on both PostgreSQL and SQLite, so neither side fails and its transaction goes on."""
    assert isinstance(table, Table)  # a model's `__table__`, typed as any FromClause
    dialect = session.get_bind().dialect.name
    statement = _INSERTS.get((dialect, table.name, unique))
    if statement is None:
        # Built once per dialect and table: building an insert's values for every call is most of its cost.
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        key = next(iter(table.primary_key.columns))
        statement = _INSERTS[(dialect, table.name, unique)] = (
            insert(table).on_conflict_do_nothing(index_elements=list(unique)).returning(key)
        )
    return session.execute(statement, values).scalar()
