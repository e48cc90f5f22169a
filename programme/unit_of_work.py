"""One unit of work per turn, job or command: a programme service's changes, its audit entry and its
outbox rows are one transaction.

A service is a function of `programme/` that changes records, marked `@unit_of_work`. It commits
when it returns and rolls everything back when it raises; a service called by another joins the
caller's transaction, so only the outermost one commits. Nothing else in the programme, and nothing
in `bot/`, `scheduler/` or `notify/`, commits: they call services.

A turn answers one activity, and a Teams message, card press or email can be delivered twice with
the same id (a retry after a timeout, two web processes). `for_activity` names the activity on the
turn's session; the first unit of work that commits in that turn records the activity as handled
in the same transaction (`handled_activities`), so its effects and the record of them are one. A
second delivery finds the record and changes nothing; two at the same moment cannot both commit:
the later one's insert waits for the earlier, finds it there, and its changes are rolled back
(`AlreadyHandled`). A turn that dies before committing leaves no record, so its retry is answered.
Writes that are not a turn's effect (who someone is, a code held for a reply) are `@bookkeeping`:
they commit alone and record nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from programme.errors import ProgrammeError
from storage.base import insert_unless_present, utcnow
from storage.handled_activities import HandledActivity

P = ParamSpec("P")
R = TypeVar("R")
_DEPTH = "programme.unit_of_work.depth"
_ACTIVITY = "programme.unit_of_work.activity"  # the key of the activity the session's turn answers
_CLAIMED = "programme.unit_of_work.claimed"  # its record is in this session's committed work


class AlreadyHandled(ProgrammeError):
    def __init__(self) -> None:
        super().__init__("This arrived twice: it was done the first time, so nothing was changed again.")


def for_activity(session: Session, key: str | None) -> bool:
    """Name the activity the turn on `session` answers; False if its effects are already recorded
    (a second delivery, to change nothing). `key` None: an activity without an id, never claimed."""
    session.info[_ACTIVITY] = key
    session.info[_CLAIMED] = False
    return key is None or session.get(HandledActivity, key) is None


def _claim(session: Session) -> None:
    key = session.info.get(_ACTIVITY)
    if key is None or session.info.get(_CLAIMED):
        return
    if insert_unless_present(session, HandledActivity.__table__, {"key": key, "handled_at": utcnow()}, ("key",)) is None:
        raise AlreadyHandled()
    session.info[_CLAIMED] = True


def _transaction(service: Callable[Concatenate[Session, P], R], *, claims: bool) -> Callable[Concatenate[Session, P], R]:
    @wraps(service)
    def in_one_transaction(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        depth: int = session.info.get(_DEPTH, 0)
        session.info[_DEPTH] = depth + 1
        try:
            result = service(session, *args, **kwargs)
            if depth == 0 and claims:
                _claim(session)
        except BaseException:
            session.info[_DEPTH] = depth
            if depth == 0:
                session.rollback()
            raise
        session.info[_DEPTH] = depth
        if depth == 0:
            session.commit()
        return result

    return in_one_transaction


def unit_of_work(service: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    return _transaction(service, claims=True)


def bookkeeping(service: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    """A unit of work that is not a turn's effect: it records no activity as handled."""
    return _transaction(service, claims=False)
