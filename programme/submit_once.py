"""Submit once: a form acted on once for its token, however often and however nearly at once it arrives.

Each form sent out carries its own token (in a card's action data, and so in an emailed card's held
code). Teams retries a slow request, an email is sent twice, two web processes take the same form
at the same moment: the first submission claims the token, acts, and keeps what it answered; every
other one is given that answer and changes nothing. A fresh form is a fresh token, so a genuine
second nomination or a second, identical ask is still possible where the rules allow it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from programme.errors import NotAllowed
from storage.base import insert_unless_present, utcnow
from storage.form_submissions import FormSubmission


class Answer(Protocol):
    def as_result(self) -> dict[str, Any]: ...


A = TypeVar("A", bound=Answer)
_TOKEN = re.compile(r"[A-Za-z0-9_.:#-]{1,64}")


def submit_once(
    session: Session,
    token: str,
    form: str,
    person_id: int | None,
    act: Callable[[], tuple[A, bool]],
    replay: Callable[[dict[str, Any]], A],
) -> A:
    """The answer to this form: `act`'s the first time, the kept one every time after.

    `act` returns its answer and whether to keep it: an answer that asks for corrections is not
    kept, so the same form, corrected, can be sent again. `replay` rebuilds an answer from what was
    kept. Runs in the caller's transaction; a submission of the same token by another process that
    has not committed yet is waited for, and then answered as it was."""
    if not token:
        raise ValueError(f"a {form} submission needs its form token")
    if not _TOKEN.fullmatch(token):
        # Tokens are ours (hex, or an item's token and number): anything else was not sent by us.
        raise NotAllowed("This form's reference is not one I sent. Start again with a new form.")
    # Claimed by inserting the token: no read first, as the first submission is the usual one.
    claimed = insert_unless_present(
        session, FormSubmission.__table__,
        {"token": token, "form": form, "person_id": person_id, "result": {}, "created_at": utcnow()}, ("token",),
    ) is not None
    if not claimed:  # this form was acted on already, or is being acted on and has now finished
        stored = session.get(FormSubmission, token, populate_existing=True)
        if stored is None:  # pragma: no cover - the other submission kept nothing and let the token go
            return submit_once(session, token, form, person_id, act, replay)
        if stored.person_id != person_id or stored.form != form:
            # Someone else's form, or another kind: what they were told is theirs alone.
            raise NotAllowed("This form was already sent by someone else. Start again with a new form.")
        return replay(stored.result)
    answer, keep = act()
    if keep:
        session.execute(update(FormSubmission).where(FormSubmission.token == token).values(result=answer.as_result()))
    else:
        session.execute(delete(FormSubmission).where(FormSubmission.token == token))
    return answer
