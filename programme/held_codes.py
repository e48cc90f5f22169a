"""Codes that make an email reply act: one store, one lookup, for every email flow.

An email's sender address alone is not proof enough to agree a note, accept an invitation or change
who may act for an authority. So whatever can be answered by email carries a code, made for one
address: it acts only on a reply from that address, for its one purpose and record, until it
expires (or, for a held change, once). A copy sent to someone else for information carries no code
that acts; whoever needs to act gets a code of their own.

Codes travel in square brackets in the subject (`[G-7QK2M9XA]`), or are typed (`confirm 7QK2M9`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from programme.unit_of_work import bookkeeping, unit_of_work
from storage.held_codes import HeldCode
from storage.people import Person

# No 0/O or 1/I to confuse: a code a person can read and type back.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# In a subject or a body: a letter, perhaps a hyphen, then eight letters and digits (the codes sent before
# these had the same shape); or a confirmation's six, so that "Yes" in reply to it confirms.
_BRACKETED = re.compile(r"\[([A-Za-z]-?[A-Za-z0-9]{8}|[A-Z0-9]{6})\]")


class Purpose(StrEnum):
    CARD = "card"  # an emailed card: its buttons and its form
    CONFIRM = "confirm"  # a change asked for by email, held until the code comes back
    PANEL_INVITATION = "panel-invitation"  # a nominee's answer: join or decline
    ASSIGNMENT = "assignment"  # a panel member's answers to an invitation to a piece of work
    NOTE = "note"  # a DCS's answers about their authority's note
    CALENDAR_PREVIEW = "calendar-preview"  # a calendar file previewed, to apply exactly as seen


@dataclass(frozen=True)
class Kind:
    prefix: str  # what the code starts with, so people and logs can tell codes apart
    length: int
    lifetime: timedelta
    single_use: bool


KINDS = {
    Purpose.CARD: Kind("C-", 8, timedelta(days=30), False),
    Purpose.CONFIRM: Kind("", 6, timedelta(days=2), True),
    Purpose.PANEL_INVITATION: Kind("P-", 8, timedelta(days=365), False),
    Purpose.ASSIGNMENT: Kind("A-", 8, timedelta(days=365), False),
    Purpose.NOTE: Kind("G-", 8, timedelta(days=365), False),
    Purpose.CALENDAR_PREVIEW: Kind("K-", 8, timedelta(days=2), True),
}


@dataclass(frozen=True)
class Held:
    code: str
    purpose: Purpose
    record: dict[str, Any]


def new_code(purpose: Purpose) -> str:
    kind = KINDS[purpose]
    return kind.prefix + "".join(secrets.choice(ALPHABET) for _ in range(kind.length))


@bookkeeping
def hold(session: Session, *, address: str, purpose: Purpose, record: dict[str, Any], now: datetime) -> str:
    """A new code for `address`: a reply from that address carrying it acts on `record`."""
    kind = KINDS[purpose]
    code = new_code(purpose)
    session.add(HeldCode(code=code, address=address.strip().lower(), purpose=purpose.value, record=record,
                         single_use=kind.single_use, expires_at=now + kind.lifetime))
    return code


def for_person(session: Session, person_id: int, purpose: Purpose, record: dict[str, Any], now: datetime) -> dict[str, str]:
    """What a notice to this person carries so that they, and only they, can answer it by email."""
    email = session.scalar(select(Person.email).where(Person.id == person_id))
    if not email:
        return {}
    return {"reference_code": hold(session, address=email, purpose=purpose, record=record, now=now)}


def find(session: Session, code: str, address: str, now: datetime, *, purposes: Iterable[Purpose] | None = None) -> Held | None:
    """The code's purpose and record if it was made for this address and still acts; None otherwise
    (unknown, another address's, expired, used, or for another purpose: the same answer for each)."""
    row = session.get(HeldCode, code.strip().upper())
    if row is None or row.address != address.strip().lower():
        return None
    if row.used_at is not None or row.expires_at <= now:
        return None
    wanted = {p.value for p in purposes} if purposes is not None else None
    if wanted is not None and row.purpose not in wanted:
        return None
    return Held(row.code, Purpose(row.purpose), dict(row.record or {}))


def find_in(session: Session, texts: Iterable[str], address: str, now: datetime, *,
            purposes: Iterable[Purpose] | None = None) -> Held | None:
    """The first bracketed code in these texts (a subject line, a body) that acts for this address."""
    wanted = tuple(purposes) if purposes is not None else None
    for text in texts:
        for match in _BRACKETED.finditer(text or ""):
            held = find(session, match.group(1), address, now, purposes=wanted)
            if held is not None:
                return held
    return None


# The first letter of a code says what it is for (N-: the nomination forms emailed before forms were cards).
_BY_LETTER = {kind.prefix[0]: purpose for purpose, kind in KINDS.items() if kind.prefix} | {"N": Purpose.CARD}


def mentions_a_code(texts: Iterable[str]) -> bool:
    """Whether any of these texts carries something shaped like a code, whoever it was made for."""
    return any(_BRACKETED.search(text or "") for text in texts)


def shaped_for(texts: Iterable[str]) -> Purpose | None:
    """What the first code-shaped reference in these texts would be for, going by its first letter
    alone: enough to say "that invitation was not sent to you" without looking anything up."""
    for text in texts:
        if match := _BRACKETED.search(text or ""):
            code = match.group(1)
            return Purpose.CONFIRM if len(code) == len(new_code(Purpose.CONFIRM)) else _BY_LETTER.get(code[0].upper())
    return None


@unit_of_work
def use(session: Session, held: Held, now: datetime) -> bool:
    """Spend a single-use code: True the first time, False if it was already spent (a second reply,
    or another process at the same moment)."""
    spent = cast(CursorResult[Any], session.execute(  # an UPDATE's result is a CursorResult, which has the rowcount
        update(HeldCode).where(HeldCode.code == held.code, HeldCode.used_at.is_(None)).values(used_at=now)
    )).rowcount
    return bool(spent)
