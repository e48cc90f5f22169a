"""One unit of work per turn, job or command: a service's changes land together, or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from programme.errors import NotAllowed
from programme.unit_of_work import unit_of_work
from storage.feedback import Feedback


@unit_of_work
def _write(session, text: str, *, then=None) -> None:
    session.add(Feedback(person_id=None, channel_id="test", text=text))
    session.flush()
    if then is not None:
        then(session)


def _count(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Feedback))


def test_a_service_commits_what_it_changed(database):
    with database.session() as session:
        _write(session, "one")
    assert _count(database) == 1


def test_a_service_that_refuses_halfway_leaves_nothing_behind(database):
    def refuse(_session):
        raise NotAllowed("no")

    with database.session() as session, pytest.raises(NotAllowed):
        _write(session, "half", then=refuse)
    assert _count(database) == 0


def test_a_service_called_by_another_joins_its_transaction(database):
    def inner_then_refuse(session):
        _write(session, "inner")  # would commit on its own; here it is part of the outer unit
        raise NotAllowed("no")

    with database.session() as session, pytest.raises(NotAllowed):
        _write(session, "outer", then=inner_then_refuse)
    assert _count(database) == 0
    with database.session() as session:
        _write(session, "outer", then=lambda s: _write(s, "inner"))
    assert _count(database) == 2
