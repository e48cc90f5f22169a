"""Changes asked for by email wait for a reply carrying a one-time code sent to the same address.

An email's sender address alone is not proof enough to change who may act for an authority, so
the change is held under a short code until the person replies `confirm CODE` from that address.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from storage.bot_state import BotStateRecord

LIFETIME = timedelta(days=2)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Pending:
    action: str
    params: dict


def _key(code: str) -> str:
    return f"pending-confirmation/{code.upper()}"


def new_code(length: int = 6) -> str:
    """A code a person can read and type back: no 0/O or 1/I to confuse."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def hold(session: Session, address: str, action: str, params: dict, now: datetime) -> str:
    code = new_code()
    document = {"address": address.lower(), "action": action, "params": params, "expires": (now + LIFETIME).isoformat()}
    session.add(BotStateRecord(key=_key(code), document=json.dumps(document), e_tag=secrets.token_hex(8)))
    session.commit()
    return code


def take(session: Session, code: str, address: str, now: datetime) -> Pending | None:
    """The held change, once: None if the code is unknown, expired, or was sent to another address."""
    record = session.get(BotStateRecord, _key(code.strip()))
    if record is None:
        return None
    document = json.loads(record.document)
    if document["address"] != address.lower():
        return None
    session.delete(record)
    session.commit()
    if datetime.fromisoformat(document["expires"]) < now.astimezone(timezone.utc):
        return None
    return Pending(document["action"], document["params"])
