"""One unit of work per turn, job or command: a programme service's changes, its audit entry and its
outbox rows are one transaction.

A service is a function of `programme/` that changes records, marked `@unit_of_work`. It commits
when it returns and rolls everything back when it raises; a service called by another joins the
caller's transaction, so only the outermost one commits. Nothing else in the programme, and nothing
in `bot/`, `scheduler/` or `notify/`, commits: they call services.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

P = ParamSpec("P")
R = TypeVar("R")
_DEPTH = "programme.unit_of_work.depth"


def unit_of_work(service: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    @wraps(service)
    def in_one_transaction(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        depth: int = session.info.get(_DEPTH, 0)
        session.info[_DEPTH] = depth + 1
        try:
            result = service(session, *args, **kwargs)
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
